"""The Ledger transcript and APDU builders against starknet-py, and the CPython transports.

starknet-py's ``LedgerSigner`` (starknet_py/net/signer/ledger_signer.py) is the oracle for the
INVOKE v3 / DEPLOY_ACCOUNT v3 APDU sequences: it runs here with a recording stand-in for its
``ledgerwallet`` client, on random transactions.

The Speculos server here is a test double: a local TCP server speaking Speculos' APDU framing
(speculos/mcu/apdu.py: ``u32 BE len || apdu`` in, ``u32 BE len(data) || data || SW`` out) that
answers the recorded conversation of the real app 2.3.4 (tests/vectors/ledger_transcript.json).
"""

import asyncio
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starknet_py.hash.address import compute_address as oracle_address
from starknet_py.hash.utils import private_to_stark_key, verify_message_signature
from starknet_py.net.account.account import _parse_calls
from starknet_py.net.client_models import Call as OracleCall
from starknet_py.net.client_models import ResourceBounds as OracleBounds
from starknet_py.net.client_models import ResourceBoundsMapping as OracleMapping
from starknet_py.net.models.transaction import DeployAccountV3, InvokeV3
from starknet_py.net.signer.ledger_signer import LedgerSigner, LedgerSigningMode, LedgerStarknetApp

from foc_web.errors import LedgerTransportError, LedgerUserRejectedError
from foc_web.ledger import LedgerClient, apdu
from foc_web.ledger.hid import ResponseAssembler, frame_apdu
from foc_web.ledger.transports import HidapiTransport, SpeculosTransport
from foc_web.stark.derivation import derive_from_mnemonic
from foc_web.stark.felt import FIELD_PRIME
from foc_web.stark.transaction import Call, ResourceBounds, ResourceBoundsMapping

VECTORS = json.loads((Path(__file__).resolve().parent.parent / "vectors" / "ledger_transcript.json").read_text())
EXCHANGES = [(bytes.fromhex(q), bytes.fromhex(a)) for q, a in VECTORS["exchanges"]]
PATH = VECTORS["invoke_v3"]["path"]


def _device_key():
    return apdu.parse_public_key(apdu.split_response(EXCHANGES[1][1]))


async def test_device_key_is_starknet_py_key_of_the_derived_private_key():
    private_key = await derive_from_mnemonic(VECTORS["mnemonic"], PATH, scheme="eip2645")
    assert private_to_stark_key(private_key) == _device_key()


def test_transcript_signatures_verify_with_starknet_py():
    msg_hash = int.from_bytes(EXCHANGES[4][0][5:], "big")
    r, s, _ = apdu.parse_signature(apdu.split_response(EXCHANGES[6][1]))
    assert verify_message_signature(msg_hash, [r, s], _device_key())
    tx_hash, r, s, _ = apdu.parse_tx_signature(apdu.split_response(EXCHANGES[-1][1]))
    assert verify_message_signature(tx_hash, [r, s], _device_key())
    assert not verify_message_signature(tx_hash + 1, [r, s], _device_key())


async def _speculos_double(exchanges):
    """Serve ``exchanges`` in order with Speculos' framing; returns (server, port)."""
    pending = list(exchanges)

    async def handle(reader, writer):
        try:
            while True:
                size = int.from_bytes(await reader.readexactly(4), "big")
                request = await reader.readexactly(size)
                expected, response = pending.pop(0)
                assert request == expected, request.hex()
                writer.write((len(response) - 2).to_bytes(4, "big") + response)
                await writer.drain()
        except asyncio.IncompleteReadError:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_client_over_speculos_framing():
    server, port = await _speculos_double(EXCHANGES[:7])
    transport = SpeculosTransport("127.0.0.1", port)
    try:
        client = LedgerClient(transport)
        assert await client.get_version() == (2, 3, 4)
        key = await client.get_public_key(PATH)
        assert await client.get_public_key(PATH, confirm=True) == key
        msg_hash = int.from_bytes(EXCHANGES[4][0][5:], "big")
        with pytest.raises(LedgerUserRejectedError):
            await client.sign_hash(PATH, msg_hash)
        r, s = await client.sign_hash(PATH, msg_hash)
        assert verify_message_signature(msg_hash, [r, s], key)
    finally:
        await transport.close()
        server.close()
        await server.wait_closed()


async def test_speculos_not_running_is_a_transport_error():
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(LedgerTransportError) as caught:
        await SpeculosTransport("127.0.0.1", port).exchange(apdu.get_version())
    assert f"127.0.0.1:{port}" in str(caught.value)


def test_hidapi_without_a_device_is_a_clear_error():
    pytest.importorskip("hid")
    with pytest.raises(LedgerTransportError) as caught:
        HidapiTransport.open()
    assert "no Ledger found" in str(caught.value)


def test_hidapi_not_installed_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "hid", None)  # makes ``import hid`` raise ImportError
    with pytest.raises(LedgerTransportError) as caught:
        HidapiTransport.open()
    assert "pip install hidapi" in str(caught.value)


class _FakeHidDevice:
    """Stands in for ``hid.device()``: checks report id 0 + 64-byte reports, answers a recording."""

    def __init__(self, exchanges):
        self._exchanges = list(exchanges)
        self._request = ResponseAssembler()
        self._outgoing = []

    def write(self, data):
        assert data[0] == 0 and len(data) == 65
        request = self._request.feed(data[1:])
        if request is not None:
            self._request = ResponseAssembler()
            expected, response = self._exchanges.pop(0)
            assert request == expected
            self._outgoing += frame_apdu(response)
        return len(data)

    def read(self, size):
        return list(self._outgoing.pop(0))

    def close(self):
        pass


async def test_hidapi_transport_frames_through_report_id_zero():
    invoke = [pair for pair in EXCHANGES if pair[0][:2] == b"\x5a\x03"]
    transport = HidapiTransport(_FakeHidDevice(EXCHANGES[:2] + invoke[-1:]))
    client = LedgerClient(transport)
    assert await client.get_version() == (2, 3, 4)
    assert await client.get_public_key(PATH) == _device_key()
    assert await transport.exchange(invoke[-1][0]) == invoke[-1][1]  # 165-byte APDU, 100-byte answer


class _RecordingLedgerwallet:
    """Stands in for ledgerwallet's LedgerClient under starknet-py's LedgerSigner: records APDUs."""

    def __init__(self):
        self.apdus = []

    def apdu_exchange(self, ins, data=b"", p1=0, p2=0):
        self.apdus.append(bytes([0x5A, ins, p1, p2, len(data)]) + bytes(data))
        return bytes(98)


def _oracle_signer(path_bytes):
    app = LedgerStarknetApp.__new__(LedgerStarknetApp)
    app.client, app.derivation_path = _RecordingLedgerwallet(), path_bytes
    signer = LedgerSigner.__new__(LedgerSigner)
    signer.app, signer.chain_id = app, 0x534E5F5345504F4C4941  # SN_SEPOLIA
    signer.signing_mode = LedgerSigningMode.CLEAR
    return signer


felts = st.integers(0, FIELD_PRIME - 1)
bounds = st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**128 - 1))
calls = st.lists(st.tuples(felts, felts, st.lists(felts, max_size=16)), min_size=1, max_size=4)


def _mappings(values):
    ours = ResourceBoundsMapping(*(ResourceBounds(a, p) for a, p in values))
    oracle = OracleMapping(**{name: OracleBounds(max_amount=a, max_price_per_unit=p)
                              for name, (a, p) in zip(("l1_gas", "l2_gas", "l1_data_gas"), values)})
    return ours, oracle


@settings(max_examples=40, deadline=None)
@given(sender=felts, nonce=felts, tip=st.integers(0, 2**64 - 1), fees=st.tuples(bounds, bounds, bounds),
       calls=calls, account=st.integers(0, 2**31 - 1))
def test_invoke_v3_apdus_equal_starknet_py_ledger_signer(sender, nonce, tip, fees, calls, account):
    path = f"m/2645'/1195502025'/{0x2BCEE7DB}'/0'/{account}'/0"  # starknet-py's "LedgerW" path layout
    signer = _oracle_signer(apdu.encode_path(path))
    ours_bounds, oracle_bounds = _mappings(fees)
    calldata = _parse_calls(1, [OracleCall(to, selector, list(data)) for to, selector, data in calls])
    signer.sign_transaction(InvokeV3(version=3, signature=[], nonce=nonce, resource_bounds=oracle_bounds,
                                     tip=tip, calldata=calldata, sender_address=sender))
    built = apdu.sign_invoke_v3(path, sender, signer.chain_id, nonce,
                                [Call(to, selector, data) for to, selector, data in calls], ours_bounds, tip)
    assert built == signer.app.client.apdus


@settings(max_examples=30, deadline=None)
@given(class_hash=felts, salt=felts, nonce=felts, tip=st.integers(0, 2**64 - 1),
       fees=st.tuples(bounds, bounds, bounds), constructor=st.lists(felts, min_size=1, max_size=20))
def test_deploy_account_v3_apdus_equal_starknet_py_ledger_signer(class_hash, salt, nonce, tip, fees, constructor):
    signer = _oracle_signer(apdu.encode_path(PATH))
    ours_bounds, oracle_bounds = _mappings(fees)
    signer.sign_transaction(DeployAccountV3(
        version=3, signature=[], nonce=nonce, resource_bounds=oracle_bounds, tip=tip, class_hash=class_hash,
        contract_address_salt=salt, constructor_calldata=constructor))
    address = oracle_address(class_hash=class_hash, constructor_calldata=constructor, salt=salt)
    built = apdu.sign_deploy_account_v3(PATH, address, class_hash, salt, constructor, signer.chain_id, nonce,
                                        ours_bounds, tip)
    assert built == signer.app.client.apdus
