"""FocEngine: configuration (network, environment, security, RPC) and the entry to ``accounts``."""

from .accounts import Accounts
from .errors import ConfigError
from .platform.keys import RESERVED_KINDS, VAULT_FOLDER, check_segment

ENVIRONMENTS = ("production", "development", "test")
#: Networks known out of the box, with their default JSON-RPC endpoints.
DEFAULT_RPC_URLS = {
    "mainnet": "https://starknet-mainnet.public.blastapi.io/rpc/v0_8",
    "sepolia": "https://starknet-sepolia.public.blastapi.io/rpc/v0_8",
    "devnet": "http://127.0.0.1:5050/rpc",
}
_SECURITY_OPTIONS = {"logging", "lockout", "allow_deterministic_keys", "two_factor", "events"}
_LOG_LEVELS = ("basic", "detailed", "paranoid")


class FocEngine:
    """``FocEngine(network="sepolia", environment="production", security={...}, rpc={...})``.

    ``rpc`` maps network names to JSON-RPC URLs (overriding the defaults); a network that is not
    built in becomes usable by giving it an RPC URL here.
    """

    def __init__(self, network="sepolia", environment="production", security=None, rpc=None):
        if environment not in ENVIRONMENTS:
            raise ConfigError(f"environment must be one of {ENVIRONMENTS}, got {environment!r}")
        self.environment = environment
        self.rpc_urls = dict(DEFAULT_RPC_URLS)
        for name, url in dict(rpc or {}).items():
            self._check_network_name(name)
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise ConfigError(f"the RPC URL of {name!r} must be an http(s) URL")
            self.rpc_urls[name] = url
        self.security = self._check_security(security)
        self.network = self.check_network(network)
        self.accounts = Accounts(self)

    @staticmethod
    def _check_network_name(name):
        try:
            check_segment(name, "network")
        except ValueError as error:
            raise ConfigError(str(error)) from None
        if name in RESERVED_KINDS or name == VAULT_FOLDER:
            raise ConfigError(f"{name!r} is reserved and cannot name a network")

    def check_network(self, network):
        if network not in self.rpc_urls:
            raise ConfigError(
                f"unknown network {network!r}; use one of {', '.join(sorted(self.rpc_urls))} "
                "or give its RPC URL in FocEngine(rpc={...})"
            )
        return network

    def known_networks(self):
        return sorted(self.rpc_urls)

    @staticmethod
    def _check_security(security):
        security = dict(security or {})
        unknown = set(security) - _SECURITY_OPTIONS
        if unknown:
            raise ConfigError(f"unknown security option(s): {', '.join(sorted(unknown))}")
        logging = dict(security.get("logging") or {})
        if set(logging) - {"enabled", "level"}:
            raise ConfigError("security.logging takes only 'enabled' and 'level'")
        if logging.get("level", "detailed") not in _LOG_LEVELS:
            raise ConfigError(f"security.logging.level must be one of {_LOG_LEVELS}")
        security["logging"] = {"enabled": bool(logging.get("enabled", True)), "level": logging.get("level", "detailed")}
        return security

    def __repr__(self):
        return f"FocEngine(network={self.network!r}, environment={self.environment!r})"
