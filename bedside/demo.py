"""A realistic demo ward, charted through the ward service itself (so every grade and alert is real).

Five patients on one ward, children and adults at different days after infusion: one child whose CRS goes
from grade 2 to grade 3 and is treated with tocilizumab, one child with ICANS on CAPD, an adolescent with a
first fever, and two adults (one stable, one in later follow-up). The timeline ends at the clock's "now".

Like a real moment on a ward, the nurse (or, for a high-priority alert, the physician) acknowledged the
older alerts a few minutes after they were raised; only the last hour's are still waiting (and the final
tick escalates those left too long, as it would on the ward).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bedside.access import AccessRefused
from bedside.alert_vocabulary import AlertStatus, Priority
from bedside.clock import ManualClock
from bedside.records import (
    Admission,
    Diagnosis,
    DoseUnit,
    Drug,
    Indication,
    Intervention,
    NeuroCheck,
    Note,
    Route,
    Sex,
    VitalSigns,
)
from bedside.staff import Author, Role
from bedside.store.connection import StorageError, StorageProblem, open_database
from bedside.store.log import Log
from bedside.ward import Failed, Recorded, Result, Ward

NURSE = Author("nurse.demo", Role.NURSE)
PHYSICIAN = Author("dr.demo", Role.PHYSICIAN)
# The demo ward's users and their PINs (README "Users and login"): a demo, never a real ward's PINs.
DEMO_USERS: tuple[tuple[str, Role, str, str], ...] = (
    ("admin.demo", Role.ADMIN, "Demo admin", "1111"),
    ("nurse.demo", Role.NURSE, "Demo nurse", "2222"),
    ("dr.demo", Role.PHYSICIAN, "Demo physician", "3333"),
    ("review.demo", Role.READ_ONLY, "Demo review station", "4444"),
)
DEMO_PINS = {user_id: pin for user_id, _, _, pin in DEMO_USERS}
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
# How long after an alert is raised someone acknowledges it, by priority; alerts raised within the last
# UNACKNOWLEDGED_WINDOW before "now" are left for the ward to acknowledge.
ACK_DELAY = {
    Priority.HIGH: timedelta(minutes=3),
    Priority.MEDIUM: timedelta(minutes=8),
    Priority.LOW: timedelta(minutes=12),
}
UNACKNOWLEDGED_WINDOW = timedelta(hours=1)


class DemoError(RuntimeError):
    """The demo could not be charted (a bug: the demo only charts valid records)."""


@dataclass(frozen=True, slots=True)
class DemoSummary:
    patients: int
    records: int


def build_demo(path: str, *, now: datetime) -> DemoSummary:
    """Create a demo ward database at `path` (which must not exist yet), ending at `now`."""
    start = now - timedelta(days=2)
    clock = ManualClock(start)
    db = open_database(path, clock=clock)
    ward = Ward(db, clock=clock)
    try:
        _create_users(ward)
        script = _Script(ward, clock, now)
        for patient in DEMO_PATIENTS:
            patient(script, now)
        script.run()
        clock.set(now)
        ticked = ward.tick()
        if not ticked.ok:
            raise DemoError(f"the demo's alert tick failed: {ticked}")
        counts = Log(db, clock).row_counts()
        patients = len(ward.board())
    finally:
        db.conn.close()
    return DemoSummary(patients=patients, records=counts.get("records", 0))


def _create_users(ward: Ward) -> None:
    """The demo's users, created as on a new ward: the first admin, who then creates the others."""
    admin_id, role, name, pin = DEMO_USERS[0]
    _created(ward.create_user(None, user_id=admin_id, role=role, display_name=name, pin=pin))
    admin = _signed_in(ward, admin_id)
    for user_id, role, name, pin in DEMO_USERS[1:]:
        _created(ward.create_user(admin, user_id=user_id, role=role, display_name=name, pin=pin))


def _created(result: Result) -> None:
    if isinstance(result, Failed) and result.reason is not StorageProblem.BUG:
        raise StorageError(result.message, problem=result.reason)  # the disk, not the demo
    if not isinstance(result, Recorded):
        raise DemoError(f"the demo's users were not created: {result}")


def _signed_in(ward: Ward, user_id: str) -> Author:
    try:
        return ward.authenticate(user_id, DEMO_PINS[user_id])
    except AccessRefused as err:
        if err.problem is not None and err.problem is not StorageProblem.BUG:
            raise StorageError(err.sentence, problem=err.problem) from err
        raise DemoError(f"the demo's {user_id} could not sign in: {err.sentence}") from err


class _Script:
    """Collects the demo's charting actions, then runs them in time order with the clock at each one
    (a nurse never charts in the future, and late entries are the exception, not the demo's rule)."""

    def __init__(self, ward: Ward, clock: ManualClock, now: datetime) -> None:
        self.ward = ward
        self.clock = clock
        self.now = now
        self._actions: list[tuple[datetime, int, Callable[[], Result | None]]] = []
        self._acknowledging: set[tuple[str, int, Priority]] = set()
        self._order = itertools.count()  # keeps same-time actions in the order they were added
        # Each of the demo's people signs in once, with their PIN; every record carries them.
        self._signed = {who.user_id: _signed_in(ward, who.user_id) for who in (NURSE, PHYSICIAN)}

    def signed(self, author: Author) -> Author:
        """`author` as signed in on the demo ward."""
        return self._signed[author.user_id]

    def run(self) -> None:
        heapq.heapify(self._actions)
        while self._actions:
            when, _, action = heapq.heappop(self._actions)
            self.clock.set(when)
            result = action()
            if isinstance(result, Failed) and result.reason is not StorageProblem.BUG:
                raise StorageError(result.message, problem=result.reason)  # the disk, not the demo
            if result is not None and not isinstance(result, Recorded):
                raise DemoError(f"demo charting failed at {when}: {result}")
            self._schedule_acknowledgements(when)

    def _at(self, when: datetime, action: Callable[[], Result | None]) -> None:
        heapq.heappush(self._actions, (when, next(self._order), action))

    def _schedule_acknowledgements(self, now: datetime) -> None:
        """Each alert the last action raised (or raised to a higher level) is acknowledged a few
        minutes later, unless that is within the last UNACKNOWLEDGED_WINDOW."""
        for alert in self.ward.open_alerts():
            seen = (alert.alert_id, alert.level, alert.priority)
            if seen in self._acknowledging or alert.status is not AlertStatus.ACTIVE:
                continue
            self._acknowledging.add(seen)
            when = now + ACK_DELAY[alert.priority]
            if when <= self.now - UNACKNOWLEDGED_WINDOW:
                by = PHYSICIAN if alert.priority is Priority.HIGH else NURSE
                self._at(when, self._acknowledgement(alert.alert_id, by))

    def _acknowledgement(self, alert_id: str, author: Author) -> Callable[[], Result | None]:
        return lambda: self._acknowledge(alert_id, author)

    def _acknowledge(self, alert_id: str, author: Author) -> Result | None:
        alert = self.ward.alert(alert_id)
        if alert is None or alert.status is not AlertStatus.ACTIVE:
            return None  # resolved (or acknowledged) before anyone got to it
        return self.ward.acknowledge(alert_id, author=self.signed(author))

    def admit(self, when: datetime, **fields: Any) -> None:
        defaults: dict[str, Any] = {"developmental_delay": False, "product": "GD2/B7H3 CAR-T"}
        admission = Admission(**(defaults | fields))
        self._at(when, lambda: self.ward.admit(admission, author=self.signed(NURSE), at=when))

    def vitals(self, patient: str, when: datetime, **values: Any) -> None:
        vitals = VitalSigns(**({"temperature_unit": "C", "temperature_route": "tympanic"} | values))
        self._at(
            when,
            lambda: self.ward.chart_vitals(
                patient, vitals, observed_at=when, author=self.signed(NURSE)
            ),
        )

    def neuro(self, patient: str, when: datetime, **values: Any) -> None:
        check = NeuroCheck(
            **({"seizure": "none", "motor": "none", "cerebral_edema": "none"} | values)
        )
        self._at(
            when,
            lambda: self.ward.chart_neuro(
                patient, check, observed_at=when, author=self.signed(NURSE)
            ),
        )

    def drug(self, patient: str, when: datetime, drug: Drug, dose: float, unit: DoseUnit,
             route: Route = Route.IV, indication: Indication = Indication.TREATMENT,
             author: Author = NURSE) -> None:  # fmt: skip
        given = Intervention(
            drug=drug,
            dose=dose,
            dose_unit=unit,
            route=route,
            started_at=when,
            indication=indication,
        )
        self._at(
            when, lambda: self.ward.record_intervention(patient, given, author=self.signed(author))
        )

    def note(self, patient: str, when: datetime, text: str, author: Author = NURSE) -> None:
        note = Note(text=text)
        self._at(
            when,
            lambda: self.ward.note(patient, note, observed_at=when, author=self.signed(author)),
        )


ICE_FULL = {"ice_orientation": 4, "ice_naming": 3, "ice_commands": 1, "ice_writing": 1,
            "ice_attention": 1}  # fmt: skip
CAPD_ZERO = {name: 0 for name in ("capd_eye_contact", "capd_purposeful", "capd_aware",
             "capd_communicates", "capd_restless", "capd_inconsolable", "capd_underactive",
             "capd_slow_response")}  # fmt: skip


def _every(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    times = []
    t = start
    while t <= end:
        times.append(t)
        t += step
    return times


def _crs_child(s: _Script, now: datetime) -> None:
    """Noah, 4 y, neuroblastoma, day 3: CRS 1 -> 2 (fluids) -> tocilizumab -> 3 (high-flow oxygen)."""
    infusion = now - timedelta(days=3, hours=2)
    s.admit(
        now - timedelta(days=2),
        patient_id="NB-0412", bed="Bed 1", name="Noah Bennett", date_of_birth=date(2022, 6, 14), sex=Sex.MALE,
        weight_kg=16.2, diagnosis=Diagnosis.NEUROBLASTOMA, infusion_at=infusion,
        dose_cells_per_kg=3.0e6, baseline_capd=2,
    )  # fmt: skip
    base = {"sbp": 98, "dbp": 58, "rr": 26, "spo2": 98, "o2_device": "room_air",
            "o2_indication": "none", "crt_s": 1.5, "resp_effort": "normal"}  # fmt: skip
    t0 = now - timedelta(days=2)
    for i, t in enumerate(_every(t0, now - 20 * HOUR, 4 * HOUR)):
        s.vitals("NB-0412", t, **base, temperature=36.9 + 0.1 * (i % 3), hr=112)
    for t in _every(t0 + HOUR, now - 20 * HOUR, 8 * HOUR):
        s.neuro("NB-0412", t, tool="CAPD", **CAPD_ZERO, consciousness="awakens_spontaneously")
    onset = now - 18 * HOUR
    s.vitals("NB-0412", onset, **base, temperature=38.7, hr=142)
    s.drug("NB-0412", onset + 0.25 * HOUR, Drug.PARACETAMOL, 15, DoseUnit.MG_PER_KG, Route.PO)
    s.vitals("NB-0412", onset + 2 * HOUR, **(base | {"sbp": 74, "dbp": 40}), temperature=39.1,
             hr=158)  # fmt: skip
    s.note("NB-0412", onset + 2.2 * HOUR, "10 mL/kg saline bolus for hypotension; registrar aware.")
    s.vitals("NB-0412", onset + 3 * HOUR, **(base | {"sbp": 79, "dbp": 44}), temperature=38.9,
             hr=150)  # fmt: skip
    s.drug("NB-0412", onset + 3.5 * HOUR, Drug.TOCILIZUMAB, 12, DoseUnit.MG_PER_KG,
           author=PHYSICIAN)  # fmt: skip
    s.neuro("NB-0412", onset + 4 * HOUR, tool="CAPD", **CAPD_ZERO,
            consciousness="awakens_spontaneously")  # fmt: skip
    hfnc = base | {"o2_device": "high_flow_nasal_cannula", "o2_flow_l_min": 12, "fio2": 0.45,
                   "o2_indication": "crs_hypoxia", "spo2": 93, "rr": 44,
                   "resp_effort": "moderate", "sbp": 84, "dbp": 48}  # fmt: skip
    for t in _every(onset + 5.5 * HOUR, now - 0.5 * HOUR, 2 * HOUR):
        s.vitals("NB-0412", t, **hfnc, temperature=37.8, hr=146)
    s.neuro("NB-0412", now - 4 * HOUR, tool="CAPD", **CAPD_ZERO,
            consciousness="awakens_spontaneously")  # fmt: skip


def _icans_child(s: _Script, now: datetime) -> None:
    """Maya, 7 y, neuroblastoma, day 6: CRS resolved, now ICANS on CAPD (grade 1 -> 3 within the hour,
    dexamethasone given, the grade 3 alert not yet acknowledged)."""
    s.admit(
        now - timedelta(days=2),
        patient_id="NB-0398", bed="Bed 2", name="Maya Okafor", date_of_birth=date(2019, 2, 3), sex=Sex.FEMALE,
        weight_kg=23.5, diagnosis=Diagnosis.NEUROBLASTOMA, infusion_at=now - timedelta(days=6),
        dose_cells_per_kg=1.0e6, baseline_capd=3,
    )  # fmt: skip
    base = {"sbp": 104, "dbp": 62, "hr": 96, "rr": 22, "spo2": 98, "o2_device": "room_air",
            "o2_indication": "none", "crt_s": 2, "resp_effort": "normal"}  # fmt: skip
    for t in _every(now - timedelta(days=2) + 3 * HOUR, now - HOUR, 4 * HOUR):
        s.vitals("NB-0398", t, **base, temperature=37.1)
    for t in _every(now - timedelta(days=2) + HOUR, now - 24 * HOUR, 8 * HOUR):
        s.neuro("NB-0398", t, tool="CAPD", **(CAPD_ZERO | {"capd_eye_contact": 1}),
                consciousness="awakens_spontaneously")  # fmt: skip
    mild = CAPD_ZERO | {"capd_eye_contact": 1, "capd_aware": 2, "capd_restless": 2}
    s.neuro("NB-0398", now - 16 * HOUR, tool="CAPD", **mild, consciousness="awakens_spontaneously")
    worse = CAPD_ZERO | {"capd_eye_contact": 3, "capd_purposeful": 2, "capd_aware": 3,
                         "capd_communicates": 2, "capd_underactive": 2}  # fmt: skip
    s.neuro(
        "NB-0398", now - 50 * MINUTE, tool="CAPD", **worse, consciousness="awakens_to_tactile_only"
    )
    s.drug("NB-0398", now - 20 * MINUTE, Drug.DEXAMETHASONE, 10, DoseUnit.MG, author=PHYSICIAN)


def _febrile_adolescent(s: _Script, now: datetime) -> None:
    """Lena, 16 y, DSRCT, day 2: first fever now (CRS 1); NEWS2 and PEWS both apply (D11)."""
    s.admit(
        now - timedelta(days=2),
        patient_id="DS-0107", bed="Bed 3", name="Lena Fischer", date_of_birth=date(2010, 3, 22), sex=Sex.FEMALE,
        weight_kg=52.0, diagnosis=Diagnosis.DSRCT, infusion_at=now - timedelta(days=2, hours=5),
        dose_cells_per_kg=3.0e6, baseline_ice=10,
    )  # fmt: skip
    base = {"sbp": 112, "dbp": 68, "rr": 16, "spo2": 98, "o2_device": "room_air",
            "o2_indication": "none", "acvpu": "A", "crt_s": 1.5, "resp_effort": "normal"}  # fmt: skip
    for t in _every(now - timedelta(days=2), now - 2 * HOUR, 4 * HOUR):
        s.vitals("DS-0107", t, **base, temperature=37.0, hr=84)
    for t in _every(now - timedelta(days=2) + HOUR, now - 2 * HOUR, 8 * HOUR):
        s.neuro("DS-0107", t, tool="ICE", **ICE_FULL, consciousness="awakens_spontaneously")
    s.vitals("DS-0107", now - 0.25 * HOUR, **base, temperature=38.4, hr=108)


def _stable_adult(s: _Script, now: datetime) -> None:
    """Daniel, 24 y, DSRCT, day 8: no CRS or ICANS."""
    s.admit(
        now - timedelta(days=2),
        patient_id="DS-0093", bed="Bed 5", name="Daniel Moreau", date_of_birth=date(2002, 9, 9), sex=Sex.MALE,
        weight_kg=71.0, diagnosis=Diagnosis.DSRCT, infusion_at=now - timedelta(days=8),
        dose_cells_per_kg=1.0e7, baseline_ice=10,
    )  # fmt: skip
    base = {"sbp": 122, "dbp": 76, "rr": 14, "spo2": 97, "o2_device": "room_air",
            "o2_indication": "none", "acvpu": "A"}  # fmt: skip
    for t in _every(now - timedelta(days=2) + 3 * HOUR, now - HOUR, 4 * HOUR):
        s.vitals("DS-0093", t, **base, temperature=36.8, hr=72)
    for t in _every(now - timedelta(days=2) + 2 * HOUR, now - 2 * HOUR, 8 * HOUR):
        s.neuro("DS-0093", t, tool="ICE", **ICE_FULL, consciousness="awakens_spontaneously")


def _follow_up_adult(s: _Script, now: datetime) -> None:
    """Ana, 38 y, DSRCT, day 20: daily checks; today's are due."""
    s.admit(
        now - timedelta(days=2),
        patient_id="DS-0088", bed="Bed 6", name="Ana Lima", date_of_birth=date(1988, 1, 30), sex=Sex.FEMALE,
        weight_kg=63.0, diagnosis=Diagnosis.DSRCT, infusion_at=now - timedelta(days=20),
        dose_cells_per_kg=3.0e6, baseline_ice=9,
    )  # fmt: skip
    base = {"sbp": 118, "dbp": 72, "rr": 14, "spo2": 98, "o2_device": "room_air",
            "o2_indication": "none", "acvpu": "A"}  # fmt: skip
    for t in _every(now - 47 * HOUR, now - 3 * HOUR, 24 * HOUR):
        s.vitals("DS-0088", t, **base, temperature=36.7, hr=70)
        s.neuro("DS-0088", t + 0.2 * HOUR, tool="ICE", **ICE_FULL,
                consciousness="awakens_spontaneously")  # fmt: skip


DEMO_PATIENTS: tuple[Callable[[_Script, datetime], None], ...] = (
    _crs_child,
    _icans_child,
    _febrile_adolescent,
    _stable_adult,
    _follow_up_adult,
)
