"""SNIP-12 typed data hashes against values produced by starknet-py (tests/vectors/gen_typed_data.py)."""

import copy
import json
from pathlib import Path

import pytest

from foc_web.errors import InvalidInputError
from foc_web.stark.typed_data import TypedData, encode_type, message_hash, struct_hash, type_hash

VECTORS = json.loads(
    (Path(__file__).resolve().parent.parent / "vectors" / "typed_data.json").read_text()
)
CASES = VECTORS["cases"]
BY_NAME = {case["name"]: case for case in CASES}


@pytest.mark.parametrize("case", CASES)
def test_message_hash(case):
    assert message_hash(case["typed_data"], int(case["account"], 16)) == int(case["message_hash"], 16)


@pytest.mark.parametrize("case", CASES)
def test_type_encoding_and_struct_hash(case):
    typed_data = case["typed_data"]
    primary = typed_data["primaryType"]
    assert encode_type(typed_data, primary) == case["encoded_type"]
    assert type_hash(typed_data, primary) == int(case["type_hash"], 16)
    assert struct_hash(typed_data, primary, typed_data["message"]) == int(case["struct_hash"], 16)


def test_account_address_changes_the_hash():
    case = BY_NAME["rev1_basic_types"]
    parsed = TypedData(case["typed_data"])
    assert parsed.message_hash(int(case["account"], 16)) == int(case["message_hash"], 16)
    assert parsed.message_hash(int(case["account"], 16) + 1) != int(case["message_hash"], 16)


def _variant(name, edit):
    data = copy.deepcopy(BY_NAME[name]["typed_data"])
    edit(data)
    return data


BAD = [
    ("rev1_basic_types", lambda d: d["domain"].update(revision="2")),
    ("rev1_basic_types", lambda d: d["types"].pop("StarknetDomain")),
    ("rev0_mail", lambda d: d["types"].update(Unused=[{"name": "x", "type": "felt"}])),
    ("rev0_mail", lambda d: d["types"].update(felt=[{"name": "x", "type": "felt"}])),
    ("rev1_presets", lambda d: d["types"].update(u256=[{"name": "x", "type": "felt"}])),
    ("rev0_mail", lambda d: d["message"].pop("contents")),
    ("rev0_mail", lambda d: d["message"].update(contents=-1)),
    ("rev0_mail", lambda d: d["message"].update(contents="a string longer than 31 characters!")),
    ("rev0_mail", lambda d: d["types"]["Mail"].append({"name": "kind", "type": "enum", "contains": "Mail"})),
    ("rev0_mail", lambda d: d["types"]["Mail"].append({"name": "x", "type": "Missing"})),
    ("rev1_basic_types", lambda d: d["message"].update(n4=2**128)),
    ("rev1_basic_types", lambda d: d["message"].update(n5=2**127)),
    ("rev1_basic_types", lambda d: d["message"].update(n1="yes")),
    ("rev1_basic_types", lambda d: d["message"].update(n3=7)),
    ("rev1_enum", lambda d: d["message"].update(first={"Nope": []})),
    ("rev1_enum", lambda d: d["message"].update(first={"None": [], "Amounts": [1, []]})),
    ("rev1_merkletree", lambda d: d["message"].update(root=[])),
    ("rev1_outside_execution", lambda d: d["message"].update(Calls={"To": "0x1"})),
]


@pytest.mark.parametrize("name, edit", BAD)
def test_invalid_typed_data_is_rejected(name, edit):
    with pytest.raises(InvalidInputError):
        message_hash(_variant(name, edit), 1)


def test_not_an_object():
    for bad in (None, [], "typed data"):
        with pytest.raises(InvalidInputError):
            message_hash(bad, 1)
