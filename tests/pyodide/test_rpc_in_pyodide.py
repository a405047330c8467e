"""The Starknet RPC client inside Pyodide (headless Chromium's fetch, Node's fetch), against the
local test node (tests/rpcnode.py) on CPython: the node checks requests against the spec and
transactions with starknet-py, so an accepted invoke was built, hashed and signed right in Pyodide."""

import json

import pytest
from starknet_py.hash.utils import private_to_stark_key

from tests import rpcnode
from tests.pyodide.pages import LOAD_FOC_WEB, booted

KEY = 0x2D8D6CE4D5F3A9C1B0E7F6A5D4C3B2A19080706050403020100F0E0D0C0B0A9
ADDRESS = 0x7A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F

# Defined once in Pyodide; each test then awaits one of these with the node's URL.
PROBE = """
import json
from foc_web.errors import FocError
from foc_web.rpc import RpcClient, invoke_v3_request, resource_bounds_from_estimate
from foc_web.stark.ecdsa import sign
from foc_web.stark.transaction import Call, ResourceBoundsMapping, calculate_invoke_v3_hash, execute_calldata

STRK = 0x04718F5A0FC34CC1AF16A1CDEE98FFB20C31F5CD61D6AB07201858F4287C938D
TRANSFER = 0x83AFD3F4CAEDC6EEBF44246FE54E38C95E3179A5EC9EA81740ECA5B482D12E
CALLDATA = execute_calldata([Call(STRK, TRANSFER, [0x1234, 10**18, 0])])

async def invoke(url, key, address, timeout=10.0):
    client = RpcClient(url, timeout=timeout)
    nonce = await client.get_nonce(address)
    estimate = await client.estimate_fee(
        invoke_v3_request(address, CALLDATA, [], nonce, ResourceBoundsMapping(), query=True))
    bounds = resource_bounds_from_estimate(estimate)
    tx_hash = calculate_invoke_v3_hash(address, CALLDATA, await client.chain_id(), nonce, bounds)
    sent = await client.add_invoke_transaction(
        invoke_v3_request(address, CALLDATA, sign(tx_hash, key), nonce, bounds))
    receipt = await client.wait_for_tx(sent, interval=0.05, timeout=10.0)
    return {"hash": hex(tx_hash), "sent": hex(sent), "nonce": nonce, "receipt": receipt}

async def outcome(coroutine):
    try:
        return {"ok": await coroutine}
    except FocError as error:
        return {"error": type(error).__name__, "code": error.code, "message": str(error),
                "rpc_code": getattr(error, "rpc_code", None)}

async def call_chain_id(url, timeout=10.0):
    return await RpcClient(url, timeout=timeout).chain_id()
"""


@pytest.fixture(scope="module")
def pyodide(selenium_module_scope):
    return booted(selenium_module_scope, LOAD_FOC_WEB, python=PROBE)


@pytest.fixture
def node():
    node = rpcnode.RpcNode().start()
    node.register_account(ADDRESS, private_to_stark_key(KEY))
    yield node
    node.stop()
    assert node.violations == []


def run(pyodide, expression):
    return json.loads(pyodide.run_async(f"json.dumps({expression})"))


def test_invoke_path_is_accepted_by_starknet_py(pyodide, node):
    node.hidden_polls, node.pre_confirmed_polls = 1, 1
    out = run(pyodide, f"await outcome(invoke({node.url!r}, {KEY}, {ADDRESS}))")["ok"]
    assert out["sent"] == out["hash"] and out["nonce"] == 0
    assert [hex(h) for h in node.transactions] == [out["hash"]]  # hash and signature checked there
    assert out["receipt"]["finality_status"] == "ACCEPTED_ON_L2"
    assert out["receipt"]["execution_status"] == "SUCCEEDED"
    assert node.nonces[ADDRESS] == 1
    methods = [r["method"] for r in node.requests]
    assert methods[:4] == ["starknet_getNonce", "starknet_estimateFee", "starknet_chainId",
                           "starknet_addInvokeTransaction"]
    assert methods[4:] == ["starknet_getTransactionReceipt"] * 3


def test_wrong_key_is_rejected_by_the_node(pyodide, node):
    out = run(pyodide, f"await outcome(invoke({node.url!r}, {KEY + 1}, {ADDRESS}))")
    assert (out["error"], out["rpc_code"]) == ("RpcError", 55)
    assert "Account validation failed" in out["message"] and "invalid signature" in out["message"]
    assert node.transactions == {}


def test_revert_is_reported_with_its_reason(pyodide, node):
    node.revert_next("u256_sub Overflow")
    out = run(pyodide, f"await outcome(invoke({node.url!r}, {KEY}, {ADDRESS}))")
    assert out["error"] == "TransactionRevertedError" and "u256_sub Overflow" in out["message"]


def test_node_faults_are_typed_errors(pyodide, node):
    url = node.url
    node.fail_next("starknet_chainId", {"code": 63, "message": "An unexpected error occurred", "data": "db"})
    node.delay_next("starknet_chainId", 1.5)
    node.malform_next("starknet_chainId", b"<html>Bad gateway</html>")
    node.malform_next("starknet_chainId", b'{"jsonrpc": "2.0", "id": 7, "result": "0x1"}')
    node.malform_next("starknet_chainId", b'{"jsonrpc": "2.0", "id": 1, "result": "SN_SEPOLIA"}')
    node.malform_next("starknet_chainId", b'{"detail": "overloaded"}', status=500)
    out = run(pyodide, "[" + ", ".join([
        f"await outcome(call_chain_id({url!r}))",
        f"await outcome(call_chain_id({url!r}, 0.3))",
        f"await outcome(call_chain_id({url!r}))",
        f"await outcome(call_chain_id({url!r}))",
        f"await outcome(call_chain_id({url!r}))",
        f"await outcome(call_chain_id({url!r}))",
        f"await outcome(call_chain_id({url!r}))",
    ]) + "]")
    node_error, timeout, not_json, wrong_id, not_hex, http_500, fine = out
    assert (node_error["error"], node_error["rpc_code"]) == ("RpcError", 63)
    assert "An unexpected error occurred (db)" in node_error["message"]
    assert timeout["error"] == "TransportError" and "timed out" in timeout["message"]
    assert not_json["error"] == "TransportError" and "not JSON" in not_json["message"]
    assert wrong_id["error"] == "RpcResponseError" and "id does not match" in wrong_id["message"]
    assert not_hex["error"] == "RpcResponseError" and "not a 0x" in not_hex["message"]
    assert http_500["error"] == "TransportError" and "HTTP 500" in http_500["message"]
    assert fine == {"ok": rpcnode.SN_SEPOLIA}
