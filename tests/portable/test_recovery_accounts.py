"""Backups and social recovery through the accounts API, on the platform's real store."""

import json

import pytest

from foc_web import platform
from foc_web.engine import FocEngine
from foc_web.errors import (
    AccountExistsError,
    AuthenticationError,
    BackupError,
    ConfigError,
    RecoveryError,
)
from foc_web.recovery.social import sign_approval
from foc_web.stark.keys import get_stark_key

PASSWORD = "Correct-Horse-Battery-Staple-42"
BACKUP_PASSWORD = "Backup-Passphrase-Violet-Otter-77"
KEYS = (0x1111111111111111111111111111111111111111111111111111111111111, 0x2222222222222222222222222222222222222222222222222222222222222)
GUARDIAN_KEYS = (0x71, 0x72, 0x73)


def engine():
    network = "r" + platform.random_bytes(4).hex()
    return FocEngine(network=network, rpc={network: "http://127.0.0.1:9/rpc"}, chain_ids={network: "SN_SEPOLIA"}), network


async def cleanup(network):
    store = platform.store()
    for key in await store.keys("foc_"):
        if network in key:
            await store.delete(key)


async def vaults(network):
    store = platform.store()
    return {k: json.loads(await store.get(k)) for k in await store.keys(f"foc_{network}_")}


async def test_backup_round_trip_conflicts_and_all_or_nothing():
    eng, network = engine()
    try:
        created = [await eng.accounts.create(password=PASSWORD, private_key=k) for k in KEYS]
        original = await vaults(network)
        text = await eng.accounts.create_backup([a.address for a in created], BACKUP_PASSWORD,
                                                metadata={"description": "Monthly backup"})
        assert format(KEYS[0], "x") not in text and "Monthly backup" not in text  # metadata is encrypted too
        with pytest.raises(AccountExistsError):
            await eng.accounts.restore_from_backup(text, BACKUP_PASSWORD)
        assert await vaults(network) == original
        skipped = await eng.accounts.restore_from_backup(text, BACKUP_PASSWORD, conflict="skip")
        assert skipped == {"restored": [], "skipped": [a.address for a in created]}
        for key in original:
            await platform.store().delete(key)
        with pytest.raises(AuthenticationError):
            await eng.accounts.restore_from_backup(text, "Wrong-Passphrase-Violet-Otter-77")
        assert await vaults(network) == {}
        restored = await eng.accounts.restore_from_backup(text, BACKUP_PASSWORD, verify_integrity=True)
        assert restored["restored"] == [a.address for a in created]
        assert await vaults(network) == original
        await eng.accounts.unlock(created[1].address, password=PASSWORD)
        assert eng.accounts._private_key(created[1].address) == KEYS[1]
        replaced = await eng.accounts.restore_from_backup(text, BACKUP_PASSWORD, conflict="replace")
        assert len(replaced["restored"]) == 2
    finally:
        await cleanup(network)


async def snapshot():
    """Every foc_ key of the store and its value (vaults, audit logs, state: all of it)."""
    store = platform.store()
    return {k: await store.get(k) for k in await store.keys("foc_")}


class DiskFull(OSError):
    pass


@pytest.mark.parametrize("fail_at", [2, 3])
async def test_restore_is_all_or_nothing_when_a_write_fails(fail_at):
    """The store fails on the ``fail_at``-th account write: the accounts written before it are put back.

    pytest.MonkeyPatch.context(), not the monkeypatch fixture: tests/portable/runner.py (Pyodide) passes no fixtures.
    """
    eng, network = engine()
    accounts = eng.accounts
    try:
        keys = (*KEYS, 0x3333333333333333333333333333333333333333333333333333333333333)
        created = [await accounts.create(password=PASSWORD, private_key=k) for k in keys]
        text = await accounts.create_backup([a.address for a in created], BACKUP_PASSWORD)
        # After the backup: account 0 gets a new password (its stored vault differs from the backup's,
        # so a rollback must rewrite it, not delete it); accounts 1 and 2 are gone (a rollback deletes them).
        await accounts.change_password(created[0].address, PASSWORD, "Changed-Password-Heron-Quartz-58")
        for account in created[1:]:
            await platform.store().delete(account.storage_key)
        before = await snapshot()
        assert created[0].storage_key in before and created[1].storage_key not in before

        store = platform.store()
        real_set = store.set
        vault_keys = {a.storage_key for a in created}
        writes = []

        async def failing_set(key, value):
            if key in vault_keys:
                writes.append(key)
                if len(writes) == fail_at:
                    raise DiskFull("no space left on device")
            await real_set(key, value)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(store, "set", failing_set)
            with pytest.raises(DiskFull):
                await accounts.restore_from_backup(text, BACKUP_PASSWORD, conflict="replace")
        assert writes[:fail_at] == [a.storage_key for a in created[:fail_at]]
        assert store.set == real_set
        assert await snapshot() == before  # no partial import, and no backup_restored record
        await accounts.unlock(created[0].address, password="Changed-Password-Heron-Quartz-58")

        # Once the store works again the same backup restores every account.
        restored = await accounts.restore_from_backup(text, BACKUP_PASSWORD, conflict="replace")
        assert restored["restored"] == [a.address for a in created]
        await accounts.unlock(created[0].address, password=PASSWORD)  # the backup's vault is back
        await accounts.unlock(created[2].address, password=PASSWORD)
        assert accounts._private_key(created[2].address) == keys[2]
    finally:
        await cleanup(network)


async def test_tampered_truncated_and_newer_backups_change_nothing():
    eng, network = engine()
    try:
        account = await eng.accounts.create(password=PASSWORD, private_key=KEYS[0])
        text = await eng.accounts.create_backup([account.address], BACKUP_PASSWORD)
        await platform.store().delete(account.storage_key)
        document = json.loads(text)
        flipped = dict(document, ciphertext=document["ciphertext"][:10] + ("A" if document["ciphertext"][10] != "A"
                                                                           else "B") + document["ciphertext"][11:])
        newer = dict(document, version=2)
        for bad, error in ((text.replace(document["ciphertext"], flipped["ciphertext"]), AuthenticationError), (text[: len(text) // 2], BackupError),
                           (json.dumps(newer), BackupError), ("{}", BackupError)):
            with pytest.raises(error):
                await eng.accounts.restore_from_backup(bad, BACKUP_PASSWORD)
            assert await vaults(network) == {}
        with pytest.raises(ConfigError):
            await eng.accounts.restore_from_backup(text, BACKUP_PASSWORD, conflict="merge")
    finally:
        await cleanup(network)


async def test_weak_backup_password_is_refused():
    eng, network = engine()
    try:
        account = await eng.accounts.create(password=PASSWORD, private_key=KEYS[0])
        with pytest.raises(Exception) as info:
            await eng.accounts.create_backup([account.address], "123456")
        assert getattr(info.value, "code", "") == "WEAK_PASSWORD"
    finally:
        await cleanup(network)


def guardians():
    return [{"address": hex(0xA0 + i), "public_key": hex(get_stark_key(k)), "weight": w}
            for i, (k, w) in enumerate(zip(GUARDIAN_KEYS, (1, 1, 2)))]


async def test_social_recovery_flow():
    eng, network = engine()
    accounts = eng.accounts
    try:
        account = await accounts.create(password=PASSWORD, private_key=KEYS[0])
        with pytest.raises(ConfigError):
            await accounts.setup_social_recovery(account=account.address, guardians=guardians(), threshold=5)
        await accounts.setup_social_recovery(account=account.address, guardians=guardians(), threshold=2,
                                             recovery_delay=0)
        new_key = KEYS[1]
        recovery = await accounts.initiate_recovery(account=account.address, new_owner=hex(get_stark_key(new_key)),
                                                    guardian=hex(0xA0), reason="Lost private key")
        typed = recovery["typed_data"]
        with pytest.raises(RecoveryError, match="threshold"):
            await accounts.finalize_recovery(account.address, hex(new_key), "Brand-New-Password-Lake-19")
        # A non-guardian's signature and a forged one are refused.
        with pytest.raises(RecoveryError):
            await accounts.approve_recovery(account.address, sign_approval(typed, 0xA9, 0x99))
        forged = sign_approval(typed, 0xA0, 0x99)
        with pytest.raises(RecoveryError):
            await accounts.approve_recovery(account.address, forged)
        first = await accounts.approve_recovery(account.address, sign_approval(typed, 0xA0, GUARDIAN_KEYS[0]))
        assert first["approved_weight"] == 1 and first["executable_at"] is None
        with pytest.raises(RecoveryError):  # duplicate
            await accounts.approve_recovery(account.address, sign_approval(typed, 0xA0, GUARDIAN_KEYS[0]))
        second = await accounts.approve_recovery(account.address, sign_approval(typed, 0xA1, GUARDIAN_KEYS[1]))
        assert second["approved_weight"] == 2 and second["executable_at"] is not None
        # Survives a reload (a new engine on the same store).
        reloaded = FocEngine(network=network, rpc={network: "http://127.0.0.1:9/rpc"}, chain_ids={network: "SN_SEPOLIA"})
        assert (await reloaded.accounts.get_recovery(account.address))["approved_weight"] == 2
        with pytest.raises(RecoveryError, match="does not match"):
            await reloaded.accounts.finalize_recovery(account.address, hex(0x5), "Brand-New-Password-Lake-19")
        done = await reloaded.accounts.finalize_recovery(account.address, hex(new_key), "Brand-New-Password-Lake-19")
        assert int(done.public_key, 16) == get_stark_key(new_key) and done.address == account.address
        await reloaded.accounts.unlock(account.address, password="Brand-New-Password-Lake-19")
        assert reloaded.accounts._private_key(account.address) == new_key
        log = [r["event"] for r in await reloaded.accounts.get_audit_log(account.address)]
        for event in ("recovery_setup", "recovery_initiated", "recovery_approved", "recovery_completed"):
            assert event in log
    finally:
        await cleanup(network)


async def test_recovery_delay_and_owner_cancel():
    eng, network = engine()
    accounts = eng.accounts
    try:
        account = await accounts.create(password=PASSWORD, private_key=KEYS[0])
        await accounts.setup_social_recovery(account=account.address, guardians=guardians(), threshold=2,
                                             recovery_delay=86400)
        recovery = await accounts.initiate_recovery(account=account.address, new_owner=hex(get_stark_key(KEYS[1])))
        approval = sign_approval(recovery["typed_data"], 0xA2, GUARDIAN_KEYS[2])
        await accounts.approve_recovery(account.address, approval)
        with pytest.raises(RecoveryError, match="delay"):
            await accounts.finalize_recovery(account.address, hex(KEYS[1]), "Brand-New-Password-Lake-19")
        with pytest.raises(AuthenticationError):
            await accounts.cancel_recovery(account.address, password="not-the-password-1!")
        await accounts.cancel_recovery(account.address, password=PASSWORD)
        assert await accounts.get_recovery(account.address) is None
        # The same request again (same new owner, same expiry): the cancelled approval does not count.
        again = await accounts.initiate_recovery(account=account.address, new_owner=hex(get_stark_key(KEYS[1])),
                                                 expires_in=recovery["expiry"] + 0.5 - platform.now())
        assert again["expiry"] == recovery["expiry"] and again["nonce"] != recovery["nonce"]
        with pytest.raises(RecoveryError):
            await accounts.approve_recovery(account.address, approval)
        assert (await accounts.get_recovery(account.address))["approved_weight"] == 0
        await accounts.cancel_recovery(account.address, password=PASSWORD)
        # Guardians cannot be changed by someone without the vault open.
        await accounts.lock(account.address)
        with pytest.raises(ConfigError, match="owner"):
            await accounts.setup_social_recovery(account=account.address, guardians=guardians()[:1], threshold=1)
    finally:
        await cleanup(network)


RECOVERY_EVENTS = ("guardians_changed", "recovery_initiated", "recovery_approved", "recovery_cancelled",
                   "recovery_finalized")


async def test_social_recovery_emits_audited_security_events():
    eng, network = engine()
    accounts = eng.accounts
    try:
        account = await accounts.create(password=PASSWORD, private_key=KEYS[0])
        address = account.address
        events = []
        accounts.on("securityEvent", events.append)
        await accounts.setup_social_recovery(account=address, guardians=guardians(), threshold=2, recovery_delay=0)
        first = await accounts.initiate_recovery(account=address, new_owner=hex(get_stark_key(KEYS[1])),
                                                 guardian=hex(0xA1), reason="Stolen laptop")
        await accounts.cancel_recovery(address, password=PASSWORD)
        await accounts.cancel_recovery(address, password=PASSWORD)  # nothing pending: nothing to report
        second = await accounts.initiate_recovery(account=address, new_owner=hex(get_stark_key(KEYS[1])))
        # A fresh random nonce: the cancelled request's approvals can never count for this one.
        assert second["nonce"] != first["nonce"] and 0 <= second["nonce"] < 2**53
        await accounts.approve_recovery(address, sign_approval(second["typed_data"], 0xA0, GUARDIAN_KEYS[0]))
        await accounts.approve_recovery(address, sign_approval(second["typed_data"], 0xA2, GUARDIAN_KEYS[2]))
        await accounts.finalize_recovery(address, hex(KEYS[1]), "Brand-New-Password-Lake-19")

        assert [e["type"] for e in events] == ["guardians_changed", "recovery_initiated", "recovery_cancelled",
                                               "recovery_initiated", "recovery_approved", "recovery_approved",
                                               "recovery_finalized"]
        assert {(e["network"], e["address"]) for e in events} == {(network, address)}
        times = [e["time"] for e in events]
        assert times == sorted(times)
        changed, initiated, cancelled, _, approved_1, approved_2, finalized = (e["details"] for e in events)
        assert changed["guardians"] == [hex(0xA0), hex(0xA1), hex(0xA2)] and changed["threshold"] == 2
        assert initiated == {"guardian": hex(0xA1), "reason": "Stolen laptop", "nonce": first["nonce"],
                             "new_owner": hex(get_stark_key(KEYS[1])), "expiry": first["expiry"], "threshold": 2}
        assert cancelled["nonce"] == first["nonce"]
        assert (approved_1["guardian"], approved_1["approved_weight"], approved_1["threshold"]) == (hex(0xA0), 1, 2)
        assert approved_1["executable_at"] is None
        assert (approved_2["guardian"], approved_2["approved_weight"], approved_2["threshold"]) == (hex(0xA2), 3, 2)
        assert finalized == {"nonce": second["nonce"], "new_owner": hex(get_stark_key(KEYS[1])), "approved_weight": 3,
                             "threshold": 2}

        # Each event is one audit record, in the same order (not a second security_event record).
        log = await accounts.get_audit_log(address)
        recovery = [r for r in log if r["event"].startswith("recovery_")]
        assert [r["event"] for r in recovery] == ["recovery_setup", "recovery_initiated", "recovery_cancelled",
                                                  "recovery_initiated", "recovery_approved", "recovery_approved",
                                                  "recovery_completed"]
        assert all(r["outcome"] == "success" and r["address"] == address.lower() for r in recovery)
        assert not [r for r in log if r["event"] == "security_event" and r["details"]["reason"] in RECOVERY_EVENTS]
        cancelled_records = await accounts.get_audit_log(address, events=["recovery_cancelled"])
        assert [r["details"] for r in cancelled_records] == [{"nonce": first["nonce"]}]
        assert [r["details"]["guardian"] for r in recovery if r["event"] == "recovery_approved"] == [hex(0xA0),
                                                                                                    hex(0xA2)]
        assert recovery[0]["details"] == {"threshold": 2, "count": 3}
        assert (await accounts.verify_audit_log()).ok
    finally:
        await cleanup(network)
