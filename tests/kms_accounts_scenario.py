"""external_kms accounts end to end, run unchanged on CPython and in Pyodide (see invoke_scenario.py's runners),
against tests/kms_server.py (moto with signatures and IAM checked)."""

KEY = 0x3C1E9550E66958296D11B60F8E8E7A7AD990D07FA65D5F7652C4A6C87D4E3CC

SCENARIO = """
import json
from foc_web import platform
from foc_web.engine import FocEngine
from foc_web.errors import FocError

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
"""


def prelude(server, network):
    def creds(user, **overrides):
        access, secret, token = server.credentials[user]
        conf = {"access_key_id": access, "secret_access_key": secret, "endpoint": server.url, "timeout": 10}
        if token:
            conf["session_token"] = token
        return {**conf, **overrides}

    kms = {"user": creds("user"), "denied": creds("denied"), "bad_secret": creds("user", secret_access_key="x" * 40),
           "unknown_key": creds("user", access_key_id="AKIAUNKNOWNKEY000000")}
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
