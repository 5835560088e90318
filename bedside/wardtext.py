"""The ward board as plain text, for the `bedside board` command (the desktop app draws its own)."""

from __future__ import annotations

from datetime import datetime

from bedside.alert_vocabulary import AlertStatus
from bedside.clinical.calendar import age_years, day_post_infusion
from bedside.store.history import StoredAssessment
from bedside.ward import PatientSummary


def _grade(value: int | None, lower: bool = False) -> str:
    if value is None:
        return "not determinable"
    return f"≥ {value}" if lower else str(value)


def _local(when: datetime) -> str:
    return when.astimezone().strftime("%d %b %H:%M")


def _picture(latest: StoredAssessment | None) -> list[str]:
    if latest is None:
        return ["  no observations charted yet: every grade is unknown"]
    p = latest.payload
    crs = _grade(latest.crs_grade, bool(p.get("crs_grade_is_lower_bound")))
    icans = _grade(latest.icans_grade, bool(p.get("icans_grade_is_lower_bound")))
    lines = [
        f"  at {_local(latest.observed_at)}: CRS {crs} (episode max {_grade(p.get('crs_episode_max'))})"
        f" | ICANS {icans} by {p.get('icans_tool')} (episode max {_grade(p.get('icans_episode_max'))})"
    ]
    scores = []
    if "news2" in p and (
        p["news2"] is not None or p.get("news2_partial_excluding_missing") is not None
    ):
        scores.append(f"NEWS2 {_score(p['news2'], p.get('news2_partial_excluding_missing'))}")
    if (
        p.get("bedside_pews") is not None
        or p.get("bedside_pews_partial_excluding_missing") is not None
    ):
        pews = _score(p.get("bedside_pews"), p.get("bedside_pews_partial_excluding_missing"))
        scores.append(f"Bedside PEWS {pews}")
    if scores:
        lines.append("  " + " | ".join(scores))
    drivers = [
        r["text"]
        for r in p.get("reason_details", [])
        if r.get("points") and r["domain"] in ("crs", "icans")
    ]
    if drivers:
        lines.append("  why: " + "; ".join(drivers))
    if p.get("stale"):
        lines.append("  stale (treated as missing): " + ", ".join(p["stale"]))
    return lines


def _score(score: int | None, partial: int | None) -> str:
    if score is not None:
        return str(score)
    return f"incomplete (partial {partial})" if partial is not None else "not determinable"


def render_board(rows: list[PatientSummary], *, now: datetime) -> str:
    out: list[str] = []
    for row in rows:
        a = row.admission
        age = age_years(a.date_of_birth, now)
        day = day_post_infusion(a.infusion_at, now)
        out.append(f"{row.patient_id}  {a.name}, {int(age)} y, {a.diagnosis.value}, day {day:+d}")
        out += _picture(row.latest)
        for alert in sorted(row.alerts, key=lambda x: -x.priority):
            state = "ACKNOWLEDGED" if alert.status is AlertStatus.ACKNOWLEDGED else "NEEDS ACK"
            if alert.time_escalated and alert.status is AlertStatus.ACTIVE:
                state += ", ESCALATED"
            out.append(f"  ! {alert.priority.name:<6} {alert.detail} [{state}]")
        for check in row.due:
            if check.due_at is None:
                continue
            when = "OVERDUE since" if check.overdue else "due"
            out.append(f"  {check.kind.value} check {when} {_local(check.due_at)} ({check.why})")
        out.append("")
    return "\n".join(out) + ("\n" if not out else "")
