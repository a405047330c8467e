"""The accounts API on the platform's real store: localStorage in Chromium, files on CPython, memory in Node.

Each test works on its own throw-away network (configured through ``rpc=``), so tests never see each
other's records, and removes what it wrote.
"""

import asyncio
import base64
import json
from pathlib import Path

import pytest

from foc_web import platform
from foc_web.engine import FocEngine
from foc_web.errors import (
    AccountExistsError,
    AccountLockedError,
    AccountNotFoundError,
    AuthenticationError,
    ConfigError,
    FocError,
    InvalidKeyError,
    NetworkMismatchError,
    NotUnlockedError,
    SessionError,
    TwoFactorError,
    VaultFormatError,
    WeakPasswordError,
)
from foc_web.stark.address import compute_account_address
from foc_web.stark.curve import EC_ORDER
from foc_web.stark.keys import get_stark_key

PASSWORD = "Correct-Horse-Battery-Staple-42"
OTHER_PASSWORD = "Tr0ub4dour&3-but-longer-than-that"
BACKUP_PASSWORD = "Backup-Passphrase-For-Tests-77"
# A key with a known Stark public key (the cairo-lang signing test key).
KNOWN_KEY = 0x3C1E9550E66958296D11B60F8E8E7A7AD990D07FA65D5F7652C4A6C87D4E3CC


def fresh_engine(environment="production", security=None, extra_networks=0):
    tag = platform.random_bytes(5).hex()
    networks = [f"t{tag}n{i}" for i in range(extra_networks + 1)]
    engine = FocEngine(
        network=networks[0], environment=environment, security=security,
        rpc={name: "http://127.0.0.1:9/rpc" for name in networks},
    )
    return engine, networks


async def snapshot(engine, networks):
    """Everything the store holds for these networks (records, state, sessions, audit, ...), as text."""
    store = platform.store()
    return {key: await store.get(key) for key in await store.keys("foc_")
            if any(f"_{network}_" in key or key.endswith(f"_{network}") for network in networks)}


async def cleanup(engine, networks):
    store = platform.store()
    for key in await snapshot(engine, networks):
        await store.delete(key)


async def test_create_unlock_lock_round_trip():
    engine, nets = fresh_engine()
    accounts = engine.accounts
    try:
        account = await accounts.create(username="alice", password=PASSWORD, private_key=hex(KNOWN_KEY),
                                        storage={"type": "encrypted_local", "encryption": "aes-256-gcm",
                                                 "key_derivation": "pbkdf2"},
                                        auth={"min_password_length": 12, "require_special_chars": True,
                                              "session_timeout": 3600})
        public_key = get_stark_key(KNOWN_KEY)
        assert account.public_key == hex(public_key)
        assert account.address == "0x" + format(compute_account_address(public_key, "openzeppelin"), "064x")
        assert account.network == nets[0] and account.username == "alice"
        assert account.storage_key == f"foc_{nets[0]}_{account.address}"
        assert accounts.is_unlocked(account.address)
        await accounts.lock(account.address)
        assert not accounts.is_unlocked(account.address)
        assert (await accounts.unlock(account.address, password=PASSWORD)).address == account.address
        assert accounts.is_unlocked(account.address)
        assert accounts._private_key(account.address) == KNOWN_KEY
        stored = json.loads(await platform.store().get(account.storage_key))
        assert stored["format"] == "foc-vault" and stored["version"] == 1
        assert stored["kdf"]["algorithm"] == "pbkdf2" and stored["kdf"]["iterations"] >= 600_000
        assert [a.address for a in await accounts.list()] == [account.address]
        assert (await accounts.get(account.address)).public_key == hex(public_key)
    finally:
        await cleanup(engine, nets)


async def test_wrong_password_changes_nothing_and_counts():
    engine, nets = fresh_engine()
    accounts = engine.accounts
    try:
        account = await accounts.create(password=PASSWORD)
        await accounts.lock(account.address)
        vault_before = await platform.store().get(account.storage_key)
        with pytest.raises(AuthenticationError):
            await accounts.unlock(account.address, password=PASSWORD + "x")
        assert await platform.store().get(account.storage_key) == vault_before
        assert not accounts.is_unlocked(account.address)
        state = json.loads(await platform.store().get(f"foc_state_{nets[0]}_{account.address}"))
        assert state["failures"] == 1
    finally:
        await cleanup(engine, nets)


async def test_lockout_after_repeated_failures_survives_a_new_engine():
    security = {"lockout": {"max_attempts": 3, "base_delay": 600, "max_delay": 3600}}
    engine, nets = fresh_engine(security=security)
    try:
        account = await engine.accounts.create(password=PASSWORD)
        for _ in range(3):
            with pytest.raises(AuthenticationError):
                await engine.accounts.unlock(account.address, password="wrong-password-123!")
        # A "reload": a new engine on the same store still refuses, even the right password.
        reloaded = FocEngine(network=nets[0], security=security, rpc={nets[0]: "http://127.0.0.1:9/rpc"})
        with pytest.raises(AccountLockedError) as info:
            await reloaded.accounts.unlock(account.address, password=PASSWORD)
        assert info.value.retry_after > platform.now() + 500
        events = [r["event"] for r in await reloaded.accounts.get_audit_log(account.address)]
        assert "lockout" in events
    finally:
        await cleanup(engine, nets)


async def test_concurrent_wrong_passwords_are_counted_one_by_one():
    """Attempts derive their keys in parallel, but each is tried under the vault lock after the
    lockout check: with 3 allowed, 6 simultaneous guesses give 3 failures, then lockouts."""
    security = {"lockout": {"max_attempts": 3, "base_delay": 600, "max_delay": 3600}}
    engine, nets = fresh_engine(security=security)
    try:
        account = await engine.accounts.create(password=PASSWORD)
        outcomes = await asyncio.gather(
            *(engine.accounts.unlock(account.address, password=f"wrong-password-{i}!") for i in range(6)),
            return_exceptions=True)
        kinds = sorted(type(outcome).__name__ for outcome in outcomes)
        assert kinds == ["AccountLockedError"] * 3 + ["AuthenticationError"] * 3, kinds
        log = await engine.accounts.get_audit_log(account.address, events=["authentication", "lockout"])
        assert [(r["event"], r["outcome"]) for r in log] == [("authentication", "failure")] * 3 + [("lockout", "success")]
        with pytest.raises(AccountLockedError):
            await engine.accounts.unlock(account.address, password=PASSWORD)
    finally:
        await cleanup(engine, nets)


@pytest.mark.parametrize("storage, message", [
    ({"type": "plain_text"}, "encrypted_local"),
    ({"type": "floppy"}, "unknown storage type"),
    ({"type": "encrypted_local", "key_derivation": {"algorithm": "pbkdf2", "iterations": 100000}}, "600000"),
    ({"type": "encrypted_local", "key_derivation": {"algorithm": "argon2id", "memory": 1024, "iterations": 2,
                                                    "parallelism": 1}}, "19456"),
    ({"type": "encrypted_local", "key_derivation": "scrypt"}, "unknown key derivation"),
    ({"type": "encrypted_local", "encryption": "aes-128-cbc"}, "aes-256-gcm"),
    ({"type": "encrypted_local", "colour": "blue"}, "colour"),
    ({"type": "memory"}, "development"),
])
async def test_bad_storage_options_are_refused_and_write_nothing(storage, message):
    engine, nets = fresh_engine()
    try:
        with pytest.raises(ConfigError, match=message):
            await engine.accounts.create(password=PASSWORD, storage=storage)
        assert await snapshot(engine, nets) == {}
    finally:
        await cleanup(engine, nets)


@pytest.mark.parametrize("password", ["123456", "iloveyou", "short1!", "alicealicealice"])
async def test_weak_passwords_are_refused(password):
    engine, nets = fresh_engine()
    try:
        with pytest.raises(WeakPasswordError) as info:
            await engine.accounts.create(username="alice", password=password,
                                         auth={"min_password_length": 12, "require_special_chars": True})
        assert password not in str(info.value)
        assert await snapshot(engine, nets) == {}
    finally:
        await cleanup(engine, nets)


@pytest.mark.parametrize("key", [0, EC_ORDER, EC_ORDER + 5, -1, "0xzz"])
async def test_out_of_range_keys_are_refused(key):
    engine, nets = fresh_engine()
    try:
        with pytest.raises((InvalidKeyError, ValueError)):
            await engine.accounts.create(password=PASSWORD, private_key=key)
        assert await snapshot(engine, nets) == {}
    finally:
        await cleanup(engine, nets)


async def test_deterministic_keys_only_in_development():
    engine, nets = fresh_engine()
    before = await snapshot(engine, nets)
    with pytest.raises(ConfigError, match="production"):
        await engine.accounts.generate_private_key(entropy="user-provided-entropy", salt="additional-randomness")
    assert await snapshot(engine, nets) == before  # nothing written, not even an audit record
    dev, dev_nets = fresh_engine(environment="development")
    try:
        first = await dev.accounts.generate_private_key(entropy="user-provided-entropy", salt="additional-randomness")
        again = await dev.accounts.generate_private_key(entropy="user-provided-entropy", salt="additional-randomness")
        other = await dev.accounts.generate_private_key(entropy="user-provided-entropy", salt="other")
        assert first.private_key == again.private_key != other.private_key
        assert int(first.public_key, 16) == get_stark_key(int(first.private_key, 16))
    finally:
        await cleanup(dev, dev_nets)
        await cleanup(engine, nets)


async def test_generated_keys_are_in_range_and_hidden_in_repr():
    engine, nets = fresh_engine()
    try:
        pairs = [await engine.accounts.generate_private_key() for _ in range(8)]
        assert len({p.private_key for p in pairs}) == 8
        for pair in pairs:
            assert 1 <= int(pair.private_key, 16) < EC_ORDER
            assert int(pair.public_key, 16) == get_stark_key(int(pair.private_key, 16))
            assert pair.private_key not in repr(pair)
    finally:
        await cleanup(engine, nets)


async def test_duplicate_create_is_refused():
    engine, nets = fresh_engine()
    try:
        await engine.accounts.create(password=PASSWORD, private_key=KNOWN_KEY)
        before = await snapshot(engine, nets)
        with pytest.raises(AccountExistsError):
            await engine.accounts.create(password=OTHER_PASSWORD, private_key=KNOWN_KEY)
        after = await snapshot(engine, nets)
        assert {k: v for k, v in after.items() if "audit" not in k} == {
            k: v for k, v in before.items() if "audit" not in k}
    finally:
        await cleanup(engine, nets)


async def test_records_moved_or_tampered_do_not_open():
    engine, nets = fresh_engine(extra_networks=1)
    store = platform.store()
    try:
        account = await engine.accounts.create(password=PASSWORD, private_key=KNOWN_KEY)
        original = await store.get(account.storage_key)
        record = json.loads(original)

        # Moved under another network's key: refused before decryption, and by the AAD.
        moved_key = f"foc_{nets[1]}_{account.address}"
        await store.set(moved_key, original)
        with pytest.raises(VaultFormatError):
            await engine.accounts.unlock(account.address, password=PASSWORD, network=nets[1])
        relabelled = dict(record, network=nets[1], storage_key=moved_key)
        await store.set(moved_key, json.dumps(relabelled))
        with pytest.raises(AuthenticationError):
            await engine.accounts.unlock(account.address, password=PASSWORD, network=nets[1])
        await store.delete(moved_key)
        assert await store.get(account.storage_key) == original  # the real record was never touched

        for broken in (
            original[: len(original) // 2],                      # truncated
            "not json at all",                                   # garbage
            json.dumps(dict(record, version=2)),                 # unknown version
            json.dumps(dict(record, account=dict(record["account"], username="mallory"))),  # header edit
            json.dumps(dict(record, ciphertext=record["ciphertext"][:-4] + "AAAA")),         # ciphertext edit
        ):
            await store.set(account.storage_key, broken)
            with pytest.raises((VaultFormatError, AuthenticationError)):
                await engine.accounts.unlock(account.address, password=PASSWORD)
            assert await store.get(account.storage_key) == broken
        await store.set(account.storage_key, original)
        await engine.accounts.unlock(account.address, password=PASSWORD)
    finally:
        await cleanup(engine, nets)


async def test_network_isolation_and_switch_network():
    engine, nets = fresh_engine(extra_networks=1)
    try:
        account = await engine.accounts.create(password=PASSWORD, private_key=KNOWN_KEY)
        with pytest.raises(NetworkMismatchError) as info:
            await engine.accounts.unlock(account.address, password=PASSWORD, network=nets[1])
        assert nets[0] in str(info.value) and nets[1] in str(info.value)
        moved = await engine.accounts.switch_network(account.address, nets[1], password=PASSWORD)
        assert moved.network == nets[1] and moved.address == account.address
        await engine.accounts.unlock(account.address, password=PASSWORD, network=nets[1])
        assert engine.accounts._private_key(account.address, network=nets[1]) == KNOWN_KEY
        assert [a.address for a in await engine.accounts.list(network=nets[1])] == [account.address]
    finally:
        await cleanup(engine, nets)


async def test_session_timeout_auto_locks_and_ends_the_sessions():
    engine, nets = fresh_engine()
    try:
        account = await engine.accounts.create(password=PASSWORD, auth={"session_timeout": 1})
        session = await engine.accounts.create_session(account=account.address, duration=600)
        assert engine.accounts.is_unlocked(account.address)
        await asyncio.sleep(1.2)  # the timer forgets the key without anything asking for it
        assert account.storage_key not in engine.accounts._unlocked
        with pytest.raises(NotUnlockedError):
            engine.accounts._private_key(account.address)
        await engine.accounts.unlock(account.address, password=PASSWORD)  # unlocked again: the session stays ended
        with pytest.raises(SessionError, match="revoked"):
            await engine.accounts.invoke(session=session.token, contract_address="0x1", entrypoint="transfer")
    finally:
        await cleanup(engine, nets)


async def test_an_expired_key_is_refused_even_before_its_timer_runs():
    engine, nets = fresh_engine()
    try:
        account = await engine.accounts.create(password=PASSWORD)
        session = await engine.accounts.create_session(account=account.address, duration=600)
        engine.accounts._unlocked[account.storage_key].expires_at = platform.now() - 0.01
        assert not engine.accounts.is_unlocked(account.address)
        with pytest.raises(SessionError, match="revoked"):
            await engine.accounts.invoke(session=session.token, contract_address="0x1", entrypoint="transfer")
    finally:
        await cleanup(engine, nets)


async def test_weak_kdf_record_is_upgraded_on_unlock():
    engine, nets = fresh_engine()
    store = platform.store()
    try:
        account = await engine.accounts.create(
            password=PASSWORD, storage={"key_derivation": {"algorithm": "argon2id", "iterations": 2,
                                                            "memory": 19456, "parallelism": 1}})
        weak = json.loads(await store.get(account.storage_key))
        await engine.accounts.lock(account.address)
        await engine.accounts.unlock(account.address, password=PASSWORD)
        upgraded = json.loads(await store.get(account.storage_key))
        assert upgraded["kdf"]["memory"] == 65536 and upgraded["kdf"]["iterations"] == 3
        assert upgraded["kdf"]["salt"] != weak["kdf"]["salt"] and upgraded["cipher"]["iv"] != weak["cipher"]["iv"]
        await engine.accounts.lock(account.address)
        await engine.accounts.unlock(account.address, password=PASSWORD)
    finally:
        await cleanup(engine, nets)


async def test_delete_needs_the_password_and_export_is_public_unless_asked():
    engine, nets = fresh_engine()
    try:
        account = await engine.accounts.create(password=PASSWORD, private_key=KNOWN_KEY, username="bob")
        public = await engine.accounts.export(account.address)
        assert "private_key" not in public and public["public_key"] == account.public_key
        with pytest.raises(AuthenticationError):
            await engine.accounts.export(account.address, password="nope-nope-nope", include_private_key=True)
        full = await engine.accounts.export(account.address, password=PASSWORD, include_private_key=True)
        assert int(full["private_key"], 16) == KNOWN_KEY
        with pytest.raises(AuthenticationError):
            await engine.accounts.delete(account.address, password="nope-nope-nope")
        assert await platform.store().get(account.storage_key) is not None
        await engine.accounts.delete(account.address, password=PASSWORD)
        with pytest.raises(AccountNotFoundError):
            await engine.accounts.get(account.address)
    finally:
        await cleanup(engine, nets)


async def test_namespace_and_compression():
    engine, nets = fresh_engine()
    try:
        account = await engine.accounts.create(password=PASSWORD, private_key=KNOWN_KEY, namespace="team-a",
                                               storage={"compression": True})
        assert account.storage_key == f"foc_team-a_{nets[0]}_{account.address}"
        assert json.loads(await platform.store().get(account.storage_key))["compression"] == "deflate"
        await engine.accounts.lock(account.address, namespace="team-a")
        await engine.accounts.unlock(account.address, password=PASSWORD, namespace="team-a")
        assert engine.accounts._private_key(account.address, namespace="team-a") == KNOWN_KEY
        with pytest.raises(ConfigError):
            await engine.accounts.create(password=PASSWORD, namespace="audit")
    finally:
        store = platform.store()
        for key in await store.keys(f"foc_team-a_{nets[0]}_"):
            await store.delete(key)
        await cleanup(engine, nets)


async def test_memory_storage_in_development_is_not_persisted():
    engine, nets = fresh_engine(environment="development")
    try:
        account = await engine.accounts.create(password=PASSWORD, storage={"type": "memory"})
        assert await platform.store().get(account.storage_key) is None
        assert (await engine.accounts.get(account.address)).storage_type == "memory"
    finally:
        await cleanup(engine, nets)


async def test_change_password():
    engine, nets = fresh_engine()
    try:
        account = await engine.accounts.create(password=PASSWORD, private_key=KNOWN_KEY)
        session = await engine.accounts.create_session(account=account.address, duration=600)
        await engine.accounts.change_password(account.address, PASSWORD, OTHER_PASSWORD)
        with pytest.raises(SessionError, match="revoked"):  # a password change ends every session
            await engine.accounts.invoke(session=session.token, contract_address="0x1", entrypoint="transfer")
        assert not engine.accounts.is_unlocked(account.address)
        with pytest.raises(AuthenticationError):
            await engine.accounts.unlock(account.address, password=PASSWORD)
        await engine.accounts.unlock(account.address, password=OTHER_PASSWORD)
    finally:
        await cleanup(engine, nets)


async def test_audit_log_records_the_story_and_verifies():
    engine, nets = fresh_engine(security={"logging": {"enabled": True, "level": "detailed"}})
    try:
        account = await engine.accounts.create(password=PASSWORD, private_key=KNOWN_KEY)
        await engine.accounts.lock(account.address)
        with pytest.raises(AuthenticationError):
            await engine.accounts.unlock(account.address, password="wrong-password-123!")
        await engine.accounts.unlock(account.address, password=PASSWORD)
        log = await engine.accounts.get_audit_log(account.address)
        assert [(r["event"], r["outcome"]) for r in log] == [
            ("account_creation", "success"), ("lock", "success"), ("authentication", "failure"),
            ("authentication", "success")]
        only_auth = await engine.accounts.get_audit_log(account.address, events=["authentication"])
        assert len(only_auth) == 2
        assert (await engine.accounts.verify_audit_log()).ok
    finally:
        await cleanup(engine, nets)


def test_audit_retention_is_configured_per_engine():
    engine, _ = fresh_engine()
    assert engine.accounts.audit().max_records == engine.security["logging"]["max_records"] == 2000
    engine, _ = fresh_engine(security={"logging": {"max_records": None}})
    assert engine.accounts.audit().max_records is None
    for bad in (0, 100, "2000"):
        with pytest.raises(ConfigError, match="max_records"):
            fresh_engine(security={"logging": {"max_records": bad}})
    with pytest.raises(ConfigError, match="max_records"):
        fresh_engine(security={"logging": {"max_record": 5000}})


MNEMONIC = "abandon " * 11 + "about"


async def test_no_secret_reaches_the_store_or_errors():
    """Everything persisted, every error message and every repr, after a tour of the API that handles
    secrets, holds no private key (hex, decimal, bytes, base64), password, mnemonic or 2FA secret."""
    engine, nets = fresh_engine(extra_networks=1)
    accounts = engine.accounts
    key = 0x1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF1234567890ABCD
    totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    seen = []

    async def attempt(coroutine):
        try:
            seen.append(repr(await coroutine))
        except FocError as error:
            seen.extend((str(error), repr(error)))

    try:
        account = await accounts.create(password=PASSWORD, private_key=key)
        mnemonic_account = await accounts.create_from_mnemonic(mnemonic=MNEMONIC, password=PASSWORD)
        for wrong in ("bad-password-1!", "bad-password-2!"):
            await attempt(accounts.unlock(account.address, password=wrong))
            await attempt(accounts.delete(account.address, password=wrong))
            await attempt(accounts.export(account.address, password=wrong, include_private_key=True))
            await attempt(accounts.change_password(account.address, wrong, OTHER_PASSWORD))
            await attempt(accounts.export_keystore(account.address, wrong))
        await attempt(accounts.unlock(account.address, password=PASSWORD))
        await accounts.enable_2fa(account=account.address, method="totp", secret=totp_secret)  # returned to show
        await attempt(accounts.create_session(account=account.address, two_factor_code="000000"))
        await attempt(accounts.export(account.address))
        await attempt(accounts.create_backup([account.address, mnemonic_account.address], BACKUP_PASSWORD))
        await attempt(accounts.change_password(account.address, PASSWORD, OTHER_PASSWORD))
        await attempt(accounts.switch_network(account.address, nets[1], password=OTHER_PASSWORD))
        await attempt(accounts.get(account.address))
        await attempt(accounts.list())
        seed_key = int((await accounts.recover_from_mnemonic(mnemonic=MNEMONIC))[0]["private_key"], 16)
        stored = json.dumps(await snapshot(engine, nets))
        everything = "\n".join([stored, *seen, repr(accounts._unlocked), repr(engine)]).lower()
        for secret in (key, seed_key):
            raw = secret.to_bytes(32, "big")
            for form in (hex(secret), format(secret, "x"), str(secret), raw.hex(),
                         base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("=")):
                assert form.lower() not in everything, form
            assert raw.decode("latin-1").lower() not in everything
        for text in (PASSWORD, OTHER_PASSWORD, BACKUP_PASSWORD, MNEMONIC, totp_secret):
            assert text.lower() not in everything, text
        assert len(stored) > 1000 and len(seen) > 15  # the tour really ran and wrote
    finally:
        await cleanup(engine, nets)


async def test_keystore_export_and_import_through_accounts():
    engine, nets = fresh_engine(extra_networks=1)
    try:
        account = await engine.accounts.create(password=PASSWORD, private_key=KNOWN_KEY)
        with pytest.raises(AuthenticationError):
            await engine.accounts.export_keystore(account.address, "wrong-password-123!")
        exported = await engine.accounts.export_keystore(account.address, PASSWORD, keystore_password="ks-pass",
                                                         scrypt_n=1024)
        assert exported["version"] == 3 and exported["crypto"]["kdf"] == "scrypt"
        assert format(KNOWN_KEY, "x") not in json.dumps(exported)
        imported = await engine.accounts.import_keystore(exported, "ks-pass", password=OTHER_PASSWORD,
                                                         network=nets[1])
        assert imported.address == account.address and imported.network == nets[1]
        await engine.accounts.unlock(account.address, password=OTHER_PASSWORD, network=nets[1])
        assert engine.accounts._private_key(account.address, network=nets[1]) == KNOWN_KEY
        with pytest.raises(AuthenticationError):
            await engine.accounts.import_keystore(exported, "wrong", password=OTHER_PASSWORD, network=nets[1])
    finally:
        await cleanup(engine, nets)


async def test_concurrent_creates_of_one_account_write_once():
    import asyncio

    engine, nets = fresh_engine()
    try:
        results = await asyncio.gather(
            *(engine.accounts.create(password=PASSWORD, private_key=KNOWN_KEY) for _ in range(3)),
            return_exceptions=True,
        )
        assert sum(not isinstance(r, Exception) for r in results) == 1
        assert sum(isinstance(r, AccountExistsError) for r in results) == 2
        created = next(r for r in results if not isinstance(r, Exception))
        await engine.accounts.unlock(created.address, password=PASSWORD)
    finally:
        await cleanup(engine, nets)


async def test_keys_from_a_seed_and_absurd_kdf_parameters():
    """derive_keys/create from a raw BIP39 seed give @scure's keys (tests/vectors/derivation.json) for
    every scheme; KDF parameters far too large are refused, and nothing is written."""
    engine, nets = fresh_engine()
    vectors = Path(__file__).resolve().parent.parent / "vectors" / "derivation.json"
    case = json.loads(vectors.read_text(encoding="utf-8"))["cases"][0]
    try:
        for expected in case["keys"]:
            pair = await engine.accounts.derive_keys(seed="0x" + case["seed"], path=expected["path"],
                                                     scheme=expected["scheme"])
            assert (int(pair.private_key, 16), int(pair.public_key, 16)) == (
                int(expected["private_key"], 16), int(expected["stark_key"], 16)), expected
        first = case["keys"][0]
        account = await engine.accounts.create(password=PASSWORD, seed="0x" + case["seed"], path=first["path"])
        assert int(account.public_key, 16) == int(first["stark_key"], 16)
        before = await snapshot(engine, nets)
        for params in ({"algorithm": "pbkdf2", "iterations": 10 ** 9}, {"algorithm": "argon2id", "memory": 2 * 1024 ** 2},
                       {"algorithm": "argon2id", "parallelism": 0}, {"algorithm": "argon2id", "iterations": 1000}):
            with pytest.raises(ConfigError):
                await engine.accounts.create(password=PASSWORD, storage={"key_derivation": params})
        assert await snapshot(engine, nets) == before
    finally:
        await cleanup(engine, nets)


def another_engine(nets):
    """A second engine on the same store: another tab of the origin, or another process on ~/.foc."""
    return FocEngine(network=nets[0], rpc={name: "http://127.0.0.1:9/rpc" for name in nets})


ANY_CALL = {"contract_address": "0x1", "entrypoint": "transfer", "calldata": []}


async def test_a_second_factor_turned_on_by_another_engine_is_enforced_and_kept():
    engine, nets = fresh_engine()
    other = another_engine(nets).accounts
    try:
        account = await engine.accounts.create(password=PASSWORD)
        await other.unlock(account.address, password=PASSWORD)  # before the account had 2FA
        await engine.accounts.enable_2fa(account=account.address, method="totp", secret="JBSWY3DPEHPK3PXP")
        with pytest.raises(TwoFactorError):  # no session, which signs without codes, opens without one
            await other.create_session(account=account.address)
        with pytest.raises(TwoFactorError):  # asked before anything is signed or sent
            await other.invoke(account=account.address, **ANY_CALL)
        await other.enable_key_rotation(account.address, schedule="monthly")  # a vault write from the other engine
        reloaded = another_engine(nets).accounts
        await reloaded.unlock(account.address, password=PASSWORD)
        with pytest.raises(TwoFactorError):  # that write kept the second factor
            await reloaded.invoke(account=account.address, **ANY_CALL)
    finally:
        await cleanup(engine, nets)


async def test_a_password_changed_by_another_engine_never_leaves_a_vault_nobody_can_open():
    engine, nets = fresh_engine()
    other = another_engine(nets).accounts
    try:
        account = await engine.accounts.create(password=PASSWORD)
        await other.unlock(account.address, password=PASSWORD)
        await engine.accounts.change_password(account.address, PASSWORD, OTHER_PASSWORD)
        before = await snapshot(engine, nets)
        with pytest.raises(NotUnlockedError):  # its key no longer opens the vault: it must not write with it
            await other.enable_key_rotation(account.address, schedule="monthly")
        assert await snapshot(engine, nets) == before
        assert not other.is_unlocked(account.address)
        await other.unlock(account.address, password=OTHER_PASSWORD)
        await other.enable_key_rotation(account.address, schedule="monthly")
        reloaded = another_engine(nets).accounts
        await reloaded.unlock(account.address, password=OTHER_PASSWORD)
        with pytest.raises(AuthenticationError):
            await reloaded.unlock(account.address, password=PASSWORD)
    finally:
        await cleanup(engine, nets)


async def test_a_password_change_keeps_what_another_engine_wrote_while_it_ran():
    engine, nets = fresh_engine()
    other = another_engine(nets).accounts
    store = platform.store()
    try:
        account = await engine.accounts.create(password=PASSWORD)
        await other.unlock(account.address, password=PASSWORD)
        real_get, wrote = store.get, []

        async def get_then_write_elsewhere(key):
            # The change reads the record, and before it seals it again the other engine writes it
            # (a test double for that timing only: the store and both engines are real).
            value = await real_get(key)
            if key == account.storage_key and not wrote:
                wrote.append(key)
                await other.enable_2fa(account=account.address, method="totp", secret="JBSWY3DPEHPK3PXP")
            return value

        store.get = get_then_write_elsewhere
        try:
            await engine.accounts.change_password(account.address, PASSWORD, OTHER_PASSWORD)
        finally:
            del store.get
        assert wrote
        reloaded = another_engine(nets).accounts
        await reloaded.unlock(account.address, password=OTHER_PASSWORD)
        with pytest.raises(TwoFactorError):  # the second factor written meanwhile was kept
            await reloaded.invoke(account=account.address, **ANY_CALL)
    finally:
        await cleanup(engine, nets)
