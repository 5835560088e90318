"""The chart read service: series with gaps, hourly envelopes, steps, drug marks, bands and history."""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bedside.chart import RAW_SPAN, BandScore, Chart, MarkEvent, Vital, _bucketed
from bedside.clinical import news2
from bedside.clinical.crs import FEVER_C
from bedside.clinical.icans import ice_grade
from bedside.clinical.norms import PEWS_HEART_RATE, PewsAgeBand, pals_sbp_threshold
from bedside.clinical.vocabulary import Drug, DrugKind, EncephalopathyTool, O2Device
from bedside.records import Syndrome, parse_utc
from bedside.store.series import SeriesQueries
from tests.support.chart_story import Story, at, build_story, vitals
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    WardFixture,
    admission,
    make_ward,
    normal_adult_vitals,
    recorded,
)


@pytest.fixture
def story(tmp_path: Path) -> Story:
    return build_story(tmp_path)


def chart_of(story: Story) -> Chart:
    return Chart(story.fx.history.database, policy=story.fx.ward.policy)


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


# --- the drawing envelope: long spans in min/max buckets, from cached hourly rows ------------------------


def long_stay(
    tmp_path: Path, days: int = 10, every_h: int = 2
) -> tuple[WardFixture, list[datetime]]:
    """An adult charted every `every_h` hours for `days` days, all normal."""
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=NURSE))
    t0 = fx.clock.now() + timedelta(minutes=5)
    times = [t0 + timedelta(hours=every_h * k) for k in range(days * 24 // every_h)]
    for when in times:
        fx.clock.set(when)
        recorded(fx.ward.chart_vitals("A1", normal_adult_vitals(), observed_at=when, author=NURSE))
    fx.clock.set(times[-1] + timedelta(minutes=1))
    return fx, times


def test_a_one_set_fever_spike_survives_the_coarsest_bucketing(tmp_path: Path) -> None:
    # Safety: downsampling must never hide a peak. One set of 40.1 °C among normal 37.0 ones, drawn
    # in buckets of a whole day and more: the bucket's maximum is the spike.
    fx, times = long_stay(tmp_path)
    spike_at = times[len(times) // 2] + timedelta(minutes=30)  # a late entry
    recorded(
        fx.ward.chart_vitals(
            "A1", normal_adult_vitals(temperature=40.1, hr=35), observed_at=spike_at, author=NURSE
        )
    )
    chart = Chart(fx.db, policy=fx.ward.policy)
    start, end = times[0], fx.clock.now()
    for buckets in (2000, 50, 5, 1):
        series = chart.envelope(
            "A1", [Vital.TEMPERATURE, Vital.HEART_RATE], start, end, buckets=buckets
        )
        temp = [v for v in series[Vital.TEMPERATURE].v if v is not None]
        hr = [v for v in series[Vital.HEART_RATE].v if v is not None]
        assert series[Vital.TEMPERATURE].hourly
        assert max(temp) == 40.1 and min(temp) == 37.0, buckets
        assert min(hr) == 35.0 and max(hr) == 80.0, buckets  # a trough is kept as well
        assert len(temp) <= 2 * max(buckets, 1) + 4


def test_the_envelope_of_a_short_span_is_every_measurement(tmp_path: Path) -> None:
    fx, times = long_stay(tmp_path)
    chart = Chart(fx.db, policy=fx.ward.policy)
    series = chart.envelope("A1", [Vital.HEART_RATE], times[10], times[20])[Vital.HEART_RATE]
    assert not series.hourly
    assert series.t == tuple(t.timestamp() for t in times[10:21])


def test_the_envelope_is_cut_to_the_window_asked(tmp_path: Path) -> None:
    fx, times = long_stay(tmp_path, days=30, every_h=3)
    chart = Chart(fx.db, policy=fx.ward.policy)
    start, end = times[40], times[40] + RAW_SPAN + timedelta(days=2)
    t = chart.envelope("A1", [Vital.HEART_RATE], start, end)[Vital.HEART_RATE].t
    hour = 3600.0
    assert t and start.timestamp() - hour <= min(t) and max(t) <= end.timestamp() + hour
    assert len(t) < 2 * len([w for w in times if start <= w <= end]) + 4


def test_the_cached_hours_follow_new_sets_late_entries_and_corrections(tmp_path: Path) -> None:
    fx, times = long_stay(tmp_path)
    chart = Chart(fx.db, policy=fx.ward.policy)

    def temps() -> list[float]:
        end = fx.clock.now()
        s = chart.envelope("A1", [Vital.TEMPERATURE], times[0], end, buckets=10_000)
        return [v for v in s[Vital.TEMPERATURE].v if v is not None]

    assert max(temps()) == 37.0
    # a new set at the end
    now = times[-1] + timedelta(hours=1)
    fx.clock.set(now)
    new = recorded(
        fx.ward.chart_vitals(
            "A1", normal_adult_vitals(temperature=38.4), observed_at=now, author=NURSE
        )
    )
    assert max(temps()) == 38.4
    # a late entry, days back
    late = times[5] + timedelta(minutes=20)
    recorded(
        fx.ward.chart_vitals(
            "A1", normal_adult_vitals(temperature=39.2), observed_at=late, author=NURSE
        )
    )
    assert max(temps()) == 39.2
    # a correction of the new set: its 38.4 is gone from the drawing
    recorded(
        fx.ward.correct(
            new.record.id,
            normal_adult_vitals(temperature=36.4),
            reason="wrong patient",
            author=NURSE,
        )
    )
    values = temps()
    assert 38.4 not in values and min(values) == 36.4


def test_the_encephalopathy_scale_comes_from_the_engine() -> None:
    assert Chart.score_range(EncephalopathyTool.ICE) == (0, 10)
    assert Chart.score_range(EncephalopathyTool.CAPD) == (0, 32)
    ice = [(limit.score, limit.grade) for limit in Chart.score_limits(EncephalopathyTool.ICE)]
    assert ice == [(3, 2), (7, 1), (10, 0)]  # SPEC 5.1
    for limit in Chart.score_limits(EncephalopathyTool.ICE):
        assert ice_grade(limit.score) == limit.grade != ice_grade(limit.score - 1)
    capd = [(limit.score, limit.grade) for limit in Chart.score_limits(EncephalopathyTool.CAPD)]
    assert capd == [(1, 1), (9, 3)]  # SPEC 5.2


def test_the_tool_follows_age(story: Story) -> None:
    chart = chart_of(story)
    now = story.fx.clock.now()
    assert chart.tool("A1", now) is EncephalopathyTool.ICE
    assert chart.tool("C1", now) is EncephalopathyTool.CAPD
    assert chart.tool("NOBODY", now) is None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 400),
            st.one_of(st.none(), st.floats(30, 45, allow_nan=False)),
            st.floats(0, 5),
        ),
        max_size=80,
    ),
    st.integers(1, 48),
)
def test_buckets_keep_every_hour_s_peak_and_trough(
    hours: list[tuple[int, float | None, float]], per_bucket: int
) -> None:
    rows = sorted({h: (h, lo, None if lo is None else lo + d) for h, lo, d in hours}.values())
    table = np.array(rows, dtype=float).reshape(
        -1, 3
    )  # None -> NaN, as the chart reads the roll-up
    series = _bucketed(
        table[:, 0].astype(np.int64), table[:, 1], table[:, 2], per_bucket, 6 * 3600.0
    )
    drawn = [(t, v) for t, v in zip(series.t, series.v, strict=True) if v is not None]
    measured = [r for r in rows if r[1] is not None]
    assert len(drawn) == 2 * len(drawn) // 2
    for h, lo, hi in measured:
        inside = [v for t, v in drawn if h // per_bucket == int(t // 3600) // per_bucket]
        assert min(inside) <= lo and max(inside) >= hi  # never a peak or trough lost
    if measured:
        assert max(v for _, v in drawn) == max(r[2] for r in measured)
        assert min(v for _, v in drawn) == min(r[1] for r in measured)
    # a gap of more than 6 h between measured hours is never bridged
    for (h0, *_), (h1, *_) in itertools.pairwise(measured):
        if h1 - h0 > 6:
            between = [
                v for t, v in zip(series.t, series.v, strict=True) if h0 * 3600 < t < h1 * 3600
            ]
            assert None in between


def test_step_lists_cut_from_the_whole_stay_match_a_read_of_the_window(story: Story) -> None:
    chart = chart_of(story)
    queries = SeriesQueries(story.fx.history.database)
    first, now = story.start, story.fx.clock.now()
    cuts = [first + (now - first) * k / 12 for k in range(13)]
    for start, end in itertools.combinations(cuts, 2):
        for syndrome, column in ((Syndrome.CRS, "crs_grade"), (Syndrome.ICANS, "icans_grade")):
            direct = queries.grade_changes("A1", column, start.timestamp(), end.timestamp())
            steps = chart.grades("A1", syndrome, start, end)
            assert [s.value for s in steps] == [g for _, g in direct], (start, end)
            assert [s.t for s in steps[1:]] == [parse_utc(t).timestamp() for t, _ in direct[1:]]
        devices = queries.o2_devices("A1", start.timestamp(), end.timestamp())
        assert [c.device.value for c in chart.o2_devices("A1", start, end)] == [
            d for _, d in devices
        ]


def test_step_lists_follow_a_record_appended_after_they_were_read(story: Story) -> None:
    chart = chart_of(story)
    now = story.fx.clock.now()
    before = chart.grades("A1", Syndrome.CRS, story.start, now)
    later = now + timedelta(minutes=30)
    at(story.fx, later)
    vitals(story, later, normal_adult_vitals(sbp=70, dbp=40, hr=130, temperature=39.0))
    after = chart.grades("A1", Syndrome.CRS, story.start, later)
    assert after != before
    latest = story.fx.ward.latest_assessment("A1")
    assert latest is not None and after[-1].value == latest.crs_grade
