"""V3 transaction hashes, addresses and __execute__ calldata against starknet-py 0.30."""

from hypothesis import given, settings
from hypothesis import strategies as st
from starknet_py.hash.address import compute_address as oracle_address
from starknet_py.hash.transaction import (
    CommonTransactionV3Fields,
    TransactionHashPrefix,
    compute_deploy_account_v3_transaction_hash,
    compute_invoke_v3_transaction_hash,
)
from starknet_py.net.account.account import _parse_calls
from starknet_py.net.client_models import Call as OracleCall
from starknet_py.net.client_models import DAMode
from starknet_py.net.client_models import ResourceBounds as OracleBounds
from starknet_py.net.client_models import ResourceBoundsMapping as OracleMapping

from foc_web.stark.address import (
    ACCOUNT_CLASSES,
    account_constructor_calldata,
    compute_account_address,
    compute_address,
)
from foc_web.stark.felt import FIELD_PRIME
from foc_web.stark.transaction import (
    SN_MAIN,
    SN_SEPOLIA,
    Call,
    ResourceBounds,
    ResourceBoundsMapping,
    calculate_deploy_account_v3_hash,
    calculate_invoke_v3_hash,
    execute_calldata,
)

FELTS = st.one_of(st.integers(0, FIELD_PRIME - 1), st.sampled_from([0, 1, FIELD_PRIME - 1]))
BOUND = st.tuples(st.one_of(st.integers(0, 2**64 - 1), st.just(2**64 - 1)),
                  st.one_of(st.integers(0, 2**128 - 1), st.just(2**128 - 1)))
COMMON = st.fixed_dictionaries({
    "chain_id": st.one_of(st.sampled_from([SN_MAIN, SN_SEPOLIA]), FELTS),
    "nonce": FELTS,
    "bounds": st.tuples(BOUND, BOUND, BOUND),
    "tip": st.integers(0, 2**64 - 1),
    "paymaster_data": st.lists(FELTS, max_size=3),
    "nonce_da": st.integers(0, 1),
    "fee_da": st.integers(0, 1),
})


def _ours(bounds):
    return ResourceBoundsMapping(*(ResourceBounds(*bound) for bound in bounds))


def _oracle_common(prefix, address, c):
    l1, l2, l1_data = (OracleBounds(max_amount=a, max_price_per_unit=p) for a, p in c["bounds"])
    return CommonTransactionV3Fields(
        tx_prefix=prefix, version=3, address=address, tip=c["tip"],
        resource_bounds=OracleMapping(l1_gas=l1, l2_gas=l2, l1_data_gas=l1_data),
        paymaster_data=c["paymaster_data"], chain_id=c["chain_id"], nonce=c["nonce"],
        nonce_data_availability_mode=DAMode(c["nonce_da"]),
        fee_data_availability_mode=DAMode(c["fee_da"]),
    )


@settings(max_examples=30, deadline=None)
@given(FELTS, st.lists(FELTS, max_size=12), st.lists(FELTS, max_size=3), COMMON)
def test_invoke_v3_hash(sender, calldata, deployment_data, c):
    expected = compute_invoke_v3_transaction_hash(
        account_deployment_data=deployment_data, calldata=calldata,
        common_fields=_oracle_common(TransactionHashPrefix.INVOKE, sender, c))
    assert calculate_invoke_v3_hash(
        sender, calldata, c["chain_id"], c["nonce"], _ours(c["bounds"]), tip=c["tip"],
        paymaster_data=c["paymaster_data"], account_deployment_data=deployment_data,
        nonce_data_availability_mode=c["nonce_da"], fee_data_availability_mode=c["fee_da"],
    ) == expected


@settings(max_examples=15, deadline=None)
@given(FELTS, st.lists(FELTS, max_size=4), FELTS, COMMON)
def test_deploy_account_v3_hash(class_hash, constructor_calldata, salt, c):
    address = oracle_address(class_hash=class_hash, constructor_calldata=constructor_calldata, salt=salt)
    expected = compute_deploy_account_v3_transaction_hash(
        class_hash=class_hash, constructor_calldata=constructor_calldata, contract_address_salt=salt,
        common_fields=_oracle_common(TransactionHashPrefix.DEPLOY_ACCOUNT, address, c))
    assert calculate_deploy_account_v3_hash(
        class_hash, constructor_calldata, salt, c["chain_id"], c["nonce"], _ours(c["bounds"]),
        tip=c["tip"], paymaster_data=c["paymaster_data"], nonce_da=c["nonce_da"], fee_da=c["fee_da"],
    ) == expected


@settings(max_examples=15, deadline=None)
@given(FELTS, st.lists(FELTS, max_size=4), FELTS, st.one_of(st.just(0), FELTS))
def test_compute_address(class_hash, calldata, salt, deployer):
    assert compute_address(class_hash, calldata, salt, deployer) == oracle_address(
        class_hash=class_hash, constructor_calldata=calldata, salt=salt, deployer_address=deployer)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, FIELD_PRIME - 1), st.sampled_from(sorted(ACCOUNT_CLASSES)))
def test_account_address(public_key, name):
    calldata = account_constructor_calldata(name, public_key)
    assert compute_account_address(public_key, name) == oracle_address(
        class_hash=ACCOUNT_CLASSES[name].class_hash, constructor_calldata=calldata, salt=public_key)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(FELTS, FELTS, st.lists(FELTS, max_size=5)), max_size=4))
def test_execute_calldata(calls):
    oracle_calls = [OracleCall(to_addr=to, selector=sel, calldata=data) for to, sel, data in calls]
    assert execute_calldata([Call(*call) for call in calls]) == _parse_calls(1, oracle_calls)
