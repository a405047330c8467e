"""One exception hierarchy for foc_web.

Every error carries a stable ``code`` string; the JS facade passes it on as
``Error.code``. Messages never contain secrets (keys, passwords, plaintexts).
"""


class FocError(Exception):
    """Base of every error foc_web raises on purpose."""

    code = "FOC_ERROR"


class InvalidTag(FocError):
    """Authenticated decryption failed: wrong key, or the data were changed."""

    code = "INVALID_TAG"

    def __init__(self, message="authentication failed: wrong key or tampered data"):
        super().__init__(message)


class UnsupportedPlatformFeature(FocError):
    """The running platform cannot do what was asked (for example no Web Crypto)."""

    code = "UNSUPPORTED_PLATFORM"


class TransportError(FocError):
    """A network request failed before a usable answer came back."""

    code = "TRANSPORT_ERROR"


class InvalidKeyError(FocError, ValueError):
    """A private key, public key or point is out of range or not on the curve."""

    code = "INVALID_KEY"


class InvalidSignatureError(FocError, ValueError):
    """A signature component is out of range."""

    code = "INVALID_SIGNATURE"


class InvalidPathError(FocError, ValueError):
    """A derivation path is malformed or not allowed for the chosen scheme."""

    code = "INVALID_PATH"


class InvalidMnemonicError(FocError, ValueError):
    """A BIP39 mnemonic has an unknown word, a wrong length or a bad checksum."""

    code = "INVALID_MNEMONIC"


class InvalidInputError(FocError, ValueError):
    """A value (felt, hash, calldata, parameter) is malformed or out of range."""

    code = "INVALID_INPUT"


class ConfigError(FocError, ValueError):
    """An option is unknown, of the wrong type, or outside sane bounds; the message says which and why."""

    code = "INVALID_CONFIG"


class WeakPasswordError(FocError, ValueError):
    """A password fails the policy; ``reasons`` lists every rule it breaks."""

    code = "WEAK_PASSWORD"

    def __init__(self, reasons):
        self.reasons = list(reasons)
        super().__init__("password rejected: " + "; ".join(self.reasons))


class AuthenticationError(FocError):
    """Wrong password (or wrong second factor). Says nothing about which part was wrong."""

    code = "AUTHENTICATION_FAILED"


class AccountLockedError(FocError):
    """Too many failed attempts: the account refuses unlocks until ``retry_after`` (epoch seconds)."""

    code = "ACCOUNT_LOCKED"

    def __init__(self, message, retry_after):
        self.retry_after = retry_after
        super().__init__(message)


class AccountNotFoundError(FocError, LookupError):
    code = "ACCOUNT_NOT_FOUND"


class AccountExistsError(FocError):
    code = "ACCOUNT_EXISTS"


class NotUnlockedError(FocError):
    """The operation needs the account unlocked first."""

    code = "ACCOUNT_NOT_UNLOCKED"


class NetworkMismatchError(FocError):
    """An account bound to one network was used on another; the message names both."""

    code = "NETWORK_MISMATCH"


class VaultFormatError(FocError, ValueError):
    """A stored record is not valid JSON, truncated, of an unknown version, or fails authentication."""

    code = "VAULT_FORMAT"


class KeystoreError(FocError, ValueError):
    """A Web3 Secret Storage (v3) keystore is malformed, unsupported, or its MAC does not match."""

    code = "KEYSTORE_ERROR"
