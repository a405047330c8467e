"""A Ledger over WebHID, for ``foc_web.ledger.LedgerClient`` in a Chromium page (Pyodide only).

WebHID exists in Chromium browsers on secure pages (https:// or localhost), and the device chooser
opens only inside a user gesture: call ``connect_ledger()`` from a click handler. Reports go out
with ``device.sendReport(0, report)`` and come back as ``inputreport`` events; both use the pure
framing of ``foc_web.ledger.hid`` (as Ledger's @ledgerhq/hw-transport-webhid does).
"""

import asyncio

import js
from pyodide.ffi import JsException, create_proxy, to_js

from ..errors import LedgerTransportError
from ..ledger.hid import CHANNEL, ResponseAssembler, frame_apdu
from ..ledger.transports import LEDGER_VENDOR_ID


class WebHidTransport:
    """An opened WebHID device; ``exchange`` sends one APDU and returns data||SW."""

    def __init__(self, device):
        self._device = device
        self._hid = js.navigator.hid
        self._reports = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._on_report = create_proxy(self._report)
        self._on_disconnect = create_proxy(self._disconnect)
        device.addEventListener("inputreport", self._on_report)
        self._hid.addEventListener("disconnect", self._on_disconnect)

    def _report(self, event):
        view = event.data
        self._reports.put_nowait(js.Uint8Array.new(view.buffer, view.byteOffset, view.byteLength).to_bytes())

    def _disconnect(self, event):
        if event.device == self._device:
            self._reports.put_nowait(None)  # wakes a pending exchange, which then fails

    async def exchange(self, apdu: bytes) -> bytes:
        async with self._lock:
            while not self._reports.empty():  # leftovers of an interrupted exchange
                if self._reports.get_nowait() is None:
                    raise LedgerTransportError("the Ledger was disconnected")
            try:
                for report in frame_apdu(apdu, CHANNEL):
                    await self._device.sendReport(0, to_js(report))
            except JsException as error:
                raise LedgerTransportError(f"sending to the Ledger failed: {error}") from None
            assembler = ResponseAssembler(CHANNEL)
            while True:
                report = await self._reports.get()
                if report is None:
                    raise LedgerTransportError("the Ledger was disconnected")
                response = assembler.feed(report)
                if response is not None:
                    return response

    async def close(self):
        """Stop listening and close the device (it stays authorised for this site)."""
        self._device.removeEventListener("inputreport", self._on_report)
        self._hid.removeEventListener("disconnect", self._on_disconnect)
        self._on_report.destroy()
        self._on_disconnect.destroy()
        if self._device.opened:
            await self._device.close()


async def connect_ledger() -> WebHidTransport:
    """Ask the user to pick their Ledger (call from a click handler) and open it."""
    navigator = getattr(js, "navigator", None)
    hid = getattr(navigator, "hid", None) if navigator is not None else None
    if hid is None:
        raise LedgerTransportError(
            "WebHID is not available: use Chrome, Edge or another Chromium browser, on an https:// page "
            "(or localhost)")
    if getattr(hid, "requestDevice", None) is None:
        raise LedgerTransportError(
            "WebHID's device chooser exists only on a page's main thread, not in a Web Worker: load the engine "
            "with worker: false (FocEngine.load({ worker: false }), or ?worker=0 in the demo) to use a Ledger")
    filters = to_js({"filters": [{"vendorId": LEDGER_VENDOR_ID}]}, dict_converter=js.Object.fromEntries)
    try:
        devices = await hid.requestDevice(filters)
    except JsException as error:
        hint = " (it must be called from a user gesture, such as a click)" if "SecurityError" in str(error) else ""
        raise LedgerTransportError(f"the Ledger chooser failed: {error}{hint}") from None
    if not devices.length:
        raise LedgerTransportError("no Ledger was selected: connect and unlock it, then choose it in the list")
    device = devices[0]
    if not device.opened:
        try:
            await device.open()
        except JsException as error:
            raise LedgerTransportError(
                f"cannot open the Ledger: {error} (is Ledger Live or another tab using it?)") from None
    return WebHidTransport(device)
