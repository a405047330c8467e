"""Key rotation: a new Stark key installed on chain, then in the vault, crash-safe at every step.

Order (each vault write is one atomic replace):
1. the new key is written into the vault as ``pending`` beside the current one, with the options;
2. the owner-key change is signed with the current key and submitted; its transaction hash is
   written beside the pending key before the receipt is awaited;
3. once the change is accepted on L2, sessions are revoked (if asked), then the vault is rewritten
   with the new key as current (the old one archived if asked). Revoking first means no crash can
   leave old sessions beside a finished rotation (``resume_rotation`` finishes in the same order).

The pending key is discarded only when the change certainly did not and never will take effect: the
node refused the submission, its receipt says REVERTED, or the owner is still the old key while the
account's nonce has passed every nonce the change could use (the first undecided resume records the
current nonce as that ceiling: the change was signed before). Any other outcome (receipt timeout,
lost answer, crash) keeps both keys, with RotationPendingError; the current key keeps signing. On
unlock, ``resume_rotation`` asks the chain: the owner is the new key -> "finished"; certainly not
landing -> "discarded"; else "pending". A new rotation starts only once none is in flight.

Account classes: OpenZeppelin (``set_public_key``), Argent 0.4.0 (``change_owner``) and Argent 0.5.0
(``change_owners`` with an "Owner Alive" signature), each signed as its contract checks
(stark/owner_change.py). Braavos accounts cannot replace their Stark signer: refused, clearly.
"""

from . import platform
from .errors import (
    ChainIdMismatchError,
    ConfigError,
    FocError,
    InvalidInputError,
    LedgerError,
    NotUnlockedError,
    RotationPendingError,
    RpcError,
    TransactionRevertedError,
    TwoFactorError,
)
from .rpc.client import TXN_HASH_NOT_FOUND
from .stark.keys import get_stark_key
from .stark.owner_change import owner_change, owner_view
from .types import hex_felt

SCHEDULES = {"daily": 86400, "weekly": 7 * 86400, "monthly": 30 * 86400, "quarterly": 91 * 86400,
             "yearly": 365 * 86400}
ROTATION_TYPES = ("seamless", "manual")
RECEIPT_TIMEOUT = 300.0  # seconds rotate_keys waits for the change's receipt
# What ``invoke`` raises only before submitting, or when the node refuses the submission (its last call).
_REFUSED = (RpcError, ChainIdMismatchError, TwoFactorError, NotUnlockedError, InvalidInputError, ConfigError,
            LedgerError)
_CLEARED = {"pending_private_key": None, "pending_rotation": None}


def _if_pending(pending, changes):
    """Vault changes that apply only while ``pending`` is still the stored pending key: another tab
    or process may have settled it, and started another rotation, since this engine looked."""
    return lambda secrets: changes if secrets.get("pending_private_key") == pending else None


class RotationMixin:
    async def rotate_keys(self, address, reason="manual", invalidate_old_sessions=True, update_metadata=True,
                          backup_old_keys=None, two_factor_code=None, network=None, password=None):
        """Install a new key on chain and in the vault; returns the new public key and the transaction hash.

        Raises RotationPendingError when the change's outcome is not known (see the module docstring).
        """
        from .accounts import random_private_key

        check_reason(reason)
        if password is not None:
            await self.unlock(address, password=password, network=network)
        found, _, _, _ = await self._find(address, network)
        network, address = found["network"], found["address"]
        entry = self._unlocked_entry(address, network)
        if entry is None:
            raise ConfigError("unlock the account (or pass its password) to rotate its key")
        if "pending_private_key" in entry.secrets and await self.resume_rotation(address, network) == "pending":
            raise RotationPendingError("an earlier key rotation of this account is still in flight; a new one can "
                                       "start once resume_rotation (run on unlock) has settled it",
                                       entry.secrets["pending_rotation"].get("tx_hash"))
        found, _, _, _ = await self._find(address, network)
        schedule = found["account"].get("rotation") or {}
        new_key = random_private_key()
        change = owner_change(found["account"]["account_class"], int(address, 16), self._engine.chain_id(network),
                              int(found["account"]["public_key"], 16), new_key, int(platform.now()))
        # An unreachable node, or one of another chain, refuses the rotation before anything is written.
        await self._rpc(network).require_chain_id(self._engine.chain_id(network))
        keep_old = schedule.get("backup_old_keys", True) if backup_old_keys is None else bool(backup_old_keys)
        record = {"keep_old": keep_old, "revoke_sessions": bool(invalidate_old_sessions), "reason": reason,
                  "update_metadata": bool(update_metadata)}
        ours = hex_felt(new_key)

        def start(secrets):  # under the vault's lock: one rotation at a time, whichever tab started it
            if "pending_private_key" in secrets:
                raise RotationPendingError("a rotation of this account started elsewhere (another tab or "
                                           "process) is still in flight; resume_rotation settles it",
                                           secrets["pending_rotation"].get("tx_hash"))
            return {"pending_private_key": ours, "pending_rotation": record}

        await self._rewrite(address, network, entry, start)
        try:
            tx_hash = await self.invoke(account=address, network=network, two_factor_code=two_factor_code,
                                        calls=[{"contract_address": address, "entrypoint": change.entrypoint,
                                                "calldata": [hex(v) for v in change.calldata]}])
        except _REFUSED:
            await self._rewrite(address, network, entry, _if_pending(ours, _CLEARED))
            raise
        except FocError as error:
            raise RotationPendingError("the node's answer was lost, so the key change may have been submitted; "
                                       "the current key stays in use, resume_rotation (run on unlock) settles "
                                       "the rotation once the chain decides") from error
        submitted = {"pending_rotation": {**record, "tx_hash": tx_hash}}
        await self._rewrite(address, network, entry, _if_pending(ours, submitted))
        try:
            await self.wait_for_tx(tx_hash, network=network, interval=0.5, timeout=RECEIPT_TIMEOUT)
        except TransactionRevertedError:
            await self._rewrite(address, network, entry, _if_pending(ours, _CLEARED))
            raise
        except FocError as error:
            raise RotationPendingError(f"the key change {tx_hash} is not confirmed yet; the current key stays in "
                                       "use, resume_rotation (run on unlock) finishes the rotation once it lands",
                                       tx_hash) from error
        public_key = await self._finish_rotation(address, network, entry)
        return {"public_key": public_key, "previous_public_key": found["account"]["public_key"],
                "transaction_hash": tx_hash}

    async def _rewrite(self, address, network, entry, secret_changes):
        found, _, store, key = await self._find(address, network)
        await self._update_vault(found, store, key, entry, secret_changes, {})

    async def _finish_rotation(self, address, network, entry):
        """Revoke sessions if asked, then make the pending key current (one vault write); its public key.

        The write is made from the vault as stored at that moment: if another tab or process has
        settled this rotation first, nothing is written or audited twice.
        """
        pending, record = entry.secrets["pending_private_key"], entry.secrets["pending_rotation"]
        if record["revoke_sessions"]:
            await self._revoke(network, address)
        found, _, store, key = await self._find(address, network)
        now = platform.now()
        meta = {"public_key": hex_felt(get_stark_key(int(pending, 16)))}
        if record["update_metadata"]:
            meta["rotated_at"], meta["rotation_reason"] = now, record["reason"]
        schedule = found["account"].get("rotation")
        if schedule:  # the next scheduled rotation is one period after this one
            meta["rotation"] = {**schedule, "next_at": now + SCHEDULES[schedule["schedule"]], "notified": False}

        def finish(secrets):
            if secrets.get("pending_private_key") != pending:
                return None  # settled elsewhere
            archived = list(secrets.get("archived_keys", []))
            if record["keep_old"]:
                archived.append({"private_key": secrets["private_key"], "retired_at": now})
            return {"private_key": pending, **_CLEARED, "archived_keys": archived or None}

        if await self._update_vault(found, store, key, entry, finish, meta):
            details = {"reason": record["reason"], **({"tx_hash": record["tx_hash"]} if "tx_hash" in record else {})}
            await self.audit(network).append("key_rotation", address=address, details=details)
        return meta["public_key"]

    async def resume_rotation(self, address, network=None):
        """Settle an interrupted rotation by asking the chain.

        Returns "finished", "discarded", "pending" (undecided: asked again on the next unlock), or
        None when there is nothing to settle or the account is locked.
        """
        found, _, _, _ = await self._find(address, network)
        network, address = found["network"], found["address"]
        await self._refresh_unlocked(address, network)  # another tab or process may have settled it
        entry = self._unlocked_entry(address, network)
        if entry is None or "pending_private_key" not in entry.secrets:
            return None
        pending, record = entry.secrets["pending_private_key"], entry.secrets["pending_rotation"]
        client, account = self._rpc(network), int(address, 16)
        # The owner is read last: a change that lands between these reads shows there, never as "cannot land".
        reverted = "tx_hash" in record and await _reverted(client, int(record["tx_hash"], 16))
        spent = "nonce_ceiling" in record and \
            await client.get_nonce(account, "latest") > int(record["nonce_ceiling"], 16)
        ceiling = None if "nonce_ceiling" in record else await client.get_nonce(account)
        (owner,) = await client.call_contract(account, owner_view(found["account"]["account_class"]))
        if owner == get_stark_key(int(pending, 16)):
            await self._finish_rotation(address, network, entry)
            return "finished"
        if reverted or spent:
            await self._rewrite(address, network, entry, _if_pending(pending, _CLEARED))
            return "discarded"
        if ceiling is not None:
            await self._rewrite(address, network, entry,
                                _if_pending(pending, {"pending_rotation": {**record, "nonce_ceiling": hex(ceiling)}}))
        return "pending"

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
        if not rotation or entry is None or "pending_private_key" in entry.secrets:  # in flight: resume settles it
            return False
        now, due = platform.now(), rotation["next_at"]
        if now >= due - rotation["notify_before"] and not rotation.get("notified"):
            await self._security_event("key_rotation_due", found["network"], found["address"], due_at=due)
            rotation = {**rotation, "notified": True}
            await self._update_vault(found, store, key, entry, {}, {"rotation": rotation})
        if now < due or rotation["type"] != "seamless":
            return False
        await self.rotate_keys(found["address"], reason="scheduled", network=found["network"],
                               backup_old_keys=rotation["backup_old_keys"])  # which sets the next due time
        return True


async def _reverted(client, tx_hash):
    """True when the node has the transaction's receipt and it says REVERTED."""
    try:
        return (await client.get_transaction_receipt(tx_hash))["execution_status"] == "REVERTED"
    except RpcError as error:
        if error.rpc_code != TXN_HASH_NOT_FOUND:
            raise
        return False


def check_reason(reason):
    if not isinstance(reason, str) or not 0 < len(reason) <= 64:
        raise InvalidInputError("a rotation reason is a short text (1 to 64 characters)")
