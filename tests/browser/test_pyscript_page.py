"""demo/pyscript.html: PyScript boots foc_web from the site alone and shows what foc_web's platform gives it."""

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .conftest import assert_stayed_local, screenshot


def open_page(browser, site_url):
    browser.get(site_url + "demo/pyscript.html")
    WebDriverWait(browser, 180).until(lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))
    network = assert_stayed_local(browser)
    return {key: browser.find_element(By.ID, key).text for key in ("random", "runtime")}, network


def test_pyscript_page_shows_foc_web_random_bytes_and_runtime(browser, site_url):
    first, network = open_page(browser, site_url)
    screenshot(browser, "pyscript-page")
    assert re.fullmatch(r"[0-9a-f]{64}", first["random"]), first
    assert first["runtime"].startswith("pyodide-browser ") and "emscripten" in first["runtime"], first
    assert any("pyscript/core" in u for u in network)
    assert any("foc_web-" in u and u.endswith(".whl") for u in network)

    second, _ = open_page(browser, site_url)
    assert re.fullmatch(r"[0-9a-f]{64}", second["random"]) and second["random"] != first["random"]
