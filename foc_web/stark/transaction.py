"""Starknet V3 transaction hashes (INVOKE and DEPLOY_ACCOUNT) and Cairo 1 multicall calldata.

Follows SNIP-8 / Starknet v0.13.4+ as implemented by starknet-py 0.30
(``starknet_py.hash.transaction``): the fee field hashes the tip with the L1_GAS, L2_GAS and
L1_DATA resource bounds, each packed as ``name << 192 | max_amount << 128 | max_price_per_unit``.
The INVOKE hash equals what the Ledger Starknet app 2.3.4 computes on the device
(tests/vectors/tx_hashes.json, "ledger_invoke_v3").
"""

from dataclasses import dataclass, field

from ..errors import InvalidInputError
from .address import compute_address
from .felt import encode_shortstring, to_felt, to_felts
from .poseidon import poseidon_hash_many

__all__ = [
    "ResourceBounds",
    "ResourceBoundsMapping",
    "Call",
    "execute_calldata",
    "calculate_invoke_v3_hash",
    "calculate_deploy_account_v3_hash",
    "SN_MAIN",
    "SN_SEPOLIA",
    "chain_id_for_network",
    "DA_MODE_L1",
    "DA_MODE_L2",
]

SN_MAIN = encode_shortstring("SN_MAIN")
SN_SEPOLIA = encode_shortstring("SN_SEPOLIA")
_NETWORKS = {"mainnet": SN_MAIN, "sn_main": SN_MAIN, "sepolia": SN_SEPOLIA, "sn_sepolia": SN_SEPOLIA}

DA_MODE_L1 = 0
DA_MODE_L2 = 1

_INVOKE = int.from_bytes(b"invoke", "big")
_DEPLOY_ACCOUNT = int.from_bytes(b"deploy_account", "big")
_VERSION = 3
_L1_GAS = encode_shortstring("L1_GAS")
_L2_GAS = encode_shortstring("L2_GAS")
_L1_DATA = encode_shortstring("L1_DATA")


def _check_uint(value, bits, name):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << bits:
        raise InvalidInputError(f"{name} must be an int in [0, 2**{bits})")
    return value


@dataclass(frozen=True)
class ResourceBounds:
    """Limits for one resource: max_amount (u64) units at up to max_price_per_unit (u128)."""

    max_amount: int = 0
    max_price_per_unit: int = 0

    def __post_init__(self):
        _check_uint(self.max_amount, 64, "max_amount")
        _check_uint(self.max_price_per_unit, 128, "max_price_per_unit")

    def _packed(self, name):
        return (name << 192) | (self.max_amount << 128) | self.max_price_per_unit


@dataclass(frozen=True)
class ResourceBoundsMapping:
    """The three resource bounds of a V3 transaction (all zero by default)."""

    l1_gas: ResourceBounds = field(default_factory=ResourceBounds)
    l2_gas: ResourceBounds = field(default_factory=ResourceBounds)
    l1_data_gas: ResourceBounds = field(default_factory=ResourceBounds)

    def __post_init__(self):
        for name in ("l1_gas", "l2_gas", "l1_data_gas"):
            if not isinstance(getattr(self, name), ResourceBounds):
                raise InvalidInputError(f"{name} must be a ResourceBounds")


@dataclass(frozen=True)
class Call:
    """One call of a multicall: contract address, entry-point selector, calldata felts."""

    to_addr: int
    selector: int
    calldata: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "to_addr", to_felt(self.to_addr, "to_addr"))
        object.__setattr__(self, "selector", to_felt(self.selector, "selector"))
        object.__setattr__(self, "calldata", tuple(to_felts(self.calldata, "calldata")))


def execute_calldata(calls) -> list:
    """Calldata of a Cairo 1 account's ``__execute__(calls: Array<Call>)``.

    Layout: [n_calls, to, selector, len(calldata), *calldata, to, selector, ...], as
    starknet-py serializes calls for Cairo 1 accounts.
    """
    calls = [calls] if isinstance(calls, Call) else list(calls)
    result = [len(calls)]
    for index, call in enumerate(calls):
        if not isinstance(call, Call):
            raise InvalidInputError(f"call at position {index} is not a Call")
        result += (call.to_addr, call.selector, len(call.calldata), *call.calldata)
    return result


def chain_id_for_network(name: str) -> int:
    """Chain id of "mainnet"/"SN_MAIN" or "sepolia"/"SN_SEPOLIA" (case-insensitive)."""
    chain_id = _NETWORKS.get(name.lower()) if isinstance(name, str) else None
    if chain_id is None:
        raise InvalidInputError("unknown network: expected mainnet or sepolia")
    return chain_id


def _common_fields(prefix, address, chain_id, nonce, resource_bounds, tip, paymaster_data,
                   nonce_da, fee_da):
    """The fields every V3 transaction hash starts with (starknet-py CommonTransactionV3Fields)."""
    if not isinstance(resource_bounds, ResourceBoundsMapping):
        raise InvalidInputError("resource_bounds must be a ResourceBoundsMapping")
    for value, name in ((nonce_da, "nonce data availability mode"),
                        (fee_da, "fee data availability mode")):
        if value not in (DA_MODE_L1, DA_MODE_L2) or isinstance(value, bool):
            raise InvalidInputError(f"{name} must be 0 (L1) or 1 (L2)")
    fee_hash = poseidon_hash_many([
        _check_uint(tip, 64, "tip"),
        resource_bounds.l1_gas._packed(_L1_GAS),
        resource_bounds.l2_gas._packed(_L2_GAS),
        resource_bounds.l1_data_gas._packed(_L1_DATA),
    ])
    return [
        prefix,
        _VERSION,
        address,
        fee_hash,
        poseidon_hash_many(to_felts(paymaster_data, "paymaster_data")),
        to_felt(chain_id, "chain_id"),
        to_felt(nonce, "nonce"),
        (nonce_da << 32) | fee_da,
    ]


def calculate_invoke_v3_hash(sender_address, calldata, chain_id, nonce, resource_bounds, tip=0,
                             paymaster_data=(), account_deployment_data=(),
                             nonce_data_availability_mode=0, fee_data_availability_mode=0) -> int:
    """Hash of an INVOKE v3 transaction (what the account signs)."""
    fields = _common_fields(_INVOKE, to_felt(sender_address, "sender_address"), chain_id, nonce,
                            resource_bounds, tip, paymaster_data,
                            nonce_data_availability_mode, fee_data_availability_mode)
    fields.append(poseidon_hash_many(to_felts(account_deployment_data, "account_deployment_data")))
    fields.append(poseidon_hash_many(to_felts(calldata, "calldata")))
    return poseidon_hash_many(fields)


def calculate_deploy_account_v3_hash(class_hash, constructor_calldata, contract_address_salt,
                                     chain_id, nonce, resource_bounds, tip=0, paymaster_data=(),
                                     nonce_da=0, fee_da=0) -> int:
    """Hash of a DEPLOY_ACCOUNT v3 transaction; the address is derived (deployer 0)."""
    class_hash = to_felt(class_hash, "class_hash")
    salt = to_felt(contract_address_salt, "contract_address_salt")
    constructor_calldata = to_felts(constructor_calldata, "constructor_calldata")
    address = compute_address(class_hash, constructor_calldata, salt)
    fields = _common_fields(_DEPLOY_ACCOUNT, address, chain_id, nonce, resource_bounds, tip,
                            paymaster_data, nonce_da, fee_da)
    fields += (poseidon_hash_many(constructor_calldata), class_hash, salt)
    return poseidon_hash_many(fields)

