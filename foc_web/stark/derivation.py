"""Stark private keys from a BIP39 mnemonic, the way Starknet wallets derive them.

Every scheme takes a secp256k1 BIP32 private key and "grinds" it into [0, n) of the Stark curve:

* ``"bip44"`` (Braavos, MetaMask starknet-snap): seed -> m/44'/9004'/account'/0/index -> grind.
* ``"argentx"`` (Argent X): the Ethereum key at m/44'/60'/0'/0/0 of the seed is itself used as a
  BIP32 seed (leading zero bytes dropped), then m/44'/9004'/0'/0/index -> grind. Source: argent-x
  packages/extension/src/shared/signer/ArgentSigner.ts (``HDKey.fromMasterSeed`` of the hex secret
  after ``num.toHex``/``sanitizeBytes(hex, 2)``) and WalletCryptoSharedService.ts
  (``HDNodeWallet.fromPhrase``, ethers' default path m/44'/60'/0'/0/0), commit e3545daa.
* ``"eip2645"`` (Ledger Starknet app): seed -> m/2645'/layer'/application'/eth1'/eth2'/index ->
  grind. Source: LedgerHQ ledger-device-rust-sdk ledger_device_sdk/src/ecc/stark.rs
  ``eip2645_derive``, which the app-starknet ``Stark256::derive_from_path`` calls.
"""

import hashlib

from ..errors import InvalidInputError, InvalidPathError
from .bip32 import HARDENED, HDKey, check_indices, parse_path
from .bip39 import mnemonic_to_seed, validate_mnemonic
from .curve import EC_ORDER

SCHEMES = ("bip44", "argentx", "eip2645")
STARKNET_COIN_TYPE = 9004  # SLIP-44 registered coin type of Starknet
ETHEREUM_PATH = "m/44'/60'/0'/0/0"  # ethers' default account path, used by Argent X
EIP2645_PURPOSE = 2645  # EIP-2645 "Hierarchical Deterministic Wallet for Layer-2"
_MASK_31 = 2**31 - 1
# Largest multiple of n below 2^256. The Ledger SDK uses secp256k1_n - (secp256k1_n % n), which is
# the same number (STARK_DERIVE_BIAS = 0xf80000000000020efff...58b1 in both).
_GRIND_LIMIT = 2**256 - 2**256 % EC_ORDER
_MAX_GRIND_ROUNDS = 100000  # as @scure/starknet: a DoS guard, never reached in practice


def grind_key(key_seed: bytes) -> int:
    """sha256(key_seed || i) for i = 0, 1, ... until below the largest multiple of n, then mod n.

    As @scure/starknet ``grindKey`` and the Ledger app: the seed bytes are kept as given (a 32-byte
    key keeps its leading zeros) and ``i`` is big-endian in the fewest bytes, at least one (0 -> 00).
    cairo-lang's ``grind_key(int)`` drops leading zero bytes of the seed and so differs for ~1/256
    of keys; this follows the wallets.
    """
    if not isinstance(key_seed, (bytes, bytearray)):
        raise InvalidInputError("grind_key takes the key seed as bytes")
    key_seed = bytes(key_seed)
    for i in range(_MAX_GRIND_ROUNDS + 1):
        index = i.to_bytes(max(1, (i.bit_length() + 7) // 8), "big")
        key = int.from_bytes(hashlib.sha256(key_seed + index).digest(), "big")
        if key < _GRIND_LIMIT:
            return key % EC_ORDER
    raise InvalidInputError("grind_key found no key in 100000 rounds")  # probability ~32^-100000


def _check_index(index) -> int:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < HARDENED:
        raise InvalidPathError(f"an account index must be an integer in [0, 2^31), got {index!r}")
    return index


def starknet_bip44_path(index: int) -> str:
    """The Braavos / starknet-snap / Argent X account path ``m/44'/9004'/0'/0/{index}``."""
    return f"m/44'/{STARKNET_COIN_TYPE}'/0'/0/{_check_index(index)}"


def _eip2645_limb(name: str) -> int:
    """EIP-2645: a layer or application name becomes the lowest 31 bits of its sha256."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest(), "big") & _MASK_31


def eip2645_path(index: int = 0, *, layer: str = "starknet", application: str = "argentx",
                 eth_address: int = 0) -> str:
    """m/2645'/layer'/application'/eth_1'/eth_2'/index. The defaults give the Ledger Starknet app's
    path m/2645'/1195502025'/1148870696'/0'/0'/index (``eth_1``/``eth_2`` are the lowest 31 and the
    next 31 bits of ``eth_address``, as @scure/starknet ``getAccountPath``)."""
    if not isinstance(layer, str) or not isinstance(application, str):
        raise InvalidInputError("EIP-2645 layer and application are names (strings)")
    if isinstance(eth_address, bool) or not isinstance(eth_address, int) or not 0 <= eth_address < 2**160:
        raise InvalidInputError("eth_address must be an integer in [0, 2^160)")
    return (f"m/{EIP2645_PURPOSE}'/{_eip2645_limb(layer)}'/{_eip2645_limb(application)}'"
            f"/{eth_address & _MASK_31}'/{(eth_address >> 31) & _MASK_31}'/{_check_index(index)}")


def validate_path_for_scheme(path, scheme: str) -> list:
    """Parse ``path`` (string or indices) and check that it fits ``scheme``; returns the indices."""
    if scheme not in SCHEMES:
        raise InvalidInputError(f"unknown derivation scheme {scheme!r}; use one of {', '.join(SCHEMES)}")
    indices = parse_path(path) if isinstance(path, str) else check_indices(path)
    if scheme == "eip2645":
        if len(indices) != 6 or indices[0] != HARDENED + EIP2645_PURPOSE:
            raise InvalidPathError("an EIP-2645 path has exactly 6 levels and starts with 2645': "
                                   "m/2645'/layer'/application'/eth_1'/eth_2'/index")
    elif len(indices) != 5 or indices[:2] != [HARDENED + 44, HARDENED + STARKNET_COIN_TYPE]:
        raise InvalidPathError(f"the {scheme} scheme expects a 5-level path starting with 44'/9004': "
                               "m/44'/9004'/account'/change/index")
    return indices


def derive_private_key(seed: bytes, path, scheme: str = "bip44") -> int:
    """The Stark private key of a BIP39 seed (64 bytes) at ``path`` under ``scheme``."""
    indices = validate_path_for_scheme(path, scheme)
    master = HDKey.from_seed(seed)
    if scheme == "argentx":
        # Argent X's secret is the hex of this key as a number: leading zero bytes are dropped.
        master = HDKey.from_seed(master.derive(ETHEREUM_PATH).private_key.lstrip(b"\x00"))
    return grind_key(master.derive(indices).private_key)


async def derive_from_mnemonic(mnemonic: str, path=None, index: int = 0, scheme: str = "bip44",
                               passphrase: str = "") -> int:
    """Validate the mnemonic, compute its seed and derive the Stark private key.

    ``path`` defaults to the scheme's standard path for ``index``; give one or the other.
    """
    if path is None:
        path = eip2645_path(index) if scheme == "eip2645" else starknet_bip44_path(index)
    elif index != 0:
        raise InvalidInputError("give either a path or an index, not both")
    validate_path_for_scheme(path, scheme)
    seed = await mnemonic_to_seed(validate_mnemonic(mnemonic), passphrase)
    return derive_private_key(seed, path, scheme)
