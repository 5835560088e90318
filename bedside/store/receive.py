"""Records that travel between machines: what this machine sends, and the batch path that receives the
ward's records from a hub with every check the local write path makes (DESIGN section 7).

A received record keeps its own envelope (id, author, device, seq, HLC stamp, hash): it is verified, never
re-stamped. What cannot be accepted is quarantined with both versions, never dropped; what is accepted but
doubtful (a clock far off, a second admission of one patient, two corrections of one record) is flagged.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum, StrEnum
from functools import lru_cache
from hashlib import sha256
from typing import Any

from sqlite_utils import Database

from bedside.clock import Clock
from bedside.ids import _STAMP_RE, HlcStamp, epoch_ms
from bedside.records import (
    Draft,
    FieldError,
    RecordInvalid,
    canonical_json,
    check_author,
    from_payload,
    iso_utc,
    parse_utc,
    validate,
)
from bedside.records.codec import COMPACT_KINDS, received_record, stored_form
from bedside.records.envelope import _AUTHOR, _ENVELOPE, FUTURE_TOLERANCE
from bedside.records.fields import (
    NEWEST,
    OLDEST,
    FieldSpec,
    Num,
    Text,
    _json_problem,
    _text_problem,
    check_field,
)
from bedside.records.types import RECORD_TYPES, Admission, Intervention, specs_of
from bedside.store import hours
from bedside.store.connection import StorageError
from bedside.store.history import TIME_POINT_KINDS
from bedside.store.log import Log
from bedside.store.projection import (
    SHORTCUT_LAYOUTS,
    UNRESOLVED_ALERT_INSERT,
    NoShortcut,
    projection_row,
    projection_values,
    unresolved_alert,
)
from bedside.store.schema import RECORD_COLUMNS
from bedside.store.verify import chain_hash_of_values

# Kinds Bedside derives on each machine from the log; a received one is kept, but re-derivation reads
# the clinical records.
DERIVED_KINDS = frozenset({"assessment", "alert_event"})
# The fields whose "in the future" refusal means the sending machine's clock runs ahead: such a record
# is accepted and flagged "clock suspect", never dropped (BATTERY R11).
_TIME_FIELDS = frozenset({"observed_at", "started_at", "stopped_at"})

Row = Mapping[str, Any]


class Flag(StrEnum):
    """Why a received record is doubtful; shown to an admin, the record is kept."""

    CLOCK_SUSPECT = "clock_suspect"
    DUPLICATE_ADMISSION = "duplicate_admission"  # two admissions of one patient id, made offline
    CONCURRENT_CORRECTION = "concurrent_correction"  # two corrections of one record
    SUPERSEDES_UNKNOWN = "supersedes_unknown"  # corrects a record this machine has not received
    CHAIN_GAP = "chain_gap"  # the device's earlier record is missing here (quarantined elsewhere)


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A record version not accepted, with the reason and the version it clashed with, if any."""

    record_id: str
    reason: str
    version: dict[str, Any]
    other_version: dict[str, Any] | None = None


@dataclass(slots=True)
class Received:
    """What one received batch did."""

    accepted: int = 0
    duplicates: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    flags: list[tuple[str, Flag, str]] = field(default_factory=list)
    # patient -> the newest time point received (None: only records that make no time point)
    patients: dict[str, datetime | None] = field(default_factory=dict)


def version_hash(version: Row) -> str:
    """A digest of one record version as sent, naming it in the quarantine."""
    return sha256(canonical_json({c: version.get(c) for c in RECORD_COLUMNS}).encode()).hexdigest()


def outgoing(db: Database, device_id: str, after_seq: int, limit: int) -> list[tuple[Any, ...]]:
    """This device's records with seq above `after_seq`, in seq order, as RECORD_COLUMNS tuples."""
    return db.conn.execute(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM records WHERE device_id = ? AND seq > ? "
        "ORDER BY seq LIMIT ?",
        [device_id, after_seq, limit],
    ).fetchall()


def last_seq(db: Database, device_id: str) -> int:
    row = db.conn.execute(
        "SELECT last_seq FROM devices WHERE device_id = ?", [device_id]
    ).fetchone()
    return int(row[0]) if row else 0


def receive(
    db: Database,
    log: Log,
    rows: Sequence[Row],
    clock: Clock,
    *,
    clock_suspect_after: timedelta,
    device_offsets: Mapping[str, float] | None = None,
) -> Received:
    """Verify and store a batch of records made on other machines, with their projections, inside the
    caller's `transaction(db)`. Each record is checked as `Log.append` checks a new one (fields, envelope,
    author, correction target), and its hash must continue its device's chain. Patients touched are
    queued for re-derivation in the same transaction (`pending_rederivation`), once per patient.

    The batch path: every record is checked in order against the database and the records before it
    in the batch; what is accepted is then written with one `executemany` per table."""
    conn = db.conn
    if not conn.in_transaction:
        raise StorageError("receive must run inside transaction(db)")
    out = Received()
    offsets = device_offsets or {}
    ids = [str(r["id"]) for r in rows]
    existing = _existing(db, ids)
    heads: dict[str, tuple[int, str]] = {}
    batch: dict[str, Row] = {}
    pending = _Pending()
    now = clock.now()
    newest_stamp: str | None = None
    for row in rows:
        record_id = str(row["id"])
        version: dict[str, Any] = {c: row.get(c) for c in RECORD_COLUMNS}
        known = existing.get(record_id) or batch.get(record_id)
        if known is not None:
            if _same(known, version):
                out.duplicates += 1
            else:
                out.quarantined.append(
                    Quarantined(
                        record_id,
                        "conflict: this id is already held with other content",
                        version,
                        dict(known),
                    )
                )
            continue
        device_id = str(row["device_id"])
        if device_id == log.device_id:
            out.quarantined.append(
                Quarantined(record_id, "claims this machine's own device id", version)
            )
            continue
        try:
            record, draft, stamp, data = _checked(version, clock)
        except RecordInvalid as err:
            refusals = [e for e in err.errors if not _future(e)]
            if refusals:
                reason = "refused: " + "; ".join(e.message for e in refusals)
                out.quarantined.append(Quarantined(record_id, reason, version))
                continue
            # Only "in the future": the sending machine's clock is ahead. Accepted, flagged.
            record, draft, stamp, data = _checked(version, clock, future_ok=True)
            out.flags.append(
                (record_id, Flag.CLOCK_SUSPECT, "; ".join(e.message for e in err.errors))
            )
        if device_id not in heads:
            heads[device_id] = log.head(device_id)
        head_seq, head_hash = heads[device_id]
        seq: int = version["seq"]
        if seq <= head_seq:
            out.quarantined.append(
                Quarantined(
                    record_id, f"device {device_id} seq {seq} is already another record", version
                )
            )
            continue
        values = tuple(version[c] for c in RECORD_COLUMNS)
        if seq == head_seq + 1 and chain_hash_of_values(head_hash, values) != version["hash"]:
            out.quarantined.append(
                Quarantined(record_id, "hash does not continue its device's chain", version)
            )
            continue
        if seq > head_seq + 1:
            missing = f"records {head_seq + 1}–{seq - 1} of device {device_id} are not here"
            out.flags.append((record_id, Flag.CHAIN_GAP, missing))
        problem = _correction_problem(db, version, batch)
        if problem is not None:
            out.quarantined.append(Quarantined(record_id, f"refused: {problem}", version))
            continue
        out.flags += _doubts(db, version, stamp, batch, now, clock_suspect_after, offsets)
        pending.add(
            values,
            record,
            data,
            record_id=record_id,
            patient_id=draft.patient_id,
            observed_at=str(version["observed_at"]),
            entered_at=str(version["entered_at"]),
            supersedes=version["supersedes"],
        )
        heads[device_id] = (seq, str(version["hash"]))
        batch[record_id] = version
        out.accepted += 1
        entered = str(version["entered_at"])
        newest_stamp = entered if newest_stamp is None or entered > newest_stamp else newest_stamp
        at = draft.observed_at if version["kind"] in TIME_POINT_KINDS else None
        known_at = out.patients.get(draft.patient_id)
        out.patients[draft.patient_id] = max(at, known_at) if at and known_at else at or known_at
    pending.write(conn)
    conn.executemany(
        "INSERT INTO devices (device_id, last_seq, last_hash) VALUES (?, ?, ?) "
        "ON CONFLICT (device_id) DO UPDATE SET last_seq = excluded.last_seq, "
        "last_hash = excluded.last_hash WHERE excluded.last_seq > devices.last_seq",
        [(device_id, seq, digest) for device_id, (seq, digest) in heads.items()],
    )
    if newest_stamp is not None:
        log.observe(newest_stamp)  # every later local stamp sorts after what was received
    _store_outcome(db, out, now)
    return out


_RECORDS_INSERT = f"INSERT INTO records ({', '.join(RECORD_COLUMNS)}) VALUES ({', '.join('?' * len(RECORD_COLUMNS))})"


class _Pending:
    """The accepted records of a batch and their projection rows (`projection_row`, as `project`
    writes them), written together: one `executemany` per table and column layout, records first."""

    def __init__(self) -> None:
        self.records: list[tuple[Any, ...]] = []
        self.alerts: list[tuple[str, str]] = []
        # (kind, patient, observed_at, supersedes) of each record: the roll-up hours it changes
        self.touched: list[tuple[str, str, str, str | None]] = []
        self.rows: dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]] = {}

    def add(
        self,
        values: tuple[Any, ...],
        record: Any,
        data: Any,
        *,
        record_id: str,
        patient_id: str,
        observed_at: str,
        entered_at: str,
        supersedes: str | None,
    ) -> None:
        self.records.append(values)
        self.touched.append((str(values[1]), patient_id, observed_at, supersedes))
        alert = unresolved_alert(record, patient_id)
        if alert is not None:
            self.alerts.append(alert)
        kind = str(values[1])
        try:
            # Vitals and assessments (almost every record) straight from the checked payload: the
            # row `projection_row` gives, as verification recomputes it.
            table, row_values = projection_values(
                kind, data, record_id, patient_id, observed_at, entered_at
            )
        except NoShortcut:
            pass
        else:
            self.rows.setdefault((table, SHORTCUT_LAYOUTS[kind][1]), []).append(row_values)
            return
        projected = projection_row(
            record,
            record_id=record_id,
            patient_id=patient_id,
            observed_at=observed_at,
            entered_at=entered_at,
            supersedes=supersedes,
        )
        if projected is not None:
            table, row = projected
            self.rows.setdefault((table, tuple(row)), []).append(tuple(row.values()))

    def write(self, conn: Any) -> None:
        conn.executemany(_RECORDS_INSERT, self.records)
        for (table, columns), values in self.rows.items():
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                values,
            )
        conn.executemany(UNRESOLVED_ALERT_INSERT, self.alerts)
        # after every row of the batch: a correction may arrive with the record it corrects
        hours.refresh_touched(
            conn,
            (hour for entry in self.touched for hour in hours.touched(conn, *entry)),
        )


def _existing(db: Database, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = db.conn.execute(
            f"SELECT {', '.join(RECORD_COLUMNS)} FROM records "
            f"WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        for values in rows:
            found[values[0]] = dict(zip(RECORD_COLUMNS, values, strict=True))
    return found


# --- the field checks of `validate`, without building the words of an error that does not happen ------
# `validate` words every field's allowed values before it checks the value (about 8 µs a field); a
# received batch is almost always valid. `_field_ok(spec, v)` is True only where `check_field(spec, v)`
# finds nothing, so a record that passes every field here passes them in `validate`; on the first doubt
# the record goes through `validate` itself, which words the errors (tests/bedside/test_receive_fast.py
# compares the two over valid and invalid values of every field of every kind).


def _field_ok(spec: FieldSpec, value: object) -> bool:
    if value is None:
        return spec.optional
    base = spec.base
    kind = type(value)
    if base is int or base is float:
        if kind is int:
            pass
        elif kind is float and base is float:
            if not math.isfinite(value):  # type: ignore[arg-type]
                return False
        else:
            return not check_field(spec, value)
        rule = spec.constraint
        return not isinstance(rule, Num) or rule.contains(value)  # type: ignore[arg-type]
    if base is str:
        if kind is str and isinstance(spec.constraint, Text):
            return _text_ok(value, spec.constraint)
        return _text_problem(value, spec.constraint) is None
    if base is bool:
        return kind is bool
    if isinstance(value, datetime) and kind is datetime and base is datetime:
        return (
            value.tzinfo is not None and value.utcoffset() is not None and OLDEST <= value < NEWEST
        )
    if base is dict:
        return _json_problem(value) is None
    if isinstance(base, type) and issubclass(base, Enum):
        return isinstance(value, base)
    return not check_field(spec, value)


@lru_cache(maxsize=4096)
def _text_ok(value: str, rule: Text) -> bool:
    """`_text_problem(value, rule) is None`, remembered: a batch repeats its patient ids and authors."""
    return _text_problem(value, rule) is None


def validate_received(
    draft: Draft, clock: Clock, *, fields_checked: bool = False
) -> list[FieldError]:
    """What `validate(draft, clock)` returns, the same errors in the same order, computed faster for a
    draft whose fields are all valid (every other one goes through `validate`). `fields_checked`: the
    record's own fields and `check()` were found valid (`received_record`), only the envelope is left."""
    record = draft.record
    cls = type(record)
    if (
        cls is Admission
        or cls is Intervention
        or getattr(cls, "WARD_LEVEL", False)
        or draft.keeps_observed_at
        or RECORD_TYPES.get(cls.KIND) is not cls
    ):
        return validate(draft, clock)  # their cross-field, ward and time checks are validate's own
    for spec in _ENVELOPE:
        if not _field_ok(spec, getattr(draft, spec.name)):
            return validate(draft, clock)
    if (draft.supersedes is None) != (draft.reason is None):
        return validate(draft, clock)
    if not fields_checked:
        for spec in specs_of(cls):
            if not _field_ok(record._spec_for(spec), getattr(record, spec.name)):
                return validate(draft, clock)
        errors = record.check()
        if errors:
            return errors
    if draft.observed_at > clock.now() + FUTURE_TOLERANCE:
        return validate(draft, clock)
    return []


def _same(a: Row, b: Row) -> bool:
    return all(a.get(c) == b.get(c) for c in RECORD_COLUMNS)


def _future(error: FieldError) -> bool:
    return error.field in _TIME_FIELDS and "in the future" in error.message


class _NoFuture:
    """The receiving clock pushed far ahead: only the "in the future" check is relaxed."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        return self._clock.now() + timedelta(days=36_500)

    def monotonic(self) -> float:
        return self._clock.monotonic()


# The stored form of a time (`iso_utc`): fixed width, UTC. Within 2000-2099 a text of this form reads
# back (`parse_utc`) to a time that `iso_utc` writes as the same text.
_STORED_TIME = re.compile(r"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def _stored_form(text: object, when: datetime) -> bool:
    """`iso_utc(when) == text`, for `when = parse_utc(text)`, without formatting `when` again."""
    if type(text) is str and _STORED_TIME.fullmatch(text):
        return True
    return iso_utc(when) == text


def parse_stamp(text: str) -> HlcStamp:
    """`HlcStamp.parse(text)`, without `strptime` (a third of the cost of receiving a record): the
    stamp's pattern fixes the wall clock's form, which `fromisoformat` reads the same."""
    match = _STAMP_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"not an HLC stamp: {text!r}")
    wall = datetime.fromisoformat(match[1]).replace(tzinfo=UTC)
    return HlcStamp(epoch_ms(wall), int(match[2]), match[3])


def _checked(
    version: Row, clock: Clock, *, future_ok: bool = False
) -> tuple[Any, Draft, HlcStamp, Any]:
    """The record, its draft, its HLC stamp and its parsed payload, checked as a new local record is;
    raises RecordInvalid."""
    errors: list[FieldError] = []
    record_id = version.get("id")
    try:
        if not isinstance(record_id, str) or uuid.UUID(record_id).version != 7:
            raise ValueError
    except ValueError:
        errors.append(FieldError("id", f"id: {record_id!r} is not a UUIDv7", "a UUIDv7"))
    text = version.get("entered_at")
    stamp: HlcStamp | None = None
    try:
        stamp = parse_stamp(str(text))
        if stamp.device_id != version.get("device_id"):
            errors.append(
                FieldError("entered_at", "entered_at: stamped by another device", "its device id")
            )
    except ValueError:
        errors.append(FieldError("entered_at", f"entered_at: {text!r}", "an HLC stamp"))
    seq = version.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        errors.append(FieldError("seq", f"seq: {seq!r}", "a whole number from 1"))
    digest = version.get("hash")
    if not isinstance(digest, str) or len(digest) != 64:
        errors.append(FieldError("hash", "hash: not a sha256 digest", "64 hex digits"))
    if errors:
        raise RecordInvalid(errors)
    try:
        data = json.loads(str(version["payload"]))
        observed_at = parse_utc(str(version["observed_at"]))
    except (ValueError, TypeError) as err:
        raise RecordInvalid([FieldError("payload", f"payload: {err}", "a record")]) from None
    # A record is a JSON object; an assessment is stored compact (a JSON array) since migration 6 and a
    # vitals set since migration 10, and one stored before keeps its object form, as its chain covers it.
    kind = str(version["kind"])
    if not isinstance(data, dict) and not (kind in COMPACT_KINDS and isinstance(data, list)):
        raise RecordInvalid([FieldError("payload", "payload: not an object", "a record")])
    # The one-pass path: a record it gives is canonical and passes every field and cross-field check
    # (`received_record`); on any doubt, the full path below decides and words the refusal.
    record = received_record(kind, data, version["payload"])
    fields_checked = record is not None
    if record is None:
        # The field checks run once, in validate() below (check=False only skips running them twice).
        record = from_payload(kind, data, check=False)
        if canonical_json(stored_form(record, data)) != version["payload"]:
            raise RecordInvalid(
                [FieldError("payload", "payload: not in its canonical form", "canonical JSON")]
            )
    if not _stored_form(version["observed_at"], observed_at):
        raise RecordInvalid(
            [FieldError("observed_at", "observed_at: not in its stored form", "UTC text")]
        )
    draft = Draft(
        record, str(version["patient_id"]), observed_at, version["supersedes"], version["reason"]
    )
    errors = validate_received(
        draft, _NoFuture(clock) if future_ok else clock, fields_checked=fields_checked
    )
    author = version["author"]
    errors += [] if _field_ok(_AUTHOR, author) else check_author(author)
    if draft.patient_id != version["patient_id"]:
        errors.append(FieldError("patient_id", "patient_id: not in upper case", "upper case"))
    if errors:
        raise RecordInvalid(errors)
    assert stamp is not None  # a bad stamp was refused above
    return record, draft, stamp, data


def _correction_problem(db: Database, version: Row, batch: Mapping[str, Row]) -> str | None:
    target_id = version["supersedes"]
    if target_id is None:
        return None
    target = batch.get(target_id)
    if target is None:
        row = db.conn.execute(
            "SELECT kind, patient_id FROM records WHERE id = ?", [target_id]
        ).fetchone()
        target = {"kind": row[0], "patient_id": row[1]} if row else None
    if target is None:
        return None  # flagged by _doubts: its target may arrive later
    if (target["kind"], target["patient_id"]) != (version["kind"], version["patient_id"]):
        return f"supersedes: {target_id} is a {target['kind']} of patient {target['patient_id']}"
    return None


def _doubts(
    db: Database,
    version: Row,
    stamp: HlcStamp,
    batch: Mapping[str, Row],
    now: datetime,
    threshold: timedelta,
    offsets: Mapping[str, float],
) -> list[tuple[str, Flag, str]]:
    found: list[tuple[str, Flag, str]] = []
    record_id = str(version["id"])
    conn = db.conn
    ahead_ms = stamp.ms - epoch_ms(now)
    offset = offsets.get(str(version["device_id"]))
    if ahead_ms > threshold / timedelta(milliseconds=1):
        found.append(
            (
                record_id,
                Flag.CLOCK_SUSPECT,
                f"entered {ahead_ms / 3_600_000:.1f} h ahead of this machine's clock",
            )
        )
    elif offset is not None and abs(offset) > threshold.total_seconds():
        found.append(
            (
                record_id,
                Flag.CLOCK_SUSPECT,
                f"its machine's clock was {offset / 3600:+.1f} h off the hub's when it synced",
            )
        )
    target = version["supersedes"]
    if target is not None:
        if conn.execute("SELECT 1 FROM records WHERE id = ?", [target]).fetchone() is None and (
            target not in batch
        ):
            found.append((record_id, Flag.SUPERSEDES_UNKNOWN, f"corrects {target}, not yet here"))
        others = [
            r[0] for r in conn.execute("SELECT id FROM records WHERE supersedes = ?", [target])
        ]
        others += [i for i, r in batch.items() if r["supersedes"] == target]
        if others and version["kind"] not in DERIVED_KINDS:
            detail = f"{target} is corrected by {', '.join([*others, record_id])}"
            found += [(i, Flag.CONCURRENT_CORRECTION, detail) for i in [*others, record_id]]
    elif version["kind"] == "admission":
        others = [
            r[0]
            for r in conn.execute(
                "SELECT p.record_id FROM patients p WHERE p.patient_id = ? AND p.supersedes IS NULL "
                "AND p.record_id <> ?",
                [version["patient_id"], record_id],
            )
        ]
        # The batch's own admissions are written after it is checked: they count as well.
        others += [
            i
            for i, r in batch.items()
            if r["kind"] == "admission"
            and r["supersedes"] is None
            and r["patient_id"] == version["patient_id"]
            and i not in others
        ]
        if others:
            detail = (
                f"patient {version['patient_id']} was admitted on two machines "
                f"({', '.join([*others, record_id])}): an admin must reconcile them"
            )
            found += [(i, Flag.DUPLICATE_ADMISSION, detail) for i in [*others, record_id]]
    return found


def _store_outcome(db: Database, out: Received, now: datetime) -> None:
    conn = db.conn
    stamp = iso_utc(now)
    conn.executemany(
        "INSERT OR IGNORE INTO sync_flags (record_id, flag, detail, flagged_at) VALUES (?, ?, ?, ?)",
        [(record_id, flag.value, detail, stamp) for record_id, flag, detail in out.flags],
    )
    quarantine(db, out.quarantined, origin="received", now=now)
    for patient_id, at in out.patients.items():
        conn.execute(
            "INSERT INTO sync_rederive (patient_id, newest_at) VALUES (?, ?) "
            "ON CONFLICT (patient_id) DO UPDATE SET newest_at = CASE "
            "WHEN excluded.newest_at IS NULL THEN newest_at WHEN newest_at IS NULL "
            "THEN excluded.newest_at ELSE max(newest_at, excluded.newest_at) END",
            [patient_id, iso_utc(at) if at else None],
        )


def quarantine(db: Database, items: Iterable[Quarantined], *, origin: str, now: datetime) -> None:
    """Keep each refused version (and what it clashed with); a version already kept is kept once."""
    db.conn.executemany(
        "INSERT OR IGNORE INTO sync_quarantine (record_id, version_hash, origin, reason, version, "
        "other_version, found_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                q.record_id,
                version_hash(q.version),
                origin,
                q.reason,
                canonical_json(q.version),
                canonical_json(q.other_version) if q.other_version is not None else None,
                iso_utc(now),
            )
            for q in items
        ],
    )


# --- the bookkeeping the sync reads -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HubCursor:
    """This machine's cursors at one hub: the last seq the hub committed from it, the last hub_seq
    received here."""

    hub_id: str
    url: str
    pushed_seq: int
    pulled_hub_seq: int
    last_sync_at: datetime | None


def hub_cursor(db: Database, hub_id: str) -> HubCursor | None:
    row = db.conn.execute(
        "SELECT hub_id, url, pushed_seq, pulled_hub_seq, last_sync_at FROM sync_hubs "
        "WHERE hub_id = ?",
        [hub_id],
    ).fetchone()
    if row is None:
        return None
    return HubCursor(row[0], row[1], row[2], row[3], parse_utc(row[4]) if row[4] else None)


def hub_cursors(db: Database) -> list[HubCursor]:
    ids = [r[0] for r in db.conn.execute("SELECT hub_id FROM sync_hubs ORDER BY hub_id")]
    return [c for c in (hub_cursor(db, i) for i in ids) if c is not None]


def move_cursor(
    db: Database,
    hub_id: str,
    url: str,
    *,
    pushed_seq: int | None = None,
    pulled_hub_seq: int | None = None,
    synced_at: datetime | None = None,
) -> None:
    """Move this machine's cursors forward (never back), inside the caller's transaction."""
    db.conn.execute(
        "INSERT INTO sync_hubs (hub_id, url) VALUES (?, ?) ON CONFLICT (hub_id) DO NOTHING",
        [hub_id, url],
    )
    db.conn.execute(
        "UPDATE sync_hubs SET url = ?, pushed_seq = max(pushed_seq, coalesce(?, 0)), "
        "pulled_hub_seq = max(pulled_hub_seq, coalesce(?, 0)), "
        "last_sync_at = coalesce(?, last_sync_at) WHERE hub_id = ?",
        [url, pushed_seq, pulled_hub_seq, iso_utc(synced_at) if synced_at else None, hub_id],
    )


def pending_rederivation(db: Database) -> dict[str, datetime | None]:
    """Patients whose received records still wait for their picture to be re-derived, with the newest
    time point received (None when only records that make no time point came)."""
    return {
        r[0]: parse_utc(r[1]) if r[1] else None
        for r in db.conn.execute("SELECT patient_id, newest_at FROM sync_rederive")
    }


def rederived(db: Database, patient_id: str) -> None:
    """The patient's picture was re-derived (inside the transaction that stored it)."""
    db.conn.execute("DELETE FROM sync_rederive WHERE patient_id = ?", [patient_id])


def flags(db: Database, record_id: str | None = None) -> list[tuple[str, str, str]]:
    """(record id, flag, detail) of flagged received records."""
    where, params = ("WHERE record_id = ?", [record_id]) if record_id else ("", [])
    return [
        (r[0], r[1], r[2])
        for r in db.conn.execute(
            f"SELECT record_id, flag, detail FROM sync_flags {where} ORDER BY record_id, flag",
            params,
        )
    ]


def quarantined(db: Database) -> list[tuple[str, str, str, str | None]]:
    """(record id, reason, version, other version) of every quarantined version."""
    return [
        (r[0], r[1], r[2], r[3])
        for r in db.conn.execute(
            "SELECT record_id, reason, version, other_version FROM sync_quarantine "
            "ORDER BY found_at, record_id"
        )
    ]
