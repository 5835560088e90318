"""The site policy read live (issue 10): a policy_set saved here, written by another program on this
machine (`bedside policy set`), or received by sync changes the idle lock, the backup interval and the
sync interval of the running app, with no restart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import QApplication

from bedside.clock import ManualClock
from bedside.staff import Author, Role
from bedside.store.connection import open_database
from bedside.ward import Ward
from tests.support.hubs import HubPlace
from tests.support.ward_fixtures import NURSE, START, recorded
from tests.ui.test_sync_status import make_app, sync_now  # noqa: F401 (the fixture)
from ui.app import BedsideApp, build
from ui.translations import ENGLISH, SETTING

IT_ADMIN = Author("it.admin", Role.ADMIN)  # a ward without users: the role is taken as given


@pytest.fixture
def running(qapp: QApplication, qtbot, tmp_path: Path) -> Iterator[tuple[BedsideApp, ManualClock]]:  # type: ignore[no-untyped-def]
    clock = ManualClock(START)
    path = tmp_path / "ward.db"
    open_database(path, clock=clock).conn.close()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue(SETTING, ENGLISH)
    app = build(
        qapp, path, clock, settings=settings, pool=QThreadPool(), backup_folder=tmp_path / "bk"
    )
    qtbot.addWidget(app.window)
    app.user.sign_in(NURSE)
    yield app, clock
    app.shutdown()


def set_here(app: BedsideApp, qtbot, **settings: object) -> None:  # type: ignore[no-untyped-def]
    """An admin's policy_set saved by this app (through the writer thread, as every save)."""
    app.user.sign_in(IT_ADMIN)
    with qtbot.waitSignal(app.controller.policy_changed, timeout=20_000):
        app.controller.submit(
            "policy",
            "",
            lambda author: (
                lambda ward: ward.set_policy(settings, reason="ward decision", author=author)
            ),
        )
    app.user.sign_in(NURSE)


def test_a_policy_set_saved_here_changes_the_idle_lock_at_once(running, qtbot) -> None:  # type: ignore[no-untyped-def]
    app, clock = running
    assert app.idle.limit_s == 5 * 60
    set_here(app, qtbot, idle_lock_min=2)
    assert app.idle.limit_s == 2 * 60 and app.window.policy.idle_lock_min == 2
    app.idle.reset()
    clock.advance(timedelta(minutes=2) - timedelta(seconds=1))
    assert not app.idle.check() and not app.window.locked
    clock.advance(timedelta(seconds=1))  # 2 min without input: locked, not at 5
    assert app.idle.check() and app.window.locked


def test_a_change_by_another_program_reaches_the_backup_timer_at_the_next_tick(
    running, qtbot
) -> None:  # type: ignore[no-untyped-def]
    app, clock = running
    backups = app.backups
    with qtbot.waitSignal(backups.succeeded, timeout=30_000):
        backups.start()  # no backup yet: one at once
    assert backups._timer.interval() == 60 * 60_000  # the default: 60 min
    clock.advance(timedelta(minutes=10))
    # `bedside policy set` on this machine: its own connection, not the app's.
    db = open_database(backups.path, clock=clock)
    recorded(
        Ward(db, clock=clock).set_policy(
            {"backup_interval_min": 15}, reason="more often", author=IT_ADMIN
        )
    )
    db.conn.close()
    with qtbot.waitSignal(app.controller.policy_changed, timeout=20_000):
        app.controller.tick()  # the minute's tick
    assert backups.policy.backup_interval_min == 15
    # 15 min after the backup taken 10 min ago: the next in 5 min, then every 15.
    assert backups._timer.isActive() and backups._timer.interval() == 5 * 60_000
    with qtbot.waitSignal(backups.succeeded, timeout=30_000):
        backups._timer.timeout.emit()  # as when the 5 min are up
    assert backups._timer.interval() == 15 * 60_000
    # A shorter interval than the time since the last backup: one at once.
    clock.advance(timedelta(minutes=10))
    with qtbot.waitSignal(backups.succeeded, timeout=30_000):
        set_here(app, qtbot, backup_interval_min=5)
    assert backups._timer.interval() == 5 * 60_000


def test_a_policy_set_received_by_sync_changes_the_idle_lock_and_sync_interval(
    make_app,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
    qtbot,
) -> None:  # type: ignore[no-untyped-def]
    hub = HubPlace("sqlite", tmp_path)
    hub.open(create=True).close()
    clock = ManualClock(START)
    a = make_app("a", hub.url, clock)
    b = make_app("b", hub.url, clock)
    changes = {"idle_lock_min": 3, "sync_interval_s": 120}
    recorded(a.controller.ward.set_policy(changes, reason="ward decision", author=IT_ADMIN))
    sync_now(a, qtbot)
    assert b.idle.limit_s == 5 * 60
    with qtbot.waitSignal(b.controller.policy_changed, timeout=60_000):
        sync_now(b, qtbot)
    assert b.idle.limit_s == 3 * 60 and b.window.policy.idle_lock_min == 3
    assert b.sync is not None and b.sync._timer.interval() == 120_000
    assert b.sync.policy.sync_interval_s == 120
