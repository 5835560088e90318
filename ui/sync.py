"""Background sync with the hub (issue 9): an attempt every `SitePolicy.sync_interval_s` in a pool of its
own (a hub that is slow, locked or gone never freezes the window nor delays the alert check), "Sync
now", the status bar's line that always says the truth (BATTERY R9), and the long-unsynced flag.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from bedside.alert_vocabulary import TechnicalAlert
from bedside.clinical.policy import SitePolicy
from bedside.clock import Clock
from bedside.workspace import SyncStatus, local_status, not_yet, sync_overdue, sync_with_hub
from ui.text import local_time, tr

log = logging.getLogger(__name__)

# QSettings key (per machine): the hub this machine syncs with (`bedside --hub URL` sets it).
HUB_SETTING = "sync/hub"
NOT_REACHABLE_STYLE = "color: white; background: #b00020; font-weight: bold"
OVERDUE_STYLE = "color: black; background: #ffb300; font-weight: bold; padding: 4px"


class SyncSignals(QObject):
    """Signals of a sync task.

    Signals:
        known(object): this machine's standing (`SyncStatus`) read locally, before the hub is asked.
        done(object): the `SyncStatus` after the attempt.
        failed(str): the task itself failed (a bug); the sentence for the user.
    """

    known = Signal(object)
    done = Signal(object)
    failed = Signal(str)


class CountTask(QRunnable):
    """This machine's standing (`workspace.local_status`) read again after a save or a tick, so that
    the waiting count is never left lower than the truth until the next attempt."""

    def __init__(
        self, count: Callable[[], SyncStatus], done: Callable[[int, SyncStatus], None], ticket: int
    ) -> None:
        super().__init__()
        self._count = count
        self._done = done
        self._ticket = ticket

    def run(self) -> None:
        try:
            status = self._count()
        except Exception:  # the next attempt says what is wrong
            log.exception("sync standing could not be read")
            return
        self._done(self._ticket, status)


class SyncTask(QRunnable):
    """One attempt (`workspace.sync_with_hub`) on the sync pool's thread, on connections of its own."""

    def __init__(
        self,
        attempt: Callable[[], SyncStatus],
        signals: SyncSignals,
        standing: Callable[[], SyncStatus] | None = None,
    ) -> None:
        super().__init__()
        self._attempt = attempt
        self._standing = standing
        self.signals = signals

    def run(self) -> None:
        try:
            if self._standing is not None:
                self.signals.known.emit(self._standing())
            status = self._attempt()
        except (
            Exception
        ) as err:  # a bug must not kill the pool's thread, nor leave "syncing…" shown
            log.exception("sync task failed")
            self.signals.failed.emit(
                tr(
                    "The sync did not run: Bedside met an unexpected error ({0}); it is tried again "
                    "at the next interval: report it."
                ).format(type(err).__name__)
            )
            return
        self.signals.done.emit(status)


class SyncScheduler(QObject):
    """Syncs with the hub at `hub_url` every `policy.sync_interval_s` seconds and on `sync_now()`, one
    attempt at a time, in `pool` (give it a pool of its own: an attempt may wait on a locked hub).

    Signals:
        counted(int, object): a recount's standing (ticket, `SyncStatus`); delivered to the GUI thread.
        running(): an attempt has started.
        status_changed(object): the `SyncStatus` after an attempt (or this machine's standing, at start).
        ward_changed(): an attempt brought records from other machines (refresh what is shown).
        overdue_changed(object): the long-unsynced `TechnicalAlert` began, changed or ended (None).
    """

    counted = Signal(int, object)
    running = Signal()
    status_changed = Signal(object)
    ward_changed = Signal()
    overdue_changed = Signal(object)

    def __init__(
        self,
        path: Path,
        hub_url: str,
        policy: SitePolicy,
        clock: Clock,
        pool: QThreadPool,
        parent: QObject | None = None,
        *,
        count_pool: QThreadPool | None = None,
    ) -> None:
        """`count_pool` reads the standing again after a save (`recount`); give it another pool than
        `pool`, which an attempt waiting on a locked hub may hold."""
        super().__init__(parent)
        self.path = path
        self._count_pool = count_pool or pool
        self._ticket = 0  # every attempt and recount takes the next; older recounts are dropped
        self._applied = 0
        self.hub_url = hub_url
        self.policy = policy
        self._clock = clock
        self._pool = pool
        self._busy = False
        self._first = True
        self.started_at: datetime | None = None
        self.status: SyncStatus = not_yet(hub_url)
        self.overdue: TechnicalAlert | None = None
        self._signals = SyncSignals(self)
        self._timer = QTimer(self)
        self._timer.setInterval(round(policy.sync_interval_s * 1000))
        self._connect_signals()

    def _connect_signals(self) -> None:
        self._timer.timeout.connect(self._on_timer_timeout)
        self._signals.known.connect(self._on_signals_known)
        self._signals.done.connect(self._on_signals_done)
        self._signals.failed.connect(self._on_signals_failed)
        self.counted.connect(self._on_counted)

    @property
    def busy(self) -> bool:
        return self._busy

    def start(self) -> None:
        """Sync at once, then every interval."""
        self.started_at = self._clock.now()
        self._timer.start()
        self.sync_now()

    def stop(self) -> None:
        """No new attempt; one under way is waited for (it holds connections of its own)."""
        self._timer.stop()
        self._pool.waitForDone()

    def set_policy(self, policy: SitePolicy) -> None:
        """The site policy changed while the app runs: the new interval (counted from now) and the
        new thresholds of the long-unsynced alert (checked again at once)."""
        if policy.sync_interval_s != self.policy.sync_interval_s:
            self._timer.setInterval(round(policy.sync_interval_s * 1000))  # restarts if running
        self.policy = policy
        self.check_overdue()

    def sync_now(self) -> bool:
        """Queue an attempt unless one is under way; False when one is."""
        if self._busy:
            return False
        if self.started_at is None:
            self.started_at = self._clock.now()
        self._busy = True
        self._ticket += 1
        path, url, policy, clock = self.path, self.hub_url, self.policy, self._clock

        def attempt() -> SyncStatus:
            return sync_with_hub(path, url, clock=clock, policy=policy)

        def standing() -> SyncStatus:
            return local_status(path, url, clock=clock)

        self._pool.start(SyncTask(attempt, self._signals, standing if self._first else None))
        self._first = False
        self.running.emit()
        return True

    def recount(self, *_: object) -> None:
        """Read the records waiting and the conflicts again (after a save or a tick), off the GUI
        thread; the status keeps what the last attempt said of the hub."""
        self._ticket += 1
        path, url, clock = self.path, self.hub_url, self._clock

        def count() -> SyncStatus:
            return local_status(path, url, clock=clock)

        self._count_pool.start(CountTask(count, self.counted.emit, self._ticket))

    def _on_counted(self, ticket: int, standing: SyncStatus) -> None:
        if ticket <= self._applied:  # an attempt or a later recount has read since
            return
        self._applied = ticket
        if standing.problem is not None:  # this machine's file could not be read: claim nothing
            self.status = dataclasses.replace(self.status, waiting=None)
        else:
            self.status = dataclasses.replace(
                self.status,
                last_sync_at=standing.last_sync_at,
                waiting=standing.waiting,
                conflicts=standing.conflicts,
            )
        self.status_changed.emit(self.status)

    def check_overdue(self) -> None:
        """Raise, update or end the long-unsynced technical alert as of now."""
        if self.started_at is None:
            return
        alert = sync_overdue(
            self.status, started_at=self.started_at, now=self._clock.now(), policy=self.policy
        )
        if alert != self.overdue:
            self.overdue = alert
            self.overdue_changed.emit(alert)

    def _on_timer_timeout(self) -> None:
        self.check_overdue()  # also while an attempt waits on a locked hub
        self.sync_now()

    def _on_signals_known(self, status: SyncStatus) -> None:
        if self.status.attempted_at is None:  # an attempt that ended first says more
            self.status = status
            self.status_changed.emit(status)
            self.check_overdue()

    def _on_signals_done(self, status: SyncStatus) -> None:
        self._busy = False
        # Read at the attempt's end: newer than any recount issued before now (a save after that
        # read issues its own recount, with a later ticket).
        self._applied = self._ticket
        self.status = status
        self.status_changed.emit(status)
        if status.changed_ward:
            self.ward_changed.emit()
        self.check_overdue()

    def _on_signals_failed(self, sentence: str) -> None:
        self._busy = False
        # What this machine knew stays (last sync, waiting); the attempt is shown as failed.
        self.status = dataclasses.replace(
            self.status, attempted_at=self._clock.now(), reachable=None, problem=sentence
        )
        self.status_changed.emit(self.status)
        self.check_overdue()


def _count(value: int | None) -> str:
    return tr("unknown") if value is None else str(value)


def status_text(status: SyncStatus | None, zone: tzinfo | None, *, running: bool = False) -> str:
    """The status bar's words for `status` (None: no hub is set on this machine); `running`: an
    attempt is under way."""
    if status is None:
        return tr("Sync: off (no hub set on this machine)")
    last = tr("never") if status.last_sync_at is None else local_time(status.last_sync_at, zone)
    facts = tr("last sync {0} · {1} waiting to push · conflicts: {2}").format(
        last, _count(status.waiting), status.conflicts
    )
    if status.attempted_at is None:
        head = tr("Sync: first attempt under way") if running else tr("Sync: not tried yet")
    elif running:
        head = (
            tr("Syncing with the hub… (the last attempt failed)")
            if status.problem is not None
            else tr("Syncing with the hub…")
        )
    elif status.problem is None:
        head = tr("Hub reachable")
    elif status.reachable:
        head = tr("Hub reachable, sync FAILED")
    elif status.reachable is None:
        head = tr("Sync FAILED")
    else:
        head = tr("Hub NOT REACHABLE")
    line = tr("{0} · {1}").format(head, facts)
    if status.problem is None or running:
        return line
    # The facts on the first line, whole; the reason below it, wrapped as the room allows.
    return "\n".join((line, tr("Why: {0}").format(status.problem)))


class SyncStatusLabel(QLabel):
    """The status bar's sync line: hub reachable or not (with the sentence), the last successful sync in
    local time, the records waiting to be pushed, the conflicts; after each attempt."""

    def __init__(
        self, scheduler: SyncScheduler | None, zone: tzinfo | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sync_status")
        self.setWordWrap(True)  # the sentence of a failure is long: wrap it, never widen the window
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._scheduler = scheduler
        self._zone = zone
        if scheduler is not None:
            self.setToolTip(scheduler.hub_url)
            scheduler.running.connect(self._on_scheduler_changed)
            scheduler.status_changed.connect(self._on_scheduler_changed)
        self._on_scheduler_changed()

    def _on_scheduler_changed(self, *_: object) -> None:
        scheduler = self._scheduler
        if scheduler is None:
            self.setText(status_text(None, self._zone))
            return
        status = scheduler.status
        self.setText(status_text(status, self._zone, running=scheduler.busy))
        failed = status.problem is not None and not scheduler.busy
        self.setStyleSheet(NOT_REACHABLE_STYLE if failed else "")


class SyncOverdueFlag(QLabel):
    """The long-unsynced technical alert, shown under the alarm row while it holds (it ends by itself
    with the next successful sync)."""

    def __init__(
        self, scheduler: SyncScheduler, zone: tzinfo | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sync_overdue")
        self.setWordWrap(True)
        self.setStyleSheet(OVERDUE_STYLE)
        self._scheduler = scheduler
        self._zone = zone
        self.setVisible(False)
        scheduler.overdue_changed.connect(self._on_scheduler_overdue_changed)

    def _on_scheduler_overdue_changed(self, alert: TechnicalAlert | None) -> None:
        self.setVisible(alert is not None)
        self.setText(
            "" if alert is None else overdue_text(alert, self._scheduler.status, self._zone)
        )


def overdue_text(alert: TechnicalAlert, status: SyncStatus, zone: tzinfo | None) -> str:
    """The technical alert's words: since when, and what it means for the ward."""
    if status.last_sync_at is None:
        since = tr("no successful sync with the hub yet")
    else:
        since = tr("no successful sync with the hub since {0}").format(
            local_time(status.last_sync_at, zone)
        )
    return tr(
        "TECHNICAL ALERT (since {0}): {1}. Records charted on other machines may be missing here, "
        "and this machine's from theirs: see the status bar for why, or use Ward › Sync now (F5)."
    ).format(local_time(alert.since, zone), since)
