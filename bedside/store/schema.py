"""What the current schema must look like: the clinical tables, their columns, and the check of both."""

from __future__ import annotations

from sqlite_utils import Database

from bedside.clinical.crs import FEVER_C
from bedside.store.errors import StorageConfigError

# SPEC 2.1: a fever is >= 38.0 °C (°F is stored converted, D8). The partial index of fevers (migration 3)
# and the queries that must use it share this one text, built from the rule's own constant.
FEVER_PREDICATE = f"temp_c >= {float(FEVER_C)!r}"

# Append-only tables (R18): the log and every projection of it. Bookkeeping tables (device, devices,
# _sqlite_migrations) are not clinical and may be updated.
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
    """Every clinical table exists, is STRICT, and refuses UPDATE and DELETE by trigger."""
    strict = {row[1]: row[5] for row in db.conn.execute("PRAGMA table_list") if row[0] == "main"}
    triggers = {
        row[0]
        for row in db.conn.execute(
            "SELECT tbl_name || '/' || name FROM sqlite_master WHERE type = 'trigger'"
        )
    }
    for table in CLINICAL_TABLES:
        if table not in strict:
            raise StorageConfigError(f"table_list({table})", "missing", "the table to exist")
        if strict[table] != 1:
            raise StorageConfigError(f"table_list({table}).strict", strict[table], "1 (STRICT)")
        for action in ("update", "delete"):
            if f"{table}/{table}_no_{action}" not in triggers:
                raise StorageConfigError(
                    f"trigger {table}_no_{action}", "missing", "an append-only trigger"
                )
