"""CPython-only oracle: Pedersen, Poseidon, Keccak and ECDSA verification against @scure/starknet.

@scure/starknet (and @noble/hashes' keccak_256 underneath it) is what starknet.js and the
browser wallets run, so foc_web must agree with it exactly. One node process per module runs
tests/oracle/scure.mjs on every input at once; inputs are drawn from a seeded ``random.Random``
plus edge values. Default signing, stark keys and grindKey against @scure are in
test_curve_ecdsa_oracle.py and test_derivation_oracle.py; signatures are made again here only to
check verification both ways.
"""

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from foc_web.errors import FocError
from foc_web.stark import ecdsa, keys
from foc_web.stark.curve import EC_ORDER, FIELD_PRIME
from foc_web.stark.keccak import keccak256, starknet_keccak
from foc_web.stark.pedersen import compute_hash_on_elements, pedersen_hash
from foc_web.stark.poseidon import hades_permutation, poseidon_hash, poseidon_hash_many, poseidon_hash_single

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "oracle" / "scure.mjs"

pytestmark = pytest.mark.skipif(
    not (shutil.which("node") and (ROOT / "node_modules" / "@scure" / "starknet").is_dir()),
    reason="node and node_modules/@scure/starknet are needed",
)

rng = random.Random(20240611)
EDGE_FELTS = [0, 1, 2, FIELD_PRIME - 1, FIELD_PRIME - 2, 2**248 - 1, 2**248, 2**250, 2**251 - 1, 2**128]


def felt():
    """Mostly uniform felts, some small ones, some edge values."""
    kind = rng.random()
    if kind < 0.7:
        return rng.randrange(FIELD_PRIME)
    if kind < 0.85:
        return rng.randrange(2**rng.randrange(1, 64))
    return rng.choice(EDGE_FELTS)


def message_hash():
    """A hash below 2^251 with a random bit length: the RFC 6979 nonce input depends on it."""
    return rng.choice([0, 1, 2**251 - 1, rng.randrange(2**rng.randrange(1, 252))])


def private_key():
    return rng.choice([1, 2, EC_ORDER - 1, rng.randrange(1, 2**40), *[rng.randrange(1, EC_ORDER)] * 4])


def encodings(point):
    """The public key as @scure takes it: uncompressed 04||x||y and both compressed forms 02/03||x."""
    x, y = (v.to_bytes(32, "big").hex() for v in point)
    return "04" + x + y, "02" + x, "03" + x


CASES = {
    "pedersen": [(felt(), felt()) for _ in range(50)] + [(a, b) for a in EDGE_FELTS[:4] for b in EDGE_FELTS[3:7]],
    "hashOnElements": [[felt() for _ in range(n % 9)] for n in range(20)],
    "hades": [[felt(), felt(), felt()] for _ in range(30)],
    "poseidonHash": [(felt(), felt()) for _ in range(50)],
    "poseidonHashSingle": [felt() for _ in range(50)],
    "poseidonHashMany": [[felt() for _ in range(n % 13)] for n in range(52)],
    # every length 0..300 class, with the 136-byte rate boundaries hit on purpose
    "keccak": [rng.randbytes(n) for n in [*range(0, 301, 7), 135, 136, 137, 271, 272, 273]],
    "sign": [(private_key(), message_hash()) for _ in range(30)],
}


@pytest.fixture(scope="module")
def scure():
    """Signatures are made here first (to be checked by @scure), then everything goes to one node run."""
    forged = []
    for key, h in CASES["sign"]:
        r, s = ecdsa.sign(h, key)
        tweak = rng.randrange(1, 2**251)
        public = keys.get_public_key(key)
        for case in ((h, r, s), (h ^ tweak, r, s), (h, r ^ tweak, s), (h, r, (s + tweak) % EC_ORDER or 1)):
            forged.append((*case, public))
    # out-of-range signatures: r = 2^251, and s with s^-1 = 2^251 + 1 (both raise, in both libraries)
    key, h = CASES["sign"][0]
    (r, s), public = ecdsa.sign(h, key), keys.get_public_key(key)
    forged += [(h, 2**251, s, public), (h, r, pow(2**251 + 1, -1, EC_ORDER), public)]
    job = {name: [[hex(v) for v in case] if isinstance(case, (list, tuple)) else hex(case) for case in cases]
           for name, cases in CASES.items() if name != "keccak"}
    job["keccak"] = [data.hex() for data in CASES["keccak"]]
    job["verify"] = [[hex(h), hex(r), hex(s), pub] for h, r, s, point in forged for pub in encodings(point)]
    done = subprocess.run(["node", str(SCRIPT)], input=json.dumps(job), capture_output=True, text=True,
                          cwd=ROOT, timeout=300, check=True)
    return json.loads(done.stdout), forged


def felts(values):
    return [int(v, 16) for v in values]


def test_pedersen(scure):
    expected, _ = scure
    assert [pedersen_hash(a, b) for a, b in CASES["pedersen"]] == felts(expected["pedersen"])


def test_compute_hash_on_elements(scure):
    expected, _ = scure
    assert [compute_hash_on_elements(xs) for xs in CASES["hashOnElements"]] == felts(expected["hashOnElements"])


def test_hades_permutation(scure):
    expected, _ = scure
    assert [hades_permutation(state) for state in CASES["hades"]] == [felts(s) for s in expected["hades"]]


def test_poseidon_hash_single_and_many(scure):
    expected, _ = scure
    assert [poseidon_hash(a, b) for a, b in CASES["poseidonHash"]] == felts(expected["poseidonHash"])
    assert [poseidon_hash_single(a) for a in CASES["poseidonHashSingle"]] == felts(expected["poseidonHashSingle"])
    assert [poseidon_hash_many(xs) for xs in CASES["poseidonHashMany"]] == felts(expected["poseidonHashMany"])


def test_keccak256_and_starknet_keccak(scure):
    expected, _ = scure
    got = [[keccak256(data).hex(), starknet_keccak(data)] for data in CASES["keccak"]]
    assert got == [[digest, int(masked, 16)] for digest, masked in expected["keccak"]]


def test_verify_scure_signatures(scure):
    expected, _ = scure
    for (key, h), (r, s) in zip(CASES["sign"], expected["sign"]):
        r, s = int(r, 16), int(s, 16)
        assert ecdsa.verify(h, r, s, keys.get_stark_key(key))
        assert ecdsa.verify(h, r, s, keys.get_public_key(key))
        assert (r, s) == ecdsa.sign(h, key)


def ours(h, r, s, public_key):
    try:
        return ecdsa.verify(h, r, s, public_key)
    except FocError:
        return "error"


def test_verify_agrees_with_scure_on_signatures_and_forgeries(scure):
    expected, forged = scure
    answers = iter(expected["verify"])
    for h, r, s, point in forged:
        full, even, odd = next(answers), next(answers), next(answers)
        assert ours(h, r, s, point) == full
        # a stark key (x only) is valid if either y is: @scure's two compressed forms
        either = "error" if even == "error" else even or odd
        assert ours(h, r, s, point[0]) == either
    assert [ours(*case) for case in forged].count(True) == len(CASES["sign"])
    assert "error" in expected["verify"]
