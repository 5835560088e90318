"""The trend chart's queries: one patient's current values over a time span, raw or per hour, read from the
projections without decoding records (a year of 15-minute vitals is 35,000 rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from bedside.records import RECORD_TYPES, iso_utc
from bedside.store import hours
from bedside.store.log import CURRENT_VERSION, patient_records_query
from bedside.store.schema import LOG_INDEXED, PROJECTED_KINDS, SERIES_COLUMNS

# The patient's superseded record ids, as a subquery: found through the supersedes index, never a scan of
# the patient's log; SQLite builds it once per statement (a non-correlated IN).
_SUPERSEDED = (
    "(SELECT s.supersedes FROM records s INDEXED BY records_supersedes "
    "WHERE s.supersedes IS NOT NULL AND s.patient_id = ?)"
)
_GRADE_COLUMNS = ("crs_grade", "icans_grade")

Row = tuple[Any, ...]


class SeriesQueries:
    """Read-only SQL for the trend plots and the history table of one ward database."""

    def __init__(self, db: Database) -> None:
        self._conn = db.conn

    def vitals(
        self, patient_id: str, start_s: float, end_s: float, columns: Sequence[str]
    ) -> list[Row]:
        """(observed_s, *columns) of each current vitals set with start <= observed <= end, in time order."""
        _check_columns(columns)
        return self._conn.execute(
            f"SELECT observed_s, {', '.join(columns)} FROM vitals "
            "WHERE patient_id = ? AND observed_at >= ? AND observed_at <= ? "
            f"AND record_id NOT IN {_SUPERSEDED} ORDER BY observed_at, record_id",
            [patient_id, _iso(start_s), _iso(end_s), patient_id],
        ).fetchall()

    def vitals_hourly(
        self, patient_id: str, start_s: float, end_s: float, columns: Sequence[str]
    ) -> list[Row]:
        """Per clock hour with any current vitals: (hour number since the epoch, then for each column its
        minimum and maximum in that hour, None if it was not measured), in time order, straight from the
        vitals (the chart reads the roll-up; this is what the roll-up must equal)."""
        _check_columns(columns)
        aggregates = ", ".join(f"min({c}), max({c})" for c in columns)
        return self._conn.execute(
            f"SELECT CAST(observed_s / 3600 AS INTEGER) AS h, {aggregates} FROM vitals "
            "WHERE patient_id = ? AND observed_at >= ? AND observed_at <= ? "
            f"AND record_id NOT IN {_SUPERSEDED} GROUP BY h ORDER BY h",
            [patient_id, _iso(start_s), _iso(end_s), patient_id],
        ).fetchall()

    def chart_hours(self, patient_id: str) -> list[Row]:
        """The patient's hours of the roll-up (bedside/store/hours.py) with any current vitals set:
        (hour, then each of hours.COLUMNS' minimum and maximum), in hour order; a year is 8,760 rows,
        one clustered read."""
        columns = ", ".join(f"{c}_lo, {c}_hi" for c in hours.COLUMNS)
        return self._conn.execute(
            f"SELECT hour, {columns} FROM {hours.TABLE} WHERE patient_id = ? AND sets > 0 "
            "ORDER BY hour",
            [patient_id],
        ).fetchall()

    def chart_hour_changes(self, patient_id: str, what: str) -> list[Row]:
        """The roll-up's change columns ("device": device_s, device, device_more; "grade": grade_s,
        crs_grade, icans_grade, grade_more) of the hours that change what is in force (`*_new`): the
        others repeat it, so the stay's changes are these rows' entries (a year: a few rows)."""
        columns = ", ".join((f"{what}_s", *hours.CHANGES[what], f"{what}_more"))
        return self._conn.execute(
            f"SELECT {columns} FROM {hours.TABLE} WHERE patient_id = ? AND {what}_new = 1 "
            "ORDER BY hour",
            [patient_id],
        ).fetchall()

    def last_rowid(self) -> int:
        """The rowid of the newest record of the ward (records are appended, never edited or deleted):
        a stamp that any new record, a correction included, moves on."""
        row = self._conn.execute("SELECT max(rowid) FROM records").fetchone()
        return int(row[0] or 0)

    def appended_since(self, patient_id: str, after_rowid: int) -> bool:
        """Whether any record of the patient was appended after `after_rowid`."""
        row = self._conn.execute(
            "SELECT 1 FROM records NOT INDEXED WHERE rowid > ? AND patient_id = ? LIMIT 1",
            [after_rowid, patient_id],
        ).fetchone()
        return row is not None

    def o2_devices(self, patient_id: str, start_s: float, end_s: float) -> list[Row]:
        """(observed_s, o2_device) where the charted device differs from the one charted before it
        (vitals without a device are skipped); the first row is the device in force at `start`."""
        first = self._conn.execute(
            "SELECT observed_s, o2_device FROM vitals WHERE patient_id = ? AND observed_at < ? "
            f"AND o2_device IS NOT NULL AND record_id NOT IN {_SUPERSEDED} "
            "ORDER BY observed_at DESC LIMIT 1",
            [patient_id, _iso(start_s), patient_id],
        ).fetchall()
        changes = self._conn.execute(
            "SELECT observed_s, o2_device FROM (SELECT observed_s, o2_device, "
            "lag(o2_device) OVER (ORDER BY observed_at, record_id) AS before FROM vitals "
            "WHERE patient_id = ? AND observed_at >= ? AND observed_at <= ? "
            f"AND o2_device IS NOT NULL AND record_id NOT IN {_SUPERSEDED}) "
            "WHERE before IS NULL OR before <> o2_device",
            [patient_id, _iso(start_s), _iso(end_s), patient_id],
        ).fetchall()
        if first and changes and changes[0][1] == first[0][1]:
            changes = changes[1:]  # the span opens on the device already in force
        return first + changes

    def neuro_scores(self, patient_id: str, start_s: float, end_s: float) -> list[Row]:
        """(observed_at, tool, ice_score, capd_score, ice_not_assessable, capd_not_assessable) of each
        current neuro check in the span, in time order."""
        return self._conn.execute(
            "SELECT observed_at, tool, ice_score, capd_score, ice_not_assessable, "
            "capd_not_assessable FROM neuro_checks WHERE patient_id = ? AND observed_at >= ? "
            f"AND observed_at <= ? AND {CURRENT_VERSION.format('record_id')} ORDER BY observed_at",
            [patient_id, _iso(start_s), _iso(end_s)],
        ).fetchall()

    def grade_changes(
        self, patient_id: str, column: str, start_s: float, end_s: float
    ) -> list[Row]:
        """(observed_at, grade) of the current assessments where the grade differs from the one before
        (None, "cannot be determined", is a value of its own); the first row is the grade in force at
        `start`. Of two assessments of one time point the later entered counts."""
        if column not in _GRADE_COLUMNS:
            raise ValueError(f"not a grade column: {column}")
        current = (
            "SELECT a.observed_at, a.entered_at, a.{c} AS grade FROM assessments a "
            "WHERE a.patient_id = ? AND a.record_id NOT IN " + _SUPERSEDED
        ).format(c=column)
        before = self._conn.execute(
            f"SELECT observed_at, grade FROM ({current}) WHERE observed_at < ? "
            "ORDER BY observed_at DESC, entered_at DESC LIMIT 1",
            [patient_id, patient_id, _iso(start_s)],
        ).fetchall()
        rows = self._conn.execute(
            "SELECT observed_at, grade, prior FROM (SELECT observed_at, grade, "
            "lag(grade, 1, -1) OVER (ORDER BY observed_at, entered_at) AS prior "
            f"FROM ({current}) WHERE observed_at >= ? AND observed_at <= ?) "
            "WHERE grade IS NOT prior",
            [patient_id, patient_id, _iso(start_s), _iso(end_s)],
        ).fetchall()
        changes = [(r[0], r[1]) for r in rows]
        if before and changes and changes[0][1] == before[0][1]:
            changes = changes[1:]  # the span opens on the grade already in force
        return before + changes

    def interventions(self, patient_id: str, start_s: float, end_s: float) -> list[Row]:
        """(record_id, drug, drug_kind, started_at, stopped_at) of each current intervention that was
        given, started or stopped in the span."""
        start, end = _iso(start_s), _iso(end_s)
        return self._conn.execute(
            "SELECT record_id, drug, drug_kind, started_at, stopped_at FROM interventions "
            f"WHERE patient_id = ? AND {CURRENT_VERSION.format('record_id')} AND "
            "((started_at >= ? AND started_at <= ?) OR (stopped_at >= ? AND stopped_at <= ?)) "
            "ORDER BY started_at",
            [patient_id, start, end, start, end],
        ).fetchall()

    def span(self, patient_id: str) -> tuple[str, str] | None:
        """(first, last) observed_at of the patient's records, or None without any."""
        # one seek at each end of each index that holds the patient's records: the log's (patient_id,
        # kind, observed_at) index per kind, each projection's (patient_id, observed_at) key; a min and
        # a max over the patient's rows would walk all of them (a year of a patient: 50 ms)
        logged = [k for k in RECORD_TYPES if k not in PROJECTED_KINDS]
        ends = [
            f"SELECT (SELECT {end}(r.observed_at) FROM records r WHERE r.patient_id = ? "
            f"AND r.{LOG_INDEXED} AND r.kind = k.column1) FROM (VALUES {values}) k"
            for end in ("min", "max")
            for values in [", ".join("(?)" for _ in logged)]
        ]
        ends += [
            f"SELECT (SELECT {end}(observed_at) FROM {table} WHERE patient_id = ?)"
            for end in ("min", "max")
            for table in PROJECTED_KINDS.values()
        ]
        params = [patient_id, *logged] * 2 + [patient_id] * 2 * len(PROJECTED_KINDS)
        rows = self._conn.execute(" UNION ALL ".join(ends), params).fetchall()
        found = [row[0] for row in rows if row[0] is not None]
        return (min(found), max(found)) if found else None

    def admission_row(self, patient_id: str) -> Row | None:
        """(date_of_birth, developmental_delay) of the patient's current admission."""
        row: Row | None = self._conn.execute(
            "SELECT date_of_birth, developmental_delay FROM patients WHERE patient_id = ? "
            f"AND {CURRENT_VERSION.format('record_id')} ORDER BY entered_at DESC LIMIT 1",
            [patient_id],
        ).fetchone()
        return row

    def records(self, patient_id: str, kinds: Sequence[str] | None) -> list[Row]:
        """Every record of the patient (all versions), each with the id of the record that superseded
        it and that correction's reason, in clinical order. Columns: RECORD_COLUMNS, then
        superseded_by, superseded_reason."""
        query = patient_records_query(
            patient_id,
            kinds,
            join="LEFT JOIN records c ON c.supersedes = r.id",
            extra=("c.id", "c.reason"),
        )
        return [] if query is None else self._conn.execute(*query).fetchall()


def _check_columns(columns: Sequence[str]) -> None:
    unknown = [c for c in columns if c not in SERIES_COLUMNS]
    if unknown or not columns:
        raise ValueError(f"not a vitals series column: {', '.join(unknown) or '(none)'}")


def _iso(seconds: float) -> str:
    return iso_utc(datetime.fromtimestamp(seconds, UTC))
