"""Key rotation whose owner-key change is in flight, reverted or lost, and the rotation options, on
CPython against the test node (tests/rpcnode.py, which checks every transaction's hash and signature
with starknet-py, so an accepted transaction proves which key signed it)."""

import asyncio
import secrets

import pytest

from foc_web import platform, rotation
from foc_web.engine import FocEngine
from foc_web.errors import RotationPendingError, SessionError, TransactionRevertedError
from foc_web.stark.curve import EC_ORDER
from foc_web.stark.keys import get_stark_key
from tests.rpcnode import _OWNER_CHANGES, RpcNode

PASSWORD = "Correct-Horse-Battery-Staple-42"
TOKEN = 0x49D36570D4E46F48E99674BD3FCC84644DDD6B96F7C741B1562B82F9E004DC7
OWNER_CHANGES = set(_OWNER_CHANGES.values())
TRANSFER = {"contract_address": hex(TOKEN), "entrypoint": "transfer", "calldata": ["0x1234", "1", "0"]}


@pytest.fixture
def node():
    node = RpcNode().start()
    yield node
    node.stop()


@pytest.fixture(autouse=True)
def short_receipt_wait(monkeypatch):
    monkeypatch.setattr(rotation, "RECEIPT_TIMEOUT", 1.5)


class Setup:
    def __init__(self, node, **engine_options):
        self.node, self.options = node, engine_options
        self.network = "inf" + secrets.token_hex(4)
        self.old_key = secrets.randbelow(EC_ORDER - 1) + 1
        self.engine = self.fresh_engine()
        self.address = None

    def fresh_engine(self):
        """Another engine on the same store: what a reload sees (the vault as stored)."""
        return FocEngine(network=self.network, rpc={self.network: self.node.url},
                         chain_ids={self.network: "SN_SEPOLIA"}, **self.options)

    async def create(self):
        account = await self.engine.accounts.create(password=PASSWORD, private_key=self.old_key)
        self.address = account.address
        self.node.register_account(int(self.address, 16), get_stark_key(self.old_key))
        await self.engine.accounts.unlock(self.address, password=PASSWORD)
        return self

    def chain_owner(self):
        return self.node.public_keys[int(self.address, 16)]

    async def stored_secrets(self):
        """The vault's secrets, decrypted by a fresh engine (its unlock also settles a pending rotation)."""
        engine = self.fresh_engine()
        await engine.accounts.unlock(self.address, password=PASSWORD)
        return dict(engine.accounts._unlocked_entry(self.address).secrets)

    async def signs(self, accounts=None, **signer):
        """Sign and submit a transfer; True when the node accepted it (its signature checked)."""
        tx_hash = await (accounts or self.engine.accounts).invoke(**(signer or {"account": self.address}), **TRANSFER)
        return int(tx_hash, 16) in self.node.transactions


def hold_owner_changes(node):
    """Keep owner-key changes in a "mempool": accepted (hash known), not executed, nonce unspent, no receipt."""
    held = []

    def hold(parsed):
        if parsed.calldata[2] not in OWNER_CHANGES:  # the first call's selector: not a key rotation
            return RpcNode._execute_owner_changes(node, parsed)
        held.append(parsed)
        node.nonces[parsed.sender_address] -= 1  # the node adds 1 back: the nonce stays unspent

    node._execute_owner_changes = hold
    node.hidden_polls = 10**6
    return held


def land(node, held):
    """The held changes execute, in order, and their receipts become visible."""
    with node._lock:
        for parsed in held:
            RpcNode._execute_owner_changes(node, parsed)
            node.nonces[parsed.sender_address] += 1
        for receipt in node._receipts.values():
            receipt[1] = 0
    del node._execute_owner_changes
    node.hidden_polls = 0


async def test_a_change_still_unconfirmed_at_the_timeout_is_finished_on_unlock_once_it_lands(node):
    setup = await Setup(node).create()
    accounts = setup.engine.accounts
    held = hold_owner_changes(node)
    with pytest.raises(RotationPendingError) as raised:
        await accounts.rotate_keys(setup.address, reason="inflight")
    assert int(raised.value.tx_hash, 16) in node.transactions and len(held) == 1
    stored = await setup.stored_secrets()
    assert int(stored["private_key"], 16) == setup.old_key, "the current key stays in use"
    pending = int(stored["pending_private_key"], 16)
    assert stored["pending_rotation"]["tx_hash"] == raised.value.tx_hash
    assert await accounts.resume_rotation(setup.address) == "pending"
    with pytest.raises(RotationPendingError):  # no second change while one is in flight
        await accounts.rotate_keys(setup.address, reason="again")
    assert "pending_private_key" in await setup.stored_secrets()

    land(node, held)
    await accounts.lock(setup.address)
    await accounts.unlock(setup.address, password=PASSWORD)  # settles the rotation
    assert "pending_private_key" not in await setup.stored_secrets()
    assert setup.chain_owner() == get_stark_key(pending) != get_stark_key(setup.old_key)
    assert await setup.signs(), "the node accepts a transaction signed with the new key"
    reloaded = setup.fresh_engine().accounts
    await reloaded.unlock(setup.address, password=PASSWORD)
    assert await setup.signs(reloaded)


@pytest.mark.parametrize("fault", ["malformed", "node_error"])
async def test_an_error_while_polling_the_receipt_keeps_the_pending_key(node, fault):
    setup = await Setup(node).create()
    if fault == "malformed":
        node.malform_next("starknet_getTransactionReceipt", b"<html>bad gateway</html>", status=502)
    else:
        node.fail_next("starknet_getTransactionReceipt", {"code": -32603, "message": "Internal error"})
    with pytest.raises(RotationPendingError) as raised:
        await setup.engine.accounts.rotate_keys(setup.address)
    assert raised.value.tx_hash is not None
    # The node applied the change when it accepted it: the next unlock finishes the rotation.
    await setup.engine.accounts.lock(setup.address)
    await setup.engine.accounts.unlock(setup.address, password=PASSWORD)
    assert get_stark_key(setup.engine.accounts._private_key(setup.address)) == setup.chain_owner()
    assert setup.chain_owner() != get_stark_key(setup.old_key)
    assert await setup.signs()


async def test_a_lost_submission_answer_keeps_the_pending_key_and_unlock_finishes_once_it_lands(node):
    setup = await Setup(node, rpc_timeout=1.0).create()
    accounts = setup.engine.accounts
    before = len(node.transactions)
    node.delay_next("starknet_addInvokeTransaction", 3)  # the client gives up; the node accepts it later
    with pytest.raises(RotationPendingError) as raised:
        await accounts.rotate_keys(setup.address)
    assert raised.value.tx_hash is None
    assert await accounts.resume_rotation(setup.address) == "pending", "not yet on chain: kept"
    for _ in range(100):
        if len(node.transactions) > before:
            break
        await asyncio.sleep(0.1)
    assert setup.chain_owner() != get_stark_key(setup.old_key), "the change landed"
    await accounts.lock(setup.address)
    await accounts.unlock(setup.address, password=PASSWORD)
    assert get_stark_key(accounts._private_key(setup.address)) == setup.chain_owner()
    assert await setup.signs()


async def test_a_change_whose_nonce_the_old_key_spent_is_discarded(node):
    setup = await Setup(node).create()
    accounts = setup.engine.accounts
    hold_owner_changes(node)
    with pytest.raises(RotationPendingError):
        await accounts.rotate_keys(setup.address)
    assert await accounts.resume_rotation(setup.address) == "pending"
    # The old key signs another transaction with the same nonce, which executes first: the held
    # change can never execute now (it is never landed here).
    assert await setup.signs()
    assert await accounts.resume_rotation(setup.address) == "discarded"
    assert "pending_private_key" not in await setup.stored_secrets()
    assert setup.chain_owner() == get_stark_key(setup.old_key)
    del node._execute_owner_changes
    node.hidden_polls = 0
    rotated = await accounts.rotate_keys(setup.address)  # a new rotation may start
    assert setup.chain_owner() == int(rotated["public_key"], 16) != get_stark_key(setup.old_key)
    assert await setup.signs()


async def test_a_reverted_change_discards_the_pending_key_and_the_old_key_still_signs(node):
    setup = await Setup(node).create()
    node._execute_owner_changes = lambda parsed: None  # a reverted transaction changes nothing
    node.revert_next("Account: invalid signature")
    with pytest.raises(TransactionRevertedError):
        await setup.engine.accounts.rotate_keys(setup.address)
    del node._execute_owner_changes
    stored = await setup.stored_secrets()
    assert "pending_private_key" not in stored and int(stored["private_key"], 16) == setup.old_key
    assert await setup.engine.accounts.resume_rotation(setup.address) is None
    assert setup.chain_owner() == get_stark_key(setup.old_key)
    assert await setup.signs(), "the node accepts a transaction signed with the old key"


@pytest.mark.parametrize("keep", [True, False])
async def test_backup_and_session_options(node, keep):
    setup = await Setup(node).create()
    accounts = setup.engine.accounts
    session = await accounts.create_session(account=setup.address, duration=3600, permissions={})
    await accounts.rotate_keys(setup.address, backup_old_keys=keep, invalidate_old_sessions=keep)
    stored = await setup.stored_secrets()
    archived = [int(item["private_key"], 16) for item in stored.get("archived_keys", [])]
    assert archived == ([setup.old_key] if keep else [])
    store = platform.store()
    raw = "".join([await store.get(k) or "" for k in await store.keys("foc_")]).lower()
    assert format(setup.old_key, "x") not in raw, "the archived key is stored only encrypted"
    if keep:
        with pytest.raises(SessionError):
            await accounts.invoke(session=session.token, **TRANSFER)
    else:  # the session signs on, with the new key (the node checks it against the new owner)
        assert setup.chain_owner() != get_stark_key(setup.old_key)
        assert await setup.signs(session=session.token)


async def test_two_engines_on_one_vault_one_rotation_and_the_new_key_everywhere(node):
    # Two engines on one store: two tabs of an origin, or two processes sharing ~/.foc.
    setup = await Setup(node).create()
    first, other = setup.engine.accounts, setup.fresh_engine().accounts
    await other.unlock(setup.address, password=PASSWORD)  # unlocked with the old key
    held = hold_owner_changes(node)
    with pytest.raises(RotationPendingError):
        await first.rotate_keys(setup.address, reason="first")
    pending = (await setup.stored_secrets())["pending_private_key"]
    with pytest.raises(RotationPendingError) as raised:  # not a second pending key over the first
        await other.rotate_keys(setup.address, reason="second")
    assert "started elsewhere" in str(raised.value)
    assert (await setup.stored_secrets())["pending_private_key"] == pending
    assert len(held) == 1

    land(node, held)
    assert await first.resume_rotation(setup.address) == "finished"
    assert await other.resume_rotation(setup.address) is None  # settled already: nothing written twice
    assert setup.chain_owner() == get_stark_key(int(pending, 16))
    assert await setup.signs(other), "the other engine signs with the new key, not the one it unlocked"
    await other.enable_key_rotation(setup.address, schedule="monthly")  # a later write from the other engine
    stored = await setup.stored_secrets()
    assert stored["private_key"] == pending and "pending_private_key" not in stored
    assert [entry["private_key"] for entry in stored["archived_keys"]] == [hex(setup.old_key)]
    assert len(await first.get_audit_log(setup.address, events="key_rotation")) == 1
