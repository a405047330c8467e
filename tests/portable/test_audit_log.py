"""The hash-chained audit log: recording, filters, levels, and tampering found by verify().

Hashes are recomputed here with hashlib and json from the documented format, not taken from foc_web.
Tampering is done directly on the stored JSON, as an attacker with access to the store would.
"""

import asyncio
import datetime
import hashlib
import json
import secrets

import pytest

from foc_web import platform
from foc_web.audit.log import DETAIL_KEYS, EVENTS, AuditLog
from foc_web.errors import ConfigError, InvalidInputError, VaultFormatError

ALICE = "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7"
BOB = "0x1234"
DAY = 86400.0
JAN_1 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc).timestamp()


def canonical_hash(record):
    body = {k: v for k, v in record.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ticking_clock(times):
    """A fake clock returning ``times`` one after the other."""
    it = iter(times)
    return lambda: next(it)


async def five_record_log():
    store = platform.MemoryStore()
    log = AuditLog("sepolia", store=store, clock=ticking_clock([JAN_1 + i for i in range(20)]))
    await log.append("account_creation", address=ALICE, details={"username": "alice", "account_class": "argent"})
    await log.append("unlock", address=ALICE)
    await log.append("transaction_signing", address=ALICE, details={"tx_hash": "0xabc", "nonce": 3})
    await log.append("authentication", address=BOB, outcome="failure", details={"reason": "wrong password"})
    await log.append("lock", address=ALICE)
    return log, store


async def stored(store, key):
    return json.loads(await store.get(key))


async def put(store, key, value):
    await store.set(key, json.dumps(value, separators=(",", ":"), ensure_ascii=False))


async def test_append_builds_the_documented_chain():
    log, store = await five_record_log()
    records = await stored(store, "foc_audit_sepolia_log")
    assert [r["seq"] for r in records] == [0, 1, 2, 3, 4]
    assert records[0]["prev"] == "0" * 64
    for before, record in zip(records, records[1:]):
        assert record["prev"] == before["hash"]
    for record in records:
        assert record["hash"] == canonical_hash(record)
        assert record["v"] == 1 and record["network"] == "sepolia"
    assert records[0] == {
        "v": 1,
        "seq": 0,
        "time": JAN_1,
        "event": "account_creation",
        "network": "sepolia",
        "address": ALICE,
        "outcome": "success",
        "details": {"username": "alice", "account_class": "argent"},
        "prev": "0" * 64,
        "hash": records[0]["hash"],
    }
    assert await stored(store, "foc_audit_sepolia_head") == {"count": 5, "hash": records[4]["hash"]}
    assert (await log.verify()).ok


async def test_append_returns_the_stored_record():
    store = platform.MemoryStore()
    log = AuditLog("mainnet", store=store, clock=lambda: 1700000000)
    record = await log.append("key_generation", address="0xABCdef", details={"scheme": "bip44", "path": "m/44'/9004'"})
    assert record["time"] == 1700000000.0 and isinstance(record["time"], float)
    assert record["address"] == "0xabcdef"
    assert (await log.records()) == [record]
    assert record["hash"] == canonical_hash(record)


async def test_records_filters_by_address_event_and_dates():
    log, _ = await five_record_log()
    assert [r["seq"] for r in await log.records()] == [0, 1, 2, 3, 4]
    # Addresses compare by value: leading zeros and case do not matter.
    shouted = "0x49D36570D4E46F48E99674BD3FCC84644DDD6B96F7C741B1562B82F9E004DC7"
    assert [r["seq"] for r in await log.records(address=shouted)] == [0, 1, 2, 4]
    assert [r["seq"] for r in await log.records(address="0x0000001234")] == [3]
    assert await log.records(address="0x99") == []
    assert [r["seq"] for r in await log.records(events=["unlock", "lock"])] == [1, 4]
    assert [r["seq"] for r in await log.records(events="authentication")] == [3]
    assert await log.records(events=[]) == []
    assert [r["seq"] for r in await log.records(address=ALICE, events=["lock", "authentication"])] == [4]
    # Epoch numbers, both ends inclusive.
    assert [r["seq"] for r in await log.records(start_date=JAN_1 + 1, end_date=JAN_1 + 3)] == [1, 2, 3]


async def test_date_filters_accept_iso_strings_and_datetimes():
    store = platform.MemoryStore()
    # Dec 31 23:00, Jan 1 00:00, Jan 1 12:00, Jan 1 23:59:59, Jan 2 00:00 (UTC)
    times = [JAN_1 - 3600, JAN_1, JAN_1 + DAY / 2, JAN_1 + DAY - 1, JAN_1 + DAY]
    log = AuditLog("sepolia", store=store, clock=ticking_clock(times))
    for _ in times:
        await log.append("lock")

    async def seqs(**filters):
        return [r["seq"] for r in await log.records(**filters)]

    # A date alone covers the whole UTC day, at either end.
    assert await seqs(start_date="2026-01-01", end_date="2026-01-01") == [1, 2, 3]
    assert await seqs(end_date="2025-12-31") == [0]
    assert await seqs(start_date="2026-01-02") == [4]
    assert await seqs(start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 1, 1)) == [1, 2, 3]
    # A date-time is an instant, inclusive; without a zone it is UTC.
    assert await seqs(start_date="2026-01-01T12:00:00", end_date="2026-01-02T00:00:00") == [2, 3, 4]
    assert await seqs(end_date="2026-01-01T12:00:00Z") == [0, 1, 2]
    assert await seqs(end_date="2026-01-01T13:00:00+01:00") == [0, 1, 2]
    assert await seqs(start_date=datetime.datetime(2026, 1, 1, 12), end_date=datetime.datetime(2026, 1, 1, 12)) == [2]
    east = datetime.timezone(datetime.timedelta(hours=2))
    assert await seqs(start_date=datetime.datetime(2026, 1, 2, 1, 59, 59, tzinfo=east)) == [3, 4]
    for bad in ("yesterday", "2026-13-01", [2026], float("nan"), True):
        with pytest.raises(InvalidInputError):
            await log.records(start_date=bad)


async def test_records_are_copies():
    log, _ = await five_record_log()
    first = await log.records()
    first[0]["details"]["username"] = "mallory"
    first.pop()
    again = await log.records()
    assert len(again) == 5 and again[0]["details"]["username"] == "alice"
    assert (await log.verify()).ok


async def test_unknown_names_and_bad_arguments_are_refused():
    store = platform.MemoryStore()
    log = AuditLog("sepolia", store=store)
    with pytest.raises(InvalidInputError):
        await log.append("acount_creation")
    with pytest.raises(InvalidInputError):
        await log.append("lock", outcome="ok")
    for address in ("0x", "1234", "0xZZ", 1234, "0x" + "1" * 65):
        with pytest.raises(InvalidInputError):
            await log.append("lock", address=address)
    with pytest.raises(InvalidInputError):
        await log.records(events=["unlocked"])
    with pytest.raises(InvalidInputError):
        await log.records(address="alice")
    assert await store.keys() == []


def test_constructor_options_are_checked():
    for network in ("", "main_net", "a/b", "x" * 129, 1):
        with pytest.raises(ConfigError):
            AuditLog(network)
    with pytest.raises(ConfigError):
        AuditLog("sepolia", level="verbose")
    with pytest.raises(ConfigError):
        AuditLog("sepolia", enabled="yes")


def test_every_documented_event_exists():
    documented = {
        "key_generation", "account_creation", "account_deletion", "authentication", "key_access", "lock", "unlock",
        "lockout", "password_change", "transaction_signing", "session_created", "session_revoked", "two_factor",
        "security_event", "backup_created", "backup_restored", "key_rotation", "network_switch", "keystore_export",
        "keystore_import", "export", "account_read",
    }
    assert documented <= set(EVENTS)
    assert {e for e in EVENTS if e.startswith("recovery_")}
    assert set(EVENTS) - documented == {e for e in EVENTS if e.startswith("recovery_")}


# (event, outcome, details) -> the least level that records it
LEVEL_CASES = [
    ("account_creation", "success", None, "basic"),
    ("account_deletion", "success", None, "basic"),
    ("authentication", "failure", None, "basic"),
    ("authentication", "success", None, "detailed"),
    ("lockout", "success", {"retry_after": 1.5e9}, "basic"),
    ("key_rotation", "success", None, "basic"),
    ("recovery_completed", "success", {"guardian": "0x5"}, "basic"),
    ("backup_restored", "success", {"backup_id": "b1"}, "basic"),
    ("backup_created", "success", {"backup_id": "b1"}, "detailed"),
    ("password_change", "success", None, "basic"),
    ("security_event", "success", {"reason": "integrity check failed"}, "basic"),
    ("keystore_export", "success", None, "basic"),
    ("key_access", "success", {"method": "export"}, "basic"),
    ("key_access", "success", {"method": "decrypt"}, "detailed"),
    ("unlock", "success", None, "detailed"),
    ("lock", "success", None, "detailed"),
    ("key_generation", "success", None, "detailed"),
    ("transaction_signing", "success", None, "detailed"),
    ("session_created", "success", {"session_id": "ab" * 32}, "detailed"),
    ("session_revoked", "success", None, "detailed"),
    ("two_factor", "success", {"method": "totp"}, "detailed"),
    ("two_factor", "failure", {"method": "totp"}, "basic"),
    ("export", "success", {"format": "json"}, "detailed"),
    ("network_switch", "success", {"new_network": "mainnet"}, "detailed"),
    ("account_read", "success", None, "paranoid"),
]


@pytest.mark.parametrize("level", ["basic", "detailed", "paranoid"])
async def test_levels_record_what_the_table_says(level):
    store = platform.MemoryStore()
    log = AuditLog("sepolia", level=level, store=store)
    order = ["basic", "detailed", "paranoid"]
    expected = []
    for event, outcome, details, least in LEVEL_CASES:
        record = await log.append(event, outcome=outcome, details=details, address=ALICE)
        recorded = order.index(least) <= order.index(level)
        assert (record is not None) == recorded, (event, outcome, details)
        if recorded:
            expected.append((event, outcome))
    assert [(r["event"], r["outcome"]) for r in await log.records()] == expected
    assert (await log.verify()).count == len(expected)


async def test_disabled_log_records_nothing_but_still_checks_arguments():
    store = platform.MemoryStore()
    log = AuditLog("sepolia", enabled=False, level="paranoid", store=store)
    assert await log.append("account_creation", address=ALICE) is None
    assert await store.keys() == []
    assert await log.records() == []
    with pytest.raises(InvalidInputError):
        await log.append("no_such_event")
    with pytest.raises(InvalidInputError):
        await log.append("lock", details={"password": "x"})
    verification = await log.verify()
    assert verification.ok and verification.count == 0


@pytest.mark.parametrize(
    "details",
    [
        {"password": "hunter2"},
        {"private_key": "0x1"},
        {"secret": "s"},
        {"mnemonic": "abandon abandon"},
        {"seed": "00"},
        {"token": "tok"},
        {"passphrase": "p"},
        {"username": "alice", "private_key": "0x1"},
        {"username": {"nested": "dict"}},
        {"reason": b"bytes"},
        {"reason": "x" * 257},
        {"guardians": ["0x1"] * 17},
        {"guardians": [["0x1"]]},
        {"value": float("nan")},
        {"value": float("inf")},
        {"session_id": "the-raw-session-token"},
        {1: "non-string key"},
        ["username", "alice"],
    ],
)
async def test_refused_details_leave_the_store_unchanged(details):
    log, store = await five_record_log()
    before = {key: await store.get(key) for key in await store.keys()}
    with pytest.raises(InvalidInputError) as caught:
        await log.append("account_creation", address=ALICE, details=details)
    for secret in ("hunter2", "abandon abandon", "the-raw-session-token"):
        assert secret not in str(caught.value)
    assert {key: await store.get(key) for key in await store.keys()} == before


async def test_allowed_details_round_trip():
    store = platform.MemoryStore()
    log = AuditLog("sepolia", store=store)
    details = {
        "username": "élodie",
        "guardians": ("0x1", "0x2"),
        "value": 10**30,
        "retry_after": 1.5,
        "count": 0,
        "reason": None,
        "method": "export",
        "session_id": hashlib.sha256(b"token").hexdigest(),
    }
    assert set(details) <= DETAIL_KEYS
    record = await log.append("key_access", details=details)
    assert record["details"] == dict(details, guardians=["0x1", "0x2"])
    assert (await log.records())[0]["details"] == record["details"]
    assert "élodie" in await store.get("foc_audit_sepolia_log")  # stored as UTF-8 text, not \\u escapes
    assert (await log.verify()).ok


async def test_verify_finds_an_edited_detail():
    log, store = await five_record_log()
    records = await stored(store, "foc_audit_sepolia_log")
    records[2]["details"]["nonce"] = 4
    await put(store, "foc_audit_sepolia_log", records)
    result = await log.verify()
    assert (result.ok, result.count, result.first_bad) == (False, 5, 2)
    assert "edited" in result.reason


async def test_verify_finds_an_edit_whose_hash_was_recomputed():
    log, store = await five_record_log()
    records = await stored(store, "foc_audit_sepolia_log")
    records[1]["outcome"] = "failure"
    records[1]["hash"] = canonical_hash(records[1])
    await put(store, "foc_audit_sepolia_log", records)
    result = await log.verify()
    assert (result.ok, result.first_bad) == (False, 2)
    assert "does not chain" in result.reason


async def test_verify_finds_a_deleted_middle_record():
    log, store = await five_record_log()
    records = await stored(store, "foc_audit_sepolia_log")
    del records[2]
    await put(store, "foc_audit_sepolia_log", records)
    result = await log.verify()
    assert (result.ok, result.count, result.first_bad) == (False, 4, 2)
    assert result.reason.startswith("record 2 has seq 3: a record before it was removed")


async def test_verify_finds_reordered_records():
    log, store = await five_record_log()
    records = await stored(store, "foc_audit_sepolia_log")
    records[1], records[3] = records[3], records[1]
    await put(store, "foc_audit_sepolia_log", records)
    result = await log.verify()
    assert (result.ok, result.first_bad) == (False, 1)
    assert result.reason.startswith("record 1 has seq 3") and "order" in result.reason


async def test_verify_finds_a_dropped_last_record_through_the_head_anchor():
    log, store = await five_record_log()
    records = await stored(store, "foc_audit_sepolia_log")
    await put(store, "foc_audit_sepolia_log", records[:-1])
    result = await log.verify()
    assert (result.ok, result.count, result.first_bad) == (False, 4, 4)
    assert "removed from the end" in result.reason


async def test_rewriting_log_and_head_together_is_not_detected():
    # The documented limit: tamper-evident, not tamper-proof.
    log, store = await five_record_log()
    records = await stored(store, "foc_audit_sepolia_log")
    await put(store, "foc_audit_sepolia_log", records[:-1])
    await put(store, "foc_audit_sepolia_head", {"count": 4, "hash": records[3]["hash"]})
    assert (await log.verify()).ok


async def test_verify_finds_a_missing_or_wrong_head():
    log, store = await five_record_log()
    head = await store.get("foc_audit_sepolia_head")
    await store.delete("foc_audit_sepolia_head")
    result = await log.verify()
    assert not result.ok and "head anchor is missing" in result.reason
    await put(store, "foc_audit_sepolia_head", {"count": 5, "hash": "0" * 64})
    result = await log.verify()
    assert (result.ok, result.first_bad) == (False, 4)
    await store.set("foc_audit_sepolia_head", "{not json")
    assert not (await log.verify()).ok
    await store.set("foc_audit_sepolia_head", head)
    assert (await log.verify()).ok


GARBAGE = ["", "[{", "not json at all", '{"seq": 0}', "[1, 2]", '[{"v": 1}]', "[NaN]", "[1e999]"]


@pytest.mark.parametrize("garbage", GARBAGE)
async def test_malformed_log_is_reported_not_raised(garbage):
    log, store = await five_record_log()
    await store.set("foc_audit_sepolia_log", garbage)
    result = await log.verify()
    assert result.ok is False and result.reason
    with pytest.raises(VaultFormatError):
        await log.records()
    # Appending onto a broken log would bury the evidence: it is refused and nothing changes.
    with pytest.raises(VaultFormatError):
        await log.append("lock")
    assert await store.get("foc_audit_sepolia_log") == garbage


@pytest.mark.parametrize("number", ["NaN", "-Infinity", "1e999"])
async def test_non_json_numbers_smuggled_into_a_record_are_reported(number):
    log, store = await five_record_log()
    raw = await store.get("foc_audit_sepolia_log")
    await store.set("foc_audit_sepolia_log", raw.replace('"nonce":3', f'"nonce":{number}'))
    result = await log.verify()
    assert (result.ok, result.count, result.first_bad) == (False, 0, None)
    assert "not valid JSON" in result.reason
    with pytest.raises(VaultFormatError):
        await log.append("lock")


async def test_verify_finds_a_record_moved_from_another_network():
    log, store = await five_record_log()
    other = AuditLog("mainnet", store=store, clock=lambda: JAN_1)
    await other.append("lock")
    foreign = (await other.records())[0]
    records = await stored(store, "foc_audit_sepolia_log")
    foreign.update(seq=5, prev=records[-1]["hash"])
    foreign["hash"] = canonical_hash(foreign)
    await put(store, "foc_audit_sepolia_log", records + [foreign])
    await put(store, "foc_audit_sepolia_head", {"count": 6, "hash": foreign["hash"]})
    result = await log.verify()
    assert (result.ok, result.first_bad) == (False, 5) and "mainnet" in result.reason


async def test_concurrent_appends_get_distinct_sequence_numbers():
    store = platform.MemoryStore()
    log = AuditLog("sepolia", store=store)
    results = await asyncio.gather(*(log.append("lock", details={"count": i}) for i in range(12)))
    assert sorted(r["seq"] for r in results) == list(range(12))
    assert sorted(r["details"]["count"] for r in await log.records()) == list(range(12))
    verification = await log.verify()
    assert (verification.ok, verification.count) == (True, 12)


async def test_default_store_of_the_platform():
    network = "test-" + secrets.token_hex(6)
    log = AuditLog(network)
    store = platform.store()
    try:
        await log.append("account_creation", address=ALICE)
        await log.append("lock", address=ALICE)
        assert json.loads(await store.get(log.log_key))[1]["event"] == "lock"
        assert log.log_key == f"foc_audit_{network}_log" and log.head_key == f"foc_audit_{network}_head"
        assert [r["seq"] for r in await AuditLog(network).records()] == [0, 1]
        assert (await log.verify()).ok
    finally:
        await store.delete(log.log_key)
        await store.delete(log.head_key)
    assert await store.keys(f"foc_audit_{network}") == []


# -- segments and retention -------------------------------------------------------------------

SEGMENT = 128  # the documented segment size (docs/FORMAT.md)


async def long_log(count, max_records=None, store=None):
    store = store or platform.MemoryStore()
    log = AuditLog("sepolia", store=store, max_records=max_records, clock=lambda: JAN_1)
    for i in range(count):
        await log.append("lock", details={"count": i})
    return log, store


async def test_records_fill_segments_that_chain_into_one_log():
    log, store = await long_log(300)
    segments = [await stored(store, key) for key in
                ("foc_audit_sepolia_log", "foc_audit_sepolia_log-1", "foc_audit_sepolia_log-2")]
    assert [len(s) for s in segments] == [SEGMENT, SEGMENT, 300 - 2 * SEGMENT]
    assert await store.get("foc_audit_sepolia_log-3") is None
    records = [r for s in segments for r in s]
    assert [r["seq"] for r in records] == list(range(300))
    prev = "0" * 64
    for record in records:
        assert record["prev"] == prev and record["hash"] == canonical_hash(record)
        prev = record["hash"]
    assert await stored(store, "foc_audit_sepolia_head") == {"count": 300, "hash": prev}
    assert [r["details"]["count"] for r in await log.records()] == list(range(300))
    assert ((await log.verify()).ok, (await log.verify()).count) == (True, 300)


async def test_tampering_in_a_later_segment_or_losing_one_is_found():
    log, store = await long_log(300)
    middle = await store.get("foc_audit_sepolia_log-1")
    edited = json.loads(middle)
    edited[5]["details"]["count"] = 999
    await put(store, "foc_audit_sepolia_log-1", edited)
    result = await log.verify()
    assert (result.ok, result.first_bad) == (False, SEGMENT + 5) and "edited" in result.reason
    await store.delete("foc_audit_sepolia_log-1")
    result = await log.verify()
    assert not result.ok and "removed from the end" in result.reason
    await store.set("foc_audit_sepolia_log-1", middle)
    assert (await log.verify()).ok


async def test_retention_drops_whole_old_segments_and_the_rest_still_verifies():
    log, store = await long_log(400, max_records=200)
    head = await stored(store, "foc_audit_sepolia_head")
    assert await store.get("foc_audit_sepolia_log") is None  # records 0-127 dropped
    kept = await log.records()
    assert [r["seq"] for r in kept] == list(range(SEGMENT, 400)) and len(kept) >= 200
    assert head["first"] == {"seq": SEGMENT, "prev": kept[0]["prev"]} and head["count"] == 400
    result = await log.verify()
    assert (result.ok, result.count) == (True, 400 - SEGMENT)
    # the kept chain is still anchored: cutting its first record is found
    first_kept = await stored(store, "foc_audit_sepolia_log-1")
    await put(store, "foc_audit_sepolia_log-1", first_kept[1:])
    assert not (await log.verify()).ok


async def test_without_max_records_nothing_is_dropped():
    log, store = await long_log(2 * SEGMENT + 1)
    assert "first" not in await stored(store, "foc_audit_sepolia_head")
    assert len(await log.records()) == 2 * SEGMENT + 1


class FailingStore(platform.MemoryStore):
    """A store whose next write or delete of ``key`` fails, as a crash at that point would."""

    def __init__(self):
        super().__init__()
        self.fail_on = None

    async def set(self, key, value):
        if key == self.fail_on:
            self.fail_on = None
            raise OSError("simulated crash")
        await super().set(key, value)

    async def delete(self, key):
        if key == self.fail_on:
            self.fail_on = None
            raise OSError("simulated crash")
        await super().delete(key)


async def test_a_crash_between_segment_and_anchor_is_reported_then_healed():
    store = FailingStore()
    log, _ = await long_log(SEGMENT, store=store)
    store.fail_on = "foc_audit_sepolia_head"  # the new segment is written, the anchor is not
    with pytest.raises(OSError):
        await log.append("lock")
    result = await log.verify()
    assert not result.ok and "cut short" in result.reason
    record = await log.append("unlock")
    assert record["seq"] == SEGMENT + 1
    assert (await log.verify()).ok


async def test_a_crash_during_pruning_leaves_a_stray_segment_never_a_gap():
    store = FailingStore()
    log, _ = await long_log(SEGMENT + 199, max_records=200, store=store)
    store.fail_on = "foc_audit_sepolia_log"  # the anchor moves on, deleting segment 0 fails
    with pytest.raises(OSError):
        await log.append("lock")
    assert await store.get("foc_audit_sepolia_log") is not None
    assert (await log.verify()).ok and [r["seq"] for r in await log.records()][0] == SEGMENT
    for _ in range(SEGMENT):  # the next prune also deletes the stray segment
        await log.append("lock")
    assert await store.get("foc_audit_sepolia_log") is None and await store.get("foc_audit_sepolia_log-1") is None
    assert (await log.verify()).ok


@pytest.mark.parametrize("first", [{"seq": 5, "prev": "0" * 64}, {"seq": SEGMENT}, "x", {"seq": 10**6, "prev": "0" * 64}])
async def test_a_malformed_first_in_the_anchor_is_reported_and_blocks_appends(first):
    log, store = await five_record_log()
    head = await stored(store, "foc_audit_sepolia_head")
    await put(store, "foc_audit_sepolia_head", {**head, "first": first})
    result = await log.verify()
    assert not result.ok and "malformed" in result.reason
    with pytest.raises(VaultFormatError):
        await log.append("lock")


@pytest.mark.parametrize("max_records", [0, 5, SEGMENT - 1, "1000", True, 1.5])
def test_max_records_is_checked(max_records):
    with pytest.raises(ConfigError):
        AuditLog("sepolia", max_records=max_records)
