"""A hash-chained audit log of security events, one per network.

Each record holds the SHA-256 of the record before it (``prev``) and of its own canonical JSON
(``hash``), so editing, deleting, inserting or reordering a record breaks the chain at that point.
Removing records from the end leaves a valid chain, so the count and last hash are also kept in a
second store key, the head anchor, written after the log. Someone who can rewrite both keys can
still rewrite history consistently: the log is tamper-evident, not tamper-proof. A crash between
the two writes leaves the anchor one record behind, which ``verify`` reports too.

Records are stored in segments of ``SEGMENT_RECORDS``: records 0 to 127 under
``foc_audit_{network}_log``, then 128 to 255 under ``foc_audit_{network}_log-1``, and so on, with
the anchor under ``foc_audit_{network}_head``; an append reads and rewrites only the last segment,
so its cost does not grow with the log. On CPython they share the folder ``audit/{network}/``.
With ``max_records`` the oldest whole segments are dropped once more than that many records are
kept; the anchor then also holds ``first``: the first kept seq and the hash it chains to, so the
kept records still verify as one unbroken chain.

No record holds a secret: ``details`` only accepts the keys in ``DETAIL_KEYS``, with short scalar
values, and names such as password, private_key, mnemonic, seed or token are not among them.
"""

import dataclasses
import datetime
import json
import math
import re

from .. import platform
from ..errors import ConfigError, InvalidInputError, VaultFormatError
from ..platform import keys

LEVELS = ("basic", "detailed", "paranoid")
OUTCOMES = ("success", "failure")
FORMAT_VERSION = 1
GENESIS_PREV = "0" * 64
FIELDS = frozenset({"v", "seq", "time", "event", "network", "address", "outcome", "details", "prev", "hash"})
SEGMENT_RECORDS = 128
#: Records an engine keeps per network by default: about 0.7 MB of JSON, well inside the
#: localStorage quota the vaults share (security.logging.max_records; None keeps everything).
DEFAULT_MAX_RECORDS = 2000

#: event -> (least level that records a success, least level that records a failure).
#: basic keeps the security-critical, detailed adds routine successes, paranoid adds reads.
#: One exception, in ``_least_level``: key_access with details method="export" (a private key
#: leaving the vault) is recorded from basic on; method="decrypt" follows this table.
EVENT_LEVELS = {
    "account_creation": ("basic", "basic"),
    "account_deletion": ("basic", "basic"),
    "lockout": ("basic", "basic"),
    "password_change": ("basic", "basic"),
    "key_rotation": ("basic", "basic"),
    "security_event": ("basic", "basic"),
    "backup_restored": ("basic", "basic"),
    "keystore_export": ("basic", "basic"),
    "keystore_import": ("basic", "basic"),
    "recovery_setup": ("basic", "basic"),
    "recovery_initiated": ("basic", "basic"),
    "recovery_approved": ("basic", "basic"),
    "recovery_completed": ("basic", "basic"),
    "recovery_cancelled": ("basic", "basic"),
    "authentication": ("detailed", "basic"),
    "unlock": ("detailed", "basic"),
    "two_factor": ("detailed", "basic"),
    "key_access": ("detailed", "basic"),
    "lock": ("detailed", "detailed"),
    "key_generation": ("detailed", "detailed"),
    "transaction_signing": ("detailed", "detailed"),
    "session_created": ("detailed", "detailed"),
    "session_revoked": ("detailed", "detailed"),
    "export": ("detailed", "detailed"),
    "network_switch": ("detailed", "detailed"),
    "backup_created": ("detailed", "detailed"),
    "account_read": ("paranoid", "paranoid"),
}
EVENTS = tuple(EVENT_LEVELS)

#: The only keys ``details`` may hold: public facts about an event, never key material or passwords.
#: session_id is the SHA-256 (hex) of the session token, never the token itself.
DETAIL_KEYS = frozenset({
    "username", "account_class", "class_hash", "storage_type", "kdf", "scheme", "path", "method",
    "reason", "contract_address", "entrypoint", "tx_hash", "nonce", "chain_id", "value", "max_fee",
    "session_id", "device_id", "retry_after", "count", "failed_attempts", "old_network", "new_network",
    "backup_id", "guardian", "guardians", "threshold", "approved_weight", "from_address", "to_address", "format",
})
MAX_TEXT = 256
MAX_LIST = 16
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{1,64}$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclasses.dataclass(frozen=True)
class AuditVerification:
    """What ``verify`` found: ``first_bad`` is the index of the first record (or missing record) at fault."""

    ok: bool
    count: int
    first_bad: int | None
    reason: str


class AuditLog:
    """The audit log of one network, kept in segments in the store (appends under a platform lock)."""

    def __init__(self, network, *, enabled=True, level="detailed", max_records=None, store=None, clock=None):
        try:
            self.log_key = keys.make_key("audit", network, "log")
            self.head_key = keys.make_key("audit", network, "head")
            self._lock_name = keys.check_segment(f"audit-{network}", "lock name")
        except ValueError as error:
            raise ConfigError(f"audit log network: {error}") from None
        if type(enabled) is not bool:
            raise ConfigError(f"audit enabled must be a bool, got {type(enabled).__name__}")
        if level not in LEVELS:
            raise ConfigError(f"audit level {level!r} is not one of {LEVELS}")
        check_max_records(max_records)
        self.network = network
        self.enabled = enabled
        self.level = level
        self.max_records = max_records
        self._store = store
        self._clock = clock

    def _store_now(self):
        return self._store if self._store is not None else platform.store()

    def segment_key(self, index):
        """The store key of segment ``index`` (records index * SEGMENT_RECORDS onwards)."""
        return self.log_key if index == 0 else f"{self.log_key}-{index}"

    async def append(self, event, *, address=None, outcome="success", details=None):
        """Record ``event``; returns the record, or None when logging is off or below this level."""
        _check_event(event)
        if outcome not in OUTCOMES:
            raise InvalidInputError(f"audit outcome {outcome!r} is not one of {OUTCOMES}")
        address = None if address is None else _check_address(address)
        details = _check_details(details)
        if not self.enabled or LEVELS.index(self.level) < LEVELS.index(_least_level(event, outcome, details)):
            return None
        store = self._store_now()
        async with platform.current.lock(self._lock_name):
            head = await self._load_head(store)
            # The anchor is never ahead of the log; after a crash it is one record behind, and the
            # log, as the segment shows it, wins (verify reports the gap until this append heals it).
            index = head["count"] // SEGMENT_RECORDS
            entries = await self._load_segment(store, index)
            prev = entries[-1]["hash"] if entries else head["hash"]
            while len(entries) >= SEGMENT_RECORDS:
                index, entries = index + 1, await self._load_segment(store, index + 1)
                prev = entries[-1]["hash"] if entries else prev
            record = {
                "v": FORMAT_VERSION,
                "seq": index * SEGMENT_RECORDS + len(entries),
                "time": _check_time((self._clock or platform.now)()),
                "event": event,
                "network": self.network,
                "address": address,
                "outcome": outcome,
                "details": details,
                "prev": prev,
            }
            record["hash"] = _record_hash(record)
            entries.append(record)
            await store.set(self.segment_key(index), _dumps(entries))
            new_head = {"count": record["seq"] + 1, "hash": record["hash"]}
            if "first" in head:
                new_head["first"] = head["first"]
            await store.set(self.head_key, _dumps(new_head))
            await self._prune(store, new_head)
        return record

    async def _prune(self, store, head):
        """Drop the oldest whole segments while more than ``max_records`` records would remain.

        The anchor's ``first`` is moved before a segment is deleted, so a crash in between leaves
        a stray old segment (ignored, deleted by the next prune), never a gap."""
        if self.max_records is None:
            return
        first = head.get("first", {"seq": 0, "prev": GENESIS_PREV})
        index = first["seq"] // SEGMENT_RECORDS
        while head["count"] - (index + 1) * SEGMENT_RECORDS >= self.max_records:
            dropped = await self._load_segment(store, index)
            first = {"seq": (index + 1) * SEGMENT_RECORDS, "prev": dropped[-1]["hash"]}
            await store.set(self.head_key, _dumps({**head, "first": first}))
            for stray in range(index, -1, -1):
                if await store.get(self.segment_key(stray)) is None:
                    break
                await store.delete(self.segment_key(stray))
            index += 1

    async def records(self, address=None, start_date=None, end_date=None, events=None):
        """Records in log order, filtered by address, time range (end inclusive) and event names."""
        wanted_address = None if address is None else int(_check_address(address), 16)
        start = None if start_date is None else _time_bound(start_date, "start_date", end=False)[0]
        end, end_inclusive = (None, True) if end_date is None else _time_bound(end_date, "end_date", end=True)
        if events is not None:
            events = [events] if isinstance(events, str) else events
            if not isinstance(events, (list, tuple, set, frozenset)):
                raise InvalidInputError("events must be an event name or a list of them")
            for event in events:
                _check_event(event)
            events = set(events)

        def keep(record):
            if wanted_address is not None and (not record["address"] or int(record["address"], 16) != wanted_address):
                return False
            if start is not None and record["time"] < start:
                return False
            if end is not None and (record["time"] > end if end_inclusive else record["time"] >= end):
                return False
            return events is None or record["event"] in events

        store = self._store_now()
        first = (await self._load_head(store)).get("first", {"seq": 0})["seq"]
        kept = []
        for index in range(first // SEGMENT_RECORDS, 1 << 31):
            if await store.get(self.segment_key(index)) is None:
                break
            kept.extend(record for record in await self._load_segment(store, index) if keep(record))
        return kept

    async def verify(self):
        """Recompute the chain and compare it with the head anchor; never raises on bad data."""
        store = self._store_now()
        async with platform.current.lock(self._lock_name):
            raw_head = await store.get(self.head_key)
            first, problem = _first_kept(raw_head)
            if problem:
                return AuditVerification(False, 0, None, problem)
            raw_segments = []
            for index in range(first["seq"] // SEGMENT_RECORDS, 1 << 31):
                raw = await store.get(self.segment_key(index))
                if raw is None:
                    break
                raw_segments.append(raw)
        entries = []
        for raw in raw_segments:
            try:
                segment = _parse(raw)
            except ValueError:
                return AuditVerification(False, len(entries), None, "the log is not valid JSON")
            if not isinstance(segment, list):
                return AuditVerification(False, len(entries), None, "the log is not a JSON array")
            entries.extend(segment)
        seq, prev = first["seq"], first["prev"]
        for record in entries:
            problem = self._chain_problem(record, seq, prev)
            if problem:
                return AuditVerification(False, len(entries), seq, f"record {seq} {problem}")
            prev, seq = record["hash"], seq + 1
        count = len(entries)
        problem, first_bad = _head_problem(raw_head, seq, prev)
        if problem:
            return AuditVerification(False, count, first_bad, problem)
        kept = f" (records {first['seq']} onwards are kept)" if first["seq"] else ""
        return AuditVerification(True, count, None, f"{count} records, chain and head anchor intact{kept}")

    def _chain_problem(self, record, seq, prev):
        problem = _shape_problem(record)
        if problem:
            return problem
        if record["hash"] != _record_hash(record):
            return "does not match its hash: it was edited"
        if record["seq"] != seq:
            return f"has seq {record['seq']}: a record before it was removed, or the order was changed"
        if record["prev"] != prev:
            return "does not chain to the record before it: records were removed, inserted or reordered"
        if record["network"] != self.network:
            return f"belongs to network {record['network']!r}, not {self.network!r}"
        return ""

    async def _load_head(self, store):
        """The anchor as a dict (count 0 and the genesis hash for a new log); VaultFormatError if malformed."""
        raw = await store.get(self.head_key)
        if raw is None:
            return {"count": 0, "hash": GENESIS_PREV}
        _, problem = _first_kept(raw)
        if problem:
            raise VaultFormatError(f"the audit log of {self.network}: {problem}; run verify()")
        return _parse(raw)

    async def _load_segment(self, store, index):
        """The records of one segment; VaultFormatError if it is not a list of well-formed records."""
        raw = await store.get(self.segment_key(index))
        if raw is None:
            return []
        try:
            entries = _parse(raw)
        except ValueError:
            raise VaultFormatError(f"the audit log of {self.network} is not valid JSON; run verify()") from None
        if not isinstance(entries, list) or any(_shape_problem(record) for record in entries):
            raise VaultFormatError(f"the audit log of {self.network} holds malformed records; run verify()")
        return entries


def check_max_records(value):
    if value is not None and (type(value) is not int or value < SEGMENT_RECORDS):
        raise ConfigError(f"audit max_records must be None or an int of at least {SEGMENT_RECORDS}")


def _least_level(event, outcome, details):
    on_success, on_failure = EVENT_LEVELS[event]
    if outcome != "success":
        return on_failure
    if event == "key_access" and details.get("method") == "export":
        return "basic"
    return on_success


def _check_event(event):
    if event not in EVENT_LEVELS:
        raise InvalidInputError(f"unknown audit event {event!r}; the known events are listed in EVENTS")


def _check_address(address):
    if not isinstance(address, str) or not _ADDRESS.match(address):
        raise InvalidInputError("an audit address must be a 0x-prefixed hex string of at most 64 digits")
    return address.lower()


def _check_scalar(key, value):
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise InvalidInputError(f"audit detail {key!r} is longer than {MAX_TEXT} characters")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInputError(f"audit detail {key!r} must be a finite number")
    elif value is not None and not isinstance(value, (bool, int)):
        raise InvalidInputError(f"audit detail {key!r} must be a JSON scalar, got {type(value).__name__}")


def _check_details(details):
    """A copy of ``details`` after checking every key against DETAIL_KEYS and every value's shape."""
    if details is None:
        return {}
    if not isinstance(details, dict):
        raise InvalidInputError(f"audit details must be a dict, got {type(details).__name__}")
    checked = {}
    for key, value in details.items():
        if key not in DETAIL_KEYS:
            raise InvalidInputError(f"audit detail {key!r} is not allowed; the allowed keys are in DETAIL_KEYS")
        if isinstance(value, (list, tuple)):
            if len(value) > MAX_LIST:
                raise InvalidInputError(f"audit detail {key!r} holds more than {MAX_LIST} items")
            for item in value:
                _check_scalar(key, item)
            value = list(value)
        else:
            _check_scalar(key, value)
        checked[key] = value
    session_id = checked.get("session_id")
    if session_id is not None and not (isinstance(session_id, str) and _SHA256_HEX.match(session_id)):
        raise InvalidInputError("audit detail 'session_id' must be the SHA-256 hex of the session token, not the token")
    return checked


def _check_time(value):
    if not _is_number(value) or not math.isfinite(value):
        raise InvalidInputError("the audit clock must return epoch seconds as a finite number")
    return float(value)


def _canonical(record):
    """The bytes a record's hash covers: sorted-key compact JSON of everything but ``hash``."""
    body = {key: value for key, value in record.items() if key != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def _record_hash(record):
    return platform.sha256(_canonical(record)).hex()


def _refuse_non_finite(text):
    raise ValueError(f"{text} is not a JSON number")


def _parse_float(text):
    value = float(text)
    if not math.isfinite(value):
        _refuse_non_finite(text)
    return value


def _parse(raw):
    """Strict JSON: Python's json accepts NaN, Infinity and 1e999, which JSON (and the hash) do not."""
    return json.loads(raw, parse_constant=_refuse_non_finite, parse_float=_parse_float)


def _dumps(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _shape_problem(record):
    """Why ``record`` is not a well-formed stored record, or "" (its hash and links are checked elsewhere)."""
    if not isinstance(record, dict):
        return "is not a JSON object"
    if set(record) != FIELDS:
        return "has missing or unexpected fields"
    if record["v"] != FORMAT_VERSION or type(record["v"]) is not int:
        return f"has unknown format version {record['v']!r}"
    if type(record["seq"]) is not int or not _is_number(record["time"]):
        return "has a malformed seq or time"
    if record["event"] not in EVENT_LEVELS or record["outcome"] not in OUTCOMES:
        return "has an unknown event or outcome"
    address = record["address"]
    if not (address is None or (isinstance(address, str) and _ADDRESS.match(address))):
        return "has a malformed address"
    if not isinstance(record["details"], dict) or not isinstance(record["network"], str):
        return "has malformed details or network"
    if not all(isinstance(record[key], str) and _SHA256_HEX.match(record[key]) for key in ("prev", "hash")):
        return "has a malformed prev or hash"
    return ""


def _first_kept(raw_head):
    """(the first kept record's {"seq", "prev"}, why the anchor is unusable or "")."""
    genesis = {"seq": 0, "prev": GENESIS_PREV}
    if raw_head is None:
        return genesis, ""
    try:
        head = _parse(raw_head)
    except ValueError:
        return genesis, "the head anchor is not valid JSON"
    if not isinstance(head, dict) or type(head.get("count")) is not int or head["count"] < 0 \
            or not isinstance(head.get("hash"), str) or not _SHA256_HEX.match(head["hash"]):
        return genesis, "the head anchor is malformed"
    first = head.get("first", genesis)
    if not (isinstance(first, dict) and set(first) == {"seq", "prev"} and type(first["seq"]) is int
            and 0 <= first["seq"] <= head["count"] and first["seq"] % SEGMENT_RECORDS == 0
            and isinstance(first["prev"], str) and _SHA256_HEX.match(first["prev"])):
        return genesis, "the head anchor's first kept record is malformed"
    return first, ""


def _head_problem(raw_head, count, last_hash):
    """(why the head anchor disagrees with a log of ``count`` records ending in ``last_hash``, first bad index)."""
    if raw_head is None:
        return ("", None) if count == 0 else ("the head anchor is missing", None)
    head = _parse(raw_head)  # _first_kept has checked it
    anchored = head["count"]
    if anchored > count:
        return f"the head anchor counts {anchored} records, the log {count}: records were removed from the end", count
    if anchored < count:
        why = "an append was cut short or records were added"
        return f"the log has {count} records, the head anchor {anchored}: {why}", anchored
    if head["hash"] != last_hash:
        return "the last record does not match the head anchor", max(count - 1, 0)
    return "", None


def _time_bound(value, name, end):
    """(epoch seconds, inclusive) for a date filter. A date without a time covers that whole UTC day."""
    if _is_number(value):
        if not math.isfinite(value):
            raise InvalidInputError(f"{name} must be a finite number of epoch seconds")
        return float(value), True
    day = None
    if isinstance(value, str):
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            try:
                value = datetime.datetime.fromisoformat(value)
            except ValueError:
                raise InvalidInputError(f"{name} {value!r} is not an ISO-8601 date or date-time") from None
    elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        day = value
    elif not isinstance(value, datetime.datetime):
        raise InvalidInputError(f"{name} must be epoch seconds, an ISO-8601 string or a datetime")
    if day is not None:
        # The end of a day is the start of the next one, exclusive.
        value = datetime.datetime.combine(day + datetime.timedelta(days=1 if end else 0), datetime.time())
        inclusive = not end
    else:
        inclusive = True
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.timestamp(), inclusive
