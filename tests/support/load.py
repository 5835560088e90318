"""Patients and vitals for the load runs (the R5 test and the concurrency and ward benchmarks): ids starting
with A are adults graded with NEWS2 and ICE, ids starting with C children graded with PEWS and CAPD; now and
then a fever, so that alerts are raised and folded as on a ward. Also the raw baseline the benchmarks
measure a save against."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bedside.records import Admission, Diagnosis, Sex, VitalSigns


def load_admission(patient_id: str, now: datetime) -> Admission:
    """An admission infused a day before `now`: an adult when the id starts with A, else a child of 6."""
    adult = patient_id.startswith("A")
    return Admission(
        patient_id=patient_id,
        name=f"Patient {patient_id}",
        date_of_birth=date(1985, 4, 2) if adult else date(now.year - 6, 5, 1),
        sex=Sex.MALE,
        weight_kg=75.0 if adult else 20.0,
        diagnosis=Diagnosis.DSRCT if adult else Diagnosis.NEUROBLASTOMA,
        developmental_delay=False,
        infusion_at=now - timedelta(days=1),
        product="GD2/B7H3 CAR-T",
        dose_cells_per_kg=3e6,
        baseline_ice=10 if adult else None,
        baseline_capd=None if adult else 2,
    )


def load_vitals(patient_id: str, i: int, *, fever_every: int) -> VitalSigns:
    """The i-th vitals set of a patient; every `fever_every`-th one is a fever."""
    fever = i % fever_every == fever_every - 1
    common: dict[str, Any] = {
        "temperature": 38.5 if fever else 36.8 + (i % 5) / 10,
        "temperature_unit": "C",
        "spo2": 95 + i % 5,
        "o2_device": "room_air",
        "o2_indication": "none",
    }
    if patient_id.startswith("A"):
        return VitalSigns(hr=70 + i % 20, sbp=120, dbp=75, rr=16, acvpu="A", **common)
    return VitalSigns(
        hr=98 + i % 12, sbp=100, dbp=60, rr=22, crt_s=2, resp_effort="normal", **common
    )


def raw_insert_ns(execute: Callable[..., Any], count: int) -> list[int]:
    """The raw baseline: `count` durable single-row INSERTs, each in its own BEGIN IMMEDIATE transaction,
    into a scratch table of the same file (dropped afterwards); nanoseconds per insert."""
    with raw_inserts(execute) as one:
        return [one() for _ in range(count)]


@contextmanager
def raw_inserts(execute: Callable[..., Any]) -> Iterator[Callable[[], int]]:
    """The raw baseline one insert at a time, to interleave with what is measured against it (both
    then see the same moments of a loaded machine): a function that makes one durable single-row
    INSERT in its own BEGIN IMMEDIATE transaction and returns its nanoseconds."""
    execute(
        "CREATE TABLE IF NOT EXISTS bench_scratch "
        "(id INTEGER PRIMARY KEY, at TEXT NOT NULL, value REAL NOT NULL) STRICT"
    )

    def one() -> int:
        t = time.perf_counter_ns()
        execute("BEGIN IMMEDIATE")
        execute(
            "INSERT INTO bench_scratch (at, value) VALUES (?, ?)",
            [datetime.now(UTC).isoformat(), float(t)],
        )
        execute("COMMIT")
        return time.perf_counter_ns() - t

    try:
        yield one
    finally:
        execute("DROP TABLE bench_scratch")
