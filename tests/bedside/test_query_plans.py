"""Every query a charting action runs is answered through an index (EXPLAIN QUERY PLAN), never by a
scan of the log or a projection; and a database made before migration 6 keeps its records and chain."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

from bedside.clock import ManualClock
from bedside.store.connection import open_database, transaction
from bedside.store.history import SqlHistory
from bedside.store.log import GENESIS_HASH, Log, chain_hash
from bedside.store.migrations import SCHEMA_VERSION, migrate
from bedside.store.schema import RECORD_COLUMNS
from bedside.store.series import SeriesQueries
from tests.support.old_schema import before_the_hourly_roll_up
from tests.support.ward_fixtures import (
    NURSE,
    START,
    admission,
    chart,
    ice_check,
    make_ward,
    normal_adult_vitals,
    recorded,
)

# Bookkeeping tables of one or a few rows: a scan of them reads one page.
_TINY = ("device", "devices", "_sqlite_migrations", "sqlite_master")
# A SELECT of subqueries alone (the grade probes, four in one statement) reads no table itself.
_NO_TABLE = "SCAN CONSTANT ROW"


def _parent_key_check(sql: str, step: str) -> bool:
    """With the append-only triggers on `records`, SQLite plans the foreign-key look-ups of the child
    tables that a REPLACE of a parent row would need; they run only when a parent row goes, which the
    triggers refuse. Measured: a save's opcode count grows by the same 3,444 from 20 to 200 vitals rows
    with and without those triggers, so no child table is scanned."""
    return sql.lstrip().upper().startswith("INSERT INTO RECORDS") and step in (
        "SCAN vitals",
        "SCAN assessments",
    )


def _plans(conn: sqlite3.Connection, statements: list[str]) -> dict[str, list[str]]:
    plans = {}
    for sql in statements:
        head = sql.lstrip().split(None, 1)[0].upper()
        if head not in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"):
            continue
        rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
        plans[sql] = [row[3] for row in rows]
    return plans


def test_a_save_runs_no_scan(tmp_path: Path) -> None:
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", date(1980, 5, 1)), author=NURSE))
    for k in range(30):
        fx.clock.advance(timedelta(minutes=15))
        recorded(chart(fx, "A1", temperature=38.4 if k % 7 == 0 else 36.9))
    recorded(fx.ward.chart_neuro("A1", ice_check(9), observed_at=fx.clock.now(), author=NURSE))
    # The app never runs ANALYZE: these are the plans a ward database gets.
    conn = fx.ward._db.conn  # the test looks at the SQL the service runs
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        fx.clock.advance(timedelta(minutes=15))
        recorded(chart(fx, "A1", temperature=38.6, sbp=85))
        late = fx.clock.now() - timedelta(hours=2)
        vitals = normal_adult_vitals(hr=120)
        recorded(fx.ward.chart_vitals("A1", vitals, observed_at=late, author=NURSE))
    finally:
        conn.set_trace_callback(None)
    plans = _plans(conn, seen)
    assert len(plans) > 20
    scans = {
        sql: steps
        for sql, steps in plans.items()
        for step in steps
        if step.startswith("SCAN")
        and step != _NO_TABLE
        and not any(f" {t}" in step for t in _TINY)
        and not _parent_key_check(sql, step)
    }
    assert scans == {}, scans
    # The log is found by its indexes, and the old (patient, time) index is gone.
    assert not any("records_patient_time" in " ".join(p) for p in plans.values())


def test_reading_a_patients_log_runs_no_scan(tmp_path: Path) -> None:
    """Every kind, the projected ones (vitals, assessments: through their projection tables) and the
    others (through the log's index, which leaves the projected ones out) alone and together."""
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", date(1980, 5, 1)), author=NURSE))
    for _ in range(5):
        fx.clock.advance(timedelta(minutes=15))
        recorded(chart(fx, "A1"))
    recorded(fx.ward.chart_neuro("A1", ice_check(9), observed_at=fx.clock.now(), author=NURSE))
    conn = fx.ward._db.conn  # the test looks at the SQL the store runs
    log = Log(fx.ward._db, fx.clock)
    series = SeriesQueries(fx.ward._db)
    history = SqlHistory(fx.ward._db, log)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        for kinds in (None, [], ["vitals"], ["assessment"], ["neuro_check"], ["vitals", "note"]):
            for current in (False, True):
                log.records_for_patient("A1", kinds, START, fx.clock.now(), current_only=current)
                log.records_for_patient("A1", kinds, current_only=current)
            series.records("A1", kinds)
        for kind in ("vitals", "assessment", "neuro_check"):
            log.has_kind("A1", kind)
            history.last_observed("A1", kind, fx.clock.now())
        history.last_observed("A1", None, None)
        series.span("A1")
        log.newest_by_author("A1", "neuro_check", NURSE.user_id, 3)
    finally:
        conn.set_trace_callback(None)
    plans = _plans(conn, seen)
    assert len(plans) > 20
    scans = {
        sql: steps
        for sql, steps in plans.items()
        for step in steps
        if step.startswith("SCAN")
        and not any(f" {t}" in step for t in _TINY)
        and "CONSTANT ROW" not in step
        and step != "SCAN k"  # the kinds of series.span, as a VALUES list
    }
    assert scans == {}, scans
    steps = " ".join(" ".join(p) for p in plans.values())
    assert "records_unprojected_patient_kind_time" in steps
    assert "SEARCH p USING PRIMARY KEY (patient_id=?" in steps


def test_migration_6_keeps_every_record_and_the_chain(tmp_path: Path) -> None:
    clock = ManualClock(START)
    path = tmp_path / "old.db"
    db = open_database(path, migrate=False)
    migrate(db, stop_before="m006_index_each_thing_once", clock=clock)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == 5
    log = Log(db, clock)
    with before_the_hourly_roll_up(), transaction(db):
        log.append(
            admission("A1", date(1980, 5, 1)),
            patient_id="A1",
            observed_at=START,
            author="nurse.kim",
        )
        log.append(normal_adult_vitals(), patient_id="A1", observed_at=START, author="nurse.kim")
    before = db.conn.execute("SELECT * FROM records ORDER BY seq").fetchall()
    db.conn.close()

    fx_db = open_database(path, clock=clock)
    assert fx_db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert list(tmp_path.glob("old.pre-migration-*.db")), "a copy is made before migrating"
    assert fx_db.conn.execute("SELECT * FROM records ORDER BY seq").fetchall() == before
    previous = GENESIS_HASH
    for values in fx_db.conn.execute(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM records ORDER BY seq"
    ):
        row = dict(zip(RECORD_COLUMNS, values, strict=True))
        assert chain_hash(previous, row) == row["hash"]
        previous = row["hash"]
    indexes = {
        r[0] for r in fx_db.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")
    }
    assert "records_patient_time" not in indexes and "vitals_record" not in indexes
    assert "assessments_patient_time" not in indexes
