"""Automatic backups while the app runs (issue 10): a verified backup at the site policy's interval, taken
in the thread pool (never on the GUI thread), and the status bar's "last backup" line.

The first backup runs at start when the newest one in the folder is older than the interval (or there is
none); then one every `SitePolicy.backup_interval_min`. Only one runs at a time; a failure is shown (the
sentence of `BackupError`) and the next interval tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from bedside.clinical.policy import SitePolicy
from bedside.workspace import BackupError, BackupResult, back_up, backup_folder, list_backups
from ui.text import tr

log = logging.getLogger(__name__)


class BackupSignals(QObject):
    """Signals of a backup task.

    Signals:
        done(object): the `BackupResult` of a backup taken and verified.
        failed(str): the backup was not taken (or did not verify); the sentence for the user.
    """

    done = Signal(object)
    failed = Signal(str)


class BackupTask(QRunnable):
    """One `workspace.back_up` on the pool's thread (its own connections)."""

    def __init__(self, run: Callable[[], BackupResult], signals: BackupSignals) -> None:
        super().__init__()
        self._run = run
        self.signals = signals

    def run(self) -> None:
        try:
            result = self._run()
        except BackupError as err:
            self.signals.failed.emit(err.sentence())
            return
        except Exception as err:  # a bug must not kill the pool's thread
            log.exception("backup failed")
            self.signals.failed.emit(
                tr(
                    "The backup was not taken: Bedside met an unexpected error ({0}): report it."
                ).format(type(err).__name__)
            )
            return
        self.signals.done.emit(result)


class BackupScheduler(QObject):
    """Runs a verified backup every `policy.backup_interval_min` minutes in `pool`.

    Signals:
        succeeded(object): a backup was taken and verified (`BackupResult`).
        failed(str): a backup was not taken; the sentence for the user.
        running(): a backup has started.
        found(object): at start, the time (UTC datetime) of the newest backup already in the folder.
    """

    succeeded = Signal(object)
    failed = Signal(str)
    running = Signal()
    found = Signal(object)

    def __init__(
        self,
        path: Path,
        policy: SitePolicy,
        now: Callable[[], datetime],
        pool: QThreadPool,
        *,
        folder: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.path = path
        self.folder = folder if folder is not None else backup_folder(path)
        self.policy = policy
        self._now = now
        self._pool = pool
        self._busy = False
        self.last: BackupResult | None = None
        self._signals = BackupSignals(self)
        self._newest: datetime | None = None  # the newest backup known (found at start or taken)
        self._timer = QTimer(self)
        self._timer.setInterval(_interval_ms(policy))
        self._connect_signals()

    def _connect_signals(self) -> None:
        self._timer.timeout.connect(self._on_timer_timeout)
        self._signals.done.connect(self._on_signals_done)
        self._signals.failed.connect(self._on_signals_failed)

    def start(self) -> None:
        """Start the interval; back up at once when the newest backup in the folder is older than the
        interval, or there is none."""
        try:
            found = list_backups(self.folder, self.path)
        except BackupError:
            found = []  # the backup itself will say what is wrong with the folder
        newest = found[0].taken_at if found else None
        if newest is not None:
            self._newest = newest
            self.found.emit(newest)
        self._timer.start()
        interval = timedelta(minutes=self.policy.backup_interval_min)
        if newest is None or self._now() - newest >= interval:
            self.back_up_now()

    def stop(self) -> None:
        self._timer.stop()

    def set_policy(self, policy: SitePolicy) -> None:
        """The site policy changed while the app runs: the next backup comes one new interval
        after the newest one (at once if that time has passed), then every new interval."""
        changed = policy.backup_interval_min != self.policy.backup_interval_min
        self.policy = policy
        if not changed:
            return
        if not self._timer.isActive():
            self._timer.setInterval(_interval_ms(policy))
            return
        if self._newest is None:
            remaining_ms = 0
        else:
            due = self._newest + timedelta(minutes=policy.backup_interval_min)
            remaining_ms = max(0, int((due - self._now()).total_seconds() * 1000))
        if remaining_ms == 0:
            self._timer.start(_interval_ms(policy))
            self.back_up_now()
        else:
            self._timer.start(remaining_ms)  # the first wait; each later one is the interval

    def _on_timer_timeout(self) -> None:
        self._timer.setInterval(_interval_ms(self.policy))
        self.back_up_now()

    def back_up_now(self) -> bool:
        """Queue a backup unless one is running; False when one is."""
        if self._busy:
            return False
        self._busy = True
        path, folder, policy, now = self.path, self.folder, self.policy, self._now()

        def run() -> BackupResult:
            return back_up(path, folder, policy=policy, now=now)

        self._pool.start(BackupTask(run, self._signals))
        self.running.emit()
        return True

    def _on_signals_done(self, result: BackupResult) -> None:
        self._busy = False
        self.last = result
        self._newest = result.backup.taken_at
        self.succeeded.emit(result)

    def _on_signals_failed(self, sentence: str) -> None:
        self._busy = False
        self.failed.emit(sentence)


def _interval_ms(policy: SitePolicy) -> int:
    return int(policy.backup_interval_min * 60_000)


class BackupStatus(QLabel):
    """The status bar's backup line: the last verified backup's local time, a backup under way, or
    why the last one failed (kept until the next succeeds)."""

    def __init__(self, scheduler: BackupScheduler, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backup_status")
        self._scheduler = scheduler
        self._earlier: str | None = None
        self.setText(tr("Backup: none yet"))
        self._connect_signals()

    def _connect_signals(self) -> None:
        self._scheduler.running.connect(self._on_scheduler_running)
        self._scheduler.succeeded.connect(self._on_scheduler_succeeded)
        self._scheduler.failed.connect(self._on_scheduler_failed)
        self._scheduler.found.connect(self._on_scheduler_found)

    def _on_scheduler_found(self, taken_at: datetime) -> None:
        self._earlier = f"{taken_at.astimezone(self._scheduler.policy.zone):%Y-%m-%d %H:%M}"
        self.setText(tr("Last backup: {0}, verified when taken").format(self._earlier))

    def _on_scheduler_running(self) -> None:
        last = self._scheduler.last
        shown = self._time(last) if last is not None else (self._earlier or tr("none yet"))
        self.setText(tr("Backup: running… (last verified: {0})").format(shown))

    def _on_scheduler_succeeded(self, result: BackupResult) -> None:
        self.setStyleSheet("")
        self.setText(tr("Last backup: {0}, verified").format(self._time(result)))
        self.setToolTip(str(result.backup.path))

    def _on_scheduler_failed(self, sentence: str) -> None:
        self.setStyleSheet("color: white; background: #b00020; font-weight: bold")
        self.setText(tr("BACKUP FAILED: {0}").format(sentence))
        self.setToolTip(sentence)

    def _time(self, result: BackupResult) -> str:
        return f"{result.backup.taken_at.astimezone(self._scheduler.policy.zone):%H:%M}"
