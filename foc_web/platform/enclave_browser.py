"""Browser ``secure_enclave``: a non-extractable Web Crypto key in IndexedDB, optionally plus WebAuthn PRF.

Layers of a wrapped data key (AES-256-GCM everywhere, associated data = ``enclave.associated_data``):

* always, the outer layer: a non-extractable AES-GCM CryptoKey generated per ``key_id`` and kept in
  IndexedDB (database "foc_web_enclave", store "keys"). Script can use it but never read it, and it
  stays in this browser profile and origin: a copy of localStorage (or of the vault records) is useless
  elsewhere.
* with ``require_biometric``, first an inner layer under a key derived from a WebAuthn credential:
  HKDF-SHA256(ikm = the credential's PRF output for a random salt, salt = that salt,
  info = "foc_web enclave v1") -> AES-GCM key. The PRF output only exists inside the authenticator,
  after user verification, so a script that holds the IndexedDB key still cannot open the record
  without the user's fingerprint/face/PIN on that authenticator. Without PRF a WebAuthn prompt would
  only be a gate that script can skip, so an authenticator without PRF is refused
  (EnclaveUnavailableError), never silently downgraded.

No assertion signature is checked: there is no relying-party server. What binds a record to the
authenticator is the PRF secret, not the signature, so the challenge is just random.

``invalidate_on_biometric_change`` in a browser: WebAuthn tells a page nothing about changes to the
enrolled fingerprints or faces. What this module guarantees instead: a biometric record is bound to
exactly one credential (``allowCredentials`` = its recorded id, no fallback to any other credential,
no fallback to the IndexedDB key alone). Each biometric wrap registers a new discoverable credential
with the user handle SHA-256(label || key_id), which replaces the previous credential of that
``key_id`` on the authenticator; records wrapped under the replaced credential, or under a credential
that is gone (authenticator reset or removed, credential deleted or moved to another authenticator,
which loses its PRF secret), then fail with EnclaveKeyMissingError. The authenticator's own policy
decides whether changing the enrolled biometrics deletes its credentials (some platform
authenticators do); if it does, the records become unopenable the same way.

Biometric wrapping needs a page (``navigator.credentials`` does not exist in Web Workers) in a
secure context whose host name is a domain (WebAuthn refuses IP origins such as 127.0.0.1: use
``localhost``). ``delete_key`` deletes the IndexedDB key; script cannot delete the authenticator's
credential, which is harmless without the IndexedDB key.
"""

import hashlib
import json

import js
from pyodide.code import run_js
from pyodide.ffi import JsException, to_js

from ..errors import (
    EnclaveError,
    EnclaveKeyMissingError,
    EnclaveUnavailableError,
    InvalidInputError,
    InvalidTag,
    VaultFormatError,
)
from .base import GCM_IV_BYTES
from .enclave import FORMAT_VERSION, LABEL, associated_data, b64, check_data_key, check_key_id, parse_wrapped
from . import random_bytes

BACKEND = "webcrypto-indexeddb"
DATABASE = "foc_web_enclave"
OBJECT_STORE = "keys"
#: How long a WebAuthn prompt may wait for the user (ms); tests lower it.
WEBAUTHN_TIMEOUT_MS = 120_000
#: PRF salt length; WebAuthn hashes it with the "WebAuthn PRF" context before the authenticator sees it.
PRF_SALT_BYTES = 32
#: COSE algorithms offered for the credential: ES256, RS256 (the signatures are never used, see above).
COSE_ALGORITHMS = (-7, -257)

# One IndexedDB transaction per call; "add" fails with ConstraintError if the key_id exists already.
_IDB_JS = """
(() => {
  const open = () => new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const run = async (mode, action) => {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const request = action(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = tx.onabort = () => reject(request.error || tx.error);
      });
    } finally {
      db.close();
    }
  };
  return {
    get: (id) => run("readonly", (store) => store.get(id)),
    add: (id, key) => run("readwrite", (store) => store.add(key, id)),
    remove: (id) => run("readwrite", (store) => store.delete(id)),
  };
})()
"""
_idb_proxy = None


def _u8(data):
    return to_js(bytes(data))


def _js_object(mapping):
    return to_js(mapping, dict_converter=js.Object.fromEntries)


def _buffer_bytes(buffer):
    return js.Uint8Array.new(buffer).to_bytes()


def _check_storage():
    if not getattr(js, "isSecureContext", False):
        raise EnclaveUnavailableError("not a secure context (https, or http://localhost)")
    if getattr(js, "indexedDB", None) is None or getattr(js.crypto, "subtle", None) is None:
        raise EnclaveUnavailableError("this runtime has no IndexedDB or no Web Crypto")


def _check_webauthn():
    navigator = getattr(js, "navigator", None)
    if getattr(navigator, "credentials", None) is None or getattr(js, "PublicKeyCredential", None) is None:
        raise EnclaveUnavailableError("WebAuthn is not available here (it needs a page, not a worker)")


def _idb():
    global _idb_proxy
    if _idb_proxy is None:
        source = _IDB_JS.replace("DATABASE", json.dumps(DATABASE)).replace("STORE", json.dumps(OBJECT_STORE))
        _idb_proxy = run_js(source)
    return _idb_proxy


async def _idb_call(method, *args):
    try:
        return await getattr(_idb(), method)(*args)
    except JsException as error:
        if getattr(error, "name", "") == "ConstraintError":
            raise
        raise EnclaveUnavailableError(f"IndexedDB refused: {getattr(error, 'name', 'error')}") from None


async def _enclave_key(key_id, create):
    """The non-extractable CryptoKey of ``key_id``; generated and stored when ``create`` and absent."""
    key = await _idb_call("get", key_id)
    if key is not None and js.Object.prototype.toString.call(key) != "[object CryptoKey]":
        raise EnclaveKeyMissingError("the IndexedDB entry of this record is not a CryptoKey (copied or tampered): "
                                     "its key never leaves the browser profile that made it")
    if key is not None or not create:
        return key
    algorithm = _js_object({"name": "AES-GCM", "length": 256})
    fresh = await js.crypto.subtle.generateKey(algorithm, False, to_js(["encrypt", "decrypt"]))
    try:
        await _idb_call("add", key_id, fresh)
    except JsException:  # ConstraintError: another tab stored one first; use that one
        return await _idb_call("get", key_id)
    return fresh


def _gcm(iv, aad):
    return _js_object({"name": "AES-GCM", "iv": _u8(iv), "additionalData": _u8(aad), "tagLength": 128})


async def _encrypt(key, iv, plaintext, aad):
    return _buffer_bytes(await js.crypto.subtle.encrypt(_gcm(iv, aad), key, _u8(plaintext)))


async def _decrypt(key, iv, ciphertext, aad):
    try:
        return _buffer_bytes(await js.crypto.subtle.decrypt(_gcm(iv, aad), key, _u8(ciphertext)))
    except JsException as error:
        if getattr(error, "name", "") == "OperationError":
            raise InvalidTag() from None
        raise


async def _prf_key(prf_output, salt):
    """AES-GCM key = HKDF-SHA256(prf_output, salt, LABEL); the PRF output stays a JS ArrayBuffer."""
    subtle = js.crypto.subtle
    base = await subtle.importKey("raw", prf_output, "HKDF", False, to_js(["deriveKey"]))
    hkdf = _js_object({"name": "HKDF", "hash": "SHA-256", "salt": _u8(salt), "info": _u8(LABEL)})
    aes = _js_object({"name": "AES-GCM", "length": 256})
    return await subtle.deriveKey(hkdf, base, aes, False, to_js(["encrypt", "decrypt"]))


def _webauthn_error(error, action):
    name = getattr(error, "name", "")
    if name in ("SecurityError", "NotSupportedError"):
        return EnclaveUnavailableError(f"WebAuthn refused to {action} here ({name}): check the origin and rp_id")
    if name == "NotAllowedError" and action == "use the credential":
        # WebAuthn deliberately reports "no such credential" and "cancelled / timed out" alike.
        return EnclaveKeyMissingError(
            "the authenticator did not produce this record's credential: it is gone or was replaced"
            " (or the prompt was cancelled or timed out)"
        )
    if name == "NotAllowedError":
        return EnclaveError("the authenticator prompt was cancelled or timed out")
    return EnclaveError(f"WebAuthn failed to {action} ({name or 'error'})")


def _prf_extension(salt):
    return {"prf": {"eval": {"first": _u8(salt)}}}


async def _prf_output(credential_id, salt, rp_id):
    """The recorded credential's PRF output (an ArrayBuffer; None if none came), after user verification."""
    options = {
        "challenge": _u8(random_bytes(32)),
        "timeout": WEBAUTHN_TIMEOUT_MS,
        "userVerification": "required",
        "allowCredentials": [{"type": "public-key", "id": _u8(credential_id)}],
        "extensions": _prf_extension(salt),
    }
    if rp_id:
        options["rpId"] = rp_id
    try:
        assertion = await js.navigator.credentials.get(_js_object({"publicKey": options}))
    except JsException as error:
        raise _webauthn_error(error, "use the credential") from None
    results = getattr(getattr(assertion.getClientExtensionResults(), "prf", None), "results", None)
    return getattr(results, "first", None)


async def _register(key_id, salt, rp_id):
    """Create the credential of ``key_id``; return (credential id, PRF output ArrayBuffer)."""
    rp = {"name": "foc_web"}
    if rp_id:
        rp["id"] = rp_id
    options = {
        "rp": rp,
        # A stable user handle per key_id: re-registering replaces the old credential of this key_id.
        "user": {"id": _u8(hashlib.sha256(LABEL + b"\x00" + key_id.encode()).digest()),
                 "name": key_id, "displayName": f"foc_web {key_id}"},
        "challenge": _u8(random_bytes(32)),
        "pubKeyCredParams": [{"type": "public-key", "alg": alg} for alg in COSE_ALGORITHMS],
        "timeout": WEBAUTHN_TIMEOUT_MS,
        "attestation": "none",
        "authenticatorSelection": {"userVerification": "required", "residentKey": "preferred"},
        "extensions": _prf_extension(salt),
    }
    try:
        credential = await js.navigator.credentials.create(_js_object({"publicKey": options}))
    except JsException as error:
        raise _webauthn_error(error, "create a credential") from None
    credential_id = _buffer_bytes(credential.rawId)
    prf = getattr(credential.getClientExtensionResults(), "prf", None)
    if getattr(prf, "enabled", None) is not True:
        raise EnclaveUnavailableError(
            "this authenticator does not support the WebAuthn PRF extension, which require_biometric needs"
        )
    # Authenticators that cannot evaluate the PRF while registering need one assertion more.
    first = getattr(getattr(prf, "results", None), "first", None)
    if first is None:
        first = await _prf_output(credential_id, salt, rp_id)
    if first is None:
        raise EnclaveUnavailableError("the authenticator enabled PRF but returned no PRF output")
    return credential_id, first


async def wrap_data_key(key_id, data_key, *, require_biometric=False, rp_id=None):
    """Wrap ``data_key``; with ``require_biometric`` register a PRF credential and bind the record to it."""
    check_key_id(key_id)
    check_data_key(data_key)
    if rp_id is not None and (not isinstance(rp_id, str) or not rp_id):
        raise InvalidInputError("rp_id must be a non-empty domain name or None (the page's host)")
    _check_storage()
    wrapped = {"v": FORMAT_VERSION, "backend": BACKEND, "prf": bool(require_biometric),
               "credential_id": None, "prf_salt": None, "inner_iv": None, "rp_id": rp_id}
    plaintext = bytes(data_key)
    if require_biometric:
        _check_webauthn()
        salt, inner_iv = random_bytes(PRF_SALT_BYTES), random_bytes(GCM_IV_BYTES)
        credential_id, prf_output = await _register(key_id, salt, rp_id)
        wrapped.update(credential_id=b64(credential_id), prf_salt=b64(salt), inner_iv=b64(inner_iv))
        aad = associated_data(key_id, BACKEND, wrapped["credential_id"])
        plaintext = await _encrypt(await _prf_key(prf_output, salt), inner_iv, plaintext, aad)
    else:
        aad = associated_data(key_id, BACKEND)
    iv = random_bytes(GCM_IV_BYTES)
    ciphertext = await _encrypt(await _enclave_key(key_id, create=True), iv, plaintext, aad)
    wrapped.update(iv=b64(iv), ct=b64(ciphertext))
    return wrapped


async def unwrap_data_key(key_id, wrapped):
    """The data key in ``wrapped``: the IndexedDB key, then (biometric records) the recorded credential."""
    check_key_id(key_id)
    fields = parse_wrapped(wrapped, BACKEND, ("iv", "ct"), ("credential_id", "prf_salt", "inner_iv"))
    biometric, rp_id = wrapped.get("prf"), wrapped.get("rp_id")
    prf_fields = [fields[name] for name in ("credential_id", "prf_salt", "inner_iv")]
    if not isinstance(biometric, bool) or any((value is not None) != biometric for value in prf_fields):
        raise VaultFormatError("enclave-wrapped key: inconsistent PRF fields")
    if rp_id is not None and not isinstance(rp_id, str):
        raise VaultFormatError("enclave-wrapped key: rp_id must be a string or null")
    if biometric and len(fields["inner_iv"]) != GCM_IV_BYTES:
        raise VaultFormatError(f"enclave-wrapped key: the inner IV must be {GCM_IV_BYTES} bytes")
    _check_storage()
    key = await _enclave_key(key_id, create=False)
    if key is None:
        raise EnclaveKeyMissingError(
            "this browser profile has no enclave key for this record (another profile, browser or origin,"
            " cleared site data, or deleted)"
        )
    aad = associated_data(key_id, BACKEND, wrapped.get("credential_id"))
    opened = await _decrypt(key, fields["iv"], fields["ct"], aad)
    if not biometric:
        return opened
    _check_webauthn()
    prf_output = await _prf_output(fields["credential_id"], fields["prf_salt"], rp_id)
    if prf_output is None:
        raise EnclaveKeyMissingError("the credential no longer has a PRF secret (moved to another authenticator?)")
    try:
        # The outer tag already proved the inner ciphertext intact: a failure here means another PRF secret.
        return await _decrypt(await _prf_key(prf_output, fields["prf_salt"]), fields["inner_iv"], opened, aad)
    except InvalidTag:
        raise EnclaveKeyMissingError(
            "the credential's PRF secret is not the one this record was wrapped with (credential re-created)"
        ) from None


async def delete_key(key_id):
    """Delete the IndexedDB key of ``key_id``: every record wrapped under it becomes unopenable."""
    check_key_id(key_id)
    _check_storage()
    await _idb_call("remove", key_id)
