"""STARK private keys and the public (stark) keys derived from them."""

import string

from ..errors import InvalidKeyError
from .curve import EC_ORDER, mul_base

_HEX_DIGITS = frozenset(string.hexdigits)


def validate_private_key(private_key) -> int:
    """The key as an int in [1, EC_ORDER); accepts an int or a 0x-prefixed hex string.

    Raises InvalidKeyError; the message never contains the key.
    """
    if isinstance(private_key, str):
        digits = private_key[2:]
        if private_key[:2].lower() != "0x" or not digits or not _HEX_DIGITS.issuperset(digits):
            raise InvalidKeyError("private key string must be 0x-prefixed hex")
        key = int(digits, 16)
    elif type(private_key) is int:
        key = private_key
    else:
        raise InvalidKeyError("private key must be an int or a 0x-prefixed hex string")
    if not 0 < key < EC_ORDER:
        raise InvalidKeyError("private key must be in [1, EC_ORDER)")
    return key


def get_public_key(private_key) -> tuple:
    """The public key point (x, y) = private_key * GENERATOR."""
    return mul_base(validate_private_key(private_key))


def get_stark_key(private_key) -> int:
    """The stark key (x coordinate of the public key), as starknet-py ``private_to_stark_key``."""
    return get_public_key(private_key)[0]
