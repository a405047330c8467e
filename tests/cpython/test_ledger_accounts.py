"""A hardware (Ledger) account through the accounts API, end to end, on CPython.

The device is a replay of the exchanges recorded from the real Starknet app (a test double: no
device here), in the order this flow sends them; the node is tests/rpcnode.py, set up so the
transaction is the recorded one (chain SN_MAIN, nonce 1, the recorded resource bounds), and it
checks the device's signature with starknet-py.
"""

import asyncio
import json
from pathlib import Path

import pytest

from foc_web.engine import FocEngine
from foc_web.errors import ConfigError, LedgerError, LedgerTransportError
from foc_web.ledger.transports import ReplayTransport
from foc_web.platform import current as platform_current
from tests.rpcnode import RpcNode

TRANSCRIPT = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "ledger_transcript.json").read_text())
INVOKE = TRANSCRIPT["invoke_v3"]


def recorded(kind):
    """The recorded exchanges whose request starts with this hex prefix, in order."""
    return [(request, response) for request, response in TRANSCRIPT["exchanges"] if request.startswith(kind)]


@pytest.fixture
def node():
    node = RpcNode(chain_id=int(INVOKE["chain_id"], 16)).start()
    bounds = INVOKE["resource_bounds"]
    node.estimate = {f"{resource}_{part}": int(bounds[resource][index], 16)
                     for resource in ("l1_gas", "l2_gas", "l1_data_gas")
                     for index, part in ((0, "consumed"), (1, "price"))}
    yield node
    node.stop()


def test_hardware_account_create_unlock_invoke(node):
    version, silent_key = recorded("5a0000")[0], recorded("5a010000")[0]
    invoke_steps = recorded("5a03")
    transport = ReplayTransport([version, silent_key, silent_key, *invoke_steps])
    public_key = int(bytes.fromhex(silent_key[1])[1:33].hex(), 16)
    node.register_account(int(INVOKE["sender_address"], 16), public_key, nonce=int(INVOKE["nonce"], 16))

    async def flow():
        engine = FocEngine(network="mainnet", rpc={"mainnet": node.url})
        accounts = engine.accounts
        assert await accounts.connect_ledger(transport) == "2.3.4"
        keys = await accounts.generate_private_key(provider="ledger", path=INVOKE["path"])
        assert keys.private_key is None and int(keys.public_key, 16) == public_key
        account = await accounts.create(public_key=keys.public_key, signer="hardware", device="ledger",
                                        path=INVOKE["path"], address=INVOKE["sender_address"], username="ledger")
        stored = await platform_current.store.get(account.storage_key)
        with pytest.raises(ConfigError):  # no password for hardware accounts
            await accounts.unlock(account.address, password="Correct-Horse-Battery-Staple-42")
        await accounts.unlock(account.address)  # asks the device for its key at the path
        with pytest.raises(ConfigError, match="sessions are refused"):
            await accounts.create_session(account=account.address, duration=60)
        with pytest.raises(ConfigError, match="never leaves the device"):
            await accounts.export(account.address, include_private_key=True)
        call = INVOKE["calls"][0]
        tx_hash = await accounts.invoke(account=account.address, contract_address=call["to"],
                                        entrypoint="transfer", calldata=call["calldata"], fee_multiplier=1)
        with pytest.raises(LedgerTransportError):  # the replay has nothing left: nothing else was signed
            await accounts.invoke(account=account.address, contract_address=call["to"], entrypoint="transfer",
                                  calldata=call["calldata"], fee_multiplier=1)
        await accounts.delete(account.address)
        return stored, tx_hash

    stored, tx_hash = asyncio.run(flow())
    record = json.loads(stored)
    assert record["hardware"] == {"device": "ledger", "path": INVOKE["path"]}
    assert "ciphertext" not in record and "cipher" not in record
    # The device's hash (last response) is the hash the node recomputed with starknet-py and accepted.
    device_hash = bytes.fromhex(recorded("5a0306")[-1][1])[:32].hex()
    assert int(tx_hash, 16) == int(device_hash, 16) and int(tx_hash, 16) in node.transactions
    assert node.violations == []


def test_another_device_at_the_path_is_refused(node):
    version, silent_key = recorded("5a0000")[0], recorded("5a010000")[0]

    async def flow():
        engine = FocEngine(network="mainnet", rpc={"mainnet": node.url})
        await engine.accounts.connect_ledger(ReplayTransport([version, silent_key]))
        account = await engine.accounts.create(public_key="0x1234", signer="hardware", device="ledger",
                                               path=INVOKE["path"])
        with pytest.raises(LedgerError, match="another key"):
            await engine.accounts.unlock(account.address)
        with pytest.raises(Exception) as info:
            await engine.accounts.create(public_key="0x1234", signer="hardware", device="ledger",
                                         path="m/44'/9004'/0'/0/0")
        assert info.value.code == "LEDGER_PATH"
        await engine.accounts.delete(account.address)

    asyncio.run(flow())


def test_a_locked_hardware_account_signs_nothing(node):
    """Created locked; unlock asks the device (no password); after lock an invoke is refused before the
    node or the device hears of it; unlocking again asks the device again."""
    from foc_web.errors import NotUnlockedError

    version, silent_key = recorded("5a0000")[0], recorded("5a010000")[0]
    transport = ReplayTransport([version, silent_key, silent_key])
    public_key = int(bytes.fromhex(silent_key[1])[1:33].hex(), 16)
    call = INVOKE["calls"][0]

    async def flow():
        engine = FocEngine(network="mainnet", rpc={"mainnet": node.url})
        accounts = engine.accounts
        await accounts.connect_ledger(transport)
        earlier = len(await accounts.get_audit_log(address=INVOKE["sender_address"]))  # other tests' records
        account = await accounts.create(public_key=hex(public_key), signer="hardware", device="ledger",
                                        path=INVOKE["path"], address=INVOKE["sender_address"])
        transfer = dict(account=account.address, contract_address=call["to"], entrypoint="transfer",
                        calldata=call["calldata"], fee_multiplier=1)
        assert not accounts.is_unlocked(account.address) and transport.remaining == 2
        with pytest.raises(NotUnlockedError):
            await accounts.invoke(**transfer)
        await accounts.unlock(account.address)
        assert accounts.is_unlocked(account.address) and transport.remaining == 1
        await accounts.lock(account.address)
        assert not accounts.is_unlocked(account.address)
        with pytest.raises(NotUnlockedError):
            await accounts.invoke(**transfer)
        assert transport.remaining == 1  # the refused invokes sent nothing to the device
        await accounts.unlock(account.address)
        assert accounts.is_unlocked(account.address) and transport.remaining == 0
        events = [entry["event"] for entry in (await accounts.get_audit_log(address=account.address))[earlier:]]
        await accounts.delete(account.address)
        return events

    events = asyncio.run(flow())
    assert events.count("authentication") == 2 and "lock" in events and "transaction_signing" not in events
    assert node.transactions == {}
    assert node.violations == []
