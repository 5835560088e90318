"""The app's automatic backups and its start-up recovery (issue 10): a verified backup at the policy's
interval in the pool (never the GUI thread) with its time in the status bar; a failure shown; at start a
damaged file offered its newest verified backup with the records a restore cannot bring back."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QLabel

from bedside.backup import list_backups, make_backup
from bedside.clinical.policy import SitePolicy
from bedside.clock import ManualClock
from bedside.store.connection import open_database
from bedside.verify import verify_path
from bedside.ward import Ward
from tests.support.charted_ward import ADULT, build, copy_database, plain_connection
from tests.support.ward_fixtures import NURSE, START, normal_adult_vitals
from ui import backups as backups_module
from ui import main as entry
from ui.backups import BackupScheduler, BackupStatus
from ui.recovery import RecoveryDialog, lost_lines, offer_text


@pytest.fixture(scope="module")
def charted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("charted") / "ward.db"
    build(path, sets=2).ward  # noqa: B018 (built for its file)
    return path


@pytest.fixture
def path(charted: Path, tmp_path: Path) -> Path:
    return copy_database(charted, tmp_path / "ward.db")


def _damage(path: Path) -> None:
    conn = plain_connection(path)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'vitals_no_update'").fetchone()[
        0
    ]
    conn.execute("DROP TRIGGER vitals_no_update")
    conn.execute("UPDATE vitals SET hr = 61 WHERE hr > 0")
    conn.execute(sql)
    conn.close()


def _chart_more(path: Path, clock: ManualClock, n: int) -> None:
    db = open_database(path, clock=clock)
    ward = Ward(db, clock=clock)
    for _ in range(n):
        clock.advance(timedelta(minutes=15))
        ward.chart_vitals(ADULT, normal_adult_vitals(), observed_at=clock.now(), author=NURSE)
    db.close()


def test_the_app_backs_up_in_the_pool_and_shows_the_time(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = ward_app.app
    status = app.window.findChild(QLabel, "backup_status")
    assert status is not None and status.text() == "Backup: none yet"
    threads: list[bool] = []
    real = backups_module.back_up

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    backups_module.back_up = spy  # type: ignore[assignment]
    try:
        with qtbot.waitSignal(app.backups.succeeded, timeout=60_000) as done:
            app.backups.start()  # no backup yet: one at once
        assert app.backups.back_up_now() is True  # a second may follow
        assert app.backups.back_up_now() is False  # never two at a time
        qtbot.waitUntil(lambda: not app.backups._busy, timeout=60_000)
    finally:
        backups_module.back_up = real  # type: ignore[assignment]
    assert threads == [False, False]  # never on the GUI thread
    result = done.args[0]
    assert result.verdict.ok and result.backup.path.parent == ward_app.path.parent / "backups"
    assert "Last backup: " in status.text() and ", verified" in status.text()
    assert len(list_backups(ward_app.path.parent / "backups", ward_app.path)) == 2


def test_a_recent_backup_waits_for_the_interval(qapp, qtbot, path: Path) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock(START)
    make_backup(path, path.parent / "backups", keep=3, now=clock.now())
    clock.advance(timedelta(minutes=30))
    policy = SitePolicy(backup_interval_min=60)
    scheduler = BackupScheduler(path, policy, clock.now, QThreadPool())
    status = BackupStatus(scheduler)
    qtbot.addWidget(status)
    scheduler.start()
    assert not scheduler._busy and scheduler._timer.interval() == 3_600_000
    assert status.text().startswith("Last backup: ") and "verified when taken" in status.text()
    scheduler.stop()
    clock.advance(timedelta(minutes=31))
    scheduler.start()
    assert scheduler._busy
    qtbot.waitUntil(lambda: not scheduler._busy, timeout=60_000)
    scheduler.stop()


def test_a_failed_backup_is_shown_in_the_status_bar(
    qapp, qtbot, path: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock(START)
    folder = tmp_path / "unplugged" / "backups"
    scheduler = BackupScheduler(path, SitePolicy(), clock.now, QThreadPool(), folder=folder)
    status = BackupStatus(scheduler)
    qtbot.addWidget(status)
    with qtbot.waitSignal(scheduler.failed, timeout=60_000) as failed:
        scheduler.start()
    assert "does not exist (is the disk connected?)" in failed.args[0]
    assert status.text().startswith("BACKUP FAILED: the backup folder ")
    scheduler.stop()


# --- at start, a damaged file -------------------------------------------------------------------------


def test_a_damaged_file_is_offered_its_newest_backup_and_the_lost_records(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = ManualClock(START + timedelta(days=1))
    backup = make_backup(path, path.parent / "backups", keep=3, now=clock.now())
    _chart_more(path, clock, 2)
    _damage(path)
    before = path.read_bytes()
    offers = []

    def decline(offer: object) -> bool:
        offers.append(offer)
        return False

    assert entry.recover(path, "the database is damaged.", clock, ask=decline) is False
    (offer,) = offers
    assert offer.backup.path == backup.backup.path  # type: ignore[attr-defined]
    lost = offer.lost.records  # type: ignore[attr-defined]
    assert len(lost) >= 2 and {r.kind for r in lost} >= {"vitals"}
    assert path.read_bytes() == before  # declined: nothing changed
    lines = lost_lines(offer)  # type: ignore[arg-type]
    assert len(lines) == len(lost) and all(r.record_id in " ".join(lines) for r in lost)
    assert f"bedside restore --db {path} --from {backup.backup.path}" in offer_text(offer)  # type: ignore[arg-type]

    assert entry.recover(path, "the database is damaged.", clock, ask=lambda offer: True) is True
    assert verify_path(path).ok
    aside = [p for p in path.parent.glob("ward.db.replaced-*") if p.name.endswith("Z")]
    assert len(aside) == 1 and aside[0].read_bytes() == before  # kept, not deleted
    assert "Restored " in capsys.readouterr().err


def test_without_a_window_the_offer_goes_to_stderr(
    path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(START + timedelta(days=1))
    backup = make_backup(path, path.parent / "backups", keep=3, now=clock.now())
    _chart_more(path, clock, 1)
    _damage(path)
    before = path.read_bytes()
    monkeypatch.setattr(entry, "_run_qt", lambda *args: pytest.fail("charted into a damaged file"))
    assert entry.main(["--db", str(path)]) == 2  # offscreen: no dialog can be answered
    err = capsys.readouterr().err
    assert "is damaged" in err and "hr is 61" in err
    assert f"--from {backup.backup.path}" in err and "  lost: " in err
    assert "Traceback" not in err
    assert path.read_bytes() == before


def test_no_backup_says_so_and_changes_nothing(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _damage(path)
    before = path.read_bytes()
    clock = ManualClock(START)
    assert entry.recover(path, "the database is damaged.", clock, ask=None) is False
    assert "There is no verified backup of it in " in capsys.readouterr().err
    assert path.read_bytes() == before


def test_the_dialog_shows_the_offer_and_quit_is_the_default(qtbot, path: Path) -> None:  # type: ignore[no-untyped-def]
    from bedside.workspace import recovery_offer

    clock = ManualClock(START + timedelta(days=1))
    make_backup(path, path.parent / "backups", keep=3, now=clock.now())
    _chart_more(path, clock, 1)
    _damage(path)
    offer = recovery_offer(path, "the database is damaged.")
    dialog = RecoveryDialog(offer)
    qtbot.addWidget(dialog)
    assert dialog.restore_button is not None
    assert "will not chart into this file" in dialog.problem.text()
    assert dialog.lost.toPlainText().count("\n") + 1 == len(offer.lost.records)  # type: ignore[union-attr]
    quit_button = dialog.findChild(object, "recovery_quit")
    assert quit_button is not None and quit_button.isDefault()
