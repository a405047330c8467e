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
