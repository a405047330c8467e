"""Password-based key derivation for vaults and backups: parameters, their bounds, and the derivation.

A KDF is described by a small JSON object stored inside each record, like MetaMask's ``keyMetadata``:

    {"algorithm": "pbkdf2", "hash": "sha256", "iterations": 600000, "salt": "<base64>"}
    {"algorithm": "argon2id", "iterations": 3, "memory": 65536, "parallelism": 1, "salt": "<base64>"}

Defaults and minimums follow the OWASP Password Storage Cheat Sheet (2023+): PBKDF2-HMAC-SHA256 with
600,000 iterations (SHA-512: 210,000), and Argon2id with at least 19 MiB and 2 passes (or 46 MiB and
1 pass). Anything weaker, or absurdly large (a denial of service on unlock), is refused with a
ConfigError that says why.

Records written before those minimums (PBKDF2-HMAC-SHA256/SHA-512 with 10,000 iterations, as in old
MetaMask vaults) can still be *opened*, so that unlocking upgrades them (accounts.unlock re-encrypts
a record weaker than the defaults): ``check_params(..., accept_legacy=True)`` lowers the PBKDF2
floor to ``PBKDF2_LEGACY_MIN_ITERATIONS``; every other bound stays. Nothing below the current
minimums is ever written: ``from_option`` refuses it, ``with_fresh_salt`` (parameters for a record
written anew) replaces it by the defaults, and record.seal checks its key source again.
"""

import base64
import unicodedata

from .. import platform
from ..errors import ConfigError

KEY_BYTES = 32
SALT_BYTES = 16
ALGORITHMS = ("pbkdf2", "argon2id")
PBKDF2_MIN_ITERATIONS = {"sha256": 600_000, "sha512": 210_000}
PBKDF2_MAX_ITERATIONS = 10_000_000
#: The lowest PBKDF2 iteration count a *stored* record may have to be opened (and upgraded); never written.
PBKDF2_LEGACY_MIN_ITERATIONS = 10_000
ARGON2_MIN_MEMORY_KIB = 19_456
ARGON2_ONE_PASS_MEMORY_KIB = 47_104
ARGON2_MAX_MEMORY_KIB = 1_048_576
ARGON2_MAX_ITERATIONS = 10
ARGON2_MAX_PARALLELISM = 16

DEFAULTS = {
    "pbkdf2": {"algorithm": "pbkdf2", "hash": "sha256", "iterations": 600_000},
    "argon2id": {"algorithm": "argon2id", "iterations": 3, "memory": 65_536, "parallelism": 1},
}
_FIELDS = {
    "pbkdf2": {"algorithm", "hash", "iterations", "salt"},
    "argon2id": {"algorithm", "iterations", "memory", "parallelism", "salt"},
}


def _int(params, name):
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"key derivation parameter {name!r} must be an integer, got {value!r}")
    return value


def check_params(params, *, with_salt=False, accept_legacy=False):
    """Validate KDF parameters (a dict as stored in records); returns them normalized, or raises ConfigError.

    ``accept_legacy``: the parameters are read from a stored record to open it, so PBKDF2 is accepted
    down to PBKDF2_LEGACY_MIN_ITERATIONS (the record is then upgraded); never for parameters to write.
    """
    if not isinstance(params, dict):
        raise ConfigError(f"key derivation parameters must be an object, got {type(params).__name__}")
    algorithm = params.get("algorithm")
    if algorithm not in ALGORITHMS:
        raise ConfigError(f"unknown key derivation {algorithm!r}; use one of {', '.join(ALGORITHMS)}")
    unknown = set(params) - _FIELDS[algorithm]
    if unknown:
        raise ConfigError(f"unknown {algorithm} parameter(s): {', '.join(sorted(unknown))}")
    if with_salt:
        missing = _FIELDS[algorithm] - set(params)
        if missing:  # stored records carry every parameter: defaults may change, records must not
            raise ConfigError(f"stored {algorithm} parameters lack {', '.join(sorted(missing))}")
    params = {**DEFAULTS[algorithm], **params}
    if algorithm == "pbkdf2":
        if params["hash"] not in PBKDF2_MIN_ITERATIONS:
            raise ConfigError(f"PBKDF2 hash must be sha256 or sha512, got {params['hash']!r}")
        minimum = PBKDF2_MIN_ITERATIONS[params["hash"]]
        iterations = _int(params, "iterations")
        if accept_legacy and iterations < PBKDF2_LEGACY_MIN_ITERATIONS:
            raise ConfigError(
                f"PBKDF2-HMAC-{params['hash'].upper()} with {iterations} iterations is too weak even for an old "
                f"record: at least {PBKDF2_LEGACY_MIN_ITERATIONS} are required to open one ({minimum} to write one)"
            )
        if not accept_legacy and iterations < minimum:
            raise ConfigError(
                f"PBKDF2-HMAC-{params['hash'].upper()} with {iterations} iterations is too weak: "
                f"at least {minimum} are required (OWASP Password Storage Cheat Sheet)"
            )
        if iterations > PBKDF2_MAX_ITERATIONS:
            raise ConfigError(f"{iterations} PBKDF2 iterations would make unlocking take minutes; at most "
                              f"{PBKDF2_MAX_ITERATIONS} are allowed")
    else:
        memory, passes, lanes = (_int(params, n) for n in ("memory", "iterations", "parallelism"))
        if memory < ARGON2_MIN_MEMORY_KIB:
            raise ConfigError(f"Argon2id memory of {memory} KiB is too weak: at least {ARGON2_MIN_MEMORY_KIB} KiB "
                              "(19 MiB) is required (OWASP)")
        if memory > ARGON2_MAX_MEMORY_KIB:
            raise ConfigError(f"Argon2id memory of {memory} KiB exceeds the {ARGON2_MAX_MEMORY_KIB} KiB (1 GiB) a "
                              "browser tab can be expected to give")
        if passes < 1 or passes > ARGON2_MAX_ITERATIONS:
            raise ConfigError(f"Argon2id iterations must be between 1 and {ARGON2_MAX_ITERATIONS}, got {passes}")
        if passes == 1 and memory < ARGON2_ONE_PASS_MEMORY_KIB:
            raise ConfigError(f"Argon2id with 1 pass needs at least {ARGON2_ONE_PASS_MEMORY_KIB} KiB (46 MiB); "
                              "use 2 or more passes (OWASP)")
        if lanes < 1 or lanes > ARGON2_MAX_PARALLELISM:
            raise ConfigError(f"Argon2id parallelism must be between 1 and {ARGON2_MAX_PARALLELISM}, got {lanes}")
    if with_salt:
        salt = decode_salt(params.get("salt"))
        if not SALT_BYTES <= len(salt) <= 64:
            raise ConfigError(f"a KDF salt must be 16 to 64 bytes, got {len(salt)}")
    return params


def decode_salt(text):
    try:
        return base64.b64decode(text, validate=True)
    except (TypeError, ValueError):
        raise ConfigError("the KDF salt is not valid base64") from None


def from_option(option):
    """Parameters (without salt) from the documented ``key_derivation`` option: a name or an object."""
    if option is None:
        option = "pbkdf2"
    if isinstance(option, str):
        if option not in DEFAULTS:
            raise ConfigError(f"unknown key derivation {option!r}; use one of {', '.join(ALGORITHMS)}")
        return dict(DEFAULTS[option])
    if isinstance(option, dict) and "salt" in option:
        raise ConfigError("a KDF salt cannot be chosen: a fresh random salt is made for every record")
    return check_params(option)


def below_minimum(params):
    """True for parameters a stored record may have (``accept_legacy``) but nothing may be written with."""
    try:
        check_params({k: v for k, v in params.items() if k != "salt"})
    except ConfigError:
        return True
    return False


def with_fresh_salt(params):
    """Parameters for a record written anew: ``params`` with a fresh salt.

    Parameters below today's minimums (those of a legacy record being rewritten, e.g. by a password
    change) are replaced by the defaults of their algorithm: nothing weaker is ever written.
    """
    params = check_params({k: v for k, v in params.items() if k != "salt"}, accept_legacy=True)
    if below_minimum(params):
        params = dict(DEFAULTS[params["algorithm"]])
    return {**params, "salt": base64.b64encode(platform.random_bytes(SALT_BYTES)).decode()}


def weaker_than_defaults(params):
    """True when stored parameters are below today's defaults for their algorithm (time to re-encrypt)."""
    default = DEFAULTS[params["algorithm"]]
    if params["algorithm"] == "pbkdf2":
        if params.get("hash") == "sha256":
            return params["iterations"] < default["iterations"]
        return params["iterations"] < PBKDF2_MIN_ITERATIONS.get(params.get("hash"), default["iterations"])
    return params["memory"] < default["memory"] or params["iterations"] < default["iterations"]


def encode_password(password):
    """UTF-8 of the NFC form, so the same password typed on any system gives the same key."""
    return unicodedata.normalize("NFC", password).encode("utf-8")


async def derive_key(params, password):
    """The 32-byte AES key for ``password`` under stored parameters (validated first; legacy PBKDF2
    counts are accepted, as this also opens old records: what is written is checked by its writers)."""
    params = check_params(params, with_salt=True, accept_legacy=True)
    secret, salt = encode_password(password), decode_salt(params["salt"])
    if params["algorithm"] == "pbkdf2":
        return await platform.pbkdf2(params["hash"], secret, salt, params["iterations"], KEY_BYTES)
    return await platform.argon2id(
        secret, salt, params["iterations"], params["memory"], params["parallelism"], KEY_BYTES
    )
