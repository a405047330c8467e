"""Encrypted multi-account backups (format v1): round trip, wrong password, every changed byte, truncation.

Backups use Argon2id at its minimum production cost (m = 19,456 KiB, t = 2, p = 1); nothing here
lowers the bounds. Key derivation is the slow step, so the tamper tests derive the key once
(``derive_backup_key``) and try every single-bit flip, and every byte replaced by a few other
values (whitespace included), with ``decrypt_with_key``: the file must be byte for byte the text
foc_web writes, and the header values are the AAD, so a change in the salt or costs fails
authentication even with the old key; a sample also goes through ``open_backup`` or a restore,
which derive a key for each. The vault records inside are sealed with fixed 32-byte keys
(``record.seal`` takes a derived key).
"""

import base64
import json

import pytest

import foc_web
from foc_web import platform
from foc_web.engine import FocEngine
from foc_web.errors import AuthenticationError, BackupError, ConfigError, InvalidInputError
from foc_web.vault import backup, kdf, record

PASSWORD = "correct horse battery staple"
ACCOUNT_PASSWORD = "Correct-Horse-Battery-Staple-42"  # these two pass the accounts API's password policy
BACKUP_PASSWORD = "Backup-Passphrase-Violet-Otter-77"
ARGON2_MIN = {"algorithm": "argon2id", "iterations": 2, "memory": 19_456, "parallelism": 1}
NOW = 1_780_000_000.75
ADDRESSES = ["0x" + "0" * 63 + "1", "0x" + "0" * 62 + "2a"]
VAULT_KEYS = [bytes([7]) * 32, bytes([9]) * 32]
SECRETS = [{"private_key": "0x1"}, {"private_key": "0x2"}]
_MEMO = {}


async def _vault(index, network):
    address = ADDRESSES[index]
    return await record.seal(
        SECRETS[index], VAULT_KEYS[index],
        key_source={"kdf": kdf.with_fresh_salt(kdf.DEFAULTS["pbkdf2"])},
        network=network, address=address, storage_key=f"foc_{network}_{address}",
        account={"public_key": "0x123", "username": f"user{index}"},
    )


async def _two_vaults():
    if "vaults" not in _MEMO:
        _MEMO["vaults"] = [await _vault(0, "sepolia"), await _vault(1, "mainnet")]
    return _MEMO["vaults"]


async def _small_backup():
    """(text, key) of a one-account backup; made once per test run."""
    if "small" not in _MEMO:
        vault = (await _two_vaults())[0]
        text = await backup.create_backup([vault], PASSWORD, key_derivation=ARGON2_MIN, now=NOW)
        _MEMO["small"] = text, await backup.derive_backup_key(backup.inspect_backup(text), PASSWORD)
    return _MEMO["small"]


def _as_written(data):
    """The file text of ``data`` (a parsed backup) laid out as create_backup lays it out, keeping its key order."""
    return json.dumps(data, indent=2) + "\n"


def _with_header(text, **changes):
    data = json.loads(text)
    data.update(changes)
    return _as_written(data)


async def _seal_payload(payload, compression="none"):
    """A file whose payload is ``payload`` (any JSON), sealed as docs/FORMAT.md (Backup file) says, with the small backup's key."""
    text, key = await _small_backup()
    header = {**backup.inspect_backup(text), "compression": compression}
    data = record.canonical_json(payload)
    iv = base64.b64decode(header["cipher"]["iv"])
    sealed = await platform.aes_gcm_encrypt(key, iv, data, record.canonical_json(header))
    return _as_written({**header, "ciphertext": base64.b64encode(sealed).decode()}), key


# --- round trip ---------------------------------------------------------------------------------


async def test_round_trip_keeps_vaults_and_metadata():
    vaults = await _two_vaults()
    text = await backup.create_backup(
        vaults, PASSWORD, metadata={"description": "laptop, May", "device": "thinkpad"},
        key_derivation=ARGON2_MIN, now=NOW,
    )
    opened = await backup.open_backup(text, PASSWORD)
    assert opened["vaults"] == vaults
    assert opened["created_at"] == 1_780_000_000
    assert opened["description"] == "laptop, May"
    assert opened["metadata"] == {
        "device": "thinkpad", "account_count": 2, "networks": ["mainnet", "sepolia"],
        "foc_web_version": foc_web.__version__,
    }
    # the restored records still open with their own keys: the backup password is all a restore needs
    for index, vault in enumerate(opened["vaults"]):
        parsed = record.parse(json.dumps(vault))
        where = {k: parsed[k] for k in ("network", "address", "storage_key")}
        assert await record.unseal(parsed, VAULT_KEYS[index], **where) == SECRETS[index]


async def test_header_reveals_only_time_and_kdf():
    text, _ = await _small_backup()
    header = backup.inspect_backup(text)
    assert set(header) == {"format", "version", "created_at", "kdf", "cipher", "compression"}
    assert (header["format"], header["version"], header["created_at"]) == ("foc-backup", 1, 1_780_000_000)
    assert {k: v for k, v in header["kdf"].items() if k != "salt"} == ARGON2_MIN
    assert len(base64.b64decode(header["kdf"]["salt"])) == 16
    assert len(base64.b64decode(header["cipher"]["iv"])) == 12
    for private in ("sepolia", ADDRESSES[0], "user0", "foc_"):  # which accounts is inside the ciphertext
        assert private not in text


async def test_default_and_pbkdf2_key_derivations():
    vault = (await _two_vaults())[1]
    text = await backup.create_backup([vault], PASSWORD, key_derivation="pbkdf2", now=0)
    assert backup.inspect_backup(text)["kdf"]["iterations"] == 600_000
    assert (await backup.open_backup(text, PASSWORD))["vaults"] == [vault]
    text = await backup.create_backup([vault], PASSWORD, now=0)  # default: Argon2id t=3, 64 MiB (OWASP)
    params = backup.inspect_backup(text)["kdf"]
    assert (params["algorithm"], params["iterations"], params["memory"], params["parallelism"]) == (
        "argon2id", 3, 65_536, 1)


async def test_salt_and_iv_are_fresh():
    vault = (await _two_vaults())[0]
    first, _ = await _small_backup()
    second = await backup.create_backup([vault], PASSWORD, key_derivation=ARGON2_MIN, now=NOW)
    a, b = backup.inspect_backup(first), backup.inspect_backup(second)
    assert a["kdf"]["salt"] != b["kdf"]["salt"] and a["cipher"]["iv"] != b["cipher"]["iv"]


async def test_wrong_password():
    text, _ = await _small_backup()
    for password in ("correct horse battery stapl", "Correct horse battery staple"):
        with pytest.raises(AuthenticationError):
            await backup.open_backup(text, password)
    with pytest.raises(AuthenticationError):
        await backup.decrypt_with_key(text, bytes(32))


async def test_password_is_nfc_normalized():
    vault = (await _two_vaults())[0]
    text = await backup.create_backup([vault], "caf\u00e9 au lait", key_derivation=ARGON2_MIN, now=NOW)
    assert (await backup.open_backup(text, "cafe\u0301 au lait"))["vaults"] == [vault]


# --- tampering ----------------------------------------------------------------------------------


async def test_every_single_bit_flip_fails():
    text, key = await _small_backup()
    raw = text.encode()
    assert (await backup.decrypt_with_key(raw, key))["vaults"]  # the untouched bytes open with that key
    outcomes = {BackupError: 0, AuthenticationError: 0}
    for position in range(len(raw)):
        for bit in range(8):
            flipped = bytearray(raw)
            flipped[position] ^= 1 << bit
            with pytest.raises((BackupError, AuthenticationError)) as caught:
                await backup.decrypt_with_key(bytes(flipped), key)
            outcomes[caught.type] += 1
    assert sum(outcomes.values()) == 8 * len(raw) and min(outcomes.values()) > 0


def _replacements(raw):
    """(position, file) for every byte of ``raw`` replaced by the next value, a space, a tab, a newline and "0"."""
    for position, byte in enumerate(raw):
        for value in sorted({(byte + 1) % 256, 0x20, 0x09, 0x0A, 0x30} - {byte}):
            yield position, raw[:position] + bytes([value]) + raw[position + 1:]


def _field_at(raw, position):
    """The name of the JSON field whose value (or key) holds ``position`` in a backup file's text."""
    colon = raw.rfind(b'": ', 0, position)
    return raw[raw.rfind(b'"', 0, colon) + 1:colon].decode() if colon >= 0 else ""


async def test_every_byte_replaced_fails_and_restores_nothing():
    network = "b" + platform.random_bytes(4).hex()
    engine = FocEngine(network=network, rpc={network: "http://127.0.0.1:9/rpc"})
    store = platform.store()

    async def stored():
        return {key: await store.get(key) for key in await store.keys("foc_") if network in key}

    try:
        account = await engine.accounts.create(password=ACCOUNT_PASSWORD, private_key="0x1234567")
        text = await engine.accounts.create_backup([account.address], BACKUP_PASSWORD, key_derivation=ARGON2_MIN)
        await store.delete(account.storage_key)
        before = await stored()
        raw = text.encode()
        key = await backup.derive_backup_key(backup.inspect_backup(raw), BACKUP_PASSWORD)
        outcomes, needs_a_key = {BackupError: 0, AuthenticationError: 0}, {}
        for position, changed in _replacements(raw):
            with pytest.raises((BackupError, AuthenticationError)) as caught:
                await backup.decrypt_with_key(changed, key)
            outcomes[caught.type] += 1
            if caught.type is BackupError:  # refused before any key derivation: the restore too, as cheaply
                with pytest.raises(BackupError):
                    await engine.accounts.restore_from_backup(changed, BACKUP_PASSWORD)
            else:
                needs_a_key.setdefault(_field_at(raw, position), changed)
        assert sum(outcomes.values()) == sum(1 for _ in _replacements(raw)) and min(outcomes.values()) > 0
        # Whatever passes the format checks is a changed value: one per field is restored with a derivation.
        assert {"salt", "iv", "created_at", "ciphertext"} <= set(needs_a_key)
        for changed in needs_a_key.values():
            with pytest.raises(AuthenticationError):
                await engine.accounts.restore_from_backup(changed, BACKUP_PASSWORD)
        assert await stored() == before
        assert (await engine.accounts.restore_from_backup(raw, BACKUP_PASSWORD))["restored"] == [account.address]
        assert await store.get(account.storage_key) is not None  # the untouched file does restore
    finally:
        for key in await stored():
            await store.delete(key)


@pytest.mark.parametrize("field, value", [
    ("salt", None), ("iterations", 3), ("memory", 19_457), ("iv", None), ("created_at", 1_780_000_001),
])
async def test_header_changes_fail_with_a_fresh_key_derivation(field, value):
    text, _ = await _small_backup()
    data = json.loads(text)
    if field in ("salt", "iterations", "memory"):
        target, name = data["kdf"], field
    elif field == "iv":
        target, name = data["cipher"], field
    else:
        target, name = data, field
    if value is None:  # flip one bit of the base64's first byte
        value = base64.b64encode(bytes([base64.b64decode(target[name])[0] ^ 1]) + base64.b64decode(target[name])[1:])
        value = value.decode()
    target[name] = value
    with pytest.raises(AuthenticationError):
        await backup.open_backup(_as_written(data), PASSWORD)


async def test_only_the_exact_written_text_opens():
    text, key = await _small_backup()
    assert _as_written(json.loads(text)) == text  # what create_backup writes
    data = json.loads(text)
    reordered = {"version": data["version"], **data}
    kdf_reordered = {**data, "kdf": dict(reversed(list(data["kdf"].items())))}
    for changed in (json.dumps(data), json.dumps(data, indent=2), text.replace("\n", "\r\n"), text + "\n",
                    " " + text, text.replace('"format"', '"\\u0066ormat"'), _as_written(reordered),
                    _as_written(kdf_reordered), text.replace('"version": 1', '"version": 1, "version": 1'),
                    text.encode("utf-16"), b"\xef\xbb\xbf" + text.encode()):
        with pytest.raises(BackupError, match="byte for byte"):
            backup.inspect_backup(changed)
        with pytest.raises(BackupError, match="byte for byte"):
            await backup.decrypt_with_key(changed, key)


async def test_truncated_files():
    text, key = await _small_backup()
    for length in (0, 1, 10, len(text) // 3, len(text) // 2, len(text) - 40, len(text) - 3, len(text) - 2):
        with pytest.raises(BackupError, match="truncated or corrupted"):
            backup.inspect_backup(text[:length])
        with pytest.raises(BackupError):
            await backup.decrypt_with_key(text[:length], key)


async def test_ciphertext_must_be_canonical_base64():
    text, key = await _small_backup()
    data = json.loads(text)
    sealed = base64.b64decode(data["ciphertext"])
    for changed in (data["ciphertext"] + "\n", " " + data["ciphertext"], base64.b64encode(sealed[:15]).decode()):
        with pytest.raises(BackupError):
            await backup.decrypt_with_key(_with_header(text, ciphertext=changed), key)


async def test_newer_and_unknown_versions():
    text, _ = await _small_backup()
    with pytest.raises(BackupError, match="version 2 was made by a newer foc_web"):
        await backup.open_backup(_with_header(text, version=2), PASSWORD)
    for version in (0, -1, "1", True, None, 1.0):
        with pytest.raises(BackupError, match="unsupported backup format version"):
            backup.inspect_backup(_with_header(text, version=version))


@pytest.mark.parametrize("text", [
    "", "not json", "[]", "{}", "[" * 100_000, b"{" * 100_000, '{"format": "foc-vault", "version": 1}', b"\xff\xfe{}", 42, None,
])
async def test_not_a_backup(text):
    with pytest.raises(BackupError):
        await backup.open_backup(text, PASSWORD)


@pytest.mark.parametrize("changes", [
    {"compression": "gzip"},
    {"cipher": {"algorithm": "aes-128-gcm", "iv": "AAAAAAAAAAAAAAAA"}},
    {"cipher": {"algorithm": "aes-256-gcm", "iv": "AAAAAAAAAAAA"}},
    {"kdf": {"algorithm": "pbkdf2", "hash": "sha256", "iterations": 1000, "salt": "AAAAAAAAAAAAAAAAAAAAAA=="}},
    {"kdf": {**ARGON2_MIN, "memory": 4096, "salt": "AAAAAAAAAAAAAAAAAAAAAA=="}},
    {"kdf": {"algorithm": "pbkdf2", "hash": ["sha256"], "iterations": 600_000, "salt": "AAAAAAAAAAAAAAAAAAAAAA=="}},
    {"created_at": -1},
    {"created_at": 1.5},
    {"extra": 1},
])
async def test_malformed_headers(changes):
    text, _ = await _small_backup()
    with pytest.raises(BackupError):
        backup.inspect_backup(_with_header(text, **changes))


# --- payload validation after decryption --------------------------------------------------------


async def test_decrypted_payload_is_validated():
    vault = (await _two_vaults())[0]
    good = {"description": "", "metadata": {"account_count": 1, "networks": ["sepolia"]}, "vaults": [vault]}
    text, key = await _seal_payload(good)
    assert (await backup.decrypt_with_key(text, key))["vaults"] == [vault]
    bad_payloads = [
        [vault],
        {**good, "extra": 1},
        {**good, "vaults": [{**vault, "format": "other"}]},
        {**good, "vaults": [{**vault, "version": 2}]},
        {**good, "vaults": []},
        {**good, "vaults": [vault, vault], "metadata": {"account_count": 2, "networks": ["sepolia"]}},
        {**good, "metadata": {"account_count": 2, "networks": ["sepolia"]}},
        {**good, "metadata": {"account_count": 1, "networks": ["mainnet"]}},
        {**good, "description": 7},
    ]
    for payload in bad_payloads:
        text, key = await _seal_payload(payload)
        with pytest.raises(BackupError):
            await backup.decrypt_with_key(text, key)


async def test_payload_that_does_not_inflate():
    text, key = await _seal_payload({"description": ""}, compression="deflate")
    with pytest.raises(BackupError, match="inflate"):
        await backup.decrypt_with_key(text, key)


# --- creation errors ----------------------------------------------------------------------------


async def test_create_rejects_bad_vaults():
    vault = (await _two_vaults())[0]
    for vaults in ([], None, [{**vault, "ciphertext": "not base64!"}], ["{not json"], [vault, vault],
                   [{**vault, "account": {"when": object()}}], [{**vault, "storage_key": ["x"]}],
                   [{**vault, "network": ["x"]}]):
        with pytest.raises(BackupError):
            await backup.create_backup(vaults, PASSWORD, key_derivation=ARGON2_MIN, now=NOW)


async def test_create_rejects_bad_options():
    vault = (await _two_vaults())[0]
    bad_options = [
        ({"metadata": {"account_count": 3}}, ConfigError),
        ({"metadata": {"description": 5}}, ConfigError),
        ({"metadata": {"when": object()}}, ConfigError),
        ({"metadata": [1]}, ConfigError),
        ({"key_derivation": {"algorithm": "pbkdf2", "iterations": 1000}}, ConfigError),
        ({"key_derivation": {**ARGON2_MIN, "salt": "AAAAAAAAAAAAAAAAAAAAAA=="}}, ConfigError),
        ({"key_derivation": "scrypt"}, ConfigError),
        ({"now": -1}, InvalidInputError),
        ({"now": float("nan")}, InvalidInputError),
        ({"now": True}, InvalidInputError),
    ]
    for options, error in bad_options:
        options = {"key_derivation": ARGON2_MIN, "now": NOW, **options}
        with pytest.raises(error):
            await backup.create_backup([vault], PASSWORD, **options)
    for password in ("", None, b"bytes"):
        with pytest.raises(InvalidInputError):
            await backup.create_backup([vault], password, key_derivation=ARGON2_MIN, now=NOW)
