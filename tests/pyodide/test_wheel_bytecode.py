"""foc_web's wheel carries bytecode compiled by Pyodide's own Python (build.py add_pyodide_bytecode),
so a page imports foc_web without compiling its sources; the wheel stays valid for CPython."""

import base64
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from tests.pyodide.pages import LOAD_FOC_WEB, booted

WHEELS = Path(__file__).resolve().parents[2] / "dist" / "wheels"


@pytest.fixture(scope="module")
def pyodide(selenium_module_scope):
    return booted(selenium_module_scope, LOAD_FOC_WEB)


def test_every_module_has_bytecode_the_importer_accepts(pyodide):
    out = json.loads(pyodide.run("""
import importlib.util, json, pathlib, foc_web
root = pathlib.Path(foc_web.__file__).parent
sources = sorted(root.rglob("*.py"))
unusable = []
for source in sources:
    cached = pathlib.Path(importlib.util.cache_from_source(str(source)))
    data = cached.read_bytes() if cached.exists() else b""
    # PEP 552: magic of this interpreter, flags 0b11 (checked hash), then the source's hash
    if (data[:4] != importlib.util.MAGIC_NUMBER or int.from_bytes(data[4:8], "little") != 3
            or data[8:16] != importlib.util.source_hash(source.read_bytes())):
        unusable.append(str(source.relative_to(root)))
json.dumps({"sources": len(sources), "unusable": unusable})
"""))
    assert out["sources"] > 40 and out["unusable"] == [], out


def test_the_wheel_record_matches_every_file():
    (wheel,) = WHEELS.glob("foc_web-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        record_name = next(n for n in names if n.endswith(".dist-info/RECORD"))
        rows = [line.split(",") for line in zf.read(record_name).decode().splitlines()]
        listed = {path for path, _, _ in rows}
        assert listed == names
        for path, checksum, size in rows:
            if path == record_name:
                continue
            data = zf.read(path)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert (checksum, int(size)) == (f"sha256={digest}", len(data)), path
    assert sum(n.endswith(".cpython-314.pyc") for n in names) == sum(n.endswith(".py") for n in names)
