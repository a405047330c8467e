"""The demo driven like a person would: clicks and typing only, screenshots into artifacts/."""

import tempfile
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .conftest import screenshot

PASSWORD = "Correct-Horse-Battery-Staple-42"
BACKUP_PASSWORD = "Another-Long-Backup-Passphrase-7"


def text(browser, element_id):
    return browser.find_element(By.ID, element_id).text


def type_into(browser, element_id, value):
    field = browser.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(value)


def idle(browser, timeout=120):
    """Wait until no engine call is pending (the activity bar is gone)."""
    WebDriverWait(browser, timeout).until(lambda d: d.execute_script("return !document.body.dataset.busy"))


def click(browser, element_id, timeout=120):
    browser.find_element(By.ID, element_id).click()
    idle(browser, timeout)


def message(browser):
    box = browser.find_element(By.ID, "message")
    return box.text if box.is_displayed() else ""


def open_demo(browser, site_url):
    browser.get(site_url + "demo/")
    WebDriverWait(browser, 180).until(lambda d: d.find_element(By.ID, "status").text == "Ready.")
    idle(browser)


def available(browser, section):
    return browser.find_element(By.ID, section).get_attribute("data-available") == "true"


def test_demo_create_reload_unlock_lock_totp_audit(browser, site_url):
    open_demo(browser, site_url)
    assert "Web Worker" in text(browser, "engine-info")  # the demo's default: the page stays responsive
    if not available(browser, "ledger-section"):  # a section whose methods are missing says so
        assert "Not available in this build" in browser.find_element(By.CSS_SELECTOR, "#ledger-section .availability").text
    type_into(browser, "create-username", "alice")
    type_into(browser, "create-password", PASSWORD)
    click(browser, "create-btn")
    assert message(browser).startswith("Created 0x"), message(browser)
    address = text(browser, "current-address")
    assert address.startswith("0x") and len(address) == 66
    assert text(browser, "current-network") == "sepolia"
    assert text(browser, "current-state") == "unlocked"
    screenshot(browser, "demo-created")

    open_demo(browser, site_url)  # a reload: the account is still there, and locked
    assert browser.find_element(By.ID, "account-select").get_attribute("value") == address
    assert text(browser, "current-state") == "locked"

    type_into(browser, "unlock-password", "wrong-password-of-some-length")
    click(browser, "unlock-btn")
    assert "(AUTHENTICATION_FAILED)" in message(browser) and "Traceback" not in message(browser)
    screenshot(browser, "demo-wrong-password")
    type_into(browser, "unlock-password", PASSWORD)
    click(browser, "unlock-btn")
    assert text(browser, "current-state") == "unlocked", message(browser)
    click(browser, "lock-btn")
    assert text(browser, "current-state") == "locked"

    type_into(browser, "totp-password", PASSWORD)  # locked: the password unlocks it for enable2fa
    click(browser, "totp-enable-btn")
    qr = browser.find_element(By.ID, "totp-qr")
    assert qr.is_displayed(), message(browser)
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", qr)
    assert text(browser, "totp-uri").startswith("otpauth://totp/")
    screenshot(browser, "demo-totp")

    click(browser, "audit-refresh-btn")
    rows = browser.find_elements(By.CSS_SELECTOR, "#audit-table tbody tr")
    events = [row.find_elements(By.TAG_NAME, "td")[2].text for row in rows]
    assert {"account_creation", "authentication", "lock", "two_factor"} <= set(events), events
    click(browser, "audit-verify-btn")
    assert text(browser, "audit-verify-result").startswith("intact")
    browser.find_element(By.ID, "audit-section").location_once_scrolled_into_view
    screenshot(browser, "demo-audit")


def test_demo_backup_download_and_restore(browser, site_url):
    downloads = tempfile.mkdtemp(prefix="foc-downloads-")
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    open_demo(browser, site_url)
    if not available(browser, "backup-section"):
        pytest.skip("createBackup/restoreFromBackup are not in Bridge.methods() in this build")
    type_into(browser, "create-password", PASSWORD)
    click(browser, "create-btn")
    address = text(browser, "current-address")

    type_into(browser, "backup-password", BACKUP_PASSWORD)
    click(browser, "backup-create-btn")
    assert "downloaded" in text(browser, "backup-result"), message(browser)
    deadline = time.time() + 30
    while not list(Path(downloads).glob("foc-backup-*.json")) and time.time() < deadline:
        time.sleep(0.2)
    (backup,) = Path(downloads).glob("foc-backup-*.json")
    assert backup.read_text().startswith("{")

    type_into(browser, "unlock-password", PASSWORD)
    browser.find_element(By.ID, "delete-btn").click()
    browser.switch_to.alert.accept()
    idle(browser)
    assert address not in [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#account-select option")]

    browser.find_element(By.ID, "restore-file").send_keys(str(backup))
    type_into(browser, "restore-password", BACKUP_PASSWORD)
    click(browser, "restore-btn")
    assert text(browser, "backup-result").startswith("Restored 1 account(s)"), message(browser)
    assert address in [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#account-select option")]
    browser.find_element(By.ID, "backup-section").location_once_scrolled_into_view
    screenshot(browser, "demo-backup-restored")


def test_demo_mnemonic_generate_confirm_create(browser, site_url):
    open_demo(browser, site_url)
    if not available(browser, "mnemonic-section"):
        pytest.skip("generateMnemonic/createFromMnemonic are not in Bridge.methods() in this build")
    click(browser, "mnemonic-generate-btn")
    words = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#mnemonic-words li")]
    assert len(words) == 24, message(browser)
    browser.find_element(By.ID, "mnemonic-section").location_once_scrolled_into_view
    screenshot(browser, "demo-mnemonic")
    fields = browser.find_elements(By.CSS_SELECTOR, "#mnemonic-challenge input")
    assert len(fields) == 3
    fields[0].send_keys("wrong")
    for field in fields[1:]:
        field.send_keys(words[int(field.get_attribute("id").rsplit("-", 1)[1]) - 1])
    type_into(browser, "mnemonic-password", PASSWORD)
    click(browser, "mnemonic-confirm-btn")
    assert "does not match" in message(browser)
    fields[0].clear()
    fields[0].send_keys(words[int(fields[0].get_attribute("id").rsplit("-", 1)[1]) - 1])
    click(browser, "mnemonic-confirm-btn")
    assert "from the phrase" in message(browser), message(browser)
    assert browser.find_elements(By.CSS_SELECTOR, "#mnemonic-words li") == []  # the words are gone from the page
    assert text(browser, "current-state") == "unlocked"


def _fake_ledger_script():
    """tests/browser_js/fake_hid.js installed with the recorded exchanges, requiring user activation."""
    import json

    tests = Path(__file__).resolve().parents[1]
    fake_hid = (tests / "browser_js" / "fake_hid.js").read_text(encoding="utf-8")
    exchanges = json.loads((tests / "vectors" / "ledger_transcript.json").read_text(encoding="utf-8"))["exchanges"]
    options = json.dumps({"requireUserActivation": True})
    return exchanges, f"{fake_hid}\nreturn installFakeLedgerHid({json.dumps(exchanges)}, {options});"


def test_demo_connect_ledger_button_over_webhid(browser, site_url):
    """The "Connect a Ledger" button, clicked for real, in main-thread mode (?worker=0): WebHID is a fake
    navigator.hid Ledger (tests/browser_js/fake_hid.js) installed before the click, which replays the
    real app's recorded answers, checks our HID framing and, like Chromium, opens its chooser only on
    the click's user activation."""
    exchanges, install = _fake_ledger_script()
    browser.get(site_url + "demo/?worker=0")
    WebDriverWait(browser, 180).until(lambda d: d.find_element(By.ID, "status").text == "Ready.")
    idle(browser)
    assert "main thread" in text(browser, "engine-info")
    assert not browser.find_element(By.ID, "use-worker").is_selected()
    if not available(browser, "ledger-section"):
        pytest.skip("connectLedger is not in Bridge.methods() in this build")
    assert browser.execute_script(install)
    click(browser, "ledger-connect-btn")
    assert message(browser) == "", message(browser)
    # The app version (recorded 020304) and the public key at the standard path (recorded 04 || X || Y).
    public_key = hex(int(exchanges[1][1][2:66], 16))
    assert text(browser, "ledger-result") == f"Starknet app 2.3.4, public key {public_key}", text(browser, "ledger-result")
    fake = browser.execute_script("return {requests: fakeLedger.requests, unexpected: fakeLedger.unexpected, "
                                  "framing: fakeLedger.framingErrors, opened: fakeLedger.opened, "
                                  "active: navigator.hid.activeWhenAsked, filters: navigator.hid.filters}")
    assert fake["active"] is True  # the chooser was asked for within the click's user activation
    assert fake["filters"] == [{"vendorId": 0x2C97}]
    assert fake["requests"] == [exchanges[0][0], exchanges[1][0]]  # version, then the silent public key
    assert fake["unexpected"] == [] and fake["framing"] == []
    assert fake["opened"] is True  # the engine keeps the device for hardware accounts
    browser.find_element(By.ID, "ledger-section").location_once_scrolled_into_view
    screenshot(browser, "demo-ledger-connected")


def test_demo_connect_ledger_in_worker_mode_says_why(browser, site_url):
    """In the demo's default worker mode the button cannot work (no WebHID chooser in a worker); it must
    say so as a typed LEDGER_TRANSPORT error pointing at the main-thread setting, never an internal error."""
    _, install = _fake_ledger_script()
    open_demo(browser, site_url)
    assert "Web Worker" in text(browser, "engine-info")
    if not available(browser, "ledger-section"):
        pytest.skip("connectLedger is not in Bridge.methods() in this build")
    assert browser.execute_script(install)  # the page's fake is out of the worker's reach anyway
    click(browser, "ledger-connect-btn")
    assert text(browser, "ledger-result") == ""
    assert browser.execute_script("return fakeLedger.requests") == []
    assert "(LEDGER_TRANSPORT)" in message(browser) and "worker" in message(browser).lower(), message(browser)


# ------------------------------------------------------------------ RPC invoke, live events, KDF progress
# The demo against tests/rpcnode.py (a local Starknet JSON-RPC test double) set as its RPC URL, its live
# security-events list, and the activity bar while the vault key is derived.

import json  # noqa: E402

from foc_web.stark.address import compute_account_address  # noqa: E402
from tests.rpcnode import RpcNode  # noqa: E402

from .conftest import assert_stayed_local  # noqa: E402

STRK = "0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7"


@pytest.fixture
def node():
    node = RpcNode().start()
    yield node
    node.stop()


def use_rpc(browser, url):
    """Settings: the RPC URL field, Apply, and wait for the restarted engine."""
    type_into(browser, "rpc-url", url)
    browser.find_element(By.ID, "settings-apply").click()
    WebDriverWait(browser, 180).until(
        lambda d: d.find_element(By.ID, "status").text == "Ready." and url in d.find_element(By.ID, "engine-info").text)
    idle(browser)


def events_shown(browser):
    return [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#events-list li:not(.empty)")]


def create_account(browser):
    type_into(browser, "create-password", PASSWORD)
    click(browser, "create-btn")
    assert message(browser).startswith("Created 0x"), message(browser)
    return text(browser, "current-address")


def test_demo_session_invoke_against_the_configured_rpc_url(browser, site_url, node):
    open_demo(browser, site_url)
    use_rpc(browser, node.url)
    assert f"RPC {node.url}" in text(browser, "engine-info")
    address = create_account(browser)
    # "Deploy" the account on the test node: its public key is in the vault record (stored in clear).
    record = json.loads(browser.execute_script("return localStorage.getItem(arguments[0])", f"foc_sepolia_{address}"))
    public_key = int(record["account"]["public_key"], 16)
    assert compute_account_address(public_key, "openzeppelin", None) == int(address, 16)
    node.register_account(int(address, 16), public_key)

    type_into(browser, "session-max-value", "1000")
    type_into(browser, "session-contracts", STRK)
    click(browser, "session-btn")
    assert message(browser).startswith("Session created."), message(browser)
    assert text(browser, "session-token") != "none"
    assert browser.find_element(By.ID, "invoke-contract").get_attribute("value") == STRK
    type_into(browser, "invoke-calldata", "0x1234, 7, 0")
    click(browser, "invoke-session-btn")
    assert message(browser) == "Transaction accepted.", message(browser)
    shown = text(browser, "invoke-result")
    tx_hash, outcome = shown.split(": ", 1)
    assert outcome == "ACCEPTED_ON_L2, SUCCEEDED", shown
    browser.set_window_size(1280, 1000)
    browser.execute_script("document.getElementById('invoke-form').scrollIntoView()")
    screenshot(browser, "demo-invoke-rpc")  # the transaction hash, accepted by the node

    # The node accepted exactly this transaction: starknet-py re-hashed it and checked the signature.
    assert list(node.transactions) == [int(tx_hash, 16)]
    tx = node.transactions[int(tx_hash, 16)]
    assert int(tx["sender_address"], 16) == int(address, 16) and tx["version"] == "0x3"
    assert [int(v, 16) for v in tx["calldata"][:2]] == [1, int(STRK, 16)]  # one call, to the token
    assert [int(v, 16) for v in tx["calldata"][-3:]] == [0x1234, 7, 0]
    assert node.nonces[int(address, 16)] == 1
    assert node.violations == []
    methods = {request["method"] for request in node.requests}
    assert {"starknet_chainId", "starknet_getNonce", "starknet_estimateFee", "starknet_addInvokeTransaction",
            "starknet_getTransactionReceipt"} <= methods, methods
    # A contract this account never called before is a live security event on the page.
    assert any("unusual_transaction" in e and "new_contract" in e for e in events_shown(browser)), events_shown(browser)
    browser.set_window_size(780, 580)  # the event's long details must not make the page scroll sideways
    assert browser.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert_stayed_local(browser)


def test_demo_lockout_shows_a_live_security_event(browser, site_url):
    open_demo(browser, site_url)
    assert events_shown(browser) == [] and text(browser, "events-list") == "None yet."
    address = create_account(browser)
    click(browser, "lock-btn")
    for attempt in range(5):  # the default lockout policy: 5 failures
        type_into(browser, "unlock-password", f"wrong-password-number-{attempt}")
        click(browser, "unlock-btn")
        assert "(AUTHENTICATION_FAILED)" in message(browser), message(browser)
        if attempt < 4:
            assert events_shown(browser) == []
    (event,) = events_shown(browser)
    assert "multiple_failed_auth on sepolia" in event and address[:8] in event and '"count":5' in event, event
    type_into(browser, "unlock-password", PASSWORD)  # the right password, too early
    click(browser, "unlock-btn")
    assert "(ACCOUNT_LOCKED)" in message(browser), message(browser)
    assert text(browser, "current-state") == "locked"
    browser.find_element(By.ID, "events-section").location_once_scrolled_into_view
    screenshot(browser, "demo-security-event")


_WATCH_ACTIVITY = """
window.activitySeen = [];
const box = document.getElementById("activity");
const note = () => {
  const spinner = box.querySelector(".spinner").getBoundingClientRect();
  window.activitySeen.push({
    at: performance.now(), shown: !box.hidden && box.getBoundingClientRect().height > 0,
    text: document.getElementById("activity-text").textContent,
    spinning: getComputedStyle(box.querySelector(".spinner")).animationName, spinnerSize: spinner.width,
    buttonDisabled: document.getElementById("create-btn").disabled,
  });
};
new MutationObserver(note).observe(box, { attributes: true, attributeFilter: ["hidden"] });
"""


def test_demo_shows_kdf_progress_while_creating(browser, site_url):
    open_demo(browser, site_url)
    assert not browser.find_element(By.ID, "activity").is_displayed()
    browser.execute_script(_WATCH_ACTIVITY)
    type_into(browser, "create-password", PASSWORD)
    browser.find_element(By.ID, "create-btn").click()
    if browser.execute_script("return !!document.body.dataset.busy"):
        screenshot(browser, "demo-kdf-progress")  # the bar, while the vault key is being derived
    idle(browser)
    assert message(browser).startswith("Created 0x"), message(browser)
    shown, hidden = browser.execute_script("return window.activitySeen")
    assert shown["shown"] and not hidden["shown"], (shown, hidden)
    assert shown["text"] == "Creating the account: deriving the vault key (PBKDF2-SHA256, 600,000 iterations)…"
    assert shown["spinning"] == "spin" and shown["spinnerSize"] > 0 and shown["buttonDisabled"]
    assert hidden["at"] - shown["at"] > 50  # on screen for the whole derivation (600,000 iterations)
    assert not browser.find_element(By.ID, "activity").is_displayed()


def test_demo_hides_the_phrase_check_until_a_phrase_exists(browser, site_url):
    """The confirm form is hidden until "Generate" (a display rule of its own must not override hidden)."""
    open_demo(browser, site_url)
    if not available(browser, "mnemonic-section"):
        pytest.skip("generateMnemonic/createFromMnemonic are not in Bridge.methods() in this build")
    assert not browser.find_element(By.ID, "mnemonic-confirm-form").is_displayed()
    assert not browser.find_element(By.ID, "mnemonic-confirm-btn").is_displayed()
    click(browser, "mnemonic-generate-btn")
    assert browser.find_element(By.ID, "mnemonic-confirm-btn").is_displayed(), message(browser)
