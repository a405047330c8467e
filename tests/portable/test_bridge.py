"""The JSON bridge behind the JS facade: camelCase names in and out, data verbatim, errors with stable codes."""

import json

from foc_web import platform
from foc_web.bridge import Bridge, METHODS, to_camel, to_js, to_snake

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


# ---------------------------------------------------------------- names are renamed, data is not

BACKUP_PASSWORD = "Backup-Passphrase-Violet-Otter-77"
GUARDIAN_KEY, GUARDIAN = 0x71, 0x1234


def _bridge(network):
    return Bridge(json.dumps({"network": network, "rpc": {network: "http://127.0.0.1:9/rpc"},
                              "chainIds": {network: "SN_SEPOLIA"}}))


async def _call(bridge, method, *args):
    answer = json.loads(await bridge.call(method, json.dumps(list(args))))
    assert "error" not in answer, answer
    return answer["result"]


async def _cleanup(network):
    store = platform.store()
    for key in await store.keys("foc_"):
        if network in key:
            await store.delete(key)


async def test_camel_case_network_name_with_rpc_and_chain_id_maps():
    network = "myNet" + platform.random_bytes(4).hex()  # a key of rpc/chainIds: data, not an option name
    bridge = Bridge(json.dumps({"network": network, "rpc": {network: "http://127.0.0.1:9/rpc"},
                                "chainIds": {network: "SN_SEPOLIA"}, "rpcTimeout": 5,
                                "security": {"lockout": {"maxAttempts": 3}, "logging": {"maxRecords": 256}}}))
    try:
        assert bridge.engine.network == network and bridge.engine.rpc_urls[network] == "http://127.0.0.1:9/rpc"
        assert network in bridge.engine.chain_ids and bridge.engine.rpc_timeout == 5
        assert bridge.engine.security["lockout"] == {"max_attempts": 3}
        assert bridge.engine.security["logging"]["max_records"] == 256
        account = await _call(bridge, "create", {"password": PASSWORD})
        assert account["network"] == network and account["storageKey"].startswith(f"foc_{network}_")
        assert [a["address"] for a in await _call(bridge, "list", {"network": network})] == [account["address"]]
    finally:
        await _cleanup(network)


async def test_recovery_typed_data_crosses_verbatim_and_a_js_signature_verifies():
    from foc_web.recovery.social import sign_approval
    from foc_web.stark import typed_data
    from foc_web.stark.keys import get_stark_key

    network = "b" + platform.random_bytes(4).hex()
    bridge = _bridge(network)
    try:
        account = await _call(bridge, "create", {"password": PASSWORD})
        guardian_public = hex(get_stark_key(GUARDIAN_KEY))
        setup = await _call(bridge, "setupSocialRecovery", {
            "account": account["address"], "threshold": 1, "recoveryDelay": 3600,
            "guardians": [{"address": hex(GUARDIAN), "publicKey": guardian_public, "weight": 1}]})
        assert setup["guardians"][0]["publicKey"] == guardian_public  # our own result names: camelCase
        new_owner = await _call(bridge, "generatePrivateKey")
        pending = await _call(bridge, "initiateRecovery", {"account": account["address"],
                                                           "newOwner": new_owner["publicKey"]})
        assert {"approvedWeight", "executableAt", "newOwnerKey", "typedData"} <= set(pending)
        js_typed = pending["typedData"]
        python_typed = (await bridge.engine.accounts.get_recovery(account["address"]))["typed_data"]
        assert js_typed == python_typed  # types, domain (chainId) and message (new_owner) untouched
        assert set(js_typed["message"]) == {"account", "new_owner", "nonce", "expiry"}
        assert [m["name"] for m in js_typed["types"]["RecoveryApproval"]] == ["account", "new_owner", "nonce", "expiry"]
        assert "chainId" in js_typed["domain"]
        assert typed_data.message_hash(js_typed, GUARDIAN) == typed_data.message_hash(python_typed, GUARDIAN)
        # a guardian signs what JS got; the approval verifies against what Python rebuilds
        approval = sign_approval(js_typed, GUARDIAN, GUARDIAN_KEY)
        approved = await _call(bridge, "approveRecovery", {"account": account["address"], "approval": approval})
        assert approved["approvedWeight"] == 1 and approved["approvals"] == {hex(GUARDIAN): approval["signature"]}
        assert approved["typedData"] == python_typed
    finally:
        await _cleanup(network)


async def test_backup_metadata_keys_cross_verbatim():
    from foc_web.vault import backup as backup_file

    network = "b" + platform.random_bytes(4).hex()
    bridge = _bridge(network)
    metadata = {"description": "Monthly", "0xAbC": "label", "someKey": {"innerKey": 1, "inner_key": 2},
                "with_underscore": [{"camelCase": True}]}
    try:
        account = await _call(bridge, "create", {"password": PASSWORD})
        text = await _call(bridge, "createBackup", {"accounts": [account["address"]], "password": BACKUP_PASSWORD,
                                                    "metadata": metadata, "keyDerivation": "pbkdf2"})
        assert backup_file.inspect_backup(text)["kdf"]["algorithm"] == "pbkdf2"  # keyDerivation reached Python
        opened = await backup_file.open_backup(text, BACKUP_PASSWORD)
        assert {k: v for k, v in opened["metadata"].items() if k in metadata} == {
            k: v for k, v in metadata.items() if k != "description"}
        assert "foc_web_version" in opened["metadata"] and opened["description"] == "Monthly"
        await platform.store().delete(account["storageKey"])
        restored = await _call(bridge, "restoreFromBackup", text, {"password": BACKUP_PASSWORD, "verifyIntegrity": True})
        assert restored == {"restored": [account["address"]], "skipped": []}
        # metadata in a result (an opened or inspected backup) leaves verbatim too
        assert to_js({"backup_info": {"metadata": opened["metadata"]}})["backupInfo"]["metadata"] == opened["metadata"]
    finally:
        await _cleanup(network)


class _Recorder:
    """Stands in for engine.accounts: records the keyword arguments each method gets, returns canned results."""

    def __init__(self, results):
        self.calls, self.results, self.listeners = [], results, {}

    def on(self, name, callback):
        self.listeners[name] = callback

    def __getattr__(self, name):
        async def method(**kwargs):
            self.calls.append((name, kwargs))
            return self.results.get(name)

        return method


async def test_option_names_reach_python_in_snake_case_and_data_stays_verbatim():
    bridge = _bridge("b" + platform.random_bytes(4).hex())  # nothing is stored: every call goes to the recorder
    receipt = {"transaction_hash": "0x1", "execution_status": "SUCCEEDED", "finality_status": "ACCEPTED_ON_L2",
               "actual_fee": {"amount": "0x2", "unit": "FRI"}, "events": [{"from_address": "0x3", "data": []}]}
    records = [{"seq": 0, "event": "authentication", "details": {"retry_after": 1.5, "failedAttempts": 2}}]
    session = {"token": "t", "expires_at": 1, "permissions": {"max_transaction_value": "5",
                                                              "rate_limit": {"transactions_per_hour": 3}}}
    recorder = _Recorder({"wait_for_tx": receipt, "get_audit_log": records, "create_session": session,
                          "export_keystore": {"crypto": {"kdf_params": {}}}})
    bridge.engine.accounts = recorder
    typed = {"types": {"Mail": [{"name": "from_address", "type": "felt"}]}, "primaryType": "Mail",
             "domain": {"name": "x", "chainId": "SN_SEPOLIA"}, "message": {"from_address": "0xAbC"}}
    calls = [
        ("create", [{"storage": {"type": "encrypted_local", "keyDerivation": "pbkdf2"}, "auth": {"minPasswordLength": 14}}]),
        ("create", [{"storage": {"type": "secure_enclave", "requireBiometric": True,
                                 "invalidateOnBiometricChange": True}}]),
        ("createSession", [{"account": "0x1", "twoFactorCode": "123456", "permissions": {
            "maxTransactionValue": "1000", "allowedContracts": ["0xAbC"], "rateLimit": {"transactionsPerHour": 10}}}]),
        ("restoreFromBackup", ['{"format": "x"}', {"password": PASSWORD, "verifyIntegrity": False}]),
        ("enableKeyRotation", [{"account": "0x1", "notifyBeforeRotation": 3600, "rotationType": "manual"}]),
        ("invoke", [{"account": "0x1", "calls": [{"contractAddress": "0x2", "entrypoint": "transfer",
                                                  "calldata": ["0xAbC", "1"]}]}]),
        ("createBackup", [{"accounts": ["0x1"], "metadata": {"0xAbC": 1, "someKey": {"innerKey": 2}}}]),
        ("importKeystore", [{"crypto": {"cipherParams": {}}}, {"keystorePassword": "k"}]),
        ("approveRecovery", [{"account": "0x1", "approval": {"guardian": "0x2"}, "typedData": typed}]),
    ]
    for method, args in calls:
        await _call(bridge, method, *args)
    got = [kwargs for _, kwargs in recorder.calls]
    assert got[0] == {"storage": {"type": "encrypted_local", "key_derivation": "pbkdf2"},
                      "auth": {"min_password_length": 14}}
    assert got[1]["storage"] == {"type": "secure_enclave", "require_biometric": True,
                                 "invalidate_on_biometric_change": True}
    assert got[2] == {"account": "0x1", "two_factor_code": "123456", "permissions": {
        "max_transaction_value": "1000", "allowed_contracts": ["0xAbC"], "rate_limit": {"transactions_per_hour": 10}}}
    assert got[3] == {"backup": '{"format": "x"}', "password": PASSWORD, "verify_integrity": False}
    assert got[4] == {"account": "0x1", "notify_before_rotation": 3600, "rotation_type": "manual"}
    assert got[5] == {"account": "0x1", "calls": [{"contract_address": "0x2", "entrypoint": "transfer",
                                                   "calldata": ["0xAbC", "1"]}]}
    assert got[6] == {"accounts": ["0x1"], "metadata": {"0xAbC": 1, "someKey": {"innerKey": 2}}}
    assert got[7] == {"keystore_json": {"crypto": {"cipherParams": {}}}, "keystore_password": "k"}
    assert got[8] == {"account": "0x1", "approval": {"guardian": "0x2"}, "typed_data": typed}
    # out: the node's receipt and keystores whole, audit details verbatim, our own names camelCase
    assert await _call(bridge, "waitForTx", "0x1") == receipt
    assert await _call(bridge, "exportKeystore", "0x1") == {"crypto": {"kdf_params": {}}}
    assert await _call(bridge, "getAuditLog") == records
    assert await _call(bridge, "createSession") == {"token": "t", "expiresAt": 1, "permissions": {
        "maxTransactionValue": "5", "rateLimit": {"transactionsPerHour": 3}}}
    delivered = []
    bridge.on("securityEvent", delivered.append)
    recorder.listeners["securityEvent"]({"type": "key_rotation_due", "details": {"due_at": 7}, "time_stamp": 1})
    assert json.loads(delivered[0]) == {"type": "key_rotation_due", "details": {"due_at": 7}, "timeStamp": 1}
