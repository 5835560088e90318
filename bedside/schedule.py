"""Which checks are due or overdue: the default monitoring schedule of SPEC section 11 (site policy, D15).

Pure: the ward passes in the times of the last checks, the patient's current picture and "now".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bedside.clinical.policy import SitePolicy

DAY = timedelta(days=1)


class CheckKind(StrEnum):
    VITALS = "vitals"
    NEURO = "neuro"


class Phase(StrEnum):
    """SPEC 11 phases, from the day after infusion."""

    LYMPHODEPLETION = "lymphodepletion"  # days -14 to -1
    HIGH_RISK = "days_0_14"
    EARLY_FOLLOW_UP = "days_15_28"
    LATE_FOLLOW_UP = "day_29_plus"  # protocol visits: no ward schedule


PHASE_LABEL = {
    Phase.LYMPHODEPLETION: "lymphodepletion",
    Phase.HIGH_RISK: "days 0–14",
    Phase.EARLY_FOLLOW_UP: "days 15–28",
    Phase.LATE_FOLLOW_UP: "day 29 on: protocol visits",
}


@dataclass(frozen=True, slots=True)
class Acuity:
    """What the schedule reads of the patient's latest assessment."""

    crs_grade: int | None = None
    icans_grade: int | None = None
    crs_open: bool = False
    icans_open: bool = False
    news2: int | None = None
    news2_red: bool = False
    pews: int | None = None


@dataclass(frozen=True, slots=True)
class DueCheck:
    kind: CheckKind
    last_at: datetime | None
    interval: timedelta | None  # None: no ward schedule in this phase
    due_at: datetime | None
    overdue: bool
    why: str  # which rule set the interval, e.g. "ICANS active: every 4 h"
    continuous: bool = False  # NEWS2 >= 7: continuous monitoring (RCP Chart 4)


def day_post_infusion(infusion_at: datetime, at: datetime) -> int:
    """Day 0 is the day of infusion (the 24 h from the infusion time), negative before it."""
    return (at - infusion_at) // DAY


def phase(day: int) -> Phase:
    if day < 0:
        return Phase.LYMPHODEPLETION
    if day <= 14:
        return Phase.HIGH_RISK
    if day <= 28:
        return Phase.EARLY_FOLLOW_UP
    return Phase.LATE_FOLLOW_UP


def _hours(h: float) -> timedelta:
    return timedelta(hours=h)


def vitals_interval(
    day: int, acuity: Acuity, policy: SitePolicy
) -> tuple[timedelta | None, str, bool]:
    """SPEC 11: the tightest rule that applies wins."""
    news2, pews = acuity.news2, acuity.pews
    if news2 is not None and news2 >= policy.news2_emergency_threshold:
        return _hours(policy.vitals_interval_escalated_h), f"NEWS2 {news2}: continuous", True
    if news2 is not None and (news2 >= policy.news2_urgent_threshold or acuity.news2_red):
        return _hours(policy.vitals_interval_escalated_h), f"NEWS2 {news2}", False
    if pews is not None and pews >= policy.pews_escalation_threshold:
        return _hours(policy.vitals_interval_escalated_h), f"PEWS {pews}", False
    if acuity.crs_open or acuity.icans_open or acuity.crs_grade or acuity.icans_grade:
        return _hours(policy.vitals_interval_active_h), "CRS or ICANS active", False
    current = phase(day)
    hours = {
        Phase.LYMPHODEPLETION: policy.vitals_interval_lymphodepletion_h,
        Phase.HIGH_RISK: policy.vitals_interval_days_0_14_h,
        Phase.EARLY_FOLLOW_UP: policy.vitals_interval_days_15_28_h,
    }.get(current)
    return (None if hours is None else _hours(hours)), PHASE_LABEL[current], False


def neuro_interval(day: int, acuity: Acuity, policy: SitePolicy) -> tuple[timedelta | None, str]:
    active = acuity.icans_open or bool(acuity.icans_grade)
    hours = policy.neuro_interval_h(day, active)
    if hours is None:
        return None, "no ward neuro schedule in this phase"
    return _hours(hours), "ICANS active" if active else PHASE_LABEL[phase(day)]


def due_checks(
    *,
    now: datetime,
    infusion_at: datetime,
    admitted_at: datetime,
    last_vitals_at: datetime | None,
    last_neuro_at: datetime | None,
    baseline_neuro_done: bool,
    acuity: Acuity,
    policy: SitePolicy,
) -> list[DueCheck]:
    """The vitals and neuro checks with their due times. A check never done is due from admission."""
    day = day_post_infusion(infusion_at, now)
    v_every, v_why, continuous = vitals_interval(day, acuity, policy)
    n_every, n_why = neuro_interval(day, acuity, policy)
    if phase(day) is Phase.LYMPHODEPLETION and not baseline_neuro_done:
        # SPEC 11: a baseline ICE/CAPD before infusion is mandatory.
        why = "baseline ICE/CAPD due before infusion"
        neuro = DueCheck(CheckKind.NEURO, last_neuro_at, None, infusion_at, False, why)
    else:
        neuro = _due(CheckKind.NEURO, last_neuro_at, admitted_at, n_every, n_why, now)
    vitals = _due(CheckKind.VITALS, last_vitals_at, admitted_at, v_every, v_why, now, continuous)
    return [vitals, neuro]


def _due(
    kind: CheckKind,
    last: datetime | None,
    admitted_at: datetime,
    every: timedelta | None,
    why: str,
    now: datetime,
    continuous: bool = False,
) -> DueCheck:
    if every is None:
        return DueCheck(kind, last, None, None, False, why, continuous)
    due = admitted_at if last is None else last + every
    label = f"{why}: every {every.total_seconds() / 3600:g} h"
    return DueCheck(kind, last, every, due, now > due, label, continuous)
