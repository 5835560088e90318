"""Storage trouble reaches people as one line and exit 2, never a traceback; `board` only ever reads.

Read-only locations are real ones: the tests run as root, whom chmod does not stop, so a subprocess runs
in its own mount namespace (`unshare -m`) with the folder bind-mounted read-only; in-process, SQLite's
`mode=ro` connection (what `open_read_only` uses) refuses the writes.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bedside.cli import DEMO_DATABASE_NAME, EXIT_INVALID, main
from bedside.store.connection import (
    StorageError,
    StorageProblem,
    StorageVersionError,
    classify,
    open_database,
    open_read_only,
    storage_error,
)
from bedside.store.migrations import MIGRATION_NAMES, SCHEMA_VERSION, migrate
from bedside.ward import Failed, Ward
from tests.support.ward_fixtures import (
    ADULT_BORN,
    CHILD_BORN,
    NURSE,
    admission,
    chart,
    make_ward,
    normal_adult_vitals,
    recorded,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The platform data folder, moved into the test's own folder."""
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    yield home / "bedside"


def ward_file(tmp_path: Path) -> Path:
    """A real ward database with two patients and some charting, closed."""
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN, baseline_ice=10), author=NURSE))
    recorded(fx.ward.admit(admission("C1", CHILD_BORN, baseline_capd=0), author=NURSE))
    recorded(chart(fx, "A1", temperature=38.6))
    recorded(chart(fx, "C1"))
    fx.close()
    return fx.path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_refusal(code: int, out: str, err: str, *words: str) -> str:
    assert code == EXIT_INVALID
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)
    return err


# --- what board refuses, and that it never writes --------------------------------------------------


def test_a_missing_file_is_refused_and_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "absent.db"
    one_line_refusal(*run_cli(capsys, "board", "--db", str(path)), str(path), "does not exist")
    assert not path.exists()


def test_an_empty_file_is_refused_and_left_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    err = one_line_refusal(*run_cli(capsys, "board", "--db", str(path)), str(path), "empty")
    assert "not a Bedside ward database" in err
    assert path.stat().st_size == 0


def test_a_text_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Handover: bed 4 febrile overnight, paracetamol at 02:00.\n" * 40)
    before = digest(path)
    err = one_line_refusal(*run_cli(capsys, "board", "--db", str(path)), str(path))
    assert "is not a database" in err and "check the --db path" in err
    assert digest(path) == before


def test_random_bytes_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "noise.db"
    path.write_bytes(os.urandom(8192))
    one_line_refusal(*run_cli(capsys, "board", "--db", str(path)), "is not a database")


def test_a_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one_line_refusal(*run_cli(capsys, "board", "--db", str(tmp_path)), "is a folder", "inside it")


def test_another_programs_database_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.close()
    one_line_refusal(*run_cli(capsys, "board", "--db", str(path)), "not a Bedside ward database")


def test_a_damaged_database_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = ward_file(tmp_path)
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'records'").fetchone()[0]
    conn.close()
    with path.open("r+b") as f:  # one page of the record log overwritten, as a bad sector would
        f.seek((root - 1) * page_size)
        f.write(b"\xa5" * page_size)
    err = one_line_refusal(*run_cli(capsys, "board", "--db", str(path)), str(path), "is damaged")
    assert "malformed" in err and "restore" in err


def test_an_old_schema_is_refused_and_not_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.db"
    db = open_database(path, migrate=False)
    migrate(db, stop_before=MIGRATION_NAMES[-1])
    db.conn.close()
    before = digest(path)
    err = one_line_refusal(*run_cli(capsys, "board", "--db", str(path)), str(path), "schema")
    assert "an older version of Bedside" in err and f"version {SCHEMA_VERSION - 1}," in err
    assert digest(path) == before
    assert not list(tmp_path.glob("*pre-migration*"))


def test_board_reads_a_ward_without_changing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ward_file(tmp_path)
    before = digest(path)
    code, out, err = run_cli(capsys, "board", "--db", str(path))
    assert code == 0 and err == ""
    assert f"| {path} | 2 patients" in out.splitlines()[0]
    assert "A1  Patient A1" in out and "C1  Patient C1" in out
    assert digest(path) == before


def test_the_read_only_connection_refuses_writes_and_the_ward_says_so(tmp_path: Path) -> None:
    from bedside.clock import ManualClock
    from tests.support.ward_fixtures import START

    path = ward_file(tmp_path)
    before = digest(path)
    clock = ManualClock(START)
    db = open_read_only(path)
    ward = Ward(db, clock=clock)  # no PRAGMA wal_autocheckpoint on it
    assert [row.patient_id for row in ward.board()] == ["A1", "C1"]
    result = ward.chart_vitals("A1", normal_adult_vitals(), observed_at=START, author=NURSE)
    assert isinstance(result, Failed) and result.reason is StorageProblem.READ_ONLY
    assert result.message.startswith("The record was not saved: the database is on a read-only")
    db.conn.close()
    assert digest(path) == before


# --- read-only locations, for real -------------------------------------------------------------------


def _can_mount() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        [
            "unshare",
            "-m",
            "sh",
            "-c",
            "mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp /tmp",
        ],
        capture_output=True,
        timeout=30,
    )
    return probe.returncode == 0


needs_mount_namespace = pytest.mark.skipif(
    not _can_mount(), reason="needs root and unshare -m (a private mount namespace)"
)


def run_on_read_only(
    folder: Path, *argv: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`bedside argv` in a private mount namespace where `folder` is mounted read-only."""
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'
    command = ["unshare", "-m", "sh", "-c", script, "sh", str(folder)]
    command += [sys.executable, "-m", "bedside.cli", *argv]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **(env or {})},
        timeout=120,
    )


def refused_by_process(done: subprocess.CompletedProcess[str], *words: str) -> str:
    assert done.returncode == EXIT_INVALID, (done.stdout, done.stderr)
    assert done.stdout == ""
    return one_line_refusal(done.returncode, "", done.stderr, *words)


@needs_mount_namespace
def test_board_reads_a_database_on_a_read_only_location(tmp_path: Path) -> None:
    folder = tmp_path / "mounted"
    folder.mkdir()
    path = ward_file(folder)
    before = digest(path)
    done = run_on_read_only(folder, "board", "--db", str(path))
    assert done.returncode == 0, done.stderr
    assert "2 patients" in done.stdout and done.stderr == ""
    assert digest(path) == before


@needs_mount_namespace
def test_a_database_with_a_wal_on_a_read_only_location_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "mounted"
    folder.mkdir()
    path = ward_file(folder)
    # A WAL left beside it (the app was writing when the disk was made read-only): SQLite cannot
    # read it without its shared-memory file, and reading the file alone could miss records.
    (folder / "ward.db-wal").write_bytes(b"")
    done = run_on_read_only(folder, "board", "--db", str(path))
    refused_by_process(done, str(path), "read-only location", "folder you may write to")


@needs_mount_namespace
def test_opening_for_writing_on_a_read_only_location_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "mounted"
    folder.mkdir()
    path = ward_file(folder)
    script = (
        "from bedside.store.connection import StorageError, StorageProblem, open_database\n"
        f"try:\n    open_database({str(path)!r})\n"
        "except StorageError as err:\n    print(err.problem.name, err.path)\n"
    )
    command = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", command, "sh", str(folder), sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.stdout.split() == ["READ_ONLY", str(path)], done.stderr


@needs_mount_namespace
def test_demo_onto_a_read_only_location_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "mounted"
    folder.mkdir()
    for target in (folder / "new.db", folder / "sub" / "new.db"):
        done = run_on_read_only(folder, "demo", "--db", str(target))
        refused_by_process(done, str(target), "read-only location")
    assert list(folder.iterdir()) == []


@needs_mount_namespace
def test_board_demo_with_a_read_only_data_folder_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".local" / "share").mkdir(parents=True)
    done = run_on_read_only(home, "board", "--demo", env={"HOME": str(home)})
    demo = home / ".local" / "share" / "bedside" / DEMO_DATABASE_NAME
    refused_by_process(done, str(demo), "read-only location")
    # and with an earlier demo file there, which cannot be removed
    (demo.parent).mkdir()
    demo.write_bytes(b"an earlier demo")
    done = run_on_read_only(home, "board", "--demo", env={"HOME": str(home)})
    refused_by_process(done, str(demo), "read-only location")


@needs_mount_namespace
def test_demo_onto_a_full_disk_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    """A real full disk: a 256 KiB tmpfs in a private mount namespace."""
    folder = tmp_path / "small"
    folder.mkdir()
    target = folder / "new.db"
    # Inside the namespace, list what is left on the small disk after the command (on stdout).
    script = 'mount -t tmpfs -o size=256k tmpfs "$1" && d="$1" && shift && "$@"; rc=$?; ls -A "$d"; exit $rc'
    command = ["unshare", "-m", "sh", "-c", script, "sh", str(folder)]
    command += [sys.executable, "-m", "bedside.cli", "demo", "--db", str(target)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    refused_by_process(done, str(target), "the disk is full", "free some disk space")
    # (refused_by_process checked that stdout, the listing of the small disk, is empty)


# --- the demo never writes into the ward database --------------------------------------------------


def test_demo_without_db_leaves_the_ward_database_alone(
    data_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_home.mkdir(parents=True)
    real = ward_file(data_home)
    before = digest(real)
    code, out, err = run_cli(capsys, "demo")
    assert code == 0 and err == ""
    demo = data_home / DEMO_DATABASE_NAME
    assert str(demo) in out and "5 patients" in out
    assert digest(real) == before
    patients = sqlite3.connect(demo).execute("SELECT count(DISTINCT patient_id) FROM patients")
    assert patients.fetchone()[0] == 5
    # Run again: the demo's own file is rebuilt, the ward's still untouched.
    assert run_cli(capsys, "demo")[0] == 0
    assert digest(real) == before


def test_demo_refuses_the_ward_database_path_even_when_absent(
    data_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = data_home / "ward.db"
    err = one_line_refusal(*run_cli(capsys, "demo", "--db", str(target)), "never writes there")
    assert str(target) in err and not target.exists()


def test_demo_refuses_an_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mine.db"
    path.write_text("keep me")
    one_line_refusal(*run_cli(capsys, "demo", "--db", str(path)), "exists", "another --db")
    assert path.read_text() == "keep me"


def test_board_without_a_ward_yet_points_to_the_demo(
    data_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = one_line_refusal(*run_cli(capsys, "board"), str(data_home / "ward.db"), "--demo")
    assert "no ward database yet" in err and not (data_home / "ward.db").exists()


def test_board_demo_still_works(data_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "board", "--demo")
    assert code == 0 and err == ""
    assert "5 patients" in out.splitlines()[0]
    assert not (data_home / "ward.db").exists()


# --- the environment's errors, classified --------------------------------------------------------------


def test_a_locked_database_is_classified_as_locked(tmp_path: Path) -> None:
    path = tmp_path / "lock.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as raised:
        other.execute("BEGIN IMMEDIATE")
    assert classify(raised.value) is StorageProblem.LOCKED
    error = storage_error(raised.value, path)
    assert error.problem is StorageProblem.LOCKED and error.path == path
    assert str(path) in error.sentence() and "close the other program" in error.sentence()
    holder.execute("ROLLBACK")
    holder.close()
    other.close()


def test_a_full_disk_fails_a_save_as_disk_full(tmp_path: Path) -> None:
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN, baseline_ice=10), author=NURSE))
    db = fx.db
    pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
    db.conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk full" (SQLITE_FULL)
    result = None
    for _ in range(50):  # until the file must grow
        before = db.conn.execute("SELECT count(*) FROM records").fetchone()[0]
        result = chart(fx, "A1", temperature=38.6)
        if isinstance(result, Failed):
            break
    assert isinstance(result, Failed), result
    assert result.reason is StorageProblem.DISK_FULL
    assert "disk is full" in result.message and "free some disk space" in result.message
    # Nothing of the failed save is left: not its record, not its assessment or alerts.
    assert db.conn.execute("SELECT count(*) FROM records").fetchone()[0] == before
    assert not db.conn.in_transaction


@pytest.mark.parametrize(
    ("error", "problem"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), StorageProblem.DISK_FULL),
        (OSError(errno.EROFS, "Read-only file system"), StorageProblem.READ_ONLY),
        (PermissionError(errno.EACCES, "Permission denied"), StorageProblem.NO_PERMISSION),
        (FileNotFoundError(errno.ENOENT, "No such file"), StorageProblem.MISSING),
        (IsADirectoryError(errno.EISDIR, "Is a directory"), StorageProblem.NOT_A_FILE),
        (OSError(errno.EIO, "Input/output error"), StorageProblem.IO_ERROR),
        (StorageVersionError("newer"), StorageProblem.INCOMPATIBLE),
        (StorageError("closed"), StorageProblem.BUG),
        (sqlite3.ProgrammingError("Cannot operate on a closed database."), StorageProblem.BUG),
        (KeyError("payload"), StorageProblem.BUG),
    ],
)
def test_errors_are_classified(error: BaseException, problem: StorageProblem) -> None:
    assert classify(error) is problem


def test_sqlite_result_codes_are_classified(tmp_path: Path) -> None:
    readonly = sqlite3.connect(f"file:{tmp_path / 'ro.db'}?mode=rwc", uri=True)
    readonly.execute("CREATE TABLE t (x)")
    readonly.close()
    conn = sqlite3.connect(f"file:{tmp_path / 'ro.db'}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as raised:
        conn.execute("INSERT INTO t VALUES (1)")
    conn.close()
    assert classify(raised.value) is StorageProblem.READ_ONLY
    with pytest.raises(sqlite3.IntegrityError) as constraint:
        c = sqlite3.connect(":memory:")
        c.execute("CREATE TABLE u (x NOT NULL)")
        c.execute("INSERT INTO u VALUES (NULL)")
    assert classify(constraint.value) is StorageProblem.BUG  # Bedside should have kept it


# --- a bug inside a write, and the tick ---------------------------------------------------------------


def test_a_bug_inside_a_write_is_logged_with_its_traceback_and_fails_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN, baseline_ice=10), author=NURSE))
    db = fx.db
    before = db.conn.execute("SELECT count(*) FROM records").fetchone()[0]

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("crs_grade")

    monkeypatch.setattr(fx.ward, "_grade_and_alert", broken)
    with caplog.at_level(logging.ERROR, logger="bedside.ward"):
        result = chart(fx, "A1", temperature=38.6)
    assert isinstance(result, Failed) and result.reason is StorageProblem.BUG
    assert "unexpected error" in result.message and "crs_grade" not in result.message
    [entry] = [r for r in caplog.records if r.exc_info]
    assert entry.exc_info is not None and entry.exc_info[0] is KeyError
    assert db.conn.execute("SELECT count(*) FROM records").fetchone()[0] == before  # rolled back
    assert not db.conn.in_transaction


def test_tick_checks_every_patient_and_names_the_one_it_could_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from datetime import timedelta

    fx = make_ward(tmp_path)
    for patient, born in (("A1", ADULT_BORN), ("A2", ADULT_BORN), ("C1", CHILD_BORN)):
        extra = {"baseline_ice": 10} if patient.startswith("A") else {"baseline_capd": 0}
        recorded(fx.ward.admit(admission(patient, born, **extra), author=NURSE))
        recorded(chart(fx, patient))
    fx.clock.advance(timedelta(hours=12))  # every patient's checks are now overdue
    real = fx.ward._tick_drafts

    def failing_for_a2(patient_id: str, now: object) -> object:
        if patient_id == "A2":
            raise sqlite3.OperationalError("database is locked")
        return real(patient_id, now)  # type: ignore[arg-type]

    monkeypatch.setattr(fx.ward, "_tick_drafts", failing_for_a2)
    with caplog.at_level(logging.ERROR, logger="bedside.ward"):
        ticked = fx.ward.tick()
    assert set(ticked.written) == {"A1", "C1"}  # the others were still checked and alerted
    assert set(ticked.failed) == {"A2"} and not ticked.ok
    assert ticked.failed["A2"].reason is StorageProblem.LOCKED
    assert "A2" in ticked.failed["A2"].message
    assert ticked.ward_failed is None
    monkeypatch.setattr(fx.ward, "_tick_drafts", real)
    again = fx.ward.tick()
    assert again.ok and set(again.written) == {"A2"}  # caught up once it can


def test_tick_says_when_the_ward_cannot_be_read(tmp_path: Path) -> None:
    fx = make_ward(tmp_path)
    fx.close()
    ticked = fx.ward.tick()
    assert ticked.written == {} and ticked.failed == {}
    assert ticked.ward_failed is not None and ticked.ward_failed.reason is StorageProblem.BUG


def test_an_unexpected_error_in_a_command_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import bedside.wardtext

    def broken(*args: object, **kwargs: object) -> str:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(bedside.wardtext, "render_board", broken)
    path = ward_file(tmp_path)
    code, out, err = run_cli(capsys, "board", "--db", str(path))
    one_line_refusal(code, out, err, "unexpected error", "bug", "ZeroDivisionError")
