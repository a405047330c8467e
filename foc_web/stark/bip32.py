"""BIP32 hierarchical deterministic keys over secp256k1 (private derivation only).

Spec: https://github.com/bitcoin/bips/blob/master/bip-0032.mediawiki. Starknet wallets derive a
secp256k1 BIP32 key first and then grind it into a Stark key (see ``derivation.py``).
Public-only derivation (xpub -> child xpub) is not needed for that and is not provided.
"""

import hashlib
import hmac

from ..errors import InvalidInputError, InvalidKeyError, InvalidPathError
from . import secp256k1

HARDENED = 0x80000000
_MAX_DEPTH = 255  # the serialised depth is one byte
_MASTER_HMAC_KEY = b"Bitcoin seed"  # BIP32 "Master key generation"
# Serialisation version bytes for mainnet, BIP32 "Serialization format".
_XPRV_VERSION = bytes.fromhex("0488ade4")
_XPUB_VERSION = bytes.fromhex("0488b21e")
_DIGITS = frozenset("0123456789")


def parse_path(path: str) -> list:
    """``"m/44'/9004'/0'/0/0"`` -> child indices; ``'`` or ``h``/``H`` marks a hardened level."""
    if not isinstance(path, str):
        raise InvalidPathError("a derivation path must be a string like \"m/44'/9004'/0'/0/0\"")
    segments = path.split("/")
    if segments[0] != "m":
        raise InvalidPathError(f"a derivation path must start with 'm', got {segments[0]!r} in {path!r}")
    if len(segments) - 1 > _MAX_DEPTH:
        raise InvalidPathError(f"a derivation path has at most {_MAX_DEPTH} levels")
    indices = []
    for level, segment in enumerate(segments[1:], 1):
        hardened = segment[-1:] in ("'", "h", "H")
        digits = segment[:-1] if hardened else segment
        where = f"level {level} ({segment!r}) of {path!r}"
        if not segment:
            raise InvalidPathError(f"empty segment at level {level} of {path!r}")
        if not digits or not set(digits) <= _DIGITS:
            raise InvalidPathError(f"{where} is not a number optionally followed by ' or h")
        if len(digits) > 1 and digits[0] == "0":
            raise InvalidPathError(f"{where} has a leading zero")
        index = int(digits)
        if index >= HARDENED:
            raise InvalidPathError(f"{where} is out of range: an index must be below 2^31 (2147483648)")
        indices.append(index + HARDENED if hardened else index)
    return indices


def check_indices(indices) -> list:
    """A list of child indices, each checked to be in [0, 2^32)."""
    indices = list(indices)
    for index in indices:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 2**32:
            raise InvalidPathError(f"a child index must be an integer in [0, 2^32), got {index!r}")
    if len(indices) > _MAX_DEPTH:
        raise InvalidPathError(f"a derivation path has at most {_MAX_DEPTH} levels")
    return indices


def format_path(indices) -> str:
    """Child indices -> ``"m/44'/9004'/0'/0/0"`` (the inverse of ``parse_path``)."""
    return "/".join(["m"] + [f"{i - HARDENED}'" if i >= HARDENED else str(i) for i in check_indices(indices)])


class HDKey:
    """A BIP32 extended private key. The repr never shows key material."""

    __slots__ = ("_key", "chain_code", "depth", "child_number", "_parent_public_key", "_public_key")

    def __init__(self, key: int, chain_code: bytes, depth: int, child_number: int, parent_public_key):
        """Internal: use ``from_seed`` and ``derive``."""
        self._key = key
        self.chain_code = chain_code
        self.depth = depth
        self.child_number = child_number
        self._parent_public_key = parent_public_key  # None for a master key
        self._public_key = None

    @classmethod
    def from_seed(cls, seed: bytes) -> "HDKey":
        """The master key of a 16..64-byte seed: HMAC-SHA512(key="Bitcoin seed", seed)."""
        if not isinstance(seed, (bytes, bytearray)):
            raise InvalidInputError("a BIP32 seed must be bytes")
        if not 16 <= len(seed) <= 64:
            raise InvalidInputError(f"a BIP32 seed must be 16 to 64 bytes long, got {len(seed)}")
        digest = hmac.digest(_MASTER_HMAC_KEY, bytes(seed), "sha512")
        key = int.from_bytes(digest[:32], "big")
        if not 0 < key < secp256k1.ORDER:
            raise InvalidKeyError("this seed gives an invalid BIP32 master key; use another seed")
        return cls(key, digest[32:], 0, 0, None)

    @property
    def private_key(self) -> bytes:
        return self._key.to_bytes(32, "big")

    @property
    def public_key(self) -> bytes:
        """The 33-byte compressed secp256k1 public key (computed on first use)."""
        if self._public_key is None:
            self._public_key = secp256k1.point_from_private(self._key)
        return self._public_key

    @property
    def fingerprint(self) -> int:
        """The first 4 bytes of HASH160(public key), as an integer."""
        return _fingerprint(self.public_key)

    @property
    def parent_fingerprint(self) -> int:
        return 0 if self._parent_public_key is None else _fingerprint(self._parent_public_key)

    def derive(self, path) -> "HDKey":
        """Child key at ``path``: an absolute "m/..." string (from a master key only) or a list of
        indices relative to this key (``HARDENED + i`` for hardened)."""
        if isinstance(path, str):
            if self.depth != 0:
                raise InvalidPathError("an 'm/...' path is absolute: derive it from the master key "
                                       "or pass a list of relative indices")
            indices = parse_path(path)
        else:
            indices = check_indices(path)
        if self.depth + len(indices) > _MAX_DEPTH:
            raise InvalidPathError(f"a BIP32 key cannot be deeper than {_MAX_DEPTH} levels")
        if not indices:
            return self
        key, chain_code, public_key = self._key, self.chain_code, self._public_key
        for index in indices:
            if index >= HARDENED:
                data = b"\x00" + key.to_bytes(32, "big")
            else:
                if public_key is None:
                    public_key = secp256k1.point_from_private(key)
                data = public_key
            digest = hmac.digest(chain_code, data + index.to_bytes(4, "big"), "sha512")
            tweak = int.from_bytes(digest[:32], "big")
            parent_key, parent_public_key = key, public_key
            key = (tweak + key) % secp256k1.ORDER
            if tweak >= secp256k1.ORDER or key == 0:  # probability ~2^-127 (BIP32: skip this index)
                raise InvalidKeyError(f"child index {index} gives an invalid BIP32 key; use the next index")
            chain_code, public_key = digest[32:], None
        if parent_public_key is None:  # last step hardened: its parent's public key is still unknown
            parent_public_key = secp256k1.point_from_private(parent_key)
        return HDKey(key, chain_code, self.depth + len(indices), indices[-1], parent_public_key)

    def _serialize(self, version: bytes, key_data: bytes) -> str:
        payload = (version + bytes((self.depth,)) + self.parent_fingerprint.to_bytes(4, "big")
                   + self.child_number.to_bytes(4, "big") + self.chain_code + key_data)
        return _base58check(payload)

    def to_xprv(self) -> str:
        """Base58Check extended private key (mainnet "xprv")."""
        return self._serialize(_XPRV_VERSION, b"\x00" + self.private_key)

    def to_xpub(self) -> str:
        """Base58Check extended public key (mainnet "xpub")."""
        return self._serialize(_XPUB_VERSION, self.public_key)

    def __repr__(self):
        return f"HDKey(depth={self.depth}, child_number={format_path([self.child_number])[2:]})"


_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"  # Bitcoin's alphabet


def _base58check(payload: bytes) -> str:
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_B58_ALPHABET[r])
    zeros = len(data) - len(data.lstrip(b"\x00"))
    return "1" * zeros + "".join(reversed(out))


def _fingerprint(public_key: bytes) -> int:
    return int.from_bytes(ripemd160(hashlib.sha256(public_key).digest())[:4], "big")


# RIPEMD-160 (Dobbertin, Bosselaers, Preneel 1996), from the reference description at
# https://homes.esat.kuleuven.be/~bosselae/ripemd160.html. Pure Python because hashlib often lacks
# it (OpenSSL 3 moved it to the legacy provider; Pyodide has none). Checked against the published
# test vectors (tests/portable/test_bip32.py). Hashes only public keys here, so variable time is fine.
_RL = (
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8,
    3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12,
    1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2,
    4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13,
)
_RR = (
    5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12,
    6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2,
    15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13,
    8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14,
    12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11,
)
_SL = (
    11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8,
    7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12,
    11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5,
    11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12,
    9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6,
)
_SR = (
    8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6,
    9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11,
    9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5,
    15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8,
    8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11,
)
_KL = (0x00000000, 0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xA953FD4E)
_KR = (0x50A28BE6, 0x5C4DD124, 0x6D703EF3, 0x7A6D76E9, 0x00000000)
_M32 = 0xFFFFFFFF


def _f(j, x, y, z):
    if j == 0:
        return x ^ y ^ z
    if j == 1:
        return (x & y) | (~x & z)
    if j == 2:
        return (x | ~y) ^ z
    if j == 3:
        return (x & z) | (y & ~z)
    return x ^ (y | ~z)


def _rol(x, n):
    return ((x << n) | (x >> (32 - n))) & _M32


def ripemd160(data: bytes) -> bytes:
    """RIPEMD-160 digest (20 bytes)."""
    h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
    msg = bytes(data) + b"\x80" + b"\x00" * ((55 - len(data)) % 64) + (8 * len(data)).to_bytes(8, "little")
    for block in range(0, len(msg), 64):
        x = [int.from_bytes(msg[i:i + 4], "little") for i in range(block, block + 64, 4)]
        al, bl, cl, dl, el = h
        ar, br, cr, dr, er = h
        for j in range(80):
            rnd = j >> 4
            t = _rol((al + _f(rnd, bl, cl, dl) + x[_RL[j]] + _KL[rnd]) & _M32, _SL[j]) + el
            al, el, dl, cl, bl = el, dl, _rol(cl, 10), bl, t & _M32
            t = _rol((ar + _f(4 - rnd, br, cr, dr) + x[_RR[j]] + _KR[rnd]) & _M32, _SR[j]) + er
            ar, er, dr, cr, br = er, dr, _rol(cr, 10), br, t & _M32
        h = [(h[1] + cl + dr) & _M32, (h[2] + dl + er) & _M32, (h[3] + el + ar) & _M32,
             (h[4] + al + br) & _M32, (h[0] + bl + cr) & _M32]
    return b"".join(v.to_bytes(4, "little") for v in h)
