"""Social recovery: guardian configuration, SNIP-12 approvals, forgeries, threshold and time lock.

Guardians' keys are fixed private keys; their public keys come from foc_web.stark.keys. That the
approval hash and signatures agree with starknet-py is checked in tests/cpython/test_recovery_oracle.py.
"""

import json

import pytest

from foc_web.errors import ConfigError, RecoveryError
from foc_web.recovery import social
from foc_web.stark.keys import get_stark_key

# The Stark field prime and curve constant beta (starknet-py constants; cairo-lang signature.py).
P = 2**251 + 17 * 2**192 + 1
BETA = 0x6F21413EFBE40DE150E596D72F7A8C5609AD26C15C915C1F4CDFCB99CEE9E89
EC_ORDER = 0x800000000000010FFFFFFFFFFFFFFFFB781126DCAE7B2321E66A241ADC64D2F
SN_SEPOLIA = int.from_bytes(b"SN_SEPOLIA", "big")
SN_MAIN = int.from_bytes(b"SN_MAIN", "big")
ACCOUNT = 0x04A1C2B3D4E5F60718293A4B5C6D7E8F9011223344556677889900AABBCCDDEE
NEW_OWNER = get_stark_key(0x5EC0_7D0E)
NONCE = 3
NOW = 1_780_000_000
EXPIRY = NOW + 7 * 86_400
DELAY = 2 * 86_400
GUARDIAN_KEYS = [0x0A11CE, 0x0B0B, 0x0CA401]
GUARDIAN_ADDRESSES = [0x111, 0x222, 0x333]
WEIGHTS = [1, 1, 2]
OUTSIDER_KEY, OUTSIDER_ADDRESS = 0x0E7E, 0x444
_MEMO = {}


def _guardian_options(weights=WEIGHTS):
    return [
        {"address": hex(address), "public_key": hex(get_stark_key(key)), "weight": weight}
        for address, key, weight in zip(GUARDIAN_ADDRESSES, GUARDIAN_KEYS, weights)
    ]


def _config(threshold=3, delay=DELAY):
    return social.RecoveryConfig.from_option(_guardian_options(), threshold, delay)


def _request(**changes):
    values = {"account": ACCOUNT, "new_owner_key": NEW_OWNER, "nonce": NONCE, "expiry": EXPIRY,
              "chain_id": SN_SEPOLIA, **changes}
    return values


def _approval(index, address=None, key=None, **changes):
    """Guardian ``index``'s signature over the request (with ``changes``); memoized, signing is slow."""
    memo_key = (index, address, key, tuple(sorted(changes.items())))
    if memo_key not in _MEMO:
        typed = social.approval_typed_data(**_request(**changes))
        _MEMO[memo_key] = social.sign_approval(
            typed, GUARDIAN_ADDRESSES[index] if address is None else address,
            GUARDIAN_KEYS[index] if key is None else key,
        )
    return _MEMO[memo_key]


def _verify(approval, config=None, now=NOW):
    return social.verify_approval(config or _config(), approval, now=now, **_request())


def _not_on_curve_x():
    """The smallest x with x^3 + x + beta a non-residue mod P (Euler's criterion): no curve point has it."""
    x = 1
    while pow((x**3 + x + BETA) % P, (P - 1) // 2, P) != P - 1:
        x += 1
    return x


# --- configuration ------------------------------------------------------------------------------


def test_config_from_option_and_round_trip():
    config = _config()
    assert config.total_weight == 4 and config.threshold == 3 and config.delay == DELAY
    assert [g.address for g in config.guardians] == GUARDIAN_ADDRESSES
    assert config.guardians[2] == social.Guardian(0x333, get_stark_key(0x0CA401), 2)
    assert config.guardian(0x222).weight == 1 and config.guardian(0x999) is None
    stored = json.loads(json.dumps(config.to_dict()))
    assert social.RecoveryConfig.from_dict(stored) == config
    # weight defaults to 1; decimal strings are felts too
    one = social.RecoveryConfig.from_option([{"address": "273", "public_key": hex(get_stark_key(5))}], 1, 0)
    assert one.guardians == (social.Guardian(0x111, get_stark_key(5), 1),)


def _with(index, **changes):
    options = _guardian_options()
    options[index] = {**options[index], **changes}
    return options


@pytest.mark.parametrize("guardians, threshold, delay", [
    ([], 1, 0),
    (None, 1, 0),
    ("0x111", 1, 0),
    (_with(0, weight=0), 1, 0),
    (_with(0, weight=-1), 1, 0),
    (_with(0, weight=1.5), 1, 0),
    (_with(0, weight=True), 1, 0),
    (_with(0, weight="1"), 1, 0),
    (_with(1, address=hex(GUARDIAN_ADDRESSES[0])), 1, 0),  # duplicate guardian address
    (_with(1, address="0x0111"), 1, 0),  # the same address spelled differently
    (_with(1, public_key=hex(get_stark_key(GUARDIAN_KEYS[0]))), 1, 0),  # one key, two guardians
    (_with(0, address="0x"), 1, 0),
    (_with(0, address="0xzz"), 1, 0),
    (_with(0, address=hex(P)), 1, 0),
    (_with(0, address=0), 1, 0),
    (_with(0, address=-5), 1, 0),
    (_with(0, public_key="0x0"), 1, 0),
    (_with(0, public_key=hex(_not_on_curve_x())), 1, 0),
    (_with(0, extra=1), 1, 0),
    ([{"address": "0x111"}], 1, 0),
    (_guardian_options(), 0, 0),
    (_guardian_options(), -1, 0),
    (_guardian_options(), 5, 0),  # above the total weight 4
    (_guardian_options(), 2.0, 0),
    (_guardian_options(), True, 0),
    (_guardian_options(), 2, -1),
    (_guardian_options(), 2, 90 * 86_400 + 1),
    (_guardian_options(), 2, 3600.0),
    (_guardian_options(), 2, None),
])
def test_config_errors(guardians, threshold, delay):
    with pytest.raises(ConfigError):
        social.RecoveryConfig.from_option(guardians, threshold, delay)


def test_config_limits_are_inclusive():
    assert social.RecoveryConfig.from_option(_guardian_options(), 4, 90 * 86_400).delay == 90 * 86_400
    assert social.RecoveryConfig.from_option(_guardian_options(), 1, 0).threshold == 1


def test_config_from_dict_errors():
    for stored in (None, {}, {"guardians": _guardian_options(), "threshold": 1}, {**_config().to_dict(), "x": 1}):
        with pytest.raises(ConfigError):
            social.RecoveryConfig.from_dict(stored)
    with pytest.raises(ConfigError):
        social.Guardian("0x111", get_stark_key(5), 1)  # fields are ints; strings go through from_dict


# --- approvals ----------------------------------------------------------------------------------


def test_typed_data_shape():
    typed = social.approval_typed_data(**_request())
    assert typed["primaryType"] == "RecoveryApproval"
    assert typed["domain"] == {"name": "FOC Engine Recovery", "version": "1", "chainId": hex(SN_SEPOLIA),
                               "revision": "1"}
    assert typed["types"]["RecoveryApproval"] == [
        {"name": "account", "type": "ContractAddress"}, {"name": "new_owner", "type": "felt"},
        {"name": "nonce", "type": "u128"}, {"name": "expiry", "type": "timestamp"},
    ]
    assert typed["message"] == {"account": hex(ACCOUNT), "new_owner": hex(NEW_OWNER), "nonce": "3",
                                "expiry": str(EXPIRY)}
    typed["types"]["RecoveryApproval"].clear()  # callers get their own copy
    assert social.approval_typed_data(**_request())["types"]["RecoveryApproval"]


@pytest.mark.parametrize("changes", [
    {"account": 0}, {"account": P}, {"new_owner_key": "0xzz"}, {"nonce": -1}, {"nonce": 2**128},
    {"expiry": 1.5}, {"chain_id": None},
])
def test_typed_data_rejects_bad_values(changes):
    with pytest.raises(ValueError):  # InvalidInputError
        social.approval_typed_data(**_request(**changes))


@pytest.mark.parametrize("index", [0, 1, 2])
def test_each_guardian_approval_verifies(index):
    approval = _approval(index)
    assert approval["guardian"] == hex(GUARDIAN_ADDRESSES[index])
    assert _verify(approval) == _config().guardians[index]
    assert _verify(approval, now=EXPIRY) == _config().guardians[index]  # valid up to and including expiry


def test_non_guardian_is_refused():
    with pytest.raises(RecoveryError, match="not a guardian"):
        _verify(_approval(0, address=OUTSIDER_ADDRESS, key=OUTSIDER_KEY))


def test_expired_approval_is_refused():
    with pytest.raises(RecoveryError, match="expired"):
        _verify(_approval(0), now=EXPIRY + 1)


@pytest.mark.parametrize("changes", [
    {"account": ACCOUNT + 1},
    {"new_owner_key": get_stark_key(0x0BAD)},
    {"nonce": NONCE - 1},
    {"expiry": EXPIRY + 1},
    {"chain_id": SN_MAIN},
])
def test_approval_for_another_request_is_refused(changes):
    with pytest.raises(RecoveryError, match="does not verify"):
        _verify(_approval(1, **changes))


def test_forged_signatures_are_refused():
    claimed = hex(GUARDIAN_ADDRESSES[2])
    forgeries = [
        # an outsider's key signing in the guardian's name
        _approval(2, key=OUTSIDER_KEY),
        # another guardian's valid signature, relabelled (the hash includes the signer's address)
        {**_approval(0), "guardian": claimed},
        # a signature of guardian 2 with r and s swapped, or made up
        {"guardian": claimed, "signature": _approval(2)["signature"][::-1]},
        {"guardian": claimed, "signature": ["0x1234567890abcdef", "0xfedcba0987654321"]},
        {"guardian": claimed, "signature": ["0x1", "0x1"]},
        # out of range r or s: refused as a RecoveryError too
        {"guardian": claimed, "signature": [hex(2**251), "0x1"]},
        {"guardian": claimed, "signature": ["0x1", hex(EC_ORDER)]},
    ]
    for approval in forgeries:
        with pytest.raises(RecoveryError):
            _verify(approval)


@pytest.mark.parametrize("approval", [
    None, [], {}, {"guardian": "0x111"}, {"guardian": "0x111", "signature": ["0x1"]},
    {"guardian": "0x111", "signature": ["0x1", "0x2", "0x3"]}, {"guardian": "0x111", "signature": "0x1,0x2"},
    {"guardian": "zz", "signature": ["0x1", "0x2"]}, {"guardian": "0x111", "signature": ["0x1", "x"]},
    {"guardian": "0x111", "signature": ["0x1", "0x2"], "extra": 1},
])
def test_malformed_approvals(approval):
    with pytest.raises(RecoveryError):
        _verify(approval)


# --- pending recovery ---------------------------------------------------------------------------


def _pending(config=None):
    return social.PendingRecovery.start(config or _config(), account=ACCOUNT, new_owner_key=NEW_OWNER,
                                        nonce=NONCE, now=NOW, expiry=EXPIRY)


def test_threshold_is_reached_only_when_weights_add_up():
    config = _config()  # weights 1, 1, 2; threshold 3
    pending = _pending(config)
    assert pending.approved_weight(config) == 0 and pending.executable_at(config) is None
    pending.add_approval(config, _approval(0), NOW + 10, SN_SEPOLIA)
    assert pending.approved_weight(config) == 1 and pending.executable_at(config) is None
    pending.add_approval(config, _approval(1), NOW + 20, SN_SEPOLIA)
    assert pending.approved_weight(config) == 2 and pending.executable_at(config) is None
    assert not pending.is_executable(config, NOW + DELAY)
    pending.add_approval(config, _approval(2), NOW + 30, SN_SEPOLIA)
    assert pending.approved_weight(config) == 4
    assert pending.executable_at(config) == NOW + DELAY  # the delay runs from initiation


def test_heavy_guardian_plus_one_reaches_threshold():
    config = _config()
    pending = _pending(config)
    pending.add_approval(config, _approval(2), NOW, SN_SEPOLIA)
    assert pending.executable_at(config) is None
    pending.add_approval(config, _approval(1), NOW, SN_SEPOLIA)
    assert pending.approved_weight(config) == 3 and pending.executable_at(config) == NOW + DELAY


def test_executable_only_after_the_delay_and_before_expiry():
    config = _config(threshold=2)
    pending = _pending(config)
    pending.add_approval(config, _approval(2), NOW + 5, SN_SEPOLIA)
    assert not pending.is_executable(config, NOW + 5)
    assert not pending.is_executable(config, NOW + DELAY - 1)
    assert pending.is_executable(config, NOW + DELAY)
    assert pending.is_executable(config, EXPIRY)
    assert not pending.is_executable(config, EXPIRY + 1)


def test_zero_delay_is_executable_at_once():
    config = _config(threshold=2, delay=0)
    pending = _pending(config)
    pending.add_approval(config, _approval(2), NOW, SN_SEPOLIA)
    assert pending.executable_at(config) == NOW and pending.is_executable(config, NOW)


def test_duplicate_and_invalid_approvals_are_not_recorded():
    config = _config()
    pending = _pending(config)
    pending.add_approval(config, _approval(0), NOW, SN_SEPOLIA)
    r, s = _approval(0)["signature"]
    malleated = {**_approval(0), "signature": [r, hex(EC_ORDER - int(s, 16))]}  # (r, n - s) is valid too
    for again in (_approval(0), malleated):
        with pytest.raises(RecoveryError, match="already approved"):
            pending.add_approval(config, again, NOW, SN_SEPOLIA)
    for bad, now, chain in [(_approval(1), NOW, SN_MAIN), (_approval(1), EXPIRY + 1, SN_SEPOLIA),
                            (_approval(1, nonce=NONCE + 1), NOW, SN_SEPOLIA),
                            (_approval(0, address=OUTSIDER_ADDRESS, key=OUTSIDER_KEY), NOW, SN_SEPOLIA)]:
        with pytest.raises(RecoveryError):
            pending.add_approval(config, bad, now, chain)
    assert list(pending.approvals) == [GUARDIAN_ADDRESSES[0]] and pending.approved_weight(config) == 1


def test_removed_guardian_no_longer_counts():
    config = _config(threshold=2)
    pending = _pending(config)
    pending.add_approval(config, _approval(2), NOW, SN_SEPOLIA)
    smaller = social.RecoveryConfig.from_option(_guardian_options()[:2], 2, DELAY)
    assert pending.approved_weight(smaller) == 0 and pending.executable_at(smaller) is None
    with pytest.raises(RecoveryError):
        pending.check_approvals(smaller, SN_SEPOLIA)


def test_request_must_outlive_its_delay():
    with pytest.raises(RecoveryError, match="expire before its delay"):
        social.PendingRecovery.start(_config(), account=ACCOUNT, new_owner_key=NEW_OWNER, nonce=NONCE,
                                     now=NOW, expiry=NOW + DELAY - 1)


def test_pending_round_trip_and_stored_signature_check():
    config = _config()
    pending = _pending(config)
    pending.add_approval(config, _approval(0), NOW, SN_SEPOLIA)
    pending.add_approval(config, _approval(2), NOW, SN_SEPOLIA)
    stored = json.loads(json.dumps(pending.to_dict()))
    assert stored["approvals"] == {a["guardian"]: a["signature"] for a in (_approval(0), _approval(2))}
    restored = social.PendingRecovery.from_dict(stored)
    assert restored == pending
    restored.check_approvals(config, SN_SEPOLIA)
    assert restored.executable_at(config) == NOW + DELAY
    with pytest.raises(RecoveryError):
        restored.check_approvals(config, SN_MAIN)
    # a signature edited in storage is caught by check_approvals
    stored["approvals"][hex(GUARDIAN_ADDRESSES[0])] = _approval(1)["signature"]
    with pytest.raises(RecoveryError):
        social.PendingRecovery.from_dict(stored).check_approvals(config, SN_SEPOLIA)


@pytest.mark.parametrize("change", [
    {"account": "0x0"}, {"new_owner_key": "nope"}, {"nonce": -1}, {"nonce": "3"}, {"expiry": 2**128},
    {"initiated_at": -1}, {"initiated_at": float("inf")}, {"initiated_at": True},
    {"approvals": []}, {"approvals": {"0x111": ["0x1"]}}, {"approvals": {"0x111": ["0x1", "0x2"], "0x0111": ["0x1", "0x2"]}},
    {"extra": 1},
])
def test_pending_from_dict_errors(change):
    stored = {**_pending().to_dict(), **change}
    with pytest.raises(RecoveryError):
        social.PendingRecovery.from_dict(stored)
