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
