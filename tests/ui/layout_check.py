"""Lays the real windows out on the demo ward and lists every text that does not fit: a label narrower
than its text, a button or box whose text is cut, a board header or cell word wider than its column.

    QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=2 python -m tests.ui.layout_check [--font-scale 1.5]

Exits 1 and names each problem when there is one. Run by tests/ui/test_high_dpi.py in a child process,
since the scale factor is read once, when the QApplication starts.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QThreadPool
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QTableView,
    QWidget,
)

WIDTH, HEIGHT = 1500, 900  # the window's logical size, as in scripts/screenshots.py
# The board's short columns (bed, age, day, CRS, ICANS, tool) hold each line of a value on one line.
ONE_LINE = {"ward_board": {0, 2, 3, 4, 5, 7}}


def _settle(qapp: QApplication) -> None:
    for _ in range(5):
        qapp.processEvents()
        QTest.qWait(10)


def _where(w: QWidget) -> str:
    names = []
    while w is not None:
        names.append(w.objectName() or type(w).__name__)
        w = w.parentWidget()
    return "/".join(reversed(names[:4]))


def problems(root: QWidget) -> list[str]:
    """Each visible text under `root` that is cut, elided or squeezed."""
    found: list[str] = []
    for label in root.findChildren(QLabel):
        if not label.isVisible() or not label.text() or label.wordWrap():
            continue
        if label.width() < label.minimumSizeHint().width():
            found.append(
                f"label {label.text()[:40]!r} in {_where(label)}: {label.width()} px wide, needs "
                f"{label.minimumSizeHint().width()}"
            )
    for button in root.findChildren(QAbstractButton):
        text = button.text().replace("&", "")
        if not button.isVisible() or not text:
            continue
        need = button.fontMetrics().horizontalAdvance(text)
        if button.width() < need:
            found.append(f"button {text!r} in {_where(button)}: {button.width()} px, text {need}")
    for box in root.findChildren(QComboBox):
        if box.isVisible() and box.width() < box.minimumSizeHint().width():
            found.append(f"box {box.objectName()} in {_where(box)}: {box.width()} px wide")
    for table in root.findChildren(QTableView):
        if not table.isVisible() or table.model() is None:
            continue
        found += _table_problems(table)
    return found


def _table_problems(table: QTableView) -> list[str]:
    found = []
    model, header = table.model(), table.horizontalHeader()
    titles, cells = header.fontMetrics(), table.fontMetrics()
    pad = 2 * table.style().pixelMetric(table.style().PixelMetric.PM_FocusFrameHMargin) + 2
    last = model.columnCount() - 1
    for col in range(model.columnCount()):
        if table.isColumnHidden(col):
            continue
        width = header.sectionSize(col)
        title = str(model.headerData(col, Qt.Orientation.Horizontal) or "")
        if titles.horizontalAdvance(title) + pad > width:
            found.append(f"{table.objectName()} header {title!r}: column {width} px")
        one_line = col in ONE_LINE.get(table.objectName(), set())
        for row in range(model.rowCount()):
            text = str(model.index(row, col).data() or "")
            for word in text.split():
                if cells.horizontalAdvance(word) + pad > width and col != last:
                    found.append(f"{table.objectName()} {title!r} row {row}: {word!r} is cut")
            for line in text.splitlines() if one_line else []:
                if cells.horizontalAdvance(line) + pad > width:
                    found.append(f"{table.objectName()} {title!r} row {row}: {line!r} wraps")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--font-scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    from bedside.clock import SystemClock
    from bedside.demo import DEMO_PINS, build_demo
    from ui.app import build
    from ui.dialogs import AboutDialog, HelpDialog

    work = Path(tempfile.mkdtemp())
    path = work / "demo-ward.db"
    build_demo(str(path), now=datetime.now(UTC))
    qapp = QApplication([])
    if args.font_scale != 1.0:
        font = qapp.font()
        font.setPointSizeF(font.pointSizeF() * args.font_scale)
        qapp.setFont(font)
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    app = build(qapp, path, SystemClock(), settings=settings, pool=QThreadPool())
    app.user.sign_in(app.controller.authenticate("nurse.demo", DEMO_PINS["nurse.demo"]))
    window = app.window
    window.resize(WIDTH, HEIGHT)
    window.show()
    _settle(qapp)
    found = [f"board: {p}" for p in problems(window)]
    for summary in app.controller.board():
        window.open_patient(summary.patient_id)
        for tab in range(window.patient.tabs.count()):
            window.patient.tabs.setCurrentIndex(tab)
            _settle(qapp)
            name = window.patient.tabs.tabText(tab)
            found += [f"{summary.admission.name}, {name}: {p}" for p in problems(window)]
    for dialog in (AboutDialog(window.policy, window), HelpDialog(window)):
        dialog.show()
        _settle(qapp)
        found += [f"{dialog.windowTitle()}: {p}" for p in problems(dialog)]
        dialog.close()
    for line in dict.fromkeys(found):  # each problem once
        print(line)
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    print(f"layout at scale {scale}, font ×{args.font_scale}: {len(set(found))} problem(s)")
    app.shutdown()
    sys.stdout.flush()
    os._exit(1 if found else 0)  # as the app leaves (ui/main.py): no teardown of the Qt objects


if __name__ == "__main__":
    raise SystemExit(main())
