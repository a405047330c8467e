"""Vault record format v1: one account's secrets, encrypted with a password, as versioned JSON.

    {
      "format": "foc-vault", "version": 1,
      "network": "sepolia", "address": "0x…", "storage_key": "foc_sepolia_0x…",
      "account": {public, non-secret metadata: public_key, account_class, username, …},
      "kdf": {"algorithm": "pbkdf2", "hash": "sha256", "iterations": 600000, "salt": "<base64>"},
        (or, instead of "kdf", "kms": {"provider": "aws-kms", "key_id", "region",
         "encrypted_data_key": "<base64>"}: the AES key is a KMS data key, see docs/KMS.md;
         or "enclave": {"key_id", "require_biometric", "wrapped": {...}}: a random data key wrapped by a
         key script cannot read, see platform/enclave.py)
      "cipher": {"algorithm": "aes-256-gcm", "iv": "<base64, 12 bytes>"},
      "compression": "none" | "deflate",
      "ciphertext": "<base64: AES-256-GCM(secrets JSON) || 16-byte tag>"
    }

The additional authenticated data is the canonical JSON of everything but the ciphertext, together
with where the record was *read from* (storage key, network, address). So an edited header, or a
record copied under another key or network, fails to open. The IV is fresh on every write.

KDF parameters: a stored record is read with the legacy PBKDF2 floor (kdf.PBKDF2_LEGACY_MIN_ITERATIONS,
so an old record opens and unlock upgrades it); ``seal`` writes only parameters within today's
minimums. See docs/FORMAT.md.
"""

import base64
import json
import zlib

from .. import platform
from ..errors import ConfigError, InvalidTag, AuthenticationError, VaultFormatError
from . import kdf

FORMAT = "foc-vault"
VERSION = 1
CIPHER = "aes-256-gcm"
COMPRESSIONS = ("none", "deflate")
#: Where a record's AES key comes from: exactly one of these fields is present.
KEY_SOURCES = ("kdf", "kms", "enclave", "hardware")
#: Fields a hardware record (public key and path only: the key stays on the device) does not have.
_SEALED_FIELDS = {"cipher", "compression", "ciphertext"}
_OPTIONAL_FIELDS = {"created_at", "updated_at", *KEY_SOURCES}
_TOP_FIELDS = {"format", "version", "network", "address", "storage_key", "account", "cipher", "compression",
               "ciphertext", *_OPTIONAL_FIELDS}
_KMS_FIELDS = {"provider", "key_id", "region", "encrypted_data_key"}


def key_source_of(record):
    """``{"kdf": params}`` or ``{"kms": {...}}``: how this record's AES key is obtained."""
    return {name: record[name] for name in KEY_SOURCES if name in record}


def canonical_json(value):
    """The one byte encoding used wherever JSON is authenticated or hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _aad(record, location):
    header = {k: v for k, v in record.items() if k != "ciphertext"}
    return canonical_json({"header": header, "location": location})


def _location(network, address, storage_key):
    return {"network": network, "address": address, "storage_key": storage_key}


def parse(text):
    """A stored record from its JSON text, with its structure checked; VaultFormatError otherwise."""
    try:
        record = json.loads(text) if isinstance(text, (str, bytes)) else text
    except ValueError:
        raise VaultFormatError("the stored record is not JSON (truncated or corrupted)") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise VaultFormatError("the stored record is not a foc-vault record")
    if record.get("version") != VERSION:
        raise VaultFormatError(
            f"vault format version {record.get('version')!r} is not supported by this foc_web (it reads {VERSION})"
        )
    hardware = "hardware" in record
    expected = _TOP_FIELDS - _SEALED_FIELDS if hardware else _TOP_FIELDS
    missing = expected - _OPTIONAL_FIELDS - set(record)
    unknown = set(record) - expected
    if missing or unknown or len(key_source_of(record)) != 1:
        raise VaultFormatError(f"malformed vault record: missing {sorted(missing)}, unknown {sorted(unknown)}, "
                               f"key sources {sorted(key_source_of(record))} (exactly one of {KEY_SOURCES})")
    if not isinstance(record["account"], dict):
        raise VaultFormatError("malformed vault record header")
    if hardware:
        device = record["hardware"]
        if not isinstance(device, dict) or set(device) != {"device", "path"} or device["device"] != "ledger":
            raise VaultFormatError("malformed hardware section in vault record")
        return record
    cipher = record["cipher"]
    if not isinstance(cipher, dict) or cipher.get("algorithm") != CIPHER or set(cipher) != {"algorithm", "iv"}:
        raise VaultFormatError(f"unsupported cipher in vault record (expected {CIPHER})")
    if record["compression"] not in COMPRESSIONS or not isinstance(record["account"], dict):
        raise VaultFormatError("malformed vault record header")
    if "kdf" in record:
        try:
            kdf.check_params(record["kdf"], with_salt=True, accept_legacy=True)
        except (ConfigError, TypeError) as error:
            raise VaultFormatError(f"vault record has unusable key derivation parameters: {error}") from None
    elif "enclave" in record:
        enclave = record["enclave"]
        if not isinstance(enclave, dict) or set(enclave) != {"key_id", "wrapped", "require_biometric"} or not (
                isinstance(enclave["key_id"], str) and isinstance(enclave["wrapped"], dict)):
            raise VaultFormatError("malformed enclave section in vault record")
    else:
        kms = record["kms"]
        if not isinstance(kms, dict) or set(kms) != _KMS_FIELDS or kms["provider"] != "aws-kms" or not all(
                isinstance(kms[f], str) and kms[f] for f in _KMS_FIELDS):
            raise VaultFormatError("malformed kms section in vault record")
    try:
        iv = base64.b64decode(cipher["iv"], validate=True)
        sealed = base64.b64decode(record["ciphertext"], validate=True)
    except (TypeError, ValueError):
        raise VaultFormatError("vault record fields are not valid base64 (truncated or corrupted)") from None
    if len(iv) != 12 or len(sealed) < 16:
        raise VaultFormatError("vault record ciphertext or IV has the wrong length (truncated or corrupted)")
    return record


def hardware_record(*, network, address, storage_key, account, device, path):
    """The record of a hardware account: public data only (nothing to encrypt: the key is on the device)."""
    now = platform.now()
    return {"format": FORMAT, "version": VERSION, "network": network, "address": address,
            "storage_key": storage_key, "account": account, "hardware": {"device": device, "path": path},
            "created_at": now, "updated_at": now}


async def seal(secrets, password_key, *, key_source, network, address, storage_key, account, compression="none",
               created_at=None):
    """Encrypt ``secrets`` (a JSON-able dict) under an already obtained 32-byte key; returns the record.

    ``key_source`` says how that key is obtained again: ``{"kdf": params with salt}`` or ``{"kms": {...}}``.
    KDF parameters below today's minimums (those only a legacy record may have) are refused: ConfigError.
    """
    if compression not in COMPRESSIONS:
        raise ConfigError(f"compression must be one of {COMPRESSIONS}, got {compression!r}")
    if "kdf" in key_source:
        kdf.check_params(key_source["kdf"], with_salt=True)
    now = platform.now()
    record = {
        "format": FORMAT,
        "version": VERSION,
        "network": network,
        "address": address,
        "storage_key": storage_key,
        "account": account,
        **key_source,
        "cipher": {"algorithm": CIPHER, "iv": base64.b64encode(platform.random_bytes(12)).decode()},
        "compression": compression,
        "created_at": created_at if created_at is not None else now,
        "updated_at": now,
    }
    plaintext = canonical_json(secrets)
    if compression == "deflate":
        plaintext = zlib.compress(plaintext, 9)
    iv = base64.b64decode(record["cipher"]["iv"])
    sealed = await platform.aes_gcm_encrypt(
        password_key, iv, plaintext, _aad(record, _location(network, address, storage_key))
    )
    record["ciphertext"] = base64.b64encode(sealed).decode()
    return record


async def unseal(record, password_key, *, network, address, storage_key):
    """The secrets dict of a parsed record read from ``storage_key``; AuthenticationError if it does not open."""
    iv = base64.b64decode(record["cipher"]["iv"])
    sealed = base64.b64decode(record["ciphertext"])
    try:
        plaintext = await platform.aes_gcm_decrypt(
            password_key, iv, sealed, _aad(record, _location(network, address, storage_key))
        )
    except InvalidTag:
        raise AuthenticationError(
            "the vault did not open: wrong password, or the record was altered or moved"
        ) from None
    if record["compression"] == "deflate":
        plaintext = zlib.decompress(plaintext)
    return json.loads(plaintext)
