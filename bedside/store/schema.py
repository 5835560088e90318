"""What the current schema must look like: the clinical tables, their columns, and the check of both."""

from __future__ import annotations

from sqlite_utils import Database

from bedside.clinical.crs import FEVER_C
from bedside.records import AssessmentRecord, VitalSigns
from bedside.store import guard
from bedside.store.errors import StorageConfigError

# SPEC 2.1: a fever is >= 38.0 °C (°F is stored converted, D8). The partial index of fevers (migration 3)
# and the queries that must use it share this one text, built from the rule's own constant.
FEVER_PREDICATE = f"temp_c >= {float(FEVER_C)!r}"

# The kinds that are almost every record (a vitals set and its assessment per time point) are found by
# patient and time through their projection tables, keyed (patient_id, observed_at, ...), and joined to
# `records` by id; the (patient, kind, time) index of the log holds every other kind only (migration 10).
# Each query of that index repeats its predicate, LOG_INDEXED, word for word so that SQLite may use it.
PROJECTED_KINDS: dict[str, str] = {AssessmentRecord.KIND: "assessments", VitalSigns.KIND: "vitals"}
LOG_INDEXED = f"kind NOT IN ({', '.join(repr(k) for k in sorted(PROJECTED_KINDS))})"

# Append-only tables (R18): the log and every projection of it. The bookkeeping tables (device, devices,
# _sqlite_migrations) and the unresolved-alerts projection change only as the store changes them
# (bedside/store/guard.py).
CLINICAL_TABLES = (
    "records",
    "patients",
    "vitals",
    "neuro_checks",
    "interventions",
    "assessments",
    "alert_events",
)

RECORD_COLUMNS = (
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

# The columns vitals_series() may return, besides record id and time.
SERIES_COLUMNS = ("temp_c", "hr", "sbp", "dbp", "rr", "spo2", "o2_flow_l_min", "fio2", "crt_s")


def check_schema(db: Database) -> None:
    """Every clinical table exists and is STRICT, and the append-only triggers are Bedside's, by their
    SQL (guard.check)."""
    strict = {row[1]: row[5] for row in db.conn.execute("PRAGMA table_list") if row[0] == "main"}
    for table in CLINICAL_TABLES:
        if table not in strict:
            raise StorageConfigError(f"table_list({table})", "missing", "the table to exist")
        if strict[table] != 1:
            raise StorageConfigError(f"table_list({table}).strict", strict[table], "1 (STRICT)")
    guard.check(db, CLINICAL_TABLES)
