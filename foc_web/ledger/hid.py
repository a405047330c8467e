"""Ledger's APDU-over-HID framing (what USB HID and WebHID carry): pure bytes in, bytes out.

Every report is 64 bytes: ``channel (u16 BE) || tag 0x05 || sequence (u16 BE, from 0) || payload``,
zero padded. The first report's payload starts with the total length (u16 BE) of the APDU (or of the
response data||SW); the rest of the message follows, 59 bytes per report (57 in the first).
Source: LedgerHQ ledgerjs packages/devices/src/hid-framing.ts and ledgerblue commHID.py
(wrapCommandAPDU / unwrapResponseAPDU); shared/NOTES.md "Ledger Starknet app".
"""

from ..errors import LedgerTransportError

CHANNEL = 0x0101  # the channel every Ledger client uses (hid-framing.ts, ledgerblue)
TAG = 0x05  # "APDU" command tag
REPORT_SIZE = 64  # HID report size of Ledger devices (without the report id)
_HEADER = 5  # channel (2) + tag (1) + sequence (2)
_MAX_LENGTH = 0xFFFF  # the length field is a u16


def _header(channel, seq):
    return channel.to_bytes(2, "big") + bytes([TAG]) + seq.to_bytes(2, "big")


def frame_apdu(apdu: bytes, channel: int = CHANNEL) -> list:
    """Cut ``u16 BE len || apdu`` into 64-byte reports (zero padded)."""
    if not isinstance(apdu, (bytes, bytearray)):
        raise TypeError("frame_apdu takes the APDU as bytes")
    if not 0 < len(apdu) <= _MAX_LENGTH:
        raise LedgerTransportError(f"an APDU has 1 to {_MAX_LENGTH} bytes, got {len(apdu)}")
    message = len(apdu).to_bytes(2, "big") + bytes(apdu)
    step = REPORT_SIZE - _HEADER
    return [
        (_header(channel, seq) + message[offset:offset + step]).ljust(REPORT_SIZE, b"\x00")
        for seq, offset in enumerate(range(0, len(message), step))
    ]


class ResponseAssembler:
    """Reassembles one response from its reports; ``feed`` returns data||SW once complete.

    Checks channel, tag and sequence order of every report and raises LedgerTransportError on
    anything else, so a stray or garbled report never becomes part of a response.
    """

    def __init__(self, channel: int = CHANNEL):
        self._channel = channel
        self._seq = 0
        self._length = None
        self._data = b""

    def feed(self, report: bytes):
        report = bytes(report)
        if len(report) != REPORT_SIZE:
            raise LedgerTransportError(f"a Ledger HID report has {REPORT_SIZE} bytes, got {len(report)}")
        if self._length is not None and len(self._data) >= self._length:
            raise LedgerTransportError("a report arrived after the response was complete")
        channel, tag, seq = int.from_bytes(report[:2], "big"), report[2], int.from_bytes(report[3:5], "big")
        if channel != self._channel or tag != TAG:
            raise LedgerTransportError(
                f"unexpected HID report (channel {channel:#06x}, tag {tag:#04x}): not a Ledger APDU response")
        if seq != self._seq:
            raise LedgerTransportError(f"HID report {seq} arrived where {self._seq} was expected")
        self._seq += 1
        payload = report[_HEADER:]
        if self._length is None:
            self._length, payload = int.from_bytes(payload[:2], "big"), payload[2:]
            if self._length < 2:
                raise LedgerTransportError("a Ledger response is at least a 2-byte status word")
        self._data += payload[:self._length - len(self._data)]
        return self._data if len(self._data) == self._length else None
