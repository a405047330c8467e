"""A plain Node script that uses foc_web in Pyodide ends when its work does.

An unlocked account holds an auto-lock timer for its session_timeout (an hour by default). In Node
a pending setTimeout keeps the process alive, so foc_web's timer must not: the script below creates
an account, leaving the timer pending, and must exit by itself within seconds.
"""

import json
import subprocess
import time
from pathlib import Path

SITE = Path(__file__).resolve().parents[2] / "dist" / "site"

SCRIPT = """
import { pathToFileURL } from "node:url";
const site = process.argv[1];
const { loadPyodide } = await import(pathToFileURL(site + "pyodide.mjs").href);
const pyodide = await loadPyodide({ indexURL: site });
await pyodide.loadPackage(["foc-web"], { messageCallback: () => {} });
console.log(await pyodide.runPythonAsync(`
import json
from foc_web.engine import FocEngine
engine = FocEngine(network="sepolia")
account = await engine.accounts.create(password="Correct-Horse-Battery-Staple-42",
                                       storage={"key_derivation": "pbkdf2"})
json.dumps({"unlocked": engine.accounts.is_unlocked(account.address)})
`));
"""


def test_a_pending_auto_lock_does_not_keep_node_alive():
    started = time.monotonic()
    done = subprocess.run(["node", "--input-type=module", "-e", SCRIPT, f"{SITE}/"], capture_output=True,
                          text=True, timeout=120)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"unlocked": True}  # the timer was pending
    assert elapsed < 60, elapsed  # and Node exited without waiting the hour for it
