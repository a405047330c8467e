"""Benchmarks, side by side with the direct use of the underlying implementation, in one run.

    python3 build.py bench            # all sections
    python3 build.py bench platform   # only the platform section (also: stark, stark-browser)

Each line: the operation, foc_web's time, the direct time (raw Web Crypto / hash-wasm in the same
page, hashlib / argon2-cffi / pycryptodome on CPython), and the ratio foc_web / direct (1.00 means
no overhead). Times are the best of a few runs. Nothing here is asserted: these are measurements.
"""

import asyncio
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "dist" / "site"
sys.path.insert(0, str(ROOT))

# The same Python runs in every runtime. ``DIRECT`` maps each operation to an async callable that
# runs it directly (raw Web Crypto / hash-wasm in JS, or hashlib / argon2-cffi / pycryptodome) and
# returns its own time in ms; ours and direct alternate, so load changes hit both alike.
PY_PLATFORM_BENCH = """
import json, time
from foc_web import platform

password, salt, key, iv = b"correct horse battery", b"0123456789abcdef", bytes(range(32)), bytes(12)
mebibyte = bytes(1 << 20)
OURS = {
    "pbkdf2_sha256_600k": lambda: platform.pbkdf2("sha256", password, salt, 600_000, 32),
    "argon2id_64mib_t3_p4": lambda: platform.argon2id(password, salt, 3, 65536, 4, 32),
    "aes_gcm_encrypt_1mib": lambda: platform.aes_gcm_encrypt(key, iv, mebibyte, b"aad"),
}
REPEAT = {"pbkdf2_sha256_600k": 5, "argon2id_64mib_t3_p4": 5, "aes_gcm_encrypt_1mib": 9}
result = {}
for name, ours in OURS.items():
    mine, theirs = [], []
    for _ in range(REPEAT[name]):
        started = time.perf_counter()
        await ours()
        mine.append((time.perf_counter() - started) * 1000)
        theirs.append(float(await DIRECT[name]()))
    result[name] = [min(mine), min(theirs)]
"""

JS_DIRECT = """
const enc = new TextEncoder();
const password = enc.encode("correct horse battery"), salt = enc.encode("0123456789abcdef");
const keyBytes = new Uint8Array(32).map((_, i) => i), iv = new Uint8Array(12), mebibyte = new Uint8Array(1 << 20);
const subtle = crypto.subtle;
const hashWasm = await import(HASH_WASM_URL);
const timed = (fn) => async () => { const t = performance.now(); await fn(); return performance.now() - t; };
globalThis.focDirect = {
  pbkdf2_sha256_600k: timed(async () => {
    const k = await subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
    await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 600000 }, k, 256);
  }),
  argon2id_64mib_t3_p4: timed(() => hashWasm.argon2id({ password, salt, iterations: 3, memorySize: 65536,
    parallelism: 4, hashLength: 32, outputType: "binary" })),
  aes_gcm_encrypt_1mib: timed(async () => {
    const k = await subtle.importKey("raw", keyBytes, "AES-GCM", false, ["encrypt"]);
    await subtle.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode("aad") }, k, mebibyte);
  }),
};
"""
# In Pyodide, DIRECT is the JS object above.
PY_PYODIDE_PRELUDE = "import js\nDIRECT = {name: getattr(js.focDirect, name) for name in dir(js.focDirect)}\n"
# Also in Pyodide: AES-GCM through raw Web Crypto called from Python (what a page's Python would
# write without foc_web), a third column. Against it, the ratio is what the wrapper itself adds;
# the rest of the gap to the JS-timed call is Pyodide's: awaiting a promise and copying bytes.
PY_PYODIDE_FROM_PYTHON = """
from pyodide.ffi import to_js

async def raw_gcm_from_python():
    subtle = js.crypto.subtle
    k = await subtle.importKey("raw", to_js(key), "AES-GCM", False, to_js(["encrypt"]))
    params = to_js({"name": "AES-GCM", "iv": to_js(iv), "additionalData": to_js(b"aad")},
                   dict_converter=js.Object.fromEntries)
    return js.Uint8Array.new(await subtle.encrypt(params, k, to_js(mebibyte))).to_bytes()

mine, raw = [], []
for _ in range(REPEAT["aes_gcm_encrypt_1mib"]):
    for fn, times in ((OURS["aes_gcm_encrypt_1mib"], mine), (raw_gcm_from_python, raw)):
        started = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - started) * 1000)
result["aes_gcm_encrypt_1mib (vs Web Crypto from Python)"] = [min(mine), min(raw)]
"""
PY_PYODIDE_BENCH = PY_PYODIDE_PRELUDE + PY_PLATFORM_BENCH + PY_PYODIDE_FROM_PYTHON + "\njson.dumps(result)"


def cpython_platform():
    import ast
    import hashlib

    from argon2.low_level import Type, hash_secret_raw
    from Crypto.Cipher import AES

    password, salt, key, iv = b"correct horse battery", b"0123456789abcdef", bytes(range(32)), bytes(12)
    mebibyte = bytes(1 << 20)

    def gcm():
        cipher = AES.new(key, AES.MODE_GCM, nonce=iv)
        cipher.update(b"aad")
        cipher.encrypt_and_digest(mebibyte)

    def timed(fn):
        async def run():
            started = time.perf_counter()
            fn()
            return (time.perf_counter() - started) * 1000
        return run

    namespace = {"DIRECT": {
        "pbkdf2_sha256_600k": timed(lambda: hashlib.pbkdf2_hmac("sha256", password, salt, 600_000, 32)),
        "argon2id_64mib_t3_p4": timed(lambda: hash_secret_raw(password, salt, 3, 65536, 4, 32, Type.ID)),
        "aes_gcm_encrypt_1mib": timed(gcm),
    }}
    code = compile(PY_PLATFORM_BENCH, "<bench>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)

    async def run():
        await eval(code, namespace)

    asyncio.run(run())
    return namespace["result"], "hashlib / argon2-cffi / pycryptodome"


def serve_site():
    sys.path.insert(0, str(ROOT))
    import build

    server = build.make_server(SITE, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def chromium(*extra_flags):
    from tests.conftest import start_chromium

    return start_chromium(*extra_flags, script_timeout=600)


BOOT_OURS = """
const done = arguments[arguments.length - 1];
const t = performance.now();
import(arguments[0] + "static/foc-loader.js").then(({ loadFocWeb }) => loadFocWeb())
  .then((py) => { window.py = py; done(performance.now() - t); }).catch((e) => done("error: " + e));
"""
BOOT_ENGINE = """
const done = arguments[arguments.length - 1];
const t = performance.now();
import(arguments[0] + "static/foc-engine.js").then(({ FocEngine }) => FocEngine.load({ network: "sepolia" }))
  .then(() => done(performance.now() - t)).catch((e) => done("error: " + e));
"""
BOOT_BARE = """
const done = arguments[arguments.length - 1];
const t = performance.now();
import(arguments[0] + "pyodide.mjs").then(({ loadPyodide }) => loadPyodide({ indexURL: arguments[0] }))
  .then(() => done(performance.now() - t)).catch((e) => done("error: " + e));
"""


def browser_boot(url, rounds=5):
    """Page-to-ready times, cold (fresh profile) then warm (reload): bare loadPyodide(), foc_web's
    loader, and FocEngine.load(). The three alternate for ``rounds`` rounds and the median of each
    is kept, since a boot on this shared machine varies by a second or more from run to run."""
    scripts = (("bare loadPyodide()", BOOT_BARE), ("loadFocWeb() (foc_web imported)", BOOT_OURS),
               ("FocEngine.load() (engine ready)", BOOT_ENGINE))
    times = {name: ([], []) for name, _ in scripts}
    for _ in range(rounds):
        for name, script in scripts:
            driver = chromium()
            try:
                for index in range(2):
                    driver.get(url + "index.html")
                    times[name][index].append(driver.execute_async_script(script, url))
            finally:
                driver.quit()
    return {name: [statistics.median(cold), statistics.median(warm)] for name, (cold, warm) in times.items()}


def browser_platform(url):
    driver = chromium()
    try:
        driver.get(url + "index.html")
        driver.execute_async_script(BOOT_OURS, url)
        driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"(async () => {{ const HASH_WASM_URL = arguments[0] + 'hash-wasm/index.esm.min.js'; {JS_DIRECT} }})()"
            ".then(() => done('ok')).catch((e) => done(String(e)));",
            url,
        )
        result = json.loads(driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "window.py.runPythonAsync(arguments[0]).then(done).catch((e) => done(JSON.stringify({error: String(e)})));",
            PY_PYODIDE_BENCH,
        ))
    finally:
        driver.quit()
    return result, "raw Web Crypto / hash-wasm, same page"


def node_platform():
    script = ROOT / "bench" / "node_platform.mjs"
    out = subprocess.run(
        ["node", str(script), str(SITE) + "/"],
        input=json.dumps({"python": PY_PYODIDE_BENCH, "js": JS_DIRECT}),
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1]), "raw Web Crypto / hash-wasm, same process"


def print_table(title, result, reference):
    print(f"\n{title}  (direct = {reference}; best of alternating runs)")
    width = max(24, *(len(name) + 2 for name in result))
    print(f"  {'operation':<{width}}{'foc_web ms':>12}{'direct ms':>12}{'ratio':>8}")
    for name, (ours, direct) in result.items():
        print(f"  {name:<{width}}{ours:>12.1f}{direct:>12.1f}{ours / direct:>8.2f}")


def platform_section():
    print("== platform: our wrappers against the direct calls (target ratio < 1.05) ==")
    print_table("CPython", *cpython_platform())
    print_table("Pyodide in Node", *node_platform())
    server, url = serve_site()
    try:
        print_table("Pyodide in headless Chromium", *browser_platform(url))
        boot = browser_boot(url)
        print("\nBoot in headless Chromium, page to Python ready (cold profile, then warm cache; median of 5), ms")
        for name, (cold, warm) in boot.items():
            print(f"  {name:<34}{cold:>10.0f}{warm:>10.0f}")
        bare, ours, engine = boot.values()
        print(f"  {'FocEngine.load - bare (s)':<34}{(engine[0] - bare[0]) / 1000:>10.2f}"
              f"{(engine[1] - bare[1]) / 1000:>10.2f}   (target: within 0.5 s)")
    finally:
        server.shutdown()


def stark_section():
    for script in sorted((ROOT / "bench").glob("bench_*.py")):
        print(f"\n== {script.stem} ==", flush=True)
        subprocess.run([sys.executable, str(script)], cwd=ROOT, check=False)


def stark_browser_section():
    from bench import browser_stark

    browser_stark.main()


def accounts_section():
    import ast

    from bench.bench_accounts import PY_ACCOUNTS_BENCH, print_rows

    print("== accounts: unlock against the raw KDF (target ratio < 1.05), and create() ==")
    namespace = {}
    code = compile(PY_ACCOUNTS_BENCH, "<bench>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)

    async def run():
        await eval(code, namespace)

    asyncio.run(run())
    print_rows("CPython (files under $FOC_HOME)", namespace["result"])
    server, url = serve_site()
    driver = chromium()
    try:
        driver.get(url + "index.html")
        driver.execute_async_script(BOOT_OURS, url)
        rows = json.loads(driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "window.py.runPythonAsync(arguments[0] + '\\nimport json\\njson.dumps(result)').then(done)"
            ".catch((e) => done(JSON.stringify({error: String(e)})));",
            PY_ACCOUNTS_BENCH,
        ))
        print_rows("Pyodide in headless Chromium (localStorage)", rows)
    finally:
        driver.quit()
        server.shutdown()


SECTIONS = {"platform": platform_section, "accounts": accounts_section, "stark": stark_section, "stark-browser": stark_browser_section}


def main(argv):
    for name in argv or list(SECTIONS):
        SECTIONS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
