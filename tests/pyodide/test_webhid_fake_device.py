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


def _path_of(request_hex):
    """The derivation path a recorded GET_PUBKEY request carries (4-byte big-endian indices after the header)."""
    data = bytes.fromhex(request_hex)[5:]
    indices = [int.from_bytes(data[i:i + 4], "big") for i in range(0, len(data), 4)]
    return "m/" + "/".join(f"{i & 0x7FFFFFFF}'" if i & 0x80000000 else str(i) for i in indices)


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


# What each recorded status word must become: (LedgerError subclass, words its message must contain).
ERROR_OUTCOMES = {
    "6e00": ("LedgerWrongAppError", ["not the Starknet app", "open the Starknet app"]),
    "6e01": ("LedgerWrongAppError", ["does not know this command", "open the Starknet app"]),
    "6e02": ("LedgerError", ["P1/P2"]),
    "6e03": ("LedgerError", ["length"]),
    "ff00": ("LedgerPathError", ["first level is not 2645'", "m/2645'/1195502025'/1148870696'/0'/0'/index"]),
    "ff01": ("LedgerPathError", ["does not have 6 levels", "eip2645_path"]),
    "6985": ("LedgerUserRejectedError", ["declined on the Ledger", "Blind signing"]),
}


def test_every_recorded_error_answer_through_webhid(page):
    """Each request of the errors transcript, sent verbatim over WebHID; the recorded status word
    comes back through the fake device's HID reports and becomes its typed LedgerError."""
    errors = VECTORS["errors"]
    assert {case["sw"] for case in errors} == set(ERROR_OUTCOMES)  # every recorded status word is checked
    install(page, [[case["request"], case["sw"]] for case in errors])
    out = run(page, f"""
from foc_web.ledger import apdu
transport = await connect_ledger()

async def raw(request_hex):
    return apdu.split_response(await transport.exchange(bytes.fromhex(request_hex)))

result = [await outcome(raw(case["request"])) for case in {errors!r}]
await transport.close()
import js
json.dumps({{"outcomes": result, "requests": list(js.fakeLedger.requests),
            "unexpected": list(js.fakeLedger.unexpected), "framing": list(js.fakeLedger.framingErrors)}})
""")
    assert out["requests"] == [case["request"] for case in errors]
    assert out["unexpected"] == [] and out["framing"] == []
    for case, got in zip(errors, out["outcomes"]):
        error_class, words = ERROR_OUTCOMES[case["sw"]]
        assert got["error"] == error_class, (case["what"], got)
        assert got["status_word"] == int(case["sw"], 16), case["what"]
        assert f"(status word {case['sw'].upper()})" in got["message"], got
        for word in words:
            assert word in got["message"], (case["what"], word, got["message"])


def test_client_requests_match_the_recorded_error_cases(page):
    """Where LedgerClient can build a recorded error request, it builds it byte for byte and gets the
    recorded answer as its typed error; the recorded bad paths it refuses before sending anything."""
    by_what = {case["what"]: case for case in VECTORS["errors"]}
    rejected = by_what["GET_PUBKEY P1=1 rejected on device"]
    install(page, [[rejected["request"], rejected["sw"]]])
    # The two bad paths of the transcript, decoded from its requests: 5 levels, and 44' first.
    five_levels = _path_of(by_what["GET_PUBKEY 5-element path (20 bytes)"]["request"])
    bip44_first = _path_of(by_what["GET_PUBKEY path[0] != 2645'"]["request"])
    assert five_levels == "m/2645'/1195502025'/1148870696'/0'/0'"
    assert bip44_first == "m/44'/1195502025'/1148870696'/0'/0'/0"
    out = run(page, f"""
transport = await connect_ledger()
client = LedgerClient(transport)
result = {{"rejected": await outcome(client.get_public_key({PATH!r}, confirm=True)),
          "five_levels": await outcome(client.get_public_key({five_levels!r})),
          "bip44_first": await outcome(client.get_public_key({bip44_first!r})),
          "sign_five_levels": await outcome(client.sign_hash({five_levels!r}, 1))}}
await transport.close()
import js
result["requests"] = list(js.fakeLedger.requests)
json.dumps(result)
""")
    assert (out["rejected"]["error"], out["rejected"]["status_word"]) == ("LedgerUserRejectedError", 0x6985)
    assert "Blind signing" in out["rejected"]["message"]
    for name in ("five_levels", "bip44_first", "sign_five_levels"):
        assert out[name]["error"] == "LedgerPathError" and out[name]["status_word"] is None, out[name]
        assert "m/2645'/1195502025'/1148870696'/0'/0'/index" in out[name]["message"]
    assert "BIP44" in out["bip44_first"]["message"]
    assert out["requests"] == [rejected["request"]]  # the bad paths never reached the device


def test_fake_device_refuses_bad_framing(page):
    """The double's own checks bite: a report our framing would never send is refused."""
    install(page, EXCHANGES)
    out = page.run_js("""
        const device = fakeLedger;
        await device.open();
        const good = new Uint8Array(64);
        good.set([0x01, 0x01, 0x05, 0x00, 0x00, 0x00, 0x05, 0x5a, 0x00, 0x00, 0x00, 0x00]);
        const cases = {
            short: good.slice(0, 63),
            channel: Uint8Array.from(good, (b, i) => (i === 1 ? 0x02 : b)),
            tag: Uint8Array.from(good, (b, i) => (i === 2 ? 0x06 : b)),
            sequence: Uint8Array.from(good, (b, i) => (i === 4 ? 0x01 : b)),
            padding: Uint8Array.from(good, (b, i) => (i === 20 ? 0x01 : b)),
        };
        const refused = {};
        for (const [name, report] of Object.entries(cases)) {
            try { await device.sendReport(0, report); refused[name] = false; } catch { refused[name] = true; }
        }
        await device.sendReport(0, good);
        await device.close();
        return { refused, framing: device.framingErrors.length, requests: device.requests };
    """)
    assert out["refused"] == {name: True for name in ("short", "channel", "tag", "sequence", "padding")}
    assert out["framing"] == 5 and out["requests"] == [EXCHANGES[0][0]]


def _recorded(prefix):
    """The recorded exchanges whose request starts with this hex prefix, in order."""
    return [[request, response] for request, response in EXCHANGES if request.startswith(prefix)]


@pytest.fixture
def node():
    """tests/rpcnode.py set up for the recorded INVOKE: chain SN_MAIN, the sender at nonce 1, and a fee
    estimate that with fee_multiplier=1 gives exactly the recorded resource bounds."""
    from tests.rpcnode import RpcNode

    invoke = VECTORS["invoke_v3"]
    node = RpcNode(chain_id=int(invoke["chain_id"], 16)).start()
    bounds = invoke["resource_bounds"]
    node.estimate = {f"{resource}_{part}": int(bounds[resource][index], 16)
                     for resource in ("l1_gas", "l2_gas", "l1_data_gas")
                     for index, part in ((0, "consumed"), (1, "price"))}
    yield node
    node.stop()


def test_hardware_account_lock_unlock_and_clear_signed_invoke(page, node):
    """connect_ledger over WebHID, a hardware account created, locked, unlocked without a password (the
    device's key at the path must be the account's), and the recorded INVOKE clear-signed on the device
    and accepted by the node, which recomputes the hash and checks the signature with starknet-py."""
    invoke = VECTORS["invoke_v3"]
    version, silent_key, steps = _recorded("5a0000"), _recorded("5a010000"), _recorded("5a03")
    assert len(version) == len(silent_key) == 1 and len(steps) == 7
    device_key = int(silent_key[0][1][2:66], 16)
    node.register_account(int(invoke["sender_address"], 16), device_key, nonce=int(invoke["nonce"], 16))
    install(page, version + silent_key + steps)
    call = invoke["calls"][0]
    out = run(page, f"""
import js
from foc_web.engine import FocEngine
from foc_web.errors import FocError

async def code(coroutine):
    try:
        await coroutine
        return "ok"
    except FocError as error:
        return error.code + ": " + str(error)

engine = FocEngine(network="mainnet", rpc={{"mainnet": {node.url!r}}})
accounts = engine.accounts
result = {{"version": await accounts.connect_ledger()}}
keys = await accounts.generate_private_key(provider="ledger", path={invoke["path"]!r})
result["keys"] = [keys.public_key, keys.private_key]
account = await accounts.create(public_key=keys.public_key, signer="hardware", device="ledger",
                                path={invoke["path"]!r}, address={invoke["sender_address"]!r}, username="ledger")
result["address"] = account.address
result["stored"] = json.loads(js.localStorage.getItem(account.storage_key))
transfer = dict(account=account.address, contract_address={call["to"]!r}, entrypoint="transfer",
                calldata={call["calldata"]!r}, fee_multiplier=1)
result["after_create"] = accounts.is_unlocked(account.address)  # a hardware account starts locked
result["with_password"] = await code(accounts.unlock(account.address, password="Correct-Horse-Battery-Staple-42"))
result["first_unlock"] = [await code(accounts.unlock(account.address)), accounts.is_unlocked(account.address)]
await accounts.lock(account.address)
result["locked"] = [accounts.is_unlocked(account.address), await code(accounts.invoke(**transfer))]
result["unlock"] = await code(accounts.unlock(account.address))
result["unlocked"] = accounts.is_unlocked(account.address)
result["session"] = await code(accounts.create_session(account=account.address, duration=60))
impostor = await accounts.create(public_key="0x1234", signer="hardware", device="ledger", path={invoke["path"]!r})
result["impostor"] = [await code(accounts.unlock(impostor.address)), accounts.is_unlocked(impostor.address)]
result["requests_before_invoke"] = len(js.fakeLedger.requests)
result["tx_hash"] = await accounts.invoke(**transfer)
log = await accounts.get_audit_log(address=account.address)
result["audit"] = [entry["event"] for entry in log]
await accounts.delete(impostor.address)
await accounts.delete(account.address)
result["requests"] = list(js.fakeLedger.requests)
result["unexpected"] = list(js.fakeLedger.unexpected)
result["framing"] = list(js.fakeLedger.framingErrors)
json.dumps(result)
""")
    assert out["version"] == "2.3.4"
    assert int(out["keys"][0], 16) == device_key and out["keys"][1] is None
    assert int(out["address"], 16) == int(invoke["sender_address"], 16)
    assert out["stored"]["hardware"] == {"device": "ledger", "path": invoke["path"]}
    assert "ciphertext" not in out["stored"] and "cipher" not in out["stored"]
    assert out["after_create"] is False and out["first_unlock"] == ["ok", True]
    assert out["locked"][0] is False and out["locked"][1].startswith("ACCOUNT_NOT_UNLOCKED"), out["locked"]
    assert out["with_password"].startswith("INVALID_CONFIG") and "no password" in out["with_password"]
    assert out["unlock"] == "ok" and out["unlocked"] is True
    assert "sessions are refused" in out["session"]
    assert out["impostor"][0].startswith("LEDGER_ERROR") and "another key" in out["impostor"][0]
    assert out["impostor"][1] is False
    # version; the key for generate_private_key, both unlocks and the impostor's unlock; then the INVOKE.
    # Nothing reached the device for the refused password, the locked invoke or the session.
    assert out["requests_before_invoke"] == 5
    assert out["requests"] == [r for r, _ in version + silent_key * 4 + steps]
    assert out["unexpected"] == [] and out["framing"] == []
    device_hash = int(steps[-1][1][:64], 16)
    assert int(out["tx_hash"], 16) == device_hash and device_hash in node.transactions
    assert node.violations == []
    assert {"account_creation", "authentication", "lock", "transaction_signing"} <= set(out["audit"]), out["audit"]


def test_chooser_outside_a_user_gesture(page):
    """Chromium opens the chooser only on transient user activation; without it the error says so."""
    install(page, EXCHANGES, requireUserActivation=True)
    out = run(page, "json.dumps(await outcome(connect_ledger()))")
    assert out["error"] == "LedgerTransportError" and "SecurityError" in out["message"]
    assert "user gesture, such as a click" in out["message"]


def test_webhid_without_a_chooser_as_in_a_worker(page):
    """In a dedicated Web Worker Chromium exposes navigator.hid with getDevices() but no requestDevice()
    (checked on Chromium 156): connect_ledger must say to use the main thread, as a LedgerTransportError."""
    page.run_js("""Object.defineProperty(navigator, "hid",
        { value: { getDevices: async () => [] }, configurable: true });""")
    out = run(page, """
try:
    await connect_ledger()
    got = {"error": None}
except Exception as error:
    got = {"error": type(error).__name__, "message": str(error)}
json.dumps(got)
""")
    assert out["error"] == "LedgerTransportError", out
    assert "main thread" in out["message"] or "worker" in out["message"].lower(), out
