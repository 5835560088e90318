"""The ward board's model (no view) and the board widget, driven by keyboard and mouse."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from bedside.records import Discharge, StayEnd
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
from ui.board import (
    DISCHARGED_ROLE,
    PATIENT_ID_ROLE,
    SORT_ROLE,
    Column,
    WardBoard,
    WardBoardModel,
    build_row,
)


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
