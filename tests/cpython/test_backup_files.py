"""save_backup on CPython: a 0600 file under $FOC_HOME/backups (a 0700 folder) that restores in another home."""

import os
import stat
from pathlib import Path

import pytest

from foc_web import platform
from foc_web.engine import FocEngine
from foc_web.errors import BackupError

PASSWORD = "Correct-Horse-Battery-Staple-42"
BACKUP_PASSWORD = "Backup-Passphrase-Violet-Otter-77"
KEYS = (0x1111111111111111111111111111111111111111111111111111111111111, 0x2222222222222222222222222222222222222222222222222222222222222)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def use_home(monkeypatch, home):
    """Point $FOC_HOME at ``home`` and make the platform open its store there (as a fresh process would)."""
    monkeypatch.setenv("FOC_HOME", str(home))
    monkeypatch.setattr(platform.current, "_store", None)


def engine(network):
    return FocEngine(network=network, rpc={network: "http://127.0.0.1:9/rpc"}, chain_ids={network: "SN_SEPOLIA"})


async def test_save_backup_writes_a_private_file_that_restores_in_a_fresh_home(tmp_path, monkeypatch):
    old_umask = os.umask(0o022)
    try:
        use_home(monkeypatch, tmp_path / "first")
        accounts = engine("sepolia").accounts
        created = [await accounts.create(password=PASSWORD, private_key=k) for k in KEYS]
        text = await accounts.create_backup([a.address for a in created], BACKUP_PASSWORD,
                                            metadata={"description": "Monthly backup"})

        saved = Path(await accounts.save_backup(text))
        assert saved == tmp_path / "first" / "backups" / "foc-backup.json"
        assert saved.read_bytes() == text.encode("utf-8")
        assert mode(saved) == 0o600 and mode(saved.parent) == 0o700
        assert [p.name for p in saved.parent.iterdir()] == ["foc-backup.json"]  # no temporary file left

        named = Path(await accounts.save_backup(text, "2026-06.json"))  # a second file in the same folder
        assert named.parent == saved.parent and mode(named) == 0o600 and named.read_bytes() == saved.read_bytes()
        with pytest.raises(BackupError):  # only a backup is saved as one
            await accounts.save_backup('{"not": "a backup"}', "other.json")
        assert not (saved.parent / "other.json").exists()

        use_home(monkeypatch, tmp_path / "second")
        fresh = engine("sepolia").accounts
        assert await fresh.list() == []
        restored = await fresh.restore_from_backup(saved.read_text(encoding="utf-8"), BACKUP_PASSWORD)
        assert restored == {"restored": [a.address for a in created], "skipped": []}
        for account, key in zip(created, KEYS):
            await fresh.unlock(account.address, password=PASSWORD)
            assert fresh._private_key(account.address) == key
        vault = tmp_path / "second" / "keys" / "sepolia" / created[0].address
        assert vault.is_file() and mode(vault) == 0o600
    finally:
        os.umask(old_umask)



async def test_save_backup_as_the_first_write_keeps_foc_home_private(tmp_path, monkeypatch):
    old_umask = os.umask(0o022)
    try:
        use_home(monkeypatch, tmp_path / "first")
        accounts = engine("sepolia").accounts
        account = await accounts.create(password=PASSWORD, private_key=KEYS[0])
        text = await accounts.create_backup([account.address], BACKUP_PASSWORD)
        use_home(monkeypatch, tmp_path / "second")  # nothing written there yet
        saved = Path(await engine("sepolia").accounts.save_backup(text))
        assert mode(saved) == 0o600 and mode(saved.parent) == 0o700
        assert mode(tmp_path / "second") == 0o700
    finally:
        os.umask(old_umask)
