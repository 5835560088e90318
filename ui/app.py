"""Builds every object of the app and wires them (STYLE rule 4): no singletons, no look-ups."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, QThreadPool, QTimer, QTranslator
from PySide6.QtWidgets import QApplication

from bedside.clinical.policy import DEFAULT_POLICY, SitePolicy
from bedside.clock import Clock
from bedside.ward import Ward
from bedside.workspace import open_service, open_ward_and_chart
from ui.alarm import Alarm
from ui.backups import BackupScheduler, BackupStatus
from ui.collector import GuiCollector
from ui.controller import WardController
from ui.history import HistoryView
from ui.lock import IdleWatch, Unlock
from ui.session import CurrentUser, ProvisionalUnlock, SessionUnlock
from ui.sync import SyncOverdueFlag, SyncScheduler, SyncStatusLabel
from ui.text import tr
from ui.theme import apply_theme
from ui.translations import ENGLISH, chosen_language, install
from ui.trends import TrendView
from ui.window import MainWindow
from ui.workers import WardFactory, WardWriter


def ward_factory(path: Path, clock: Clock, policy: SitePolicy) -> WardFactory:
    """Opens a new Ward on its own connection (each worker thread has its own)."""

    def open_ward() -> Ward:
        return open_service(path, clock=clock, policy=policy)

    return open_ward


@dataclass
class BedsideApp:
    """The objects of one running app."""

    qapp: QApplication
    window: MainWindow
    controller: WardController
    user: CurrentUser
    settings: QSettings
    writer: WardWriter
    alarm: Alarm
    translators: list[QTranslator]
    idle: IdleWatch
    backups: BackupScheduler
    collector: GuiCollector
    sync: SyncScheduler | None = None  # None: no hub set on this machine

    def _connect_signals(self) -> None:
        # the night theme, applied to the whole application and remembered by the window
        self.window.night_toggled.connect(self._on_window_night_toggled)
        # stop the workers before the connections go
        self.qapp.aboutToQuit.connect(self.shutdown)
        # a failed backup is also said in the status bar's message line
        self.backups.failed.connect(self._on_backups_failed)
        # the site policy changed while running: the idle lock, backups and sync take it at once
        self.controller.policy_changed.connect(self._on_controller_policy_changed)
        if self.sync is not None:
            # "Sync now" (Ward menu, F5); records from other machines refresh the board, the open
            # patient (its alert list), the banner and the alarm
            self.window.act_sync.triggered.connect(self.sync.sync_now)
            self.sync.ward_changed.connect(self.window.refresh_board)
            self.sync.ward_changed.connect(self.controller.refresh_policy)  # a policy_set pulled
            # the long-unsynced technical alert is said on the lock screen too (without details)
            self.sync.overdue_changed.connect(self.window.lock_screen.set_sync_overdue)
            # a save or a tick adds records waiting for the hub: counted again at once
            self.controller.recorded.connect(self.sync.recount)
            self.controller.tick_reported.connect(self.sync.recount)

    def _on_controller_policy_changed(self, policy: SitePolicy) -> None:
        self.idle.set_minutes(policy.idle_lock_min)
        self.backups.set_policy(policy)
        if self.sync is not None:
            self.sync.set_policy(policy)
        self.window.policy = policy  # the About box names the policy in force

    def _on_backups_failed(self, sentence: str) -> None:
        self.window.statusBar().showMessage(sentence, 60_000)

    def _on_window_night_toggled(self, night: bool) -> None:
        apply_theme(self.qapp, night)

    def shutdown(self) -> None:
        self.idle.stop()
        self.qapp.removeEventFilter(self.idle)
        self.alarm.raise_for([])  # silence: nothing sounds once the window is gone
        self.backups.stop()  # a backup under way finishes in the pool, which stop() waits for
        if self.sync is not None:
            self.sync.stop()  # an attempt under way finishes (a locked hub: its lock wait)
        for timer in self.window.findChildren(QTimer):  # a view's pending reload must not read
            timer.stop()  # the ward closed below (a trend view's after a pan)
        self.controller.stop()
        self.controller.ward.close()
        for t in self.translators:  # the next app of this process starts in its own language
            self.qapp.removeTranslator(t)


def build(
    qapp: QApplication,
    path: Path,
    clock: Clock,
    *,
    settings: QSettings,
    policy: SitePolicy = DEFAULT_POLICY,
    pool: QThreadPool | None = None,
    user: CurrentUser | None = None,
    unlock: Unlock | None = None,
    backup_folder: Path | None = None,
    hub_url: str | None = None,
    sync_pool: QThreadPool | None = None,
) -> BedsideApp:
    """The app on the ward database at `path` (created if new; the caller has opened it once).

    `unlock` checks a user id and PIN at the lock screen and returns the `Author` (or raises with the
    sentence to show); without it, `SessionUnlock`: the ward service's PIN check on a ward with users,
    `ProvisionalUnlock` (no PIN) on a ward without. Automatic backups go to
    `backup_folder` (default: `backups/` beside the database) once `app.backups.start(...)` is called.
    With `hub_url` the app syncs with that hub every `policy.sync_interval_s` once `app.sync.start()`
    is called, in `sync_pool` (default: a pool of one thread of its own, so that an attempt waiting on
    a slow or locked hub delays neither the alert check nor a backup).
    """
    try:
        translators = install(qapp, chosen_language(settings))  # before the first window is built
    except FileNotFoundError as err:  # a broken install: charting goes on, in English
        sys.stderr.write(f"bedside: {err}; starting in English.\n")
        translators = install(qapp, ENGLISH)
    # Python's cyclic garbage collector runs on the GUI thread only, from a timer, before any worker
    # thread starts: run automatically in the writer thread, it once deleted a dead window's objects
    # there and deadlocked with the GUI thread on Qt's signal-slot mutex and the GIL (ui/collector.py).
    collector = GuiCollector.install(qapp)
    factory = ward_factory(path, clock, policy)
    pool = pool or QThreadPool()
    ward, chart = open_ward_and_chart(path, clock=clock, policy=policy)  # the GUI thread's own
    # The policy in force: `policy` overlaid by the ward's policy_set records (read at start; a change
    # made while the app runs grades the next save at once, and the idle lock, backups and sync take
    # it when the controller sees it: after a save, a tick or a sync, see `policy_changed`).
    policy = ward.policy
    writer = WardWriter(factory)
    user = CurrentUser() if user is None else user
    controller = WardController(ward, writer, factory, user, pool)
    provisional: ProvisionalUnlock | None = None
    if unlock is None:
        # Issue 10: the PIN is checked by the ward service once the ward has users.
        provisional = ProvisionalUnlock(user)
        unlock = SessionUnlock(controller, provisional)
    elif isinstance(unlock, ProvisionalUnlock):
        provisional = unlock
    # Issue 10: the idle lock counts on the monotonic clock, so a wall-clock jump never locks early.
    idle = IdleWatch(clock.monotonic, policy.idle_lock_min)  # polls once `start()`ed (ui/main.py)
    qapp.installEventFilter(idle)
    apply_theme(qapp, settings.value("theme/night", False, type=bool))
    alarm = Alarm.from_settings(settings)
    trends = TrendView(chart, now=clock.now)
    history = HistoryView(chart)
    window = MainWindow(
        controller,
        user,
        settings,
        policy,
        str(path),
        alarm=alarm,
        trends=trends,
        history=history,
        unlock=unlock,
        idle=idle,
        lock_notice=tr(ProvisionalUnlock.NOTICE) if provisional else "",
    )
    if provisional is not None:
        provisional.dialog_parent = window
    backups = BackupScheduler(path, policy, clock.now, pool, folder=backup_folder)
    window.statusBar().addPermanentWidget(BackupStatus(backups, window))
    sync: SyncScheduler | None = None
    if hub_url:
        if sync_pool is None:
            sync_pool = QThreadPool()
            sync_pool.setMaxThreadCount(1)
        sync = SyncScheduler(path, hub_url, policy, clock, sync_pool, count_pool=pool)
        window.act_sync.setEnabled(True)
        window.add_flag(SyncOverdueFlag(sync, policy.zone, window))
    # The sync line first (leftmost of the permanent widgets), with the room that is left.
    window.statusBar().insertPermanentWidget(0, SyncStatusLabel(sync, policy.zone, window), 1)
    app = BedsideApp(
        qapp,
        window,
        controller,
        user,
        settings,
        writer,
        alarm,
        translators,
        idle,
        backups,
        collector,
        sync,
    )
    app._connect_signals()
    return app
