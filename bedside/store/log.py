"""The append-only log of records: writes with id, HLC, per-device seq and hash chain; and its queries."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from hashlib import sha256
from typing import Any

from sqlite_utils import Database

from bedside.clock import Clock
from bedside.ids import HybridLogicalClock, new_uuid7
from bedside.records import (
    Draft,
    FieldError,
    Record,
    RecordInvalid,
    ValidDraft,
    canonical_json,
    check_author,
    from_payload,
    iso_utc,
    parse_utc,
    to_payload,
    validated,
)
from bedside.store.connection import StorageError
from bedside.store.projection import project
from bedside.store.schema import LOG_INDEXED, PROJECTED_KINDS, RECORD_COLUMNS, SERIES_COLUMNS

GENESIS_HASH = "0" * 64
# The envelope fields that the hash covers, besides the payload text (DESIGN 8: audit chain).
HASHED_FIELDS = RECORD_COLUMNS[:-2]
_SELECT = f"SELECT {', '.join('r.' + c for c in RECORD_COLUMNS)} FROM records r"
# SQL condition "this row is the current version" (no correction supersedes it); format with the id column.
CURRENT_VERSION = "NOT EXISTS (SELECT 1 FROM records c WHERE c.supersedes = {})"
_SELECT_KEYS = "SELECT r.id, r.hash FROM records r"
_IDS_PER_READ = 500  # well under SQLite's bound on parameters
# Decoded records kept per Log: a day of vitals every 5 minutes for 30 patients, with room to spare.
DECODED_CACHE_SIZE = 20_000


@dataclass(frozen=True, slots=True)
class _Arm:
    """Where one patient's records of some kinds are found: `source` names the record `r`, `where`
    holds one `?` for the patient id, then `params`; `observed` and `entered` are the columns to filter
    and sort by (a projection's own, so that its key gives the order)."""

    source: str
    where: str
    params: tuple[str, ...]
    observed: str
    entered: str


def _arms(kinds: Collection[str] | None) -> list[_Arm]:
    """The arms that find a patient's records of `kinds` (every kind: None) through an index: the
    projection table of each projected kind (schema.PROJECTED_KINDS), the log's index for the rest."""
    arms = [
        _Arm(
            f"{table} p JOIN records r ON r.id = p.record_id",
            "p.patient_id = ?",
            (),
            "p.observed_at",
            "p.entered_at" if table == "assessments" else "r.entered_at",
        )
        for kind, table in PROJECTED_KINDS.items()
        if kinds is None or kind in kinds
    ]
    logged = None if kinds is None else sorted(set(kinds) - PROJECTED_KINDS.keys())
    if logged is None or logged:
        where = f"r.patient_id = ? AND r.{LOG_INDEXED}"
        if logged is not None:
            # One kind as an equality, so that the (patient, kind, time) index also gives the order.
            where += " AND r.kind = ?" if len(logged) == 1 else f" AND r.kind IN ({_marks(logged)})"
        arms.insert(
            0, _Arm("records r", where, tuple(logged or ()), "r.observed_at", "r.entered_at")
        )
    return arms


# The arm of the vitals (schema.PROJECTED_KINDS), whose key gives observed_at but not entered_at.
_VITALS_SOURCE = next(arm.source for arm in _arms(["vitals"]))


def _marks(values: Collection[Any]) -> str:
    return ", ".join("?" * len(values))


def patient_records_query(
    patient_id: str,
    kinds: Collection[str] | None,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    current_only: bool = False,
    join: str = "",
    extra: Sequence[str] = (),
    keys: bool = False,
) -> tuple[str, list[Any]] | None:
    """SQL and parameters of the patient's records of `kinds` (RECORD_COLUMNS, or with `keys` only id,
    hash, observed_at and entered_at; then the `extra` columns, which may name tables of `join`) with since <= observed_at <= until, in clinical order
    (observed_at, then entered_at); never a scan of the patient's log. Corrected versions are
    included unless `current_only`. None for no kind at all (nothing to read)."""
    query = _records_query(
        patient_id, kinds, since, until, current_only, join, tuple(extra), keys, sort=True
    )
    return None if query is None else (query[0], query[1])


def _records_query(
    patient_id: str,
    kinds: Collection[str] | None,
    since: datetime | None,
    until: datetime | None,
    current_only: bool,
    join: str,
    extra: tuple[str, ...],
    keys: bool,
    *,
    sort: bool,
) -> tuple[str, list[Any], bool] | None:
    """`patient_records_query`, and whether the caller must still order rows of equal observed_at by
    entered_at (only without `sort`, for a single arm whose index gives observed_at but not
    entered_at: the vitals, whose entered_at is the log's)."""
    kinds_key = None if kinds is None else tuple(sorted(set(kinds)))
    text = _records_sql(
        kinds_key, since is not None, until is not None, current_only, join, extra, keys, sort
    )
    if text is None:
        return None
    sql, arm_params, ties = text
    bounds = [iso_utc(t) for t in (since, until) if t is not None]
    params: list[Any] = []
    for own in arm_params:
        params += [patient_id, *own, *bounds]
    return sql, params, ties


@lru_cache(maxsize=256)
def _records_sql(
    kinds: tuple[str, ...] | None,
    since: bool,
    until: bool,
    current_only: bool,
    join: str,
    extra: tuple[str, ...],
    keys: bool,
    sort: bool,
) -> tuple[str, tuple[tuple[str, ...], ...], bool] | None:
    """The SQL text of `_records_query` (built once per shape: a save reads the same shapes again and
    again), each arm's own parameters after the patient id, and whether ties are left to the caller."""
    arms = _arms(kinds)
    if not arms:
        return None
    selects = []
    for arm in arms:
        own = {"observed_at": arm.observed, "entered_at": arm.entered}
        named = ("id", "hash", "observed_at", "entered_at") if keys else RECORD_COLUMNS
        columns = [f"{own.get(c, 'r.' + c)} AS {c}" for c in named] + list(extra)
        where = [arm.where]
        if current_only:
            where.append(CURRENT_VERSION.format("r.id"))
        if since:
            where.append(f"{arm.observed} >= ?")
        if until:
            where.append(f"{arm.observed} <= ?")
        selects.append(
            f"SELECT {', '.join(columns)} FROM {arm.source} {join} WHERE {' AND '.join(where)}"
        )
    # The vitals' key orders them by observed_at only: SQLite would sort every row again for the
    # entered_at of equal times, which costs more than the read (a day of sets: 70 of 230 us).
    ties = not sort and keys and len(arms) == 1 and arms[0].source == _VITALS_SOURCE
    order = f"ORDER BY {arms[0].observed}" if ties else "ORDER BY observed_at, entered_at"
    return (
        f"{' UNION ALL '.join(selects)} {order}",
        tuple(arm.params for arm in arms),
        ties,
    )


def chain_hash(previous: str, row: Mapping[str, Any]) -> str:
    """sha256 over the previous hash of the same device, the canonical envelope and the payload text."""
    envelope = canonical_json({name: row[name] for name in HASHED_FIELDS})
    return sha256(f"{previous}\n{envelope}\n{row['payload']}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as the log holds it: the envelope and the decoded record."""

    id: str
    kind: str
    patient_id: str
    observed_at: datetime
    entered_at: str
    author: str
    device_id: str
    seq: int
    supersedes: str | None
    reason: str | None
    hash: str
    record: Record


@dataclass(frozen=True, slots=True)
class VitalsSeries:
    """Columns of one patient's current (not superseded) vitals for trend plots; `t` is Unix seconds.

    `series["hr"]` is the heart-rate column (None where not measured), aligned with `t`."""

    record_id: tuple[str, ...]
    t: tuple[float, ...]
    values: Mapping[str, tuple[float | None, ...]]

    def __getitem__(self, column: str) -> tuple[float | None, ...]:
        return self.values[column]


class Log:
    """The ward database's record log. Writes go through `append`, inside `transaction(db)`."""

    def __init__(self, db: Database, clock: Clock, device_id: str | None = None) -> None:
        """`device_id` defaults to the identity the database was created with; a given one (tests,
        a configured machine name) starts or continues its own seq and hash chain."""
        self._db = db
        self._clock = clock
        row = db.conn.execute("SELECT device_id FROM device").fetchone()
        if row is None:
            raise StorageError("the database has no device identity (not migrated?)")
        self.device_id: str = device_id or row[0]
        HybridLogicalClock(self.device_id)  # refuses an id that would break the HLC text form
        self._decoded: dict[tuple[str, str], StoredRecord] = {}
        self._records: dict[tuple[str, str], Record] = {}

    def append(
        self,
        record: Record,
        *,
        patient_id: str,
        observed_at: datetime,
        author: str,
        supersedes: str | None = None,
        reason: str | None = None,
    ) -> StoredRecord:
        """Validate and store `record` with its projection row; raises RecordInvalid naming each field.

        This is the path of the records the service writes itself: a derived record (assessment,
        alert event) is stamped by the service, so its time is not checked against the clock (a
        clock set back must not stop grading nor acknowledging)."""
        draft = Draft(
            record=record,
            patient_id=patient_id,
            observed_at=observed_at,
            supersedes=supersedes,
            reason=reason,
        )
        valid = validated(draft, self._clock, stamped=True)
        if not isinstance(valid, ValidDraft):
            raise RecordInvalid(valid + check_author(author))
        return self.write(valid, author=author)

    def write(self, valid: ValidDraft, *, author: str) -> StoredRecord:
        """Store a draft already validated (its fields are not checked again) with its projection
        row. What only the database can tell is checked here, under the write lock: the author, and
        that a correction supersedes the newest version of a record of this patient and kind. Raises
        RecordInvalid naming each field."""
        conn = self._db.conn
        if not conn.in_transaction:
            raise StorageError("Log.write must run inside transaction(db)")
        record, observed_at = valid.record, valid.observed_at
        patient_id = valid.patient_id  # in upper case: ids compare without regard to case
        supersedes, reason = valid.draft.supersedes, valid.draft.reason
        errors = check_author(author)
        if not errors and supersedes is not None:
            kept = observed_at if valid.draft.keeps_observed_at else None
            errors = self._correction_errors(supersedes, record.KIND, patient_id, kept)
        if errors:
            raise RecordInvalid(errors)
        # Re-read under the write lock: another connection to this file may have appended meanwhile.
        device_id = self.device_id
        hlc_ms, hlc_counter = conn.execute("SELECT hlc_ms, hlc_counter FROM device").fetchone()
        hlc = HybridLogicalClock(device_id, hlc_ms, hlc_counter)
        entered_at = hlc.tick(self._clock.now())
        seq, previous = self.head(device_id)
        row: dict[str, Any] = {
            "id": new_uuid7(self._clock),
            "kind": record.KIND,
            "patient_id": patient_id,
            "observed_at": iso_utc(observed_at),
            "entered_at": entered_at,
            "author": author,
            "device_id": device_id,
            "seq": seq + 1,
            "supersedes": supersedes,
            "reason": reason,
            "payload": canonical_json(to_payload(record)),
        }
        row["hash"] = chain_hash(previous, row)
        marks = ", ".join("?" * len(RECORD_COLUMNS))
        conn.execute(
            f"INSERT INTO records ({', '.join(RECORD_COLUMNS)}) VALUES ({marks})",
            [row[c] for c in RECORD_COLUMNS],
        )
        project(
            conn,
            record,
            record_id=row["id"],
            patient_id=patient_id,
            observed_at=row["observed_at"],
            entered_at=entered_at,
            supersedes=supersedes,
        )
        conn.execute("UPDATE device SET hlc_ms = ?, hlc_counter = ?", hlc.state)
        conn.execute(
            "INSERT INTO devices (device_id, last_seq, last_hash) VALUES (?, ?, ?) "
            "ON CONFLICT (device_id) DO UPDATE SET last_seq = excluded.last_seq, "
            "last_hash = excluded.last_hash",
            [device_id, row["seq"], row["hash"]],
        )
        stored = _stored(row, record)
        # The next save reads this record back (the newest assessment, the latest vitals): kept as
        # written, as the codec's round trip gives it back. Should the transaction roll back, the id
        # is never read again.
        key = (row["id"], row["hash"])
        _remember(self._records, key, record)
        _remember(self._decoded, key, stored)
        return stored

    def observe(self, stamp: str) -> None:
        """Merge an HLC stamp received from another machine (sync), inside `transaction(db)`, so that
        every later local stamp sorts after it even if that machine's clock runs ahead."""
        conn = self._db.conn
        if not conn.in_transaction:
            raise StorageError("Log.observe must run inside transaction(db)")
        hlc = HybridLogicalClock(
            self.device_id, *conn.execute("SELECT hlc_ms, hlc_counter FROM device").fetchone()
        )
        hlc.observe(stamp)
        conn.execute("UPDATE device SET hlc_ms = ?, hlc_counter = ?", hlc.state)

    def _correction_errors(
        self, supersedes: str, kind: str, patient_id: str, kept: datetime | None
    ) -> list[FieldError]:
        """Why a correction of `supersedes` may not be stored; `kept` is its observed_at when it
        says it keeps the corrected record's time (then it must be that time)."""
        conn = self._db.conn
        target = conn.execute(
            "SELECT kind, patient_id, observed_at FROM records WHERE id = ?", [supersedes]
        ).fetchone()
        allowed = "the id of the newest version of a record of this patient and kind"
        if target is None:
            return [FieldError("supersedes", f"supersedes: no record {supersedes}", allowed)]
        if kept is not None and iso_utc(kept) != target[2]:
            message = (
                f"observed_at: {iso_utc(kept)} is not the time of the corrected record "
                f"{supersedes}, which this correction keeps"
            )
            return [FieldError("observed_at", message, target[2])]
        if tuple(target[:2]) != (kind, patient_id):
            message = f"supersedes: {supersedes} is a {target[0]} of patient {target[1]}"
            return [FieldError("supersedes", message, allowed)]
        newer = conn.execute("SELECT id FROM records WHERE supersedes = ?", [supersedes]).fetchone()
        if newer is not None:
            message = f"supersedes: {supersedes} was already corrected by {newer[0]}"
            return [FieldError("supersedes", message, allowed)]
        return []

    def head(self, device_id: str | None = None) -> tuple[int, str]:
        """(last seq, last hash) of a device's chain; (0, GENESIS_HASH) before its first record."""
        row = self._db.conn.execute(
            "SELECT last_seq, last_hash FROM devices WHERE device_id = ?",
            [device_id or self.device_id],
        ).fetchone()
        return (row[0], row[1]) if row else (0, GENESIS_HASH)

    def get(self, record_id: str) -> StoredRecord | None:
        found = self._select("WHERE r.id = ?", [record_id])
        return found[0] if found else None

    def records_for_patient(
        self,
        patient_id: str,
        kinds: Collection[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        current_only: bool = False,
    ) -> list[StoredRecord]:
        """The patient's records with since <= observed_at <= until, in clinical order (observed_at,
        then entered_at). Corrected versions are included unless `current_only`."""
        query = _records_query(
            patient_id, kinds, since, until, current_only, "", (), True, sort=False
        )
        if query is None:
            return []
        sql, params, ties = query
        return self._rows(sql, params, ties=ties)

    def has_kind(self, patient_id: str, kind: str) -> bool:
        """Whether any record of `kind` is filed under `patient_id`."""
        table = PROJECTED_KINDS.get(kind)
        sql = (
            f"SELECT 1 FROM {table} WHERE patient_id = ? LIMIT 1"
            if table is not None
            else f"SELECT 1 FROM records WHERE patient_id = ? AND {LOG_INDEXED} AND kind = ? LIMIT 1"
        )
        params = [patient_id] if table is not None else [patient_id, kind]
        return self._db.conn.execute(sql, params).fetchone() is not None

    def newest_by_author(
        self, patient_id: str, kind: str, author: str, limit: int
    ) -> list[StoredRecord]:
        """The newest `limit` records of `kind` under `patient_id` that `author` wrote, newest first
        (in the order they were entered). Not for the projected kinds (schema.PROJECTED_KINDS), which
        the log's (patient, kind, time) index does not hold."""
        if kind in PROJECTED_KINDS:
            raise ValueError(f"newest_by_author: {kind} records are found through their projection")
        return self._select(
            f"WHERE r.patient_id = ? AND r.{LOG_INDEXED} AND r.kind = ? AND r.author = ? "
            "ORDER BY r.entered_at DESC LIMIT ?",
            [patient_id, kind, author, limit],
        )

    def superseded_ids(self, patient_id: str) -> frozenset[str]:
        # Corrections are few: the supersedes index finds them without reading the patient's log.
        rows = self._db.conn.execute(
            "SELECT r.supersedes FROM records r INDEXED BY records_supersedes "
            "WHERE r.supersedes IS NOT NULL AND r.patient_id = ?",
            [patient_id],
        )
        return frozenset(row[0] for row in rows)

    def patients(self) -> list[StoredRecord]:
        """The current admission of every patient (a corrected admission shows its newest version)."""
        found = self._select(
            # Driven from the small patients table: never a scan of the whole log.
            "WHERE r.id IN (SELECT p.record_id FROM patients p) "
            f"AND {CURRENT_VERSION.format('r.id')} ORDER BY r.patient_id, r.entered_at"
        )
        # Two uncorrected admissions of one patient (made on two machines offline): the later wins.
        return list({stored.patient_id: stored for stored in found}.values())

    def vitals_series(
        self,
        patient_id: str,
        start: datetime,
        end: datetime,
        columns: Sequence[str] = SERIES_COLUMNS,
    ) -> VitalsSeries:
        """Current vitals with start <= observed_at <= end, as columns (no record decoding).

        Each column costs time (about 3 ms per 35,000 rows): a plot asks only for what it draws."""
        unknown = [c for c in columns if c not in SERIES_COLUMNS]
        if unknown:
            raise ValueError(f"not a vitals series column: {', '.join(unknown)}")
        rows = self._db.conn.execute(
            f"SELECT {', '.join(('record_id', 'observed_s', *columns))} FROM vitals "
            "WHERE patient_id = ? AND observed_at >= ? AND observed_at <= ? "
            "ORDER BY observed_at, record_id",
            [patient_id, iso_utc(start), iso_utc(end)],
        ).fetchall()
        superseded = self.superseded_ids(patient_id)
        if superseded:
            rows = [row for row in rows if row[0] not in superseded]
        found = list(zip(*rows, strict=True)) if rows else [()] * (2 + len(columns))
        return VitalsSeries(found[0], found[1], dict(zip(columns, found[2:], strict=True)))

    def latest_assessments(self) -> dict[str, StoredRecord]:
        """The newest current assessment of each admitted patient, by patient id."""
        ids = [
            row[0]
            for row in self._db.conn.execute(
                "SELECT (SELECT a.record_id FROM assessments a WHERE a.patient_id = p.patient_id "
                f"AND {CURRENT_VERSION.format('a.record_id')} "
                "ORDER BY a.observed_at DESC, a.entered_at DESC LIMIT 1) "
                "FROM (SELECT DISTINCT patient_id FROM patients) p"
            )
            if row[0] is not None
        ]
        found = self._select(f"WHERE r.id IN ({', '.join('?' * len(ids))})", ids)
        return {stored.patient_id: stored for stored in found}

    def alert_events(self, patient_id: str | None = None) -> list[StoredRecord]:
        where = "WHERE a.patient_id = ?" if patient_id is not None else ""
        params = [patient_id] if patient_id is not None else []
        return self._select(
            f"JOIN alert_events a ON a.record_id = r.id {where} "
            "ORDER BY r.observed_at, r.entered_at",
            params,
        )

    def row_counts(self) -> dict[str, int]:
        """Rows in every table, for the "nothing half-written" checks."""
        conn = self._db.conn
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names
        }

    def _select(self, tail: str, params: list[Any] | None = None) -> list[StoredRecord]:
        return self._rows(f"{_SELECT_KEYS} {tail}", params)

    def _rows(
        self, keys_sql: str, params: list[Any] | None = None, *, ties: bool = False
    ) -> list[StoredRecord]:
        """The records of a query whose first columns are (id, hash), in its order; with `ties`, whose
        next columns are (observed_at, entered_at), ordered by observed_at only: rows of one time are
        put in the order they were entered."""
        # A record is never changed once stored (append-only, the hash covers envelope and payload),
        # so one decoded under the same id and hash is the same record: each save reads the last day
        # of vitals again, and decoding them was most of its time. The keys come first; only the
        # rows not decoded yet are read whole.
        found_rows = self._db.conn.execute(keys_sql, params or []).fetchall()
        if ties:
            found_rows.sort(key=_clinical_order)  # stable, and the rows come mostly in order
        keys = [(r[0], r[1]) for r in found_rows]
        decoded = self._decoded
        missing = [key[0] for key in keys if key not in decoded]
        if not missing:
            return [decoded[key] for key in keys]  # a save's reads: every row decoded before
        found = {key: decoded[key] for key in keys if key in decoded}
        for start in range(0, len(missing), _IDS_PER_READ):
            ids = missing[start : start + _IDS_PER_READ]
            rows = self._db.conn.execute(
                f"{_SELECT} WHERE r.id IN ({', '.join('?' * len(ids))})", ids
            )
            # The columns in RECORD_COLUMNS order (schema.py), read as `_stored` reads them, without
            # a dict per row (test_store.py reads every kind back as it was written).
            for (
                rid,
                kind,
                pid,
                observed,
                entered,
                author,
                device,
                seq,
                sup,
                reason,
                payload,
                digest,
            ) in rows:
                key = (rid, digest)
                found[key] = StoredRecord(
                    id=rid,
                    kind=kind,
                    patient_id=pid,
                    observed_at=parse_utc(observed),
                    entered_at=entered,
                    author=author,
                    device_id=device,
                    seq=seq,
                    supersedes=sup,
                    reason=reason,
                    hash=digest,
                    record=self.decode(kind, key, payload),
                )
                _remember(decoded, key, found[key])
        if len(found) < len(keys):  # a row was rewritten between the two reads: only by tampering
            changed = next(key[0] for key in keys if key not in found)
            raise StorageError(f"record {changed} changed while it was read; run `bedside verify`")
        return [found[key] for key in keys]

    def decode(self, kind: str, key: tuple[str, str], payload: str) -> Record:
        """The record of a stored row, `key` its (id, hash): decoded once, then kept (see _select)."""
        record = self._records.get(key)
        if record is None:
            record = from_payload(kind, json.loads(payload), check=False)
            _remember(self._records, key, record)
        return record


def _clinical_order(row: Sequence[Any]) -> tuple[str, str]:
    return row[2], row[
        3
    ]  # observed_at, entered_at: texts, compared as SQLite's BINARY collation does


def _remember(cache: dict[tuple[str, str], Any], key: tuple[str, str], value: Any) -> None:
    cache[key] = value
    if len(cache) > DECODED_CACHE_SIZE:
        del cache[next(iter(cache))]  # the oldest decoded goes first


def _stored(row: Mapping[str, Any], record: Record) -> StoredRecord:
    return StoredRecord(
        id=row["id"],
        kind=row["kind"],
        patient_id=row["patient_id"],
        observed_at=parse_utc(row["observed_at"]),
        entered_at=row["entered_at"],
        author=row["author"],
        device_id=row["device_id"],
        seq=row["seq"],
        supersedes=row["supersedes"],
        reason=row["reason"],
        hash=row["hash"],
        record=record,
    )
