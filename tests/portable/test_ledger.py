"""Ledger Starknet app: HID framing, APDU builders/parsers and LedgerClient against the real app.

Expected bytes come from tests/vectors/ledger_transcript.json: exchanges recorded from the real
Starknet app 2.3.4, and the request APDUs of the app's own test samples (gen_ledger_transcript.py).
"""

import json
from pathlib import Path

import pytest

from foc_web.errors import (
    InvalidInputError,
    LedgerError,
    LedgerLockedError,
    LedgerPathError,
    LedgerTransportError,
    LedgerUserRejectedError,
    LedgerWrongAppError,
)
from foc_web.ledger import LedgerClient, apdu
from foc_web.ledger.hid import ResponseAssembler, frame_apdu
from foc_web.ledger.transports import ReplayTransport
from foc_web.stark.derivation import derive_from_mnemonic, eip2645_path
from foc_web.stark.ecdsa import verify
from foc_web.stark.keys import get_stark_key
from foc_web.stark.transaction import Call, ResourceBounds, ResourceBoundsMapping

VECTORS = json.loads(
    (Path(__file__).resolve().parent.parent / "vectors" / "ledger_transcript.json").read_text(encoding="utf-8"))
EXCHANGES = [(bytes.fromhex(request), bytes.fromhex(response)) for request, response in VECTORS["exchanges"]]
REQUESTS = [request for request, _ in EXCHANGES]
PATH = "m/2645'/1195502025'/1148870696'/0'/0'/0"
INVOKE = VECTORS["invoke_v3"]
INVOKE_REQUESTS = [request for request in REQUESTS if request[:2] == b"\x5a\x03"]
SIGN_HASH = bytes.fromhex(VECTORS["exchanges"][4][0])[5:]  # the 32 bytes sent with P1=1
HEADER = bytes.fromhex("010105")  # channel 0x0101, tag 0x05


def _int(value):
    return int(value, 16) if isinstance(value, str) else value


def _bounds(tx):
    return ResourceBoundsMapping(**{name: ResourceBounds(_int(amount), _int(price))
                                    for name, (amount, price) in tx["resource_bounds"].items()})


def _invoke_args(tx):
    calls = [Call(_int(c["to"]), _int(c["selector"]), [_int(v) for v in c["calldata"]]) for c in tx["calls"]]
    return dict(path=tx["path"], sender_address=_int(tx["sender_address"]), chain_id=_int(tx["chain_id"]),
                nonce=_int(tx["nonce"]), calls=calls, resource_bounds=_bounds(tx), tip=_int(tx["tip"]),
                nonce_da=tx["nonce_da"], fee_da=tx["fee_da"])


def _sample(name):
    return next(case for case in VECTORS["app_samples"] if case["name"] == name)


# --- HID framing (ledgerjs hid-framing.ts; shared/NOTES.md) ------------------------------------

def test_frame_short_apdu_by_hand():
    expected = bytes.fromhex("0101" "05" "0000" "0005" "5a00000000").ljust(64, b"\x00")
    assert frame_apdu(bytes.fromhex("5a00000000")) == [expected]


def test_frame_apdu_of_three_reports_by_hand():
    apdu_bytes = INVOKE_REQUESTS[-1]  # 5 + 160 bytes: 2 length bytes + 57, then 59, then 49
    assert len(apdu_bytes) == 165
    expected = [
        HEADER + bytes.fromhex("0000") + bytes.fromhex("00a5") + apdu_bytes[:57],
        HEADER + bytes.fromhex("0001") + apdu_bytes[57:116],
        (HEADER + bytes.fromhex("0002") + apdu_bytes[116:]).ljust(64, b"\x00"),
    ]
    assert frame_apdu(apdu_bytes) == expected


def test_assemble_recorded_responses_from_hand_made_reports():
    for _, response in EXCHANGES:
        message = len(response).to_bytes(2, "big") + response
        reports = [(HEADER + seq.to_bytes(2, "big") + message[59 * seq:59 * seq + 59]).ljust(64, b"\x00")
                   for seq in range((len(message) + 58) // 59)]
        assembler = ResponseAssembler()
        outputs = [assembler.feed(report) for report in reports]
        assert outputs[:-1] == [None] * (len(reports) - 1)
        assert outputs[-1] == response


@pytest.mark.parametrize("size", [1, 2, 57, 58, 59, 116, 117, 118, 255, 260, 1000])
def test_frame_and_assemble_round_trip(size):
    message = bytes((i * 7 + size) & 0xFF for i in range(size)) if size >= 2 else b"\x90"
    if size < 2:  # a response is at least the status word
        with pytest.raises(LedgerTransportError):
            ResponseAssembler().feed(frame_apdu(message)[0])
        return
    assembler = ResponseAssembler()
    results = [assembler.feed(report) for report in frame_apdu(message)]
    assert results[-1] == message and all(r is None for r in results[:-1])


def test_assembler_rejects_garbage():
    good = frame_apdu(bytes(100))  # two reports
    bad_channel = b"\x01\x02" + good[0][2:]
    bad_tag = good[0][:2] + b"\x02" + good[0][3:]
    for first in (bad_channel, bad_tag, good[1], good[0][:63]):
        with pytest.raises(LedgerTransportError):
            ResponseAssembler().feed(first)
    assembler = ResponseAssembler()
    assembler.feed(good[0])
    with pytest.raises(LedgerTransportError):
        assembler.feed(good[0])  # sequence 0 again where 1 is expected
    done = ResponseAssembler()
    assert done.feed(frame_apdu(b"\x90\x00")[0]) == b"\x90\x00"
    with pytest.raises(LedgerTransportError):
        done.feed(good[1])


# --- request builders: byte for byte what the real app received ------------------------------

def test_get_version_and_public_key_requests():
    assert apdu.get_version() == REQUESTS[0]
    assert apdu.get_public_key(PATH) == REQUESTS[1]
    assert apdu.get_public_key(eip2645_path(0), confirm=True) == REQUESTS[2]
    indices = [0x80000A55, 0xC741E9C9, 0xC47A6028, 0x80000000, 0x80000000, 0]
    assert apdu.get_public_key(indices) == REQUESTS[1]


def test_sign_hash_requests():
    assert apdu.sign_hash(PATH, int.from_bytes(SIGN_HASH, "big")) == [REQUESTS[3], REQUESTS[4]]
    with pytest.raises(InvalidInputError):
        apdu.sign_hash(PATH, 2**252)
    with pytest.raises(InvalidInputError):
        apdu.sign_hash(PATH, -1)


def test_invoke_v3_requests_equal_the_transcript():
    assert apdu.sign_invoke_v3(**_invoke_args(INVOKE)) == INVOKE_REQUESTS
    assert [request[2] for request in INVOKE_REQUESTS] == [0, 1, 2, 3, 4, 5, 6]


def test_invoke_v3_multicall_chunks_equal_the_app_samples():
    case = _sample("tx_v3_multicalls")
    requests = [bytes.fromhex(r) for r in case["requests"]]
    assert any(r[2:4] == b"\x06\x01" for r in requests)  # the sample continues calls with P2=1
    assert apdu.sign_invoke_v3(**_invoke_args(case)) == requests


@pytest.mark.parametrize("name", ["tx_v3_deploy_account", "tx_v3_l1_data_gas_deploy_account"])
def test_deploy_account_v3_requests_equal_the_app_samples(name):
    case = _sample(name)
    built = apdu.sign_deploy_account_v3(
        case["path"], _int(case["contract_address"]), _int(case["class_hash"]),
        _int(case["contract_address_salt"]), [_int(v) for v in case["constructor_calldata"]],
        _int(case["chain_id"]), _int(case["nonce"]), _bounds(case), _int(case["tip"]),
        nonce_da=case["nonce_da"], fee_da=case["fee_da"])
    assert built == [bytes.fromhex(r) for r in case["requests"]]


def test_deploy_account_v3_without_constructor_calldata_still_sends_the_last_step():
    built = apdu.sign_deploy_account_v3(PATH, 1, 2, 3, [], 4, 0, ResourceBoundsMapping())
    assert [r[2] for r in built] == [0, 1, 2, 3, 4, 5] and built[-1] == bytes.fromhex("5a05050000")


def test_paths_the_app_refuses_are_refused_before_sending():
    for case in VECTORS["errors"]:
        if case["sw"] in ("ff00", "ff01"):
            request = bytes.fromhex(case["request"])
            indices = [int.from_bytes(request[i:i + 4], "big") for i in range(5, len(request), 4)]
            with pytest.raises(LedgerPathError):
                apdu.get_public_key(indices)
    with pytest.raises(LedgerPathError) as caught:
        apdu.get_public_key("m/44'/9004'/0'/0/0")
    assert "BIP44" in str(caught.value) and "eip2645_path(index)" in str(caught.value)
    with pytest.raises(LedgerPathError):
        apdu.sign_hash("m/2645'/1'/2'/3'/4'", 1)


def test_invoke_inputs_the_app_cannot_sign_are_refused():
    args = _invoke_args(INVOKE)
    with pytest.raises(InvalidInputError):
        apdu.sign_invoke_v3(**dict(args, paymaster_data=[1]))
    with pytest.raises(InvalidInputError):
        apdu.sign_invoke_v3(**dict(args, account_deployment_data=[1]))
    with pytest.raises(InvalidInputError):
        apdu.sign_invoke_v3(**dict(args, calls=[]))
    with pytest.raises(InvalidInputError):
        apdu.sign_invoke_v3(**dict(args, tip=2**64))
    with pytest.raises(InvalidInputError):
        apdu.sign_invoke_v3(**dict(args, nonce_da=2))


# --- responses ---------------------------------------------------------------------------------

async def test_public_key_response_is_our_eip2645_key_of_the_emulator_seed():
    key = await derive_from_mnemonic(VECTORS["mnemonic"], PATH, scheme="eip2645")
    device_key = apdu.parse_public_key(apdu.split_response(EXCHANGES[1][1]))
    assert device_key == get_stark_key(key)
    assert apdu.parse_version(apdu.split_response(EXCHANGES[0][1])) == (2, 3, 4)


def test_recorded_signatures_verify():
    public_key = apdu.parse_public_key(apdu.split_response(EXCHANGES[1][1]))
    r, s, _ = apdu.parse_signature(apdu.split_response(EXCHANGES[6][1]))
    assert verify(int.from_bytes(SIGN_HASH, "big"), r, s, public_key)
    assert not verify(int.from_bytes(SIGN_HASH, "big") ^ 1, r, s, public_key)
    tx_hash, r, s, _ = apdu.parse_tx_signature(apdu.split_response(EXCHANGES[-1][1]))
    assert verify(tx_hash, r, s, public_key)


def test_malformed_responses_raise():
    with pytest.raises(LedgerError):
        apdu.parse_public_key(b"\x04" + bytes(64))  # (0, 0) is not on the curve
    with pytest.raises(LedgerError):
        apdu.parse_signature(b"\x40" + bytes(65))
    with pytest.raises(LedgerError):
        apdu.parse_version(b"\x02\x03")
    with pytest.raises(LedgerTransportError):
        apdu.split_response(b"\x90")


ERROR_TYPES = {"6e00": LedgerWrongAppError, "6e01": LedgerWrongAppError, "6e02": LedgerError,
               "6e03": LedgerError, "ff00": LedgerPathError, "ff01": LedgerPathError,
               "6985": LedgerUserRejectedError}


@pytest.mark.parametrize("case", VECTORS["errors"] + [{"what": "blind signing off", "sw": "6985"}])
def test_recorded_status_words_raise_typed_errors(case):
    with pytest.raises(LedgerError) as caught:
        apdu.split_response(bytes.fromhex(case["sw"]))
    assert type(caught.value) is ERROR_TYPES[case["sw"]]
    assert caught.value.status_word == int(case["sw"], 16)
    assert case["sw"].upper() in str(caught.value)


@pytest.mark.parametrize("sw, error_type", [(0x5515, LedgerLockedError), (0x6982, LedgerLockedError),
                                            (0x6D00, LedgerWrongAppError), (0x6511, LedgerWrongAppError),
                                            (0x6A80, LedgerError)])
def test_other_status_words(sw, error_type):
    with pytest.raises(LedgerError) as caught:
        apdu.check_status(sw)
    assert type(caught.value) is error_type and caught.value.status_word == sw
    apdu.check_status(0x9000)


def test_rejection_hints_at_blind_signing():
    with pytest.raises(LedgerUserRejectedError) as caught:
        apdu.check_status(0x6985)
    assert "Blind signing" in str(caught.value) and caught.value.code == "LEDGER_REJECTED"


# --- LedgerClient over the recorded conversation ----------------------------------------------

async def test_client_replays_the_whole_transcript():
    transport = ReplayTransport(EXCHANGES)
    client = LedgerClient(transport)
    assert await client.get_version() == (2, 3, 4)
    public_key = await client.get_public_key(PATH)
    assert await client.get_public_key(PATH, confirm=True) == public_key
    msg_hash = int.from_bytes(SIGN_HASH, "big")
    with pytest.raises(LedgerUserRejectedError):  # blind signing was still off on the device
        await client.sign_hash(PATH, msg_hash)
    r, s = await client.sign_hash(PATH, msg_hash)
    assert verify(msg_hash, r, s, public_key)
    args = _invoke_args(INVOKE)
    tx_hash, r, s = await client.sign_invoke_v3(args.pop("path"), **args)
    assert tx_hash == int(VECTORS["exchanges"][-1][1][:64], 16)
    assert verify(tx_hash, r, s, public_key)
    assert transport.remaining == 0


async def test_client_refuses_a_device_hash_other_than_ours():
    final_request, final_response = EXCHANGES[-1]
    forged = bytes([final_response[0] ^ 1]) + final_response[1:]
    client = LedgerClient(ReplayTransport(
        [(r, b"\x90\x00") for r in INVOKE_REQUESTS[:-1]] + [(final_request, forged)]))
    args = _invoke_args(INVOKE)
    with pytest.raises(LedgerError) as caught:
        await client.sign_invoke_v3(args.pop("path"), **args)
    assert "not ours" in str(caught.value)


async def test_client_rejects_data_on_an_intermediate_step():
    client = LedgerClient(ReplayTransport([(REQUESTS[3], b"\x01\x90\x00")]))
    with pytest.raises(LedgerError):
        await client.sign_hash(PATH, int.from_bytes(SIGN_HASH, "big"))


async def test_client_sends_nothing_for_invalid_input():
    client = LedgerClient(ReplayTransport([]))
    with pytest.raises(InvalidInputError):
        await client.sign_hash(PATH, 2**252)
    with pytest.raises(LedgerPathError):
        await client.get_public_key("m/44'/9004'/0'/0/0")
    args = _invoke_args(INVOKE)
    with pytest.raises(InvalidInputError):
        await client.sign_invoke_v3(args.pop("path"), **dict(args, paymaster_data=[5]))


async def test_replay_transport_refuses_unrecorded_requests():
    client = LedgerClient(ReplayTransport(EXCHANGES[:1]))
    with pytest.raises(LedgerTransportError):
        await client.get_public_key(PATH)
    with pytest.raises(LedgerTransportError):
        await ReplayTransport([]).exchange(REQUESTS[0])
