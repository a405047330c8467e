"""Keccak-256 (the original Keccak padding used by Ethereum and Starknet, not SHA3-256).

Pure Python: hashlib's sha3_256 uses the SHA-3 padding (0x06) and gives other digests, and
Pyodide has no other Keccak. The state is 25 lanes of 64 bits held in local ints; the round is
written out lane by lane from the rho/pi tables below so CPython runs no inner loops.
"""

import struct

from ..errors import InvalidInputError

__all__ = ["keccak256", "starknet_keccak", "get_selector_from_name"]

# Round constants RC[0..23] of Keccak-f[1600] (FIPS 202, section 3.2.5; keccak.team "Keccak
# reference", table 1). Verify: they are the output of the LFSR rc(t) of FIPS 202 Algorithm 5
# (tests/portable/test_hashes.py derives them); the rotation offsets below are checked by the
# published and pycryptodome Keccak-256 vectors.
_ROUND_CONSTANTS = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)
# Rotation offsets R[x][y] of rho (FIPS 202 table 2), as used in the unrolled round below:
# x=0: 0 36 3 41 18 | x=1: 1 44 10 45 2 | x=2: 62 6 43 15 61 | x=3: 28 55 25 21 56 | x=4: 27 20 39 8 14
# Lane (x, y) is a{x + 5y}; pi moves lane (x, y) to (y, 2x + 3y mod 5).

_RATE = 136  # bytes: 1600 - 2 * 256 bits of capacity
_MASK_64 = (1 << 64) - 1
_MASK_250 = (1 << 250) - 1
_unpack_block = struct.Struct("<17Q").unpack_from  # one rate block as 17 little-endian lanes
_pack_digest = struct.Struct("<4Q").pack  # the first 4 lanes are the 256-bit digest


def _keccak_f1600(lanes):
    """Permute the 25-lane state (list of ints < 2**64) in place."""
    (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12,
     a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24) = lanes
    m = _MASK_64
    for rc in _ROUND_CONSTANTS:
        # theta
        c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20
        c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21
        c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22
        c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23
        c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24
        d0 = c4 ^ (((c1 << 1) | (c1 >> 63)) & m)
        d1 = c0 ^ (((c2 << 1) | (c2 >> 63)) & m)
        d2 = c1 ^ (((c3 << 1) | (c3 >> 63)) & m)
        d3 = c2 ^ (((c4 << 1) | (c4 >> 63)) & m)
        d4 = c3 ^ (((c0 << 1) | (c0 >> 63)) & m)
        # rho and pi: b[y][2x+3y] = rot(a[x][y] ^ d[x], R[x][y])
        b0 = a0 ^ d0
        t = a1 ^ d1
        b10 = ((t << 1) | (t >> 63)) & m
        t = a2 ^ d2
        b20 = ((t << 62) | (t >> 2)) & m
        t = a3 ^ d3
        b5 = ((t << 28) | (t >> 36)) & m
        t = a4 ^ d4
        b15 = ((t << 27) | (t >> 37)) & m
        t = a5 ^ d0
        b16 = ((t << 36) | (t >> 28)) & m
        t = a6 ^ d1
        b1 = ((t << 44) | (t >> 20)) & m
        t = a7 ^ d2
        b11 = ((t << 6) | (t >> 58)) & m
        t = a8 ^ d3
        b21 = ((t << 55) | (t >> 9)) & m
        t = a9 ^ d4
        b6 = ((t << 20) | (t >> 44)) & m
        t = a10 ^ d0
        b7 = ((t << 3) | (t >> 61)) & m
        t = a11 ^ d1
        b17 = ((t << 10) | (t >> 54)) & m
        t = a12 ^ d2
        b2 = ((t << 43) | (t >> 21)) & m
        t = a13 ^ d3
        b12 = ((t << 25) | (t >> 39)) & m
        t = a14 ^ d4
        b22 = ((t << 39) | (t >> 25)) & m
        t = a15 ^ d0
        b23 = ((t << 41) | (t >> 23)) & m
        t = a16 ^ d1
        b8 = ((t << 45) | (t >> 19)) & m
        t = a17 ^ d2
        b18 = ((t << 15) | (t >> 49)) & m
        t = a18 ^ d3
        b3 = ((t << 21) | (t >> 43)) & m
        t = a19 ^ d4
        b13 = ((t << 8) | (t >> 56)) & m
        t = a20 ^ d0
        b14 = ((t << 18) | (t >> 46)) & m
        t = a21 ^ d1
        b24 = ((t << 2) | (t >> 62)) & m
        t = a22 ^ d2
        b9 = ((t << 61) | (t >> 3)) & m
        t = a23 ^ d3
        b19 = ((t << 56) | (t >> 8)) & m
        t = a24 ^ d4
        b4 = ((t << 14) | (t >> 50)) & m
        # chi and iota
        a0 = b0 ^ (~b1 & b2) ^ rc
        a1 = b1 ^ (~b2 & b3)
        a2 = b2 ^ (~b3 & b4)
        a3 = b3 ^ (~b4 & b0)
        a4 = b4 ^ (~b0 & b1)
        a5 = b5 ^ (~b6 & b7)
        a6 = b6 ^ (~b7 & b8)
        a7 = b7 ^ (~b8 & b9)
        a8 = b8 ^ (~b9 & b5)
        a9 = b9 ^ (~b5 & b6)
        a10 = b10 ^ (~b11 & b12)
        a11 = b11 ^ (~b12 & b13)
        a12 = b12 ^ (~b13 & b14)
        a13 = b13 ^ (~b14 & b10)
        a14 = b14 ^ (~b10 & b11)
        a15 = b15 ^ (~b16 & b17)
        a16 = b16 ^ (~b17 & b18)
        a17 = b17 ^ (~b18 & b19)
        a18 = b18 ^ (~b19 & b15)
        a19 = b19 ^ (~b15 & b16)
        a20 = b20 ^ (~b21 & b22)
        a21 = b21 ^ (~b22 & b23)
        a22 = b22 ^ (~b23 & b24)
        a23 = b23 ^ (~b24 & b20)
        a24 = b24 ^ (~b20 & b21)

    lanes[:] = (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12,
                a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24)


def keccak256(data: bytes) -> bytes:
    """Keccak-256 digest (pad10*1 with domain byte 0x01) of ``data``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidInputError("keccak256 expects bytes")
    data = bytes(data)
    rate = _RATE
    pad = rate - len(data) % rate
    if pad == 1:
        padded = data + b"\x81"
    else:
        padded = data + b"\x01" + bytes(pad - 2) + b"\x80"
    lanes = [0] * 25
    for start in range(0, len(padded), rate):
        block = _unpack_block(padded, start)
        lanes[:17] = [lane ^ word for lane, word in zip(lanes, block)]
        _keccak_f1600(lanes)
    return _pack_digest(*lanes[:4])


def starknet_keccak(data: bytes) -> int:
    """Starknet's keccak: the Keccak-256 digest as a big-endian int, keeping its low 250 bits."""
    return int.from_bytes(keccak256(data), "big") & _MASK_250


_DEFAULT_ENTRY_POINTS = ("__default__", "__l1_default__")


def get_selector_from_name(name: str) -> int:
    """Entry-point selector of a function name; the default entry points have selector 0."""
    if not isinstance(name, str):
        raise InvalidInputError("selector name must be a str")
    if name in _DEFAULT_ENTRY_POINTS:
        return 0
    try:
        encoded = name.encode("ascii")
    except UnicodeEncodeError:
        raise InvalidInputError("selector name must be ASCII") from None
    return starknet_keccak(encoded)
