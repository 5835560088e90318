"""Process start to the ward board drawn, on an existing demo ward file, beside a bare PySide6 +
pyqtgraph window started the same way in the same run (goal: at most 2x). Measures and prints only.

    .venv/bin/python tests/bench/bench_app.py [--quick]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BARE = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableWidget
import pyqtgraph
app = QApplication([])
w = QMainWindow(); w.setCentralWidget(QTableWidget(5, 10)); w.resize(1280, 760); w.show()
def drawn():
    print("drawn", flush=True); app.quit()
QTimer.singleShot(0, drawn)
app.exec()
"""

APP = """
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from bedside.clock import SystemClock
from ui.app import build
app = QApplication([])
settings = QSettings({settings!r}, QSettings.Format.IniFormat)
bedside = build(app, Path({db!r}), SystemClock(), settings=settings)
bedside.window.show()
assert bedside.window.board_model.rowCount() == 5
def drawn():
    print("drawn", flush=True); bedside.shutdown(); app.quit()
QTimer.singleShot(0, drawn)
app.exec()
import os; os._exit(0)  # as ui.main does: PySide6's teardown may abort at interpreter exit
"""


def run(code: str) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    elapsed = time.perf_counter() - start
    assert "drawn" in out, out
    return elapsed


def main() -> int:
    runs = 3 if "--quick" in sys.argv else 10
    sys.path.insert(0, str(ROOT))
    from bedside.demo import build_demo

    work = Path(tempfile.mkdtemp())
    db = work / "demo-ward.db"
    build_demo(str(db), now=datetime.now(UTC))
    app_code = APP.format(root=str(ROOT), settings=str(work / "s.ini"), db=str(db))
    run(BARE)
    run(app_code)  # warm the file cache for both
    bare, app = [], []
    for _ in range(runs):
        bare.append(run(BARE))
        app.append(run(app_code))
    b, a = statistics.median(bare), statistics.median(app)
    print(
        f"bare PySide6 + pyqtgraph window, process start to drawn: median {b * 1000:.0f} ms ({runs} runs)"
    )
    print(
        f"Bedside, process start to the demo ward board drawn:    median {a * 1000:.0f} ms ({runs} runs)"
    )
    print(f"ratio: {a / b:.2f}x (goal <= 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
