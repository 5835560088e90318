"""Benchmark of sync through both hubs (a script, not a test).

    .venv/bin/python tests/bench/bench_sync.py [--records 100000] [--quick] [--no-pg]
    .venv/bin/python tests/bench/bench_sync.py --receive-only [--records 5000] [--profile]

Machine A charts N records (an admission per patient, then vitals every 15 minutes, written through
`Log.append`). Then, in the same run:

  (a) raw SQLite baseline: `executemany` of the same rows into a plain table with a primary key, one commit;
  (b) `bedside sync` of A to a fresh SQLite hub file (one `executemany` of INSERT ... ON CONFLICT DO NOTHING
      a batch, the chain checked);
  (c) raw PostgreSQL baseline: `COPY` of the same rows into a plain table with a primary key;
  (d) `bedside sync` of A to a fresh PostgreSQL hub (`COPY` straight into hub_records, the chain checked
      meanwhile; the batch's ids looked up only when the hub holds some);
  (e) a fresh machine B pulls everything from each hub, verifying every record (fields, envelope, hash
      chain) and writing its projections, then re-derives each patient's picture once: records/s;
  (f) a re-run with nothing new.

`--receive-only` times `receive()` alone (no hub): the charted rows (tuples, as a hub gives them) received
into a fresh machine in one transaction, CPU time, best of 5; `--profile` adds a cProfile of one such run.

Goals (reported, never asserted): push <= 2x its raw baseline, pull >= 20,000 records/s, re-run < 1 s.
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import psycopg

from bedside.clock import ManualClock
from bedside.store.connection import open_database, transaction
from bedside.store.log import Log
from bedside.store.schema import RECORD_COLUMNS
from bedside.sync.exchange import SyncReport, sync_once
from bedside.sync.hub import open_hub
from bedside.ward import Ward
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    admission,
    normal_adult_vitals,
)

PG_URL = os.environ.get("BEDSIDE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def build(path: Path, records: int, patients: int) -> tuple[ManualClock, list[tuple[object, ...]]]:
    per_patient = records // patients
    # The charting ends now, by this machine's clock: a PostgreSQL hub stamps what it receives by the
    # server's clock, and a machine whose clock is hours off it has every record flagged clock-suspect
    # (R11), which is not the case measured here (the SQLite hub stamps by the clock given).
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=15 * per_patient + 60)
    clock = ManualClock(start + timedelta(minutes=15 * per_patient + 60))
    db = open_database(path, clock=clock)
    log = Log(db, clock)
    written = 0
    with transaction(db):
        for p in range(patients):
            pid = f"A{p:03d}"
            log.append(
                admission(pid, ADULT_BORN, infusion_at=start - timedelta(hours=2)),
                patient_id=pid,
                observed_at=start - timedelta(hours=1),
                author=NURSE.user_id,
            )
            written += 1
    i = 0
    while written < records:
        with transaction(db):
            for _ in range(min(5000, records - written)):
                p, k = i % patients, i // patients
                log.append(
                    normal_adult_vitals(hr=60 + i % 50),
                    patient_id=f"A{p:03d}",
                    observed_at=start + timedelta(minutes=15 * k),
                    author=NURSE.user_id,
                )
                i += 1
                written += 1
    rows = db.conn.execute(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM records ORDER BY seq"
    ).fetchall()
    db.conn.close()
    return clock, rows


def raw_sqlite(rows: list[tuple[object, ...]], folder: Path) -> float:
    conn = sqlite3.connect(folder / "raw.db", isolation_level=None)
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE raw (id TEXT PRIMARY KEY, kind TEXT, patient_id TEXT, observed_at TEXT, "
        "entered_at TEXT, author TEXT, device_id TEXT, seq INTEGER, supersedes TEXT, reason TEXT, "
        "payload TEXT, hash TEXT)"
    )
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * 12)})", rows)
    conn.execute("COMMIT")
    took = time.perf_counter() - start
    conn.close()
    return took


def raw_postgres(rows: list[tuple[object, ...]], schema: str) -> float:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {schema}.raw (id text PRIMARY KEY, kind text, patient_id text, "
            "observed_at text, entered_at text, author text, device_id text, seq bigint, "
            "supersedes text, reason text, payload text, hash text)"
        )
        start = time.perf_counter()
        with (
            conn.transaction(),
            conn.cursor() as cur,
            cur.copy(f"COPY {schema}.raw FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return time.perf_counter() - start


def timed_sync(path: Path, url: str, clock: ManualClock) -> tuple[float, SyncReport]:
    db = open_database(path, clock=clock)
    ward = Ward(db, clock=clock)
    hub = open_hub(url, clock=clock)
    start = time.perf_counter()
    report = sync_once(ward, db, hub, clock)
    took = time.perf_counter() - start
    hub.close()
    db.conn.close()
    return took, report


def receive_only(records: int, patients: int, profile: bool) -> None:
    """CPU time of `receive()` for the rows of machine A, into a fresh machine, best of 5."""
    import cProfile
    import pstats

    from bedside.store.receive import receive

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clock, rows = build(folder / "a.db", records, patients)
        versions = list(rows)  # as a hub gives them: tuples in RECORD_COLUMNS order
        best = math.inf
        for run in range(6 if profile else 5):
            db = open_database(folder / f"b{run}.db", clock=clock)
            log = Log(db, clock)
            profiler = cProfile.Profile() if profile and run == 5 else None
            start = time.process_time()
            with transaction(db):
                if profiler is not None:
                    profiler.enable()
                got = receive(db, log, versions, clock, clock_suspect_after=timedelta(hours=1))
                if profiler is not None:
                    profiler.disable()
            took = time.process_time() - start
            db.conn.close()
            assert got.accepted == len(versions), got.quarantined[:1]
            if profiler is not None:
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            else:
                best = min(best, took)
        print(
            f"receive alone: {len(versions)} records, best of 5 {best:.3f} s CPU = "
            f"{best / len(versions) * 1e6:.1f} µs/record ({len(versions) / best:,.0f} records/s); "
            f"load average {os.getloadavg()[0]:.1f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--patients", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="5,000 records")
    parser.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL hub")
    parser.add_argument("--receive-only", action="store_true", help="time receive() alone")
    parser.add_argument("--profile", action="store_true", help="with --receive-only: cProfile")
    args = parser.parse_args()
    records = 5_000 if args.quick else args.records
    if args.receive_only:
        receive_only(5_000 if args.records == 100_000 else records, args.patients, args.profile)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        clock, rows = build(folder / "a.db", records, args.patients)
        n = len(rows)
        print(f"machine A: {n} records charted in {time.perf_counter() - t:.1f} s")
        hubs = [("SQLite", f"sqlite:///{folder / 'hub.db'}", raw_sqlite(rows, folder))]
        schema = None
        if not args.no_pg:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {schema}")
            hubs.append(
                (
                    "PostgreSQL",
                    f"{PG_URL}?options=-csearch_path%3D{schema}",
                    raw_postgres(rows, schema),
                )
            )
        try:
            for name, url, raw in hubs:
                open_hub(url, create=True).close()
                push, _ = timed_sync(folder / "a.db", url, clock)
                print(
                    f"({name}) raw baseline {raw:.2f} s ({n / raw:,.0f}/s); push {push:.2f} s "
                    f"({n / push:,.0f}/s); ratio push / raw {push / raw:.2f} (goal <= 2)"
                )
                b = folder / f"b-{name}.db"
                open_database(b, clock=clock).conn.close()
                pull, report = timed_sync(b, url, clock)
                got = report.pulled  # type: ignore[attr-defined]
                print(
                    f"({name}) pull into a fresh machine: {got} records in {pull:.2f} s = "
                    f"{got / pull:,.0f} records/s (goal >= 20,000), "
                    f"{len(report.rederived)} patients re-derived, {report.flagged} flagged"
                )  # type: ignore[attr-defined]
                again, _ = timed_sync(b, url, clock)
                print(f"({name}) re-run with nothing new: {again:.3f} s (goal < 1 s)")
        finally:
            if schema is not None:
                with psycopg.connect(PG_URL, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
