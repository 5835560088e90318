"""The projection tables: one row per record of a kind, in columns, written in the record's transaction."""

from __future__ import annotations

import sqlite3
from typing import Any

from bedside.alert_vocabulary import AlertEventType
from bedside.records import (
    Admission,
    AlertEvent,
    AssessmentRecord,
    Intervention,
    NeuroCheck,
    Record,
    VitalSigns,
    parse_utc,
    payload_fields,
)


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
        row |= payload
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
        if record.event is AlertEventType.RAISED:
            conn.execute(
                "INSERT OR IGNORE INTO unresolved_alerts (alert_id, patient_id) VALUES (?, ?)",
                [record.alert_id, patient_id],
            )
    else:
        return  # attributions, notes, closures and sign-offs are read from the log itself
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))
