"""Accounts benchmark: unlock time against the raw KDF it runs, and create() time, per runtime.

    python3 bench/run.py accounts

Unlock = read the record + KDF + AES-GCM + bookkeeping (lockout state, audit record); the raw KDF is
the platform's PBKDF2 / Argon2id with the same parameters. Target ratio < 1.05. The same Python runs
on CPython and inside Pyodide in Chromium (best of 5, the two run alternately).
"""

PY_ACCOUNTS_BENCH = """
import json, time
from foc_web import platform
from foc_web.engine import FocEngine
from foc_web.vault import kdf

async def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - started)
    return min(times) * 1000

async def best_pair(first, second, repeat=5):
    # Best times of two operations run alternately, so load changes hit both alike.
    a, b = [], []
    for _ in range(repeat):
        a.append(await best(first, 1))
        b.append(await best(second, 1))
    return min(a), min(b)

network = "bench" + platform.random_bytes(3).hex()
engine = FocEngine(network=network, rpc={network: "http://127.0.0.1:9/rpc"})
password = "Correct-Horse-Battery-Staple-42"
rows = {}
for algorithm in ("pbkdf2", "argon2id"):
    created = []
    async def create():
        created.append(await engine.accounts.create(password=password, storage={"key_derivation": algorithm}))
    create_ms = await best(create)
    account = created[-1]
    async def unlock():
        await engine.accounts.unlock(account.address, password=password)
    params = dict(kdf.DEFAULTS[algorithm], salt="MDEyMzQ1Njc4OWFiY2RlZg==")
    async def raw_kdf():
        await kdf.derive_key(params, password)
    unlock_ms, raw_ms = await best_pair(unlock, raw_kdf)
    rows[algorithm] = {"unlock": unlock_ms, "raw_kdf": raw_ms, "create": create_ms}
store = platform.store()
for key in await store.keys("foc_"):
    if network in key:
        await store.delete(key)
result = rows
"""


def print_rows(title, rows):
    print(f"\n{title}")
    print(f"  {'KDF':<10}{'unlock ms':>11}{'raw KDF ms':>12}{'ratio':>8}{'create ms':>11}")
    for name, row in rows.items():
        print(f"  {name:<10}{row['unlock']:>11.1f}{row['raw_kdf']:>12.1f}{row['unlock'] / row['raw_kdf']:>8.2f}"
              f"{row['create']:>11.1f}")
