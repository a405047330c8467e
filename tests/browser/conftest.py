"""Real pages in headless Chromium: the built site served on 127.0.0.1, driven by Selenium."""

import importlib.util
import os
import threading
from pathlib import Path

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
