"""R5: two writer processes x 500 saves into one file through the real service, with a reader process reading
the board and a vitals series in a loop. No save fails, every acknowledged save is there exactly once, the log's
sequence is whole and the file's integrity is ok. No timing is asserted (the figures live in
tests/bench/bench_concurrency.py and the README)."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bedside.clock import SystemClock
from bedside.staff import Author, Role
from bedside.store.connection import open_database, open_read_only
from bedside.store.log import Log
from bedside.ward import Failed, Recorded, Ward
from tests.support.load import load_admission, load_vitals

WRITERS = 2
SAVES = 500
PATIENTS = ("A01", "C02", "A03", "C04", "A05", "C06", "A07", "C08")  # both writers chart each
NURSE = Author("nurse.r5", Role.NURSE)
WAL_LIMIT = 64 * 2**20  # R5: WAL <= 64 MB at the end


def writer(path: str, index: int, start: Any, out: Any) -> None:
    clock = SystemClock()
    ward = Ward(open_database(path, clock=clock), clock=clock)
    acknowledged: list[str] = []
    failed: list[str] = []
    start.wait()
    for i in range(SAVES):
        patient = PATIENTS[(index + i) % len(PATIENTS)]
        result = ward.chart_vitals(
            patient, load_vitals(patient, i, fever_every=40), observed_at=clock.now(), author=NURSE
        )
        if isinstance(result, Recorded):
            acknowledged.append(result.record.id)  # acknowledged: COMMIT has returned
        else:
            failed.append(result.message if isinstance(result, Failed) else repr(result))
    out.put(("writer", acknowledged, failed))


def reader(path: str, start: Any, stop: Any, out: Any) -> None:
    clock = SystemClock()
    db = open_read_only(path)
    ward, log = Ward(db, clock=clock), Log(db, clock)
    loops, errors = 0, []
    start.wait()
    while not stop.is_set() or loops == 0:
        try:
            ward.board()
            now = clock.now()
            log.vitals_series(PATIENTS[loops % len(PATIENTS)], now - timedelta(days=1), now)
        except Exception as err:
            errors.append(f"{type(err).__name__}: {err}")
        loops += 1
    out.put(("reader", loops, errors))


@pytest.mark.slow
def test_two_writer_processes_and_a_reader_lose_and_fail_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ward.db"
    clock = SystemClock()
    db = open_database(path, clock=clock)
    ward = Ward(db, clock=clock)
    for pid in PATIENTS:
        assert isinstance(ward.admit(load_admission(pid, clock.now()), author=NURSE), Recorded)
    db.close()

    ctx = mp.get_context("spawn")
    start, stop, out = ctx.Event(), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=writer, args=(str(path), i, start, out)) for i in range(WRITERS)]
    procs.append(ctx.Process(target=reader, args=(str(path), start, stop, out)))
    for p in procs:
        p.start()
    start.set()
    reports = [out.get(timeout=900) for _ in range(WRITERS)]
    stop.set()
    reports.append(out.get(timeout=120))
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0

    acknowledged = [i for kind, ids, _ in reports if kind == "writer" for i in ids]
    failed = [m for kind, _, messages in reports if kind == "writer" for m in messages]
    (loops, read_errors) = next((n, e) for kind, n, e in reports if kind == "reader")
    assert failed == []
    assert len(acknowledged) == WRITERS * SAVES
    assert read_errors == [] and loops > 0

    conn = sqlite3.connect(path)
    stored = [row[0] for row in conn.execute("SELECT id FROM records WHERE kind = 'vitals'")]
    assert sorted(stored) == sorted(acknowledged)  # each present, exactly once, nothing extra
    projected = conn.execute("SELECT count(*), count(DISTINCT record_id) FROM vitals").fetchone()
    assert projected == (WRITERS * SAVES, WRITERS * SAVES)
    # One device chain shared by both processes: no gap, no repeat, and its head is the last record.
    seqs = [row[0] for row in conn.execute("SELECT seq FROM records ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    head = conn.execute("SELECT last_seq, last_hash FROM devices").fetchall()
    last = conn.execute("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
    assert head == [tuple(last)]
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size <= WAL_LIMIT
