"""Starknet's Poseidon hash: the Hades permutation over 3 felts and its sponge.

Parameters (StarkWare, https://github.com/starkware-industries/poseidon): width 3, rate 2,
S-box x**3, 4 + 4 full rounds around 83 partial rounds that cube only the third element,
MDS matrix [[3, 1, 1], [1, -1, 1], [1, 1, -2]] applied as additions.

Speed (pure Python): the partial rounds use the "compressed" round keys of StarkWare's Cairo
implementation (starknet-crypto-codegen ``compress_roundkeys``): the keys of elements 0 and 1
are pushed through the linear layer, so each partial round adds one key. Between partial
rounds the state is tracked as (u, v, s2) with u = s0 + s1 and v = s0 - s1, where the layer
becomes ``s2 = u - 2x; u, v = 2(u + v + x), 2u``; u and v are exact (unreduced) integers, so
s0 = (u + v) / 2 and s1 = (u - v) / 2 are exact again after the last partial round.
Reduction is lazy: each S-box input is reduced mod p and its cube is not reduced at all (a
modulo costs more than a multiplication here), so values stay below about 2**900.
"""

from ..errors import InvalidInputError
from ._poseidon_constants import ROUND_CONSTANTS
from .felt import FIELD_PRIME

__all__ = ["hades_permutation", "poseidon_hash", "poseidon_hash_single", "poseidon_hash_many"]

_FULL_ROUNDS_HALF = 4
_PARTIAL_ROUNDS = 83


def _compress_round_keys(rows):
    """Split the 91 key rows into (first full rows, one key per partial round, last full rows)."""
    p = FIELD_PRIME
    first = rows[:_FULL_ROUNDS_HALF]
    pending = (0, 0, 0)
    partial = []
    for k0, k1, k2 in rows[_FULL_ROUNDS_HALF:_FULL_ROUNDS_HALF + _PARTIAL_ROUNDS]:
        d0, d1 = (pending[0] + k0) % p, (pending[1] + k1) % p
        partial.append((pending[2] + k2) % p)
        t = d0 + d1  # third element is 0: its key went into the partial round above
        pending = ((t + 2 * d0) % p, (t - 2 * d1) % p, t % p)
    last = [tuple((k + d) % p for k, d in zip(rows[_FULL_ROUNDS_HALF + _PARTIAL_ROUNDS], pending))]
    last.extend(rows[_FULL_ROUNDS_HALF + _PARTIAL_ROUNDS + 1:])
    return tuple(first), tuple(partial), tuple(last)


_FIRST_FULL_KEYS, _PARTIAL_KEYS, _LAST_FULL_KEYS = _compress_round_keys(ROUND_CONSTANTS)


def _full_rounds(s0, s1, s2, keys):
    p = FIELD_PRIME
    for k0, k1, k2 in keys:
        x0 = (s0 + k0) % p
        x0 = x0 * x0 * x0
        x1 = (s1 + k1) % p
        x1 = x1 * x1 * x1
        x2 = (s2 + k2) % p
        x2 = x2 * x2 * x2
        t = x0 + x1 + x2
        s0 = t + (x0 << 1)
        s1 = t - (x1 << 1)
        s2 = t - 3 * x2
    return s0, s1, s2


def _permute(s0, s1, s2):
    """Hades on ints that are congruent to the state (any size); returns reduced felts."""
    p = FIELD_PRIME
    s0, s1, s2 = _full_rounds(s0, s1, s2, _FIRST_FULL_KEYS)
    u = s0 + s1
    v = s0 - s1
    for k in _PARTIAL_KEYS:
        x = (s2 + k) % p
        x = x * x * x
        s2 = u - (x << 1)
        u, v = (u + v + x) << 1, u << 1
    s0, s1, s2 = _full_rounds((u + v) >> 1, (u - v) >> 1, s2, _LAST_FULL_KEYS)
    return s0 % p, s1 % p, s2 % p


def _check_felts(values):
    p = FIELD_PRIME
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < p:
            raise InvalidInputError(f"Poseidon input at position {index} is not a felt")


def hades_permutation(state: list) -> list:
    """The Hades permutation of a 3-felt state (poseidon_py / Cairo ``hades_permutation``)."""
    if len(state) != 3:
        raise InvalidInputError("Hades state must have exactly 3 felts")
    _check_felts(state)
    return list(_permute(*state))


def poseidon_hash(x: int, y: int) -> int:
    """Poseidon hash of two felts: hades(x, y, 2)[0]."""
    _check_felts((x, y))
    return _permute(x, y, 2)[0]


def poseidon_hash_single(x: int) -> int:
    """Poseidon hash of one felt: hades(x, 0, 1)[0]."""
    _check_felts((x,))
    return _permute(x, 0, 1)[0]


def poseidon_hash_many(values) -> int:
    """Poseidon sponge (rate 2) over a felt list, padded with 1 then 0 to an even length."""
    values = list(values)
    _check_felts(values)
    values.append(1)
    if len(values) % 2:
        values.append(0)
    s0 = s1 = s2 = 0
    permute = _permute
    for i in range(0, len(values), 2):
        s0, s1, s2 = permute(s0 + values[i], s1 + values[i + 1], s2)
    return s0
