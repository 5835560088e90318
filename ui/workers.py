"""Work off the GUI thread (DESIGN section 6): the one writer, the minute's tick and the start-up
re-derivation, each on its own connection. A worker never touches a widget; results come back by signal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThread, Signal, Slot

from bedside.access import AccessRefused
from bedside.ward import Failed, Result, TickResult, Ward
from bedside.workspace import StorageError, StorageProblem
from ui.text import tr

log = logging.getLogger(__name__)

WardFactory = Callable[[], Ward]  # opens a new Ward on its own connection
Job = Callable[[Ward], Result]


class WardWriter(QObject):
    """Runs every save, one at a time, on its own thread and connection, so that a save that waits
    for the write lock (a sync or a backup holding it) never freezes the window.

    Signals:
        submitted(int): a job was queued (its id); delivered to the writer's thread.
        finished(int, object): a job ended (job id, its `Result`).

    The jobs themselves never travel through a signal: they are held in `_held`, put there and let go
    of on the GUI thread only (`submit`, `release`), and the writer's thread drops its own reference
    before it says the job finished. A job may hold the last reference to a widget or another QObject
    (a dialog closed meanwhile); a QObject destroyed on the writer's thread while the GUI thread
    deletes widgets deadlocks Qt's locks against Python's.
    """

    submitted = Signal(int)
    finished = Signal(int, object)

    def __init__(self, factory: WardFactory) -> None:
        super().__init__()
        self._factory = factory
        self._ward: Ward | None = None
        self._next_id = 0
        self._held: dict[int, Job] = {}
        self._thread = QThread()
        self._thread.setObjectName("bedside-writer")
        self.moveToThread(self._thread)
        self.submitted.connect(self._run)
        self._thread.start()

    def submit(self, job: Job) -> int:
        """Queue `job`; its result arrives on `finished` with the returned id. The caller (on the GUI
        thread) calls `release(id)` once it has the result."""
        self._next_id += 1
        self._held[self._next_id] = job
        self.submitted.emit(self._next_id)
        return self._next_id

    def release(self, job_id: int) -> None:
        """Let go of a finished job (call on the GUI thread)."""
        self._held.pop(job_id, None)

    @Slot(int)
    def _run(self, job_id: int) -> None:
        result = self._result(self._held[job_id])
        self.finished.emit(job_id, result)  # the job is no longer referenced on this thread

    def _result(self, job: Job) -> Result:
        try:
            if self._ward is None:
                self._ward = self._factory()
            return job(self._ward)
        except StorageError as err:
            return Failed(err.problem, err.sentence())
        except Exception:  # a bug must not kill the writer thread
            log.exception("save job failed")
            return Failed(
                StorageProblem.BUG,
                "The record was not saved: Bedside met an unexpected error (a bug; the log has "
                "the details): report it.",
            )

    def stop(self) -> None:
        """Finish the queued jobs, close the connection and end the thread."""
        if self._thread.isRunning():
            self._held[0] = _Closer(self)
            self.submitted.emit(0)
            self._thread.quit()
            self._thread.wait()
            self._held.pop(0, None)

    def close_ward(self) -> None:
        if self._ward is not None:
            self._ward.close()
            self._ward = None


class _Closer:
    """A job that closes the writer's connection (the last one before the thread ends)."""

    def __init__(self, writer: WardWriter) -> None:
        self._writer = writer

    def __call__(self, ward: Ward) -> Result:
        self._writer.close_ward()
        return Failed(StorageProblem.BUG, "")  # never shown: job id 0 is the closer's


class TaskSignals(QObject):
    """Signals of a pooled task (a QRunnable is not a QObject).

    Signals:
        ticked(object): the `TickResult` of one tick.
        rederived(object): the patients re-derived under the current rules (list of ids).
        failed(str): the task could not run at all; the sentence for the user.
    """

    ticked = Signal(object)
    rederived = Signal(object)
    failed = Signal(str)


class _WardTask(QRunnable):
    def __init__(self, factory: WardFactory, signals: TaskSignals) -> None:
        super().__init__()
        self._factory = factory
        self.signals = signals

    def run(self) -> None:
        try:
            ward = self._factory()
        except StorageError as err:
            self.signals.failed.emit(err.sentence())
            return
        try:
            self.work(ward)
        except Exception as err:
            log.exception("background task failed")
            self.signals.failed.emit(f"{type(self).__name__}: {err}")
        finally:
            ward.close()

    def work(self, ward: Ward) -> Any:
        raise NotImplementedError


class TickTask(_WardTask):
    """`Ward.tick()` (schedule, escalation, WAL checkpoint) on its own connection."""

    def work(self, ward: Ward) -> None:
        result: TickResult = ward.tick()
        self.signals.ticked.emit(result)


class RederiveTask(_WardTask):
    """After an upgrade of the rules: each patient's current picture graded again (at start)."""

    def work(self, ward: Ward) -> None:
        self.signals.rederived.emit(ward.rederive_under_current_rules())


class SignInSignals(QObject):
    """Signals of the PIN checks (issue 10), each answer with the id of its request.

    Signals:
        signed_in(int, object): the PIN was right (request id, the signed-in `Author`).
        refused(int, str): it was not, or the check could not run (request id, the one sentence).
    """

    signed_in = Signal(int, object)
    refused = Signal(int, str)


class SignInTask(QRunnable):
    """`Ward.authenticate` (argon2id, tens of milliseconds, more under load; audited as a write) on
    its own connection, so that signing in never freezes the window or the alarm."""

    def __init__(
        self, factory: WardFactory, request: int, user_id: str, pin: str, signals: SignInSignals
    ) -> None:
        super().__init__()
        self._factory = factory
        self._request = request
        self._user_id = user_id
        self._pin = pin
        self.signals = signals

    def run(self) -> None:
        try:
            ward = self._factory()
        except StorageError as err:
            self.signals.refused.emit(self._request, err.sentence())
            return
        try:
            author = ward.authenticate(self._user_id, self._pin)
        except AccessRefused as err:
            lines = str(err).strip().splitlines()
            self.signals.refused.emit(
                self._request, lines[0] if lines else tr("Not signed in: the PIN was not accepted.")
            )
        except Exception as err:  # a bug must not kill the pool's thread, nor sign anyone in
            log.exception("sign-in check failed")
            self.signals.refused.emit(
                self._request,
                tr("Not signed in: Bedside met an unexpected error ({0}): report it.").format(
                    type(err).__name__
                ),
            )
        else:
            self.signals.signed_in.emit(self._request, author)
        finally:
            self._pin = ""
            ward.close()
