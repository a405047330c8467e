"""foc_web.platform.webhid in headless Chromium, against a fake WebHID Ledger (tests/browser_js/fake_hid.js).

The fake checks Ledger's HID framing of every report and answers with the recorded conversation
of the real Starknet app 2.3.4 (tests/vectors/ledger_transcript.json), so version, public key,
sign-hash and the full INVOKE v3 run through the real WebHID code path and our framing.
"""

import json
from pathlib import Path

import pytest

from tests.pyodide.pages import LOAD_FOC_WEB, booted

TESTS = Path(__file__).resolve().parent.parent
FAKE_HID = (TESTS / "browser_js" / "fake_hid.js").read_text(encoding="utf-8")
VECTORS = json.loads((TESTS / "vectors" / "ledger_transcript.json").read_text(encoding="utf-8"))
EXCHANGES = VECTORS["exchanges"]
PATH = VECTORS["invoke_v3"]["path"]

PRELUDE = """
import json
from foc_web.errors import LedgerError
from foc_web.ledger import LedgerClient
from foc_web.platform.webhid import connect_ledger

async def outcome(coroutine):
    try:
        return await coroutine
    except LedgerError as error:
        return {"error": type(error).__name__, "status_word": error.status_word, "message": str(error)}
"""


@pytest.fixture(scope="module")
def page(selenium_module_scope):
    if selenium_module_scope.browser == "node":
        pytest.skip("WebHID exists only in Chromium")
    return booted(selenium_module_scope, LOAD_FOC_WEB, FAKE_HID)


def install(page, exchanges, **options):
    page.run_js(f"installFakeLedgerHid({json.dumps(exchanges)}, {json.dumps(options)});")


def run(page, code):
    return json.loads(page.run_async(PRELUDE + code))


def _response_ints(response_hex, *spans):
    return [int(response_hex[2 * a:2 * b], 16) for a, b in spans]


def test_transcript_through_webhid(page):
    install(page, EXCHANGES)
    out = run(page, f"""
from foc_web.stark.transaction import Call, ResourceBounds, ResourceBoundsMapping
tx = json.loads({json.dumps(json.dumps(VECTORS["invoke_v3"]))})
transport = await connect_ledger()
client = LedgerClient(transport)
result = {{"version": list(await client.get_version())}}
result["key"] = hex(await client.get_public_key({PATH!r}))
result["confirmed_key"] = hex(await client.get_public_key({PATH!r}, confirm=True))
msg_hash = int({EXCHANGES[4][0][10:]!r}, 16)
result["blind_signing_off"] = await outcome(client.sign_hash({PATH!r}, msg_hash))
result["hash_signature"] = [hex(v) for v in await client.sign_hash({PATH!r}, msg_hash)]
calls = [Call(int(c["to"], 16), int(c["selector"], 16), [int(v, 16) for v in c["calldata"]]) for c in tx["calls"]]
bounds = ResourceBoundsMapping(**{{k: ResourceBounds(int(a, 16), int(p, 16))
                                  for k, (a, p) in tx["resource_bounds"].items()}})
tx_hash, r, s = await client.sign_invoke_v3(
    tx["path"], int(tx["sender_address"], 16), int(tx["chain_id"], 16), int(tx["nonce"], 16), calls, bounds,
    tip=int(tx["tip"], 16), nonce_da=tx["nonce_da"], fee_da=tx["fee_da"])
result["invoke"] = [hex(tx_hash), hex(r), hex(s)]
await transport.close()
import js
result["requests"] = list(js.fakeLedger.requests)
result["unexpected"] = list(js.fakeLedger.unexpected)
result["filters"] = js.JSON.stringify(js.navigator.hid.filters)
result["opened_after_close"] = js.fakeLedger.opened
json.dumps(result)
""")
    assert out["version"] == [2, 3, 4]
    (key,) = _response_ints(EXCHANGES[1][1], (1, 33))
    assert int(out["key"], 16) == int(out["confirmed_key"], 16) == key
    assert out["blind_signing_off"]["error"] == "LedgerUserRejectedError"
    assert out["blind_signing_off"]["status_word"] == 0x6985
    assert [int(v, 16) for v in out["hash_signature"]] == _response_ints(EXCHANGES[6][1], (1, 33), (33, 65))
    assert [int(v, 16) for v in out["invoke"]] == _response_ints(EXCHANGES[-1][1], (0, 32), (33, 65), (65, 97))
    assert out["requests"] == [request for request, _ in EXCHANGES]
    assert out["unexpected"] == []
    assert json.loads(out["filters"]) == [{"vendorId": 0x2C97}]
    assert out["opened_after_close"] is False


def test_status_words_raise_typed_errors(page):
    rejected = next(case for case in VECTORS["errors"] if case["what"].startswith("GET_PUBKEY P1=1 rejected"))
    get_version = EXCHANGES[0][0]
    # 6985 is the recorded answer to this request; 6E00 (another app open) and 5515 (locked) are
    # answers a real device gives to any APDU in those states.
    install(page, [[rejected["request"], rejected["sw"]], [get_version, "6e00"], [get_version, "5515"]])
    out = run(page, f"""
transport = await connect_ledger()
client = LedgerClient(transport)
result = [await outcome(client.get_public_key({PATH!r}, confirm=True)),
          await outcome(client.get_version()), await outcome(client.get_version())]
await transport.close()
json.dumps(result)
""")
    assert [(o["error"], o["status_word"]) for o in out] == [
        ("LedgerUserRejectedError", 0x6985), ("LedgerWrongAppError", 0x6E00), ("LedgerLockedError", 0x5515)]


def test_cancelled_chooser_and_missing_webhid(page):
    install(page, EXCHANGES, cancel=True)
    cancelled = run(page, "json.dumps(await outcome(connect_ledger()))")
    assert cancelled["error"] == "LedgerTransportError" and "no Ledger was selected" in cancelled["message"]
    page.run_js('Object.defineProperty(navigator, "hid", { value: undefined, configurable: true });')
    missing = run(page, "json.dumps(await outcome(connect_ledger()))")
    assert missing["error"] == "LedgerTransportError" and "Chromium" in missing["message"]


def test_disconnect_during_an_exchange(page):
    install(page, EXCHANGES, silent=True)
    out = run(page, """
import asyncio, js
transport = await connect_ledger()
pending = asyncio.ensure_future(outcome(LedgerClient(transport).get_version()))
await asyncio.sleep(0.05)
event = js.Event.new("disconnect")
event.device = js.fakeLedger
js.navigator.hid.dispatchEvent(event)
result = await asyncio.wait_for(pending, 5)
await transport.close()
json.dumps(result)
""")
    assert out["error"] == "LedgerTransportError" and "disconnected" in out["message"]


def test_hardware_account_through_the_accounts_api(page):
    """connect_ledger() and provider="ledger" through FocEngine, over the real WebHID path."""
    install(page, EXCHANGES)
    out = run(page, f"""
from foc_web.engine import FocEngine
engine = FocEngine(network="mainnet")
version = await engine.accounts.connect_ledger()
keys = await engine.accounts.generate_private_key(provider="ledger", path={PATH!r})
account = await engine.accounts.create(public_key=keys.public_key, signer="hardware", device="ledger", path={PATH!r})
stored = json.loads(__import__("js").localStorage.getItem(account.storage_key))
await engine.accounts.delete(account.address)
json.dumps({{"version": version, "public_key": keys.public_key, "private_key": keys.private_key,
            "hardware": stored["hardware"], "has_ciphertext": "ciphertext" in stored}})
""")
    device_key = EXCHANGES[1][1][2:66]  # 04 || X || Y: the Stark key is X
    assert out["version"] == "2.3.4" and int(out["public_key"], 16) == int(device_key, 16)
    assert out["private_key"] is None and out["has_ciphertext"] is False
    assert out["hardware"] == {"device": "ledger", "path": PATH}
