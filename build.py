#!/usr/bin/env python3
"""foc-web's one entry point: fetch dependencies, build the wheel and the offline site, serve, test, bench.

    python3 build.py demo [--port 8000]   set everything up, build dist/site and serve it
    python3 build.py test [pytest args]    set everything up (Chromium too) and run the whole suite
    python3 build.py bench                 print the benchmarks, as ratios against the references
    python3 build.py wheel | site | serve  single steps

Standard library only, so it runs on a bare machine. Each step is skipped when its inputs did not
change since the last run (a stamp file records their hash).
"""

import argparse
import base64
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
CACHE = ROOT / ".cache"
DIST = ROOT / "dist"
SITE = DIST / "site"
TEST_SITE = DIST / "test-site"
REQS = ROOT / "requirements"
NODE_MODULES = ROOT / "node_modules"
PYODIDE_CORE = [
    "pyodide.mjs", "pyodide.js", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
    "pyodide.mjs.map", "pyodide.js.map",
]
JS_REFERENCES = ("@scure/starknet", "@noble/curves", "@noble/hashes")  # raced in bench/browser/, test site only
MIME_TYPES = {
    ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
    ".json": "application/json", ".whl": "application/zip", ".zip": "application/zip",
    ".html": "text/html", ".css": "text/css", ".svg": "image/svg+xml", ".map": "application/json",
    ".py": "text/x-python", ".toml": "application/toml",
}


def log(message):
    print(f"[build] {message}", flush=True)


def run(*command, **kwargs):
    log(" ".join(str(c) for c in command))
    subprocess.run([str(c) for c in command], check=True, **kwargs)


def digest(*paths, extra=""):
    h = hashlib.sha256(extra.encode())
    for path in paths:
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes() if path.is_file() else b"-")
    return h.hexdigest()


def up_to_date(stamp, key):
    return stamp.is_file() and stamp.read_text() == key


def venv_python():
    return VENV / "bin" / "python"


def ensure_venv():
    """A virtualenv in .venv with foc_web's CPython dependencies, test tools and oracles."""
    stamp = VENV / ".foc-stamp"
    key = digest(REQS / "dev.txt", extra=sys.version)
    if up_to_date(stamp, key):
        return
    if not venv_python().exists():
        run(sys.executable, "-m", "venv", VENV)
    run(venv_python(), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", REQS / "dev.txt")
    stamp.write_text(key)


def ensure_npm():
    """Pinned npm packages: Pyodide core, PyScript, hash-wasm, and the @scure oracles for tests."""
    stamp = NODE_MODULES / ".foc-stamp"
    key = digest(ROOT / "package.json", ROOT / "package-lock.json")
    if up_to_date(stamp, key):
        return
    run("npm", "ci", "--no-audit", "--no-fund", cwd=ROOT)
    stamp.write_text(key)


def ensure_pyodide_wheels(name):
    """py3.14 pure-Python wheels for inside Pyodide, checked against the hashes in requirements/."""
    requirements = REQS / f"{name}.txt"
    target = CACHE / "wheels" / name
    stamp = target / ".foc-stamp"
    key = digest(requirements)
    if not up_to_date(stamp, key):
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        ensure_venv()  # its pip: the system Python may have none
        run(
            venv_python(), "-m", "pip", "download", "--disable-pip-version-check", "-q", "--no-deps",
            "--python-version", "3.14", "--only-binary=:all:", "--require-hashes",
            "-r", requirements, "-d", target,
        )
        stamp.write_text(key)
    return sorted(target.glob("*.whl"))


def build_wheel():
    """foc_web's own py3-none-any wheel, built with flit_core from the venv (no network), with
    Pyodide's bytecode added (``add_pyodide_bytecode``)."""
    ensure_venv()
    ensure_npm()
    out = DIST / "wheels"
    if out.exists():
        shutil.rmtree(out)
    run(venv_python(), "-m", "pip", "wheel", "--disable-pip-version-check", "-q", "--no-deps",
        "--no-build-isolation", "-w", out, ROOT)
    (wheel,) = out.glob("foc_web-*.whl")
    add_pyodide_bytecode(wheel)
    log(f"built {wheel.relative_to(ROOT)}")
    return wheel


# Compiles the sources given on stdin ({path: text}) with the Pyodide of node_modules, answers
# {pyc path: base64 bytes}. Checked-hash pycs: the importer uses one only while the source's hash
# still matches it, so a pyc can never stand in for a different source.
PYODIDE_COMPILE = """
import { loadPyodide } from "%s";
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);  // readFileSync(0) fails on a big pipe
const py = await loadPyodide();
py.globals.set("SOURCES", Buffer.concat(chunks).toString("utf8"));
process.stdout.write(py.runPython(`
import base64, importlib.util, json, pathlib, py_compile
out = {}
for path, text in json.loads(SOURCES).items():
    source = pathlib.Path("/tmp/wheel", path)
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(text, encoding="utf-8")
    target = importlib.util.cache_from_source(path)
    py_compile.compile(str(source), cfile="/tmp/pyc", dfile=path, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    out[target] = base64.b64encode(pathlib.Path("/tmp/pyc").read_bytes()).decode()
json.dumps(out)
`));
"""


def add_pyodide_bytecode(wheel):
    """Add __pycache__/*.cpython-314.pyc, compiled by Pyodide's own Python, to the wheel.

    Pyodide's file system is in memory, so without them every page load compiles all of foc_web
    again: about 0.2 s of the boot. CPython 3.11 ignores them (another cache tag).
    """
    with zipfile.ZipFile(wheel) as zf:
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    sources = {info.filename: data.decode("utf-8") for info, data in entries if info.filename.endswith(".py")}
    script = PYODIDE_COMPILE % (NODE_MODULES / "pyodide" / "pyodide.mjs").as_uri()
    done = subprocess.run(["node", "--input-type=module", "-e", script], input=json.dumps(sources),
                          capture_output=True, text=True, check=True)
    compiled = {name: base64.b64decode(data) for name, data in json.loads(done.stdout).items()}
    record_info, record = next((info, data) for info, data in entries if info.filename.endswith(".dist-info/RECORD"))
    lines = record.decode().splitlines()
    for name, data in sorted(compiled.items()):
        checksum = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.insert(-1, f"{name},sha256={checksum},{len(data)}")  # before RECORD's own line
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, "\n".join(lines) + "\n" if info is record_info else data)
        for name, data in sorted(compiled.items()):
            zf.writestr(zipfile.ZipInfo(name, record_info.date_time), data, zipfile.ZIP_DEFLATED)


def wheel_metadata(wheel):
    """(project name, version, top-level imports, requirements that apply inside Pyodide) of a wheel."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    imports = sorted({
        n.split("/")[0].removesuffix(".py") for n in names
        if not n.split("/")[0].endswith((".dist-info", ".data")) and (n.endswith(".py") or "/" in n)
    })
    fields = [line.split(": ", 1) for line in meta.splitlines() if ": " in line]
    name = next(v for k, v in fields if k == "Name")
    version = next(v for k, v in fields if k == "Version")
    requires = []
    for key, value in fields:
        requirement, _, marker = value.partition(";")
        if key != "Requires-Dist" or "extra" in marker or re.search(r"sys_platform\s*!=\s*.emscripten", marker):
            continue
        requires.append(normalize(re.match(r"[A-Za-z0-9._-]+", requirement.strip()).group()))
    return name, version, imports, requires


def normalize(name):
    return name.lower().replace("_", "-").replace(".", "-")


#: foc_web's dependencies that the browser loads on first use (foc_web.platform.require), so they
#: stay out of foc-web's lock entry and out of the boot.
LOADED_ON_FIRST_USE = {"zxcvbn", "pyotp", "segno"}


def patch_lock(lock, wheels):
    """List each shipped wheel in pyodide-lock.json under its own file name, sha256 and dependencies.

    PyPI wheels differ from Pyodide's own builds, so the browser's integrity check would reject them
    under the original entries; entries for packages Pyodide does not know are added.
    """
    packages = lock["packages"]
    metadata = {wheel: wheel_metadata(wheel) for wheel in wheels}
    shipped = {normalize(name) for name, *_ in metadata.values()}
    for wheel, (name, version, imports, depends) in metadata.items():
        key = normalize(name)
        entry = dict(packages.get(key, {}))
        entry.update(
            name=name, version=version, file_name=wheel.name, install_dir="site", package_type="package",
            sha256=hashlib.sha256(wheel.read_bytes()).hexdigest(), imports=imports,
            depends=[d for d in depends if (d in packages or d in shipped) and d not in LOADED_ON_FIRST_USE],
            unvendored_tests=False,
        )
        entry.setdefault("tool", {})
        packages[key] = entry
    return lock


def copy_tree(source, target, ignore=None):
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=ignore)


def assemble(target, wheels):
    """A self-contained site: Pyodide core, patched lock, wheels, hash-wasm, PyScript, static/, demo/."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    pyodide = NODE_MODULES / "pyodide"
    for name in PYODIDE_CORE:
        if (pyodide / name).exists():
            shutil.copy2(pyodide / name, target / name)
    for wheel in wheels:
        shutil.copy2(wheel, target / wheel.name)
    lock = patch_lock(json.loads((pyodide / "pyodide-lock.json").read_text()), wheels)
    (target / "pyodide-lock.json").write_text(json.dumps(lock, indent=1))
    (target / "hash-wasm").mkdir()
    shutil.copy2(NODE_MODULES / "hash-wasm" / "dist" / "index.esm.min.js", target / "hash-wasm" / "index.esm.min.js")
    copy_tree(NODE_MODULES / "@pyscript" / "core" / "dist", target / "pyscript")
    copy_tree(ROOT / "static", target / "static")
    copy_tree(ROOT / "demo", target / "demo")
    shutil.copy2(ROOT / "static" / "index.html", target / "index.html")
    (target / "foc-web-manifest.json").write_text(
        json.dumps({"wheel": next(w.name for w in wheels if w.name.startswith("foc_web-")),
                    "packages": sorted(normalize(wheel_metadata(w)[0]) for w in wheels),
                    "boot": boot_wheels(lock)}, indent=1)
    )


def boot_wheels(lock):
    """foc-web and its dependencies in the lock, as static/foc-loader.js installs them at boot:
    file names with their SRI integrity strings (the fetch checks them)."""
    packages, names, todo = lock["packages"], [], ["foc-web"]
    while todo:
        name = todo.pop()
        if name not in names:
            names.append(name)
            todo.extend(packages[name]["depends"])
    return [{"file": packages[name]["file_name"],
             "integrity": "sha256-" + base64.b64encode(bytes.fromhex(packages[name]["sha256"])).decode()}
            for name in names]


def build_sites():
    """dist/site (what the demo serves) and dist/test-site (the same plus test wheels and tests)."""
    ensure_npm()
    runtime_wheels = ensure_pyodide_wheels("pyodide")
    test_wheels = ensure_pyodide_wheels("pyodide-test")
    own = build_wheel()
    assemble(SITE, [own, *runtime_wheels])
    assemble(TEST_SITE, [own, *runtime_wheels, *test_wheels])
    bundle_tests(TEST_SITE / "foc-tests.zip")
    add_browser_bench(TEST_SITE)
    log(f"site ready in {SITE.relative_to(ROOT)}")


def add_browser_bench(target):
    """bench/browser/ pages and the ESM sources of the JS references they race (test site only)."""
    for package in JS_REFERENCES:  # the built .js files only: no TypeScript sources, typings, maps
        copy_tree(NODE_MODULES / package, target / "vendor" / package,
                  ignore=shutil.ignore_patterns("src", "*.ts", "*.map", "*.md"))
    copy_tree(ROOT / "bench" / "browser", target / "bench")


def bundle_tests(path):
    """The portable tests and their vectors, unpacked inside Pyodide by the test harness."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for folder in ("tests/portable", "tests/vectors"):
            for file in sorted((ROOT / folder).rglob("*")):
                if file.is_file() and "__pycache__" not in file.parts:
                    zf.write(file, file.relative_to(ROOT))


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def log_message(self, format, *args):
        if os.environ.get("FOC_SERVER_LOG"):
            super().log_message(format, *args)


def make_server(directory, port=0, host="127.0.0.1"):
    """A threaded static server bound to loopback only, with the MIME types Pyodide needs."""
    handler = functools.partial(SiteHandler, directory=str(directory))
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve(port):
    server = make_server(SITE, port)
    log(f"serving {SITE.relative_to(ROOT)} at http://127.0.0.1:{server.server_port}/ (Ctrl-C stops)")
    print(f"http://127.0.0.1:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


#: Debian packages the tests drive for real: the browser and its driver, and a Secret Service
#: (gnome-keyring under dbus-run-session) for the OS-keychain backend. command -> package.
TEST_PROGRAMS = {"chromium": "chromium", "chromedriver": "chromium-driver", "gnome-keyring-daemon": "gnome-keyring",
                 "dbus-run-session": "dbus-daemon", "dbus-launch": "dbus-x11"}


def ensure_test_programs():
    missing = sorted({package for program, package in TEST_PROGRAMS.items() if not shutil.which(program)})
    if not missing:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    run(*sudo, "apt-get", "update", "-qq", env=env)
    run(*sudo, "apt-get", "install", "-y", "-qq", *missing, env=env)


def test_environment():
    return {
        **os.environ,
        "SE_OFFLINE": "true",
        "SE_AVOID_STATS": "true",
        "FOC_TEST_SITE": str(TEST_SITE),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def test(pytest_args):
    ensure_test_programs()
    build_sites()
    command = [venv_python(), "-m", "pytest", *(pytest_args or ["tests"])]
    log(" ".join(str(c) for c in command))
    return subprocess.run([str(c) for c in command], cwd=ROOT, env=test_environment()).returncode


def bench(args):
    ensure_test_programs()
    build_sites()
    command = [venv_python(), "bench/run.py", *args]
    return subprocess.run([str(c) for c in command], cwd=ROOT, env=test_environment()).returncode


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["demo", "test", "bench", "wheel", "site", "serve"])
    parser.add_argument("--port", type=int, default=int(os.environ.get("FOC_PORT", "8000")))
    args, rest = parser.parse_known_args(argv)
    if args.command == "wheel":
        build_wheel()
    elif args.command == "site":
        build_sites()
    elif args.command == "serve":
        serve(args.port)
    elif args.command == "demo":
        build_sites()
        serve(args.port)
    elif args.command == "test":
        return test(rest)
    elif args.command == "bench":
        return bench(rest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
