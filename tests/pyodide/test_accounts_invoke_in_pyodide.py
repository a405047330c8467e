"""The same invoke scenario inside Pyodide: Chromium (fetch, localStorage) and Node (fetch, memory store)."""

import secrets

import pytest

from tests.invoke_scenario import PyodideRunner, check_results, run_scenario
from tests.rpcnode import RpcNode
from tests.pyodide.pages import booted


@pytest.fixture(scope="module")
def pyodide(selenium_module_scope):
    return booted(selenium_module_scope, 'await pyodide.loadPackage(["foc-web", "pyotp"], { messageCallback: () => {} });')


def test_invoke_scenario_in_pyodide(pyodide):
    node = RpcNode().start()
    try:
        results = run_scenario(PyodideRunner(pyodide), node, "inv" + secrets.token_hex(3))
        check_results(results, node)
    finally:
        node.stop()
