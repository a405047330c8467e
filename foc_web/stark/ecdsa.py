"""STARK ECDSA as in cairo-lang ``signature.py`` (and starknet-py, @scure/starknet).

Differences from textbook ECDSA, all from cairo-lang: r = x(kG) with no reduction mod n and
r < 2^251; message hashes are below 2^251; w = s^-1 mod n must be below 2^251 as well.

Nonces follow RFC 6979 with HMAC-SHA256 and qlen = 252 as cairo-lang ``generate_k_rfc6979``
(python-ecdsa ``generate_k``) does. cairo-lang multiplies hashes of 249..252 bits by 16 ("one
nibble short", for elliptic.js); bits2int then shifts the 32-byte string right by 4, so for
every hash < 2^251 the RFC 6979 input h1 is the hash itself, as 32 big-endian bytes. That is
what is used here, and it is also what @scure/starknet computes (its bits2int_modN appends the
nibble the same way). Unlike python-ecdsa, hash 0 is accepted (as @scure does). Where the
references differ (the nonce's bits2int), ``sign`` lets the caller pick one; see its docstring.
"""

import hmac

from ..errors import InvalidInputError, InvalidKeyError, InvalidSignatureError
from .curve import (
    EC_ORDER,
    FIELD_PRIME,
    GENERATOR,
    _to_affine,
    _unsafe_mul2_jacobian,
    mul_base,
    recover_y,
    unsafe_add,
    unsafe_mul,
    validate_point,
)
from .keys import validate_private_key

MAX_VALUE = 2**251  # bound for message hashes, r and w = s^-1 (cairo-lang N_ELEMENT_BITS_ECDSA)

# starknet-py ``message_signature(msg_hash, priv_key, seed=32)`` passes seed 32 to crypto-cpp's
# ``cpp_generate_k_rfc6979`` (cairo-lang ``generate_k_rfc6979``), which appends it to the RFC 6979
# seed as the byte 0x20. ``sign(h, key, STARKNET_PY_SEED)`` gives starknet-py's signatures.
STARKNET_PY_SEED = 32


def _check_hash(msg_hash):
    if type(msg_hash) is not int or not 0 <= msg_hash < MAX_VALUE:
        raise InvalidInputError("message hash must be an int in [0, 2^251)")
    return msg_hash


def _drbg(seed):
    """RFC 6979 section 3.2 HMAC-SHA256 outputs T (32 bytes each); seed = x || h1 || k'."""
    v = b"\x01" * 32
    k = hmac.digest(b"\x00" * 32, v + b"\x00" + seed, "sha256")
    v = hmac.digest(k, v, "sha256")
    k = hmac.digest(k, v + b"\x01" + seed, "sha256")
    v = hmac.digest(k, v, "sha256")
    while True:
        v = hmac.digest(k, v, "sha256")
        yield v
        k = hmac.digest(k, v + b"\x00", "sha256")
        v = hmac.digest(k, v, "sha256")


def _nonces(z, key, extra_entropy):
    """Nonce candidates in [1, n), in the order the reference of each mode tries them."""
    base = key.to_bytes(32, "big") + z.to_bytes(32, "big")
    if type(extra_entropy) is int:
        # cairo-lang generate_k_rfc6979 / python-ecdsa generate_k: bits2int keeps the leftmost
        # 252 bits of T; the int seed is k' (minimal big-endian bytes, 0 -> none). cairo-lang
        # sign() retries a bad nonce with seed + 1.
        seed = extra_entropy
        while True:
            for t in _drbg(base + seed.to_bytes((seed.bit_length() + 7) // 8, "big")):
                k = int.from_bytes(t, "big") >> 4
                if 0 < k < EC_ORDER:
                    yield k
                    break
            seed += 1
    else:
        # @scure/starknet (noble; elliptic.js alike): bits2int first drops leading zero bytes of
        # T, so T < 2^248 is taken whole instead of shifted (1 nonce in 256 differs from
        # cairo-lang). Bad nonces continue the same DRBG (RFC 6979 step h.3).
        for t in _drbg(base + (extra_entropy or b"")):
            k = int.from_bytes(t, "big")
            if k >> 248:
                k >>= 4
            if 0 < k < EC_ORDER:
                yield k


def sign(msg_hash: int, private_key, extra_entropy=None) -> tuple:
    """Sign a message hash < 2^251: returns (r, s), deterministic (RFC 6979, HMAC-SHA256).

    ``extra_entropy`` picks the reference whose signatures are reproduced byte for byte:

    - None (default) or bytes: @scure/starknet ``sign(h, key)`` (the starknet.js / wallet side),
      bytes being its ``extraEntropy`` option;
    - an int: cairo-lang ``sign(h, key, seed)``, ``seed`` appended as minimal big-endian bytes.
      ``STARKNET_PY_SEED`` (32) gives starknet-py ``message_signature`` (which passes seed=32),
      0 gives cairo-lang's and crypto-cpp's ``seed=None``.

    The two families differ only in 1 nonce of 256 (see ``_nonces``); both are valid
    signatures. A nonce giving r >= 2^251, r*d + z = 0 mod n or w >= 2^251 (probability about
    2^-54) is replaced by the next candidate as in cairo-lang for ints; @scure would throw.

    Side channels: the nonce multiplication is curve.mul_base. The inversion of k m is blinded
    as noble does with a CSPRNG (against timing attacks like Minerva, Jancar et al., TCHES 2020):
    the variable-time extended Euclid only sees b k m, with b = HMAC-SHA256(private key,
    "blind" || k) mod n, unknown to an observer (noble draws b at random; deriving it keeps
    signing deterministic). That is about 5x faster in Pyodide than Fermat's a^(n-2). No randomness.
    """
    key = validate_private_key(private_key)
    z = _check_hash(msg_hash)
    if isinstance(extra_entropy, (bytes, bytearray)):
        extra_entropy = bytes(extra_entropy)
    elif not (extra_entropy is None or (type(extra_entropy) is int and extra_entropy >= 0)):
        raise InvalidInputError("extra_entropy must be None, a non-negative int or bytes")
    n = EC_ORDER
    secret = key.to_bytes(32, "big")
    for k in _nonces(z, key, extra_entropy):
        r = mul_base(k)[0]
        if not 0 < r < MAX_VALUE:
            continue
        m = (z + r * key) % n
        if m == 0:
            continue
        b = int.from_bytes(hmac.digest(secret, b"blind" + k.to_bytes(32, "big"), "sha256"), "big") % n or 1
        t = b * pow(b * k % n * m % n, -1, n) % n  # 1 / (k m)
        w = k * k % n * t % n  # k / m
        if w < MAX_VALUE:
            return r, m * m % n * t % n  # s = m / k = 1 / w
    raise AssertionError("unreachable: RFC 6979 yields infinitely many candidates")


def verify(msg_hash: int, r: int, s: int, public_key) -> bool:
    """True if (r, s) is a valid signature of msg_hash for public_key.

    ``public_key``: the stark key (x coordinate only; both y are tried, as cairo-lang and
    starknet-py do) or an (x, y) point.

    Malformed inputs raise instead of returning False (cairo-lang asserts, @scure throws
    RangeError): InvalidInputError for a hash outside [0, 2^251); InvalidSignatureError for r
    outside [1, 2^251), s outside [1, n) or s^-1 mod n >= 2^251; InvalidKeyError for a point
    not on the curve or a stark key outside [0, P). A stark key int that is not the x of any
    curve point returns False (as cairo-lang). Hash 0 is verified normally (as @scure; the
    cairo-lang Python reference returns False for it and starknet-py cannot sign it).
    """
    z = _check_hash(msg_hash)
    if type(r) is not int or not 0 < r < MAX_VALUE:
        raise InvalidSignatureError("signature r must be an int in [1, 2^251)")
    if type(s) is not int or not 0 < s < EC_ORDER:
        raise InvalidSignatureError("signature s must be an int in [1, EC_ORDER)")
    w = pow(s, -1, EC_ORDER)
    if w >= MAX_VALUE:
        raise InvalidSignatureError("signature s must have s^-1 mod EC_ORDER below 2^251")
    x_only = type(public_key) is int
    if x_only:
        if not 0 <= public_key < FIELD_PRIME:
            raise InvalidKeyError("stark key must be an int in [0, FIELD_PRIME)")
        try:
            point = (public_key, recover_y(public_key))
        except InvalidKeyError:
            return False
    else:
        point = validate_point(public_key)
    u1 = z * w % EC_ORDER
    X, Y, Z = _unsafe_mul2_jacobian(u1, GENERATOR, r * w % EC_ORDER, point)  # u1 G + u2 Q
    if Z and (X - r * Z * Z) % FIELD_PRIME == 0:  # its x is r (r < 2^251 < P)
        return True
    if not x_only:
        return False
    # The other y: u1 G - u2 Q = 2 u1 G - (u1 G + u2 Q), with the fixed-base tables only.
    result = _to_affine(X, Y, Z)
    minus = None if result is None else (result[0], FIELD_PRIME - result[1])
    other = unsafe_add(unsafe_mul(GENERATOR, 2 * u1 % EC_ORDER), minus)
    return other is not None and other[0] == r
