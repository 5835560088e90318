"""Python's cyclic garbage collector, run on the GUI thread only.

Why: the collector runs in whichever thread happens to allocate when a generation's count passes its
threshold, and it then frees every unreachable cycle, whatever thread made it. In this app that can be
the writer thread or a pool thread (their jobs allocate plenty), and the cycles are mostly the GUI's
(widgets, actions, models of a window that has gone). Observed (tests/ui under load, gdb): the writer
thread collected a dead window; PySide6 deleted its plain QObjects there, in ~QObject, holding one of
Qt's signal-slot mutexes, and needed the GIL again on the way (SignalManager::retrieveMetaObject); it
handed the window's widgets to the GUI thread (Shiboken's "delete in main thread", a pending call), which
deleted them holding the GIL and waited for that same mutex: a lock-order deadlock, the window frozen
and the save never answered.

So the automatic collection is turned off for the process, and `GuiCollector` does what it would have
done (the same thresholds, the same generations) from a timer of the GUI thread, where Qt wants its
objects deleted. A cycle is then freed a little later than before (at the next poll), never elsewhere.
Nothing else changes: objects without cycles are freed by reference counting, as always.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

# How often the GUI thread looks at the collector's counts. Between two polls garbage in cycles only
# waits; the counts are read in microseconds, and a collection runs only when one is due.
POLL_MS = 500


class GuiCollector(QObject):
    """Runs `gc` on the GUI thread, as the interpreter would have run it automatically.

    One per application: `install` makes it (a child of the application object) or returns the one
    there is. It stays for the life of the process, past any one window: automatic collection is not
    turned on again while threads that may hold Qt objects could still run.
    """

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.setObjectName("bedside_gui_collector")
        self.collections = [0, 0, 0]  # how many times each generation was collected here
        self._long_lived = 0  # objects left in the oldest generation by the last full collection
        # gc's generation-2 count and full collections when `_full_due` last counted
        self._counted_at: tuple[int, int] = (-1, -1)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.check)

    @classmethod
    def install(cls, app: QCoreApplication) -> GuiCollector:
        """Turn off the automatic collection and collect from the GUI thread's timer instead. Call
        it on the GUI thread before the first worker thread starts."""
        if QThread.currentThread() is not app.thread():
            raise RuntimeError("GuiCollector.install: call it on the GUI thread")
        existing = app.findChild(GuiCollector, "bedside_gui_collector")
        collector = existing if isinstance(existing, GuiCollector) else cls(app)
        gc.disable()
        collector._timer.start()
        return collector

    def check(self) -> int | None:
        """Collect as the interpreter would at this point: only once generation 0 has passed its
        threshold, then the oldest generation that has passed its own (a full collection only once
        enough objects reached the oldest generation, see `_full_due`). The generation collected, or
        None when none was due."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        if not thresholds[0] or counts[0] <= thresholds[0]:
            return None
        for generation in (2, 1):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                if generation == 2 and not self._full_due():
                    continue
                return self._collect(generation)
        return self._collect(0)

    def _full_due(self) -> bool:
        """The interpreter's extra condition for a full collection, which it does not expose: the
        objects that reached the oldest generation since the last full collection are more than a
        quarter of those that survived it (so a growing heap is not scanned over and over). Counting
        them lists the whole generation, so it is counted again only once more objects can have
        reached it (a generation-1 collection or a full one since, whoever made it)."""
        moved = (gc.get_count()[2], gc.get_stats()[2]["collections"])
        if moved == self._counted_at:
            return False
        self._counted_at = moved
        pending = len(gc.get_objects(2)) - self._long_lived
        return pending > self._long_lived // 4

    def _collect(self, generation: int) -> int:
        gc.collect(generation)
        if generation == 2:
            self._long_lived = len(gc.get_objects(2))
        self.collections[generation] += 1
        return generation
