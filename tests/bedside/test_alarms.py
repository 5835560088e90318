"""BATTERY R20 (the scenarios that need no UI): priorities, acknowledgement, escalation, latching,
re-alerting on a rise, restart, overdue checks, downgrades."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bedside.alert_vocabulary import AlertEventType, AlertKind, AlertStatus, Priority
from bedside.ward import Invalid
from tests.support.ward_fixtures import (
    ADULT_BORN,
    CHILD_BORN,
    NURSE,
    PHYSICIAN,
    READER,
    WardFixture,
    admission,
    chart,
    ice_check,
    infusion,
    make_ward,
    recorded,
)


@pytest.fixture
def fx(tmp_path: Path) -> WardFixture:
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN, baseline_ice=10), author=NURSE))
    recorded(fx.ward.admit(admission("C1", CHILD_BORN, baseline_capd=0), author=NURSE))
    return fx


def vitals(fx: WardFixture, patient: str = "A1", **values: object) -> None:
    recorded(chart(fx, patient, **values))


def alerts(fx: WardFixture, patient: str = "A1") -> dict[AlertKind, object]:
    return {a.kind: a for a in fx.ward.open_alerts(patient)}


@pytest.mark.parametrize(
    ("values", "kind", "priority"),
    [
        ({"temperature": 38.3}, AlertKind.CRS, Priority.LOW),
        ({"temperature": 38.3, "sbp": 85, "dbp": 50}, AlertKind.CRS, Priority.MEDIUM),
        ({"rr": 22, "hr": 112, "temperature": 36.0}, AlertKind.NEWS2, Priority.MEDIUM),  # NEWS2 5
        ({"rr": 26, "hr": 135, "temperature": 36.0}, AlertKind.NEWS2, Priority.HIGH),  # NEWS2 7
        ({"rr": 26}, AlertKind.NEWS2, Priority.MEDIUM),  # red score alone
    ],
)
def test_grade_and_score_map_to_priority(
    fx: WardFixture, values: dict[str, object], kind: AlertKind, priority: Priority
) -> None:
    vitals(fx, **values)
    found = {a.kind: a.priority for a in fx.ward.open_alerts("A1")}
    assert found[kind] is priority


def test_vasopressor_is_crs_3_high_priority(fx: WardFixture) -> None:
    vitals(fx, temperature=38.8, sbp=82, dbp=45)
    recorded(fx.ward.record_intervention("A1", infusion(fx), author=NURSE))
    found = {a.kind: a.priority for a in fx.ward.open_alerts("A1")}
    assert found[AlertKind.CRS] is Priority.HIGH
    assert found[AlertKind.VASOPRESSOR] is Priority.HIGH


def test_icans_3_is_high_and_pews_over_threshold_is_high(fx: WardFixture) -> None:
    recorded(fx.ward.chart_neuro("A1", ice_check(2), observed_at=fx.clock.now(), author=NURSE))
    assert {a.kind: a.priority for a in fx.ward.open_alerts("A1")}[AlertKind.ICANS] is Priority.HIGH
    vitals(fx, "C1", hr=140, rr=45, resp_effort="moderate", crt_s=3)  # PEWS 1+4+2+... >= 8
    assert {a.kind: a.priority for a in fx.ward.open_alerts("C1")}[AlertKind.PEWS] is Priority.HIGH


def test_acknowledgement_is_recorded_with_who_and_when(fx: WardFixture) -> None:
    vitals(fx, temperature=38.3)
    (alert,) = fx.ward.open_alerts("A1")
    assert isinstance(fx.ward.acknowledge(alert.alert_id, author=READER), Invalid)
    recorded(fx.ward.acknowledge(alert.alert_id, author=NURSE))
    (acked,) = fx.ward.open_alerts("A1")
    assert acked.status is AlertStatus.ACKNOWLEDGED
    assert acked.acknowledged_by == NURSE.user_id
    assert acked.acknowledged_at == fx.clock.now()
    assert isinstance(fx.ward.acknowledge(alert.alert_id, author=NURSE), Invalid)


def test_high_priority_alert_latches_until_acknowledged(fx: WardFixture) -> None:
    recorded(fx.ward.chart_neuro("A1", ice_check(2), observed_at=fx.clock.now(), author=NURSE))
    fx.clock.advance(timedelta(minutes=30))
    recorded(fx.ward.chart_neuro("A1", ice_check(10), observed_at=fx.clock.now(), author=NURSE))
    icans = alerts(fx)[AlertKind.ICANS]
    assert icans.status is AlertStatus.ACTIVE  # type: ignore[attr-defined]
    recorded(fx.ward.acknowledge(icans.alert_id, author=PHYSICIAN))  # type: ignore[attr-defined]
    assert AlertKind.ICANS not in alerts(fx)


def test_low_priority_alert_resolves_with_its_condition(fx: WardFixture) -> None:
    vitals(fx, temperature=38.3)
    fx.clock.advance(timedelta(minutes=30))
    vitals(fx, temperature=37.2)
    # CRS stays graded 0 with the episode open; the fever alert itself has resolved.
    assert AlertKind.CRS not in alerts(fx)


def test_unacknowledged_alert_escalates_once_after_the_site_time(fx: WardFixture) -> None:
    recorded(fx.ward.chart_neuro("A1", ice_check(2), observed_at=fx.clock.now(), author=NURSE))
    limit = fx.ward.policy.escalate_high_after_min
    fx.clock.advance(timedelta(minutes=limit - 1))
    assert [d for d in fx.ward.tick().written.get("A1", []) if d.kind is AlertKind.ICANS] == []
    fx.clock.advance(timedelta(minutes=1))
    escalated = [d for d in fx.ward.tick().written.get("A1", []) if d.kind is AlertKind.ICANS]
    assert [d.event for d in escalated] == [AlertEventType.ESCALATED]
    fx.clock.advance(timedelta(minutes=10))
    assert [d for d in fx.ward.tick().written.get("A1", []) if d.kind is AlertKind.ICANS] == []


def test_a_rise_re_alerts_even_when_acknowledged(fx: WardFixture) -> None:
    vitals(fx, temperature=38.3)
    (alert,) = fx.ward.open_alerts("A1")
    recorded(fx.ward.acknowledge(alert.alert_id, author=NURSE))
    fx.clock.advance(timedelta(minutes=20))
    vitals(fx, temperature=38.5, sbp=84, dbp=50)
    crs = alerts(fx)[AlertKind.CRS]
    assert crs.status is AlertStatus.ACTIVE  # type: ignore[attr-defined]
    assert crs.level == 2  # type: ignore[attr-defined]
    assert crs.alert_id == alert.alert_id  # type: ignore[attr-defined]


def test_active_alerts_survive_a_restart(fx: WardFixture) -> None:
    vitals(fx, temperature=38.3, sbp=84, dbp=50)
    before = {(a.alert_id, a.status) for a in fx.ward.open_alerts()}
    fx.reopen()
    assert {(a.alert_id, a.status) for a in fx.ward.open_alerts()} == before
    assert before


def test_overdue_neuro_check_raises_and_clears(fx: WardFixture) -> None:
    recorded(fx.ward.chart_neuro("A1", ice_check(10), observed_at=fx.clock.now(), author=NURSE))
    vitals(fx)
    fx.clock.advance(timedelta(hours=8, minutes=1))  # SPEC 11: neuro every 8 h on days 0-14
    raised = [d for d in fx.ward.tick().written.get("A1", []) if d.kind is AlertKind.NEURO_OVERDUE]
    assert [d.event for d in raised] == [AlertEventType.RAISED]
    assert fx.ward.tick().written.get("A1", []) == []  # no duplicate while still overdue
    recorded(fx.ward.chart_neuro("A1", ice_check(10), observed_at=fx.clock.now(), author=NURSE))
    cleared = [d for d in fx.ward.tick().written.get("A1", []) if d.kind is AlertKind.NEURO_OVERDUE]
    assert [d.event for d in cleared] == [AlertEventType.RESOLVED]


def test_a_fall_in_grade_during_an_open_episode_needs_acknowledgement(fx: WardFixture) -> None:
    recorded(fx.ward.chart_neuro("A1", ice_check(2), observed_at=fx.clock.now(), author=NURSE))
    fx.clock.advance(timedelta(hours=1))
    recorded(fx.ward.chart_neuro("A1", ice_check(8), observed_at=fx.clock.now(), author=NURSE))
    found = alerts(fx)
    downgrade = found[AlertKind.ICANS_DOWNGRADE]
    assert "3 to 1" in downgrade.detail  # type: ignore[attr-defined]
    fx.clock.advance(timedelta(hours=1))
    recorded(fx.ward.chart_neuro("A1", ice_check(8), observed_at=fx.clock.now(), author=NURSE))
    assert AlertKind.ICANS_DOWNGRADE in alerts(fx)  # latched until a clinician acknowledges it
    recorded(fx.ward.acknowledge(downgrade.alert_id, author=PHYSICIAN))  # type: ignore[attr-defined]
    assert AlertKind.ICANS_DOWNGRADE not in alerts(fx)


def test_recent_alerts_keep_those_acknowledged_then_ended_within_the_span(fx: WardFixture) -> None:
    # The handover lists the open alerts and those acknowledged or ended lately, with who and when.
    recorded(fx.ward.chart_neuro("A1", ice_check(2), observed_at=fx.clock.now(), author=NURSE))
    raised = fx.clock.now()
    fx.clock.advance(timedelta(minutes=5))
    icans = alerts(fx)[AlertKind.ICANS]
    recorded(fx.ward.acknowledge(icans.alert_id, author=PHYSICIAN))  # type: ignore[attr-defined]
    fx.clock.advance(timedelta(minutes=30))
    recorded(fx.ward.chart_neuro("A1", ice_check(10), observed_at=fx.clock.now(), author=NURSE))
    assert AlertKind.ICANS not in alerts(fx)  # ended: no longer open
    recent = {a.kind: a for a in fx.ward.recent_alerts("A1", raised - timedelta(hours=24))}
    ended = recent[AlertKind.ICANS]
    assert ended.status is AlertStatus.RESOLVED
    assert ended.acknowledged_by == PHYSICIAN.user_id
    assert ended.acknowledged_at == raised + timedelta(minutes=5)
    fx.clock.advance(timedelta(hours=25))
    later = fx.ward.recent_alerts("A1", fx.clock.now() - timedelta(hours=24))
    assert AlertKind.ICANS not in {a.kind for a in later}  # ended more than 24 h ago
    assert fx.ward.recent_alerts("C1", raised - timedelta(hours=24)) == []
