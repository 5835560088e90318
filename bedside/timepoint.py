"""Assembling the patient's state at one time point from the log (SPEC D17, D18).

Each value counts for its freshness window after it was observed; an older one is *stale*: missing for the
rules, and named as stale. Episodes, the fever waiver and prior maxima are derived from the log, never typed.
The log is read through `History`, so that this module stays free of SQL and easy to test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from bedside.clinical.crs import FEVER_C
from bedside.clinical.policy import SitePolicy
from bedside.clinical.state import PatientState
from bedside.clinical.vocabulary import Acvpu, O2Device, O2Indication, VasoactiveAgent
from bedside.records import (
    Admission,
    Attribution,
    DrugKind,
    EpisodeClosure,
    Finding,
    Intervention,
    NeuroCheck,
    Syndrome,
    TempUnit,
    VitalSigns,
)
from bedside.schedule import day_post_infusion

FEVER_THRESHOLD_C = float(FEVER_C)
_ANTI_FEVER = {DrugKind.ANTIPYRETIC, DrugKind.ANTICYTOKINE, DrugKind.STEROID}  # SPEC 2.2


class Stored(Protocol):
    """What this module reads of a stored record."""

    @property
    def id(self) -> str: ...
    @property
    def observed_at(self) -> datetime: ...
    @property
    def record(self) -> Any: ...


class History(Protocol):
    """The questions the assembly asks of one patient's log. Superseded records are never returned."""

    def effective(
        self, patient_id: str, kinds: Sequence[str], since: datetime | None, until: datetime
    ) -> Sequence[Stored]:
        """Records of these kinds observed in [since, until], oldest first."""
        ...

    def fever_times(self, patient_id: str, since: datetime, until: datetime) -> Sequence[datetime]:
        """Times of temperatures >= 38.0 °C observed in [since, until], oldest first."""
        ...

    def max_grades(
        self, patient_id: str, since: datetime, until: datetime
    ) -> tuple[int | None, int | None, datetime | None]:
        """Highest stored CRS and ICANS grades observed in [since, until), and the first ICANS >= 1."""
        ...

    def last_observed(self, patient_id: str, kind: str, until: datetime) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class Episodes:
    crs_onset: datetime | None  # first CRS fever of the open episode
    crs_open: bool
    icans_open: bool
    prior_max_crs: int | None
    prior_max_icans: int | None


def age_years(born: date, at: datetime, zone: tzinfo | None = None) -> float:
    """Decimal age whose integer part is exactly the completed years by the calendar (D5, D12).

    A birthday begins at midnight where the ward is: `at` is read in the site's time zone (`zone`;
    None = this machine's), so that the tool check and the grade agree on the day a child turns 12."""
    day = at.astimezone(zone).date()
    years = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    last = _birthday(born, born.year + years)
    nxt = _birthday(born, born.year + years + 1)
    return years + (day - last).days / (nxt - last).days


def _birthday(born: date, year: int) -> date:
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)


def assemble_state(
    history: History, admission: Admission, patient_id: str, at: datetime, policy: SitePolicy
) -> PatientState:
    """The `PatientState` at `at`, from the records observed at or before it."""
    vitals_window = timedelta(hours=policy.vitals_fresh_hours)
    neuro_window = timedelta(hours=policy.neuro_fresh_hours)
    stale: set[str] = set()
    values: dict[str, Any] = {}

    # Look back further than the window, so that a value which has just gone stale is named as such.
    recent = history.effective(patient_id, ["vitals"], at - STALE_LOOKBACK, at)
    fresh, old = _latest_vitals(recent, at - vitals_window)
    values |= fresh
    stale |= old

    last_neuro = history.last_observed(patient_id, "neuro_check", at)
    neuro = history.effective(patient_id, ["neuro_check"], at - neuro_window, at)
    if neuro:
        values |= _neuro_values(neuro[-1].record)
        acvpu = _newest_acvpu(recent, neuro, at - vitals_window)
        values.pop("acvpu", None)
        if acvpu is not None:
            values["acvpu"] = acvpu  # D17: ACVPU counts for 6 h, whichever form charted it
    elif last_neuro is not None:
        stale.add("neuro check")
    if last_neuro is not None:
        values["hours_since_last_neuro_assessment"] = (at - last_neuro).total_seconds() / 3600

    interventions = [
        s.record
        for s in history.effective(
            patient_id, ["intervention"], admission.infusion_at - 30 * DAY, at
        )
    ]
    running = _running_agents(interventions, at)
    values["vasopressors"] = tuple(agent for agent, _ in running)
    pressors = [(a, stop) for a, stop in running if not a.is_inotrope and not a.is_vasopressin_like]
    if len(pressors) >= 2:
        values["pressor_transition_overlap"] = any(stop is not None for _, stop in pressors)

    # Attributions recorded up to one window after `at` cover findings at `at` (a re-grade sees them).
    attributions = history.effective(patient_id, ["attribution"], None, at + neuro_window)
    values |= _attributions(attributions, values, at, vitals_window, neuro_window)

    episodes = derive_episodes(history, admission, patient_id, at, attributions, vitals_window)
    given = [i for i in interventions if i.kind in _ANTI_FEVER and i.started_at <= at]
    onset = episodes.crs_onset
    values["crs_fever_previously_documented"] = onset is not None and onset < at
    values["antipyretic_or_anticytokine_given_after_crs_onset"] = onset is not None and any(
        onset <= i.started_at for i in given
    )
    values["premedication_acetaminophen_at_infusion"] = onset is None and bool(given)

    return PatientState(
        age_years=age_years(admission.date_of_birth, at, policy.zone),
        day_post_infusion=day_post_infusion(admission.infusion_at, at),
        developmental_delay=admission.developmental_delay,
        baseline_ice=admission.baseline_ice,
        baseline_capd=admission.baseline_capd,
        crs_episode_open=episodes.crs_open,
        icans_episode_open=episodes.icans_open,
        prior_max_crs_grade=episodes.prior_max_crs,
        prior_max_icans_grade=episodes.prior_max_icans,
        stale=frozenset(stale),
        **values,
    )


DAY = timedelta(days=1)
STALE_LOOKBACK = timedelta(hours=24)
_SINGLE_VITALS = ("sbp", "dbp", "hr", "rr", "spo2", "spo2_scale", "acvpu", "crt_s", "resp_effort")


def _latest_vitals(
    recent: Sequence[Stored], fresh_from: datetime
) -> tuple[dict[str, Any], set[str]]:
    """Each parameter from the newest set that has it (D17), and the parameters whose newest value is
    older than the window (stale). The oxygen fields travel together: a new device never inherits the flow
    of the old one."""
    found: dict[str, Any] = {}
    stale: set[str] = set()
    seen: set[str] = set()

    def take(name: str, value: Any, when: datetime) -> None:
        if name in seen or value is None:
            return
        seen.add(name)
        if when >= fresh_from:
            found[name] = value
        elif name != "spo2_scale":
            stale.add(name)

    for s in reversed(recent):
        v: VitalSigns = s.record
        if v.temperature is not None:
            name = "temp_f" if v.temperature_unit is TempUnit.F else "temp_c"
            if "temperature" not in seen:
                take("temperature", v.temperature, s.observed_at)
                if "temperature" in found:
                    found[name] = found.pop("temperature")
        for name in _SINGLE_VITALS:
            take(name, getattr(v, name), s.observed_at)
        if v.o2_device is not None and "o2_device" not in seen:
            take("o2_device", v.o2_device, s.observed_at)
            if "o2_device" in found:
                found |= {
                    "o2_flow_l_min": v.o2_flow_l_min,
                    "fio2": v.fio2,
                    "o2_indication": v.o2_indication,
                }
    return {k: v for k, v in found.items() if v is not None}, stale


def _neuro_values(check: NeuroCheck) -> dict[str, Any]:
    values: dict[str, Any] = {
        "ice_score": check.ice_score,
        "ice_not_assessable_reason": check.ice_not_assessable,
        "capd_score": check.capd_score,
        "capd_not_assessable_reason": check.capd_not_assessable,
        "consciousness": check.consciousness,
        "depressed_consciousness_attributable_to_sedation": check.depressed_consciousness_attributable_to_sedation,
        "seizure": check.seizure,
        "seizure_duration_min": check.seizure_duration_min,
        "motor_weakness": check.motor,
        "cerebral_edema": check.cerebral_edema,
        "intracranial_hemorrhage": check.intracranial_hemorrhage,
    }
    return {k: v for k, v in values.items() if v is not None}


def _newest_acvpu(
    vitals: Sequence[Stored], neuro: Sequence[Stored], fresh_from: datetime
) -> Acvpu | None:
    """The newest ACVPU charted on a vitals set or a neuro check within the vitals window."""
    charted = [
        (s.observed_at, s.record.acvpu)
        for s in (*vitals, *neuro)
        if s.record.acvpu is not None and s.observed_at >= fresh_from
    ]
    return max(charted, key=lambda c: c[0])[1] if charted else None


def _running_agents(
    interventions: Sequence[Intervention], at: datetime
) -> list[tuple[VasoactiveAgent, datetime | None]]:
    """Infusions running at `at` (D17: from start until the recorded stop), with their stop if known."""
    running: dict[VasoactiveAgent, datetime | None] = {}
    for i in interventions:
        agent = i.agent
        if agent is None or i.started_at > at or (i.stopped_at is not None and i.stopped_at <= at):
            continue
        # An agent runs if any of its infusions runs (two pumps, or a restart); its stop is known
        # only when every running infusion of it has one.
        if agent in running and (running[agent] is None or i.stopped_at is None):
            running[agent] = None
        else:
            running[agent] = max(filter(None, (running.get(agent), i.stopped_at)), default=None)
    return sorted(running.items())


def _attributions(
    attributions: Sequence[Stored],
    values: dict[str, Any],
    at: datetime,
    vitals_window: timedelta,
    neuro_window: timedelta,
) -> dict[str, Any]:
    """D9: a physician's attribution covers its finding within that finding's freshness window on
    either side of the time it was recorded: the finding just charted, and the same finding while it
    persists."""
    found: dict[str, Any] = {}
    for s in attributions:
        a: Attribution = s.record
        window = (
            neuro_window if a.finding in (Finding.CONSCIOUSNESS, Finding.SEIZURE) else vitals_window
        )
        if not s.observed_at - window <= at < s.observed_at + window:
            continue
        if a.finding is Finding.FEVER:
            found["fever_attributed_to_other_cause"] = True
        elif a.finding is Finding.HYPOTENSION:
            found["hypotension_attributed_to_other_cause"] = True
        elif a.finding is Finding.HYPOXIA and values.get("o2_device") not in (
            None,
            O2Device.ROOM_AIR,
        ):
            found["o2_indication"] = O2Indication.OTHER_CAUSE
        elif a.finding is Finding.CONSCIOUSNESS:
            found["depressed_consciousness_attributable_to_sedation"] = True
        elif a.finding is Finding.SEIZURE:
            found["seizure_attributed_to_other_cause"] = True
    return found


def derive_episodes(
    history: History,
    admission: Admission,
    patient_id: str,
    at: datetime,
    attributions: Sequence[Stored],
    vitals_window: timedelta,
) -> Episodes:
    """D18: a CRS episode opens with the first unattributed fever after infusion; an ICANS episode with the
    first ICANS grade >= 1; each stays open until a clinician closes it."""
    closures = history.effective(patient_id, ["episode_closure"], None, at)
    closed = {Syndrome.CRS: admission.infusion_at, Syndrome.ICANS: admission.infusion_at}
    for s in closures:
        c: EpisodeClosure = s.record
        closed[c.syndrome] = max(closed[c.syndrome], s.observed_at)

    fever_attributed = [s.observed_at for s in attributions if s.record.finding is Finding.FEVER]
    onset = None
    for t in history.fever_times(patient_id, closed[Syndrome.CRS], at):
        if not any(a - vitals_window <= t < a + vitals_window for a in fever_attributed):
            onset = t
            break
    crs_since = onset if onset is not None else at
    max_crs, _, _ = history.max_grades(patient_id, crs_since, at)
    _, max_icans, icans_onset = history.max_grades(patient_id, closed[Syndrome.ICANS], at)
    return Episodes(
        crs_onset=onset,
        crs_open=onset is not None,
        icans_open=icans_onset is not None,
        prior_max_crs=max_crs if onset is not None else None,
        prior_max_icans=max_icans if icans_onset is not None else None,
    )
