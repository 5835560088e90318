"""A ward database charted through the service with every kind of record, for the integrity tests.

Two patients (an adult and a child) with vitals, a fever that raises and an acknowledged CRS alert, neuro
checks, a vasopressor and its stop, a note, an attribution and a correction; `sets` more vitals sets make it
as large as a test needs. Built once per test session and copied (`copy_database`), so that each test
tampers with its own file.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

from bedside.alert_vocabulary import AlertKind
from bedside.records import Attribution, Note
from bedside.store.connection import open_database
from bedside.ward import Ward
from tests.support.ward_fixtures import (
    ADULT_BORN,
    CHILD_BORN,
    NURSE,
    PHYSICIAN,
    START,
    WardFixture,
    admission,
    capd_check,
    chart,
    ice_check,
    infusion,
    recorded,
)

ADULT, CHILD = "A-1", "C-1"


def build(path: Path, *, sets: int = 40) -> WardFixture:
    from bedside.clock import ManualClock

    clock = ManualClock(START)
    db = open_database(path, clock=clock)
    fx = WardFixture(Ward(db, clock=clock), clock, path, db)
    ward = fx.ward
    recorded(ward.admit(admission(ADULT, ADULT_BORN), author=NURSE))
    recorded(ward.admit(admission(CHILD, CHILD_BORN, weight_kg=21.0), author=NURSE))
    recorded(chart(fx, ADULT))
    recorded(chart(fx, CHILD))
    fx.clock.advance(timedelta(minutes=30))
    fever = recorded(chart(fx, ADULT, temperature=38.9))
    crs = next(a for a in ward.open_alerts(ADULT) if a.kind is AlertKind.CRS)
    recorded(ward.acknowledge(crs.alert_id, author=NURSE))
    recorded(ward.chart_neuro(ADULT, ice_check(8), observed_at=fx.clock.now(), author=NURSE))
    recorded(ward.chart_neuro(CHILD, capd_check(), observed_at=fx.clock.now(), author=NURSE))
    fx.clock.advance(timedelta(minutes=20))
    pressor = recorded(ward.record_intervention(ADULT, infusion(fx), author=NURSE))
    recorded(
        ward.note(CHILD, Note(text="Parents informed."), observed_at=fx.clock.now(), author=NURSE)
    )
    fx.clock.advance(timedelta(minutes=40))
    recorded(ward.stop_infusion(pressor.record.id, fx.clock.now(), author=NURSE))
    recorded(
        ward.attribute(
            ADULT,
            Attribution(finding="fever", cause="central line infection"),
            observed_at=fx.clock.now(),
            author=PHYSICIAN,
        )
    )
    recorded(
        ward.correct(
            fever.record.id,
            chart_values(ADULT, temperature=38.4),
            reason="thermometer misread",
            author=NURSE,
        )
    )
    for i in range(sets):
        fx.clock.advance(timedelta(minutes=15))
        patient = CHILD if i % 2 else ADULT
        recorded(chart(fx, patient, hr=80 + i % 30 if patient == ADULT else 100 + i % 30))
    return fx


def chart_values(patient: str, **values: object):  # type: ignore[no-untyped-def]
    from tests.support.ward_fixtures import normal_adult_vitals, normal_child_vitals

    make = normal_child_vitals if patient.startswith("C") else normal_adult_vitals
    return make(**values)


def copy_database(source: Path, target: Path) -> Path:
    """A whole copy (the WAL checkpointed into the file first), so that a test edits only its own."""
    conn = sqlite3.connect(source)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    shutil.copyfile(source, target)
    return target


def plain_connection(path: Path) -> sqlite3.Connection:
    """What anyone with file access uses: the sqlite3 module with its defaults (recursive_triggers off)."""
    conn = sqlite3.connect(path, isolation_level=None)
    assert conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 0
    return conn
