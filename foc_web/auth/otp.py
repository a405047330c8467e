"""Second factors: TOTP (RFC 6238, through pyotp) and one-time codes sent by SMS or e-mail.

Pure logic: the caller passes the time and the last accepted time step, and persists what comes
back, so a code is accepted once only (replays are refused) across reloads. pyotp and segno are
imported on first use: each costs a few hundred ms to import in the browser.
"""

import base64
import hmac
import re

from ..errors import ConfigError, TwoFactorError

METHODS = ("totp", "sms", "email")
TOTP_DIGITS = 6
TOTP_INTERVAL = 30
#: Codes from one step before or after the current one are accepted (clock skew), RFC 6238 section 5.2.
TOTP_WINDOW = 1
SENT_CODE_TTL = 300
_BASE32 = re.compile(r"^[A-Z2-7]+=*$")


def normalize_secret(secret):
    """A base32 TOTP secret, upper case without spaces; ConfigError if it is not one (>= 80 bits)."""
    if not isinstance(secret, str):
        raise ConfigError("a TOTP secret is a base32 string")
    cleaned = secret.replace(" ", "").upper()
    if not _BASE32.match(cleaned):
        raise ConfigError("a TOTP secret must be base32 (letters A-Z and digits 2-7)")
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except ValueError:
        raise ConfigError("a TOTP secret must be valid base32") from None
    if len(raw) < 10:
        raise ConfigError("a TOTP secret needs at least 80 bits (16 base32 characters); RFC 4226 recommends 160")
    return cleaned.rstrip("=")


def new_secret(random_bytes):
    """160 random bits as base32, the size RFC 4226 recommends."""
    return base64.b32encode(random_bytes(20)).decode().rstrip("=")


def _check_code_shape(code, digits):
    if not isinstance(code, str) or not code.isdigit() or len(code) != digits:
        raise TwoFactorError(f"a {digits}-digit code is required")


def verify_totp(secret, code, now, last_step=None):
    """The time step of ``code`` if valid within ±1 step and newer than ``last_step``; TwoFactorError otherwise."""
    import pyotp

    _check_code_shape(code, TOTP_DIGITS)
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL)
    current = int(now // TOTP_INTERVAL)
    for step in (current - TOTP_WINDOW, current, current + TOTP_WINDOW):
        if hmac.compare_digest(totp.at(step * TOTP_INTERVAL), code):
            if last_step is not None and step <= last_step:
                raise TwoFactorError("this code was already used: wait for the next one")
            return step
    raise TwoFactorError("wrong or expired two-factor code")


def provisioning_uri(secret, account_name, issuer="FOC Engine"):
    """The otpauth:// URI authenticator apps scan."""
    from urllib.parse import quote  # ~90 ms to import in the browser: only when a URI is made

    return (f"otpauth://totp/{quote(issuer)}:{quote(account_name)}?secret={secret}&issuer={quote(issuer)}"
            f"&algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_INTERVAL}")


def qr_svg_data_uri(uri):
    """The URI as a QR code, an SVG data: URI an <img> can show."""
    import segno

    return segno.make(uri, error="m").svg_data_uri(scale=4)


def new_sent_code(random_bytes, now):
    """A 6-digit code for SMS or e-mail, uniform (rejection-sampled), with its expiry."""
    while True:
        value = int.from_bytes(random_bytes(4), "big")
        if value < 4_000_000_000:  # a multiple of 10**6: no modulo bias
            return f"{value % 10**6:06d}", now + SENT_CODE_TTL


def verify_sent_code(expected, expires_at, code, now):
    _check_code_shape(code, TOTP_DIGITS)
    if expected is None or now > expires_at:
        raise TwoFactorError("no valid code was sent, or it expired: request a new one")
    if not hmac.compare_digest(expected, code):
        raise TwoFactorError("wrong two-factor code")
