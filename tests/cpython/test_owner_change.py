"""Owner-key change calls (foc_web.stark.owner_change) checked the way each account contract checks
them, by the test double's starknet-py code (tests/rpcnode.py): hashes, SNIP-12 and verify all come
from starknet-py, the message layouts from the contracts' source."""

import time

import pytest
from hypothesis import given, settings, strategies as st
from poseidon_py.poseidon_hash import poseidon_hash_many
from starknet_py.hash.utils import private_to_stark_key

from foc_web.errors import ConfigError
from foc_web.stark.curve import EC_ORDER
from foc_web.stark.owner_change import OWNER_ALIVE_LIFETIME, owner_change, starknet_signer_guid
from tests.rpcnode import RpcNode

SN_SEPOLIA = int.from_bytes(b"SN_SEPOLIA", "big")
SN_MAIN = int.from_bytes(b"SN_MAIN", "big")
CLASSES = ("openzeppelin", "openzeppelin_1.0.0", "argent_0.4.0", "argent_0.5.0")
keys = st.integers(1, EC_ORDER - 1)


def node_check(account_class, chain_id):
    node = RpcNode.__new__(RpcNode)  # only the owner-change checks are used: no server
    node.chain_id = chain_id
    kind = "openzeppelin" if account_class.startswith("openzeppelin") else account_class
    return {"openzeppelin": node._oz_new_owner, "argent_0.4.0": node._argent_040_new_owner,
            "argent_0.5.0": node._argent_050_new_owner}[kind]


@settings(max_examples=20, deadline=None)
@given(account_class=st.sampled_from(CLASSES), account=st.integers(1, 2**251), current=keys, new=keys)
def test_the_contract_accepts_the_change_and_only_for_its_account_and_chain(account_class, account, current, new):
    current_public = private_to_stark_key(current)
    change = owner_change(account_class, account, SN_SEPOLIA, current_public, new, int(time.time()))
    new_key, error = node_check(account_class, SN_SEPOLIA)(account, current_public, change.calldata)
    assert error is None and new_key == private_to_stark_key(new)
    _, error = node_check(account_class, SN_SEPOLIA)(account + 1, current_public, change.calldata)
    assert error is not None, "a change signed for one account does not apply to another"
    if account_class.startswith("argent"):
        _, error = node_check(account_class, SN_MAIN)(account, current_public, change.calldata)
        assert error is not None, "nor on another chain"


def test_argent_guid_and_0_5_calldata_layout():
    public = private_to_stark_key(0xA5)
    assert starknet_signer_guid(public) == poseidon_hash_many([int.from_bytes(b"Starknet Signer", "big"), public])
    now = int(time.time())
    change = owner_change("argent_0.5.0", 0x1234, SN_SEPOLIA, public, 0xB6, now)
    new_public = private_to_stark_key(0xB6)
    # as argent-contracts-starknet tests-integration/account/account.test.ts "Should be possible to change_owners"
    assert change.entrypoint == "change_owners"
    assert change.calldata[:8] == [1, starknet_signer_guid(public), 1, 0, new_public, 0, 0, new_public]
    assert change.calldata[10] == now + OWNER_ALIVE_LIFETIME and OWNER_ALIVE_LIFETIME <= 86400


def test_an_expired_owner_alive_signature_is_refused_by_the_contract_rule():
    public = private_to_stark_key(0xA5)
    change = owner_change("argent_0.5.0", 0x1234, SN_SEPOLIA, public, 0xB6, int(time.time()) - 2 * OWNER_ALIVE_LIFETIME)
    _, error = node_check("argent_0.5.0", SN_SEPOLIA)(0x1234, public, change.calldata)
    assert error == "argent/expired-signature"


@pytest.mark.parametrize("account_class", ["braavos", "no_such_class"])
def test_classes_without_an_owner_change_are_refused(account_class):
    with pytest.raises(ConfigError) as raised:
        owner_change(account_class, 0x1234, SN_SEPOLIA, private_to_stark_key(5), 6, int(time.time()))
    assert account_class.split("_")[0] in str(raised.value).lower()
