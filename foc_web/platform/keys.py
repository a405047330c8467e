"""Store keys: one flat string per record, and how it maps to a file path on CPython.

A store key is ``foc_`` followed by ``_``-separated segments. Vault records are
``foc_{network}_{address}`` (or ``foc_{namespace}_{network}_{address}``), exactly the localStorage
names users see; every other kind of record starts with a reserved kind word, e.g.
``foc_audit_{network}_{address}``. Segments never contain ``_``, so the mapping is unambiguous.

On CPython a vault lives in ``$FOC_HOME/keys/{network}/{address}`` and a record of kind K in
``$FOC_HOME/K/...``.
"""

import re

PREFIX = "foc"
VAULT_FOLDER = "keys"
#: First segments that name a record kind rather than a vault namespace or network.
RESERVED_KINDS = frozenset({"audit", "state", "meta", "sessions", "recovery", "archive"})
_SEGMENT = re.compile(r"^[A-Za-z0-9.:-]{1,128}$")


def check_segment(segment, what="name"):
    """Refuse segments that would make keys ambiguous or escape the store folder."""
    if not isinstance(segment, str) or not _SEGMENT.match(segment) or segment in (".", ".."):
        raise ValueError(
            f"{what} {segment!r} may only hold letters, digits, '.', ':' and '-' (1 to 128 characters)"
        )
    return segment


def make_key(*segments):
    """``make_key("sepolia", "0x12")`` -> ``"foc_sepolia_0x12"``."""
    return "_".join([PREFIX, *(check_segment(s) for s in segments)])


def split_key(key):
    """The segments of a store key, or ValueError if it is not one."""
    parts = key.split("_")
    if len(parts) < 2 or parts[0] != PREFIX:
        raise ValueError(f"not a foc_web store key: {key!r}")
    for part in parts[1:]:
        check_segment(part, "key segment")
    if parts[1] == VAULT_FOLDER:
        raise ValueError(f"{VAULT_FOLDER!r} cannot start a store key: {key!r}")
    return parts[1:]


def path_segments(key):
    """Relative file path parts for a store key (vaults under ``keys/``)."""
    segments = split_key(key)
    if segments[0] in RESERVED_KINDS:
        return segments
    return [VAULT_FOLDER, *segments]


def from_path_segments(parts):
    """Inverse of :func:`path_segments`; None for files that are not records."""
    try:
        parts = list(parts)
        if parts and parts[0] == VAULT_FOLDER:
            parts = parts[1:]
        return make_key(*parts) if parts else None
    except ValueError:
        return None
