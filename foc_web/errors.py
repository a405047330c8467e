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


class RpcError(FocError):
    """A Starknet node answered a JSON-RPC call with an error object.

    ``rpc_code``/``rpc_message``/``data`` are the node's, unchanged; ``name`` is the spec's name
    for well-known codes (e.g. "VALIDATION_FAILURE" for 55), else None; ``detail`` (a short text
    taken from ``data``, such as a revert reason) goes into the message.
    """

    code = "RPC_ERROR"

    def __init__(self, method, rpc_code, rpc_message, data=None, name=None, detail=None):
        self.method = method
        self.rpc_code = rpc_code
        self.rpc_message = rpc_message
        self.data = data
        self.name = name
        label = f"{rpc_code} {name}" if name else str(rpc_code)
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"{method} failed: node error {label}: {rpc_message}{suffix}")


class RpcResponseError(TransportError):
    """A node's answer is not a valid JSON-RPC 2.0 response, or its result has the wrong shape."""

    code = "RPC_BAD_RESPONSE"


class ChainIdMismatchError(FocError):
    """The node serves another chain than the one the transaction is signed for."""

    code = "CHAIN_ID_MISMATCH"

    def __init__(self, expected, actual):
        self.expected = expected
        self.actual = actual
        super().__init__(f"the node's chain id is {hex(actual)}, expected {hex(expected)}")


class TransactionRevertedError(FocError):
    """A transaction was included but its execution reverted; ``revert_reason`` says why."""

    code = "TX_REVERTED"

    def __init__(self, tx_hash, revert_reason, receipt=None):
        self.tx_hash = tx_hash
        self.revert_reason = revert_reason
        self.receipt = receipt
        super().__init__(f"transaction {hex(tx_hash)} reverted: {revert_reason}")


class TransactionTimeoutError(FocError):
    """A transaction was not accepted on L2 within the time allowed (it may still be later)."""

    code = "TX_TIMEOUT"

    def __init__(self, tx_hash, timeout):
        self.tx_hash = tx_hash
        super().__init__(f"transaction {hex(tx_hash)} not accepted within {timeout:g} s; it may still be")


class TwoFactorError(FocError):
    """A second-factor code is missing, wrong, expired or already used."""

    code = "TWO_FACTOR_FAILED"


class SessionError(FocError):
    """A session token is unknown, expired or revoked."""

    code = "INVALID_SESSION"


class PermissionDeniedError(FocError):
    """A session's permissions forbid this transaction; nothing was signed."""

    code = "PERMISSION_DENIED"


class BackupError(FocError, ValueError):
    """A backup file is not one, is truncated, of a newer version, or holds an invalid payload."""

    code = "BACKUP_ERROR"


class RecoveryError(FocError):
    """A social-recovery approval or request is invalid: not a guardian, bad signature, expired, duplicate."""

    code = "RECOVERY_ERROR"


class RotationPendingError(FocError):
    """The owner-key change was, or may have been, submitted and its outcome is not known yet.

    The current key stays in use. ``resume_rotation`` (run on every unlock) finishes the rotation
    once the chain's owner is the new key, or discards the new key once the change cannot land.
    ``tx_hash`` is the change's transaction hash (0x hex), or None when the submission's answer was lost.
    """

    code = "ROTATION_PENDING"

    def __init__(self, message, tx_hash=None):
        self.tx_hash = tx_hash
        super().__init__(message)


class LedgerError(FocError):
    """A Ledger device or its Starknet app refused a request; ``status_word`` is its answer (or None)."""

    code = "LEDGER_ERROR"

    def __init__(self, message, status_word=None):
        self.status_word = status_word
        super().__init__(message)


class LedgerUserRejectedError(LedgerError):
    """The user declined on the device (status word 6985), or blind signing is off in the app."""

    code = "LEDGER_REJECTED"


class LedgerPathError(LedgerError, InvalidPathError):
    """The Starknet app only takes 6-level EIP-2645 paths starting with 2645' (FF00 / FF01)."""

    code = "LEDGER_PATH"


class LedgerWrongAppError(LedgerError):
    """The Starknet app is not the one open on the device (6E00, 6E01, 6D00, 6511)."""

    code = "LEDGER_WRONG_APP"


class LedgerLockedError(LedgerError):
    """The device is locked: unlock it with its PIN and open the Starknet app (5515, 6982)."""

    code = "LEDGER_LOCKED"


class LedgerTransportError(LedgerError, TransportError):
    """No device, no permission, a disconnect or garbled USB/HID/TCP data."""

    code = "LEDGER_TRANSPORT"


class KmsError(FocError):
    """An external KMS refused or failed a request; ``aws_code`` is AWS's error name (or None).

    Messages never contain credentials, data keys or plaintexts.
    """

    code = "KMS_ERROR"

    def __init__(self, message, aws_code=None):
        self.aws_code = aws_code
        super().__init__(message)


class KmsAccessDeniedError(KmsError):
    """The credentials are valid but may not use this key (IAM or key policy deny, revoked grant)."""

    code = "KMS_ACCESS_DENIED"


class KmsAuthError(KmsError):
    """KMS did not accept the credentials: unknown access key, wrong secret (bad signature), expired token."""

    code = "KMS_AUTH_FAILED"


class KmsInvalidCiphertextError(KmsError):
    """KMS cannot decrypt the data key: wrong encryption context, wrong key, or a tampered blob."""

    code = "KMS_INVALID_CIPHERTEXT"


class KmsUnavailableError(KmsError, TransportError):
    """KMS could not be reached or did not answer in time, or answered with a server error (5xx)."""

    code = "KMS_UNAVAILABLE"


class EnclaveError(FocError):
    """The platform key store (IndexedDB key + WebAuthn, or the OS keychain) failed to wrap or unwrap."""

    code = "ENCLAVE_ERROR"


class EnclaveUnavailableError(EnclaveError):
    """No usable key store here: no IndexedDB, WebAuthn or secure context, no PRF, no OS keychain."""

    code = "ENCLAVE_UNAVAILABLE"


class EnclaveKeyMissingError(EnclaveError):
    """The wrapping key or the bound credential is gone (copied profile, re-registered authenticator)."""

    code = "ENCLAVE_KEY_MISSING"
