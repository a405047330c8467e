"""The platform seam: one interface (``base.Platform``), two implementations, picked once here.

Inside Pyodide (``"_pyodide_core" in sys.modules``) it is ``browser.BrowserPlatform`` (Web Crypto,
hash-wasm, localStorage, fetch); elsewhere ``native.NativePlatform`` (hashlib, pycryptodome,
argon2-cffi, files). The rest of foc_web calls the module-level functions below and never imports
``js``.
"""

import sys

from .base import Platform, Store, MemoryStore  # noqa: F401

IN_PYODIDE = "_pyodide_core" in sys.modules

if IN_PYODIDE:
    from .browser import BrowserPlatform as _Implementation
else:
    from .native import NativePlatform as _Implementation

current: Platform = _Implementation()

runtime = current.runtime
random_bytes = current.random_bytes
sha256 = current.sha256
sha512 = current.sha512
hmac_digest = current.hmac_digest
pbkdf2 = current.pbkdf2
aes_gcm_encrypt = current.aes_gcm_encrypt
aes_gcm_decrypt = current.aes_gcm_decrypt
aes_ctr = current.aes_ctr
argon2id = current.argon2id
scrypt = current.scrypt
now = current.now
call_later = current.call_later
http_post_json = current.http_post_json
lock = current.lock
save_file = current.save_file
require = current.require


def store() -> Store:
    """The persistent key-value store of this runtime (looked up on each call, so tests can swap it)."""
    return current.store
