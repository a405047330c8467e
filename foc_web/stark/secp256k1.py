"""secp256k1, only what BIP32 private derivation needs: the compressed public key of a private key.

Fixed-base multiplication uses 6-bit windows over a lazily built table of affine multiples of G
and the complete projective addition of Renes, Costello and Batina (ePrint 2015/1060, Algorithm 8,
a = 0), so there are no special cases (identity, doubling) to branch on. Every window performs
exactly one addition; a zero digit adds a table point into a throw-away accumulator instead
(the noble-curves trick). Python integers are not constant-time, so this is "constant-time-minded",
not constant-time.
"""

from ..errors import InvalidKeyError

# Curve y^2 = x^3 + 7 over F_P; parameters from SEC 2 v2 (https://www.secg.org/sec2-v2.pdf, 2.4.1).
# Check: P == 2**256 - 2**32 - 977, and G satisfies the curve equation (tests/portable/test_bip32.py).
P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
B = 7
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8

_B3 = 3 * B
# 6-bit windows: a 43 x 64 table (30-50 ms to build on CPython) and 43 additions per multiplication.
# 8 bits saves ~15% per multiplication but costs 4x the build time, paid on the first derivation.
_WINDOW_BITS = 6
_WINDOW_MASK = (1 << _WINDOW_BITS) - 1
_WINDOWS = -(-256 // _WINDOW_BITS)
_table = None  # _table[w][d] = (max(d, 1) * 2**(6*w)) * G, affine; entry 0 feeds the dummy sum


def _add_mixed(x1, y1, z1, x2, y2):
    """(x1:y1:z1) + (x2, y2): projective + affine, complete for every left operand (RCB Alg. 8)."""
    t0 = x1 * x2 % P
    t1 = y1 * y2 % P
    t3 = (x2 + y2) * (x1 + y1) - t0 - t1
    t4 = (y2 * z1 + y1) % P
    y3 = (x2 * z1 + x1) % P
    t0 = 3 * t0
    t2 = _B3 * z1
    z3 = (t1 + t2) % P
    t1 = (t1 - t2) % P
    y3 = _B3 * y3 % P
    x3 = (t3 * t1 - t4 * y3) % P
    y3 = (t1 * z3 + y3 * t0) % P
    z3 = (z3 * t4 + t0 * t3) % P
    return x3, y3, z3


def _build_table():
    """All 43 x 64 window multiples of G, normalised to affine with one batch inversion."""
    rows = []
    bx, by = GX, GY
    for _ in range(_WINDOWS):
        row = [(bx, by, 1)]
        acc = (bx, by, 1)
        for _ in range(2, 1 << _WINDOW_BITS):
            acc = _add_mixed(*acc, bx, by)
            row.append(acc)
        rows.append(row)
        nxt = _add_mixed(*acc, bx, by)  # 64 * base: the next window's base
        inv = pow(nxt[2], -1, P)
        bx, by = nxt[0] * inv % P, nxt[1] * inv % P
    flat = [pt for row in rows for pt in row]
    # Batch inversion (Montgomery's trick) of every Z.
    prefix = [1] * (len(flat) + 1)
    for i, pt in enumerate(flat):
        prefix[i + 1] = prefix[i] * pt[2] % P
    inv = pow(prefix[-1], -1, P)
    affine = [None] * len(flat)
    for i in range(len(flat) - 1, -1, -1):
        x, y, z = flat[i]
        zinv = inv * prefix[i] % P
        inv = inv * z % P
        affine[i] = (x * zinv % P, y * zinv % P)
    size = _WINDOW_MASK
    return [[affine[w * size]] + affine[w * size:(w + 1) * size] for w in range(_WINDOWS)]


def point_from_private(private_key: int) -> bytes:
    """The SEC1 compressed public key (33 bytes) of a private key in [1, ORDER)."""
    global _table
    if not isinstance(private_key, int) or not 0 < private_key < ORDER:
        raise InvalidKeyError("secp256k1 private key must be an integer in [1, n)")
    if _table is None:
        _table = _build_table()
    x, y, z = 0, 1, 0  # the identity
    fx, fy, fz = 0, 1, 0  # dummy accumulator for zero digits
    k = private_key
    for row in _table:
        digit = k & _WINDOW_MASK
        k >>= _WINDOW_BITS
        px, py = row[digit]
        if digit:
            x, y, z = _add_mixed(x, y, z, px, py)
        else:
            fx, fy, fz = _add_mixed(fx, fy, fz, px, py)
    zinv = pow(z, -1, P)
    ax, ay = x * zinv % P, y * zinv % P
    return bytes((2 + (ay & 1),)) + ax.to_bytes(32, "big")
