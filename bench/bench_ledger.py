"""Speed of foc_web.ledger's pure parts next to starknet-py's LedgerSigner APDU building.

    python bench/bench_ledger.py [seconds per measurement, default 0.4]

A device takes tens of milliseconds per APDU and seconds for the user, so this only checks that
the host side is negligible. The starknet-py column runs its LedgerSigner with a recording
stand-in for the ledgerwallet client (no device). Ratio > 1 means foc_web is faster.
"""

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_hashes import ops_per_second  # noqa: E402

from foc_web.ledger import LedgerClient, apdu  # noqa: E402
from foc_web.ledger.hid import ResponseAssembler, frame_apdu  # noqa: E402
from foc_web.ledger.transports import ReplayTransport  # noqa: E402
from foc_web.stark.transaction import (  # noqa: E402
    SN_MAIN,
    Call,
    ResourceBounds,
    ResourceBoundsMapping,
    calculate_invoke_v3_hash,
    execute_calldata,
)

try:
    from starknet_py.net.account.account import _parse_calls
    from starknet_py.net.client_models import Call as RefCall
    from starknet_py.net.client_models import ResourceBounds as RefBounds
    from starknet_py.net.client_models import ResourceBoundsMapping as RefMapping
    from starknet_py.net.models.transaction import InvokeV3
    from starknet_py.net.signer.ledger_signer import LedgerSigner, LedgerSigningMode, LedgerStarknetApp
except ImportError:
    LedgerSigner = None

PATH = "m/2645'/1195502025'/1148870696'/0'/0'/0"
SENDER = 0x07E00D496E324876BBC8531F2D9A82BF154D1A04A50218EE74CDD372F75A551A
ETH = 0x049D36570D4E46F48E99674BD3FCC84644DDD6B96F7C741B1562B82F9E004DC7
TRANSFER = 0x0083AFD3F4CAEDC6EEBF44246FE54E38C95E3179A5EC9EA81740ECA5B482D12E
AMOUNTS = ((0, 19525538945337), (1413600, 6700971580), (528, 2413))
BOUNDS = ResourceBoundsMapping(*(ResourceBounds(a, p) for a, p in AMOUNTS))
ONE_CALL = [(ETH, TRANSFER, [SENDER, 1000])]
FOUR_CALLS = [(ETH + i, TRANSFER + i, [SENDER + j for j in range(16)]) for i in range(4)]
BIG_APDU = bytes(range(165))


def ours_apdus(calls):
    return lambda: apdu.sign_invoke_v3(PATH, SENDER, SN_MAIN, 1, [Call(*c) for c in calls], BOUNDS)


class _Recorder:
    def __init__(self):
        self.apdus = []

    def apdu_exchange(self, ins, data=b"", p1=0, p2=0):
        self.apdus.append(bytes([0x5A, ins, p1, p2, len(data)]) + bytes(data))
        return bytes(98)


def ref_apdus(calls):
    app = LedgerStarknetApp.__new__(LedgerStarknetApp)
    app.derivation_path = apdu.encode_path(PATH)
    signer = LedgerSigner.__new__(LedgerSigner)
    signer.app, signer.chain_id, signer.signing_mode = app, SN_MAIN, LedgerSigningMode.CLEAR
    bounds = RefMapping(**{name: RefBounds(a, p) for name, (a, p) in zip(("l1_gas", "l2_gas", "l1_data_gas"),
                                                                         AMOUNTS)})

    def run():
        app.client = _Recorder()
        calldata = _parse_calls(1, [RefCall(*c) for c in calls])
        signer.sign_transaction(InvokeV3(version=3, signature=[], nonce=1, resource_bounds=bounds, tip=0,
                                         calldata=calldata, sender_address=SENDER))
        return app.client.apdus
    return run


def frame_round_trip():
    assembler = ResponseAssembler()
    for report in frame_apdu(BIG_APDU):
        result = assembler.feed(report)
    return result


def client_invoke():
    """LedgerClient.sign_invoke_v3 (our hash + APDUs + response checks) over a replayed device."""
    requests = ours_apdus(ONE_CALL)()
    tx_hash = calculate_invoke_v3_hash(SENDER, execute_calldata([Call(*ONE_CALL[0])]), SN_MAIN, 1, BOUNDS)
    final = tx_hash.to_bytes(32, "big") + b"\x41" + bytes(65) + b"\x90\x00"
    exchanges = [(r, b"\x90\x00") for r in requests[:-1]] + [(requests[-1], final)]

    def run():
        client = LedgerClient(ReplayTransport(exchanges))
        return asyncio.run(client.sign_invoke_v3(PATH, SENDER, SN_MAIN, 1, [Call(*ONE_CALL[0])], BOUNDS))
    return run


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 0.4
    have_ref = LedgerSigner is not None
    rows = [
        ("HID frame+assemble 165 B", frame_round_trip, None),
        ("INVOKE v3 APDUs (1 call)", ours_apdus(ONE_CALL), have_ref and ref_apdus(ONE_CALL)),
        ("INVOKE v3 APDUs (4x16)", ours_apdus(FOUR_CALLS), have_ref and ref_apdus(FOUR_CALLS)),
        ("client invoke (replay)", client_invoke(), None),
    ]
    if have_ref:
        for calls in (ONE_CALL, FOUR_CALLS):
            assert ours_apdus(calls)() == ref_apdus(calls)()
    print(f"{'operation':26} {'foc_web ops/s':>14} {'starknet-py ops/s':>18} {'ratio':>7}")
    for name, ours, reference in rows:
        our_rate = ops_per_second(ours, seconds)
        if reference:
            ref_rate = ops_per_second(reference, seconds)
            print(f"{name:26} {our_rate:14.0f} {ref_rate:18.0f} {our_rate / ref_rate:7.2f}")
        else:
            print(f"{name:26} {our_rate:14.0f}")


if __name__ == "__main__":
    main()
