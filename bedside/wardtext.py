"""The ward board as plain text, for the `bedside board` command (the desktop app draws its own).

It is read at 3 a.m.: the most urgent patient comes first, the header says when, where (time zone) and
from which database, and every time carries its zone.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from os import PathLike

from bedside.alert_vocabulary import AlertStatus
from bedside.clinical.assessment import Domain
from bedside.clinical.calendar import age_years, day_post_infusion
from bedside.store.history import StoredAssessment
from bedside.ward import PatientSummary

# A grade nobody could determine ranks above a known 0 and below a known 1: it needs a look, but a
# grade that is known to be raised needs it first.
_UNKNOWN_GRADE_RANK = 0.5


def urgency(row: PatientSummary) -> tuple[int, float, int]:
    """Sort key, most urgent first when sorted in reverse: the highest open alert nobody has yet
    acknowledged, then the highest current CRS or ICANS grade, then the number of overdue checks."""
    unacknowledged = [a.priority for a in row.alerts if a.status is AlertStatus.ACTIVE]
    highest_alert = max(unacknowledged, default=0)
    grades = [] if row.latest is None else [row.latest.crs_grade, row.latest.icans_grade]
    known = [g for g in grades if g is not None]
    grade: float = max(known) if known else _UNKNOWN_GRADE_RANK
    overdue = sum(1 for check in row.due if check.overdue)
    return int(highest_alert), grade, overdue


def _grade(value: int | None, lower: bool = False) -> str:
    if value is None:
        return "not determinable"
    return f"≥ {value}" if lower else str(value)


def _at(when: datetime, zone: tzinfo | None) -> str:
    """`02 Dec 03:10 CET`: every time on the board carries its zone."""
    return when.astimezone(zone).strftime("%d %b %H:%M %Z")


def _zone_name(now: datetime, zone: tzinfo | None) -> str:
    local = now.astimezone(zone)
    key = getattr(zone, "key", None)
    offset = local.strftime("%z")
    label = f"UTC{offset[:3]}:{offset[3:]}"
    name = key or "this machine's zone"
    return f"{local.strftime('%Z')}, {label}, {name}"


def _picture(latest: StoredAssessment | None, zone: tzinfo | None) -> list[str]:
    if latest is None:
        return ["  no observations charted yet: every grade is unknown"]
    a = latest.record
    crs = _grade(a.crs_grade, a.crs_grade_is_lower_bound)
    icans = _grade(a.icans_grade, a.icans_grade_is_lower_bound)
    tool = a.icans_tool.value if a.icans_tool is not None else "no screen"
    lines = [
        f"  at {_at(latest.observed_at, zone)}: CRS {crs} (episode max "
        f"{_grade(a.crs_episode_max)}) | ICANS {icans} by {tool} "
        f"(episode max {_grade(a.icans_episode_max)})"
    ]
    scores = []
    if a.news2 is not None or a.news2_partial is not None:
        scores.append(f"NEWS2 {_score(a.news2, a.news2_partial)}")
    if a.pews is not None or a.pews_partial is not None:
        scores.append(f"Bedside PEWS {_score(a.pews, a.pews_partial)}")
    if scores:
        lines.append("  " + " | ".join(scores))
    # The drivers: each criterion that gave a grade or score points, for all four scores, one line
    # per score.
    drivers: dict[Domain, list[str]] = {}
    for reason in a.reasons:
        if reason.points:
            drivers.setdefault(reason.domain, []).append(reason.render())
    lines += ["  why: " + "; ".join(texts) for texts in drivers.values()]
    if a.stale:
        lines.append("  stale (treated as missing): " + ", ".join(a.stale))
    return lines


def _score(score: int | None, partial: int | None) -> str:
    if score is not None:
        return str(score)
    return f"incomplete (partial {partial})" if partial is not None else "not determinable"


def render_board(
    rows: list[PatientSummary],
    *,
    now: datetime,
    zone: tzinfo | None = None,
    database: str | PathLike[str] | None = None,
) -> str:
    """The board, most urgent patient first. `zone` is the site's time zone (None = this machine's)."""
    count = f"{len(rows)} patient{'' if len(rows) == 1 else 's'}"
    source = f" | {database}" if database is not None else ""
    out = [f"Ward board at {_at(now, zone)} ({_zone_name(now, zone)}){source} | {count}", ""]
    if not rows:
        out += ["no patients are admitted on this ward", ""]
    for row in sorted(rows, key=lambda r: (tuple(-k for k in urgency(r)), r.patient_id)):
        a = row.admission
        age = age_years(a.date_of_birth, now, zone)
        day = day_post_infusion(a.infusion_at, now)
        out.append(f"{row.patient_id}  {a.name}, {int(age)} y, {a.diagnosis.value}, day {day:+d}")
        out += _picture(row.latest, zone)
        for alert in sorted(row.alerts, key=lambda x: (-x.priority, x.raised_at)):
            if alert.status is AlertStatus.ACKNOWLEDGED:
                who = f" by {alert.acknowledged_by}" if alert.acknowledged_by else ""
                when = f" at {_at(alert.acknowledged_at, zone)}" if alert.acknowledged_at else ""
                state = f"acknowledged{who}{when}"
            else:
                state = "NEEDS ACK"
                if alert.time_escalated:
                    state += ", ESCALATED"
            out.append(
                f"  ! {alert.priority.name:<6} {alert.detail} "
                f"(raised {_at(alert.raised_at, zone)}) [{state}]"
            )
        for check in row.due:
            if check.due_at is None:
                continue
            when = "OVERDUE since" if check.overdue else "due"
            out.append(f"  {check.kind.value} check {when} {_at(check.due_at, zone)} ({check.why})")
        out.append("")
    return "\n".join(out)
