"""``accounts.on("securityEvent", callback)``: listeners get plain dicts; a failing listener is isolated."""

import inspect
import logging

EVENT_NAMES = ("securityEvent",)
SECURITY_EVENT_TYPES = (
    "unusual_transaction", "multiple_failed_auth", "new_device_access", "key_rotation_due",
    # social recovery (foc_web/recovery/accounts.py): audited as recovery_setup, recovery_initiated,
    # recovery_approved, recovery_cancelled and recovery_completed
    "guardians_changed", "recovery_initiated", "recovery_approved", "recovery_cancelled", "recovery_finalized",
)
_log = logging.getLogger("foc_web.events")


class EventEmitter:
    def __init__(self):
        self._listeners = {name: [] for name in EVENT_NAMES}

    def on(self, name, callback):
        if name not in self._listeners:
            raise ValueError(f"unknown event {name!r}; events: {', '.join(EVENT_NAMES)}")
        if not callable(callback):
            raise TypeError("an event listener must be callable")
        self._listeners[name].append(callback)
        return callback

    def off(self, name, callback=None):
        """Remove one listener, or all listeners of ``name`` when ``callback`` is None."""
        listeners = self._listeners.get(name, [])
        if callback is None:
            listeners.clear()
        elif callback in listeners:
            listeners.remove(callback)

    async def emit(self, name, event):
        for callback in list(self._listeners.get(name, [])):
            try:
                result = callback(dict(event))
                if inspect.isawaitable(result):
                    await result
            except Exception:  # noqa: BLE001 - one broken listener must not stop the others or the caller
                _log.exception("a %s listener failed", name)
