"""Alert lifecycle: raised -> (escalated) -> acknowledged -> resolved; dedup, latching and downgrades.

Pure functions over values. The ward service turns an assessment (or the schedule) into *conditions*, asks
`reconcile` which alert events follow from them, and stores those events as records; the current alerts are
always the fold of the stored events (`fold`), so they survive a restart and sync like any other record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bedside.alert_vocabulary import AlertEventType, AlertKind, AlertStatus, Priority
from bedside.clinical.assessment import Assessment, Flag
from bedside.clinical.policy import SitePolicy

# Kinds an assessment speaks for; the schedule speaks for the overdue kinds.
SCHEDULE_KINDS = frozenset({AlertKind.NEURO_OVERDUE, AlertKind.VITALS_OVERDUE})
ASSESSMENT_KINDS = frozenset(AlertKind) - SCHEDULE_KINDS


# Kinds whose alert stays until acknowledged even after the condition has gone (IEC 60601-1-8 latching),
# besides every high-priority alert; a downgrade exists only to be acknowledged (D10).
_ALWAYS_LATCHING = {AlertKind.CRS_DOWNGRADE, AlertKind.ICANS_DOWNGRADE}


@dataclass(frozen=True, slots=True)
class Condition:
    """A threshold crossed at this time point: what is wrong now, how badly (level), how urgent."""

    kind: AlertKind
    level: int
    priority: Priority
    detail: str


@dataclass(frozen=True, slots=True)
class AlertEventDraft:
    """An event to store. `alert_id` is None for a new alert (the ward assigns one)."""

    alert_id: str | None
    kind: AlertKind
    event: AlertEventType
    priority: Priority
    level: int
    detail: str


@dataclass(frozen=True, slots=True)
class Alert:
    alert_id: str
    patient_id: str
    kind: AlertKind
    level: int
    priority: Priority
    status: AlertStatus
    raised_at: datetime
    last_event_at: datetime
    detail: str
    condition_present: bool = True
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    needs_ack_since: datetime | None = None
    time_escalated: bool = False

    @property
    def latching(self) -> bool:
        return self.priority is Priority.HIGH or self.kind in _ALWAYS_LATCHING


@dataclass(frozen=True, slots=True)
class StoredAlertEvent:
    """One alert event as read back from the log (the ward maps records to this)."""

    alert_id: str
    patient_id: str
    at: datetime
    author: str
    kind: AlertKind
    event: AlertEventType
    priority: Priority
    level: int
    detail: str


def syndrome_priority(grade: int) -> Priority:
    """Issue rule: high for grade >= 3, medium for grade 2, low for grade 1."""
    if grade >= 3:
        return Priority.HIGH
    return Priority.MEDIUM if grade == 2 else Priority.LOW


def conditions_from(assessment: Assessment, policy: SitePolicy) -> dict[AlertKind, Condition]:
    """The alert conditions an assessment shows. A grade of None raises nothing by itself: the missing
    data is shown as such, and the schedule raises the overdue check that would fill it."""
    found: dict[AlertKind, Condition] = {}

    def put(kind: AlertKind, level: int, priority: Priority, detail: str) -> None:
        found[kind] = Condition(kind, level, priority, detail)

    crs, icans = assessment.crs, assessment.icans
    if crs.grade:
        put(AlertKind.CRS, crs.grade, syndrome_priority(crs.grade), f"CRS grade {crs.grade}")
    if icans.grade:
        bound = "≥ " if icans.grade_is_lower_bound else ""
        put(
            AlertKind.ICANS,
            icans.grade,
            syndrome_priority(icans.grade),
            f"ICANS grade {bound}{icans.grade}",
        )
    news2 = assessment.news2.score
    if news2 is not None and news2 >= policy.news2_emergency_threshold:
        put(AlertKind.NEWS2, news2, Priority.HIGH, f"NEWS2 {news2}: emergency response")
    elif news2 is not None and news2 >= policy.news2_urgent_threshold:
        put(AlertKind.NEWS2, news2, Priority.MEDIUM, f"NEWS2 {news2}: urgent response")
    elif news2 is not None and assessment.news2.any_single_parameter_3:
        put(
            AlertKind.NEWS2,
            news2,
            Priority.MEDIUM,
            f"NEWS2 {news2} with a red score (3 in one parameter)",
        )
    pews = assessment.pews.score
    if pews is not None and pews >= policy.pews_escalation_threshold:
        put(AlertKind.PEWS, pews, Priority.HIGH, f"Bedside PEWS {pews}")
    if crs.hypoxia_grade >= 2:
        put(AlertKind.HYPOXIA, crs.hypoxia_grade, Priority.MEDIUM, "oxygen required for hypoxia")
    if crs.on_vasopressor:
        put(AlertKind.VASOPRESSOR, crs.hypotension_grade, Priority.HIGH, "vasopressor running")
    flags = set(assessment.flags)
    if Flag.ICH_EXCLUDED in flags:
        put(AlertKind.INTRACRANIAL_HAEMORRHAGE, 1, Priority.HIGH, "intracranial haemorrhage")
    if Flag.PRE_INFUSION_FEVER_NOT_CRS in flags:
        put(
            AlertKind.PRE_INFUSION_FEVER,
            1,
            Priority.MEDIUM,
            "fever before infusion: possible infection",
        )
    if Flag.NO_FEVER_NO_WAIVER in flags:
        put(
            AlertKind.NO_FEVER_ORGAN_DYSFUNCTION,
            max(crs.hypotension_grade, crs.hypoxia_grade),
            Priority.MEDIUM,
            "hypotension or hypoxia without fever: consider sepsis, bleeding, infusion reaction",
        )
    return found


def unknown_kinds(assessment: Assessment) -> frozenset[AlertKind]:
    """Kinds whose condition cannot be judged at this time point (a grade or score that cannot be
    determined, an oxygen device not recorded): their open alerts are neither raised nor resolved."""
    unknown = set()
    if assessment.crs.grade is None:
        unknown.add(AlertKind.CRS)
    if assessment.icans.grade is None:
        unknown.add(AlertKind.ICANS)
    if assessment.news2.applicable and assessment.news2.score is None:
        unknown.add(AlertKind.NEWS2)
    if assessment.pews.applicable and assessment.pews.score is None:
        unknown.add(AlertKind.PEWS)
    if "hypoxia" in assessment.crs.domains_missing:
        unknown.add(AlertKind.HYPOXIA)
    return frozenset(unknown)


def reconcile(
    alerts: Mapping[AlertKind, Alert],
    present: Mapping[AlertKind, Condition],
    scope: Iterable[AlertKind],
) -> list[AlertEventDraft]:
    """Events that bring the open alerts in line with the conditions present now.

    `alerts` are the patient's unresolved alerts by kind; `scope` the kinds this evaluation speaks for
    (an assessment does not speak for the schedule's overdue kinds, and vice versa).
    """
    drafts: list[AlertEventDraft] = []
    for kind in scope:
        alert, cond = alerts.get(kind), present.get(kind)
        if cond is not None and alert is None:
            drafts.append(_draft(None, cond, AlertEventType.RAISED))
        elif cond is not None and alert is not None:
            if cond.level > alert.level or cond.priority > alert.priority:
                drafts.append(_draft(alert.alert_id, cond, AlertEventType.ESCALATED))
            elif cond.level < alert.level or not alert.condition_present:
                drafts.append(_draft(alert.alert_id, cond, AlertEventType.LEVEL_CHANGED))
            # same level: no duplicate alert
        elif cond is None and alert is not None and alert.condition_present:
            drafts.append(
                AlertEventDraft(
                    alert.alert_id,
                    kind,
                    AlertEventType.RESOLVED,
                    alert.priority,
                    0,
                    "condition gone",
                )
            )
    return drafts


def downgrade_conditions(
    previous_crs: int | None,
    previous_icans: int | None,
    assessment: Assessment,
    *,
    crs_open: bool,
    icans_open: bool,
) -> dict[AlertKind, Condition]:
    """D10: a fall in the current grade while the episode is open must be acknowledged by a clinician."""
    found: dict[AlertKind, Condition] = {}
    pairs = (
        (AlertKind.CRS_DOWNGRADE, "CRS", previous_crs, assessment.crs.grade, crs_open),
        (AlertKind.ICANS_DOWNGRADE, "ICANS", previous_icans, assessment.icans.grade, icans_open),
    )
    for kind, name, before, now, open_ in pairs:
        if open_ and before is not None and now is not None and now < before:
            detail = f"{name} fell from grade {before} to {now}: acknowledge"
            found[kind] = Condition(kind, before - now, Priority.LOW, detail)
    return found


def _draft(alert_id: str | None, cond: Condition, event: AlertEventType) -> AlertEventDraft:
    return AlertEventDraft(alert_id, cond.kind, event, cond.priority, cond.level, cond.detail)


def time_escalations(
    alerts: Iterable[Alert], now: datetime, policy: SitePolicy
) -> list[AlertEventDraft]:
    """An alert left unacknowledged past the site-policy time is escalated once (BATTERY R20)."""
    limits = {
        Priority.HIGH: policy.escalate_high_after_min,
        Priority.MEDIUM: policy.escalate_medium_after_min,
        Priority.LOW: policy.escalate_low_after_min,
    }
    drafts = []
    for alert in alerts:
        waiting_since = alert.needs_ack_since
        if alert.status is not AlertStatus.ACTIVE or alert.time_escalated or waiting_since is None:
            continue
        if now - waiting_since >= timedelta(minutes=limits[alert.priority]):
            detail = f"unacknowledged for {limits[alert.priority]:g} min: {alert.detail}"
            drafts.append(
                AlertEventDraft(
                    alert.alert_id,
                    alert.kind,
                    AlertEventType.ESCALATED,
                    alert.priority,
                    alert.level,
                    detail,
                )
            )
    return drafts


def fold(events: Iterable[StoredAlertEvent]) -> dict[str, Alert]:
    """The current state of every alert, from its events in log order."""
    alerts: dict[str, Alert] = {}
    for e in events:
        alert = alerts.get(e.alert_id)
        if e.event is AlertEventType.RAISED or alert is None:
            alerts[e.alert_id] = Alert(
                alert_id=e.alert_id,
                patient_id=e.patient_id,
                kind=e.kind,
                level=e.level,
                priority=e.priority,
                status=AlertStatus.ACTIVE,
                raised_at=e.at,
                last_event_at=e.at,
                detail=e.detail,
                needs_ack_since=e.at,
            )
            continue
        alerts[e.alert_id] = _apply(alert, e)
    return alerts


def _apply(alert: Alert, e: StoredAlertEvent) -> Alert:
    a = replace(alert, last_event_at=e.at)
    if e.event is AlertEventType.ACKNOWLEDGED:
        a = replace(a, acknowledged_by=e.author, acknowledged_at=e.at, needs_ack_since=None)
        status = AlertStatus.ACKNOWLEDGED if a.condition_present else AlertStatus.RESOLVED
        return replace(a, status=status)
    if (
        e.event is AlertEventType.ESCALATED
        and e.level == alert.level
        and e.priority == alert.priority
    ):
        return replace(a, time_escalated=True)
    if e.event is AlertEventType.ESCALATED:
        # A rise re-alerts at once, even if the lower level had been acknowledged (D10).
        return replace(
            a,
            level=e.level,
            priority=e.priority,
            detail=e.detail,
            status=AlertStatus.ACTIVE,
            needs_ack_since=e.at,
            time_escalated=False,
            condition_present=True,
        )
    if e.event is AlertEventType.LEVEL_CHANGED:
        return replace(a, level=e.level, detail=e.detail, condition_present=True)
    if e.event is AlertEventType.RESOLVED:
        a = replace(a, condition_present=False)
        if a.status is AlertStatus.ACTIVE and a.latching:
            return a  # latched: stays until a clinician acknowledges it
        return replace(a, status=AlertStatus.RESOLVED, needs_ack_since=None)
    return a


def unresolved_by_kind(alerts: Iterable[Alert]) -> dict[AlertKind, Alert]:
    """The alert of each kind that is still open (active or acknowledged but present)."""
    found: dict[AlertKind, Alert] = {}
    for alert in alerts:
        if alert.status is not AlertStatus.RESOLVED and (
            alert.condition_present or alert.status is AlertStatus.ACTIVE
        ):
            found[alert.kind] = alert
    return found
