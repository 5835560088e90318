"""The app's background sync (issue 9, BATTERY R9 "status never lies"): Sync now between two machines
through a real SQLite hub file, the status bar's truth when the hub is gone or locked, the last
successful time kept after a failure, the long-unsynced technical alert on a manual clock, and a GUI
thread that keeps running while the sync worker waits."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QLabel

from bedside.clinical.policy import SitePolicy
from bedside.clock import ManualClock
from bedside.store.connection import open_database
from bedside.sync.exchange import local_state
from bedside.ward import Ward
from tests.support.hubs import HubPlace
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    START,
    admission,
    normal_adult_vitals,
    recorded,
)
from ui.app import BedsideApp, build
from ui.main import chosen_hub
from ui.sync import HUB_SETTING, SyncScheduler
from ui.text import local_time
from ui.translations import ENGLISH, SETTING

Maker = Callable[..., BedsideApp]


@pytest.fixture
def hub(tmp_path: Path) -> HubPlace:
    place = HubPlace("sqlite", tmp_path)
    place.open(create=True).close()
    return place


@pytest.fixture
def make_app(qapp: QApplication, qtbot, tmp_path: Path) -> Iterator[Maker]:  # type: ignore[no-untyped-def]
    """Builds the real app on `<name>.db` with a hub; each is shut down at the end (or by the test)."""
    apps: list[BedsideApp] = []

    def make(
        name: str, hub_url: str | None, clock: ManualClock, policy: SitePolicy | None = None
    ) -> BedsideApp:
        path = tmp_path / f"{name}.db"
        open_database(path, clock=clock).conn.close()
        settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
        settings.setValue(SETTING, ENGLISH)
        app = build(
            qapp,
            path,
            clock,
            settings=settings,
            policy=policy or SitePolicy(),
            pool=QThreadPool(),
            hub_url=hub_url,
        )
        qtbot.addWidget(app.window)
        app.user.sign_in(NURSE)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.shutdown()


def label(app: BedsideApp) -> str:
    found = app.window.findChild(QLabel, "sync_status")
    assert found is not None
    return found.text()


def sync_now(app: BedsideApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Ward › Sync now (F5), then wait for the attempt's status."""
    sync = app.sync
    assert sync is not None
    with qtbot.waitSignal(sync.status_changed, timeout=60_000):
        app.window.act_sync.trigger()
    qtbot.waitUntil(lambda: not sync.busy and sync.status.attempted_at is not None, timeout=60_000)


def save(app: BedsideApp, qtbot, job) -> None:  # type: ignore[no-untyped-def]
    """A save through the controller and the writer thread, as a form does."""
    with qtbot.waitSignal(app.controller.recorded, timeout=30_000):
        app.controller.submit("test", "A100", lambda author: job)


def test_chart_on_a_sync_a_then_b_shows_a_s_record_on_b_s_board(make_app, hub, qtbot) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock(START)
    a = make_app("a", hub.url, clock)
    save(a, qtbot, lambda ward: ward.admit(admission("A100", ADULT_BORN), author=NURSE))
    assert "A100" in a.window.board_model.patient_ids()
    assert label(a).startswith("Sync: not tried yet")
    sync_now(a, qtbot)
    status = a.sync.status  # type: ignore[union-attr]
    assert status.all_synced and status.waiting == 0
    text = label(a)
    assert text.startswith("Hub reachable · ")
    assert f"last sync {local_time(clock.now(), None)}" in text
    assert "0 waiting to push · conflicts: 0" in text

    clock.advance(timedelta(minutes=5))
    b = make_app("b", hub.url, clock)
    assert "A100" not in b.window.board_model.patient_ids()
    sync_now(b, qtbot)
    assert "A100" in b.window.board_model.patient_ids()  # refreshed after the pull
    assert b.sync.status.pulled > 0  # type: ignore[union-attr]
    assert label(b).startswith("Hub reachable · ")


def test_records_pulled_refresh_the_open_patient_banner_and_alarm(make_app, hub, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A NEWS2 of 7 charted on A (a high-priority alert) reaches B's open patient view, its alert list,
    the banner and the alarm."""
    clock = ManualClock(START)
    a = make_app("a", hub.url, clock)
    save(a, qtbot, lambda ward: ward.admit(admission("A100", ADULT_BORN), author=NURSE))
    sync_now(a, qtbot)
    b = make_app("b", hub.url, clock)
    sync_now(b, qtbot)
    b.window.open_patient("A100")
    assert b.window.banner.alert is None
    assert not b.window.patient.summary.alerts  # type: ignore[union-attr]
    assert not b.window.alarm.pending

    clock.advance(timedelta(minutes=10))
    fever = normal_adult_vitals(temperature=39.2, hr=135, rr=26)  # NEWS2 1 + 3 + 3
    save(
        a,
        qtbot,
        lambda ward: ward.chart_vitals("A100", fever, observed_at=clock.now(), author=NURSE),
    )
    sync_now(a, qtbot)
    sync_now(b, qtbot)
    assert b.window.banner.alert is not None and b.window.banner.alert.patient_id == "A100"
    assert b.window.patient.summary.alerts  # type: ignore[union-attr]  # the open view's alert list
    assert [a.alert_id for a in b.window.patient.summary.alerts] == [  # type: ignore[union-attr]
        x.alert_id for x in a.controller.open_alerts("A100")
    ]
    assert [x.alert_id for x in b.window.alarm.pending] == [  # it sounds on B too
        x.alert_id for x in a.window.alarm.pending
    ]
    assert b.window.alarm.pending


def _charted_machine(tmp_path: Path, name: str, clock: ManualClock) -> int:
    """A machine with an admission and a vitals set; returns its records waiting for any hub."""
    db = open_database(tmp_path / f"{name}.db", clock=clock)
    ward = Ward(db, clock=clock)
    recorded(ward.admit(admission("A100", ADULT_BORN), author=NURSE))
    recorded(
        ward.chart_vitals("A100", normal_adult_vitals(), observed_at=clock.now(), author=NURSE)
    )
    waiting = local_state(db).waiting
    db.conn.close()
    return waiting


def test_a_save_after_a_sync_is_counted_as_waiting_before_the_next_attempt(  # type: ignore[no-untyped-def]
    make_app, hub, qtbot
) -> None:
    """R9: "0 waiting" is never left on screen once a save has added a record the hub lacks."""
    clock = ManualClock(START)
    a = make_app("a", hub.url, clock)
    save(a, qtbot, lambda ward: ward.admit(admission("A100", ADULT_BORN), author=NURSE))
    sync_now(a, qtbot)
    sync = a.sync
    assert sync is not None and sync.status.all_synced
    assert "· 0 waiting to push" in label(a)
    save(
        a,
        qtbot,
        lambda ward: ward.chart_vitals(
            "A100", normal_adult_vitals(), observed_at=clock.now(), author=NURSE
        ),
    )
    qtbot.waitUntil(lambda: not sync.status.all_synced, timeout=30_000)  # no attempt ran
    db = open_database(a.window.database, clock=clock)
    waiting = local_state(db).waiting
    db.conn.close()
    assert waiting > 0 and sync.status.waiting == waiting
    assert label(a).startswith("Hub reachable · ")  # what the last attempt found, still true
    assert f"· {waiting} waiting to push" in label(a)


def test_a_record_altered_at_the_hub_is_counted_as_a_conflict(make_app, hub, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A version B cannot accept (its content no longer matches its hash) is quarantined and counted."""
    clock = ManualClock(START)
    a = make_app("a", hub.url, clock)
    save(a, qtbot, lambda ward: ward.admit(admission("A100", ADULT_BORN), author=NURSE))
    save(
        a,
        qtbot,
        lambda ward: ward.chart_vitals(
            "A100", normal_adult_vitals(), observed_at=clock.now(), author=NURSE
        ),
    )
    sync_now(a, qtbot)
    tamper = sqlite3.connect(hub.url.removeprefix("sqlite:///"), isolation_level=None)
    tamper.execute("DROP TRIGGER hub_records_no_update")
    changed = tamper.execute(
        # the heart rate of the stored V1 array ["V1",37.0,0,80,...]
        "UPDATE hub_records SET payload = replace(payload, '37.0,0,80,', '37.0,0,81,') "
        "WHERE kind = 'vitals'"
    ).rowcount
    tamper.close()
    assert changed == 1
    b = make_app("b", hub.url, clock)
    sync_now(b, qtbot)
    assert b.sync.status.conflicts == 1  # type: ignore[union-attr]
    assert label(b).endswith("· conflicts: 1")


def test_an_unreachable_hub_shows_why_and_the_waiting_count_never_synced(  # type: ignore[no-untyped-def]
    make_app, tmp_path: Path, qtbot
) -> None:
    clock = ManualClock(START)
    waiting = _charted_machine(tmp_path, "a", clock)
    assert waiting > 0
    url = f"sqlite:///{tmp_path / 'no-such-folder' / 'hub.db'}"
    a = make_app("a", url, clock)
    sync_now(a, qtbot)
    status = a.sync.status  # type: ignore[union-attr]
    assert status.reachable is False and not status.all_synced
    text = label(a)
    first, why = text.split("\n")
    assert (
        first == f"Hub NOT REACHABLE · last sync never · {waiting} waiting to push · conflicts: 0"
    )
    assert why.startswith(f"Why: the hub {url} cannot be reached (no file there): ")
    assert "synced" not in text.replace("last sync", "")
    assert "Hub reachable" not in text


def test_a_failed_sync_still_shows_the_last_successful_time(make_app, hub, tmp_path, qtbot) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock(START)
    a = make_app("a", hub.url, clock)
    save(a, qtbot, lambda ward: ward.admit(admission("A100", ADULT_BORN), author=NURSE))
    sync_now(a, qtbot)
    synced_at = clock.now()
    clock.advance(timedelta(minutes=7))
    save(
        a,
        qtbot,
        lambda ward: ward.chart_vitals(
            "A100", normal_adult_vitals(), observed_at=clock.now(), author=NURSE
        ),
    )
    hub_file = Path(hub.url.removeprefix("sqlite:///"))
    hub_file.rename(tmp_path / "carried-away.db")  # the stick was taken out
    sync_now(a, qtbot)
    status = a.sync.status  # type: ignore[union-attr]
    assert status.last_sync_at == synced_at and not status.all_synced
    assert status.waiting is not None and status.waiting > 0
    text = label(a)
    assert text.startswith(
        f"Hub NOT REACHABLE · last sync {local_time(synced_at, None)} · {status.waiting} waiting "
        "to push · conflicts: 0\nWhy: the hub "
    )
    (tmp_path / "carried-away.db").rename(hub_file)  # back: the next sync pushes the waiting record
    sync_now(a, qtbot)
    assert a.sync.status.all_synced  # type: ignore[union-attr]
    assert label(a).startswith("Hub reachable · ")


def test_long_unsynced_raises_the_technical_alert_after_the_policy_minutes(  # type: ignore[no-untyped-def]
    make_app, hub, tmp_path, qtbot
) -> None:
    clock = ManualClock(START)
    policy = SitePolicy(sync_stale_alert_min=30)
    a = make_app("a", hub.url, clock, policy)
    sync = a.sync
    assert sync is not None
    flag = a.window.findChild(QLabel, "sync_overdue")
    assert flag is not None
    changes: list[object] = []
    sync.overdue_changed.connect(changes.append)
    sync_now(a, qtbot)  # succeeds at START
    hub_file = Path(hub.url.removeprefix("sqlite:///"))
    hub_file.rename(tmp_path / "away.db")
    clock.advance(timedelta(minutes=29, seconds=59))
    sync_now(a, qtbot)  # fails, 1 s before the policy's minutes
    assert sync.overdue is None and flag.isHidden() and changes == []
    clock.advance(timedelta(seconds=1))
    sync.check_overdue()  # the interval's check, also while no attempt ends
    alert = sync.overdue
    assert alert is not None and alert.since == START + timedelta(minutes=30)
    assert not flag.isHidden()
    assert flag.text().startswith(
        f"TECHNICAL ALERT (since {local_time(alert.since, None)}): no successful sync with the hub "
        f"since {local_time(START, None)}."
    )
    assert len(changes) == 1
    a.window.lock()  # said on the lock screen too, without the hub's address or any patient
    technical = a.window.lock_screen.technical
    assert not technical.isHidden() and technical.text().startswith("TECHNICAL ALERT: ")
    assert hub.url not in technical.text()
    a.window.lock_screen.unlocked.emit(NURSE)
    (tmp_path / "away.db").rename(hub_file)
    sync_now(a, qtbot)  # a successful sync ends it
    assert sync.overdue is None and flag.isHidden() and changes[-1] is None
    assert a.window.lock_screen.technical.isHidden()


def test_never_synced_counts_from_the_start_of_syncing(make_app, tmp_path, qtbot) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock(START)
    url = f"sqlite:///{tmp_path / 'missing' / 'hub.db'}"
    a = make_app("a", url, clock, SitePolicy(sync_stale_alert_min=10))
    sync = a.sync
    assert sync is not None
    sync_now(a, qtbot)  # the start of syncing: now
    clock.advance(timedelta(minutes=9, seconds=59))
    sync.check_overdue()
    assert sync.overdue is None
    clock.advance(timedelta(seconds=1))
    sync.check_overdue()
    assert sync.overdue is not None
    flag = a.window.findChild(QLabel, "sync_overdue")
    assert flag is not None and "no successful sync with the hub yet" in flag.text()


def test_the_window_runs_while_the_worker_waits_on_a_locked_hub(make_app, hub, qtbot) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock(START)
    a = make_app("a", hub.url, clock)
    save(a, qtbot, lambda ward: ward.admit(admission("A100", ADULT_BORN), author=NURSE))
    sync = a.sync
    assert sync is not None
    holder = sqlite3.connect(hub.url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another connection holds the hub
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    try:
        a.window.act_sync.trigger()
        assert sync.busy
        qtbot.waitUntil(lambda: len(ticks) >= 40, timeout=20_000)  # the event loop keeps going
        assert sync.busy  # the attempt still waits for the hub's lock
        assert label(a).startswith("Sync: first attempt under way")
        assert sync.sync_now() is False  # never two attempts at a time
        # the window still answers: a save goes through while the sync waits
        save(
            a,
            qtbot,
            lambda ward: ward.chart_vitals(
                "A100", normal_adult_vitals(), observed_at=clock.now(), author=NURSE
            ),
        )
        assert sync.busy
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        timer.stop()
    qtbot.waitUntil(lambda: not sync.busy, timeout=60_000)
    assert sync.status.all_synced and label(a).startswith("Hub reachable · ")


def test_no_hub_set_says_so_and_sync_now_is_off(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    a = make_app("a", None, ManualClock(START))
    assert a.sync is None
    assert label(a) == "Sync: off (no hub set on this machine)"
    assert not a.window.act_sync.isEnabled()


def test_the_hub_from_the_command_line_is_remembered_except_for_the_demo(tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert chosen_hub(None, settings, demo=False) is None
    assert chosen_hub("sqlite:///x/hub.db", settings, demo=False) == "sqlite:///x/hub.db"
    assert chosen_hub(None, settings, demo=False) == "sqlite:///x/hub.db"  # remembered
    assert chosen_hub(None, settings, demo=True) is None  # the demo never syncs with the ward's hub
    assert chosen_hub("sqlite:///d/hub.db", settings, demo=True) == "sqlite:///d/hub.db"
    assert settings.value(HUB_SETTING) == "sqlite:///x/hub.db"  # ...nor changes it
    assert chosen_hub("off", settings, demo=False) is None
    assert chosen_hub(None, settings, demo=False) is None  # forgotten


def test_sync_scheduler_attempt_runs_off_the_gui_thread(tmp_path: Path, hub, qtbot) -> None:  # type: ignore[no-untyped-def]
    import threading

    from ui import sync as sync_module

    clock = ManualClock(START)
    path = tmp_path / "w.db"
    open_database(path, clock=clock).conn.close()
    threads: list[bool] = []
    real = sync_module.sync_with_hub

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    sync_module.sync_with_hub = spy  # type: ignore[assignment]
    pool = QThreadPool()
    try:
        scheduler = SyncScheduler(path, hub.url, SitePolicy(), clock, pool)
        with qtbot.waitSignal(scheduler.status_changed, timeout=60_000):
            scheduler.start()
        qtbot.waitUntil(lambda: not scheduler.busy, timeout=60_000)
        scheduler.stop()
    finally:
        sync_module.sync_with_hub = real  # type: ignore[assignment]
    assert threads == [False]
    assert scheduler.status.all_synced
