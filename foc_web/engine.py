"""FocEngine: configuration (network, environment, security, RPC) and the entry to ``accounts``."""

from .accounts import Accounts
from .audit.log import DEFAULT_MAX_RECORDS, check_max_records
from .errors import ConfigError
from .platform.keys import RESERVED_KINDS, VAULT_FOLDER, check_segment
from .stark.felt import encode_shortstring, to_felt
from .stark.transaction import SN_MAIN, SN_SEPOLIA

ENVIRONMENTS = ("production", "development", "test")
#: Networks known out of the box, with their default JSON-RPC endpoints: public nodes (no API key),
#: at the path of spec v0.10, the version foc_web.rpc speaks. Production apps should set their own.
DEFAULT_RPC_URLS = {
    "mainnet": "https://rpc.starknet.lava.build/rpc/v0_10",
    "sepolia": "https://rpc.starknet-testnet.lava.build/rpc/v0_10",
    "devnet": "http://127.0.0.1:5050/rpc",
}
_SECURITY_OPTIONS = {"logging", "lockout", "allow_deterministic_keys", "two_factor", "events"}
_LOG_LEVELS = ("basic", "detailed", "paranoid")


class FocEngine:
    """``FocEngine(network="sepolia", environment="production", security={...}, rpc={...})``.

    ``rpc`` maps network names to JSON-RPC URLs (overriding the defaults); a network that is not
    built in becomes usable by giving it an RPC URL here. ``kms`` holds AWS credentials and endpoint
    for external_kms storage (on CPython they may come from the AWS_* environment instead).
    """

    def __init__(self, network="sepolia", environment="production", security=None, rpc=None, chain_ids=None,
                 rpc_timeout=30.0, kms=None):
        if environment not in ENVIRONMENTS:
            raise ConfigError(f"environment must be one of {ENVIRONMENTS}, got {environment!r}")
        self.environment = environment
        self.rpc_urls = dict(DEFAULT_RPC_URLS)
        for name, url in dict(rpc or {}).items():
            self._check_network_name(name)
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise ConfigError(f"the RPC URL of {name!r} must be an http(s) URL")
            self.rpc_urls[name] = url
        self.chain_ids = {"mainnet": SN_MAIN, "sepolia": SN_SEPOLIA, "devnet": SN_SEPOLIA}
        for name, chain in dict(chain_ids or {}).items():
            self._check_network_name(name)
            self.chain_ids[name] = encode_shortstring(chain) if isinstance(chain, str) and not chain.startswith("0x") \
                else to_felt(chain, "chain_ids")
        if isinstance(rpc_timeout, bool) or not isinstance(rpc_timeout, (int, float)) or not 0 < rpc_timeout <= 600:
            raise ConfigError("rpc_timeout must be a number of seconds between 0 and 600")
        self.rpc_timeout = float(rpc_timeout)
        self.security = self._check_security(security)
        if kms is not None and not isinstance(kms, dict):
            raise ConfigError("kms must be an object (access_key_id, secret_access_key, session_token, endpoint)")
        #: KMS credentials and endpoint (external_kms storage); never written to any record or log.
        self.kms = dict(kms or {})
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

    def chain_id(self, network):
        """The chain id an account on ``network`` signs for; the node must serve the same one."""
        if network not in self.chain_ids:
            raise ConfigError(f"no chain id is known for network {network!r}: pass chain_ids={{{network!r}: ...}}")
        return self.chain_ids[network]

    def known_networks(self):
        return sorted(self.rpc_urls)

    @staticmethod
    def _check_security(security):
        security = dict(security or {})
        unknown = set(security) - _SECURITY_OPTIONS
        if unknown:
            raise ConfigError(f"unknown security option(s): {', '.join(sorted(unknown))}")
        logging = dict(security.get("logging") or {})
        if set(logging) - {"enabled", "level", "max_records"}:
            raise ConfigError("security.logging takes only 'enabled', 'level' and 'max_records'")
        if logging.get("level", "detailed") not in _LOG_LEVELS:
            raise ConfigError(f"security.logging.level must be one of {_LOG_LEVELS}")
        max_records = logging.get("max_records", DEFAULT_MAX_RECORDS)
        check_max_records(max_records)
        security["logging"] = {"enabled": bool(logging.get("enabled", True)), "level": logging.get("level", "detailed"),
                               "max_records": max_records}
        security["events"] = _check_events(security.get("events"))
        security["two_factor"] = _check_two_factor(security.get("two_factor"))
        return security

    def __repr__(self):
        return f"FocEngine(network={self.network!r}, environment={self.environment!r})"


def _check_two_factor(option):
    """``{"required": bool}``: with ``required``, software accounts sign only once they have 2FA."""
    option = {} if option is None else option
    if not isinstance(option, dict) or set(option) - {"required"} or not isinstance(option.get("required", False), bool):
        raise ConfigError("security.two_factor takes only 'required' (true or false)")
    return {"required": option.get("required", False)}


def _check_events(events):
    """security.events: ``unusual_value_threshold``, the value (base units, as in session permissions)
    above which a transaction raises an ``unusual_transaction`` event."""
    events = dict(events or {})
    if set(events) - {"unusual_value_threshold"}:
        raise ConfigError("security.events takes only 'unusual_value_threshold'")
    threshold = events.get("unusual_value_threshold")
    if threshold is not None:
        try:
            threshold = int(threshold, 0) if isinstance(threshold, str) else threshold
        except ValueError:
            threshold = None
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
            raise ConfigError("security.events.unusual_value_threshold must be a non-negative integer "
                              "(a number or a decimal/0x string)")
        events["unusual_value_threshold"] = threshold
    return events
