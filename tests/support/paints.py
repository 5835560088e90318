"""Counting the paints a widget receives (the trend view's one paint per move, in tests and its benchmark)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget


class Paints(QObject):
    """Counts the paint events a widget (a graphics view's viewport) receives."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def painted(app: QApplication, paints: Paints) -> int:
    """The paints the pending events make, until a pass of the event loop paints nothing more."""
    start = paints.count
    while True:
        before = paints.count
        app.processEvents()
        if paints.count == before:
            return paints.count - start
