"""Migration 10 (issue 7, storage per vitals set): the log's (patient, kind, time) index leaves out the kinds
found through their projections, and new vitals sets are stored as V1 arrays. A ward charted before it
(its vitals sets stored as objects) keeps every record, its chain and its reads; `bedside verify` passes on
the migrated file; its old records are received by another machine; the index's predicate is the one the
queries repeat."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

import bedside.store.log as log_module
import bedside.store.receive as receive_module
from bedside.alert_vocabulary import AlertKind
from bedside.clock import ManualClock
from bedside.records import Note, Record, VitalSigns, to_payload
from bedside.records.codec import object_payload
from bedside.store.connection import open_database, transaction
from bedside.store.log import Log
from bedside.store.migrations import MIGRATION_NAMES, SCHEMA_VERSION, migrate
from bedside.store.receive import receive
from bedside.store.schema import LOG_INDEXED, PROJECTED_KINDS, RECORD_COLUMNS
from bedside.store.series import SeriesQueries
from bedside.verify import verify_path
from bedside.ward import Ward
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    START,
    WardFixture,
    admission,
    chart,
    ice_check,
    normal_adult_vitals,
    recorded,
)

M010 = "m010_log_index_without_projected_kinds"
PATIENT = "A-1"


def _index_sql(conn: sqlite3.Connection, name: str) -> str | None:
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", [name])
    found = row.fetchone()
    return None if found is None else str(found[0])


def _as_before_migration_10(record: Record) -> object:
    """The payload an older Bedside stored: a vitals set as the object of its fields."""
    return object_payload(record) if isinstance(record, VitalSigns) else to_payload(record)


def _chart_before_migration_10(path: Path) -> None:
    """A ward charted on the schema of migration 9 by a Bedside of then: vitals (stored as objects),
    a fever and its alert, a neuro check, a note and a correction."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(log_module, "to_payload", _as_before_migration_10)
        _chart_on_schema_9(path)


def _chart_on_schema_9(path: Path) -> None:
    clock = ManualClock(START)
    db = open_database(path, migrate=False)
    migrate(db, stop_before=M010, clock=clock)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == 9
    fx = WardFixture(Ward(db, clock=clock), clock, path, db)
    ward = fx.ward
    recorded(ward.admit(admission(PATIENT, ADULT_BORN), author=NURSE))
    first = None
    for k in range(8):
        fx.clock.advance(timedelta(minutes=15))
        charted = recorded(chart(fx, PATIENT, temperature=38.7 if k == 7 else 36.8))
        first = first or charted
    crs = next(a for a in ward.open_alerts(PATIENT) if a.kind is AlertKind.CRS)
    recorded(ward.acknowledge(crs.alert_id, author=NURSE))
    recorded(ward.chart_neuro(PATIENT, ice_check(9), observed_at=clock.now(), author=NURSE))
    recorded(ward.note(PATIENT, Note(text="Comfortable."), observed_at=clock.now(), author=NURSE))
    assert first is not None
    corrected = normal_adult_vitals(temperature=37.1)
    recorded(ward.correct(first.record.id, corrected, reason="misread", author=NURSE))
    db.close()


def _reads(db_path: Path) -> dict[str, object]:
    """What the ward reads of the patient's log, as (kind, id, hash) in the order given."""
    db = open_database(db_path, migrate=False)
    try:
        log = Log(db, ManualClock(START))
        series = SeriesQueries(db)
        out: dict[str, object] = {}
        for name, kinds in (
            ("all", None),
            ("vitals", ["vitals"]),
            ("assessment", ["assessment"]),
            ("mixed", ["vitals", "neuro_check", "note"]),
            ("logged", ["neuro_check", "admission"]),
            ("none", []),
        ):
            for current in (False, True):
                found = log.records_for_patient(PATIENT, kinds, current_only=current)
                out[f"{name}/{current}"] = [(s.kind, s.id, s.hash, s.observed_at) for s in found]
        out["span"] = series.span(PATIENT)
        out["chart records"] = [row[:2] + row[-2:] for row in series.records(PATIENT, None)]
        out["has vitals"] = log.has_kind(PATIENT, "vitals")
        out["has note"] = log.has_kind(PATIENT, "note")
        return out
    finally:
        db.close()


@pytest.fixture(scope="module")
def before_10(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("m010") / "ward.db"
    _chart_before_migration_10(path)
    return path


def test_migration_10_keeps_every_record_its_chain_and_every_read(
    before_10: Path, tmp_path: Path
) -> None:
    path = tmp_path / "ward.db"
    path.write_bytes(before_10.read_bytes())
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT * FROM records ORDER BY rowid").fetchall()
    assert _index_sql(conn, "records_patient_kind_time") is not None
    vitals = [r[0] for r in conn.execute("SELECT payload FROM records WHERE kind = 'vitals'")]
    assert len(vitals) == 9 and all(p.startswith('{"') for p in vitals)
    conn.close()
    reads = _reads(path)
    assert reads["vitals/False"] and reads["assessment/True"] and reads["none/False"] == []

    db = open_database(path, clock=ManualClock(START + timedelta(days=1)))
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 10
    assert db.conn.execute("SELECT * FROM records ORDER BY rowid").fetchall() == rows
    assert _index_sql(db.conn, "records_patient_kind_time") is None
    db.close()
    assert list(tmp_path.glob("ward.pre-migration-*.db")), "a copy is made before migrating"
    assert _reads(path) == reads
    verdict = verify_path(path)
    assert verdict.ok, verdict.summary()


def test_the_log_index_holds_no_projected_kind_and_repeats_the_predicate(before_10: Path) -> None:
    db = open_database(before_10.with_name("fresh.db"))
    try:
        sql = _index_sql(db.conn, "records_unprojected_patient_kind_time")
        assert sql is not None and sql.endswith(f"WHERE {LOG_INDEXED}")
        assert LOG_INDEXED == "kind NOT IN ('assessment', 'vitals')"
        assert sorted(PROJECTED_KINDS) == ["assessment", "vitals"]
        for table in PROJECTED_KINDS.values():
            # Each projection's key starts with (patient_id, observed_at): it finds the records by time.
            pk = sorted(
                (r[5], r[1]) for r in db.conn.execute(f"PRAGMA table_info('{table}')") if r[5]
            )
            assert [name for _, name in pk][:2] == ["patient_id", "observed_at"]
    finally:
        db.close()


def test_the_migrated_ward_charts_on(before_10: Path, tmp_path: Path) -> None:
    path = tmp_path / "ward.db"
    path.write_bytes(before_10.read_bytes())
    clock = ManualClock(START + timedelta(hours=4))
    db = open_database(path, clock=clock)
    fx = WardFixture(Ward(db, clock=clock), clock, path, db)
    before = fx.ward.records(PATIENT, ["vitals"])
    new = recorded(chart(fx, PATIENT, temperature=36.9))
    after = fx.ward.records(PATIENT, ["vitals"])
    assert after[:-1] == before and after[-1].id == new.record.id  # type: ignore[union-attr]
    stored = db.conn.execute("SELECT payload FROM records WHERE id = ?", [after[-1].id])
    assert stored.fetchone()[0].startswith('["V1",36.9,0,80,')
    db.close()
    assert verify_path(path).ok
    assert MIGRATION_NAMES[-1] == M010


@pytest.mark.parametrize("one_pass", [True, False])
def test_records_of_both_forms_are_received_by_another_machine(
    before_10: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_pass: bool
) -> None:
    path = tmp_path / "ward.db"
    path.write_bytes(before_10.read_bytes())
    clock = ManualClock(START + timedelta(hours=4))
    db = open_database(path, clock=clock)
    fx = WardFixture(Ward(db, clock=clock), clock, path, db)
    recorded(chart(fx, PATIENT, temperature=36.9))  # a V1 array beside the objects
    rows = [
        dict(zip(RECORD_COLUMNS, r, strict=True))
        for r in db.conn.execute(f"SELECT {', '.join(RECORD_COLUMNS)} FROM records ORDER BY seq")
    ]
    db.close()
    forms = {r["payload"][:2] for r in rows if r["kind"] == "vitals"}
    assert forms == {'{"', '["'}
    if not one_pass:
        monkeypatch.setattr(receive_module, "received_record", lambda *a, **k: None)
    other = open_database(tmp_path / "other.db", clock=clock)
    with transaction(other):
        out = receive(other, Log(other, clock), rows, clock, clock_suspect_after=timedelta(hours=9))
    assert out.accepted == len(rows) and not out.quarantined
    copied = other.conn.execute(f"SELECT {', '.join(RECORD_COLUMNS)} FROM records ORDER BY seq")
    assert [dict(zip(RECORD_COLUMNS, r, strict=True)) for r in copied] == rows
    other.close()
    assert verify_path(tmp_path / "other.db").ok
