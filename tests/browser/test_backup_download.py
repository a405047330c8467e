"""save_backup in a real page downloads a file (Blob + link) that restores on CPython."""

import asyncio
import time


from foc_web.engine import FocEngine

PASSWORD = "Correct-Horse-Battery-Staple-42"
BACKUP_PASSWORD = "Backup-Passphrase-Violet-Otter-77"

SCRIPT = """
const [site, network] = arguments;
const done = arguments[arguments.length - 1];
import(site + "static/foc-loader.js").then(({ loadFocWeb }) => loadFocWeb()).then((py) => py.runPythonAsync(`
from foc_web.engine import FocEngine
engine = FocEngine(network="${network}", rpc={"${network}": "http://127.0.0.1:9/rpc"})
account = await engine.accounts.create(password="${"%s"}", private_key=0x5eed)
backup = await engine.accounts.create_backup([account.address], "${"%s"}")
await engine.accounts.save_backup(backup, "foc-${network}.json")
account.address
`)).then(done).catch((e) => done("error: " + e));
""" % (PASSWORD, BACKUP_PASSWORD)


def test_backup_downloads_as_a_file(browser, site_url, tmp_path):
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    network = "dl" + __import__("secrets").token_hex(3)
    browser.get(site_url + "index.html")
    address = browser.execute_async_script(SCRIPT, site_url, network)
    assert address.startswith("0x"), address
    target = tmp_path / f"foc-{network}.json"
    for _ in range(50):
        if target.exists():
            break
        time.sleep(0.1)
    text = target.read_text()
    engine = FocEngine(network=network, rpc={network: "http://127.0.0.1:9/rpc"})
    restored = asyncio.run(engine.accounts.restore_from_backup(text, BACKUP_PASSWORD))
    assert restored["restored"] == [address]
    asyncio.run(engine.accounts.unlock(address, password=PASSWORD))
    assert engine.accounts._private_key(address) == 0x5EED
