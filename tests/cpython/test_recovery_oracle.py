"""Recovery approvals against starknet-py: the SNIP-12 hash, and signatures made on either side.

foc_web's approval hash must equal ``TypedData.from_dict(td).message_hash(guardian)``; its
signatures must verify with starknet-py's ``verify_message_signature``; and an approval signed by
starknet-py's ``StarkCurveSigner.sign_message`` (what a guardian's Python wallet would send) must be
accepted by ``verify_approval``.
"""

from hypothesis import given, settings
from hypothesis import strategies as st
from starknet_py.hash.utils import private_to_stark_key, verify_message_signature
from starknet_py.net.signer.key_pair import KeyPair
from starknet_py.net.signer.stark_curve_signer import StarkCurveSigner
from starknet_py.utils.typed_data import TypedData as OracleTypedData

from foc_web.recovery import social

FIELD_PRIME = 2**251 + 17 * 2**192 + 1  # starknet-py constants.FIELD_PRIME
EC_ORDER = 0x800000000000010FFFFFFFFFFFFFFFFB781126DCAE7B2321E66A241ADC64D2F  # starknet-py constants.EC_ORDER
FELT = st.integers(1, FIELD_PRIME - 1)
ADDRESS = st.integers(1, 2**251 - 257)
U128 = st.integers(0, 2**128 - 1)
CHAIN_ID = st.one_of(st.sampled_from([int.from_bytes(b"SN_MAIN", "big"), int.from_bytes(b"SN_SEPOLIA", "big")]),
                     st.integers(1, 2**248 - 1))
PRIVATE_KEY = st.integers(1, EC_ORDER - 1)
REQUEST = st.fixed_dictionaries({"account": ADDRESS, "new_owner_key": FELT, "nonce": U128, "expiry": U128,
                                 "chain_id": CHAIN_ID})


@settings(max_examples=30, deadline=None)
@given(request=REQUEST, guardian=ADDRESS, key=PRIVATE_KEY)
def test_approval_hash_and_signature_match_starknet_py(request, guardian, key):
    typed = social.approval_typed_data(**request)
    expected = OracleTypedData.from_dict(typed).message_hash(guardian)
    assert social.approval_hash(typed, guardian) == expected
    approval = social.sign_approval(typed, guardian, key)
    r, s = (int(v, 16) for v in approval["signature"])
    assert verify_message_signature(expected, [r, s], private_to_stark_key(key))
    assert approval["guardian"] == hex(guardian)


@settings(max_examples=15, deadline=None)
@given(request=REQUEST, guardian=ADDRESS, key=PRIVATE_KEY, weight=st.integers(1, 5))
def test_starknet_py_signed_approval_is_accepted(request, guardian, key, weight):
    public_key = private_to_stark_key(key)
    config = social.RecoveryConfig.from_option(
        [{"address": hex(guardian), "public_key": hex(public_key), "weight": weight}], weight, 0
    )
    typed = social.approval_typed_data(**request)
    signer = StarkCurveSigner(guardian, KeyPair.from_private_key(key), request["chain_id"])
    r, s = signer.sign_message(OracleTypedData.from_dict(typed), guardian)
    approval = {"guardian": hex(guardian), "signature": [hex(r), hex(s)]}
    found = social.verify_approval(config, approval, now=request["expiry"], **request)
    assert found.public_key == public_key and found.weight == weight
