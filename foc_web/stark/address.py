"""Contract addresses and the account classes wallets deploy.

``compute_address`` is Starknet's counterfactual address (cairo-lang ``calculate_contract_address``,
starknet-py ``starknet_py.hash.address.compute_address``): a Pedersen hash chain over
("STARKNET_CONTRACT_ADDRESS", deployer, salt, class hash, hash of the constructor calldata),
reduced mod 2**251 - 256.
"""

from dataclasses import dataclass
from types import MappingProxyType

from ..errors import InvalidInputError
from .felt import to_felt, to_felts
from .pedersen import compute_hash_on_elements

__all__ = [
    "compute_address",
    "AccountClass",
    "ACCOUNT_CLASSES",
    "account_constructor_calldata",
    "compute_account_address",
]

_CONTRACT_ADDRESS_PREFIX = int.from_bytes(b"STARKNET_CONTRACT_ADDRESS", "big")
_L2_ADDRESS_UPPER_BOUND = 2**251 - 256  # addresses stay below the storage address bound


def compute_address(class_hash, constructor_calldata, salt, deployer_address=0) -> int:
    """Address of a contract deployed with this class, calldata and salt (deployer 0 = account)."""
    calldata_hash = compute_hash_on_elements(to_felts(constructor_calldata, "constructor_calldata"))
    raw = compute_hash_on_elements([
        _CONTRACT_ADDRESS_PREFIX,
        to_felt(deployer_address, "deployer_address"),
        to_felt(salt, "salt"),
        to_felt(class_hash, "class_hash"),
        calldata_hash,
    ])
    return raw % _L2_ADDRESS_UPPER_BOUND


@dataclass(frozen=True)
class AccountClass:
    """An account contract class: its class hash and how its constructor takes the Stark key.

    ``layout`` is "public_key" for constructor(public_key) -> [pub], or "argent" for
    constructor(owner: Signer, guardian: Option<Signer>) with a Starknet owner and no guardian,
    serialized as [0 (Signer::Starknet), pub, 1 (Option::None)].
    """

    class_hash: int
    layout: str
    description: str


# Class hashes, checked against these sources (each lists the hash verbatim):
# - OpenZeppelin AccountUpgradeable, constructor(public_key):
#   2.0.0 https://docs.openzeppelin.com/contracts-cairo/2.x/presets (a stable release; the docs
#   also list 3.0.0 alphas and a 4.x line, which wallets did not adopt as far as we could find),
#   and 1.0.0 https://docs.openzeppelin.com/contracts-cairo/1.0.0/presets (sncast's "oz" class).
# - Argent X / Ready: https://github.com/argentlabs/argent-contracts-starknet
#   deployments/account.txt (0.4.0 and 0.5.0, declared on mainnet and sepolia); the constructor
#   is in deployments/artifacts/account-0.5.0-.../ArgentAccount-abi.json. starknet-py's own
#   tests (tests/e2e/fixtures/accounts.py) build [0, public_key, 1] for ARGENT_V040_CLASS_HASH.
# - Braavos: https://github.com/myBraavos/braavos-account-cairo README "Class Hashes". Braavos
#   deploys every account from the *Braavos Base Account* class with calldata [public_key] and
#   salt = public_key; the base account then upgrades itself to the Braavos Account class
#   (0x03957f9f...bf8a, v1.2.0) in its constructor, with extra parameters carried in the
#   deployment signature so they do not change the address (README "Deployment", and
#   e2e/utils/fixtures.py ``compute_address(class_hash=base_account_chash, salt=stark_pubk,
#   constructor_calldata=[stark_pubk])``).
ACCOUNT_CLASSES = MappingProxyType({
    "openzeppelin": AccountClass(
        0x079A9A12FDFA0481E8D8D46599B90226CD7247B2667358BB00636DD864002314,
        "public_key",
        "OpenZeppelin AccountUpgradeable 2.0.0",
    ),
    "openzeppelin_1.0.0": AccountClass(
        0x05B4B537EAA2399E3AA99C4E2E0208EBD6C71BC1467938CD52C798C601E43564,
        "public_key",
        "OpenZeppelin AccountUpgradeable 1.0.0",
    ),
    "argent_0.4.0": AccountClass(
        0x036078334509B514626504EDC9FB252328D1A240E4E948BEF8D0C08DFF45927F,
        "argent",
        "Argent X / Ready account 0.4.0",
    ),
    "argent_0.5.0": AccountClass(
        0x073414441639DCD11D1846F287650A00C60C416B9D3BA45D31C651672125B2C2,
        "argent",
        "Argent X / Ready account 0.5.0",
    ),
    "braavos": AccountClass(
        0x03D16C7A9A60B0593BD202F660A28C5D76E0403601D9CCC7E4FA253B6A70C201,
        "public_key",
        "Braavos Base Account (deployment class of Braavos 1.1.0 and 1.2.0)",
    ),
})


def _account_class(name):
    account_class = ACCOUNT_CLASSES.get(name) if isinstance(name, str) else None
    if account_class is None:
        raise InvalidInputError(
            "unknown account class; expected one of " + ", ".join(ACCOUNT_CLASSES)
        )
    return account_class


def account_constructor_calldata(account_class: str, public_key: int) -> list:
    """Constructor calldata that ``account_class`` is deployed with for this Stark public key."""
    layout = _account_class(account_class).layout
    public_key = to_felt(public_key, "public_key")
    if public_key == 0:
        raise InvalidInputError("public_key must not be 0")
    if layout == "argent":
        return [0, public_key, 1]
    return [public_key]


def compute_account_address(public_key, account_class="openzeppelin", salt=None) -> int:
    """Counterfactual address of an account for this public key (salt defaults to the key)."""
    calldata = account_constructor_calldata(account_class, public_key)
    salt = to_felt(public_key if salt is None else salt, "salt")
    return compute_address(_account_class(account_class).class_hash, calldata, salt)
