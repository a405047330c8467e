"""A Starknet JSON-RPC client (spec v0.10) over ``platform.http_post_json``: one code path for
Pyodide (fetch) and CPython (urllib).

It only moves public data: transactions arrive here already signed, and no key ever does.
Requests are JSON-RPC 2.0 with parameters by name, as the spec
(starkware-libs/starknet-specs v0.10.3, api/starknet_api_openrpc.json and
api/starknet_write_api.json) defines them; every answer is checked (envelope, id, result shape)
before it is used.
"""

import asyncio
import re

from .. import platform
from ..errors import (
    ChainIdMismatchError,
    InvalidInputError,
    RpcError,
    RpcResponseError,
    TransactionRevertedError,
    TransactionTimeoutError,
    TransportError,
)
from ..stark.felt import FIELD_PRIME, to_felt, to_felts
from ..stark.keccak import get_selector_from_name
from ..stark.transaction import ResourceBounds, ResourceBoundsMapping

__all__ = [
    "RpcClient",
    "invoke_v3_request",
    "resource_bounds_from_estimate",
    "ERROR_NAMES",
    "QUERY_VERSION",
]

# components/errors of starknet-specs v0.10.3 (api/starknet_api_openrpc.json: 1-42,
# api/starknet_write_api.json: 51-69), and the JSON-RPC 2.0 reserved codes.
# tests/cpython/test_rpc_client.py checks this table against the spec files.
ERROR_NAMES = {
    1: "FAILED_TO_RECEIVE_TXN", 20: "CONTRACT_NOT_FOUND", 21: "ENTRYPOINT_NOT_FOUND",
    24: "BLOCK_NOT_FOUND", 27: "INVALID_TXN_INDEX", 28: "CLASS_HASH_NOT_FOUND",
    29: "TXN_HASH_NOT_FOUND", 31: "PAGE_SIZE_TOO_BIG", 32: "NO_BLOCKS",
    33: "INVALID_CONTINUATION_TOKEN", 34: "TOO_MANY_KEYS_IN_FILTER", 40: "CONTRACT_ERROR",
    41: "TRANSACTION_EXECUTION_ERROR", 42: "STORAGE_PROOF_NOT_SUPPORTED",
    51: "CLASS_ALREADY_DECLARED", 52: "INVALID_TRANSACTION_NONCE",
    53: "INSUFFICIENT_RESOURCES_FOR_VALIDATE", 54: "INSUFFICIENT_ACCOUNT_BALANCE",
    55: "VALIDATION_FAILURE", 56: "COMPILATION_FAILED", 57: "CONTRACT_CLASS_SIZE_IS_TOO_LARGE",
    58: "NON_ACCOUNT", 59: "DUPLICATE_TX", 60: "COMPILED_CLASS_HASH_MISMATCH",
    61: "UNSUPPORTED_TX_VERSION", 62: "UNSUPPORTED_CONTRACT_CLASS_VERSION",
    63: "UNEXPECTED_ERROR", 64: "REPLACEMENT_TRANSACTION_UNDERPRICED", 65: "FEE_BELOW_MINIMUM",
    69: "INVALID_PROOF",
    -32700: "PARSE_ERROR", -32600: "INVALID_REQUEST", -32601: "METHOD_NOT_FOUND",
    -32602: "INVALID_PARAMS", -32603: "INTERNAL_ERROR",
}
TXN_HASH_NOT_FOUND = 29

# INVOKE_TXN_V3 "version" enum of the spec: 0x3, or 2**128 + 3 for transactions that are only
# estimated or simulated (their signatures can never be replayed as real transactions).
VERSION = "0x3"
QUERY_VERSION = hex(2**128 + 3)

_BLOCK_TAGS = ("latest", "pre_confirmed", "l1_accepted")  # BLOCK_TAG of spec v0.10
_DA_MODES = {"L1": "L1", "L2": "L2", 0: "L1", 1: "L2"}  # DA_MODE; 0/1 as in stark.transaction
_FINALITY = ("PRE_CONFIRMED", "ACCEPTED_ON_L2", "ACCEPTED_ON_L1")  # TXN_FINALITY_STATUS
_ACCEPTED = ("ACCEPTED_ON_L2", "ACCEPTED_ON_L1")
_EXECUTION = ("SUCCEEDED", "REVERTED")  # TXN_EXECUTION_STATUS
_HEX = re.compile(r"0x[0-9a-fA-F]{1,64}\Z")  # NUM_AS_HEX / FELT / u64 / u128, leading zeros tolerated
_FEE_FIELDS = {  # FEE_ESTIMATE_COMMON: field -> bits (u64 amounts, u128 prices and fee)
    "l1_gas_consumed": 64, "l1_gas_price": 128, "l2_gas_consumed": 64, "l2_gas_price": 128,
    "l1_data_gas_consumed": 64, "l1_data_gas_price": 128, "overall_fee": 128,
}
_RETRY_DELAY = 0.5  # seconds before retry n is n * _RETRY_DELAY
_DETAIL_CHARS = 500


def _hex_int(value, what, bits=None):
    """A hex string of a node's answer as an int (felt-bounded, or below 2**bits)."""
    if not isinstance(value, str) or not _HEX.match(value):
        raise RpcResponseError(f"{what} is not a 0x-prefixed hex string")
    number = int(value, 16)
    if number >= (1 << bits if bits else FIELD_PRIME):
        raise RpcResponseError(f"{what} is out of range")
    return number


def _block_id(block_id):
    """BLOCK_ID: a tag ("latest", "pre_confirmed", "l1_accepted") or a block number."""
    if block_id in _BLOCK_TAGS:
        return block_id
    if type(block_id) is int and block_id >= 0:
        return {"block_number": block_id}
    raise InvalidInputError(f"block_id must be one of {_BLOCK_TAGS} or a block number")


def _error_detail(data):
    """A short readable text out of an error's ``data`` (a string, or an execution error's)."""
    if isinstance(data, dict):
        data = data.get("execution_error", data.get("revert_error"))
    return data[:_DETAIL_CHARS] if isinstance(data, str) else None


class RpcClient:
    """Talks to one Starknet node. ``retries``: extra attempts after a transport failure (never
    for ``starknet_addInvokeTransaction``, whose first attempt may have reached the node)."""

    def __init__(self, url: str, *, timeout: float = 30.0, retries: int = 0):
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise InvalidInputError("the node URL must start with http:// or https://")
        if type(retries) is not int or retries < 0:
            raise InvalidInputError("retries must be a non-negative int")
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self._next_id = 0

    async def call(self, method: str, params, *, retry: bool = True):
        """One JSON-RPC 2.0 call; returns its ``result`` or raises RpcError (the node's error),
        RpcResponseError (a malformed answer) or TransportError (no usable answer)."""
        self._next_id += 1
        request_id = self._next_id
        payload = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            try:
                status, body = await platform.http_post_json(self.url, payload, self.timeout)
                break
            except TransportError:
                if attempt + 1 == attempts:
                    raise
                await asyncio.sleep(_RETRY_DELAY * (attempt + 1))
        return self._unwrap(method, request_id, status, body)

    def _unwrap(self, method, request_id, status, body):
        is_rpc = isinstance(body, dict) and body.get("jsonrpc") == "2.0"
        if status != 200 and not (is_rpc and "error" in body):
            raise TransportError(f"{method}: {self.url} answered HTTP {status}")
        if not is_rpc:
            raise RpcResponseError(f"{method}: the answer is not a JSON-RPC 2.0 response")
        if ("result" in body) == ("error" in body):
            raise RpcResponseError(f"{method}: the answer must hold exactly one of result and error")
        answer_id = body.get("id")
        if not (type(answer_id) is int and answer_id == request_id
                or "error" in body and answer_id is None):
            raise RpcResponseError(f"{method}: the answer's id does not match the request's")
        if "result" in body:
            return body["result"]
        error = body["error"]
        if not isinstance(error, dict) or type(error.get("code")) is not int \
                or not isinstance(error.get("message"), str):
            raise RpcResponseError(f"{method}: malformed error object in the answer")
        code, data = error["code"], error.get("data")
        raise RpcError(method, code, error["message"], data, ERROR_NAMES.get(code),
                       _error_detail(data))

    async def chain_id(self) -> int:
        """starknet_chainId, as an int (e.g. SN_SEPOLIA = 0x534e5f5345504f4c4941)."""
        return _hex_int(await self.call("starknet_chainId", {}), "starknet_chainId result")

    async def require_chain_id(self, expected: int) -> None:
        """Raise ChainIdMismatchError unless the node serves chain ``expected``."""
        actual = await self.chain_id()
        if actual != expected:
            raise ChainIdMismatchError(expected, actual)

    async def get_nonce(self, address: int, block_id="pre_confirmed") -> int:
        """starknet_getNonce. "pre_confirmed" (the default, as starknet-py's) counts the
        transactions of the block being built, so it is the nonce the next transaction needs."""
        params = {"block_id": _block_id(block_id), "contract_address": hex(to_felt(address, "address"))}
        return _hex_int(await self.call("starknet_getNonce", params), "starknet_getNonce result")

    async def call_contract(self, contract_address: int, entrypoint: str, calldata=(), block_id="pre_confirmed") -> list:
        """starknet_call: a view function's result felts."""
        request = {"contract_address": hex(to_felt(contract_address, "contract_address")),
                   "entry_point_selector": hex(get_selector_from_name(entrypoint)),
                   "calldata": [hex(v) for v in to_felts(calldata, "calldata")]}
        result = await self.call("starknet_call", {"request": request, "block_id": _block_id(block_id)})
        if not isinstance(result, list):
            raise RpcResponseError("starknet_call result is not a list of felts")
        return [_hex_int(v, "starknet_call result") for v in result]

    async def contract_exists(self, address: int) -> bool:
        """True when a contract is deployed at ``address``: the node knows its nonce (error 20 means none)."""
        try:
            await self.get_nonce(address)
        except RpcError as error:
            if error.rpc_code == 20:
                return False
            raise
        return True

    async def estimate_fee(self, invoke_tx: dict, *, skip_validate=True, block_id="pre_confirmed") -> dict:
        """starknet_estimateFee for one transaction: the FEE_ESTIMATE with int values.

        With ``skip_validate`` the account's ``__validate__`` is not run, so the transaction may
        carry an empty signature (and should use the query version, see ``invoke_v3_request``).
        """
        params = {
            "request": [invoke_tx],
            "simulation_flags": ["SKIP_VALIDATE"] if skip_validate else [],
            "block_id": _block_id(block_id),
        }
        result = await self.call("starknet_estimateFee", params)
        if not isinstance(result, list) or len(result) != 1 or not isinstance(result[0], dict):
            raise RpcResponseError("starknet_estimateFee: expected a list of one fee estimate")
        estimate = {name: _hex_int(result[0].get(name), f"starknet_estimateFee {name}", bits)
                    for name, bits in _FEE_FIELDS.items()}
        if result[0].get("unit") != "FRI":
            raise RpcResponseError("starknet_estimateFee: the fee unit of a v3 transaction must be FRI")
        estimate["unit"] = "FRI"
        return estimate

    async def add_invoke_transaction(self, invoke_tx: dict) -> int:
        """starknet_addInvokeTransaction; returns the transaction hash the node computed."""
        if not isinstance(invoke_tx, dict) or invoke_tx.get("version") != VERSION:
            raise InvalidInputError("only a version 0x3 invoke (not a query version) can be sent")
        result = await self.call("starknet_addInvokeTransaction",
                                 {"invoke_transaction": invoke_tx}, retry=False)
        if not isinstance(result, dict):
            raise RpcResponseError("starknet_addInvokeTransaction: the result is not an object")
        return _hex_int(result.get("transaction_hash"), "starknet_addInvokeTransaction transaction_hash")

    async def get_transaction_receipt(self, tx_hash: int) -> dict:
        """starknet_getTransactionReceipt: the receipt as the node sent it, after a shape check."""
        receipt = await self.call("starknet_getTransactionReceipt",
                                  {"transaction_hash": hex(to_felt(tx_hash, "tx_hash"))})
        if not isinstance(receipt, dict) or receipt.get("execution_status") not in _EXECUTION \
                or receipt.get("finality_status") not in _FINALITY:
            raise RpcResponseError("starknet_getTransactionReceipt: the result is not a receipt")
        return receipt

    async def wait_for_tx(self, tx_hash: int, *, interval=2.0, timeout=300.0) -> dict:
        """Poll the receipt until the transaction is ACCEPTED_ON_L2 or ACCEPTED_ON_L1.

        TXN_HASH_NOT_FOUND (not yet seen by this node) and PRE_CONFIRMED are waited out; a
        REVERTED execution raises TransactionRevertedError at once, with the revert reason;
        TransactionTimeoutError after ``timeout`` seconds.
        """
        deadline = platform.now() + timeout
        while True:
            try:
                receipt = await self.get_transaction_receipt(tx_hash)
            except RpcError as error:
                if error.rpc_code != TXN_HASH_NOT_FOUND:
                    raise
            else:
                if receipt["execution_status"] == "REVERTED":
                    reason = receipt.get("revert_reason")
                    raise TransactionRevertedError(tx_hash, reason if isinstance(reason, str) else "",
                                                   receipt)
                if receipt["finality_status"] in _ACCEPTED:
                    return receipt
            if platform.now() + interval > deadline:
                raise TransactionTimeoutError(tx_hash, timeout)
            await asyncio.sleep(interval)


def _bounds_json(bounds):
    return {"max_amount": hex(bounds.max_amount), "max_price_per_unit": hex(bounds.max_price_per_unit)}


def _da_mode(value, name):
    if isinstance(value, bool) or value not in _DA_MODES:
        raise InvalidInputError(f"{name} must be \"L1\" or \"L2\"")
    return _DA_MODES[value]


def invoke_v3_request(sender_address, calldata, signature, nonce, resource_bounds, tip=0,
                      paymaster_data=(), account_deployment_data=(), nonce_da="L1", fee_da="L1",
                      query=False) -> dict:
    """The BROADCASTED_INVOKE_TXN (v3) JSON object of the spec, every number a hex string.

    ``query=True`` sets the query version 0x100000000000000000000000000000003, for
    starknet_estimateFee only. ``resource_bounds`` is a stark.transaction.ResourceBoundsMapping.
    """
    if not isinstance(resource_bounds, ResourceBoundsMapping):
        raise InvalidInputError("resource_bounds must be a ResourceBoundsMapping")
    if isinstance(tip, bool) or not isinstance(tip, int) or not 0 <= tip < 1 << 64:
        raise InvalidInputError("tip must be an int in [0, 2**64)")
    return {
        "type": "INVOKE",
        "sender_address": hex(to_felt(sender_address, "sender_address")),
        "calldata": [hex(v) for v in to_felts(calldata, "calldata")],
        "version": QUERY_VERSION if query else VERSION,
        "signature": [hex(v) for v in to_felts(signature, "signature")],
        "nonce": hex(to_felt(nonce, "nonce")),
        "resource_bounds": {
            "l1_gas": _bounds_json(resource_bounds.l1_gas),
            "l1_data_gas": _bounds_json(resource_bounds.l1_data_gas),
            "l2_gas": _bounds_json(resource_bounds.l2_gas),
        },
        "tip": hex(tip),
        "paymaster_data": [hex(v) for v in to_felts(paymaster_data, "paymaster_data")],
        "account_deployment_data": [hex(v) for v in
                                    to_felts(account_deployment_data, "account_deployment_data")],
        "nonce_data_availability_mode": _da_mode(nonce_da, "nonce_da"),
        "fee_data_availability_mode": _da_mode(fee_da, "fee_da"),
    }


def _estimate_uint(estimate, name, bits):
    value = estimate.get(name)
    if isinstance(value, str):
        value = to_felt(value, name) if value.startswith("0x") else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << bits:
        raise InvalidInputError(f"fee estimate {name} must be an int or hex string below 2**{bits}")
    return value


def resource_bounds_from_estimate(estimate: dict, multiplier: float = 1.5) -> ResourceBoundsMapping:
    """Resource bounds with headroom over a FEE_ESTIMATE (ints or the spec's hex strings).

    Every consumed amount and every price is multiplied by ``multiplier``, 1.5 by default as in
    starknet-py (``EstimatedFee.to_resource_bounds``) and starknet.js (50% overhead on amount
    and price). The arithmetic is exact, where starknet-py uses floats: the multiplier becomes a
    fraction (a float by its decimal text, 1.1 = 11/10), products are rounded down and capped at
    the u64 (amounts) and u128 (prices) maximum.
    """
    if not isinstance(estimate, dict):
        raise InvalidInputError("the fee estimate must be a dict")
    from fractions import Fraction  # ~50 ms to import in the browser: only when fees are computed

    if isinstance(multiplier, bool) or not isinstance(multiplier, (int, float, Fraction)):
        raise InvalidInputError("multiplier must be a number")
    try:
        factor = Fraction(str(multiplier)) if isinstance(multiplier, float) else Fraction(multiplier)
    except ValueError:
        raise InvalidInputError("multiplier must be a finite number") from None
    if factor < 1:
        raise InvalidInputError("multiplier must be at least 1")

    def scaled(name, bits):
        value = _estimate_uint(estimate, name, bits) * factor.numerator // factor.denominator
        return min(value, (1 << bits) - 1)

    def bounds(resource):
        return ResourceBounds(scaled(f"{resource}_consumed", 64), scaled(f"{resource}_price", 128))

    return ResourceBoundsMapping(l1_gas=bounds("l1_gas"), l2_gas=bounds("l2_gas"),
                                 l1_data_gas=bounds("l1_data_gas"))
