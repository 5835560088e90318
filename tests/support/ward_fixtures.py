"""Builders shared by the ward, alert and reliability tests: a ward on a fresh file, people, patients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bedside.clock import ManualClock
from bedside.records import (
    Admission,
    Diagnosis,
    DoseUnit,
    Drug,
    Indication,
    Intervention,
    NeuroCheck,
    Route,
    Sex,
    VitalSigns,
)
from bedside.staff import Author, Role
from bedside.store.connection import open_database
from bedside.store.history import SqlHistory
from bedside.store.log import Log
from bedside.ward import Recorded, Result, Ward

START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
INFUSION = START - timedelta(days=1, hours=2)
NURSE = Author("nurse.ada", Role.NURSE)
PHYSICIAN = Author("dr.lee", Role.PHYSICIAN)
READER = Author("audit.ro", Role.READ_ONLY)


@dataclass
class WardFixture:
    """A ward on its own file. The test holds the database the ward was given (`db`) and reads the
    store directly through `history`; the ward itself hands out no database."""

    ward: Ward
    clock: ManualClock
    path: Path
    db: Database

    @property
    def history(self) -> SqlHistory:
        """The store's read side over the ward's database (row counts, versions, raw look-ups)."""
        return SqlHistory(self.db, Log(self.db, self.clock))

    def reopen(self) -> Ward:
        self.db = open_database(self.path, clock=self.clock)
        self.ward = Ward(self.db, clock=self.clock)
        return self.ward

    def close(self) -> None:
        self.db.conn.close()


def make_ward(tmp_path: Path) -> WardFixture:
    clock = ManualClock(START)
    path = tmp_path / "ward.db"
    db = open_database(path, clock=clock)
    return WardFixture(Ward(db, clock=clock), clock, path, db)


def admission(patient_id: str, born: date, **overrides: Any) -> Admission:
    fields: dict[str, Any] = {
        "patient_id": patient_id,
        "name": f"Patient {patient_id}",
        "date_of_birth": born,
        "sex": Sex.FEMALE,
        "weight_kg": 20.0,
        "diagnosis": Diagnosis.NEUROBLASTOMA,
        "developmental_delay": False,
        "infusion_at": INFUSION,
        "product": "GD2/B7H3 CAR-T",
        "dose_cells_per_kg": 3e6,
    }
    return Admission(**(fields | overrides))


ADULT_BORN = date(1990, 3, 1)  # 36 y at START
CHILD_BORN = date(2020, 5, 1)  # 6 y at START


def normal_adult_vitals(**overrides: Any) -> VitalSigns:
    fields: dict[str, Any] = {
        "temperature": 37.0,
        "temperature_unit": "C",
        "hr": 80,
        "sbp": 120,
        "dbp": 70,
        "rr": 16,
        "spo2": 98,
        "o2_device": "room_air",
        "o2_indication": "none",
        "acvpu": "A",
    }
    return VitalSigns(**(fields | overrides))


def normal_child_vitals(**overrides: Any) -> VitalSigns:
    fields: dict[str, Any] = {
        "temperature": 37.0,
        "temperature_unit": "C",
        "hr": 100,
        "sbp": 100,
        "dbp": 60,
        "rr": 22,
        "spo2": 98,
        "o2_device": "room_air",
        "o2_indication": "none",
        "crt_s": 2,
        "resp_effort": "normal",
    }
    return VitalSigns(**(fields | overrides))


def ice_check(score: int = 10, **overrides: Any) -> NeuroCheck:
    """An ICE check whose items add up to `score` (orientation first)."""
    items = {
        "ice_orientation": 4,
        "ice_naming": 3,
        "ice_commands": 1,
        "ice_writing": 1,
        "ice_attention": 1,
    }
    missing = 10 - score
    for name in items:
        take = min(items[name], missing)
        items[name] -= take
        missing -= take
    fields: dict[str, Any] = {
        "tool": "ICE",
        **items,
        "consciousness": "awakens_spontaneously",
        "seizure": "none",
        "motor": "none",
        "cerebral_edema": "none",
    }
    return NeuroCheck(**(fields | overrides))


def capd_check(points: tuple[int, ...] = (0,) * 8, **overrides: Any) -> NeuroCheck:
    names = (
        "capd_eye_contact",
        "capd_purposeful",
        "capd_aware",
        "capd_communicates",
        "capd_restless",
        "capd_inconsolable",
        "capd_underactive",
        "capd_slow_response",
    )
    fields: dict[str, Any] = {
        "tool": "CAPD",
        **dict(zip(names, points, strict=True)),
        "consciousness": "awakens_spontaneously",
        "seizure": "none",
        "motor": "none",
        "cerebral_edema": "none",
    }
    return NeuroCheck(**(fields | overrides))


def recorded(result: Result) -> Recorded:
    assert isinstance(result, Recorded), result
    return result


def chart(fx: WardFixture, patient: str, minutes: float = 0, **values: Any) -> Result:
    """Chart a normal vitals set (a child's for ids starting with "C") with `values` changed, observed
    `minutes` from the clock's now, by the nurse."""
    make = normal_child_vitals if patient.startswith("C") else normal_adult_vitals
    at = fx.clock.now() + timedelta(minutes=minutes)
    return fx.ward.chart_vitals(patient, make(**values), observed_at=at, author=NURSE)


def infusion(fx: WardFixture, drug: Drug = Drug.NOREPINEPHRINE, **fields: Any) -> Intervention:
    """A vasoactive infusion started now (any field can be changed)."""
    base: dict[str, Any] = {
        "drug": drug,
        "dose": 0.05,
        "dose_unit": DoseUnit.MCG_PER_KG_MIN,
        "route": Route.IV,
        "started_at": fx.clock.now(),
        "indication": Indication.TREATMENT,
    }
    return Intervention(**(base | fields))
