"""Writes tests/vectors/tx_hashes.json: V3 transaction hashes, addresses, multicall calldata.

Run on CPython with starknet-py 0.30 installed:
    python tests/vectors/gen_tx_hashes.py
Expected values come from starknet-py (``starknet_py.hash.transaction``, ``.hash.address``, the
Cairo 1 ``__execute__`` serializer of ``starknet_py.net.account.account``). The "ledger_invoke_v3"
entry is copied from shared/ledger/starknet-app-2.3.4.apdus: the APDUs an INVOKE v3 was sent with
and the transaction hash the real Ledger Starknet app 2.3.4 computed on the device.
"""

import json
import random
from pathlib import Path

from starknet_py.hash.address import compute_address
from starknet_py.hash.transaction import (
    CommonTransactionV3Fields,
    TransactionHashPrefix,
    compute_deploy_account_v3_transaction_hash,
    compute_invoke_v3_transaction_hash,
)
from starknet_py.net.account.account import _parse_calls
from starknet_py.net.client_models import Call, DAMode, ResourceBounds, ResourceBoundsMapping

P = 2**251 + 17 * 2**192 + 1
HERE = Path(__file__).resolve().parent
OUT = HERE / "tx_hashes.json"
TRANSCRIPT = HERE.parents[2] / "shared" / "ledger" / "starknet-app-2.3.4.apdus"  # /work/shared
SN_MAIN = int.from_bytes(b"SN_MAIN", "big")
SN_SEPOLIA = int.from_bytes(b"SN_SEPOLIA", "big")

# Published class hashes (sources in foc_web/stark/address.py), written out here on purpose.
ACCOUNT_CLASSES = {
    "openzeppelin": (0x079A9A12FDFA0481E8D8D46599B90226CD7247B2667358BB00636DD864002314, "pub"),
    "openzeppelin_1.0.0": (0x05B4B537EAA2399E3AA99C4E2E0208EBD6C71BC1467938CD52C798C601E43564, "pub"),
    "argent_0.4.0": (0x036078334509B514626504EDC9FB252328D1A240E4E948BEF8D0C08DFF45927F, "argent"),
    "argent_0.5.0": (0x073414441639DCD11D1846F287650A00C60C416B9D3BA45D31C651672125B2C2, "argent"),
    "braavos": (0x03D16C7A9A60B0593BD202F660A28C5D76E0403601D9CCC7E4FA253B6A70C201, "pub"),
}


def felt(rng):
    return rng.choice([0, 1, P - 1, rng.randrange(P), rng.randrange(2**64)])


def felts(rng, low, high):
    return [felt(rng) for _ in range(rng.randint(low, high))]


def bounds(rng):
    def one():
        return ResourceBounds(max_amount=rng.choice([0, 2**64 - 1, rng.randrange(2**64)]),
                              max_price_per_unit=rng.choice([0, 2**128 - 1, rng.randrange(2**128)]))
    return ResourceBoundsMapping(l1_gas=one(), l2_gas=one(), l1_data_gas=one())


def bounds_json(mapping):
    return {name: [hex(getattr(mapping, name).max_amount), hex(getattr(mapping, name).max_price_per_unit)]
            for name in ("l1_gas", "l2_gas", "l1_data_gas")}


def common(rng, prefix, address):
    fields = {
        "chain_id": rng.choice([SN_MAIN, SN_SEPOLIA]),
        "nonce": felt(rng),
        "resource_bounds": bounds(rng),
        "tip": rng.choice([0, 2**64 - 1, rng.randrange(2**64)]),
        "paymaster_data": felts(rng, 0, 3),
        "nonce_da": rng.randint(0, 1),
        "fee_da": rng.randint(0, 1),
    }
    oracle = CommonTransactionV3Fields(
        tx_prefix=prefix, version=3, address=address, tip=fields["tip"],
        resource_bounds=fields["resource_bounds"], paymaster_data=fields["paymaster_data"],
        chain_id=fields["chain_id"], nonce=fields["nonce"],
        nonce_data_availability_mode=DAMode(fields["nonce_da"]),
        fee_data_availability_mode=DAMode(fields["fee_da"]),
    )
    as_json = {
        "chain_id": hex(fields["chain_id"]), "nonce": hex(fields["nonce"]),
        "resource_bounds": bounds_json(fields["resource_bounds"]), "tip": hex(fields["tip"]),
        "paymaster_data": [hex(v) for v in fields["paymaster_data"]],
        "nonce_da": fields["nonce_da"], "fee_da": fields["fee_da"],
    }
    return oracle, as_json


def invoke_cases(rng):
    cases = []
    for _ in range(6):
        sender = felt(rng)
        calldata = felts(rng, 0, 8)
        deployment_data = felts(rng, 0, 2)
        oracle, case = common(rng, TransactionHashPrefix.INVOKE, sender)
        tx_hash = compute_invoke_v3_transaction_hash(
            account_deployment_data=deployment_data, calldata=calldata, common_fields=oracle)
        case.update(sender_address=hex(sender), calldata=[hex(v) for v in calldata],
                    account_deployment_data=[hex(v) for v in deployment_data], hash=hex(tx_hash))
        cases.append(case)
    return cases


def deploy_account_cases(rng):
    cases = []
    for _ in range(4):
        class_hash, salt = felt(rng), felt(rng)
        constructor_calldata = felts(rng, 0, 4)
        address = compute_address(class_hash=class_hash, constructor_calldata=constructor_calldata, salt=salt)
        oracle, case = common(rng, TransactionHashPrefix.DEPLOY_ACCOUNT, address)
        tx_hash = compute_deploy_account_v3_transaction_hash(
            class_hash=class_hash, constructor_calldata=constructor_calldata,
            contract_address_salt=salt, common_fields=oracle)
        case.update(class_hash=hex(class_hash), salt=hex(salt),
                    constructor_calldata=[hex(v) for v in constructor_calldata],
                    address=hex(address), hash=hex(tx_hash))
        cases.append(case)
    return cases


def address_cases(rng):
    cases = []
    for _ in range(4):
        class_hash, salt, deployer = felt(rng), felt(rng), rng.choice([0, felt(rng)])
        calldata = felts(rng, 0, 4)
        cases.append({"class_hash": hex(class_hash), "salt": hex(salt), "deployer": hex(deployer),
                      "calldata": [hex(v) for v in calldata],
                      "address": hex(compute_address(class_hash=class_hash, constructor_calldata=calldata,
                                                     salt=salt, deployer_address=deployer))})
    return cases


def account_cases(rng):
    cases = []
    for public_key in (0x3176205707BBAF12061279C94B635B6C4E0E465D810479B13321CD2835E41DE,
                       rng.randrange(1, P)):
        for name, (class_hash, layout) in ACCOUNT_CLASSES.items():
            calldata = [0, public_key, 1] if layout == "argent" else [public_key]
            cases.append({"account_class": name, "public_key": hex(public_key),
                          "calldata": [hex(v) for v in calldata],
                          "address": hex(compute_address(class_hash=class_hash,
                                                         constructor_calldata=calldata, salt=public_key))})
    return cases


def execute_cases(rng):
    cases = []
    for n_calls in (0, 1, 2, 3):
        calls = [Call(to_addr=felt(rng), selector=felt(rng), calldata=felts(rng, 0, 3))
                 for _ in range(n_calls)]
        as_json = [[hex(c.to_addr), hex(c.selector), [hex(v) for v in c.calldata]] for c in calls]
        cases.append({"calls": as_json,
                      "calldata": [hex(v) for v in _parse_calls(1, calls)]})
    return cases


def ledger_exchange():
    """The INVOKE v3 APDUs (INS 03) of the transcript and the device's final response."""
    lines = [line.split(None, 1) for line in TRANSCRIPT.read_text().splitlines() if line[:2] in ("=>", "<=")]
    pairs = [(lines[i][1].strip(), lines[i + 1][1].strip()) for i in range(0, len(lines), 2)]
    invoke = [(request, response) for request, response in pairs if request.startswith("5a03")]
    return {"requests": [request for request, _ in invoke], "final_response": invoke[-1][1]}


def main():
    rng = random.Random(20261203)
    vectors = {
        "source": "starknet-py 0.30.0 (compute_invoke_v3_transaction_hash, "
                  "compute_deploy_account_v3_transaction_hash, compute_address, Cairo 1 "
                  "__execute__ serializer _parse_calls(1, calls)); ledger_invoke_v3: APDUs and "
                  "device response recorded from the real Ledger Starknet app 2.3.4 "
                  "(shared/ledger/starknet-app-2.3.4.apdus), the response starts with the hash "
                  "the device computed.",
        "invoke_v3": invoke_cases(rng),
        "deploy_account_v3": deploy_account_cases(rng),
        "addresses": address_cases(rng),
        "accounts": account_cases(rng),
        "execute_calldata": execute_cases(rng),
        "ledger_invoke_v3": ledger_exchange(),
    }
    OUT.write_text(json.dumps(vectors, indent=1) + "\n")


if __name__ == "__main__":
    main()
