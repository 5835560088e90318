"""A patient's alert list on the real patient view: acknowledge from the mouse and the keyboard (who and
when are recorded), the escalation state, and a downgrade that asks for acknowledgement."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from bedside.alert_vocabulary import AlertKind, AlertStatus
from tests.support.ward_fixtures import ADULT_BORN, NURSE, PHYSICIAN, normal_adult_vitals
from tests.ui.charting import admit, show
from ui.alert_list import ALERT_ID_ROLE, AlertBanner
from ui.text import local_time, priority_text

COLUMNS = ["Priority", "Alert", "Detail", "Raised", "State", "Escalation"]


def _chart(fx, patient_id: str, **values: object) -> None:  # type: ignore[no-untyped-def]
    """A vitals set through the service, then the window brought up to date as after a save."""
    ward = fx.app.controller.ward
    ward.chart_vitals(
        patient_id, normal_adult_vitals(**values), observed_at=fx.clock.now(), author=NURSE
    )
    fx.app.window.refresh_board()


def _rows(alerts) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    m = alerts.model
    return [
        {COLUMNS[c]: m.index(r, c).data() for c in range(m.columnCount())}
        for r in range(m.rowCount())
    ]


def _open_alerts_tab(qtbot, fx):  # type: ignore[no-untyped-def]
    show(qtbot, fx)
    patient = fx.app.window.patient
    patient.tabs.setCurrentWidget(patient.alerts)
    return patient.alerts


def test_acknowledge_records_who_and_when(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    alerts = _open_alerts_tab(qtbot, ward_app)
    assert [alerts.model.headerData(c, Qt.Orientation.Horizontal) for c in range(6)] == COLUMNS
    _chart(ward_app, pid, temperature=38.9)
    rows = _rows(alerts)
    assert len(rows) == 1 and rows[0]["Alert"] == "CRS"
    assert rows[0]["State"] == "waiting for acknowledgement"
    assert rows[0]["Escalation"] == "condition present"
    alert_id = alerts.model.index(0, 0).data(ALERT_ID_ROLE)
    ward_app.clock.advance(timedelta(minutes=4))
    alerts.table.selectRow(0)
    with (
        qtbot.waitSignal(alerts.acknowledge_requested) as asked,
        qtbot.waitSignal(ward_app.app.controller.recorded, timeout=10_000),
    ):
        qtbot.mouseClick(alerts.ack, Qt.MouseButton.LeftButton)
    assert asked.args == [alert_id]
    stored = ward_app.app.controller.ward.alert(alert_id)
    assert stored is not None and stored.status is AlertStatus.ACKNOWLEDGED
    assert (stored.acknowledged_by, stored.acknowledged_at) == ("nurse.ada", ward_app.clock.now())
    state = _rows(alerts)[0]["State"]
    assert state.startswith("acknowledged by nurse.ada at ")
    # the same alert again: said, not sent
    alerts.table.selectRow(0)
    with qtbot.assertNotEmitted(alerts.acknowledge_requested):
        qtbot.mouseClick(alerts.ack, Qt.MouseButton.LeftButton)
    assert alerts.message.text() == "That alert is already acknowledged."


def test_an_unacknowledged_alert_escalates_and_enter_acknowledges_it(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    alerts = _open_alerts_tab(qtbot, ward_app)
    _chart(ward_app, pid, temperature=38.9)
    ward = ward_app.app.controller.ward
    ward_app.clock.advance(timedelta(minutes=ward.policy.escalate_high_after_min + 60))
    with (  # the row is updated, not the model reset
        qtbot.waitSignal(alerts.model.dataChanged),
        qtbot.assertNotEmitted(alerts.model.modelReset),
    ):
        assert ward.tick().ok
        ward_app.app.window.refresh_board()
    crs = next(i for i, r in enumerate(_rows(alerts)) if r["Alert"] == "CRS")
    assert _rows(alerts)[crs]["Escalation"] == "escalated: not acknowledged in time"
    assert _rows(alerts)[crs]["State"] == "waiting for acknowledgement"
    # from the keyboard: Enter on the selected row acknowledges it
    alerts.table.setFocus()
    alerts.table.selectRow(crs)
    with qtbot.waitSignal(ward_app.app.controller.recorded, timeout=10_000):
        qtbot.keyClick(alerts.table, Qt.Key.Key_Return)
    assert _rows(alerts)[crs]["State"].startswith("acknowledged by nurse.ada")


def test_a_downgrade_asks_for_acknowledgement_and_nothing_selected_takes_the_most_urgent(
    ward_app, qtbot
) -> None:  # type: ignore[no-untyped-def]
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    alerts = _open_alerts_tab(qtbot, ward_app)
    _chart(ward_app, pid, temperature=38.9)
    with qtbot.waitSignal(ward_app.app.controller.recorded, timeout=10_000):
        qtbot.mouseClick(alerts.ack, Qt.MouseButton.LeftButton)  # nothing selected: the waiting one
    ward_app.clock.advance(timedelta(hours=1))
    _chart(ward_app, pid, temperature=37.0)
    kinds = {r["Alert"]: r for r in _rows(alerts)}
    downgrade = kinds.get("CRS fell (downgrade: acknowledge)") or next(
        r for k, r in kinds.items() if "downgrade: acknowledge" in k
    )
    assert downgrade["State"] == "waiting for acknowledgement"
    open_ = ward_app.app.controller.open_alerts(pid)
    fall = next(a for a in open_ if a.kind is AlertKind.CRS_DOWNGRADE)
    assert fall.status is AlertStatus.ACTIVE
    alerts.table.clearSelection()
    with (
        qtbot.waitSignal(alerts.acknowledge_requested) as asked,
        qtbot.waitSignal(ward_app.app.controller.recorded, timeout=10_000),
    ):
        qtbot.mouseClick(alerts.ack, Qt.MouseButton.LeftButton)
    assert asked.args == [fall.alert_id]
    assert all(a.status is not AlertStatus.ACTIVE for a in ward_app.app.controller.open_alerts(pid))
    with qtbot.assertNotEmitted(alerts.acknowledge_requested):
        qtbot.mouseClick(alerts.ack, Qt.MouseButton.LeftButton)
    assert alerts.message.text() == "No alert is waiting for acknowledgement."


# --- the banner and the list together, acknowledged by F8 and by the mouse ----------------------------


def _banner(fx):  # type: ignore[no-untyped-def]
    banner = fx.app.window.findChild(AlertBanner, "alert_banner")
    ack = fx.app.window.findChild(QPushButton, "banner_acknowledge")
    assert banner is not None and ack is not None and ack is banner.ack
    return banner, ack


def test_f8_acknowledges_the_banner_alert_and_the_list_row_and_banner_change(
    ward_app, qtbot
) -> None:  # type: ignore[no-untyped-def]
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0, name="Mara Quinn")
    alerts = _open_alerts_tab(qtbot, ward_app)
    banner, ack = _banner(ward_app)
    assert banner.label.text() == "No open alerts on the ward." and not ack.isEnabled()
    _chart(ward_app, pid, temperature=38.9)
    (alert,) = ward_app.app.controller.open_alerts(pid)
    assert banner.alert == alert
    text = banner.label.text()
    assert text.startswith(f"{priority_text(alert.priority)} priority · Mara Quinn (A-1): CRS — ")
    assert text.endswith("waiting for acknowledgement")
    assert banner.count.text() == "1 waiting" and ack.isEnabled()
    ward_app.clock.advance(timedelta(minutes=3))
    changed: list[int] = []
    alerts.model.dataChanged.connect(lambda a, b: changed.append(a.row()))
    with (
        qtbot.assertNotEmitted(alerts.model.modelReset),
        qtbot.waitSignal(ward_app.app.controller.recorded, timeout=10_000) as done,
    ):
        qtbot.keyClick(ward_app.app.window, Qt.Key.Key_F8)
    assert done.args[0] == "acknowledge"
    when = ward_app.clock.now()
    stored = ward_app.app.controller.ward.alert(alert.alert_id)
    assert stored is not None and stored.status is AlertStatus.ACKNOWLEDGED
    assert (stored.acknowledged_by, stored.acknowledged_at) == ("nurse.ada", when)
    # the row changed in place, saying who and when
    assert changed == [0]
    assert (
        _rows(alerts)[0]["State"]
        == f"acknowledged by nurse.ada at {local_time(when, ward_app.app.window.zone)}"
    )
    # the banner says it too, and has nothing left to acknowledge
    assert banner.label.text().endswith(
        f"acknowledged by nurse.ada at {local_time(when, ward_app.app.window.zone)}"
    )
    assert banner.count.text() == "" and not ack.isEnabled()
    with qtbot.assertNotEmitted(ward_app.app.controller.saving):
        qtbot.keyClick(ward_app.app.window, Qt.Key.Key_F8)  # nothing waits: nothing is sent


def test_the_banner_button_acknowledges_with_the_mouse_as_the_signed_in_user(
    ward_app, qtbot
) -> None:  # type: ignore[no-untyped-def]
    first = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    second = admit(ward_app, "A-2", ADULT_BORN, weight_kg=70.0)
    show(qtbot, ward_app)
    banner, ack = _banner(ward_app)
    _chart(ward_app, first, temperature=38.9)
    ward_app.clock.advance(timedelta(minutes=1))
    _chart(ward_app, second, temperature=39.1)
    assert banner.count.text() == "2 waiting"
    top = banner.alert
    assert top is not None
    ward_app.app.user.sign_in(PHYSICIAN)
    with (
        qtbot.waitSignal(banner.acknowledge_requested) as asked,
        qtbot.waitSignal(ward_app.app.controller.recorded, timeout=10_000),
    ):
        qtbot.mouseClick(ack, Qt.MouseButton.LeftButton)
    assert asked.args == [top.alert_id]
    stored = ward_app.app.controller.ward.alert(top.alert_id)
    assert stored is not None
    assert (stored.acknowledged_by, stored.acknowledged_at) == ("dr.lee", ward_app.clock.now())
    # the other patient's alert comes up, still waiting
    assert banner.count.text() == "1 waiting" and ack.isEnabled()
    assert banner.alert is not None and banner.alert.alert_id != top.alert_id
    assert banner.alert.status is AlertStatus.ACTIVE
    # in the patient's own list, the acknowledged row says by whom
    ward_app.app.window.open_patient(top.patient_id)
    rows = _rows(ward_app.app.window.patient.alerts)
    assert rows[0]["State"].startswith("acknowledged by dr.lee at ")


def test_the_list_button_from_the_keyboard(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    alerts = _open_alerts_tab(qtbot, ward_app)
    _chart(ward_app, pid, temperature=38.9)
    cell = alerts.table.visualRect(alerts.model.index(0, 1)).center()
    qtbot.mouseClick(alerts.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)  # the row
    assert alerts.table.selectionModel().selectedRows()[0].row() == 0
    qtbot.keyClick(alerts.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is alerts.ack
    with qtbot.waitSignal(ward_app.app.controller.recorded, timeout=10_000):
        qtbot.keyClick(alerts.ack, Qt.Key.Key_Space)
    assert _rows(alerts)[0]["State"].startswith("acknowledged by nurse.ada at ")
    assert alerts.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is not None
