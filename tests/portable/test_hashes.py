"""Poseidon, Keccak, selectors and felt helpers against vectors from independent implementations."""

import hashlib
import json
from pathlib import Path

import pytest

from foc_web.errors import InvalidInputError
from foc_web.stark._poseidon_constants import ROUND_CONSTANTS
from foc_web.stark.felt import (
    FIELD_PRIME,
    decode_shortstring,
    encode_shortstring,
    join_u256,
    split_u256,
    to_felt,
    to_felts,
)
from foc_web.stark.keccak import _ROUND_CONSTANTS, get_selector_from_name, keccak256, starknet_keccak
from foc_web.stark.poseidon import (
    hades_permutation,
    poseidon_hash,
    poseidon_hash_many,
    poseidon_hash_single,
)

VECTORS = json.loads(
    (Path(__file__).resolve().parent.parent / "vectors" / "hashes.json").read_text()
)


def _ints(values):
    return [int(v, 16) for v in values]


def test_round_constants_follow_starkware_derivation():
    # StarkWare derived the Hades keys as sha256(b"Hades%d" % i) mod p (poseidon3.txt).
    assert len(ROUND_CONSTANTS) == 91
    flat = [k for row in ROUND_CONSTANTS for k in row]
    for index, key in enumerate(flat):
        digest = hashlib.sha256(b"Hades%d" % index).digest()
        assert key == int.from_bytes(digest, "big") % FIELD_PRIME


def test_field_prime():
    assert FIELD_PRIME == 0x800000000000011000000000000000000000000000000000000000000000001


@pytest.mark.parametrize("case", VECTORS["hades"])
def test_hades_permutation(case):
    assert hades_permutation(_ints(case["state"])) == _ints(case["result"])


@pytest.mark.parametrize("case", VECTORS["poseidon_pairs"])
def test_poseidon_hash_and_single(case):
    x, y = int(case["x"], 16), int(case["y"], 16)
    assert poseidon_hash(x, y) == int(case["hash"], 16)
    assert poseidon_hash_single(x) == int(case["single_x"], 16)


@pytest.mark.parametrize("case", VECTORS["poseidon_many"])
def test_poseidon_hash_many(case):
    values = _ints(case["values"])
    assert poseidon_hash_many(values) == int(case["hash"], 16)
    assert poseidon_hash_many(tuple(values)) == int(case["hash"], 16)


@pytest.mark.parametrize("bad", [-1, FIELD_PRIME, 2**256, True, "0x1", 1.0, None])
def test_poseidon_rejects_non_felts(bad):
    with pytest.raises(InvalidInputError):
        poseidon_hash(bad, 1)
    with pytest.raises(InvalidInputError, match="position 1"):
        poseidon_hash_many([0, bad])
    with pytest.raises(InvalidInputError):
        hades_permutation([0, 0, bad])


def test_hades_needs_three_elements():
    with pytest.raises(InvalidInputError):
        hades_permutation([1, 2])


@pytest.mark.parametrize("case", VECTORS["keccak_published"] + VECTORS["keccak"])
def test_keccak256(case):
    data = bytes.fromhex(case["data"])
    assert keccak256(data).hex() == case["keccak256"]
    assert keccak256(bytearray(data)).hex() == case["keccak256"]
    if "starknet_keccak" in case:
        assert starknet_keccak(data) == int(case["starknet_keccak"], 16)


def test_keccak_round_constants_follow_fips202_lfsr():
    # FIPS 202 Algorithm 5: rc(t) from the LFSR x^8 + x^6 + x^5 + x^4 + 1; RC[i] bit 2^j - 1 is
    # rc(j + 7i) for j = 0..6.
    def rc(t):
        r = 1
        for _ in range(t % 255):
            r <<= 1
            if r & 0x100:
                r ^= 0x171
        return r & 1

    derived = [sum(rc(j + 7 * i) << (2**j - 1) for j in range(7)) for i in range(24)]
    assert list(_ROUND_CONSTANTS) == derived


def test_keccak_is_not_sha3():
    assert keccak256(b"") != hashlib.sha3_256(b"").digest()


def test_keccak_rejects_str():
    with pytest.raises(InvalidInputError):
        keccak256("abc")


@pytest.mark.parametrize("case", VECTORS["selectors"])
def test_selector(case):
    assert get_selector_from_name(case["name"]) == int(case["selector"], 16)


def test_selector_rejects_non_ascii():
    with pytest.raises(InvalidInputError):
        get_selector_from_name("transfér")


@pytest.mark.parametrize(
    "value, expected",
    [
        (0, 0),
        (FIELD_PRIME - 1, FIELD_PRIME - 1),
        ("0x0", 0),
        ("0X1f", 31),
        ("0x" + "0" * 63 + "1", 1),
        ("123", 123),
        (str(FIELD_PRIME - 1), FIELD_PRIME - 1),
    ],
)
def test_to_felt_accepts(value, expected):
    assert to_felt(value) == expected


@pytest.mark.parametrize(
    "value",
    [-1, FIELD_PRIME, True, False, 1.5, None, b"1", "", "0x", "0xg", " 1", "1_000", "-5",
     "١٢", "1e3", "0x" + "f" * 64, "9" * 100],
)
def test_to_felt_rejects(value):
    with pytest.raises(InvalidInputError):
        to_felt(value)


def test_to_felts_names_the_bad_position():
    assert to_felts(["0x1", 2, "3"]) == [1, 2, 3]
    with pytest.raises(InvalidInputError, match="position 2"):
        to_felts([1, 2, -3])
    with pytest.raises(InvalidInputError, match=r"calldata\[1\]"):
        to_felts([1, "x"], "calldata")
    with pytest.raises(InvalidInputError):
        to_felts("123")


def test_felt_error_does_not_echo_the_value():
    secret_like = "0x" + "ab" * 40
    with pytest.raises(InvalidInputError) as info:
        to_felt(secret_like)
    assert "abab" not in str(info.value)


def test_u256_split_and_join():
    value = 0x1234 << 128 | 0xABCD
    assert split_u256(value) == (0xABCD, 0x1234)
    assert join_u256(0xABCD, 0x1234) == value
    assert split_u256(2**256 - 1) == (2**128 - 1, 2**128 - 1)
    for bad in (-1, 2**256, True):
        with pytest.raises(InvalidInputError):
            split_u256(bad)
    with pytest.raises(InvalidInputError):
        join_u256(2**128, 0)


def test_shortstrings():
    # Published values: SN_MAIN / SN_SEPOLIA chain ids (starknet-py StarknetChainId).
    assert encode_shortstring("SN_MAIN") == 0x534E5F4D41494E
    assert encode_shortstring("SN_SEPOLIA") == 0x534E5F5345504F4C4941
    assert decode_shortstring(0x534E5F4D41494E) == "SN_MAIN"
    assert encode_shortstring("") == 0
    assert decode_shortstring(0) == ""
    assert decode_shortstring(encode_shortstring("x" * 31)) == "x" * 31
    for bad in ("x" * 32, "é"):
        with pytest.raises(InvalidInputError):
            encode_shortstring(bad)
    for bad in (2**248, -1, 0xFF):
        with pytest.raises(InvalidInputError):
            decode_shortstring(bad)
