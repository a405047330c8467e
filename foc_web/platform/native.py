"""CPython implementation of the platform: hashlib, pycryptodome, argon2-cffi, files under $FOC_HOME."""

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from Crypto.Cipher import AES

from ..errors import InvalidTag, TransportError
from . import base
from .keys import from_path_segments, path_segments


def foc_home():
    """The root folder of everything foc_web keeps on CPython: $FOC_HOME, else ~/.foc."""
    return Path(os.environ.get("FOC_HOME") or Path.home() / ".foc")


class FileStore(base.Store):
    """One file per key under a root folder (folders 0700, files 0600), replaced atomically.

    Vaults land in ``<root>/keys/<network>/<address>``; see ``platform/keys.py`` for the mapping.
    """

    def __init__(self, root):
        self.root = Path(root)
        self.location = f"files under {self.root}"

    def _path(self, key):
        return self.root.joinpath(*path_segments(key))

    async def get(self, key):
        try:
            return self._path(key).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    async def set(self, key, value):
        if not isinstance(value, str):
            raise TypeError("store values are strings")
        path = self._path(key)
        _make_private_dirs(self.root, path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", text=False)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(value.encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)

    async def delete(self, key):
        path = self._path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        _fsync_dir(path.parent)

    async def keys(self, prefix=""):
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.rglob("*"):
            if path.is_file() and not path.name.startswith(".tmp-"):
                key = from_path_segments(path.relative_to(self.root).parts)
                if key is not None and key.startswith(prefix):
                    found.append(key)
        return sorted(found)


def _make_private_dirs(root, folder):
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for parent in [folder, *folder.parents]:
        if parent == root.parent:
            break
        os.chmod(parent, 0o700)


def _fsync_dir(folder):
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class NativePlatform(base.Platform):
    runtime = "cpython"

    def __init__(self, store=None):
        self._store = store

    @property
    def store(self):
        if self._store is None:
            self._store = FileStore(foc_home())
        return self._store

    def random_bytes(self, n):
        return secrets.token_bytes(n)

    async def pbkdf2(self, hash_name, password, salt, iterations, length):
        base.check_hash_name(hash_name)
        base.check_kdf_lengths(length, iterations)
        return hashlib.pbkdf2_hmac(hash_name, password, salt, iterations, length)

    async def aes_gcm_encrypt(self, key, iv, plaintext, aad=b""):
        base.check_aes_gcm_args(key, iv)
        cipher = AES.new(key, AES.MODE_GCM, nonce=iv, mac_len=base.GCM_TAG_BYTES)
        cipher.update(aad)
        ciphertext, tag = cipher.encrypt_and_digest(plaintext)
        return ciphertext + tag

    async def aes_gcm_decrypt(self, key, iv, ciphertext, aad=b""):
        base.check_aes_gcm_args(key, iv)
        if len(ciphertext) < base.GCM_TAG_BYTES:
            raise InvalidTag()
        cipher = AES.new(key, AES.MODE_GCM, nonce=iv, mac_len=base.GCM_TAG_BYTES)
        cipher.update(aad)
        body, tag = ciphertext[: -base.GCM_TAG_BYTES], ciphertext[-base.GCM_TAG_BYTES :]
        try:
            return cipher.decrypt_and_verify(body, tag)
        except ValueError:
            raise InvalidTag() from None

    async def aes_ctr(self, key, counter_block, data):
        base.check_aes_ctr_args(key, counter_block)
        cipher = AES.new(key, AES.MODE_CTR, nonce=b"", initial_value=counter_block)
        return cipher.encrypt(data)

    async def argon2id(self, password, salt, time_cost, memory_kib, parallelism, length):
        from argon2.low_level import Type, hash_secret_raw

        base.check_kdf_lengths(length, time_cost, memory_kib, parallelism)
        return await asyncio.to_thread(
            hash_secret_raw, password, salt, time_cost, memory_kib, parallelism, length, Type.ID
        )

    async def scrypt(self, password, salt, n, r, p, length):
        base.check_kdf_lengths(length, n, r, p)
        maxmem = 128 * r * (n + p + 2) + (1 << 20)
        return await asyncio.to_thread(
            hashlib.scrypt, password, salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=length
        )

    def now(self):
        return time.time()

    def call_later(self, delay, callback):
        asyncio.get_running_loop().call_later(delay, callback)

    async def save_file(self, file_name, text):
        """Relative names land in $FOC_HOME/backups/; absolute paths are used as given."""
        path = Path(file_name)
        if not path.is_absolute():
            path = foc_home() / "backups" / path
            _make_private_dirs(foc_home(), path.parent)  # $FOC_HOME and backups/ 0700, even when new
        else:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        return str(path)

    @contextlib.asynccontextmanager
    async def lock(self, name):
        folder = foc_home() / "locks"
        _make_private_dirs(foc_home(), folder)
        file_name = hashlib.sha256(name.encode("utf-8")).hexdigest()[:32] + ".lock"  # any name, a safe file
        fd = os.open(folder / file_name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    async def http_post_json(self, url, payload, timeout=30.0, headers=None):
        body = json.dumps(payload).encode("utf-8")
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        request = urllib.request.Request(url, data=body, headers=all_headers, method="POST")
        return await asyncio.to_thread(_post, request, timeout)


def _post(request, timeout):
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        raise TransportError(f"request to {request.full_url} failed: {error}") from None
    return status, base.parse_json_body(raw, request.full_url, status)
