"""The documented accounts API: orchestration only.

A call such as ``create(password=...)`` runs: options -> password policy -> key (stark) -> KDF and
vault record (vault, through the platform) -> store (platform) -> audit log, and comes back. The
math lives in ``stark/``, formats in ``vault/``, rules in ``auth/``, I/O in ``platform/``.

Unlocked keys stay in this process's memory only, in ``_Unlocked`` objects whose repr hides them.
"""

import asyncio
import base64
import json
import re

from . import platform
from .audit.log import DEFAULT_MAX_RECORDS, AuditLog
from .auth.lockout import LockoutPolicy
from .auth.policy import AUTH_OPTIONS, PasswordPolicy
from .errors import (
    AccountExistsError,
    AccountNotFoundError,
    AuthenticationError,
    ConfigError,
    FocError,
    InvalidInputError,
    NetworkMismatchError,
    NotUnlockedError,
    VaultFormatError,
)
from .platform import MemoryStore
from .recovery.accounts import RecoveryMixin
from .rotation import RotationMixin
from .signing import SigningMixin
from .platform.keys import RESERVED_KINDS, VAULT_FOLDER, check_segment, make_key
from .stark import derivation
from .stark.address import ACCOUNT_CLASSES, compute_account_address
from .stark.bip39 import generate_mnemonic, mnemonic_to_seed, validate_mnemonic
from .stark.curve import EC_ORDER
from .stark.felt import to_felt
from .stark.keys import get_stark_key, validate_private_key
from .types import Account, KeyPair, hex_address, hex_felt
from .vault import kdf, keystore, record

STORAGE_TYPES = ("encrypted_local", "memory", "plain_text", "secure_enclave", "external_kms")
DEFAULT_ACCOUNT_CLASS = "openzeppelin"
DEFAULT_SESSION_TIMEOUT = 3600
_STORAGE_OPTIONS = {"type", "encryption", "key_derivation", "compression", "namespace"}
_KMS_STORAGE_OPTIONS = {"type", "provider", "key_id", "region", "encryption", "compression"}
_ENCLAVE_STORAGE_OPTIONS = {"type", "require_biometric", "invalidate_on_biometric_change", "encryption", "compression"}
#: Storage types whose key is not protected by a password (the key source does it).
_PASSWORDLESS = {"kms": "KMS", "enclave": "the secure enclave"}
_KEY_SOURCE_STORAGE = {"kms": "external_kms", "enclave": "secure_enclave"}  # a record's key source -> storage type
_AUTH_OPTIONS = set(AUTH_OPTIONS) | {"session_timeout"}
_DETERMINISTIC_KEY_SALT = b"foc-web/deterministic-key/v1:"
_ADDRESS = re.compile(r"^(0x)?[0-9a-fA-F]{1,64}$")


def normalize_address(address):
    """Any hex form of an address -> ``0x`` + 64 lowercase hex digits; InvalidInputError otherwise."""
    if isinstance(address, int) and not isinstance(address, bool):
        value = address
    elif isinstance(address, str) and _ADDRESS.match(address.strip()):
        value = int(address.strip(), 16)
    else:
        raise InvalidInputError(f"not a Starknet address: {address!r}")
    if not 0 < value < 2**251:
        raise InvalidInputError(f"address out of range: {address!r}")
    return hex_address(value)


class _Unlocked:
    """An unlocked key: the private key, the vault's other secrets and the password-derived AES key
    (to re-seal the vault without asking again), with the auto-lock deadline. Never printed or stored."""

    __slots__ = ("private_key", "expires_at", "secrets", "password_key")

    def __init__(self, private_key, expires_at, secrets, password_key):
        self.private_key = private_key
        self.expires_at = expires_at
        self.secrets = secrets
        self.password_key = password_key

    def __repr__(self):
        return "<unlocked key: hidden>"


class Accounts(SigningMixin, RotationMixin, RecoveryMixin):
    """``engine.accounts``: create, store, unlock and manage Stark accounts."""

    def __init__(self, engine):
        self._engine = engine
        self._unlocked = {}
        self._auto_locks = set()  # session revocations started by auto-locks, still running
        self._memory_store = MemoryStore()
        self._audit_logs = {}
        self._init_signing()

    # ------------------------------------------------------------------ helpers

    @property
    def _lockout(self):
        return LockoutPolicy.from_config(self._engine.security.get("lockout"))

    def _network(self, network):
        network = self._engine.network if network is None else network
        return self._engine.check_network(network)

    def audit(self, network=None):
        network = self._network(network)
        if network not in self._audit_logs:
            logging = self._engine.security.get("logging", {})
            self._audit_logs[network] = AuditLog(
                network, enabled=logging.get("enabled", True), level=logging.get("level", "detailed"),
                max_records=logging.get("max_records", DEFAULT_MAX_RECORDS),
            )
        return self._audit_logs[network]

    def _store_for(self, storage_type):
        return self._memory_store if storage_type == "memory" else platform.store()

    @staticmethod
    def _storage_key(network, address, namespace=None):
        if namespace is not None:
            check_segment(namespace, "namespace")
            if namespace in RESERVED_KINDS or namespace == VAULT_FOLDER:
                raise ConfigError(f"namespace {namespace!r} is reserved")
            return make_key(namespace, network, address)
        return make_key(network, address)

    def _parse_storage(self, storage):
        storage = dict(storage or {})
        storage_type = storage.get("type", "encrypted_local")
        allowed = {"external_kms": _KMS_STORAGE_OPTIONS, "secure_enclave": _ENCLAVE_STORAGE_OPTIONS}
        unknown = set(storage) - allowed.get(storage_type, _STORAGE_OPTIONS)
        if unknown:
            raise ConfigError(f"unknown storage option(s): {', '.join(sorted(unknown))}")
        if storage_type == "plain_text":
            raise ConfigError(
                "plain_text storage is refused: private keys are only kept encrypted at rest; "
                "use storage={'type': 'encrypted_local'}"
            )
        if storage_type not in STORAGE_TYPES:
            raise ConfigError(f"unknown storage type {storage_type!r}; use encrypted_local (or memory in development)")
        if storage_type == "memory" and self._engine.environment != "development":
            raise ConfigError("memory storage loses keys on reload and is allowed only in the development environment")
        encryption = storage.get("encryption", "aes-256-gcm")
        if encryption != "aes-256-gcm":
            raise ConfigError(f"unsupported encryption {encryption!r}; vaults use aes-256-gcm")
        compression = storage.get("compression", False)
        if compression not in (True, False, "none", "deflate"):
            raise ConfigError("compression must be true, false, 'none' or 'deflate'")
        compression = "deflate" if compression in (True, "deflate") else "none"
        if storage_type == "secure_enclave":
            biometric, bound = storage.get("require_biometric", False), storage.get("invalidate_on_biometric_change", True)
            if not isinstance(biometric, bool) or bound is not True:
                raise ConfigError("secure_enclave: require_biometric is true or false; records are always bound to "
                                  "their credential (invalidate_on_biometric_change cannot be turned off)")
            return storage_type, {"enclave": {"require_biometric": biometric}}, compression
        if storage_type == "external_kms":
            if storage.get("provider", "aws-kms") != "aws-kms":
                raise ConfigError("external_kms supports provider 'aws-kms'")
            kms = self._kms(storage.get("key_id"), storage.get("region"))  # validates now: nothing half-made later
            return storage_type, {"kms": {"provider": "aws-kms", "key_id": kms.key_id, "region": kms.region}}, compression
        return storage_type, {"kdf": kdf.from_option(storage.get("key_derivation"))}, compression

    def _kms(self, key_id, region):
        """The KMS client for a key: key and region from the record, credentials/endpoint from the engine."""
        from .kms.aws import AwsKms

        return AwsKms.from_config({"kms": {**self._engine.kms, "key_id": key_id,
                                           **({"region": region} if region else {})}})

    async def _new_key(self, source, password, network, address, storage_key):
        """(key source with fresh salt or data key, the 32-byte AES key) for a record written anew."""
        if "enclave" in source:
            from .platform import enclave

            data_key = platform.random_bytes(32)
            biometric = source["enclave"]["require_biometric"]
            wrapped = await enclave.wrap_data_key(storage_key, data_key, require_biometric=biometric)
            return {"enclave": {"key_id": storage_key, "wrapped": wrapped, "require_biometric": biometric}}, data_key
        if "kms" in source:
            from .kms.envelope import encryption_context

            kms_meta = source["kms"]
            data_key, blob = await self._kms(kms_meta["key_id"], kms_meta["region"]).generate_data_key(
                kms_meta["key_id"], encryption_context(network, address, storage_key))
            return {"kms": {**kms_meta, "encrypted_data_key": base64.b64encode(blob).decode()}}, data_key
        params = kdf.with_fresh_salt({k: v for k, v in source["kdf"].items() if k != "salt"})
        return {"kdf": params}, await kdf.derive_key(params, password)

    @staticmethod
    def _parse_auth(auth):
        auth = dict(auth or {})
        unknown = set(auth) - _AUTH_OPTIONS
        if unknown:
            raise ConfigError(f"unknown auth option(s): {', '.join(sorted(unknown))}")
        timeout = auth.get("session_timeout", DEFAULT_SESSION_TIMEOUT)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 30 * 86400:
            raise ConfigError("auth session_timeout must be a number of seconds between 1 and 30 days")
        policy = PasswordPolicy.from_auth({k: v for k, v in auth.items() if k != "session_timeout"})
        return policy, timeout

    async def _find(self, address, network=None, namespace=None):
        """(parsed record, storage type, store, storage key) of an account on ``network``."""
        network = self._network(network)
        address = normalize_address(address)
        key = self._storage_key(network, address, namespace)
        for storage_type in ("encrypted_local", "memory"):
            store = self._store_for(storage_type)
            text = await store.get(key)
            if text is not None:
                found = record.parse(text)
                if found["network"] != network or found["address"] != address or found["storage_key"] != key:
                    raise VaultFormatError(f"the record under {key} belongs elsewhere (moved or tampered)")
                return found, storage_type, store, key
        for other in self._engine.known_networks():
            if other != network and await platform.store().get(self._storage_key(other, address, namespace)):
                raise NetworkMismatchError(
                    f"account {address} belongs to network {other!r}, not {network!r}; "
                    "use switch_network to create a record for the other network"
                )
        raise AccountNotFoundError(f"no account {address} on network {network!r}")

    @staticmethod
    def _account(found, storage_type, namespace):
        """Public facts of a record; ``storage_type`` is the store it was found in, refined by its key source."""
        meta = found["account"]
        storage_type = next((name for source, name in _KEY_SOURCE_STORAGE.items() if source in found), storage_type)
        return Account(
            address=found["address"], network=found["network"], public_key=meta["public_key"],
            account_class=meta["account_class"], username=meta.get("username"), storage_type=storage_type,
            signer=meta.get("signer", "software"), namespace=namespace, created_at=found.get("created_at"),
            storage_key=found["storage_key"], path=meta.get("path"),
        )

    def _state_key(self, network, address):
        return make_key("state", network, address)

    async def _read_state(self, network, address):
        text = await platform.store().get(self._state_key(network, address))
        return json.loads(text) if text else {}

    async def _write_state(self, network, address, state):
        await platform.store().set(self._state_key(network, address), json.dumps(state))

    # ------------------------------------------------------------------ keys

    async def connect_ledger(self, transport=None):
        """Use a Ledger running the Starknet app for hardware accounts.

        In the browser (no ``transport``): WebHID's device chooser, so call it from a user gesture
        (a click handler). On CPython pass a transport: ``SpeculosTransport(host, port)``,
        ``HidapiTransport.open()`` or ``ReplayTransport(...)`` (foc_web.ledger.transports).
        Returns the app version.
        """
        from .ledger import LedgerClient

        if transport is None:
            if not platform.IN_PYODIDE:
                raise ConfigError("on CPython pass a transport: SpeculosTransport(host, port) or HidapiTransport.open()")
            from .platform.webhid import connect_ledger

            transport = await connect_ledger()
        self._ledger = LedgerClient(transport)
        return ".".join(str(part) for part in await self._ledger.get_version())

    def _ledger_client(self):
        if getattr(self, "_ledger", None) is None:
            raise ConfigError("no Ledger connected: call connect_ledger() first (from a button click in a page)")
        return self._ledger

    async def generate_private_key(self, entropy=None, salt=None, provider=None, path=None):
        """A new Stark key pair from the platform CSPRNG (rejection-sampled to 1 <= k < n).

        With ``entropy`` (and optional ``salt``) the key is *deterministic*: PBKDF2-HMAC-SHA256
        (600,000 iterations) over the entropy, salted with ``foc-web/deterministic-key/v1:`` + salt,
        then ground into range as wallets do. Anyone who learns the entropy has the key, so this is
        refused unless the environment is "development" or security allows it explicitly.

        With ``provider="ledger"`` the key pair lives on the device: only the public key at the
        EIP-2645 ``path`` (default: index 0 of the standard Starknet path) is returned.
        """
        if provider is not None:
            if provider != "ledger":
                raise ConfigError("provider must be 'ledger' (or omitted for a software key)")
            path = path if path is not None else derivation.eip2645_path(0)
            public_key = await self._ledger_client().get_public_key(path)
            await self.audit().append("key_generation", details={"method": "ledger", "path": path})
            return KeyPair(public_key=hex_felt(public_key), private_key=None, path=path, scheme="eip2645")
        if entropy is not None:
            if not (self._engine.environment == "development" or self._engine.security.get("allow_deterministic_keys")):
                raise ConfigError(
                    "deterministic keys from entropy are refused in production: anyone who knows the entropy "
                    "has the key; use generate_private_key() without entropy, or set environment='development'"
                )
            if not isinstance(entropy, str) or not entropy:
                raise InvalidInputError("entropy must be a non-empty string")
            material = await platform.pbkdf2(
                "sha256", kdf.encode_password(entropy), _DETERMINISTIC_KEY_SALT + kdf.encode_password(salt or ""),
                600_000, 32,
            )
            private_key = derivation.grind_key(material)
        else:
            private_key = random_private_key()
        await self.audit().append("key_generation", details={"method": "deterministic" if entropy else "random"})
        return KeyPair(public_key=hex_felt(get_stark_key(private_key)), private_key=hex_felt(private_key))

    async def derive_keys(self, seed=None, path=None, scheme="bip44", mnemonic=None, passphrase="", index=0):
        """The key pair at a BIP32 path of a BIP39 seed (hex) or mnemonic, under a wallet's scheme."""
        if scheme not in derivation.SCHEMES:
            raise InvalidInputError(f"unknown derivation scheme {scheme!r}; use one of {derivation.SCHEMES}")
        if path is None:
            path = _standard_path(scheme, index)
        if (seed is None) == (mnemonic is None):
            raise InvalidInputError("give exactly one of seed or mnemonic")
        if mnemonic is not None:
            seed_bytes = await mnemonic_to_seed(validate_mnemonic(mnemonic), passphrase)
        else:
            seed_bytes = _seed_bytes(seed)
        private_key = derivation.derive_private_key(seed_bytes, path, scheme)
        await self.audit().append("key_generation", details={"method": "derivation", "scheme": scheme, "path": path})
        return KeyPair(hex_felt(get_stark_key(private_key)), hex_felt(private_key), path=path, scheme=scheme)

    # ------------------------------------------------------------------ mnemonics

    async def generate_mnemonic(self, strength=256, language="english"):
        """A new BIP39 mnemonic: ``strength`` bits (128, 160, 192, 224 or 256) of CSPRNG entropy."""
        if strength not in (128, 160, 192, 224, 256):
            raise InvalidInputError("strength must be 128, 160, 192, 224 or 256 bits (12 to 24 words)")
        mnemonic = generate_mnemonic(platform.random_bytes(strength // 8), language)
        await self.audit().append("key_generation", details={"method": "mnemonic", "count": strength // 11 + 1})
        return mnemonic

    async def create_from_mnemonic(self, mnemonic, path=None, network=None, password=None, scheme="bip44",
                                   passphrase="", index=0, **options):
        """``create`` with the key derived from a BIP39 mnemonic (validated first) at ``path``/``index``."""
        path = path if path is not None else _standard_path(scheme, index)
        return await self.create(password=password, network=network, mnemonic=mnemonic, path=path, scheme=scheme,
                                 passphrase=passphrase, **options)

    async def recover_from_mnemonic(self, mnemonic, path=None, scheme="bip44", passphrase="", network=None,
                                    account_class=DEFAULT_ACCOUNT_CLASS, discover=False, gap_limit=5,
                                    max_accounts=100):
        """Key pairs and addresses recovered from a mnemonic.

        Without ``discover``: the one account at ``path`` (default index 0). With ``discover``: indices
        0, 1, 2, ... are scanned on the network's node until ``gap_limit`` empty ones in a row (an
        address is empty when the node knows no contract there), as wallets do.
        """
        seed = await mnemonic_to_seed(validate_mnemonic(mnemonic), passphrase)
        if not discover:
            path = path if path is not None else _standard_path(scheme, 0)
            return [self._recovered(seed, path, scheme, account_class, None)]
        if path is not None:
            raise InvalidInputError("discovery scans the standard path of each index: give no path")
        if isinstance(gap_limit, bool) or not isinstance(gap_limit, int) or not 1 <= gap_limit <= 100:
            raise InvalidInputError("gap_limit must be an integer from 1 to 100")
        network = self._network(network)
        client = self._rpc(network)
        found, empty, index = [], 0, 0
        while empty < gap_limit and index < max_accounts:
            candidate = self._recovered(seed, _standard_path(scheme, index), scheme, account_class, index)
            if await client.contract_exists(int(candidate["address"], 16)):
                found.append(candidate)
                empty = 0
            else:
                empty += 1
            index += 1
        await self.audit(network).append("key_generation", details={"method": "recovery", "count": len(found)})
        return found

    @staticmethod
    def _recovered(seed, path, scheme, account_class, index):
        private_key = derivation.derive_private_key(seed, path, scheme)
        public_key = get_stark_key(private_key)
        return {"index": index, "path": path, "scheme": scheme, "account_class": account_class,
                "address": hex_address(compute_account_address(public_key, account_class)),
                "public_key": hex_felt(public_key), "private_key": hex_felt(private_key)}

    # ------------------------------------------------------------------ create / unlock / lock

    async def create(self, username=None, password=None, network=None, storage=None, auth=None, *,
                     private_key=None, seed=None, mnemonic=None, path=None, scheme="bip44", passphrase="",
                     account_class=DEFAULT_ACCOUNT_CLASS, namespace=None, salt=None, public_key=None,
                     signer="software", device=None, address=None):
        """Create an account and save its key encrypted; the account is left unlocked.

        The key is ``private_key`` if given, else derived from ``mnemonic`` or ``seed`` at ``path``,
        else freshly generated. The address is the counterfactual address of ``account_class``
        (default OpenZeppelin) for the public key, with salt = public key unless given; ``address``
        imports an existing account deployed elsewhere instead (not checked against the class).

        ``signer="hardware", device="ledger", public_key=..., path=...``: the vault stores only the
        public key and the path; signing goes to the device, and unlocking needs no password.
        """
        if signer == "hardware":
            return await self._create_hardware(username, password, network, storage, public_key, device, path,
                                               account_class, namespace, salt, address)
        if signer != "software":
            raise ConfigError("signer must be 'software' or 'hardware'")
        network = self._network(network)
        storage_type, source, compression = self._parse_storage(storage)
        policy, timeout = self._parse_auth(auth)
        if account_class not in ACCOUNT_CLASSES:
            raise ConfigError(f"unknown account class {account_class!r}; use one of {', '.join(ACCOUNT_CLASSES)}")
        passwordless = next((name for kind, name in _PASSWORDLESS.items() if kind in source), None)
        if passwordless:
            if password is not None:
                raise ConfigError(f"{storage_type} accounts are opened by {passwordless}, not by a password: "
                                  "pass no password")
        elif not isinstance(password, str):
            raise InvalidInputError("a password is required to encrypt the key")
        else:
            await check_password(policy, password, username)
        if username is not None and (not isinstance(username, str) or len(username) > 128):
            raise InvalidInputError("username must be a string of at most 128 characters")
        method = "random"
        if private_key is not None:
            key, method = validate_private_key(private_key), "imported"
        elif mnemonic is not None or seed is not None:
            pair = await self.derive_keys(seed=seed, mnemonic=mnemonic, path=path, scheme=scheme, passphrase=passphrase)
            key, method = int(pair.private_key, 16), "derivation"
        else:
            key = random_private_key()
        public_key = get_stark_key(key)
        address = _account_address(address, public_key, account_class, salt)
        storage_key = self._storage_key(network, address, namespace)
        meta = {"public_key": hex_felt(public_key), "account_class": account_class, "username": username,
                "signer": "software", "session_timeout": timeout}
        if path is not None:
            meta["path"], meta["scheme"] = path, scheme
        store = self._store_for(storage_type)
        key_source, password_key = await self._new_key(source, password, network, address, storage_key)
        sealed = await record.seal(
            {"private_key": hex_felt(key)}, password_key, key_source=key_source, network=network, address=address,
            storage_key=storage_key, account=meta, compression=compression,
        )
        async with platform.lock(f"vault:{storage_key}"):
            if await store.get(storage_key) is not None:
                raise AccountExistsError(f"an account {address} already exists on {network!r}")
            await store.set(storage_key, json.dumps(sealed))
        self._hold(storage_key, network, address,
                   _Unlocked(key, platform.now() + timeout, {"private_key": hex_felt(key)}, password_key))
        await self._remember_device(network, address, storage_key)
        await self.audit(network).append(
            "account_creation", address=address,
            details={"username": username, "account_class": account_class, "storage_type": storage_type,
                     "kdf": _protection(sealed), "method": method},
        )
        return self._account(sealed, storage_type, namespace)

    async def _create_hardware(self, username, password, network, storage, public_key, device, path, account_class,
                               namespace, salt, address):
        network = self._network(network)
        if device != "ledger":
            raise ConfigError("hardware accounts use device='ledger'")
        if password is not None or storage not in (None, {}, {"type": "encrypted_local"}):
            raise ConfigError("a hardware account has no password and no storage options: its key stays on the device")
        if account_class not in ACCOUNT_CLASSES:
            raise ConfigError(f"unknown account class {account_class!r}; use one of {', '.join(ACCOUNT_CLASSES)}")
        path = path if path is not None else derivation.eip2645_path(0)
        from .ledger.apdu import encode_path

        encode_path(path)  # only the 6-level EIP-2645 paths the Starknet app accepts
        public_key = to_felt(public_key, "public_key") if public_key is not None else \
            await self._ledger_client().get_public_key(path)
        address = _account_address(address, public_key, account_class, salt)
        storage_key = self._storage_key(network, address, namespace)
        meta = {"public_key": hex_felt(public_key), "account_class": account_class, "username": username,
                "signer": "hardware", "path": path, "session_timeout": DEFAULT_SESSION_TIMEOUT}
        created = record.hardware_record(network=network, address=address, storage_key=storage_key, account=meta,
                                         device="ledger", path=path)
        async with platform.lock(f"vault:{storage_key}"):
            if await platform.store().get(storage_key) is not None:
                raise AccountExistsError(f"an account {address} already exists on {network!r}")
            await platform.store().set(storage_key, json.dumps(created))
        await self.audit(network).append("account_creation", address=address,
                                         details={"username": username, "account_class": account_class,
                                                  "storage_type": "hardware", "method": "ledger", "path": path})
        return self._account(created, "encrypted_local", namespace)

    async def unlock(self, address, password=None, network=None, namespace=None):
        """Open the vault with the password; the key stays in memory until lock or session timeout."""
        found, storage_type, store, key, secrets, password_key = await self._open(address, password, network,
                                                                                  namespace)
        network, address = found["network"], found["address"]
        if "kdf" in found and kdf.weaker_than_defaults(found["kdf"]):
            async with platform.lock(f"vault:{key}"):
                found, password_key = await self._reseal(found, secrets, password, store, key,
                                                         kdf.DEFAULTS[found["kdf"]["algorithm"]])
        private_key = validate_private_key(secrets["private_key"]) if "hardware" not in found else None
        timeout = found["account"].get("session_timeout", DEFAULT_SESSION_TIMEOUT)
        await self._settle_auto_locks()  # sessions ended by an earlier auto-lock stay ended
        self._hold(key, network, address, _Unlocked(private_key, platform.now() + timeout, secrets, password_key))
        await self.audit(network).append("authentication", address=address, outcome="success")
        try:
            if "pending_private_key" in secrets:  # an interrupted rotation: the chain says which key owns it
                await self.resume_rotation(address, network)
            elif found["account"].get("rotation"):
                await self._rotate_if_due(address, network)
        except FocError:
            pass  # node unreachable or refusing: the current key stays; the next unlock tries again
        if not await self._remember_device(network, address, key):
            await self._security_event("new_device_access", network, address, device_id=await self._device_id())
        return self._account(found, storage_type, namespace)

    async def _device_id(self):
        """A random id for this browser profile or CPython install, made on first use and kept in the store."""
        key = make_key("meta", "device")
        device = await platform.store().get(key)
        if device is None:
            device = platform.random_bytes(16).hex()
            await platform.store().set(key, device)
        return device

    async def _remember_device(self, network, address, vault_key):
        """Add this device to the account's known devices; False if it was not known before.

        The state also holds the lockout counters, so it is rewritten under the vault's lock."""
        device = await self._device_id()
        async with platform.lock(f"vault:{vault_key}"):
            state = await self._read_state(network, address)
            known = state.get("devices", [])
            if device in known:
                return True
            await self._write_state(network, address, {**state, "devices": known + [device]})
        return False

    async def _reseal(self, found, secrets, password, store, key, kdf_params):
        """Re-encrypt a record with new KDF parameters (fresh salt and IV) and replace it atomically.

        Returns the new record and its password-derived key."""
        params = kdf.with_fresh_salt(kdf_params)
        password_key = await kdf.derive_key(params, password)
        sealed = await record.seal(
            secrets, password_key, key_source={"kdf": params}, network=found["network"],
            address=found["address"], storage_key=key, account=found["account"],
            compression=found["compression"], created_at=found.get("created_at"),
        )
        await store.set(key, json.dumps(sealed))
        return sealed, password_key

    async def lock(self, address, network=None, namespace=None):
        """Forget the unlocked key of an account (no error if it was not unlocked)."""
        network = self._network(network)
        address = normalize_address(address)
        key = self._storage_key(network, address, namespace)
        if self._unlocked.pop(key, None) is not None:
            await self.audit(network).append("lock", address=address)
        if await platform.store().get(make_key("sessions", network, address)) is not None:
            await self._revoke(network, address)

    def is_unlocked(self, address, network=None, namespace=None):
        return self._unlocked_entry(address, network, namespace) is not None

    def _unlocked_entry(self, address, network=None, namespace=None):
        network, address = self._network(network), normalize_address(address)
        key = self._storage_key(network, address, namespace)
        entry = self._unlocked.get(key)
        if entry is not None and platform.now() >= entry.expires_at:
            self._auto_lock(key, network, address, entry)  # the timer may not have run yet
            entry = None
        return entry

    def _hold(self, key, network, address, entry):
        """Keep an unlocked key in memory until its session_timeout, when a timer locks it again."""
        self._unlocked[key] = entry
        self._schedule_auto_lock(key, network, address, entry)

    def _schedule_auto_lock(self, key, network, address, entry):
        platform.call_later(max(entry.expires_at - platform.now(), 0),
                            lambda: self._auto_lock(key, network, address, entry))

    def _auto_lock(self, key, network, address, entry):
        """session_timeout: forget the key, as ``lock`` does, and revoke the account's sessions."""
        if self._unlocked.get(key) is not entry:
            return  # locked, or unlocked again, since
        if platform.now() < entry.expires_at:  # a timer capped below a long timeout: wait again
            self._schedule_auto_lock(key, network, address, entry)
            return
        del self._unlocked[key]
        task = asyncio.ensure_future(self._revoke(network, address))
        self._auto_locks.add(task)
        task.add_done_callback(self._auto_locks.discard)

    async def _settle_auto_locks(self):
        """Wait for the session revocations of auto-locks that have happened."""
        if self._auto_locks:
            await asyncio.gather(*list(self._auto_locks), return_exceptions=True)

    def _private_key(self, address, network=None, namespace=None):
        entry = self._unlocked_entry(address, network, namespace)
        if entry is None:
            raise NotUnlockedError(f"account {normalize_address(address)} is locked: unlock it first")
        if entry.private_key is None:
            raise ConfigError("this is a hardware account: its key stays on the device, which signs")
        return entry.private_key

    # ------------------------------------------------------------------ reading and managing

    async def list(self, network=None, namespace=None):
        """The accounts stored on a network (public data only; nothing is decrypted)."""
        network = self._network(network)
        prefix = self._storage_key(network, "0x0", namespace).rsplit("_", 1)[0] + "_"
        found = []
        for storage_type in ("encrypted_local", "memory"):
            store = self._store_for(storage_type)
            for key in await store.keys(prefix):
                if key.count("_") != prefix.count("_"):
                    continue
                try:
                    parsed = record.parse(await store.get(key))
                except VaultFormatError:
                    continue
                found.append(self._account(parsed, storage_type, namespace))
        return found

    async def get(self, address, network=None, namespace=None):
        found, storage_type, _, _ = await self._find(address, network, namespace)
        return self._account(found, storage_type, namespace)

    async def _open(self, address, password, network=None, namespace=None):
        """Decrypt a vault with its password: the one place that checks and counts failures.

        Returns (record, storage type, store, storage key, secrets, password-derived key). A failure
        is counted in the persisted lockout state, audited, and after ``max_attempts`` starts a
        lockout and a ``multiple_failed_auth`` security event.
        """
        found, storage_type, store, key = await self._find(address, network, namespace)
        network, address = found["network"], found["address"]
        if "hardware" in found:
            return (found, storage_type, store, key) + await self._open_hardware(found, password)
        if "kms" in found or "enclave" in found:
            return (found, storage_type, store, key) + await self._open_without_password(found, password, key)
        if not isinstance(password, str):
            raise InvalidInputError("the account password is required")
        self._lockout.check(await self._read_state(network, address), platform.now())  # no KDF while locked out
        # The KDF starts before the vault lock is granted (overlapping the wait); its result is only
        # tried under the lock, after the lockout check there, so attempts are still counted one by one.
        derivation = asyncio.ensure_future(kdf.derive_key(found["kdf"], password))
        try:
            return await self._try_password(found, storage_type, store, key, derivation)
        finally:
            _discard(derivation)

    async def _try_password(self, found, storage_type, store, key, derivation):
        """``_open``'s part under the vault lock: the lockout check, then the derived key is tried."""
        network, address = found["network"], found["address"]
        async with platform.lock(f"vault:{key}"):
            state = await self._read_state(network, address)
            self._lockout.check(state, platform.now())
            password_key = await derivation
            try:
                secrets = await record.unseal(found, password_key, network=network, address=address,
                                              storage_key=key)
            except AuthenticationError:
                await self._count_failed_try(network, address, state, "authentication")
                raise
            if state.get("failures") or state.get("lockouts"):
                await self._write_state(network, address, {**state, **self._lockout.after_success()})
        return found, storage_type, store, key, secrets, password_key

    async def _count_failed_try(self, network, address, state, event):
        """A wrong password or second-factor code (under the vault lock): audited, and after
        ``max_attempts`` within the lockout window, a lockout and a ``multiple_failed_auth`` event."""
        state, locked = self._lockout.after_failure(state, platform.now())
        await self._write_state(network, address, state)
        await self.audit(network).append(event, address=address, outcome="failure",
                                         details={"count": state["failures"] or self._lockout.max_attempts})
        if locked:
            await self.audit(network).append("lockout", address=address, details={"retry_after": state["locked_until"]})
            await self._security_event("multiple_failed_auth", network, address, count=self._lockout.max_attempts)

    async def _open_hardware(self, found, password):
        """A hardware account opens when the connected device holds its key at its path."""
        from .errors import LedgerError

        if password is not None:
            raise ConfigError("a hardware account has no password: its key stays on the device")
        device_key = await self._ledger_client().get_public_key(found["hardware"]["path"])
        if device_key != int(found["account"]["public_key"], 16):
            raise LedgerError("the connected Ledger holds another key at this path (another device or seed)")
        return {}, None

    async def _open_without_password(self, found, password, key):
        """(secrets, data key) of a KMS record (KMS Decrypt under the record's context) or an enclave
        record (the data key unwrapped by the non-extractable key / OS keychain)."""
        kind = "kms" if "kms" in found else "enclave"
        if password is not None:
            raise ConfigError(f"this account is protected by {_PASSWORDLESS[kind]}, not by a password: pass no password")
        if kind == "kms":
            from .kms.envelope import encryption_context

            kms_meta = found["kms"]
            data_key = await self._kms(kms_meta["key_id"], kms_meta["region"]).decrypt(
                base64.b64decode(kms_meta["encrypted_data_key"]),
                encryption_context(found["network"], found["address"], key), kms_meta["key_id"])
        else:
            from .platform import enclave

            data_key = await enclave.unwrap_data_key(found["enclave"]["key_id"], found["enclave"]["wrapped"])
        secrets = await record.unseal(found, data_key, network=found["network"], address=found["address"],
                                      storage_key=key)
        return secrets, data_key

    async def delete(self, address, password=None, network=None, namespace=None):
        """Delete an account's vault; needs its password (KMS and enclave accounts: opening it instead;
        hardware accounts hold no secret, so their record goes without asking the device)."""
        found, _, store, key = await self._find(address, network, namespace)
        if "hardware" not in found:
            found, _, store, key, _, _ = await self._open(address, password, network, namespace)
        async with platform.lock(f"vault:{key}"):
            await store.delete(key)
            await platform.store().delete(self._state_key(found["network"], found["address"]))
        if "enclave" in found:
            from .platform import enclave

            await enclave.delete_key(found["enclave"]["key_id"])
        self._unlocked.pop(key, None)
        await self.audit(found["network"]).append("account_deletion", address=found["address"])

    async def export(self, address, password=None, include_private_key=False, network=None, namespace=None):
        """Public data of an account; with ``include_private_key`` (and the password) the key too."""
        if include_private_key:
            _software_only((await self._find(address, network, namespace))[0])
            found, storage_type, _, _, secrets, _ = await self._open(address, password, network, namespace)
        else:
            found, storage_type, _, _ = await self._find(address, network, namespace)
        data = self._account(found, storage_type, namespace).to_dict()
        data["protection"] = _protection(found)
        if include_private_key:
            data["private_key"] = secrets["private_key"]
            await self.audit(found["network"]).append("key_access", address=found["address"],
                                                      details={"method": "export"})
        else:
            await self.audit(found["network"]).append("export", address=found["address"])
        return data

    async def change_password(self, address, old_password, new_password, network=None, namespace=None, auth=None):
        """Re-encrypt the vault under a new password (fresh salt and IV)."""
        policy, _ = self._parse_auth(auth)
        found, _, store, key, secrets, password_key = await self._open(address, old_password, network, namespace)
        if "kdf" not in found:
            raise ConfigError("this account has no password: it is protected by KMS or the secure enclave")
        await check_password(policy, new_password, found["account"].get("username"))
        async with platform.lock(f"vault:{key}"):
            # Re-seal the vault as it is now: another tab or process may have written it since it was opened.
            current = await self._stored_record(found, store, key)
            if current != found:
                secrets = await record.unseal(current, password_key, network=found["network"],
                                              address=found["address"], storage_key=key)
            params = {k: v for k, v in current["kdf"].items() if k != "salt"}
            await self._reseal(current, secrets, new_password, store, key, params)
        self._unlocked.pop(key, None)
        await self._revoke(found["network"], found["address"])
        await self.audit(found["network"]).append("password_change", address=found["address"])

    async def switch_network(self, address, network, password, source_network=None, namespace=None):
        """Create a record of the same account on another network (the documented export pattern).

        The record on the source network stays; the two are independent from then on.
        """
        target = self._network(network)
        found, storage_type, _, _, secrets, _ = await self._open(address, password, source_network, namespace)
        if target == found["network"]:
            raise InvalidInputError(f"account {found['address']} is already on {target!r}")
        meta = found["account"]
        key = self._storage_key(target, found["address"], namespace)
        store = self._store_for(storage_type)
        key_source, record_key = await self._new_key(record.key_source_of(found), password, target, found["address"],
                                                     key)
        sealed = await record.seal(
            secrets, record_key, key_source=key_source, network=target,
            address=found["address"], storage_key=key, account=meta, compression=found["compression"],
        )
        async with platform.lock(f"vault:{key}"):
            if await store.get(key) is not None:
                raise AccountExistsError(f"account {found['address']} already exists on {target!r}")
            await store.set(key, json.dumps(sealed))
        await self.audit(found["network"]).append("network_switch", address=found["address"],
                                                  details={"new_network": target})
        return self._account(sealed, storage_type, namespace)

    # ------------------------------------------------------------------ keystores

    async def export_keystore(self, address, password, keystore_password=None, network=None, namespace=None, **options):
        """A Web3 Secret Storage v3 keystore (starkli's signer format) of the account's key.

        ``keystore_password`` defaults to the account password.
        """
        _software_only((await self._find(address, network, namespace))[0])
        found, _, _, _, secrets, _ = await self._open(address, password, network, namespace)
        result = await keystore.encrypt_keystore(
            int(secrets["private_key"], 16), keystore_password if keystore_password is not None else password, **options
        )
        await self.audit(found["network"]).append("keystore_export", address=found["address"])
        return result

    async def import_keystore(self, keystore_json, keystore_password, password=None, **create_options):
        """Create an account from a v3 keystore; ``password`` (default: the keystore's) encrypts the vault."""
        private_key = await keystore.decrypt_keystore(keystore_json, keystore_password)
        account = await self.create(password=password if password is not None else keystore_password,
                                    private_key=private_key, **create_options)
        await self.audit(account.network).append("keystore_import", address=account.address)
        return account

    # ------------------------------------------------------------------ audit

    async def get_audit_log(self, address=None, start_date=None, end_date=None, events=None, network=None):
        address = normalize_address(address) if address is not None else None
        return await self.audit(network).records(address=address, start_date=start_date, end_date=end_date,
                                                 events=events)

    async def verify_audit_log(self, network=None):
        return await self.audit(network).verify()


async def check_password(policy, password, username=None):
    """The password policy, with zxcvbn made importable first (the browser loads it on first use)."""
    await platform.require("zxcvbn")
    policy.check(password, user_inputs=(username,) if username else ())


def random_private_key():
    """Uniform in [1, n): 32 CSPRNG bytes, masked to 252 bits and rejection-sampled (no modular bias)."""
    while True:
        candidate = int.from_bytes(platform.random_bytes(32), "big") & ((1 << 252) - 1)
        if 1 <= candidate < EC_ORDER:
            return candidate


def _software_only(found):
    if "hardware" in found:
        raise ConfigError("this is a hardware account: its private key never leaves the device")


def _discard(task):
    """Cancel a task whose result is no longer wanted, or read its exception so asyncio does not report it."""
    if not task.done():
        task.cancel()
    elif not task.cancelled():
        task.exception()


def _account_address(address, public_key, account_class, salt):
    """The given address of an existing account, or the counterfactual one of the class."""
    if address is not None:
        return normalize_address(address)
    return hex_address(compute_account_address(public_key, account_class, salt))


def _protection(found):
    """What protects a record's key: its KDF's name, "aws-kms" or "secure-enclave"."""
    if "kdf" in found:
        return found["kdf"]["algorithm"]
    if "hardware" in found:
        return "ledger"
    return found["kms"]["provider"] if "kms" in found else "secure-enclave"


def _standard_path(scheme, index):
    return derivation.eip2645_path(index) if scheme == "eip2645" else derivation.starknet_bip44_path(index)


def _seed_bytes(seed):
    if isinstance(seed, (bytes, bytearray)):
        raw = bytes(seed)
    elif isinstance(seed, str):
        text = seed[2:] if seed.lower().startswith("0x") else seed
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise InvalidInputError("seed must be hex (a BIP39 seed of 16 to 64 bytes)") from None
    else:
        raise InvalidInputError("seed must be hex or bytes")
    if not 16 <= len(raw) <= 64:
        raise InvalidInputError(f"a seed has 16 to 64 bytes, got {len(raw)}")
    return raw
