"""AWS KMS over its JSON protocol (``TrentService``), signed with our own SigV4, through the platform seam.

Only two calls are needed for envelope encryption: GenerateDataKey (AES_256) and Decrypt, both with
an EncryptionContext that KMS binds to the ciphertext blob. Requests go through
``platform.http_post_json`` (urllib on CPython, fetch in the browser), so the same code runs in both.

Error mapping. AWS KMS answers errors as JSON ``{"__type": name, "message": text}``; the name picks
the typed error below. Emulators and proxies may answer with something else: moto answers
authentication and IAM failures as XML with HTTP 403. ``http_post_json`` then raises TransportError
("the answer from URL (HTTP 403) is not JSON"); the status in that message is all we can see, so a
non-JSON 403 becomes ``KmsAuthError``, a non-JSON 5xx or no answer at all ``KmsUnavailableError``.

Credentials live only in this object's private attributes: never in reprs, messages or records.
"""

import base64
import datetime
import json
import os
import re
import urllib.parse

from .. import platform
from ..errors import (
    ConfigError,
    KmsAccessDeniedError,
    KmsAuthError,
    KmsError,
    KmsInvalidCiphertextError,
    KmsUnavailableError,
    TransportError,
)
from . import sigv4

SERVICE = "kms"
_CONTENT_TYPE = "application/x-amz-json-1.1"
_TARGET_PREFIX = "TrentService."
DATA_KEY_BYTES = 32
DEFAULT_TIMEOUT = 10.0
_MAX_TIMEOUT = 120.0
_CREDENTIAL_OPTIONS = ("access_key_id", "secret_access_key", "session_token")
_CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
_OPTIONS = {"provider", "key_id", "region", "endpoint", "timeout", *_CREDENTIAL_OPTIONS}
_REGION = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+-\d+$")
_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:kms:([a-z0-9-]+):")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_HTTP_STATUS = re.compile(r"\(HTTP (\d{3})\)")

# AWS error names -> typed errors. Names from the KMS API reference ("Common Errors" and each
# action's "Errors"), plus the IAM/STS spellings moto uses for the same failures.
_ERRORS = {
    "AccessDeniedException": KmsAccessDeniedError,
    "AccessDenied": KmsAccessDeniedError,
    "UnrecognizedClientException": KmsAuthError,
    "InvalidClientTokenId": KmsAuthError,
    "InvalidSignatureException": KmsAuthError,
    "SignatureDoesNotMatch": KmsAuthError,
    "IncompleteSignature": KmsAuthError,
    "MissingAuthenticationToken": KmsAuthError,
    "ExpiredTokenException": KmsAuthError,
    "InvalidCiphertextException": KmsInvalidCiphertextError,
    "IncorrectKeyException": KmsInvalidCiphertextError,
    "KMSInternalException": KmsUnavailableError,
    "DependencyTimeoutException": KmsUnavailableError,
    "KeyUnavailableException": KmsUnavailableError,
    "ThrottlingException": KmsUnavailableError,
    "ServiceUnavailable": KmsUnavailableError,
}


class _Credentials:
    """Access key, secret and session token; the repr says nothing about them."""

    __slots__ = ("access_key", "secret_key", "session_token")

    def __init__(self, access_key, secret_key, session_token):
        self.access_key, self.secret_key, self.session_token = access_key, secret_key, session_token

    def __repr__(self):
        return "<AWS credentials (hidden)>"

    def scrub(self, text):
        """``text`` with any credential in it replaced (for server messages we pass on)."""
        for secret in (self.access_key, self.secret_key, self.session_token):
            if secret:
                text = text.replace(secret, "[redacted]")
        return text


class AwsKms:
    """A KMS client for one region and endpoint with one set of credentials.

    ``key_id`` is the configured key (id, ARN or alias), used by the envelope helpers by default.
    """

    def __init__(self, *, region, access_key_id, secret_access_key, session_token=None, endpoint=None,
                 key_id=None, timeout=DEFAULT_TIMEOUT):
        self.region = _check_region(region)
        self.endpoint = _check_endpoint(endpoint or f"https://kms.{region}.amazonaws.com/")
        self.key_id = key_id
        self.timeout = _check_timeout(timeout)
        for name, value in (("access_key_id", access_key_id), ("secret_access_key", secret_access_key)):
            if not isinstance(value, str) or not value:
                raise ConfigError(f"external_kms: {name} must be a non-empty string")
        if session_token is not None and (not isinstance(session_token, str) or not session_token):
            raise ConfigError("external_kms: session_token must be a non-empty string when given")
        self._credentials = _Credentials(access_key_id, secret_access_key, session_token)

    def __repr__(self):
        return f"AwsKms(region={self.region!r}, endpoint={self.endpoint!r}, key_id={self.key_id!r})"

    @classmethod
    def from_config(cls, storage, env=None):
        """Build from a storage option dict ``{"type": "external_kms", "kms": {...}}``.

        ``kms`` keys: ``key_id`` (required), ``region``, ``endpoint``, ``access_key_id``,
        ``secret_access_key``, ``session_token``, ``timeout`` (seconds), ``provider`` ("aws").
        What the dict leaves out comes, on CPython only, from the standard AWS variables
        (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION / AWS_DEFAULT_REGION,
        AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL); ``env`` replaces ``os.environ`` for tests.
        In the browser there is no environment: everything must be in the dict.
        """
        options = (storage or {}).get("kms")
        if not isinstance(options, dict):
            raise ConfigError("external_kms storage needs a 'kms' option dict (key_id, region, credentials)")
        unknown = set(options) - _OPTIONS
        if unknown:
            raise ConfigError(f"unknown kms option(s): {', '.join(sorted(unknown))}")
        if options.get("provider", "aws") != "aws":
            raise ConfigError("external_kms supports provider 'aws' only")
        if env is None:
            env = {} if platform.IN_PYODIDE else os.environ
        key_id = options.get("key_id")
        if not isinstance(key_id, str) or not key_id:
            raise ConfigError("external_kms: kms.key_id (key id, key ARN or alias) is required")
        arn_region = _region_of_arn(key_id)
        region = options.get("region") or arn_region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        if not region:
            raise ConfigError("external_kms: no region (set kms.region, or AWS_REGION on CPython)")
        if arn_region and arn_region != region:
            raise ConfigError(f"external_kms: the key ARN is in {arn_region}, the region option says {region}")
        endpoint = options.get("endpoint") or env.get("AWS_ENDPOINT_URL_KMS") or env.get("AWS_ENDPOINT_URL")
        # Credentials come from one place as a whole: never a dict key with an environment secret.
        if set(_CREDENTIAL_OPTIONS) & set(options):
            access_key, secret_key, token = (options.get(name) for name in _CREDENTIAL_OPTIONS)
        else:
            access_key, secret_key, token = (env.get(name) for name in _CREDENTIAL_VARIABLES)
        if not access_key or not secret_key:
            where = "kms.access_key_id and kms.secret_access_key"
            raise ConfigError(f"external_kms: no AWS credentials (set {where}, or AWS_* variables on CPython)")
        return cls(region=region, access_key_id=access_key, secret_access_key=secret_key, session_token=token or None,
                   endpoint=endpoint, key_id=key_id, timeout=options.get("timeout", DEFAULT_TIMEOUT))

    async def generate_data_key(self, key_id, encryption_context):
        """A fresh AES-256 data key: (32 plaintext bytes, the KMS ciphertext blob that wraps it)."""
        answer = await self._call("GenerateDataKey", {
            "KeyId": key_id, "KeySpec": "AES_256", "EncryptionContext": encryption_context})
        return _data_key(answer, "Plaintext"), _blob(answer, "CiphertextBlob")

    async def decrypt(self, ciphertext_blob, encryption_context, key_id):
        """Unwrap a data key made by ``generate_data_key`` with the same key and encryption context."""
        answer = await self._call("Decrypt", {
            "CiphertextBlob": base64.b64encode(ciphertext_blob).decode("ascii"),
            "EncryptionContext": encryption_context,
            "KeyId": key_id,
        })
        return _data_key(answer, "Plaintext")

    async def _call(self, action, payload):
        body = wire_body(payload)
        now = datetime.datetime.fromtimestamp(platform.now(), datetime.timezone.utc)
        credentials = self._credentials
        headers = sigv4.sign_request(
            "POST", self.endpoint,
            {"Content-Type": _CONTENT_TYPE, "X-Amz-Target": _TARGET_PREFIX + action},
            body,
            access_key=credentials.access_key, secret_key=credentials.secret_key,
            session_token=credentials.session_token, region=self.region, service=SERVICE, now=now,
        )
        try:
            status, answer = await platform.http_post_json(self.endpoint, payload, self.timeout, headers)
        except TransportError as error:
            raise _transport_error(action, credentials.scrub(str(error))) from None
        if status == 200 and isinstance(answer, dict):
            return answer
        raise _answer_error(action, status, answer, credentials)


def wire_body(payload):
    """The exact request bytes: the platform's ``http_post_json`` sends ``json.dumps(payload)`` as UTF-8."""
    return json.dumps(payload).encode("utf-8")


def _answer_error(action, status, answer, credentials):
    answer = answer if isinstance(answer, dict) else {}
    name = str(answer.get("__type") or "").rsplit("#", 1)[-1] or None
    text = credentials.scrub(str(answer.get("message") or answer.get("Message") or ""))[:300]
    error_class = _ERRORS.get(name) or (KmsUnavailableError if status >= 500 else KmsError)
    detail = f": {text}" if text else ""
    return error_class(f"KMS {action} failed with {name or 'an error'} (HTTP {status}){detail}", aws_code=name)


def _transport_error(action, message):
    match = _HTTP_STATUS.search(message)
    status = int(match.group(1)) if match else None
    if status == 403:
        return KmsAuthError(f"KMS {action} refused the request (HTTP 403, not a JSON answer): check the credentials")
    if status is None or status >= 500:
        return KmsUnavailableError(f"KMS {action} failed: {message}")
    return KmsError(f"KMS {action} failed: {message}")


def _b64(answer, field):
    value = answer.get(field)
    try:
        return base64.b64decode(value, validate=True)
    except (TypeError, ValueError):
        raise KmsError(f"the KMS answer has no valid base64 {field}") from None


def _blob(answer, field):
    blob = _b64(answer, field)
    if not blob:
        raise KmsError(f"the KMS answer has an empty {field}")
    return blob


def _data_key(answer, field):
    key = _b64(answer, field)
    if len(key) != DATA_KEY_BYTES:
        raise KmsError(f"KMS returned a data key of {len(key)} bytes, expected {DATA_KEY_BYTES}")
    return key


def _region_of_arn(key_id):
    match = _ARN_REGION.match(key_id)
    return match.group(1) if match else None


def _check_region(region):
    if not isinstance(region, str) or not _REGION.match(region):
        raise ConfigError(f"external_kms: {region!r} is not an AWS region name such as 'eu-west-1'")
    return region


def _check_endpoint(endpoint):
    parts = urllib.parse.urlsplit(endpoint) if isinstance(endpoint, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("external_kms: endpoint must be an http(s) URL")
    # GenerateDataKey returns the plaintext data key: only TLS may carry it, except on this machine.
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ConfigError("external_kms: endpoint must use https (plain http only on localhost)")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError("external_kms: endpoint must not carry a query, fragment or user info")
    return endpoint if parts.path else endpoint + "/"


def _check_timeout(timeout):
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= _MAX_TIMEOUT:
        raise ConfigError(f"external_kms: timeout must be a number of seconds in (0, {_MAX_TIMEOUT:g}]")
    return float(timeout)
