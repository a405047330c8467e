"""The ``secure_enclave`` storage backend: a vault's data key wrapped by a key that script cannot read.

Two implementations, picked per runtime like ``foc_web.platform`` itself:

* browser (``enclave_browser``): a non-extractable AES-GCM CryptoKey kept in IndexedDB, optionally
  combined with a WebAuthn credential's PRF output (``require_biometric``);
* CPython (``enclave_native``): a random wrapping key in the OS keychain through ``keyring``
  (Secret Service, macOS Keychain, Windows Credential Locker; never a plaintext file backend).

The implementation module is imported on first use, so importing this module costs nothing and
CPython does not import ``keyring`` until a vault actually uses the backend. The shared record
format lives here: a wrapped key is a JSON-ready dict of public values only (IVs, ciphertexts,
credential id, PRF salt, flags), with ``v`` = FORMAT_VERSION and ``backend`` naming who wrapped it.
"""

import base64
import sys

from ..errors import InvalidInputError, VaultFormatError
from .base import GCM_IV_BYTES

#: Version of the wrapped-key dict; bump on any change of layout or construction.
FORMAT_VERSION = 1
#: Domain-separation label: the AES-GCM associated data prefix and the HKDF ``info``.
LABEL = b"foc_web enclave v1"
#: key_id limits: it names an IndexedDB entry or a keychain account, so keep it short and printable.
MAX_KEY_ID_CHARS = 200


def _implementation():
    if "_pyodide_core" in sys.modules:
        from . import enclave_browser as module
    else:
        from . import enclave_native as module
    return module


async def wrap_data_key(key_id, data_key, *, require_biometric=False, rp_id=None):
    """Wrap ``data_key`` (32 bytes) under the enclave key ``key_id`` (created on first use)."""
    return await _implementation().wrap_data_key(
        key_id, data_key, require_biometric=require_biometric, rp_id=rp_id
    )


async def unwrap_data_key(key_id, wrapped):
    """The data key inside ``wrapped``; may prompt for the authenticator (browser, biometric records)."""
    return await _implementation().unwrap_data_key(key_id, wrapped)


async def delete_key(key_id):
    """Forget the enclave key ``key_id``: every record wrapped under it becomes unopenable."""
    await _implementation().delete_key(key_id)


# ---- shared by both implementations -------------------------------------------------------------


def check_key_id(key_id):
    if not isinstance(key_id, str) or not key_id or len(key_id) > MAX_KEY_ID_CHARS or not key_id.isprintable():
        raise InvalidInputError(f"key_id must be a printable string of 1 to {MAX_KEY_ID_CHARS} characters")


def check_data_key(data_key):
    if not isinstance(data_key, (bytes, bytearray)) or len(data_key) != 32:
        raise InvalidInputError("data_key must be 32 bytes")


def associated_data(key_id, backend, credential_id=None):
    """AES-GCM associated data: binds a record to its format, backend, key_id and credential."""
    parts = [LABEL, backend.encode(), key_id.encode(), (credential_id or "").encode()]
    return b"\x00".join(parts)


def b64(data):
    return base64.b64encode(data).decode("ascii")


def parse_wrapped(wrapped, backend, required, optional=()):
    """Check a wrapped dict's version and backend; return its base64 fields decoded (absent optional ones: None)."""
    if not isinstance(wrapped, dict) or wrapped.get("v") != FORMAT_VERSION:
        raise VaultFormatError(f"not a version {FORMAT_VERSION} enclave-wrapped key")
    if wrapped.get("backend") != backend:
        raise VaultFormatError(f"this key was wrapped by the {wrapped.get('backend')!r} backend, not {backend!r}")
    decoded = {}
    for name in (*required, *optional):
        value = wrapped.get(name)
        if value is None and name in optional:
            decoded[name] = None
            continue
        try:
            decoded[name] = base64.b64decode(value, validate=True)
        except (TypeError, ValueError):
            raise VaultFormatError(f"enclave-wrapped key: field {name!r} is missing or not base64") from None
    if "iv" in decoded and len(decoded["iv"]) != GCM_IV_BYTES:
        raise VaultFormatError(f"enclave-wrapped key: the IV must be {GCM_IV_BYTES} bytes")
    return decoded
