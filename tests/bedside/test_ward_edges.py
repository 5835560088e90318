"""Edge cases of deriving the state from the log, where a grade or an alert could silently go wrong."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bedside.alert_vocabulary import AlertKind
from bedside.clinical.assessment import Flag
from bedside.clinical.policy import SitePolicy
from bedside.clock import ManualClock
from bedside.records import (
    Attribution,
    DoseUnit,
    Draft,
    Drug,
    EpisodeClosure,
    Finding,
    RecordInvalid,
    Route,
    Syndrome,
    ValidDraft,
    validated,
)
from bedside.store.connection import open_database, transaction
from bedside.store.log import Log
from bedside.ward import Invalid, Recorded, Ward
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    PHYSICIAN,
    WardFixture,
    admission,
    capd_check,
    chart,
    ice_check,
    infusion,
    make_ward,
    normal_adult_vitals,
    recorded,
)


@pytest.fixture
def fx(tmp_path: Path) -> WardFixture:
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=NURSE))
    return fx


def vitals(fx: WardFixture, **values: object) -> Recorded:
    return recorded(chart(fx, "A1", **values))


def test_the_newest_acvpu_counts_whichever_form_charted_it(fx: WardFixture) -> None:
    neuro = ice_check(10, acvpu="A")
    recorded(fx.ward.chart_neuro("A1", neuro, observed_at=fx.clock.now(), author=NURSE))
    fx.clock.advance(timedelta(hours=8))
    result = vitals(fx, acvpu="V")
    assert result.assessment is not None
    assert result.assessment.news2.score == 3
    assert AlertKind.NEWS2 in {a.kind for a in fx.ward.open_alerts("A1")}


def test_an_agent_runs_while_any_of_its_infusions_runs(fx: WardFixture) -> None:
    vitals(fx, temperature=38.9, sbp=82, dbp=45)
    recorded(fx.ward.record_intervention("A1", infusion(fx), author=NURSE))
    fx.clock.advance(timedelta(minutes=30))
    second = infusion(fx, stopped_at=fx.clock.now() + timedelta(minutes=15))
    fx.clock.advance(timedelta(minutes=20))
    recorded(fx.ward.record_intervention("A1", second, author=NURSE))
    fx.clock.advance(timedelta(hours=1))
    later = vitals(fx, temperature=38.9, sbp=95, dbp=55)
    assert later.assessment is not None
    assert later.assessment.crs.grade == 3


def test_a_birthday_begins_at_midnight_on_the_ward(tmp_path: Path) -> None:
    # 08:00 in Sydney on 21 Nov is still 20 Nov in UTC: the child is 12 on the ward already.
    now = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    clock = ManualClock(now)
    policy = SitePolicy(site_timezone="Australia/Sydney")
    ward = Ward(open_database(tmp_path / "w.db", clock=clock), clock=clock, policy=policy)
    child = admission("C12", date(2014, 11, 21), infusion_at=now - timedelta(days=2))
    recorded(ward.admit(child, author=NURSE))
    refused = ward.chart_neuro("C12", capd_check(), observed_at=now, author=NURSE)
    assert isinstance(refused, Invalid)
    assert "ICE" in refused.errors[0].allowed
    graded = recorded(ward.chart_neuro("C12", ice_check(5), observed_at=now, author=NURSE))
    assert graded.assessment is not None
    assert graded.assessment.icans.grade == 2
    assert Flag.WRONG_TOOL_FOR_AGE not in graded.assessment.flags


def test_an_alert_is_not_resolved_when_its_grade_becomes_unknown(fx: WardFixture) -> None:
    recorded(fx.ward.chart_neuro("A1", ice_check(5), observed_at=fx.clock.now(), author=NURSE))
    (alert,) = [a for a in fx.ward.open_alerts("A1") if a.kind is AlertKind.ICANS]
    recorded(fx.ward.acknowledge(alert.alert_id, author=NURSE))
    fx.clock.advance(timedelta(hours=13))
    later = vitals(fx)
    assert later.assessment is not None and later.assessment.icans.grade is None
    assert AlertKind.ICANS in {a.kind for a in fx.ward.open_alerts("A1")}


def test_a_corrected_value_stops_counting_in_every_later_assessment(fx: WardFixture) -> None:
    wrong = recorded(
        fx.ward.chart_neuro("A1", ice_check(2), observed_at=fx.clock.now(), author=NURSE)
    )
    for _ in range(3):
        fx.clock.advance(timedelta(hours=1))
        vitals(fx)
    recorded(
        fx.ward.correct(
            wrong.record.id, ice_check(10), reason="scored the wrong patient", author=NURSE
        )
    )
    latest = fx.ward.latest_assessment("A1")
    assert latest is not None
    assert latest.icans_grade == 0
    assert latest.record.icans_episode_max == 0
    assert not latest.record.icans_episode_open
    assert AlertKind.ICANS_DOWNGRADE not in {a.kind for a in fx.ward.open_alerts("A1")}


def test_a_fever_attributed_afterwards_opens_no_episode(fx: WardFixture) -> None:
    vitals(fx, temperature=38.6)
    fx.clock.advance(timedelta(minutes=20))
    cause = Attribution(finding=Finding.FEVER, cause="central line infection, cultures positive")
    recorded(fx.ward.attribute("A1", cause, observed_at=fx.clock.now(), author=PHYSICIAN))
    fx.clock.advance(timedelta(minutes=10))
    paracetamol = infusion(fx, Drug.PARACETAMOL, dose=1000, dose_unit=DoseUnit.MG, route=Route.PO)
    recorded(fx.ward.record_intervention("A1", paracetamol, author=NURSE))
    fx.clock.advance(timedelta(hours=7))
    later = vitals(fx, temperature=37.2, sbp=85, dbp=50)
    assert later.assessment is not None
    assert later.assessment.crs.grade == 0
    assert Flag.FEVER_WAIVER_ACTIVE not in later.assessment.flags


def test_a_hypoxia_attribution_counts_without_a_recorded_indication(fx: WardFixture) -> None:
    vitals(fx, temperature=38.6, o2_device="nasal_cannula", o2_flow_l_min=2, o2_indication=None)
    cause = Attribution(finding=Finding.HYPOXIA, cause="post-sedation for bone marrow aspirate")
    done = recorded(fx.ward.attribute("A1", cause, observed_at=fx.clock.now(), author=PHYSICIAN))
    assert done.assessment is not None
    assert done.assessment.crs.grade == 1


def test_computed_records_and_physician_fields_are_not_corrected_by_a_nurse(
    fx: WardFixture,
) -> None:
    vitals(fx, temperature=38.6)
    latest = fx.ward.latest_assessment("A1")
    assert latest is not None
    stored = fx.ward.record_versions(latest.record_id)[-1]
    refused = fx.ward.correct(
        latest.record_id, stored.record, reason="looks wrong", author=PHYSICIAN
    )
    assert isinstance(refused, Invalid)
    first = fx.ward.admission_record("A1")
    assert first is not None
    delayed = replace(first.record, developmental_delay=True)  # type: ignore[type-var]
    by_nurse = fx.ward.correct(first.id, delayed, reason="parent report", author=NURSE)
    assert isinstance(by_nurse, Invalid) and by_nurse.errors[0].field == "author"
    by_doctor = recorded(fx.ward.correct(first.id, delayed, reason="assessed", author=PHYSICIAN))
    assert by_doctor.assessment is not None
    assert by_doctor.assessment.icans.tool.value == "CAPD"


def test_a_second_stop_of_the_same_infusion_is_refused_not_raised(fx: WardFixture) -> None:
    started = recorded(fx.ward.record_intervention("A1", infusion(fx), author=NURSE))
    fx.clock.advance(timedelta(minutes=30))
    recorded(fx.ward.stop_infusion(started.record.id, fx.clock.now(), author=NURSE))
    again = fx.ward.stop_infusion(started.record.id, fx.clock.now(), author=NURSE)
    assert isinstance(again, Invalid)
    assert again.errors[0].field == "supersedes"


def test_the_board_shows_vitals_charted_just_before_a_closure(fx: WardFixture) -> None:
    vitals(fx, temperature=38.6)
    fx.clock.advance(timedelta(hours=2))
    closure = EpisodeClosure(syndrome=Syndrome.CRS, reason="afebrile, stable")
    recorded(fx.ward.close_episode("A1", closure, author=PHYSICIAN))
    back = fx.clock.now() - timedelta(minutes=5)
    recorded(
        fx.ward.chart_vitals(
            "A1", normal_adult_vitals(rr=26, hr=135), observed_at=back, author=NURSE
        )
    )
    latest = fx.ward.latest_assessment("A1")
    assert latest is not None and latest.news2 is not None and latest.news2 >= 5


def test_a_clock_set_back_stops_neither_charting_nor_acknowledging(fx: WardFixture) -> None:
    recorded(fx.ward.chart_neuro("A1", ice_check(5), observed_at=fx.clock.now(), author=NURSE))
    (alert,) = [a for a in fx.ward.open_alerts("A1") if a.kind is AlertKind.ICANS]
    fx.clock.set(fx.clock.now() - timedelta(hours=1))  # the machine's clock is corrected back
    # The stored assessment and the alert events are stamped by the service, not by the user:
    # the current time point (an hour ahead of the clock now) is graded and alerted again.
    later = vitals(fx, temperature=38.6)
    assert later.current is not None and later.current.crs.grade == 1
    recorded(fx.ward.acknowledge(alert.alert_id, author=NURSE))
    acknowledged = fx.ward.alert(alert.alert_id)
    assert acknowledged is not None and acknowledged.acknowledged_by == NURSE.user_id
    # A correction that keeps the time of a record charted before the clock went back.
    fixed = recorded(
        fx.ward.correct(later.record.id, normal_adult_vitals(), reason="typo", author=NURSE)
    )
    assert fixed.record.observed_at == later.record.observed_at
    # What a person gives is still checked against the clock.
    ahead = fx.clock.now() + timedelta(minutes=30)
    refused = fx.ward.chart_vitals("A1", normal_adult_vitals(), observed_at=ahead, author=NURSE)
    assert isinstance(refused, Invalid) and refused.errors[0].field == "observed_at"


def test_a_correction_without_a_new_time_keeps_the_corrected_records_time(
    fx: WardFixture,
) -> None:
    charted_at = fx.clock.now()
    wrong = vitals(fx, hr=150)
    fx.clock.advance(timedelta(hours=1))
    fixed = recorded(
        fx.ward.correct(wrong.record.id, normal_adult_vitals(), reason="typo", author=NURSE)
    )
    assert fixed.record.observed_at == charted_at
    # The log itself holds a correction that says it keeps the time to the corrected record's.
    log = Log(fx.db, fx.clock)
    moved = Draft(
        normal_adult_vitals(hr=90),
        "A1",
        charted_at + timedelta(minutes=1),
        fixed.record.id,
        "typo again",
        keeps_observed_at=True,
    )
    valid = validated(moved, fx.clock)
    assert isinstance(valid, ValidDraft)
    before = fx.history.row_counts()
    with pytest.raises(RecordInvalid) as refused, transaction(fx.db):
        log.write(valid, author=NURSE.user_id)
    assert [e.field for e in refused.value.errors] == ["observed_at"]
    assert fx.history.row_counts() == before
    # Only a correction keeps a time.
    alone = Draft(normal_adult_vitals(), "A1", charted_at, keeps_observed_at=True)
    errors = validated(alone, fx.clock)
    assert isinstance(errors, list) and errors[0].field == "keeps_observed_at"
