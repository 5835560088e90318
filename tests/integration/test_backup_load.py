"""R4: backups under load. A writer process charts vitals continuously through the real service while this
process takes backups with the SQLite backup API (`bedside.backup.make_backup`, as `bedside backup` and the
app do). Every backup verifies before it is kept; each holds a prefix of what the writer had acknowledged
(every acknowledged save up to some point, nothing after it: no half-written record, the chain whole); the
last one restored gives records identical by hash to the source's; the writer sees no failure. CI: about
8 s with a backup every 2 s; `-m long`: BATTERY's 30 s at 50 saves/s with a backup every 10 s. No timing is
asserted."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from bedside.backup import list_backups, make_backup, restore
from bedside.clock import SystemClock
from bedside.staff import Author, Role
from bedside.store.connection import open_database
from bedside.verify import verify_path
from bedside.ward import Failed, Recorded, Ward
from tests.support.load import load_admission, load_vitals

PATIENTS = ("A01", "C02", "A03", "C04")
NURSE = Author("nurse.r4", Role.NURSE)


def writer(path: str, rate: float, start: Any, stop: Any, out: Any) -> None:
    clock = SystemClock()
    ward = Ward(open_database(path, clock=clock), clock=clock)
    acknowledged: list[str] = []
    failed: list[str] = []
    start.wait()
    began, i = time.monotonic(), 0
    while not stop.is_set():
        patient = PATIENTS[i % len(PATIENTS)]
        result = ward.chart_vitals(
            patient, load_vitals(patient, i, fever_every=50), observed_at=clock.now(), author=NURSE
        )
        if isinstance(result, Recorded):
            acknowledged.append(result.record.id)  # in commit order: one writer
        else:
            failed.append(result.message if isinstance(result, Failed) else repr(result))
        i += 1
        pause = began + i / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    ward.close()
    out.put((acknowledged, failed))


def _vitals_ids(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM records WHERE kind = 'vitals'")]
    finally:
        conn.close()


def _hashes(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT id, hash FROM records").fetchall())
    finally:
        conn.close()


def run_r4(tmp_path: Path, *, seconds: float, every: float, rate: float) -> None:
    path = tmp_path / "ward.db"
    folder = tmp_path / "backups"
    clock = SystemClock()
    db = open_database(path, clock=clock)
    ward = Ward(db, clock=clock)
    for pid in PATIENTS:
        assert isinstance(ward.admit(load_admission(pid, clock.now()), author=NURSE), Recorded)
    db.close()

    ctx = mp.get_context("spawn")
    start, stop, out = ctx.Event(), ctx.Event(), ctx.Queue()
    proc = ctx.Process(target=writer, args=(str(path), rate, start, stop, out))
    proc.start()
    start.set()
    taken: list[tuple[Path, list[str]]] = []
    began = time.monotonic()
    try:
        while time.monotonic() - began < seconds:
            time.sleep(every)
            result = make_backup(path, folder, keep=1000, now=clock.now())  # raises unless verified
            assert result.verdict.ok and result.removed == ()
            taken.append((result.backup.path, _vitals_ids(result.backup.path)))
    finally:
        stop.set()
        acknowledged, failed = out.get(timeout=300)
        proc.join(timeout=60)
    assert proc.exitcode == 0
    assert failed == []  # the writer saw no failure while the backups ran
    assert len(taken) >= 3 and len(acknowledged) > 0

    # Each backup: every acknowledged save up to some point, none after it, in order.
    sizes = []
    position = {record_id: n for n, record_id in enumerate(acknowledged)}
    for backup, ids in taken:
        assert verify_path(backup).ok  # still whole
        assert all(record_id in position for record_id in ids), "a record no writer acknowledged"
        assert sorted(position[r] for r in ids) == list(range(len(ids))), "not a prefix"
        sizes.append(len(ids))
    assert sizes == sorted(sizes) and sizes[-1] > sizes[0]  # the backups followed the writes
    assert [b.path for b in list_backups(folder, path)] == [b for b, _ in reversed(taken)]

    # The last backup restored: its records identical by hash to the source's.
    last = taken[-1][0]
    restored = tmp_path / "restored" / "ward.db"
    restored.parent.mkdir()
    result = restore(restored, last, now=clock.now())
    assert result.kept_aside is None
    assert verify_path(restored).ok
    source, copy = _hashes(path), _hashes(restored)
    assert result.records == len(copy)
    assert all(source[record_id] == digest for record_id, digest in copy.items())
    assert sorted(_vitals_ids(restored)) == sorted(taken[-1][1])


@pytest.mark.slow
def test_r4_backups_under_load_verify_and_hold_a_prefix(tmp_path: Path) -> None:
    run_r4(tmp_path, seconds=8, every=2, rate=50)


@pytest.mark.long
def test_r4_battery_size(tmp_path: Path) -> None:
    run_r4(tmp_path, seconds=30, every=10, rate=50)
