"""The trend view draws what the chart service reads: values with gaps, bands, lines, steps and marks."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import numpy as np
import pyqtgraph as pg
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
from ui.theme import night_palette
from ui.trends import DRUG_ROWS, PANEL_MIN_HEIGHT, TrendRange, TrendView


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
    assert strip.shown == ("temp_c", "sbp", "spo2", "grades")
    laid_out = {id(item) for item in strip.graphics.ci.items if isinstance(item, pg.PlotItem)}
    assert laid_out == {id(strip.plots[key]) for key in strip.shown}
    for vital in (Vital.TEMPERATURE, Vital.SYSTOLIC_BP, Vital.SPO2):
        curve = strip.curves[vital]
        np.testing.assert_array_equal(curve.getData()[1], full.curves[vital].getData()[1])
        assert curve.opts["pen"].widthF() == 3.0 * full.curves[vital].opts["pen"].widthF()
    for syndrome in Syndrome:
        np.testing.assert_array_equal(
            strip.grade_curves[syndrome].getData()[1], full.grade_curves[syndrome].getData()[1]
        )
    assert strip.grade_curves[Syndrome.ICANS].opts["pen"].style() == Qt.PenStyle.DotLine


def test_every_panel_has_a_y_range_of_its_values_not_of_an_open_band(view: TrendView) -> None:
    # The SpO2 band is open above (NEWS2 scale 1 gives 0 points from 96 up): drawn to 1e6, it must
    # never stretch the axis to it.
    for vital in Vital:
        y0, y1 = view.plots[vital.value].viewRange()[1]
        _, y = view.curves[vital].getData()
        if y is None or len(y) == 0:  # not charted in this story (room air)
            assert (y0, y1) == (0, 1) or y1 - y0 < 10, vital
            continue
        values = y[np.isfinite(y.astype(float))]
        assert y0 <= values.min() and values.max() <= y1, vital
        assert y1 - y0 < 200, (vital, y0, y1)
    assert view.plots[Vital.SPO2.value].viewRange()[1][1] < 110


def test_the_neuro_panel_spans_the_tool_s_scores_with_the_engine_s_grade_limits(
    view: TrendView,
) -> None:
    low, high = Chart.score_range(EncephalopathyTool.ICE)
    y0, y1 = view.plots["neuro"].viewRange()[1]
    assert y0 <= low < high <= y1 < high + 2
    assert [line.value() for line in view.limit_lines] == [
        limit.score for limit in Chart.score_limits(EncephalopathyTool.ICE)
    ]
    assert "ICE" in view.labels["neuro"].text


def test_grades_have_ticks_0_to_4_only_and_no_legend(view: TrendView) -> None:
    grades = view.plots["grades"]
    assert grades.legend is None
    major, minor = grades.getAxis("left")._tickLevels
    assert [value for value, _ in major] == [0, 1, 2, 3, 4] and minor == []
    assert "CRS" in view.labels["grades"].text and "ICANS" in view.labels["grades"].text


def test_panel_names_are_short_and_horizontal(view: TrendView) -> None:
    for key, plot in view.plots.items():
        assert not plot.getAxis("left").label.isVisible(), key  # no rotated axis title
        assert len(view.labels[key].text.split("<br>")[0]) <= 12, key
        assert view.labels[key].angle == 0


def test_a_small_window_scrolls_the_panels_instead_of_squashing_them(
    qtbot: QtBot, view: TrendView
) -> None:
    view.resize(800, 300)
    view.show()
    qtbot.waitExposed(view)
    assert view.scroll.widget() is view.graphics
    assert view.graphics.height() >= PANEL_MIN_HEIGHT * len(view.plots)
    assert view.scroll.verticalScrollBar().maximum() > 0
    for plot in view.plots.values():
        assert plot.height() >= PANEL_MIN_HEIGHT * 0.6


def test_a_zoom_reads_the_visible_window_and_its_margin(
    qtbot: QtBot, view: TrendView, story: Story
) -> None:
    view.set_range(TrendRange.ALL)
    whole = view.loaded_window
    assert whole is not None
    x0 = story.times[4].timestamp() - 600
    x1 = story.times[5].timestamp() + 600
    with qtbot.waitSignal(view.window_loaded, timeout=3000) as signal:
        view.plots[Vital.HEART_RATE.value].setXRange(x0, x1, padding=0)
    lo, hi = signal.args
    assert whole[0] <= lo <= x0 and x1 <= hi <= whole[1]
    assert hi - lo < whole[1] - whole[0]  # only the window and its margin, not the stay
    x, y = view.curves[Vital.HEART_RATE].getData()
    assert ((lo <= x) & (x <= hi)).all()
    shown = {float(t) for t, v in zip(x, y, strict=True) if np.isfinite(v)}
    assert {story.times[4].timestamp(), story.times[5].timestamp()} <= shown
    # a small pan inside the margin reads nothing more
    view.plots[Vital.HEART_RATE.value].setXRange(x0 + 60, x1 + 60, padding=0)
    view.load_visible()
    assert view.loaded_window == (lo, hi)


def test_the_night_theme_redraws_the_plots_in_its_colours(qtbot: QtBot, view: TrendView) -> None:
    day_pen = view.curves[Vital.HEART_RATE].opts["pen"].color().name()
    assert not view.night
    view.setPalette(night_palette())
    assert view.night
    assert view.graphics.backgroundBrush().color().lightness() < 128
    assert view.curves[Vital.HEART_RATE].opts["pen"].color().name() != day_pen
    axis = view.plots[Vital.HEART_RATE.value].getAxis("left")
    assert axis.textPen().color().lightness() > 128


def test_a_long_span_is_read_in_as_many_buckets_as_the_plot_is_wide(
    qtbot: QtBot, story: Story
) -> None:
    chart = Chart(story.fx.history.database, policy=story.fx.ward.policy)
    month = story.fx.clock.now() + timedelta(days=30)  # the stay seen a month on: an hourly span
    view = TrendView(chart, now=lambda: month)
    qtbot.addWidget(view)
    asked: list[int] = []
    envelope = chart.envelope

    def counted(*args: object, buckets: int, **kwargs: object) -> object:
        asked.append(buckets)
        return envelope(*args, buckets=buckets, **kwargs)  # type: ignore[arg-type]

    chart.envelope = counted  # type: ignore[method-assign]
    view.resize(1000, 900)
    view.show()
    qtbot.waitExposed(view)
    view.show_patient("A1")
    view.set_range(TrendRange.ALL)
    pixels = view.plots[Vital.HEART_RATE.value].vb.width() * view.devicePixelRatioF()
    assert view.status.text() == "minimum and maximum per hour or more"
    assert asked[-1] == round(pixels)  # the whole stay in view: one bucket per device pixel
    # the envelope in 1 px lines, measurements in 1.5 px
    assert view.curves[Vital.HEART_RATE].opts["pen"].widthF() == 1.0
    view.set_range(TrendRange.H24)
    assert view.status.text() == "every measurement"
    assert view.curves[Vital.HEART_RATE].opts["pen"].widthF() == 1.5
    view.set_range(TrendRange.ALL)
    # a wider window: read again at the new width once the resizing rests
    with qtbot.waitSignal(view.window_loaded, timeout=3000):
        view.resize(1600, 900)
    wider = view.plots[Vital.HEART_RATE.value].vb.width() * view.devicePixelRatioF()
    assert wider > 1.25 * pixels and asked[-1] == round(wider)


def test_neuro_symbols_are_drawn_only_where_the_checks_in_view_are_apart(
    qtbot: QtBot, view: TrendView
) -> None:
    view.resize(1000, 900)
    view.show()
    qtbot.waitExposed(view)
    ice = view.neuro_curves[EncephalopathyTool.ICE]
    view.load_visible()
    assert ice.opts["symbol"] == "o"  # three checks in a day: each one marked
    x0, x1 = view.plots["neuro"].viewRange()[0]
    # as many checks as the plot has pixels: a band of symbols, so only the line, cut to the view
    dense = np.linspace(x0, x1, 1000)
    ice.setData(dense, np.full(dense.shape, 9.0), connect="finite")
    view.load_visible()  # what the pause after a pan does
    assert ice.opts["symbol"] is None and ice.opts["clipToView"]
    # zoomed to a few of them: marked again, drawn whole
    view.plots["neuro"].setXRange(dense[10], dense[20], padding=0)
    view.load_visible()
    assert ice.opts["symbol"] == "o" and not ice.opts["clipToView"]
