"""Schema migrations: small registered functions, never edited once shipped; a copy is made first.

All pending migrations run in one BEGIN IMMEDIATE transaction together with their `_sqlite_migrations`
rows and `PRAGMA user_version`, so that a crash at any point leaves the old schema or the new one (R21).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bedside.clock import Clock, SystemClock
from bedside.ids import new_device_id
from bedside.store import guard, hours
from bedside.store.errors import StorageProblem, StorageVersionError
from bedside.store.permissions import make_private
from bedside.store.schema import FEVER_PREDICATE, LOG_INDEXED
from bedside.store.transaction import transaction

MIGRATIONS = Migrations("bedside")
MIGRATION_NAMES: list[str] = []


def _migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    MIGRATIONS(name=fn.__name__)(fn)
    MIGRATION_NAMES.append(fn.__name__)
    return fn


def _append_only(db: Database, tables: tuple[str, ...]) -> None:
    for table in tables:
        for action in ("update", "delete"):
            db.execute(
                f"CREATE TRIGGER {table}_no_{action} BEFORE {action.upper()} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'append-only: {table} rows are never {action}d; "
                f"chart a correction instead'); END"
            )


_PROJECTION_KEY = (
    "record_id TEXT PRIMARY KEY NOT NULL REFERENCES records (id), "
    "patient_id TEXT NOT NULL, observed_at TEXT NOT NULL"
)


# The clinical tables migration 1 made, frozen as history (schema.CLINICAL_TABLES is today's list): every
# append-only guard since covers them, and a later migration that adds a clinical table names it beside these.
_M001_TABLES = (
    "records",
    "patients",
    "vitals",
    "neuro_checks",
    "interventions",
    "assessments",
    "alert_events",
)


@_migration
def m001_initial(db: Database) -> None:
    db.executescript(f"""
        CREATE TABLE records (
            id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL, patient_id TEXT NOT NULL,
            observed_at TEXT NOT NULL, entered_at TEXT NOT NULL, author TEXT NOT NULL,
            device_id TEXT NOT NULL, seq INTEGER NOT NULL CHECK (seq >= 1), supersedes TEXT,
            reason TEXT, payload TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE (device_id, seq)
        ) STRICT;
        CREATE INDEX records_patient_time ON records (patient_id, observed_at, entered_at);
        CREATE TABLE patients (
            {_PROJECTION_KEY}, entered_at TEXT NOT NULL, supersedes TEXT, name TEXT NOT NULL,
            date_of_birth TEXT NOT NULL, sex TEXT NOT NULL, weight_kg REAL NOT NULL,
            diagnosis TEXT NOT NULL, developmental_delay INTEGER NOT NULL, infusion_at TEXT NOT NULL,
            product TEXT NOT NULL, dose_cells_per_kg REAL NOT NULL, baseline_ice INTEGER,
            baseline_capd INTEGER
        ) STRICT;
        CREATE INDEX patients_patient ON patients (patient_id);
        -- Clustered by patient and time (WITHOUT ROWID): a year of one patient's vitals is one
        -- sequential read for the trend plots.
        CREATE TABLE vitals (
            record_id TEXT NOT NULL REFERENCES records (id), patient_id TEXT NOT NULL,
            observed_at TEXT NOT NULL, observed_s REAL NOT NULL, temp_c REAL, temperature REAL, temperature_unit TEXT,
            temperature_route TEXT, hr REAL, sbp REAL, dbp REAL, rr REAL, spo2 INTEGER,
            spo2_scale INTEGER, o2_device TEXT, o2_flow_l_min REAL, fio2 REAL, o2_indication TEXT,
            acvpu TEXT, crt_s REAL, resp_effort TEXT,
            PRIMARY KEY (patient_id, observed_at, record_id)
        ) STRICT, WITHOUT ROWID;
        CREATE UNIQUE INDEX vitals_record ON vitals (record_id);
        CREATE TABLE neuro_checks (
            {_PROJECTION_KEY}, tool TEXT NOT NULL, ice_score INTEGER, capd_score INTEGER,
            ice_not_assessable TEXT, capd_not_assessable TEXT, consciousness TEXT,
            sedation INTEGER NOT NULL, acvpu TEXT, seizure TEXT, seizure_duration_min REAL,
            motor TEXT, cerebral_edema TEXT, intracranial_hemorrhage INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX neuro_checks_patient_time ON neuro_checks (patient_id, observed_at);
        CREATE TABLE interventions (
            {_PROJECTION_KEY}, drug TEXT NOT NULL, drug_kind TEXT NOT NULL, dose REAL NOT NULL,
            dose_unit TEXT NOT NULL, route TEXT NOT NULL, indication TEXT NOT NULL,
            started_at TEXT NOT NULL, stopped_at TEXT
        ) STRICT;
        CREATE INDEX interventions_patient_time ON interventions (patient_id, observed_at);
        CREATE TABLE assessments (
            {_PROJECTION_KEY}, entered_at TEXT NOT NULL, crs_grade INTEGER, icans_grade INTEGER,
            news2 INTEGER, pews INTEGER
        ) STRICT;
        CREATE INDEX assessments_patient_time ON assessments (patient_id, observed_at, entered_at);
        CREATE TABLE alert_events (
            {_PROJECTION_KEY}, entered_at TEXT NOT NULL, alert_id TEXT NOT NULL,
            event TEXT NOT NULL, kind TEXT NOT NULL, priority TEXT NOT NULL, level INTEGER,
            detail TEXT NOT NULL
        ) STRICT;
        CREATE INDEX alert_events_patient_time ON alert_events (patient_id, observed_at);
        CREATE INDEX alert_events_alert ON alert_events (alert_id);
        CREATE TABLE devices (
            device_id TEXT PRIMARY KEY NOT NULL, last_seq INTEGER NOT NULL, last_hash TEXT NOT NULL
        ) STRICT;
        CREATE TRIGGER devices_seq_forward BEFORE UPDATE ON devices
            WHEN NEW.last_seq <= OLD.last_seq
            BEGIN SELECT RAISE(ABORT, 'devices: a sequence number never goes back'); END;
        CREATE TABLE device (
            id INTEGER PRIMARY KEY CHECK (id = 1), device_id TEXT NOT NULL,
            hlc_ms INTEGER NOT NULL, hlc_counter INTEGER NOT NULL
        ) STRICT;
    """)
    _append_only(
        db,
        _M001_TABLES,
    )
    # This machine's identity is made with the schema, so every database has one from the start.
    db.execute("INSERT INTO device VALUES (1, ?, 0, 0)", [new_device_id()])
    db.execute("PRAGMA user_version = 1")


@_migration
def m002_correction_and_infusion_indexes(db: Database) -> None:
    # "Which records are superseded" and "which infusions run at t" are asked on every grading.
    db.executescript("""
        CREATE INDEX records_supersedes ON records (supersedes);
        CREATE INDEX interventions_patient_started ON interventions (patient_id, started_at);
    """)
    db.execute("PRAGMA user_version = 2")


@_migration
def m003_episode_indexes(db: Database) -> None:
    # Every grading asks for the first fever and the worst grades since an episode opened; these
    # partial indexes hold only the few rows that answer, so a year of normal values is never read.
    db.executescript(f"""
        CREATE INDEX vitals_fever ON vitals (patient_id, observed_at) WHERE {FEVER_PREDICATE};
        CREATE INDEX assessments_crs_positive ON assessments (patient_id, crs_grade, observed_at)
            WHERE crs_grade >= 1;
        CREATE INDEX assessments_icans_positive ON assessments (patient_id, icans_grade, observed_at)
            WHERE icans_grade >= 1;
    """)
    db.execute("PRAGMA user_version = 3")


@_migration
def m004_records_by_kind(db: Database) -> None:
    # Admissions, attributions, closures and infusions are read on every charting action; found by
    # kind, they never cost a scan of the patient's year of vitals.
    db.execute(
        "CREATE INDEX records_patient_kind_time ON records (patient_id, kind, observed_at, entered_at)"
    )
    db.execute("PRAGMA user_version = 4")


@_migration
def m005_unresolved_alerts(db: Database) -> None:
    # The alerts a save must look at: every alert raised and not yet known to be resolved. A derived
    # projection (not clinical, so it may shrink): the ward drops an alert once its events end it. Filled
    # here with every alert that has no terminal event, a superset the ward then prunes.
    db.executescript("""
        CREATE TABLE unresolved_alerts (
            alert_id TEXT PRIMARY KEY, patient_id TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX unresolved_alerts_patient ON unresolved_alerts (patient_id);
        INSERT INTO unresolved_alerts (alert_id, patient_id)
            SELECT alert_id, min(patient_id) FROM alert_events GROUP BY alert_id
            HAVING sum(event IN ('resolved', 'overtaken')) = 0;
    """)
    db.execute("PRAGMA user_version = 5")


@_migration
def m006_index_each_thing_once(db: Database) -> None:
    # Each question has one index (issue 7: 5,291 bytes per vitals set, most of it indexes and the
    # assessment's text). records_patient_kind_time answers every look-up by patient that
    # records_patient_time did (every caller names the kind); vitals_record repeated the primary key's
    # uniqueness that records.id already guarantees; records_supersedes held a NULL entry for every
    # record that corrects nothing. Assessments are clustered by patient and time (WITHOUT ROWID), so
    # the table is its own (patient, time) index. Rows are copied as they are: no record changes, so
    # the hash chain over them stays valid. Assessments stored before the compact form keep their
    # payload text (the chain covers it as it was shown); the codec reads both forms.
    db.executescript("""
        DROP INDEX records_patient_time;
        DROP INDEX vitals_record;
        DROP INDEX records_supersedes;
        CREATE INDEX records_supersedes ON records (supersedes) WHERE supersedes IS NOT NULL;
        CREATE TABLE assessments_v6 (
            record_id TEXT NOT NULL REFERENCES records (id), patient_id TEXT NOT NULL,
            observed_at TEXT NOT NULL, entered_at TEXT NOT NULL, crs_grade INTEGER,
            icans_grade INTEGER, news2 INTEGER, pews INTEGER,
            PRIMARY KEY (patient_id, observed_at, entered_at, record_id)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO assessments_v6 (record_id, patient_id, observed_at, entered_at, crs_grade,
            icans_grade, news2, pews)
            SELECT record_id, patient_id, observed_at, entered_at, crs_grade, icans_grade, news2,
            pews FROM assessments;
        DROP TABLE assessments;
        ALTER TABLE assessments_v6 RENAME TO assessments;
        CREATE INDEX assessments_crs_positive ON assessments (patient_id, crs_grade, observed_at)
            WHERE crs_grade >= 1;
        CREATE INDEX assessments_icans_positive ON assessments (patient_id, icans_grade, observed_at)
            WHERE icans_grade >= 1;
    """)
    _append_only(db, ("assessments",))
    db.execute("PRAGMA user_version = 6")


@_migration
def m007_append_only_guard(db: Database) -> None:
    # R18: INSERT OR REPLACE over an existing row, and the bookkeeping tables, are refused too; the
    # triggers are checked by their SQL at every open (bedside/store/guard.py).
    guard.install(
        db,
        _M001_TABLES,
        sync=False,
    )
    db.execute("PRAGMA user_version = 7")


@_migration
def m008_sync_bookkeeping(db: Database) -> None:
    # Sync (DESIGN 7): the cursors this machine keeps for each hub, the flags received records carry
    # (clock suspect, a second admission, concurrent corrections), the records it could not accept
    # (quarantined with both versions, never dropped) and the patients whose picture awaits
    # re-derivation after a received batch. Bookkeeping, not clinical: the cursors move forward.
    db.executescript("""
        CREATE TABLE sync_hubs (
            hub_id TEXT PRIMARY KEY NOT NULL, url TEXT NOT NULL,
            pushed_seq INTEGER NOT NULL DEFAULT 0, pulled_hub_seq INTEGER NOT NULL DEFAULT 0,
            last_sync_at TEXT
        ) STRICT;
        CREATE TABLE sync_flags (
            record_id TEXT NOT NULL, flag TEXT NOT NULL, detail TEXT NOT NULL,
            flagged_at TEXT NOT NULL, PRIMARY KEY (record_id, flag)
        ) STRICT;
        CREATE TABLE sync_quarantine (
            record_id TEXT NOT NULL, version_hash TEXT NOT NULL, origin TEXT NOT NULL,
            reason TEXT NOT NULL, version TEXT NOT NULL, other_version TEXT,
            found_at TEXT NOT NULL, PRIMARY KEY (record_id, version_hash)
        ) STRICT;
        CREATE TABLE sync_rederive (
            patient_id TEXT PRIMARY KEY NOT NULL, newest_at TEXT
        ) STRICT;
    """)
    # Their triggers are the guard's, checked by their SQL at every open like the clinical tables'.
    guard.install(
        db,
        _M001_TABLES,
    )
    db.execute("PRAGMA user_version = 8")


@_migration
def m009_chart_hours(db: Database) -> None:
    # The trend view's hourly roll-up (bedside/store/hours.py): a derived projection, rewritten an hour
    # at a time with each vitals set or assessment, filled here from the projections. Its SQL is
    # frozen here; the rows come from `hours.rebuild`, which verification also recomputes.
    db.executescript("""
        CREATE TABLE chart_hours (
            patient_id TEXT NOT NULL, hour INTEGER NOT NULL, sets INTEGER NOT NULL,
            temp_c_lo REAL, temp_c_hi REAL, hr_lo REAL, hr_hi REAL, sbp_lo REAL, sbp_hi REAL,
            rr_lo REAL, rr_hi REAL, spo2_lo REAL, spo2_hi REAL, o2_flow_l_min_lo REAL,
            o2_flow_l_min_hi REAL, device_s REAL, device TEXT, device_more TEXT,
            device_new INTEGER NOT NULL, grade_s REAL, crs_grade INTEGER, icans_grade INTEGER,
            grade_more TEXT, grade_new INTEGER NOT NULL,
            PRIMARY KEY (patient_id, hour)
        ) STRICT, WITHOUT ROWID;
    """)
    hours.rebuild(db.conn)
    db.execute("PRAGMA user_version = 9")


@_migration
def m010_log_index_without_projected_kinds(db: Database) -> None:
    # Issue 7 (1,824 bytes per vitals set, 224 of them this index): vitals sets and assessments, two of
    # every three records, are found by patient and time through their projection tables (schema.py,
    # PROJECTED_KINDS), so the log's (patient, kind, time) index holds every other kind only. No record
    # is rewritten: only the index is built again.
    db.executescript(f"""
        DROP INDEX records_patient_kind_time;
        CREATE INDEX records_unprojected_patient_kind_time
            ON records (patient_id, kind, observed_at, entered_at) WHERE {LOG_INDEXED};
    """)
    db.execute("PRAGMA user_version = 10")


SCHEMA_VERSION = len(MIGRATION_NAMES)


def check_version(db: Database) -> None:
    """Refuse a file this code does not understand: newer migrations, a newer user_version, or a
    file with tables but no Bedside migration history."""
    applied = [m.name for m in MIGRATIONS.applied(db)]
    unknown = [name for name in applied if name not in MIGRATION_NAMES]
    if unknown:
        raise StorageVersionError(
            f"the database has migrations this version of Bedside does not know: "
            f"{', '.join(unknown)}; use a newer Bedside"
        )
    user_version = db.conn.execute("PRAGMA user_version").fetchone()[0]
    if user_version > SCHEMA_VERSION:
        raise StorageVersionError(
            f"the database is schema version {user_version}; this Bedside knows up to "
            f"{SCHEMA_VERSION}; use a newer Bedside"
        )
    if not applied and db.table_names():
        raise StorageVersionError(
            "the file holds tables but is not a Bedside database", problem=StorageProblem.NOT_A_WARD
        )


def pending(db: Database) -> list[str]:
    return [m.name for m in MIGRATIONS.pending(db)]


def migrate(
    db: Database, *, stop_before: str | None = None, clock: Clock | None = None
) -> Path | None:
    """Apply every pending migration (up to `stop_before`); returns the pre-migration copy, if any."""
    check_version(db)
    if not _wanted(pending(db), stop_before):
        return None  # the common case: no write lock taken
    with transaction(db):
        # Again under the write lock: another process may have migrated meanwhile.
        check_version(db)
        todo = _wanted(pending(db), stop_before)
        if not todo:
            return None
        copy = None
        if MIGRATIONS.applied(db):
            copy = backup_copy(db, clock or SystemClock())
        MIGRATIONS.apply(db, stop_before=stop_before)
    return copy


def _wanted(names: list[str], stop_before: str | None) -> list[str]:
    return names[: names.index(stop_before)] if stop_before in names else names


def backup_copy(db: Database, clock: Clock) -> Path:
    """Copy the database beside itself with the SQLite backup API: `<name>.pre-migration-<time>.db`.

    The copy is written under a `.partial` name and renamed when complete and synced, so that a crash
    never leaves a half copy that looks whole.
    """
    path = Path(db.conn.execute("PRAGMA database_list").fetchone()[2])
    stamp = clock.now().strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.stem}.pre-migration-{stamp}.db")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # A second connection reads: the backup API cannot read through a connection that holds the
    # write lock, and WAL lets this reader see the committed state while we hold it.
    source = sqlite3.connect(path)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
        # A rollback-journal copy is one self-contained file.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()
    make_private(partial)
    _fsync(partial)
    os.replace(partial, target)
    _fsync(target.parent)
    return target


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
