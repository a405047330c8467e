"""external_kms inside Pyodide (Chromium's fetch through CORS, Node's fetch) against moto's KMS on
CPython with signatures and IAM checked: what Pyodide seals opens on CPython and the reverse, and
KMS refusals, a tampered wrapped key, a KMS that is down and one slower than the timeout arrive as the
same typed errors as on CPython (tests/cpython/test_kms.py)."""

import asyncio
import base64
import json
import time

import pytest

from foc_web.kms import AwsKms, open_with_kms, seal_with_kms
from tests import kms_server
from tests.pyodide.pages import LOAD_FOC_WEB, booted

PLACE = {"network": "sepolia", "address": "0x4a1b", "storage_key": "foc_sepolia_0x4a1b"}

# Defined once in Pyodide; each test then awaits ``attempt``.
PROBE = """
import json
from foc_web.errors import FocError
from foc_web.kms import AwsKms, open_with_kms, seal_with_kms

async def attempt(config, place, secrets=None, sealed=None):
    kms = AwsKms.from_config(config)
    try:
        if sealed is None:
            sealed = await seal_with_kms(kms, kms.key_id, secrets.encode(), **place)
            return {"sealed": sealed}
        return {"opened": (await open_with_kms(kms, sealed, **place)).decode()}
    except FocError as error:
        return {"error": type(error).__name__, "code": error.code, "aws_code": getattr(error, "aws_code", None),
                "message": str(error)}
"""


@pytest.fixture(scope="module")
def server():
    running = kms_server.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def pyodide(selenium_module_scope):
    return booted(selenium_module_scope, LOAD_FOC_WEB, python=PROBE)


def attempt(pyodide, config, place=PLACE, secrets=None, sealed=None, message=False):
    """The outcome in Pyodide; an error's message only when ``message`` (else it is checked and dropped)."""
    arguments = json.dumps({"config": config, "place": place, "secrets": secrets, "sealed": sealed})
    out = json.loads(pyodide.run_async(f"json.dumps(await attempt(**json.loads({arguments!r})))"))
    if "message" in out and not message:
        assert not any(config["kms"][name] in out["message"] for name in ("secret_access_key", "access_key_id"))
        del out["message"]
    return out


def native(server, coroutine_function, *args, **kwargs):
    return asyncio.run(coroutine_function(AwsKms.from_config(server.config(), env={}), *args, **kwargs))


def test_sealed_in_pyodide_opens_on_cpython_and_back(pyodide, server):
    out = attempt(pyodide, server.config(), secrets="made in pyodide ✓")
    sealed = out["sealed"]
    assert (sealed["provider"], sealed["key_id"]) == ("aws-kms", server.key_id)
    assert native(server, open_with_kms, sealed, **PLACE) == "made in pyodide ✓".encode()
    assert attempt(pyodide, server.config(), sealed=sealed) == {"opened": "made in pyodide ✓"}
    from_cpython = native(server, lambda kms: seal_with_kms(kms, kms.key_id, b"made on cpython", **PLACE))
    assert attempt(pyodide, server.config(), sealed=from_cpython) == {"opened": "made on cpython"}


def test_wrong_encryption_context_in_pyodide(pyodide, server):
    sealed = attempt(pyodide, server.config(), secrets="s")["sealed"]
    out = attempt(pyodide, server.config(), place={**PLACE, "address": "0x4a1c"}, sealed=sealed)
    assert out == {"error": "KmsInvalidCiphertextError", "code": "KMS_INVALID_CIPHERTEXT",
                   "aws_code": "InvalidCiphertextException"}


def test_bad_signature_in_pyodide(pyodide, server):
    out = attempt(pyodide, server.config(secret_access_key="wrong-secret"), secrets="s")
    assert out == {"error": "KmsAuthError", "code": "KMS_AUTH_FAILED", "aws_code": "SignatureDoesNotMatch"}


def test_tampered_data_key_blob_in_pyodide(pyodide, server):
    sealed = attempt(pyodide, server.config(), secrets="s")["sealed"]
    blob = bytearray(base64.b64decode(sealed["encrypted_data_key"]))
    blob[-1] ^= 1
    tampered = {**sealed, "encrypted_data_key": base64.b64encode(bytes(blob)).decode()}
    assert attempt(pyodide, server.config(), sealed=tampered) == {
        "error": "KmsInvalidCiphertextError", "code": "KMS_INVALID_CIPHERTEXT",
        "aws_code": "InvalidCiphertextException"}
    assert attempt(pyodide, server.config(), sealed=sealed) == {"opened": "s"}  # the untouched record still opens


def test_server_down_in_pyodide(pyodide, server):
    down = server.config(endpoint=f"http://127.0.0.1:{kms_server.closed_port()}")
    out = attempt(pyodide, down, secrets="s", message=True)
    assert (out["error"], out["code"], out["aws_code"]) == ("KmsUnavailableError", "KMS_UNAVAILABLE", None)
    assert "timed out" not in out["message"]  # refused at once, not waited for
    sealed = native(server, lambda kms: seal_with_kms(kms, kms.key_id, b"kept", **PLACE))
    out = attempt(pyodide, down, sealed=sealed, message=True)
    assert (out["error"], out["code"]) == ("KmsUnavailableError", "KMS_UNAVAILABLE")


def test_slow_server_times_out_in_pyodide(pyodide, server):
    # The proxy answers the CORS preflight at once and holds the signed POST for 30 s; the client waits 1 s.
    slow = kms_server.SlowProxy(server.url, delay=30)
    try:
        started = time.monotonic()
        out = attempt(pyodide, server.config(endpoint=slow.url, timeout=1), secrets="s", message=True)
        elapsed = time.monotonic() - started
        posts = slow.posts
    finally:
        slow.stop()
    assert (out["error"], out["code"], out["aws_code"]) == ("KmsUnavailableError", "KMS_UNAVAILABLE", None)
    assert "timed out" in out["message"]
    assert posts == 1 and 1 <= elapsed < 10  # the request reached the slow server and was given up on time
    # Control: the same proxy with a delay under the timeout passes the request through, signature intact.
    quick = kms_server.SlowProxy(server.url, delay=0.2)
    try:
        sealed = attempt(pyodide, server.config(endpoint=quick.url, timeout=10), secrets="through the proxy")["sealed"]
    finally:
        quick.stop()
    assert native(server, open_with_kms, sealed, **PLACE) == b"through the proxy"
