"""Writes tests/vectors/typed_data.json: SNIP-12 typed data examples and their hashes.

Run on CPython with starknet-py 0.30 installed:
    python tests/vectors/gen_typed_data.py
The examples are written here (same shapes as the example files of starknet-py's and
starknet.js's test suites: mail, arrays, merkle trees, every revision-1 basic and preset type,
enums, SNIP-9 outside execution); every expected value comes from starknet-py's
``starknet_py.utils.typed_data.TypedData``.
"""

import json
from pathlib import Path

from starknet_py.utils.typed_data import TypedData

OUT = Path(__file__).resolve().parent / "typed_data.json"
ACCOUNT = 0x0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF

DOMAIN_V0_TYPE = [{"name": "name", "type": "felt"}, {"name": "version", "type": "felt"},
                  {"name": "chainId", "type": "felt"}]
DOMAIN_V1_TYPE = [{"name": "name", "type": "shortstring"}, {"name": "version", "type": "shortstring"},
                  {"name": "chainId", "type": "shortstring"}, {"name": "revision", "type": "shortstring"}]
DOMAIN_V0 = {"name": "Foc Test", "version": "1", "chainId": "SN_SEPOLIA"}
DOMAIN_V1 = {"name": "Foc Test", "version": "2", "chainId": "SN_MAIN", "revision": "1"}
PERSON = [{"name": "name", "type": "felt"}, {"name": "wallet", "type": "felt"}]

EXAMPLES = {
    "rev0_mail": {
        "types": {"StarkNetDomain": DOMAIN_V0_TYPE, "Person": PERSON,
                  "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                           {"name": "contents", "type": "felt"}]},
        "primaryType": "Mail", "domain": DOMAIN_V0,
        "message": {"from": {"name": "Alice", "wallet": "0xa11ce"},
                    "to": {"name": "Bob", "wallet": "0xb0b"}, "contents": "Hello, Bob!"},
    },
    "rev0_arrays": {
        "types": {"StarkNetDomain": DOMAIN_V0_TYPE, "Person": PERSON,
                  "Post": [{"name": "title", "type": "string"}, {"name": "tags", "type": "felt*"}],
                  "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person*"},
                           {"name": "posts", "type": "Post*"}, {"name": "urgent", "type": "bool"},
                           {"name": "action", "type": "selector"}]},
        "primaryType": "Mail", "domain": DOMAIN_V0,
        "message": {"from": {"name": "Alice", "wallet": "0xa11ce"},
                    "to": [{"name": "Bob", "wallet": "0xb0b"}, {"name": "Carol", "wallet": "123"}],
                    "posts": [{"title": "first", "tags": ["0x1", 2, "three"]},
                              {"title": "second", "tags": []}],
                    "urgent": "true", "action": "transfer"},
    },
    "rev0_merkletree": {
        "types": {"StarkNetDomain": DOMAIN_V0_TYPE,
                  "Policy": [{"name": "contractAddress", "type": "felt"},
                             {"name": "selector", "type": "selector"}],
                  "Session": [{"name": "key", "type": "felt"}, {"name": "expires", "type": "felt"},
                              {"name": "root", "type": "merkletree", "contains": "Policy"}]},
        "primaryType": "Session", "domain": DOMAIN_V0,
        "message": {"key": "0x5e55", "expires": 1767225600,
                    "root": [{"contractAddress": "0x1", "selector": "transfer"},
                             {"contractAddress": "0x2", "selector": "approve"},
                             {"contractAddress": "0x3", "selector": "0x1234"}]},
    },
    "rev1_basic_types": {
        "types": {"StarknetDomain": DOMAIN_V1_TYPE,
                  "Example": [{"name": "n0", "type": "felt"}, {"name": "n1", "type": "bool"},
                              {"name": "n2", "type": "string"}, {"name": "n3", "type": "selector"},
                              {"name": "n4", "type": "u128"}, {"name": "n5", "type": "i128"},
                              {"name": "n6", "type": "ContractAddress"}, {"name": "n7", "type": "ClassHash"},
                              {"name": "n8", "type": "timestamp"}, {"name": "n9", "type": "shortstring"},
                              {"name": "n10", "type": "i128"}, {"name": "n11", "type": "bool"}]},
        "primaryType": "Example", "domain": DOMAIN_V1,
        "message": {"n0": "0x3e8", "n1": True,
                    "n2": "A string longer than thirty-one bytes, so the ByteArray has full words "
                          "and a pending word at the end.",
                    "n3": "transfer", "n4": "0xffffffffffffffffffffffffffffffff",
                    "n5": "-170141183460469231731687303715884105728", "n6": "0x3e8", "n7": "1000",
                    "n8": 1767225600, "n9": "shortstring", "n10": 42, "n11": "0x0"},
    },
    "rev1_exact_words": {
        "types": {"StarknetDomain": DOMAIN_V1_TYPE,
                  "Note": [{"name": "empty", "type": "string"}, {"name": "one_word", "type": "string"},
                           {"name": "two_words", "type": "string"}]},
        "primaryType": "Note", "domain": {**DOMAIN_V1, "revision": 1},
        "message": {"empty": "", "one_word": "x" * 31, "two_words": "y" * 62},
    },
    "rev1_presets": {
        "types": {"StarknetDomain": DOMAIN_V1_TYPE,
                  "Example": [{"name": "n0", "type": "TokenAmount"}, {"name": "n1", "type": "NftId"},
                              {"name": "n2", "type": "u256"}]},
        "primaryType": "Example", "domain": DOMAIN_V1,
        "message": {"n0": {"token_address": "0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7",
                           "amount": {"low": "0x3e8", "high": "0"}},
                    "n1": {"collection_address": "0x0abc", "token_id": {"low": 7, "high": "0x1"}},
                    "n2": {"low": "0xffffffffffffffffffffffffffffffff", "high": "12"}},
    },
    "rev1_enum": {
        "types": {"StarknetDomain": DOMAIN_V1_TYPE,
                  "Example": [{"name": "first", "type": "enum", "contains": "Choice"},
                              {"name": "second", "type": "enum", "contains": "Choice"},
                              {"name": "third", "type": "enum", "contains": "Choice"}],
                  "Choice": [{"name": "None", "type": "()"}, {"name": "Amounts", "type": "(u128,u128*)"},
                             {"name": "Item", "type": "(Item)"}],
                  "Item": [{"name": "id", "type": "felt"}, {"name": "price", "type": "u256"}]},
        "primaryType": "Example", "domain": DOMAIN_V1,
        "message": {"first": {"None": []}, "second": {"Amounts": [5, [1, 2, 3]]},
                    "third": {"Item": [{"id": "0x9", "price": {"low": 1, "high": 0}}]}},
    },
    "rev1_merkletree": {
        "types": {"StarknetDomain": DOMAIN_V1_TYPE,
                  "Example": [{"name": "value", "type": "felt"},
                              {"name": "root", "type": "merkletree", "contains": "felt"}]},
        "primaryType": "Example", "domain": DOMAIN_V1,
        "message": {"value": "0x2137", "root": ["0x1", "0x2", "0x3", "0x4", "0x5"]},
    },
    "rev1_outside_execution": {
        "types": {"StarknetDomain": DOMAIN_V1_TYPE,
                  "OutsideExecution": [{"name": "Caller", "type": "ContractAddress"},
                                       {"name": "Nonce", "type": "felt"},
                                       {"name": "Execute After", "type": "u128"},
                                       {"name": "Execute Before", "type": "u128"},
                                       {"name": "Calls", "type": "Call*"}],
                  "Call": [{"name": "To", "type": "ContractAddress"},
                           {"name": "Selector", "type": "selector"},
                           {"name": "Calldata", "type": "felt*"}]},
        "primaryType": "OutsideExecution",
        "domain": {"name": "Account.execute_from_outside", "version": "2", "chainId": "SN_MAIN",
                   "revision": "1"},
        "message": {"Caller": "0x414e595f43414c4c4552", "Nonce": "0x1c8",
                    "Execute After": "0x1", "Execute Before": "0x69ef2a60",
                    "Calls": [{"To": "0x4718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d",
                               "Selector": "transfer", "Calldata": ["0xb0b", "0x3e8", "0x0"]},
                              {"To": "0x4718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d",
                               "Selector": "0x83afd3f4caedc6eebf44246fe54e38c95e3179a5ec9ea81740eca5b482d12e",
                               "Calldata": []}]},
    },
}


def main():
    cases = []
    for name, example in EXAMPLES.items():
        oracle = TypedData.from_dict(example)
        primary = example["primaryType"]
        cases.append({
            "name": name,
            "typed_data": example,
            "account": hex(ACCOUNT),
            "message_hash": hex(oracle.message_hash(ACCOUNT)),
            "encoded_type": oracle._encode_type(primary),  # pylint: disable=protected-access
            "type_hash": hex(oracle.type_hash(primary)),
            "struct_hash": hex(oracle.struct_hash(primary, example["message"])),
        })
    vectors = {
        "source": "starknet-py 0.30.0 starknet_py.utils.typed_data.TypedData (message_hash, "
                  "type_hash, struct_hash, _encode_type) on examples written in gen_typed_data.py",
        "cases": cases,
    }
    OUT.write_text(json.dumps(vectors, indent=1) + "\n")


if __name__ == "__main__":
    main()
