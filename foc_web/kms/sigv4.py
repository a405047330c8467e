"""AWS Signature Version 4 for POST/GET requests to JSON services (KMS), pure: no I/O, no clock.

The algorithm is AWS's "Create a signed AWS API request" (docs.aws.amazon.com/IAM/latest/UserGuide/
create-signed-request.html): canonical request -> string to sign -> HMAC chain of the secret over
date, region, service, "aws4_request" -> hex signature in the Authorization header. Verified against
AWS's SigV4 test suite and against botocore's ``SigV4Auth`` (tests/cpython/test_sigv4.py).

Scope, on purpose: no query strings (JSON services carry everything in the body) and no ``.``/``..``
path segments, so no normalisation rules are needed; such URLs are refused, not signed differently.
The Host header is never returned: browsers forbid setting it, and both fetch and urllib send
exactly the host[:port] of the URL, which is what gets signed.
"""

import datetime
import hashlib
import hmac
import urllib.parse

ALGORITHM = "AWS4-HMAC-SHA256"
_TERMINATOR = "aws4_request"
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Set by ``sign_request`` itself; a caller's copy would be stale or forged, so it is dropped.
_OWN_HEADERS = ("authorization", "x-amz-date", "x-amz-security-token")


def amz_date(now):
    """``YYYYMMDD'T'HHMMSS'Z'`` of an aware datetime, in UTC."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("SigV4 needs a timezone-aware datetime (UTC)")
    return now.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _host_and_path(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError("SigV4 signs http(s) URLs with a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("SigV4 here signs URLs without query, fragment or user info")
    path = parts.path or "/"
    if any(segment in (".", "..") for segment in path.split("/")):
        raise ValueError("SigV4 here signs URLs without '.' or '..' path segments")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{parts.port}"
    # Each segment URI-encoded once (non-S3 services encode the already-encoded path again).
    return host, urllib.parse.quote(path, safe="/~")


def _canonical_headers(headers):
    """(canonical header block, signed header list) over lower-cased names and whitespace-folded values."""
    folded = {}
    for name, value in headers.items():
        key = name.strip().lower()
        if key in folded:
            raise ValueError(f"header {key!r} given twice")
        folded[key] = " ".join(str(value).split())
    names = sorted(folded)
    return "".join(f"{n}:{folded[n]}\n" for n in names), ";".join(names)


def canonical_request(method, url, headers, body):
    """The canonical request text and its signed-header list; ``headers`` must include ``host``."""
    _, path = _host_and_path(url)
    block, signed = _canonical_headers(headers)
    text = "\n".join([method.upper(), path, "", block, signed, hashlib.sha256(body).hexdigest()])
    return text, signed


def credential_scope(date_stamp, region, service):
    return f"{date_stamp}/{region}/{service}/{_TERMINATOR}"


def string_to_sign(timestamp, scope, canonical):
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return "\n".join([ALGORITHM, timestamp, scope, digest])


def signing_key(secret_key, date_stamp, region, service):
    """kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")."""
    key = ("AWS4" + secret_key).encode("utf-8")
    for part in (date_stamp, region, service, _TERMINATOR):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def sign_request(method, url, headers, body, *, access_key, secret_key, session_token=None, region, service, now):
    """The headers to send: ``headers`` plus X-Amz-Date, X-Amz-Security-Token (if any), Authorization.

    Every header given is signed, and so is the host of ``url``. ``body`` is the exact bytes that go
    on the wire. ``now`` is an aware datetime (the caller owns the clock).
    """
    if any(name.strip().lower() == "host" for name in headers):
        raise ValueError("do not pass a Host header: it is taken from the URL")
    host, _ = _host_and_path(url)
    timestamp = amz_date(now)
    out = {k: v for k, v in headers.items() if k.strip().lower() not in _OWN_HEADERS}
    out["X-Amz-Date"] = timestamp
    if session_token:
        out["X-Amz-Security-Token"] = session_token
    canonical, signed = canonical_request(method, url, {**out, "host": host}, body)
    scope = credential_scope(timestamp[:8], region, service)
    key = signing_key(secret_key, timestamp[:8], region, service)
    signature = hmac.new(key, string_to_sign(timestamp, scope, canonical).encode("utf-8"), hashlib.sha256).hexdigest()
    out["Authorization"] = f"{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"
    return out
