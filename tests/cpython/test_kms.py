"""external_kms on CPython against moto's KMS with signatures and IAM checked (tests/kms_server.py).

boto3 is the reference client: it opens what foc_web seals. Every failure must surface as its typed
error, return nothing, write nothing, and never show a credential. (seal_with_kms/open_with_kms never
write to the store, so "write nothing" here is only a guard; that a failed accounts.create writes no
record, state or audit entry is checked in tests/kms_accounts_scenario.py, on CPython and in Pyodide.)
"""

import base64
import datetime
import http.server
import json
import logging
import socket
import threading
import time
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from Crypto.Cipher import AES

from foc_web import platform
from foc_web.errors import (
    ConfigError,
    InvalidTag,
    KmsAccessDeniedError,
    KmsAuthError,
    KmsError,
    KmsInvalidCiphertextError,
    KmsUnavailableError,
    VaultFormatError,
)
from foc_web.kms import AwsKms, aws, open_with_kms, seal_with_kms
from tests import kms_server

PLACE = {"network": "sepolia", "address": "0x4a1b", "storage_key": "foc_sepolia_0x4a1b"}
SECRETS = json.dumps({"private_key": "0x" + "ab" * 32, "note": "ünïcode ✓"}).encode()


@pytest.fixture(scope="module")
def server():
    running = kms_server.start()
    yield running
    running.stop()


@pytest.fixture
def kms(server):
    return AwsKms.from_config(server.config(), env={})


async def seal(kms):
    return await seal_with_kms(kms, kms.key_id, SECRETS, **PLACE)


async def stored_keys():
    return await platform.store().keys()


async def test_round_trip_and_boto3_opens_what_foc_web_sealed(server, kms):
    sealed = await seal(kms)
    assert set(sealed) == {"provider", "key_id", "region", "encrypted_data_key", "iv", "ciphertext"}
    assert (sealed["provider"], sealed["key_id"], sealed["region"]) == ("aws-kms", server.key_id, "us-east-1")
    assert await open_with_kms(kms, sealed, **PLACE) == SECRETS
    # Independent path: boto3 unwraps the data key, pycryptodome opens the AES-GCM payload.
    context = {"foc:network": "sepolia", "foc:address": "0x4a1b", "foc:storage_key": "foc_sepolia_0x4a1b"}
    data_key = server.client("kms", "user").decrypt(
        CiphertextBlob=base64.b64decode(sealed["encrypted_data_key"]), EncryptionContext=context)["Plaintext"]
    sealed_bytes = base64.b64decode(sealed["ciphertext"])
    cipher = AES.new(data_key, AES.MODE_GCM, nonce=base64.b64decode(sealed["iv"]))
    cipher.update(json.dumps(context, sort_keys=True, separators=(",", ":")).encode())
    assert cipher.decrypt_and_verify(sealed_bytes[:-16], sealed_bytes[-16:]) == SECRETS


async def test_each_seal_uses_a_fresh_data_key_and_iv(kms):
    first, second = await seal(kms), await seal(kms)
    for field in ("encrypted_data_key", "iv", "ciphertext"):
        assert first[field] != second[field]


async def test_temporary_credentials_with_session_token(server, kms):
    role = AwsKms.from_config(server.config("role"), env={})
    assert role._credentials.session_token
    assert await open_with_kms(role, await seal(kms), **PLACE) == SECRETS
    assert await open_with_kms(kms, await seal(role), **PLACE) == SECRETS
    forged = AwsKms.from_config(server.config("role", session_token="forged-token"), env={})
    await expect_failure(KmsAuthError, seal(forged))


async def expect_failure(error_class, coroutine):
    """Run ``coroutine``: it must raise ``error_class`` and leave the store as it was."""
    before = await stored_keys()
    with pytest.raises(error_class) as caught:
        await coroutine
    assert await stored_keys() == before
    return caught.value


async def test_iam_deny_on_decrypt_is_access_denied(server, kms):
    sealed = await seal(kms)
    denied = AwsKms.from_config(server.config("denied"), env={})
    error = await expect_failure(KmsAccessDeniedError, open_with_kms(denied, sealed, **PLACE))
    assert error.code == "KMS_ACCESS_DENIED" and error.aws_code == "AccessDenied"


@pytest.mark.parametrize("field", ["network", "address", "storage_key"])
async def test_another_place_is_refused_by_kms(kms, field):
    sealed = await seal(kms)
    elsewhere = {**PLACE, field: PLACE[field] + "0"}
    error = await expect_failure(KmsInvalidCiphertextError, open_with_kms(kms, sealed, **elsewhere))
    assert error.aws_code == "InvalidCiphertextException" and error.code == "KMS_INVALID_CIPHERTEXT"


async def test_tampered_data_key_blob_is_invalid_ciphertext(kms):
    sealed = await seal(kms)
    blob = bytearray(base64.b64decode(sealed["encrypted_data_key"]))
    blob[-1] ^= 1
    sealed["encrypted_data_key"] = base64.b64encode(bytes(blob)).decode()
    await expect_failure(KmsInvalidCiphertextError, open_with_kms(kms, sealed, **PLACE))


async def test_tampered_ciphertext_fails_authentication(kms):
    sealed = await seal(kms)
    body = bytearray(base64.b64decode(sealed["ciphertext"]))
    body[0] ^= 1
    sealed["ciphertext"] = base64.b64encode(bytes(body)).decode()
    await expect_failure(InvalidTag, open_with_kms(kms, sealed, **PLACE))


@pytest.mark.parametrize("mutation", [
    lambda s: s.pop("iv"), lambda s: s.update(iv="***"), lambda s: s.update(iv=base64.b64encode(b"x" * 11).decode()),
    lambda s: s.update(provider="gcp-kms"),
])
async def test_malformed_records_are_refused_before_any_kms_call(kms, mutation):
    sealed = await seal(kms)
    mutation(sealed)
    with mock.patch.object(platform, "http_post_json", side_effect=AssertionError("no call expected")):
        await expect_failure(VaultFormatError, open_with_kms(kms, sealed, **PLACE))


async def test_wrong_secret_key_is_an_auth_error(server):
    kms = AwsKms.from_config(server.config(secret_access_key="wrong-secret"), env={})
    error = await expect_failure(KmsAuthError, seal(kms))
    assert error.aws_code == "SignatureDoesNotMatch" and error.code == "KMS_AUTH_FAILED"


async def test_unknown_access_key_is_an_auth_error(server):
    kms = AwsKms.from_config(server.config(access_key_id="AKIAUNKNOWNUNKNOWN00"), env={})
    error = await expect_failure(KmsAuthError, seal(kms))
    assert error.aws_code == "InvalidClientTokenId"


async def test_moto_raw_xml_403_falls_back_to_auth_error(server):
    # What a client sees from plain moto: XML, HTTP 403; only the status survives http_post_json.
    kms = AwsKms.from_config(server.config(secret_access_key="wrong-secret"), env={})
    server.front.translate_errors = False
    try:
        error = await expect_failure(KmsAuthError, seal(kms))
    finally:
        server.front.translate_errors = True
    assert error.aws_code is None and "403" in str(error)


closed_port = kms_server.closed_port


async def test_server_down_is_unavailable(server):
    kms = AwsKms.from_config(server.config(endpoint=f"http://127.0.0.1:{closed_port()}"), env={})
    await expect_failure(KmsUnavailableError, seal(kms))


async def test_server_that_never_answers_times_out(server):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        kms = AwsKms.from_config(server.config(endpoint=f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.5),
                                 env={})
        started = time.monotonic()
        error = await expect_failure(KmsUnavailableError, seal(kms))
    assert time.monotonic() - started < 5
    assert "timed out" in str(error)


async def test_server_slower_than_the_timeout_is_unavailable(server):
    slow = kms_server.SlowProxy(server.url, delay=30)
    try:
        kms = AwsKms.from_config(server.config(endpoint=slow.url, timeout=0.5), env={})
        started = time.monotonic()
        error = await expect_failure(KmsUnavailableError, seal(kms))
        elapsed, posts = time.monotonic() - started, slow.posts
    finally:
        slow.stop()
    assert posts == 1 and elapsed < 5 and "timed out" in str(error)
    quick = kms_server.SlowProxy(server.url, delay=0.2)  # control: under the timeout the proxy is transparent
    try:
        sealed = await seal(AwsKms.from_config(server.config(endpoint=quick.url), env={}))
    finally:
        quick.stop()
    assert await open_with_kms(AwsKms.from_config(server.config(), env={}), sealed, **PLACE) == SECRETS


async def test_credentials_never_appear_in_errors_reprs_or_logs(server, caplog):
    caplog.set_level(logging.DEBUG)
    sealed = await seal(AwsKms.from_config(server.config(), env={}))
    seen = [json.dumps(sealed)]
    failures = 0
    for user, overrides in [("role", {}), ("role", {"secret_access_key": "wrong-secret-XYZ"}), ("denied", {}),
                            ("role", {"session_token": "forged-token-XYZ"}),
                            ("user", {"access_key_id": "AKIAUNKNOWNUNKNOWN00"}),
                            ("role", {"endpoint": f"http://127.0.0.1:{closed_port()}"})]:
        config = server.config(user, **overrides)
        kms = AwsKms.from_config(config, env={})
        seen += [repr(kms), str(vars(kms)), repr(kms._credentials)]
        try:
            seen.append(json.dumps(await seal(kms)))
            await open_with_kms(kms, sealed, **PLACE)
        except KmsError as error:
            failures += 1
            seen += [str(error), repr(error), str(error.__dict__), str(error.__cause__), str(error.__context__)]
        secrets = [config["kms"][name] for name in ("access_key_id", "secret_access_key", "session_token")
                   if name in config["kms"]]
        # The in-process moto server (and the botocore it verifies signatures with) logs requests itself.
        client_logs = [r.getMessage() for r in caplog.records if not r.name.startswith(("moto", "werkzeug", "botocore"))]
        for text in seen + client_logs:
            assert not any(secret in text for secret in secrets), text
    assert failures == 5


def test_config_falls_back_to_aws_variables_on_cpython():
    env = {"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "tok",
           "AWS_DEFAULT_REGION": "eu-west-3", "AWS_ENDPOINT_URL": "https://vpce.example.test"}
    kms = AwsKms.from_config({"type": "external_kms", "kms": {"key_id": "alias/foc"}}, env=env)
    assert (kms.region, kms.endpoint, kms.key_id) == ("eu-west-3", "https://vpce.example.test/", "alias/foc")
    assert (kms._credentials.access_key, kms._credentials.session_token) == ("AKIAENV", "tok")
    env["AWS_ENDPOINT_URL_KMS"] = "https://kms-only.example.test/"
    assert AwsKms.from_config({"kms": {"key_id": "k"}}, env=env).endpoint == "https://kms-only.example.test/"
    # Credentials in the dict win as a whole: no mixing with the environment's session token.
    own = AwsKms.from_config({"kms": {"key_id": "k", "access_key_id": "A", "secret_access_key": "S"}}, env=env)
    assert (own._credentials.access_key, own._credentials.session_token) == ("A", None)


def test_default_endpoint_and_region_from_key_arn():
    arn = "arn:aws:kms:ap-south-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    kms = AwsKms.from_config({"kms": {"key_id": arn, "access_key_id": "A", "secret_access_key": "S"}}, env={})
    assert (kms.region, kms.endpoint) == ("ap-south-1", "https://kms.ap-south-1.amazonaws.com/")


@pytest.mark.parametrize("kms_options, message", [
    ({"key_id": "k", "region": "us-east-1"}, "no AWS credentials"),
    ({"key_id": "k", "access_key_id": "A", "secret_access_key": "S"}, "no region"),
    ({"region": "us-east-1", "access_key_id": "A", "secret_access_key": "S"}, "key_id"),
    ({"key_id": "k", "region": "us-east-1", "access_key_id": "A"}, "no AWS credentials"),
    ({"key_id": "k", "region": "us-east-1", "session_token": "T"}, "no AWS credentials"),
    ({"key_id": "k", "region": "Moon", "access_key_id": "A", "secret_access_key": "S"}, "region name"),
    ({"key_id": "k", "region": "us-east-1", "access_key_id": "A", "secret_access_key": "S",
      "endpoint": "http://kms.example.test"}, "https"),
    ({"key_id": "k", "region": "us-east-1", "access_key_id": "A", "secret_access_key": "S", "timeout": 0}, "timeout"),
    ({"key_id": "k", "region": "us-east-1", "access_key_id": "A", "secret_access_key": "S", "colour": 1}, "unknown"),
    ({"key_id": "arn:aws:kms:eu-west-1:1:key/x", "region": "us-east-1", "access_key_id": "A",
      "secret_access_key": "S"}, "ARN is in eu-west-1"),
])
def test_bad_configs_are_refused(kms_options, message):
    with pytest.raises(ConfigError, match=message):
        AwsKms.from_config({"type": "external_kms", "kms": kms_options}, env={})


async def test_record_from_another_region_is_refused(server, kms):
    sealed = await seal(kms)
    other = AwsKms.from_config(server.config(region="eu-west-1"), env={})
    with pytest.raises(ConfigError, match="us-east-1"):
        await open_with_kms(other, sealed, **PLACE)


# A peer that records the raw request and answers a canned KMS response (or a given failure).
class _Capture(http.server.BaseHTTPRequestHandler):
    answer = (200, b"{}")
    requests = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        _Capture.requests.append((dict(self.headers.items()), raw))
        status, body = _Capture.answer
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def capture():
    peer = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    threading.Thread(target=peer.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{peer.server_port}"
    peer.shutdown()
    peer.server_close()


def capture_kms(url):
    options = {"key_id": "alias/k", "region": "eu-west-1", "endpoint": url, "access_key_id": "AKIDCAPTURE",
               "secret_access_key": "capture/secret"}
    return AwsKms.from_config({"kms": options}, env={})


async def test_signed_bytes_are_the_bytes_on_the_wire(capture):
    """The platform serializes the payload itself; the signature must cover exactly what it sends."""
    _Capture.answer = (200, json.dumps({"Plaintext": base64.b64encode(b"k" * 32).decode(),
                                        "CiphertextBlob": base64.b64encode(b"blob").decode()}).encode())
    _Capture.requests.clear()
    context = {"foc:address": "0x1", "é": "ü ✓ \"quoted\""}
    assert await capture_kms(capture).generate_data_key("alias/k", context) == (b"k" * 32, b"blob")
    (headers, raw), = _Capture.requests
    payload = {"KeyId": "alias/k", "KeySpec": "AES_256", "EncryptionContext": context}
    assert raw == aws.wire_body(payload) and json.loads(raw) == payload
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert headers["X-Amz-Target"] == "TrentService.GenerateDataKey"
    # botocore re-signs the request as received (raw body, Host as sent) and must agree.
    signed = headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    request = AWSRequest(method="POST", url=capture + "/", data=raw,
                         headers={k: v for k, v in headers.items() if k.lower() in signed and k.lower() != "x-amz-date"})
    now = datetime.datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    with mock.patch("botocore.auth.get_current_datetime", return_value=now):
        SigV4Auth(Credentials("AKIDCAPTURE", "capture/secret"), "kms", "eu-west-1").add_auth(request)
    assert request.headers["Authorization"] == headers["Authorization"]


@pytest.mark.parametrize("answer, error_class, aws_code", [
    ((500, b"<html>oops</html>"), KmsUnavailableError, None),
    ((503, b'{"__type": "KMSInternalException", "message": "later"}'), KmsUnavailableError, "KMSInternalException"),
    ((400, b'{"__type": "com.amazonaws.kms#ThrottlingException"}'), KmsUnavailableError, "ThrottlingException"),
    ((400, b'{"__type": "AccessDeniedException", "message": "no"}'), KmsAccessDeniedError, "AccessDeniedException"),
    ((400, b'{"__type": "UnrecognizedClientException"}'), KmsAuthError, "UnrecognizedClientException"),
    ((400, b'{"__type": "InvalidSignatureException"}'), KmsAuthError, "InvalidSignatureException"),
    ((400, b'{"__type": "IncorrectKeyException"}'), KmsInvalidCiphertextError, "IncorrectKeyException"),
    ((400, b'{"__type": "DisabledException", "message": "key is disabled"}'), KmsError, "DisabledException"),
    ((404, b"not json"), KmsError, None),
    ((200, b'{"Plaintext": "c2hvcnQ="}'), KmsError, None),
])
async def test_real_kms_error_shapes_map_to_typed_errors(capture, answer, error_class, aws_code):
    _Capture.answer = answer
    with pytest.raises(error_class) as caught:
        await capture_kms(capture).decrypt(b"blob", {"a": "b"}, "alias/k")
    assert type(caught.value) is error_class and caught.value.aws_code == aws_code
