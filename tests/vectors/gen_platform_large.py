"""Write tests/vectors/platform_large.json: AES over large inputs, with pycryptodome as oracle.

Usage (from the repository root, CPython with pycryptodome): python tests/vectors/gen_platform_large.py
Inputs are made from their description (no randomness), so reruns write the same values. Large
inputs take another path in the browser (Web Crypto gets a view of Pyodide's memory, not a copy).
"""

import hashlib
import json
import pathlib

from Crypto.Cipher import AES
from Crypto.Util import Counter

TARGET = pathlib.Path(__file__).resolve().parent / "platform_large.json"
SIZES = [65535, 65536, (1 << 20) + 5]


def large_input(size):
    """bytes(range(256)) repeated, cut to size."""
    return (bytes(range(256)) * (size // 256 + 1))[:size]


def main():
    key, iv, aad, counter = bytes(range(32)), bytes(range(12)), b"foc large", bytes(range(16))
    gcm, ctr = [], []
    for size in SIZES:
        data = large_input(size)
        cipher = AES.new(key, AES.MODE_GCM, nonce=iv)
        cipher.update(aad)
        sealed = b"".join(cipher.encrypt_and_digest(data))
        gcm.append({"size": size, "sha256_sealed": hashlib.sha256(sealed).hexdigest()})
        stream = AES.new(key, AES.MODE_CTR, counter=Counter.new(128, initial_value=int.from_bytes(counter, "big")))
        ctr.append({"size": size, "sha256_ciphertext": hashlib.sha256(stream.encrypt(data)).hexdigest()})
    out = {
        "source": "tests/vectors/gen_platform_large.py: pycryptodome AES-256-GCM and AES-256-CTR over "
                  "bytes(range(256)) repeated to each size; key bytes(range(32)), GCM iv bytes(range(12)) "
                  "and aad b'foc large', CTR counter block bytes(range(16))",
        "key": key.hex(), "iv": iv.hex(), "aad": aad.hex(), "counter": counter.hex(),
        "aes_gcm": gcm, "aes_ctr": ctr,
    }
    TARGET.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
