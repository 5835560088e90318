"""Alert lifecycle: raised -> (escalated) -> acknowledged -> resolved; dedup, latching and downgrades.

Pure functions over values. The ward service turns an assessment (or the schedule) into *conditions*, asks
`reconcile` which alert events follow from them, and stores those events as records; the current alerts are
always the fold of the stored events (`fold`), so they survive a restart and sync like any other record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bedside.alert_vocabulary import (
    AlertEventType,
    AlertKind,
    AlertStatus,
    Priority,
    StoredAlertEvent,
)
from bedside.clinical.assessment import Assessment, Flag
from bedside.clinical.policy import SitePolicy
from bedside.schedule import CheckKind, DueCheck

# Kinds an assessment speaks for; the schedule speaks for the overdue kinds.
SCHEDULE_KINDS = frozenset({AlertKind.NEURO_OVERDUE, AlertKind.VITALS_OVERDUE})
ASSESSMENT_KINDS = frozenset(AlertKind) - SCHEDULE_KINDS


# A downgrade exists only to be acknowledged (D10, D20): it is an event, not a standing condition, so it
# latches until acknowledged and ends with the acknowledgement.
DOWNGRADE_KINDS = frozenset({AlertKind.CRS_DOWNGRADE, AlertKind.ICANS_DOWNGRADE})
# Kinds whose alert stays until acknowledged even after the condition has gone (IEC 60601-1-8 latching),
# besides every high-priority alert.
_ALWAYS_LATCHING = DOWNGRADE_KINDS


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
    if Flag.CRS_WAIVER_REVIEW in flags:
        # D23: a physician confirms or closes an episode that rests on the waiver long after a fever.
        put(
            AlertKind.WAIVER_REVIEW,
            1,
            Priority.MEDIUM,
            f"afebrile for {policy.waiver_review_hours:g} h or more on the fever waiver: "
            "confirm or close the CRS episode",
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


# --- D20: every fall is acknowledged ----------------------------------------------------------------

_SYNDROME_NAMES = {AlertKind.CRS: "CRS", AlertKind.ICANS: "ICANS"}


@dataclass(frozen=True, slots=True)
class Course:
    """What a fall is measured against: the last determinate grade of each open episode (D20), as of
    one time point. None: no open episode, or no determinate grade in it yet."""

    crs: int | None = None
    icans: int | None = None


@dataclass(frozen=True, slots=True)
class Fall:
    kind: AlertKind  # CRS_DOWNGRADE or ICANS_DOWNGRADE
    syndrome: str  # "CRS" or "ICANS"
    before: int
    after: int


@dataclass(frozen=True, slots=True)
class CourseStep:
    """One time point's place in the course: the course after it, the falls it shows, and the
    syndromes whose grade dropped only because data are missing (D20: not a fall)."""

    course: Course
    falls: tuple[Fall, ...] = ()
    incomplete: tuple[AlertKind, ...] = ()  # AlertKind.CRS / AlertKind.ICANS


def follow(
    before: Course, assessment: Assessment, *, crs_open: bool, icans_open: bool
) -> CourseStep:
    """D20: a fall is measured against the last determinate grade of the open episode, skipping
    time points whose grade is None; a lower bound below that grade is missing data, not a fall; a
    lower bound at or above it counts as determinate."""
    after: dict[str, int | None] = {}
    falls: list[Fall] = []
    incomplete: list[AlertKind] = []
    for name, syndrome, kind, reference, result, open_ in (
        ("CRS", AlertKind.CRS, AlertKind.CRS_DOWNGRADE, before.crs, assessment.crs, crs_open),
        (
            "ICANS",
            AlertKind.ICANS,
            AlertKind.ICANS_DOWNGRADE,
            before.icans,
            assessment.icans,
            icans_open,
        ),
    ):
        grade, lower = result.grade, result.grade_is_lower_bound
        if not open_:
            after[name] = None
        elif grade is None or (lower and reference is not None and grade < reference):
            after[name] = reference
            if reference:
                incomplete.append(syndrome)
        else:
            if reference is not None and grade < reference:
                falls.append(Fall(kind, name, reference, grade))
            after[name] = grade
    return CourseStep(Course(after["CRS"], after["ICANS"]), tuple(falls), tuple(incomplete))


def evaluate(
    assessment: Assessment,
    step: CourseStep,
    alerts: Mapping[AlertKind, Alert],
    policy: SitePolicy,
    *,
    rederived: bool = False,
    late: Assessment | None = None,
    missing: str = "",
) -> list[AlertEventDraft]:
    """The alert events that one graded time point calls for.

    `alerts` are the patient's unresolved alerts by kind; `step` its place in the course (D20); `late` the
    grading of a late entry's own time point, which alerts too when it is worse than the ward saw;
    `rederived` is set when a correction or a physician's attribution changed the picture: that record is
    the acknowledgement of what it ends, and its fall needs none (D20). `missing` names what is missing
    for the incomplete-data alert."""
    present = conditions_from(assessment, policy)
    if late is not None:
        # A late entry may show a grade the ward never saw at the time: it alerts too.
        earlier = conditions_from(late, policy)
        for kind in (AlertKind.CRS, AlertKind.ICANS):
            if kind in earlier and (
                kind not in present or earlier[kind].level > present[kind].level
            ):
                present[kind] = earlier[kind]
    # A grade that became unknown neither raises nor resolves its alert: missing is not normal.
    scope = set(ASSESSMENT_KINDS - unknown_kinds(assessment) - DOWNGRADE_KINDS)
    scope -= set(step.incomplete)
    if step.incomplete:
        names = " and ".join(_SYNDROME_NAMES[kind] for kind in step.incomplete)
        detail = f"{names} not determinable: {missing or 'data missing'}"
        present[AlertKind.INCOMPLETE_DATA] = Condition(
            AlertKind.INCOMPLETE_DATA, len(step.incomplete), Priority.MEDIUM, detail
        )
    drafts = reconcile(alerts, present, scope)
    if rederived:
        drafts = [d for draft in drafts for d in _acknowledged_by_record(draft, alerts)]
    for fall in step.falls:
        if rederived:
            continue
        detail = f"{fall.syndrome} fell from grade {fall.before} to {fall.after}: acknowledge"
        cond = Condition(fall.kind, fall.after, Priority.LOW, detail)
        waiting = alerts.get(fall.kind)
        if waiting is not None and waiting.status is AlertStatus.ACTIVE:
            drafts.append(_draft(waiting.alert_id, cond, AlertEventType.ESCALATED))
        else:
            drafts.append(_draft(None, cond, AlertEventType.RAISED))
    fallen = {f.kind for f in step.falls}
    for kind, result in (
        (AlertKind.CRS_DOWNGRADE, assessment.crs),
        (AlertKind.ICANS_DOWNGRADE, assessment.icans),
    ):
        waiting = alerts.get(kind)
        grade = result.grade
        if waiting is None or kind in fallen or grade is None or grade <= waiting.level:
            continue
        # A later rise overtakes the fall: "fell from 2 to 1" is moot while the grade is now 3.
        detail = f"overtaken by a rise to grade {grade}"
        drafts.append(
            AlertEventDraft(
                waiting.alert_id,
                kind,
                AlertEventType.OVERTAKEN,
                waiting.priority,
                waiting.level,
                detail,
            )
        )
    return drafts


def _acknowledged_by_record(
    draft: AlertEventDraft, alerts: Mapping[AlertKind, Alert]
) -> list[AlertEventDraft]:
    """D20: an alert that a correction or an attribution ends was acknowledged by that record."""
    alert = alerts.get(draft.kind)
    if draft.event is not AlertEventType.RESOLVED or alert is None:
        return [draft]
    if alert.status is not AlertStatus.ACTIVE:
        return [draft]
    ack = AlertEventDraft(
        draft.alert_id,
        draft.kind,
        AlertEventType.ACKNOWLEDGED,
        alert.priority,
        alert.level,
        "acknowledged by the correction or attribution that ended it",
    )
    return [ack, draft]


def missing_detail(assessment: Assessment, stale: Iterable[str]) -> str:
    """What is missing at a time point, in words, for the incomplete-data alert (D20)."""
    names = [f"{name} (stale)" for name in sorted(stale)]
    if Flag.TEMPERATURE_MISSING in assessment.flags and not any("temp" in n for n in names):
        names.append("temperature")
    names += [f"{d} not recorded" for d in sorted(assessment.crs.domains_missing)]
    names += [r.text for r in assessment.icans.reasons if r.points is None and r.criterion != "ich"]
    return "; ".join(dict.fromkeys(names)) or "values missing"


def overdue_conditions(checks: Iterable[DueCheck]) -> dict[AlertKind, Condition]:
    """SPEC 11: an overdue neuro check alerts at medium priority, overdue vitals at low."""
    found: dict[AlertKind, Condition] = {}
    for check in checks:
        if not check.overdue:
            continue
        if check.kind is CheckKind.NEURO:
            kind, priority = AlertKind.NEURO_OVERDUE, Priority.MEDIUM
        else:
            kind, priority = AlertKind.VITALS_OVERDUE, Priority.LOW
        waiting = f"; waiting for {', '.join(check.waiting_for)}" if check.waiting_for else ""
        detail = f"{check.kind.value} check overdue ({check.why}{waiting})"
        found[kind] = Condition(kind, 1, priority, detail)
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
        ends = not a.condition_present or a.kind in DOWNGRADE_KINDS
        return replace(a, status=AlertStatus.RESOLVED if ends else AlertStatus.ACKNOWLEDGED)
    if e.event is AlertEventType.OVERTAKEN:
        # A later record made the alert moot (a rise overtook a fall): it ends, latched or not.
        return replace(
            a, status=AlertStatus.RESOLVED, condition_present=False, needs_ack_since=None
        )
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
        # The priority follows the level down (CRS 3 -> 2 is medium), acknowledged or not.
        return replace(
            a, level=e.level, priority=e.priority, detail=e.detail, condition_present=True
        )
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
