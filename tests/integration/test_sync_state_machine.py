"""BATTERY R10: two ward machines chart one patient offline and sync through a real hub (a SQLite file).

A Hypothesis state machine: machines A and B, each with its own database and its own clock (which may
run ahead, fall behind or jump), chart vitals whose values lie either side of the grading thresholds
(clinical/SPEC.md: fever >= 38.0 degC, section 3.1; adult hypotension SBP < 90, D5; hypoxia by the
oxygen device and flow, section 4 and D3; ICANS by the ICE score, section 5), chart neuro checks,
acknowledge open alerts, correct records and sync, in any order. Whenever both have synced twice:

- the hub holds the union of both logs, and each machine holds all of it (0 records dropped);
- a further sync of either moves nothing (no livelock of re-derived records);
- both show the same current grades, episode maxima and alerts (an acknowledgement made on one
  machine holds on the other), with every superseded version kept;
- concurrent corrections of one record are both kept and flagged on both machines;
- a fresh third machine that pulls everything shows the same grades.

Runs: BEDSIDE_R10_RUNS (default 200, the CI tier) examples of up to R10_STEPS steps.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from bedside.alert_vocabulary import AlertEventType, AlertStatus
from bedside.clock import ManualClock
from bedside.records import NeuroCheck, VitalSigns
from bedside.store import migrations
from bedside.store.connection import open_database
from bedside.store.receive import flags
from bedside.sync.exchange import SyncReport, sync_once
from bedside.sync.hub import open_hub
from bedside.ward import Recorded, Result, Ward
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    START,
    WardFixture,
    admission,
    ice_check,
    normal_adult_vitals,
)

R10_RUNS = int(os.environ.get("BEDSIDE_R10_RUNS", "200"))
R10_STEPS = int(os.environ.get("BEDSIDE_R10_STEPS", "12"))
PATIENT = "R10"
ADMITTED_AT = START - timedelta(hours=12)
# The clocks stay within this span, after the admission (a record before it is refused, rightly).
EARLIEST = START - timedelta(hours=6)

# Values either side of each threshold (SPEC 3.1 fever, D5 adult SBP, section 4 / D3 oxygen).
TEMPERATURES = st.sampled_from([36.8, 37.9, 38.0, 38.9, 40.1])
SBPS = st.sampled_from([120, 90, 89, 75])
OXYGEN = st.sampled_from(
    [
        {},
        {"o2_device": "nasal_cannula", "o2_flow_l_min": 2, "o2_indication": "crs_hypoxia"},
        {"o2_device": "nasal_cannula", "o2_flow_l_min": 6, "o2_indication": "crs_hypoxia"},
        {"o2_device": "simple_face_mask", "o2_flow_l_min": 8, "o2_indication": "crs_hypoxia"},
        {"o2_device": "cpap", "fio2": 0.4, "o2_indication": "crs_hypoxia"},
    ]
)
ICE_SCORES = st.sampled_from([10, 9, 7, 6, 3, 2, 0])  # SPEC 5: 10 / 7-9 / 3-6 / 0-2
MINUTES_BACK = st.sampled_from([0, 0, 0, 20, 90])  # now, or a late entry


def vitals_of(temperature: float, sbp: int, oxygen: dict[str, Any]) -> VitalSigns:
    base: dict[str, Any] = {"temperature": temperature, "sbp": sbp, "dbp": min(70, sbp - 20)}
    if oxygen:
        base |= oxygen | {"spo2": 94}
    return normal_adult_vitals(**base)


def recorded(result: Result) -> Recorded:
    assert isinstance(result, Recorded), result
    return result


def picture(fx: WardFixture) -> tuple[Any, ...]:
    """What the ward shows of the patient: the current assessment (grades, episode maxima) and the
    open alerts with their state and who acknowledged them."""
    latest = fx.ward.latest_assessment(PATIENT)
    assert latest is not None
    a = latest.record
    grades = (
        latest.record_id,
        latest.observed_at,
        a.crs_grade,
        a.icans_grade,
        a.news2,
        a.crs_episode_max,
        a.icans_episode_max,
        a.crs_episode_open,
        a.icans_episode_open,
    )
    alerts = sorted(
        (al.alert_id, al.kind, al.level, al.priority, al.status, al.acknowledged_by)
        for al in fx.ward.open_alerts(PATIENT)
    )
    return grades, tuple(alerts)


def grades(fx: WardFixture) -> tuple[Any, ...]:
    return picture(fx)[0][2:]


# Migrating a new database costs about 0.25 s: each machine starts from a copy of its own migrated
# empty file (made once per test session), so each keeps a device identity of its own.
_TEMPLATES = tempfile.TemporaryDirectory(prefix="bedside-r10-templates-")


def fresh_database(name: str, path: Path, clock: ManualClock) -> None:
    template = Path(_TEMPLATES.name) / f"{name}.db"
    if not template.exists():
        open_database(template, clock=clock).conn.close()
    shutil.copyfile(template, path)


def record_ids(fx: WardFixture) -> set[str]:
    return {r[0] for r in fx.db.conn.execute("SELECT id FROM records")}


class TwoMachines(RuleBasedStateMachine):
    """Machines A and B chart one patient offline and sync through one SQLite hub file."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="bedside-r10-"))
        self.hub_url = f"sqlite:///{self.dir / 'hub.db'}"
        open_hub(self.hub_url, create=True).close()
        self.machines = {name: self._machine(name, ManualClock(START)) for name in "AB"}
        self.acknowledged: set[str] = set()

    def _machine(self, name: str, clock: ManualClock) -> WardFixture:
        path = self.dir / f"{name}.db"
        fresh_database(name, path, clock)
        db = open_database(path, clock=clock)
        return WardFixture(Ward(db, clock=clock), clock, path, db)

    def _sync(self, fx: WardFixture) -> SyncReport:
        hub = open_hub(self.hub_url, clock=fx.clock)
        try:
            report = sync_once(fx.ward, fx.db, hub, fx.clock)
        finally:
            hub.close()
        assert not report.clashes and not report.quarantined, report
        return report

    def _hub_ids(self) -> set[str]:
        hub = open_hub(self.hub_url)
        try:
            return {r.row["id"] for r in hub.pull(0, "nobody", 10**9)}
        finally:
            hub.close()

    @initialize()
    def admit_on_a_and_sync_both(self) -> None:
        a = self.machines["A"]
        recorded(a.ward.admit(admission(PATIENT, ADULT_BORN), author=NURSE, at=ADMITTED_AT))
        recorded(
            a.ward.chart_vitals(
                PATIENT, normal_adult_vitals(), observed_at=a.clock.now(), author=NURSE
            )
        )
        self._sync(a)
        self._sync(self.machines["B"])

    # --- what a nurse does on one machine -----------------------------------------------------

    @rule(
        name=st.sampled_from("AB"),
        temperature=TEMPERATURES,
        sbp=SBPS,
        oxygen=OXYGEN,
        back=MINUTES_BACK,
    )
    def chart_vitals(
        self, name: str, temperature: float, sbp: int, oxygen: dict[str, Any], back: int
    ) -> None:
        fx = self.machines[name]
        at = max(fx.clock.now() - timedelta(minutes=back), EARLIEST)
        vitals = vitals_of(temperature, sbp, oxygen)
        recorded(fx.ward.chart_vitals(PATIENT, vitals, observed_at=at, author=NURSE))

    @rule(name=st.sampled_from("AB"), score=ICE_SCORES, back=MINUTES_BACK)
    def chart_neuro(self, name: str, score: int, back: int) -> None:
        fx = self.machines[name]
        at = max(fx.clock.now() - timedelta(minutes=back), EARLIEST)
        recorded(fx.ward.chart_neuro(PATIENT, ice_check(score), observed_at=at, author=NURSE))

    @rule(name=st.sampled_from("AB"), data=st.data())
    def acknowledge(self, name: str, data: st.DataObject) -> None:
        fx = self.machines[name]
        active = sorted(
            a.alert_id for a in fx.ward.open_alerts(PATIENT) if a.status is AlertStatus.ACTIVE
        )
        if not active:
            return
        alert_id = data.draw(st.sampled_from(active))
        recorded(fx.ward.acknowledge(alert_id, author=NURSE))
        self.acknowledged.add(alert_id)

    @rule(
        name=st.sampled_from("AB"),
        data=st.data(),
        temperature=TEMPERATURES,
        sbp=SBPS,
        oxygen=OXYGEN,
        score=ICE_SCORES,
        new_time=st.booleans(),
    )
    def correct(
        self,
        name: str,
        data: st.DataObject,
        temperature: float,
        sbp: int,
        oxygen: dict[str, Any],
        score: int,
        new_time: bool,
    ) -> None:
        fx = self.machines[name]
        # In log order: ids are random, and a choice must pick the same record when replayed.
        charted = fx.ward.records(PATIENT, ["vitals", "neuro_check"])
        if not charted:
            return
        old = data.draw(st.sampled_from(charted))
        replacement = (
            vitals_of(temperature, sbp, oxygen)
            if isinstance(old.record, VitalSigns)
            else ice_check(score)
        )
        assert isinstance(replacement, VitalSigns | NeuroCheck)
        at = None
        if new_time:
            # A time the nurse gives is no later than the clock (a later one is refused, rightly).
            at = max(min(old.observed_at - timedelta(minutes=10), fx.clock.now()), EARLIEST)
        result = fx.ward.correct(
            old.id, replacement, reason="charted in error", author=NURSE, observed_at=at
        )
        recorded(result)

    @rule(name=st.sampled_from("AB"), minutes=st.sampled_from([5, 15, 60, 240]))
    def advance_clock(self, name: str, minutes: int) -> None:
        self.machines[name].clock.advance(timedelta(minutes=minutes))

    @rule(name=st.sampled_from("AB"), hours=st.sampled_from([-24, -3, -1, 1, 3, 24]))
    def jump_clock(self, name: str, hours: int) -> None:
        """The wall clock alone jumps (a wrong clock, or one corrected back: R11)."""
        clock = self.machines[name].clock
        clock.set(max(clock.now() + timedelta(hours=hours), EARLIEST))

    @rule(name=st.sampled_from("AB"))
    def sync(self, name: str) -> None:
        self._sync(self.machines[name])

    @rule()
    def heal(self) -> None:
        self.converge_and_check()

    # --- what must hold once both have synced ---------------------------------------------------

    def converge_and_check(self) -> None:
        a, b = self.machines["A"], self.machines["B"]
        for _ in range(2):
            self._sync(a)
            self._sync(b)
        held = self._hub_ids()
        assert held == record_ids(a) | record_ids(b)
        assert record_ids(a) == held and record_ids(b) == held  # 0 records dropped
        for fx in (a, b):
            again = self._sync(fx)
            assert (again.pushed, again.pulled, again.rederived) == (0, 0, []), again
        assert picture(a) == picture(b)
        alert_ids = [r[0] for r in a.db.conn.execute("SELECT DISTINCT alert_id FROM alert_events")]
        for alert_id in alert_ids:
            assert a.ward.alert(alert_id) == b.ward.alert(alert_id)
        for alert_id in self.acknowledged:  # an acknowledgement made on one holds on both
            for fx in (a, b):
                events = fx.history.events_of_alert(alert_id)
                assert AlertEventType.ACKNOWLEDGED in {e.event for e in events}
        self._check_concurrent_corrections(a, b)

    def _check_concurrent_corrections(self, *machines: WardFixture) -> None:
        conn = machines[0].db.conn
        rows = conn.execute(
            "SELECT supersedes, group_concat(id) FROM records WHERE supersedes IS NOT NULL "
            "AND kind NOT IN ('assessment', 'alert_event') GROUP BY supersedes HAVING count(*) > 1"
        ).fetchall()
        for fx in machines:
            flagged = {f[0] for f in flags(fx.db) if f[1] == "concurrent_correction"}
            for _, ids in rows:
                assert set(ids.split(",")) <= flagged, (ids, flagged)

    def teardown(self) -> None:
        try:
            if hasattr(self, "machines"):
                self.converge_and_check()
                self._fresh_machine_agrees()
        finally:
            for fx in getattr(self, "machines", {}).values():
                fx.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    def _fresh_machine_agrees(self) -> None:
        a, b = self.machines["A"], self.machines["B"]
        now: datetime = max(a.clock.now(), b.clock.now())
        c = self._machine("C", ManualClock(now))
        try:
            self._sync(c)
            assert grades(c) == grades(a)
            assert set(record_ids(a)) <= record_ids(c)
            self._check_concurrent_corrections(c)
        finally:
            c.close()


TwoMachines.TestCase.settings = settings(
    max_examples=R10_RUNS,
    stateful_step_count=R10_STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.slow
class TestR10TwoMachines(TwoMachines.TestCase):  # type: ignore[name-defined,misc]
    """R10 in CI: BEDSIDE_R10_RUNS runs (200) of up to R10_STEPS steps."""


# --- what R10 found, each as a small deterministic case ------------------------------------------


def _pair(tmp_path: Path, ahead: timedelta = timedelta(0)) -> tuple[WardFixture, WardFixture, str]:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    open_hub(url, create=True).close()
    made = []
    for name, start in (("a", START), ("b", START + ahead)):
        clock = ManualClock(start)
        db = open_database(tmp_path / f"{name}.db", clock=clock)
        made.append(WardFixture(Ward(db, clock=clock), clock, tmp_path / f"{name}.db", db))
    a, b = made
    recorded(a.ward.admit(admission(PATIENT, ADULT_BORN), author=NURSE, at=ADMITTED_AT))
    return a, b, url


def _run(fx: WardFixture, url: str) -> SyncReport:
    hub = open_hub(url, clock=fx.clock)
    try:
        return sync_once(fx.ward, fx.db, hub, fx.clock)
    finally:
        hub.close()


def _open(fx: WardFixture) -> list[tuple[str, str, int, AlertStatus]]:
    return sorted(
        (a.alert_id, a.kind.value, a.level, a.status) for a in fx.ward.open_alerts(PATIENT)
    )


def test_an_alert_ended_here_and_escalated_elsewhere_is_open_on_both(tmp_path: Path) -> None:
    a, b, url = _pair(tmp_path)
    recorded(a.ward.chart_neuro(PATIENT, ice_check(5), observed_at=a.clock.now(), author=NURSE))
    _run(a, url)
    _run(b, url)
    (icans,) = [al for al in a.ward.open_alerts(PATIENT) if al.kind.value == "icans"]
    recorded(a.ward.acknowledge(icans.alert_id, author=NURSE))
    a.clock.advance(timedelta(minutes=10))
    b.clock.advance(timedelta(minutes=20))
    # Apart: on A the ICANS alert ends (ICE 10); on B, later, it rises to grade 3 (ICE 1).
    recorded(a.ward.chart_neuro(PATIENT, ice_check(10), observed_at=a.clock.now(), author=NURSE))
    assert icans.alert_id not in {al.alert_id for al in a.ward.open_alerts(PATIENT)}
    recorded(b.ward.chart_neuro(PATIENT, ice_check(1), observed_at=b.clock.now(), author=NURSE))
    for fx in (a, b, a):
        _run(fx, url)
    on_a = a.ward.alert(icans.alert_id)
    assert on_a is not None and on_a.status is AlertStatus.ACTIVE and on_a.level == 3
    assert icans.alert_id in {al.alert_id for al in a.ward.open_alerts(PATIENT)}
    assert _open(a) == _open(b)


def test_an_alert_event_is_stamped_no_earlier_than_the_alerts_last(tmp_path: Path) -> None:
    a, b, url = _pair(tmp_path, ahead=timedelta(hours=2))  # B's clock runs 2 h ahead
    _run(a, url)
    _run(b, url)
    fever = recorded(
        b.ward.chart_vitals(
            PATIENT, vitals_of(38.9, 120, {}), observed_at=b.clock.now(), author=NURSE
        )
    )
    _run(b, url)
    _run(a, url)
    (crs,) = [al for al in a.ward.open_alerts(PATIENT) if al.kind.value == "crs"]
    # On A (behind), the fever is corrected away: the alert ends, though A's clock is before the
    # time B raised it at.
    recorded(
        a.ward.correct(fever.record.id, vitals_of(37.0, 120, {}), reason="probe", author=NURSE)
    )
    ended = a.ward.alert(crs.alert_id)
    assert ended is not None and ended.status is AlertStatus.RESOLVED
    assert all(e.at >= crs.raised_at for e in a.history.events_of_alert(crs.alert_id))
    for fx in (b, a, b):
        _run(fx, url)
    for fx in (a, b):
        assert (_run(fx, url).pushed, _run(fx, url).pulled) == (0, 0)
    assert _open(a) == _open(b)


def _machines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, devices: tuple[str, ...]
) -> tuple[list[WardFixture], str]:
    """Machines with the given device ids (which decide ties of HLC stamps), on one hub."""
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    open_hub(url, create=True).close()
    made = []
    for device in devices:
        monkeypatch.setattr(migrations, "new_device_id", lambda device=device: device)
        clock = ManualClock(START)
        path = tmp_path / f"{device}.db"
        db = open_database(path, clock=clock)
        made.append(WardFixture(Ward(db, clock=clock), clock, path, db))
    return made, url


def _in_force(fx: WardFixture, at: datetime) -> tuple[int | None, int | None]:
    """The (CRS, ICANS) grades of the assessment in force at one time point."""
    latest = fx.history.latest_assessment(PATIENT, until=at)
    assert latest is not None and latest.observed_at == at
    return latest.record.crs_grade, latest.record.icans_grade


@pytest.mark.parametrize("devices", [("dev-1", "dev-2", "dev-3"), ("dev-2", "dev-1", "dev-3")])
def test_concurrent_corrections_give_one_picture_whatever_the_device_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, devices: tuple[str, str, str]
) -> None:
    """Found by R10: A and B correct one neuro check at once, with identical HLC times and counters,
    so the device ids decide which correction and which of the two assessments derived from each is
    in force. The losing machine's assessment at the check's time stayed in force beside the one a
    re-derivation superseded, and kept its ICANS grade in every later episode maximum; a fresh
    machine that pulled everything showed another maximum than A and B."""
    (a, b, c), url = _machines(tmp_path, monkeypatch, devices)
    recorded(a.ward.admit(admission(PATIENT, ADULT_BORN), author=NURSE, at=ADMITTED_AT))
    recorded(a.ward.chart_vitals(PATIENT, normal_adult_vitals(), observed_at=START, author=NURSE))
    for fx in (a, b):
        _run(fx, url)
    a.clock.set(EARLIEST)  # A's clock jumps back (R11)
    check = recorded(a.ward.chart_neuro(PATIENT, ice_check(10), observed_at=EARLIEST, author=NURSE))
    for fx in (a, b, a, b):
        _run(fx, url)
    b.clock.set(EARLIEST)
    for fx, score in ((a, 10), (b, 9)):  # SPEC 5: ICE 10 is grade 0, ICE 9 grade 1
        reason = "charted in error"
        recorded(fx.ward.correct(check.record.id, ice_check(score), reason=reason, author=NURSE))
    for fx in (a, b, a, b):
        _run(fx, url)
    a.clock.set(a.clock.now() + timedelta(hours=24))
    for fx in (a, b, a, b):
        _run(fx, url)
    for fx in (a, b):
        assert (_run(fx, url).pushed, _run(fx, url).pulled) == (0, 0)
    assert picture(a) == picture(b)
    # The correction in force is the later entered of the two, on every machine alike (SPEC 5: the
    # check holds at 08:00, within the neuro window).
    corrections = [r for r in a.ward.records(PATIENT, ["neuro_check"]) if r.supersedes]
    assert len(corrections) == 2
    winner = max(corrections, key=lambda r: r.entered_at)
    expected = 0 if winner.device_id == devices[0] else 1
    for fx in (a, b):
        assert _in_force(fx, EARLIEST)[1] == expected
        assert grades(fx)[1] == grades(fx)[4] == expected  # ICANS grade, ICANS episode maximum
    c.clock.set(a.clock.now())
    _run(c, url)
    assert grades(c) == grades(a)
