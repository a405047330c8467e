"""Poseidon, Keccak-256 and selectors against poseidon-py, pycryptodome and starknet-py."""

from Crypto.Hash import keccak
from hypothesis import given, settings
from hypothesis import strategies as st
from poseidon_py.c_bindings import hades_permutation as oracle_hades
from poseidon_py.poseidon_hash import (
    poseidon_hash as oracle_hash,
    poseidon_hash_many as oracle_hash_many,
    poseidon_hash_single as oracle_hash_single,
)
from starknet_py.hash.selector import get_selector_from_name as oracle_selector
from starknet_py.hash.utils import _starknet_keccak as oracle_starknet_keccak

from foc_web.stark.felt import FIELD_PRIME
from foc_web.stark.keccak import get_selector_from_name, keccak256, starknet_keccak
from foc_web.stark.poseidon import (
    hades_permutation,
    poseidon_hash,
    poseidon_hash_many,
    poseidon_hash_single,
)

FELTS = st.one_of(
    st.integers(0, FIELD_PRIME - 1),
    st.sampled_from([0, 1, 2, FIELD_PRIME - 1, FIELD_PRIME - 2, 2**250, 2**128]),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(FELTS, min_size=3, max_size=3))
def test_hades_permutation(state):
    assert hades_permutation(state) == oracle_hades(state)


@settings(max_examples=40, deadline=None)
@given(FELTS, FELTS)
def test_poseidon_hash_and_single(x, y):
    assert poseidon_hash(x, y) == oracle_hash(x, y)
    assert poseidon_hash_single(x) == oracle_hash_single(x)


@settings(max_examples=30, deadline=None)
@given(st.lists(FELTS, max_size=9))
def test_poseidon_hash_many(values):
    assert poseidon_hash_many(values) == oracle_hash_many(values)


def _oracle_keccak(data):
    return keccak.new(digest_bits=256, data=data).digest()


@settings(max_examples=40, deadline=None)
@given(st.one_of(st.binary(max_size=300),
                 st.integers(130, 140).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
                 st.integers(268, 276).flatmap(lambda n: st.binary(min_size=n, max_size=n))))
def test_keccak256_and_starknet_keccak(data):
    assert keccak256(data) == _oracle_keccak(data)
    assert starknet_keccak(data) == oracle_starknet_keccak(data)


def test_keccak_every_length_around_the_rate():
    for n in range(128, 146):
        data = bytes(range(n))
        assert keccak256(data) == _oracle_keccak(data)


@settings(max_examples=30, deadline=None)
@given(st.one_of(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
                 st.sampled_from(["__default__", "__l1_default__", "__execute__", "transfer"])))
def test_selector(name):
    assert get_selector_from_name(name) == oracle_selector(name)
