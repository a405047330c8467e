"""The JSON boundary used by the JS facade (static/foc-engine.js): plain data in, plain data out.

JS calls ``await bridge.call(method, args_json)``; arguments arrive as JSON, results leave as JSON,
and errors leave as ``{"error": {"code", "message", "name"}}`` so the facade can throw an ``Error``
with a stable ``code``. No JsProxy ever crosses, so results are plain JS objects, and this module
needs no ``js`` import: the event callback is whatever callable the facade passes in.

Names are renamed, data is not: keys of option and result objects go camelCase -> snake_case on the
way in and back on the way out, at any depth, except that the value under a key of ``DATA_KEYS``
(typed data, backup metadata, audit/event details, rpc and chain_ids maps, ...) and the whole result
of a method of ``DATA_RESULTS`` (the node's receipt) cross verbatim. Positional arguments are data.
"""

import dataclasses
import json
import re

from .engine import FocEngine
from .errors import FocError

#: JS method -> (Python method of engine.accounts, names of its positional parameters; "*" marks one
#: that may itself be an object, so a trailing object in that slot is not taken for the options).
#: The facade (static/foc-engine.js) reads this table through ``methods()``: one table, no per-method code.
METHODS = {
    "generatePrivateKey": ("generate_private_key", ()),
    "deriveKeys": ("derive_keys", ()),
    "create": ("create", ()),
    "unlock": ("unlock", ("address",)),
    "lock": ("lock", ("address",)),
    "isUnlocked": ("is_unlocked", ("address",)),
    "list": ("list", ()),
    "get": ("get", ("address",)),
    "delete": ("delete", ("address",)),
    "export": ("export", ("address",)),
    "changePassword": ("change_password", ("address",)),
    "switchNetwork": ("switch_network", ("address", "network")),
    "exportKeystore": ("export_keystore", ("address",)),
    "importKeystore": ("import_keystore", ("keystore_json*",)),
    "getAuditLog": ("get_audit_log", ("address",)),
    "verifyAuditLog": ("verify_audit_log", ()),
    "createSession": ("create_session", ()),
    "revokeSession": ("revoke_session", ("token",)),
    "revokeAllSessions": ("revoke_all_sessions", ("account",)),
    "enable2fa": ("enable_2fa", ()),
    "disable2fa": ("disable_2fa", ()),
    "request2faCode": ("request_2fa_code", ("account",)),
    "invoke": ("invoke", ()),
    "waitForTx": ("wait_for_tx", ("tx_hash",)),
    "generateMnemonic": ("generate_mnemonic", ()),
    "createFromMnemonic": ("create_from_mnemonic", ()),
    "recoverFromMnemonic": ("recover_from_mnemonic", ()),
    "rotateKeys": ("rotate_keys", ("address",)),
    "resumeRotation": ("resume_rotation", ("address",)),
    "enableKeyRotation": ("enable_key_rotation", ()),
    "runDueRotations": ("run_due_rotations", ()),
    "createBackup": ("create_backup", ()),
    "saveBackup": ("save_backup", ("backup",)),
    "restoreFromBackup": ("restore_from_backup", ("backup",)),
    "setupSocialRecovery": ("setup_social_recovery", ()),
    "initiateRecovery": ("initiate_recovery", ()),
    "approveRecovery": ("approve_recovery", ()),
    "getRecovery": ("get_recovery", ("account",)),
    "cancelRecovery": ("cancel_recovery", ()),
    "finalizeRecovery": ("finalize_recovery", ()),
    "connectLedger": ("connect_ledger", ()),
}
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_SNAKE = re.compile(r"_([a-z0-9])")
#: Names whose JS spelling is not plain camelCase of the Python one.
_SPECIAL = {"enable2fa": "enable_2fa", "disable2fa": "disable_2fa", "twoFactorCode": "two_factor_code"}


def to_snake(name):
    return _SPECIAL.get(name) or _CAMEL.sub(lambda m: "_" + m.group(1).lower(), name)


def to_camel(name):
    return _SNAKE.sub(lambda m: m.group(1).upper(), name)


#: Keys whose values are data, not options: they cross verbatim in both directions (the key itself is
#: still renamed, e.g. ``typedData`` <-> ``typed_data``). Maps keyed by user-chosen names (networks,
#: guardian addresses) and documents defined elsewhere (SNIP-12 typed data and its parts, backup
#: metadata, audit/event details, node receipts, keystores, calldata).
DATA_KEYS = frozenset({
    "rpc", "chain_ids", "approvals",
    "typed_data", "types", "domain", "message",
    "metadata", "details", "receipt", "calldata", "keystore", "keystore_json", "backup",
})
#: JS methods whose whole result is such a document, returned verbatim.
DATA_RESULTS = frozenset({"waitForTx", "exportKeystore"})


def _names(value, convert):
    """Rename the keys of option/result objects at any depth, leaving the values of DATA_KEYS as they are."""
    if isinstance(value, dict):
        return {convert(k): v if to_snake(k) in DATA_KEYS else _names(v, convert) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_names(v, convert) for v in value]
    return value


def from_js(options):
    """JS options (camelCase names) as Python keyword arguments (snake_case); data values untouched."""
    return _names(options, to_snake)


def to_js(result, method=None):
    """A Python result as JSON-able data for JS: our snake_case names in camelCase, data untouched."""
    result = plain(result)
    return result if method in DATA_RESULTS else _names(result, to_camel)


def plain(value):
    """Any result of the accounts API as JSON-able data (dataclasses and objects with to_dict included)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(value.to_dict() if hasattr(value, "to_dict") else dataclasses.asdict(value))
    if hasattr(value, "to_dict"):
        return plain(value.to_dict())
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return hex(value)  # JS numbers would lose precision
    return value


class Bridge:
    """One engine, driven by JSON calls from JS."""

    def __init__(self, options_json="{}"):
        options = from_js(json.loads(options_json or "{}"))
        self.engine = FocEngine(**options)

    @staticmethod
    def methods():
        return json.dumps({js: [p.rstrip("*") for p in params] for js, (_, params) in METHODS.items()})

    async def call(self, method, args_json):
        """``args_json`` is ``[positional..., {options}]``; returns ``{"result": ...}`` or ``{"error": ...}`` JSON."""
        try:
            if method not in METHODS:
                raise FocError(f"unknown method {method!r}")
            python_name, positional = METHODS[method]
            args = json.loads(args_json or "[]")
            options = {}
            if args and isinstance(args[-1], dict):
                slot = len(args) - 1  # a trailing object is the options, unless its slot takes objects ("*")
                if slot >= len(positional) or not positional[slot].endswith("*"):
                    options = args.pop()
            if len(args) > len(positional):
                raise FocError(f"{method} takes at most {len(positional)} positional argument(s)")
            kwargs = from_js(options)
            kwargs.update({name.rstrip("*"): value for name, value in zip(positional, args)})
            result = getattr(self.engine.accounts, python_name)(**kwargs)
            if hasattr(result, "__await__"):
                result = await result
            return json.dumps({"result": to_js(result, method)})
        except FocError as error:
            return json.dumps({"error": {"code": error.code, "message": str(error), "name": type(error).__name__}})
        except (TypeError, ValueError) as error:
            return json.dumps({"error": {"code": "INVALID_ARGUMENT", "message": str(error), "name": type(error).__name__}})

    def on(self, name, callback):
        """Deliver events as JSON strings to ``callback`` (a JS function passed by the facade)."""
        def deliver(event):
            callback(json.dumps(to_js(event)))

        self.engine.accounts.on(name, deliver)
        return deliver

    def off(self, name, deliver=None):
        self.engine.accounts.off(name, deliver)
