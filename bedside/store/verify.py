"""Checking a ward file against itself: SQLite's structure, each device's hash chain, and the projections.

The chain is walked per device in `seq` order over the canonical serialisation the log hashes
(`log.chain_hash`): every seq from 1 without a gap, every hash recomputed from the row and the hash before
it, the payload in its canonical form and of a known kind, and the device's head (`devices`) on the last
record. An anchor (a head the hub holds) must still be in the chain, so that truncating it, or rewriting it
with recomputed hashes, is found. The projection tables the board reads are recomputed from the records with
the store's own `projection_row` and compared column by column; nothing is graded again. (The payload's
text is covered by the hash as stored; a rewrite that recomputes the hashes is found by the anchors.)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from hashlib import sha256
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

from sqlite_utils import Database

from bedside.records import RECORD_TYPES, from_payload
from bedside.store.log import GENESIS_HASH, HASHED_FIELDS, chain_hash
from bedside.store.projection import NoShortcut, projection_from_payload, projection_row
from bedside.store.schema import CLINICAL_TABLES, RECORD_COLUMNS

# The projection tables, each keyed by record_id (the unresolved-alerts list is checked by the service,
# which knows when an alert has ended).
PROJECTION_TABLES = tuple(table for table in CLINICAL_TABLES if table != "records")


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong, worded for a person; where it is, as far as known."""

    what: str
    record_id: str | None = None
    device_id: str | None = None
    seq: int | None = None
    table: str | None = None

    def where(self) -> str:
        parts = []
        if self.record_id is not None:
            parts.append(f"record {self.record_id}")
        if self.device_id is not None and self.seq is not None:
            parts.append(f"device {self.device_id} seq {self.seq}")
        elif self.device_id is not None:
            parts.append(f"device {self.device_id}")
        if self.table is not None:
            parts.append(f"table {self.table}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Anchor:
    """A device's head as another party holds it (the hub, at the last sync)."""

    device_id: str
    seq: int
    hash: str


def structure_findings(db: Database, *, full: bool = False) -> list[Finding]:
    """SQLite's own check of the file (`quick_check`, or `integrity_check` with `full`, which also
    compares every index with its table). A file SQLite cannot read at all is one finding."""
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = [row[0] for row in db.conn.execute(f"PRAGMA {pragma}(20)")]
    except sqlite3.DatabaseError as err:
        return [Finding(f"SQLite cannot read the file ({err})")]
    if rows == ["ok"]:
        return []
    return [Finding(f"SQLite's {pragma} reports: {text}") for text in rows]


# canonical_json of the envelope without the general encoder: the keys are fixed, so their sorted order
# and quoting are computed once, and each value is a string, an integer or None. `chain_hash` stays the
# definition; `_fast_chain_hash` must give the same hash for every row (tests/bedside/test_verify.py),
# and a row it cannot encode goes to `chain_hash`.
_SORTED_FIELDS = tuple(sorted(HASHED_FIELDS))
_KEYS = tuple(encode_basestring(name) + ":" for name in _SORTED_FIELDS)


_PLACES = tuple(RECORD_COLUMNS.index(name) for name in _SORTED_FIELDS)
_HASHED_VALUES = itemgetter(*_PLACES)
# The written-out form in `chain_hash_of_values` lists the fields in this order.
assert _SORTED_FIELDS == (
    "author",
    "device_id",
    "entered_at",
    "id",
    "kind",
    "observed_at",
    "patient_id",
    "reason",
    "seq",
    "supersedes",
)
_ID, _KIND, _PATIENT, _OBSERVED, _ENTERED, _DEVICE, _SEQ, _SUPERSEDES, _PAYLOAD, _HASH = (
    RECORD_COLUMNS.index(name)
    for name in (
        "id",
        "kind",
        "patient_id",
        "observed_at",
        "entered_at",
        "device_id",
        "seq",
        "supersedes",
        "payload",
        "hash",
    )
)


def _fast_chain_hash(previous: str, row: dict[str, Any]) -> str:
    return chain_hash_of_values(previous, tuple(row[name] for name in RECORD_COLUMNS))


def chain_hash_of_values(previous: str, values: Sequence[Any]) -> str:
    """`chain_hash` of a row given as its values in `RECORD_COLUMNS` order (the hub checks a push with
    it, the walk below every stored record)."""
    author, device, entered, record_id, kind, observed, patient, reason, seq, supersedes = (
        _HASHED_VALUES(values)
    )
    if (
        type(author) is str
        and type(device) is str
        and type(entered) is str
        and type(record_id) is str
        and type(kind) is str
        and type(observed) is str
        and type(patient) is str
        and type(seq) is int
        and (reason is None or type(reason) is str)
        and (supersedes is None or type(supersedes) is str)
    ):
        # The one form of an ordinary row, in the sorted order of `_KEYS`, written out.
        enc = encode_basestring
        envelope = (
            f'{{"author":{enc(author)},"device_id":{enc(device)},"entered_at":{enc(entered)},'
            f'"id":{enc(record_id)},"kind":{enc(kind)},"observed_at":{enc(observed)},'
            f'"patient_id":{enc(patient)},"reason":{"null" if reason is None else enc(reason)},'
            f'"seq":{int.__repr__(seq)},'
            f'"supersedes":{"null" if supersedes is None else enc(supersedes)}}}'
        )
        return sha256(f"{previous}\n{envelope}\n{values[_PAYLOAD]}".encode()).hexdigest()
    parts = []
    for key, place in zip(_KEYS, _PLACES, strict=True):
        value = values[place]
        if type(value) is str:
            parts.append(key + encode_basestring(value))
        elif type(value) is int:
            parts.append(key + int.__repr__(value))
        elif value is None:
            parts.append(key + "null")
        else:
            return chain_hash(previous, dict(zip(RECORD_COLUMNS, values, strict=True)))
    envelope = "{" + ",".join(parts) + "}"
    return sha256(f"{previous}\n{envelope}\n{values[_PAYLOAD]}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainResult:
    records: int
    findings: tuple[Finding, ...]


def verify_chain(db: Database, anchors: Iterable[Anchor] = ()) -> ChainResult:
    """Walk every device's chain; also decode each payload, so that the projections can be compared."""
    result, _ = _walk(db, anchors, keep=False)
    return result


def verify_log(db: Database, anchors: Iterable[Anchor] = ()) -> tuple[ChainResult, list[Finding]]:
    """The chain and the projections recomputed from it: (chain result, projection findings)."""
    result, rows = _walk(db, anchors, keep=True)
    return result, _compare_projections(db, rows)


_Expected = dict[str, dict[str, tuple[str, dict[str, Any]]]]


def _walk(db: Database, anchors: Iterable[Anchor], *, keep: bool) -> tuple[ChainResult, _Expected]:
    conn = db.conn
    findings: list[Finding] = []
    expected: _Expected = {table: {} for table in PROJECTION_TABLES}
    heads = {row[0]: (row[1], row[2]) for row in conn.execute("SELECT * FROM devices")}
    by_device: dict[str, tuple[int, str]] = {}
    count = 0
    cursor = conn.execute(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM records ORDER BY device_id, seq"
    )
    device: str | None = None
    seq, previous = 0, GENESIS_HASH
    for values in cursor:
        count += 1
        if values[_DEVICE] != device:
            if device is not None:
                by_device[device] = (seq, previous)
            device, seq, previous = values[_DEVICE], 0, GENESIS_HASH
        at = values[_SEQ]
        if at != seq + 1:
            missing = at - seq - 1
            what = (
                f"{missing} record(s) missing before it (seq {seq + 1}–{at - 1})"
                if missing > 0
                else "its sequence number is out of order"
            )
            findings.append(Finding(f"the chain is broken: {what}", **_where(values)))
        if values[_HASH] != chain_hash_of_values(previous, values):
            findings.append(
                Finding(
                    "its hash does not match its content and the record before it: "
                    "it was changed, moved or replaced",
                    **_where(values),
                )
            )
        if keep:
            projected = _projected(values, findings)
            if projected is not None:
                expected[projected[0]][values[_ID]] = projected
        seq, previous = at, values[_HASH]
    if device is not None:
        by_device[device] = (seq, previous)
    findings += _head_findings(heads, by_device)
    findings += _anchor_findings(conn, anchors)
    return ChainResult(count, tuple(findings)), expected


def _where(values: tuple[Any, ...]) -> dict[str, Any]:
    return {"record_id": values[_ID], "device_id": values[_DEVICE], "seq": values[_SEQ]}


def _projected(
    values: tuple[Any, ...], findings: list[Finding]
) -> tuple[str, dict[str, Any]] | None:
    """The projection row the record's payload gives (None: no projection, or a finding)."""
    kind = values[_KIND]
    if kind not in RECORD_TYPES:
        findings.append(Finding(f"it is of an unknown kind {kind!r}", **_where(values)))
        return None
    envelope = {
        "record_id": values[_ID],
        "patient_id": values[_PATIENT],
        "observed_at": values[_OBSERVED],
        "entered_at": values[_ENTERED],
    }
    try:
        data = json.loads(values[_PAYLOAD])
        # Vitals and assessments, almost every record: read from the JSON without building it.
        return projection_from_payload(kind, data, **envelope)
    except NoShortcut:
        pass
    except Exception as err:  # a damaged payload may break any decoder: it is a finding
        findings.append(Finding(f"its payload cannot be read ({err})", **_where(values)))
        return None
    try:
        decoded = from_payload(kind, data, check=False)
    except Exception as err:
        findings.append(Finding(f"its payload cannot be read ({err})", **_where(values)))
        return None
    try:
        return projection_row(decoded, supersedes=values[_SUPERSEDES], **envelope)
    except (ValueError, TypeError, KeyError) as err:
        # An envelope column no writer of Bedside's could have stored (an edited time).
        findings.append(Finding(f"its envelope cannot be read ({err})", **_where(values)))
        return None


def _head_findings(
    heads: dict[str, tuple[int, str]], chains: dict[str, tuple[int, str]]
) -> Iterator[Finding]:
    for device, (seq, last_hash) in sorted(chains.items()):
        head = heads.get(device)
        if head is None:
            yield Finding("the device has records but no head in devices", device_id=device)
        elif head != (seq, last_hash):
            what = (
                f"its head is seq {head[0]} but the chain ends at seq {seq}: records were removed"
                if head[0] > seq
                else f"its head is seq {head[0]} but the chain ends at seq {seq}"
            )
            yield Finding(what, device_id=device, seq=seq, table="devices")
    for device in sorted(heads.keys() - chains.keys()):
        yield Finding(
            f"the device's head is seq {heads[device][0]} but it has no records: they were removed",
            device_id=device,
            table="devices",
        )


def _anchor_findings(conn: sqlite3.Connection, anchors: Iterable[Anchor]) -> Iterator[Finding]:
    for anchor in anchors:
        row = conn.execute(
            "SELECT hash FROM records WHERE device_id = ? AND seq = ?",
            [anchor.device_id, anchor.seq],
        ).fetchone()
        if row is None:
            yield Finding(
                f"the hub holds seq {anchor.seq} of this device, which the chain no longer has: "
                "it was truncated",
                device_id=anchor.device_id,
                seq=anchor.seq,
            )
        elif row[0] != anchor.hash:
            yield Finding(
                "the hub holds another hash for this record: the chain was rewritten",
                device_id=anchor.device_id,
                seq=anchor.seq,
            )


_UNSET = object()


def _compare_projections(db: Database, expected: _Expected) -> list[Finding]:
    findings: list[Finding] = []
    for table in PROJECTION_TABLES:
        want = expected[table]
        cursor = db.conn.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        key = names.index("record_id")
        pickers: dict[tuple[str, ...], Any] = {}
        seen = set()
        for values in cursor:
            record_id = values[key]
            seen.add(record_id)
            projected = want.get(record_id)
            if projected is None:
                findings.append(
                    Finding("a row the records do not explain", record_id=record_id, table=table)
                )
                continue
            columns = projected[1]
            layout = tuple(columns)
            pick = pickers.get(layout, _UNSET)
            if pick is _UNSET:
                pick = pickers[layout] = (
                    itemgetter(*(names.index(c) for c in layout))
                    if len(layout) > 1 and all(c in names for c in layout)
                    else None
                )
            if pick is not None and pick(values) == tuple(columns.values()):
                continue  # as the record says (most rows: one comparison of two tuples)
            stored = dict(zip(names, values, strict=True))
            differ = [c for c, v in columns.items() if not _same(stored.get(c), v)]
            if differ:
                shown = ", ".join(
                    f"{c} is {stored.get(c)!r}, the record says {projected[1][c]!r}" for c in differ
                )
                findings.append(
                    Finding(
                        f"the row differs from its record: {shown}",
                        record_id=record_id,
                        table=table,
                    )
                )
        for record_id in sorted(want.keys() - seen):
            findings.append(
                Finding("the row of this record is missing", record_id=record_id, table=table)
            )
    return findings


def _same(stored: object, computed: object) -> bool:
    # SQLite gives booleans back as integers and a REAL column whole numbers as floats.
    return bool(stored == computed)
