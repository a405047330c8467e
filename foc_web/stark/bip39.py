"""BIP39 mnemonics: entropy <-> words, validation with precise errors, and the PBKDF2 seed.

Spec: https://github.com/bitcoin/bips/blob/master/bip-0039.mediawiki. The wordlists come from the
`mnemonic` package (Trezor's reference implementation), normalised to NFKD here because a few of
its lists (russian, turkish) are stored in NFC while mnemonics are compared in NFKD. The seed is
computed through ``foc_web.platform.pbkdf2`` (Web Crypto in the browser) because Pyodide's hashlib
has no ``pbkdf2_hmac``.
"""

import hashlib
import unicodedata


from ..errors import InvalidInputError, InvalidMnemonicError

_ENTROPY_BYTES = (16, 20, 24, 28, 32)
_WORD_COUNTS = (12, 15, 18, 21, 24)
_SEED_ITERATIONS = 2048  # BIP39 "From mnemonic to seed"
_wordlists = {}  # language -> (NFKD words, {word: index}), loaded on first use


def _nfkd(text: str) -> str:
    return unicodedata.normalize("NFKD", text)


def languages() -> list:
    """Every wordlist language the installed `mnemonic` package ships, english first."""
    from mnemonic import Mnemonic

    return sorted(Mnemonic.list_languages(), key=lambda lang: (lang != "english", lang))


def _wordlist(language: str):
    if language not in _wordlists:
        if language not in languages():
            raise InvalidInputError(f"unknown mnemonic language {language!r}; known: {', '.join(languages())}")
        from mnemonic import Mnemonic  # wordlists are loaded on first use, not at import

        words = tuple(_nfkd(w) for w in Mnemonic(language).wordlist)
        _wordlists[language] = (words, {w: i for i, w in enumerate(words)})
    return _wordlists[language]


def generate_mnemonic(entropy: bytes, language: str = "english") -> str:
    """16/20/24/28/32 bytes of entropy -> 12/15/18/21/24 words (NFKD; ideographic spaces for japanese)."""
    if not isinstance(entropy, (bytes, bytearray)) or len(entropy) not in _ENTROPY_BYTES:
        raise InvalidInputError("mnemonic entropy must be 16, 20, 24, 28 or 32 bytes")
    words, _ = _wordlist(language)
    from mnemonic import Mnemonic

    code = Mnemonic(language, wordlist=list(words))
    return code.to_mnemonic(bytes(entropy))


def _checksum_ok(indices) -> bool:
    acc = 0
    for index in indices:
        acc = (acc << 11) | index
    checksum_bits = len(indices) * 11 // 33
    entropy = (acc >> checksum_bits).to_bytes(len(indices) * 11 * 4 // 33, "big")
    return acc & ((1 << checksum_bits) - 1) == hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)


def validate_mnemonic(mnemonic: str, language: str = None) -> str:
    """Check words, count and checksum; return the normalised mnemonic (NFKD, single spaces).

    With ``language=None`` the language is detected from the words. Errors name the 1-based
    position of the first unknown word.
    """
    if not isinstance(mnemonic, str):
        raise InvalidMnemonicError("a mnemonic must be a string")
    words = _nfkd(mnemonic).split()
    if len(words) not in _WORD_COUNTS:
        raise InvalidMnemonicError(f"a mnemonic has 12, 15, 18, 21 or 24 words, got {len(words)}")
    candidates = [language] if language is not None else languages()
    tables = [(lang, _wordlist(lang)[1]) for lang in candidates]
    complete = [(lang, table) for lang, table in tables if all(w in table for w in words)]
    if not complete:
        lang, table = max(tables, key=lambda t: sum(w in t[1] for w in words))
        position, word = next((i, w) for i, w in enumerate(words, 1) if w not in table)
        if language is None and not any(w in table for w in words):
            raise InvalidMnemonicError(f"word {position} is not in any BIP39 wordlist")
        raise InvalidMnemonicError(f"word {position} is not in the {lang} wordlist")
    if not any(_checksum_ok([table[w] for w in words]) for _, table in complete):
        raise InvalidMnemonicError("the mnemonic checksum does not match: a word is wrong or misplaced")
    return " ".join(words)


async def mnemonic_to_seed(mnemonic: str, passphrase: str = "") -> bytes:
    """The 64-byte BIP39 seed: PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic" + NFKD(passphrase), 2048).

    Like @scure/bip39 it checks only the word count, not the words: call ``validate_mnemonic`` first.
    """
    from .. import platform

    if not isinstance(mnemonic, str) or not isinstance(passphrase, str):
        raise InvalidInputError("mnemonic and passphrase must be strings")
    normalized = _nfkd(mnemonic)
    if len(normalized.split(" ")) not in _WORD_COUNTS:
        raise InvalidMnemonicError("a mnemonic has 12, 15, 18, 21 or 24 words separated by single spaces")
    salt = ("mnemonic" + _nfkd(passphrase)).encode("utf-8")
    return await platform.pbkdf2("sha512", normalized.encode("utf-8"), salt, _SEED_ITERATIONS, 64)
