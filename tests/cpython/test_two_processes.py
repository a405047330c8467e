"""Two processes create the same account in one $FOC_HOME at once: the file lock lets exactly one write."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import asyncio, sys, time
from foc_web.engine import FocEngine
from foc_web.errors import FocError
engine = FocEngine(network="procs", rpc={"procs": "http://127.0.0.1:9/rpc"})
start = float(sys.argv[1])
async def main():
    while time.time() < start:
        await asyncio.sleep(0.005)
    try:
        account = await engine.accounts.create(password="Correct-Horse-Battery-Staple-42", private_key=12345)
        print("created", account.address)
    except FocError as error:
        print(error.code)
asyncio.run(main())
"""


def test_two_processes_create_the_same_account_once(tmp_path):
    import time

    env = {**os.environ, "FOC_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    start = str(time.time() + 1.5)
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, start], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outcomes = sorted(p.communicate(timeout=60)[0].split()[0] for p in procs)
    assert outcomes == ["ACCOUNT_EXISTS", "created"]
    vaults = list((tmp_path / "keys" / "procs").iterdir())
    assert len(vaults) == 1 and json.loads(vaults[0].read_text())["format"] == "foc-vault"
