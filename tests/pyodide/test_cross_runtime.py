"""Data made in Pyodide (Chromium's Web Crypto, Node's Web Crypto) open on CPython, and the reverse."""

import asyncio
import json

import pytest

from foc_web import platform as native
from tests.pyodide.pages import LOAD_FOC_WEB, booted



@pytest.fixture(scope="module")
def pyodide(selenium_module_scope):
    return booted(selenium_module_scope, LOAD_FOC_WEB)


def run(pyodide, code):
    return json.loads(pyodide.run_async(code))


def test_runtime_and_store_are_the_platform_ones(pyodide):
    out = run(
        pyodide,
        """
import json, js
from foc_web import platform
await platform.store().set("foc_crosstest_probe", "v1")
seen = js.localStorage.getItem("foc_crosstest_probe") if hasattr(js, "localStorage") else None
await platform.store().delete("foc_crosstest_probe")
json.dumps({"runtime": platform.runtime, "location": platform.store().location, "seen": seen})
""",
    )
    if pyodide.browser == "node":
        assert out == {"runtime": "pyodide-node", "location": "memory", "seen": None}
    else:
        assert out == {"runtime": "pyodide-browser", "location": "localStorage", "seen": "v1"}


def test_aes_gcm_made_in_pyodide_opens_on_cpython(pyodide):
    out = run(
        pyodide,
        """
import json
from foc_web import platform
key, iv = platform.random_bytes(32), platform.random_bytes(12)
sealed = await platform.aes_gcm_encrypt(key, iv, "secret message ✓".encode(), b"aad")
json.dumps({"key": key.hex(), "iv": iv.hex(), "sealed": sealed.hex()})
""",
    )
    key, iv, sealed = (bytes.fromhex(out[k]) for k in ("key", "iv", "sealed"))
    plain = asyncio.run(native.aes_gcm_decrypt(key, iv, sealed, b"aad"))
    assert plain.decode() == "secret message ✓"


def test_aes_gcm_made_on_cpython_opens_in_pyodide(pyodide):
    key, iv = native.random_bytes(32), native.random_bytes(12)
    sealed = asyncio.run(native.aes_gcm_encrypt(key, iv, b"from cpython", b"ctx"))
    out = run(
        pyodide,
        f"""
import json
from foc_web import platform
from foc_web.errors import InvalidTag
plain = await platform.aes_gcm_decrypt(bytes.fromhex("{key.hex()}"), bytes.fromhex("{iv.hex()}"),
                                       bytes.fromhex("{sealed.hex()}"), b"ctx")
try:
    await platform.aes_gcm_decrypt(bytes.fromhex("{key.hex()}"), bytes.fromhex("{iv.hex()}"),
                                   bytes.fromhex("{sealed.hex()}"), b"other")
    tampered = "accepted"
except InvalidTag:
    tampered = "InvalidTag"
json.dumps({{"plain": plain.decode(), "tampered": tampered}})
""",
    )
    assert out == {"plain": "from cpython", "tampered": "InvalidTag"}


def test_kdfs_agree_with_cpython_on_random_inputs(pyodide):
    password, salt = native.random_bytes(20), native.random_bytes(16)
    out = run(
        pyodide,
        f"""
import json
from foc_web import platform
p, s = bytes.fromhex("{password.hex()}"), bytes.fromhex("{salt.hex()}")
json.dumps({{
    "pbkdf2": (await platform.pbkdf2("sha512", p, s, 2048, 64)).hex(),
    "argon2id": (await platform.argon2id(p, s, 2, 1024, 2, 32)).hex(),
    "scrypt": (await platform.scrypt(p, s, 1024, 8, 1, 32)).hex(),
}})
""",
    )
    assert out["pbkdf2"] == asyncio.run(native.pbkdf2("sha512", password, salt, 2048, 64)).hex()
    assert out["argon2id"] == asyncio.run(native.argon2id(password, salt, 2, 1024, 2, 32)).hex()
    assert out["scrypt"] == asyncio.run(native.scrypt(password, salt, 1024, 8, 1, 32)).hex()


@pytest.fixture(scope="module")
def json_peer():
    from tests import jsonserver

    url, server = jsonserver.start()
    yield url
    server.shutdown()


# The same source runs in Pyodide and on CPython, each with its own platform implementation.
HTTP_PROBE = """
from foc_web import platform
from foc_web.errors import TransportError

async def outcome(url, timeout=10.0):
    try:
        return list(await platform.http_post_json(url, {"n": [1, "é"]}, timeout, {"X-Test": "yes"}))
    except TransportError as error:
        return "TransportError: " + str(error)

async def probe(base):
    return {
        "echo": await outcome(base + "/echo"),
        "status": await outcome(base + "/status/503"),
        "garbage": await outcome(base + "/garbage"),
        "slow": await outcome(base + "/slow", 0.5),
        "refused": await outcome("http://127.0.0.1:9/closed", 5.0),
    }
"""


def check_http_outcomes(out):
    assert out["echo"] == [200, {"got": {"n": [1, "é"]}, "header": "yes"}]
    assert out["status"] == [503, {"status": 503}]
    assert out["garbage"].startswith("TransportError") and "not JSON" in out["garbage"]
    assert out["slow"].startswith("TransportError") and "timed out" in out["slow"]
    assert out["refused"].startswith("TransportError")


def test_http_post_json_in_pyodide(pyodide, json_peer):
    check_http_outcomes(run(pyodide, HTTP_PROBE + f"\nimport json\njson.dumps(await probe({json_peer!r}))"))


def test_http_post_json_on_cpython(json_peer):
    namespace = {}
    exec(HTTP_PROBE, namespace)
    check_http_outcomes(asyncio.run(namespace["probe"](json_peer)))
