"""Two tabs of one origin create the same account at once: navigator.locks lets exactly one write."""

from .conftest import screenshot

START = """
const [site, network] = arguments;
window.outcome = (async () => {
  const { loadFocWeb } = await import(site + "static/foc-loader.js");
  const py = await loadFocWeb();
  await new Promise((r) => setTimeout(r, 0));
  return py.runPythonAsync(`
from foc_web.engine import FocEngine
from foc_web.errors import FocError
engine = FocEngine(network="${network}", rpc={"${network}": "http://127.0.0.1:9/rpc"})
try:
    account = await engine.accounts.create(password="Correct-Horse-Battery-Staple-42", private_key=12345)
    result = "created " + account.address
except FocError as error:
    result = error.code
result
`);
})().catch((e) => "error: " + e);
"""


def test_two_tabs_create_the_same_account_once(browser, site_url):
    network = "tabs" + __import__("secrets").token_hex(3)
    browser.get(site_url + "index.html")
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(site_url + "index.html")
    second = browser.current_window_handle
    for handle in (first, second):
        browser.switch_to.window(handle)
        browser.execute_script(START, site_url, network)
    outcomes = []
    for handle in (first, second):
        browser.switch_to.window(handle)
        outcomes.append(browser.execute_async_script("window.outcome.then(arguments[arguments.length - 1]);"))
    screenshot(browser, "two-tabs")
    assert sorted(o.split(" ")[0] for o in outcomes) == ["ACCOUNT_EXISTS", "created"], outcomes
    stored = browser.execute_script(
        "return Object.keys(localStorage).filter((k) => k.startsWith(arguments[0]));", f"foc_{network}_"
    )
    assert len(stored) == 1
