"""The admission dialog with every field and its checks, and the end of a stay (discharge, transfer),
driven from the keyboard on the real main window; what is stored is read back through the service."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QPoint, Qt

from bedside.clinical.vocabulary import EncephalopathyTool
from bedside.records import Admission, Diagnosis, Discharge, Sex, StayEnd
from tests.support.ward_fixtures import ADULT_BORN
from tests.ui.charting import admit, fill, refused, save, show, shown_errors, type_into
from ui.board import PATIENT_ID_ROLE
from ui.forms import AdmissionDialog


def _open_dialog(qtbot, fx) -> AdmissionDialog:  # type: ignore[no-untyped-def]
    show(qtbot, fx)
    qtbot.keyClick(fx.app.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = fx.app.window.findChild(AdmissionDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def _patients(fx) -> int:  # type: ignore[no-untyped-def]
    return len(fx.app.controller.board()) + len(fx.app.controller.board(discharged=True))


def _fill_valid(qtbot, form, clock) -> None:  # type: ignore[no-untyped-def]
    fill(qtbot, form, patient_id="mrn-0042", bed="B12", name="Mara Quinn", weight_kg="61.5",
         product="GD2/B7H3 CAR-T", dose_cells_per_kg="3000000", baseline_ice="10")  # fmt: skip
    form.inputs["date_of_birth"].set_value(date(1988, 2, 14))
    form.inputs["sex"].set_value(Sex.FEMALE)
    form.inputs["diagnosis"].set_value(Diagnosis.DSRCT)
    form.inputs["infusion_at"].set_value(clock.now() - timedelta(hours=20))


def test_every_admission_field_is_stored(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _open_dialog(qtbot, ward_app)
    form = dialog.form
    assert list(form.inputs) == [
        "patient_id", "bed", "name", "date_of_birth", "sex", "weight_kg", "diagnosis",
        "developmental_delay", "infusion_at", "product", "dose_cells_per_kg", "baseline_ice",
        "baseline_capd",
    ]  # fmt: skip
    _fill_valid(qtbot, form, ward_app.clock)
    form.inputs["developmental_delay"].setFocus()
    qtbot.keyClick(form.inputs["developmental_delay"], Qt.Key.Key_Space)
    type_into(qtbot, form.inputs["baseline_capd"], "2")
    with qtbot.waitSignal(dialog.admitted, timeout=10_000) as admitted:
        qtbot.keyClick(form.inputs["baseline_capd"], Qt.Key.Key_Return)
    assert admitted.args == ["MRN-0042"]  # kept in upper case
    a = ward_app.app.controller.ward.admission("MRN-0042")
    assert a == Admission(
        patient_id="MRN-0042", name="Mara Quinn", date_of_birth=date(1988, 2, 14),
        sex=Sex.FEMALE, weight_kg=61.5, diagnosis=Diagnosis.DSRCT, developmental_delay=True,
        infusion_at=ward_app.clock.now() - timedelta(hours=20), product="GD2/B7H3 CAR-T",
        dose_cells_per_kg=3e6, baseline_ice=10, baseline_capd=2, bed="B12",
    )  # fmt: skip
    window = ward_app.app.window
    assert window.pages.currentWidget() is window.patient
    assert window.patient.neuro.tool is EncephalopathyTool.CAPD  # developmental delay: CAPD
    header = window.patient.header.text()
    assert "Mara Quinn" in header and "B12" in header and "DSRCT" in header
    assert "Tool CAPD · baseline 2 · developmental delay" in header
    assert window.board.proxy.rowCount() == 1
    assert not dialog.isVisible()


def test_admission_checks_beside_each_field_and_nothing_saved(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _open_dialog(qtbot, ward_app)
    form = dialog.form
    # nothing typed: every required field says so, beside itself, before the ward is asked
    with qtbot.assertNotEmitted(ward_app.app.controller.saving):
        qtbot.keyClick(form.inputs["patient_id"], Qt.Key.Key_Return)
    errors = shown_errors(form)
    assert {"patient_id", "name", "sex", "weight_kg", "diagnosis", "product",
            "dose_cells_per_kg"} <= set(errors)  # fmt: skip
    assert errors["name"] == "name: required (allowed: a value)"
    assert _patients(ward_app) == 0
    # out of range, badly formed, born after the infusion: the ward's words, nothing saved
    _fill_valid(qtbot, form, ward_app.clock)
    type_into(qtbot, form.inputs["weight_kg"], "300")
    type_into(qtbot, form.inputs["patient_id"], "mrn 42!")
    type_into(qtbot, form.inputs["baseline_ice"], "11")
    refused(qtbot, ward_app, form)
    errors = shown_errors(form)
    assert "250" in errors["weight_kg"] and "kg" in errors["weight_kg"]
    assert "letters, digits and '-'" in errors["patient_id"]
    assert "0–10" in errors["baseline_ice"] or "10" in errors["baseline_ice"]
    assert form.status.text().startswith("Not saved")
    assert dialog.isVisible() and _patients(ward_app) == 0
    _fill_valid(qtbot, form, ward_app.clock)
    form.inputs["date_of_birth"].set_value(ward_app.clock.now().date() + timedelta(days=3))
    refused(qtbot, ward_app, form)
    assert "after the infusion" in shown_errors(form)["date_of_birth"]
    assert _patients(ward_app) == 0
    type_into(qtbot, form.inputs["dose_cells_per_kg"], "3e6x")
    with qtbot.assertNotEmitted(ward_app.app.controller.saving):
        qtbot.keyClick(form.inputs["dose_cells_per_kg"], Qt.Key.Key_Return)
    assert "is not a number" in shown_errors(form)["dose_cells_per_kg"]
    # the same id twice: refused beside the id
    form.inputs["date_of_birth"].set_value(date(1988, 2, 14))
    type_into(qtbot, form.inputs["dose_cells_per_kg"], "3000000")
    with qtbot.waitSignal(dialog.admitted, timeout=10_000):
        qtbot.keyClick(form.inputs["name"], Qt.Key.Key_Return)
    again = _open_dialog(qtbot, ward_app)
    _fill_valid(qtbot, again.form, ward_app.clock)
    refused(qtbot, ward_app, again.form)
    assert "already admitted" in shown_errors(again.form)["patient_id"]
    assert _patients(ward_app) == 1


def test_the_tab_order_follows_the_fields_then_the_time_then_save(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _open_dialog(qtbot, ward_app)
    form = dialog.form
    form.inputs["patient_id"].setFocus()
    qtbot.waitUntil(lambda: form.inputs["patient_id"].hasFocus())
    seen: list[str] = []
    for _ in range(40):
        w = dialog.focusWidget()
        name = getattr(w, "name", None) or w.objectName()
        if not seen or seen[-1] != name:  # Tab first walks the sections of a date, then leaves
            seen.append(name)
        if name == "form_save":
            break
        qtbot.keyClick(w, Qt.Key.Key_Tab)
    assert seen == [
        "patient_id", "bed", "name", "date_of_birth", "sex", "weight_kg", "diagnosis",
        "developmental_delay", "infusion_at_edit", "product", "dose_cells_per_kg", "baseline_ice",
        "baseline_capd", "observed_at_edit", "form_save",
    ]  # fmt: skip


def test_discharge_and_transfer_end_the_stay(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    admit(ward_app, "A-2", ADULT_BORN, weight_kg=70.0)
    window = ward_app.app.window
    form = window.patient.discharge
    window.patient.focus_form("discharge")
    ward_app.clock.advance(timedelta(hours=3))
    form.inputs["outcome"].setFocus()
    qtbot.keyClick(form.inputs["outcome"], Qt.Key.Key_Down)
    assert form.inputs["outcome"].currentData() == StayEnd.DISCHARGED
    fill(qtbot, form, destination="home")
    stored = save(qtbot, ward_app, form, key=form.inputs["destination"]).record
    assert stored.record == Discharge(outcome=StayEnd.DISCHARGED, destination="home")
    assert stored.observed_at == ward_app.clock.now()
    assert "Stay ended" in window.patient.header.text()
    assert not window.patient.vitals.save.isEnabled()  # nothing more is charted for the stay
    ids = [window.board.proxy.index(r, 0).data(PATIENT_ID_ROLE)
           for r in range(window.board.proxy.rowCount())]  # fmt: skip
    assert ids == ["A-1"]
    window.show_board()
    qtbot.mouseClick(window.board.discharged, Qt.MouseButton.LeftButton, pos=QPoint(6, 6))
    assert window.board.discharged.isChecked()
    ids = [window.board.proxy.index(r, 0).data(PATIENT_ID_ROLE)
           for r in range(window.board.proxy.rowCount())]  # fmt: skip
    assert ids == ["A-2"]
    # a transfer of the other patient, to a named ward
    window.open_patient("A-1")
    window.patient.focus_form("discharge")
    form.inputs["outcome"].set_value(StayEnd.TRANSFERRED)
    fill(qtbot, form, destination="ICU")
    stored = save(qtbot, ward_app, form, key=form.inputs["destination"]).record
    assert stored.record == Discharge(outcome=StayEnd.TRANSFERRED, destination="ICU")
    assert window.board.proxy.rowCount() == 2  # both among the discharged and transferred
