"""Sessions, second factors, security events and signed V3 invokes: the transaction half of ``accounts``.

``Accounts`` inherits these methods; they use its helpers (``_find``, ``_private_key``, state and
audit). Order inside ``invoke``: who signs (session or unlocked account, and its second factor) ->
permissions -> chain id of the node against the account's network -> nonce and fee estimate ->
hash and sign (pure Python) -> submit. Nothing is signed before every check has passed.

Sessions live in the store as ``foc_sessions_{network}_{address}``, keyed by the SHA-256 of their
token (the token itself is never stored), so expiry, revocation and the rate-limit window survive a
reload. They never hold key material: using one needs the account unlocked in this process.
"""

import base64
import hashlib
import hmac
import json

from . import platform
from .auth import otp
from .auth.permissions import Permissions, transaction_value
from .errors import (
    AccountNotFoundError,
    AuthenticationError,
    ConfigError,
    InvalidInputError,
    NotUnlockedError,
    SessionError,
    TwoFactorError,
)
from .events import EventEmitter
from .platform.keys import make_key
from .rpc.client import RpcClient, invoke_v3_request, resource_bounds_from_estimate
from .stark.ecdsa import sign
from .stark.felt import to_felt, to_felts
from .stark.keccak import get_selector_from_name
from .stark.transaction import Call, ResourceBounds, ResourceBoundsMapping, calculate_invoke_v3_hash, execute_calldata
from .vault import record

MAX_SESSION_SECONDS = 30 * 86400
TOKEN_BYTES = 32
DEFAULT_FEE_MULTIPLIER = 1.5


def token_id(token):
    """What is stored and logged instead of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SigningMixin:
    def _init_signing(self):
        self._events = EventEmitter()
        self._code_senders = {}
        self._sent_codes = {}

    # ------------------------------------------------------------------ events

    def on(self, name, callback):
        """``accounts.on("securityEvent", cb)``: cb gets a dict {type, network, address, time, details}."""
        return self._events.on(name, callback)

    def off(self, name, callback=None):
        self._events.off(name, callback)

    async def _security_event(self, kind, network, address, **details):
        event = {"type": kind, "network": network, "address": address, "time": platform.now(), "details": details}
        await self.audit(network).append("security_event", address=address,
                                         details={"reason": kind, **_audit_safe(details)})
        await self._events.emit("securityEvent", event)

    # ------------------------------------------------------------------ sessions

    def _sessions_key(self, network, address):
        return make_key("sessions", network, address)

    async def _read_sessions(self, network, address):
        text = await platform.store().get(self._sessions_key(network, address))
        return json.loads(text) if text else {}

    async def _write_sessions(self, network, address, sessions):
        await platform.store().set(self._sessions_key(network, address), json.dumps(sessions))

    async def create_session(self, account, password=None, duration=3600, permissions=None, two_factor_code=None,
                             network=None):
        """A session token for signing within ``permissions`` until ``duration`` seconds from now.

        Needs the password (the account is unlocked if it was not) or an already unlocked account,
        and the second factor when 2FA is enabled.
        """
        if (await self.get(account, network=network)).signer == "hardware":
            raise ConfigError("sessions are refused for hardware accounts: the device confirms each transaction, "
                              "so invoke with account=... and confirm on the Ledger")
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not 0 < duration <= MAX_SESSION_SECONDS:
            raise ConfigError(f"session duration must be between 1 s and {MAX_SESSION_SECONDS} s")
        rules = Permissions.from_option(permissions)
        if password is not None:
            found = await self.unlock(account, password=password, network=network)
        else:
            found = await self.get(account, network=network)
            self._private_key(found.address, found.network)
        await self._check_second_factor(found, two_factor_code)
        token = "fs1_" + base64.urlsafe_b64encode(platform.random_bytes(TOKEN_BYTES)).decode().rstrip("=")
        now = platform.now()
        async with platform.lock(f"sessions:{found.network}:{found.address}"):
            sessions = await self._read_sessions(found.network, found.address)
            sessions[token_id(token)] = {"created_at": now, "expires_at": now + duration,
                                         "permissions": rules.to_dict(), "revoked": False, "signed": []}
            await self._write_sessions(found.network, found.address, sessions)
        await self.audit(found.network).append("session_created", address=found.address,
                                               details={"session_id": token_id(token)})
        return Session(token=token, account=found.address, network=found.network, expires_at=now + duration,
                       permissions=rules.to_dict())

    async def _find_session(self, token):
        """(network, address, session record) for a live token; SessionError otherwise."""
        if not isinstance(token, str) or not token.startswith("fs1_"):
            raise SessionError("not a session token")
        await self._settle_auto_locks()
        wanted = token_id(token)
        store = platform.store()
        for network in self._engine.known_networks():
            for key in await store.keys(make_key("sessions", network) + "_"):
                sessions = json.loads(await store.get(key) or "{}")
                for candidate, session in sessions.items():
                    if hmac.compare_digest(candidate, wanted):
                        address = key.rsplit("_", 1)[1]
                        if session["revoked"]:
                            raise SessionError("this session was revoked")
                        if platform.now() >= session["expires_at"]:
                            raise SessionError("this session has expired")
                        return network, address, session
        raise SessionError("unknown session token")

    async def revoke_session(self, token):
        network, address, _ = await self._find_session(token)
        await self._revoke(network, address, only=token_id(token))

    async def _revoke(self, network, address, only=None):
        async with platform.lock(f"sessions:{network}:{address}"):
            sessions = await self._read_sessions(network, address)
            for sid, session in sessions.items():
                if only is None or sid == only:
                    session["revoked"] = True
            await self._write_sessions(network, address, sessions)
        await self.audit(network).append("session_revoked", address=address,
                                         details={"session_id": only} if only else {"reason": "all"})

    async def revoke_all_sessions(self, account, network=None):
        found = await self.get(account, network=network)
        await self._revoke(found.network, found.address)

    # ------------------------------------------------------------------ second factor

    def set_code_sender(self, method, sender):
        """The async callable ``sender(destination, code)`` that delivers SMS or e-mail codes."""
        if method not in ("sms", "email"):
            raise ConfigError("code senders exist for 'sms' and 'email'")
        self._code_senders[method] = sender

    async def enable_2fa(self, account, method="totp", secret=None, destination=None, password=None, network=None):
        """Turn on a second factor; its secret is stored inside the encrypted vault.

        Returns ``{"method", "secret", "uri", "qr"}`` for TOTP (the URI and QR code for the
        authenticator app), or ``{"method", "destination"}`` for SMS/e-mail.
        """
        if method not in otp.METHODS:
            raise ConfigError(f"2FA method must be one of {otp.METHODS}")
        if password is not None:
            await self.unlock(account, password=password, network=network)
        found, _, store, key = await self._find(account, network)
        entry = self._unlocked_entry(found["address"], found["network"])
        if entry is None:
            raise ConfigError("unlock the account (or pass its password) to enable 2FA")
        if method == "totp":
            await platform.require("pyotp", "segno")
            secret = otp.normalize_secret(secret) if secret is not None else otp.new_secret(platform.random_bytes)
            factor = {"method": "totp", "secret": secret}
        else:
            if method not in self._code_senders:
                raise ConfigError(f"no sender for {method} codes: call accounts.set_code_sender({method!r}, fn) first")
            if not isinstance(destination, str) or not destination:
                raise ConfigError(f"{method} 2FA needs a destination (a phone number or e-mail address)")
            factor = {"method": method, "destination": destination}
        await self._update_vault(found, store, key, entry, {"two_factor": factor}, {"two_factor": method})
        await self.audit(found["network"]).append("two_factor", address=found["address"],
                                                  details={"method": method, "reason": "enabled"})
        if method == "totp":
            uri = otp.provisioning_uri(secret, found["account"].get("username") or found["address"])
            return {"method": "totp", "secret": secret, "uri": uri, "qr": otp.qr_svg_data_uri(uri)}
        return {"method": method, "destination": destination}

    async def disable_2fa(self, account, password, code, network=None):
        if self._engine.security["two_factor"]["required"]:
            raise ConfigError("this engine requires two-factor authentication (security.two_factor.required)")
        await self.unlock(account, password=password, network=network)
        found, _, store, key = await self._find(account, network)
        account_view = self._account(found, "encrypted_local", None)
        await self._check_second_factor(account_view, code)
        entry = self._unlocked_entry(found["address"], found["network"])
        await self._update_vault(found, store, key, entry, {"two_factor": None}, {"two_factor": None})
        await self.audit(found["network"]).append("two_factor", address=found["address"],
                                                  details={"method": "none", "reason": "disabled"})

    async def request_2fa_code(self, account, network=None):
        """Send a fresh SMS/e-mail code through the app's sender (the account must be unlocked)."""
        found = await self.get(account, network=network)
        factor = self._unlocked_entry(found.address, found.network).secrets.get("two_factor") \
            if self.is_unlocked(found.address, found.network) else None
        if not factor or factor["method"] not in ("sms", "email"):
            raise TwoFactorError("this account has no SMS or e-mail second factor (or it is locked)")
        if factor["method"] not in self._code_senders:
            raise ConfigError(f"no sender for {factor['method']} codes in this page or process: call "
                              f"accounts.set_code_sender({factor['method']!r}, fn) first")
        code, expires = otp.new_sent_code(platform.random_bytes, platform.now())
        self._sent_codes[(found.network, found.address)] = (code, expires)
        await self._code_senders[factor["method"]](factor["destination"], code)

    async def _check_second_factor(self, account, code):
        """Verify and consume a second-factor code if the account has 2FA; no-op otherwise, unless the
        engine requires 2FA (``security.two_factor.required``) for software accounts. The factor is
        the vault's as stored now: another tab or process may have turned it on."""
        await self._refresh_unlocked(account.address, account.network)
        entry = self._unlocked_entry(account.address, account.network)
        factor = entry.secrets.get("two_factor") if entry else None
        if not factor:
            if self._engine.security["two_factor"]["required"] and account.signer != "hardware":
                raise TwoFactorError("this engine requires two-factor authentication before an account signs: "
                                     "turn it on with enable_2fa")
            return
        if code is None:
            raise TwoFactorError("this account has two-factor authentication: a code is required")
        if factor["method"] == "totp":
            await platform.require("pyotp")
        async with platform.lock(f"vault:{account.storage_key}"):  # the state's lock: a code is used once
            state = await self._read_state(account.network, account.address)
            self._lockout.check(state, platform.now())  # wrong codes count toward the lockout too
            try:
                if factor["method"] == "totp":
                    state["totp_last_step"] = otp.verify_totp(factor["secret"], code, platform.now(),
                                                              state.get("totp_last_step"))
                else:
                    expected, expires = self._sent_codes.pop((account.network, account.address), (None, 0))
                    otp.verify_sent_code(expected, expires, code, platform.now())
            except TwoFactorError:
                await self._count_failed_try(account.network, account.address, state, "two_factor")
                raise
            await self._write_state(account.network, account.address, {**state, **self._lockout.after_success()})

    @staticmethod
    async def _stored_record(found, store, key):
        """The record of ``found``'s account as stored now (it may have changed since ``found`` was read)."""
        text = await store.get(key)
        current = record.parse(text) if text is not None else None
        if current is None or (current["network"], current["address"]) != (found["network"], found["address"]):
            raise AccountNotFoundError(f"no account {found['address']} on network {found['network']!r} any more")
        return current

    async def _reload_unlocked(self, found, store, key, entry):
        """The record as stored now, with ``entry`` updated from its secrets; call under the vault's lock.

        Another tab, process or engine may have rotated the key, turned 2FA on or off or changed the
        password since this engine unlocked the account: acting on this engine's copy would sign
        with a retired key, skip a new second factor, or write old secrets back over new ones. If
        the entry's key no longer opens the record (a new password), the account is locked here.
        """
        current = await self._stored_record(found, store, key)
        if entry.password_key is None:  # a hardware account: nothing is sealed
            return current
        try:
            entry.secrets = await record.unseal(current, entry.password_key, network=found["network"],
                                                address=found["address"], storage_key=key)
        except AuthenticationError:
            if self._unlocked.get(key) is entry:
                del self._unlocked[key]
            raise NotUnlockedError("this account's vault was sealed again elsewhere (a new password?): "
                                   "unlock it again") from None
        entry.private_key = int(entry.secrets["private_key"], 16)
        return current

    async def _update_vault(self, found, store, key, entry, secret_changes, meta_changes):
        """Re-seal the vault with changed secrets/metadata under the unlocked key material.

        A read-modify-write of the record as stored now, under the vault's lock (see
        ``_reload_unlocked``). ``secret_changes`` is a dict, or a function of the current secrets
        returning one (None: nothing to write); a None value removes that secret.
        """
        async with platform.lock(f"vault:{key}"):
            current = await self._reload_unlocked(found, store, key, entry)
            changes = secret_changes(entry.secrets) if callable(secret_changes) else secret_changes
            if changes is None:
                return False
            secrets = {k: v for k, v in {**entry.secrets, **changes}.items() if v is not None}
            meta = {k: v for k, v in {**current["account"], **meta_changes}.items() if v is not None}
            sealed = await record.seal(
                secrets, entry.password_key, key_source=record.key_source_of(current), network=current["network"],
                address=current["address"], storage_key=key, account=meta, compression=current["compression"],
                created_at=current.get("created_at"),
            )
            await store.set(key, json.dumps(sealed))
        entry.secrets = secrets
        entry.private_key = int(secrets["private_key"], 16)
        return True

    async def _refresh_unlocked(self, address, network):
        """Bring this engine's unlocked copy of an account up to date with its vault (if unlocked)."""
        entry = self._unlocked_entry(address, network)
        if entry is not None:
            found, _, store, key = await self._find(address, network)
            async with platform.lock(f"vault:{key}"):
                await self._reload_unlocked(found, store, key, entry)

    # ------------------------------------------------------------------ transactions

    def _rpc(self, network):
        return RpcClient(self._engine.rpc_urls[network], timeout=self._engine.rpc_timeout)

    async def invoke(self, session=None, account=None, contract_address=None, entrypoint=None, calldata=None,
                     calls=None, two_factor_code=None, network=None, fee_multiplier=DEFAULT_FEE_MULTIPLIER, tip=0):
        """Sign and submit a V3 INVOKE (one call, or ``calls=[{contract_address, entrypoint, calldata}]``).

        Returns the transaction hash (0x hex). With ``session`` its permissions apply; with
        ``account`` the account must be unlocked and, if 2FA is on, ``two_factor_code`` is needed.
        """
        parsed_calls = _parse_calls(contract_address, entrypoint, calldata, calls)
        if session is not None:
            network, address, _ = await self._find_session(session)
        elif account is None:
            raise InvalidInputError("give a session token or an account")
        view = await self.get(address if session is not None else account, network=network)
        # One invoke at a time per account: the rate limit, a 2FA code's single use and the nonce
        # are each read and then consumed, so concurrent invokes must not see the same state.
        async with platform.lock(f"invoke:{view.network}:{view.address}"):
            return await self._invoke_serialized(view, session, parsed_calls, two_factor_code, fee_multiplier, tip)

    async def _invoke_serialized(self, view, session, parsed_calls, two_factor_code, fee_multiplier, tip):
        if session is not None:
            await self._refresh_unlocked(view.address, view.network)  # the key as stored now
            _, _, live = await self._find_session(session)  # again: under the lock, with its latest uses
            rules = Permissions.from_option(_permissions_option(live["permissions"]))
            value = rules.check(parsed_calls, platform.now(), live["signed"])
        else:
            if not self.is_unlocked(view.address, view.network):
                self._private_key(view.address, view.network)  # raises NotUnlockedError
            await self._check_second_factor(view, two_factor_code)
            value = transaction_value(parsed_calls)
        hardware = view.signer == "hardware"
        private_key = None if hardware else self._private_key(view.address, view.network)
        expected_chain = self._engine.chain_id(view.network)
        client = self._rpc(view.network)
        await client.require_chain_id(expected_chain)  # refuse to sign for another chain
        sender = int(view.address, 16)
        nonce = await client.get_nonce(sender)
        body = execute_calldata(parsed_calls)
        estimate_request = invoke_v3_request(sender, body, [], nonce, _zero_bounds(), tip=tip, query=True)
        estimate = await client.estimate_fee(estimate_request)
        bounds = resource_bounds_from_estimate(estimate, fee_multiplier)
        if hardware:  # clear signing on the device, which checks and shows the calls; same hash as ours
            tx_hash, r, s = await self._ledger_client().sign_invoke_v3(
                view.path, sender, expected_chain, nonce, parsed_calls, bounds, tip=tip)
        else:
            tx_hash = calculate_invoke_v3_hash(sender, body, expected_chain, nonce, bounds, tip=tip)
            r, s = sign(tx_hash, private_key)
        request = invoke_v3_request(sender, body, [r, s], nonce, bounds, tip=tip)
        accepted = await client.add_invoke_transaction(request)
        if session is not None:
            await self._record_session_use(view, session)
        await self.audit(view.network).append(
            "transaction_signing", address=view.address,
            details={"tx_hash": hex(accepted), "nonce": nonce, "value": str(value),
                     "contract_address": hex(parsed_calls[0].to_addr), "count": len(parsed_calls),
                     **({"session_id": token_id(session)} if session else {})},
        )
        await self._watch_transaction(view, parsed_calls, value)
        return hex(accepted)

    async def _record_session_use(self, view, token):
        async with platform.lock(f"sessions:{view.network}:{view.address}"):
            sessions = await self._read_sessions(view.network, view.address)
            live = sessions[token_id(token)]
            now = platform.now()
            live["signed"] = [t for t in live["signed"] if now - t < 3600] + [now]
            await self._write_sessions(view.network, view.address, sessions)

    async def _watch_transaction(self, view, calls, value):
        """unusual_transaction: a value above the threshold, or a contract this account never used."""
        threshold = self._engine.security["events"].get("unusual_value_threshold")
        async with platform.lock(f"vault:{view.storage_key}"):
            state = await self._read_state(view.network, view.address)
            used = set(state.get("contracts", []))
            new = sorted({hex(c.to_addr) for c in calls} - used)
            if new:
                state["contracts"] = sorted(used | set(new))
                await self._write_state(view.network, view.address, state)
        if new:
            await self._security_event("unusual_transaction", view.network, view.address,
                                       reason="new_contract", contract_address=new[0])
        if threshold is not None and value > threshold:
            await self._security_event("unusual_transaction", view.network, view.address,
                                       reason="value_above_threshold", value=str(value))

    async def wait_for_tx(self, tx_hash, network=None, interval=2.0, timeout=300.0):
        network = self._network(network)
        return await self._rpc(network).wait_for_tx(to_felt(tx_hash, "tx_hash"), interval=interval, timeout=timeout)


class Session:
    """A session handle. ``token`` is the bearer secret: show it to no one, log only ``token_id``."""

    __slots__ = ("token", "account", "network", "expires_at", "permissions")

    def __init__(self, token, account, network, expires_at, permissions):
        self.token, self.account, self.network = token, account, network
        self.expires_at, self.permissions = expires_at, permissions

    def __repr__(self):
        return f"Session(account={self.account!r}, network={self.network!r}, expires_at={self.expires_at})"

    def to_dict(self):
        return {"token": self.token, "account": self.account, "network": self.network,
                "expires_at": self.expires_at, "permissions": self.permissions}


def _permissions_option(stored):
    option = {k: v for k, v in stored.items() if v is not None and k != "rate_limit"}
    if stored.get("rate_limit", {}).get("transactions_per_hour") is not None:
        option["rate_limit"] = stored["rate_limit"]
    return option


def _parse_calls(contract_address, entrypoint, calldata, calls):
    if calls is None:
        if contract_address is None or entrypoint is None:
            raise InvalidInputError("give contract_address and entrypoint, or calls=[...]")
        calls = [{"contract_address": contract_address, "entrypoint": entrypoint, "calldata": calldata or []}]
    if not isinstance(calls, (list, tuple)) or not calls:
        raise InvalidInputError("calls must be a non-empty list")
    parsed = []
    for index, call in enumerate(calls):
        if not isinstance(call, dict) or set(call) - {"contract_address", "entrypoint", "calldata"}:
            raise InvalidInputError(f"call {index} must be {{contract_address, entrypoint, calldata}}")
        name = call.get("entrypoint")
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"call {index}: entrypoint must be a name")
        selector = to_felt(name, f"calls[{index}].entrypoint") if name.startswith("0x") else get_selector_from_name(name)
        parsed.append(Call(to_felt(call.get("contract_address"), f"calls[{index}].contract_address"), selector,
                           to_felts(call.get("calldata") or [], f"calls[{index}].calldata")))
    return parsed


def _zero_bounds():
    zero = ResourceBounds(0, 0)
    return ResourceBoundsMapping(zero, zero, zero)


def _audit_safe(details):
    return {k: v for k, v in details.items() if k in ("contract_address", "value", "count", "device_id")}
