"""`bedside replay`: a patient's timeline through the ward service, on a temporary database.

SPEC "The `bedside replay` contract": each step is done by the real `Ward` at the step's wall-clock time,
and after each step the output shows what a nurse would see: the current grades, episode maxima, flags,
open alerts and due checks. Clinical governance uses it to check the app's behaviour over time without
reading code; the timelines of `clinical/timelines.json` are tested through it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bedside.alert_vocabulary import AlertKind, AlertStatus
from bedside.clinical.calendar import age_years
from bedside.clinical.capd import CAPD_ITEM_MAX
from bedside.clinical.icans import encephalopathy_tool
from bedside.clinical.ice import ICE_ITEMS
from bedside.clinical.policy import SitePolicy
from bedside.clinical.vocabulary import EncephalopathyTool, VasoactiveAgent
from bedside.clock import ManualClock
from bedside.records import (
    Admission,
    AssessmentRecord,
    Attribution,
    DoseUnit,
    Drug,
    DrugKind,
    EpisodeClosure,
    FieldError,
    Indication,
    Intervention,
    NeuroCheck,
    Record,
    Route,
    VitalSigns,
)
from bedside.schedule import CheckKind
from bedside.staff import Author, Role
from bedside.store.connection import open_database
from bedside.ward import Invalid, Recorded, Result, Ward

# --- the contract's vocabulary ---------------------------------------------------------------------

PATIENT_KEYS = {
    "id",
    "name",
    "born",
    "sex",
    "weight_kg",
    "diagnosis",
    "infusion_at",
    "developmental_delay",
    "baseline_ice",
    "baseline_capd",
}
PATIENT_REQUIRED = PATIENT_KEYS - {"baseline_ice", "baseline_capd"}
TIMELINE_KEYS = {"patient", "steps", "site_timezone", "id", "title", "spec", "expect"}
STEP_KEYS = {"at", "observed_at", "by", "user", "action"}
VITALS_KEYS = {
    "temp_c", "temp_f", "sbp", "dbp", "hr", "rr", "spo2", "spo2_scale", "o2_device",
    "o2_flow_l_min", "fio2", "o2_indication", "acvpu", "crt_s", "resp_effort",
}  # fmt: skip
NEURO_KEYS = {
    "ice_score", "ice_not_assessable_reason", "capd_score", "capd_not_assessable_reason",
    "consciousness", "depressed_consciousness_attributable_to_sedation", "seizure",
    "seizure_duration_min", "motor_weakness", "cerebral_edema", "intracranial_hemorrhage",
    "imaging_done", "eeg_done", "ice_items", "capd_items",
}  # fmt: skip
ACTION_KEYS: dict[str, set[str]] = {
    "vitals": VITALS_KEYS,
    "neuro": NEURO_KEYS,
    "start": {"drug", "indication"},
    "stop": {"drug"},
    "dose": {"drug", "indication"},
    "attribute": {"finding", "cause", "until"},
    "acknowledge": {"alert"},
    "close_episode": {"syndrome"},
    "correct": {"step", "values", "reason"},
    "developmental_delay": {"value"},
    "tick": set(),
}
ACTION_REQUIRED: dict[str, set[str]] = {
    "start": {"drug"},
    "stop": {"drug"},
    "dose": {"drug"},
    "attribute": {"finding", "cause"},
    "acknowledge": {"alert"},
    "close_episode": {"syndrome"},
    "correct": {"step", "values", "reason"},
    "developmental_delay": {"value"},
}
# Actions whose step makes a record that a later `correct` may replace.
CORRECTABLE = ("vitals", "neuro", "start", "dose", "attribute")
ROLES = {"nurse": Role.NURSE, "physician": Role.PHYSICIAN, "admin": Role.ADMIN}
CAPD_ITEM_NAMES = (
    "eye_contact", "purposeful", "aware", "communicates",
    "restless", "inconsolable", "underactive", "slow_response",
)  # fmt: skip

# Doses the rules do not read: plausible defaults for a drug given without one (the contract allows it).
_DOSE_DEFAULTS: dict[Drug, tuple[float, DoseUnit, Route]] = {
    Drug.PARACETAMOL: (15, DoseUnit.MG_PER_KG, Route.PO),
    Drug.IBUPROFEN: (10, DoseUnit.MG_PER_KG, Route.PO),
    Drug.OTHER_NSAID: (1, DoseUnit.MG_PER_KG, Route.PO),
    Drug.TOCILIZUMAB: (8, DoseUnit.MG_PER_KG, Route.IV),
    Drug.SILTUXIMAB: (11, DoseUnit.MG_PER_KG, Route.IV),
    Drug.ANAKINRA: (100, DoseUnit.MG, Route.SC),
    Drug.DEXAMETHASONE: (10, DoseUnit.MG, Route.IV),
    Drug.METHYLPREDNISOLONE: (1, DoseUnit.MG_PER_KG, Route.IV),
    Drug.HYDROCORTISONE: (100, DoseUnit.MG, Route.IV),
}
_INFUSION_DEFAULTS = {
    VasoactiveAgent.VASOPRESSIN: (0.03, DoseUnit.UNITS_PER_MIN),
    VasoactiveAgent.TERLIPRESSIN: (0.01, DoseUnit.UNITS_PER_MIN),
    VasoactiveAgent.DOPAMINE: (5, DoseUnit.MCG_PER_KG_MIN),
    VasoactiveAgent.DOBUTAMINE: (5, DoseUnit.MCG_PER_KG_MIN),
    VasoactiveAgent.MILRINONE: (0.5, DoseUnit.MCG_PER_KG_MIN),
}
ALLOWED_AGENTS = ", ".join(a.value for a in VasoactiveAgent)
ALLOWED_DOSE_DRUGS = ", ".join(d.value for d in _DOSE_DEFAULTS)


class TimelineError(ValueError):
    """The timeline's structure is invalid; `path` names where (e.g. `steps[3].action`)."""

    def __init__(self, path: str, allowed: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.allowed = allowed
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"field": self.path, "allowed": self.allowed, "message": self.message}


class StepRefused(Exception):
    """A step the ward cannot take as given (nothing was written); the timeline goes on."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = tuple(errors)


# --- parsing the structure ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    index: int
    at: datetime
    observed_at: datetime
    author: Author
    action: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Timeline:
    patient: Mapping[str, Any]
    infusion_at: datetime
    born: date
    zone: str
    steps: tuple[Step, ...]


def parse_timeline(obj: Any, prefix: str = "") -> Timeline:
    """Check the structure strictly (unknown keys are errors, as in `bedside grade`)."""
    if not isinstance(obj, Mapping):
        raise TimelineError(prefix or "(timeline)", "a JSON object", "a timeline is an object")
    _known(obj, TIMELINE_KEYS, prefix)
    patient = obj.get("patient")
    path = f"{prefix}patient"
    if not isinstance(patient, Mapping):
        raise TimelineError(
            path, "an object with " + ", ".join(sorted(PATIENT_REQUIRED)), "missing"
        )
    _known(patient, PATIENT_KEYS, path + ".")
    for key in sorted(PATIENT_REQUIRED - patient.keys()):
        raise TimelineError(f"{path}.{key}", "required", "missing")
    infusion_at = _instant(patient["infusion_at"], f"{path}.infusion_at")
    born = _date(patient["born"], f"{path}.born")
    zone = obj.get("site_timezone", "UTC")
    try:
        if not isinstance(zone, str):
            raise TypeError
        ZoneInfo(zone)
    except (TypeError, ValueError, ZoneInfoNotFoundError):
        raise TimelineError(
            f"{prefix}site_timezone", "an IANA time zone name (e.g. Europe/London)", repr(zone)
        ) from None
    steps = obj.get("steps")
    if not isinstance(steps, list) or not steps:
        raise TimelineError(f"{prefix}steps", "a non-empty list of steps", "missing or empty")
    parsed = tuple(_step(i, s, f"{prefix}steps[{i}]") for i, s in enumerate(steps))
    for step in parsed:
        if step.action == "correct":
            target = step.values["step"]
            if not isinstance(target, int) or isinstance(target, bool):
                raise TimelineError(
                    f"{prefix}steps[{step.index}].step", "a step index", "not a number"
                )
            if not 0 <= target < step.index:
                raise TimelineError(
                    f"{prefix}steps[{step.index}].step",
                    f"the index of an earlier step (0–{step.index - 1})",
                    f"{target} is not an earlier step",
                )
    return Timeline(patient, infusion_at, born, zone, parsed)


def _known(obj: Mapping[str, Any], keys: set[str], prefix: str) -> None:
    for key in obj:
        if key not in keys:
            raise TimelineError(f"{prefix}{key}", ", ".join(sorted(keys)), "unknown key")


def _instant(value: Any, path: str) -> datetime:
    allowed = "an ISO 8601 date and time with an offset, e.g. 2026-12-02T08:00:00+00:00"
    if not isinstance(value, str):
        raise TimelineError(path, allowed, f"{value!r} is not a date and time")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise TimelineError(path, allowed, f"{value!r} is not a date and time") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise TimelineError(path, allowed, f"{value!r} has no offset")
    return when


def _date(value: Any, path: str) -> date:
    try:
        if not isinstance(value, str):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise TimelineError(path, "a date, e.g. 2015-03-10", f"{value!r} is not a date") from None


def _step(index: int, obj: Any, path: str) -> Step:
    if not isinstance(obj, Mapping):
        raise TimelineError(path, "a step object", "a step is an object")
    action = obj.get("action")
    if not isinstance(action, str) or action not in ACTION_KEYS:
        raise TimelineError(
            f"{path}.action", ", ".join(ACTION_KEYS), f"{action!r} is not an action"
        )
    own = ACTION_KEYS[action]
    for key in obj:
        if key not in STEP_KEYS and key not in own:
            allowed = ", ".join(sorted(STEP_KEYS | own))
            raise TimelineError(f"{path}.{key}", allowed, f"unknown key for a {action} step")
    for key in sorted(ACTION_REQUIRED.get(action, set()) - obj.keys()):
        raise TimelineError(f"{path}.{key}", f"required for a {action} step", "missing")
    if "at" not in obj:
        raise TimelineError(f"{path}.at", "required", "missing")
    at = _instant(obj["at"], f"{path}.at")
    observed = _instant(obj["observed_at"], f"{path}.observed_at") if "observed_at" in obj else at
    by = obj.get("by", "nurse")
    if by not in ROLES:
        raise TimelineError(f"{path}.by", ", ".join(ROLES), f"{by!r} is not a role")
    user = obj.get("user", by)
    if not isinstance(user, str) or not user:
        raise TimelineError(f"{path}.user", "a user id", f"{user!r} is not a user id")
    values = {k: v for k, v in obj.items() if k in own}
    return Step(index, at, observed, Author(user, ROLES[by]), action, values)


# --- running ---------------------------------------------------------------------------------------


@dataclass
class _Run:
    ward: Ward
    clock: ManualClock
    timeline: Timeline
    patient_id: str
    records: dict[int, str] = field(default_factory=dict)  # step index -> id of its newest record


def replay(
    document: Any, workdir: Path | None = None
) -> list[list[dict[str, Any]]] | list[dict[str, Any]]:
    """Run one timeline (or an array of them); each on a fresh temporary database."""
    if isinstance(document, list):
        timelines = [parse_timeline(t, f"[{i}].") for i, t in enumerate(document)]
        return [_run(t, workdir) for t in timelines]
    return _run(parse_timeline(document), workdir)


def _run(timeline: Timeline, workdir: Path | None) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bedside-replay-", dir=workdir) as folder:
        first = min(timeline.infusion_at, timeline.steps[0].at)
        clock = ManualClock(first)
        db = open_database(Path(folder) / "replay.db", clock=clock)
        try:
            ward = Ward(db, clock=clock, policy=SitePolicy(site_timezone=timeline.zone))
            run = _Run(ward, clock, timeline, str(timeline.patient["id"]))
            admitted = _admit(run, first)
            out = []
            for step in timeline.steps:
                clock.set(step.at)
                out.append(_do(run, step, admitted))
            return out
        finally:
            db.conn.close()


def _admit(run: _Run, at: datetime) -> Result:
    p = run.timeline.patient
    admission = Admission(
        patient_id=run.patient_id,
        name=p["name"],
        date_of_birth=run.timeline.born,
        sex=p["sex"],
        weight_kg=p["weight_kg"],
        diagnosis=p["diagnosis"],
        developmental_delay=p["developmental_delay"],
        infusion_at=run.timeline.infusion_at,
        product="CAR-T (replay)",
        dose_cells_per_kg=3e6,
        baseline_ice=p.get("baseline_ice"),
        baseline_capd=p.get("baseline_capd"),
    )
    return run.ward.admit(admission, author=Author("admission", Role.NURSE), at=at)


def _do(run: _Run, step: Step, admitted: Result) -> dict[str, Any]:
    try:
        if not isinstance(admitted, Recorded):
            raise StepRefused(admitted.errors if isinstance(admitted, Invalid) else ())
        result = _ACTIONS[step.action](run, step)
        if result is not None and not isinstance(result, Recorded):
            errors = (
                result.errors
                if isinstance(result, Invalid)
                else (FieldError("(storage)", result.message, "a writable database"),)
            )
            raise StepRefused(errors)
        if isinstance(result, Recorded) and step.action in CORRECTABLE:
            run.records[step.index] = result.record.id
        outcome: dict[str, Any] = {"outcome": "recorded"}
    except StepRefused as refused:
        outcome = {
            "outcome": "refused",
            "errors": [
                {"field": e.field, "allowed": e.allowed, "message": e.message}
                for e in refused.errors
            ],
        }
    return {"step": step.index, "action": step.action} | outcome | picture(run.ward, run.patient_id)


def picture(ward: Ward, patient_id: str) -> dict[str, Any]:
    """The patient's current picture as the contract prints it."""
    now = ward.now()
    latest = ward.latest_assessment(patient_id)
    admission = ward.admission(patient_id)
    graded = latest.record if latest is not None else AssessmentRecord()
    tool = graded.icans_tool.value if graded.icans_tool is not None else None
    if tool is None and admission is not None:
        age = age_years(admission.date_of_birth, now, ward.policy.zone)
        tool = encephalopathy_tool(age, admission.developmental_delay).value
    alerts = sorted(ward.open_alerts(patient_id), key=lambda a: (-a.priority, a.kind.value))
    due = {check.kind: check for check in ward.due(patient_id, now)}
    return {
        "crs_grade": graded.crs_grade,
        "crs_grade_is_lower_bound": graded.crs_grade_is_lower_bound,
        "crs_episode_max": graded.crs_episode_max,
        "icans_tool": tool,
        "icans_grade": graded.icans_grade,
        "icans_grade_is_lower_bound": graded.icans_grade_is_lower_bound,
        "icans_episode_max": graded.icans_episode_max,
        "news2": graded.news2,
        "bedside_pews": graded.pews,
        "flags": [str(f) for f in graded.flags],
        "open_alerts": [
            {
                "kind": a.kind.value,
                "priority": a.priority.code,
                "acknowledged": a.status is AlertStatus.ACKNOWLEDGED,
                "escalated": a.time_escalated,
            }
            for a in alerts
        ],
        "due": {
            kind.value: {
                "due_at": check.due_at.isoformat() if check.due_at else None,
                "overdue": check.overdue,
            }
            for kind in (CheckKind.VITALS, CheckKind.NEURO)
            if (check := due.get(kind)) is not None
        }
        or {
            "vitals": {"due_at": None, "overdue": False},
            "neuro": {"due_at": None, "overdue": False},
        },
    }


# --- the actions -------------------------------------------------------------------------------------


def _vitals_record(values: Mapping[str, Any]) -> VitalSigns:
    fields = {k: v for k, v in values.items() if k not in ("temp_c", "temp_f")}
    if values.get("temp_c") is not None and values.get("temp_f") is not None:
        raise StepRefused(
            [FieldError("temp_f", "temp_f: both temperatures given", "temp_c or temp_f")]
        )
    for key, unit in (("temp_c", "C"), ("temp_f", "F")):
        if values.get(key) is not None:
            fields |= {"temperature": values[key], "temperature_unit": unit}
    return VitalSigns(**{k: v for k, v in fields.items() if v is not None})


def _neuro_record(run: _Run, step: Step, values: Mapping[str, Any]) -> NeuroCheck:
    v = dict(values)
    ice = {"ice_score", "ice_not_assessable_reason", "ice_items"} & v.keys()
    capd = {"capd_score", "capd_not_assessable_reason", "capd_items"} & v.keys()
    if ice and capd:
        message = "neuro: ICE and CAPD given in one check"
        raise StepRefused([FieldError("capd_score", message, "one tool per check")])
    if ice:
        tool = EncephalopathyTool.ICE
    elif capd:
        tool = EncephalopathyTool.CAPD
    else:  # no score given: the patient's tool, recorded as not done at this check
        admission = run.ward.admission(run.patient_id)
        assert admission is not None
        age = age_years(admission.date_of_birth, step.observed_at, run.ward.policy.zone)
        tool = encephalopathy_tool(age, admission.developmental_delay)
    fields: dict[str, Any] = {"tool": tool}
    prefix = "ice" if tool is EncephalopathyTool.ICE else "capd"
    items = _items(prefix, v)
    if items is not None:
        fields |= items
    elif v.get(f"{prefix}_not_assessable_reason") is not None:
        fields[f"{prefix}_not_assessable"] = v[f"{prefix}_not_assessable_reason"]
    else:
        fields[f"{prefix}_not_assessable"] = "not_done"
    renamed = {"motor_weakness": "motor"}
    for key in (
        "consciousness", "depressed_consciousness_attributable_to_sedation", "seizure",
        "seizure_duration_min", "motor_weakness", "cerebral_edema", "intracranial_hemorrhage",
    ):  # fmt: skip
        if v.get(key) is not None:
            fields[renamed.get(key, key)] = v[key]
    edema = str(v.get("cerebral_edema") or "")
    fields["imaging_done"] = v.get("imaging_done", "imaging" in edema)
    fields["eeg_done"] = v.get("eeg_done", "eeg" in str(v.get("seizure") or ""))
    return NeuroCheck(**fields)


def _items(prefix: str, v: Mapping[str, Any]) -> dict[str, Any] | None:
    """The check's items: given one by one, or made up from a total (the grade reads the total)."""
    tops = ICE_ITEMS if prefix == "ice" else dict.fromkeys(CAPD_ITEM_NAMES, CAPD_ITEM_MAX)
    given = v.get(f"{prefix}_items")
    if given is not None:
        if not isinstance(given, Mapping):
            message = f"{prefix}_items: not an object of item points"
            raise StepRefused([FieldError(f"{prefix}_items", message, ", ".join(tops))])
        items = {}
        for key, points in given.items():
            name = key.removeprefix(f"{prefix}_")
            if name not in tops:
                message = f"{prefix}_items.{key}: not an item"
                raise StepRefused([FieldError(f"{prefix}_items", message, ", ".join(tops))])
            items[f"{prefix}_{name}"] = points
        return items
    total = v.get(f"{prefix}_score")
    if total is None:
        return None
    top = sum(tops.values())
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= top:
        message = f"{prefix}_score: {total!r} is not a whole number 0–{top}"
        raise StepRefused([FieldError(f"{prefix}_score", message, f"0–{top}")])
    # ICE counts points kept, CAPD points of concern: either way fill the items up to the total.
    left, items = total, {}
    for name, item_top in tops.items():
        take = min(item_top, left)
        items[f"{prefix}_{name}"] = take
        left -= take
    return items


def _drug(value: Any, path: str, allowed: str) -> Drug:
    try:
        return Drug(value)
    except ValueError:
        raise StepRefused(
            [FieldError(path, f"{path}: {value!r} is not a known drug", allowed)]
        ) from None


def _infusion(run: _Run, step: Step, values: Mapping[str, Any]) -> Intervention:
    drug = _drug(values["drug"], "drug", ALLOWED_AGENTS)
    agent = drug.agent
    if agent is None:
        message = f"drug: {drug.value} is not a vasopressor or inotrope (use a dose step)"
        raise StepRefused([FieldError("drug", message, ALLOWED_AGENTS)])
    dose, unit = _INFUSION_DEFAULTS.get(agent, (0.05, DoseUnit.MCG_PER_KG_MIN))
    return Intervention(
        drug=drug,
        dose=dose,
        dose_unit=unit,
        route=Route.IV,
        started_at=step.observed_at,
        indication=values.get("indication", Indication.TREATMENT),
    )


def _dose_record(run: _Run, step: Step, values: Mapping[str, Any]) -> Intervention:
    drug = _drug(values["drug"], "drug", ALLOWED_DOSE_DRUGS)
    if drug.kind in (DrugKind.VASOPRESSOR, DrugKind.INOTROPE):
        message = f"drug: {drug.value} is an infusion (use a start step)"
        raise StepRefused([FieldError("drug", message, ALLOWED_DOSE_DRUGS)])
    dose, unit, route = _DOSE_DEFAULTS[drug]
    return Intervention(
        drug=drug,
        dose=dose,
        dose_unit=unit,
        route=route,
        started_at=step.observed_at,
        indication=values.get("indication", Indication.TREATMENT),
    )


def _attribution_record(run: _Run, step: Step, values: Mapping[str, Any]) -> Attribution:
    until = values.get("until")
    if until is not None:
        try:
            until = _instant(until, "until")
        except TimelineError as err:
            raise StepRefused([FieldError("until", f"until: {err.message}", err.allowed)]) from None
    return Attribution(finding=values["finding"], cause=values["cause"], until=until)


def _record_of(run: _Run, step: Step, action: str, values: Mapping[str, Any]) -> Record:
    if action == "vitals":
        return _vitals_record(values)
    if action == "neuro":
        return _neuro_record(run, step, values)
    if action == "start":
        return _infusion(run, step, values)
    if action == "dose":
        return _dose_record(run, step, values)
    return _attribution_record(run, step, values)


def _chart(run: _Run, step: Step) -> Result:
    ward, pid, who, at = run.ward, run.patient_id, step.author, step.observed_at
    try:
        record = _record_of(run, step, step.action, step.values)
    except TypeError as err:
        raise StepRefused(
            [FieldError(step.action, f"{step.action}: {err}", "the contract's keys")]
        ) from None
    if isinstance(record, VitalSigns):
        return ward.chart_vitals(pid, record, observed_at=at, author=who)
    if isinstance(record, NeuroCheck):
        return ward.chart_neuro(pid, record, observed_at=at, author=who)
    if isinstance(record, Intervention):
        return ward.record_intervention(pid, record, author=who)
    assert isinstance(record, Attribution)
    return ward.attribute(pid, record, observed_at=at, author=who)


def _stop(run: _Run, step: Step) -> Result:
    drug = _drug(step.values["drug"], "drug", ALLOWED_AGENTS)
    running = run.ward.running_infusions(run.patient_id, step.observed_at)
    found = [s for s in running if isinstance(s.record, Intervention) and s.record.drug is drug]
    if not found:
        message = f"drug: no {drug.value} infusion is running"
        raise StepRefused([FieldError("drug", message, "a running infusion")])
    result: Result | None = None
    for stored in found:  # every pump of this agent stops
        result = run.ward.stop_infusion(stored.id, step.observed_at, author=step.author)
        if not isinstance(result, Recorded):
            return result
    assert result is not None
    return result


def _acknowledge(run: _Run, step: Step) -> Result:
    wanted = step.values["alert"]
    kinds = {k.value for k in AlertKind}
    if wanted != "all" and wanted not in kinds:
        message = f"alert: {wanted!r} is not an alert kind"
        raise StepRefused([FieldError("alert", message, "all, " + ", ".join(sorted(kinds)))])
    waiting = [
        a
        for a in run.ward.open_alerts(run.patient_id)
        if a.status is AlertStatus.ACTIVE and wanted in ("all", a.kind.value)
    ]
    if not waiting:
        message = f"alert: no unacknowledged {wanted} alert is open"
        raise StepRefused([FieldError("alert", message, "an open, unacknowledged alert")])
    result: Result | None = None
    for alert in waiting:
        result = run.ward.acknowledge(alert.alert_id, author=step.author)
        if not isinstance(result, Recorded):
            return result
    assert result is not None
    return result


def _close(run: _Run, step: Step) -> Result:
    closure = EpisodeClosure(syndrome=step.values["syndrome"], reason="episode closed (replay)")
    return run.ward.close_episode(run.patient_id, closure, author=step.author)


def _correct(run: _Run, step: Step) -> Result:
    target = step.values["step"]
    original = run.timeline.steps[target]
    record_id = run.records.get(target)
    if original.action not in CORRECTABLE or record_id is None:
        message = f"step: step {target} made no record that can be corrected"
        raise StepRefused([FieldError("step", message, "a recorded charting step")])
    values = step.values["values"]
    if not isinstance(values, Mapping):
        raise StepRefused([FieldError("values", "values: not an object", "the step's keys")])
    unknown = [k for k in values if k not in ACTION_KEYS[original.action]]
    if unknown:
        message = f"values.{unknown[0]}: not a key of a {original.action} step"
        raise StepRefused(
            [FieldError(f"values.{unknown[0]}", message, ", ".join(ACTION_KEYS[original.action]))]
        )
    as_then = replace(original, values=values)
    try:
        record = _record_of(run, as_then, original.action, values)
    except TypeError as err:
        raise StepRefused([FieldError("values", f"values: {err}", "the contract's keys")]) from None
    result = run.ward.correct(record_id, record, reason=step.values["reason"], author=step.author)
    if isinstance(result, Recorded):
        run.records[target] = result.record.id
    return result


def _developmental_delay(run: _Run, step: Step) -> Result:
    value = step.values["value"]
    if not isinstance(value, bool):
        raise StepRefused(
            [FieldError("value", f"value: {value!r} is not true or false", "true or false")]
        )
    stored = run.ward.admission_record(run.patient_id)
    assert stored is not None and isinstance(stored.record, Admission)
    changed = replace(stored.record, developmental_delay=value)
    reason = "developmental delay recorded" if value else "developmental delay removed"
    return run.ward.correct(stored.id, changed, reason=reason, author=step.author)


def _tick(run: _Run, step: Step) -> None:
    run.ward.tick()


_ACTIONS: dict[str, Callable[[_Run, Step], Result | None]] = {
    "vitals": _chart,
    "neuro": _chart,
    "start": _chart,
    "dose": _chart,
    "attribute": _chart,
    "stop": _stop,
    "acknowledge": _acknowledge,
    "close_episode": _close,
    "correct": _correct,
    "developmental_delay": _developmental_delay,
    "tick": _tick,
}


# --- checking expectations ---------------------------------------------------------------------------


def check_expectations(
    timeline: Mapping[str, Any], output: Sequence[Mapping[str, Any]]
) -> list[str]:
    """The `expect` entries of a timeline that the output does not meet, in words (for `--check`)."""
    problems = []
    for expect in timeline.get("expect", []):
        index = expect.get("step")
        if not isinstance(index, int) or not 0 <= index < len(output):
            problems.append(f"expect names no step: {index!r}")
            continue
        got = output[index]
        for key, want in expect.items():
            if key == "step":
                continue
            problem = _unmet(key, want, got)
            if problem:
                problems.append(f"step {index}: {problem}")
    return problems


_LISTS = {
    "alerts_include": ("open_alerts", True, False),
    "alerts_exclude": ("open_alerts", False, False),
    "unacknowledged_include": ("open_alerts", True, True),
    "flags_include": ("flags", True, False),
    "flags_exclude": ("flags", False, False),
}


def _unmet(key: str, want: Any, got: Mapping[str, Any]) -> str | None:
    if key in _LISTS:
        source, present, unacked = _LISTS[key]
        if source == "open_alerts":
            have = {a["kind"] for a in got["open_alerts"] if not unacked or not a["acknowledged"]}
        else:
            have = set(got["flags"])
        wrong = [w for w in want if (w in have) != present]
        return f"{key} {wrong} (have {sorted(have)})" if wrong else None
    if key == "due":
        for kind, fields in want.items():
            for name, value in fields.items():
                actual = got["due"].get(kind, {}).get(name)
                if name == "due_at" and value is not None and actual is not None:
                    same = datetime.fromisoformat(value) == datetime.fromisoformat(actual)
                else:
                    same = actual == value
                if not same:
                    return f"due.{kind}.{name} is {actual!r}, expected {value!r}"
        return None
    if key not in got:
        return f"{key} is not an output key"
    return None if got[key] == want else f"{key} is {got[key]!r}, expected {want!r}"
