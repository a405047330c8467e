"""CPython ``secure_enclave``: the wrapping key lives in the OS keychain, reached through ``keyring``.

Per ``key_id`` the keychain holds one random 32-byte AES key (service "foc_web", username
``key_id``, value base64). A data key is wrapped with AES-256-GCM under it; the wrapped dict holds
only the IV and the ciphertext. Opening a record needs the keychain entry, so a copied vault file
alone is useless, and the keychain's own protection applies (login password, session unlock).

Only real OS keychains are accepted (``TRUSTED_BACKENDS``). The ``fail`` backend (no Secret Service
on the session bus, no macOS/Windows store) raises EnclaveUnavailableError, and so does anything
else, notably ``keyrings.alt``'s plaintext/"encrypted" file backends: storing the wrapping key in
a file next to the vault would defeat the point, so such a choice is refused, never used silently.

``require_biometric`` is refused on this platform: keyring has no way to ask for a fingerprint or
face, and the keychain's own unlock is not a per-use user-verification prompt.
"""

import asyncio
import base64
import binascii

from ..errors import EnclaveKeyMissingError, EnclaveUnavailableError
from . import aes_gcm_decrypt, aes_gcm_encrypt, lock, random_bytes
from .base import AES_KEY_BYTES, GCM_IV_BYTES
from .enclave import FORMAT_VERSION, associated_data, b64, check_data_key, check_key_id, parse_wrapped

BACKEND = "os-keychain"
#: keyring service name under which every wrapping key is stored.
SERVICE = "foc_web"
#: keyring backends that keep secrets in an OS-managed store ("module.Class" of the backend object).
TRUSTED_BACKENDS = frozenset(
    {
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.libsecret.Keyring",
        "keyring.backends.kwallet.DBusKeyring",
        "keyring.backends.kwallet.DBusKeyringKWallet4",
        "keyring.backends.macOS.Keyring",
        "keyring.backends.Windows.WinVaultKeyring",
    }
)


def _name(backend):
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def check_backend(backend):
    """Refuse every keyring backend that is not an OS keychain (a chainer must hold only such)."""
    from keyring.backends.chainer import ChainerBackend

    name = _name(backend)
    if name == "keyring.backends.fail.Keyring":
        raise EnclaveUnavailableError(
            "no OS keychain is available (on Linux: no Secret Service such as gnome-keyring on the D-Bus session bus)"
        )
    members = list(backend.backends) if isinstance(backend, ChainerBackend) else [backend]
    untrusted = sorted(_name(member) for member in members if _name(member) not in TRUSTED_BACKENDS)
    if untrusted or not members:
        raise EnclaveUnavailableError(
            f"refusing keyring backend {', '.join(untrusted) or name}: not an OS keychain"
            " (it could keep the wrapping key in a plain file)"
        )


def _keychain():
    try:
        import keyring
    except ImportError:
        raise EnclaveUnavailableError("the 'keyring' package is not installed") from None
    backend = keyring.get_keyring()
    check_backend(backend)
    return backend


def _call(function, *args):
    """Run one blocking keychain call in a worker thread; keyring failures become EnclaveUnavailableError."""
    from keyring.errors import KeyringError, KeyringLocked

    def guarded():
        try:
            return function(*args)
        except KeyringLocked:
            raise EnclaveUnavailableError("the OS keychain is locked: unlock it (log in to the session)") from None
        except KeyringError as error:
            raise EnclaveUnavailableError(f"the OS keychain refused: {type(error).__name__}") from None

    return asyncio.to_thread(guarded)


def _decode_secret(stored):
    try:
        secret = base64.b64decode(stored, validate=True)
    except (binascii.Error, ValueError, TypeError):
        secret = b""
    if len(secret) != AES_KEY_BYTES:
        raise EnclaveKeyMissingError("the keychain entry for this key is not a foc_web wrapping key")
    return secret


async def _wrapping_key(key_id, create):
    backend = _keychain()
    stored = await _call(backend.get_password, SERVICE, key_id)
    if stored is not None:
        return _decode_secret(stored)
    if not create:
        raise EnclaveKeyMissingError(
            "the OS keychain has no wrapping key for this record (deleted, or another machine or user)"
        )
    # One creator per key_id: two processes (sharing $FOC_HOME) must not each store their own key.
    async with lock(f"enclave {key_id}"):
        stored = await _call(backend.get_password, SERVICE, key_id)
        if stored is None:
            stored = b64(random_bytes(AES_KEY_BYTES))
            await _call(backend.set_password, SERVICE, key_id, stored)
    return _decode_secret(stored)


async def wrap_data_key(key_id, data_key, *, require_biometric=False, rp_id=None):
    """Wrap ``data_key`` under the keychain key ``key_id`` (created on first use). ``rp_id`` is unused here."""
    check_key_id(key_id)
    check_data_key(data_key)
    if require_biometric:
        raise EnclaveUnavailableError("no biometric prompt on this platform: keyring cannot require one")
    key = await _wrapping_key(key_id, create=True)
    iv = random_bytes(GCM_IV_BYTES)
    ciphertext = await aes_gcm_encrypt(key, iv, bytes(data_key), associated_data(key_id, BACKEND))
    return {"v": FORMAT_VERSION, "backend": BACKEND, "iv": b64(iv), "ct": b64(ciphertext)}


async def unwrap_data_key(key_id, wrapped):
    """The data key in ``wrapped``; EnclaveKeyMissingError if the keychain entry is gone."""
    check_key_id(key_id)
    fields = parse_wrapped(wrapped, BACKEND, ("iv", "ct"))
    key = await _wrapping_key(key_id, create=False)
    return await aes_gcm_decrypt(key, fields["iv"], fields["ct"], associated_data(key_id, BACKEND))


async def delete_key(key_id):
    """Remove the keychain entry ``key_id``; no error if it is already gone."""
    from keyring.errors import PasswordDeleteError

    check_key_id(key_id)
    backend = _keychain()

    def delete():
        try:
            backend.delete_password(SERVICE, key_id)
        except PasswordDeleteError:
            pass  # already gone

    await _call(delete)
