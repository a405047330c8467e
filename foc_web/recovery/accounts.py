"""Backups and social recovery in the accounts API (``Accounts`` inherits ``RecoveryMixin``).

Backups: ``create_backup`` packs the stored vault records (still encrypted by their own passwords)
into one file encrypted with the backup password (vault/backup.py); ``restore_from_backup`` checks
the whole file, then writes all accounts or none.

Social recovery: the guardian configuration lives in the vault's authenticated header (so it
cannot be edited in storage, and only the owner, with the vault open, can change it). A pending
recovery lives in the store as ``foc_recovery_{network}_{address}``; guardians approve it by
signing SNIP-12 typed data; after the threshold weight and the delay, ``finalize_recovery``
installs the new owner key in a new vault (the old record is archived, still encrypted).

Each step is a ``securityEvent`` (``accounts.on("securityEvent", cb)``) and one audit record:
``guardians_changed`` (audited as recovery_setup), ``recovery_initiated``, ``recovery_approved``,
``recovery_cancelled`` and ``recovery_finalized`` (audited as recovery_completed).
"""

import json

from .. import platform
from ..auth.policy import PasswordPolicy
from ..errors import AccountExistsError, BackupError, ConfigError, InvalidInputError, RecoveryError
from ..platform.keys import make_key
from ..stark.keys import get_stark_key, validate_private_key
from ..stark.felt import to_felt
from ..types import hex_felt
from ..vault import backup as backup_file, kdf, record
from .social import PendingRecovery, RecoveryConfig

CONFLICT_POLICIES = ("fail", "skip", "replace")
DEFAULT_RECOVERY_TTL = 7 * 86400


class RecoveryMixin:
    # ------------------------------------------------------------------ backups

    async def create_backup(self, accounts, password, metadata=None, key_derivation="argon2id", network=None):
        """One encrypted file (a JSON string) holding these accounts' vaults and ``metadata``."""
        if not isinstance(accounts, (list, tuple)) or not accounts:
            raise InvalidInputError("create_backup needs a non-empty list of account addresses")
        from ..accounts import check_password

        await check_password(PasswordPolicy(), password if isinstance(password, str) else "")
        vaults = []
        for address in accounts:
            found, _, _, _ = await self._find(address, network)
            vaults.append(found)
        text = await backup_file.create_backup(vaults, password, metadata=metadata, key_derivation=key_derivation,
                                          now=platform.now())
        await self.audit(network).append("backup_created", details={"count": len(vaults)})
        return text

    async def save_backup(self, backup, file_name="foc-backup.json"):
        """The backup as a file: a download (Blob + link) in the browser, a file (0600) on CPython."""
        backup_file.inspect_backup(backup)
        return await platform.save_file(file_name, backup)

    async def restore_from_backup(self, backup, password, verify_integrity=True, conflict="fail"):
        """Restore every account of a backup, or none.

        The file is authenticated as a whole (AES-256-GCM) before anything else happens; with
        ``verify_integrity`` (the default) each vault record inside is also checked for structure
        and consistency first. ``conflict``: "fail" (default) refuses if any account exists,
        "skip" keeps existing ones, "replace" overwrites them. Returns {"restored", "skipped"}.
        """
        if conflict not in CONFLICT_POLICIES:
            raise ConfigError(f"conflict must be one of {CONFLICT_POLICIES}")
        contents = await backup_file.open_backup(backup, password)
        vaults = contents["vaults"]
        if verify_integrity:
            for vault in vaults:
                record.parse(vault)
                self._engine.check_network(vault["network"])
                if vault["storage_key"] != self._storage_key(vault["network"], vault["address"],
                                                             _namespace_of(vault)):
                    raise BackupError(f"backup record of {vault['address']} names an inconsistent storage key")
        store = platform.store()
        existing = {v["storage_key"]: await store.get(v["storage_key"]) for v in vaults}
        clashes = [key for key, value in existing.items() if value is not None]
        if clashes and conflict == "fail":
            raise AccountExistsError(f"{len(clashes)} account(s) of the backup already exist: {', '.join(clashes)}; "
                                     "nothing was restored (use conflict='skip' or 'replace')")
        to_write = [v for v in vaults if not (conflict == "skip" and existing[v["storage_key"]] is not None)]
        written = []
        try:
            for vault in to_write:
                async with platform.lock(f"vault:{vault['storage_key']}"):
                    await store.set(vault["storage_key"], json.dumps(vault))
                written.append(vault["storage_key"])
        except Exception:
            for key in written:  # all or nothing: put back what was there
                try:
                    if existing[key] is None:
                        await store.delete(key)
                    else:
                        await store.set(key, existing[key])
                except Exception:  # noqa: BLE001 - put back the others; the first error is the one raised
                    continue
            raise
        for vault in to_write:
            await self.audit(vault["network"]).append("backup_restored", address=vault["address"])
        return {"restored": [v["address"] for v in to_write],
                "skipped": [v["address"] for v in vaults if v not in to_write]}

    # ------------------------------------------------------------------ social recovery

    def _recovery_key(self, network, address):
        return make_key("recovery", network, address)

    async def setup_social_recovery(self, account, guardians, threshold, recovery_delay=86400, password=None,
                                    network=None):
        """Set the guardians (weights, threshold weight, delay). Owner only: the vault must be open."""
        config = RecoveryConfig.from_option(guardians, threshold, recovery_delay)
        if password is not None:
            await self.unlock(account, password=password, network=network)
        found, _, store, key = await self._find(account, network)
        entry = self._unlocked_entry(found["address"], found["network"])
        if entry is None:
            raise ConfigError("only the owner can change guardians: unlock the account or pass its password")
        await self._update_vault(found, store, key, entry, {}, {"recovery": config.to_dict()})
        await self._recovery_event("guardians_changed", "recovery_setup", found["network"], found["address"],
                                   {"threshold": config.threshold, "count": len(config.guardians)},
                                   guardians=[hex_felt(g.address) for g in config.guardians],
                                   threshold=config.threshold, total_weight=config.total_weight,
                                   recovery_delay=config.delay)
        return config.to_dict()

    async def _recovery_event(self, kind, audit_event, network, address, audit_details, **details):
        """Audit a social recovery step once (``audit_event``), then emit it as the securityEvent ``kind``.

        The event has the shape of SigningMixin._security_event's, {type, network, address, time,
        details}; the fact is audited under its own recovery event (with guardian and threshold
        kept) rather than a second time as security_event.
        """
        await self.audit(network).append(audit_event, address=address, details=audit_details)
        await self._events.emit("securityEvent", {"type": kind, "network": network, "address": address,
                                                  "time": platform.now(), "details": details})

    async def _recovery_state(self, account, network):
        found, _, store, key = await self._find(account, network)
        stored = found["account"].get("recovery")
        if not stored:
            raise RecoveryError(f"account {found['address']} has no social recovery set up")
        return found, store, key, RecoveryConfig.from_dict(stored)

    async def _read_pending(self, network, address):
        text = await platform.store().get(self._recovery_key(network, address))
        return PendingRecovery.from_dict(json.loads(text)) if text else None

    async def initiate_recovery(self, account, new_owner, guardian=None, reason=None, expires_in=DEFAULT_RECOVERY_TTL,
                                network=None):
        """Start a recovery towards ``new_owner`` (the new Stark public key). Returns what guardians sign."""
        found, _, _, config = await self._recovery_state(account, network)
        if guardian is not None and config.guardian(to_felt(guardian, "guardian")) is None:
            raise RecoveryError("only a guardian can initiate a recovery")
        network, address = found["network"], found["address"]
        now = platform.now()
        previous = await self._read_pending(network, address)
        nonce = _fresh_nonce(None if previous is None else previous.nonce)
        pending = PendingRecovery.start(config, account=int(address, 16), new_owner_key=to_felt(new_owner, "new_owner"),
                                        nonce=nonce, now=now, expiry=int(now + expires_in))
        await platform.store().set(self._recovery_key(network, address), json.dumps(pending.to_dict()))
        initiator = None if guardian is None else hex_felt(to_felt(guardian, "guardian"))
        await self._recovery_event("recovery_initiated", "recovery_initiated", network, address,
                                   {"reason": (reason or "")[:64], "guardian": initiator, "nonce": nonce},
                                   guardian=initiator, reason=(reason or "")[:64], nonce=nonce,
                                   new_owner=hex_felt(pending.new_owner_key), expiry=pending.expiry,
                                   threshold=config.threshold)
        return self._recovery_view(found, config, pending)

    def _recovery_view(self, found, config, pending):
        chain_id = self._engine.chain_id(found["network"])
        return {"account": found["address"], "network": found["network"], **pending.to_dict(),
                "approved_weight": pending.approved_weight(config), "threshold": config.threshold,
                "executable_at": pending.executable_at(config), "typed_data": pending.typed_data(chain_id)}

    async def approve_recovery(self, account, approval, network=None):
        """Record a guardian's signed approval ({"guardian", "signature": [r, s]}) after verifying it."""
        found, _, _, config = await self._recovery_state(account, network)
        pending = await self._read_pending(found["network"], found["address"])
        if pending is None:
            raise RecoveryError("no recovery is pending for this account")
        chain_id = self._engine.chain_id(found["network"])
        pending.check_approvals(config, chain_id)
        pending.add_approval(config, approval, platform.now(), chain_id)
        await platform.store().set(self._recovery_key(found["network"], found["address"]), json.dumps(pending.to_dict()))
        guardian = hex_felt(to_felt(approval["guardian"], "guardian"))  # verified by add_approval
        weight = pending.approved_weight(config)
        await self._recovery_event("recovery_approved", "recovery_approved", found["network"], found["address"],
                                   {"guardian": guardian, "threshold": config.threshold, "nonce": pending.nonce},
                                   guardian=guardian, approved_weight=weight, threshold=config.threshold,
                                   nonce=pending.nonce, executable_at=pending.executable_at(config))
        return self._recovery_view(found, config, pending)

    async def get_recovery(self, account, network=None):
        found, _, _, config = await self._recovery_state(account, network)
        pending = await self._read_pending(found["network"], found["address"])
        return None if pending is None else self._recovery_view(found, config, pending)

    async def cancel_recovery(self, account, password, network=None):
        """The owner, with the password, cancels a pending recovery (e.g. during its delay).

        With no recovery pending there is nothing to cancel: no event, no audit record.
        """
        await self._open(account, password, network)
        found, _, _, _ = await self._recovery_state(account, network)
        network, address = found["network"], found["address"]
        pending = await self._read_pending(network, address)
        if pending is None:
            return
        await platform.store().delete(self._recovery_key(network, address))
        await self._recovery_event("recovery_cancelled", "recovery_cancelled", network, address,
                                   {"nonce": pending.nonce}, nonce=pending.nonce,
                                   new_owner=hex_felt(pending.new_owner_key))

    async def finalize_recovery(self, account, new_private_key, password, network=None, auth=None):
        """Install the new owner key once guardians' weight reached the threshold and the delay is over.

        ``new_private_key`` must match the approved new owner key; ``password`` encrypts the new vault.
        The previous vault record is archived (still encrypted with its old password).
        """
        found, store, key, config = await self._recovery_state(account, network)
        network, address = found["network"], found["address"]
        pending = await self._read_pending(network, address)
        if pending is None:
            raise RecoveryError("no recovery is pending for this account")
        pending.check_approvals(config, self._engine.chain_id(network))
        now = platform.now()
        if not pending.is_executable(config, now):
            at = pending.executable_at(config)
            raise RecoveryError("guardians' approvals have not reached the threshold" if at is None else
                                f"the recovery delay is not over: executable from {at:.0f}, or it expired")
        private_key = validate_private_key(new_private_key)
        if get_stark_key(private_key) != pending.new_owner_key:
            raise RecoveryError("this private key does not match the approved new owner key")
        policy, timeout = self._parse_auth(auth)
        from ..accounts import check_password

        await check_password(policy, password)
        previous = found.get("kdf", kdf.DEFAULTS["pbkdf2"])  # a KMS record becomes a password record
        params = kdf.with_fresh_salt({k: v for k, v in previous.items() if k != "salt"})
        meta = {**found["account"], "public_key": hex_felt(get_stark_key(private_key)), "recovered_at": now}
        sealed = await record.seal({"private_key": hex_felt(private_key)}, await kdf.derive_key(params, password),
                                   key_source={"kdf": params}, network=network, address=address, storage_key=key,
                                   account=meta, compression=found["compression"], created_at=found.get("created_at"))
        async with platform.lock(f"vault:{key}"):
            await platform.store().set(make_key("archive", network, address, str(int(now))), json.dumps(found))
            await store.set(key, json.dumps(sealed))
            await platform.store().delete(self._recovery_key(network, address))
        self._unlocked.pop(key, None)
        await self._revoke(network, address)
        await self._recovery_event("recovery_finalized", "recovery_completed", network, address,
                                   {"nonce": pending.nonce, "threshold": config.threshold},
                                   nonce=pending.nonce, new_owner=hex_felt(pending.new_owner_key),
                                   approved_weight=pending.approved_weight(config), threshold=config.threshold)
        return self._account(sealed, "encrypted_local", None)


def _fresh_nonce(previous):
    """A random request nonce below 2**53 (a JSON-safe number in JS), never the pending one's.

    Random rather than counted: a cancelled or finalized request leaves no record to count from,
    and a counter restarting at 0 would let the approvals of a cancelled request, replayed with
    the same new owner and expiry (the initiator chooses ``expires_in``), count again.
    """
    while True:
        nonce = int.from_bytes(platform.random_bytes(7), "big") & ((1 << 53) - 1)
        if nonce != previous:
            return nonce


def _namespace_of(vault):
    parts = vault["storage_key"].split("_")
    return parts[1] if len(parts) == 4 else None
