"""The history table lists every version; a corrected one is struck through with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from bedside.chart import Chart
from tests.support.chart_story import Story, build_story
from ui.history import ENTRY_ROLE, Column, HistoryView

DISPLAY = Qt.ItemDataRole.DisplayRole


@pytest.fixture
def story(tmp_path: Path) -> Story:
    return build_story(tmp_path)


@pytest.fixture
def view(qtbot: QtBot, story: Story) -> HistoryView:
    view = HistoryView(Chart(story.fx.db))
    qtbot.addWidget(view)
    view.show_patient("A1")
    return view


def row_of(view: HistoryView, record_id: str) -> int:
    model = view.model
    return next(
        r
        for r in range(model.rowCount())
        if model.index(r, 0).data(ENTRY_ROLE).record_id == record_id
    )


def test_the_model_is_a_proper_qt_model(view: HistoryView, qtmodeltester: ModelTester) -> None:
    qtmodeltester.check(view.model)


def test_every_charted_record_is_a_row_in_clinical_order(view: HistoryView, story: Story) -> None:
    model = view.model
    kinds = [model.index(r, Column.KIND).data(DISPLAY) for r in range(model.rowCount())]
    assert kinds[0] == "Admission"
    assert kinds.count("Vitals") == len(story.times) + 1  # both versions of the corrected set
    assert kinds.count("Neuro check") == 3
    assert "Assessment" not in kinds
    times = [model.index(r, 0).data(ENTRY_ROLE).observed_at for r in range(model.rowCount())]
    assert times == sorted(times)


def test_a_corrected_record_is_struck_through_and_names_the_reason(
    view: HistoryView, story: Story
) -> None:
    model = view.model
    old = row_of(view, story.corrected_id)
    new = row_of(view, story.correction_id)
    for column in Column:
        assert model.index(old, column).data(Qt.ItemDataRole.FontRole).strikeOut()
        assert model.index(new, column).data(Qt.ItemDataRole.FontRole) is None
    assert "HR 150" in model.index(old, Column.SUMMARY).data(DISPLAY)
    assert "HR 105" in model.index(new, Column.SUMMARY).data(DISPLAY)
    assert model.index(old, Column.STATUS).data(DISPLAY) == "superseded: typing error: 105 not 150"
    assert model.index(new, Column.STATUS).data(DISPLAY) == "correction: typing error: 105 not 150"
    assert model.index(old, Column.AUTHOR).data(DISPLAY) == "nurse.ada"


def test_a_neuro_check_not_done_says_so(view: HistoryView) -> None:
    model = view.model
    texts = [model.index(r, Column.SUMMARY).data(DISPLAY) for r in range(model.rowCount())]
    assert "ICE not assessable (not_done)" in texts
    assert "ICE 7" in texts


def test_sorting_by_a_column_reorders_the_view_not_the_model(
    qtbot: QtBot, view: HistoryView
) -> None:
    first = view.model.index(0, 0).data(ENTRY_ROLE)
    view.table.horizontalHeader().setSortIndicator(Column.TIME, Qt.SortOrder.DescendingOrder)
    proxy = view.proxy
    top = proxy.index(0, 0).data(ENTRY_ROLE)
    assert top.observed_at == max(
        view.model.index(r, 0).data(ENTRY_ROLE).observed_at for r in range(view.model.rowCount())
    )
    assert view.model.index(0, 0).data(ENTRY_ROLE) is first
    view.table.sortByColumn(Column.AUTHOR, Qt.SortOrder.AscendingOrder)
    authors = [proxy.index(r, Column.AUTHOR).data(DISPLAY) for r in range(proxy.rowCount())]
    assert authors == sorted(authors)


def test_computed_records_are_a_switch_away(qtbot: QtBot, view: HistoryView) -> None:
    before = view.model.rowCount()
    view.show_derived.setChecked(True)
    kinds = {view.model.index(r, Column.KIND).data(DISPLAY) for r in range(view.model.rowCount())}
    assert view.model.rowCount() > before
    assert {"Assessment", "Alert"} <= kinds
    texts = [
        view.model.index(r, Column.SUMMARY).data(DISPLAY) for r in range(view.model.rowCount())
    ]
    assert "CRS 0, ICANS 0" in texts
