"""The SQLite store: configuration guard (R2), append-only log (R18), migrations, hash chain, queries."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from bedside.alert_vocabulary import AlertKind, Priority
from bedside.clock import ManualClock
from bedside.records import (
    Admission,
    AlertEvent,
    AssessmentRecord,
    Attribution,
    Intervention,
    NeuroCheck,
    Note,
    Record,
    RecordInvalid,
    VitalSigns,
    iso_utc,
)
from bedside.store.connection import (
    StorageConfigError,
    StorageError,
    StorageProblem,
    StorageVersionError,
    check_configuration,
    open_database,
    transaction,
)
from bedside.store.log import GENESIS_HASH, Log, StoredRecord, chain_hash
from bedside.store.migrations import MIGRATION_NAMES, SCHEMA_VERSION, migrate
from bedside.store.schema import CLINICAL_TABLES, RECORD_COLUMNS, SERIES_COLUMNS, check_schema

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
P1, P2 = "MRN-001", "MRN-002"


def admission(patient_id: str = P1, **changes: Any) -> Admission:
    base = Admission(
        patient_id=patient_id,
        name="Ada Lovelace",
        date_of_birth=date(2016, 3, 1),
        sex="female",
        weight_kg=24.5,
        diagnosis="neuroblastoma",
        developmental_delay=False,
        infusion_at=T0,
        product="GD2-CART01",
        dose_cells_per_kg=3e6,
    )
    return replace(base, **changes)


EXAMPLES: list[Record] = [
    VitalSigns(temperature=100.4, temperature_unit="F", hr=120, sbp=100, dbp=60, spo2=97),
    NeuroCheck(
        tool="ICE", ice_orientation=3, ice_naming=3, ice_commands=1, ice_writing=0, ice_attention=1
    ),
    Intervention(
        drug="norepinephrine",
        dose=0.1,
        dose_unit="mcg/kg/min",
        route="iv",
        started_at=T0,
        indication="treatment",
    ),
    Attribution(finding="fever", cause="central line infection"),
    Note(text="Parents informed."),
    AssessmentRecord(crs_grade=2, icans_grade=1, news2=5, rule_version="test rules"),
    AlertEvent(
        alert_id="alert-1", event="raised", kind=AlertKind.CRS, priority=Priority.HIGH, level=2
    ),
]


class Ward:
    """A database, its log and a clock that moves one second per write."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.clock = ManualClock(T0)
        self.db = open_database(path, clock=self.clock)
        self.log = Log(self.db, self.clock)

    def append(self, record: Record, patient_id: str = P1, **envelope: Any) -> StoredRecord:
        self.clock.advance(timedelta(seconds=1))
        envelope.setdefault("observed_at", self.clock.now())
        envelope.setdefault("author", "nurse.jane")
        with transaction(self.db):
            return self.log.append(record, patient_id=patient_id, **envelope)

    def reopen(self) -> None:
        self.db.close()
        self.db = open_database(self.path, clock=self.clock)
        self.log = Log(self.db, self.clock)


@pytest.fixture
def ward(tmp_path: Path) -> Iterator[Ward]:
    w = Ward(tmp_path / "ward.db")
    w.append(admission(), observed_at=T0)
    yield w
    w.db.close()


# --- R2: storage configuration guard -----------------------------------------------------------------


def test_every_pragma_is_set_and_read_back(tmp_path: Path) -> None:
    db = open_database(tmp_path / "ward.db")
    conn = db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert conn.isolation_level is None
    check_configuration(db)  # and the guard agrees
    db.close()


def test_every_clinical_table_is_strict(tmp_path: Path) -> None:
    db = open_database(tmp_path / "ward.db")
    strict = {row[1]: row[5] for row in db.conn.execute("PRAGMA table_list") if row[0] == "main"}
    for table in (*CLINICAL_TABLES, "devices", "device"):
        assert strict[table] == 1, table
    check_schema(db)
    db.close()


def _other_connection(path: Path, *pragmas: str, isolation_level: str | None = None) -> Database:
    conn = sqlite3.connect(path, isolation_level=isolation_level)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=5000"):
        conn.execute(f"PRAGMA {pragma}")
    for pragma in pragmas:
        conn.execute(f"PRAGMA {pragma}")
    return Database(conn, execute_plugins=False)


@pytest.mark.parametrize(
    ("pragmas", "isolation_level", "named"),
    [
        (("journal_mode=DELETE",), None, "journal_mode"),
        (("synchronous=NORMAL",), None, "synchronous"),
        (("foreign_keys=OFF",), None, "foreign_keys"),
        (("busy_timeout=100",), None, "busy_timeout"),
        ((), "DEFERRED", "isolation_level"),
    ],
)
def test_a_connection_opened_another_way_is_refused(
    tmp_path: Path, pragmas: tuple[str, ...], isolation_level: str | None, named: str
) -> None:
    path = tmp_path / "ward.db"
    open_database(path).close()
    db = _other_connection(path, *pragmas, isolation_level=isolation_level)
    with pytest.raises(StorageConfigError, match=named) as raised:
        check_configuration(db)
    assert raised.value.pragma == named
    db.close()


def test_a_database_that_cannot_be_wal_is_refused() -> None:
    with pytest.raises(StorageConfigError, match="journal_mode"):
        open_database(":memory:")


def test_missing_file_is_not_created_when_asked(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no database"):
        open_database(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


def test_schema_check_names_a_missing_append_only_trigger(tmp_path: Path) -> None:
    db = open_database(tmp_path / "ward.db")
    db.execute("DROP TRIGGER vitals_no_delete")
    with pytest.raises(StorageError, match="vitals_no_delete is missing") as raised:
        check_schema(db)
    assert raised.value.problem is StorageProblem.DAMAGED
    db.close()


# --- R18: no silent edits or deletes -----------------------------------------------------------------


def test_update_and_delete_fail_on_every_clinical_table(ward: Ward) -> None:
    for record in EXAMPLES:
        ward.append(record)
    counts = ward.log.row_counts()
    assert all(counts[table] >= 1 for table in CLINICAL_TABLES), counts
    conn = ward.db.conn
    for table in CLINICAL_TABLES:
        for sql in (f"UPDATE {table} SET patient_id = 'MRN-999'", f"DELETE FROM {table}"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
    # Through sqlite-utils too (what a careless helper would reach for).
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ward.db["records"].delete_where("1 = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ward.db["vitals"].update(ward.db["vitals"].pks_and_rows_where().__next__()[0], {"hr": 1})
    assert ward.log.row_counts() == counts


def test_a_correction_is_a_new_row_and_both_versions_are_returned(ward: Ward) -> None:
    first = ward.append(VitalSigns(hr=180))
    second = ward.append(
        VitalSigns(hr=80), observed_at=first.observed_at, supersedes=first.id, reason="typo: 80"
    )
    versions = ward.log.records_for_patient(P1, kinds=["vitals"])
    assert [v.id for v in versions] == [first.id, second.id]
    assert versions[1].supersedes == first.id and versions[1].reason == "typo: 80"
    assert versions[1].author == "nurse.jane" and versions[1].entered_at > versions[0].entered_at
    assert ward.log.superseded_ids(P1) == {first.id}
    assert ward.log.get(first.id) == first  # the old version is still there, unchanged
    series = ward.log.vitals_series(P1, T0, T0 + timedelta(hours=1))
    assert series.record_id == (second.id,) and series["hr"] == (80.0,)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda s: {"supersedes": s.id}, "reason"),
        (
            lambda s: {"supersedes": "01a20ff3-4e9a-7a66-873c-fac64130d995", "reason": "typo"},
            "no record",
        ),
        (lambda s: {"supersedes": s.id, "reason": "typo", "record": Note(text="x")}, "is a vitals"),
        (lambda s: {"supersedes": s.id, "reason": "typo", "patient_id": P2}, "of patient"),
    ],
)
def test_bad_corrections_are_refused(ward: Ward, make: Any, message: str) -> None:
    stored = ward.append(VitalSigns(hr=180))
    kwargs = make(stored)
    record = kwargs.pop("record", VitalSigns(hr=80))
    before = ward.log.row_counts()
    with pytest.raises(RecordInvalid, match=message):
        ward.append(record, **kwargs)
    assert ward.log.row_counts() == before


def test_only_the_newest_version_can_be_corrected(ward: Ward) -> None:
    first = ward.append(VitalSigns(hr=180))
    ward.append(VitalSigns(hr=80), supersedes=first.id, reason="typo")
    with pytest.raises(RecordInvalid, match="already corrected"):
        ward.append(VitalSigns(hr=81), supersedes=first.id, reason="typo again")


# --- Writes are whole or absent ------------------------------------------------------------------------


def test_append_outside_a_transaction_is_refused(ward: Ward) -> None:
    with pytest.raises(StorageError, match="inside transaction"):
        ward.log.append(VitalSigns(hr=80), patient_id=P1, observed_at=T0, author="nurse.jane")


def test_a_failure_later_in_the_transaction_undoes_the_earlier_writes(ward: Ward) -> None:
    before = ward.log.row_counts()
    with pytest.raises(RecordInvalid), transaction(ward.db):
        ward.log.append(VitalSigns(hr=80), patient_id=P1, observed_at=T0, author="nurse.jane")
        ward.log.append(VitalSigns(hr=800), patient_id=P1, observed_at=T0, author="nurse.jane")
    assert ward.log.row_counts() == before
    assert ward.log.head() == (1, ward.log.head()[1])


def test_nested_transactions_are_refused(ward: Ward) -> None:
    with transaction(ward.db), pytest.raises(StorageError, match="already open"):  # noqa: SIM117
        with transaction(ward.db):
            pass


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(["hr", "sbp", "spo2", "temperature", "o2_device"]),
    value=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not 0 <= v <= 300),
        st.text(max_size=20),
        st.booleans(),
    ),
    author=st.sampled_from(["nurse.jane", "", "x" * 100]),
)
def test_any_invalid_input_leaves_every_table_unchanged(
    ward: Ward, name: str, value: object, author: str
) -> None:
    before = ward.log.row_counts()
    with pytest.raises(RecordInvalid):
        ward.append(VitalSigns(**{name: value}), author=author)
    assert ward.log.row_counts() == before


# --- Identity, sequence and hash chain -----------------------------------------------------------------


def _chain_ok(db: Database, device_id: str) -> list[int]:
    rows = db.conn.execute(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM records WHERE device_id = ? ORDER BY seq",
        [device_id],
    ).fetchall()
    previous = GENESIS_HASH
    for values in rows:
        row = dict(zip(RECORD_COLUMNS, values, strict=True))
        assert row["hash"] == chain_hash(previous, row), row["seq"]
        previous = row["hash"]
    return [row[RECORD_COLUMNS.index("seq")] for row in rows]


def test_seq_and_hash_chain_continue_after_reopen(ward: Ward) -> None:
    for hr in (80, 81):
        ward.append(VitalSigns(hr=hr))
    device_id, head = ward.log.device_id, ward.log.head()
    last_stamp = ward.log.records_for_patient(P1)[-1].entered_at
    ward.reopen()
    ward.clock.set(T0 - timedelta(days=1))  # the machine's clock was set back while it was off
    assert ward.log.device_id == device_id and ward.log.head() == head
    stored = ward.append(VitalSigns(hr=82))
    assert stored.seq == 4 and stored.entered_at > last_stamp
    assert _chain_ok(ward.db, device_id) == [1, 2, 3, 4]
    assert ward.log.head() == (4, stored.hash)


def test_the_chain_detects_an_edited_payload(ward: Ward) -> None:
    ward.append(VitalSigns(hr=80))
    ward.db.execute("DROP TRIGGER records_no_update")  # someone with file access
    ward.db.execute("UPDATE records SET payload = replace(payload, '80', '60') WHERE seq = 2")
    with pytest.raises(AssertionError):
        _chain_ok(ward.db, ward.log.device_id)


def test_a_given_device_id_has_its_own_chain(ward: Ward) -> None:
    other = Log(ward.db, ward.clock, device_id="ward3-pc2")
    with transaction(ward.db):
        stored = other.append(VitalSigns(hr=70), patient_id=P1, observed_at=T0, author="nurse.jane")
    assert (stored.device_id, stored.seq) == ("ward3-pc2", 1)
    assert stored.entered_at.endswith("/ward3-pc2")
    assert _chain_ok(ward.db, "ward3-pc2") == [1]
    with pytest.raises(ValueError, match="device id"):
        Log(ward.db, ward.clock, device_id="bad/id")


def test_a_remote_stamp_from_a_clock_ahead_orders_later_local_writes_after_it(ward: Ward) -> None:
    remote = "2026-11-25T08:00:00.000Z/0007/ward3-pc9"  # a machine a day ahead
    with pytest.raises(StorageError, match="inside transaction"):
        ward.log.observe(remote)
    with transaction(ward.db):
        ward.log.observe(remote)
    ward.reopen()  # the merged clock is persisted
    assert ward.append(VitalSigns(hr=80)).entered_at > remote


@pytest.mark.parametrize("record", EXAMPLES, ids=lambda r: type(r).__name__)
def test_stored_records_read_back_identical(ward: Ward, record: Record) -> None:
    stored = ward.append(record)
    assert ward.log.get(stored.id) == stored
    assert stored.record == record
    assert stored.observed_at == ward.clock.now()
    assert ward.log.get("01a20ff3-4e9a-7a66-873c-fac64130d995") is None


# --- Migrations ----------------------------------------------------------------------------------------


def _applied(db: Database) -> list[str]:
    return [row[0] for row in db.conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]


def test_a_fresh_database_gets_every_migration_and_no_copy(tmp_path: Path) -> None:
    db = open_database(tmp_path / "ward.db")
    assert _applied(db) == MIGRATION_NAMES
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert list(tmp_path.glob("*.pre-migration-*")) == []
    db.close()


def test_an_old_database_is_copied_before_it_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "ward.db"
    clock = ManualClock(T0)
    db = open_database(path, migrate=False)
    migrate(db, stop_before=MIGRATION_NAMES[1])
    assert _applied(db) == MIGRATION_NAMES[:1]
    with transaction(db):
        stored = Log(db, clock).append(admission(), patient_id=P1, observed_at=T0, author="jane")
    db.close()

    db = open_database(path, clock=clock)
    assert _applied(db) == MIGRATION_NAMES
    [copy] = tmp_path.glob("ward.pre-migration-*.db")
    assert copy.name == "ward.pre-migration-20261124T080000000000Z.db"
    old = sqlite3.connect(copy)
    assert old.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [r[0] for r in old.execute("SELECT name FROM _sqlite_migrations")] == MIGRATION_NAMES[:1]
    assert old.execute("SELECT hash FROM records").fetchall() == [(stored.hash,)]
    old.close()
    assert list(tmp_path.glob("*.partial")) == []
    # Reopening an up-to-date file makes no further copy.
    db.close()
    open_database(path, clock=clock).close()
    assert len(list(tmp_path.glob("ward.pre-migration-*.db"))) == 1


def test_a_database_with_an_unknown_migration_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ward.db"
    db = open_database(path)
    db.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        ["bedside", "m099_from_the_future", iso_utc(T0)],
    )
    db.close()
    with pytest.raises(StorageVersionError, match="m099_from_the_future"):
        open_database(path)


def test_a_database_with_a_newer_user_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ward.db"
    db = open_database(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StorageVersionError, match="newer Bedside"):
        open_database(path)


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StorageVersionError, match="not a Bedside database"):
        open_database(path)


# --- Queries -------------------------------------------------------------------------------------------


def test_records_for_patient_order_and_filters(ward: Ward) -> None:
    ward.clock.advance(timedelta(hours=3))
    late = ward.append(VitalSigns(hr=90), observed_at=T0 + timedelta(hours=2))
    early = ward.append(VitalSigns(hr=91), observed_at=T0 + timedelta(hours=1))  # a late entry
    note = ward.append(Note(text="quiet night"), observed_at=T0 + timedelta(hours=1))
    ward.append(VitalSigns(hr=92), patient_id=P2)
    ids = [s.id for s in ward.log.records_for_patient(P1)]
    assert ids[1:] == [early.id, note.id, late.id]  # clinical time, then time of entry
    vitals = ward.log.records_for_patient(P1, kinds=["vitals"])
    assert [s.id for s in vitals] == [early.id, late.id]
    window = ward.log.records_for_patient(
        P1, since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=1)
    )
    assert [s.id for s in window] == [early.id, note.id]
    assert ward.log.records_for_patient("MRN-404") == []


def test_patients_show_the_current_admission(ward: Ward) -> None:
    first = ward.log.patients()[0]
    fixed = ward.append(
        admission(weight_kg=25.0), observed_at=T0, supersedes=first.id, reason="weighed again"
    )
    ward.append(admission(P2), patient_id=P2, observed_at=T0)
    patients = ward.log.patients()
    assert [p.patient_id for p in patients] == [P1, P2]
    assert patients[0].id == fixed.id
    assert isinstance(patients[0].record, Admission) and patients[0].record.weight_kg == 25.0


def test_latest_assessments_one_per_patient(ward: Ward) -> None:
    ward.clock.advance(timedelta(hours=3))
    ward.append(admission(P2), patient_id=P2, observed_at=T0)
    ward.append(
        AssessmentRecord(crs_grade=1, rule_version="test rules"),
        observed_at=T0 + timedelta(hours=1),
    )
    newest = ward.append(
        AssessmentRecord(crs_grade=2, rule_version="test rules"),
        observed_at=T0 + timedelta(hours=2),
    )
    regraded = ward.append(
        AssessmentRecord(crs_grade=3, rule_version="test rules"),
        observed_at=newest.observed_at,
        supersedes=newest.id,
        reason="re-graded",
    )
    other = ward.append(AssessmentRecord(icans_grade=1, rule_version="test rules"), patient_id=P2)
    latest = ward.log.latest_assessments()
    assert {k: v.id for k, v in latest.items()} == {P1: regraded.id, P2: other.id}
    row = ward.db.conn.execute(
        "SELECT crs_grade, icans_grade FROM assessments WHERE record_id = ?", [regraded.id]
    ).fetchone()
    assert tuple(row) == (3, None)


def test_alert_events_by_patient(ward: Ward) -> None:
    raised = ward.append(EXAMPLES[-1])
    acked = ward.append(replace(EXAMPLES[-1], event="acknowledged"))  # type: ignore[arg-type]
    other = ward.append(EXAMPLES[-1], patient_id=P2)
    assert [e.id for e in ward.log.alert_events(P1)] == [raised.id, acked.id]
    assert [e.id for e in ward.log.alert_events()] == [raised.id, acked.id, other.id]


def test_projection_columns(ward: Ward) -> None:
    stored = ward.append(EXAMPLES[0])
    row = ward.db.conn.execute(
        "SELECT temp_c, temperature, temperature_unit, hr, spo2 FROM vitals WHERE record_id = ?",
        [stored.id],
    ).fetchone()
    assert tuple(row) == (38.0, 100.4, "F", 120.0, 97)
    neuro = ward.append(EXAMPLES[1])
    row = ward.db.conn.execute(
        "SELECT tool, ice_score, sedation FROM neuro_checks WHERE record_id = ?", [neuro.id]
    ).fetchone()
    assert tuple(row) == ("ICE", 8, 0)
    drug = ward.append(EXAMPLES[2])
    row = ward.db.conn.execute(
        "SELECT drug_kind, started_at, stopped_at FROM interventions WHERE record_id = ?", [drug.id]
    ).fetchone()
    assert tuple(row) == ("vasopressor", "2026-11-24T08:00:00.000000Z", None)


def _year_of_vitals(ward: Ward, patient_id: str, n: int) -> None:
    """n vitals at 15-minute intervals, written in bulk (the query, not the writer, is under test)."""
    records, vitals = [], []
    for i in range(n):
        when = T0 + timedelta(minutes=15 * i)
        at = iso_utc(when)
        rid = f"00000000-0000-7000-8000-{i:012d}"
        records.append((rid, "vitals", patient_id, at, at, "bulk", "bulk", i + 1, "{}", "-"))
        row = (37.0, 80.0 + i % 40, 110.0, 70.0, 18.0, 97, None, None, 2.0)
        vitals.append((rid, patient_id, at, when.timestamp(), *row))
    with transaction(ward.db):
        ward.db.conn.executemany(
            "INSERT INTO records (id, kind, patient_id, observed_at, entered_at, author, "
            "device_id, seq, payload, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            records,
        )
        ward.db.conn.executemany(
            "INSERT INTO vitals (record_id, patient_id, observed_at, observed_s, temp_c, hr, sbp, "
            "dbp, rr, spo2, o2_flow_l_min, fio2, crt_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vitals,
        )


def test_a_year_of_one_vital_is_read_whole_and_in_order(ward: Ward) -> None:
    # What the trend plot reads; how fast is measured by tests/bench/bench_ward.py, row (c).
    n = 35_040  # 365 days x 96
    _year_of_vitals(ward, P2, n)
    start, end = T0, T0 + timedelta(days=366)
    series = ward.log.vitals_series(P2, start, end, columns=["hr"])
    assert len(series.t) == n and len(series["hr"]) == n and len(series.record_id) == n
    assert set(series.values) == {"hr"}
    assert series.t[0] == T0.timestamp() and all(b - a == 900.0 for a, b in pairwise(series.t))
    assert list(series["hr"]) == [80.0 + i % 40 for i in range(n)]
    assert series.record_id[-1] == f"00000000-0000-7000-8000-{n - 1:012d}"
    every = ward.log.vitals_series(P2, start, end)
    assert set(every.values) == set(SERIES_COLUMNS) and len(every["crt_s"]) == n
    assert set(every["sbp"]) == {110.0} and set(every["o2_flow_l_min"]) == {None}
    # A window reads only its own rows: one day is 96 quarter-hours, both ends included.
    day = ward.log.vitals_series(P2, T0 + timedelta(days=10), T0 + timedelta(days=11))
    assert len(day.t) == 97 and day.t[0] == (T0 + timedelta(days=10)).timestamp()


def test_series_columns(ward: Ward) -> None:
    series = ward.log.vitals_series(P1, T0, T0 + timedelta(days=1))
    assert series.t == () and series["spo2"] == ()
    stored = ward.append(EXAMPLES[0])
    series = ward.log.vitals_series(P1, T0, T0 + timedelta(days=1), columns=["temp_c", "spo2"])
    assert series.record_id == (stored.id,) and series.t == (stored.observed_at.timestamp(),)
    assert series["temp_c"] == (38.0,) and series["spo2"] == (97,)
    with pytest.raises(KeyError):
        series["hr"]
    with pytest.raises(ValueError, match="not a vitals series column"):
        ward.log.vitals_series(P1, T0, T0, columns=["hr; DROP TABLE vitals"])


# --- Decoded records kept per Log (a save reads the last day of vitals again) ------------------------------


def _count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import bedside.store.log as log_module

    seen: list[str] = []
    real = log_module.from_payload

    def counting(kind: str, payload: Any, **kw: Any) -> Record:
        seen.append(kind)
        return real(kind, payload, **kw)

    monkeypatch.setattr(log_module, "from_payload", counting)
    return seen


def test_a_stored_record_is_decoded_once_per_log(
    ward: Ward, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = [ward.append(VitalSigns(hr=hr)) for hr in (80, 81, 82)]
    decoded = _count_decodes(monkeypatch)
    assert ward.log.records_for_patient(P1, ["vitals"]) == written
    assert decoded == []  # the writing Log keeps what it wrote
    log = Log(ward.db, ward.clock)
    first = log.records_for_patient(P1, ["vitals"])
    assert first == written and decoded == ["vitals"] * 3
    assert log.records_for_patient(P1, ["vitals"]) == first
    assert decoded == ["vitals"] * 3  # read again, not decoded again


def test_a_row_changed_under_the_same_id_is_decoded_again(ward: Ward) -> None:
    stored = ward.append(VitalSigns(hr=80))
    assert ward.log.get(stored.id) == stored
    ward.db.execute("DROP TRIGGER records_no_update")  # someone with file access rewrites the row
    ward.db.execute(
        "UPDATE records SET payload = replace(payload, '80', '60'), hash = ? WHERE id = ?",
        ["f" * 64, stored.id],
    )
    changed = ward.log.get(stored.id)
    assert changed is not None and changed.record == VitalSigns(hr=60) and changed.hash == "f" * 64


def test_the_decoded_records_kept_are_bounded(ward: Ward, monkeypatch: pytest.MonkeyPatch) -> None:
    import bedside.store.log as log_module

    monkeypatch.setattr(log_module, "DECODED_CACHE_SIZE", 2)
    stored = [ward.append(VitalSigns(hr=hr)) for hr in range(80, 85)]
    decoded = _count_decodes(monkeypatch)
    log = Log(ward.db, ward.clock)
    assert [s.record for s in log.records_for_patient(P1, ["vitals"])] == [s.record for s in stored]
    assert len(decoded) == 5
    assert log.get(stored[-1].id) == stored[-1] and len(decoded) == 5  # among the newest two kept
    assert log.get(stored[0].id) == stored[0] and len(decoded) == 6  # pushed out: decoded again
