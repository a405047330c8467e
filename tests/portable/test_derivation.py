"""Stark key derivation schemes against @scure (tests/vectors/gen_derivation.mjs) and a real Ledger."""

import json
import re
from pathlib import Path

import pytest

from foc_web.errors import InvalidInputError, InvalidMnemonicError, InvalidPathError
from foc_web.stark.bip32 import format_path
from foc_web.stark.bip39 import mnemonic_to_seed
from foc_web.stark.derivation import (
    derive_from_mnemonic,
    derive_private_key,
    eip2645_path,
    grind_key,
    starknet_bip44_path,
    validate_path_for_scheme,
)
from foc_web.stark.keys import get_stark_key

VECTORS_DIR = Path(__file__).resolve().parent.parent / "vectors"
DERIVATION = json.loads((VECTORS_DIR / "derivation.json").read_text(encoding="utf-8"))
LEDGER = json.loads((VECTORS_DIR / "ledger_starknet.json").read_text(encoding="utf-8"))
KEYS = [(case["seed"], key) for case in DERIVATION["cases"] for key in case["keys"]]
ABOUT = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"


def _apdu_path(apdu_hex):
    """The BIP32 path of a Starknet-app GET_PUBKEY APDU (CLA INS P1 P2 Lc, then u32 big-endian)."""
    data = bytes.fromhex(apdu_hex)[5:]
    return [int.from_bytes(data[i:i + 4], "big") for i in range(0, len(data), 4)]


@pytest.mark.parametrize("seed, key", KEYS)
def test_scheme_keys_match_scure(seed, key):
    private_key = derive_private_key(bytes.fromhex(seed), key["path"], key["scheme"])
    assert private_key == int(key["private_key"], 16)
    assert get_stark_key(private_key) == int(key["stark_key"], 16)


@pytest.mark.parametrize("case", DERIVATION["cases"])
async def test_derive_from_mnemonic_matches_scure(case):
    assert (await mnemonic_to_seed(case["mnemonic"], case["passphrase"])).hex() == case["seed"]
    key = case["keys"][-1]  # the last index, eip2645 scheme
    index = int(key["path"].rsplit("/", 1)[1])
    got = await derive_from_mnemonic(case["mnemonic"], index=index, scheme=key["scheme"], passphrase=case["passphrase"])
    assert got == int(key["private_key"], 16)


async def test_argentx_drops_leading_zero_of_eth_key():
    """For this mnemonic the Argent X secret starts with 00; using all 32 bytes would give other keys."""
    case = next(c for c in DERIVATION["cases"] if "note" in c)
    for key in case["keys"]:
        if key["scheme"] == "argentx":
            got = await derive_from_mnemonic(case["mnemonic"], path=key["path"], scheme="argentx")
            assert got == int(key["private_key"], 16)


@pytest.mark.parametrize("vector", DERIVATION["grind"])
def test_grind_key_matches_scure(vector):
    assert grind_key(bytes.fromhex(vector["seed"])) == int(vector["key"], 16)


def test_grind_key_keeps_leading_zero_bytes_unlike_cairo_lang():
    zero_led = [v for v in DERIVATION["grind"] if v["seed"].startswith("00")]
    assert len(zero_led) == 2
    for vector in zero_led:
        assert grind_key(bytes.fromhex(vector["seed"])) != int(vector["cairo_lang_style"], 16)


@pytest.mark.parametrize("bad", ["00" * 32, 5, None])
def test_grind_key_takes_bytes(bad):
    with pytest.raises(InvalidInputError):
        grind_key(bad)


# Ledger ---------------------------------------------------------------------------------------

async def test_eip2645_reproduces_ledger_device_public_key():
    request, response = LEDGER["get_pubkey"]["request"], LEDGER["get_pubkey"]["response"]
    path = _apdu_path(request)
    assert format_path(path) == eip2645_path(0) == "m/2645'/1195502025'/1148870696'/0'/0'/0"
    public = bytes.fromhex(response)[:-2]
    assert public[0] == 4 and len(public) == 65
    private_key = await derive_from_mnemonic(LEDGER["mnemonic"], path=format_path(path), scheme="eip2645")
    assert get_stark_key(private_key) == int.from_bytes(public[1:33], "big")


@pytest.mark.parametrize("error", LEDGER["path_errors"])
def test_eip2645_rejects_paths_the_ledger_rejects(error):
    with pytest.raises(InvalidPathError, match="exactly 6 levels and starts with 2645'"):
        validate_path_for_scheme(_apdu_path(error["request"]), "eip2645")


# Paths ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("vector", DERIVATION["eip2645_paths"])
def test_eip2645_path_matches_scure_get_account_path(vector):
    got = eip2645_path(vector["index"], layer=vector["layer"], application=vector["application"],
                       eth_address=int(vector["eth_address"], 16))
    assert got == vector["path"]


def test_eip2645_limbs_are_the_published_numbers():
    # Ledger app-starknet docs / Argent X: layer sha256("starknet"), application sha256("argentx"),
    # lowest 31 bits each.
    assert eip2645_path(5) == "m/2645'/1195502025'/1148870696'/0'/0'/5"
    assert eip2645_path(layer="starknet", application="argentx").split("/")[2:4] == ["1195502025'", "1148870696'"]


def test_starknet_bip44_path():
    assert starknet_bip44_path(0) == "m/44'/9004'/0'/0/0"
    assert starknet_bip44_path(2**31 - 1) == "m/44'/9004'/0'/0/2147483647"


@pytest.mark.parametrize("bad", [-1, 2**31, True, "1", None])
def test_account_index_range(bad):
    with pytest.raises(InvalidPathError, match="account index"):
        starknet_bip44_path(bad)
    with pytest.raises(InvalidPathError, match="account index"):
        eip2645_path(bad)


@pytest.mark.parametrize("kwargs", [{"layer": 1}, {"application": None}, {"eth_address": -1},
                                    {"eth_address": 2**160}, {"eth_address": "0x1"}])
def test_eip2645_path_rejects_bad_arguments(kwargs):
    with pytest.raises(InvalidInputError):
        eip2645_path(0, **kwargs)


@pytest.mark.parametrize("path, scheme, message", [
    ("m/2645'/1195502025'/1148870696'/0'/0'", "eip2645", "exactly 6 levels"),
    ("m/2645'/1195502025'/1148870696'/0'/0'/0/0", "eip2645", "exactly 6 levels"),
    ("m/44'/1195502025'/1148870696'/0'/0'/0", "eip2645", "starts with 2645'"),
    ("m/2645/1195502025'/1148870696'/0'/0'/0", "eip2645", "starts with 2645'"),
    ("m/44'/60'/0'/0/0", "bip44", "the bip44 scheme expects a 5-level path starting with 44'/9004'"),
    ("m/44'/9004'/0'/0", "bip44", "5-level"),
    ("m/44/9004'/0'/0/0", "argentx", "the argentx scheme expects"),
    ("m/2645'/1195502025'/1148870696'/0'/0'/0", "bip44", "44'/9004'"),
    ("m/44'/9004'/0'/0/x", "bip44", "level 5 ('x')"),
])
def test_validate_path_for_scheme_errors(path, scheme, message):
    with pytest.raises(InvalidPathError, match=re.escape(message)):
        validate_path_for_scheme(path, scheme)


def test_validate_path_for_scheme_accepts_and_returns_indices():
    assert validate_path_for_scheme("m/44'/9004'/1'/0/3", "argentx")[-1] == 3
    assert len(validate_path_for_scheme(eip2645_path(9), "eip2645")) == 6
    with pytest.raises(InvalidInputError, match="unknown derivation scheme 'braavos'"):
        validate_path_for_scheme("m/44'/9004'/0'/0/0", "braavos")


async def test_derive_from_mnemonic_argument_errors():
    with pytest.raises(InvalidInputError, match="either a path or an index"):
        await derive_from_mnemonic(ABOUT, path="m/44'/9004'/0'/0/1", index=1)
    with pytest.raises(InvalidMnemonicError, match=r"^word 12 is not in the english wordlist$"):
        await derive_from_mnemonic(ABOUT.replace("about", "abot"))
    with pytest.raises(InvalidPathError):
        await derive_from_mnemonic(ABOUT, path="m/44'/60'/0'/0/0")
    with pytest.raises(InvalidInputError):
        await derive_from_mnemonic(ABOUT, scheme="braavos")


async def test_derive_from_mnemonic_default_is_bip44_index_0():
    case = DERIVATION["cases"][0]
    assert case["mnemonic"] == ABOUT and case["keys"][0]["path"] == starknet_bip44_path(0)
    assert await derive_from_mnemonic(ABOUT) == int(case["keys"][0]["private_key"], 16)
