"""Writes tests/vectors/hashes.json: Poseidon, Keccak-256, starknet_keccak and selector vectors.

Run on CPython with the oracle installed (poseidon-py, pycryptodome, starknet-py):
    python tests/vectors/gen_hashes.py
Every expected value comes from those libraries or from published Keccak test vectors; none
from foc_web.
"""

import json
import random
from pathlib import Path

from Crypto.Hash import keccak
from poseidon_py.c_bindings import hades_permutation
from poseidon_py.poseidon_hash import poseidon_hash, poseidon_hash_many, poseidon_hash_single
from starknet_py.hash.selector import get_selector_from_name
from starknet_py.hash.utils import _starknet_keccak

P = 2**251 + 17 * 2**192 + 1
OUT = Path(__file__).resolve().parent / "hashes.json"


def felts(rng, n):
    """Random felts mixed with the edge values 0, 1, P - 1."""
    return [rng.choice([0, 1, P - 1, rng.randrange(P), rng.randrange(2**64)]) for _ in range(n)]


def main():
    rng = random.Random(20261203)
    hades = []
    for _ in range(6):
        state = felts(rng, 3)
        hades.append({"state": [hex(v) for v in state], "result": [hex(v) for v in hades_permutation(state)]})
    pairs = []
    for _ in range(8):
        x, y = felts(rng, 2)
        pairs.append({"x": hex(x), "y": hex(y), "hash": hex(poseidon_hash(x, y)),
                      "single_x": hex(poseidon_hash_single(x))})
    many = []
    for n in list(range(0, 7)) + [10, 17]:
        values = felts(rng, n)
        many.append({"values": [hex(v) for v in values], "hash": hex(poseidon_hash_many(values))})

    keccak_cases = []
    for n in [0, 1, 3, 31, 32, 55, 56, 64, 100, 134, 135, 136, 137, 200, 271, 272, 273, 500]:
        data = bytes(rng.randrange(256) for _ in range(n))
        digest = keccak.new(digest_bits=256, data=data).digest()
        keccak_cases.append({"data": data.hex(), "keccak256": digest.hex(),
                             "starknet_keccak": hex(_starknet_keccak(data))})
    names = ["transfer", "balanceOf", "__execute__", "__validate__", "__default__",
             "__l1_default__", "approve", "increase_balance", "a", ""]
    selectors = [{"name": name, "selector": hex(get_selector_from_name(name))} for name in names]

    vectors = {
        "source": "poseidon-py 0.2.0 (hades_permutation, poseidon_hash*; C code), "
                  "pycryptodome 3.24 Crypto.Hash.keccak, starknet-py 0.30.0 get_selector_from_name / "
                  "_starknet_keccak; 'keccak_published' are the well-known Keccak-256 digests "
                  "(Ethereum yellow paper empty hash, keccak.team / web3 'abc').",
        "keccak_published": [
            {"data": "", "keccak256": "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"},
            {"data": b"abc".hex(),
             "keccak256": "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"},
        ],
        "hades": hades,
        "poseidon_pairs": pairs,
        "poseidon_many": many,
        "keccak": keccak_cases,
        "selectors": selectors,
    }
    OUT.write_text(json.dumps(vectors, indent=1) + "\n")


if __name__ == "__main__":
    main()
