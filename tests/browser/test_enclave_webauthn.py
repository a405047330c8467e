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


# Everything a script of the page can read from the enclave's IndexedDB: the ids, what each stored value
# shows (JSON, CryptoKey metadata) and what exportKey/wrapKey say about it.
DUMP_IDB = """
const done = arguments[arguments.length - 1];
const open = indexedDB.open("foc_web_enclave");
open.onsuccess = () => {
  const db = open.result;
  const store = db.transaction("keys").objectStore("keys");
  const ids = store.getAllKeys(), values = store.getAll();
  values.onsuccess = async () => {
    const records = {};
    for (const [i, id] of ids.result.entries()) {
      const key = values.result[i];
      const refused = [];
      for (const format of ["raw", "jwk", "pkcs8"]) {
        try { await crypto.subtle.exportKey(format, key); refused.push("exported"); }
        catch (e) { refused.push(e.name); }
      }
      const wrapper = await crypto.subtle.generateKey({ name: "AES-KW", length: 256 }, true, ["wrapKey"]);
      try { await crypto.subtle.wrapKey("raw", key, wrapper, "AES-KW"); refused.push("wrapped"); }
      catch (e) { refused.push(e.name); }
      records[id] = { json: JSON.stringify(key), isCryptoKey: key instanceof CryptoKey, refused,
                      readable: { type: key.type, extractable: key.extractable, algorithm: key.algorithm,
                                  usages: key.usages } };
    }
    db.close();
    done({ version: db.version, stores: [...db.objectStoreNames], records });
  };
};
"""
# Recreate the database in another profile with what the dump could read, under the same ids.
RESTORE_IDB = """
const [dump, done] = arguments;
const open = indexedDB.open("foc_web_enclave", dump.version);
open.onupgradeneeded = () => { for (const name of dump.stores) open.result.createObjectStore(name); };
open.onsuccess = () => {
  const tx = open.result.transaction("keys", "readwrite");
  for (const [id, record] of Object.entries(dump.records)) tx.objectStore("keys").put(record.readable, id);
  tx.oncomplete = () => { open.result.close(); done(true); };
  tx.onerror = () => done(String(tx.error));
};
"""
# Unlock each address: "opened", the FocError's code, or "untyped <name>: <message>" for any other exception.
FORGE_IDB = """
const [ids, done] = arguments;
const keys = await Promise.all(ids.map(() =>
  crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"])));
const open = indexedDB.open("foc_web_enclave");
open.onsuccess = () => {
  const tx = open.result.transaction("keys", "readwrite");
  ids.forEach((id, i) => tx.objectStore("keys").put(keys[i], id));
  tx.oncomplete = () => { open.result.close(); done(true); };
};
"""
OPEN_ACCOUNTS = """
from foc_web.engine import FocEngine

async def any_outcome(awaitable):
    try:
        await awaitable
    except FocError as error:
        return error.code
    except Exception as error:
        return f"untyped {type(error).__name__}: {error}"
    return "opened"

engine = FocEngine(network="sepolia")
[await any_outcome(engine.accounts.unlock(a)) for a in ADDRESSES]
"""


def test_a_copy_of_local_storage_and_indexeddb_opens_nothing_without_the_authenticator(browser, local_url):
    """An attacker's script copies all it can read (localStorage, and the IndexedDB database with its
    non-extractable keys) into a fresh profile of the same origin with no authenticator: nothing opens."""
    add_authenticator(browser)
    boot(browser, local_url)
    created = py(browser, """
from foc_web.engine import FocEngine
engine = FocEngine(network="sepolia")
plain = await engine.accounts.create(storage={"type": "secure_enclave"}, private_key=0x51)
bio = await engine.accounts.create(storage={"type": "secure_enclave", "require_biometric": True}, private_key=0x52)
[plain.address, plain.storage_key, bio.address, bio.storage_key]
""")
    addresses = [created[0], created[2]]
    local = browser.execute_script("return Object.fromEntries(Object.entries(localStorage));")
    assert {created[1], created[3]} <= set(local)
    dump = browser.execute_async_script(DUMP_IDB)
    assert set(dump["records"]) == {created[1], created[3]}  # one key per record, under its storage key
    for record in dump["records"].values():
        assert record["isCryptoKey"] and record["json"] == "{}"  # the key material is not in anything readable
        assert record["readable"] == {"type": "secret", "extractable": False, "usages": ["encrypt", "decrypt"],
                                      "algorithm": {"name": "AES-GCM", "length": 256}}
        assert record["refused"] == ["InvalidAccessError"] * 4  # exportKey raw/jwk/pkcs8, wrapKey

    other = fresh_driver()  # a new profile, same origin, no virtual authenticator
    try:
        boot(other, local_url)
        other.execute_script("for (const [k, v] of Object.entries(arguments[0])) localStorage.setItem(k, v);", local)
        assert other.execute_async_script(RESTORE_IDB, dump) is True
        assert set(other.execute_async_script(DUMP_IDB)["records"]) == set(dump["records"])
        copied = py(other, f"ADDRESSES = {addresses!r}\n" + OPEN_ACCOUNTS)
        # The best a copier can put there instead: its own non-extractable AES-GCM keys under the same ids.
        other.execute_async_script(FORGE_IDB, list(dump["records"]))
        assert other.execute_async_script(DUMP_IDB)["records"] == dump["records"]  # indistinguishable to script
        forged = py(other, f"ADDRESSES = {addresses!r}\n" + OPEN_ACCOUNTS)
        # Without the IndexedDB database at all (a plain localStorage dump): the same typed error.
        other.execute_async_script("""const done = arguments[arguments.length - 1];
const request = indexedDB.deleteDatabase("foc_web_enclave"); request.onsuccess = () => done(true);""")
        without_idb = py(other, f"ADDRESSES = {addresses!r}\n" + OPEN_ACCOUNTS)
    finally:
        other.quit()
    assert forged == ["INVALID_TAG", "INVALID_TAG"], forged  # the outer layer, before any WebAuthn prompt
    assert without_idb == ["ENCLAVE_KEY_MISSING", "ENCLAVE_KEY_MISSING"], without_idb
    # ...while the original profile, with its authenticator, still opens both.
    assert py(browser, f"ADDRESSES = {addresses!r}\n" + OPEN_ACCOUNTS) == ["opened", "opened"]
    # Nothing opened from the copy, and it says so with a typed error.
    assert all(outcome in ("ENCLAVE_KEY_MISSING", "ENCLAVE_UNAVAILABLE") for outcome in copied), copied


# Run Python, returning [error class, code, message] of a FocError, or "ok".
FAILURE = """
async def failure(awaitable):
    try:
        await awaitable
    except FocError as error:
        return [type(error).__name__, error.code, str(error)]
    return "ok"
"""
LIST_IDB = """
const done = arguments[arguments.length - 1];
const open = indexedDB.open("foc_web_enclave");
open.onupgradeneeded = () => open.result.createObjectStore("keys");
open.onsuccess = () => {
  const ids = open.result.transaction("keys").objectStore("keys").getAllKeys();
  ids.onsuccess = () => { open.result.close(); done(ids.result); };
};
"""


def test_biometric_records_on_an_ip_origin_are_refused_as_unavailable(browser, site_url):
    """http://127.0.0.1:PORT is a secure context with IndexedDB, but WebAuthn refuses IP origins: creating or
    opening a require_biometric record is EnclaveUnavailableError (never a hang, never a silent downgrade)."""
    assert site_url.startswith("http://127.0.0.1:")
    authenticator = add_authenticator(browser)  # present and willing: only the origin is wrong
    boot(browser, site_url)
    result = py(browser, FAILURE + """
import js
from foc_web.engine import FocEngine
engine = FocEngine(network="sepolia")
bio = {"type": "secure_enclave", "require_biometric": True}
out = {"secure_context": bool(js.isSecureContext), "origin": js.location.origin}
before = sorted(js.Object.keys(js.localStorage).to_py())
out["create"] = await failure(engine.accounts.create(storage=bio, private_key=0xB10))
out["written"] = sorted(set(js.Object.keys(js.localStorage).to_py()) - set(before))
out["rp_id_localhost"] = await failure(enclave.wrap_data_key("vault-rp", bytes(32), require_biometric=True,
                                                             rp_id="localhost"))
# Control: the same origin keeps plain enclave accounts (IndexedDB key only, no WebAuthn).
plain = await engine.accounts.create(storage={"type": "secure_enclave"}, private_key=0xB11)
out["written_by_plain"] = sorted(set(js.Object.keys(js.localStorage).to_py()) - set(before))
await engine.accounts.lock(plain.address)
out["plain"] = await failure(engine.accounts.unlock(plain.address))
# A biometric record whose IndexedDB layer this origin holds (its registration stubbed, as if the record
# came from before a move to an IP address): opening it reaches WebAuthn, which refuses.
real_register = enclave_browser._register
async def registered_elsewhere(key_id, salt, rp_id):
    return b"\\x01" * 16, js.Uint8Array.new(32).buffer
enclave_browser._register = registered_elsewhere
try:
    moved = await engine.accounts.create(storage=bio, private_key=0xB12)
finally:
    enclave_browser._register = real_register
await engine.accounts.lock(moved.address)
out["open"] = await failure(engine.accounts.unlock(moved.address))
out["open_unlocked"] = engine.accounts.is_unlocked(moved.address)
out["keys"] = [plain.storage_key, moved.storage_key]
out
""")
    assert result["secure_context"] is True and result["origin"] == site_url.rstrip("/")
    created = ["EnclaveUnavailableError", "ENCLAVE_UNAVAILABLE",
               "WebAuthn refused to create a credential here (SecurityError): check the origin and rp_id"]
    assert result["create"] == created
    assert result["rp_id_localhost"] == created
    assert result["written"] == []  # no vault record, no state, no audit entry
    assert result["plain"] == "ok" and result["keys"][0] in result["written_by_plain"]  # the diff sees writes
    assert result["open"] == ["EnclaveUnavailableError", "ENCLAVE_UNAVAILABLE",
                              "WebAuthn refused to use the credential here (SecurityError): check the origin and rp_id"]
    assert result["open_unlocked"] is False
    # Neither refused creation reached IndexedDB or the authenticator.
    assert sorted(browser.execute_async_script(LIST_IDB)) == sorted(result["keys"])
    assert credentials(browser, authenticator) == []


# An async JS body run in the page with `site` and `args` (as tests/browser/test_facade.py does).
JS_RUNNER = """
const done = arguments[arguments.length - 1];
const [site, args, body] = arguments;
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction("site", "args", body)(site, args).then((value) => done({ value }), (e) => done({ error: String(e) }));
"""


def test_biometric_records_in_a_web_worker_are_refused_as_unavailable(browser, local_url):
    """The facade's worker mode: Python in a Web Worker has IndexedDB but no navigator.credentials."""
    authenticator = add_authenticator(browser)
    browser.get(local_url + "index.html")
    outcome = browser.execute_async_script(JS_RUNNER, local_url, [], """
const { FocEngine } = await import(site + "static/foc-engine.js");
const engine = await FocEngine.load({ worker: true });
const failure = async (promise) => {
  try { await promise; return "ok"; } catch (e) { return { code: e.code, name: e.name, message: e.message }; }
};
const before = Object.keys(localStorage).sort();
const bio = await failure(engine.accounts.create({ storage: { type: "secure_enclave", requireBiometric: true },
                                                  privateKey: "0xb20" }));
const written = Object.keys(localStorage).filter((k) => !before.includes(k));
const plain = await engine.accounts.create({ storage: { type: "secure_enclave" }, privateKey: "0xb21" });
const writtenByPlain = Object.keys(localStorage).filter((k) => !before.includes(k));
await engine.accounts.lock(plain.address);
const reopened = await failure(engine.accounts.unlock(plain.address));
const listed = (await engine.accounts.list()).map((a) => a.address);
const mode = engine.mode;
engine.close();
return { mode, bio, written, writtenByPlain, reopened, listed, plain: plain.address, plainKey: plain.storageKey };
""")
    assert "error" not in outcome, outcome
    r = outcome["value"]
    assert r["mode"] == "worker"
    assert r["bio"]["code"] == "ENCLAVE_UNAVAILABLE" and r["bio"]["name"] == "EnclaveUnavailableError"
    assert r["bio"]["message"] == "WebAuthn is not available here (it needs a page, not a worker)"
    assert r["written"] == [] and r["plainKey"] in r["writtenByPlain"]  # the same diff sees the plain create
    assert r["reopened"] == "ok" and r["listed"] == [r["plain"]]  # the worker keeps plain enclave accounts
    assert credentials(browser, authenticator) == []


def test_an_insecure_context_gets_a_clear_error(site_url):
    """http://<a domain other than localhost> is no secure context: no Web Crypto, no WebAuthn."""
    port = site_url.rsplit(":", 1)[1].strip("/")
    insecure = f"http://foc-insecure.test:{port}/"
    driver = start_chromium("--host-resolver-rules=MAP foc-insecure.test 127.0.0.1")
    try:
        driver.get(insecure + "index.html")
        context = driver.execute_script("return [isSecureContext, !!crypto.subtle, !!navigator.credentials]")
        booted = driver.execute_async_script(BOOT, insecure, SETUP)
    finally:
        driver.quit()
    assert context == [False, False, False]
    assert booted != "ok"
    assert "secure context" in booted, booted
