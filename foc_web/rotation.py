"""Key rotation: a new Stark key installed on chain, then in the vault, crash-safe at every step.

Order (each vault write is one atomic replace):
1. the new key is written into the vault as ``pending`` beside the current one;
2. the account's owner-key change is signed with the current key and submitted; the node must
   accept it and it must be accepted on L2;
3. the vault is rewritten with the new key as current (the old one archived if asked);
4. sessions are revoked.
A crash anywhere leaves a vault that opens with the password and holds the key the chain expects,
or both: ``resume_rotation`` (run on unlock) asks the chain which key is the owner and finishes or
discards the pending one. A rejected or reverted change discards the pending key: nothing changes.

Account classes: OpenZeppelin (``set_public_key``), Argent 0.4.0 (``change_owner``) and Argent 0.5.0
(``change_owners`` with an "Owner Alive" signature), each signed as its contract checks
(stark/owner_change.py). Braavos accounts cannot replace their Stark signer: refused, clearly.
"""

from . import platform
from .errors import ConfigError, FocError, InvalidInputError
from .stark.keys import get_stark_key
from .stark.owner_change import owner_change, owner_view
from .types import hex_felt

SCHEDULES = {"daily": 86400, "weekly": 7 * 86400, "monthly": 30 * 86400, "quarterly": 91 * 86400,
             "yearly": 365 * 86400}
ROTATION_TYPES = ("seamless", "manual")


class RotationMixin:
    async def rotate_keys(self, address, reason="manual", invalidate_old_sessions=True, update_metadata=True,
                          backup_old_keys=None, two_factor_code=None, network=None, password=None):
        """Install a new key on chain and in the vault; returns the new public key and the transaction hash."""
        from .accounts import random_private_key

        check_reason(reason)
        if password is not None:
            await self.unlock(address, password=password, network=network)
        found, _, store, key = await self._find(address, network)
        entry = self._unlocked_entry(found["address"], found["network"])
        if entry is None:
            raise ConfigError("unlock the account (or pass its password) to rotate its key")
        schedule = found["account"].get("rotation") or {}
        keep_old = schedule.get("backup_old_keys", True) if backup_old_keys is None else bool(backup_old_keys)
        new_key = random_private_key()
        change = owner_change(found["account"]["account_class"], int(found["address"], 16),
                              self._engine.chain_id(found["network"]), int(found["account"]["public_key"], 16),
                              new_key, int(platform.now()))
        await self._update_vault(found, store, key, entry, {"pending_private_key": hex_felt(new_key)}, {})
        try:
            tx_hash = await self.invoke(account=found["address"], network=found["network"],
                                        two_factor_code=two_factor_code,
                                        calls=[{"contract_address": found["address"], "entrypoint": change.entrypoint,
                                                "calldata": [hex(v) for v in change.calldata]}])
            await self.wait_for_tx(tx_hash, network=found["network"], interval=0.5)
        except FocError:
            found, _, store, key = await self._find(address, network)
            await self._update_vault(found, store, key, entry, {"pending_private_key": None}, {})
            raise
        found, _, store, key = await self._find(address, network)
        await self._finish_rotation(found, store, key, entry, keep_old, reason if update_metadata else None)
        if invalidate_old_sessions:
            await self._revoke(found["network"], found["address"])
        await self.audit(found["network"]).append("key_rotation", address=found["address"],
                                                  details={"reason": reason, "tx_hash": tx_hash})
        return {"public_key": hex_felt(get_stark_key(new_key)), "previous_public_key": found["account"]["public_key"],
                "transaction_hash": tx_hash}

    async def _finish_rotation(self, found, store, key, entry, keep_old, reason):
        """Make the pending key current (one atomic vault write) and keep the old one if asked."""
        new_key = int(entry.secrets["pending_private_key"], 16)
        archived = list(entry.secrets.get("archived_keys", []))
        if keep_old:
            archived.append({"private_key": hex_felt(entry.private_key), "retired_at": platform.now()})
        meta = {"public_key": hex_felt(get_stark_key(new_key))}
        if reason is not None:
            meta["rotated_at"], meta["rotation_reason"] = platform.now(), reason
        await self._update_vault(found, store, key, entry, {
            "private_key": hex_felt(new_key), "pending_private_key": None, "archived_keys": archived or None,
        }, meta)
        entry.private_key = new_key

    async def resume_rotation(self, address, network=None):
        """Finish or discard an interrupted rotation by asking the chain which key owns the account."""
        found, _, store, key = await self._find(address, network)
        entry = self._unlocked_entry(found["address"], found["network"])
        if entry is None or "pending_private_key" not in entry.secrets:
            return None
        pending_public = get_stark_key(int(entry.secrets["pending_private_key"], 16))
        (owner,) = await self._rpc(found["network"]).call_contract(
            int(found["address"], 16), owner_view(found["account"]["account_class"]))
        if owner == pending_public:
            await self._finish_rotation(found, store, key, entry, True, "resumed")
            await self._revoke(found["network"], found["address"])
            return "finished"
        await self._update_vault(found, store, key, entry, {"pending_private_key": None}, {})
        return "discarded"

    async def enable_key_rotation(self, account, schedule="monthly", rotation_type="seamless", backup_old_keys=True,
                                  notify_before_rotation=86400, network=None):
        """Record a rotation schedule; due rotations run on ``run_due_rotations()``, with an event before."""
        if schedule not in SCHEDULES:
            raise ConfigError(f"schedule must be one of {', '.join(SCHEDULES)}")
        if rotation_type not in ROTATION_TYPES:
            raise ConfigError(f"rotation_type must be one of {ROTATION_TYPES}")
        if isinstance(notify_before_rotation, bool) or not isinstance(notify_before_rotation, (int, float)) \
                or not 0 <= notify_before_rotation < SCHEDULES[schedule]:
            raise ConfigError("notify_before_rotation must be seconds, shorter than the schedule's period")
        found, _, store, key = await self._find(account, network)
        entry = self._unlocked_entry(found["address"], found["network"])
        if entry is None:
            raise ConfigError("unlock the account to change its rotation schedule")
        rotation = {"schedule": schedule, "type": rotation_type, "backup_old_keys": bool(backup_old_keys),
                    "notify_before": notify_before_rotation, "next_at": platform.now() + SCHEDULES[schedule]}
        await self._update_vault(found, store, key, entry, {}, {"rotation": rotation})
        return rotation

    async def run_due_rotations(self, network=None):
        """Rotate unlocked accounts whose schedule is due ("seamless"); warn those due soon.

        Returns the addresses rotated. A ``key_rotation_due`` security event fires once per period,
        ``notify_before`` seconds before the due time. ``unlock`` runs the same check for its account.
        """
        rotated = []
        for account in await self.list(network=network):
            if await self._rotate_if_due(account.address, account.network):
                rotated.append(account.address)
        return rotated

    async def _rotate_if_due(self, address, network):
        found, _, store, key = await self._find(address, network)
        rotation = found["account"].get("rotation")
        entry = self._unlocked_entry(found["address"], found["network"])
        if not rotation or entry is None:
            return False
        now, due = platform.now(), rotation["next_at"]
        if now >= due - rotation["notify_before"] and not rotation.get("notified"):
            await self._security_event("key_rotation_due", found["network"], found["address"], due_at=due)
            rotation = {**rotation, "notified": True}
            await self._update_vault(found, store, key, entry, {}, {"rotation": rotation})
        if now < due or rotation["type"] != "seamless":
            return False
        await self.rotate_keys(found["address"], reason="scheduled", network=found["network"],
                               backup_old_keys=rotation["backup_old_keys"])
        found, _, store, key = await self._find(address, network)
        next_rotation = {**rotation, "next_at": now + SCHEDULES[rotation["schedule"]], "notified": False}
        await self._update_vault(found, store, key, entry, {}, {"rotation": next_rotation})
        return True


def check_reason(reason):
    if not isinstance(reason, str) or not 0 < len(reason) <= 64:
        raise InvalidInputError("a rotation reason is a short text (1 to 64 characters)")
