"""The one interface between foc_web and the outside world.

Two implementations exist: ``browser.py`` (Pyodide: Web Crypto, localStorage, fetch, hash-wasm) and
``native.py`` (CPython: hashlib, pycryptodome, argon2-cffi, files). ``foc_web.platform`` picks one at
import time, like micropip's ``_compat``. Everything here is bytes in, bytes out.
"""

import abc
import asyncio
import contextlib
import hashlib
import hmac
import json

from ..errors import TransportError

AES_KEY_BYTES = 32
GCM_IV_BYTES = 12
GCM_TAG_BYTES = 16
CTR_BLOCK_BYTES = 16
_HASHES = ("sha256", "sha512")


def check_hash_name(hash_name):
    if hash_name not in _HASHES:
        raise ValueError(f"unsupported hash {hash_name!r}; use one of {_HASHES}")


def check_aes_gcm_args(key, iv):
    if len(key) != AES_KEY_BYTES:
        raise ValueError(f"AES-256-GCM needs a {AES_KEY_BYTES}-byte key, got {len(key)} bytes")
    if len(iv) != GCM_IV_BYTES:
        raise ValueError(f"AES-GCM needs a {GCM_IV_BYTES}-byte IV, got {len(iv)} bytes")


def check_aes_ctr_args(key, counter_block):
    if len(key) not in (16, 24, 32):
        raise ValueError(f"AES-CTR needs a 16, 24 or 32-byte key, got {len(key)} bytes")
    if len(counter_block) != CTR_BLOCK_BYTES:
        raise ValueError(f"AES-CTR needs a {CTR_BLOCK_BYTES}-byte counter block, got {len(counter_block)}")


def check_kdf_lengths(length, *positive):
    if length < 1 or any(value < 1 for value in positive):
        raise ValueError("KDF output length and cost parameters must be positive")


class Store(abc.ABC):
    """A string key-value store: localStorage in the browser, files on CPython.

    Keys are plain strings such as ``foc_sepolia_0x1234``; values are strings (JSON records).
    ``set`` replaces a value atomically: a reader sees the old value or the new one, never half.
    """

    #: Where values live, said plainly ("localStorage", "files under /root/.foc", "memory").
    location = ""

    @abc.abstractmethod
    async def get(self, key):
        """The value stored under ``key``, or None."""

    @abc.abstractmethod
    async def set(self, key, value):
        """Store ``value`` (a str) under ``key``."""

    @abc.abstractmethod
    async def delete(self, key):
        """Remove ``key``; no error if it is absent."""

    @abc.abstractmethod
    async def keys(self, prefix=""):
        """All keys starting with ``prefix``, sorted."""


class MemoryStore(Store):
    """A store that forgets everything when the process ends (Node, tests, development)."""

    location = "memory"

    def __init__(self):
        self._values = {}

    async def get(self, key):
        return self._values.get(key)

    async def set(self, key, value):
        if not isinstance(value, str):
            raise TypeError("store values are strings")
        self._values[key] = value

    async def delete(self, key):
        self._values.pop(key, None)

    async def keys(self, prefix=""):
        return sorted(k for k in self._values if k.startswith(prefix))


class InProcessLocks:
    """Named asyncio locks, for runtimes where nothing else shares the store."""

    def __init__(self):
        self._locks = {}

    @contextlib.asynccontextmanager
    async def lock(self, name):
        async with self._locks.setdefault(name, asyncio.Lock()):
            yield


class Platform(abc.ABC):
    """What foc_web needs from its runtime. Hashes and HMAC use hashlib, which works in both."""

    #: "pyodide-browser", "pyodide-node" or "cpython".
    runtime = ""

    @staticmethod
    def sha256(data):
        return hashlib.sha256(data).digest()

    @staticmethod
    def sha512(data):
        return hashlib.sha512(data).digest()

    @staticmethod
    def hmac_digest(hash_name, key, data):
        check_hash_name(hash_name)
        return hmac.new(key, data, hash_name).digest()

    @abc.abstractmethod
    def random_bytes(self, n):
        """``n`` bytes from the operating system's CSPRNG."""

    @abc.abstractmethod
    async def pbkdf2(self, hash_name, password, salt, iterations, length):
        """PBKDF2-HMAC with ``hash_name`` ("sha256" or "sha512")."""

    @abc.abstractmethod
    async def aes_gcm_encrypt(self, key, iv, plaintext, aad=b""):
        """AES-256-GCM; returns ciphertext || 16-byte tag."""

    @abc.abstractmethod
    async def aes_gcm_decrypt(self, key, iv, ciphertext, aad=b""):
        """Inverse of ``aes_gcm_encrypt``; raises ``foc_web.errors.InvalidTag`` on any tampering."""

    @abc.abstractmethod
    async def aes_ctr(self, key, counter_block, data):
        """AES-CTR with a 128-bit big-endian counter (encryption and decryption are the same)."""

    @abc.abstractmethod
    async def argon2id(self, password, salt, time_cost, memory_kib, parallelism, length):
        """Argon2id (version 0x13) raw hash."""

    @abc.abstractmethod
    async def scrypt(self, password, salt, n, r, p, length):
        """scrypt (RFC 7914)."""

    async def require(self, *packages):
        """Make optional pure-Python packages importable (a no-op where they are installed)."""

    @abc.abstractmethod
    def now(self):
        """Seconds since the Unix epoch, as a float."""

    @abc.abstractmethod
    def call_later(self, delay, callback):
        """Run ``callback()`` (plain, not async) about ``delay`` seconds from now, on this event loop.

        A pending call never keeps a process alive (Node's timer is unref'd), and very long delays
        may fire early (browsers cap timers at about 24.8 days): callers check the time again.
        """

    @abc.abstractmethod
    async def http_post_json(self, url, payload, timeout=30.0, headers=None):
        """POST ``payload`` as JSON; returns ``(status, parsed_body)``.

        Raises ``foc_web.errors.TransportError`` when no answer comes back in time, the connection
        fails, or the body is not JSON.
        """

    @property
    @abc.abstractmethod
    def store(self):
        """The persistent :class:`Store` of this runtime."""

    @abc.abstractmethod
    async def save_file(self, file_name, text):
        """Give the user ``text`` as a file: a download in the browser, a 0600 file on CPython.

        Returns where it went (the download name, or the path)."""

    @abc.abstractmethod
    def lock(self, name):
        """An async context manager holding an exclusive lock named ``name`` across tabs or processes.

        ``navigator.locks`` in the browser (shared by every tab of the origin), ``flock`` on a file
        under $FOC_HOME on CPython, an in-process lock where neither exists (Node).
        """


def parse_json_body(raw, url, status):
    """Decode a JSON response body, or raise TransportError naming the URL and HTTP status."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise TransportError(f"the answer from {url} (HTTP {status}) is not JSON") from None
