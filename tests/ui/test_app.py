"""End to end on the real main window and a temporary ward database, from the keyboard: admit, a fever
(CRS 1 on the board and the banner), acknowledge, hypotension on a vasopressor (CRS 3, a high-priority
alert that sounds), then a fall that asks for acknowledgement."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bedside.alert_vocabulary import AlertKind, AlertStatus, Priority
from bedside.clinical.vocabulary import Drug, O2Device
from bedside.records import DoseUnit, Indication, Route, Sex
from ui.board import PATIENT_ID_ROLE, Column
from ui.forms import AdmissionDialog, RecordForm


def _type(qtbot, form: RecordForm, **values: str) -> None:  # type: ignore[no-untyped-def]
    for name, text in values.items():
        widget = form.inputs[name]
        widget.setFocus()
        widget.clear()  # type: ignore[union-attr]
        qtbot.keyClicks(widget, text)


def _save(qtbot, app, form: RecordForm) -> object:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(app.controller.recorded, timeout=10_000) as saved:
        qtbot.keyClick(form.first_input(), Qt.Key.Key_Return)
    return saved.args[2]


def _row(window, patient_id: str) -> int:  # type: ignore[no-untyped-def]
    proxy = window.board.proxy
    return next(
        r for r in range(proxy.rowCount()) if proxy.index(r, 0).data(PATIENT_ID_ROLE) == patient_id
    )


def test_admit_fever_acknowledge_hypotension_on_pressor_and_a_fall(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app, clock = ward_app.app, ward_app.clock
    window = app.window
    window.show()
    qtbot.waitExposed(window)

    # admit
    window.act_admit.trigger()
    dialog = window.findChild(AdmissionDialog)
    assert dialog is not None
    form = dialog.form
    _type(qtbot, form, patient_id="ad-7", bed="B7", name="Ada Seven", weight_kg="70",
          product="GD2/B7H3 CAR-T", dose_cells_per_kg="3000000")  # fmt: skip
    form.inputs["date_of_birth"].set_value(__import__("datetime").date(1980, 5, 1))
    form.inputs["sex"].set_value(Sex.FEMALE)
    form.inputs["diagnosis"].setCurrentIndex(2)  # DSRCT
    form.inputs["infusion_at"].set_value(clock.now() - timedelta(days=1))
    with qtbot.waitSignal(dialog.admitted, timeout=10_000) as admitted:
        qtbot.keyClick(form.inputs["name"], Qt.Key.Key_Return)
    assert admitted.args == ["AD-7"]
    assert window.pages.currentWidget() is window.patient
    assert "Ada Seven" in window.patient.header.text()
    assert window.board.proxy.rowCount() == 1

    # a fever: CRS 1 on the board and in the banner
    clock.advance(timedelta(minutes=10))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    window.act_vitals.trigger()
    vitals = window.patient.vitals
    qtbot.waitUntil(lambda: QApplication.focusWidget() is vitals.inputs["temperature"])
    _type(qtbot, vitals, temperature="38.9", hr="96", sbp="120", dbp="70", rr="18", spo2="97")
    vitals.inputs["o2_device"].set_value(O2Device.ROOM_AIR)
    qtbot.waitUntil(lambda: "CRS 1" in vitals.preview.text(), timeout=5000)  # live preview
    _save(qtbot, app, vitals)
    row = _row(window, "AD-7")
    assert window.board.proxy.index(row, Column.CRS).data() == "1 (max 1)"
    assert window.banner.alert is not None and window.banner.alert.kind is AlertKind.CRS
    assert "CRS" in window.banner.label.text()

    # acknowledge from the keyboard (F8): who and when are recorded
    with qtbot.waitSignal(app.controller.recorded, timeout=10_000):
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F8)
    acked = window.banner.alert
    assert acked is not None and acked.status is AlertStatus.ACKNOWLEDGED
    assert acked.acknowledged_by == "nurse.ada"
    assert "acknowledged by nurse.ada" in window.banner.label.text()

    # a vasopressor, then hypotension on it: CRS 3 and a high-priority alert
    clock.advance(timedelta(minutes=5))
    window.act_drug.trigger()
    drug = window.patient.drug
    drug.inputs["drug"].set_value(Drug.NOREPINEPHRINE)
    _type(qtbot, drug, dose="0.1")
    drug.inputs["dose_unit"].set_value(DoseUnit.MCG_PER_KG_MIN)
    drug.inputs["route"].set_value(Route.IV)
    drug.inputs["indication"].set_value(Indication.TREATMENT)
    _save(qtbot, app, drug)
    assert window.patient.running.count() == 1
    clock.advance(timedelta(minutes=5))
    window.act_vitals.trigger()
    _type(qtbot, vitals, temperature="38.9", hr="120", sbp="80", dbp="45", rr="22", spo2="95")
    vitals.inputs["o2_device"].set_value(O2Device.ROOM_AIR)
    _save(qtbot, app, vitals)
    row = _row(window, "AD-7")
    assert window.board.proxy.index(row, Column.CRS).data() == "3 (max 3)"
    top = window.banner.alert
    assert top is not None and top.priority is Priority.HIGH and top.status is AlertStatus.ACTIVE
    assert "HIGH" in window.banner.label.text()
    assert app.alarm.sounding
    assert "unacknowledged (HIGH)" in window.board.proxy.index(row, Column.ALERTS).data()

    # acknowledge every waiting alert in the list, stop the pressor, then a fall
    window.patient.tabs.setCurrentWidget(window.patient.alerts)
    while any(a.status is AlertStatus.ACTIVE for a in app.controller.open_alerts("AD-7")):
        with qtbot.waitSignal(app.controller.recorded, timeout=10_000):
            qtbot.mouseClick(window.patient.alerts.ack, Qt.MouseButton.LeftButton)
    assert not app.alarm.sounding
    clock.advance(timedelta(minutes=30))
    with qtbot.waitSignal(app.controller.recorded, timeout=10_000):
        qtbot.mouseClick(window.patient.stop, Qt.MouseButton.LeftButton)
    assert window.patient.running.count() == 0
    clock.advance(timedelta(minutes=5))
    window.act_vitals.trigger()
    _type(qtbot, vitals, temperature="38.2", hr="90", sbp="118", dbp="70", rr="16", spo2="98")
    vitals.inputs["o2_device"].set_value(O2Device.ROOM_AIR)
    _save(qtbot, app, vitals)
    fall = window.banner.alert
    assert fall is not None and fall.kind is AlertKind.CRS_DOWNGRADE
    assert fall.status is AlertStatus.ACTIVE
    assert "fell" in window.banner.label.text()
    assert not app.alarm.sounding  # the sound never plays for a downgrade
    kinds = [
        window.patient.alerts.model.index(r, 1).data()
        for r in range(window.patient.alerts.model.rowCount())
    ]
    assert any("downgrade: acknowledge" in k for k in kinds)
