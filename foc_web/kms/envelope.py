"""Envelope encryption with a KMS: a fresh data key per record, wrapped by the KMS, never stored in clear.

seal: GenerateDataKey(key, context) -> (data key, wrapped key); AES-256-GCM of the secrets under the
data key with a fresh 12-byte IV and AAD = the canonical JSON of the context. Only the wrapped key,
IV and ciphertext are stored. open: Decrypt(wrapped key, the same context) -> data key -> AES-GCM.

The context names the network, the account address and the storage key, so a record copied to
another account or network does not open: KMS refuses the wrapped key (it binds the context) and
AES-GCM refuses the ciphertext (the same context is its AAD).
"""

import base64
import json

from .. import platform
from ..errors import ConfigError, VaultFormatError

PROVIDER = "aws-kms"
IV_BYTES = 12
_FIELDS = ("provider", "key_id", "region", "encrypted_data_key", "iv", "ciphertext")


def encryption_context(network, address, storage_key):
    """The KMS EncryptionContext that binds a sealed record to its place."""
    for name, value in (("network", network), ("address", address), ("storage_key", storage_key)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} must be a non-empty string")
    return {"foc:network": network, "foc:address": address, "foc:storage_key": storage_key}


def canonical_context(context):
    """Sorted keys, no spaces, UTF-8: the same bytes for the same context in every runtime."""
    return json.dumps(context, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


async def seal_with_kms(kms, key_id, plaintext_secrets, *, network, address, storage_key):
    """Encrypt ``plaintext_secrets`` (bytes) under a new KMS data key; returns the JSON-ready record."""
    context = encryption_context(network, address, storage_key)
    data_key, wrapped = await kms.generate_data_key(key_id, context)
    iv = platform.random_bytes(IV_BYTES)
    ciphertext = await platform.aes_gcm_encrypt(data_key, iv, plaintext_secrets, canonical_context(context))
    return {
        "provider": PROVIDER,
        "key_id": key_id,
        "region": kms.region,
        "encrypted_data_key": _b64(wrapped),
        "iv": _b64(iv),
        "ciphertext": _b64(ciphertext),
    }


async def open_with_kms(kms, sealed, *, network, address, storage_key):
    """The secrets of a record made by ``seal_with_kms`` for the same network, address and storage key.

    Raises VaultFormatError for a malformed record, the KmsError family when KMS refuses (for example
    KmsInvalidCiphertextError for another context or a changed wrapped key), InvalidTag when the
    ciphertext or IV was changed.
    """
    if not isinstance(sealed, dict) or any(field not in sealed for field in _FIELDS):
        raise VaultFormatError(f"a KMS-sealed record needs the fields {', '.join(_FIELDS)}")
    if sealed["provider"] != PROVIDER:
        raise VaultFormatError(f"sealed by provider {sealed['provider']!r}, expected {PROVIDER!r}")
    if sealed["region"] != kms.region:
        raise ConfigError(f"sealed with a key in {sealed['region']}, the KMS client is for {kms.region}")
    wrapped, iv, ciphertext = (_unb64(sealed, f) for f in ("encrypted_data_key", "iv", "ciphertext"))
    if len(iv) != IV_BYTES or not wrapped:
        raise VaultFormatError("a KMS-sealed record has a 12-byte IV and a non-empty encrypted data key")
    context = encryption_context(network, address, storage_key)
    data_key = await kms.decrypt(wrapped, context, sealed["key_id"])
    return await platform.aes_gcm_decrypt(data_key, iv, ciphertext, canonical_context(context))


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def _unb64(sealed, field):
    try:
        return base64.b64decode(sealed[field], validate=True)
    except (TypeError, ValueError):
        raise VaultFormatError(f"the field {field!r} of a KMS-sealed record is not base64") from None
