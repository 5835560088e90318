"""The hourly roll-up behind the long trend spans (`chart_hours`): per patient and clock hour, each plotted
vital's minimum and maximum, the oxygen devices charted and the stored grades, over the current records.

A derived projection, not a clinical one: it is rewritten (an hour at a time) whenever a vitals set or an
assessment of that hour is stored, a correction of one included, in the same transaction as the record
(`refresh`, called by `projection.project` and the batch receive). `rows` computes the rows from the vitals
and assessments projections; `bedside verify` recomputes every hour with it and compares
(`verify.hours_findings`). A projection row whose time cannot be read (a damaged file) is left out of
the computation and named to the caller (`Unreadable`), never raised: verification reports the damage.
A year of 15-minute data is 8,760 rows instead of 35,040 sets and as many
assessments, so the "All" view reads a quarter of the rows and no window function.

Device and grade changes are kept exactly, not summarised: each hour holds the first value charted in it and
every change within it (`*_more`, JSON, usually NULL), so the stay's changes are the hours' entries in order
with the repeats dropped (what `SeriesQueries.o2_devices` and `all_grade_changes` give).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bedside.records import iso_utc, parse_utc, unix_seconds

TABLE = "chart_hours"
HOUR_S = 3600
# The vitals each hour holds the minimum and maximum of (bedside.chart.Vital, in its order).
COLUMNS = ("temp_c", "hr", "sbp", "rr", "spo2", "o2_flow_l_min")
ROW_COLUMNS = (
    "patient_id",
    "hour",
    "sets",
    *(f"{c}_{end}" for c in COLUMNS for end in ("lo", "hi")),
    "device_s",
    "device",
    "device_more",
    "device_new",
    "grade_s",
    "crs_grade",
    "icans_grade",
    "grade_more",
    "grade_new",
)
# The change columns: time, values and later changes of the hour, and whether the hour brings a change.
CHANGES = {"device": ("device",), "grade": ("crs_grade", "icans_grade")}
# A version is current when no record of its patient supersedes it (the rule of SeriesQueries).
_CURRENT = (
    "NOT EXISTS (SELECT 1 FROM records c WHERE c.supersedes = {t}.record_id "
    "AND c.patient_id = {t}.patient_id)"
)
_KINDS = ("vitals", "assessment")
KINDS = frozenset(_KINDS)  # the kinds whose records the roll-up holds

Row = tuple[Any, ...]
# What cannot be read as a time or an hour: the damage of a file, not a bug (verification reports it).
_BAD_TIME = (ValueError, TypeError, OverflowError)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A projection row `rows` left out because its time cannot be read (a damaged file)."""

    table: str
    record_id: str
    patient_id: str
    column: str
    value: Any
    hour: int | None  # the hour it was read under, where its text gives one


def hour_of(observed_at: str) -> int:
    """The clock hour (hours since the epoch, UTC) of a stored observed_at."""
    return hour_of_seconds(parse_utc(observed_at).timestamp())


def hour_of_seconds(observed_s: float) -> int:
    """The clock hour of a time given in Unix seconds (`hour_of` of its text)."""
    return int(observed_s // HOUR_S)


def _iso(hour: int) -> str:
    return iso_utc(datetime.fromtimestamp(hour * HOUR_S, UTC))


def rows(
    conn: sqlite3.Connection,
    patient_id: str,
    first: int,
    last: int,
    before: dict[str, tuple[Any, ...] | None] | None = None,
    unreadable: list[Unreadable] | None = None,
) -> list[Row]:
    """The roll-up rows (ROW_COLUMNS) of the patient's hours first..last that hold a current vitals set
    or assessment, in hour order, computed from the projections; `before` gives the device and grades
    in force before `first` (what the hours' `*_new` flags compare with; none if not given). A row
    whose time cannot be read is left out, and added to `unreadable` when it is given."""
    before = before or {}
    bounds = [patient_id, _iso(first), _iso(last + 1)]
    where = "patient_id = ? AND observed_at >= ? AND observed_at < ?"
    out: dict[int, list[Any]] = {}

    def skip(table: str, record_id: str, column: str, value: Any, hour: int | None = None) -> None:
        if unreadable is not None:
            unreadable.append(Unreadable(table, record_id, patient_id, column, value, hour))

    def row(hour: int) -> list[Any]:
        found = out.get(hour)
        if found is None:
            found = out[hour] = [patient_id, hour, 0, *([None] * (len(ROW_COLUMNS) - 3))]
            found[_NEW["device"]] = found[_NEW["grade"]] = 0
        return found

    aggregates = ", ".join(f"min({c}), max({c})" for c in COLUMNS)
    for values in conn.execute(
        f"SELECT CAST(observed_s / {HOUR_S} AS INTEGER) AS h, count(*), {aggregates} FROM vitals v "
        f"WHERE {where} AND {_CURRENT.format(t='v')} GROUP BY h",
        bounds,
    ):
        if values[0] is None:
            # an observed_s SQLite reads as NULL (a NaN in the file): its integrity_check reports
            # it (NOT NULL) and the projections check names the set
            continue
        row(values[0])[2 : 3 + 2 * len(COLUMNS)] = [
            values[1],
            *(None if v is None else float(v) for v in values[2:]),
        ]

    def devices() -> Iterator[tuple[int, Any, tuple[Any, ...], str]]:
        for record_id, t, device in conn.execute(
            f"SELECT record_id, observed_s, o2_device FROM vitals v WHERE {where} "
            f"AND o2_device IS NOT NULL AND {_CURRENT.format(t='v')} "
            "ORDER BY observed_at, record_id",
            bounds,
        ):
            try:
                h = int(t // HOUR_S)
            except _BAD_TIME:  # NULL (a NaN in the file) or infinite
                skip("vitals", record_id, "observed_s", t)
                continue
            yield h, t, (device,), record_id

    device_at = ROW_COLUMNS.index("device_s")
    _changes(row, device_at, before.get("device"), float, devices(), skip_as=None)  # finite
    # an assessment's hour from the hour of its text ("2026-01-31T09"), each hour's text parsed once
    hour_of_text: dict[str, int] = {}

    def hour(text: str) -> int:
        found = hour_of_text.get(text)
        if found is None:
            found = hour_of_text[text] = hour_of(text + ":00:00Z")
        return found

    def grades() -> Iterator[tuple[int, Any, tuple[Any, ...], str]]:
        for record_id, at, crs, icans in conn.execute(
            f"SELECT record_id, observed_at, crs_grade, icans_grade FROM assessments a "
            f"WHERE {where} AND {_CURRENT.format(t='a')} "
            "ORDER BY observed_at, entered_at, record_id",
            bounds,
        ):
            try:
                h = hour(at[:13])
            except _BAD_TIME:
                skip("assessments", record_id, "observed_at", at)
                continue
            yield h, at, (crs, icans), record_id

    _changes(
        row,
        ROW_COLUMNS.index("grade_s"),
        before.get("grade"),
        unix_seconds,
        grades(),
        skip_as=lambda record_id, at, h: skip("assessments", record_id, "observed_at", at, h),
    )
    return [tuple(out[h]) for h in sorted(out)]


_NEW = {what: ROW_COLUMNS.index(f"{what}_new") for what in CHANGES}


def _changes(
    row: Any,
    at: int,
    before: tuple[Any, ...] | None,
    seconds: Callable[[Any], float],
    entries: Iterable[tuple[int, Any, tuple[Any, ...], str]],
    *,
    skip_as: Callable[[str, Any, int], None] | None,
) -> None:
    """Into each hour's row from column `at`: the time (`seconds` of the entry's time) and value of its
    first entry, the JSON list of [time, *value] of each later entry of the hour that differs from the
    one before it (or None), and 1 in the `*_new` column where the hour's entries change what is in
    force (`before` at the start). Entries (hour, time, value, record id) come in time order; one whose
    time `seconds` cannot read is left out (given to `skip_as`)."""
    hour = -1
    more: list[list[Any]] = []
    previous: tuple[Any, ...] | None = before
    target: list[Any] = []

    def close() -> None:
        width = len(previous or ())
        if more:
            target[at + 1 + width] = json.dumps(more)
            target[at + 2 + width] = 1

    for h, t, value, record_id in entries:
        if h == hour and value == previous:
            continue  # neither the hour's first entry nor a change: its time is not read
        try:
            when = seconds(t)
        except _BAD_TIME:
            if skip_as is not None:
                skip_as(record_id, t, h)
            continue
        if h != hour:
            if hour >= 0:
                close()
            hour, more, target = h, [], row(h)
            target[at : at + 1 + len(value)] = [when, *value]
            target[at + 2 + len(value)] = int(value != previous)
            previous = value
        else:
            more.append([when, *value])
            previous = value
    if hour >= 0:
        close()


def _last_entry(first: Any, more: str | None) -> tuple[Any, ...]:
    """The last entry of an hour's change columns: the last of `more`, else the first."""
    return tuple(json.loads(more)[-1][1:]) if more is not None else tuple(first)


def _in_force(
    conn: sqlite3.Connection, patient_id: str, what: str, hour: int
) -> tuple[Any, ...] | None:
    """The device or grades in force at the end of the patient's hour `hour` (None: nothing yet)."""
    values = CHANGES[what]
    found = conn.execute(
        f"SELECT {', '.join(values)}, {what}_more FROM {TABLE} WHERE patient_id = ? "
        f"AND hour <= ? AND {what}_s IS NOT NULL ORDER BY hour DESC LIMIT 1",
        [patient_id, hour],
    ).fetchone()
    return None if found is None else _last_entry(found[:-1], found[-1])


def refresh(conn: sqlite3.Connection, patient_id: str, first: int, last: int) -> None:
    """Rewrite the patient's roll-up rows of hours first..last from the projections (inside the
    record's transaction), and the `*_new` flag of the next hour after them, which compares with
    them."""
    before = {what: _in_force(conn, patient_id, what, first - 1) for what in CHANGES}
    conn.execute(
        f"DELETE FROM {TABLE} WHERE patient_id = ? AND hour >= ? AND hour <= ?",
        [patient_id, first, last],
    )
    conn.executemany(
        f"INSERT INTO {TABLE} ({', '.join(ROW_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(ROW_COLUMNS))})",
        rows(conn, patient_id, first, last, before),
    )
    later = conn.execute(
        f"SELECT 1 FROM {TABLE} WHERE patient_id = ? AND hour > ? LIMIT 1", [patient_id, last]
    ).fetchone()
    if later is None:
        return  # the patient's newest hours (a new set, the usual save): no next hour to flag
    for what, values in CHANGES.items():
        following = conn.execute(
            f"SELECT hour, {', '.join(values)}, {what}_more FROM {TABLE} WHERE patient_id = ? "
            f"AND hour > ? AND {what}_s IS NOT NULL ORDER BY hour LIMIT 1",
            [patient_id, last],
        ).fetchone()
        if following is not None:
            changed = following[-1] is not None or tuple(following[1:-1]) != _in_force(
                conn, patient_id, what, last
            )
            conn.execute(
                f"UPDATE {TABLE} SET {what}_new = ? WHERE patient_id = ? AND hour = ?",
                [int(changed), patient_id, following[0]],
            )


def touched(
    conn: sqlite3.Connection, kind: str, patient_id: str, observed_at: str, supersedes: str | None
) -> list[tuple[str, int]]:
    """The (patient, hour)s a new record changes the roll-up of: its own hour if it is a vitals set or an
    assessment, and the hour of the record it supersedes if that is one."""
    out = []
    if kind in _KINDS:
        out.append((patient_id, hour_of(observed_at)))
    if supersedes is not None:
        found = conn.execute(
            "SELECT kind, patient_id, observed_at FROM records WHERE id = ?", [supersedes]
        ).fetchone()
        if found is not None and found[0] in _KINDS:
            # a damaged record's time: the roll-up holds it nowhere, verification names it
            with suppress(*_BAD_TIME):
                out.append((found[1], hour_of(found[2])))
    return out


def refresh_touched(conn: sqlite3.Connection, hours: Iterable[tuple[str, int]]) -> None:
    """`refresh` each run of consecutive touched hours of each patient (a received year is one run)."""
    by_patient: dict[str, set[int]] = {}
    for patient_id, hour in hours:
        by_patient.setdefault(patient_id, set()).add(hour)
    for patient_id, found in sorted(by_patient.items()):
        for first, last in _runs(sorted(found)):
            refresh(conn, patient_id, first, last)


def _runs(hours: Sequence[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for hour in hours:
        if runs and hour <= runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], hour)
        else:
            runs.append((hour, hour))
    return runs


def rebuild(conn: sqlite3.Connection) -> None:
    """Every patient's roll-up computed again from the projections (the migration that adds it)."""
    conn.execute(f"DELETE FROM {TABLE}")
    for patient_id, first, last in spans(conn):
        refresh(conn, patient_id, first, last)


def spans(conn: sqlite3.Connection) -> list[tuple[str, int, int]]:
    """(patient, first hour, last hour) of every patient's vitals sets and assessments, any version;
    a time that cannot be read (a damaged record, which verification names) is not counted."""
    out = []
    for patient_id, first, last in conn.execute(
        "SELECT patient_id, min(observed_at), max(observed_at) FROM records "
        f"WHERE kind IN ({', '.join('?' * len(_KINDS))}) GROUP BY patient_id "
        "ORDER BY patient_id",
        list(_KINDS),
    ):
        try:
            out.append((patient_id, hour_of(first), hour_of(last)))
        except _BAD_TIME:
            readable = _readable_hours(conn, patient_id)
            if readable:
                out.append((patient_id, min(readable), max(readable)))
    return out


def _readable_hours(conn: sqlite3.Connection, patient_id: str) -> list[int]:
    """The hours of the patient's vitals sets and assessments whose time can be read, in the records
    and in the projections (which the roll-up is computed from, and may be whole where a record is
    damaged)."""
    found = []
    for (observed_at,) in conn.execute(
        f"SELECT observed_at FROM records WHERE kind IN ({', '.join('?' * len(_KINDS))}) "
        "AND patient_id = ? UNION ALL SELECT observed_at FROM assessments WHERE patient_id = ?",
        [*_KINDS, patient_id, patient_id],
    ):
        with suppress(*_BAD_TIME):
            found.append(hour_of(observed_at))
    for (observed_s,) in conn.execute(
        "SELECT observed_s FROM vitals WHERE patient_id = ?", [patient_id]
    ):
        with suppress(*_BAD_TIME):
            found.append(hour_of_seconds(observed_s))
    return found
