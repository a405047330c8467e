"""The JSON bridge behind the JS facade: camelCase in, plain camelCase data out, errors with stable codes."""

import json

from foc_web import platform
from foc_web.bridge import Bridge, METHODS, to_camel, to_snake

PASSWORD = "Correct-Horse-Battery-Staple-42"


def test_name_conversion():
    for camel, snake in [("keyDerivation", "key_derivation"), ("masterPassword", "master_password"),
                         ("requireBiometric", "require_biometric"), ("maxTransactionValue", "max_transaction_value"),
                         ("allowedContracts", "allowed_contracts"), ("transactionsPerHour", "transactions_per_hour"),
                         ("twoFactorCode", "two_factor_code"), ("recoveryDelay", "recovery_delay"),
                         ("verifyIntegrity", "verify_integrity"), ("notifyBeforeRotation", "notify_before_rotation")]:
        assert to_snake(camel) == snake
        assert to_camel(snake) == camel


async def test_calls_round_trip_as_plain_json():
    network = "b" + platform.random_bytes(4).hex()
    bridge = Bridge(json.dumps({"network": network, "rpc": {network: "http://127.0.0.1:9/rpc"}}))
    assert set(json.loads(Bridge.methods())) == set(METHODS)
    keys = json.loads(await bridge.call("generatePrivateKey", "[]"))["result"]
    assert set(keys) >= {"privateKey", "publicKey"}
    created = json.loads(await bridge.call("create", json.dumps(
        [{"username": "alice", "password": PASSWORD, "privateKey": keys["privateKey"],
          "storage": {"type": "encrypted_local", "encryption": "aes-256-gcm", "keyDerivation": "pbkdf2"}}])))
    account = created["result"]
    assert account["network"] == network and account["storageKey"].startswith(f"foc_{network}_")
    assert json.loads(await bridge.call("lock", json.dumps([account["address"]]))) == {"result": None}
    wrong = json.loads(await bridge.call("unlock", json.dumps([account["address"], {"password": "nope-nope-123!"}])))
    assert wrong["error"]["code"] == "AUTHENTICATION_FAILED"
    unlocked = json.loads(await bridge.call("unlock", json.dumps([account["address"], {"password": PASSWORD}])))
    assert unlocked["result"]["address"] == account["address"]
    assert json.loads(await bridge.call("isUnlocked", json.dumps([account["address"]]))) == {"result": True}
    log = json.loads(await bridge.call("getAuditLog", json.dumps([account["address"], {"events": ["authentication"]}])))
    assert [r["outcome"] for r in log["result"]] == ["failure", "success"]
    unknown = json.loads(await bridge.call("launchRockets", "[]"))
    assert unknown["error"]["code"] == "FOC_ERROR"
    bad = json.loads(await bridge.call("create", json.dumps([{"password": PASSWORD, "colour": "red"}])))
    assert bad["error"]["code"] == "INVALID_ARGUMENT" and "colour" in bad["error"]["message"]
    store = platform.store()
    for key in await store.keys("foc_"):
        if network in key:
            await store.delete(key)
