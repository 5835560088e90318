"""The trend view draws what the chart service reads: values with gaps, bands, lines, steps and marks."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from bedside.chart import Chart, Vital
from bedside.clinical import news2
from bedside.clinical.crs import FEVER_C
from bedside.clinical.norms import pals_sbp_threshold
from bedside.clinical.vocabulary import DrugKind, EncephalopathyTool
from bedside.records import Syndrome
from tests.support.chart_story import Story, build_story
from ui.trends import DRUG_ROWS, TrendRange, TrendView


@pytest.fixture
def story(tmp_path: Path) -> Story:
    return build_story(tmp_path)


@pytest.fixture
def view(qtbot: QtBot, story: Story) -> TrendView:
    chart = Chart(story.fx.history.database, policy=story.fx.ward.policy)
    view = TrendView(chart, now=story.fx.clock.now)
    qtbot.addWidget(view)
    view.show_patient("A1")
    return view


def finite(curve: object) -> tuple[np.ndarray, np.ndarray]:
    x, y = curve.getData()  # type: ignore[attr-defined]
    return x, y


def test_heart_rate_is_drawn_as_charted_with_a_gap_not_a_bridge(
    view: TrendView, story: Story
) -> None:
    x, y = view.curves[Vital.HEART_RATE].getData()
    assert [v for v in y if not math.isnan(v)] == story.hr
    assert np.isnan(y).sum() == 1  # the 8 h nobody measured
    assert view.curves[Vital.HEART_RATE].opts["connect"] == "finite"
    gap = int(np.flatnonzero(np.isnan(y))[0])
    assert (
        x[gap - 1] == story.times[3].timestamp() < x[gap] < story.times[4].timestamp() == x[gap + 1]
    )


def test_the_fever_line_and_the_hypotension_line_come_from_the_engine(view: TrendView) -> None:
    assert view.fever_line.value() == float(FEVER_C)
    _, y = view.sbp_threshold.getData()
    assert set(y) == {float(pals_sbp_threshold(36))}


def test_bands_are_the_news2_zero_point_rows_for_an_adult(view: TrendView) -> None:
    band = view.bands[Vital.HEART_RATE]
    assert band.isVisible() or not view.isVisible()
    assert band.getRegion() == (news2.PULSE[1][0], news2.PULSE[2][0])
    assert view.bands[Vital.TEMPERATURE].getRegion() == (36.0, 38.0)


def test_grades_are_a_step_curve_held_until_the_next_change(view: TrendView, story: Story) -> None:
    x, y = view.grade_curves[Syndrome.CRS].getData()
    assert len(x) % 2 == 0 and (np.diff(x) >= 0).all()
    assert story.fever_at is not None
    i = int(np.flatnonzero(x == story.fever_at.timestamp())[-1])
    assert y[i] >= 1 and y[i - 1] == 0  # the step rises at the fever, not before
    assert x[-1] == story.fx.clock.now().timestamp()  # held to the end of the span
    latest = story.fx.ward.latest_assessment("A1")
    assert latest is not None and y[-1] == latest.crs_grade


def test_drugs_are_marked_on_their_rows(view: TrendView, story: Story) -> None:
    spots = view.drug_marks.data
    rows = {(s["x"], s["y"], s["symbol"]) for s in spots}
    assert story.tocilizumab_at and story.pressor_started and story.pressor_stopped
    toci_row = len(DRUG_ROWS) - DRUG_ROWS.index(DrugKind.ANTICYTOKINE)
    pressor_row = len(DRUG_ROWS) - DRUG_ROWS.index(DrugKind.VASOPRESSOR)
    assert rows == {
        (story.tocilizumab_at.timestamp(), toci_row, "o"),
        (story.pressor_started.timestamp(), pressor_row, "t1"),
        (story.pressor_stopped.timestamp(), pressor_row, "t"),
    }


def test_a_neuro_check_not_done_is_a_marked_line_never_a_zero(
    view: TrendView, story: Story
) -> None:
    _, y = view.neuro_curves[EncephalopathyTool.ICE].getData()
    assert list(y[:2]) == [10.0, 7.0] and math.isnan(y[2])
    assert [line.value() for line in view.not_assessable_lines] == [
        story.neuro_times[2].timestamp()
    ]


def test_the_range_buttons_change_the_span_and_what_is_read(
    qtbot: QtBot, view: TrendView, story: Story
) -> None:
    assert view.range is TrendRange.H72
    with qtbot.waitSignal(view.range_changed) as signal:
        qtbot.mouseClick(view.range_buttons[TrendRange.H24], Qt.MouseButton.LeftButton)
    assert signal.args == [TrendRange.H24]
    span = view.visible_span()
    assert span is not None and span[1] - span[0] == timedelta(hours=24)
    view.set_range(TrendRange.ALL)
    span = view.visible_span()
    assert span is not None and span[0] == story.fx.history.admitted_at("A1")
    x0, x1 = view.plots[Vital.HEART_RATE.value].viewRange()[0]
    assert x0 == pytest.approx(span[0].timestamp()) and x1 == pytest.approx(span[1].timestamp())


def test_a_patient_without_records_shows_nothing_and_says_so(qtbot: QtBot, story: Story) -> None:
    chart = Chart(story.fx.history.database)
    view = TrendView(chart, now=story.fx.clock.now)
    qtbot.addWidget(view)
    view.set_range(TrendRange.ALL)
    view.show_patient("NOBODY")
    x, _ = view.curves[Vital.HEART_RATE].getData()
    assert x is None or len(x) == 0
    assert view.status.text() == "No data for this patient"


def test_an_open_ended_band_never_sets_the_range(view: TrendView) -> None:
    # The SpO2 band of NEWS2 is open upwards (drawn to 1e6): the plot's range follows the values,
    # not the band (it showed 0-500000).
    view.plots[Vital.SPO2.value].getViewBox().updateAutoRange()
    _, (low, high) = view.plots[Vital.SPO2.value].viewRange()
    assert low > 50 and high < 110


def test_the_handover_strip_is_four_of_the_same_plots_fed_the_same_values(
    qtbot: QtBot, story: Story
) -> None:
    from ui.trends import HANDOVER_PLOTS

    chart = Chart(story.fx.history.database, policy=story.fx.ward.policy)
    full = TrendView(chart, now=story.fx.clock.now)
    strip = TrendView(chart, now=story.fx.clock.now, plots=HANDOVER_PLOTS)
    for view in (full, strip):
        qtbot.addWidget(view)
        view.set_range(TrendRange.H24)
        view.show_patient("A1")
    strip.use_print_style(pen_scale=3.0)
    assert list(strip.plots) == ["temp_c", "sbp", "spo2", "grades"]
    assert set(strip.curves) == {Vital.TEMPERATURE, Vital.SYSTOLIC_BP, Vital.SPO2}
    for vital, curve in strip.curves.items():
        np.testing.assert_array_equal(curve.getData()[1], full.curves[vital].getData()[1])
        assert curve.opts["pen"].widthF() == 3.0 * full.curves[vital].opts["pen"].widthF()
    for syndrome in Syndrome:
        np.testing.assert_array_equal(
            strip.grade_curves[syndrome].getData()[1], full.grade_curves[syndrome].getData()[1]
        )
    assert strip.drug_marks is None and not strip.neuro_curves
    assert strip.grade_curves[Syndrome.ICANS].opts["pen"].style() == Qt.PenStyle.DotLine
