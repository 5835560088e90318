"""The checks of a draft that need more than the draft: the patient's admission, or what the log holds.

`bedside.records.validate` checks a draft on its own (every field, the rules across fields, the clock);
the ward runs these after it, once the patient's admission is known, and before it writes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from bedside.clinical.calendar import age_years
from bedside.clinical.icans import encephalopathy_tool
from bedside.clinical.policy import SitePolicy
from bedside.records import (
    Admission,
    Attribution,
    Draft,
    EpisodeClosure,
    FieldError,
    GradeSignOff,
    NeuroCheck,
    Syndrome,
    iso_utc,
)
from bedside.store.history import SqlHistory

# A correction of a closure is checked against the episode as it stood just before the closure (the
# closure's own time point was graded with the episode closed).
_JUST_BEFORE = timedelta(microseconds=1)


def admission_errors(draft: Draft, admission: Admission, policy: SitePolicy) -> list[FieldError]:
    """Rules that depend on who the patient is: the screen for the age (D2) and the window of time in
    which the patient's clinical records are accepted (D27)."""
    errors = []
    if isinstance(draft.record, NeuroCheck):
        errors += _tool_errors(draft.record, admission, draft.observed_at, policy.zone)
    if isinstance(draft.record, Attribution):
        errors += _until_errors(draft.record, draft.observed_at, policy)
    if isinstance(draft.record, Admission):
        return errors  # a correction of the admission keeps its time, which may be before day -14
    earliest = earliest_record(admission, policy)
    if draft.observed_at < earliest:
        day = -policy.lymphodepletion_days
        errors.append(
            FieldError(
                "observed_at",
                f"observed_at: {iso_utc(draft.observed_at)} is before lymphodepletion start "
                f"(day {day}) of this patient",
                f"from {iso_utc(earliest)} (the start of day {day}) on",
            )
        )
    return errors


def _until_errors(attribution: Attribution, at: datetime, policy: SitePolicy) -> list[FieldError]:
    """D19: an explicit end of an attribution's cover lies after it, at most the site's hours later."""
    until = attribution.until
    longest = timedelta(hours=policy.attribution_max_hours)
    if until is None or at < until <= at + longest:
        return []
    allowed = f"after the attribution and at most {policy.attribution_max_hours:g} h later"
    message = f"until: {iso_utc(until)} is not {allowed} (D19)"
    return [FieldError("until", message, allowed)]


def earliest_record(admission: Admission, policy: SitePolicy) -> datetime:
    """D27: records are accepted from lymphodepletion start, day -N (N a site setting), where day 0 is
    the calendar day of the infusion in the site's time zone: the midnight that begins day -N."""
    infusion_day = admission.infusion_at.astimezone(policy.zone).date()
    return _midnight(infusion_day - timedelta(days=policy.lymphodepletion_days), policy.zone)


def _midnight(day: date, zone: tzinfo | None) -> datetime:
    if zone is None:  # this machine's zone, with its own daylight-saving rules
        return datetime.combine(day, time()).astimezone()
    return datetime.combine(day, time(), tzinfo=zone)


def _tool_errors(
    check: NeuroCheck, admission: Admission, at: datetime, zone: tzinfo | None
) -> list[FieldError]:
    """D2: a score taken with the wrong tool for the patient's age is refused, naming the right tool."""
    age = age_years(admission.date_of_birth, at, zone)
    right = encephalopathy_tool(age, admission.developmental_delay)
    if check.tool is right:
        return []
    why = "developmental delay" if admission.developmental_delay else f"age {age:.1f} y"
    return [
        FieldError(
            "tool",
            f"tool: {check.tool.value} is not the screen for this patient ({why})",
            f"{right.value} for this patient",
        )
    ]


def log_errors(draft: Draft, history: SqlHistory) -> list[FieldError]:
    """Rules that depend on what was charted before: a sign-off names the current assessment of this
    patient that nobody has signed for that syndrome yet, and a closure closes an episode that is
    open (D10)."""
    record = draft.record
    if isinstance(record, GradeSignOff):
        return _sign_off_errors(record, draft, history)
    if isinstance(record, EpisodeClosure):
        return _closure_errors(record, draft, history)
    return []


def _sign_off_errors(sign_off: GradeSignOff, draft: Draft, history: SqlHistory) -> list[FieldError]:
    wanted, patient_id = sign_off.assessment_id, draft.patient_id
    versions = history.versions(wanted)
    target = next((s for s in versions if s.id == wanted), None)
    allowed = f"the id of an assessment of patient {patient_id}"
    if target is None:
        message = f"assessment_id: no record {wanted}"
    elif target.kind != "assessment":
        message = f"assessment_id: {wanted} is a {target.kind}, not an assessment"
    elif target.patient_id != patient_id:
        message = f"assessment_id: {wanted} is an assessment of another patient"
    elif versions[-1].id != wanted:
        # A re-graded time point: the signature must be of what the ward shows now.
        message = (
            f"assessment_id: {wanted} was re-graded since; the current one is {versions[-1].id}"
        )
        allowed = "the id of the current assessment of this time point"
    elif signed := [
        s
        for s in history.sign_offs(patient_id)
        if isinstance(s.record, GradeSignOff)
        and s.record.assessment_id == wanted
        and s.record.syndrome is sign_off.syndrome
        and s.id != draft.supersedes
    ]:
        first = signed[0]
        message = (
            f"assessment_id: the {sign_off.syndrome.value.upper()} grade of {wanted} was already "
            f"signed by {first.author} at {iso_utc(first.observed_at)} (correct that sign-off "
            "to change it)"
        )
        allowed = "an assessment whose grade is not yet signed for this syndrome"
    else:
        return []
    return [FieldError("assessment_id", message, allowed)]


def _closure_errors(closure: EpisodeClosure, draft: Draft, history: SqlHistory) -> list[FieldError]:
    # The ward stores on every assessment whether each episode is open (derived from the log, D10).
    until = draft.observed_at if draft.supersedes is None else draft.observed_at - _JUST_BEFORE
    latest = history.latest_assessment(draft.patient_id, until)
    open_now = {
        Syndrome.CRS: latest is not None and latest.crs_episode_open,
        Syndrome.ICANS: latest is not None and latest.icans_episode_open,
    }
    if open_now[closure.syndrome]:
        return []
    others = [s.value for s, is_open in open_now.items() if is_open]
    return [
        FieldError(
            "syndrome",
            f"syndrome: no {closure.syndrome.value.upper()} episode is open for "
            f"{draft.patient_id} at {iso_utc(draft.observed_at)}",
            f"a syndrome with an open episode ({', '.join(others) or 'none is open'})",
        )
    ]
