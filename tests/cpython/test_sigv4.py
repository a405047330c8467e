"""foc_web.kms.sigv4 against AWS's SigV4 test suite and against botocore's SigV4Auth (the oracle)."""

import datetime
import json
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings, strategies as st

from foc_web.kms import sigv4

# AWS Signature Version 4 test suite (aws-sig-v4-test-suite, as vendored in bazelbuild/bazel
# third_party/aws-sig-v4-test-suite/*/*.sreq): fixed credentials, date, region and service.
SUITE_KEY, SUITE_SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SUITE_NOW = datetime.datetime(2015, 8, 30, 12, 36, 0, tzinfo=datetime.timezone.utc)
SUITE_TOKEN = (
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflf"
    "KD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd"
    "8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3i"
    "SIlTJabIQwj2ICCR/oLxBA=="
)
SUITE = [
    # (case, method, headers, body, token, signed headers, signature)
    ("post-vanilla", "POST", {}, b"", None, "host;x-amz-date",
     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
    ("post-x-www-form-urlencoded", "POST", {"Content-Type": "application/x-www-form-urlencoded"}, b"Param1=value1",
     None, "content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ("post-header-key-sort", "POST", {"My-Header1": "value1"}, b"", None, "host;my-header1;x-amz-date",
     "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
    ("post-header-value-case", "POST", {"My-Header1": "VALUE1"}, b"", None, "host;my-header1;x-amz-date",
     "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"),
    ("get-header-value-trim", "GET", {"My-Header1": " value1", "My-Header2": ' "a   b   c"'}, b"", None,
     "host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
    ("post-sts-header-before", "POST", {}, b"", SUITE_TOKEN, "host;x-amz-date;x-amz-security-token",
     "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"),
]


@pytest.mark.parametrize("case, method, headers, body, token, signed, signature", SUITE, ids=[c[0] for c in SUITE])
def test_aws_sigv4_test_suite(case, method, headers, body, token, signed, signature):
    out = sigv4.sign_request(method, "https://example.amazonaws.com/", headers, body, access_key=SUITE_KEY,
                             secret_key=SUITE_SECRET, session_token=token, region="us-east-1", service="service",
                             now=SUITE_NOW)
    assert out["Authorization"] == (
        f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        f"SignedHeaders={signed}, Signature={signature}"
    )
    assert out["X-Amz-Date"] == "20150830T123600Z"
    assert out.get("X-Amz-Security-Token") == token
    assert "host" not in {k.lower() for k in out}


def test_suite_canonical_request_of_form_post():
    # post-x-www-form-urlencoded.creq of the same suite.
    text, signed = sigv4.canonical_request(
        "POST", "https://example.amazonaws.com/",
        {"Content-Type": "application/x-www-form-urlencoded", "host": "example.amazonaws.com",
         "X-Amz-Date": "20150830T123600Z"}, b"Param1=value1")
    assert text == (
        "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
        "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"
    )
    assert signed == "content-type;host;x-amz-date"


def botocore_headers(url, headers, body, key, secret, token, region, service, now):
    request = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
    with mock.patch("botocore.auth.get_current_datetime", return_value=now.replace(tzinfo=None)):
        SigV4Auth(Credentials(key, secret, token), service, region).add_auth(request)
    return dict(request.headers.items())


KMS_CASES = [
    ("TrentService.GenerateDataKey", {"KeyId": "alias/foc", "KeySpec": "AES_256",
                                      "EncryptionContext": {"foc:network": "sepolia", "foc:address": "0x1"}}),
    ("TrentService.Decrypt", {"CiphertextBlob": "AQIDBAUG" * 20, "EncryptionContext": {"é": "ü ✓"}}),
    ("TrentService.Encrypt", {}),
]


@pytest.mark.parametrize("url", ["https://kms.eu-west-1.amazonaws.com/", "http://127.0.0.1:4566/",
                                 "https://kms.example.test:8443/"])
@pytest.mark.parametrize("target, payload", KMS_CASES)
@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEXAMPLE//token+with/slashes=="])
def test_kms_request_equals_botocore(url, target, payload, token):
    now = datetime.datetime(2026, 12, 3, 18, 59, 7, tzinfo=datetime.timezone.utc)
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
    body = json.dumps(payload).encode("utf-8")
    ours = sigv4.sign_request("POST", url, headers, body, access_key="AKIAEXAMPLE123", secret_key="s3cr3t/+key",
                              session_token=token, region="eu-west-1", service="kms", now=now)
    theirs = botocore_headers(url, headers, body, "AKIAEXAMPLE123", "s3cr3t/+key", token, "eu-west-1", "kms", now)
    assert ours == theirs


@settings(max_examples=40, deadline=None)
@given(
    body=st.binary(max_size=300),
    secret=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=60),
    region=st.sampled_from(["us-east-1", "eu-central-1", "ap-southeast-2"]),
    header_value=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
    seconds=st.integers(0, 4_000_000_000),
)
def test_random_requests_equal_botocore(body, secret, region, header_value, seconds):
    now = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.Decrypt",
               "X-Custom": header_value}
    url = "https://kms.test:9000/"
    ours = sigv4.sign_request("POST", url, headers, body, access_key="AKID", secret_key=secret, region=region,
                              service="kms", now=now)
    assert ours == botocore_headers(url, headers, body, "AKID", secret, None, region, "kms", now)


def test_signing_key_from_aws_documentation():
    # AWS General Reference, "Examples of how to derive a signing key for Signature Version 4".
    key = sigv4.signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


def test_callers_own_auth_headers_are_replaced_not_signed_twice():
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    clean = sigv4.sign_request("POST", "https://kms.test/", {"X-Amz-Target": "T"}, b"{}", access_key="A",
                               secret_key="S", region="us-east-1", service="kms", now=now)
    stale = sigv4.sign_request("POST", "https://kms.test/", {**clean, "x-amz-date": "19990101T000000Z"}, b"{}",
                               access_key="A", secret_key="S", region="us-east-1", service="kms", now=now)
    assert stale == clean


@pytest.mark.parametrize("url", ["https://kms.test/?Action=x", "https://kms.test/a/../b", "ftp://kms.test/",
                                 "https://user:pw@kms.test/", "https:///nohost"])
def test_urls_outside_the_supported_scope_are_refused(url):
    with pytest.raises(ValueError):
        sigv4.sign_request("POST", url, {}, b"", access_key="A", secret_key="S", region="us-east-1",
                           service="kms", now=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))


def test_naive_datetime_and_host_header_are_refused():
    args = dict(access_key="A", secret_key="S", region="us-east-1", service="kms")
    with pytest.raises(ValueError, match="timezone"):
        sigv4.sign_request("POST", "https://kms.test/", {}, b"", now=datetime.datetime(2026, 1, 1), **args)
    with pytest.raises(ValueError, match="Host"):
        sigv4.sign_request("POST", "https://kms.test/", {"Host": "evil"}, b"",
                           now=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc), **args)
