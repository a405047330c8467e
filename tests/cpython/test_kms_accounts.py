"""external_kms storage through the accounts API on CPython, against moto (signatures and IAM checked)."""

import secrets

from tests import kms_server
from tests.invoke_scenario import CPythonRunner
from tests.kms_accounts_scenario import SCENARIO, check, prelude


def test_kms_accounts_on_cpython():
    server = kms_server.start()
    try:
        check(CPythonRunner()(prelude(server, "k" + secrets.token_hex(3)) + SCENARIO))
    finally:
        server.stop()
