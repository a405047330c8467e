"""The invoke path of accounts (sessions, 2FA, permissions, node faults) on CPython, against the test node."""

import secrets

from tests.invoke_scenario import CPythonRunner, check_results, run_scenario
from tests.rpcnode import RpcNode


def test_invoke_scenario_on_cpython():
    node = RpcNode().start()
    try:
        results = run_scenario(CPythonRunner(), node, "inv" + secrets.token_hex(3))
        check_results(results, node)
    finally:
        node.stop()
