"""foc_web's Stark crypto in Pyodide against @scure/starknet, in the same Chromium page.

    python3 bench/run.py stark-browser      (after python3 build.py site)

Serves dist/test-site (bench/browser/stark.html and the vendored @scure/@noble ESM files) on
127.0.0.1 and drives headless Chromium. Prints ops/s of both, their ratio foc_web / @scure
against the targets (get_stark_key, sign, pedersen >= 1.0; verify, poseidon_hash_many >= 0.7),
then the first-use cost in a fresh page: the lazily built tables' time, and their memory as
tracemalloc sees it inside Pyodide. Rates are the best of a few alternating rounds. No asserts.
"""

import json
import os
import random
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_SITE = Path(os.environ.get("FOC_TEST_SITE", ROOT / "dist" / "test-site"))
sys.path.insert(0, str(ROOT))

TARGETS = {"get_stark_key": 1.0, "sign": 1.0, "verify": 0.7, "pedersen_hash": 1.0, "poseidon_hash_many_10": 0.7}
ROWS = (*TARGETS, "verify_stark_key")
SCURE_OP = {"verify_stark_key": "verify"}  # @scure is given the full public key in both rows
ROUNDS = 10  # many short rounds, each side right after the other: load from elsewhere hits both alike
MILLISECONDS = 200  # per operation, side and round

PY_SETUP = """
import json, time
from foc_web.stark import ecdsa, keys, pedersen, poseidon

inp = json.loads(INPUT)
key, msg_hash, a, b = (int(inp[k], 16) for k in ("key", "hash", "a", "b"))
ten = [int(v, 16) for v in inp["ten"]]
r, s = ecdsa.sign(msg_hash, key)
point = keys.get_public_key(key)
OPS = {
    "get_stark_key": lambda: keys.get_stark_key(key),
    "sign": lambda: ecdsa.sign(msg_hash, key),
    "verify": lambda: ecdsa.verify(msg_hash, r, s, point),
    "verify_stark_key": lambda: ecdsa.verify(msg_hash, r, s, point[0]),
    "pedersen_hash": lambda: pedersen.pedersen_hash(a, b),
    "poseidon_hash_many_10": lambda: poseidon.poseidon_hash_many(ten),
}

def rate(fn, seconds):
    count, start = 0, time.perf_counter()
    while True:
        fn()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed

json.dumps({"get_stark_key": hex(OPS["get_stark_key"]()), "sign": [hex(r), hex(s)], "verify": OPS["verify"](),
            "pedersen_hash": hex(OPS["pedersen_hash"]()), "poseidon_hash_many_10": hex(OPS["poseidon_hash_many_10"]())})
"""
PY_RATE = "json.dumps(rate(OPS[NAME], SECONDS))"

# In a fresh Pyodide: import, then the first call of each operation; then the tables' memory,
# by building each again under tracemalloc (slower, hence not timed).
PY_FIRST_USE = """
import json, time, tracemalloc
out = {}
t = time.perf_counter()
from foc_web.stark import curve, ecdsa, keys, pedersen
inp = json.loads(INPUT)
key, msg_hash, a, b = (int(inp[k], 16) for k in ("key", "hash", "a", "b"))
out["import"] = time.perf_counter() - t
t = time.perf_counter(); stark_key = keys.get_stark_key(key); out["get_stark_key"] = time.perf_counter() - t
t = time.perf_counter(); pedersen.pedersen_hash(a, b); out["pedersen_hash"] = time.perf_counter() - t
r, s = ecdsa.sign(msg_hash, key)
t = time.perf_counter(); ecdsa.verify(msg_hash, r, s, stark_key); out["verify"] = time.perf_counter() - t
out = {k: v * 1000 for k, v in out.items()}
for name, module, cache, build in (("generator tables", curve, "_G_TABLES", curve._generator_tables),
                                   ("pedersen tables", pedersen, "_TABLES", pedersen._tables),
                                   ("sqrt tables", curve, "_SQRT_TABLES", curve._sqrt_tables)):
    setattr(module, cache, None)
    tracemalloc.start()
    build()
    out["bytes " + name] = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
json.dumps(out)
"""

CALL = """
const done = arguments[arguments.length - 1];
window.starkBench[arguments[0]](...arguments[1]).then(done).catch((e) => done({error: String(e.stack || e)}));
"""
RUN_PYTHON = """
const done = arguments[arguments.length - 1];
const [code, globals] = arguments;
for (const [name, value] of Object.entries(globals)) window.pyodide.globals.set(name, value);
window.pyodide.runPythonAsync(code).then(done).catch((e) => done(JSON.stringify({error: String(e)})));
"""


def inputs():
    from foc_web.stark.curve import EC_ORDER, FIELD_PRIME

    rnd = random.Random(1)
    return {"key": hex(rnd.randrange(1, EC_ORDER)), "hash": hex(rnd.randrange(2**251)),
            "a": hex(rnd.randrange(FIELD_PRIME)), "b": hex(rnd.randrange(FIELD_PRIME)),
            "ten": [hex(rnd.randrange(FIELD_PRIME)) for _ in range(10)]}


def call(driver, name, *args):
    result = driver.execute_async_script(CALL, name, list(args))
    if isinstance(result, dict) and "error" in result:
        raise RuntimeError(f"{name}: {result['error']}")
    return result


def python(driver, code, **globals_):
    result = json.loads(driver.execute_async_script(RUN_PYTHON, code, globals_))
    if isinstance(result, dict) and "error" in result:
        raise RuntimeError(result["error"])
    return result


def rates(driver, page, inp):
    """Best ops/s of each side over ROUNDS rounds, the two sides alternating within a round."""
    driver.get(page)
    boot = call(driver, "focBoot")
    ours_out = python(driver, PY_SETUP, INPUT=json.dumps(inp))
    theirs_out = call(driver, "scureResults", inp)
    agree = {name: ours_out[name] == theirs_out[name] for name in ours_out}
    ours, theirs = {}, {}
    for _ in range(ROUNDS):
        for name in ROWS:
            ours[name] = max(ours.get(name, 0), python(driver, PY_RATE, NAME=name, SECONDS=MILLISECONDS / 1000))
            theirs[name] = max(theirs.get(name, 0),
                               call(driver, "scureRate", inp, SCURE_OP.get(name, name), MILLISECONDS))
    return boot, ours, theirs, agree


def first_use(driver, page, inp):
    driver.get(page)
    scure = call(driver, "scureFirstUse", inp)
    driver.get(page)
    call(driver, "focBoot")
    return python(driver, PY_FIRST_USE, INPUT=json.dumps(inp)), scure


def main():
    import build
    from bench.run import chromium

    if not (TEST_SITE / "bench" / "stark.html").is_file():
        sys.exit(f"{TEST_SITE}/bench/stark.html is missing: run python3 build.py site first")
    server = build.make_server(TEST_SITE, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page = f"http://127.0.0.1:{server.server_port}/bench/stark.html"
    inp = inputs()
    driver = chromium("--enable-precise-memory-info", "--js-flags=--expose-gc")
    try:
        ours_first, scure_first = first_use(driver, page, inp)  # first: @scure's heap is then the page's only one
        boot, ours, theirs, agree = rates(driver, page, inp)
        version = python(driver, "import json, sys; json.dumps(sys.version.split()[0])")
        browser = driver.capabilities.get("browserVersion", "?")
    finally:
        driver.quit()
        server.shutdown()

    print(f"== stark-browser: foc_web in Pyodide (Python {version}) vs @scure/starknet, "
          f"same page, headless Chromium {browser} ==")
    print(f"loadFocWeb() boot: {boot:.0f} ms; both sides give the same results: "
          f"{'yes' if all(agree.values()) else 'NO: ' + ', '.join(k for k, v in agree.items() if not v)}")
    print(f"  {'operation':<24}{'foc_web ops/s':>14}{'@scure ops/s':>14}{'ratio':>8}{'target':>8}  met?")
    for name in ROWS:
        target = TARGETS.get(name)
        ratio = ours[name] / theirs[name]
        verdict = ("yes" if ratio >= target else "NO") if target else "(info)"
        shown = f"{target:.1f}" if target else "-"
        print(f"  {name:<24}{ours[name]:>14.1f}{theirs[name]:>14.1f}{ratio:>8.2f}{shown:>8}  {verdict}")
    print("  (verify: both with the full public key; verify_stark_key: foc_web given x only, both y tried)")

    print("\nFirst use in a fresh page, ms (target: each first call < 300 ms)")
    print(f"  {'':<24}{'foc_web':>10}{'@scure':>10}")
    for name in ("import", "get_stark_key", "pedersen_hash", "verify"):
        print(f"  {name:<24}{ours_first[name]:>10.1f}{scure_first[name]:>10.1f}")
    print("  (@scure import includes its Pedersen tables; foc_web verify is given the stark key, "
          "@scure a compressed key)")
    print("\nTable memory")
    for name, value in ours_first.items():
        if name.startswith("bytes "):
            print(f"  foc_web {name[6:]:<24}{value / 2**20:>8.2f} MiB (tracemalloc in Pyodide)")
    print(f"  @scure all of the above       {scure_first['heap_bytes'] / 2**20:>8.2f} MiB "
          "(JS heap growth after gc, performance.memory)")


if __name__ == "__main__":
    main()
