"""The chart read service: series with gaps, hourly envelopes, steps, drug marks, bands and history."""

from __future__ import annotations

import itertools
import math
from datetime import timedelta
from pathlib import Path

import pytest

from bedside.chart import RAW_SPAN, BandScore, Chart, MarkEvent, Vital
from bedside.clinical import news2
from bedside.clinical.crs import FEVER_C
from bedside.clinical.norms import PEWS_HEART_RATE, PewsAgeBand, pals_sbp_threshold
from bedside.clinical.vocabulary import Drug, DrugKind, EncephalopathyTool, O2Device
from bedside.records import Syndrome
from tests.support.chart_story import Story, at, build_story, vitals
from tests.support.ward_fixtures import normal_adult_vitals


@pytest.fixture
def story(tmp_path: Path) -> Story:
    return build_story(tmp_path)


def chart_of(story: Story) -> Chart:
    return Chart(story.fx.db, policy=story.fx.ward.policy)


def test_a_series_holds_the_current_values_with_a_gap_where_nobody_measured(story: Story) -> None:
    chart = chart_of(story)
    start, end = story.start, story.fx.clock.now()
    hr = chart.vitals("A1", [Vital.HEART_RATE], start, end)[Vital.HEART_RATE]
    assert not hr.hourly
    values = [v for v in hr.v if v is not None]
    assert values == story.hr  # the corrected 150 is gone, 105 stands
    assert 150.0 not in values
    # One None between the 4th set and the 9 h later one (more than the 6 h freshness window, D17).
    gaps = [i for i, v in enumerate(hr.v) if v is None]
    assert len(gaps) == 1
    assert hr.t[gaps[0] - 1] == story.times[3].timestamp()
    assert hr.t[gaps[0] + 1] == story.times[4].timestamp()


def test_a_value_not_measured_in_a_set_is_left_out_not_a_zero(story: Story) -> None:
    when = story.fx.clock.now()
    vitals(story, when, normal_adult_vitals(hr=None))
    chart = chart_of(story)
    temp = chart.vitals("A1", [Vital.TEMPERATURE, Vital.HEART_RATE], story.start, when)
    assert temp[Vital.TEMPERATURE].t[-1] == when.timestamp()
    assert temp[Vital.HEART_RATE].t[-1] < when.timestamp()
    assert 0.0 not in temp[Vital.HEART_RATE].v


def test_a_long_span_is_read_as_hourly_minimum_and_maximum(story: Story) -> None:
    chart = chart_of(story)
    end = story.fx.clock.now()
    hr = chart.vitals("A1", [Vital.HEART_RATE], end - RAW_SPAN - timedelta(days=1), end)[
        Vital.HEART_RATE
    ]
    assert hr.hourly
    finite = [v for v in hr.v if v is not None]
    # The first four sets (80..83) fall in one or two clock hours: each hour gives its min and max.
    assert min(finite) == 80.0
    assert max(finite) == 105.0
    assert 150.0 not in finite
    assert None in hr.v  # the 8 h without vitals stays a gap
    assert len(finite) % 2 == 0


def test_grades_are_steps_of_the_stored_assessments(story: Story) -> None:
    chart = chart_of(story)
    steps = chart.grades("A1", Syndrome.CRS, story.start, story.fx.clock.now())
    assert story.fever_at is not None
    fever = next(s for s in steps if s.t == story.fever_at.timestamp())
    assert fever.value is not None and fever.value >= 1
    before = [s for s in steps if s.t < story.fever_at.timestamp()]
    assert before and all(s.value == 0 for s in before)
    # Steps only where the grade changes.
    assert all(a.value != b.value for a, b in itertools.pairwise(steps))
    # The step in force at the end is the grade the ward shows now.
    latest = story.fx.ward.latest_assessment("A1")
    assert latest is not None and steps[-1].value == latest.crs_grade


def test_a_span_starting_mid_episode_opens_on_the_grade_in_force(story: Story) -> None:
    chart = chart_of(story)
    assert story.fever_at is not None
    start = story.fever_at + timedelta(minutes=1)
    steps = chart.grades("A1", Syndrome.CRS, start, story.fx.clock.now())
    assert steps[0].t <= start.timestamp()
    assert steps[0].value is not None and steps[0].value >= 1


def test_drug_marks_name_each_dose_and_each_start_and_stop(story: Story) -> None:
    chart = chart_of(story)
    marks = chart.drug_marks("A1", story.start, story.fx.clock.now())
    assert story.tocilizumab_at and story.pressor_started and story.pressor_stopped
    assert [(m.t, m.drug, m.kind, m.event) for m in marks] == [
        (story.tocilizumab_at.timestamp(), Drug.TOCILIZUMAB, DrugKind.ANTICYTOKINE, MarkEvent.GIVEN),
        (story.pressor_started.timestamp(), Drug.NOREPINEPHRINE, DrugKind.VASOPRESSOR, MarkEvent.STARTED),
        (story.pressor_stopped.timestamp(), Drug.NOREPINEPHRINE, DrugKind.VASOPRESSOR, MarkEvent.STOPPED),
    ]  # fmt: skip
    # The stop is one mark, not a second start: the stopped version superseded the running one.
    assert marks[1].record_id == marks[2].record_id == story.pressor_id


def test_neuro_scores_keep_a_check_that_could_not_be_done_apart_from_a_zero(story: Story) -> None:
    chart = chart_of(story)
    scores = chart.neuro_scores("A1", story.start, story.fx.clock.now())
    assert [(s.t, s.tool, s.score, s.not_assessable) for s in scores] == [
        (story.neuro_times[0].timestamp(), EncephalopathyTool.ICE, 10, None),
        (story.neuro_times[1].timestamp(), EncephalopathyTool.ICE, 7, None),
        (story.neuro_times[2].timestamp(), EncephalopathyTool.ICE, None, "not_done"),
    ]


def test_o2_device_changes_only(story: Story) -> None:
    when = story.fx.clock.now()
    on = normal_adult_vitals(
        o2_device="nasal_cannula", o2_flow_l_min=2, o2_indication="crs_hypoxia"
    )
    vitals(story, when, on)
    vitals(story, at(story.fx, when + timedelta(minutes=15)), on)
    back = at(story.fx, when + timedelta(minutes=30))
    vitals(story, back, normal_adult_vitals())
    changes = chart_of(story).o2_devices("A1", story.start, back)
    assert [(c.t, c.device) for c in changes] == [
        (story.times[0].timestamp(), O2Device.ROOM_AIR),
        (when.timestamp(), O2Device.NASAL_CANNULA),
        (back.timestamp(), O2Device.ROOM_AIR),
    ]
    # A span that opens while on oxygen starts with the device in force.
    mid = chart_of(story).o2_devices("A1", when + timedelta(minutes=1), back)
    assert [c.device for c in mid] == [O2Device.NASAL_CANNULA, O2Device.ROOM_AIR]


def test_lines_and_bands_come_from_the_engine_tables(story: Story) -> None:
    chart = chart_of(story)
    now = story.fx.clock.now()
    assert chart.fever_c() == float(FEVER_C)
    # Adult: NEWS2's 0-point rows (SPEC 9).
    band = chart.normal_band("A1", Vital.HEART_RATE, now)
    assert band is not None and band.score is BandScore.NEWS2
    assert (band.lo, band.hi) == (news2.PULSE[1][0], news2.PULSE[2][0])
    spo2 = chart.normal_band("A1", Vital.SPO2, now)
    assert spo2 is not None and spo2.hi is None and spo2.lo == news2.SPO2_SCALE_1[2][0]
    # A 6-year-old: Bedside PEWS 4-12 y row (SPEC 10): 0 points strictly between the 1-point cuts.
    child = chart.normal_band("C1", Vital.HEART_RATE, now)
    row = PEWS_HEART_RATE[PewsAgeBand.YEARS_4_12][1]
    assert child is not None and child.score is BandScore.PEWS
    assert (child.lo, child.hi) == (row[1].limit, row[0].limit)
    assert chart.normal_band("C1", Vital.O2_FLOW, now) is None
    assert chart.normal_band("NOBODY", Vital.HEART_RATE, now) is None


def test_the_hypotension_line_steps_up_on_a_birthday(story: Story) -> None:
    chart = chart_of(story)
    start = story.start  # C1 is 6 y; born on 1 May
    end = start + timedelta(days=365)
    steps = chart.sbp_threshold("C1", start, end)
    assert [s.value for s in steps] == [pals_sbp_threshold(6), pals_sbp_threshold(7)]
    assert steps[1].t > start.timestamp()
    adult = chart.sbp_threshold("A1", start, end)
    assert [s.value for s in adult] == [pals_sbp_threshold(36)]


def test_history_lists_every_version_with_the_correction_and_its_reason(story: Story) -> None:
    chart = chart_of(story)
    rows = chart.history("A1")
    by_id = {r.record_id: r for r in rows}
    old, new = by_id[story.corrected_id], by_id[story.correction_id]
    assert old.superseded and old.superseded_by == story.correction_id
    assert old.superseded_reason == "typing error: 105 not 150"
    assert new.supersedes == story.corrected_id and not new.superseded
    assert new.reason == "typing error: 105 not 150"
    assert {r.kind for r in rows} >= {"admission", "vitals", "intervention", "neuro_check"}
    assert not {"assessment", "alert_event"} & {r.kind for r in rows}
    assert [r.observed_at for r in rows] == sorted(r.observed_at for r in rows)
    assert all(r.author == "nurse.ada" for r in rows)
    with_derived = chart.history("A1", derived=True)
    assert "assessment" in {r.kind for r in with_derived}
    assert len(with_derived) > len(rows)
    assert all(not math.isnan(r.entered_at.timestamp()) for r in rows)
