"""The plain values the public API returns. None of their reprs shows a secret."""

from dataclasses import asdict, dataclass, field


def hex_felt(value):
    """0x-prefixed lowercase hex, as wallets and starknet.js print felts."""
    return hex(value)


def hex_address(value):
    """A Starknet address in the padded form used in storage keys: 0x + 64 hex digits."""
    return "0x" + format(value, "064x")


@dataclass(frozen=True)
class KeyPair:
    """A Stark key pair. ``private_key`` is None for hardware keys, which never leave the device."""

    public_key: str
    private_key: str | None = field(default=None, repr=False)
    path: str | None = None
    scheme: str | None = None

    def __repr__(self):
        shown = "<hidden>" if self.private_key else None
        return f"KeyPair(public_key={self.public_key!r}, private_key={shown}, path={self.path!r})"

    def to_dict(self, include_private_key=True):
        data = asdict(self)
        if not include_private_key:
            data.pop("private_key")
        return data


@dataclass(frozen=True)
class Account:
    """Public facts about a stored account: enough to show it, nothing to sign with."""

    address: str
    network: str
    public_key: str
    account_class: str
    username: str | None = None
    storage_type: str = "encrypted_local"
    signer: str = "software"
    namespace: str | None = None
    created_at: float | None = None
    storage_key: str = ""
    path: str | None = None

    def to_dict(self):
        return asdict(self)
