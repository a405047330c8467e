"""The CPython file store: layout under $FOC_HOME, permissions, atomic replacement, key validation."""

import asyncio
import os
import stat

import pytest

from foc_web.platform import keys
from foc_web.platform.native import FileStore, NativePlatform, foc_home


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_vaults_live_in_keys_network_address(tmp_path):
    store = FileStore(tmp_path / "home")
    asyncio.run(store.set(keys.make_key("sepolia", "0xabc"), '{"v": 1}'))
    asyncio.run(store.set(keys.make_key("audit", "sepolia", "0xabc"), "[]"))
    asyncio.run(store.set(keys.make_key("team-a", "mainnet", "0xdef"), "{}"))
    vault = tmp_path / "home" / "keys" / "sepolia" / "0xabc"
    assert vault.read_text() == '{"v": 1}'
    assert (tmp_path / "home" / "audit" / "sepolia" / "0xabc").is_file()
    assert (tmp_path / "home" / "keys" / "team-a" / "mainnet" / "0xdef").is_file()
    assert asyncio.run(store.keys("foc_")) == ["foc_audit_sepolia_0xabc", "foc_sepolia_0xabc", "foc_team-a_mainnet_0xdef"]
    assert asyncio.run(store.keys("foc_sepolia_")) == ["foc_sepolia_0xabc"]


def test_files_0600_and_folders_0700(tmp_path):
    store = FileStore(tmp_path / "home")
    asyncio.run(store.set("foc_sepolia_0x1", "x"))
    assert mode(tmp_path / "home" / "keys" / "sepolia" / "0x1") == 0o600
    for folder in (tmp_path / "home", tmp_path / "home" / "keys", tmp_path / "home" / "keys" / "sepolia"):
        assert mode(folder) == 0o700


def test_replace_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    store = FileStore(tmp_path)
    asyncio.run(store.set("foc_sepolia_0x1", "old"))

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError):
        asyncio.run(store.set("foc_sepolia_0x1", "new"))
    monkeypatch.undo()
    assert asyncio.run(store.get("foc_sepolia_0x1")) == "old"
    assert [p.name for p in (tmp_path / "keys" / "sepolia").iterdir()] == ["0x1"]


@pytest.mark.parametrize(
    "bad", ["foc_../x", "foc_a/b", "foc_a_", "bar_sepolia_0x1", "foc_keys_x", "foc_a b", "foc_" + "x" * 129]
)
def test_bad_keys_are_refused_and_write_nothing(tmp_path, bad):
    store = FileStore(tmp_path / "home")
    with pytest.raises(ValueError):
        asyncio.run(store.set(bad, "x"))
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("*"))


def test_foc_home_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FOC_HOME", str(tmp_path / "elsewhere"))
    assert foc_home() == tmp_path / "elsewhere"
    platform = NativePlatform()
    asyncio.run(platform.store.set("foc_devnet_0x2", "v"))
    assert (tmp_path / "elsewhere" / "keys" / "devnet" / "0x2").read_text() == "v"
    monkeypatch.delenv("FOC_HOME")
    assert foc_home() == foc_home().home() / ".foc"
