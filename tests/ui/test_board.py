"""The ward board's model (no view) and the board widget, driven by keyboard and mouse."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from bedside.clinical.vocabulary import Acvpu, O2Device, O2Indication
from bedside.records import Discharge, StayEnd, TempUnit
from tests.support.ward_fixtures import (
    ADULT_BORN,
    CHILD_BORN,
    NURSE,
    admission,
    chart,
    make_ward,
    normal_child_vitals,
    recorded,
)
from tests.ui.charting import admit, fill, save, show
from tests.ui.test_forms import _choose
from ui.board import (
    DISCHARGED_ROLE,
    PATIENT_ID_ROLE,
    SORT_ROLE,
    Column,
    WardBoard,
    WardBoardModel,
    build_row,
)
from ui.text import detail_text, grade_colours, priority_text


def _rows(fx):  # type: ignore[no-untyped-def]
    now = fx.clock.now()
    summaries = fx.ward.board() + fx.ward.board(discharged=True)
    return [build_row(s, now, None) for s in summaries]


def _ward(tmp_path: Path):  # type: ignore[no-untyped-def]
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("AD-1", ADULT_BORN, bed="B1"), author=NURSE))
    recorded(fx.ward.admit(admission("C-1", CHILD_BORN, bed="B2"), author=NURSE))
    return fx


def test_a_patient_with_nothing_charted_is_not_shown_as_grade_0(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    fx = _ward(tmp_path)
    model = WardBoardModel()
    model.set_rows(_rows(fx))
    assert model.rowCount() == 2
    crs = model.index(0, Column.CRS)
    assert crs.data() == "no observations"
    assert "0" not in crs.data()
    assert model.index(0, Column.BED).data() == "B1"
    assert model.index(0, 0).data(PATIENT_ID_ROLE) == "AD-1"
    assert model.index(0, 0).data(DISCHARGED_ROLE) is False


def test_one_changed_patient_changes_one_row_without_a_reset(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    fx = _ward(tmp_path)
    model = WardBoardModel()
    model.set_rows(_rows(fx))
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    model.modelReset.connect(lambda: changed.append((-1, -1)))
    inserted: list[int] = []
    model.rowsInserted.connect(lambda parent, first, last: inserted.append(first))
    recorded(chart(fx, "AD-1", temperature=39.0))
    model.set_rows(_rows(fx))
    assert changed == [(0, 0)]  # only AD-1's row, never a reset
    assert inserted == []
    crs = model.index(0, Column.CRS)
    assert crs.data() == "1 (max 1)"
    assert crs.data(Qt.ItemDataRole.BackgroundRole) == QColor("#fff8c4")
    assert "fever" in crs.data(Qt.ItemDataRole.ToolTipRole)
    assert crs.data(SORT_ROLE) == 1
    alerts = model.index(0, Column.ALERTS)
    assert alerts.data().startswith("1 unacknowledged")


def test_undeterminable_and_stale_look_different_from_0(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    fx = _ward(tmp_path)
    recorded(chart(fx, "AD-1", temperature=None, temperature_unit=None, sbp=None, dbp=None))
    recorded(chart(fx, "C-1"))
    fx.clock.advance(timedelta(hours=7))  # past the 6 h freshness of vitals (D17), within 24 h
    only_rr = normal_child_vitals(
        temperature=None, temperature_unit=None, hr=None, sbp=None, dbp=None, spo2=None
    )
    recorded(fx.ward.chart_vitals("C-1", only_rr, observed_at=fx.clock.now(), author=NURSE))
    model = WardBoardModel()
    model.set_rows(_rows(fx))
    texts = {model.index(r, 0).data(PATIENT_ID_ROLE): model.index(r, Column.CRS) for r in range(2)}
    adult = texts["AD-1"]
    assert "not determinable" in adult.data() or "≥" in adult.data()
    child = texts["C-1"]
    assert "stale" in child.data()
    assert child.data(Qt.ItemDataRole.FontRole).italic()


def test_board_sorts_by_urgency_and_hides_the_discharged(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    fx = _ward(tmp_path)
    model = WardBoardModel()
    board = WardBoard(model)
    qtbot.addWidget(board)
    model.set_rows(_rows(fx))
    recorded(chart(fx, "C-1", temperature=39.5))  # the child now has a CRS alert
    model.set_rows(_rows(fx))
    first = board.proxy.index(0, 0)
    assert first.data(PATIENT_ID_ROLE) == "C-1"
    recorded(
        fx.ward.discharge(
            "AD-1", Discharge(outcome=StayEnd.DISCHARGED), observed_at=fx.clock.now(), author=NURSE
        )
    )
    model.set_rows(_rows(fx))
    assert board.proxy.rowCount() == 1
    qtbot.mouseClick(board.discharged, Qt.MouseButton.LeftButton)
    assert board.discharged.isChecked()
    assert board.proxy.rowCount() == 1
    assert board.proxy.index(0, 0).data(PATIENT_ID_ROLE) == "AD-1"
    assert "stay ended" in board.proxy.index(0, Column.DUE).data()


def test_enter_on_a_row_opens_the_patient(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    fx = _ward(tmp_path)
    model = WardBoardModel()
    board = WardBoard(model)
    qtbot.addWidget(board)
    board.show()
    model.set_rows(_rows(fx))
    board.table.setFocus()
    board.table.selectRow(0)
    board.table.setCurrentIndex(board.proxy.index(0, 0))
    with qtbot.waitSignal(board.patient_opened) as opened:
        qtbot.keyClick(board.table, Qt.Key.Key_Return)
    assert opened.args == [board.proxy.index(0, 0).data(PATIENT_ID_ROLE)]
    assert board.select_next() == board.proxy.index(1, 0).data(PATIENT_ID_ROLE)
    assert model.rowCount(QModelIndex()) == 2


# --- the board on the real window, updated by saves from the forms ------------------------------------


def _board_ids(window) -> list[str]:  # type: ignore[no-untyped-def]
    proxy = window.board.proxy
    return [proxy.index(r, 0).data(PATIENT_ID_ROLE) for r in range(proxy.rowCount())]


def _source_row(window, patient_id: str) -> int:  # type: ignore[no-untyped-def]
    return window.board_model.patient_ids().index(patient_id)


def test_a_save_moves_the_patient_up_and_changes_only_that_row(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    for pid, bed in (("A-1", "B1"), ("A-2", "B2"), ("C-1", "B3")):
        admit(ward_app, pid, CHILD_BORN if pid.startswith("C") else ADULT_BORN, bed=bed)
    window = ward_app.app.window
    model = window.board_model
    assert model.rowCount() == 3 and sorted(_board_ids(window)) == ["A-1", "A-2", "C-1"]
    assert [model.index(r, Column.BED).data() for r in range(3)] == ["B1", "B2", "B3"]
    window.open_patient("A-2")
    form = window.patient.vitals
    resets: list[str] = []
    changed: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append("reset"))
    model.rowsRemoved.connect(lambda *_: resets.append("removed"))
    model.rowsInserted.connect(lambda *_: resets.append("inserted"))
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    fill(qtbot, form, temperature="39.4", hr="96", sbp="124", dbp="70", rr="16", spo2="97")
    _choose(qtbot, form.inputs["temperature_unit"], TempUnit.C)
    _choose(qtbot, form.inputs["o2_device"], O2Device.ROOM_AIR)
    _choose(qtbot, form.inputs["o2_indication"], O2Indication.NONE)
    _choose(qtbot, form.inputs["acvpu"], Acvpu.ALERT)
    save(qtbot, ward_app, form)
    assert resets == []  # never a reset, nothing removed or inserted
    row = _source_row(window, "A-2")
    assert changed and set(changed) == {(row, row)}  # A-2's row only
    assert _board_ids(window)[0] == "A-2"  # the fever and its alert sort it first
    assert window.board.table.horizontalHeader().sortIndicatorSection() == Column.ALERTS
    crs = window.board.proxy.index(0, Column.CRS)
    assert crs.data() == "1 (max 1)"
    assert crs.data(Qt.ItemDataRole.BackgroundRole) == grade_colours(1)[0]
    assert "temperature 39.4 °C: fever" in crs.data(Qt.ItemDataRole.ToolTipRole)
    alerts = window.board.proxy.index(0, Column.ALERTS)
    (alert,) = ward_app.app.controller.open_alerts("A-2")
    assert alerts.data() == f"1 unacknowledged ({priority_text(alert.priority)})"
    assert detail_text(alert.detail) in alerts.data(Qt.ItemDataRole.ToolTipRole)
    assert "graded at" in crs.data(Qt.ItemDataRole.ToolTipRole)
    # the others are as they were: nothing charted, and said so in words
    for r in (1, 2):
        assert window.board.proxy.index(r, Column.CRS).data() == "no observations"
        assert window.board.proxy.index(r, Column.ALERTS).data() == "none"
    # from the keyboard: Tab leaves the table (rows are chosen whole), Enter opens the top row
    window.show_board()
    qtbot.waitUntil(window.board.table.hasFocus)
    window.board.table.selectRow(0)
    qtbot.keyClick(window.board.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.board.discharged
    window.board.table.setFocus()
    window.board.table.setCurrentIndex(window.board.proxy.index(0, 0))
    qtbot.keyClick(window.board.table, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.patient and window.patient.patient_id == "A-2"


def test_unknown_and_stale_grades_are_words_never_0(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "A-1", ADULT_BORN, bed="B1")
    window = ward_app.app.window
    form = window.patient.vitals
    fill(qtbot, form, hr="82", rr="15")  # a partial set: no temperature, no neuro check
    save(qtbot, ward_app, form)
    proxy = window.board.proxy
    icans = proxy.index(0, Column.ICANS)
    assert icans.data() == "not determinable (max not determinable)"
    assert not any(ch.isdigit() for ch in icans.data())
    assert icans.data(Qt.ItemDataRole.BackgroundRole) == grade_colours(None)[0]
    assert grade_colours(None)[0] != grade_colours(0)[0]  # grey, not the colour of grade 0
    crs = proxy.index(0, Column.CRS)
    assert crs.data() == "not determinable (max not determinable)"  # no temperature: not 0
    score = proxy.index(0, Column.SCORE)
    assert score.data().startswith("NEWS2 incomplete (partial ")
    # seven hours later only the RR is taken: the heart rate is stale (D17), and the cell says so
    ward_app.clock.advance(timedelta(hours=7))
    fill(qtbot, form, rr="18")
    save(qtbot, ward_app, form)
    crs = proxy.index(0, Column.CRS)
    assert crs.data().endswith(" · stale")
    assert crs.data(Qt.ItemDataRole.FontRole).italic()
    assert "stale (treated as missing): " in crs.data(Qt.ItemDataRole.ToolTipRole)
    assert proxy.index(0, Column.DUE).data().startswith("OVERDUE: ")
