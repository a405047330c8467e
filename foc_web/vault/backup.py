"""Encrypted backup files of several accounts (format v1): one password, one AEAD ciphertext.

    {
      "format": "foc-backup", "version": 1, "created_at": 1780000000,
      "kdf": {"algorithm": "argon2id", "iterations": 3, "memory": 65536, "parallelism": 1, "salt": "<base64>"},
      "cipher": {"algorithm": "aes-256-gcm", "iv": "<base64, 12 bytes>"},
      "compression": "deflate",
      "ciphertext": "<base64: AES-256-GCM(deflate(payload JSON)) || 16-byte tag>"
    }

The payload holds the accounts' vault records exactly as stored (still encrypted by their own
passwords, so a restore needs only the backup password) and metadata; its canonical JSON is
deflated and encrypted as a whole. No byte of the file can change unnoticed: the file must be
exactly the text ``create_backup`` writes for its values (``_file_text``: fields in a fixed order,
2-space indentation, ASCII, one final newline), so a changed space, newline, key order or escape
is refused (BackupError) before any key derivation; the header values (everything but the
ciphertext) are the AAD, so a changed salt, cost, IV or timestamp fails authentication; and the
ciphertext must be canonical base64, so unused bits of its last character cannot be flipped
either. The header shows only when the file was made and how its key is derived; which accounts
and networks it holds, and how many, are inside the ciphertext.

``open_backup`` = ``derive_backup_key`` + ``decrypt_with_key``; the two halves are public so a
caller (or a test) can derive the key once and open several candidate files with it.
See docs/FORMAT.md ("Backup file").
"""

import base64
import json
import math
import zlib

from .. import __version__, platform
from ..errors import AuthenticationError, BackupError, ConfigError, InvalidInputError, InvalidTag, VaultFormatError
from . import kdf, record

FORMAT = "foc-backup"
VERSION = 1
CIPHER = "aes-256-gcm"
COMPRESSIONS = ("none", "deflate")
IV_BYTES = 12
TAG_BYTES = 16
MAX_PAYLOAD_BYTES = 64 << 20  # bound on the inflated payload (about 50,000 accounts), against zip bombs
_HEADER_FIELDS = {"format", "version", "created_at", "kdf", "cipher", "compression", "ciphertext"}
#: The one order of the file's fields (and of "kdf" and "cipher" inside it), as create_backup writes them.
_FIELD_ORDER = ("format", "version", "created_at", "kdf", "cipher", "compression", "ciphertext")
_KDF_ORDER = {"pbkdf2": ("algorithm", "hash", "iterations", "salt"),
              "argon2id": ("algorithm", "iterations", "memory", "parallelism", "salt")}
_CIPHER_ORDER = ("algorithm", "iv")
_PAYLOAD_FIELDS = {"description", "metadata", "vaults"}
_COMPUTED_METADATA = ("foc_web_version", "account_count", "networks")
# A header has 3 "{" and no "[" (base64 has neither). Deeply nested JSON overflows the C stack of
# json.loads (a fatal error in Pyodide, sometimes a crash on CPython), so it is refused before parsing.
_MAX_BRACKETS = 16


def _b64decode_canonical(text, what):
    """Bytes of ``text``, which must be exactly what base64.b64encode gives for them."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (TypeError, ValueError):  # binascii.Error is a ValueError
        raise BackupError(f"the backup's {what} is not valid base64 (truncated or corrupted)") from None
    if base64.b64encode(raw).decode() != text:
        raise BackupError(f"the backup's {what} is not canonical base64 (corrupted)")
    return raw


def _is_int(value):
    return type(value) is int


def _file_text(backup):
    """The one text of a backup file with these (checked) fields: what create_backup writes."""
    params = backup["kdf"]
    ordered = {name: backup[name] for name in _FIELD_ORDER}
    ordered["kdf"] = {name: params[name] for name in _KDF_ORDER[params["algorithm"]]}
    ordered["cipher"] = {name: backup["cipher"][name] for name in _CIPHER_ORDER}
    return json.dumps(ordered, indent=2, ensure_ascii=True) + "\n"


def _parse(text):
    """(header without ciphertext, iv, sealed bytes) of a backup file's text; BackupError if malformed."""
    if not isinstance(text, (str, bytes, bytearray)):
        raise BackupError(f"a backup file is text, got {type(text).__name__}")
    raw = text.encode("utf-8", "replace") if isinstance(text, str) else bytes(text)
    if raw.count(b"{") + raw.count(b"[") > _MAX_BRACKETS:
        raise BackupError("not a foc-backup file: its JSON nests far deeper than a backup header")
    try:
        backup = json.loads(text)
    except (ValueError, RecursionError):  # ValueError includes UnicodeDecodeError
        raise BackupError("not a foc-backup file: it is not JSON (truncated or corrupted)") from None
    if not isinstance(backup, dict) or backup.get("format") != FORMAT:
        raise BackupError(f"not a foc-backup file (its \"format\" is not {FORMAT!r})")
    version = backup.get("version")
    if _is_int(version) and version > VERSION:
        raise BackupError(
            f"backup format version {version} was made by a newer foc_web; this one reads version {VERSION}"
        )
    if version != VERSION or not _is_int(version):
        raise BackupError(f"unsupported backup format version {version!r} (this foc_web reads {VERSION})")
    missing, unknown = _HEADER_FIELDS - set(backup), set(backup) - _HEADER_FIELDS
    if missing or unknown:
        raise BackupError(f"malformed backup header: missing {sorted(missing)}, unknown {sorted(unknown)}")
    if not _is_int(backup["created_at"]) or backup["created_at"] < 0:
        raise BackupError("malformed backup header: created_at must be a non-negative integer")
    cipher = backup["cipher"]
    if not isinstance(cipher, dict) or set(cipher) != {"algorithm", "iv"} or cipher["algorithm"] != CIPHER:
        raise BackupError(f"unsupported cipher in backup header (expected {CIPHER})")
    if backup["compression"] not in COMPRESSIONS:
        raise BackupError(f"unsupported compression in backup header (expected one of {COMPRESSIONS})")
    try:
        kdf.check_params(backup["kdf"], with_salt=True)
    except (ConfigError, TypeError) as error:  # TypeError: an unhashable value where a name belongs
        raise BackupError(f"the backup has unusable key derivation parameters: {error}") from None
    iv = _b64decode_canonical(cipher["iv"], "IV")
    sealed = _b64decode_canonical(backup["ciphertext"], "ciphertext")
    if len(iv) != IV_BYTES or len(sealed) < TAG_BYTES:
        raise BackupError("the backup's IV or ciphertext has the wrong length (truncated or corrupted)")
    if _file_text(backup).encode("ascii") != raw:  # the AAD covers values only: the bytes must be the one form
        raise BackupError("the backup file is not byte for byte as foc_web wrote it (reformatted, re-encoded or "
                          "altered: spacing, line endings, field order or escapes changed)")
    header = {k: v for k, v in backup.items() if k != "ciphertext"}
    return header, iv, sealed


def _aad(header):
    return record.canonical_json(header)


def _inflate(data):
    inflater = zlib.decompressobj()
    try:
        plaintext = inflater.decompress(data, MAX_PAYLOAD_BYTES)
    except zlib.error:
        raise BackupError("the backup payload does not inflate") from None
    if inflater.unconsumed_tail or not inflater.eof:
        raise BackupError(f"the backup payload is larger than {MAX_PAYLOAD_BYTES} bytes or incomplete")
    return plaintext


def _summary(vaults):
    """The metadata computed from the vaults themselves (checked again on opening)."""
    return {
        "foc_web_version": __version__,
        "account_count": len(vaults),
        "networks": sorted({vault["network"] for vault in vaults}),
    }


def _check_vaults(vaults):
    """Detached, checked copies of the vault records; BackupError names the first bad one."""
    if not isinstance(vaults, (list, tuple)) or not vaults:
        raise BackupError("a backup holds a non-empty list of vault records")
    checked, keys = [], set()
    for index, vault in enumerate(vaults):
        try:
            parsed = json.loads(record.canonical_json(record.parse(vault)))  # a detached copy, proven JSON-able
        except (VaultFormatError, TypeError, ValueError) as error:
            raise BackupError(f"account {index} is not a valid vault record: {error}") from None
        if not isinstance(parsed["network"], str) or not isinstance(parsed["storage_key"], str):
            raise BackupError(f"account {index} has a malformed network or storage key")
        if parsed["storage_key"] in keys:
            raise BackupError(f"account {index} repeats storage key {parsed['storage_key']!r}")
        keys.add(parsed["storage_key"])
        checked.append(parsed)
    return checked


def _check_payload(payload):
    if not isinstance(payload, dict) or set(payload) != _PAYLOAD_FIELDS:
        raise BackupError("the decrypted backup payload is malformed")
    description, metadata = payload["description"], payload["metadata"]
    if not isinstance(description, str) or not isinstance(metadata, dict):
        raise BackupError("the decrypted backup payload is malformed")
    vaults = _check_vaults(payload["vaults"])
    summary = _summary(vaults)
    if any(metadata.get(name) != summary[name] for name in ("account_count", "networks")):
        raise BackupError("the backup's metadata does not match the accounts it holds")
    return description, metadata, vaults


def _user_metadata(metadata):
    """(description, extra metadata) from the ``metadata`` option; ConfigError if unusable."""
    if metadata is None:
        return "", {}
    if not isinstance(metadata, dict) or not all(isinstance(k, str) for k in metadata):
        raise ConfigError("backup metadata must be an object with string keys")
    extra = dict(metadata)
    description = extra.pop("description", "")
    if not isinstance(description, str):
        raise ConfigError("the backup description must be a string")
    reserved = sorted(set(extra) & set(_COMPUTED_METADATA))
    if reserved:
        raise ConfigError(f"backup metadata {', '.join(reserved)} is computed by foc_web and cannot be set")
    try:
        record.canonical_json(extra)
    except (TypeError, ValueError):
        raise ConfigError("backup metadata must hold only JSON values") from None
    return description, extra


def _check_password(password):
    if not isinstance(password, str) or not password:
        raise InvalidInputError("the backup password must be a non-empty string")


async def create_backup(vaults, password, *, metadata=None, key_derivation="argon2id", now):
    """The text (JSON) of a backup of ``vaults`` (vault records as stored, dicts or JSON text).

    ``metadata``: optional JSON object; its "description" (a string) is shown on restore, other
    keys are kept as they are. ``key_derivation``: "argon2id" (default), "pbkdf2" or parameters as
    in kdf.from_option. ``now``: the creation time in epoch seconds (stored as an integer).
    """
    checked = _check_vaults(vaults)
    description, extra = _user_metadata(metadata)
    _check_password(password)
    if isinstance(now, bool) or not isinstance(now, (int, float)) or not math.isfinite(now) or now < 0:
        raise InvalidInputError("now must be a non-negative number of epoch seconds")
    params = kdf.with_fresh_salt(kdf.from_option(key_derivation))
    header = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": int(now),
        "kdf": params,
        "cipher": {"algorithm": CIPHER, "iv": base64.b64encode(platform.random_bytes(IV_BYTES)).decode()},
        "compression": "deflate",
    }
    payload = {"description": description, "metadata": {**extra, **_summary(checked)}, "vaults": checked}
    key = await kdf.derive_key(params, password)
    sealed = await platform.aes_gcm_encrypt(
        key, base64.b64decode(header["cipher"]["iv"]), zlib.compress(record.canonical_json(payload), 9), _aad(header)
    )
    return _file_text({**header, "ciphertext": base64.b64encode(sealed).decode()})


def inspect_backup(text):
    """The outer header (format, version, created_at, kdf, cipher, compression), checked; no password needed."""
    return _parse(text)[0]


async def derive_backup_key(header, password):
    """The 32-byte key of a backup whose header (from ``inspect_backup``) is given; the slow step."""
    _check_password(password)
    try:
        return await kdf.derive_key(header["kdf"], password)
    except (ConfigError, KeyError, TypeError):
        raise BackupError("the backup header has no usable key derivation parameters") from None


async def decrypt_with_key(text, key):
    """The opened backup ``{"created_at", "description", "metadata", "vaults"}`` under an already derived key.

    BackupError for a malformed file or payload; AuthenticationError when the key is wrong or any
    authenticated byte changed.
    """
    header, iv, sealed = _parse(text)
    try:
        plaintext = await platform.aes_gcm_decrypt(key, iv, sealed, _aad(header))
    except InvalidTag:
        raise AuthenticationError("the backup did not open: wrong password, or the file was altered") from None
    if header["compression"] == "deflate":
        plaintext = _inflate(plaintext)
    try:
        payload = json.loads(plaintext)
    except (ValueError, RecursionError):
        raise BackupError("the decrypted backup payload is not JSON") from None
    description, metadata, vaults = _check_payload(payload)
    return {"created_at": header["created_at"], "description": description, "metadata": metadata, "vaults": vaults}


async def open_backup(text, password):
    """The opened backup (see ``decrypt_with_key``) of a file made by ``create_backup`` with ``password``."""
    header = inspect_backup(text)
    return await decrypt_with_key(text, await derive_backup_key(header, password))
