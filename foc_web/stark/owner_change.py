"""The on-chain owner-key change of each account class: the call, and the signature it requires.

``owner_change`` returns the call the account makes on itself (``entrypoint``, ``calldata``);
``owner_view`` names the view function that returns the current owner's Stark public key.
In every class the *new* key signs a message that binds the account (and, for Argent, the chain
and the current owner), so a change signed for one account or chain cannot be replayed on another.

Sources (the contract code is the specification):
- OpenZeppelin AccountComponent ``set_public_key(new_public_key, signature)``: the new key signs
  Poseidon('StarkNet Message', 'accept_ownership', account, current key)
  (openzeppelin/cairo-contracts packages/account/src/account.cairo ``assert_valid_new_owner``).
- Argent account 0.4.0 ``change_owner(signer_signature: SignerSignature)``: the new key signs
  Pedersen-chain(selector('change_owner'), chain id, account, current owner GUID) with length 4
  (argent-contracts-starknet tag account-0.4.0, src/presets/argent_account.cairo
  ``assert_valid_new_owner_signature``).
- Argent account 0.5.0 ``change_owners(owner_guids_to_remove, owners_to_add,
  owner_alive_signature: Option<OwnerAliveSignature>)``: removing the owner that signs the
  transaction needs an "Owner Alive" SNIP-12 revision-1 message signed by the new owner, that
  expires within a day (tag v0.5.0, src/multiowner_account/owner_alive.cairo, lib/recovery.ts).
- A Starknet signer's GUID is Poseidon('Starknet Signer', public key) (src/signer/signer_signature.cairo).
- Braavos accounts have no entrypoint that replaces their Stark signer (braavos-account-cairo
  src/signers/interface.cairo lists only secp256r1 signer changes), so they are refused.
"""

from dataclasses import dataclass

from ..errors import ConfigError
from .ecdsa import sign
from .felt import encode_shortstring
from .keys import get_stark_key
from .pedersen import compute_hash_on_elements
from .poseidon import poseidon_hash_many
from .keccak import get_selector_from_name
from .typed_data import message_hash

_STARKNET_SIGNER = 0  # Signer::Starknet / SignerSignature::Starknet variant index
_SOME = 0  # Cairo serializes Option::Some as variant 0 (None is 1)
OWNER_ALIVE_LIFETIME = 3600  # seconds; the contract accepts at most one day ahead of the block


@dataclass(frozen=True)
class OwnerChange:
    entrypoint: str
    calldata: list


def starknet_signer_guid(public_key: int) -> int:
    """The GUID Argent accounts give a Starknet signer: Poseidon('Starknet Signer', public key)."""
    return poseidon_hash_many([encode_shortstring("Starknet Signer"), public_key])


def openzeppelin_accept_ownership_hash(account: int, current_public_key: int) -> int:
    return poseidon_hash_many([encode_shortstring("StarkNet Message"), encode_shortstring("accept_ownership"),
                               account, current_public_key])


def argent_change_owner_hash(chain_id: int, account: int, current_public_key: int) -> int:
    """The message an Argent 0.4.0 account's new owner signs."""
    return compute_hash_on_elements([get_selector_from_name("change_owner"), chain_id, account,
                                     starknet_signer_guid(current_public_key)])


def owner_alive_typed_data(chain_id: int, new_owner_guid: int, expiration: int) -> dict:
    """The SNIP-12 (revision 1) "Owner Alive" message of Argent 0.5.0 accounts, as typed data."""
    return {
        "types": {
            "StarknetDomain": [{"name": "name", "type": "shortstring"}, {"name": "version", "type": "shortstring"},
                               {"name": "chainId", "type": "shortstring"},
                               {"name": "revision", "type": "shortstring"}],
            "Owner Alive": [{"name": "Owner GUID", "type": "felt"},
                            {"name": "Signature expiration", "type": "timestamp"}],
        },
        "primaryType": "Owner Alive",
        "domain": {"name": "Owner Alive", "version": "1", "chainId": hex(chain_id), "revision": "1"},
        "message": {"Owner GUID": hex(new_owner_guid), "Signature expiration": int(expiration)},
    }


def owner_change(account_class: str, account: int, chain_id: int, current_public_key: int, new_private_key: int,
                 now: int) -> OwnerChange:
    """The self-call that makes ``new_private_key`` the owner of ``account``, signed as its class requires."""
    if account_class == "braavos":
        raise ConfigError("Braavos accounts cannot replace their Stark signer on chain (the contract has no such "
                          "entrypoint); move the funds to a new account instead")
    new_public_key = get_stark_key(new_private_key)
    if account_class.startswith("openzeppelin"):
        r, s = sign(openzeppelin_accept_ownership_hash(account, current_public_key), new_private_key)
        return OwnerChange("set_public_key", [new_public_key, 2, r, s])
    if account_class == "argent_0.4.0":
        r, s = sign(argent_change_owner_hash(chain_id, account, current_public_key), new_private_key)
        return OwnerChange("change_owner", [_STARKNET_SIGNER, new_public_key, r, s])
    if account_class == "argent_0.5.0":
        expiration = int(now) + OWNER_ALIVE_LIFETIME
        alive = owner_alive_typed_data(chain_id, starknet_signer_guid(new_public_key), expiration)
        r, s = sign(message_hash(alive, account), new_private_key)
        calldata = [1, starknet_signer_guid(current_public_key),  # owner_guids_to_remove
                    1, _STARKNET_SIGNER, new_public_key,  # owners_to_add
                    _SOME, _STARKNET_SIGNER, new_public_key, r, s, expiration]  # owner_alive_signature
        return OwnerChange("change_owners", calldata)
    raise ConfigError(f"on-chain key rotation is not supported for account class {account_class!r}")


def owner_view(account_class: str) -> str:
    """The view function that returns the account's owner Stark key."""
    return "get_owner" if account_class.startswith("argent") else "get_public_key"


