"""Helpers of the widget tests: patients admitted through the service, typing and saving from the keyboard,
and the count of a patient's records read through the service (never the widgets' own state)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from bedside.ward import Recorded
from tests.support.ward_fixtures import NURSE, admission
from tests.ui.conftest import AppFixture
from ui.forms import RecordForm


def show(qtbot, fx: AppFixture) -> None:  # type: ignore[no-untyped-def]
    window = fx.app.window
    if not window.isVisible():
        window.show()
        qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)


def admit(fx: AppFixture, patient_id: str, born: date, **fields: Any) -> str:
    """Admit through the GUI thread's ward, show the board and open the patient."""
    result = fx.app.controller.ward.admit(admission(patient_id, born, **fields), author=NURSE)
    assert isinstance(result, Recorded), result
    fx.app.window.refresh_board()
    fx.app.window.open_patient(patient_id)
    return patient_id


def type_into(qtbot, widget: QWidget, text: str) -> None:  # type: ignore[no-untyped-def]
    widget.setFocus()
    widget.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(widget, text)


def fill(qtbot, form: RecordForm, **values: str) -> None:  # type: ignore[no-untyped-def]
    for name, text in values.items():
        type_into(qtbot, form.inputs[name], text)


def save(qtbot, fx: AppFixture, form: RecordForm, key: QWidget | None = None) -> Recorded:  # type: ignore[no-untyped-def]
    """Enter in the form (on `key` or its first field); waits for the ward's `recorded`."""
    with qtbot.waitSignal(fx.app.controller.recorded, timeout=10_000) as saved:
        qtbot.keyClick(key or form.first_input(), Qt.Key.Key_Return)
    result = saved.args[2]
    assert isinstance(result, Recorded)
    return result


def refused(qtbot, fx: AppFixture, form: RecordForm, key: QWidget | None = None) -> Any:  # type: ignore[no-untyped-def]
    """Enter in the form when the ward refuses the save; waits for `invalid`."""
    with qtbot.waitSignal(fx.app.controller.invalid, timeout=10_000) as said:
        qtbot.keyClick(key or form.first_input(), Qt.Key.Key_Return)
    return said.args[1]


def count(fx: AppFixture, patient_id: str) -> int:
    """How many records of the patient the ward holds, derived ones too (through the service)."""
    return len(fx.app.controller.ward.records(patient_id))


def charted(fx: AppFixture, patient_id: str) -> int:
    """How many records of the patient were charted by hand (neither assessments nor alert events)."""
    derived = ("assessment", "alert_event")
    return sum(1 for r in fx.app.controller.ward.records(patient_id) if r.kind not in derived)


def shown_errors(form: RecordForm) -> dict[str, str]:
    return {name: label.text() for name, label in form.errors.items() if label.isVisibleTo(form)}
