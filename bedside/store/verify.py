"""Checking a ward file against itself: SQLite's structure, each device's hash chain, and the projections.

The chain is walked per device in `seq` order over the canonical serialisation the log hashes
(`log.chain_hash`): every seq from 1 without a gap, every hash recomputed from the row and the hash before
it, the payload in its canonical form and of a known kind, and the device's head (`devices`) on the last
record. An anchor (a head the hub holds) must still be in the chain, so that truncating it, or rewriting it
with recomputed hashes, is found. The projection tables the board reads are recomputed from the records with
the store's own `projection_row` (vitals sets and assessments, almost every record, with its shortcut
`projection_values`, which gives the same row) and compared column by column: each table as one sorted
list of row tuples against the rows it holds, and only a table that differs row by row, to name each bad
record. Nothing is graded again. One pass reads each record once: its hash, then its payload, parsed once.
(The payload's text is covered by the hash as stored; a rewrite that recomputes the hashes is found by the
anchors.)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from hashlib import sha256
from json import JSONDecoder
from json.encoder import encode_basestring
from json.scanner import make_scanner
from operator import itemgetter
from typing import Any

from sqlite_utils import Database

from bedside.records import RECORD_TYPES, from_payload
from bedside.store import hours
from bedside.store.log import GENESIS_HASH, HASHED_FIELDS, chain_hash
from bedside.store.projection import (
    SHORTCUT_LAYOUTS,
    NoShortcut,
    projection_row,
    projection_values,
)
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
    try:
        rows = structure_rows(db.conn, full=full)
    except sqlite3.DatabaseError as err:
        return [Finding(f"SQLite cannot read the file ({err})")]
    return structure_report(rows, full=full)


def structure_rows(conn: sqlite3.Connection, *, full: bool) -> list[str]:
    """What SQLite's check says, row by row (["ok"]: nothing wrong); raises sqlite3.DatabaseError."""
    pragma = "integrity_check" if full else "quick_check"
    return [row[0] for row in conn.execute(f"PRAGMA {pragma}(20)")]


def structure_report(rows: list[str], *, full: bool) -> list[Finding]:
    """The findings of `structure_rows`."""
    if rows == ["ok"]:
        return []
    pragma = "integrity_check" if full else "quick_check"
    return [Finding(f"SQLite's {pragma} reports: {text}") for text in rows]


# canonical_json of the envelope without the general encoder: the keys are fixed, so their sorted order
# and quoting are written out once, and each value is a string, an integer or None. `chain_hash` stays
# the definition; `chain_hash_of_values` must give the same hash for every row
# (tests/bedside/test_verify.py), and a row it cannot encode goes to `chain_hash`.
_SORTED_FIELDS = tuple(sorted(HASHED_FIELDS))
_ENVELOPE_FIELDS = (
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
if _SORTED_FIELDS != _ENVELOPE_FIELDS:  # the log hashes other fields: `_envelope` must follow
    raise RuntimeError(
        f"the hashed fields are {_SORTED_FIELDS}, _envelope writes {_ENVELOPE_FIELDS}"
    )

(
    _ID,
    _KIND,
    _PATIENT,
    _OBSERVED,
    _ENTERED,
    _AUTHOR,
    _DEVICE,
    _SEQ,
    _SUPERSEDES,
    _REASON,
    _PAYLOAD,
    _HASH,
) = (
    RECORD_COLUMNS.index(name)
    for name in (
        "id",
        "kind",
        "patient_id",
        "observed_at",
        "entered_at",
        "author",
        "device_id",
        "seq",
        "supersedes",
        "reason",
        "payload",
        "hash",
    )
)


def _envelope(values: Sequence[Any]) -> str:
    """`canonical_json` of the hashed envelope of a row in `RECORD_COLUMNS` order; TypeError for a
    value no writer of Bedside's stores (the general encoder then decides)."""
    quote = encode_basestring  # raises TypeError for anything but a string
    seq, reason, supersedes = values[_SEQ], values[_REASON], values[_SUPERSEDES]
    if type(seq) is not int:
        raise TypeError(seq)
    return (
        f'{{"author":{quote(values[_AUTHOR])},"device_id":{quote(values[_DEVICE])},'
        f'"entered_at":{quote(values[_ENTERED])},"id":{quote(values[_ID])},'
        f'"kind":{quote(values[_KIND])},"observed_at":{quote(values[_OBSERVED])},'
        f'"patient_id":{quote(values[_PATIENT])},'
        f'"reason":{"null" if reason is None else quote(reason)},"seq":{int.__repr__(seq)},'
        f'"supersedes":{"null" if supersedes is None else quote(supersedes)}}}'
    )


def _fast_chain_hash(previous: str, row: dict[str, Any]) -> str:
    return chain_hash_of_values(previous, tuple(row[name] for name in RECORD_COLUMNS))


def chain_hash_of_values(previous: str, values: Sequence[Any]) -> str:
    """`chain_hash` of a row given as its values in `RECORD_COLUMNS` order (the hub checks a push with
    it, the walk below every stored record)."""
    try:
        envelope = _envelope(values)
    except TypeError:
        return chain_hash(previous, dict(zip(RECORD_COLUMNS, values, strict=True)))
    return sha256(f"{previous}\n{envelope}\n{values[_PAYLOAD]}".encode()).hexdigest()


# json.loads without its wrapper: the scanner it calls, at the start of the text. A stored payload has
# no white space around it; any other text is read by json.loads itself (the same value or error).
_scan_json = make_scanner(JSONDecoder())  # type: ignore[arg-type]  # (typeshed: a decoder is its context)


def _loads(text: str) -> Any:
    try:
        value, end = _scan_json(text, 0)
    except Exception:  # StopIteration (no value at 0), a decoding error, not a string
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


@dataclass(frozen=True, slots=True)
class ChainResult:
    records: int
    findings: tuple[Finding, ...]


def verify_chain(db: Database, anchors: Iterable[Anchor] = ()) -> ChainResult:
    """Walk every device's chain (seq continuity, every hash, the heads and anchors)."""
    result, _ = _walk(db, anchors, keep=False)
    return result


def verify_log(db: Database, anchors: Iterable[Anchor] = ()) -> tuple[ChainResult, list[Finding]]:
    """The chain and the projections recomputed from it: (chain result, projection findings)."""
    result, expected = _walk(db, anchors, keep=True)
    return result, _compare_projections(db, expected)


@dataclass(slots=True)
class _Expected:
    """The projection rows the records give, per table: as tuples in the table's `layout` (the
    columns of its first row; each shortcut kind's from the start), and any row of another layout
    by record id."""

    layouts: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(SHORTCUT_LAYOUTS.values())
    )
    rows: dict[str, list[tuple[Any, ...]]] = field(
        default_factory=lambda: {table: [] for table in PROJECTION_TABLES}
    )
    odd: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {table: {} for table in PROJECTION_TABLES}
    )

    def add(self, record_id: str, table: str, row: dict[str, Any]) -> None:
        layout = self.layouts.setdefault(table, tuple(row))
        if tuple(row) == layout:
            self.rows[table].append(tuple(row.values()))
        else:
            self.odd[table][record_id] = row


def _walk(db: Database, anchors: Iterable[Anchor], *, keep: bool) -> tuple[ChainResult, _Expected]:
    """One pass over the records in (device, seq) order: the chain, and with `keep` each record's
    projection row (its payload decoded once)."""
    conn = db.conn
    findings: list[Finding] = []
    expected = _Expected()
    rows = expected.rows
    heads = {row[0]: (row[1], row[2]) for row in conn.execute("SELECT * FROM devices")}
    by_device: dict[str, tuple[int, str]] = {}
    count = 0
    cursor = conn.execute(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM records ORDER BY device_id, seq"
    )
    device: str | None = None
    seq, previous = 0, GENESIS_HASH
    envelope, loads, shortcut = _envelope, _loads, projection_values
    for values in cursor:
        count += 1
        if values[_DEVICE] != device:
            if device is not None:
                by_device[device] = (seq, previous)
            device, seq, previous = values[_DEVICE], 0, GENESIS_HASH
        at, payload, digest = values[_SEQ], values[_PAYLOAD], values[_HASH]
        if at != seq + 1:
            findings.append(_gap(values, seq))
        try:
            same = (
                digest == sha256(f"{previous}\n{envelope(values)}\n{payload}".encode()).hexdigest()
            )
        except TypeError:
            same = digest == chain_hash_of_values(previous, values)
        if not same:
            findings.append(
                Finding(
                    "its hash does not match its content and the record before it: "
                    "it was changed, moved or replaced",
                    **_where(values),
                )
            )
        seq, previous = at, digest
        if not keep:
            continue
        kind = values[_KIND]
        data: Any = _UNREAD
        if kind in SHORTCUT_LAYOUTS:
            # Vitals and assessments, almost every record: the row's values read from the JSON.
            try:
                data = loads(payload)
                table, row = shortcut(
                    kind, data, values[_ID], values[_PATIENT], values[_OBSERVED], values[_ENTERED]
                )
            except NoShortcut:
                pass
            except Exception as err:  # a damaged payload may break any decoder: it is a finding
                findings.append(Finding(f"its payload cannot be read ({err})", **_where(values)))
                continue
            else:
                rows[table].append(row)
                continue
        projected = _projected(values, data, findings)
        if projected is not None:
            expected.add(values[_ID], *projected)
    if device is not None:
        by_device[device] = (seq, previous)
    findings += _head_findings(heads, by_device)
    findings += _anchor_findings(conn, anchors)
    return ChainResult(count, tuple(findings)), expected


def _gap(values: tuple[Any, ...], seq: int) -> Finding:
    at = values[_SEQ]
    missing = at - seq - 1
    what = (
        f"{missing} record(s) missing before it (seq {seq + 1}–{at - 1})"
        if missing > 0
        else "its sequence number is out of order"
    )
    return Finding(f"the chain is broken: {what}", **_where(values))


def _where(values: tuple[Any, ...]) -> dict[str, Any]:
    return {"record_id": values[_ID], "device_id": values[_DEVICE], "seq": values[_SEQ]}


_UNREAD = object()


def _projected(
    values: tuple[Any, ...], data: Any, findings: list[Finding]
) -> tuple[str, dict[str, Any]] | None:
    """The projection row the record's payload gives (None: no projection, or a finding), through
    the record itself; `data` is the payload decoded, or `_UNREAD`."""
    kind = values[_KIND]
    if kind not in RECORD_TYPES:
        findings.append(Finding(f"it is of an unknown kind {kind!r}", **_where(values)))
        return None
    try:
        if data is _UNREAD:
            data = _loads(values[_PAYLOAD])
        decoded = from_payload(kind, data, check=False)
    except Exception as err:  # a damaged payload may break any decoder: it is a finding
        findings.append(Finding(f"its payload cannot be read ({err})", **_where(values)))
        return None
    try:
        return projection_row(
            decoded,
            record_id=values[_ID],
            patient_id=values[_PATIENT],
            observed_at=values[_OBSERVED],
            entered_at=values[_ENTERED],
            supersedes=values[_SUPERSEDES],
        )
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
_BY_RECORD = itemgetter(0)


def _compare_projections(db: Database, expected: _Expected) -> list[Finding]:
    """Each projection table against the rows its records give: the whole table at once as sorted
    tuples (one comparison where it is as written); where it is not, row by row, to name each
    record whose row differs, is missing or is not explained."""
    findings: list[Finding] = []
    for table in PROJECTION_TABLES:
        rows, odd = expected.rows[table], expected.odd[table]
        layout = expected.layouts.get(table)
        if not odd and _same_table(db.conn, table, layout, rows):
            continue
        want = {row[0]: dict(zip(layout or (), row, strict=True)) for row in rows}
        want |= odd
        findings += _table_findings(db.conn, table, want)
    return findings


def _same_table(
    conn: sqlite3.Connection,
    table: str,
    layout: tuple[str, ...] | None,
    rows: list[tuple[Any, ...]],
) -> bool:
    """Whether the table holds exactly `rows` in the columns of `layout` (a column it lacks read as
    NULL), in any order."""
    if layout is None or not rows:
        return conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None
    if layout[0] != "record_id":
        return False
    columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    picked = ", ".join(f'"{c}"' if c in columns else "NULL" for c in layout)
    stored = conn.execute(f"SELECT {picked} FROM {table}").fetchall()
    if len(stored) != len(rows):
        return False
    stored.sort(key=_BY_RECORD)
    rows.sort(key=_BY_RECORD)
    return stored == rows


def _table_findings(
    conn: sqlite3.Connection, table: str, want: dict[str, dict[str, Any]]
) -> list[Finding]:
    findings: list[Finding] = []
    cursor = conn.execute(f"SELECT * FROM {table}")
    names = [d[0] for d in cursor.description]
    key = names.index("record_id")
    seen = set()
    for values in cursor:
        record_id = values[key]
        seen.add(record_id)
        columns = want.get(record_id)
        if columns is None:
            findings.append(
                Finding("a row the records do not explain", record_id=record_id, table=table)
            )
            continue
        stored = dict(zip(names, values, strict=True))
        differ = [c for c, v in columns.items() if not _same(stored.get(c), v)]
        if differ:
            shown = ", ".join(
                f"{c} is {stored.get(c)!r}, the record says {columns[c]!r}" for c in differ
            )
            findings.append(
                Finding(
                    f"the row differs from its record: {shown}", record_id=record_id, table=table
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


def hours_findings(db: Database, reported: Iterable[str] = ()) -> list[Finding]:
    """The trend roll-up (`chart_hours`) recomputed from the vitals and assessments projections with the
    store's own `hours.rows`, hour by hour: a missing, extra or different hour is a finding (the
    projections themselves are compared with the records by `verify_log`).

    A projection row whose time cannot be read (a damaged file) is left out of the recompute and is
    one finding under its record, unless its record is among `reported` (the records the other
    checks already named: the projections check names such a row as differing from its record); the
    hour it was read under cannot be recomputed and is not compared, so the damage is reported where
    it is, not again as a roll-up that differs."""
    conn = db.conn
    findings: list[Finding] = []
    names = hours.ROW_COLUMNS
    unreadable: list[hours.Unreadable] = []
    want = {
        (row[0], row[1]): row
        for patient_id, first, last in hours.spans(conn)
        for row in hours.rows(conn, patient_id, first, last, unreadable=unreadable)
    }
    named = set(reported)
    uncomputed = set()
    for bad in unreadable:
        patient_id, hour = bad.patient_id, _hour(conn, bad)
        if hour is not None:
            uncomputed.add((patient_id, hour))
        if bad.record_id in named:
            continue
        named.add(bad.record_id)
        at = f" (hour {hour} of patient {patient_id})" if hour is not None else ""
        findings.append(
            Finding(
                f"its {bad.column} {bad.value!r} cannot be read as a time: its hour of the "
                f"trend roll-up{at} cannot be recomputed",
                record_id=bad.record_id,
                table=bad.table,
            )
        )
    seen = set()
    for row in conn.execute(
        f"SELECT {', '.join(names)} FROM {hours.TABLE} ORDER BY patient_id, hour"
    ):
        key = (row[0], row[1])
        seen.add(key)
        if key in uncomputed:
            continue
        expected = want.get(key)
        where = f"hour {row[1]} of patient {row[0]}"
        if expected is None:
            findings.append(
                Finding(
                    f"{where}: a row the vitals and assessments do not explain", table=hours.TABLE
                )
            )
        elif tuple(row) != expected:
            shown = ", ".join(
                f"{c} is {a!r}, the records say {b!r}"
                for c, a, b in zip(names, row, expected, strict=True)
                if not _same(a, b)
            )
            findings.append(Finding(f"{where}: the row differs: {shown}", table=hours.TABLE))
    for patient_id, hour in sorted(want.keys() - seen - uncomputed):
        findings.append(
            Finding(f"hour {hour} of patient {patient_id}: the row is missing", table=hours.TABLE)
        )
    return findings


def _hour(conn: sqlite3.Connection, bad: hours.Unreadable) -> int | None:
    """The hour of a projection row whose time cannot be read: the hour it was read under, else its
    record's (None where that cannot be read either)."""
    if bad.hour is not None:
        return bad.hour
    found = conn.execute("SELECT observed_at FROM records WHERE id = ?", [bad.record_id]).fetchone()
    try:
        return None if found is None else hours.hour_of(found[0])
    except (ValueError, TypeError, OverflowError):
        return None
