"""Builds every object of the app and wires them (STYLE rule 4): no singletons, no look-ups."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import QApplication

from bedside.clinical.policy import DEFAULT_POLICY, SitePolicy
from bedside.clock import Clock
from bedside.ward import Ward
from bedside.workspace import open_service, open_ward_and_chart
from ui.alarm import Alarm
from ui.backups import BackupScheduler, BackupStatus
from ui.controller import WardController
from ui.history import HistoryView
from ui.session import CurrentUser
from ui.theme import apply_theme
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
    backups: BackupScheduler

    def _connect_signals(self) -> None:
        # the night theme, applied to the whole application and remembered by the window
        self.window.night_toggled.connect(self._on_window_night_toggled)
        # stop the workers before the connections go
        self.qapp.aboutToQuit.connect(self.shutdown)
        # a failed backup is also said in the status bar's message line
        self.backups.failed.connect(self._on_backups_failed)

    def _on_backups_failed(self, sentence: str) -> None:
        self.window.statusBar().showMessage(sentence, 60_000)

    def _on_window_night_toggled(self, night: bool) -> None:
        apply_theme(self.qapp, night)

    def shutdown(self) -> None:
        self.alarm.raise_for([])  # silence: nothing sounds once the window is gone
        self.backups.stop()  # a backup under way finishes in the pool, which stop() waits for
        self.controller.stop()
        self.controller.ward.close()


def build(
    qapp: QApplication,
    path: Path,
    clock: Clock,
    *,
    settings: QSettings,
    policy: SitePolicy = DEFAULT_POLICY,
    pool: QThreadPool | None = None,
    backup_folder: Path | None = None,
) -> BedsideApp:
    """The app on the ward database at `path` (created if new; the caller has opened it once).
    Automatic backups go to `backup_folder` (default: `backups/` beside the database) once
    `app.backups.start(...)` is called."""
    factory = ward_factory(path, clock, policy)
    pool = pool or QThreadPool()
    ward, chart = open_ward_and_chart(path, clock=clock, policy=policy)  # the GUI thread's own
    writer = WardWriter(factory)
    user = CurrentUser()
    controller = WardController(ward, writer, factory, user, pool)
    apply_theme(qapp, settings.value("theme/night", False, type=bool))
    alarm = Alarm.from_settings(settings)
    trends = TrendView(chart, now=clock.now)
    history = HistoryView(chart)
    window = MainWindow(
        controller, user, settings, policy, str(path), alarm=alarm, trends=trends, history=history
    )
    backups = BackupScheduler(path, policy, clock.now, pool, folder=backup_folder)
    window.statusBar().addPermanentWidget(BackupStatus(backups, window))
    app = BedsideApp(qapp, window, controller, user, settings, writer, alarm, backups)
    app._connect_signals()
    return app
