"""StarkNet Pedersen hash against starknet-py (crypto-cpp) and published vectors."""

import json
from pathlib import Path

import pytest

from foc_web.errors import InvalidInputError
from foc_web.stark import _pedersen_points as points
from foc_web.stark.curve import FIELD_PRIME, is_on_curve
from foc_web.stark.pedersen import compute_hash_on_elements, pedersen_hash

VECTORS = json.loads((Path(__file__).resolve().parent.parent / "vectors" / "stark_core.json").read_text())


def _int(text):
    return int(text, 16)


@pytest.mark.parametrize("name", ["P0", "P1", "P2", "P3", "P4"])
def test_constant_points_on_curve(name):
    assert is_on_curve(getattr(points, name))


def test_shift_point_is_hash_of_zeros():
    # starknet-py utils_test: pedersen_hash(0, 0) is the x coordinate of the shift point
    assert points.P0[0] == 2089986280348253421170679821480865132823066470938446095505822317253594081284


@pytest.mark.parametrize("a, b, expected", VECTORS["pedersen"] + VECTORS["pedersen_published"])
def test_pedersen_vectors(a, b, expected):
    assert pedersen_hash(_int(a), _int(b)) == _int(expected)


@pytest.mark.parametrize("data, expected", VECTORS["hash_on_elements"])
def test_hash_on_elements_vectors(data, expected):
    values = [_int(v) for v in data]
    assert compute_hash_on_elements(values) == _int(expected)
    assert compute_hash_on_elements(tuple(values)) == _int(expected)


@pytest.mark.parametrize("data, expected", VECTORS["hash_on_elements_published"])
def test_hash_on_elements_published(data, expected):
    assert compute_hash_on_elements(data) == _int(expected)


@pytest.mark.parametrize("bad", [FIELD_PRIME, FIELD_PRIME + 1, 2**252, -1, 1.0, "0x1", None, True])
def test_pedersen_rejects_non_felts(bad):
    with pytest.raises(InvalidInputError):
        pedersen_hash(bad, 0)
    with pytest.raises(InvalidInputError):
        pedersen_hash(0, bad)
    with pytest.raises(InvalidInputError):
        compute_hash_on_elements([1, bad])
