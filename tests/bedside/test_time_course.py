"""Clinical behaviour over time (SPEC D19–D27): each defect a ward scenario found, as a regression test.

Every test here charts through the ward service as a nurse and a physician would and asserts on what the
ward then shows: grades, open alerts, due checks. Each failed before its fix.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bedside.alert_vocabulary import AlertKind, AlertStatus
from bedside.clinical.assessment import Flag
from bedside.clinical.calendar import day_post_infusion
from bedside.preview import DraftOverlay, DraftRecord
from bedside.records import (
    Attribution,
    DoseUnit,
    Drug,
    EpisodeClosure,
    Finding,
    Indication,
    Intervention,
    Route,
    Syndrome,
    TempUnit,
    VitalSigns,
)
from bedside.schedule import CheckKind
from bedside.timepoint import assemble_state
from bedside.ward import Recorded
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    PHYSICIAN,
    START,
    WardFixture,
    admission,
    capd_check,
    chart,
    ice_check,
    infusion,
    make_ward,
    recorded,
)


@pytest.fixture
def fx(tmp_path: Path) -> WardFixture:
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=NURSE))
    return fx


def kinds(fx: WardFixture, *, unacknowledged: bool = False) -> set[AlertKind]:
    return {
        a.kind
        for a in fx.ward.open_alerts("A1")
        if not unacknowledged or a.status is AlertStatus.ACTIVE
    }


def acknowledge_all(fx: WardFixture) -> None:
    for alert in fx.ward.open_alerts("A1"):
        if alert.status is AlertStatus.ACTIVE:
            recorded(fx.ward.acknowledge(alert.alert_id, author=NURSE))


def neuro(fx: WardFixture, check: object, patient: str = "A1") -> Recorded:
    return recorded(
        fx.ward.chart_neuro(patient, check, observed_at=fx.clock.now(), author=NURSE)  # type: ignore[arg-type]
    )


def attribute(fx: WardFixture, finding: Finding, **fields: object) -> Recorded:
    attribution = Attribution(finding=finding, cause="documented other cause", **fields)  # type: ignore[arg-type]
    return recorded(
        fx.ward.attribute("A1", attribution, observed_at=fx.clock.now(), author=PHYSICIAN)
    )


def grade(result: Recorded) -> tuple[int | None, int | None]:
    shown = result.current or result.assessment
    assert shown is not None
    return shown.crs.grade, shown.icans.grade


# --- 1. A fall after a "not determinable" time point --------------------------------------------------


def test_crs_fall_after_an_undeterminable_time_point_asks_for_acknowledgement(
    fx: WardFixture,
) -> None:
    recorded(chart(fx, "A1", temperature=38.9, sbp=82, dbp=45))
    recorded(fx.ward.record_intervention("A1", infusion(fx), author=NURSE))  # CRS 3
    acknowledge_all(fx)
    # Seven hours on, the vitals are stale at a neuro check: CRS cannot be determined.
    fx.clock.advance(timedelta(hours=7))
    stale = neuro(fx, ice_check(10))
    assert stale.assessment is not None and stale.assessment.crs.grade is None
    assert AlertKind.CRS in kinds(fx), "the earlier grade's alert stays open (D20)"
    assert AlertKind.INCOMPLETE_DATA in kinds(fx, unacknowledged=True)
    # Then a normal set: a fall from the last determinate grade, to acknowledge.
    fx.clock.advance(timedelta(minutes=10))
    normal = recorded(chart(fx, "A1"))
    assert grade(normal)[0] == 0
    assert AlertKind.CRS_DOWNGRADE in kinds(fx, unacknowledged=True)
    assert AlertKind.INCOMPLETE_DATA not in kinds(fx)


def test_icans_fall_after_a_neuro_check_not_done_asks_for_acknowledgement(
    fx: WardFixture,
) -> None:
    neuro(fx, ice_check(2))
    assert kinds(fx) >= {AlertKind.ICANS}
    acknowledge_all(fx)
    fx.clock.advance(timedelta(hours=4))
    not_done = neuro(fx, _ice_not_done())
    assert not_done.assessment is not None and not_done.assessment.icans.grade is None
    assert AlertKind.INCOMPLETE_DATA in kinds(fx)
    fx.clock.advance(timedelta(hours=1))
    neuro(fx, ice_check(8))
    assert AlertKind.ICANS_DOWNGRADE in kinds(fx, unacknowledged=True)


def test_a_fall_across_the_twelfth_birthday_from_capd_to_ice_is_acknowledged(
    tmp_path: Path,
) -> None:
    fx = make_ward(tmp_path)
    born = date(START.year - 12, START.month, START.day) + timedelta(days=1)  # 12 tomorrow
    recorded(fx.ward.admit(admission("C1", born), author=NURSE))
    fx.clock.advance(timedelta(hours=12))  # 20:00, the evening before the birthday
    neuro(fx, capd_check((2, 2, 2, 2, 1, 1, 0, 0)), patient="C1")  # CAPD 10: grade 3
    assert {a.kind for a in fx.ward.open_alerts("C1")} >= {AlertKind.ICANS}
    fx.clock.advance(timedelta(hours=5))  # 01:00 on the birthday: the CAPD still counts (D22)
    vitals = recorded(chart(fx, "C1"))
    assert vitals.assessment is not None
    assert vitals.assessment.icans.grade == 3
    assert vitals.assessment.icans.tool.value == "CAPD"
    check = next(c for c in fx.ward.due("C1") if c.kind is CheckKind.NEURO)
    assert check.overdue, "an ICE check is due at once after the 12th birthday (D22)"
    fx.clock.advance(timedelta(hours=1))
    after = recorded(
        fx.ward.chart_neuro("C1", ice_check(10), observed_at=fx.clock.now(), author=NURSE)
    )
    assert after.assessment is not None and after.assessment.icans.grade == 0
    downgrades = [a for a in fx.ward.open_alerts("C1") if a.kind is AlertKind.ICANS_DOWNGRADE]
    assert downgrades and downgrades[0].status is AlertStatus.ACTIVE


# --- 2. A second fall of the same size ------------------------------------------------------------------


def test_each_new_lower_level_alerts_again(fx: WardFixture) -> None:
    recorded(
        chart(fx, "A1", temperature=39.0, spo2=93, o2_device="bipap", o2_indication="crs_hypoxia")
    )
    fx.clock.advance(timedelta(hours=1))
    recorded(
        chart(
            fx,
            "A1",
            temperature=38.9,
            o2_device="non_rebreather",
            o2_flow_l_min=12,
            o2_indication="crs_hypoxia",
        )
    )  # 4 -> 3
    assert AlertKind.CRS_DOWNGRADE in kinds(fx, unacknowledged=True)
    acknowledge_all(fx)
    assert AlertKind.CRS_DOWNGRADE not in kinds(fx)
    fx.clock.advance(timedelta(hours=1))
    recorded(
        chart(
            fx,
            "A1",
            temperature=38.6,
            o2_device="nasal_cannula",
            o2_flow_l_min=4,
            o2_indication="crs_hypoxia",
        )
    )  # 3 -> 2: the same size of fall, a new level
    assert AlertKind.CRS_DOWNGRADE in kinds(fx, unacknowledged=True)


# --- 3. An attribution covers what was charted before it, not after ---------------------------------------


def test_every_fever_of_a_long_run_is_read_in_order_across_pages(fx: WardFixture) -> None:
    """The store reads fevers in pages (the episode onset is mostly the first); none is skipped or
    repeated at a page's edge, two at one instant included."""
    since = fx.clock.now()
    expected = []
    for i in range(70):
        fx.clock.advance(timedelta(minutes=10))
        recorded(chart(fx, "A1", temperature=38.1 + (i % 5) / 10 if i % 3 else 37.2))
        if i % 3:
            expected.append(fx.clock.now())
    history = fx.history
    read = list(history.fever_times("A1", since, fx.clock.now()))
    assert read == expected and len(read) == 46
    assert list(history.fever_times("A1", expected[8], expected[8])) == [expected[8]]
    assert (
        list(history.fever_times("A1", fx.clock.now() + timedelta(seconds=1), fx.clock.now())) == []
    )


def test_an_onset_after_many_attributed_fevers_is_found(fx: WardFixture) -> None:
    for _ in range(20):  # twenty fevers, every one attributed elsewhere as it is charted
        fx.clock.advance(timedelta(minutes=15))
        recorded(chart(fx, "A1", temperature=38.3))
        attribute(fx, Finding.FEVER)
    fx.clock.advance(timedelta(hours=5))
    later = recorded(chart(fx, "A1", temperature=39.0, sbp=86, dbp=50))
    assert grade(later)[0] == 2
    assert AlertKind.CRS in kinds(fx)


def test_a_new_fever_after_an_attributed_fever_is_crs(fx: WardFixture) -> None:
    recorded(chart(fx, "A1", temperature=38.4))
    attribute(fx, Finding.FEVER)
    fx.clock.advance(timedelta(hours=5))
    later = recorded(chart(fx, "A1", temperature=39.0, sbp=86, dbp=50))
    assert grade(later)[0] == 2
    assert AlertKind.CRS in kinds(fx)


def test_a_new_seizure_after_an_attributed_seizure_is_graded(fx: WardFixture) -> None:
    neuro(fx, ice_check(10, seizure="clinical_resolved_rapidly"))
    attribute(fx, Finding.SEIZURE)
    fx.clock.advance(timedelta(hours=10))
    later = neuro(fx, ice_check(10, seizure="clinical_resolved_rapidly"))
    assert grade(later)[1] == 3


def test_unarousable_after_drowsiness_was_attributed_to_sedation_is_grade_4(
    fx: WardFixture,
) -> None:
    neuro(fx, ice_check(9, consciousness="awakens_to_voice"))
    attribute(fx, Finding.CONSCIOUSNESS)
    fx.clock.advance(timedelta(hours=11))
    later = neuro(
        fx,
        ice_check(
            consciousness="unarousable",
            ice_orientation=None,
            ice_naming=None,
            ice_commands=None,
            ice_writing=None,
            ice_attention=None,
            ice_not_assessable="unarousable",
        ),
    )
    assert grade(later)[1] == 4
    assert AlertKind.ICANS in kinds(fx, unacknowledged=True)


def test_oxygen_charted_for_crs_hypoxia_after_a_hypoxia_attribution_counts(
    fx: WardFixture,
) -> None:
    recorded(
        chart(fx, "A1", temperature=38.6, o2_device="nasal_cannula", o2_flow_l_min=2,
              o2_indication="unknown")
    )  # fmt: skip
    attribute(fx, Finding.HYPOXIA)
    fx.clock.advance(timedelta(hours=1))
    mask = recorded(
        chart(fx, "A1", temperature=38.6, o2_device="simple_face_mask", o2_flow_l_min=8,
              o2_indication="crs_hypoxia")
    )  # fmt: skip
    assert grade(mask)[0] == 3


def test_an_explicit_until_covers_later_findings_up_to_it(fx: WardFixture) -> None:
    recorded(chart(fx, "A1", temperature=38.4))
    attribute(fx, Finding.FEVER, until=fx.clock.now() + timedelta(hours=12))
    fx.clock.advance(timedelta(hours=5))
    inside = recorded(chart(fx, "A1", temperature=38.8))
    assert grade(inside)[0] == 0
    fx.clock.advance(timedelta(hours=8))
    beyond = recorded(chart(fx, "A1", temperature=38.8))
    assert grade(beyond)[0] == 1


def test_an_until_beyond_the_site_maximum_is_refused(fx: WardFixture) -> None:
    attribution = Attribution(
        finding=Finding.FEVER, cause="line infection", until=fx.clock.now() + timedelta(hours=25)
    )
    result = fx.ward.attribute("A1", attribution, observed_at=fx.clock.now(), author=PHYSICIAN)
    assert not isinstance(result, Recorded)
    assert [e.field for e in result.errors] == ["until"]  # type: ignore[union-attr]


# --- 4. Each vitals parameter has its own clock -------------------------------------------------------------


def test_spo2_only_sets_do_not_reset_the_vitals_schedule(fx: WardFixture) -> None:
    recorded(chart(fx, "A1"))
    for _ in range(6):
        fx.clock.advance(timedelta(hours=1))
        spo2_only = VitalSigns(spo2=97)
        recorded(fx.ward.chart_vitals("A1", spo2_only, observed_at=fx.clock.now(), author=NURSE))
    vitals = next(c for c in fx.ward.due("A1") if c.kind is CheckKind.VITALS)
    assert vitals.overdue
    assert "temperature" in vitals.waiting_for
    fx.ward.tick()
    assert AlertKind.VITALS_OVERDUE in kinds(fx)


# --- 5. A neuro check charted "not done" is not done ---------------------------------------------------------


def test_a_neuro_check_not_done_leaves_the_check_overdue(fx: WardFixture) -> None:
    neuro(fx, ice_check(10))
    fx.clock.advance(timedelta(hours=8))
    not_done = neuro(fx, _ice_not_done())
    fx.clock.advance(timedelta(hours=1))
    check = next(c for c in fx.ward.due("A1") if c.kind is CheckKind.NEURO)
    assert check.overdue
    fx.ward.tick()
    assert AlertKind.NEURO_OVERDUE in kinds(fx)
    # V084: the assessment of a later time point carries the flag.
    fx.clock.advance(timedelta(hours=5))
    later = recorded(chart(fx, "A1"))
    assert later.assessment is not None
    assert Flag.NEURO_ASSESSMENT_OVERDUE in later.assessment.flags
    assert not_done.assessment is not None


# --- the smaller ones -----------------------------------------------------------------------------------------


def test_a_lower_bound_from_missing_data_is_not_a_fall(fx: WardFixture) -> None:
    recorded(chart(fx, "A1", temperature=38.9, sbp=82, dbp=45))  # CRS 2
    fx.clock.advance(timedelta(minutes=30))
    partial = VitalSigns(temperature=38.7, temperature_unit="C")  # type: ignore[arg-type]
    fx.clock.advance(timedelta(hours=6, minutes=1))  # the SBP and the oxygen record go stale
    result = recorded(fx.ward.chart_vitals("A1", partial, observed_at=fx.clock.now(), author=NURSE))
    assert result.assessment is not None
    assert result.assessment.crs.grade_is_lower_bound
    assert AlertKind.CRS_DOWNGRADE not in kinds(fx)
    assert AlertKind.INCOMPLETE_DATA in kinds(fx)


def test_a_closure_covers_the_fever_before_it(fx: WardFixture) -> None:
    recorded(chart(fx, "A1", temperature=38.5))
    fx.clock.advance(timedelta(hours=1))
    closure = EpisodeClosure(syndrome=Syndrome.CRS, reason="resolved, reviewed at the bedside")
    recorded(fx.ward.close_episode("A1", closure, author=PHYSICIAN))
    fx.clock.advance(timedelta(hours=1))
    after = recorded(neuro(fx, ice_check(10)))
    assert after.assessment is not None
    assert after.assessment.crs.grade != 1, "a fever observed before the closure opens no episode"
    fx.clock.advance(timedelta(hours=1))
    new_fever = recorded(chart(fx, "A1", temperature=38.6))
    assert grade(new_fever)[0] == 1


def test_stopping_a_vasopressor_is_a_time_point_and_makes_vitals_due_soon(
    fx: WardFixture,
) -> None:
    recorded(chart(fx, "A1", temperature=38.9, sbp=82, dbp=45))
    recorded(fx.ward.record_intervention("A1", infusion(fx), author=NURSE))
    fx.clock.advance(timedelta(minutes=30))
    recorded(chart(fx, "A1", temperature=38.8, sbp=100, dbp=60))
    acknowledge_all(fx)
    fx.clock.advance(timedelta(hours=1))
    stopped = recorded(fx.ward.stop_infusion(_running(fx), fx.clock.now(), author=NURSE))
    latest = fx.ward.latest_assessment("A1")
    assert latest is not None and latest.observed_at == fx.clock.now()
    assert latest.crs_grade == 1 and stopped.current is not None
    assert AlertKind.CRS_DOWNGRADE in kinds(fx, unacknowledged=True)
    vitals = next(c for c in fx.ward.due("A1") if c.kind is CheckKind.VITALS)
    assert vitals.due_at == fx.clock.now() + timedelta(minutes=15)


def test_day_numbers_are_calendar_days_and_pre_infusion_is_by_the_instant(
    tmp_path: Path,
) -> None:
    fx = make_ward(tmp_path)
    infusion_at = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    fx.clock.set(infusion_at - timedelta(hours=2))
    recorded(fx.ward.admit(admission("A1", ADULT_BORN, infusion_at=infusion_at), author=NURSE))
    before = recorded(chart(fx, "A1", temperature=38.4))
    assert before.assessment is not None
    assert Flag.PRE_INFUSION_FEVER_NOT_CRS in before.assessment.flags
    assert before.assessment.crs.grade == 0
    assert AlertKind.PRE_INFUSION_FEVER in kinds(fx)


def test_day_zero_is_the_calendar_day_of_the_infusion_in_the_site_zone() -> None:
    infused = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    london = ZoneInfo("Europe/London")
    assert day_post_infusion(infused, infused + timedelta(hours=2), london) == 1
    assert day_post_infusion(infused, infused - timedelta(hours=22), london) == 0
    tokyo = ZoneInfo("Asia/Tokyo")  # 08:00 on the 21st there
    assert day_post_infusion(infused, infused + timedelta(hours=14), tokyo) == 0
    assert day_post_infusion(infused, infused + timedelta(hours=16), tokyo) == 1


def test_waiver_review_after_72_h_afebrile(fx: WardFixture) -> None:
    recorded(chart(fx, "A1", temperature=38.7))
    toci = Intervention(
        drug=Drug.TOCILIZUMAB,
        dose=8,
        dose_unit=DoseUnit.MG_PER_KG,
        route=Route.IV,
        started_at=fx.clock.now(),
        indication=Indication.TREATMENT,
    )
    recorded(fx.ward.record_intervention("A1", toci, author=NURSE))
    recorded(fx.ward.record_intervention("A1", infusion(fx), author=NURSE))
    for _ in range(37):
        fx.clock.advance(timedelta(hours=2))
        result = recorded(chart(fx, "A1", temperature=37.2, sbp=100, dbp=60))
    assert result.assessment is not None
    assert result.assessment.crs.grade == 3
    assert Flag.CRS_WAIVER_REVIEW in result.assessment.flags
    assert AlertKind.WAIVER_REVIEW in kinds(fx)


def _ice_not_done() -> object:
    return ice_check(
        ice_orientation=None,
        ice_naming=None,
        ice_commands=None,
        ice_writing=None,
        ice_attention=None,
        ice_not_assessable="not_done",
    )


def _running(fx: WardFixture) -> str:
    running = fx.ward.running_infusions("A1", fx.clock.now())
    assert running
    return running[-1].id


# --- databases charted under older rules ---------------------------------------------------------------


def test_an_upgrade_of_the_rules_re_derives_the_current_picture_visibly(
    fx: WardFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded(chart(fx, "A1", temperature=38.9, sbp=82, dbp=45))
    before = fx.ward.latest_assessment("A1")
    assert before is not None
    assert fx.ward.rederive_under_current_rules() == [], "nothing to do under the same rules"
    newer = "bedside-rules-9.9 (test)"
    monkeypatch.setattr("bedside.clinical.engine.RULE_VERSION", newer)
    monkeypatch.setattr("bedside.ward.RULE_VERSION", newer)
    fx.clock.advance(timedelta(minutes=1))
    assert fx.ward.rederive_under_current_rules() == ["A1"]
    after = fx.ward.latest_assessment("A1")
    assert after is not None and after.record.rule_version == newer
    assert after.observed_at == before.observed_at and after.crs_grade == 2
    versions = fx.ward.record_versions(after.record_id)
    assert [v.id for v in versions] == [before.record_id, after.record_id]
    assert versions[-1].reason == f"re-derived under {newer}"
    assert versions[-1].author == "system"
    assert AlertKind.CRS in kinds(fx)
    assert fx.ward.rederive_under_current_rules() == []


def test_a_value_only_an_older_set_holds_is_named_stale_by_the_store_and_the_preview(
    fx: WardFixture,
) -> None:
    """D17: the window's sets give the values in force; a parameter that only a set older than the
    window (within the day looked back) holds is stale, and one that no set of the day holds is
    neither. The store answers the older sets in SQL, a preview from the records with its draft."""
    clock = fx.clock
    recorded(chart(fx, "A1", acvpu="V"))  # the only ACVPU of the day
    clock.advance(timedelta(hours=3))
    recorded(chart(fx, "A1", acvpu=None, sbp=None, dbp=None))
    clock.advance(timedelta(hours=4))  # the first set is 7 h old: past the 6 h window
    at = clock.now()
    policy = fx.ward.policy
    admission = fx.history.admission("A1")
    assert admission is not None
    state = assemble_state(fx.history, admission, "A1", at, policy)
    assert state.stale == {"acvpu", "sbp", "dbp"}
    assert state.hr == 80 and state.sbp is None and state.acvpu is None
    # A preview of a temperature alone at the same time: the draft is in the window.
    draft = DraftRecord(
        "draft", at, VitalSigns(temperature=37.2, temperature_unit=TempUnit.C), None
    )
    previewed = assemble_state(DraftOverlay(fx.history, draft), admission, "A1", at, policy)
    assert previewed.stale == {"acvpu", "sbp", "dbp"}
    assert previewed.temp_c == 37.2 and previewed.hr == 80
    # Past a day, nothing of the first set is looked at any more, and the second set is stale.
    later = at + timedelta(hours=18)  # the first set 25 h old, the second 21 h
    assert assemble_state(fx.history, admission, "A1", later, policy).stale == {
        "temperature",
        "hr",
        "rr",
        "spo2",
        "o2_device",
    }
