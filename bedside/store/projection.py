"""The projection tables: one row per record of a kind, in columns, written in the record's transaction."""

from __future__ import annotations

import sqlite3
from operator import itemgetter
from typing import Any

from bedside.records import (
    ASSESSMENT_GRADES,
    Admission,
    AlertEvent,
    AssessmentRecord,
    Intervention,
    NeuroCheck,
    Record,
    VitalSigns,
    assessment_grade_values,
    celsius,
    payload_fields,
    plain_payload_plan,
    unix_seconds,
)
from bedside.records.codec import VITALS_CODES, VITALS_FORMAT, VITALS_PLACES, vitals_fields
from bedside.store import hours
from bedside.store.transaction import WardConnection

_ROLLUP = "chart_hours"  # the roll-up's work left for the end of the transaction

UNRESOLVED_ALERT_INSERT = (
    "INSERT OR IGNORE INTO unresolved_alerts (alert_id, patient_id) VALUES (?, ?)"
)


def unresolved_alert(record: Record, patient_id: str) -> tuple[str, str] | None:
    """The (alert id, patient id) an alert event lists among the unresolved alerts, or None.

    Any event may (re)open an alert: one received from another machine can follow an end that this
    machine saw first (an escalation after a resolution). The ward drops the alert again once its
    events end it (`Ward._forget_resolved`). The local write and the batch receive both list it so.
    """
    return (record.alert_id, patient_id) if isinstance(record, AlertEvent) else None


def project(
    conn: sqlite3.Connection,
    record: Record,
    *,
    record_id: str,
    patient_id: str,
    observed_at: str,
    entered_at: str,
    supersedes: str | None,
) -> None:
    """Insert the projection row of `record`, if its kind has one."""
    alert = unresolved_alert(record, patient_id)
    if alert is not None:
        conn.execute(UNRESOLVED_ALERT_INSERT, alert)
    projected = projection_row(
        record,
        record_id=record_id,
        patient_id=patient_id,
        observed_at=observed_at,
        entered_at=entered_at,
        supersedes=supersedes,
    )
    if projected is not None:  # attributions, notes, closures and sign-offs are read from the log
        table, row = projected
        columns = ", ".join(row)
        marks = ", ".join("?" * len(row))
        conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))
    # the trend roll-up of the hour (and of the corrected record's hour), from the rows just written:
    # at the end of the transaction on a ward connection, once for all its records (a save writes a
    # vitals set and its assessment), at once on another
    touched = hours.touched(conn, record.KIND, patient_id, observed_at, supersedes)
    if not touched:
        return
    if not isinstance(conn, WardConnection) or not conn.in_transaction:
        hours.refresh_touched(conn, touched)
        return
    due = conn.before_commit.setdefault(_ROLLUP, _RollupDue(conn))
    assert isinstance(due, _RollupDue)
    due.hours.update(touched)


class _RollupDue:
    """The roll-up hours a transaction's records touched, refreshed once just before its COMMIT."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.hours: set[tuple[str, int]] = set()

    def __call__(self) -> None:
        hours.refresh_touched(self._conn, self.hours)


def projection_row(
    record: Record,
    *,
    record_id: str,
    patient_id: str,
    observed_at: str,
    entered_at: str,
    supersedes: str | None,
) -> tuple[str, dict[str, Any]] | None:
    """The table and row that project `record` (None for kinds read from the log itself); what
    `project` writes and what verification recomputes."""
    row: dict[str, Any] = {
        "record_id": record_id,
        "patient_id": patient_id,
        "observed_at": observed_at,
    }
    if isinstance(record, AssessmentRecord):  # its grades only: encoding every field was wasted
        row |= {
            "entered_at": entered_at,
            "crs_grade": record.crs_grade,
            "icans_grade": record.icans_grade,
            "news2": record.news2,
            "pews": record.pews,
        }
        return "assessments", row
    payload = payload_fields(record)
    if isinstance(record, VitalSigns):
        table = "vitals"
        row |= payload
        row["temp_c"] = record.temp_c()
        # Unix seconds, ready for the trend plots (parsing 35,000 timestamps per read is too slow).
        row["observed_s"] = unix_seconds(observed_at)
    elif isinstance(record, NeuroCheck):
        table = "neuro_checks"
        row |= {
            name: payload[name]
            for name in (
                "tool",
                "ice_not_assessable",
                "capd_not_assessable",
                "consciousness",
                "acvpu",
                "seizure",
                "seizure_duration_min",
                "motor",
                "cerebral_edema",
                "intracranial_hemorrhage",
            )
        }
        row["ice_score"] = record.ice_score
        row["capd_score"] = record.capd_score
        row["sedation"] = record.depressed_consciousness_attributable_to_sedation
    elif isinstance(record, Intervention):
        table = "interventions"
        row |= payload
        row["drug_kind"] = record.kind.value
    elif isinstance(record, Admission):
        table = "patients"
        # The bed is read from the record itself; no query needs it as a column (no migration).
        row |= {k: v for k, v in payload.items() if k != "bed"}
        row |= {"entered_at": entered_at, "supersedes": supersedes}
    elif isinstance(record, AlertEvent):
        table = "alert_events"
        row |= payload
        row["entered_at"] = entered_at
    else:
        return None
    return table, row


class NoShortcut(Exception):
    """`projection_from_payload` does not apply: build the record and use `projection_row`."""


def projection_from_payload(
    kind: str,
    data: object,
    *,
    record_id: str,
    patient_id: str,
    observed_at: str,
    entered_at: str,
) -> tuple[str, dict[str, Any]]:
    """`projection_row(from_payload(kind, data, check=False), ...)` for the two kinds that are almost
    every record (vitals sets and stored assessments) without building the record. Raises
    `NoShortcut` where this shortcut does not apply (another kind, or a payload the record would
    refuse or normalise): the caller then builds the record. Both give the same row for every
    payload (tests/bedside/test_verify.py)."""
    table, values = projection_values(kind, data, record_id, patient_id, observed_at, entered_at)
    return table, dict(zip(SHORTCUT_LAYOUTS[kind][1], values, strict=True))


_VITALS = plain_payload_plan(VitalSigns.KIND)
# The kinds `projection_values` reads from the payload: their table and its columns in row order
# (the order `projection_row` gives them in).
SHORTCUT_LAYOUTS: dict[str, tuple[str, tuple[str, ...]]] = {
    AssessmentRecord.KIND: (
        "assessments",
        ("record_id", "patient_id", "observed_at", "entered_at", *ASSESSMENT_GRADES),
    ),
}
if _VITALS is not None:
    SHORTCUT_LAYOUTS[VitalSigns.KIND] = (
        "vitals",
        ("record_id", "patient_id", "observed_at", *_VITALS.names, "temp_c", "observed_s"),
    )


def _v1_reader() -> tuple[itemgetter[Any], tuple[tuple[int, tuple[str, ...]], ...]] | None:
    """How `_v1_values` reads the vitals row (`_VITALS.names`) from a V1 array: the places of the
    fields in the row's order, and the coded ones (their index in the row, their table). None unless
    every field is a place of the array and has no default but None (then a place left null or out
    is the field's default)."""
    if _VITALS is None or set(_VITALS.names) != set(VITALS_PLACES) or _VITALS.required:
        return None
    if any(value is not None for value in _VITALS.template.values()):
        return None
    places = itemgetter(*(VITALS_PLACES.index(name) + 1 for name in _VITALS.names))
    coded = tuple(
        (i, VITALS_CODES[name]) for i, name in enumerate(_VITALS.names) if name in VITALS_CODES
    )
    return places, coded


_V1_READER = _v1_reader()
_V1_SIZE = len(VITALS_PLACES) + 1
_V1_NULLS = [None] * len(VITALS_PLACES)


def _v1_values(data: list[Any]) -> list[Any] | None:
    """`_VITALS.fields(vitals_fields(data)).values()` read from the V1 array's places, without the
    dict between (a code in its table as its value, any other value as it is, null or a place left
    out as None); None when `data` is not a V1 array of at most VITALS_PLACES places."""
    size = len(data)
    if _V1_READER is None or not size or data[0] != VITALS_FORMAT or size > _V1_SIZE:
        return None
    places, coded = _V1_READER
    out = list(places(data + _V1_NULLS[size - 1 :] if size < _V1_SIZE else data))
    for i, table in coded:
        value = out[i]
        if type(value) is int and 0 <= value < len(table):
            out[i] = table[value]
    return out


_TEMPERATURE_AT = _VITALS.names.index("temperature") if _VITALS is not None else -1
_UNIT_AT = _VITALS.names.index("temperature_unit") if _VITALS is not None else -1


def projection_values(
    kind: str,
    data: object,
    record_id: str,
    patient_id: str,
    observed_at: str,
    entered_at: str,
    *,
    observed_s: float | None = None,
) -> tuple[str, tuple[Any, ...]]:
    """`projection_from_payload` as the row's values in the order of `SHORTCUT_LAYOUTS[kind]` (what
    verification recomputes for almost every record, and a batch receive writes). `observed_s`:
    `unix_seconds(observed_at)`, when the caller has it already."""
    if kind == VitalSigns.KIND and _VITALS is not None:
        values = _v1_values(data) if type(data) is list else None
        if values is None:
            if type(data) is list:
                data = vitals_fields(data)  # the V1 array of a vitals set, as its fields
            payload = _VITALS.fields(data)
            if payload is None:
                raise NoShortcut(kind)
            values = list(payload.values())
        return "vitals", (
            record_id,
            patient_id,
            observed_at,
            *values,
            celsius(values[_TEMPERATURE_AT], values[_UNIT_AT]),
            unix_seconds(observed_at) if observed_s is None else observed_s,
        )
    if kind == AssessmentRecord.KIND:
        grades = assessment_grade_values(data)
        if grades is None:
            raise NoShortcut(kind)
        return "assessments", (record_id, patient_id, observed_at, entered_at, *grades)
    raise NoShortcut(kind)
