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
from bedside.records.codec import (
    COMPACT_KINDS,
    one_pass_kinds,
    received_record,
    stored_form,
)
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
    normalise_patient_id,
)
from bedside.records.types import (
    RECORD_TYPES,
    Admission,
    Intervention,
    specs_of,
)
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
_TIME_POINTS = frozenset(TIME_POINT_KINDS)

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
    rows: Sequence[Row | Sequence[Any]],
    clock: Clock,
    *,
    clock_suspect_after: timedelta,
    device_offsets: Mapping[str, float] | None = None,
) -> Received:
    """Verify and store a batch of records made on other machines, with their projections, inside the
    caller's `transaction(db)`. Each record is checked as `Log.append` checks a new one (fields, envelope,
    author, correction target), and its hash must continue its device's chain. Patients touched are
    queued for re-derivation in the same transaction (`pending_rederivation`), once per patient.

    `rows` are mappings of RECORD_COLUMNS, or tuples in RECORD_COLUMNS order (as a hub reads them).
    The batch path: every record is checked in order against the database and the records before it
    in the batch (an ordinary record in one pass, `_quick`; any other through `_checked`, which words
    the refusal); what is accepted is then written with one `executemany` per table."""
    conn = db.conn
    if not conn.in_transaction:
        raise StorageError("receive must run inside transaction(db)")
    out = Received()
    offsets = device_offsets or {}
    batch_values = [_as_values(r) for r in rows]
    existing = _existing(db, [str(v[0]) for v in batch_values])
    heads: dict[str, tuple[int, str]] = {}
    batch = _Batch()
    pending = _Pending()
    now = clock.now()
    latest = now + FUTURE_TOLERANCE
    now_ms = epoch_ms(now)
    ahead_after_ms = clock_suspect_after / timedelta(milliseconds=1)
    # A stamp's wall clock (naive UTC) at or before this is not ahead by `clock_suspect_after`.
    maybe_ahead = (now.astimezone(UTC) + clock_suspect_after - timedelta(seconds=1)).replace(
        tzinfo=None
    )
    off_after_s = clock_suspect_after.total_seconds()
    off_detail: dict[str, str | None] = {}  # a device's offset flag, worded once a batch
    own_device = log.device_id
    newest_stamp: str | None = None
    patients = out.patients
    flags_out = out.flags
    quick_rows = _quick_batch(batch_values, latest)
    for values, quick in zip(batch_values, quick_rows, strict=True):
        record_id = values[0] if type(values[0]) is str else str(values[0])
        known = existing.get(record_id) or batch.values.get(record_id)
        if known is not None:
            if known == values:
                out.duplicates += 1
            else:
                out.quarantined.append(
                    Quarantined(
                        record_id,
                        "conflict: this id is already held with other content",
                        _version(values),
                        _version(known),
                    )
                )
            continue
        device_id = str(values[6])
        if device_id == own_device:
            out.quarantined.append(
                Quarantined(record_id, "claims this machine's own device id", _version(values))
            )
            continue
        if quick is not None:
            record, data, observed, wall = quick
            patient_id: str = values[2]
            # The stamp's milliseconds are needed only for one that may be ahead.
            stamp_ms: int | None = (
                epoch_ms(wall.replace(tzinfo=UTC)) if wall > maybe_ahead else None
            )
        else:
            version = _version(values)
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
                flags_out.append(
                    (record_id, Flag.CLOCK_SUSPECT, "; ".join(e.message for e in err.errors))
                )
            observed, stamp_ms, patient_id = draft.observed_at, stamp.ms, draft.patient_id
        head = heads.get(device_id)
        if head is None:
            head = heads[device_id] = log.head(device_id)
        head_seq, head_hash = head
        seq: int = values[7]
        if seq <= head_seq:
            out.quarantined.append(
                Quarantined(
                    record_id,
                    f"device {device_id} seq {seq} is already another record",
                    _version(values),
                )
            )
            continue
        if seq == head_seq + 1:
            if chain_hash_of_values(head_hash, values) != values[11]:
                out.quarantined.append(
                    Quarantined(
                        record_id, "hash does not continue its device's chain", _version(values)
                    )
                )
                continue
        else:
            missing = f"records {head_seq + 1}–{seq - 1} of device {device_id} are not here"
            flags_out.append((record_id, Flag.CHAIN_GAP, missing))
        kind = values[1]
        if values[8] is not None:
            problem = _correction_problem(db, values, batch)
            if problem is not None:
                out.quarantined.append(
                    Quarantined(record_id, f"refused: {problem}", _version(values))
                )
                continue
        # Doubts: a clock far off (the stamp ahead of this machine's, or the machine's offset at the
        # hub), a second correction of one record, a second admission of one patient.
        ahead_ms = None if stamp_ms is None else stamp_ms - now_ms
        if ahead_ms is not None and ahead_ms > ahead_after_ms:
            flags_out.append(
                (
                    record_id,
                    Flag.CLOCK_SUSPECT,
                    f"entered {ahead_ms / 3_600_000:.1f} h ahead of this machine's clock",
                )
            )
        else:
            if device_id not in off_detail:
                off_detail[device_id] = _offset_detail(offsets.get(device_id), off_after_s)
            off = off_detail[device_id]
            if off is not None:
                flags_out.append((record_id, Flag.CLOCK_SUSPECT, off))
        if values[8] is not None or kind == "admission":
            flags_out += _doubts(db, values, batch)
        pending.add(values, record, data, patient_id, observed)
        heads[device_id] = (seq, str(values[11]))
        batch.add(record_id, values)
        out.accepted += 1
        entered = str(values[4])
        if newest_stamp is None or entered > newest_stamp:
            newest_stamp = entered
        if kind in _TIME_POINTS:
            known_at = patients.get(patient_id)
            patients[patient_id] = observed if known_at is None or observed > known_at else known_at
        elif patient_id not in patients:
            patients[patient_id] = None
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


def _offset_detail(offset: float | None, off_after_s: float) -> str | None:
    """Why a record of a machine whose clock was `offset` seconds off the hub's at its push is clock
    suspect; None when it is not that far off (or not known)."""
    if offset is None or abs(offset) <= off_after_s:
        return None
    return f"its machine's clock was {offset / 3600:+.1f} h off the hub's when it synced"


def _as_values(row: Row | Sequence[Any]) -> tuple[Any, ...]:
    """One received row as a tuple in RECORD_COLUMNS order (a mapping's other keys are dropped, a
    missing column is None)."""
    if type(row) is tuple and len(row) == len(RECORD_COLUMNS):
        return row
    if isinstance(row, Mapping):
        return tuple(row.get(c) for c in RECORD_COLUMNS)
    values = tuple(row)
    if len(values) != len(RECORD_COLUMNS):
        raise ValueError(f"a received row has {len(values)} values, not {len(RECORD_COLUMNS)}")
    return values


def _version(values: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(RECORD_COLUMNS, values, strict=True))


class _Batch:
    """The records of a batch accepted so far: by id, and the two lookups the doubts need."""

    __slots__ = ("admissions", "corrections", "values")

    def __init__(self) -> None:
        self.values: dict[str, tuple[Any, ...]] = {}
        self.corrections: dict[object, list[str]] = {}  # target id -> ids correcting it
        self.admissions: dict[object, list[str]] = {}  # patient id -> its first admissions

    def add(self, record_id: str, values: tuple[Any, ...]) -> None:
        self.values[record_id] = values
        if values[8] is not None:
            self.corrections.setdefault(values[8], []).append(record_id)
        elif values[1] == "admission":
            self.admissions.setdefault(values[2], []).append(record_id)


_RECORDS_INSERT = (
    f"INSERT INTO records ({', '.join(RECORD_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(RECORD_COLUMNS))})"
)


class _Pending:
    """The accepted records of a batch and their projection rows (`projection_row`, as `project`
    writes them), written together: one `executemany` per table and column layout, records first."""

    def __init__(self) -> None:
        self.records: list[tuple[Any, ...]] = []
        self.alerts: list[tuple[str, str]] = []
        # The roll-up hours the batch changes: a vitals set's or an assessment's own, and for each
        # correction (kind, patient, observed_at, supersedes), looked up once the batch is written.
        self.hours: set[tuple[str, int]] = set()
        self.touched: list[tuple[str, str, str, str | None]] = []
        self.rows: dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]] = {}

    def add(
        self,
        values: tuple[Any, ...],
        record: Any,
        data: Any,
        patient_id: str,
        observed: datetime,
    ) -> None:
        self.records.append(values)
        record_id, observed_at, entered_at, supersedes = values[0], values[3], values[4], values[8]
        kind = str(values[1])
        # `observed` is `parse_utc(observed_at)`: its seconds are `unix_seconds(observed_at)`.
        observed_s = observed.timestamp()
        if supersedes is not None:
            self.touched.append((kind, patient_id, observed_at, supersedes))
        elif kind in hours.KINDS:
            self.hours.add((patient_id, hours.hour_of_seconds(observed_s)))
        alert = unresolved_alert(record, patient_id)
        if alert is not None:
            self.alerts.append(alert)
        try:
            # Vitals and assessments (almost every record) straight from the checked payload: the
            # row `projection_row` gives, as verification recomputes it.
            table, row_values = projection_values(
                kind, data, record_id, patient_id, observed_at, entered_at, observed_s=observed_s
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
        corrected = [hour for entry in self.touched for hour in hours.touched(conn, *entry)]
        hours.refresh_touched(conn, [*self.hours, *corrected])


def _existing(db: Database, ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    found: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = db.conn.execute(
            f"SELECT {', '.join(RECORD_COLUMNS)} FROM records "
            f"WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        for values in rows:
            found[values[0]] = tuple(values)
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


# --- the one-pass check of an ordinary received record ------------------------------------------------
# `_quick(values, latest)` gives what `_checked` gives (the record, its parsed payload, its time and its
# stamp's milliseconds) for a record that `_checked` accepts without a word; None on any doubt, and the
# record goes through `_checked`, which decides and words the refusal. Every test below implies the
# corresponding one of `_checked` (tests/bedside/test_receive_fast.py compares the two).

# A UUIDv7 in its canonical text form (lower case, the RFC 9562 variant): `uuid.UUID(text).version` is 7.
_UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
# The kinds `received_record` checks in one pass and whose draft `validate_received` checks by field
# (no cross-field, ward or time rules of `validate` beyond the envelope's).
_QUICK_KINDS = frozenset(
    kind
    for kind, cls in RECORD_TYPES.items()
    if kind in one_pass_kinds()
    and cls is not Admission
    and cls is not Intervention
    and not getattr(cls, "WARD_LEVEL", False)
)
_PATIENT_SPEC, _OBSERVED_SPEC, _SUPERSEDES_SPEC, _REASON_SPEC = _ENVELOPE
_DECODER = json.JSONDecoder()


@lru_cache(maxsize=4096)
def _patient_ok(patient_id: str) -> bool:
    """The patient id passes its field check and is kept as it is (upper case)."""
    return normalise_patient_id(patient_id) == patient_id and _field_ok(_PATIENT_SPEC, patient_id)


def _quick(
    values: tuple[Any, ...], latest: datetime, *, canonical: bool = True
) -> tuple[Any, Any, datetime, datetime] | None:
    """The record, its parsed payload, its time and its stamp's wall clock (naive, UTC) as `_checked`
    gives them, for a row `_checked` accepts without a word; None on any doubt. `canonical=False`:
    the payload's canonical form is left to the caller (`_canonical_rows`)."""
    record_id, kind, patient_id, observed_text, entered, author, device_id = values[:7]
    seq, supersedes, reason, payload, digest = values[7:]
    if (
        kind not in _QUICK_KINDS
        or type(observed_text) is not str
        or type(record_id) is not str
        or _UUID7.fullmatch(record_id) is None
        or type(entered) is not str
        or type(seq) is not int
        or seq < 1
        or type(digest) is not str
        or len(digest) != 64
        or type(payload) is not str
        or type(patient_id) is not str
        or not _patient_ok(patient_id)
        or (supersedes is None) != (reason is None)
        or not _field_ok(_AUTHOR, author)
    ):
        return None
    stamp = _STAMP_RE.fullmatch(entered)
    if stamp is None or stamp[3] != device_id or _STORED_TIME.fullmatch(observed_text) is None:
        return None
    if supersedes is not None and not (
        _field_ok(_SUPERSEDES_SPEC, supersedes) and _field_ok(_REASON_SPEC, reason)
    ):
        return None
    try:
        # `json.loads` less its skipping of white space, which a canonical payload has none of.
        data, end = _DECODER.raw_decode(payload)
        if end != len(payload):
            return None
        observed = parse_utc(observed_text)
        wall = datetime.fromisoformat(stamp[1])  # UTC, as `parse_stamp` reads it
    except ValueError:
        return None
    if type(data) not in (dict, list) or not (OLDEST <= observed < NEWEST) or observed > latest:
        return None  # a list: a vitals set's V1 array (`received_record` takes no other)
    record = received_record(kind, data, payload, canonical=canonical)
    if record is None:
        return None
    return record, data, observed, wall


def _quick_batch(
    rows: Sequence[tuple[Any, ...]], latest: datetime
) -> list[tuple[Any, Any, datetime, datetime] | None]:
    """`_quick` of each row, with the canonical form of every payload compared at once."""
    found = [_quick(values, latest, canonical=False) for values in rows]
    taken = [i for i, q in enumerate(found) if q is not None]
    datas = [q[1] for q in found if q is not None]
    texts = [rows[i][10] for i in taken]
    if not _canonical_rows(datas, texts):
        for i, data, text in zip(taken, datas, texts, strict=True):
            if not _canonical_rows([data], [text]):
                found[i] = None
    return found


def _canonical_rows(datas: list[Any], texts: list[str]) -> bool:
    """Whether each text is `canonical_json` of its value, compared as one list: each text was parsed
    whole into its value (`_quick`), so the joined texts equal the canonical list only if each one
    is its value's canonical form (where they first differ, one text would be a proper prefix of the
    other followed by "," or "]", which no whole JSON value is)."""
    try:
        return canonical_json(datas) == "[" + ",".join(texts) + "]"
    except (TypeError, ValueError):
        return False


def _correction_problem(db: Database, values: tuple[Any, ...], batch: _Batch) -> str | None:
    target_id = values[8]
    if target_id is None:
        return None
    held = batch.values.get(target_id)
    if held is not None:
        target: tuple[Any, Any] | None = (held[1], held[2])
    else:
        row = db.conn.execute(
            "SELECT kind, patient_id FROM records WHERE id = ?", [target_id]
        ).fetchone()
        target = (row[0], row[1]) if row else None
    if target is None:
        return None  # flagged by _doubts: its target may arrive later
    if target != (values[1], values[2]):
        return f"supersedes: {target_id} is a {target[0]} of patient {target[1]}"
    return None


def _doubts(db: Database, values: tuple[Any, ...], batch: _Batch) -> list[tuple[str, Flag, str]]:
    """The doubts of a correction (its target not here yet, a second correction of one record) and
    of an admission (a second admission of one patient id)."""
    found: list[tuple[str, Flag, str]] = []
    record_id, kind, patient_id, target = str(values[0]), values[1], values[2], values[8]
    conn = db.conn
    if target is not None:
        if conn.execute("SELECT 1 FROM records WHERE id = ?", [target]).fetchone() is None and (
            target not in batch.values
        ):
            found.append((record_id, Flag.SUPERSEDES_UNKNOWN, f"corrects {target}, not yet here"))
        others = [
            r[0] for r in conn.execute("SELECT id FROM records WHERE supersedes = ?", [target])
        ]
        others += batch.corrections.get(target, [])
        if others and kind not in DERIVED_KINDS:
            detail = f"{target} is corrected by {', '.join([*others, record_id])}"
            found += [(i, Flag.CONCURRENT_CORRECTION, detail) for i in [*others, record_id]]
    elif kind == "admission":
        others = [
            r[0]
            for r in conn.execute(
                "SELECT p.record_id FROM patients p WHERE p.patient_id = ? AND p.supersedes IS NULL "
                "AND p.record_id <> ?",
                [patient_id, record_id],
            )
        ]
        # The batch's own admissions are written after it is checked: they count as well.
        others += [i for i in batch.admissions.get(patient_id, []) if i not in others]
        if others:
            detail = (
                f"patient {patient_id} was admitted on two machines "
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
