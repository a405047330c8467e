"""A small local Starknet JSON-RPC node for tests: a TEST DOUBLE, not a Starknet node.

It runs on 127.0.0.1 (a free port, a daemon thread, open CORS so pages on other ports can call
it) and knows six methods of spec v0.10: starknet_chainId, starknet_getNonce,
starknet_estimateFee (a fixed estimate), starknet_addInvokeTransaction,
starknet_getTransactionReceipt, and starknet_call (only an account's owner view: get_public_key, or
get_owner for Argent). Nothing is executed except an account's owner-key change on itself (key
rotation: OpenZeppelin set_public_key, Argent 0.4.0 change_owner, Argent 0.5.0 change_owners), whose
new-owner signature is checked as the contract checks it, with starknet-py. An invoke is accepted when starknet-py
(code independent of foc_web) parses it, recomputes its V3 hash, and verifies its signature
against the public key a test registered for the sender, and when its nonce and resource
bounds fit.

Every request is checked against the spec files (tests/rpcspec.py): an invalid one gets
-32602 INVALID_PARAMS. Every answer is checked too (result schema, error code listed for the
method). Both kinds of failure land in ``violations``, which tests assert stays empty.

Faults are set from tests: ``fail_next``, ``delay_next``, ``malform_next``, ``revert_next``,
``hidden_polls``/``pre_confirmed_polls`` (receipt not found / not final for that many polls)
and ``chain_id``.
"""

import http.server
import json
import threading
import time

import marshmallow
from starknet_py.hash.transaction import (
    CommonTransactionV3Fields,
    TransactionHashPrefix,
    compute_invoke_v3_transaction_hash,
)
from poseidon_py.poseidon_hash import poseidon_hash_many
from starknet_py.hash.selector import get_selector_from_name
from starknet_py.hash.utils import compute_hash_on_elements, verify_message_signature
from starknet_py.net.models.typed_data import TypedDataDict
from starknet_py.utils.typed_data import TypedData
from starknet_py.net.schemas.rpc.transactions import BroadcastedInvokeTransactionV3Schema

from tests.rpcspec import Spec

SN_SEPOLIA = int.from_bytes(b"SN_SEPOLIA", "big")
# A plausible Sepolia estimate of a small invoke (prices in fri), as a FEE_ESTIMATE of the spec.
ESTIMATE = {"l1_gas_consumed": 0, "l1_gas_price": 0x3A3F0B9C5A40, "l2_gas_consumed": 0xDBBA0,
            "l2_gas_price": 0xB2D05E00, "l1_data_gas_consumed": 0x80, "l1_data_gas_price": 0x2B0E}
_RESOURCES = ("l1_gas", "l2_gas", "l1_data_gas")
_OWNER_VIEWS = {"openzeppelin": get_selector_from_name("get_public_key"), "argent": get_selector_from_name("get_owner")}
_OWNER_CHANGES = {"openzeppelin": get_selector_from_name("set_public_key"),
                  "argent_0.4.0": get_selector_from_name("change_owner"),
                  "argent_0.5.0": get_selector_from_name("change_owners")}


def _short(text):
    return int.from_bytes(text.encode(), "big")


def _starknet_guid(public_key):
    """An Argent Starknet signer's GUID: Poseidon('Starknet Signer', key) (src/signer/signer_signature.cairo)."""
    return poseidon_hash_many([_short("Starknet Signer"), public_key])
_SPEC = None


class RpcFailure(Exception):
    """A JSON-RPC error answer (the node's own, or one injected by a test)."""

    def __init__(self, code, message, data=None):
        super().__init__(message)
        self.error = {"code": code, "message": message, **({} if data is None else {"data": data})}


def _fee_estimate(estimate):
    overall = sum(estimate[f"{r}_consumed"] * estimate[f"{r}_price"] for r in _RESOURCES)
    return {**{k: hex(v) for k, v in estimate.items()}, "overall_fee": hex(overall), "unit": "FRI"}


class RpcNode:
    def __init__(self, chain_id=SN_SEPOLIA):
        global _SPEC
        _SPEC = _SPEC or Spec()
        self.spec = _SPEC
        self.chain_id = chain_id
        self.estimate = dict(ESTIMATE)  # what starknet_estimateFee answers; tests may change it
        self.public_keys = {}  # account address -> stark public key
        self.account_classes = {}  # account address -> "openzeppelin", "argent_0.4.0" or "argent_0.5.0"
        self.nonces = {}
        self.transactions = {}  # hash -> the accepted BROADCASTED_INVOKE_TXN json
        self.requests = []  # every request envelope, in order
        self.violations = []  # spec violations, by requests or by this node's answers
        self.hidden_polls = 0  # receipt polls answered TXN_HASH_NOT_FOUND for a new transaction
        self.pre_confirmed_polls = 0  # then polls answered with a PRE_CONFIRMED receipt
        self._faults = {}  # method -> pending faults, first in first out
        self._receipts = {}  # hash -> [receipt, hidden polls left, pre-confirmed polls left]
        self._revert_reason = None
        self._block_number = 0
        self._lock = threading.Lock()
        self._server = None
        self.url = None

    # -- set-up and fault injection, from tests --------------------------------------------------

    def start(self):
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def register_account(self, address, public_key, nonce=0, account_class="openzeppelin"):
        self.public_keys[address] = public_key
        self.nonces[address] = nonce
        self.account_classes[address] = account_class.split("_")[0] if account_class.startswith("openzeppelin") \
            else account_class

    def fail_next(self, method, error):
        """The next call of ``method`` answers this JSON-RPC error object."""
        self._faults.setdefault(method, []).append(("fail", error))

    def delay_next(self, method, seconds):
        """The next call of ``method`` is answered (normally) after ``seconds``."""
        self._faults.setdefault(method, []).append(("delay", seconds))

    def malform_next(self, method, body, status=200):
        """The next call of ``method`` answers the raw bytes ``body`` with HTTP ``status``."""
        self._faults.setdefault(method, []).append(("malform", (status, body)))

    def revert_next(self, reason):
        """The next accepted transaction gets a REVERTED receipt with this reason."""
        self._revert_reason = reason

    # -- the JSON-RPC side ----------------------------------------------------------------------

    def handle(self, raw):
        """Answer one HTTP body: returns (HTTP status, body bytes)."""
        try:
            request = json.loads(raw)
        except ValueError:
            return self._violation("request", "body is not JSON", None, -32700, "Parse error")
        if not (isinstance(request, dict) and request.get("jsonrpc") == "2.0"
                and isinstance(request.get("method"), str) and "id" in request):
            return self._violation("request", "not a JSON-RPC 2.0 request", None, -32600, "Invalid Request")
        self.requests.append(request)
        method, request_id, params = request["method"], request["id"], request.get("params", [])
        if method not in self.spec.methods:
            return self._violation("request", f"unknown method {method}", request_id, -32601,
                                   "Method not found")
        problems = self.spec.check_params(method, params)
        if problems:
            return self._violation("request", f"{method}: {problems}", request_id, -32602,
                                   "Invalid params", "; ".join(problems))
        with self._lock:
            fault = self._faults[method].pop(0) if self._faults.get(method) else (None, None)
        if fault[0] == "delay":
            time.sleep(fault[1])
        if fault[0] == "malform":
            return fault[1]
        if fault[0] == "fail":
            return 200, _envelope(request_id, error=fault[1])
        if isinstance(params, list):
            params = {p["name"]: v for p, v in zip(self.spec.methods[method][2]["params"], params)}
        handler = getattr(self, "_" + method.removeprefix("starknet_"), None)
        if handler is None:
            return 200, _envelope(request_id, error={"code": -32601, "message": f"{method} not implemented"})
        try:
            with self._lock:
                result = handler(**params)
        except RpcFailure as failure:
            if failure.error["code"] not in self.spec.method_error_codes(method):
                self.violations.append(("response", f"{method}: error {failure.error} not in the spec"))
            return 200, _envelope(request_id, error=failure.error)
        except Exception as error:  # a bug of this node: answer, and make the test fail
            return self._violation("node", f"{method}: {error!r}", request_id, -32603, "Internal error")
        problem = self.spec.check_result(method, result)
        if problem:
            self.violations.append(("response", f"{method}: {problem}"))
        return 200, _envelope(request_id, result=result)

    def _violation(self, kind, message, request_id, code, rpc_message, data=None):
        self.violations.append((kind, message))
        error = {"code": code, "message": rpc_message, **({} if data is None else {"data": data})}
        return 200, _envelope(request_id, error=error)

    # -- the methods (called with the lock held, params already spec-valid) ----------------------

    def _chainId(self):
        return hex(self.chain_id)

    def _getNonce(self, block_id, contract_address):
        address = int(contract_address, 16)
        if address not in self.nonces:
            raise RpcFailure(20, "Contract not found")
        return hex(self.nonces[address])

    def _estimateFee(self, request, simulation_flags, block_id):
        for index, tx in enumerate(request):
            error = self._execution_error(tx, check_signature="SKIP_VALIDATE" not in simulation_flags)
            if error:
                raise RpcFailure(41, "Transaction execution error",
                                 {"transaction_index": index, "execution_error": error})
        return [_fee_estimate(self.estimate) for _ in request]

    def _execution_error(self, tx, check_signature):
        """Why ``tx`` fails validation on this node (a string), or None."""
        if tx.get("type") != "INVOKE":
            return "only INVOKE transactions are supported by this test node"
        parsed, tx_hash = self._parse(tx)
        if parsed.sender_address not in self.public_keys:
            return "sender is not a registered account"
        if parsed.nonce != self.nonces[parsed.sender_address]:
            return f"invalid nonce: account nonce {hex(self.nonces[parsed.sender_address])}, got {hex(parsed.nonce)}"
        if check_signature and not self._signature_ok(parsed, tx_hash):
            return "invalid signature"
        return None

    def _parse(self, tx):
        """starknet-py's reading of the transaction, and its hash as starknet-py computes it."""
        parsed = BroadcastedInvokeTransactionV3Schema(unknown=marshmallow.EXCLUDE).load(tx)
        common = CommonTransactionV3Fields(
            tx_prefix=TransactionHashPrefix.INVOKE, version=parsed.version,
            address=parsed.sender_address, tip=parsed.tip, resource_bounds=parsed.resource_bounds,
            paymaster_data=parsed.paymaster_data, chain_id=self.chain_id, nonce=parsed.nonce,
            nonce_data_availability_mode=parsed.nonce_data_availability_mode,
            fee_data_availability_mode=parsed.fee_data_availability_mode)
        tx_hash = compute_invoke_v3_transaction_hash(
            account_deployment_data=parsed.account_deployment_data, calldata=parsed.calldata,
            common_fields=common, proof_facts=parsed.proof_facts)
        return parsed, tx_hash

    def _signature_ok(self, parsed, tx_hash):
        if len(parsed.signature) != 2:
            return False
        try:
            return verify_message_signature(tx_hash, parsed.signature, self.public_keys[parsed.sender_address])
        except Exception:  # crypto-cpp rejects out-of-range r, s instead of answering False
            return False

    def _addInvokeTransaction(self, invoke_transaction):
        tx = invoke_transaction
        if tx["version"] != "0x3":
            raise RpcFailure(61, "the transaction version is not supported", None)
        parsed, tx_hash = self._parse(tx)
        if parsed.sender_address not in self.public_keys:
            raise RpcFailure(58, "Sender address is not an account contract")
        if tx_hash in self.transactions:
            raise RpcFailure(59, "A transaction with the same hash already exists in the mempool")
        expected = self.nonces[parsed.sender_address]
        if parsed.nonce != expected:
            raise RpcFailure(52, "Invalid transaction nonce",
                             f"account nonce {hex(expected)}, transaction nonce {hex(parsed.nonce)}")
        if not self._signature_ok(parsed, tx_hash):
            raise RpcFailure(55, "Account validation failed",
                             f"invalid signature for transaction hash {hex(tx_hash)}")
        for resource in _RESOURCES:
            bounds = getattr(parsed.resource_bounds, resource)
            if bounds.max_amount < self.estimate[f"{resource}_consumed"]:
                raise RpcFailure(53, "The transaction's resources don't cover validation or the "
                                     "minimal transaction fee")
            if bounds.max_price_per_unit < self.estimate[f"{resource}_price"]:
                raise RpcFailure(65, "Transaction fee below minimum")
        self._execute_owner_changes(parsed)
        self.nonces[parsed.sender_address] += 1
        self.transactions[tx_hash] = tx
        self._block_number += 1
        self._receipts[tx_hash] = [self._receipt(tx_hash), self.hidden_polls, self.pre_confirmed_polls]
        return {"transaction_hash": hex(tx_hash)}

    def _execute_owner_changes(self, parsed):
        """The one thing this node executes: the account's owner-key change on itself.

        The new owner's signature is checked as the account contract checks it (the message
        layouts are in each method), with starknet-py's hashes, SNIP-12 and verify; a bad one
        fails the transaction with the contract's error, and nothing changes.
        """
        sender, data = parsed.sender_address, list(parsed.calldata)
        account_class = self.account_classes[sender]
        count, position = data[0], 1
        changes = []
        for _ in range(count):
            to, selector, length = data[position:position + 3]
            args = data[position + 3:position + 3 + length]
            position += 3 + length
            if to != sender or selector != _OWNER_CHANGES.get(account_class):
                continue
            check = {"openzeppelin": self._oz_new_owner, "argent_0.4.0": self._argent_040_new_owner,
                     "argent_0.5.0": self._argent_050_new_owner}[account_class]
            new_key, error = check(sender, self.public_keys[sender], args)
            if error:
                raise RpcFailure(41, "Transaction execution error", {"transaction_index": 0, "execution_error": error})
            changes.append(new_key)
        for new_key in changes:
            self.public_keys[sender] = new_key

    @staticmethod
    def _oz_new_owner(sender, current, args):
        """OZ AccountComponent set_public_key(new_key, signature): the new key signs
        Poseidon('StarkNet Message', 'accept_ownership', account, current key)."""
        new_key, signature = args[0], args[2:2 + args[1]]
        message = poseidon_hash_many([_short("StarkNet Message"), _short("accept_ownership"), sender, current])
        ok = len(signature) == 2 and verify_message_signature(message, signature, new_key)
        return new_key, None if ok else "Account: invalid signature"

    def _argent_040_new_owner(self, sender, current, args):
        """Argent 0.4.0 change_owner(SignerSignature::Starknet((pubkey, (r, s)))): the new key signs
        Pedersen-chain(selector('change_owner'), chain id, account, current owner GUID)."""
        if len(args) != 4 or args[0] != 0:
            return None, "argent/invalid-calldata"
        message = compute_hash_on_elements([get_selector_from_name("change_owner"), self.chain_id, sender,
                                            _starknet_guid(current)])
        return args[1], None if verify_message_signature(message, args[2:], args[1]) else "argent/invalid-owner-sig"

    def _argent_050_new_owner(self, sender, current, args):
        """Argent 0.5.0 change_owners([current GUID], [Signer::Starknet(new)], Some(OwnerAliveSignature)):
        the new owner signs the SNIP-12 rev 1 'Owner Alive' message, which expires within a day
        (argent-contracts-starknet lib/recovery.ts builds the same typed data)."""
        if args[:5] != [1, _starknet_guid(current), 1, 0, args[4]] or len(args) != 11 or args[5:7] != [0, 0] \
                or args[7] != args[4]:
            return None, "argent/missing-owner-alive"
        new_key, (r, s), expiration = args[4], args[8:10], args[10]
        if not 0 <= expiration - time.time() <= 86400:
            return None, "argent/expired-signature"
        alive = TypedData.from_dict(TypedDataDict(
            types={"StarknetDomain": [{"name": "name", "type": "shortstring"},
                                      {"name": "version", "type": "shortstring"},
                                      {"name": "chainId", "type": "shortstring"},
                                      {"name": "revision", "type": "shortstring"}],
                   "Owner Alive": [{"name": "Owner GUID", "type": "felt"},
                                   {"name": "Signature expiration", "type": "timestamp"}]},
            primaryType="Owner Alive",
            domain={"name": "Owner Alive", "version": "1", "chainId": hex(self.chain_id), "revision": "1"},
            message={"Owner GUID": _starknet_guid(new_key), "Signature expiration": expiration}))
        ok = verify_message_signature(alive.message_hash(sender), [r, s], new_key)
        return new_key, None if ok else "argent/invalid-alive-sig"

    def _call(self, request, block_id):
        address = int(request["contract_address"], 16)
        if address not in self.public_keys:
            raise RpcFailure(20, "Contract not found")
        if int(request["entry_point_selector"], 16) != _OWNER_VIEWS[self.account_classes[address].split("_")[0]]:
            raise RpcFailure(40, "Contract error", {"revert_error": "entry point not found in this test double"})
        return [hex(self.public_keys[address])]

    def _receipt(self, tx_hash):
        reason, self._revert_reason = self._revert_reason, None
        fee = sum(self.estimate[f"{r}_consumed"] * self.estimate[f"{r}_price"] for r in _RESOURCES)
        status = {"execution_status": "SUCCEEDED"} if reason is None else {
            "execution_status": "REVERTED", "revert_reason": reason}
        return {
            "type": "INVOKE", "transaction_hash": hex(tx_hash),
            "actual_fee": {"amount": hex(fee), "unit": "FRI"}, "finality_status": "ACCEPTED_ON_L2",
            **status, "messages_sent": [], "events": [],
            "execution_resources": {r: self.estimate[f"{r}_consumed"] for r in _RESOURCES},
            "block_hash": hex(0xB10C << 32 | self._block_number), "block_number": self._block_number,
        }

    def _getTransactionReceipt(self, transaction_hash):
        entry = self._receipts.get(int(transaction_hash, 16))
        if entry is None or entry[1] > 0:
            if entry:
                entry[1] -= 1
            raise RpcFailure(29, "Transaction hash not found")
        if entry[2] > 0:
            entry[2] -= 1
            pending = {k: v for k, v in entry[0].items() if k != "block_hash"}
            return {**pending, "finality_status": "PRE_CONFIRMED"}
        return entry[0]


def _envelope(request_id, result=None, error=None):
    answer = {"jsonrpc": "2.0", "id": request_id}
    answer.update({"error": error} if error is not None else {"result": result})
    return json.dumps(answer).encode()


def _handler_for(node):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status, body):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Headers", "*")
            self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_OPTIONS(self):
            self._send(204, b"")

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                self._send(*node.handle(raw))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

    return Handler
