"""Writes tests/vectors/ledger_transcript.json: what the real Ledger Starknet app sent and answered.

Run on CPython with starknet-py 0.30 installed:
    python tests/vectors/gen_ledger_transcript.py
Sources (no foc_web code involved):
* shared/ledger/starknet-app-2.3.4.apdus and starknet-app-2.3.4-errors.txt: exchanges recorded
  from the real app 2.3.4 under an emulator with its default seed, copied verbatim. The INVOKE v3
  fields are decoded here from its APDUs with the layout of the app's docs/apdu.md, and
  cross-checked: starknet-py's hash of them equals the hash the device returned, and the selector
  is starknet-py's ``get_selector_from_name("transfer")``.
* LedgerHQ/app-starknet at APP_COMMIT, samples/apdu/*.dat with samples/tx/*.json: the APDUs the
  app's own test-suite sends for a transaction (a multicall with continued calldata chunks, a
  DEPLOY_ACCOUNT v3). Read from a local git mirror of that repository (APP_REPO, or argv[1]).
"""

import json
import subprocess
import sys
from pathlib import Path

from starknet_py.hash.selector import get_selector_from_name
from starknet_py.hash.transaction import (
    CommonTransactionV3Fields,
    TransactionHashPrefix,
    compute_invoke_v3_transaction_hash,
)
from starknet_py.net.client_models import DAMode, ResourceBounds, ResourceBoundsMapping

HERE = Path(__file__).resolve().parent
OUT = HERE / "ledger_transcript.json"
SHARED = HERE.parents[2] / "shared" / "ledger"  # /work/shared/ledger
APP_REPO = Path("/work/.mirror/LedgerHQ+app-starknet/repo")
APP_COMMIT = "19e0678a1050b07a4d0cecc922bb4b9c6077ca5a"
MNEMONIC = ("glory promote mansion idle axis finger extra february uncover one trip resource lawn turtle "
            "enact monster seven myth punch hobby comfort wild raise skin")  # Speculos' default seed
BOUND_NAMES = {b"L1_GAS": "l1_gas", b"L2_GAS": "l2_gas", b"L1_DATA": "l1_data_gas"}


def transcript_exchanges():
    lines = [line.split(None, 1) for line in (SHARED / "starknet-app-2.3.4.apdus").read_text().splitlines()
             if line[:2] in ("=>", "<=")]
    assert [marker for marker, _ in lines] == ["=>", "<="] * (len(lines) // 2)
    return [[lines[i][1].strip(), lines[i + 1][1].strip()] for i in range(0, len(lines), 2)]


def error_cases():
    cases, what, request = [], None, None
    for line in (SHARED / "starknet-app-2.3.4-errors.txt").read_text().splitlines():
        if "=>" in line:
            what, request = (part.strip() for part in line.split("=>"))
        elif "<=" in line:
            sw = line.split("SW=")[1].strip()
            cases.append({"what": what, "request": request, "sw": sw})
    return cases


def felts(data):
    assert len(data) % 32 == 0
    return [int.from_bytes(data[i:i + 32], "big") for i in range(0, len(data), 32)]


def path_string(data):
    indices = [int.from_bytes(data[i:i + 4], "big") for i in range(0, len(data), 4)]
    return "m/" + "/".join(f"{i & 0x7FFFFFFF}'" if i >> 31 else str(i) for i in indices)


def decode_invoke(requests):
    """INVOKE v3 APDUs (INS 03) -> the transaction, per docs/apdu.md of the app."""
    steps, calls = {}, []
    for request in requests:
        request = bytes.fromhex(request)
        p1, p2, data = request[2], request[3], request[5:]
        if p1 == 0:
            steps[0] = path_string(data)
        elif p1 == 6:
            if p2 == 0:
                calls.append([])
            calls[-1] += felts(data)
        else:
            steps[p1] = felts(data)
    sender, chain_id, nonce, da = steps[1]
    bounds = {}
    for word in steps[2][1:]:
        name = BOUND_NAMES[(word >> 192).to_bytes(8, "big").lstrip(b"\0")]
        bounds[name] = [hex((word >> 128) & (2**64 - 1)), hex(word & (2**128 - 1))]
    assert steps[3] == steps[4] == [] and steps[5] == [len(calls)]
    return {
        "path": steps[0], "sender_address": hex(sender), "chain_id": hex(chain_id), "nonce": hex(nonce),
        "nonce_da": da >> 32, "fee_da": da & 0xFFFFFFFF, "tip": hex(steps[2][0]), "resource_bounds": bounds,
        "calls": [{"to": hex(c[0]), "selector": hex(c[1]), "calldata": [hex(v) for v in c[3:]]} for c in calls],
    }


def oracle_invoke_hash(tx):
    calldata = [len(tx["calls"])]
    for call in tx["calls"]:
        calldata += [int(call["to"], 16), int(call["selector"], 16), len(call["calldata"])]
        calldata += [int(v, 16) for v in call["calldata"]]
    bounds = ResourceBoundsMapping(**{name: ResourceBounds(int(a, 16), int(p, 16))
                                      for name, (a, p) in tx["resource_bounds"].items()})
    common = CommonTransactionV3Fields(
        tx_prefix=TransactionHashPrefix.INVOKE, version=3, address=int(tx["sender_address"], 16),
        tip=int(tx["tip"], 16), resource_bounds=bounds, paymaster_data=[], chain_id=int(tx["chain_id"], 16),
        nonce=int(tx["nonce"], 16), nonce_data_availability_mode=DAMode(tx["nonce_da"]),
        fee_data_availability_mode=DAMode(tx["fee_da"]))
    return compute_invoke_v3_transaction_hash(account_deployment_data=[], calldata=calldata, common_fields=common)


def app_file(repo, path):
    return subprocess.run(["git", "-C", str(repo), "show", f"{APP_COMMIT}:{path}"],
                          check=True, capture_output=True, text=True).stdout


def sample_common(tx):
    da = int(tx["data_availability_mode"], 0)
    assert not tx["paymaster_data"]
    return {
        "chain_id": tx["chain_id"], "nonce": tx["nonce"], "nonce_da": da >> 32, "fee_da": da & 0xFFFFFFFF,
        "tip": tx["tip"],
        "resource_bounds": {name: [tx["resource_bounds"][name]["max_amount"],
                                   tx["resource_bounds"][name]["max_price_per_unit"]]
                            for name in ("l1_gas", "l2_gas", "l1_data_gas")},
    }


def app_sample(repo, name):
    tx = json.loads(app_file(repo, f"samples/tx/{name}.json"))
    requests = [line[2:].strip() for line in app_file(repo, f"samples/apdu/{name}.dat").splitlines()
                if line.startswith("=>")]
    case = {"name": name, "path": path_string(bytes.fromhex(requests[0])[5:]), **sample_common(tx),
            "requests": requests}
    if "calls" in tx:
        calls = []
        for call in tx["calls"]:
            selector = get_selector_from_name(call["entrypoint"])
            assert int(call.get("selector", hex(selector)), 16) == selector
            calls.append({"to": call["to"], "selector": hex(selector), "calldata": call["calldata"]})
        case.update(sender_address=tx["sender_address"], calls=calls)
    else:
        case.update({key: tx[key] for key in
                     ("contract_address", "class_hash", "contract_address_salt", "constructor_calldata")})
    return case


def main():
    repo = Path(sys.argv[1]) if len(sys.argv) > 1 else APP_REPO
    exchanges = transcript_exchanges()
    invoke_pairs = [pair for pair in exchanges if pair[0].startswith("5a03")]
    invoke = decode_invoke([request for request, _ in invoke_pairs])
    device_hash = int(invoke_pairs[-1][1][:64], 16)
    assert oracle_invoke_hash(invoke) == device_hash, "starknet-py disagrees with the device's hash"
    assert [int(c["selector"], 16) for c in invoke["calls"]] == [get_selector_from_name("transfer")]
    vectors = {
        "source": "exchanges/errors: recorded from the real Ledger Starknet app 2.3.4 (Nano X build) under an "
                  "emulator with its default seed (shared/ledger/starknet-app-2.3.4.apdus and "
                  "starknet-app-2.3.4-errors.txt), hex copied verbatim, in order: request APDU, response "
                  "data||SW. invoke_v3: the transcript's INVOKE v3 decoded per the app's docs/apdu.md; "
                  "starknet-py 0.30 compute_invoke_v3_transaction_hash of it equals the device's hash. "
                  f"app_samples: LedgerHQ/app-starknet@{APP_COMMIT} samples/apdu/*.dat (request APDUs of "
                  "the app's tests) with samples/tx/*.json (selectors: starknet-py get_selector_from_name).",
        "mnemonic": MNEMONIC,
        "exchanges": exchanges,
        "errors": error_cases(),
        "invoke_v3": invoke,
        "app_samples": [app_sample(repo, "tx_v3_multicalls"), app_sample(repo, "tx_v3_deploy_account"),
                        app_sample(repo, "tx_v3_l1_data_gas_deploy_account")],
    }
    OUT.write_text(json.dumps(vectors, indent=1) + "\n")


if __name__ == "__main__":
    main()
