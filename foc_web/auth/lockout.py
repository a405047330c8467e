"""Lockout after repeated failed unlocks: pure state transitions, persisted by the accounts layer.

State is a small dict kept in the store (so it survives reloads): ``{"failures": failures in the
current window, "first_failure_at": when that window began, "lockouts": lockouts so far,
"locked_until": epoch seconds}``. Wrong passwords and wrong second-factor codes both count. After
``max_attempts`` failures within ``window`` seconds of the first one, the account refuses
unlocks and codes for ``base_delay`` seconds, doubling with each further lockout up to
``max_delay``. A success resets everything.
"""

from dataclasses import dataclass

from ..errors import AccountLockedError, ConfigError

EMPTY = {"failures": 0, "first_failure_at": 0.0, "lockouts": 0, "locked_until": 0.0}


@dataclass(frozen=True)
class LockoutPolicy:
    max_attempts: int = 5
    base_delay: float = 30.0
    max_delay: float = 3600.0
    window: float = 900.0

    @classmethod
    def from_config(cls, config):
        config = dict(config or {})
        unknown = set(config) - {"max_attempts", "base_delay", "max_delay", "window"}
        if unknown:
            raise ConfigError(f"unknown lockout option(s): {', '.join(sorted(unknown))}")
        policy = cls(**config)
        if not isinstance(policy.max_attempts, int) or not 1 <= policy.max_attempts <= 100:
            raise ConfigError("lockout max_attempts must be an integer from 1 to 100")
        if not 0 < policy.base_delay <= policy.max_delay <= 7 * 86400:
            raise ConfigError("lockout delays must satisfy 0 < base_delay <= max_delay <= 7 days")
        if isinstance(policy.window, bool) or not isinstance(policy.window, (int, float)) \
                or not 0 < policy.window <= 7 * 86400:
            raise ConfigError("lockout window must be a number of seconds up to 7 days")
        return policy

    def check(self, state, now):
        """Raise AccountLockedError while a lockout is running."""
        locked_until = (state or {}).get("locked_until", 0.0)
        if now < locked_until:
            raise AccountLockedError(
                f"too many failed attempts: try again in {int(locked_until - now) + 1} s", retry_after=locked_until
            )

    def after_failure(self, state, now):
        """(new state, True if this failure started a lockout)."""
        state = {**EMPTY, **(state or {})}
        if state["failures"] and now - state["first_failure_at"] > self.window:
            state["failures"] = 0  # the earlier failures are too old to count
        if not state["failures"]:
            state["first_failure_at"] = now
        state["failures"] += 1
        if state["failures"] < self.max_attempts:
            return state, False
        state["lockouts"] += 1
        delay = min(self.base_delay * 2 ** (state["lockouts"] - 1), self.max_delay)
        return {**state, "failures": 0, "locked_until": now + delay}, True

    @staticmethod
    def after_success():
        """The lockout fields reset (merge into the state, which also holds other things)."""
        return dict(EMPTY)
