"""SNIP-12 message hashes against starknet-py's TypedData on random messages of several shapes."""

from hypothesis import given, settings
from hypothesis import strategies as st
from starknet_py.utils.typed_data import TypedData as OracleTypedData

from foc_web.stark.felt import FIELD_PRIME
from foc_web.stark.typed_data import TypedData

ASCII = st.characters(min_codepoint=32, max_codepoint=126)
SHORT_TEXT = st.text(alphabet=ASCII, max_size=31).filter(
    lambda s: not s.startswith("0x") and not s.isdigit()
)
FELT_INT = st.one_of(st.integers(0, FIELD_PRIME - 1), st.sampled_from([0, 1, FIELD_PRIME - 1]))
FELT = st.one_of(FELT_INT, FELT_INT.map(hex), FELT_INT.map(str), SHORT_TEXT)
U128 = st.integers(0, 2**128 - 1)
U128_VALUE = st.one_of(U128, U128.map(hex), U128.map(str))
I128 = st.integers(-(2**127), 2**127 - 1)
BOOL = st.sampled_from([True, False, 0, 1, "0", "1", "true", "false", "0x0", "0x1"])
# starknet-py reads any hex-looking string (even "add") as a number; names here contain [g-z].
SELECTOR = st.one_of(st.from_regex(r"[g-z_][a-z_0-9]{0,20}", fullmatch=True), FELT_INT.map(hex))
ADDRESS = st.integers(0, 2**251 - 1).map(hex)

DOMAIN_V0 = [{"name": "name", "type": "felt"}, {"name": "version", "type": "felt"},
             {"name": "chainId", "type": "felt"}]
DOMAIN_V1 = [{"name": "name", "type": "shortstring"}, {"name": "version", "type": "shortstring"},
             {"name": "chainId", "type": "shortstring"}, {"name": "revision", "type": "shortstring"}]


def _check(typed_data, account):
    expected = OracleTypedData.from_dict(typed_data).message_hash(account)
    assert TypedData(typed_data).message_hash(account) == expected


def _domain(revision):
    domain = st.fixed_dictionaries({"name": SHORT_TEXT, "version": SHORT_TEXT,
                                    "chainId": st.sampled_from(["SN_MAIN", "SN_SEPOLIA", "1"])})
    if revision:
        return domain.map(lambda d: {**d, "revision": "1"})
    return domain


PERSON = st.fixed_dictionaries({"name": FELT, "wallet": FELT})
REV0_MAIL = st.fixed_dictionaries({
    "types": st.just({
        "StarkNetDomain": DOMAIN_V0,
        "Person": [{"name": "name", "type": "felt"}, {"name": "wallet", "type": "felt"}],
        "Policy": [{"name": "contract", "type": "felt"}, {"name": "selector", "type": "selector"}],
        "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person*"},
                 {"name": "tags", "type": "felt*"}, {"name": "urgent", "type": "bool"},
                 {"name": "action", "type": "selector"}, {"name": "subject", "type": "string"},
                 {"name": "policies", "type": "merkletree", "contains": "Policy"}],
    }),
    "primaryType": st.just("Mail"),
    "domain": _domain(0),
    "message": st.fixed_dictionaries({
        "from": PERSON, "to": st.lists(PERSON, max_size=3), "tags": st.lists(FELT, max_size=4),
        "urgent": BOOL, "action": SELECTOR, "subject": FELT,
        "policies": st.lists(st.fixed_dictionaries({"contract": FELT, "selector": SELECTOR}),
                             min_size=1, max_size=5),
    }),
})


@settings(max_examples=15, deadline=None)
@given(REV0_MAIL, FELT_INT)
def test_revision_0_mail(typed_data, account):
    _check(typed_data, account)


REV1_BASIC = st.fixed_dictionaries({
    "types": st.just({
        "StarknetDomain": DOMAIN_V1,
        "Example": [{"name": "felt", "type": "felt"}, {"name": "flag", "type": "bool"},
                    {"name": "text", "type": "string"}, {"name": "call", "type": "selector"},
                    {"name": "amount", "type": "u128"}, {"name": "delta", "type": "i128"},
                    {"name": "to", "type": "ContractAddress"}, {"name": "class", "type": "ClassHash"},
                    {"name": "at", "type": "timestamp"}, {"name": "label", "type": "shortstring"}],
    }),
    "primaryType": st.just("Example"),
    "domain": _domain(1),
    "message": st.fixed_dictionaries({
        "felt": FELT, "flag": BOOL, "text": st.text(alphabet=ASCII, max_size=100), "call": SELECTOR,
        "amount": U128_VALUE, "delta": st.one_of(I128, I128.map(str)), "to": ADDRESS,
        "class": ADDRESS, "at": U128_VALUE, "label": SHORT_TEXT,
    }),
})


@settings(max_examples=25, deadline=None)
@given(REV1_BASIC, FELT_INT)
def test_revision_1_basic_types(typed_data, account):
    _check(typed_data, account)


U256 = st.fixed_dictionaries({"low": U128_VALUE, "high": U128_VALUE})
CHOICE = st.one_of(
    st.just({"Nothing": []}),
    st.tuples(U128, st.lists(U128, max_size=3)).map(lambda t: {"Amounts": [t[0], t[1]]}),
    st.fixed_dictionaries({"token_address": ADDRESS, "amount": U256}).map(lambda v: {"Token": [v]}),
)
REV1_NESTED = st.fixed_dictionaries({
    "types": st.just({
        "StarknetDomain": DOMAIN_V1,
        "Order": [{"name": "pay", "type": "TokenAmount"}, {"name": "nft", "type": "NftId"},
                  {"name": "total", "type": "u256"}, {"name": "choice", "type": "enum", "contains": "Choice"},
                  {"name": "items", "type": "Item*"},
                  {"name": "allowlist", "type": "merkletree", "contains": "felt"}],
        "Choice": [{"name": "Nothing", "type": "()"}, {"name": "Amounts", "type": "(u128,u128*)"},
                   {"name": "Token", "type": "(TokenAmount)"}],
        "Item": [{"name": "id", "type": "felt"}, {"name": "price", "type": "u256"}],
    }),
    "primaryType": st.just("Order"),
    "domain": _domain(1),
    "message": st.fixed_dictionaries({
        "pay": st.fixed_dictionaries({"token_address": ADDRESS, "amount": U256}),
        "nft": st.fixed_dictionaries({"collection_address": ADDRESS, "token_id": U256}),
        "total": U256,
        "choice": CHOICE,
        "items": st.lists(st.fixed_dictionaries({"id": FELT, "price": U256}), max_size=3),
        "allowlist": st.lists(FELT, min_size=1, max_size=7),
    }),
})


@settings(max_examples=25, deadline=None)
@given(REV1_NESTED, FELT_INT)
def test_revision_1_presets_enums_merkletrees(typed_data, account):
    _check(typed_data, account)
