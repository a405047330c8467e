"""Talking to a Starknet node: a JSON-RPC client (spec v0.10) that runs in Pyodide and on CPython."""

from .client import (  # noqa: F401
    ERROR_NAMES,
    QUERY_VERSION,
    RpcClient,
    invoke_v3_request,
    resource_bounds_from_estimate,
)
