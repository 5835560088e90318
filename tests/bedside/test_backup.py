"""Backups and restore (issue 10): verified before they count, owner-only, the oldest replaced only by a
good one, a damaged source never replacing a good backup; restore verifies, refuses a database another
program holds, keeps the replaced file; `bedside backup` and `bedside restore` speak in one line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bedside.backup import (
    BackupError,
    check_policy,
    list_backups,
    make_backup,
    newest_verified,
    restore,
    unrecoverable_records,
)
from bedside.clinical.policy import SitePolicy
from bedside.clock import ManualClock
from bedside.store.connection import StorageProblem, open_database
from bedside.verify import verify_path
from bedside.ward import Ward
from tests.support.charted_ward import ADULT, build, copy_database, plain_connection
from tests.support.ward_fixtures import NURSE, normal_adult_vitals

NOW = datetime(2026, 12, 2, 20, 30, 5, 123456, tzinfo=UTC)


@pytest.fixture(scope="module")
def charted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("charted") / "ward.db"
    build(path, sets=4).ward  # noqa: B018 (built for its file)
    return path


@pytest.fixture
def path(charted: Path, tmp_path: Path) -> Path:
    (tmp_path / "ward").mkdir()
    return copy_database(charted, tmp_path / "ward" / "ward.db")


def _count(path: Path) -> int:
    conn = plain_connection(path)
    try:
        return int(conn.execute("SELECT count(*) FROM records").fetchone()[0])
    finally:
        conn.close()


def _chart_more(path: Path, n: int) -> None:
    clock = ManualClock(NOW + timedelta(hours=1))
    db = open_database(path, clock=clock)
    ward = Ward(db, clock=clock)
    for _ in range(n):
        clock.advance(timedelta(minutes=15))
        ward.chart_vitals(ADULT, normal_adult_vitals(), observed_at=clock.now(), author=NURSE)
    db.close()


def _damage(path: Path) -> None:
    # An edit with the trigger put back as it was: only the verification can tell.
    conn = plain_connection(path)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'vitals_no_update'").fetchone()[
        0
    ]
    conn.execute("DROP TRIGGER vitals_no_update")
    conn.execute("UPDATE vitals SET hr = 60 WHERE hr > 0")
    conn.execute(sql)
    conn.close()


def test_a_backup_is_verified_named_by_utc_time_and_owner_only(path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "other-disk" / "backups"
    folder.parent.mkdir()
    result = make_backup(path, folder, keep=3, now=NOW)
    assert result.verdict.ok and result.verdict.records == _count(path)
    assert result.backup.path.name == "ward.backup-20261202T203005.123Z.db"
    assert result.backup.taken_at == NOW.replace(microsecond=123000)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(result.backup.path.stat().st_mode) == 0o600
    assert os.listdir(folder) == [result.backup.path.name]  # one file, no WAL, no partial
    assert verify_path(result.backup.path).ok
    assert [b.path for b in list_backups(folder, path)] == [result.backup.path]


def test_each_new_backup_replaces_the_oldest_beyond_the_number_kept(
    path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    taken = [make_backup(path, folder, keep=2, now=NOW + timedelta(hours=h)) for h in range(4)]
    kept = list_backups(folder, path)
    assert [b.path for b in kept] == [taken[3].backup.path, taken[2].backup.path]
    assert taken[2].removed == (taken[0].backup.path,)
    assert taken[3].removed == (taken[1].backup.path,)
    same_moment = make_backup(path, folder, keep=5, now=NOW + timedelta(hours=3))
    assert same_moment.backup.path.name.endswith("Z-2.db")
    assert list_backups(folder, path)[0].path == same_moment.backup.path


def test_a_damaged_source_never_replaces_a_good_backup(path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    good = make_backup(path, folder, keep=1, now=NOW)
    _damage(path)
    with pytest.raises(BackupError) as raised:
        make_backup(path, folder, keep=1, now=NOW + timedelta(hours=1))
    assert raised.value.problem is StorageProblem.DAMAGED
    sentence = raised.value.sentence()
    assert "failed verification" in sentence and "deleted" in sentence and "hr is 60" in sentence
    assert os.listdir(folder) == [good.backup.path.name]  # the good one kept, the bad one gone
    assert verify_path(good.backup.path).ok


def test_a_missing_parent_folder_is_refused_not_made(path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "unmounted-disk" / "backups"
    with pytest.raises(BackupError) as raised:
        make_backup(path, folder, keep=3, now=NOW)
    assert raised.value.problem is StorageProblem.MISSING
    assert "does not exist (is the disk connected?)" in raised.value.sentence()
    assert not folder.parent.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_is_one_sentence_and_nothing_is_left(path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(BackupError) as raised:
            make_backup(path, folder, keep=3, now=NOW)
        assert raised.value.problem is StorageProblem.NO_PERMISSION
        assert f"the backup folder {folder} may not be written" in raised.value.sentence()
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o700)


def test_a_full_disk_is_one_sentence_and_the_partial_copy_is_removed(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bedside.backup as backup_module

    folder = tmp_path / "backups"
    make_backup(path, folder, keep=3, now=NOW)
    real = backup_module._sync_file

    def full(target: Path) -> None:
        real(target)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup_module, "_sync_file", full)
    with pytest.raises(BackupError) as raised:
        make_backup(path, folder, keep=1, now=NOW + timedelta(hours=1))
    assert raised.value.problem is StorageProblem.DISK_FULL
    assert "is on a full disk" in raised.value.sentence()
    assert len(os.listdir(folder)) == 1  # the earlier backup, and nothing partial


def test_restore_puts_the_backup_back_and_keeps_the_replaced_file(
    path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    taken = make_backup(path, folder, keep=3, now=NOW)
    before = _count(path)
    _chart_more(path, 3)
    charted = _count(path)
    assert charted > before
    result = restore(path, taken.backup.path, now=NOW + timedelta(hours=2))
    assert result.records == before == _count(path)
    assert result.newest_entered_at is not None and result.newest_entered_at.endswith("Z")
    assert result.kept_aside is not None and result.kept_aside.exists()
    assert result.kept_aside.name == "ward.db.replaced-20261202T223005.123Z"
    assert _count(result.kept_aside) == charted  # nothing deleted
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert verify_path(path).ok and verify_path(taken.backup.path).ok
    # The restored file opens for charting (WAL again) and charts on.
    _chart_more(path, 1)
    assert verify_path(path).ok


def test_restore_refuses_a_database_another_program_holds_open(path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    taken = make_backup(path, folder, keep=3, now=NOW)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute('SELECT count(*) FROM records').fetchone(); print('open', flush=True); "
            "sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        with pytest.raises(BackupError) as raised:
            restore(path, taken.backup.path, now=NOW)
        assert raised.value.problem is StorageProblem.LOCKED
        assert "is open in another program" in raised.value.sentence()
        assert sorted(os.listdir(path.parent)) == ["ward.db", "ward.db-shm", "ward.db-wal"]
    finally:
        holder.communicate("")
    restore(path, taken.backup.path, now=NOW)  # closed: it goes through


def test_restore_refuses_a_backup_that_does_not_verify(path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    taken = make_backup(path, folder, keep=3, now=NOW)
    _damage(taken.backup.path)
    before = path.read_bytes()
    with pytest.raises(BackupError) as raised:
        restore(path, taken.backup.path, now=NOW)
    assert raised.value.problem is StorageProblem.DAMAGED
    assert "nothing was restored" in raised.value.sentence()
    assert path.read_bytes() == before
    assert newest_verified(folder, path) is None


def test_newest_verified_skips_a_backup_damaged_since(path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    older = make_backup(path, folder, keep=3, now=NOW)
    newer = make_backup(path, folder, keep=3, now=NOW + timedelta(hours=1))
    _damage(newer.backup.path)
    found = newest_verified(folder, path)
    assert found is not None and found[0].path == older.backup.path


def test_the_records_a_restore_cannot_recover_are_listed(path: Path, tmp_path: Path) -> None:
    taken = make_backup(path, tmp_path / "backups", keep=3, now=NOW)
    _chart_more(path, 2)
    _damage(path)
    lost = unrecoverable_records(path, taken.backup.path)
    assert lost.complete
    kinds = sorted({r.kind for r in lost.records})
    assert len(lost.records) >= 2 and "vitals" in kinds
    assert all(r.patient_id == ADULT for r in lost.records if r.kind == "vitals")
    assert unrecoverable_records(taken.backup.path, taken.backup.path).records == ()


def test_the_backup_policy_is_checked_naming_the_setting() -> None:
    check_policy(SitePolicy())
    with pytest.raises(ValueError, match="backup_interval_min: 0 must be"):
        check_policy(SitePolicy(backup_interval_min=0))
    with pytest.raises(ValueError, match="backup_keep: 0 must be"):
        check_policy(SitePolicy(backup_keep=0))
    with pytest.raises(ValueError, match=r"backup_keep: 2\.5 must be"):
        check_policy(SitePolicy(backup_keep=2.5))  # type: ignore[arg-type]


# --- the commands ------------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bedside.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_bedside_backup_list_and_restore(path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "usb" / "bedside"
    folder.parent.mkdir()
    done = _cli("backup", "--db", str(path), "--to", str(folder))
    assert done.returncode == 0 and done.stderr == "", done
    assert done.stdout.startswith("bedside backup: ") and ": verified, " in done.stdout
    (made,) = list_backups(folder, path)
    listed = _cli("backup", "--db", str(path), "--to", str(folder), "--list")
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[0].startswith("bedside backup: 1 backup of ")
    assert str(made.path) in listed.stdout and " UTC " in listed.stdout
    records = _count(path)
    _chart_more(path, 1)
    restored = _cli("restore", "--db", str(path), "--from", str(made.path))
    assert restored.returncode == 0 and restored.stderr == "", restored
    assert f": {records:,} records, the newest entered at 20" in restored.stdout
    assert "the file it replaced is kept as " in restored.stdout
    assert _count(path) == records


def test_bedside_backup_default_folder_is_beside_the_database(path: Path) -> None:
    done = _cli("backup", "--db", str(path), "--keep", "1")
    assert done.returncode == 0, done
    assert len(list_backups(path.parent / "backups", path)) == 1


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("backup", "--to", "{tmp}/gone/backups"), ("does not exist (is the disk connected?)",)),
        (("backup", "--to", "{db}"), ("is a file, not a folder",)),
        (("backup", "--keep", "0"), ("backup_keep: 0",)),
        (("restore", "--from", "{tmp}/nothing.db"), ("the backup", "does not exist")),
        (("restore", "--from", "{db}.txt"), ("is not a database",)),
    ],
)
def test_bedside_backup_and_restore_refuse_in_one_line(
    path: Path, tmp_path: Path, argv: tuple[str, ...], words: tuple[str, ...]
) -> None:
    (tmp_path / "ward.db.txt").write_text("not a database\n" * 100)
    args = [a.format(tmp=tmp_path, db=path) for a in argv]
    args = [args[0], "--db", str(path), *args[1:]]
    if args[0] == "restore" and args[-1].endswith(".txt"):
        args[-1] = str(tmp_path / "ward.db.txt")
    before = path.read_bytes()
    done = _cli(*args)
    assert done.returncode == 2 and done.stdout == "", done
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"bedside {args[0]}: ")
    for word in words:
        assert word in done.stderr, done.stderr
    assert path.read_bytes() == before


def test_bedside_backup_into_a_read_only_folder_is_one_line(path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            done = _cli("backup", "--db", str(path), "--to", str(folder))
        finally:
            folder.chmod(0o700)
        words: tuple[str, ...] = ("may not be written by this user",)
    else:
        from tests.bedside.test_cli_storage import _can_mount, run_on_read_only

        if not _can_mount():
            pytest.skip("as root a folder's mode does not stop writes; needs unshare -m to mount")
        done = run_on_read_only(folder, "backup", "--db", str(path), "--to", str(folder))
        words = ("is on a read-only location",)
    assert done.returncode == 2 and done.stdout == "", done
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"the backup folder {folder}" in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr
    assert os.listdir(folder) == []
