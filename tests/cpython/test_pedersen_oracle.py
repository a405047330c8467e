"""CPython-only oracle for the Pedersen hash: starknet-py (crypto-cpp) on random field elements."""

from hypothesis import given, settings
from hypothesis import strategies as st
from starknet_py.hash.utils import compute_hash_on_elements as sn_hash_on_elements
from starknet_py.hash.utils import pedersen_hash as sn_pedersen

from foc_web.stark import _pedersen_points as points
from foc_web.stark.curve import FIELD_PRIME, unsafe_add
from foc_web.stark.pedersen import compute_hash_on_elements, pedersen_hash

felts = (
    st.integers(0, FIELD_PRIME - 1)
    | st.integers(0, 2**64)
    | st.integers(FIELD_PRIME - 2**200, FIELD_PRIME - 1)
    | st.integers(0, 252).map(lambda bits: 2**bits - 1 if bits < 252 else FIELD_PRIME - 1)
)


@settings(max_examples=60, deadline=None)
@given(a=felts, b=felts)
def test_pedersen_matches_starknet_py(a, b):
    assert pedersen_hash(a, b) == sn_pedersen(a, b)


@settings(max_examples=30, deadline=None)
@given(data=st.lists(felts, max_size=8))
def test_hash_on_elements_matches_starknet_py(data):
    assert compute_hash_on_elements(data) == sn_hash_on_elements(data)


def test_constant_points_against_starknet_py():
    # H(a, b) = x(P0 + a_low P1 + a_high P2 + b_low P3 + b_high P4): unit inputs isolate each point.
    p0 = points.P0
    assert sn_pedersen(0, 0) == p0[0]
    assert sn_pedersen(1, 0) == unsafe_add(p0, points.P1)[0]
    assert sn_pedersen(2**248, 0) == unsafe_add(p0, points.P2)[0]
    assert sn_pedersen(0, 1) == unsafe_add(p0, points.P3)[0]
    assert sn_pedersen(0, 2**248) == unsafe_add(p0, points.P4)[0]
