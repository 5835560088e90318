"""Assembling the patient's state at one time point from the log (SPEC D17, D18).

Each value counts for its freshness window after it was observed; an older one is *stale*: missing for the
rules, and named as stale. Episodes, the fever waiver and prior maxima are derived from the log, never typed.
The log is read through `History`, so that this module stays free of SQL and easy to test.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any, Protocol

from bedside.clinical.calendar import age_years, day_post_infusion
from bedside.clinical.icans import encephalopathy_tool
from bedside.clinical.policy import SitePolicy
from bedside.clinical.state import PatientState
from bedside.clinical.vocabulary import (
    Acvpu,
    EncephalopathyTool,
    O2Device,
    O2Indication,
    VasoactiveAgent,
)
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

    def vitals_held(
        self, patient_id: str, names: Sequence[str], since: datetime, before: datetime
    ) -> frozenset[str]:
        """Which of `names` (fields of VitalSigns) some vitals set observed in [since, before) holds."""
        ...

    def fever_times(self, patient_id: str, since: datetime, until: datetime) -> Iterable[datetime]:
        """Times of temperatures >= 38.0 °C observed in [since, until], oldest first (read as far as
        the caller goes: the first fever no one attributed elsewhere is usually the first)."""
        ...

    def last_fever(self, patient_id: str, since: datetime, until: datetime) -> datetime | None:
        """The newest temperature >= 38.0 °C observed in [since, until]."""
        ...

    def worst_grade(
        self, syndrome: str, patient_id: str, since: datetime, until: datetime
    ) -> tuple[int | None, datetime | None]:
        """The worst stored grade of "crs" or "icans" in [since, until), and its first grade >= 1."""
        ...

    def last_observed(self, patient_id: str, kind: str, until: datetime) -> datetime | None: ...

    def last_completed_neuro(
        self, patient_id: str, tool: EncephalopathyTool | None, until: datetime
    ) -> datetime | None:
        """The newest neuro check at or before `until` that was done (D21), with this tool (None: any)."""
        ...


@dataclass(frozen=True, slots=True)
class Episodes:
    crs_onset: datetime | None  # first CRS fever of the open episode
    crs_open: bool
    icans_open: bool
    prior_max_crs: int | None
    prior_max_icans: int | None


def assemble_state(
    history: History, admission: Admission, patient_id: str, at: datetime, policy: SitePolicy
) -> PatientState:
    """The `PatientState` at `at`, from the records observed at or before it."""
    vitals_window = timedelta(hours=policy.vitals_fresh_hours)
    neuro_window = timedelta(hours=policy.neuro_fresh_hours)
    zone = policy.zone
    stale: set[str] = set()
    values: dict[str, Any] = {}
    closed = closure_times(history, admission, patient_id, at)

    # Look back further than the window, so that a value which has just gone stale is named as such:
    # the sets of the window are read whole, and of the older ones only which parameters they hold
    # that the window does not (a day of sets read whole was a fifth of a save).
    fresh_from, lookback = at - vitals_window, at - STALE_LOOKBACK
    recent = history.effective(patient_id, ["vitals"], max(fresh_from, lookback), at)
    fresh, unmet, seen_at = _latest_vitals(recent)
    values |= fresh
    if unmet and lookback < fresh_from:
        stale |= history.vitals_held(patient_id, unmet, lookback, fresh_from)

    age = age_years(admission.date_of_birth, at, zone)
    tool_for_age = encephalopathy_tool(age, admission.developmental_delay)
    last_neuro = history.last_observed(patient_id, "neuro_check", at)
    neuro = history.effective(patient_id, ["neuro_check"], at - neuro_window, at)
    # D25: an ICANS closure covers the findings charted before it; a new check opens a new picture.
    neuro = [s for s in neuro if s.observed_at > closed[Syndrome.ICANS]]
    if neuro:
        check: NeuroCheck = neuro[-1].record
        values |= _neuro_values(check)
        seen_at["neuro"] = neuro[-1].observed_at
        if check.tool is not tool_for_age:
            values["encephalopathy_tool"] = check.tool  # D22: counts for its window, by its tool
        acvpu = _newest_acvpu(recent, neuro, fresh_from)
        values.pop("acvpu", None)
        if acvpu is not None:
            values["acvpu"] = acvpu  # D17: ACVPU counts for 6 h, whichever form charted it
    elif last_neuro is not None and last_neuro <= at - neuro_window:
        stale.add("neuro check")
    # D21: only a check that was done counts; "not done" leaves the last completed one in force.
    last_done = history.last_completed_neuro(patient_id, None, at)
    if last_done is not None:
        values["hours_since_last_neuro_assessment"] = (at - last_done).total_seconds() / 3600

    interventions = [
        s.record
        for s in history.effective(
            patient_id, ["intervention"], admission.infusion_at - 30 * DAY, at
        )
    ]
    running = _running_agents(interventions, at)
    values["vasopressors"] = tuple(agent for agent, _, _ in running)
    pressors = [
        (a, stop) for a, _, stop in running if not a.is_inotrope and not a.is_vasopressin_like
    ]
    if len(pressors) >= 2:
        values["pressor_transition_overlap"] = any(stop is not None for _, stop in pressors)
    if running:
        seen_at["vasopressors"] = max(start for _, start, _ in running)

    reach = timedelta(hours=policy.attribution_max_hours) + max(vitals_window, neuro_window)
    attributions = history.effective(
        patient_id, ["attribution"], min(closed[Syndrome.CRS], at) - reach, at + neuro_window
    )
    covers = [_cover(s, vitals_window, neuro_window) for s in attributions]
    # D25: a CRS closure covers the CRS findings observed before it, as an attribution would.
    crs_closed = closed[Syndrome.CRS]
    if crs_closed > admission.infusion_at:
        covers += [
            Cover(finding, crs_closed, None, crs_closed)
            for finding in (Finding.FEVER, Finding.HYPOTENSION, Finding.HYPOXIA)
        ]
    values |= _attributed(covers, values, seen_at)

    episodes = derive_episodes(history, admission, patient_id, at, covers, closed)
    given = [i for i in interventions if i.kind in _ANTI_FEVER and i.started_at <= at]
    onset = episodes.crs_onset
    values["crs_fever_previously_documented"] = onset is not None and onset < at
    values["antipyretic_or_anticytokine_given_after_crs_onset"] = onset is not None and any(
        onset <= i.started_at for i in given
    )
    # D25: "fever possibly masked" only for a dose in the last 6 h, with no CRS episode open.
    values["premedication_acetaminophen_at_infusion"] = onset is None and any(
        at - MASKING_WINDOW <= i.started_at for i in given
    )
    if onset is not None:
        last_fever = history.last_fever(patient_id, onset, at)
        if last_fever is not None:
            values["hours_since_last_fever"] = (at - last_fever).total_seconds() / 3600

    return PatientState(
        age_years=age,
        day_post_infusion=day_post_infusion(admission.infusion_at, at, zone),
        before_infusion=at < admission.infusion_at,  # D27: by the instant, not the day
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
MASKING_WINDOW = timedelta(hours=6)  # D25
_SINGLE_VITALS = ("sbp", "dbp", "hr", "rr", "spo2", "spo2_scale", "acvpu", "crt_s", "resp_effort")


# What is named stale when only an older set holds it (a scale is never named).
_STALE_NAMES = ("temperature", *(n for n in _SINGLE_VITALS if n != "spo2_scale"), "o2_device")


def _latest_vitals(
    recent: Sequence[Stored],
) -> tuple[dict[str, Any], tuple[str, ...], dict[str, datetime]]:
    """Each parameter from the newest of the window's sets that has it (D17), the parameters that
    none of them holds (stale if an older set does: `_STALE_NAMES`), and when each value in force was
    observed. The oxygen fields travel together: a new device never inherits the flow of the old one."""
    found: dict[str, Any] = {}
    seen: set[str] = set()
    observed: dict[str, datetime] = {}

    def take(name: str, value: Any, when: datetime) -> None:
        if name in seen or value is None:
            return
        seen.add(name)
        found[name] = value
        observed[name] = when

    pending: tuple[str, ...] = _SINGLE_VITALS  # the single parameters not met yet, newest set first
    values_of = attrgetter(*pending)
    for s in reversed(recent):
        v: VitalSigns = s.record
        if v.temperature is not None and "temperature" not in seen:
            name = "temp_f" if v.temperature_unit is TempUnit.F else "temp_c"
            take("temperature", v.temperature, s.observed_at)
            found[name] = found.pop("temperature")
        if pending:
            # Most sets hold none of what is still pending (a child's ACVPU, a scale not charted):
            # those are passed over in one step.
            values = values_of(v) if len(pending) > 1 else (getattr(v, pending[0]),)
            if values.count(None) < len(values):
                absent = tuple(n for n, value in zip(pending, values, strict=True) if value is None)
                for name, value in zip(pending, values, strict=True):
                    if value is not None:
                        take(name, value, s.observed_at)
                pending = absent
                values_of = attrgetter(*pending) if pending else values_of
        elif "temperature" in seen and "o2_device" in seen:
            break  # every parameter met: older sets change nothing
        if v.o2_device is not None and "o2_device" not in seen:
            take("o2_device", v.o2_device, s.observed_at)
            found |= {
                "o2_flow_l_min": v.o2_flow_l_min,
                "fio2": v.fio2,
                "o2_indication": v.o2_indication,
            }
    unmet = tuple(name for name in _STALE_NAMES if name not in seen)
    return {k: v for k, v in found.items() if v is not None}, unmet, observed


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
) -> list[tuple[VasoactiveAgent, datetime, datetime | None]]:
    """Infusions running at `at` (D17: from start until the recorded stop): each agent with the start of
    its newest running infusion and its stop if known."""
    running: dict[VasoactiveAgent, tuple[datetime, datetime | None]] = {}
    for i in interventions:
        agent = i.agent
        if agent is None or i.started_at > at or (i.stopped_at is not None and i.stopped_at <= at):
            continue
        # An agent runs if any of its infusions runs (two pumps, or a restart); its stop is known
        # only when every running infusion of it has one.
        if agent in running:
            start, stop = running[agent]
            both = None if stop is None or i.stopped_at is None else max(stop, i.stopped_at)
            running[agent] = (max(start, i.started_at), both)
        else:
            running[agent] = (i.started_at, i.stopped_at)
    return sorted((agent, start, stop) for agent, (start, stop) in running.items())


@dataclass(frozen=True, slots=True)
class Cover:
    """What an attribution (or a closure, D25) covers: its finding as observed in [since, until]."""

    finding: Finding
    recorded_at: datetime
    since: datetime | None
    until: datetime

    def covers(self, observed: datetime) -> bool:
        return (self.since is None or self.since <= observed) and observed <= self.until


def _cover(stored: Stored, vitals_window: timedelta, neuro_window: timedelta) -> Cover:
    """D19: an attribution covers its finding as charted at or before the moment it was recorded,
    within the finding's freshness window (D17), and nothing observed later unless the physician set
    an explicit `until`."""
    a: Attribution = stored.record
    window = neuro_window if a.finding in _NEURO_FINDINGS else vitals_window
    until = max(stored.observed_at, a.until) if a.until is not None else stored.observed_at
    return Cover(a.finding, stored.observed_at, stored.observed_at - window, until)


_NEURO_FINDINGS = (Finding.CONSCIOUSNESS, Finding.SEIZURE)


def _attributed(
    covers: Sequence[Cover], values: dict[str, Any], seen_at: dict[str, datetime]
) -> dict[str, Any]:
    """The attribution inputs of the snapshot: a finding counts as attributed only when every value it
    rests on at this time point was observed inside a cover (D9, D19)."""
    found: dict[str, Any] = {}

    def covered(finding: Finding, *names: str) -> bool:
        times = [(n, seen_at[n]) for n in names if n in seen_at]
        return bool(times) and any(
            c.finding is finding and all(_inside(c, n, t) for n, t in times) for c in covers
        )

    if covered(Finding.FEVER, "temperature"):
        found["fever_attributed_to_other_cause"] = True
    if covered(Finding.HYPOTENSION, "sbp", "vasopressors"):
        found["hypotension_attributed_to_other_cause"] = True
    on_oxygen = values.get("o2_device") not in (None, O2Device.ROOM_AIR)
    if on_oxygen:
        # D19: a nurse's explicit "for CRS hypoxia" charted after the attribution always wins.
        explicit = values.get("o2_indication") is O2Indication.CRS_HYPOXIA
        charted = seen_at["o2_device"]
        hypoxia = [
            c
            for c in covers
            if c.finding is Finding.HYPOXIA and not (explicit and charted > c.recorded_at)
        ]
        if any(c.covers(charted) for c in hypoxia):
            found["o2_indication"] = O2Indication.OTHER_CAUSE
    if covered(Finding.CONSCIOUSNESS, "neuro"):
        found["depressed_consciousness_attributable_to_sedation"] = True
    if covered(Finding.SEIZURE, "neuro"):
        found["seizure_attributed_to_other_cause"] = True
    return found


def _inside(cover: Cover, name: str, observed: datetime) -> bool:
    # An infusion is in force from its start to its stop (D17): only its start is compared with the
    # end of the cover, never with the freshness window.
    if name == "vasopressors":
        return observed <= cover.until
    return cover.covers(observed)


def closure_times(
    history: History, admission: Admission, patient_id: str, at: datetime
) -> dict[Syndrome, datetime]:
    """The newest closure of each syndrome at or before `at` (the infusion time when never closed)."""
    closed = {Syndrome.CRS: admission.infusion_at, Syndrome.ICANS: admission.infusion_at}
    for s in history.effective(patient_id, ["episode_closure"], None, at):
        c: EpisodeClosure = s.record
        closed[c.syndrome] = max(closed[c.syndrome], s.observed_at)
    return closed


def derive_episodes(
    history: History,
    admission: Admission,
    patient_id: str,
    at: datetime,
    covers: Sequence[Cover],
    closed: dict[Syndrome, datetime],
) -> Episodes:
    """D18: a CRS episode opens with the first fever after infusion that no physician attributed
    elsewhere; an ICANS episode with the first ICANS grade >= 1; each stays open until a physician
    closes it. D25: only what is observed after a closure opens a new episode."""
    fever_covers = [c for c in covers if c.finding is Finding.FEVER]
    reopening = closed[Syndrome.CRS] > admission.infusion_at
    onset = None
    for t in history.fever_times(patient_id, closed[Syndrome.CRS], at):
        if t < admission.infusion_at or (reopening and t <= closed[Syndrome.CRS]):
            continue  # D27: never CRS before the infusion instant; D25: nor before a closure
        if not any(c.covers(t) for c in fever_covers):
            onset = t
            break
    crs_since = onset if onset is not None else at
    max_crs, _ = history.worst_grade("crs", patient_id, crs_since, at)
    icans_since = closed[Syndrome.ICANS]
    if icans_since > admission.infusion_at:
        icans_since += timedelta(microseconds=1)  # D25: strictly after the closure
    max_icans, icans_onset = history.worst_grade("icans", patient_id, icans_since, at)
    return Episodes(
        crs_onset=onset,
        crs_open=onset is not None,
        icans_open=icans_onset is not None,
        prior_max_crs=max_crs if onset is not None else None,
        prior_max_icans=max_icans if icans_onset is not None else None,
    )
