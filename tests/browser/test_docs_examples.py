"""docs/API.md cannot drift from the code: every method of the table has a section, every
```js example``` block runs in a fresh page of the built site, every ```python``` block on CPython.
A ```js``` block that is not an example must say why it does not run (```js no-run: reason```).

JS examples are ES modules importing "/static/foc-engine.js"; the test loads each as a module (a
blob: URL, with that specifier made absolute) and waits for its top-level await to finish. Examples
that need a node read the global RPC_URL: tests/rpcnode.py's test double, with the examples' fixed
test keys registered (ROTATION_KEY only for the rotateKeys example, whose owner change the node
executes: the other examples keep signing with EXAMPLE_KEY).
"""

import ast
import asyncio
import json
import re
from pathlib import Path

import pytest

from foc_web.bridge import Bridge
from foc_web.stark.address import compute_account_address
from foc_web.stark.keys import get_stark_key
from tests.conftest import start_chromium
from tests.rpcnode import RpcNode

from .conftest import screenshot

API_MD = Path(__file__).resolve().parents[2] / "docs" / "API.md"
EXAMPLE_KEY = 0x2DCCCE1DA22003777062EE0870E9881B460A8B7EBA12A8D7E5E1A7D1C2B3A4F  # the docs' test key
ROTATION_KEY = 0x1B63B034919D9CACD0B8F6A0DD044C7674EAECEEBC60F224A558912DCD266D9  # the rotateKeys example's
_BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.S | re.M)
_TEXT = API_MD.read_text()
_JS_LANGS = {"js", "javascript", "mjs", "jsx", "ts", "typescript"}
JS_BLOCKS = [(info.strip(), body) for lang, info, body in _BLOCK.findall(_TEXT) if lang.lower() in _JS_LANGS]
JS_EXAMPLES = [body for info, body in JS_BLOCKS if info == "example"]
_NO_RUN = re.compile(r"no-run:\s*\S.{9,}")  # a mark with a reason of 10+ characters
MAX_NO_RUN = 1  # today none: every JS block of docs/API.md runs
PY_EXAMPLES = [body for lang, info, body in _BLOCK.findall(_TEXT) if lang == "python" and "import" in body
               and "await" in body]

_RUN_MODULE = """
const done = arguments[arguments.length - 1];
const [source, rpcUrl] = arguments;
window.RPC_URL = rpcUrl;
const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
import(url).then(() => done({ ok: true }), (e) => done({ error: String(e), code: e && e.code, stack: e && e.stack }));
"""


def _example_id(body):
    """A readable test id: the first engine method an example calls (other than create, which most call)."""
    found = re.search(r"accounts\.(?!create\()(\w+)\(", body) or re.search(r"FocEngine\.(\w+)", body)
    return found.group(1) if found else "example"


@pytest.fixture(scope="module")
def node():
    node = RpcNode().start()
    public_key = get_stark_key(EXAMPLE_KEY)
    node.register_account(compute_account_address(public_key, "openzeppelin", None), public_key)
    rotating = get_stark_key(ROTATION_KEY)
    node.register_account(compute_account_address(rotating, "openzeppelin", None), rotating)
    yield node
    node.stop()


@pytest.fixture(scope="module")
def page_browser():
    """One Chromium for the module (a warm HTTP cache); each example still gets a fresh page."""
    driver = start_chromium(script_timeout=180)
    yield driver
    driver.quit()


def test_every_table_method_has_a_section_and_every_section_a_method():
    methods = set(json.loads(Bridge.methods()))
    sections = set(re.findall(r"^### (\w+)$", _TEXT, re.M))
    assert methods - sections == set(), "methods of Bridge.methods() missing from docs/API.md"
    assert sections - methods == set(), "docs/API.md documents methods the table does not have"


def test_examples_were_found():
    assert len(JS_EXAMPLES) >= 10 and len(PY_EXAMPLES) >= 10
    for body in JS_EXAMPLES:
        assert 'from "/static/foc-engine.js"' in body


def test_every_js_block_runs_or_says_why_not():
    """A JS block is an example (run below) or marked ```js no-run: reason```; nothing else."""
    fences = re.findall(r"^```[ \t]*(\w*)", _TEXT, re.M)
    assert len(fences) % 2 == 0, "an unclosed ``` fence in docs/API.md"
    opening = fences[::2]
    assert "" not in opening, "a ``` block without a language in docs/API.md: tag it (```js example, ```python, ...)"
    assert len(JS_BLOCKS) == sum(lang.lower() in _JS_LANGS for lang in opening)
    unmarked = [body.splitlines()[:2] for info, body in JS_BLOCKS if info != "example" and not _NO_RUN.fullmatch(info)]
    assert unmarked == [], "JS blocks of docs/API.md that are neither ```js example nor ```js no-run: reason"
    assert sum(info != "example" for info, _ in JS_BLOCKS) <= MAX_NO_RUN, "keep no-run blocks to a minimum"


@pytest.mark.parametrize("body", JS_EXAMPLES, ids=[_example_id(b) for b in JS_EXAMPLES])
def test_js_example_runs(page_browser, site_url, node, body):
    page_browser.get(site_url + "index.html")  # a fresh page: a new Pyodide, a new engine
    source = body.replace('from "/static/', f'from "{site_url}static/')
    outcome = page_browser.execute_async_script(_RUN_MODULE, source, node.url)
    if "error" in outcome:
        screenshot(page_browser, f"docs-example-{_example_id(body)}")
    assert outcome == {"ok": True}, outcome
    assert node.violations == []


@pytest.mark.parametrize("body", PY_EXAMPLES, ids=[_example_id(b) for b in PY_EXAMPLES])
def test_python_example_runs(node, body):
    code = compile(body, "docs/API.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, {"RPC_URL": node.url, "__name__": "docs_example"})  # noqa: S307 - our own docs
    if asyncio.iscoroutine(result):
        asyncio.run(result)
    assert node.violations == []
