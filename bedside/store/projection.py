"""The projection tables: one row per record of a kind, in columns, written in the record's transaction."""

from __future__ import annotations

import sqlite3
from typing import Any

from bedside.records import (
    Admission,
    AlertEvent,
    AssessmentRecord,
    Intervention,
    NeuroCheck,
    Record,
    VitalSigns,
    assessment_grades,
    celsius,
    parse_utc,
    payload_fields,
    plain_payload_fields,
)
from bedside.store import hours

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
    # the trend roll-up of the hour (and of the corrected record's hour), from the rows just written
    hours.refresh_touched(
        conn, hours.touched(conn, record.KIND, patient_id, observed_at, supersedes)
    )


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
    payload = payload_fields(record)
    if isinstance(record, VitalSigns):
        table = "vitals"
        row |= payload
        row["temp_c"] = record.temp_c()
        # Unix seconds, ready for the trend plots (parsing 35,000 timestamps per read is too slow).
        row["observed_s"] = parse_utc(observed_at).timestamp()
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
    elif isinstance(record, AssessmentRecord):
        table = "assessments"
        row |= {
            "entered_at": entered_at,
            "crs_grade": record.crs_grade,
            "icans_grade": record.icans_grade,
            "news2": record.news2,
            "pews": record.pews,
        }
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
) -> tuple[str, dict[str, Any]] | None:
    """`projection_row(from_payload(kind, data, check=False), ...)` for the two kinds that are almost
    every record (vitals sets and stored assessments) without building the record: what verification
    recomputes for each record. Raises `NoShortcut` where this shortcut does not apply (another kind,
    or a payload the record would refuse or normalise): the caller then builds the record. Both give
    the same row for every payload (tests/bedside/test_verify.py)."""
    row: dict[str, Any] = {
        "record_id": record_id,
        "patient_id": patient_id,
        "observed_at": observed_at,
    }
    if kind == VitalSigns.KIND:
        payload = plain_payload_fields(kind, data)
        if payload is None:
            raise NoShortcut(kind)
        row |= payload
        row["temp_c"] = celsius(payload["temperature"], payload["temperature_unit"])
        row["observed_s"] = parse_utc(observed_at).timestamp()
        return "vitals", row
    if kind == AssessmentRecord.KIND:
        grades = assessment_grades(data)
        if grades is None:
            raise NoShortcut(kind)
        row["entered_at"] = entered_at
        row |= grades
        return "assessments", row
    raise NoShortcut(kind)
