"""StarkNet Pedersen hash: H(a, b) = x(P0 + a_low P1 + a_high P2 + b_low P3 + b_high P4).

a_low is the low 248 bits of a, a_high the top 4 (cairo-lang ``pedersen_hash`` adds the 252
points 2^i P1 (i < 248), 2^i P2 (i < 4) for a, likewise P3, P4 for b). Here each 248-bit half is
a sum of 31 window-table points (signed odd 8-bit digits, as in curve.mul_base); the high
nibbles, the shift point P0 and the parity corrections of both inputs are one lookup in a
324-point start table. That is 62 mixed additions and one inversion per hash. Tables are built
on first use. Variable time, like @scure: hash inputs are public data here.
"""

from ..errors import InvalidInputError
from ._pedersen_points import P0, P1, P2, P3, P4
from .curve import FIELD_PRIME, _add_affine, _batch_to_affine, odd_multiple_tables, window_sum

_LOW = 248
_LOW_MASK = (1 << _LOW) - 1
_HIGH_VALUES = (FIELD_PRIME - 1 >> _LOW) + 1  # inputs are < P, so the top nibble is at most 8
_TABLES = None  # (62 window tables: P1 then P3, start points)


def _start_points():
    """P0 + ha P2 - ca P1 + hb P4 - cb P3 at index ((ha * 2 + ca) * 9 + hb) * 2 + cb."""
    jac = [(P0[0], P0[1], 1)]
    minus_p1 = (P1[0], FIELD_PRIME - P1[1])
    minus_p3 = (P3[0], FIELD_PRIME - P3[1])
    for point, count in ((P2, _HIGH_VALUES), (minus_p1, 2), (P4, _HIGH_VALUES), (minus_p3, 2)):
        expanded = []
        for current in jac:
            for _ in range(count):
                expanded.append(current)
                current = _add_affine(*current, *point)
        jac = expanded
    return _batch_to_affine(jac)


def _tables():
    global _TABLES
    if _TABLES is None:
        windows = _LOW // 8
        _TABLES = (odd_multiple_tables(P1, windows) + odd_multiple_tables(P3, windows), _start_points())
    return _TABLES


def _check(value):
    if type(value) is not int or not 0 <= value < FIELD_PRIME:
        raise InvalidInputError("Pedersen inputs must be ints in [0, FIELD_PRIME)")


def pedersen_hash(a: int, b: int) -> int:
    """The StarkNet Pedersen hash of two field elements (equals starknet-py ``pedersen_hash``)."""
    _check(a)
    _check(b)
    tables, starts = _tables()
    a_low = a & _LOW_MASK
    b_low = b & _LOW_MASK
    # An even low part v is summed as (v + 1) - 1: the -P1 / -P3 is in the start point.
    a_even = 1 - (a_low & 1)
    b_even = 1 - (b_low & 1)
    x, y = starts[(((a >> _LOW) * 2 + a_even) * _HIGH_VALUES + (b >> _LOW)) * 2 + b_even]
    # (v + 2^248 - 1) / 2 gives the 31 signed odd digits of odd v < 2^248 (see curve._signed_odd_digits)
    digits = ((a_low + a_even + _LOW_MASK) >> 1).to_bytes(31, "little") + (
        (b_low + b_even + _LOW_MASK) >> 1
    ).to_bytes(31, "little")
    X, _, Z = window_sum(x, y, 1, tables, digits)
    if Z == 0:
        # Some partial sum met a table point: this needs a discrete-log relation between the
        # constant points. cairo-lang asserts "Unhashable input." in the same situation.
        raise InvalidInputError("unhashable input")
    zi = pow(Z, -1, FIELD_PRIME)
    return X * zi * zi % FIELD_PRIME


def compute_hash_on_elements(data) -> int:
    """h(...h(h(0, data[0]), data[1])..., len(data)), as starknet-py ``compute_hash_on_elements``."""
    result = 0
    for value in data:
        result = pedersen_hash(result, value)
    return pedersen_hash(result, len(data))
