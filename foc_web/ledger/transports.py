"""Transports for ``LedgerClient`` outside the browser: replay, the Speculos emulator, USB HID.

Each has ``async exchange(apdu) -> data || SW``. This module imports in Pyodide too (for
``ReplayTransport``): sockets and ``hid`` are imported only by the classes that use them.
"""

import asyncio

from ..errors import LedgerTransportError
from .hid import CHANNEL, REPORT_SIZE, ResponseAssembler, frame_apdu

LEDGER_VENDOR_ID = 0x2C97  # USB vendor id of Ledger SAS
_APDU_USAGE_PAGE = 0xFFA0  # the HID interface that carries APDUs (ledgerblue commHID.getDongle)


class ReplayTransport:
    """A test double: answers a recorded conversation, in order, and fails on any other request."""

    def __init__(self, exchanges):
        """``exchanges``: (request, response) pairs, as bytes or hex strings."""
        self._exchanges = [tuple(bytes.fromhex(x) if isinstance(x, str) else bytes(x) for x in pair)
                           for pair in exchanges]
        self._next = 0

    @property
    def remaining(self) -> int:
        return len(self._exchanges) - self._next

    async def exchange(self, apdu: bytes) -> bytes:
        if self._next >= len(self._exchanges):
            raise LedgerTransportError(f"replay: no recorded exchange left for {bytes(apdu).hex()}")
        request, response = self._exchanges[self._next]
        if bytes(apdu) != request:
            raise LedgerTransportError(
                f"replay: exchange {self._next} sent {bytes(apdu).hex()}, the recording has {request.hex()}")
        self._next += 1
        return response


class SpeculosTransport:
    """Speculos' APDU TCP port (default 9999): ``u32 BE len || apdu`` in, ``u32 BE len(data) || data
    || SW`` out (speculos/mcu/apdu.py ``ApduClient``: the length does not count the status word)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 9999):
        self._address = (host, port)
        self._streams = None

    async def exchange(self, apdu: bytes) -> bytes:
        try:
            if self._streams is None:
                self._streams = await asyncio.open_connection(*self._address)
            reader, writer = self._streams
            writer.write(len(apdu).to_bytes(4, "big") + bytes(apdu))
            await writer.drain()
            size = int.from_bytes(await reader.readexactly(4), "big")
            return await reader.readexactly(size + 2)
        except (OSError, asyncio.IncompleteReadError) as error:
            await self.close()
            raise LedgerTransportError(
                f"Speculos at {self._address[0]}:{self._address[1]}: {type(error).__name__}: {error}") from None

    async def close(self):
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass


class HidapiTransport:
    """A Ledger on USB through the ``hidapi`` package (``pip install hidapi``; module ``hid``).

    Blocking HID calls run in a worker thread, so the event loop keeps running while the user
    looks at the device.
    """

    def __init__(self, device):
        self._device = device

    @classmethod
    def open(cls, path: bytes = None) -> "HidapiTransport":
        """Open the first Ledger found (or the one at ``path``, from ``hid.enumerate``)."""
        try:
            import hid
        except ImportError:
            raise LedgerTransportError(
                "USB access to a Ledger needs the hidapi package: pip install hidapi") from None
        if path is None:
            found = [info["path"] for info in hid.enumerate(LEDGER_VENDOR_ID, 0)
                     if info.get("interface_number") == 0 or info.get("usage_page") == _APDU_USAGE_PAGE]
            if not found:
                raise LedgerTransportError(
                    "no Ledger found on USB: plug it in, unlock it and open the Starknet app "
                    "(on Linux the udev rules from Ledger must allow access)")
            path = found[0]
        device = hid.device()
        try:
            device.open_path(path)
        except OSError as error:
            raise LedgerTransportError(f"cannot open the Ledger: {error} (is Ledger Live using it?)") from None
        return cls(device)

    def _exchange_blocking(self, apdu):
        for report in frame_apdu(apdu, CHANNEL):
            self._device.write(b"\x00" + report)  # report id 0, then the 64-byte report
        assembler = ResponseAssembler(CHANNEL)
        while True:
            report = bytes(self._device.read(REPORT_SIZE))
            response = assembler.feed(report)
            if response is not None:
                return response

    async def exchange(self, apdu: bytes) -> bytes:
        try:
            return await asyncio.to_thread(self._exchange_blocking, bytes(apdu))
        except (OSError, ValueError) as error:
            raise LedgerTransportError(f"USB exchange with the Ledger failed: {error}") from None

    async def close(self):
        self._device.close()
