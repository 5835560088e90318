"""The GUI thread's pause for each garbage collection now that the collector runs there only
(ui/collector.py), with the demo ward's window open, beside a bare PySide6 + pyqtgraph window in the
same run. Measures and prints only.

    .venv/bin/python tests/bench/bench_gc.py [--quick]
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def pauses(generation: int, runs: int) -> list[float]:
    """Each collection after as many new cycles as make generation 0 due (made before the clock)."""
    out = []
    for _ in range(runs):
        for _ in range(gc.get_threshold()[0] + 1):
            _Cycle()
        start = time.perf_counter()
        gc.collect(generation)
        out.append(time.perf_counter() - start)
    return out


def line(name: str, values: list[float]) -> str:
    values = sorted(values)
    p50 = statistics.median(values) * 1000
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))] * 1000
    return f"{name:58s} p50 {p50:8.3f} ms  p99 {p99:8.3f} ms"


def main() -> int:
    runs = 20 if "--quick" in sys.argv else 200
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableWidget

    app = QApplication([])
    import pyqtgraph  # noqa: F401  (the bare window loads it too)

    bare = QMainWindow()
    bare.setCentralWidget(QTableWidget(5, 10))
    bare.show()
    app.processEvents()
    gc.disable()
    tracked = len(gc.get_objects())
    results = {g: pauses(g, runs) for g in (0, 2)}
    bare.close()

    from bedside.clock import SystemClock
    from bedside.demo import build_demo
    from ui.app import build

    work = Path(tempfile.mkdtemp())
    db = work / "demo-ward.db"
    build_demo(str(db), now=datetime.now(UTC))
    settings = QSettings(str(work / "s.ini"), QSettings.Format.IniFormat)
    bedside = build(app, db, SystemClock(), settings=settings)
    bedside.window.show()
    app.processEvents()
    bedside.window.refresh_board()
    app.processEvents()
    tracked_app = len(gc.get_objects())
    app_results = {g: pauses(g, runs) for g in (0, 2)}
    load = os.getloadavg()[0]
    print(f"load average {load:.2f}; {runs} collections each")
    print(f"bare window: {tracked:,} tracked objects; Bedside with the demo ward: {tracked_app:,}")
    for g, name in ((0, "generation 0"), (2, "full (generation 2)")):
        print(line(f"bare PySide6 + pyqtgraph window, {name}", results[g]))
        print(line(f"Bedside, demo ward board open, {name}", app_results[g]))
        ratio = statistics.median(app_results[g]) / statistics.median(results[g])
        print(f"{'':58s} ratio p50 {ratio:.1f}x")
    bedside.shutdown()
    sys.stdout.flush()
    os._exit(0)  # as ui.main does: PySide6's teardown may abort at interpreter exit


if __name__ == "__main__":
    raise SystemExit(main())
