"""APDUs of the Ledger Starknet app 2.3.x: request builders, response parsers, status words.

An APDU is ``CLA INS P1 P2 Lc || data`` (Lc one byte, so at most 255 data bytes); a response is
``data || SW1 SW2``. Layouts follow LedgerHQ/app-starknet (docs/apdu.md; starknet/src/main.rs,
transaction.rs, crypto.rs at commit 19e0678), starknet.js ``LedgerSigner231`` and starknet-py
``LedgerSigner`` (tests/cpython/test_ledger_replay.py compares with it); the builders
reproduce byte for byte what was sent to the real app 2.3.4 (tests/vectors/ledger_transcript.json).
Felts travel as 32-byte big-endian words, at most 7 per APDU.
"""

from ..errors import (
    InvalidInputError,
    InvalidPathError,
    LedgerError,
    LedgerLockedError,
    LedgerPathError,
    LedgerTransportError,
    LedgerUserRejectedError,
    LedgerWrongAppError,
)
from ..stark.bip32 import HARDENED, check_indices, parse_path
from ..stark.curve import is_on_curve
from ..stark.derivation import validate_path_for_scheme
from ..stark.felt import encode_shortstring, to_felt, to_felts
from ..stark.transaction import DA_MODE_L1, DA_MODE_L2, ResourceBoundsMapping, execute_calldata

CLA = 0x5A  # the Starknet app's class byte (main.rs ``set_expected_cla(0x5A)``)
INS_GET_VERSION = 0x00
INS_GET_PUBLIC_KEY = 0x01
INS_SIGN_HASH = 0x02
INS_SIGN_INVOKE_V3 = 0x03
INS_SIGN_DEPLOY_ACCOUNT_V3 = 0x05
CALL_NEW = 0x00  # INVOKE step 6, P2: this APDU starts a call (to, selector, calldata length, ...)
CALL_CONTINUE = 0x01  # INVOKE step 6, P2: more calldata of the current call (transaction.rs SetCallStep)
FELTS_PER_APDU = 7  # INVOKE calls: 224 data bytes (docs/apdu.md "Add calldata"; starknet.js, starknet-py)
CONSTRUCTOR_FELTS_PER_APDU = 6  # DEPLOY_ACCOUNT constructor calldata: docs/apdu.md "Command #5"; starknet-py
#: The app shifts a hash below 2^252 left by 4 bits before signing (crypto.rs ``poseidon_shift``),
#: which its ECDSA truncation undoes; a larger hash would be signed truncated.
HASH_LIMIT = 2**252
SW_OK = 0x9000
_WORD = 32
_MAX_DATA = 255
_RESOURCE_NAMES = (encode_shortstring("L1_GAS"), encode_shortstring("L2_GAS"), encode_shortstring("L1_DATA"))

_PATH_HELP = ("the Ledger Starknet app only derives keys at EIP-2645 paths: 6 levels starting with 2645', "
              "m/2645'/layer'/application'/eth_1'/eth_2'/index. Use foc_web.stark.derivation.eip2645_path(index) "
              "for the app's standard account path m/2645'/1195502025'/1148870696'/0'/0'/index")
_BLIND = ("; signing a hash, or a transaction the app cannot display, also needs 'Blind signing' "
          "enabled in the Starknet app's settings on the device")
_OPEN_APP = "open the Starknet app on the Ledger"
_LOCKED = "the Ledger is locked: unlock it with its PIN and open the Starknet app"
#: status word -> (error class, message). 6985, 6E00-6E03, FF00, FF01 are what the app 2.3.4 answered
#: (shared/ledger/starknet-app-2.3.4-errors.txt); the rest come from the app's and the OS's sources.
_STATUS = {
    0x6985: (LedgerUserRejectedError, "the request was declined on the Ledger" + _BLIND),
    # docs/apdu.md names 6E04 "User Cancelled"; the app answers 6985 (io::StatusWords::UserCancelled).
    0x6E04: (LedgerUserRejectedError, "the request was declined on the Ledger" + _BLIND),
    0xFF00: (LedgerPathError, "the app refused the path: its first level is not 2645'; " + _PATH_HELP),
    0xFF01: (LedgerPathError, "the app refused the path: it does not have 6 levels; " + _PATH_HELP),
    0x6E00: (LedgerWrongAppError, "the open app is not the Starknet app (class 5A unknown): " + _OPEN_APP),
    0x6E01: (LedgerWrongAppError, "the open app does not know this command: " + _OPEN_APP + " (2.3 or newer)"),
    0x6D00: (LedgerWrongAppError, "the open app does not know this command: " + _OPEN_APP),
    0x6511: (LedgerWrongAppError, "no app is open on the Ledger: " + _OPEN_APP),
    0x5515: (LedgerLockedError, _LOCKED),
    # Older firmware answers 6982 ("security status not satisfied") while locked. The app uses 6982
    # for an empty APDU too, which these builders never send.
    0x6982: (LedgerLockedError, _LOCKED),
    0x6E02: (LedgerError, "the app refused P1/P2 of the request (an app version this client does not know?)"),
    0x6E03: (LedgerError, "the app refused the length of the request"),
    0xFF02: (LedgerError, "the app failed to sign"),
}


def check_status(sw: int) -> None:
    """Raise the typed LedgerError for any status word but 9000."""
    if sw == SW_OK:
        return
    error_class, message = _STATUS.get(sw, (LedgerError, "the Ledger answered an unknown status word"))
    raise error_class(f"{message} (status word {sw:04X})", status_word=sw)


def split_response(response: bytes) -> bytes:
    """``data || SW`` -> data, after ``check_status``."""
    if len(response) < 2:
        raise LedgerTransportError(f"a Ledger response ends with a 2-byte status word, got {len(response)} bytes")
    check_status(int.from_bytes(response[-2:], "big"))
    return bytes(response[:-2])


def _apdu(ins, p1=0, p2=0, data=b""):
    if len(data) > _MAX_DATA:
        raise InvalidInputError(f"an APDU carries at most {_MAX_DATA} data bytes, got {len(data)}")
    return bytes([CLA, ins, p1, p2, len(data)]) + data


def _words(felts) -> bytes:
    return b"".join(felt.to_bytes(_WORD, "big") for felt in felts)


def _chunks(felts, size=FELTS_PER_APDU):
    return [felts[i:i + size] for i in range(0, len(felts), size)]


def _starts_with_44(path) -> bool:
    try:
        indices = parse_path(path) if isinstance(path, str) else check_indices(path)
    except InvalidPathError:
        return False
    return indices[:1] == [HARDENED + 44]


def encode_path(path) -> bytes:
    """An EIP-2645 path (string or 6 indices) as the app wants it: 6 big-endian u32."""
    try:
        indices = validate_path_for_scheme(path, "eip2645")
    except InvalidPathError as error:
        why = ("m/44'/... is a software wallet's (BIP44) path, which the Ledger Starknet app does not use"
               if _starts_with_44(path) else str(error))
        raise LedgerPathError(f"{why}; {_PATH_HELP}") from None
    return b"".join(index.to_bytes(4, "big") for index in indices)


def get_version() -> bytes:
    return _apdu(INS_GET_VERSION)


def get_public_key(path, confirm: bool = False) -> bytes:
    """P1=1 makes the device show the key and wait for the user's approval."""
    return _apdu(INS_GET_PUBLIC_KEY, 1 if confirm else 0, 0, encode_path(path))


def sign_hash(path, msg_hash: int) -> list:
    """[path APDU, hash APDU]; the hash goes as is and must be below 2^252 (see HASH_LIMIT).

    The transcript's signature verifies over the hash sent unshifted. (starknet-py's
    ``LedgerStarknetApp.sign_hash`` sends ``hash << 4``, which the app shifts again when the
    hash has fewer than 249 bits.)
    """
    if isinstance(msg_hash, bool) or not isinstance(msg_hash, int) or not 0 <= msg_hash < HASH_LIMIT:
        raise InvalidInputError("a hash signed on a Ledger must be an int in [0, 2^252)")
    return [_apdu(INS_SIGN_HASH, 0, 0, encode_path(path)),
            _apdu(INS_SIGN_HASH, 1, 0, msg_hash.to_bytes(_WORD, "big"))]


def _da_word(nonce_da, fee_da):
    for value, name in ((nonce_da, "nonce_da"), (fee_da, "fee_da")):
        if isinstance(value, bool) or value not in (DA_MODE_L1, DA_MODE_L2):
            raise InvalidInputError(f"{name} must be 0 (L1) or 1 (L2)")
    return (nonce_da << 32) | fee_da


def _fees(tip, resource_bounds) -> bytes:
    """tip and the three bounds packed as in the transaction hash (``name << 192 | amount << 128 | price``)."""
    if isinstance(tip, bool) or not isinstance(tip, int) or not 0 <= tip < 2**64:
        raise InvalidInputError("tip must be an int in [0, 2**64)")
    if not isinstance(resource_bounds, ResourceBoundsMapping):
        raise InvalidInputError("resource_bounds must be a ResourceBoundsMapping")
    bounds = (resource_bounds.l1_gas, resource_bounds.l2_gas, resource_bounds.l1_data_gas)
    return _words([tip] + [bound._packed(name) for bound, name in zip(bounds, _RESOURCE_NAMES)])


def _must_be_empty(values, name):
    # The app 2.3.x ignores these fields and hashes them as empty (transaction.rs "For future use"):
    # sending any would make the device sign another transaction than ours.
    if to_felts(values, name):
        raise InvalidInputError(f"the Ledger Starknet app only signs transactions with an empty {name}")
    return b""


def sign_invoke_v3(path, sender_address, chain_id, nonce, calls, resource_bounds, tip=0,
                   paymaster_data=(), account_deployment_data=(), nonce_da=0, fee_da=0) -> list:
    """The APDUs of an INVOKE v3 (INS 03): P1 = 0 path, 1 sender/chain/nonce/DA, 2 fees,
    3 paymaster data, 4 deployment data, 5 call count, 6 calls. The last answers hash||signature."""
    flat = execute_calldata(calls)  # [n, to, selector, len, *calldata, to, ...], validated
    if flat[0] == 0:
        raise InvalidInputError("an INVOKE needs at least one call (the app signs once the last call is complete)")
    head = _words([to_felt(sender_address, "sender_address"), to_felt(chain_id, "chain_id"),
                   to_felt(nonce, "nonce"), _da_word(nonce_da, fee_da)])
    apdus = [
        _apdu(INS_SIGN_INVOKE_V3, 0, 0, encode_path(path)),
        _apdu(INS_SIGN_INVOKE_V3, 1, 0, head),
        _apdu(INS_SIGN_INVOKE_V3, 2, 0, _fees(tip, resource_bounds)),
        _apdu(INS_SIGN_INVOKE_V3, 3, 0, _must_be_empty(paymaster_data, "paymaster_data")),
        _apdu(INS_SIGN_INVOKE_V3, 4, 0, _must_be_empty(account_deployment_data, "account_deployment_data")),
        _apdu(INS_SIGN_INVOKE_V3, 5, 0, _words(flat[:1])),
    ]
    position = 1
    for _ in range(flat[0]):
        end = position + 3 + flat[position + 2]
        for index, chunk in enumerate(_chunks(flat[position:end])):
            apdus.append(_apdu(INS_SIGN_INVOKE_V3, 6, CALL_CONTINUE if index else CALL_NEW, _words(chunk)))
        position = end
    return apdus


def sign_deploy_account_v3(path, contract_address, class_hash, contract_address_salt, constructor_calldata,
                           chain_id, nonce, resource_bounds, tip=0, paymaster_data=(), nonce_da=0,
                           fee_da=0) -> list:
    """The APDUs of a DEPLOY_ACCOUNT v3 (INS 05): P1 = 0 path, 1 address/chain/nonce/DA/class/salt,
    2 fees, 3 paymaster data, 4 constructor calldata length, 5 constructor calldata chunks."""
    calldata = to_felts(constructor_calldata, "constructor_calldata")
    head = _words([to_felt(contract_address, "contract_address"), to_felt(chain_id, "chain_id"),
                   to_felt(nonce, "nonce"), _da_word(nonce_da, fee_da),
                   to_felt(class_hash, "class_hash"), to_felt(contract_address_salt, "contract_address_salt")])
    apdus = [
        _apdu(INS_SIGN_DEPLOY_ACCOUNT_V3, 0, 0, encode_path(path)),
        _apdu(INS_SIGN_DEPLOY_ACCOUNT_V3, 1, 0, head),
        _apdu(INS_SIGN_DEPLOY_ACCOUNT_V3, 2, 0, _fees(tip, resource_bounds)),
        _apdu(INS_SIGN_DEPLOY_ACCOUNT_V3, 3, 0, _must_be_empty(paymaster_data, "paymaster_data")),
        _apdu(INS_SIGN_DEPLOY_ACCOUNT_V3, 4, 0, _words([len(calldata)])),
    ]
    # The app completes the transaction only on a P1=5 APDU (main.rs), so an empty constructor
    # calldata still sends one, empty.
    for chunk in _chunks(calldata, CONSTRUCTOR_FELTS_PER_APDU) or [[]]:
        apdus.append(_apdu(INS_SIGN_DEPLOY_ACCOUNT_V3, 5, 0, _words(chunk)))
    return apdus


def _expect(data, length, what):
    if len(data) != length:
        raise LedgerError(f"unexpected {what} from the Ledger: {len(data)} bytes instead of {length}")


def parse_version(data: bytes) -> tuple:
    """(major, minor, patch)."""
    _expect(data, 3, "version")
    return tuple(data)


def parse_public_key(data: bytes) -> int:
    """``04 || X || Y`` -> the Stark public key X, after checking (X, Y) is on the curve."""
    _expect(data, 65, "public key")
    point = (int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big"))
    if data[0] != 0x04 or not is_on_curve(point):
        raise LedgerError("the Ledger's public key is not an uncompressed STARK curve point")
    return point[0]


def parse_signature(data: bytes) -> tuple:
    """``41 || r || s || v`` -> (r, s, v)."""
    _expect(data, 66, "signature")
    if data[0] != 0x41:
        raise LedgerError(f"unexpected signature length byte {data[0]:#04x} from the Ledger")
    return int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:65], "big"), data[65]


def parse_tx_signature(data: bytes) -> tuple:
    """``tx_hash || 41 || r || s || v`` -> (tx_hash, r, s, v)."""
    _expect(data, 98, "transaction signature")
    return (int.from_bytes(data[:32], "big"),) + parse_signature(data[32:])
