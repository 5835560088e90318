"""Python's cyclic garbage collector runs on the GUI thread only (ui/collector.py): never in the writer
thread, however much a save allocates."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from bedside.ward import Failed, Result, Ward
from bedside.workspace import StorageProblem
from ui.collector import GuiCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The thread of each collection that starts (an ident per collection)."""
    seen: list[int] = []

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append(threading.get_ident())

    gc.callbacks.append(callback)
    yield seen
    gc.callbacks.remove(callback)


def test_the_app_turns_the_automatic_collection_off(ward_app, qapp: QApplication) -> None:  # type: ignore[no-untyped-def]
    assert not gc.isenabled()
    assert ward_app.app.collector is qapp.findChild(GuiCollector, "bedside_gui_collector")
    assert GuiCollector.install(qapp) is ward_app.app.collector  # one per application


def test_a_save_that_allocates_cycles_collects_nothing_in_the_writer_thread(
    ward_app, qtbot, collections: list[int]
) -> None:  # type: ignore[no-untyped-def]
    writer_thread: list[int] = []
    # enough tracked objects for every generation's threshold to be passed many times over
    many = 20 * gc.get_threshold()[0] * gc.get_threshold()[1]

    def job(ward: Ward) -> Result:
        writer_thread.append(threading.get_ident())
        for _ in range(many):
            _Cycle()
        writer_thread.append(threading.get_ident())
        return Failed(StorageProblem.BUG, "")

    ward_app.app.writer.submit(job)
    # (not waitSignal on the writer's own signal: its slot would run in the writer thread)
    qtbot.waitUntil(lambda: len(writer_thread) == 2, timeout=30_000)
    assert writer_thread[0] != threading.get_ident()
    assert writer_thread[0] not in collections
    ward_app.app.collector.check()  # the cycles are due: collected now, if the timer has not yet
    assert collections and set(collections) == {threading.get_ident()}  # the GUI thread's only


def _due(generation_2: int) -> list[list[int]]:
    """Counts as after `generation_2` collections of generation 1, then generation 0 due (keep
    what it returns: freed, its lists would take the count of generation 0 down again)."""
    gc.collect()
    for _ in range(generation_2):
        gc.collect(1)
    return [[] for _ in range(gc.get_threshold()[0] + 1)]  # tracked objects: generation 0 passes


def test_check_collects_the_oldest_generation_that_is_due(qapp: QApplication) -> None:
    collector = GuiCollector(qapp)  # not installed: its counts and rule only
    gc.collect()
    assert collector.check() is None  # nothing allocated since
    keep = _due(0)
    assert collector.check() == 0
    keep += _due(gc.get_threshold()[2] + 1)
    assert collector.check() == 2  # the first full collection: nothing survived one before
    assert collector.collections == [1, 0, 1]
    # a full collection again only once a quarter more objects reached the oldest generation
    keep += _due(gc.get_threshold()[2] + 1)
    assert collector.check() == 0
    survivors = len(gc.get_objects(2))
    keep += [[] for _ in range(survivors // 4 + 1000)]
    gc.collect(1)  # they reach the oldest generation
    keep += _due(gc.get_threshold()[2] + 1)
    assert collector.check() == 2
    assert collector.collections == [2, 0, 2] and len(keep) > 0
    collector.deleteLater()


def test_installing_off_the_gui_thread_is_refused(qapp: QApplication) -> None:
    errors: list[BaseException] = []

    def install() -> None:
        try:
            GuiCollector.install(qapp)
        except RuntimeError as err:
            errors.append(err)

    thread = threading.Thread(target=install)
    thread.start()
    thread.join()
    assert len(errors) == 1 and "GUI thread" in str(errors[0])


def test_the_oldest_generation_is_listed_again_only_once_objects_can_have_reached_it(
    qapp: QApplication, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Counting the oldest generation lists it whole: not on every poll while a full collection
    waits for its quarter, only after a generation-1 (or full) collection since."""
    collector = GuiCollector(qapp)
    keep = _due(gc.get_threshold()[2] + 1)
    assert collector.check() == 2
    keep += _due(gc.get_threshold()[2] + 1)
    listed = []
    real = gc.get_objects
    monkeypatch.setattr(gc, "get_objects", lambda *a: listed.append(a) or real(*a))
    assert collector.check() == 0 and len(listed) == 1  # counted: not due yet
    keep += [[] for _ in range(gc.get_threshold()[0] + 100)]
    assert collector.check() == 0 and len(listed) == 1  # nothing moved since: not listed again
    gc.collect(1)
    keep += [[] for _ in range(gc.get_threshold()[0] + 100)]
    assert (
        collector.check() == 0 and len(listed) == 2
    )  # counted again: still not due and len(keep) > 0
    collector.deleteLater()
