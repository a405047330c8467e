"""The Ledger Starknet app, spoken over any transport: keys and signatures from the device.

A transport is any object with ``async exchange(apdu: bytes) -> bytes`` returning ``data || SW``
(``transports.ReplayTransport``/``SpeculosTransport``/``HidapiTransport`` on CPython,
``foc_web.platform.webhid.WebHidTransport`` in a browser). Transaction signing recomputes the
hash here and refuses a signature over any other hash than ours.
"""

import asyncio

from ..errors import LedgerError
from ..stark.address import compute_address
from ..stark.transaction import calculate_deploy_account_v3_hash, calculate_invoke_v3_hash, execute_calldata
from . import apdu


class LedgerClient:
    def __init__(self, transport):
        self._transport = transport
        # One command at a time: the app keeps a multi-APDU signing session per device.
        self._lock = asyncio.Lock()

    async def _run(self, apdus) -> bytes:
        """Send ``apdus`` in order; every answer but the last must be empty. Returns the last data."""
        async with self._lock:
            for index, request in enumerate(apdus):
                data = apdu.split_response(await self._transport.exchange(request))
                if data and index < len(apdus) - 1:
                    raise LedgerError(f"the Ledger answered {len(data)} bytes to an intermediate step")
            return data

    async def get_version(self) -> tuple:
        """(major, minor, patch) of the Starknet app."""
        return apdu.parse_version(await self._run([apdu.get_version()]))

    async def get_public_key(self, path, confirm: bool = False) -> int:
        """The Stark public key at ``path``; ``confirm`` shows it on the device for the user to approve."""
        return apdu.parse_public_key(await self._run([apdu.get_public_key(path, confirm)]))

    async def sign_hash(self, path, msg_hash: int) -> tuple:
        """(r, s) over ``msg_hash`` (< 2^252). Needs blind signing enabled in the app's settings."""
        r, s, _ = apdu.parse_signature(await self._run(apdu.sign_hash(path, msg_hash)))
        return r, s

    @staticmethod
    def _checked(data, expected_hash):
        tx_hash, r, s, _ = apdu.parse_tx_signature(data)
        if tx_hash != expected_hash:
            raise LedgerError(f"the Ledger signed transaction hash {tx_hash:#x}, not ours ({expected_hash:#x}): "
                              "signature discarded")
        return tx_hash, r, s

    async def sign_invoke_v3(self, path, sender_address, chain_id, nonce, calls, resource_bounds, tip=0,
                             paymaster_data=(), account_deployment_data=(), nonce_da=0, fee_da=0) -> tuple:
        """(tx_hash, r, s) of an INVOKE v3 shown and approved on the device."""
        expected = calculate_invoke_v3_hash(
            sender_address, execute_calldata(calls), chain_id, nonce, resource_bounds, tip,
            paymaster_data, account_deployment_data, nonce_da, fee_da)
        apdus = apdu.sign_invoke_v3(path, sender_address, chain_id, nonce, calls, resource_bounds, tip,
                                    paymaster_data, account_deployment_data, nonce_da, fee_da)
        return self._checked(await self._run(apdus), expected)

    async def sign_deploy_account_v3(self, path, class_hash, constructor_calldata, contract_address_salt,
                                     chain_id, nonce, resource_bounds, tip=0, paymaster_data=(),
                                     nonce_da=0, fee_da=0) -> tuple:
        """(tx_hash, r, s) of a DEPLOY_ACCOUNT v3 (deployer 0; arguments as calculate_deploy_account_v3_hash)."""
        expected = calculate_deploy_account_v3_hash(
            class_hash, constructor_calldata, contract_address_salt, chain_id, nonce, resource_bounds, tip,
            paymaster_data, nonce_da, fee_da)
        address = compute_address(class_hash, constructor_calldata, contract_address_salt)
        apdus = apdu.sign_deploy_account_v3(path, address, class_hash, contract_address_salt,
                                            constructor_calldata, chain_id, nonce, resource_bounds, tip,
                                            paymaster_data, nonce_da, fee_da)
        return self._checked(await self._run(apdus), expected)
