"""The built site in a real browser: the JS demo (on the facade) boots foc_web offline from 127.0.0.1 only."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .conftest import assert_stayed_local, screenshot


def test_demo_boots_offline_and_shows_random_value(browser, site_url):
    # Python in the page (not the demo's default Web Worker), so the page's network log sees every fetch.
    browser.get(site_url + "demo/?worker=0")
    WebDriverWait(browser, 120).until(lambda d: d.find_element(By.ID, "status").text == "Ready.")
    screenshot(browser, "demo-boot")
    runtime = browser.find_element(By.ID, "runtime").text
    random_hex = browser.find_element(By.ID, "random").text
    assert runtime == "pyodide-browser"
    assert len(bytes.fromhex(random_hex)) == 32 and random_hex != "00" * 32

    network = assert_stayed_local(browser)
    assert any(u.endswith("pyodide.asm.wasm") for u in network)
    assert any("foc_web-" in u and u.endswith(".whl") for u in network)


def test_reload_shows_a_fresh_random_value(browser, site_url):
    values = []
    for _ in range(2):
        browser.get(site_url + "demo/")
        WebDriverWait(browser, 120).until(lambda d: d.find_element(By.ID, "status").text == "Ready.")
        values.append(browser.find_element(By.ID, "random").text)
    assert values[0] != values[1]


def test_loader_boots_foc_web_in_a_plain_page(browser, site_url):
    browser.get(site_url + "index.html")
    result = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const stages = [];
        import(arguments[0] + "static/foc-loader.js")
          .then(({ loadFocWeb }) => loadFocWeb({ onProgress: (s, f) => stages.push([s, f]) }))
          .then((py) => done({ runtime: py.runPython("from foc_web import platform; platform.runtime"), stages }))
          .catch((e) => done({ error: String(e) }));
        """,
        site_url,
    )
    assert "error" not in result, result
    assert result["runtime"] == "pyodide-browser"
    assert [s for s, _ in result["stages"]] == ["pyodide", "packages", "import", "ready"]
    assert result["stages"][-1][1] == 1


def test_a_tampered_wheel_is_refused_at_boot(browser, tmp_path):
    """The loader fetches the boot wheels with the integrity the build recorded: one changed byte
    in foc_web's wheel and the boot fails with a clear error, nothing of it installed."""
    import shutil
    import threading

    from .conftest import SITE, _load_build_module

    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    (wheel,) = site.glob("foc_web-*.whl")
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0x01
    wheel.write_bytes(bytes(data))
    server = _load_build_module().make_server(site, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        browser.get(url + "index.html")
        result = browser.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            import(arguments[0] + "static/foc-loader.js").then(({ loadFocWeb }) => loadFocWeb())
              .then(() => done({ booted: true })).catch((e) => done({ error: String(e) }));
            """,
            url,
        )
    finally:
        server.shutdown()
    assert "booted" not in result and "foc_web-" in result["error"] and "SHA-256" in result["error"], result
