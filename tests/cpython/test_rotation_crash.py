"""Kill the process at each vault write of a key rotation: afterwards the account always opens, with
the key the chain expects (never with neither key). The node is tests/rpcnode.py (a test double)."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from foc_web.engine import FocEngine
from foc_web.platform.native import FileStore
from foc_web.stark.keys import get_stark_key
from tests.rpcnode import RpcNode

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Correct-Horse-Battery-Staple-42"
CHILD = """
import asyncio, os, sys
from foc_web.platform import native
from foc_web.engine import FocEngine
from foc_web.platform.native import FileStore
network, url, crash_at, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
original, writes = native.FileStore.set, [0]

async def crashing_set(self, key, value):
    vault = key.startswith(f"foc_{network}_")
    if vault:
        writes[0] += 1
    if vault and writes[0] == crash_at and mode == "before":
        os._exit(86)
    await original(self, key, value)
    if vault and writes[0] == crash_at and mode == "after":
        os._exit(86)

native.FileStore.set = crashing_set

async def main():
    engine = FocEngine(network=network, rpc={network: url}, chain_ids={network: "SN_SEPOLIA"})
    account = (await engine.accounts.list())[0]
    await engine.accounts.unlock(account.address, password=%r)
    await engine.accounts.rotate_keys(account.address, reason="crash-test")

asyncio.run(main())
print("completed", writes[0])
""" % PASSWORD


@pytest.fixture(scope="module")
def node():
    node = RpcNode().start()
    yield node
    node.stop()


def engine_for(network, url):
    return FocEngine(network=network, rpc={network: url}, chain_ids={network: "SN_SEPOLIA"})


def run_child(tmp_home, network, url, crash_at, mode):
    env = {**os.environ, "FOC_HOME": str(tmp_home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", CHILD, network, url, str(crash_at), mode], env=env,
                          capture_output=True, text=True, timeout=120)


async def check_after_crash(tmp_home, network, node, old_key):
    engine = engine_for(network, node.url)
    (account,) = await engine.accounts.list()
    await engine.accounts.unlock(account.address, password=PASSWORD)  # opens: never neither key
    key = engine.accounts._private_key(account.address)
    on_chain = node.public_keys[int(account.address, 16)]
    assert get_stark_key(key) == on_chain, "the vault's current key is the chain's owner key"
    assert key == old_key or get_stark_key(key) != get_stark_key(old_key)
    return key != old_key


@pytest.mark.parametrize("account_class", ["openzeppelin", "argent_0.5.0"])
@pytest.mark.parametrize("mode", ["before", "after"])
def test_kill_at_each_vault_write_of_a_rotation(tmp_path, node, mode, account_class):
    from foc_web import platform

    saved_store = platform.current._store
    outcomes = []
    try:
        for crash_at in range(1, 10):
            home = tmp_path / f"{mode}-{crash_at}"
            network = f"crash{crash_at}{mode}{account_class[0]}"
            platform.current._store = FileStore(home)  # this process and the child share the folder
            engine = engine_for(network, node.url)
            old_key = 0x1000 + crash_at * 7919 + (mode == "after") + 2 * account_class.startswith("argent")
            account = asyncio.run(engine.accounts.create(password=PASSWORD, private_key=old_key,
                                                         account_class=account_class))
            node.register_account(int(account.address, 16), get_stark_key(old_key), account_class=account_class)
            child = run_child(home, network, node.url, crash_at, mode)
            rotated = asyncio.run(check_after_crash(home, network, node, old_key))
            outcomes.append((crash_at, child.returncode, rotated))
            if child.returncode == 0:
                break
            assert child.returncode == 86, child.stderr
    finally:
        platform.current._store = saved_store
    assert outcomes[-1][1] == 0, "the last run completes the rotation"
    assert len(outcomes) >= 3, outcomes  # pending written, finished, and at least one crash in between
    assert outcomes[-1][2], "a completed rotation leaves the new key current"
    # Killed around the first vault write (the pending key), the chain never saw the change: old key.
    # Killed around the second (the switch), the chain already has the new key: unlock finishes it.
    assert [(at, rotated) for at, _, rotated in outcomes[:2]] == [(1, False), (2, True)], outcomes
