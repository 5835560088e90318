"""Start the real app in a real X server (Xvfb) on a fresh demo ward and save screenshots.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots.py [OUT_DIR]

Run without a display, it restarts itself under `xvfb-run`. The PNGs go to docs/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    if not os.environ.get("DISPLAY"):
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            sys.stderr.write("screenshots: xvfb-run is missing: run `bash .ci/setup` first.\n")
            return 2
        command = [xvfb, "-a", "-s", "-screen 0 1600x1000x24", sys.executable, *sys.argv]
        return subprocess.call(command)
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    sys.path.insert(0, str(ROOT))
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QSettings, QThreadPool
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from bedside.clock import SystemClock
    from bedside.demo import build_demo
    from bedside.staff import Author, Role
    from ui.app import build

    work = Path(tempfile.mkdtemp())
    path = work / "demo-ward.db"
    build_demo(str(path), now=datetime.now(UTC))
    qapp = QApplication([])
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    app = build(qapp, path, SystemClock(), settings=settings, pool=QThreadPool())
    app.user.sign_in(Author("nurse.demo", Role.NURSE))
    window = app.window
    window.resize(1500, 900)
    window.show()

    def settle() -> None:
        for _ in range(20):
            qapp.processEvents()
            QTest.qWait(25)

    def shot(name: str) -> None:
        settle()
        window.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png")

    ids = {s.admission.name: s.patient_id for s in app.controller.board()}
    shot("board")
    window.banner.grab().save(str(out / "alert-banner.png"))
    window.open_patient(ids["Noah Bennett"])  # 4 years: CAPD
    window.patient.tabs.setCurrentWidget(window.patient.views[0])
    shot("patient-trends")
    if len(sys.argv) > 2:  # the whole stack of trend panels, unscrolled, for checking them all
        settle()
        window.patient.views[0].graphics.grab().save(sys.argv[2])
    window.patient.focus_form("neuro")
    shot("capd-form")
    window.open_patient(ids["Lena Fischer"])  # 16 years: ICE
    window.patient.focus_form("neuro")
    shot("ice-form")
    window.patient.focus_form("vitals")
    vitals = window.patient.vitals
    for name, text in (("temperature", "39.1"), ("hr", "128"), ("sbp", "88"), ("spo2", "93")):
        vitals.inputs[name].setText(text)  # type: ignore[union-attr]
    vitals.changed.emit()
    shot("vitals-preview")
    window.act_night.setChecked(True)
    window.show_board()
    shot("night-board")
    window.open_patient(ids["Noah Bennett"])
    window.patient.tabs.setCurrentWidget(window.patient.views[0])
    shot("night-trends")
    window.act_night.setChecked(False)
    app.shutdown()
    sys.stdout.flush()
    # PySide6 6.12 can crash while the interpreter tears its objects down after a grab; the PNGs are
    # written and flushed by now, so leave without that teardown.
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
