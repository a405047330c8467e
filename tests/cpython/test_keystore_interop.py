"""Keystores written by foc_web open in eth-keyfile and starknet-py, and theirs open in foc_web.

starknet-py's KeyPair.from_keystore is eth-keyfile underneath; starkli/sncast (Rust eth-keystore)
are covered by the sncast vector in tests/portable/test_keystore.py. KDF costs are kept small.
"""

import asyncio
import json
from pathlib import Path

import pytest
from eth_keyfile import create_keyfile_json, decode_keyfile_json
from eth_keyfile.exceptions import EthKeyfileValueError
from hypothesis import given, settings
from hypothesis import strategies as st
from starknet_py.constants import EC_ORDER
from starknet_py.net.signer.key_pair import KeyPair

from foc_web.errors import AuthenticationError
from foc_web.vault.keystore import decrypt_keystore, decrypt_keystore_bytes, encrypt_keystore

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
SPEC = json.loads((VECTORS / "keystore_web3_spec.json").read_text(encoding="utf-8"))
FAST = {
    "scrypt": {"kdf": "scrypt", "scrypt_n": 1024},
    "pbkdf2": {"kdf": "pbkdf2", "pbkdf2_iterations": 1000},
}
KEYS = st.integers(min_value=1, max_value=EC_ORDER - 1)
PASSWORDS = st.text(max_size=24)


@pytest.mark.parametrize("kdf", sorted(FAST))
async def test_ours_opens_in_eth_keyfile_and_starknet_py(kdf, tmp_path):
    key, password = 0x0139FE4D6F02E666E86A6F58E65060F115CD3C185BD9E98BD829636931458F79, "pässwörd 🔑"
    keystore = await encrypt_keystore(key, password, address=0x1234, **FAST[kdf])
    secret = password.encode("utf-8")
    assert int.from_bytes(decode_keyfile_json(keystore, secret), "big") == key
    path = tmp_path / "keystore.json"
    path.write_text(json.dumps(keystore))
    assert KeyPair.from_keystore(str(path), secret).private_key == key


@pytest.mark.parametrize("kdf, cost", [("scrypt", 1024), ("pbkdf2", 1000)])
@pytest.mark.parametrize("salt_size", [16, 32])
async def test_eth_keyfile_keystore_opens_in_ours(kdf, cost, salt_size):
    key = EC_ORDER - 2
    secret = key.to_bytes(32, "big")
    keystore = create_keyfile_json(secret, b"pw", kdf=kdf, iterations=cost, salt_size=salt_size)
    assert await decrypt_keystore(keystore, "pw") == key


@settings(max_examples=15, deadline=None)
@given(key=KEYS, password=PASSWORDS, kdf=st.sampled_from(sorted(FAST)))
def test_random_keys_and_passwords_ours_to_eth_keyfile(key, password, kdf):
    keystore = asyncio.run(encrypt_keystore(key, password, **FAST[kdf]))
    assert int.from_bytes(decode_keyfile_json(keystore, password.encode("utf-8")), "big") == key


@settings(max_examples=15, deadline=None)
@given(key=KEYS, password=PASSWORDS, kdf=st.sampled_from(sorted(FAST)))
def test_random_keys_and_passwords_eth_keyfile_to_ours(key, password, kdf):
    cost = FAST[kdf].get("scrypt_n") or FAST[kdf]["pbkdf2_iterations"]
    secret, encoded = key.to_bytes(32, "big"), password.encode("utf-8")
    keystore = create_keyfile_json(secret, encoded, kdf=kdf, iterations=cost)
    assert asyncio.run(decrypt_keystore(json.dumps(keystore), password)) == key


async def test_broken_published_scrypt_vector_fails_the_mac_here_and_in_eth_keyfile():
    # ethereum.org's current scrypt vector used the salt's hex text as the salt (see its "note");
    # a conforming reader cannot open it with the published password. n = 2**18, r = 8: 256 MiB.
    vector = next(v for v in SPEC["vectors"] if v["name"] == "scrypt-r8-p1")
    assert vector["expect"] == "AuthenticationError"
    with pytest.raises(EthKeyfileValueError, match="MAC mismatch"):
        decode_keyfile_json(vector["keystore"], SPEC["password"].encode())
    with pytest.raises(AuthenticationError):
        await decrypt_keystore_bytes(vector["keystore"], SPEC["password"])
