"""Benchmark foc_web's STARK keys, ECDSA and Pedersen against starknet-py (and @scure via node).

Usage: python bench/bench_stark_core.py [--quick]
Prints the one-time table build cost (time, traced memory), then ops/s side by side with
starknet-py (crypto-cpp) and the ratio foc_web / starknet-py (> 1: foc_web is faster). With node
and node_modules/@scure/starknet present, @scure's timings (JS BigInt) are printed as well.
"""

import json
import pathlib
import random
import shutil
import subprocess
import sys
import time
import tracemalloc

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from foc_web.stark import curve, ecdsa, keys, pedersen  # noqa: E402

try:
    from starknet_py.hash import utils as sn
except ImportError:  # the reference is optional
    sn = None


def rate(fn, min_time):
    """ops/s of fn over at least min_time seconds."""
    count, start = 0, time.perf_counter()
    while True:
        fn()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return count / elapsed


def best_rates(fns, min_time, rounds=3):
    """Best ops/s of each function, measured in alternation so that load changes on a shared
    machine hit both sides alike."""
    best = [0.0] * len(fns)
    for _ in range(rounds):
        for i, (fn, share) in enumerate(fns):
            best[i] = max(best[i], rate(fn, min_time * share))
    return best


def build_costs():
    """(name, first-use seconds, traced bytes). Time is taken without tracemalloc (which slows
    allocation a lot); the size comes from the same lazy build redone under tracemalloc."""
    rows = []
    for name, module, cache, lazy in (
        ("generator tables", curve, "_G_TABLES", curve._generator_tables),
        ("pedersen tables", pedersen, "_TABLES", pedersen._tables),
        ("sqrt tables (verify)", curve, "_SQRT_TABLES", curve._sqrt_tables),
    ):
        start = time.perf_counter()
        lazy()
        elapsed = time.perf_counter() - start
        setattr(module, cache, None)
        tracemalloc.start()
        lazy()
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        rows.append((name, elapsed, size))
    return rows


SCURE = r"""
import { getStarkKey, sign, verify, getPublicKey, pedersen } from '@scure/starknet';
const [key, hash, a, b] = JSON.parse(process.argv[1]);
const rate = (fn) => { let best = 0; for (let r = 0; r < 3; r++) { let n = 0; const t0 = performance.now();
  let dt; do { fn(); n++; dt = performance.now() - t0; } while (dt < 300); best = Math.max(best, n / dt * 1000); } return best; };
const t0 = performance.now(); getStarkKey(key); pedersen(a, b); const first = performance.now() - t0;
const sig = sign(hash, key); const pub = getPublicKey(key);
console.log(JSON.stringify({ first_use_ms: first, get_stark_key: rate(() => getStarkKey(key)),
  sign: rate(() => sign(hash, key)), verify: rate(() => verify(sig, hash, pub)), pedersen_hash: rate(() => pedersen(a, b)) }));
"""


def scure_rates(key, msg_hash, a, b):
    if not (shutil.which("node") and (ROOT / "node_modules" / "@scure" / "starknet").is_dir()):
        return None
    done = subprocess.run(["node", "--input-type=module", "-e", SCURE, json.dumps([hex(key), hex(msg_hash), hex(a), hex(b)])],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
    return json.loads(done.stdout)


def main():
    min_time = 0.1 if "--quick" in sys.argv else 0.5
    rnd = random.Random(1)
    key = rnd.randrange(1, curve.EC_ORDER)
    msg_hash = rnd.randrange(2**251)
    a, b = rnd.randrange(curve.FIELD_PRIME), rnd.randrange(curve.FIELD_PRIME)
    data = [rnd.randrange(curve.FIELD_PRIME) for _ in range(10)]

    print(f"Python {sys.version.split()[0]}")
    print("first use (lazy tables):")
    for name, elapsed, size in build_costs():
        print(f"  {name:18s} {elapsed * 1e3:7.1f} ms  {size / 2**20:6.2f} MiB traced")

    stark_key = keys.get_stark_key(key)
    r, s = ecdsa.sign(msg_hash, key)
    ops = [
        ("get_stark_key", lambda: keys.get_stark_key(key), lambda: sn.private_to_stark_key(key)),
        ("sign (starknet-py k)", lambda: ecdsa.sign(msg_hash, key, ecdsa.STARKNET_PY_SEED),
         lambda: sn.message_signature(msg_hash, key)),
        ("verify (stark key)", lambda: ecdsa.verify(msg_hash, r, s, stark_key),
         lambda: sn.verify_message_signature(msg_hash, [r, s], stark_key)),
        ("pedersen_hash", lambda: pedersen.pedersen_hash(a, b), lambda: sn.pedersen_hash(a, b)),
        ("hash_on_elements(10)", lambda: pedersen.compute_hash_on_elements(data),
         lambda: sn.compute_hash_on_elements(data)),
    ]
    print(f"{'operation':22s} {'foc_web ops/s':>14s} {'us/op':>9s} {'starknet-py ops/s':>18s} {'us/op':>9s} {'ratio':>8s}")
    for name, ours, theirs in ops:
        if sn is None:
            mine = best_rates([(ours, 1)], min_time)[0]
            print(f"{name:22s} {mine:14.1f} {1e6 / mine:9.1f}")
            continue
        # starknet-py's sign takes ~0.2 s: time it over fewer calls
        mine, ref = best_rates([(ours, 1), (theirs, 0.25 if "sign" in name else 1)], min_time)
        print(f"{name:22s} {mine:14.1f} {1e6 / mine:9.1f} {ref:18.1f} {1e6 / ref:9.1f} {mine / ref:7.2f}x")

    js = scure_rates(key, msg_hash, a, b)
    if js:
        print(f"@scure/starknet (node, JS BigInt): first use {js['first_use_ms']:.1f} ms")
        for name in ("get_stark_key", "sign", "verify", "pedersen_hash"):
            print(f"  {name:20s} {js[name]:12.1f} ops/s {1e6 / js[name]:9.1f} us/op")


if __name__ == "__main__":
    main()
