"""external_kms inside Pyodide (Chromium's fetch through CORS, Node's fetch) against moto's KMS on
CPython with signatures and IAM checked: what Pyodide seals opens on CPython and the reverse, and
KMS refusals arrive as the same typed errors as on CPython."""

import asyncio
import json

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
        return {"error": type(error).__name__, "code": error.code, "aws_code": getattr(error, "aws_code", None)}
"""


@pytest.fixture(scope="module")
def server():
    running = kms_server.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def pyodide(selenium_module_scope):
    return booted(selenium_module_scope, LOAD_FOC_WEB, python=PROBE)


def attempt(pyodide, config, place=PLACE, secrets=None, sealed=None):
    arguments = json.dumps({"config": config, "place": place, "secrets": secrets, "sealed": sealed})
    return json.loads(pyodide.run_async(f"json.dumps(await attempt(**json.loads({arguments!r})))"))


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
