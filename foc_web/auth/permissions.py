"""Session permissions, checked before anything is signed. Pure functions over calls and a clock.

What counts as *value*: for ERC-20 ``transfer(recipient, amount)``, ``approve(spender, amount)`` and
``transferFrom``/``transfer_from(sender, recipient, amount)`` it is the u256 ``amount`` (low, high
felts) in the calldata; every other call counts 0. A multicall's value is the sum over its calls,
compared with ``max_transaction_value``. Such a call whose calldata is too short to hold the amount
is refused by a session with a value limit: its value cannot be known, so it does not count as 0.
"""

from dataclasses import dataclass

from ..errors import ConfigError, PermissionDeniedError
from ..stark.felt import join_u256, to_felt
from ..stark.keccak import get_selector_from_name

RATE_WINDOW = 3600
#: selector -> (entrypoint, position of the u256 amount's low felt in the call's calldata).
_AMOUNT_POSITION = {get_selector_from_name(name): (name, position) for name, position in (
    ("transfer", 1), ("approve", 1), ("transferFrom", 2), ("transfer_from", 2))}
_OPTIONS = {"max_transaction_value", "allowed_contracts", "allowed_entrypoints", "rate_limit"}


@dataclass(frozen=True)
class Permissions:
    max_transaction_value: int | None = None
    allowed_contracts: frozenset | None = None
    allowed_entrypoints: frozenset | None = None
    transactions_per_hour: int | None = None

    @classmethod
    def from_option(cls, option):
        """From the documented ``permissions`` dict; ConfigError names any bad or unknown option."""
        option = dict(option or {})
        unknown = set(option) - _OPTIONS
        if unknown:
            raise ConfigError(f"unknown permission(s): {', '.join(sorted(unknown))}")
        try:
            value = option.get("max_transaction_value")
            value = None if value is None else _non_negative_int(value, "max_transaction_value")
            contracts = option.get("allowed_contracts")
            contracts = None if contracts is None else frozenset(to_felt(c, "allowed_contracts") for c in contracts)
            entrypoints = option.get("allowed_entrypoints")
            entrypoints = None if entrypoints is None else frozenset(_selector(e) for e in entrypoints)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"invalid permissions: {error}") from None
        rate = dict(option.get("rate_limit") or {})
        if set(rate) - {"transactions_per_hour"}:
            raise ConfigError("rate_limit takes only transactions_per_hour")
        per_hour = rate.get("transactions_per_hour")
        if per_hour is not None and (isinstance(per_hour, bool) or not isinstance(per_hour, int) or per_hour < 1):
            raise ConfigError("rate_limit.transactions_per_hour must be a positive integer")
        return cls(value, contracts, entrypoints, per_hour)

    def to_dict(self):
        return {
            "max_transaction_value": None if self.max_transaction_value is None else str(self.max_transaction_value),
            "allowed_contracts": None if self.allowed_contracts is None else sorted(hex(c) for c in self.allowed_contracts),
            "allowed_entrypoints": None if self.allowed_entrypoints is None else sorted(hex(e) for e in self.allowed_entrypoints),
            "rate_limit": {"transactions_per_hour": self.transactions_per_hour},
        }

    def check(self, calls, now, recent):
        """Raise PermissionDeniedError unless every call is allowed; ``recent`` are past signing times."""
        for index, call in enumerate(calls):
            if self.allowed_contracts is not None and call.to_addr not in self.allowed_contracts:
                raise PermissionDeniedError(f"call {index}: contract {hex(call.to_addr)} is not allowed by this session")
            if self.allowed_entrypoints is not None and call.selector not in self.allowed_entrypoints:
                raise PermissionDeniedError(f"call {index}: this entrypoint is not allowed by this session")
        if self.max_transaction_value is not None:
            for index, call in enumerate(calls):
                if _amount_unreadable(call):
                    raise PermissionDeniedError(
                        f"call {index}: an ERC-20 {_AMOUNT_POSITION[call.selector][0]} needs its u256 amount "
                        "(low, high felts) in the calldata; this one is too short to check against the value limit"
                    )
        value = transaction_value(calls)
        if self.max_transaction_value is not None and value > self.max_transaction_value:
            raise PermissionDeniedError(
                f"transaction value {value} exceeds this session's maximum {self.max_transaction_value}"
            )
        if self.transactions_per_hour is not None:
            in_window = [t for t in recent if now - t < RATE_WINDOW]
            if len(in_window) >= self.transactions_per_hour:
                retry = int(min(in_window) + RATE_WINDOW - now) + 1
                raise PermissionDeniedError(
                    f"rate limit reached: {self.transactions_per_hour} transactions per hour; next in {retry} s"
                )
        return value


def call_value(call):
    """The u256 amount of an ERC-20 transfer/approve/transferFrom call; 0 for others or if unreadable."""
    if call.selector not in _AMOUNT_POSITION or _amount_unreadable(call):
        return 0
    _, position = _AMOUNT_POSITION[call.selector]
    return join_u256(call.calldata[position], call.calldata[position + 1])


def _amount_unreadable(call):
    _, position = _AMOUNT_POSITION.get(call.selector, (None, None))
    return position is not None and len(call.calldata) < position + 2


def transaction_value(calls):
    return sum(call_value(call) for call in calls)


def _selector(entrypoint):
    if isinstance(entrypoint, str) and not entrypoint.startswith("0x"):
        return get_selector_from_name(entrypoint)
    return to_felt(entrypoint, "allowed_entrypoints")


def _non_negative_int(value, name):
    number = int(value, 0) if isinstance(value, str) else value
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        raise ValueError(f"{name} must be a non-negative integer")
    return number
