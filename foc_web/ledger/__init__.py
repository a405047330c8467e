"""Signing with a Ledger running the Starknet app: HID framing, APDUs, the client, transports.

``hid`` and ``apdu`` are pure; ``client.LedgerClient`` drives any transport with
``async exchange(apdu) -> data || SW``: ``transports`` (replay, Speculos, USB via hidapi) on
CPython, ``foc_web.platform.webhid`` in a Chromium page.
"""

from .client import LedgerClient

__all__ = ["LedgerClient"]
