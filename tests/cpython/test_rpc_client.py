"""foc_web.rpc against the local test node (tests/rpcnode.py), which checks every request and
answer against the Starknet JSON-RPC spec v0.10.3 and every transaction with starknet-py."""

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starknet_py.net.client_models import EstimatedFee, PriceUnit
from starknet_py.hash.utils import private_to_stark_key
from starknet_py.net.client_utils import _create_broadcasted_txn
from starknet_py.net.models.transaction import InvokeV3
from starknet_py.net import client_models as sp

from foc_web.errors import (
    ChainIdMismatchError,
    InvalidInputError,
    RpcError,
    RpcResponseError,
    TransactionRevertedError,
    TransactionTimeoutError,
    TransportError,
)
from foc_web.rpc import ERROR_NAMES, QUERY_VERSION, RpcClient, invoke_v3_request, resource_bounds_from_estimate
from foc_web.stark.ecdsa import sign
from foc_web.stark.transaction import (
    SN_MAIN,
    SN_SEPOLIA,
    Call,
    ResourceBounds,
    ResourceBoundsMapping,
    calculate_invoke_v3_hash,
    execute_calldata,
)
from tests import rpcnode
from tests.rpcspec import Spec

KEY = 0x3C1E9550E66958296D11B60F8E8E7A7AD990D07FA65D5F7652C4A6C87D4E3CC
ADDRESS = 0x5E2B1D3F4A6C7B8E9F0A1B2C3D4E5F60718293A4B5C6D7E8F9012345678ABC
STRK = 0x04718F5A0FC34CC1AF16A1CDEE98FFB20C31F5CD61D6AB07201858F4287C938D
TRANSFER = 0x83AFD3F4CAEDC6EEBF44246FE54E38C95E3179A5EC9EA81740ECA5B482D12E
CALLDATA = execute_calldata([Call(STRK, TRANSFER, [0x1234, 10**18, 0])])
felts = st.integers(0, 2**251)
SPEC = Spec()


@pytest.fixture
def node():
    node = rpcnode.RpcNode().start()
    node.register_account(ADDRESS, private_to_stark_key(KEY))
    yield node
    node.stop()
    assert node.violations == []


@pytest.fixture
def client(node):
    return RpcClient(node.url, timeout=5.0)


async def send_transfer(client, key=KEY, nonce=None):
    """The invoke path as a wallet does it: nonce, estimate, bounds, hash, sign, send."""
    nonce = await client.get_nonce(ADDRESS) if nonce is None else nonce
    estimate = await client.estimate_fee(
        invoke_v3_request(ADDRESS, CALLDATA, [], nonce, ResourceBoundsMapping(), query=True))
    bounds = resource_bounds_from_estimate(estimate)
    tx_hash = calculate_invoke_v3_hash(ADDRESS, CALLDATA, await client.chain_id(), nonce, bounds)
    signature = sign(tx_hash, key)
    sent = await client.add_invoke_transaction(invoke_v3_request(ADDRESS, CALLDATA, signature, nonce, bounds))
    return tx_hash, sent


def test_error_names_are_the_spec_codes():
    assert {code: name for code, name in ERROR_NAMES.items() if code > 0} == SPEC.error_codes


async def test_full_invoke_is_accepted_by_the_starknet_py_check(node, client):
    node.hidden_polls, node.pre_confirmed_polls = 2, 1
    tx_hash, sent = await send_transfer(client)
    assert sent == tx_hash and list(node.transactions) == [tx_hash]
    receipt = await client.wait_for_tx(tx_hash, interval=0.01)
    assert receipt["finality_status"] == "ACCEPTED_ON_L2" and receipt["execution_status"] == "SUCCEEDED"
    assert receipt["transaction_hash"] == hex(tx_hash)
    polls = [r for r in node.requests if r["method"] == "starknet_getTransactionReceipt"]
    assert len(polls) == 4  # two not found, one pre-confirmed, one accepted
    assert await client.get_nonce(ADDRESS) == 1
    sent_tx = node.transactions[tx_hash]
    assert sent_tx["version"] == "0x3" and sent_tx["calldata"] == [hex(v) for v in CALLDATA]
    estimate_request = next(r for r in node.requests if r["method"] == "starknet_estimateFee")
    assert estimate_request["params"]["request"][0]["version"] == QUERY_VERSION
    assert estimate_request["params"]["simulation_flags"] == ["SKIP_VALIDATE"]
    assert [r["id"] for r in node.requests] == list(range(1, len(node.requests) + 1))


async def test_wrong_signature_is_rejected_with_the_nodes_message(node, client):
    with pytest.raises(RpcError) as caught:
        await send_transfer(client, key=KEY + 1)
    error = caught.value
    assert (error.rpc_code, error.name, error.code) == (55, "VALIDATION_FAILURE", "RPC_ERROR")
    assert error.rpc_message == "Account validation failed" and "invalid signature" in error.data
    assert "Account validation failed" in str(error) and "invalid signature" in str(error)
    assert node.transactions == {} and node.nonces[ADDRESS] == 0


async def test_stale_nonce_and_duplicates_are_rejected(node, client):
    await send_transfer(client)
    with pytest.raises(RpcError) as caught:
        await send_transfer(client, nonce=0)
    # the node refuses the estimate first (execution error with its reason), as a real one does
    assert (caught.value.rpc_code, caught.value.name) == (41, "TRANSACTION_EXECUTION_ERROR")
    assert "invalid nonce" in str(caught.value)
    bounds = resource_bounds_from_estimate(rpcnode.ESTIMATE)
    tx_hash = calculate_invoke_v3_hash(ADDRESS, CALLDATA, SN_SEPOLIA, 0, bounds)
    stale = invoke_v3_request(ADDRESS, CALLDATA, sign(tx_hash, KEY), 0, bounds)
    with pytest.raises(RpcError) as caught:
        await client.add_invoke_transaction(stale)
    assert (caught.value.rpc_code, caught.value.name) == (59, "DUPLICATE_TX")
    with pytest.raises(RpcError) as caught:
        await client.add_invoke_transaction(dict(stale, tip="0x1"))
    assert (caught.value.rpc_code, caught.value.name) == (52, "INVALID_TRANSACTION_NONCE")


async def test_too_low_resource_bounds_are_rejected(client):
    bounds = resource_bounds_from_estimate(rpcnode.ESTIMATE, multiplier=1)
    low = dataclasses.replace(bounds, l2_gas=ResourceBounds(bounds.l2_gas.max_amount - 1,
                                                            bounds.l2_gas.max_price_per_unit))
    tx_hash = calculate_invoke_v3_hash(ADDRESS, CALLDATA, SN_SEPOLIA, 0, low)
    with pytest.raises(RpcError) as caught:
        await client.add_invoke_transaction(invoke_v3_request(ADDRESS, CALLDATA, sign(tx_hash, KEY), 0, low))
    assert caught.value.name == "INSUFFICIENT_RESOURCES_FOR_VALIDATE"


async def test_chain_id(node, client):
    assert await client.chain_id() == SN_SEPOLIA
    await client.require_chain_id(SN_SEPOLIA)
    node.chain_id = SN_MAIN
    with pytest.raises(ChainIdMismatchError) as caught:
        await client.require_chain_id(SN_SEPOLIA)
    assert (caught.value.expected, caught.value.actual) == (SN_SEPOLIA, SN_MAIN)
    assert "0x534e5f4d41494e" in str(caught.value)


async def test_a_transaction_signed_for_another_chain_fails_validation(node, client):
    node.chain_id = SN_MAIN
    bounds = resource_bounds_from_estimate(await client.estimate_fee(
        invoke_v3_request(ADDRESS, CALLDATA, [], 0, ResourceBoundsMapping(), query=True)))
    tx_hash = calculate_invoke_v3_hash(ADDRESS, CALLDATA, SN_SEPOLIA, 0, bounds)
    with pytest.raises(RpcError) as caught:
        await client.add_invoke_transaction(invoke_v3_request(ADDRESS, CALLDATA, sign(tx_hash, KEY), 0, bounds))
    assert caught.value.name == "VALIDATION_FAILURE"


async def test_get_nonce_params_and_errors(node, client):
    node.nonces[ADDRESS] = 7
    assert await client.get_nonce(ADDRESS) == 7
    assert await client.get_nonce(ADDRESS, "latest") == 7
    assert await client.get_nonce(ADDRESS, 12345) == 7
    assert [r["params"] for r in node.requests] == [
        {"block_id": block, "contract_address": hex(ADDRESS)}
        for block in ("pre_confirmed", "latest", {"block_number": 12345})]
    with pytest.raises(RpcError) as caught:
        await client.get_nonce(0x999)
    assert (caught.value.rpc_code, caught.value.name) == (20, "CONTRACT_NOT_FOUND")
    for bad in ("pending", -1, True):  # "pending" is no longer a block tag in spec v0.10
        with pytest.raises(InvalidInputError):
            await client.get_nonce(ADDRESS, bad)
    assert len(node.requests) == 4


async def test_estimate_fee_values_and_validation_flag(node, client):
    tx = invoke_v3_request(ADDRESS, CALLDATA, [], 0, ResourceBoundsMapping(), query=True)
    estimate = await client.estimate_fee(tx)
    overall = sum(rpcnode.ESTIMATE[f"{r}_consumed"] * rpcnode.ESTIMATE[f"{r}_price"]
                  for r in ("l1_gas", "l2_gas", "l1_data_gas"))
    assert estimate == {**rpcnode.ESTIMATE, "overall_fee": overall, "unit": "FRI"}
    with pytest.raises(RpcError) as caught:  # validation on: the empty signature fails
        await client.estimate_fee(tx, skip_validate=False, block_id="latest")
    assert caught.value.rpc_code == 41 and caught.value.data["transaction_index"] == 0
    assert "invalid signature" in str(caught.value)
    assert node.requests[-1]["params"]["simulation_flags"] == []


def test_resource_bounds_scale_amounts_and_prices_exactly():
    estimate = {"l1_gas_consumed": "0x0", "l1_gas_price": "0x3", "l2_gas_consumed": "0x64",
                "l2_gas_price": 2**127, "l1_data_gas_consumed": 2**64 - 1, "l1_data_gas_price": 11}
    bounds = resource_bounds_from_estimate(estimate)
    assert bounds == ResourceBoundsMapping(
        l1_gas=ResourceBounds(0, 4), l2_gas=ResourceBounds(150, 3 * 2**126),
        l1_data_gas=ResourceBounds(2**64 - 1, 16))  # capped at u64 max; 16.5 rounds down
    assert resource_bounds_from_estimate(estimate, 1.1).l2_gas == ResourceBounds(110, 11 * 2**127 // 10)
    for bad in (0.9, float("nan"), float("inf"), True, "1.5"):
        with pytest.raises(InvalidInputError):
            resource_bounds_from_estimate(estimate, bad)
    for bad_value in ("12", -1, 2**64, None):
        with pytest.raises(InvalidInputError):
            resource_bounds_from_estimate({**estimate, "l1_gas_consumed": bad_value})


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 2**51), min_size=6, max_size=6))
def test_resource_bounds_agree_with_starknet_py(values):
    """Where starknet-py's float arithmetic is exact (values up to 2**51), results are equal."""
    names = ["l1_gas_consumed", "l1_gas_price", "l2_gas_consumed", "l2_gas_price",
             "l1_data_gas_consumed", "l1_data_gas_price"]
    fields = dict(zip(names, values))
    reference = EstimatedFee(**fields, overall_fee=0, unit=PriceUnit.FRI).to_resource_bounds()
    ours = resource_bounds_from_estimate(fields)
    for resource in ("l1_gas", "l2_gas", "l1_data_gas"):
        theirs = getattr(reference, resource)
        assert getattr(ours, resource) == ResourceBounds(theirs.max_amount, theirs.max_price_per_unit)


@settings(max_examples=50, deadline=None)
@given(felts, st.lists(felts, max_size=5), st.lists(felts, max_size=3), felts,
       st.lists(st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**128 - 1)), min_size=3, max_size=3),
       st.integers(0, 2**64 - 1), st.booleans())
def test_invoke_request_is_starknet_py_serialization(sender, calldata, signature, nonce, bounds, tip, query):
    names = ("l1_gas", "l2_gas", "l1_data_gas")
    resource_bounds = ResourceBoundsMapping(**{n: ResourceBounds(*b) for n, b in zip(names, bounds)})
    ours = invoke_v3_request(sender, calldata, signature, nonce, resource_bounds, tip, query=query)
    theirs = _create_broadcasted_txn(InvokeV3(
        version=2**128 + 3 if query else 3, signature=signature, nonce=nonce, tip=tip,
        sender_address=sender, calldata=calldata,
        resource_bounds=sp.ResourceBoundsMapping(**{n: sp.ResourceBounds(*b) for n, b in zip(names, bounds)})))
    assert ours == theirs
    assert SPEC.check_params("starknet_addInvokeTransaction", {"invoke_transaction": ours}) == []


def test_invoke_request_other_fields_and_input_checks():
    request = invoke_v3_request(1, [], [], 0, ResourceBoundsMapping(), paymaster_data=[5],
                                account_deployment_data=[6, 7], nonce_da="L2", fee_da=1)
    assert request["paymaster_data"] == ["0x5"] and request["account_deployment_data"] == ["0x6", "0x7"]
    assert (request["nonce_data_availability_mode"], request["fee_data_availability_mode"]) == ("L2", "L2")
    assert SPEC.check_params("starknet_addInvokeTransaction", {"invoke_transaction": request}) == []
    for bad in ({"nonce_da": "L3"}, {"fee_da": True}, {"tip": 2**64}, {"tip": -1}, {"resource_bounds": {}},
                {"calldata": [2**252]}, {"signature": "0x1"}, {"sender_address": None}):
        args = {**dict(sender_address=1, calldata=[], signature=[], nonce=0,
                       resource_bounds=ResourceBoundsMapping()), **bad}
        with pytest.raises(InvalidInputError):
            invoke_v3_request(**args)


async def test_query_version_is_never_sent(node, client):
    tx = invoke_v3_request(ADDRESS, CALLDATA, [1, 2], 0, ResourceBoundsMapping(), query=True)
    with pytest.raises(InvalidInputError):
        await client.add_invoke_transaction(tx)
    assert node.requests == []


async def test_wait_for_tx_raises_on_revert_with_the_reason(node, client):
    node.revert_next("u256_sub Overflow")
    tx_hash, _ = await send_transfer(client)
    with pytest.raises(TransactionRevertedError) as caught:
        await client.wait_for_tx(tx_hash, interval=0.01)
    assert caught.value.revert_reason == "u256_sub Overflow" and caught.value.tx_hash == tx_hash
    assert caught.value.receipt["execution_status"] == "REVERTED"


async def test_wait_for_tx_times_out_and_passes_other_errors(node, client):
    with pytest.raises(TransactionTimeoutError) as caught:
        await client.wait_for_tx(0x1234, interval=0.05, timeout=0.2)
    assert caught.value.tx_hash == 0x1234 and caught.value.code == "TX_TIMEOUT"
    node.fail_next("starknet_getTransactionReceipt", {"code": 63, "message": "An unexpected error occurred"})
    with pytest.raises(RpcError) as caught:
        await client.wait_for_tx(0x1234, interval=0.01)
    assert caught.value.name == "UNEXPECTED_ERROR"


async def test_injected_node_error_is_typed(node, client):
    node.fail_next("starknet_chainId", {"code": -32603, "message": "database locked", "data": "retry later"})
    with pytest.raises(RpcError) as caught:
        await client.chain_id()
    error = caught.value
    assert (error.method, error.rpc_code, error.name) == ("starknet_chainId", -32603, "INTERNAL_ERROR")
    assert (error.rpc_message, error.data) == ("database locked", "retry later")
    assert "database locked" in str(error) and "retry later" in str(error)
    node.fail_next("starknet_chainId", {"code": 12345, "message": "custom"})
    with pytest.raises(RpcError) as caught:
        await client.chain_id()
    assert caught.value.name is None and caught.value.rpc_code == 12345


async def test_timeout_is_a_transport_error_and_retries_recover(node):
    node.delay_next("starknet_chainId", 1.5)
    with pytest.raises(TransportError) as caught:
        await RpcClient(node.url, timeout=0.3).chain_id()
    assert "timed out" in str(caught.value)
    node.delay_next("starknet_chainId", 1.5)
    retrying = RpcClient(node.url, timeout=0.3, retries=1)
    assert await retrying.chain_id() == SN_SEPOLIA
    assert len([r for r in node.requests if r["method"] == "starknet_chainId"]) == 3
    node.delay_next("starknet_addInvokeTransaction", 1.5)
    with pytest.raises(TransportError):
        await send_transfer(RpcClient(node.url, timeout=0.3, retries=2))
    assert len([r for r in node.requests if r["method"] == "starknet_addInvokeTransaction"]) == 1


async def test_connection_refused_is_a_transport_error():
    with pytest.raises(TransportError) as caught:
        await RpcClient("http://127.0.0.1:9/rpc", timeout=5.0).chain_id()
    assert type(caught.value) is TransportError


MALFORMED = [
    ("starknet_chainId", b"<html>Bad gateway</html>", TransportError, "not JSON"),
    ("starknet_chainId", b"[1, 2]", RpcResponseError, "not a JSON-RPC 2.0 response"),
    ("starknet_chainId", b'{"jsonrpc": "1.0", "id": 1, "result": "0x1"}', RpcResponseError, "JSON-RPC 2.0"),
    ("starknet_chainId", b'{"jsonrpc": "2.0", "id": 99, "result": "0x1"}', RpcResponseError, "id does not match"),
    ("starknet_chainId", b'{"jsonrpc": "2.0", "id": true, "result": "0x1"}', RpcResponseError, "id does not match"),
    ("starknet_chainId", b'{"jsonrpc": "2.0", "id": 1}', RpcResponseError, "exactly one of"),
    ("starknet_chainId", b'{"jsonrpc": "2.0", "id": 1, "result": "0x1", "error": {"code": 1, "message": "x"}}',
     RpcResponseError, "exactly one of"),
    ("starknet_chainId", b'{"jsonrpc": "2.0", "id": 1, "error": {"code": "20", "message": "x"}}',
     RpcResponseError, "malformed error object"),
    ("starknet_chainId", b'{"jsonrpc": "2.0", "id": 1, "result": "SN_SEPOLIA"}', RpcResponseError, "not a 0x"),
    ("starknet_getNonce", b'{"jsonrpc": "2.0", "id": 1, "result": 5}', RpcResponseError, "not a 0x"),
    ("starknet_getNonce", b'{"jsonrpc": "2.0", "id": 1, "result": "0x' + b"f" * 64 + b'"}',
     RpcResponseError, "out of range"),
    ("starknet_getTransactionReceipt", b'{"jsonrpc": "2.0", "id": 1, "result": {"status": "ok"}}',
     RpcResponseError, "not a receipt"),
    ("starknet_addInvokeTransaction", b'{"jsonrpc": "2.0", "id": 1, "result": "0x1"}',
     RpcResponseError, "not an object"),
    ("starknet_estimateFee", b'{"jsonrpc": "2.0", "id": 1, "result": []}', RpcResponseError, "list of one"),
]


async def call_method(client, method):
    bounds = resource_bounds_from_estimate(rpcnode.ESTIMATE)
    if method == "starknet_chainId":
        return await client.chain_id()
    if method == "starknet_getNonce":
        return await client.get_nonce(ADDRESS)
    if method == "starknet_getTransactionReceipt":
        return await client.get_transaction_receipt(1)
    if method == "starknet_estimateFee":
        return await client.estimate_fee(invoke_v3_request(ADDRESS, [], [], 0, bounds, query=True))
    return await client.add_invoke_transaction(invoke_v3_request(ADDRESS, [], [1, 2], 0, bounds))


@pytest.mark.parametrize("method, body, error_type, words", MALFORMED)
async def test_malformed_answers_are_typed_errors(node, client, method, body, error_type, words):
    node.malform_next(method, body)
    with pytest.raises(error_type) as caught:
        await call_method(client, method)
    assert words in str(caught.value)
    if error_type is RpcResponseError:
        assert method in str(caught.value)


async def test_wrong_fee_unit_is_refused(node, client):
    estimate = {**{k: hex(v) for k, v in rpcnode.ESTIMATE.items()}, "overall_fee": "0x1", "unit": "WEI"}
    answer = {"jsonrpc": "2.0", "id": 1, "result": [estimate]}
    node.malform_next("starknet_estimateFee", json.dumps(answer).encode())
    with pytest.raises(RpcResponseError, match="FRI"):
        await call_method(client, "starknet_estimateFee")


async def test_http_errors(node, client):
    node.malform_next("starknet_chainId", b'{"detail": "overloaded"}', status=500)
    with pytest.raises(TransportError) as caught:
        await client.chain_id()
    assert type(caught.value) is TransportError and "HTTP 500" in str(caught.value)
    node.malform_next("starknet_chainId", b'{"jsonrpc": "2.0", "id": 2, "error": {"code": 63, "message": "down"}}',
                      status=503)
    with pytest.raises(RpcError, match="down"):  # a JSON-RPC error is reported even with HTTP 503
        await client.chain_id()


async def test_the_node_catches_spec_violations(node, client):
    """The checks are not vacuous: invalid requests are refused and recorded."""
    with pytest.raises(RpcError) as caught:
        await client.call("starknet_getNonce", {"block_id": "pending", "contract_address": hex(ADDRESS)})
    assert caught.value.name == "INVALID_PARAMS" and "pending" in str(caught.value)
    bad = invoke_v3_request(ADDRESS, [], [], 0, ResourceBoundsMapping())
    for change in ({"nonce": "0x01"}, {"version": "0x1"}, {"tip": hex(2**64)}, {"type": "DECLARE"}):
        with pytest.raises(RpcError, match="Invalid params"):
            await client.call("starknet_addInvokeTransaction", {"invoke_transaction": {**bad, **change}})
    with pytest.raises(RpcError, match="Method not found"):
        await client.call("starknet_sendMoney", {})
    assert len(node.violations) == 6
    node.violations.clear()
