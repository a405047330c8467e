"""SNIP-12 typed data hashing (off-chain messages), revisions 0 and 1.

Revision 0 hashes with Pedersen chains and the ``StarkNetDomain`` separator; revision 1 with
Poseidon, the ``StarknetDomain`` separator, quoted names in type encodings, and the extra basic
types (u128, i128, timestamp, shortstring, ContractAddress, ClassHash, string as ByteArray, enum)
and preset types (u256, TokenAmount, NftId). Results equal starknet-py's
``TypedData.from_dict(d).message_hash(address)`` (starknet_py/utils/typed_data.py), which
tests/cpython/test_typed_data_oracle.py checks on random messages.

starknet.js (src/utils/typedData.ts) differs from both for enum variants without fields, "()":
it hashes [index, 0] where starknet-py and this module hash [index].
Two deliberate differences from starknet-py, both on inputs it mishandles:
- a ``selector`` value is taken as a number only with a "0x" prefix (as starknet.js does);
  starknet-py also reads prefix-less hex-looking names such as "add" as numbers;
- a revision-1 ``string`` is split into 31-byte words of its UTF-8 encoding (Cairo ByteArray,
  starknet.js); starknet-py only accepts ASCII there (where both agree).
Values must encode to felts (0 <= v < FIELD_PRIME); starknet-py passes larger ones to its
native hash, which rejects or reduces them. Accepted where starknet-py raises, as starknet.js
does: numeric domain values (e.g. "chainId": 1) and a struct referenced only as "(Foo*)" in an
enum variant.
"""

from dataclasses import dataclass
from types import MappingProxyType

from ..errors import InvalidInputError
from .felt import FIELD_PRIME, encode_shortstring, to_felt
from .keccak import get_selector_from_name
from .pedersen import compute_hash_on_elements, pedersen_hash
from .poseidon import poseidon_hash, poseidon_hash_many

__all__ = ["TypedData", "message_hash", "struct_hash", "type_hash", "encode_type"]


@dataclass(frozen=True)
class _Param:
    name: str
    type: str
    contains: str = ""  # member type of "merkletree" leaves or the "enum" type


_BASIC_V0 = frozenset({"felt", "selector", "merkletree", "string", "bool"})
_BASIC_V1 = _BASIC_V0 | {
    "enum", "shortstring", "ContractAddress", "ClassHash", "u128", "i128", "timestamp",
}
_FELT_TYPES_V1 = frozenset({"felt", "shortstring", "ContractAddress", "ClassHash"})
_PRESETS_V1 = MappingProxyType({
    "u256": (_Param("low", "u128"), _Param("high", "u128")),
    "TokenAmount": (_Param("token_address", "ContractAddress"), _Param("amount", "u256")),
    "NftId": (_Param("collection_address", "ContractAddress"), _Param("token_id", "u256")),
})
_STARKNET_MESSAGE = encode_shortstring("StarkNet Message")
_U128_BOUND = 1 << 128
_I128_BOUND = 1 << 127
_BYTES31 = 31


def _fail(message):
    raise InvalidInputError("typed data: " + message)


def _is_variant(type_name):
    return type_name.startswith("(") and type_name.endswith(")")


def _variant_types(type_name):
    """'(a,b)' -> ['a', 'b']; '()' -> []."""
    inner = type_name[1:-1]
    return inner.split(",") if inner else []


def _strip_pointer(type_name):
    return type_name[:-1] if type_name.endswith("*") else type_name


def _parse_int(value, signed=False):
    """int, "0x.." hex or (optionally signed) decimal string -> int."""
    if isinstance(value, bool):
        _fail("expected a number, got a bool")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        digits = value[1:] if signed and value.startswith("-") else value
        if value.startswith("0x"):
            return to_felt(value) if len(value) > 2 else _fail("empty hex number")
        if digits.isascii() and digits.isdigit():
            return int(value, 10)
    _fail("expected an int, a 0x-hex string or a decimal string")


def _felt(value):
    """Rules of starknet-py ``parse_felt``: int, hex, decimal, otherwise a short string."""
    if isinstance(value, str) and not value.startswith("0x") and not (
        value.isascii() and value.isdigit()
    ):
        return encode_shortstring(value)
    number = _parse_int(value)
    if not 0 <= number < FIELD_PRIME:
        _fail("value is not a felt")
    return number


def _u128(value):
    number = _parse_int(value)
    if not 0 <= number < _U128_BOUND:
        _fail("value is out of range for u128")
    return number


def _i128(value):
    number = _parse_int(value, signed=True)
    if not -_I128_BOUND <= number < _I128_BOUND and not (
        FIELD_PRIME - _I128_BOUND <= number < FIELD_PRIME
    ):
        _fail("value is out of range for i128")
    return number % FIELD_PRIME


def _bool(value):
    encoded = {True: 1, False: 0, "true": 1, "false": 0, "1": 1, "0": 0, "0x1": 1, "0x0": 0}
    if isinstance(value, (bool, str)) and value in encoded:
        return encoded[value]
    if type(value) is int and value in (0, 1):
        return value
    _fail("expected a boolean")


def _selector(value):
    if not isinstance(value, str):
        _fail("selector must be a string")
    return to_felt(value) if value.startswith("0x") else get_selector_from_name(value)


def _byte_array(text):
    """Cairo ByteArray serialization: [n_words, *31-byte words, pending_word, pending_len]."""
    if not isinstance(text, str):
        _fail("string must be a str")
    data = text.encode("utf-8")
    full = len(data) - len(data) % _BYTES31
    words = [int.from_bytes(data[i:i + _BYTES31], "big") for i in range(0, full, _BYTES31)]
    pending = data[full:]
    return [len(words), *words, int.from_bytes(pending, "big"), len(pending)]


def _merkle_root(leaves, hash2):
    """Root of StarkWare's merkle tree: sorted pairs, an odd node paired with 0."""
    if not leaves:
        _fail("merkletree needs at least one leaf")
    level = list(leaves)
    while len(level) > 1:
        if len(level) % 2:
            level.append(0)
        level = [hash2(min(a, b), max(a, b)) for a, b in zip(level[::2], level[1::2])]
    return level[0]


def _parse_types(raw_types):
    if not isinstance(raw_types, dict):
        _fail("'types' must be an object")
    types = {}
    for name, params in raw_types.items():
        if not isinstance(name, str) or not isinstance(params, list):
            _fail("'types' must map type names to lists of members")
        parsed = []
        for param in params:
            if not isinstance(param, dict) or not isinstance(param.get("name"), str) \
                    or not isinstance(param.get("type"), str):
                _fail(f"member of type {name!r} needs string 'name' and 'type'")
            contains = ""
            if param["type"] in ("merkletree", "enum"):
                contains = param.get("contains")
                if not isinstance(contains, str):
                    _fail(f"member {param['name']!r} of {name!r} needs 'contains'")
            parsed.append(_Param(param["name"], param["type"], contains))
        types[name] = tuple(parsed)
    return types


def _revision(domain):
    revision = domain.get("revision")
    if revision in (None, 0, "0"):
        return 0
    if revision in (1, "1"):
        return 1
    _fail("domain revision must be 0 or 1")


class TypedData:
    """A parsed and checked SNIP-12 typed data object (the JSON wallets sign)."""

    def __init__(self, typed_data: dict):
        if not isinstance(typed_data, dict):
            _fail("expected an object")
        domain = typed_data.get("domain")
        message = typed_data.get("message")
        primary_type = typed_data.get("primaryType")
        if not isinstance(domain, dict) or not isinstance(message, dict):
            _fail("'domain' and 'message' must be objects")
        if not isinstance(primary_type, str):
            _fail("'primaryType' must be a string")
        self.revision = _revision(domain)
        self.domain = domain
        self.message = message
        self.primary_type = primary_type
        self.types = _parse_types(typed_data.get("types"))
        if self.revision == 0:
            self._separator = "StarkNetDomain"
            self._basic = _BASIC_V0
            self._all_types = self.types
            self._hash_many, self._hash2 = compute_hash_on_elements, pedersen_hash
        else:
            self._separator = "StarknetDomain"
            self._basic = _BASIC_V1
            self._all_types = {**_PRESETS_V1, **self.types}
            self._hash_many, self._hash2 = poseidon_hash_many, poseidon_hash
        self._type_hashes = {}
        self._verify_types()

    def _verify_types(self):
        """The checks of starknet-py ``TypedData._verify_types`` (but, as starknet.js, a struct
        used only as an array inside an enum variant, "(Foo*)", counts as referenced)."""
        if self._separator not in self.types:
            _fail(f"types must contain {self._separator!r}")
        referenced = {self._separator, self.primary_type}
        for params in self.types.values():
            for param in params:
                if param.contains:
                    referenced.add(param.contains)
                elif _is_variant(param.type):
                    referenced.update(map(_strip_pointer, _variant_types(param.type)))
                else:
                    referenced.add(_strip_pointer(param.type))
        for name, params in self.types.items():
            if not name:
                _fail("type names cannot be empty")
            if name in self._basic or (self.revision == 1 and name in _PRESETS_V1):
                _fail(f"types must not redefine the basic or preset type {name!r}")
            if name.endswith("*") or _is_variant(name) or "," in name:
                _fail(f"type name {name!r} cannot end in '*', be parenthesized or contain ','")
            if name not in referenced:
                _fail(f"dangling type {name!r} is not referenced")
            if self.revision == 0 and any(param.type == "enum" for param in params):
                _fail("enum is not supported in revision 0")

    def _dependencies(self, type_name):
        """type_name first, then every struct it reaches, in discovery order."""
        found = [type_name]
        queue = [type_name]
        while queue:
            for param in self._all_types.get(queue.pop(0), ()):
                if param.type == "enum":
                    members = [param.contains]
                elif _is_variant(param.type):
                    members = _variant_types(param.type)
                else:
                    members = [param.type]
                for member in map(_strip_pointer, members):
                    if member in self._all_types and member not in found:
                        found.append(member)
                        queue.append(member)
        return found

    def encode_type(self, type_name: str) -> str:
        """SNIP-12 type encoding: the type, then its dependencies sorted by name."""
        primary, *dependencies = self._dependencies(type_name)
        quote = (lambda s: s) if self.revision == 0 else (lambda s: f'"{s}"')
        parts = []
        for name in [primary, *sorted(dependencies)]:
            if name not in self._all_types:
                _fail(f"type {name!r} is not defined")
            members = []
            for param in self._all_types[name]:
                target = param.contains if self.revision == 1 and param.type == "enum" \
                    else param.type
                if _is_variant(target):
                    encoded = "(" + ",".join(quote(t) for t in _variant_types(target)) + ")"
                else:
                    encoded = quote(target)
                members.append(f"{quote(param.name)}:{encoded}")
            parts.append(f"{quote(name)}({','.join(members)})")
        return "".join(parts)

    def type_hash(self, type_name: str) -> int:
        """starknet_keccak of the type encoding (cached: Keccak is slow in pure Python)."""
        cached = self._type_hashes.get(type_name)
        if cached is None:
            cached = self._type_hashes[type_name] = get_selector_from_name(
                self.encode_type(type_name)
            )
        return cached

    def struct_hash(self, type_name: str, data: dict) -> int:
        """Hash of one struct value: hash_many([type_hash, *encoded members])."""
        if type_name not in self._all_types:
            _fail(f"type {type_name!r} is not defined")
        if not isinstance(data, dict):
            _fail(f"value of struct {type_name!r} must be an object")
        encoded = [self.type_hash(type_name)]
        for param in self._all_types[type_name]:
            if param.name not in data:
                _fail(f"member {param.name!r} of {type_name!r} is missing")
            encoded.append(self._encode_value(param, data[param.name]))
        return self._hash_many(encoded)

    def message_hash(self, account_address: int) -> int:
        """The hash an account signs: over "StarkNet Message", domain, account, message."""
        return self._hash_many([
            _STARKNET_MESSAGE,
            self.struct_hash(self._separator, self.domain),
            to_felt(account_address, "account_address"),
            self.struct_hash(self.primary_type, self.message),
        ])

    def _encode_value(self, param, value):
        """Encode a struct member; ``param`` carries the 'contains' of enums and merkletrees."""
        type_name = param.type
        if type_name in self._all_types and isinstance(value, dict):
            return self.struct_hash(type_name, value)
        if type_name.endswith("*") and isinstance(value, list):
            element = _Param(param.name, type_name[:-1])
            return self._hash_many([self._encode_value(element, item) for item in value])
        if type_name not in self._basic:
            _fail(f"type {type_name!r} is not defined")
        if type_name == "merkletree":
            if not isinstance(value, list):
                _fail("merkletree value must be a list")
            leaf = _Param(param.name, param.contains)
            return _merkle_root([self._encode_value(leaf, item) for item in value], self._hash2)
        if type_name == "enum":
            return self._encode_enum(param.contains, value)
        if type_name == "bool":
            return _bool(value)
        if type_name == "selector":
            return _selector(value)
        if self.revision == 0 or type_name in _FELT_TYPES_V1:  # rev 0: felt and string
            return _felt(value)
        if type_name in ("u128", "timestamp"):
            return _u128(value)
        if type_name == "i128":
            return _i128(value)
        return self._hash_many(_byte_array(value))  # "string" in revision 1

    def _encode_enum(self, enum_type, value):
        """hash_many([variant index, *encoded variant fields]) of a {variant: [fields]} value."""
        if not isinstance(value, dict) or len(value) != 1:
            _fail("enum value must be an object with a single variant")
        if enum_type not in self._all_types:
            _fail(f"enum type {enum_type!r} is not defined")
        ((variant_name, fields),) = value.items()
        variants = self._all_types[enum_type]
        for index, variant in enumerate(variants):
            if variant.name == variant_name:
                break
        else:
            _fail(f"variant {variant_name!r} is not defined in enum {enum_type!r}")
        field_types = _variant_types(variant.type) if _is_variant(variant.type) else None
        if field_types is None or not isinstance(fields, list) or len(fields) < len(field_types):
            _fail(f"variant {variant_name!r} needs a list of {len(field_types or ())} values")
        encoded = [self._encode_value(_Param(variant_name, t), f)
                   for t, f in zip(field_types, fields)]
        return self._hash_many([index, *encoded])


def message_hash(typed_data: dict, account_address: int) -> int:
    """SNIP-12 message hash of ``typed_data`` for the signing account."""
    return TypedData(typed_data).message_hash(account_address)


def struct_hash(typed_data: dict, type_name: str, data: dict) -> int:
    """Hash of ``data`` as struct ``type_name`` under ``typed_data``'s types and revision."""
    return TypedData(typed_data).struct_hash(type_name, data)


def type_hash(typed_data: dict, type_name: str) -> int:
    """starknet_keccak of ``encode_type`` for ``type_name``."""
    return TypedData(typed_data).type_hash(type_name)


def encode_type(typed_data: dict, type_name: str) -> str:
    """SNIP-12 encoding of ``type_name`` with its dependencies."""
    return TypedData(typed_data).encode_type(type_name)
