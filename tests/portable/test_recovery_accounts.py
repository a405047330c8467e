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
        await accounts.approve_recovery(account.address, sign_approval(recovery["typed_data"], 0xA2, GUARDIAN_KEYS[2]))
        with pytest.raises(RecoveryError, match="delay"):
            await accounts.finalize_recovery(account.address, hex(KEYS[1]), "Brand-New-Password-Lake-19")
        with pytest.raises(AuthenticationError):
            await accounts.cancel_recovery(account.address, password="not-the-password-1!")
        await accounts.cancel_recovery(account.address, password=PASSWORD)
        assert await accounts.get_recovery(account.address) is None
        # Guardians cannot be changed by someone without the vault open.
        await accounts.lock(account.address)
        with pytest.raises(ConfigError, match="owner"):
            await accounts.setup_social_recovery(account=account.address, guardians=guardians()[:1], threshold=1)
    finally:
        await cleanup(network)
