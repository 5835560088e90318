"""Which checks are due or overdue: the default monitoring schedule of SPEC section 11 (site policy, D15).

Pure: the ward passes in the times of the last checks, the patient's current picture and "now".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bedside.clinical.calendar import day_post_infusion
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
    # D21: the parameters whose own clock makes the check due (never measured, or the oldest).
    waiting_for: tuple[str, ...] = ()


# D21: the parameters a vitals check must bring up to date, each with its own clock.
VITALS_PARAMETERS = ("temperature", "hr", "rr", "sbp", "spo2", "o2_device")


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
    vitals_last: Mapping[str, datetime | None],
    last_neuro_done: datetime | None,
    neuro_tool_changed_at: datetime | None,
    baseline_neuro_done: bool,
    acuity: Acuity,
    policy: SitePolicy,
    pressor_stopped_at: datetime | None = None,
) -> list[DueCheck]:
    """The vitals and neuro checks with their due times. A check never done is due from admission.

    D21: `vitals_last` holds the last observation of each parameter of VITALS_PARAMETERS, so a set with
    only SpO2 does not reset the temperature's clock; `last_neuro_done` is the last neuro check that was
    done with the tool the patient needs now (one charted "not done" does not count). D22: after a tool
    change (`neuro_tool_changed_at`) a check with the new tool is due at once. D26: after a vasopressor
    or inotrope stops, a full vitals set is due within the site's minutes."""
    day = day_post_infusion(infusion_at, now, policy.zone)
    v_every, v_why, continuous = vitals_interval(day, acuity, policy)
    n_every, n_why = neuro_interval(day, acuity, policy)
    if phase(day) is Phase.LYMPHODEPLETION and not baseline_neuro_done:
        # SPEC 11: a baseline ICE/CAPD before infusion is mandatory.
        why = "baseline ICE/CAPD due before infusion"
        neuro = DueCheck(CheckKind.NEURO, last_neuro_done, None, infusion_at, False, why)
    elif neuro_tool_changed_at is not None and (
        last_neuro_done is None or last_neuro_done < neuro_tool_changed_at
    ):
        why = "new neuro tool: a first check with it is the new baseline"
        due = neuro_tool_changed_at
        neuro = DueCheck(CheckKind.NEURO, last_neuro_done, n_every, due, now > due, why)
    else:
        neuro = _due(CheckKind.NEURO, last_neuro_done, admitted_at, n_every, n_why, now)
    vitals = _vitals_due(vitals_last, admitted_at, v_every, v_why, now, continuous)
    if pressor_stopped_at is not None and pressor_stopped_at <= now:
        behind = tuple(
            p for p in VITALS_PARAMETERS if (vitals_last.get(p) or admitted_at) < pressor_stopped_at
        )
        soon = pressor_stopped_at + timedelta(minutes=policy.after_pressor_stop_min)
        if behind and (vitals.due_at is None or soon < vitals.due_at):
            why = f"vasopressor stopped: vitals within {policy.after_pressor_stop_min:g} min"
            vitals = DueCheck(
                CheckKind.VITALS, vitals.last_at, vitals.interval, soon, now > soon, why,
                continuous, behind,
            )  # fmt: skip
    return [vitals, neuro]


def _vitals_due(
    last: Mapping[str, datetime | None],
    admitted_at: datetime,
    every: timedelta | None,
    why: str,
    now: datetime,
    continuous: bool,
) -> DueCheck:
    """Due when the oldest required parameter is due (D21)."""
    times = {p: last.get(p) for p in VITALS_PARAMETERS}
    never = tuple(p for p, t in times.items() if t is None)
    known = [t for t in times.values() if t is not None]
    oldest = min(known) if known else None
    if every is None:
        return DueCheck(CheckKind.VITALS, oldest, None, None, False, why, continuous)
    label = f"{why}: every {every.total_seconds() / 3600:g} h"
    if never:  # a parameter never measured: the check is incomplete since admission
        return DueCheck(
            CheckKind.VITALS,
            oldest,
            every,
            admitted_at,
            now > admitted_at,
            label,
            continuous,
            never,
        )
    assert oldest is not None
    due = oldest + every
    waiting = tuple(p for p, t in times.items() if t is not None and t + every <= due)
    return DueCheck(CheckKind.VITALS, oldest, every, due, now > due, label, continuous, waiting)


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
