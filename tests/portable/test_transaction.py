"""V3 transaction hashes, addresses and multicall calldata against starknet-py and a Ledger device."""

import json
from pathlib import Path

import pytest

from foc_web.errors import InvalidInputError
from foc_web.stark.address import (
    ACCOUNT_CLASSES,
    account_constructor_calldata,
    compute_account_address,
    compute_address,
)
from foc_web.stark.transaction import (
    SN_MAIN,
    SN_SEPOLIA,
    Call,
    ResourceBounds,
    ResourceBoundsMapping,
    calculate_deploy_account_v3_hash,
    calculate_invoke_v3_hash,
    chain_id_for_network,
    execute_calldata,
)

VECTORS = json.loads(
    (Path(__file__).resolve().parent.parent / "vectors" / "tx_hashes.json").read_text()
)


def _ints(values):
    return [int(v, 16) for v in values]


def _bounds(case):
    return ResourceBoundsMapping(**{
        name: ResourceBounds(int(amount, 16), int(price, 16))
        for name, (amount, price) in case["resource_bounds"].items()
    })


@pytest.mark.parametrize("case", VECTORS["invoke_v3"])
def test_invoke_v3_hash(case):
    tx_hash = calculate_invoke_v3_hash(
        sender_address=int(case["sender_address"], 16),
        calldata=_ints(case["calldata"]),
        chain_id=int(case["chain_id"], 16),
        nonce=int(case["nonce"], 16),
        resource_bounds=_bounds(case),
        tip=int(case["tip"], 16),
        paymaster_data=_ints(case["paymaster_data"]),
        account_deployment_data=_ints(case["account_deployment_data"]),
        nonce_data_availability_mode=case["nonce_da"],
        fee_data_availability_mode=case["fee_da"],
    )
    assert tx_hash == int(case["hash"], 16)


@pytest.mark.parametrize("case", VECTORS["deploy_account_v3"])
def test_deploy_account_v3_hash(case):
    class_hash, salt = int(case["class_hash"], 16), int(case["salt"], 16)
    constructor_calldata = _ints(case["constructor_calldata"])
    assert compute_address(class_hash, constructor_calldata, salt) == int(case["address"], 16)
    tx_hash = calculate_deploy_account_v3_hash(
        class_hash, constructor_calldata, salt,
        chain_id=int(case["chain_id"], 16),
        nonce=int(case["nonce"], 16),
        resource_bounds=_bounds(case),
        tip=int(case["tip"], 16),
        paymaster_data=_ints(case["paymaster_data"]),
        nonce_da=case["nonce_da"],
        fee_da=case["fee_da"],
    )
    assert tx_hash == int(case["hash"], 16)


def _ledger_felts(apdu_hex):
    """Felts (32-byte big-endian) of an APDU's data: CLA INS P1 P2 Lc || data."""
    data = bytes.fromhex(apdu_hex)[5:]
    assert len(data) % 32 == 0
    return [int.from_bytes(data[i:i + 32], "big") for i in range(0, len(data), 32)]


def _ledger_invoke():
    """Decode the Ledger app's INVOKE v3 steps (shared/NOTES.md, "Ledger Starknet app")."""
    steps = {}
    calls = []
    for apdu in VECTORS["ledger_invoke_v3"]["requests"]:
        p1, p2 = bytes.fromhex(apdu)[2:4]
        if p1 == 6:  # call chunks: P2=0 starts a call [to, selector, len, *calldata], 1 continues
            if p2 == 0:
                calls.append([])
            calls[-1] += _ledger_felts(apdu)
        elif p1 > 0:
            steps[p1] = _ledger_felts(apdu)
    sender, chain_id, nonce, da_modes = steps[1]
    tip, *words = steps[2]
    bounds = [ResourceBounds((word >> 128) & (2**64 - 1), word & (2**128 - 1)) for word in words]
    assert [word >> 192 for word in words] == [0x4C315F474153, 0x4C325F474153, 0x4C315F44415441]
    assert steps[5] == [len(calls)]
    for call in calls:
        assert call[2] == len(call) - 3
    return dict(
        sender_address=sender,
        calldata=[len(calls)] + [felt for call in calls for felt in call],
        chain_id=chain_id,
        nonce=nonce,
        resource_bounds=ResourceBoundsMapping(*bounds),
        tip=tip,
        paymaster_data=steps[3],
        account_deployment_data=steps[4],
        nonce_data_availability_mode=da_modes >> 32,
        fee_data_availability_mode=da_modes & 0xFFFFFFFF,
    ), calls


def test_invoke_v3_hash_equals_ledger_device_hash():
    fields, calls = _ledger_invoke()
    device_hash = int(VECTORS["ledger_invoke_v3"]["final_response"][:64], 16)
    assert fields["chain_id"] == SN_MAIN
    assert calculate_invoke_v3_hash(**fields) == device_hash
    # The device's calls, as Call objects, give the same __execute__ calldata.
    as_calls = [Call(call[0], call[1], call[3:]) for call in calls]
    assert execute_calldata(as_calls) == fields["calldata"]


@pytest.mark.parametrize("case", VECTORS["execute_calldata"])
def test_execute_calldata(case):
    calls = [Call(int(to, 16), int(selector, 16), _ints(data)) for to, selector, data in case["calls"]]
    assert execute_calldata(calls) == _ints(case["calldata"])
    if len(calls) == 1:
        assert execute_calldata(calls[0]) == _ints(case["calldata"])


@pytest.mark.parametrize("case", VECTORS["addresses"])
def test_compute_address(case):
    address = compute_address(int(case["class_hash"], 16), _ints(case["calldata"]),
                              int(case["salt"], 16), int(case["deployer"], 16))
    assert address == int(case["address"], 16)


@pytest.mark.parametrize("case", VECTORS["accounts"])
def test_account_addresses(case):
    public_key = int(case["public_key"], 16)
    name = case["account_class"]
    assert account_constructor_calldata(name, public_key) == _ints(case["calldata"])
    assert compute_account_address(public_key, name) == int(case["address"], 16)
    assert compute_account_address(public_key, name, salt=public_key) == int(case["address"], 16)
    assert compute_account_address(public_key, name, salt=public_key + 1) != int(case["address"], 16)


def test_account_registry_names():
    assert set(ACCOUNT_CLASSES) == {case["account_class"] for case in VECTORS["accounts"]}
    with pytest.raises(InvalidInputError):
        compute_account_address(1, "metamask")
    with pytest.raises(InvalidInputError):
        account_constructor_calldata("openzeppelin", 0)


def test_chain_ids():
    assert SN_MAIN == 0x534E5F4D41494E
    assert SN_SEPOLIA == 0x534E5F5345504F4C4941
    assert chain_id_for_network("mainnet") == SN_MAIN
    assert chain_id_for_network("SN_SEPOLIA") == SN_SEPOLIA
    with pytest.raises(InvalidInputError):
        chain_id_for_network("goerli")


def test_resource_bounds_ranges():
    ResourceBounds(2**64 - 1, 2**128 - 1)
    for amount, price in ((2**64, 0), (0, 2**128), (-1, 0), (True, 0)):
        with pytest.raises(InvalidInputError):
            ResourceBounds(amount, price)
    with pytest.raises(InvalidInputError):
        ResourceBoundsMapping(l1_gas=(1, 2))


def test_invoke_rejects_bad_fields():
    base = dict(sender_address=1, calldata=[1, 2], chain_id=SN_MAIN, nonce=0,
                resource_bounds=ResourceBoundsMapping())
    calculate_invoke_v3_hash(**base)
    with pytest.raises(InvalidInputError, match=r"calldata\[1\]"):
        calculate_invoke_v3_hash(**{**base, "calldata": [1, -2]})
    with pytest.raises(InvalidInputError):
        calculate_invoke_v3_hash(**{**base, "tip": 2**64})
    with pytest.raises(InvalidInputError):
        calculate_invoke_v3_hash(**{**base, "nonce_data_availability_mode": 2})
    with pytest.raises(InvalidInputError):
        calculate_invoke_v3_hash(**{**base, "resource_bounds": {}})
    with pytest.raises(InvalidInputError):
        Call(1, 2, [2**252])
