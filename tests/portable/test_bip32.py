"""BIP32 over secp256k1: the spec's test vectors 1-4, path parsing, RIPEMD-160 and secp256k1 basics."""

import json
from pathlib import Path

import pytest

from foc_web.errors import InvalidInputError, InvalidKeyError, InvalidPathError
from foc_web.stark import secp256k1
from foc_web.stark.bip32 import HARDENED, HDKey, format_path, parse_path, ripemd160

VECTORS = json.loads((Path(__file__).resolve().parent.parent / "vectors" / "bip32.json").read_text())
CHAINS = [(v["seed"], c) for v in VECTORS["vectors"] for c in v["chains"]]

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58decode(text):
    """Test-side decoder (without checksum check) to read the fields of a published xprv/xpub."""
    n = 0
    for ch in text:
        n = n * 58 + _B58.index(ch)
    return n.to_bytes(82, "big")[:-4]


# secp256k1 ------------------------------------------------------------------------------------

def test_secp256k1_constants():
    # SEC 2 v2, section 2.4.1
    assert secp256k1.P == 2**256 - 2**32 - 977
    assert (secp256k1.GY**2 - secp256k1.GX**3 - 7) % secp256k1.P == 0
    assert secp256k1.ORDER == 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@pytest.mark.parametrize("k, compressed", [
    # G in SEC 2's compressed form, and the well-known multiples 2G, 3G and -G.
    (1, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"),
    (2, "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"),
    (3, "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"),
    (0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140,
     "0379be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"),
])
def test_point_from_private_known_points(k, compressed):
    assert secp256k1.point_from_private(k).hex() == compressed


@pytest.mark.parametrize("bad", [0, -1, secp256k1.ORDER, 2**256, 1.0, "1", None])
def test_point_from_private_rejects_out_of_range(bad):
    with pytest.raises(InvalidKeyError):
        secp256k1.point_from_private(bad)


# RIPEMD-160 (published vectors: https://homes.esat.kuleuven.be/~bosselae/ripemd160.html) ------

@pytest.mark.parametrize("message, digest", [
    (b"", "9c1185a5c5e9fc54612808977ee8f548b2258d31"),
    (b"a", "0bdc9d2d256b3ee9daae347be6f4dc835a467ffe"),
    (b"abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"),
    (b"message digest", "5d0689ef49d2fae572b881b123a85ffa21595f36"),
    (b"abcdefghijklmnopqrstuvwxyz", "f71c27109c692c1b56bbdceb5b9d2865b3708dbc"),
    (b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "12a053384a9c0c88e405a06c27dcf49ada62eb2b"),
    (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "b0e20b6e3116640286ed3a87a5713079b21f5189"),
    (b"1234567890" * 8, "9b752e45573d4b39f4dbd3323cab82bf63326bfb"),
])
def test_ripemd160_published_vectors(message, digest):
    assert ripemd160(message).hex() == digest


# BIP32 test vectors ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed, chain", CHAINS)
def test_bip32_vector(seed, chain):
    key = HDKey.from_seed(bytes.fromhex(seed)).derive(chain["path"])
    assert key.to_xprv() == chain["xprv"]
    assert key.to_xpub() == chain["xpub"]
    prv, pub = _b58decode(chain["xprv"]), _b58decode(chain["xpub"])
    assert key.depth == prv[4]
    assert key.parent_fingerprint == int.from_bytes(prv[5:9], "big")
    assert key.child_number == int.from_bytes(prv[9:13], "big")
    assert key.chain_code == prv[13:45]
    assert key.private_key == prv[46:78]
    assert key.public_key == pub[45:78]


@pytest.mark.parametrize("vector", VECTORS["vectors"])
def test_bip32_vector_step_by_step_and_fingerprints(vector):
    """Deriving one level at a time with index lists gives the same keys, and each child's parent
    fingerprint is the previous key's fingerprint."""
    key = HDKey.from_seed(bytes.fromhex(vector["seed"]))
    assert key.parent_fingerprint == 0
    for chain in vector["chains"][1:]:
        child = key.derive(parse_path(chain["path"])[-1:])
        assert child.to_xprv() == chain["xprv"]
        assert child.parent_fingerprint == key.fingerprint
        key = child


def test_derive_empty_path_is_same_key():
    master = HDKey.from_seed(bytes(16))
    assert master.derive("m") is master
    assert master.derive([]) is master


def test_absolute_path_only_from_master():
    child = HDKey.from_seed(bytes(16)).derive("m/1")
    with pytest.raises(InvalidPathError, match="absolute"):
        child.derive("m/2")
    assert child.derive([2]).to_xprv() == HDKey.from_seed(bytes(16)).derive("m/1/2").to_xprv()


@pytest.mark.parametrize("seed", [b"", bytes(15), bytes(65), "00" * 32, None])
def test_from_seed_rejects_bad_seed(seed):
    with pytest.raises(InvalidInputError):
        HDKey.from_seed(seed)


def test_repr_hides_key_material():
    key = HDKey.from_seed(bytes(range(32))).derive("m/44'/9004'/0'/0/7")
    text = repr(key) + str(key)
    assert "depth=5" in text and "child_number=7" in text
    for secret in (key.private_key, key.chain_code):
        assert secret.hex() not in text.lower()
        assert str(int.from_bytes(secret, "big")) not in text


# Paths ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, indices", [
    ("m", []),
    ("m/44'/9004'/0'/0/0", [HARDENED + 44, HARDENED + 9004, HARDENED, 0, 0]),
    ("m/44h/9004H/0'/0/12", [HARDENED + 44, HARDENED + 9004, HARDENED, 0, 12]),
    ("m/2147483647'/2147483647", [2**32 - 1, 2**31 - 1]),
])
def test_parse_path(path, indices):
    assert parse_path(path) == indices


@pytest.mark.parametrize("path, message", [
    ("44'/0", "must start with 'm'"),
    ("", "must start with 'm'"),
    ("M/0", "must start with 'm'"),
    ("m/", "empty segment at level 1"),
    ("m/44'//0", "empty segment at level 2"),
    ("m/0/", "empty segment at level 2"),
    ("m/abc", "level 1 ('abc')"),
    ("m/44'/-1", "level 2 ('-1')"),
    ("m/+1", "level 1 ('+1')"),
    ("m/1''", "level 1 (\"1''\")"),
    ("m/'", "level 1 (\"'\")"),
    ("m/0x10", "level 1 ('0x10')"),
    ("m/ 1", "level 1 (' 1')"),
    ("m/\u0661", "is not a number"),  # ARABIC-INDIC DIGIT ONE: str.isdigit() would accept it
    ("m/01", "leading zero"),
    ("m/2147483648", "level 1 ('2147483648') of 'm/2147483648' is out of range"),
    ("m/0/2147483648'", "level 2 (\"2147483648'\")"),
    ("m" + "/0" * 256, "at most 255 levels"),
])
def test_parse_path_errors_name_the_segment(path, message):
    with pytest.raises(InvalidPathError) as info:
        parse_path(path)
    assert message in str(info.value)


@pytest.mark.parametrize("bad", [None, 44, [44]])
def test_parse_path_rejects_non_strings(bad):
    with pytest.raises(InvalidPathError):
        parse_path(bad)


def test_format_path_round_trip():
    path = "m/44'/9004'/0'/0/2147483647"
    assert format_path(parse_path(path)) == path
    assert format_path([]) == "m"
    assert format_path([HARDENED + 2645, 5]) == "m/2645'/5"


@pytest.mark.parametrize("bad", [[-1], [2**32], [True], ["0"], [1.0]])
def test_format_path_and_derive_reject_bad_indices(bad):
    with pytest.raises(InvalidPathError):
        format_path(bad)
    with pytest.raises(InvalidPathError):
        HDKey.from_seed(bytes(16)).derive(bad)
