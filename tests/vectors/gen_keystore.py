"""Writes keystore_ethkeyfile.json: v3 keystores made by eth-keyfile for valid Stark keys.

Run on CPython with eth-keyfile and starknet-py installed (from /work/main):
    .venv/bin/python tests/vectors/gen_keystore.py
Each keystore is also opened with starknet-py's KeyPair.from_keystore before it is written, so
two independent readers agree on the key. Passwords are encoded as UTF-8, as starkli does.
Small KDF costs keep the portable tests fast in Pyodide.
"""

import json
import tempfile
from importlib.metadata import version
from pathlib import Path

from eth_keyfile import create_keyfile_json, decode_keyfile_json
from starknet_py.net.signer.key_pair import KeyPair

OUT = Path(__file__).resolve().parent / "keystore_ethkeyfile.json"
# Stark curve order (starknet-py constants.EC_ORDER).
EC_ORDER = 0x800000000000010FFFFFFFFFFFFFFFFB781126DCAE7B2321E66A241ADC64D2F

CASES = [
    # (private key, password, kdf, scrypt n or pbkdf2 c, salt size in bytes)
    (1, "testpassword", "scrypt", 1024, 16),
    (EC_ORDER - 1, "pässwörd 🔑", "scrypt", 1024, 32),
    (0x0139FE4D6F02E666E86A6F58E65060F115CD3C185BD9E98BD829636931458F79, "testpassword", "pbkdf2", 4096, 16),
    (0x0139FE4D6F02E666E86A6F58E65060F115CD3C185BD9E98BD829636931458F79, "", "pbkdf2", 1000, 32),
    (0x04A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F, "correct horse", "scrypt", 2048, 32),
]


def main():
    vectors = []
    for key, password, kdf, cost, salt_size in CASES:
        secret = password.encode("utf-8")
        raw_key = key.to_bytes(32, "big")
        keystore = create_keyfile_json(raw_key, secret, kdf=kdf, iterations=cost, salt_size=salt_size)
        assert int.from_bytes(decode_keyfile_json(keystore, secret), "big") == key
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "keystore.json"
            path.write_text(json.dumps(keystore))
            assert KeyPair.from_keystore(str(path), secret).private_key == key
        vectors.append({"private_key": hex(key), "password": password, "keystore": keystore})
    document = {
        "source": (
            f"eth-keyfile {version('eth-keyfile')} create_keyfile_json (version 3; its 'address' is the "
            f"secp256k1 address of the key, meaningless for Stark); each checked with starknet-py "
            f"{version('starknet-py')} KeyPair.from_keystore; written by tests/vectors/gen_keystore.py"
        ),
        "vectors": vectors,
    }
    OUT.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(vectors)} vectors to {OUT}")


if __name__ == "__main__":
    main()
