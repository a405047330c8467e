"""Web3 Secret Storage v3 keystores: published and eth-keyfile vectors, round trips, tampering, bounds.

KDF costs are kept small (scrypt n = 1024, PBKDF2 c <= 4096) so the suite stays fast in Pyodide;
the published PBKDF2 vector (c = 262144) and sncast's keystore (scrypt n = 8192) are the slow ones.
"""

import copy
import json
import re
from pathlib import Path

import pytest

from foc_web.errors import AuthenticationError, ConfigError, InvalidInputError, InvalidKeyError, KeystoreError
from foc_web.stark.keys import get_stark_key
from foc_web.vault.keystore import decrypt_keystore, decrypt_keystore_bytes, encrypt_keystore, parse_keystore

VECTORS = Path(__file__).resolve().parent.parent / "vectors"


def _load(name):
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


SPEC = _load("keystore_web3_spec.json")
SPEC_VECTORS = {vector["name"]: vector for vector in SPEC["vectors"]}
SNCAST = _load("keystore_sncast.json")
ETH_KEYFILE = _load("keystore_ethkeyfile.json")["vectors"]
SCRYPT_VECTOR = ETH_KEYFILE[0]  # scrypt n=1024, 16-byte salt
PBKDF2_VECTOR = ETH_KEYFILE[2]  # pbkdf2 c=4096, 16-byte salt
EC_ORDER = 0x800000000000010FFFFFFFFFFFFFFFFB781126DCAE7B2321E66A241ADC64D2F  # starknet-py EC_ORDER
KEY = 0x0139FE4D6F02E666E86A6F58E65060F115CD3C185BD9E98BD829636931458F79
FAST_SCRYPT = {"scrypt_n": 1024}
FAST_PBKDF2 = {"kdf": "pbkdf2", "pbkdf2_iterations": 1000}
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
DELETE = object()


def _with(keystore, path, value):
    """A deep copy of ``keystore`` with the field at ``path`` (dotted) set to ``value`` or deleted."""
    changed = copy.deepcopy(keystore)
    *parents, last = path.split(".")
    node = changed
    for name in parents:
        node = node[name]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return changed


def _flip_hex(text, index=0):
    """``text`` (hex) with one bit of byte ``index`` flipped."""
    raw = bytearray.fromhex(text)
    raw[index] ^= 0x01
    return raw.hex()


# --- published vectors --------------------------------------------------------------------------


async def test_spec_pbkdf2_vector_gives_the_published_secret():
    vector = SPEC_VECTORS["pbkdf2"]
    assert vector["expect"] == "secret"
    secret = await decrypt_keystore_bytes(json.dumps(vector["keystore"]), SPEC["password"])
    assert secret.hex() == SPEC["secret"]


async def test_spec_secret_is_above_the_stark_order_so_it_is_not_a_stark_key():
    assert int(SPEC["secret"], 16) >= EC_ORDER
    with pytest.raises(InvalidKeyError) as caught:
        await decrypt_keystore(SPEC_VECTORS["pbkdf2"]["keystore"], SPEC["password"].encode())
    assert SPEC["secret"] not in str(caught.value).lower()


async def test_spec_scrypt_vector_with_n_above_rfc7914_bound_is_refused_before_any_work():
    vector = SPEC_VECTORS["scrypt-r1-p8"]
    assert vector["expect"] == "KeystoreError"
    with pytest.raises(KeystoreError, match="RFC 7914"):
        await decrypt_keystore_bytes(vector["keystore"], SPEC["password"])


async def test_sncast_keystore_opens_to_the_key_of_its_account():
    key = await decrypt_keystore(SNCAST["keystore"], SNCAST["password"])
    assert key == int(SNCAST["private_key"], 16)
    assert get_stark_key(key) == int(SNCAST["public_key"], 16)


@pytest.mark.parametrize("vector", ETH_KEYFILE)
async def test_eth_keyfile_vectors(vector):
    key = int(vector["private_key"], 16)
    assert await decrypt_keystore(vector["keystore"], vector["password"]) == key
    assert await decrypt_keystore(json.dumps(vector["keystore"]), vector["password"].encode("utf-8")) == key


@pytest.mark.parametrize("vector", [SCRYPT_VECTOR, PBKDF2_VECTOR])
async def test_wrong_password_is_an_authentication_error_without_secrets(vector):
    with pytest.raises(AuthenticationError) as caught:
        await decrypt_keystore(vector["keystore"], vector["password"] + "x")
    message = str(caught.value).lower()
    assert vector["password"] not in message
    assert vector["private_key"][2:] not in message


async def test_password_str_is_utf8_without_normalization():
    vector = ETH_KEYFILE[1]  # "pässwörd 🔑", precomposed
    assert await decrypt_keystore(vector["keystore"], vector["password"]) == int(vector["private_key"], 16)
    decomposed = vector["password"].replace("ä", "a\u0308")  # NFD form of the same text
    with pytest.raises(AuthenticationError):
        await decrypt_keystore(vector["keystore"], decomposed)


async def test_any_case_of_hex_0x_prefixes_and_field_names_are_read():
    keystore = copy.deepcopy(SCRYPT_VECTOR["keystore"])
    crypto = keystore.pop("crypto")
    for name in ("ciphertext", "mac"):
        crypto[name] = "0x" + crypto[name].upper()
    crypto["cipherparams"]["iv"] = crypto["cipherparams"]["iv"].upper()
    crypto["kdfparams"]["salt"] = "0X" + crypto["kdfparams"]["salt"]
    crypto["KDFParams"] = crypto.pop("kdfparams")
    keystore["Crypto"] = crypto
    key = await decrypt_keystore(keystore, SCRYPT_VECTOR["password"])
    assert key == int(SCRYPT_VECTOR["private_key"], 16)


@pytest.mark.parametrize("vector", [SCRYPT_VECTOR, PBKDF2_VECTOR])
async def test_longer_dklen_is_accepted_since_only_the_first_32_bytes_are_used(vector):
    keystore = _with(vector["keystore"], "crypto.kdfparams.dklen", 64)
    assert await decrypt_keystore(keystore, vector["password"]) == int(vector["private_key"], 16)


def test_parse_keystore_decodes_fields():
    parsed = parse_keystore(json.dumps(SCRYPT_VECTOR["keystore"]))
    crypto = SCRYPT_VECTOR["keystore"]["crypto"]
    assert parsed["version"] == 3
    assert parsed["id"] == SCRYPT_VECTOR["keystore"]["id"]
    assert parsed["address"] == SCRYPT_VECTOR["keystore"]["address"]
    assert parsed["cipher"] == "aes-128-ctr"
    assert parsed["iv"] == bytes.fromhex(crypto["cipherparams"]["iv"])
    assert parsed["ciphertext"] == bytes.fromhex(crypto["ciphertext"])
    assert parsed["mac"] == bytes.fromhex(crypto["mac"])
    assert parsed["kdf"] == "scrypt"
    salt = bytes.fromhex(crypto["kdfparams"]["salt"])
    assert parsed["kdfparams"] == {"dklen": 32, "n": 1024, "p": 1, "r": 8, "salt": salt}
    pbkdf2 = parse_keystore(PBKDF2_VECTOR["keystore"])["kdfparams"]
    assert (pbkdf2["c"], pbkdf2["dklen"], pbkdf2["prf"]) == (4096, 32, "hmac-sha256")


# --- writing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("options", [FAST_SCRYPT, FAST_PBKDF2])
@pytest.mark.parametrize("password", ["", "hunter2", "pässwörd 🔑", b"\x00\xffraw bytes"])
async def test_round_trip(options, password):
    keystore = await encrypt_keystore(KEY, password, **options)
    assert await decrypt_keystore(keystore, password) == KEY
    assert await decrypt_keystore(json.dumps(keystore), password) == KEY


@pytest.mark.parametrize("key", [1, 2**128 + 5, EC_ORDER - 1])
async def test_round_trip_keeps_leading_zero_bytes(key):
    keystore = await encrypt_keystore(key, "pw", **FAST_SCRYPT)
    assert len(bytes.fromhex(keystore["crypto"]["ciphertext"])) == 32
    assert await decrypt_keystore_bytes(keystore, "pw") == key.to_bytes(32, "big")


async def test_default_keystore_has_starkli_layout_and_parameters():
    keystore = await encrypt_keystore(KEY, "pw")
    assert list(keystore) == ["crypto", "id", "version"]
    crypto = keystore["crypto"]
    assert list(crypto) == ["cipher", "cipherparams", "ciphertext", "kdf", "kdfparams", "mac"]
    assert crypto["cipher"] == "aes-128-ctr" and crypto["kdf"] == "scrypt"
    params = crypto["kdfparams"]
    assert list(params) == ["dklen", "n", "p", "r", "salt"]
    assert (params["dklen"], params["n"], params["p"], params["r"]) == (32, 8192, 1, 8)
    assert len(bytes.fromhex(params["salt"])) == 32
    assert len(bytes.fromhex(crypto["cipherparams"]["iv"])) == 16
    assert len(bytes.fromhex(crypto["mac"])) == 32
    assert UUID4.fullmatch(keystore["id"])
    assert keystore["version"] == 3


async def test_pbkdf2_keystore_layout():
    keystore = await encrypt_keystore(KEY, "pw", **FAST_PBKDF2)
    params = keystore["crypto"]["kdfparams"]
    assert list(params) == ["c", "dklen", "prf", "salt"]
    assert (params["c"], params["dklen"], params["prf"]) == (1000, 32, "hmac-sha256")


async def test_salt_iv_and_id_are_fresh_each_time():
    first = await encrypt_keystore(KEY, "pw", **FAST_SCRYPT)
    second = await encrypt_keystore(KEY, "pw", **FAST_SCRYPT)
    assert first["id"] != second["id"]
    assert first["crypto"]["kdfparams"]["salt"] != second["crypto"]["kdfparams"]["salt"]
    assert first["crypto"]["cipherparams"]["iv"] != second["crypto"]["cipherparams"]["iv"]
    assert first["crypto"]["ciphertext"] != second["crypto"]["ciphertext"]


async def test_address_is_written_as_64_hex_digits_and_read_back():
    keystore = await encrypt_keystore(KEY, "pw", address=0x1234ABC, **FAST_SCRYPT)
    assert list(keystore) == ["address", "crypto", "id", "version"]
    assert keystore["address"] == "0" * 57 + "1234abc"
    assert parse_keystore(keystore)["address"] == keystore["address"]
    assert await decrypt_keystore(keystore, "pw") == KEY


@pytest.mark.parametrize(
    "arguments, error",
    [
        ((0, "pw"), InvalidKeyError),
        ((EC_ORDER, "pw"), InvalidKeyError),
        ((KEY, 1234), InvalidInputError),
        ((KEY, "pw", {"kdf": "argon2id"}), ConfigError),
        ((KEY, "pw", {"scrypt_n": 1000}), ConfigError),
        ((KEY, "pw", {"scrypt_n": 2**17, "scrypt_r": 1}), ConfigError),
        ((KEY, "pw", {"scrypt_n": 2**24}), ConfigError),
        ((KEY, "pw", {"scrypt_p": 0}), ConfigError),
        ((KEY, "pw", {"kdf": "pbkdf2", "pbkdf2_iterations": 0}), ConfigError),
        ((KEY, "pw", {"address": -1}), InvalidInputError),
    ],
)
async def test_encrypt_refuses_bad_arguments(arguments, error):
    key, password, *options = arguments
    with pytest.raises(error):
        await encrypt_keystore(key, password, **(options[0] if options else {}))


# --- tampering and malformed input --------------------------------------------------------------

SCRYPT_CRYPTO = SCRYPT_VECTOR["keystore"]["crypto"]
PBKDF2_CRYPTO = PBKDF2_VECTOR["keystore"]["crypto"]


@pytest.mark.parametrize(
    "vector, path, value",
    [
        (SCRYPT_VECTOR, "crypto.ciphertext", _flip_hex(SCRYPT_CRYPTO["ciphertext"])),
        (SCRYPT_VECTOR, "crypto.ciphertext", _flip_hex(SCRYPT_CRYPTO["ciphertext"], 31)),
        (SCRYPT_VECTOR, "crypto.mac", _flip_hex(SCRYPT_CRYPTO["mac"], 17)),
        (SCRYPT_VECTOR, "crypto.kdfparams.salt", _flip_hex(SCRYPT_CRYPTO["kdfparams"]["salt"], 5)),
        (SCRYPT_VECTOR, "crypto.kdfparams.n", 2048),
        (SCRYPT_VECTOR, "crypto.kdfparams.r", 4),
        (SCRYPT_VECTOR, "crypto.kdfparams.p", 2),
        (PBKDF2_VECTOR, "crypto.ciphertext", _flip_hex(PBKDF2_CRYPTO["ciphertext"], 7)),
        (PBKDF2_VECTOR, "crypto.kdfparams.c", 4095),
        (PBKDF2_VECTOR, "crypto.kdfparams.salt", _flip_hex(PBKDF2_CRYPTO["kdfparams"]["salt"], 15)),
    ],
)
async def test_tampering_fails_the_mac(vector, path, value):
    with pytest.raises(AuthenticationError):
        await decrypt_keystore(_with(vector["keystore"], path, value), vector["password"])


async def test_changed_iv_is_not_covered_by_the_mac_and_yields_other_bytes():
    # A format limitation: the MAC covers only the ciphertext. A changed IV decrypts to other
    # bytes, which decrypt_keystore reports as InvalidKeyError unless they happen to be in range.
    iv = _flip_hex(SCRYPT_CRYPTO["cipherparams"]["iv"])
    keystore = _with(SCRYPT_VECTOR["keystore"], "crypto.cipherparams.iv", iv)
    secret = await decrypt_keystore_bytes(keystore, SCRYPT_VECTOR["password"])
    assert secret != int(SCRYPT_VECTOR["private_key"], 16).to_bytes(32, "big")


@pytest.mark.parametrize(
    "path, value",
    [
        ("version", 4),
        ("version", "3"),
        ("version", True),
        ("version", DELETE),
        ("crypto", DELETE),
        ("crypto", "not an object"),
        ("crypto.cipher", "aes-256-gcm"),
        ("crypto.cipher", DELETE),
        ("crypto.kdf", "argon2id"),
        ("crypto.kdf", "pbkdf2"),  # kdf and kdfparams disagree
        ("crypto.cipherparams", DELETE),
        ("crypto.cipherparams.iv", SCRYPT_CRYPTO["cipherparams"]["iv"][:30]),
        ("crypto.ciphertext", DELETE),
        ("crypto.ciphertext", ""),
        ("crypto.ciphertext", SCRYPT_CRYPTO["ciphertext"][:-1]),
        ("crypto.ciphertext", "zz" + SCRYPT_CRYPTO["ciphertext"][2:]),
        ("crypto.ciphertext", SCRYPT_CRYPTO["ciphertext"][:2] + " " + SCRYPT_CRYPTO["ciphertext"][3:]),
        ("crypto.mac", SCRYPT_CRYPTO["mac"][:62]),
        ("crypto.mac", DELETE),
        ("crypto.kdfparams", DELETE),
        ("crypto.kdfparams.salt", ""),
        ("crypto.kdfparams.salt", 1234),
        ("crypto.kdfparams.n", 1000),
        ("crypto.kdfparams.n", 1),
        ("crypto.kdfparams.n", 2**30),
        ("crypto.kdfparams.n", 1024.0),
        ("crypto.kdfparams.n", "1024"),
        ("crypto.kdfparams.n", True),
        ("crypto.kdfparams.r", 0),
        ("crypto.kdfparams.r", 2**20),
        ("crypto.kdfparams.p", 0),
        ("crypto.kdfparams.p", 10**6),
        ("crypto.kdfparams.dklen", 16),
        ("crypto.kdfparams.dklen", 1000),
        ("id", 42),
        ("address", ["not", "a", "string"]),
    ],
)
async def test_malformed_scrypt_keystore_is_a_keystore_error(path, value):
    with pytest.raises(KeystoreError):
        await decrypt_keystore(_with(SCRYPT_VECTOR["keystore"], path, value), SCRYPT_VECTOR["password"])


@pytest.mark.parametrize(
    "path, value",
    [
        ("crypto.kdfparams.prf", "hmac-sha512"),
        ("crypto.kdfparams.prf", DELETE),
        ("crypto.kdfparams.c", 0),
        ("crypto.kdfparams.c", 10**8),
        ("crypto.kdfparams.c", DELETE),
        ("crypto.kdf", "scrypt"),
    ],
)
async def test_malformed_pbkdf2_keystore_is_a_keystore_error(path, value):
    with pytest.raises(KeystoreError):
        await decrypt_keystore(_with(PBKDF2_VECTOR["keystore"], path, value), PBKDF2_VECTOR["password"])


@pytest.mark.parametrize(
    "keystore", ["not json", "", "[1, 2]", "3", b"\xff\xfe", 42, None, ["crypto"], {}]
)
async def test_not_a_keystore_object(keystore):
    with pytest.raises(KeystoreError):
        await decrypt_keystore(keystore, "pw")


def test_field_names_differing_only_in_case_are_ambiguous():
    keystore = dict(SCRYPT_VECTOR["keystore"], Crypto=SCRYPT_CRYPTO)
    with pytest.raises(KeystoreError, match="twice"):
        parse_keystore(keystore)


def test_limits_are_explained():
    with pytest.raises(KeystoreError, match="power of two"):
        parse_keystore(_with(SCRYPT_VECTOR["keystore"], "crypto.kdfparams.n", 3000))
    with pytest.raises(KeystoreError, match="MiB"):
        parse_keystore(_with(SCRYPT_VECTOR["keystore"], "crypto.kdfparams.n", 2**24))
    with pytest.raises(KeystoreError, match="work"):
        parse_keystore(_with(SCRYPT_VECTOR["keystore"], "crypto.kdfparams.p", 2**13))
    with pytest.raises(KeystoreError, match="version"):
        parse_keystore(_with(SCRYPT_VECTOR["keystore"], "version", 4))
    with pytest.raises(KeystoreError, match="aes-128-ctr"):
        parse_keystore(_with(SCRYPT_VECTOR["keystore"], "crypto.cipher", "aes-256-gcm"))
