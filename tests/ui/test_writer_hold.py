"""The writer thread never holds the last reference to a job: the GUI thread lets go of it."""

from __future__ import annotations

import threading
import weakref
from typing import Any

from PySide6.QtCore import QObject, Slot

from bedside.store.errors import StorageProblem
from bedside.ward import Failed
from ui.workers import WardWriter


class _Ward:
    def close(self) -> None:
        pass


class _Receiver(QObject):
    """On the GUI thread, as the controller is: the writer's `finished` arrives queued."""

    def __init__(self) -> None:
        super().__init__()
        self.args: tuple[Any, ...] = ()

    @Slot(int, object)
    def on_finished(self, job_id: int, result: object) -> None:
        self.args = (job_id, result)


class _Job:
    def __init__(self) -> None:
        self.ran_on: str | None = None

    def __call__(self, ward: Any) -> Failed:
        self.ran_on = threading.current_thread().name
        return Failed(StorageProblem.BUG, "test job")


def test_a_finished_job_is_let_go_of_on_the_gui_thread_only(qtbot) -> None:  # type: ignore[no-untyped-def]
    writer = WardWriter(_Ward)  # type: ignore[arg-type]
    try:
        job = _Job()
        gone = weakref.ref(job)
        receiver = _Receiver()
        writer.finished.connect(receiver.on_finished)
        job_id = writer.submit(job)
        del job
        qtbot.waitUntil(lambda: bool(receiver.args), timeout=10_000)
        assert receiver.args[0] == job_id
        held = gone()
        assert held is not None and held.ran_on != threading.current_thread().name
        del held
        assert gone() is not None  # the writer's thread dropped its references: still held
        writer.release(job_id)  # on the GUI thread
        assert gone() is None
    finally:
        writer.stop()
