"""Verification (R19 in small): the chain, the projections the board reads, the unresolved alerts, the
refusal to chart into a damaged file, `bedside verify`, and owner-only files."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bedside.clock import ManualClock
from bedside.records import to_payload
from bedside.store.connection import StorageError, StorageProblem, open_database
from bedside.store.log import chain_hash
from bedside.store.schema import RECORD_COLUMNS
from bedside.store.verify import _fast_chain_hash
from bedside.verify import Anchor, open_ward, verify_path
from bedside.ward import Failed
from tests.support.charted_ward import ADULT, build, copy_database, plain_connection
from tests.support.ward_fixtures import NURSE, START, normal_adult_vitals


@pytest.fixture(scope="module")
def charted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("charted") / "ward.db"
    build(path, sets=6).ward  # noqa: B018 (built for its file)
    return path


@pytest.fixture
def path(charted: Path, tmp_path: Path) -> Path:
    return copy_database(charted, tmp_path / "ward.db")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _untriggered(path: Path, table: str) -> object:
    conn = plain_connection(path)
    for action in ("update", "delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    return conn


def test_a_charted_ward_verifies_whole(path: Path) -> None:
    verdict = verify_path(path)
    assert verdict.ok, verdict.summary()
    conn = plain_connection(path)
    assert verdict.records == conn.execute("SELECT count(*) FROM records").fetchone()[0]


def test_the_fast_hash_is_the_chain_hash(path: Path) -> None:
    conn = plain_connection(path)
    rows = conn.execute(f"SELECT {', '.join(RECORD_COLUMNS)} FROM records").fetchall()
    for values in rows:
        row = dict(zip(RECORD_COLUMNS, values, strict=True))
        assert _fast_chain_hash("ab" * 32, row) == chain_hash("ab" * 32, row)
    first = dict(zip(RECORD_COLUMNS, rows[0], strict=True))
    # Values no writer of Bedside's stores go to the definition, and give its hash.
    for change in [
        {"reason": 'é "\\ \n\u2028 ☃\x00\x1f\x7f'},
        {"author": 5},
        {"author": None},
        {"seq": True},
        {"seq": 5.0},
        {"supersedes": 3},
    ]:
        odd = first | change
        assert _fast_chain_hash("0" * 64, odd) == chain_hash("0" * 64, odd), change


def test_an_edited_grade_in_the_projection_is_found(path: Path) -> None:
    # The finding of the issue: assessments.crs_grade 3 -> 0 changed the board without a trace.
    conn = _untriggered(path, "assessments")
    changed = conn.execute(  # type: ignore[attr-defined]
        "UPDATE assessments SET crs_grade = 0 WHERE crs_grade >= 1"
    ).rowcount
    assert changed >= 1
    verdict = verify_path(path)
    assert not verdict.ok
    first = verdict.findings[0]
    assert first.table == "assessments" and "crs_grade is 0" in first.what
    assert "DAMAGED" in verdict.summary() and first.record_id in verdict.summary()


def test_an_edited_record_is_found_at_its_place_in_the_chain(path: Path) -> None:
    conn = _untriggered(path, "records")
    seq = conn.execute(  # type: ignore[attr-defined]
        "SELECT seq FROM records WHERE kind = 'vitals' ORDER BY seq LIMIT 1 OFFSET 3"
    ).fetchone()[0]
    conn.execute(  # type: ignore[attr-defined]
        "UPDATE records SET author = 'someone.else' WHERE seq = ?", [seq]
    )
    verdict = verify_path(path)
    about_records = [f for f in verdict.findings if f.record_id is not None]
    assert [(f.seq, "hash does not match" in f.what) for f in about_records] == [(seq, True)]
    assert any("records_no_update is missing" in f.what for f in verdict.findings)


def test_an_open_alert_dropped_from_the_unresolved_list_is_found(path: Path) -> None:
    conn = plain_connection(path)
    conn.execute("DROP TRIGGER unresolved_alerts_only_ended")
    assert conn.execute("DELETE FROM unresolved_alerts").rowcount >= 1
    verdict = verify_path(path)
    assert any(f.table == "unresolved_alerts" for f in verdict.findings), verdict.findings


def test_a_rewritten_chain_disagrees_with_the_hubs_anchor(path: Path) -> None:
    conn = plain_connection(path)
    device, seq, head = conn.execute(
        "SELECT device_id, last_seq, last_hash FROM devices"
    ).fetchone()
    anchor = Anchor(device, seq, head)
    assert verify_path(path, anchors=[anchor]).ok
    other = Anchor(device, seq, "f" * 64)
    assert "rewritten" in verify_path(path, anchors=[other]).findings[0].what
    beyond = Anchor(device, seq + 5, "f" * 64)
    assert "truncated" in verify_path(path, anchors=[beyond]).findings[0].what


def test_a_damaged_file_is_never_charted_into(path: Path) -> None:
    conn = plain_connection(path)
    # Whoever edits puts the trigger back afterwards, as it was: only the verification can tell.
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'vitals_no_update'").fetchone()[
        0
    ]
    conn.execute("DROP TRIGGER vitals_no_update")
    conn.execute("UPDATE vitals SET hr = 60 WHERE hr > 90")
    conn.execute(sql)
    conn.close()
    before = _digest(path)
    with pytest.raises(StorageError) as raised:
        open_ward(path, clock=ManualClock(START))
    assert raised.value.problem is StorageProblem.DAMAGED
    sentence = raised.value.sentence()
    assert "table vitals" in sentence and "hr is 60" in sentence
    assert "do not chart into it; restore the latest backup" in sentence
    assert _digest(path) == before


def test_a_whole_file_opens_for_charting(path: Path) -> None:
    ward, db = open_ward(path, clock=ManualClock(START))
    assert ward.board()
    db.close()


def test_a_ward_stopped_by_a_bad_verdict_refuses_every_write(path: Path) -> None:
    clock = ManualClock(START)
    ward, _ = open_ward(path, clock=clock)
    conn = _untriggered(path, "records")
    conn.execute("UPDATE records SET author = 'x' WHERE seq = 3")  # type: ignore[attr-defined]
    verdict = verify_path(path)  # what the app's worker runs
    ward.stop_charting(verdict.failed())
    counts = _counts(path)
    result = ward.chart_vitals(ADULT, normal_adult_vitals(), observed_at=clock.now(), author=NURSE)
    assert isinstance(result, Failed) and result.reason is StorageProblem.DAMAGED
    assert "seq 3" in result.message
    assert ward.tick().ward_failed == result
    assert _counts(path) == counts


def _counts(path: Path) -> list[int]:
    conn = plain_connection(path)
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bedside.cli", "verify", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_bedside_verify_prints_one_line_and_exits_by_verdict(path: Path) -> None:
    done = _cli("--db", str(path))
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.count("\n") == 1 and "ok:" in done.stdout and "records checked" in done.stdout
    )
    conn = _untriggered(path, "records")
    conn.execute("DELETE FROM records WHERE seq = 5")  # type: ignore[attr-defined]
    conn.close()  # type: ignore[attr-defined]
    done = _cli("--db", str(path))
    assert done.returncode == 1
    assert done.stdout.count("\n") == 1 and "Traceback" not in done.stdout + done.stderr
    assert "DAMAGED" in done.stdout and "seq 5" in done.stdout and "missing" in done.stdout
    listed = _cli("--db", str(path), "--list")
    assert listed.returncode == 1 and listed.stdout.count("\n") >= 2
    garbage = path.with_name("garbage.db")
    garbage.write_bytes(os.urandom(8192))
    done = _cli("--db", str(garbage))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("bedside verify: ")


def test_the_database_its_wal_and_its_folder_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "new-folder" / "ward.db"
        db = open_database(path)
        db.execute("CREATE TABLE scratch (x INTEGER) STRICT")  # makes the WAL exist
        modes = {
            p.name: stat.S_IMODE(p.stat().st_mode)
            for p in (path, path.with_name("ward.db-wal"), path.with_name("ward.db-shm"))
        }
        db.close()
    finally:
        os.umask(old)
    assert modes == {"ward.db": 0o600, "ward.db-wal": 0o600, "ward.db-shm": 0o600}
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_the_pre_migration_copy_is_owner_only(tmp_path: Path) -> None:
    from bedside.store.migrations import MIGRATION_NAMES, migrate

    path = tmp_path / "ward.db"
    old = os.umask(0o022)
    try:
        db = open_database(path, migrate=False)
        migrate(db, stop_before=MIGRATION_NAMES[1])
        copy = migrate(db)
        db.close()
    finally:
        os.umask(old)
    assert copy is not None and stat.S_IMODE(copy.stat().st_mode) == 0o600


def test_the_projection_read_from_the_payload_is_the_records_projection(path: Path) -> None:
    import json

    from bedside.records import from_payload
    from bedside.records.codec import object_payload
    from bedside.store.projection import NoShortcut, projection_from_payload, projection_row

    conn = plain_connection(path)
    rows = conn.execute(f"SELECT {', '.join(RECORD_COLUMNS)} FROM records").fetchall()
    conn.close()
    shortcut = 0
    fahrenheit = normal_adult_vitals(temperature=101.3, temperature_unit="F")
    # A V1 array, and the object an older Bedside stored a vitals set as.
    extra = [
        ("vitals", json.dumps(to_payload(fahrenheit))),
        ("vitals", json.dumps(object_payload(fahrenheit))),
    ]
    for kind, payload in [
        (dict(zip(RECORD_COLUMNS, r, strict=True))["kind"], r[10]) for r in rows
    ] + extra:
        data = json.loads(payload)
        envelope = {
            "record_id": "r",
            "patient_id": "p",
            "observed_at": "2026-11-20T10:00:00.000Z",
            "entered_at": "2026-11-20T10:00:00.000Z/0000/d",
        }
        slow = projection_row(from_payload(kind, data, check=False), supersedes=None, **envelope)
        try:
            fast = projection_from_payload(kind, data, **envelope)
        except NoShortcut:
            continue
        shortcut += 1
        assert fast == slow and list(fast[1]) == list(slow[1]), kind  # type: ignore[index]
    assert shortcut > len(rows) // 2
    # What the shortcut does not take, the record decides (its findings stay the record's).
    for kind, data in [
        ("vitals", {"hr": 80, "unknown": 1}),
        ("vitals", ["V1", *[None] * 16, 80]),
        ("vitals", ["V2", 80]),
        ("assessment", ["A1", 1]),
        ("assessment", {"crs_grade": 1}),
        ("note", {"text": "x"}),
    ]:
        with pytest.raises(NoShortcut):
            projection_from_payload(kind, data, **envelope)


def test_the_payload_scanner_reads_what_json_loads_reads() -> None:
    import json

    from bedside.store.verify import _loads

    texts = [
        '{"hr":80,"temperature":37.5}',
        '["A1",1,null,[2,[3]],"x"]',
        ' {"hr":80}',
        '{"hr":80} ',
        '{"hr":80}\n',
        '\ufeff{"hr":80}',
        '{"hr":80}x',
        '{"hr":80}{"hr":81}',
        '{"hr":80,"hr":81}',
        "[NaN, Infinity]",
        '"text"',
        "",
        "[1,",
        '{"hr":"\\ud800"}',
    ]
    for text in texts:
        try:
            want: tuple[str, object] = ("value", json.loads(text))
        except ValueError as err:
            want = ("error", str(err))
        try:
            got: tuple[str, object] = ("value", _loads(text))
        except ValueError as err:
            got = ("error", str(err))
        assert repr(got) == repr(want), text


def test_a_row_the_records_do_not_explain_is_found_in_each_projection(path: Path) -> None:
    from bedside.store.verify import PROJECTION_TABLES

    conn = plain_connection(path)
    for table in PROJECTION_TABLES:
        conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_insert")
        names = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        picked = ", ".join("'forged-' || record_id" if n == "record_id" else n for n in names)
        assert (
            conn.execute(
                f"INSERT INTO {table} ({', '.join(names)}) SELECT {picked} FROM {table} LIMIT 1"
            ).rowcount
            == 1
        )
    conn.close()
    verdict = verify_path(path)
    forged = {
        f.table: f.what for f in verdict.findings if (f.record_id or "").startswith("forged-")
    }
    assert forged == dict.fromkeys(PROJECTION_TABLES, "a row the records do not explain")


def test_a_second_row_for_one_record_is_found(path: Path) -> None:
    # The vitals table's key is (patient, time, record): nothing but verification stops a second row.
    conn = _untriggered(path, "vitals")
    conn.execute("DROP TRIGGER IF EXISTS vitals_no_insert")  # type: ignore[attr-defined]
    record_id, observed = conn.execute(  # type: ignore[attr-defined]
        "SELECT record_id, observed_at FROM vitals LIMIT 1"
    ).fetchone()
    names = [row[1] for row in conn.execute("PRAGMA table_info(vitals)")]  # type: ignore[attr-defined]
    moved = "2000-01-01T00:00:00.000000Z"
    picked = ", ".join(f"'{moved}'" if n == "observed_at" else n for n in names)
    conn.execute(  # type: ignore[attr-defined]
        f"INSERT INTO vitals ({', '.join(names)}) SELECT {picked} FROM vitals WHERE record_id = ?",
        [record_id],
    )
    conn.close()  # type: ignore[attr-defined]
    findings = [f for f in verify_path(path).findings if f.table == "vitals"]
    assert [(f.record_id, f.what) for f in findings] == [
        (record_id, f"the row differs from its record: observed_at is {moved!r}, "
         f"the record says {observed!r}")
    ]  # fmt: skip


def test_a_projection_of_a_kind_without_records_is_found(tmp_path: Path) -> None:
    from bedside.store.connection import transaction
    from bedside.store.log import Log
    from tests.support.ward_fixtures import ADULT_BORN, admission

    db = open_database(tmp_path / "ward.db", clock=ManualClock(START))
    with transaction(db):
        Log(db, ManualClock(START)).append(
            admission("P-1", ADULT_BORN, infusion_at=START),
            patient_id="P-1",
            observed_at=START,
            author="nurse.ada",
        )
    db.close()
    assert verify_path(tmp_path / "ward.db").ok
    conn = plain_connection(tmp_path / "ward.db")
    conn.execute(
        "INSERT INTO vitals (record_id, patient_id, observed_at, observed_s, hr) "
        "VALUES ('forged', 'P-1', '2026-01-01T00:00:00.000000Z', 0.0, 80)"
    )
    conn.close()
    findings = verify_path(tmp_path / "ward.db").findings
    assert [(f.table, f.record_id, f.what) for f in findings] == [
        ("vitals", "forged", "a row the records do not explain")
    ]


def test_the_structure_check_falls_back_to_the_callers_connection(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    import bedside.verify as verifying

    conn = _untriggered(path, "vitals")
    conn.execute(  # type: ignore[attr-defined]
        "UPDATE vitals SET hr = 61 WHERE record_id = (SELECT record_id FROM vitals LIMIT 1)"
    )
    conn.close()  # type: ignore[attr-defined]
    beside = verify_path(path)
    assert not beside.ok
    tried = []

    def unreadable(conn: sqlite3.Connection, *, full: bool) -> list[str]:
        tried.append(full)
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(verifying, "structure_rows", unreadable)
    assert verify_path(path) == beside
    assert tried == [True]
