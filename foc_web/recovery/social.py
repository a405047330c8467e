"""Social recovery: weighted guardians approve a new owner key for an account, then a delay runs.

A recovery request names the account, the new owner's stark key, a nonce (fresh per request, so
an approval cannot be replayed for a later one), an expiry and the chain. Each guardian signs the
SNIP-12 (revision 1) typed data of exactly those values with its own STARK key, as a wallet signs
any off-chain message; the hash includes the guardian's address, as SNIP-12 does for the signer.
``verify_approval`` rebuilds the typed data from the pending request's values, so an approval made
for another account, owner key, nonce, expiry or chain fails ECDSA verification.

A request is executable once the weights of its approving guardians reach the threshold AND the
delay (counted from the request's initiation, so the owner has that long to notice and cancel)
has passed, and not after its expiry. Guardians are checked with their configured public key
(offline ECDSA), not by calling their account contracts.

Typed data (fields in this order, hashed as starknet-py and starknet.js do):

    domain  {"name": "FOC Engine Recovery", "version": "1", "chainId": "0x<chain id>", "revision": "1"}
    RecoveryApproval {account: ContractAddress, new_owner: felt, nonce: u128, expiry: timestamp}
"""

import math
from dataclasses import dataclass, field

from ..errors import ConfigError, InvalidInputError, InvalidKeyError, InvalidSignatureError, RecoveryError
from ..stark import ecdsa, typed_data
from ..stark.curve import recover_y
from ..stark.felt import to_felt

DOMAIN_NAME = "FOC Engine Recovery"
DOMAIN_VERSION = "1"
PRIMARY_TYPE = "RecoveryApproval"
MAX_DELAY = 90 * 24 * 3600  # seconds: a longer time lock would keep the owner from their funds for a season
_U128_BOUND = 1 << 128
_TYPES = {
    "StarknetDomain": [
        {"name": "name", "type": "shortstring"},
        {"name": "version", "type": "shortstring"},
        {"name": "chainId", "type": "shortstring"},
        {"name": "revision", "type": "shortstring"},
    ],
    PRIMARY_TYPE: [
        {"name": "account", "type": "ContractAddress"},
        {"name": "new_owner", "type": "felt"},
        {"name": "nonce", "type": "u128"},
        {"name": "expiry", "type": "timestamp"},
    ],
}


def _felt(value, what, error=ConfigError):
    """A non-zero felt from an int or a 0x/decimal string; ``error`` (typed) names ``what``."""
    try:
        number = to_felt(value)
    except InvalidInputError:
        raise error(f"{what} must be a felt (an int or a 0x-hex string below the field prime)") from None
    if number == 0:
        raise error(f"{what} cannot be 0")
    return number


def _felt_int(value, what, error):
    """``value`` itself, which must be an int felt other than 0 (dataclass fields hold ints, not strings)."""
    if type(value) is not int:
        raise error(f"{what} must be an int")
    return _felt(value, what, error)


def _whole(value, what, low, high, error):
    """An int (not a bool) in [low, high]."""
    if type(value) is not int or not low <= value <= high:
        raise error(f"{what} must be an integer from {low} to {high}, got {value!r}")
    return value


def _hex(value):
    return f"{value:#x}"


@dataclass(frozen=True)
class Guardian:
    """A key allowed to approve recoveries: its account address, its stark public key, its weight."""

    address: int
    public_key: int
    weight: int = 1

    def __post_init__(self):
        _felt_int(self.address, "guardian address", ConfigError)
        _felt_int(self.public_key, "guardian public key", ConfigError)
        try:
            recover_y(self.public_key)
        except InvalidKeyError:
            raise ConfigError(f"guardian {_hex(self.address)}: public key is not a STARK curve point") from None
        if type(self.weight) is not int or self.weight < 1:
            raise ConfigError(f"guardian {_hex(self.address)}: weight must be a positive integer, got {self.weight!r}")

    @classmethod
    def from_dict(cls, d):
        """From ``{"address": "0x..", "public_key": "0x..", "weight": 1}`` (weight optional, default 1)."""
        if not isinstance(d, dict) or not {"address", "public_key"} <= set(d) <= {"address", "public_key", "weight"}:
            raise ConfigError('a guardian is {"address": "0x..", "public_key": "0x..", "weight": n}')
        return cls(_felt(d["address"], "guardian address"), _felt(d["public_key"], "guardian public key"),
                   d.get("weight", 1))

    def to_dict(self):
        return {"address": _hex(self.address), "public_key": _hex(self.public_key), "weight": self.weight}


@dataclass(frozen=True)
class RecoveryConfig:
    """Who may approve (weighted guardians), how much weight it takes, and the time lock in seconds."""

    guardians: tuple
    threshold: int
    delay: int

    def __post_init__(self):
        if not isinstance(self.guardians, tuple) or not self.guardians:
            raise ConfigError("social recovery needs at least one guardian")
        if not all(isinstance(g, Guardian) for g in self.guardians):
            raise ConfigError("guardians must be Guardian objects")
        for what in ("address", "public_key"):
            values = [getattr(g, what) for g in self.guardians]
            if len(set(values)) != len(values):  # one key or account counted twice would inflate its weight
                raise ConfigError(f"two guardians share the same {what.replace('_', ' ')}")
        _whole(self.threshold, "recovery threshold", 1, self.total_weight, ConfigError)
        _whole(self.delay, "recovery delay (seconds)", 0, MAX_DELAY, ConfigError)

    @property
    def total_weight(self):
        return sum(g.weight for g in self.guardians)

    def guardian(self, address):
        """The guardian with this address, or None."""
        return next((g for g in self.guardians if g.address == address), None)

    @classmethod
    def from_option(cls, guardians, threshold, recovery_delay):
        """From the documented options: a list of guardian objects, a threshold weight, a delay in seconds."""
        if not isinstance(guardians, (list, tuple)):
            raise ConfigError("guardians must be a list of objects")
        return cls(tuple(Guardian.from_dict(g) for g in guardians), threshold, recovery_delay)

    @classmethod
    def from_dict(cls, d):
        if not isinstance(d, dict) or set(d) != {"guardians", "threshold", "delay"}:
            raise ConfigError("a recovery configuration is {guardians, threshold, delay}")
        return cls.from_option(d["guardians"], d["threshold"], d["delay"])

    def to_dict(self):
        return {"guardians": [g.to_dict() for g in self.guardians], "threshold": self.threshold, "delay": self.delay}


def approval_typed_data(account, new_owner_key, nonce, expiry, chain_id):
    """The SNIP-12 revision 1 typed data a guardian signs to approve this recovery (JSON-able)."""
    account = _felt(account, "account address", InvalidInputError)
    new_owner_key = _felt(new_owner_key, "new owner key", InvalidInputError)
    chain_id = _felt(chain_id, "chain id", InvalidInputError)
    _whole(nonce, "recovery nonce", 0, _U128_BOUND - 1, InvalidInputError)
    _whole(expiry, "recovery expiry", 0, _U128_BOUND - 1, InvalidInputError)
    return {
        "types": {name: [dict(member) for member in members] for name, members in _TYPES.items()},
        "primaryType": PRIMARY_TYPE,
        "domain": {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": _hex(chain_id), "revision": "1"},
        "message": {"account": _hex(account), "new_owner": _hex(new_owner_key), "nonce": str(nonce),
                    "expiry": str(expiry)},
    }


def approval_hash(typed, guardian_address):
    """The hash the guardian signs: SNIP-12 message hash with the guardian as the signer."""
    return typed_data.message_hash(typed, guardian_address)


def sign_approval(typed, guardian_address, guardian_private_key):
    """A guardian's approval ``{"guardian": "0x..", "signature": ["0x<r>", "0x<s>"]}``."""
    r, s = ecdsa.sign(approval_hash(typed, guardian_address), guardian_private_key)
    return {"guardian": _hex(guardian_address), "signature": [_hex(r), _hex(s)]}


def _parse_approval(approval):
    """(guardian address, (r, s)) of an approval object; RecoveryError if malformed."""
    if not isinstance(approval, dict) or set(approval) != {"guardian", "signature"}:
        raise RecoveryError('an approval is {"guardian": "0x..", "signature": ["0x<r>", "0x<s>"]}')
    address = _felt(approval["guardian"], "approval guardian", RecoveryError)
    signature = approval["signature"]
    if not isinstance(signature, (list, tuple)) or len(signature) != 2:
        raise RecoveryError("an approval signature is [r, s]")
    return address, tuple(_felt(v, "approval signature", RecoveryError) for v in signature)


def _signature_valid(guardian, signature, typed):
    try:
        return ecdsa.verify(approval_hash(typed, guardian.address), *signature, guardian.public_key)
    except (InvalidSignatureError, InvalidInputError, InvalidKeyError):  # out-of-range r or s
        return False


def verify_approval(config, approval, *, account, new_owner_key, nonce, expiry, now, chain_id):
    """The approving Guardian, if ``approval`` is a valid, unexpired signature of this request; else RecoveryError."""
    address, signature = _parse_approval(approval)
    guardian = config.guardian(address)
    if guardian is None:
        raise RecoveryError(f"{_hex(address)} is not a guardian of this account")
    if now > expiry:
        raise RecoveryError("the recovery request has expired")
    typed = approval_typed_data(account, new_owner_key, nonce, expiry, chain_id)
    if not _signature_valid(guardian, signature, typed):
        raise RecoveryError(
            f"the approval of guardian {_hex(address)} does not verify: another key signed it, or it was made "
            "for another account, new owner key, nonce, expiry or chain"
        )
    return guardian


def _number(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise RecoveryError(f"{what} must be a non-negative number of epoch seconds")
    return value


@dataclass
class PendingRecovery:
    """A recovery request and the approvals gathered so far (guardian address -> (r, s))."""

    account: int
    new_owner_key: int
    nonce: int
    expiry: int
    initiated_at: float
    approvals: dict = field(default_factory=dict)

    def __post_init__(self):
        _felt_int(self.account, "account address", RecoveryError)
        _felt_int(self.new_owner_key, "new owner key", RecoveryError)
        _whole(self.nonce, "recovery nonce", 0, _U128_BOUND - 1, RecoveryError)
        _whole(self.expiry, "recovery expiry", 0, _U128_BOUND - 1, RecoveryError)
        _number(self.initiated_at, "initiated_at")
        if not isinstance(self.approvals, dict):
            raise RecoveryError("approvals must map guardian addresses to signatures")

    @classmethod
    def start(cls, config, *, account, new_owner_key, nonce, now, expiry):
        """A new request at ``now``; refused if it would expire before its delay has run."""
        if expiry < now + config.delay:
            raise RecoveryError("the recovery request would expire before its delay ends")
        return cls(account, new_owner_key, nonce, expiry, now)

    def typed_data(self, chain_id):
        """What each guardian is asked to sign."""
        return approval_typed_data(self.account, self.new_owner_key, self.nonce, self.expiry, chain_id)

    def add_approval(self, config, approval, now, chain_id):
        """Verify ``approval`` against this request and record it; RecoveryError if invalid or repeated."""
        guardian = verify_approval(
            config, approval, account=self.account, new_owner_key=self.new_owner_key, nonce=self.nonce,
            expiry=self.expiry, now=now, chain_id=chain_id,
        )
        if guardian.address in self.approvals:
            raise RecoveryError(f"guardian {_hex(guardian.address)} has already approved this recovery")
        self.approvals[guardian.address] = _parse_approval(approval)[1]

    def check_approvals(self, config, chain_id):
        """Verify every stored signature again (for approvals read back from storage); RecoveryError on the first bad one."""
        typed = self.typed_data(chain_id)
        for address, signature in self.approvals.items():
            guardian = config.guardian(address)
            if guardian is None or not _signature_valid(guardian, signature, typed):
                raise RecoveryError(f"the stored approval of {_hex(address)} is not valid for this configuration")

    def approved_weight(self, config):
        """Sum of the weights of today's guardians that approved (removed guardians no longer count)."""
        return sum(g.weight for g in config.guardians if g.address in self.approvals)

    def executable_at(self, config):
        """When the recovery may run: None below the threshold, else initiation + delay (epoch seconds)."""
        if self.approved_weight(config) < config.threshold:
            return None
        return self.initiated_at + config.delay

    def is_executable(self, config, now):
        """Threshold reached, delay over, not expired."""
        at = self.executable_at(config)
        return at is not None and at <= now <= self.expiry

    def to_dict(self):
        return {
            "account": _hex(self.account),
            "new_owner_key": _hex(self.new_owner_key),
            "nonce": self.nonce,
            "expiry": self.expiry,
            "initiated_at": self.initiated_at,
            "approvals": {_hex(a): [_hex(r), _hex(s)] for a, (r, s) in self.approvals.items()},
        }

    @classmethod
    def from_dict(cls, d):
        """From ``to_dict``'s form; structure only (``check_approvals`` re-verifies the signatures)."""
        fields = {"account", "new_owner_key", "nonce", "expiry", "initiated_at", "approvals"}
        if not isinstance(d, dict) or set(d) != fields or not isinstance(d["approvals"], dict):
            raise RecoveryError(f"a pending recovery is an object with exactly {sorted(fields)}")
        approvals = dict(_parse_approval({"guardian": g, "signature": s}) for g, s in d["approvals"].items())
        if len(approvals) != len(d["approvals"]):
            raise RecoveryError("a guardian appears twice among the stored approvals")
        account = _felt(d["account"], "account address", RecoveryError)
        new_owner_key = _felt(d["new_owner_key"], "new owner key", RecoveryError)
        return cls(account, new_owner_key, d["nonce"], d["expiry"], d["initiated_at"], approvals)
