"""Field elements (felts), u256 limbs and Cairo short strings.

A felt is an int in [0, FIELD_PRIME). Inputs from users and JSON arrive as ints, "0x.." hex or
decimal strings; ``to_felt`` accepts exactly those and rejects everything else (bools, floats,
negative or too large values, whitespace, underscores, non-ASCII digits) instead of guessing.
Error messages describe the problem and position, never the value itself.
"""

from ..errors import InvalidInputError

__all__ = [
    "FIELD_PRIME",
    "to_felt",
    "to_felts",
    "split_u256",
    "join_u256",
    "encode_shortstring",
    "decode_shortstring",
]

# The Starknet / Cairo prime, 2**251 + 17 * 2**192 + 1 (cairo-lang, starknet-py constants.FIELD_PRIME).
FIELD_PRIME = 2**251 + 17 * 2**192 + 1

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_DEC_DIGITS = frozenset("0123456789")
_MAX_STR_LEN = 80  # generous for 64 hex digits or 76 decimal digits, with leading zeros
_MASK_128 = (1 << 128) - 1
_SHORTSTRING_MAX = 31


def _where(position):
    if position is None:
        return ""
    if isinstance(position, str):
        return f" ({position})"
    return f" at position {position}"


def _parse_str(text, position):
    if len(text) > _MAX_STR_LEN:
        raise InvalidInputError(f"felt string{_where(position)} is too long")
    if text[:2] in ("0x", "0X"):
        digits = text[2:]
        if digits and set(digits) <= _HEX_DIGITS:
            return int(digits, 16)
    elif text and set(text) <= _DEC_DIGITS:
        return int(text, 10)
    raise InvalidInputError(
        f"felt string{_where(position)} is not a 0x-prefixed hex or decimal number"
    )


def to_felt(value, position=None) -> int:
    """Return ``value`` (int, "0x.." hex or decimal str) as a felt int, or raise InvalidInputError.

    ``position`` (a list index or a field name) only goes into the error message.
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidInputError(
            f"felt{_where(position)} must be an int or a string, not {type(value).__name__}"
        )
    number = _parse_str(value, position) if isinstance(value, str) else int(value)
    if number < 0:
        raise InvalidInputError(f"felt{_where(position)} is negative")
    if number >= FIELD_PRIME:
        raise InvalidInputError(f"felt{_where(position)} is not below the field prime")
    return number


def to_felts(values, name=None) -> list:
    """Convert a list or tuple of felt-like values; errors name the index of the bad one.

    ``name`` (e.g. "calldata") prefixes that index in error messages: "(calldata[3])".
    """
    if isinstance(values, (str, bytes, bytearray, dict)) or not hasattr(values, "__iter__"):
        raise InvalidInputError(f"{name or 'value'} must be a list of felts")
    if name is None:
        return [to_felt(value, index) for index, value in enumerate(values)]
    return [to_felt(value, f"{name}[{index}]") for index, value in enumerate(values)]


def _check_uint(value, bits, name):
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{name} must be an int")
    if not 0 <= value < 1 << bits:
        raise InvalidInputError(f"{name} must be in [0, 2**{bits})")


def split_u256(value: int) -> tuple:
    """Split a u256 into its Cairo (low, high) 128-bit limbs."""
    _check_uint(value, 256, "u256")
    return value & _MASK_128, value >> 128


def join_u256(low: int, high: int) -> int:
    """Inverse of ``split_u256``."""
    _check_uint(low, 128, "u256 low limb")
    _check_uint(high, 128, "u256 high limb")
    return (high << 128) | low


def encode_shortstring(text: str) -> int:
    """Cairo short string: at most 31 ASCII characters, first character most significant."""
    if not isinstance(text, str):
        raise InvalidInputError("short string must be a str")
    if len(text) > _SHORTSTRING_MAX:
        raise InvalidInputError("short string is longer than 31 characters")
    try:
        encoded = text.encode("ascii")
    except UnicodeEncodeError:
        raise InvalidInputError("short string must be ASCII") from None
    return int.from_bytes(encoded, "big")


def decode_shortstring(value: int) -> str:
    """Inverse of ``encode_shortstring`` (leading zero bytes are dropped)."""
    _check_uint(value, 8 * _SHORTSTRING_MAX, "short string felt")
    raw = value.to_bytes(_SHORTSTRING_MAX, "big").lstrip(b"\x00")
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        raise InvalidInputError("felt does not encode an ASCII short string") from None
