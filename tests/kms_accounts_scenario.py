"""external_kms accounts end to end, run unchanged on CPython and in Pyodide (see invoke_scenario.py's runners),
against tests/kms_server.py (moto with signatures and IAM checked)."""

from tests import kms_server

KEY = 0x3C1E9550E66958296D11B60F8E8E7A7AD990D07FA65D5F7652C4A6C87D4E3CC

SCENARIO = """
import json
from foc_web import platform
from foc_web.engine import FocEngine
from foc_web.errors import FocError, TransportError
from foc_web.stark.address import compute_account_address
from foc_web.stark.keys import get_stark_key
from foc_web.types import hex_address

def engine_for(user):
    return FocEngine(network=NETWORK, rpc={NETWORK: "http://127.0.0.1:9/rpc"}, kms=KMS[user])

async def outcome(coroutine):
    try:
        await coroutine
        return "ok"
    except FocError as error:
        return error.code

storage = {"type": "external_kms", "provider": "aws-kms", "key_id": KEY_ID, "region": "us-east-1"}
engine = engine_for("user")
account = await engine.accounts.create(storage=storage, private_key=KEY, username="kms-user")
stored = await platform.store().get(account.storage_key)
await engine.accounts.lock(account.address)
await engine.accounts.unlock(account.address)
result = {"key_ok": engine.accounts._private_key(account.address) == KEY,
          "record_kms": json.loads(stored).get("kms", {}).get("provider"),
          "secrets_in_record": any(s in stored for s in SECRETS),
          "with_password": await outcome(engine.accounts.unlock(account.address, password="x" * 20)),
          "create_with_password": await outcome(engine.accounts.create(storage=storage, private_key=KEY + 1,
                                                                       password="Correct-Horse-Battery-Staple-42"))}
for user in ("denied", "bad_secret", "unknown_key"):
    other = engine_for(user)
    result[user] = await outcome(other.accounts.unlock(account.address))
    result[user + "_unlocked"] = other.accounts.is_unlocked(account.address)
# The record copied under another network does not open (the encryption context binds it).
moved = json.loads(stored)
moved_key = account.storage_key.replace(NETWORK, NETWORK + "b")
moved.update(network=NETWORK + "b", storage_key=moved_key)
await platform.store().set(moved_key, json.dumps(moved))
elsewhere = FocEngine(network=NETWORK + "b", rpc={NETWORK + "b": "http://127.0.0.1:9/rpc"}, kms=KMS["user"])
result["moved"] = await outcome(elsewhere.accounts.unlock(account.address))
result["unchanged"] = await platform.store().get(account.storage_key) == stored
await platform.store().delete(moved_key)
await platform.store().delete(account.storage_key)

# create() that KMS refuses, or cannot reach, raises its typed error and writes nothing: no vault record,
# no state, no audit entry (the whole store is compared, keys and values), and holds no key.
async def snapshot():
    store = platform.store()
    return {key: await store.get(key) for key in await store.keys()}

async def failure(coroutine):
    try:
        await coroutine
        return None
    except FocError as error:
        return {"error": type(error).__name__, "code": error.code, "aws_code": getattr(error, "aws_code", None),
                "transport": isinstance(error, TransportError)}

def diff(before, after, address):
    return {"added": sorted(set(after) - set(before)), "removed": sorted(set(before) - set(after)),
            "changed": sorted(k for k in before if k in after and after[k] != before[k]),
            "mentions": sorted(k for k, v in after.items() if address in k.lower() or address in (v or "").lower())}

NEW_KEY = KEY + 2
new_address = hex_address(compute_account_address(get_stark_key(NEW_KEY), "openzeppelin"))
result["create_failures"] = {}
for user in ("no_generate", "bad_secret", "unknown_key", "down"):
    other = engine_for(user)
    before = await snapshot()
    error = await failure(other.accounts.create(storage=storage, private_key=NEW_KEY, username="never-" + user))
    after = await snapshot()
    result["create_failures"][user] = {
        **(error or {"error": None}), **diff(before, after, new_address),
        "unlocked": other.accounts.is_unlocked(new_address),
        "get": await outcome(other.accounts.get(new_address)),
        "listed": new_address in [a.address for a in await other.accounts.list()]}
# The same create with working credentials succeeds, and the same comparison sees what it writes.
before = await snapshot()
created = await engine.accounts.create(storage=storage, private_key=NEW_KEY, username="finally")
after = await snapshot()
result["create_ok"] = {"address_ok": created.address == new_address, **diff(before, after, new_address),
                       "storage_key": created.storage_key}
await platform.store().delete(created.storage_key)
"""


def prelude(server, network):
    def creds(user, **overrides):
        access, secret, token = server.credentials[user]
        conf = {"access_key_id": access, "secret_access_key": secret, "endpoint": server.url, "timeout": 10}
        if token:
            conf["session_token"] = token
        return {**conf, **overrides}

    kms = {"user": creds("user"), "denied": creds("denied"), "no_generate": creds("no_generate"),
           "bad_secret": creds("user", secret_access_key="x" * 40),
           "unknown_key": creds("user", access_key_id="AKIAUNKNOWNKEY000000"),
           "down": creds("user", endpoint=f"http://127.0.0.1:{kms_server.closed_port()}")}
    secrets = [c["secret_access_key"] for c in kms.values()]
    return (f"NETWORK = {network!r}\nKMS = {kms!r}\nKEY_ID = {server.key_id!r}\nKEY = {KEY}\n"
            f"SECRETS = {secrets!r}\n")


def check(result):
    assert result["key_ok"] and result["record_kms"] == "aws-kms"
    assert result["secrets_in_record"] is False
    assert result["with_password"] == "INVALID_CONFIG" and result["create_with_password"] == "INVALID_CONFIG"
    assert result["denied"] == "KMS_ACCESS_DENIED"
    assert result["bad_secret"] == result["unknown_key"] == "KMS_AUTH_FAILED"
    assert not (result["denied_unlocked"] or result["bad_secret_unlocked"] or result["unknown_key_unlocked"])
    assert result["moved"] == "KMS_INVALID_CIPHERTEXT"
    assert result["unchanged"]
    expected = {"no_generate": ("KmsAccessDeniedError", "KMS_ACCESS_DENIED", "AccessDenied"),
                "bad_secret": ("KmsAuthError", "KMS_AUTH_FAILED", "SignatureDoesNotMatch"),
                "unknown_key": ("KmsAuthError", "KMS_AUTH_FAILED", "InvalidClientTokenId"),
                "down": ("KmsUnavailableError", "KMS_UNAVAILABLE", None)}
    failures = result["create_failures"]
    assert set(failures) == set(expected)
    for user, (error, code, aws_code) in expected.items():
        failed = failures[user]
        assert (failed["error"], failed["code"], failed["aws_code"]) == (error, code, aws_code), (user, failed)
        assert failed["transport"] is (user == "down"), (user, failed)
        assert failed["added"] == failed["removed"] == failed["changed"] == failed["mentions"] == [], (user, failed)
        assert failed["unlocked"] is False and failed["listed"] is False, (user, failed)
        assert failed["get"] == "ACCOUNT_NOT_FOUND", (user, failed)
    # Not vacuous: the successful create is seen writing its record (and audit entry) for the address.
    made = result["create_ok"]
    assert made["address_ok"] and made["removed"] == [], made
    assert made["storage_key"] in made["added"] and made["storage_key"] in made["mentions"], made
    assert any("_state_" in key for key in made["added"] if key in made["mentions"]), made
    assert any("_audit_" in key for key in made["changed"] if key in made["mentions"]), made
