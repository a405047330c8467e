"""Security events (multiple_failed_auth, new_device_access) and SMS/e-mail/TOTP second factors."""

import asyncio

import pytest

from foc_web import platform
from foc_web.engine import FocEngine
from foc_web.errors import AccountLockedError, AuthenticationError, ConfigError, TwoFactorError
from foc_web.platform.keys import make_key

PASSWORD = "Correct-Horse-Battery-Staple-42"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def engine(**security):
    network = "e" + platform.random_bytes(4).hex()
    return FocEngine(network=network, rpc={network: "http://127.0.0.1:9/rpc"}, security=security or None), network


async def totp_account(eng):
    """A new account with TOTP on (secret TOTP_SECRET), and its code for now."""
    await platform.require("pyotp")
    import pyotp

    account = await eng.accounts.create(password=PASSWORD)
    await eng.accounts.enable_2fa(account=account.address, method="totp", secret=TOTP_SECRET)
    return account, pyotp.TOTP(TOTP_SECRET).at(platform.now())


async def cleanup(network):
    store = platform.store()
    for key in await store.keys("foc_"):
        if network in key:
            await store.delete(key)


async def test_multiple_failed_auth_fires_and_locks():
    eng, network = engine(lockout={"max_attempts": 2, "base_delay": 60, "max_delay": 60})
    events = []
    eng.accounts.on("securityEvent", events.append)
    try:
        account = await eng.accounts.create(password=PASSWORD)
        for _ in range(2):
            with pytest.raises(AuthenticationError):
                await eng.accounts.unlock(account.address, password="wrong-password-123!")
        assert [e["type"] for e in events] == ["multiple_failed_auth"]
        assert events[0]["address"] == account.address and events[0]["details"]["count"] == 2
        with pytest.raises(AccountLockedError):
            await eng.accounts.unlock(account.address, password=PASSWORD)
        audited = await eng.accounts.get_audit_log(account.address, events=["security_event"])
        assert audited[0]["details"]["reason"] == "multiple_failed_auth"
    finally:
        await cleanup(network)


async def test_new_device_access_fires_once_per_unknown_device():
    eng, network = engine()
    events = []
    eng.accounts.on("securityEvent", events.append)
    device_key = make_key("meta", "device")
    saved = await platform.store().get(device_key)
    try:
        account = await eng.accounts.create(password=PASSWORD)
        await eng.accounts.unlock(account.address, password=PASSWORD)
        assert events == []  # the creating device is known
        await platform.store().delete(device_key)  # as if another browser profile opened it
        await eng.accounts.unlock(account.address, password=PASSWORD)
        await eng.accounts.unlock(account.address, password=PASSWORD)
        assert [e["type"] for e in events] == ["new_device_access"]
        assert events[0]["details"]["device_id"] == await platform.store().get(device_key)
    finally:
        if saved is not None:
            await platform.store().set(device_key, saved)
        await cleanup(network)


async def test_listeners_off_and_a_failing_listener_is_isolated():
    eng, network = engine(lockout={"max_attempts": 1, "base_delay": 1, "max_delay": 1})
    seen = []

    def broken(event):
        raise RuntimeError("listener bug")

    eng.accounts.on("securityEvent", broken)
    eng.accounts.on("securityEvent", seen.append)
    try:
        account = await eng.accounts.create(password=PASSWORD)
        with pytest.raises(AuthenticationError):
            await eng.accounts.unlock(account.address, password="wrong-password-123!")
        assert len(seen) == 1
        eng.accounts.off("securityEvent", seen.append)
        await asyncio.sleep(1.1)  # past the 1 s lockout
        with pytest.raises(AuthenticationError):
            await eng.accounts.unlock(account.address, password="wrong-password-123!")
        assert len(seen) == 1  # the second multiple_failed_auth reached no removed listener
        assert [r["details"]["reason"] for r in await eng.accounts.get_audit_log(
            account.address, events=["security_event"])] == ["multiple_failed_auth"] * 2
        with pytest.raises(ValueError):
            eng.accounts.on("somethingElse", seen.append)
    finally:
        await cleanup(network)


async def test_sms_and_email_codes_go_through_the_app_sender():
    eng, network = engine()
    sent = []

    async def sender(destination, code):
        sent.append((destination, code))

    try:
        account = await eng.accounts.create(password=PASSWORD)
        with pytest.raises(ConfigError, match="sender"):
            await eng.accounts.enable_2fa(account=account.address, method="sms", destination="+15550100")
        eng.accounts.set_code_sender("sms", sender)
        await eng.accounts.enable_2fa(account=account.address, method="sms", destination="+15550100")
        await eng.accounts.request_2fa_code(account.address)
        destination, code = sent[-1]
        assert destination == "+15550100" and len(code) == 6 and code.isdigit()
        wrong = "000000" if code != "000000" else "111111"
        with pytest.raises(TwoFactorError):
            await eng.accounts._check_second_factor(await eng.accounts.get(account.address), wrong)
        with pytest.raises(TwoFactorError):  # a wrong try burns the code
            await eng.accounts._check_second_factor(await eng.accounts.get(account.address), code)
        await eng.accounts.request_2fa_code(account.address)
        await eng.accounts._check_second_factor(await eng.accounts.get(account.address), sent[-1][1])
        with pytest.raises(TwoFactorError):  # used once only
            await eng.accounts._check_second_factor(await eng.accounts.get(account.address), sent[-1][1])
        # The destination is in the encrypted vault, not in clear in the store.
        assert "+15550100" not in (await platform.store().get(account.storage_key))
    finally:
        await cleanup(network)


async def test_email_codes_and_a_reload_without_a_sender():
    eng, network = engine()
    sent = []

    async def sender(destination, code):
        sent.append((destination, code))

    try:
        eng.accounts.set_code_sender("email", sender)
        account = await eng.accounts.create(password=PASSWORD)
        await eng.accounts.enable_2fa(account=account.address, method="email", destination="alice@example.org")
        await eng.accounts.request_2fa_code(account.address)
        assert sent[-1][0] == "alice@example.org"
        session = await eng.accounts.create_session(account=account.address, two_factor_code=sent[-1][1])
        assert session.token.startswith("fs1_")
        reloaded = FocEngine(network=network, rpc={network: "http://127.0.0.1:9/rpc"})
        await reloaded.accounts.unlock(account.address, password=PASSWORD)
        with pytest.raises(ConfigError, match="set_code_sender"):
            await reloaded.accounts.request_2fa_code(account.address)
    finally:
        await cleanup(network)


async def test_a_totp_code_is_used_once_even_by_concurrent_calls():
    eng, network = engine()
    try:
        account, code = await totp_account(eng)
        outcomes = await asyncio.gather(
            *(eng.accounts.create_session(account=account.address, two_factor_code=code) for _ in range(3)),
            return_exceptions=True)
        assert sorted(type(o).__name__ for o in outcomes) == ["Session", "TwoFactorError", "TwoFactorError"], outcomes
    finally:
        await cleanup(network)


@pytest.mark.parametrize("events, message", [
    ({"unusual_value_threshold": "abc"}, "non-negative integer"),
    ({"unusual_value_threshold": -1}, "non-negative integer"),
    ({"bogus": 1}, "only 'unusual_value_threshold'"),
])
def test_bad_event_options_are_refused(events, message):
    with pytest.raises(ConfigError, match=message):
        FocEngine(network="sepolia", security={"events": events})


def test_event_threshold_accepts_decimal_and_hex_strings():
    assert FocEngine(security={"events": {"unusual_value_threshold": "0x10"}}).security["events"] == {
        "unusual_value_threshold": 16}
    assert FocEngine(security={"events": {"unusual_value_threshold": "1000"}}).security["events"] == {
        "unusual_value_threshold": 1000}


def test_lockout_delays_double_up_to_the_maximum_and_old_failures_expire():
    from foc_web.auth.lockout import LockoutPolicy

    policy = LockoutPolicy.from_config({"max_attempts": 2, "base_delay": 10, "max_delay": 25, "window": 100})
    state, delays = {}, []
    now = 1000.0
    for _ in range(3):
        state, locked = policy.after_failure(state, now)
        assert not locked
        state, locked = policy.after_failure(state, now + 1)
        assert locked
        delays.append(state["locked_until"] - (now + 1))
        now = state["locked_until"] + 1
    assert delays == [10, 20, 25]  # doubling, capped at max_delay
    with pytest.raises(AccountLockedError):
        policy.check(state, state["locked_until"] - 0.5)
    policy.check(state, state["locked_until"])  # over: no error
    # Failures further apart than the window do not add up to a lockout.
    state, _ = policy.after_failure({}, 0.0)
    state, locked = policy.after_failure(state, 101.0)
    assert not locked and state["failures"] == 1
    for bad in ({"window": 0}, {"window": "1h"}, {"max_attempts": 0}, {"base_delay": 5, "max_delay": 1}):
        with pytest.raises(ConfigError):
            LockoutPolicy.from_config(bad)


async def test_wrong_second_factor_codes_lock_the_account_out():
    eng, network = engine(lockout={"max_attempts": 3, "base_delay": 600, "max_delay": 600})
    events = []
    eng.accounts.on("securityEvent", events.append)
    try:
        account, good = await totp_account(eng)
        wrong = "000000" if good != "000000" else "111111"
        for _ in range(3):
            with pytest.raises(TwoFactorError):
                await eng.accounts.create_session(account=account.address, two_factor_code=wrong)
        assert [e["type"] for e in events] == ["multiple_failed_auth"]
        with pytest.raises(AccountLockedError):  # even the right code waits for the lockout
            await eng.accounts.create_session(account=account.address, two_factor_code=good)
        with pytest.raises(AccountLockedError):  # and so does the password
            await eng.accounts.unlock(account.address, password=PASSWORD)
        log = await eng.accounts.get_audit_log(account.address, events=["two_factor", "lockout"])
        assert [(r["event"], r["outcome"]) for r in log][-4:] == [("two_factor", "failure")] * 3 + [("lockout", "success")]
    finally:
        await cleanup(network)


async def test_disable_2fa_needs_the_password_and_a_code():
    eng, network = engine()
    try:
        account, code = await totp_account(eng)
        with pytest.raises(AuthenticationError):
            await eng.accounts.disable_2fa(account=account.address, password="wrong-password-123!", code=code)
        await eng.accounts.disable_2fa(account=account.address, password=PASSWORD, code=code)
        session = await eng.accounts.create_session(account=account.address)  # no code needed any more
        assert session.token.startswith("fs1_")
        assert TOTP_SECRET not in (await platform.store().get(account.storage_key))
    finally:
        await cleanup(network)


ANY_CALL = {"contract_address": "0x1", "entrypoint": "transfer", "calldata": []}


async def test_two_factor_required_by_the_engine():
    eng, network = engine(two_factor={"required": True})
    accounts = eng.accounts
    try:
        plain = await accounts.create(password=PASSWORD)
        with pytest.raises(TwoFactorError, match="requires two-factor"):  # before anything is signed or sent
            await accounts.invoke(account=plain.address, **ANY_CALL)
        with pytest.raises(TwoFactorError, match="requires two-factor"):
            await accounts.create_session(account=plain.address)
        account, code = await totp_account(eng)
        with pytest.raises(TwoFactorError):
            await accounts.invoke(account=account.address, two_factor_code="000000", **ANY_CALL)
        session = await accounts.create_session(account=account.address, two_factor_code=code)
        assert session.account == account.address
        with pytest.raises(ConfigError, match="requires two-factor"):
            await accounts.disable_2fa(account.address, PASSWORD, code)
        with pytest.raises(TwoFactorError):  # still on
            await accounts.invoke(account=account.address, **ANY_CALL)
    finally:
        await cleanup(network)


@pytest.mark.parametrize("option", [True, "yes", {"required": "yes"}, {"required": 1}, {"enforce": True}])
def test_two_factor_option_is_checked(option):
    with pytest.raises(ConfigError, match="two_factor"):
        FocEngine(network="sepolia", security={"two_factor": option})


def test_two_factor_is_optional_by_default():
    assert FocEngine(network="sepolia").security["two_factor"] == {"required": False}
    assert FocEngine(network="sepolia", security={"two_factor": {}}).security["two_factor"] == {"required": False}
