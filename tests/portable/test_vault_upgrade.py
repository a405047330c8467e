"""Legacy vault records: weaker PBKDF2 than today's minimum opens once and is upgraded; absurd costs never open.

Nothing in foc_web writes a record below today's minimums, so the legacy records here are built
from the platform's primitives as docs/FORMAT.md describes a record (PBKDF2-HMAC, then AES-256-GCM
with the canonical JSON of header and location as AAD), the way an older release wrote them.
Records with absurd costs are built the same way under a random key: they must be refused before
any key derivation (10^9 iterations would never finish) and leave the store as it was.
"""

import base64
import json

import pytest

from foc_web import platform
from foc_web.errors import AuthenticationError, ConfigError, VaultFormatError
from foc_web.vault import kdf, record

from test_accounts import KNOWN_KEY, OTHER_PASSWORD, PASSWORD, cleanup, fresh_engine, snapshot

DEFAULT_PBKDF2 = {"algorithm": "pbkdf2", "hash": "sha256", "iterations": 600_000}


def _salted(params):
    return {**params, "salt": base64.b64encode(platform.random_bytes(16)).decode()}


async def _legacy_record(current, params, password=PASSWORD, key=None):
    """``current`` (a stored record) rewritten with KDF ``params`` (salt included) from the primitives.

    The AES key is PBKDF2 of ``password`` under ``params``, or ``key`` when given."""
    secrets = await record.unseal(current, await kdf.derive_key(current["kdf"], password),
                                  **{k: current[k] for k in ("network", "address", "storage_key")})
    header = {k: v for k, v in current.items() if k != "ciphertext"}
    header.update(kdf=params, cipher={"algorithm": "aes-256-gcm",
                                      "iv": base64.b64encode(platform.random_bytes(12)).decode()})
    if key is None:
        key = await platform.pbkdf2(params["hash"], password.encode(), base64.b64decode(params["salt"]),
                                    params["iterations"], 32)
    location = {k: current[k] for k in ("network", "address", "storage_key")}
    sealed = await platform.aes_gcm_encrypt(key, base64.b64decode(header["cipher"]["iv"]),
                                            record.canonical_json(secrets),
                                            record.canonical_json({"header": header, "location": location}))
    return {**header, "ciphertext": base64.b64encode(sealed).decode()}


async def _account_with_record(engine, params, **options):
    """(account, the legacy record now stored for it); the account is left locked."""
    account = await engine.accounts.create(password=PASSWORD, private_key=hex(KNOWN_KEY))
    store = platform.store()
    legacy = await _legacy_record(json.loads(await store.get(account.storage_key)), params, **options)
    await store.set(account.storage_key, json.dumps(legacy))
    await engine.accounts.lock(account.address)
    return account, legacy


@pytest.mark.parametrize("hash_name, iterations", [("sha256", 100_000), ("sha256", 10_000), ("sha512", 10_000)])
async def test_legacy_pbkdf2_record_is_upgraded_on_unlock(hash_name, iterations):
    engine, nets = fresh_engine()
    store = platform.store()
    try:
        params = _salted({"algorithm": "pbkdf2", "hash": hash_name, "iterations": iterations})
        account, legacy = await _account_with_record(engine, params)
        before = await snapshot(engine, nets)
        with pytest.raises(AuthenticationError):  # a wrong password does not upgrade anything
            await engine.accounts.unlock(account.address, password=OTHER_PASSWORD)
        assert json.loads(await store.get(account.storage_key)) == legacy
        assert set(before) <= set(await snapshot(engine, nets))
        await engine.accounts.unlock(account.address, password=PASSWORD)
        assert engine.accounts._private_key(account.address) == KNOWN_KEY
        upgraded = json.loads(await store.get(account.storage_key))
        assert {k: v for k, v in upgraded["kdf"].items() if k != "salt"} == DEFAULT_PBKDF2
        assert upgraded["kdf"]["salt"] != params["salt"] and upgraded["cipher"]["iv"] != legacy["cipher"]["iv"]
        assert {k: upgraded[k] for k in ("address", "network", "storage_key", "account", "created_at")} == {
            k: legacy[k] for k in ("address", "network", "storage_key", "account", "created_at")}
        await engine.accounts.lock(account.address)
        await engine.accounts.unlock(account.address, password=PASSWORD)  # the same password still opens it
        assert engine.accounts._private_key(account.address) == KNOWN_KEY
        assert json.loads(await store.get(account.storage_key))["kdf"] == upgraded["kdf"]  # upgraded once
    finally:
        await cleanup(engine, nets)


async def test_password_change_of_a_legacy_record_writes_the_defaults():
    engine, nets = fresh_engine(extra_networks=1)
    store = platform.store()
    try:
        account, _ = await _account_with_record(engine, _salted({**DEFAULT_PBKDF2, "iterations": 100_000}))
        moved = await engine.accounts.switch_network(account.address, nets[1], PASSWORD)
        assert json.loads(await store.get(moved.storage_key))["kdf"]["iterations"] == 600_000
        await engine.accounts.change_password(account.address, PASSWORD, OTHER_PASSWORD)
        changed = json.loads(await store.get(account.storage_key))
        assert {k: v for k, v in changed["kdf"].items() if k != "salt"} == DEFAULT_PBKDF2
        await engine.accounts.unlock(account.address, password=OTHER_PASSWORD)
        assert engine.accounts._private_key(account.address) == KNOWN_KEY
    finally:
        await cleanup(engine, nets)


@pytest.mark.parametrize("params, reason", [
    ({"algorithm": "pbkdf2", "hash": "sha256", "iterations": 1}, "at least 10000 are required to open"),
    ({"algorithm": "pbkdf2", "hash": "sha256", "iterations": 9_999}, "at least 10000 are required to open"),
    ({"algorithm": "pbkdf2", "hash": "sha512", "iterations": 0}, "at least 10000 are required to open"),
    ({"algorithm": "pbkdf2", "hash": "sha256", "iterations": 10**9}, "at most 10000000"),
    ({"algorithm": "pbkdf2", "hash": "md5", "iterations": 600_000}, "sha256 or sha512"),
    ({"algorithm": "argon2id", "iterations": 3, "memory": 2 * 1024 * 1024, "parallelism": 1}, "1 GiB"),
    ({"algorithm": "argon2id", "iterations": 3, "memory": 65_536, "parallelism": 0}, "parallelism must be between"),
    ({"algorithm": "argon2id", "iterations": 0, "memory": 65_536, "parallelism": 1}, "iterations must be between"),
    ({"algorithm": "argon2id", "iterations": 3, "memory": 1_024, "parallelism": 1}, "too weak"),
])
async def test_absurd_stored_parameters_are_refused_on_open(params, reason):
    engine, nets = fresh_engine()
    try:
        account, _ = await _account_with_record(engine, _salted(params), key=platform.random_bytes(32))
        before = await snapshot(engine, nets)
        with pytest.raises(VaultFormatError, match=reason):
            await engine.accounts.unlock(account.address, password=PASSWORD)
        assert await snapshot(engine, nets) == before
        assert not engine.accounts.is_unlocked(account.address)
    finally:
        await cleanup(engine, nets)


async def test_weak_parameters_are_still_refused_when_creating_or_writing():
    engine, nets = fresh_engine()
    try:
        with pytest.raises(ConfigError, match="100000 iterations is too weak: at least 600000 are required"):
            await engine.accounts.create(password=PASSWORD, storage={
                "key_derivation": {"algorithm": "pbkdf2", "hash": "sha256", "iterations": 100_000}})
        assert await snapshot(engine, nets) == {}
        legacy = _salted({**DEFAULT_PBKDF2, "iterations": 100_000})
        assert kdf.check_params(legacy, with_salt=True, accept_legacy=True)["iterations"] == 100_000
        with pytest.raises(ConfigError, match="at least 600000"):
            kdf.check_params(legacy, with_salt=True)
        with pytest.raises(ConfigError, match="at least 600000"):  # the writer refuses it too
            await record.seal({"private_key": "0x1"}, bytes(32), key_source={"kdf": legacy}, network=nets[0],
                              address="0x1", storage_key="k", account={})
        fresh = kdf.with_fresh_salt(legacy)  # parameters for a rewrite are brought up to the defaults
        assert {k: v for k, v in fresh.items() if k != "salt"} == DEFAULT_PBKDF2 and fresh["salt"] != legacy["salt"]
    finally:
        await cleanup(engine, nets)
