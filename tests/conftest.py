"""Test set-up shared by every suite: a private FOC_HOME, and the Pyodide runtimes' settings.

Pyodide runs through pytest-pyodide (Chromium via Selenium, and Node), on the site that
``build.py`` assembles in dist/test-site: the production site plus test-only wheels and a zip of
tests/portable. CPython tests never touch the real ~/.foc.
"""

import os
import tempfile

os.environ.setdefault("FOC_HOME", tempfile.mkdtemp(prefix="foc-home-"))
os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")

from pytest_pyodide import get_global_config  # noqa: E402

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]



def start_chromium(*extra_flags, script_timeout=120, network_log=False):
    """Headless Debian Chromium with a fresh profile, driven by Selenium (never downloads a browser)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*CHROMIUM_FLAGS, *extra_flags):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='foc-chromium-')}")
    if network_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(script_timeout)
    return driver


_config = get_global_config()
_config.set_flags("chrome", ["--js-flags=--expose-gc", *CHROMIUM_FLAGS])
# Node runs Pyodide in a vm context that only sees the globals listed here.
_config.add_node_extra_globals(["crypto", "URL", "Blob"])
