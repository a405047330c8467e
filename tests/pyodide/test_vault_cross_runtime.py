"""Vaults move between runtimes: written in Pyodide (Chromium's localStorage, Node's memory store),
exported as the stored string into a file, opened on CPython from $FOC_HOME/keys/...; and the reverse."""

import asyncio
import json
import os
from pathlib import Path

import pytest

from foc_web import platform as native
from foc_web.engine import FocEngine
from tests.pyodide.pages import LOAD_FOC_WEB, booted

PASSWORD = "Correct-Horse-Battery-Staple-42"
KEY = 0x5EED5EED5EED5EED5EED5EED5EED5EED5EED5EED5EED5EED5EED5EED5EED5EE


@pytest.fixture(scope="module")
def pyodide(selenium_module_scope):
    return booted(selenium_module_scope, LOAD_FOC_WEB)


def engine_code(network):
    return f"""
import json
from foc_web import platform
from foc_web.engine import FocEngine
engine = FocEngine(network={network!r}, rpc={{{network!r}: "http://127.0.0.1:9/rpc"}})
"""


def test_vault_written_in_pyodide_opens_on_cpython(pyodide):
    network = "x" + native.random_bytes(4).hex()
    out = json.loads(pyodide.run_async(engine_code(network) + f"""
account = await engine.accounts.create(password={PASSWORD!r}, private_key={KEY}, username="carol",
                                       storage={{"key_derivation": "argon2id"}})
stored = await platform.store().get(account.storage_key)
import js
in_local_storage = js.localStorage.getItem(account.storage_key) if platform.store().location == "localStorage" else stored
await platform.store().delete(account.storage_key)
json.dumps({{"address": account.address, "key": account.storage_key, "stored": stored, "ls": in_local_storage}})
"""))
    assert out["ls"] == out["stored"]
    # "Export the localStorage value into a file": exactly where the CPython store looks for it.
    path = Path(os.environ["FOC_HOME"]) / "keys" / network / out["address"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(out["stored"])
    engine = FocEngine(network=network, rpc={network: "http://127.0.0.1:9/rpc"})
    account = asyncio.run(engine.accounts.unlock(out["address"], password=PASSWORD))
    assert account.username == "carol"
    assert engine.accounts._private_key(out["address"]) == KEY
    path.unlink()


def test_vault_written_on_cpython_opens_in_pyodide(pyodide):
    network = "x" + native.random_bytes(4).hex()
    engine = FocEngine(network=network, rpc={network: "http://127.0.0.1:9/rpc"})
    account = asyncio.run(engine.accounts.create(password=PASSWORD, private_key=KEY, username="dave"))
    path = Path(os.environ["FOC_HOME"]) / "keys" / network / account.address
    stored = path.read_text()
    out = json.loads(pyodide.run_async(engine_code(network) + f"""
await platform.store().set({account.storage_key!r}, {stored!r})
unlocked = await engine.accounts.unlock({account.address!r}, password={PASSWORD!r})
key = engine.accounts._private_key({account.address!r})
await platform.store().delete({account.storage_key!r})
json.dumps({{"username": unlocked.username, "key": hex(key)}})
"""))
    assert out == {"username": "dave", "key": hex(KEY)}
    path.unlink()


BACKUP_PASSWORD = "Backup-Passphrase-Violet-Otter-77"


def test_backup_made_in_pyodide_restores_on_cpython(pyodide):
    network = "x" + native.random_bytes(4).hex()
    out = json.loads(pyodide.run_async(engine_code(network) + f"""
account = await engine.accounts.create(password={PASSWORD!r}, private_key={KEY}, username="erin")
backup = await engine.accounts.create_backup([account.address], {BACKUP_PASSWORD!r},
                                             metadata={{"description": "from pyodide"}})
await platform.store().delete(account.storage_key)
json.dumps({{"address": account.address, "backup": backup}})
"""))
    engine = FocEngine(network=network, rpc={network: "http://127.0.0.1:9/rpc"})
    restored = asyncio.run(engine.accounts.restore_from_backup(out["backup"], BACKUP_PASSWORD))
    assert restored["restored"] == [out["address"]]
    asyncio.run(engine.accounts.unlock(out["address"], password=PASSWORD))
    assert engine.accounts._private_key(out["address"]) == KEY
    asyncio.run(engine.accounts.delete(out["address"], password=PASSWORD))


def test_backup_made_on_cpython_restores_in_pyodide(pyodide):
    network = "x" + native.random_bytes(4).hex()
    engine = FocEngine(network=network, rpc={network: "http://127.0.0.1:9/rpc"})
    account = asyncio.run(engine.accounts.create(password=PASSWORD, private_key=KEY, username="frank"))
    backup = asyncio.run(engine.accounts.create_backup([account.address], BACKUP_PASSWORD))
    asyncio.run(engine.accounts.delete(account.address, password=PASSWORD))
    out = json.loads(pyodide.run_async(engine_code(network) + f"""
restored = await engine.accounts.restore_from_backup({backup!r}, {BACKUP_PASSWORD!r}, verify_integrity=True)
await engine.accounts.unlock({account.address!r}, password={PASSWORD!r})
key = engine.accounts._private_key({account.address!r})
await engine.accounts.delete({account.address!r}, password={PASSWORD!r})
json.dumps({{"restored": restored["restored"], "key": hex(key)}})
"""))
    assert out == {"restored": [account.address], "key": hex(KEY)}
