"""The browser ``secure_enclave`` in headless Chromium: IndexedDB key + WebAuthn PRF on a virtual authenticator.

The site is reached as http://localhost:PORT/ (the server still binds 127.0.0.1): WebAuthn refuses
IP origins. The virtual authenticator comes from the DevTools protocol (WebAuthn domain); it belongs
to the tab, keeps its credentials across reloads, and answers user verification with "verified".
"""

import json

import pytest

from tests.conftest import start_chromium

from .conftest import screenshot

BOOT = """
const done = arguments[arguments.length - 1];
import(arguments[0] + "static/foc-loader.js")
  .then(({ loadFocWeb }) => loadFocWeb())
  .then((py) => { window.py = py; return py.runPythonAsync(arguments[1]); })
  .then(() => done("ok"), (e) => done("boot failed: " + e));
"""
SETUP = """
import json
from foc_web.platform import enclave, enclave_browser
from foc_web.errors import FocError

enclave_browser.WEBAUTHN_TIMEOUT_MS = 3000  # the no-authenticator case waits this long

async def outcome(awaitable):
    try:
        value = await awaitable
    except FocError as error:
        return error.code
    return value.hex() if isinstance(value, bytes) else value
"""
# Python's last expression comes back JSON-encoded (lists and dicts arrive as PyProxy: Python encodes them).
RUN = """
const done = arguments[arguments.length - 1];
window.py.runPythonAsync(arguments[0])
  .then((r) => done(r instanceof window.py.ffi.PyProxy ? window.py.globals.get("json").dumps(r)
                                                       : JSON.stringify(r ?? null)),
        (e) => done(JSON.stringify({ python_error: String(e) })));
"""
# The stored CryptoKey, read back by plain JS (not through foc_web), and an attempt to export it.
INSPECT_KEY = """
const [keyId, done] = arguments;
const open = indexedDB.open("foc_web_enclave");
open.onsuccess = () => {
  const request = open.result.transaction("keys").objectStore("keys").get(keyId);
  request.onsuccess = async () => {
    const key = request.result;
    if (!key) return done(null);
    const exports = [];
    for (const format of ["raw", "jwk"]) {
      try { await crypto.subtle.exportKey(format, key); exports.push("exported"); }
      catch (e) { exports.push(e.name); }
    }
    done({ type: key.type, extractable: key.extractable, algorithm: key.algorithm,
           usages: key.usages, isCryptoKey: key instanceof CryptoKey, exports });
  };
};
"""


@pytest.fixture
def local_url(site_url):
    return site_url.replace("127.0.0.1", "localhost")


def add_authenticator(driver, has_prf=True):
    driver.execute_cdp_cmd("WebAuthn.enable", {})
    options = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
               "hasUserVerification": True, "isUserVerified": True, "hasPrf": has_prf}
    return driver.execute_cdp_cmd("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]


def credentials(driver, authenticator):
    return driver.execute_cdp_cmd("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]


def boot(driver, url):
    driver.get(url + "index.html")
    assert driver.execute_async_script(BOOT, url, SETUP) == "ok"


def py(driver, code):
    """Run async Python in the page and return its last expression (JSON-compatible)."""
    result = json.loads(driver.execute_async_script(RUN, code))
    assert not (isinstance(result, dict) and "python_error" in result), result
    return result


def fresh_driver():
    return start_chromium()


def test_biometric_round_trip_uses_prf_and_survives_a_reload(browser, local_url):
    authenticator = add_authenticator(browser)
    boot(browser, local_url)
    first = py(browser, """
data_key = bytes(range(32))
wrapped = await enclave.wrap_data_key("vault-1", data_key, require_biometric=True, rp_id=None)
localStorage = __import__("js").localStorage
localStorage.setItem("record", json.dumps(wrapped))
{"wrapped": wrapped, "unwrapped": await outcome(enclave.unwrap_data_key("vault-1", wrapped)),
 "without_prf_layer": await outcome(enclave.unwrap_data_key(
     "vault-1", dict(wrapped, prf=False, credential_id=None, prf_salt=None, inner_iv=None)))}
""")
    wrapped = first["wrapped"]
    assert first["unwrapped"] == bytes(range(32)).hex()
    assert wrapped["prf"] is True and wrapped["backend"] == "webcrypto-indexeddb"
    assert bytes(range(32)).hex() not in json.dumps(wrapped)
    # The IndexedDB key alone does not open a biometric record.
    assert first["without_prf_layer"] == "INVALID_TAG"
    [credential] = credentials(browser, authenticator)
    assert credential["isResidentCredential"] and credential["rpId"] == "localhost"
    assert credential["credentialId"] == wrapped["credential_id"]
    assert credential["signCount"] == 2  # one registration, one assertion for the unwrap

    browser.refresh()  # same profile, same tab: the IndexedDB key and the credential are still there
    boot(browser, local_url)
    after = py(browser, """
wrapped = json.loads(__import__("js").localStorage.getItem("record"))
await outcome(enclave.unwrap_data_key("vault-1", wrapped))
""")
    assert after == bytes(range(32)).hex()
    assert credentials(browser, authenticator)[0]["signCount"] == 3
    screenshot(browser, "enclave-webauthn")


def test_prf_evaluated_by_a_later_assertion_when_registration_gives_none(browser, local_url):
    # Some authenticators enable PRF at registration without evaluating it: wrap then asks once more.
    authenticator = add_authenticator(browser)
    boot(browser, local_url)
    browser.execute_script("""
const create = navigator.credentials.create.bind(navigator.credentials);
navigator.credentials.create = async (options) => {
  const credential = await create(options);
  const prf = credential.getClientExtensionResults().prf;
  window.createPrf = { enabled: prf.enabled, hadResults: !!prf.results };
  credential.getClientExtensionResults = () => ({ prf: { enabled: prf.enabled } });
  return credential;
};
""")
    py(browser, 'wrapped = await enclave.wrap_data_key("vault-2", b"\\x07" * 32, require_biometric=True)')
    assert browser.execute_script("return window.createPrf") == {"enabled": True, "hadResults": True}
    assert credentials(browser, authenticator)[0]["signCount"] == 2  # registration + the extra assertion
    assert py(browser, 'await outcome(enclave.unwrap_data_key("vault-2", wrapped))') == "07" * 32


def test_plain_wrap_uses_a_non_extractable_indexeddb_key(browser, local_url):
    boot(browser, local_url)  # no authenticator: records without require_biometric never touch WebAuthn
    result = py(browser, """
a, b = bytes(range(32)), bytes(range(32, 64))
wrapped_a = await enclave.wrap_data_key("vault-a", a)
wrapped_b = await enclave.wrap_data_key("vault-b", b)
again_a = await enclave.wrap_data_key("vault-a", b)
out = {
    "wrapped": wrapped_a,
    "a": await outcome(enclave.unwrap_data_key("vault-a", wrapped_a)),
    "again_a": await outcome(enclave.unwrap_data_key("vault-a", again_a)),
    "b": await outcome(enclave.unwrap_data_key("vault-b", wrapped_b)),
    "a_under_b": await outcome(enclave.unwrap_data_key("vault-b", wrapped_a)),
    "a_under_missing": await outcome(enclave.unwrap_data_key("vault-c", wrapped_a)),
    "tampered": await outcome(enclave.unwrap_data_key("vault-a", dict(wrapped_a, iv="AAAAAAAAAAAAAAAA"))),
    "inconsistent": await outcome(enclave.unwrap_data_key("vault-a", dict(wrapped_a, prf=True))),
}
await enclave.delete_key("vault-b")
out["b_after_delete"] = await outcome(enclave.unwrap_data_key("vault-b", wrapped_b))
out["a_after_deleting_b"] = await outcome(enclave.unwrap_data_key("vault-a", wrapped_a))
out
""")
    assert result["wrapped"]["prf"] is False and result["wrapped"]["credential_id"] is None
    assert result["a"] == bytes(range(32)).hex()
    assert result["again_a"] == result["b"] == bytes(range(32, 64)).hex()
    assert result["a_under_b"] == "INVALID_TAG"
    assert result["a_under_missing"] == "ENCLAVE_KEY_MISSING"
    assert result["tampered"] == "INVALID_TAG"
    assert result["inconsistent"] == "VAULT_FORMAT"
    assert result["b_after_delete"] == "ENCLAVE_KEY_MISSING"
    assert result["a_after_deleting_b"] == bytes(range(32)).hex()

    key = browser.execute_async_script(INSPECT_KEY, "vault-a")
    assert key["isCryptoKey"] and key["type"] == "secret" and key["extractable"] is False
    assert key["algorithm"] == {"name": "AES-GCM", "length": 256}
    assert sorted(key["usages"]) == ["decrypt", "encrypt"]
    assert key["exports"] == ["InvalidAccessError", "InvalidAccessError"]
    assert browser.execute_async_script(INSPECT_KEY, "vault-b") is None


def test_an_authenticator_without_prf_is_refused_for_biometric_records(browser, local_url):
    # Documented choice: without PRF a prompt would be a gate script can skip, so no silent downgrade.
    authenticator = add_authenticator(browser, has_prf=False)
    boot(browser, local_url)
    result = py(browser, """
out = {}
try:
    await enclave.wrap_data_key("vault-np", bytes(32), require_biometric=True)
except FocError as error:
    out["error"] = [error.code, str(error)]
out["plain"] = await outcome(enclave.unwrap_data_key("vault-np", await enclave.wrap_data_key("vault-np", bytes(32))))
out
""")
    assert result["error"][0] == "ENCLAVE_UNAVAILABLE" and "PRF" in result["error"][1]
    assert result["plain"] == "00" * 32
    # The browser itself reports PRF as not enabled for such an authenticator.
    enabled = browser.execute_async_script("""
const done = arguments[arguments.length - 1];
navigator.credentials.create({ publicKey: { rp: { name: "t" }, challenge: new Uint8Array(32),
  user: { id: new Uint8Array(16), name: "t", displayName: "t" }, pubKeyCredParams: [{ type: "public-key", alg: -7 }],
  authenticatorSelection: { userVerification: "required", residentKey: "preferred" }, extensions: { prf: {} } } })
  .then((c) => done(c.getClientExtensionResults().prf.enabled), (e) => done(e.name));
""")
    assert enabled is False
    assert len(credentials(browser, authenticator)) == 2  # ours (refused, unused) and the probe's


def test_a_copied_local_storage_cannot_be_opened_in_a_fresh_profile(browser, local_url):
    add_authenticator(browser)
    boot(browser, local_url)
    py(browser, """
js = __import__("js")
plain = await enclave.wrap_data_key("vault-1", bytes(range(32)))
bio = await enclave.wrap_data_key("vault-2", bytes(range(32)), require_biometric=True)
js.localStorage.setItem("plain", json.dumps(plain))
js.localStorage.setItem("bio", json.dumps(bio))
True
""")
    dump = browser.execute_script("return Object.fromEntries(Object.entries(localStorage));")
    assert set(dump) >= {"plain", "bio"}

    other = fresh_driver()
    try:
        add_authenticator(other)
        boot(other, local_url)
        other.execute_script("for (const [k, v] of Object.entries(arguments[0])) localStorage.setItem(k, v);", dump)
        result = py(other, """
js = __import__("js")
[await outcome(enclave.unwrap_data_key(k, json.loads(js.localStorage.getItem(n))))
 for k, n in (("vault-1", "plain"), ("vault-2", "bio"))]
""")
    finally:
        other.quit()
    assert result == ["ENCLAVE_KEY_MISSING", "ENCLAVE_KEY_MISSING"]
    # ...while the original profile still opens both.
    assert py(browser, """
js = __import__("js")
[await outcome(enclave.unwrap_data_key(k, json.loads(js.localStorage.getItem(n))))
 for k, n in (("vault-1", "plain"), ("vault-2", "bio"))]
""") == [bytes(range(32)).hex()] * 2


def test_a_replaced_or_lost_credential_makes_old_records_fail(browser, local_url):
    authenticator = add_authenticator(browser)
    boot(browser, local_url)
    py(browser, """
records = {}
records["old"] = await enclave.wrap_data_key("vault-1", b"\\x01" * 32, require_biometric=True)
records["new"] = await enclave.wrap_data_key("vault-1", b"\\x02" * 32, require_biometric=True)
records["other"] = await enclave.wrap_data_key("vault-2", b"\\x03" * 32, require_biometric=True)
True
""")
    # Re-registering vault-1 replaced its credential (same user handle): only the new record opens.
    assert py(browser, "[await outcome(enclave.unwrap_data_key(k, records[n])) "
                       "for k, n in (('vault-1', 'old'), ('vault-1', 'new'), ('vault-2', 'other'))]") == [
        "ENCLAVE_KEY_MISSING", "02" * 32, "03" * 32]
    stored = credentials(browser, authenticator)
    assert len(stored) == 2

    # The same credential (same id and private key) moved to another authenticator loses its PRF secret.
    browser.execute_cdp_cmd("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator})
    moved = add_authenticator(browser)
    for credential in stored:
        browser.execute_cdp_cmd("WebAuthn.addCredential", {"authenticatorId": moved, "credential": credential})
    assert py(browser, "await outcome(enclave.unwrap_data_key('vault-2', records['other']))") == "ENCLAVE_KEY_MISSING"
    other_id = py(browser, "records['other']['credential_id']")
    before = {c["credentialId"]: c["signCount"] for c in stored}
    after = {c["credentialId"]: c["signCount"] for c in credentials(browser, moved)}
    assert after[other_id] == before[other_id] + 1  # the assertion itself succeeded; only the PRF differed

    # An authenticator without the credential, then none at all (the prompt times out).
    browser.execute_cdp_cmd("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": moved})
    add_authenticator(browser)
    assert py(browser, "await outcome(enclave.unwrap_data_key('vault-1', records['new']))") == "ENCLAVE_KEY_MISSING"
    browser.execute_cdp_cmd("WebAuthn.disable", {})
    browser.execute_cdp_cmd("WebAuthn.enable", {})
    assert py(browser, "await outcome(enclave.unwrap_data_key('vault-1', records['new']))") == "ENCLAVE_KEY_MISSING"


def test_secure_enclave_accounts_with_biometric_in_the_browser(browser, local_url):
    """create/lock/unlock through the accounts API with a WebAuthn-bound record; a copied localStorage
    in a fresh profile (no IndexedDB key, no authenticator) gets the typed error."""
    add_authenticator(browser)
    boot(browser, local_url)
    created = py(browser, """
from foc_web.engine import FocEngine
engine = FocEngine(network="sepolia")
storage = {"type": "secure_enclave", "require_biometric": True, "invalidate_on_biometric_change": True}
account = await engine.accounts.create(storage=storage, private_key=0x5eed)
await engine.accounts.lock(account.address)
await engine.accounts.unlock(account.address)
stored = __import__("js").localStorage.getItem(account.storage_key)
{"key_ok": engine.accounts._private_key(account.address) == 0x5eed, "key": account.storage_key,
 "stored": stored, "protection": (await engine.accounts.export(account.address))["protection"]}
""")
    assert created["key_ok"] and created["protection"] == "secure-enclave"
    assert json.loads(created["stored"])["enclave"]["wrapped"]["prf"] is True
    other = fresh_driver()
    try:
        boot(other, local_url)
        copied = py(other, f"""
from foc_web.engine import FocEngine
from foc_web import platform
await platform.store().set({created["key"]!r}, {created["stored"]!r})
engine = FocEngine(network="sepolia")
await outcome(engine.accounts.unlock({created["key"].rsplit("_", 1)[1]!r}))
""")
        assert copied == "ENCLAVE_KEY_MISSING"
    finally:
        other.quit()
