"""Runs every test of tests/portable inside Pyodide, in headless Chromium and under Node.

The portable suite is unpacked from dist/test-site/foc-tests.zip into Pyodide's file system and
run by tests/portable/runner.py (which awaits async tests); each test id becomes one pytest item
here, per runtime, so a failure names the test and the runtime.
"""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "portable"))
from runner import discover  # noqa: E402
from tests.pyodide.pages import booted

TEST_IDS = [test_id for test_id, _, _ in discover()]

BOOT = """
const response = await fetch("foc-tests.zip");
if (!response.ok) throw new Error("foc-tests.zip: HTTP " + response.status);
pyodide.unpackArchive(await response.arrayBuffer(), "zip", { extractDir: "/foc-tests" });
await pyodide.loadPackage(["foc-web", "pytest", "zxcvbn", "pyotp", "segno"], { messageCallback: () => {} });
"""

RUN = """
import json, sys
sys.path.insert(0, "/foc-tests/tests/portable")
import runner
json.dumps(await runner.run_all("/foc-tests/tests/portable"))
"""


@pytest.fixture(scope="module")
def portable_results(selenium_module_scope):
    return json.loads(booted(selenium_module_scope, BOOT, timeout=900).run_async(RUN))


@pytest.mark.parametrize("test_id", TEST_IDS)
def test_portable(portable_results, test_id):
    result = portable_results.get(test_id)
    assert result is not None, f"{test_id} was not run inside Pyodide"
    if result["outcome"] != "passed":
        pytest.fail(result["error"], pytrace=False)
