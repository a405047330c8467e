"""BIP39: Trezor's published vectors in every language, and validation errors."""

import json
import unicodedata
from pathlib import Path

import pytest

from foc_web.errors import InvalidInputError, InvalidMnemonicError
from foc_web.stark.bip32 import HDKey
from foc_web.stark.bip39 import generate_mnemonic, languages, mnemonic_to_seed, validate_mnemonic

TREZOR = json.loads(
    (Path(__file__).resolve().parent.parent / "vectors" / "bip39_trezor.json").read_text(encoding="utf-8")
)
VECTORS = [(lang, *v) for lang, rows in sorted(TREZOR["vectors"].items()) for v in rows]
ENGLISH = [v for v in VECTORS if v[0] == "english"]
ABOUT = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"


def test_languages_are_every_wordlist_of_the_package():
    assert languages()[0] == "english"
    assert sorted(languages()) == sorted(TREZOR["vectors"])


@pytest.mark.parametrize("language, entropy, mnemonic, seed, xprv", VECTORS)
def test_entropy_to_mnemonic_and_validation(language, entropy, mnemonic, seed, xprv):
    assert generate_mnemonic(bytes.fromhex(entropy), language) == mnemonic
    normalized = " ".join(unicodedata.normalize("NFKD", mnemonic).split())
    assert validate_mnemonic(mnemonic) == normalized  # language detected
    assert validate_mnemonic(mnemonic, language) == normalized


@pytest.mark.parametrize("language, entropy, mnemonic, seed, xprv", VECTORS)
async def test_mnemonic_to_seed_and_master_xprv(language, entropy, mnemonic, seed, xprv):
    got = await mnemonic_to_seed(mnemonic, TREZOR["passphrase"])
    assert got.hex() == seed
    assert HDKey.from_seed(got).to_xprv() == xprv


async def test_seed_without_passphrase():
    # BIP39 reference: "abandon ... about" with an empty passphrase (also @scure/bip39's README vector)
    seed = await mnemonic_to_seed(ABOUT)
    assert seed.hex().startswith("5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc1")


async def test_seed_normalizes_passphrase_nfkd():
    composed = await mnemonic_to_seed(ABOUT, "caf\u00e9")
    decomposed = await mnemonic_to_seed(ABOUT, "cafe\u0301")
    assert composed == decomposed != await mnemonic_to_seed(ABOUT, "cafe")


@pytest.mark.parametrize("bad", ["", "abandon", " ".join(["abandon"] * 11), ABOUT + " about", ABOUT.replace(" ", "  ")])
async def test_seed_checks_word_count(bad):
    with pytest.raises(InvalidMnemonicError):
        await mnemonic_to_seed(bad)


def test_validate_normalizes_whitespace():
    assert validate_mnemonic("  " + ABOUT.replace(" ", " \t\n ") + "\n") == ABOUT


@pytest.mark.parametrize("position, typo", [(1, "abandn"), (5, "abandn"), (12, "abut")])
def test_validate_names_the_unknown_word(position, typo):
    words = ABOUT.split()
    words[position - 1] = typo
    with pytest.raises(InvalidMnemonicError) as info:
        validate_mnemonic(" ".join(words))
    # The position, never the word: the words of a mnemonic are secret, even a mistyped one.
    assert str(info.value) == f"word {position} is not in the english wordlist"
    assert typo not in str(info.value)


def test_validate_unknown_word_in_other_language():
    # Trezor's french vector with its 3rd word misspelled: the language is still guessed right
    mnemonic = TREZOR["vectors"]["french"][-1][1].split()
    mnemonic[2] = "dimanchx"
    with pytest.raises(InvalidMnemonicError, match=r"^word 3 is not in the french wordlist$"):
        validate_mnemonic(" ".join(mnemonic))


def test_validate_word_from_no_wordlist():
    with pytest.raises(InvalidMnemonicError, match="not in any BIP39 wordlist"):
        validate_mnemonic(" ".join(["zzzz"] * 12))


def test_validate_explicit_language_mismatch():
    with pytest.raises(InvalidMnemonicError, match=r"^word 1 is not in the spanish wordlist$"):
        validate_mnemonic(ABOUT, "spanish")


@pytest.mark.parametrize("count", [0, 1, 11, 13, 25])
def test_validate_wrong_word_count(count):
    with pytest.raises(InvalidMnemonicError, match=f"got {count}"):
        validate_mnemonic(" ".join(["abandon"] * count))


@pytest.mark.parametrize("mnemonic", [
    " ".join(["abandon"] * 12),
    ABOUT.replace("about", "ability"),
    " ".join(reversed(ENGLISH[1][2].split())),
])
def test_validate_bad_checksum(mnemonic):
    with pytest.raises(InvalidMnemonicError, match="checksum"):
        validate_mnemonic(mnemonic)


def test_validate_rejects_non_string_and_unknown_language():
    with pytest.raises(InvalidMnemonicError):
        validate_mnemonic(ABOUT.split())
    with pytest.raises(InvalidInputError, match="unknown mnemonic language 'klingon'"):
        validate_mnemonic(ABOUT, "klingon")
    with pytest.raises(InvalidInputError):
        generate_mnemonic(bytes(16), "klingon")


@pytest.mark.parametrize("size", [0, 15, 17, 31, 33, 64])
def test_generate_rejects_bad_entropy_length(size):
    with pytest.raises(InvalidInputError):
        generate_mnemonic(bytes(size))


@pytest.mark.parametrize("language", sorted(TREZOR["vectors"]))
def test_language_round_trip_every_length(language):
    for size in (16, 20, 24, 28, 32):
        mnemonic = generate_mnemonic(bytes(range(7, 7 + size)), language)
        assert len(mnemonic.split()) == size * 3 // 4
        assert validate_mnemonic(mnemonic, language) == " ".join(unicodedata.normalize("NFKD", mnemonic).split())
