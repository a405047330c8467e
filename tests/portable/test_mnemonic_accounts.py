"""Mnemonics through the accounts API: generation, typos, create and recover, every scheme."""

import json
import unicodedata
from pathlib import Path

import pytest

from foc_web import platform
from foc_web.engine import FocEngine
from foc_web.errors import InvalidInputError, InvalidMnemonicError
from foc_web.stark.bip39 import languages, validate_mnemonic

VECTORS = json.loads((Path(__file__).resolve().parent.parent / "vectors" / "derivation.json").read_text())
PASSWORD = "Correct-Horse-Battery-Staple-42"


def engine():
    network = "m" + platform.random_bytes(4).hex()
    return FocEngine(network=network, rpc={network: "http://127.0.0.1:9/rpc"}), network


async def cleanup(network):
    store = platform.store()
    for key in await store.keys("foc_"):
        if network in key:
            await store.delete(key)


@pytest.mark.parametrize("strength, words", [(128, 12), (160, 15), (192, 18), (224, 21), (256, 24)])
async def test_generate_mnemonic_every_length(strength, words):
    eng, network = engine()
    mnemonic = await eng.accounts.generate_mnemonic(strength=strength)
    assert len(mnemonic.split()) == words
    assert validate_mnemonic(mnemonic) == mnemonic
    assert mnemonic != await eng.accounts.generate_mnemonic(strength=strength)
    await cleanup(network)


async def test_generate_mnemonic_every_language_and_bad_strength():
    eng, network = engine()
    for language in languages():
        mnemonic = await eng.accounts.generate_mnemonic(strength=128, language=language)
        validate_mnemonic(mnemonic, language)
    with pytest.raises(InvalidInputError):
        await eng.accounts.generate_mnemonic(strength=100)
    with pytest.raises(InvalidInputError):
        await eng.accounts.generate_mnemonic(language="klingon")
    await cleanup(network)


def _vector(scheme, index):
    """A derivation case of tests/vectors/derivation.json (produced by @scure) for a scheme."""
    case = VECTORS["cases"][index]
    key = next(k for k in case["keys"] if k["scheme"] == scheme)
    return {"mnemonic": case["mnemonic"], "passphrase": case["passphrase"], **key}


@pytest.mark.parametrize("scheme", ["bip44", "argentx", "eip2645"])
@pytest.mark.parametrize("index", [0, 1])
async def test_create_and_recover_match_independent_vectors(scheme, index):
    case = _vector(scheme, index)
    eng, network = engine()
    try:
        await _create_and_recover(eng, case, scheme)
    finally:
        await cleanup(network)


async def _create_and_recover(eng, case, scheme):
    """create_from_mnemonic and recover_from_mnemonic of a vector: both give its key (checked here)."""
    account = await eng.accounts.create_from_mnemonic(mnemonic=case["mnemonic"], path=case["path"], scheme=scheme,
                                                      passphrase=case["passphrase"], password=PASSWORD)
    assert int(account.public_key, 16) == int(case["stark_key"], 16)
    recovered = await eng.accounts.recover_from_mnemonic(mnemonic=case["mnemonic"], path=case["path"],
                                                         scheme=scheme, passphrase=case["passphrase"])
    assert recovered[0]["address"] == account.address
    assert int(recovered[0]["private_key"], 16) == int(case["private_key"], 16)
    assert int(recovered[0]["public_key"], 16) == int(case["stark_key"], 16)
    return account


PASSPHRASE_CASES = [i for i, case in enumerate(VECTORS["cases"]) if case["passphrase"]]


def test_vectors_have_passphrase_cases():
    assert [VECTORS["cases"][i]["passphrase"] for i in PASSPHRASE_CASES] == ["TREZOR", "pässwörd ☃"]


@pytest.mark.parametrize("scheme", ["bip44", "argentx", "eip2645"])
@pytest.mark.parametrize("index", PASSPHRASE_CASES)
async def test_passphrase_changes_the_key_to_the_independent_vector(scheme, index):
    """A BIP39 passphrase through create_from_mnemonic / recover_from_mnemonic gives @scure's key, not the bare one."""
    case = _vector(scheme, index)
    eng, network = engine()
    try:
        account = await _create_and_recover(eng, case, scheme)
        # BIP39 normalizes the passphrase (NFKD): its decomposed spelling is the same passphrase.
        decomposed = unicodedata.normalize("NFD", case["passphrase"])
        same = await eng.accounts.recover_from_mnemonic(mnemonic=case["mnemonic"], path=case["path"], scheme=scheme,
                                                        passphrase=decomposed)
        assert int(same[0]["private_key"], 16) == int(case["private_key"], 16)
        # Without the passphrase (the default, and ""), or with another one, it is another key and address.
        others = [await eng.accounts.recover_from_mnemonic(mnemonic=case["mnemonic"], path=case["path"],
                                                           scheme=scheme, **option)
                  for option in ({}, {"passphrase": ""}, {"passphrase": case["passphrase"] + " "})]
        for other in others:
            assert int(other[0]["private_key"], 16) != int(case["private_key"], 16)
            assert other[0]["address"] != account.address
        assert others[0] == others[1]  # no passphrase is the empty passphrase
        plain = await eng.accounts.create_from_mnemonic(mnemonic=case["mnemonic"], path=case["path"], scheme=scheme,
                                                        password=PASSWORD)
        assert int(plain.public_key, 16) != int(case["stark_key"], 16) and plain.address != account.address
        assert plain.address == others[0][0]["address"]
    finally:
        await cleanup(network)


async def test_typo_names_the_position_and_nothing_is_written():
    eng, network = engine()
    words = "legal winner thank year wave sausage worth useful legal winner thank yellow".split()
    words[4] = "wavv"
    with pytest.raises(InvalidMnemonicError, match="^word 5 ") as info:
        await eng.accounts.create_from_mnemonic(mnemonic=" ".join(words), password=PASSWORD)
    assert "wavv" not in str(info.value)
    swapped = "legal winner thank year wave sausage worth useful legal winner yellow thank"
    with pytest.raises(InvalidMnemonicError, match="checksum"):
        await eng.accounts.recover_from_mnemonic(mnemonic=swapped)
    assert [k for k in await platform.store().keys("foc_") if network in k and "audit" not in k] == []
    await cleanup(network)
