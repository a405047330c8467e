"""Pyodide implementation of the platform: Web Crypto, hash-wasm, localStorage and fetch.

This is the only module of foc_web that imports ``js``. It works in a page, in a Web Worker and
under Node (which has Web Crypto and fetch but no localStorage: there the store is in memory).
"""

import asyncio
import contextlib
import json

import js
from pyodide.code import run_js
from pyodide.ffi import JsException, create_once_callable, create_proxy, to_js

from ..errors import InvalidTag, TransportError, UnsupportedPlatformFeature
from . import base

#: crypto.getRandomValues refuses more than 65,536 bytes per call.
MAX_RANDOM_CHUNK = 65536
_WEB_HASH = {"sha256": "SHA-256", "sha512": "SHA-512"}
#: Where hash-wasm's ES module lives, relative to Pyodide's indexURL (the site root).
HASH_WASM_PATH = "hash-wasm/index.esm.min.js"


def _u8(data):
    return to_js(bytes(data))


#: From this size on, Web Crypto gets a view of Pyodide's memory instead of a copy: a copy costs
#: about 0.3 ms per MiB, a view about 25 us whatever the size.
_VIEW_MIN_BYTES = 1 << 16


def _with_u8(data, call):
    """call(data as a Uint8Array), for Web Crypto methods only: they copy their input before they
    return (WebCrypto spec: "get a copy of the bytes held by" the argument), so the view of
    Pyodide's memory is released right after the call, before anything can move that memory."""
    if len(data) < _VIEW_MIN_BYTES:
        return call(_u8(data))
    proxy = create_proxy(bytes(data))
    view = proxy.getBuffer("u8")
    try:
        return call(view.data)
    finally:
        view.release()
        proxy.destroy()


def _js_object(mapping):
    return to_js(mapping, dict_converter=js.Object.fromEntries)


def _buffer_bytes(buffer):
    return js.Uint8Array.new(buffer).to_bytes()


class LocalStorageStore(base.Store):
    """The page's ``localStorage`` (per origin, survives reloads)."""

    location = "localStorage"

    def __init__(self, storage):
        self._storage = storage

    async def get(self, key):
        value = self._storage.getItem(key)
        return value if isinstance(value, str) else None

    async def set(self, key, value):
        if not isinstance(value, str):
            raise TypeError("store values are strings")
        self._storage.setItem(key, value)

    async def delete(self, key):
        self._storage.removeItem(key)

    async def keys(self, prefix=""):
        found = []
        for i in range(self._storage.length):
            key = self._storage.key(i)
            if isinstance(key, str) and key.startswith(prefix):
                found.append(key)
        return sorted(found)


_MAX_TIMER_MS = 2 ** 31 - 1  # setTimeout's limit; longer delays fire at once


class BrowserPlatform(base.Platform):
    def __init__(self):
        self._subtle = getattr(js.crypto, "subtle", None)
        if self._subtle is None:
            raise UnsupportedPlatformFeature("foc_web needs Web Crypto, which browsers give only to secure contexts: "
                                             "serve the page over https:// (or from http://localhost)")
        self._hash_wasm = None
        self._local_locks = base.InProcessLocks()
        self._loaded_packages = set()
        self._quiet = create_proxy(lambda *_: None)  # loadPackage's progress messages, not for the console
        storage = getattr(js, "localStorage", None)
        has_storage = storage is not None and bool(storage)
        self.runtime = "pyodide-browser" if hasattr(js, "navigator") and has_storage else "pyodide-node"
        self._store = LocalStorageStore(storage) if has_storage else base.MemoryStore()

    @property
    def store(self):
        return self._store

    def random_bytes(self, n):
        out = bytearray()
        while len(out) < n:
            chunk = js.Uint8Array.new(min(MAX_RANDOM_CHUNK, n - len(out)))
            js.crypto.getRandomValues(chunk)
            out += chunk.to_bytes()
        return bytes(out)

    async def _import_key(self, raw, algorithm, usages):
        return await self._subtle.importKey("raw", _u8(raw), algorithm, False, to_js(usages))

    async def pbkdf2(self, hash_name, password, salt, iterations, length):
        base.check_hash_name(hash_name)
        base.check_kdf_lengths(length, iterations)
        key = await self._import_key(password, "PBKDF2", ["deriveBits"])
        params = _js_object(
            {"name": "PBKDF2", "hash": _WEB_HASH[hash_name], "salt": _u8(salt), "iterations": iterations}
        )
        return _buffer_bytes(await self._subtle.deriveBits(params, key, 8 * length))

    def _gcm_params(self, iv, aad):
        return _js_object({"name": "AES-GCM", "iv": _u8(iv), "additionalData": _u8(aad), "tagLength": 128})

    async def aes_gcm_encrypt(self, key, iv, plaintext, aad=b""):
        base.check_aes_gcm_args(key, iv)
        cryptokey = await self._import_key(key, "AES-GCM", ["encrypt"])
        params = self._gcm_params(iv, aad)
        return _buffer_bytes(await _with_u8(plaintext, lambda data: self._subtle.encrypt(params, cryptokey, data)))

    async def aes_gcm_decrypt(self, key, iv, ciphertext, aad=b""):
        base.check_aes_gcm_args(key, iv)
        cryptokey = await self._import_key(key, "AES-GCM", ["decrypt"])
        try:
            params = self._gcm_params(iv, aad)
            plain = await _with_u8(ciphertext, lambda data: self._subtle.decrypt(params, cryptokey, data))
        except JsException as error:
            if getattr(error, "name", "") == "OperationError":
                raise InvalidTag() from None
            raise
        return _buffer_bytes(plain)

    async def aes_ctr(self, key, counter_block, data):
        base.check_aes_ctr_args(key, counter_block)
        cryptokey = await self._import_key(key, "AES-CTR", ["encrypt"])
        params = _js_object({"name": "AES-CTR", "counter": _u8(counter_block), "length": 128})
        return _buffer_bytes(await _with_u8(data, lambda u8: self._subtle.encrypt(params, cryptokey, u8)))

    async def _hash_wasm_module(self):
        """hash-wasm's ES module, imported once from the site that served Pyodide."""
        if self._hash_wasm is None:
            url = _asset_url(HASH_WASM_PATH)
            try:
                self._hash_wasm = await run_js(f"import({json.dumps(url)})")
            except JsException as error:
                raise UnsupportedPlatformFeature(f"cannot load hash-wasm from {url}: {error}") from None
        return self._hash_wasm

    async def argon2id(self, password, salt, time_cost, memory_kib, parallelism, length):
        base.check_kdf_lengths(length, time_cost, memory_kib, parallelism)
        module = await self._hash_wasm_module()
        options = {
            "password": _u8(password),
            "salt": _u8(salt),
            "iterations": time_cost,
            "memorySize": memory_kib,
            "parallelism": parallelism,
            "hashLength": length,
            "outputType": "binary",
        }
        return (await module.argon2id(_js_object(options))).to_bytes()

    async def scrypt(self, password, salt, n, r, p, length):
        base.check_kdf_lengths(length, n, r, p)
        module = await self._hash_wasm_module()
        options = {
            "password": _u8(password),
            "salt": _u8(salt),
            "costFactor": n,
            "blockSize": r,
            "parallelism": p,
            "hashLength": length,
            "outputType": "binary",
        }
        return (await module.scrypt(_js_object(options))).to_bytes()

    async def require(self, *packages):
        """Load packages listed in the site's pyodide-lock.json on first use (zxcvbn, pyotp, segno are
        kept out of the boot: foc-web's lock entry does not depend on them)."""
        missing = [name for name in packages if name not in self._loaded_packages]
        if missing:
            import pyodide_js

            await pyodide_js.loadPackage(to_js(missing), _js_object({"messageCallback": self._quiet}))
            self._loaded_packages.update(missing)

    def now(self):
        return js.Date.now() / 1000.0

    def call_later(self, delay, callback):
        timer = js.setTimeout(create_once_callable(callback), min(int(delay * 1000), _MAX_TIMER_MS))
        if hasattr(timer, "unref"):  # Node: a pending auto-lock must not keep the process alive
            timer.unref()

    async def save_file(self, file_name, text):
        """A download: a Blob, an object URL and a clicked <a download> link (needs a page)."""
        document = getattr(js, "document", None)
        if not document:
            raise UnsupportedPlatformFeature("saving a file needs a page (there is no document here)")
        blob = js.Blob.new(to_js([text]), _js_object({"type": "application/json"}))
        url = js.URL.createObjectURL(blob)
        link = document.createElement("a")
        link.href, link.download = url, file_name
        document.body.appendChild(link)
        link.click()
        link.remove()
        js.setTimeout(create_once_callable(lambda: js.URL.revokeObjectURL(url)), 1000)
        return file_name

    @contextlib.asynccontextmanager
    async def lock(self, name):
        """``navigator.locks`` (shared by all tabs of the origin); an in-process lock under Node."""
        locks = getattr(getattr(js, "navigator", None), "locks", None)
        if not locks:
            async with self._local_locks.lock(name):
                yield
            return
        acquired = asyncio.get_running_loop().create_future()
        release = []
        held = js.Promise.new(create_once_callable(lambda resolve, reject: release.append(resolve)))

        def granted(_lock):
            acquired.set_result(None)
            return held

        callback = create_once_callable(granted)
        locks.request(f"foc_web:{name}", callback)  # settles when ``held`` does, never rejected: not awaited
        await acquired
        try:
            yield
        finally:
            release[0]()  # the lock is free once ``held`` settles

    async def http_post_json(self, url, payload, timeout=30.0, headers=None):
        controller = js.AbortController.new()
        timer = js.setTimeout(controller.abort.bind(controller), int(timeout * 1000))
        init = {
            "method": "POST",
            "headers": _js_object({"Content-Type": "application/json", **(headers or {})}),
            "body": json.dumps(payload),
            "signal": controller.signal,
        }
        try:
            response = await js.fetch(url, _js_object(init))
            raw = await response.text()
        except JsException as error:
            reason = "timed out" if controller.signal.aborted else str(error)
            raise TransportError(f"request to {url} failed: {reason}") from None
        finally:
            js.clearTimeout(timer)
        return response.status, base.parse_json_body(raw, url, response.status)


def _asset_url(path):
    """Resolve a site asset: ``globalThis.FOC_WEB_BASE_URL`` if the loader set it, else Pyodide's indexURL."""
    base_url = getattr(js.globalThis, "FOC_WEB_BASE_URL", None)
    if not isinstance(base_url, str):
        import pyodide_js

        base_url = pyodide_js._api.config.indexURL
    if base_url.startswith("/"):
        base_url = "file://" + base_url
    return js.URL.new(path, base_url).href
