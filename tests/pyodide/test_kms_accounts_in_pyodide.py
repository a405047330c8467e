"""external_kms storage through the accounts API inside Pyodide (Chromium via CORS, and Node)."""

import secrets

import pytest

from tests import kms_server
from tests.invoke_scenario import PyodideRunner
from tests.kms_accounts_scenario import SCENARIO, check, prelude
from tests.pyodide.pages import LOAD_FOC_WEB, booted


@pytest.fixture(scope="module")
def pyodide(selenium_module_scope):
    return booted(selenium_module_scope, LOAD_FOC_WEB)


def test_kms_accounts_in_pyodide(pyodide):
    server = kms_server.start()
    try:
        check(PyodideRunner(pyodide)(prelude(server, "k" + secrets.token_hex(3)) + SCENARIO))
    finally:
        server.stop()
