"""Real pages in headless Chromium: the built site served on 127.0.0.1, driven by Selenium."""

import importlib.util
import json
import os
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import start_chromium

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("FOC_SITE", ROOT / "dist" / "site"))
ARTIFACTS = ROOT / "artifacts"


def _load_build_module():
    spec = importlib.util.spec_from_file_location("foc_build", ROOT / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def site_url():
    """The production site (dist/site), served by build.py's own server on a free port."""
    server = _load_build_module().make_server(SITE, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture
def browser():
    """A fresh Chromium profile per test, logging every network request it makes."""
    driver = start_chromium(network_log=True)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver, name):
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def requested_urls(driver):
    """Every URL the browser asked for, from Chromium's own network log (DevTools events)."""
    urls = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.add(message["params"]["request"]["url"])
    return urls


def assert_stayed_local(driver):
    """No request of the page (network log and resource timing) went anywhere but 127.0.0.1.

    Returns the network log's URLs, for further checks. Needs the ``browser`` fixture's network log."""
    network = requested_urls(driver)
    resources = set(driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)"))
    for url in resources | network:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https", "ws", "wss", "ftp"):
            continue  # data:, blob: and the browser's own chrome:// pages never touch the network
        assert parsed.hostname == "127.0.0.1", f"request left 127.0.0.1: {url}"
    return network
