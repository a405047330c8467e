"""Web3 Secret Storage v3 keystores: the encrypted JSON key files of starkli, geth and eth-keyfile.

Format (ethereum.org, "Web3 secret storage definition"; starkli writes it with the Rust
eth-keystore crate, without an "address" field):

    {"crypto": {"cipher": "aes-128-ctr", "cipherparams": {"iv": <16 bytes>},
                "ciphertext": <the 32-byte big-endian key, encrypted>,
                "kdf": "scrypt", "kdfparams": {"dklen": 32, "n": 8192, "p": 1, "r": 8, "salt": <32 bytes>},
                "mac": keccak256(derived_key[16:32] + ciphertext)},
     "id": <random UUID>, "version": 3}

(or "kdf": "pbkdf2" with {"c", "dklen", "prf": "hmac-sha256", "salt"}). Byte strings are hex.
The first 16 bytes of the derived key are the AES-128 key, the IV is the initial 128-bit counter,
and the next 16 bytes authenticate the ciphertext. The MAC is checked in constant time before
anything is decrypted; a mismatch means a wrong password or a modified file.

Reading is lenient where other writers differ: hex in any case with an optional 0x, field names in
any case (old geth wrote "Crypto"), any salt length, an optional "address" and "id". KDF
parameters are bounded (see the limits below) so a hostile file cannot make an unlock take hours.
scrypt parameters must also meet RFC 7914's n < 2**(16 r), as starkli's scrypt crate and OpenSSL
(CPython's hashlib) require; geth and eth-keyfile do not check it, so a file with, for example,
n = 2**18 and r = 1 (the old wiki test vector) opens there but is refused here.

Passwords: a str is encoded as UTF-8 without Unicode normalization, like starkli (Rust &str),
geth and eth-keyfile. ethers.js NFKC-normalizes first; for a password that NFKC changes, pass
``unicodedata.normalize("NFKC", password).encode()`` to open its files.
"""

import hmac
import json
import string

from .. import platform
from ..errors import AuthenticationError, ConfigError, InvalidInputError, InvalidKeyError, KeystoreError
from ..stark.felt import to_felt
from ..stark.keccak import keccak256
from ..stark.keys import validate_private_key

__all__ = ["encrypt_keystore", "decrypt_keystore", "decrypt_keystore_bytes", "parse_keystore"]

VERSION = 3
CIPHER = "aes-128-ctr"
KDFS = ("scrypt", "pbkdf2")
PBKDF2_PRF = "hmac-sha256"  # the only PRF the definition names
IV_BYTES = 16
MAC_BYTES = 32
KEY_BYTES = 32
DKLEN = 32  # derived key: 16 bytes of AES-128 key, then 16 bytes of MAC key
SALT_BYTES = 32  # what starkli's eth-keystore crate and geth write

# Defaults of the eth-keystore crate that starkli uses (DEFAULT_KDF_PARAMS_LOG_N = 13, R = 8, P = 1):
# 8 MiB of memory.
DEFAULT_SCRYPT_N = 8192
DEFAULT_SCRYPT_R = 8
DEFAULT_SCRYPT_P = 1
# The c of the definition's PBKDF2 test vector (also geth's and keythereum's).
DEFAULT_PBKDF2_ITERATIONS = 262144

# Limits on what a keystore may ask for. geth's "standard" scrypt (n = 2**18, r = 8, p = 1) needs
# 256 MiB and n*r*p = 2**21; the limits leave room for 4x that memory and 16x that work.
SCRYPT_MAX_MEMORY = 1 << 30  # bytes: scrypt's V array is 128 * r * n bytes
SCRYPT_MAX_WORK = 1 << 25  # n * r * p
PBKDF2_MAX_ITERATIONS = 10_000_000
MAX_DKLEN = 64  # only derived_key[:32] is used; a longer one is wasted work

_HEX_DIGITS = frozenset(string.hexdigits)


async def encrypt_keystore(
    private_key,
    password,
    *,
    kdf="scrypt",
    scrypt_n=DEFAULT_SCRYPT_N,
    scrypt_r=DEFAULT_SCRYPT_R,
    scrypt_p=DEFAULT_SCRYPT_P,
    pbkdf2_iterations=DEFAULT_PBKDF2_ITERATIONS,
    address=None,
) -> dict:
    """A new v3 keystore (a JSON-ready dict) holding the Stark ``private_key`` as 32 big-endian bytes.

    Salt, IV and id are fresh random values. ``address`` (a felt), if given, is written as 64 hex
    digits without 0x, for the reader's information only; starkli writes none and ignores it.
    Raises InvalidKeyError for a key outside [1, EC_ORDER), ConfigError for unsupported or
    out-of-bounds KDF options (the same bounds decryption enforces).
    """
    key = validate_private_key(private_key)
    secret = _password_bytes(password)
    salt = platform.random_bytes(SALT_BYTES).hex()
    if kdf == "scrypt":
        kdfparams = {"dklen": DKLEN, "n": scrypt_n, "p": scrypt_p, "r": scrypt_r, "salt": salt}
    elif kdf == "pbkdf2":
        kdfparams = {"c": pbkdf2_iterations, "dklen": DKLEN, "prf": PBKDF2_PRF, "salt": salt}
    else:
        raise ConfigError(f"kdf must be one of {KDFS}")
    try:
        params = _parse_kdfparams(kdf, kdfparams)
    except KeystoreError as error:
        raise ConfigError(str(error)) from None
    header = {} if address is None else {"address": format(to_felt(address, "address"), "064x")}

    derived = await _derive_key(kdf, params, secret)
    iv = platform.random_bytes(IV_BYTES)
    ciphertext = await platform.aes_ctr(derived[:16], iv, key.to_bytes(KEY_BYTES, "big"))
    crypto = {
        "cipher": CIPHER,
        "cipherparams": {"iv": iv.hex()},
        "ciphertext": ciphertext.hex(),
        "kdf": kdf,
        "kdfparams": kdfparams,
        "mac": keccak256(derived[16:32] + ciphertext).hex(),
    }
    key_id = _uuid4(platform.random_bytes(16))
    return {**header, "crypto": crypto, "id": key_id, "version": VERSION}


async def decrypt_keystore(keystore, password) -> int:
    """The Stark private key in ``keystore`` (a dict, or its JSON text).

    Raises KeystoreError (malformed or unsupported), AuthenticationError (wrong password or
    modified file), InvalidKeyError (the decrypted value is not a key in [1, EC_ORDER)).
    The format's MAC does not cover the IV: a changed IV gives other bytes, usually out of range
    (InvalidKeyError) but 1 time in 32 a valid, wrong key. Callers that know the account's public
    key should compare it.
    """
    secret = await decrypt_keystore_bytes(keystore, password)
    if len(secret) > KEY_BYTES:
        raise InvalidKeyError(
            f"the keystore holds {len(secret)} bytes; a Stark private key has at most {KEY_BYTES}"
        )
    return validate_private_key(int.from_bytes(secret, "big"))


async def decrypt_keystore_bytes(keystore, password) -> bytes:
    """The raw decrypted bytes of ``keystore``, whatever key they are (secp256k1 keys included)."""
    parsed = parse_keystore(keystore)
    derived = await _derive_key(parsed["kdf"], parsed["kdfparams"], _password_bytes(password))
    mac = keccak256(derived[16:32] + parsed["ciphertext"])
    if not hmac.compare_digest(mac, parsed["mac"]):
        raise AuthenticationError("keystore MAC mismatch: wrong password, or the file was modified")
    return await platform.aes_ctr(derived[:16], parsed["iv"], parsed["ciphertext"])


def parse_keystore(keystore) -> dict:
    """Check the structure of a v3 keystore (dict, or JSON str/bytes) and decode its fields.

    Returns {"version": 3, "id": str|None, "address": str|None, "cipher": "aes-128-ctr",
    "iv": bytes, "ciphertext": bytes, "mac": bytes, "kdf": "scrypt"|"pbkdf2", "kdfparams": {...}}
    where kdfparams has ints and ``salt`` as bytes. Raises KeystoreError saying what is wrong.
    """
    if isinstance(keystore, (str, bytes, bytearray)):
        try:
            keystore = json.loads(keystore)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise KeystoreError("the keystore is not valid JSON") from None
    if not isinstance(keystore, dict):
        raise KeystoreError("a keystore is a JSON object")
    data = _lowercase_names(keystore, "keystore")
    version = data.get("version")
    if type(version) is not int:
        raise KeystoreError("keystore version must be the number 3")
    if version != VERSION:
        raise KeystoreError(f"unsupported keystore version {version}; only version {VERSION} is supported")
    crypto = _object(data, "crypto", "keystore")
    cipher = crypto.get("cipher")
    if cipher != CIPHER:
        raise KeystoreError(f"unsupported cipher {_shown(cipher)}; only {CIPHER} is supported")
    kdf = crypto.get("kdf")
    if kdf not in KDFS:
        raise KeystoreError(f"unsupported kdf {_shown(kdf)}; use one of {KDFS}")
    return {
        "version": version,
        "id": _optional_str(data, "id"),
        "address": _optional_str(data, "address"),
        "cipher": cipher,
        "iv": _hex(_object(crypto, "cipherparams", "crypto").get("iv"), "cipherparams.iv", IV_BYTES),
        "ciphertext": _hex(crypto.get("ciphertext"), "ciphertext"),
        "mac": _hex(crypto.get("mac"), "mac", MAC_BYTES),
        "kdf": kdf,
        "kdfparams": _parse_kdfparams(kdf, _object(crypto, "kdfparams", "crypto")),
    }


def _parse_kdfparams(kdf, params):
    """The KDF parameters as ints (and salt as bytes), or KeystoreError if absurd or unsupported."""
    dklen = _int(params, "dklen", DKLEN, MAX_DKLEN)
    salt = _hex(params.get("salt"), "kdfparams.salt")
    if kdf == "pbkdf2":
        prf = params.get("prf")
        if prf != PBKDF2_PRF:
            raise KeystoreError(f"unsupported pbkdf2 prf {_shown(prf)}; only {PBKDF2_PRF} is supported")
        c = _int(params, "c", 1, PBKDF2_MAX_ITERATIONS)
        return {"c": c, "dklen": dklen, "prf": PBKDF2_PRF, "salt": salt}
    n = _int(params, "n", 2, SCRYPT_MAX_MEMORY)
    r = _int(params, "r", 1, SCRYPT_MAX_MEMORY)
    p = _int(params, "p", 1, SCRYPT_MAX_WORK)
    if n & (n - 1):
        raise KeystoreError(f"scrypt n must be a power of two, got {n}")
    if n.bit_length() > 16 * r:
        raise KeystoreError(f"scrypt n={n} is too large for r={r}: RFC 7914 requires n < 2**(16 r)")
    if 128 * r * n > SCRYPT_MAX_MEMORY:
        raise KeystoreError(
            f"scrypt n={n}, r={r} needs {128 * r * n >> 20} MiB of memory;"
            f" the limit is {SCRYPT_MAX_MEMORY >> 20} MiB"
        )
    if n * r * p > SCRYPT_MAX_WORK:
        raise KeystoreError(f"scrypt n*r*p = {n * r * p} is too much work; the limit is {SCRYPT_MAX_WORK}")
    return {"dklen": dklen, "n": n, "p": p, "r": r, "salt": salt}


async def _derive_key(kdf, params, password):
    salt, dklen = params["salt"], params["dklen"]
    if kdf == "scrypt":
        return await platform.scrypt(password, salt, params["n"], params["r"], params["p"], dklen)
    return await platform.pbkdf2("sha256", password, salt, params["c"], dklen)


def _password_bytes(password):
    if isinstance(password, str):
        return password.encode("utf-8")
    if isinstance(password, (bytes, bytearray)):
        return bytes(password)
    raise InvalidInputError("password must be a str or bytes")


def _lowercase_names(node, where):
    """``node`` with its field names lowercased (geth and eth-keyfile match names in any case)."""
    result = {}
    for name, value in node.items():
        if not isinstance(name, str):
            raise KeystoreError(f"{where} has a field name that is not a string")
        lowered = name.lower()
        if lowered in result:
            raise KeystoreError(f"{where} has the field {lowered!r} twice (names are case-insensitive)")
        result[lowered] = value
    return result


def _object(parent, name, where):
    """The JSON object ``parent[name]``, with lowercased field names."""
    value = parent.get(name)
    if not isinstance(value, dict):
        raise KeystoreError(f"{where}.{name} is missing or not an object")
    return _lowercase_names(value, f"{where}.{name}")


def _optional_str(parent, name):
    value = parent.get(name)
    if value is not None and not isinstance(value, str):
        raise KeystoreError(f"keystore {name} must be a string")
    return value


def _int(params, name, low, high):
    value = params.get(name)
    if type(value) is not int or not low <= value <= high:
        raise KeystoreError(f"kdfparams.{name} must be an integer in [{low}, {high}]")
    return value


def _hex(value, what, length=None):
    """Decode a hex field (any case, optional 0x); bytes.fromhex alone would also accept spaces."""
    if not isinstance(value, str):
        raise KeystoreError(f"{what} is missing or not a hex string")
    digits = value[2:] if value[:2] in ("0x", "0X") else value
    if not digits or len(digits) % 2 or not _HEX_DIGITS.issuperset(digits):
        raise KeystoreError(f"{what} is not a non-empty, even-length hex string")
    if length is not None and len(digits) != 2 * length:
        raise KeystoreError(f"{what} must be {length} bytes, got {len(digits) // 2}")
    return bytes.fromhex(digits)


def _shown(value):
    """A short, safe rendering of a format name from the file, for error messages."""
    if value is None:
        return "(missing)"
    if isinstance(value, str) and len(value) <= 32 and value.isprintable():
        return repr(value)
    return "(not a short string)"


def _uuid4(random16):
    """An RFC 4122 version-4 UUID string from 16 random bytes (the uuid module is slow to import in Pyodide)."""
    raw = bytearray(random16)
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
