"""Second-factor codes (RFC 6238 vectors) and session permissions, as pure functions."""

import base64

import pytest

from foc_web.auth import otp
from foc_web.auth.permissions import Permissions, transaction_value
from foc_web.errors import ConfigError, PermissionDeniedError, TwoFactorError
from foc_web.stark.keccak import get_selector_from_name
from foc_web.stark.transaction import Call

# RFC 6238 appendix B, SHA-1 seed "12345678901234567890"; 6-digit codes are the 8-digit ones mod 10^6.
RFC6238_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC6238 = [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"), (1234567890, "89005924"),
           (2000000000, "69279037"), (20000000000, "65353130")]


@pytest.mark.parametrize("when, code8", RFC6238)
def test_totp_rfc6238_vectors(when, code8):
    assert otp.verify_totp(RFC6238_SECRET, code8[-6:], when) == when // 30


def test_totp_accepts_one_step_of_skew_and_not_two():
    when, code = 1111111111, "050471"
    assert otp.verify_totp(RFC6238_SECRET, code, when + 30) == when // 30
    assert otp.verify_totp(RFC6238_SECRET, code, when - 30) == when // 30
    with pytest.raises(TwoFactorError):
        otp.verify_totp(RFC6238_SECRET, code, when + 61)


def test_totp_replay_and_bad_codes_are_refused():
    when, code = 1234567890, "005924"
    step = otp.verify_totp(RFC6238_SECRET, code, when)
    with pytest.raises(TwoFactorError, match="already used"):
        otp.verify_totp(RFC6238_SECRET, code, when, last_step=step)
    for bad in ("005925", "5924", "abcdef", "", None, "0059245"):
        with pytest.raises(TwoFactorError):
            otp.verify_totp(RFC6238_SECRET, bad, when)


def test_secrets_uri_and_qr():
    secret = otp.new_secret(lambda n: bytes(range(n)))
    assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20
    assert otp.normalize_secret("gezd gnbv gy3t qojq") == "GEZDGNBVGY3TQOJQ"
    for bad in ("short", "not base32!", "GEZDGNBV", 12):
        with pytest.raises(ConfigError):
            otp.normalize_secret(bad)
    uri = otp.provisioning_uri(RFC6238_SECRET, "alice@example")
    assert uri.startswith("otpauth://totp/FOC%20Engine:alice%40example?secret=" + RFC6238_SECRET)
    assert "period=30" in uri and "digits=6" in uri
    assert otp.qr_svg_data_uri(uri).startswith("data:image/svg+xml")


def test_sent_codes_expire_and_match_exactly():
    code, expires = otp.new_sent_code(lambda n: b"\x00\x00\x30\x39", 1000.0)
    assert code == "012345" and expires == 1000.0 + otp.SENT_CODE_TTL
    otp.verify_sent_code(code, expires, "012345", 1100.0)
    with pytest.raises(TwoFactorError):
        otp.verify_sent_code(code, expires, "012346", 1100.0)
    with pytest.raises(TwoFactorError, match="expired"):
        otp.verify_sent_code(code, expires, "012345", expires + 1)


TOKEN = 0x49D36570D4E46F48E99674BD3FCC84644DDD6B96F7C741B1562B82F9E004DC7
TRANSFER = get_selector_from_name("transfer")


def transfer(amount_low, amount_high=0, to=TOKEN):
    return Call(to, TRANSFER, [0x1234, amount_low, amount_high])


def test_value_of_erc20_calls():
    assert transaction_value([transfer(1000)]) == 1000
    assert transaction_value([transfer(5, 1)]) == 5 + (1 << 128)
    approve = Call(TOKEN, get_selector_from_name("approve"), [0x99, 7, 0])
    transfer_from = Call(TOKEN, get_selector_from_name("transferFrom"), [0x1, 0x2, 11, 0])
    other = Call(TOKEN, get_selector_from_name("mint"), [0x1, 10 ** 30, 0])
    assert transaction_value([approve, transfer_from, other]) == 18


def test_permissions_enforced():
    rules = Permissions.from_option({"max_transaction_value": "1000", "allowed_contracts": [hex(TOKEN)],
                                     "rate_limit": {"transactions_per_hour": 2}})
    assert rules.check([transfer(1000)], 10_000.0, []) == 1000
    with pytest.raises(PermissionDeniedError, match="exceeds"):
        rules.check([transfer(600), transfer(401)], 10_000.0, [])
    with pytest.raises(PermissionDeniedError, match="not allowed"):
        rules.check([transfer(1, to=0x123)], 10_000.0, [])
    with pytest.raises(PermissionDeniedError, match="rate limit"):
        rules.check([transfer(1)], 10_000.0, [9_000.0, 9_500.0])
    # The window slides: a signature more than an hour old no longer counts.
    assert rules.check([transfer(1)], 10_000.0, [6_000.0, 9_500.0]) == 1


def test_entrypoint_allowlist_and_bad_options():
    rules = Permissions.from_option({"allowed_entrypoints": ["transfer"]})
    rules.check([transfer(1)], 0.0, [])
    with pytest.raises(PermissionDeniedError):
        rules.check([Call(TOKEN, get_selector_from_name("approve"), [1, 1, 0])], 0.0, [])
    for bad in ({"max_transaction_value": -1}, {"allowed_contracts": ["zz"]}, {"rate_limit": {"per_day": 3}},
                {"rate_limit": {"transactions_per_hour": 0}}, {"colour": "red"}):
        with pytest.raises(ConfigError):
            Permissions.from_option(bad)


def test_an_erc20_call_too_short_to_hold_its_amount_is_refused_under_a_value_limit():
    short = Call(TOKEN, TRANSFER, [0x1234, 1000])  # no high felt: the u256 amount cannot be read
    with pytest.raises(PermissionDeniedError, match="transfer needs its u256 amount"):
        Permissions.from_option({"max_transaction_value": "10"}).check([short], 0.0, [])
    assert Permissions.from_option({}).check([short], 0.0, []) == 0  # no value limit: nothing to compare
