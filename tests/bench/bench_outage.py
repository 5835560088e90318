"""BATTERY R12, the long outage (a script that prints, not a test).

    .venv/bin/python tests/bench/bench_outage.py [--patients 30] [--hours 72] [--quick]

Machine A charts, offline, every patient through the service as a ward does (`Ward.admit`,
`Ward.chart_vitals`, `Ward.chart_neuro`, `Ward.correct`: each save validated, graded, its assessment and
alert events written through the log, one durable commit a save), under a `ManualClock` moved to each
observation time: vitals every 15 minutes, a neuro check every 4 hours (ICE for adults, CAPD for
children), a correction of every 40th vitals set (a transcription error, corrected 15 minutes later), a
fever now and then (so alerts are raised). The time-driven `Ward.tick` (overdue checks, escalations) is
not run. The backlog (`local_state(...).waiting`, what the app's status line shows) is printed every 24 h.

Then A reconnects: one `sync_once` to a fresh SQLite hub file; a fresh machine B pulls everything
(verifying and projecting every record, re-deriving each patient once); A syncs once more to take what B's
re-derivation wrote, if anything. Printed: records on A, on the hub and on B (exit 1 unless all three are
equal and every record charted on A is on the hub and on B), A's push, B's pull and the total in seconds
(goal < 60 s on 2 cores, reported, never asserted), the raw baseline (A's rows `executemany`'d into a plain
table with a primary key, one commit) and the load average.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bedside.clock import ManualClock
from bedside.store.connection import open_database
from bedside.store.schema import RECORD_COLUMNS
from bedside.sync.exchange import local_state
from bedside.sync.hub import open_hub
from bedside.ward import Invalid, Recorded, Result, Ward
from tests.bench.bench_sync import timed_sync
from tests.support.load import load_admission, load_vitals
from tests.support.ward_fixtures import NURSE, START, capd_check, ice_check

VITALS_EVERY = timedelta(minutes=15)
NEURO_EVERY = timedelta(hours=4)
CORRECT_EVERY = 40  # every 40th vitals set of a patient is corrected at the next round
FEVER_EVERY = 24  # every 24th vitals set is a fever (6 hours)


def saved(result: Result, what: str) -> Recorded:
    if not isinstance(result, Recorded):
        detail = result.errors if isinstance(result, Invalid) else result
        raise SystemExit(f"bench_outage: {what} was not saved: {detail}")
    return result


def chart_outage(path: Path, patients: int, hours: int) -> tuple[ManualClock, dict[int, int]]:
    """Machine A's outage; the backlog after each 24 h (and at the end), by hour."""
    clock = ManualClock(START)
    db = open_database(path, clock=clock)
    ward = Ward(db, clock=clock)
    ids = [f"{'A' if p % 2 == 0 else 'C'}{p:03d}" for p in range(patients)]
    for pid in ids:
        saved(ward.admit(load_admission(pid, START), author=NURSE), f"admission of {pid}")
    backlog: dict[int, int] = {}
    to_correct: dict[str, tuple[str, int]] = {}
    rounds = hours * 60 // 15
    for k in range(1, rounds + 1):
        clock.set(START + k * VITALS_EVERY)
        now = clock.now()
        for pid in ids:
            pending = to_correct.pop(pid, None)
            if pending is not None:
                record_id, i = pending
                fixed = load_vitals(pid, i + 1, fever_every=FEVER_EVERY)
                saved(
                    ward.correct(record_id, fixed, reason="transcription error", author=NURSE),
                    f"correction for {pid}",
                )
            vitals = load_vitals(pid, k, fever_every=FEVER_EVERY)
            done = saved(
                ward.chart_vitals(pid, vitals, observed_at=now, author=NURSE), f"vitals of {pid}"
            )
            if k % CORRECT_EVERY == 0:
                to_correct[pid] = (done.record.id, k)
            if (k * VITALS_EVERY) % NEURO_EVERY == timedelta(0):
                check = ice_check(10) if pid.startswith("A") else capd_check()
                saved(
                    ward.chart_neuro(pid, check, observed_at=now, author=NURSE), f"neuro of {pid}"
                )
        hour = k * 15 // 60
        if k * 15 % 60 == 0 and (hour % 24 == 0 or k == rounds):
            backlog[hour] = local_state(db).waiting
    if rounds * 15 // 60 not in backlog:
        backlog[rounds * 15 // 60] = local_state(db).waiting
    db.conn.close()
    return clock, backlog


def ids_of(path: Path, table: str) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute(f"SELECT id FROM {table}")}
    finally:
        conn.close()


def raw_baseline(a: Path, folder: Path) -> float:
    src = sqlite3.connect(a)
    rows = src.execute(f"SELECT {', '.join(RECORD_COLUMNS)} FROM records ORDER BY seq").fetchall()
    src.close()
    conn = sqlite3.connect(folder / "raw.db", isolation_level=None)
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        f"CREATE TABLE raw ({', '.join(RECORD_COLUMNS)}, PRIMARY KEY ({RECORD_COLUMNS[0]}))"
    )
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(RECORD_COLUMNS))})", rows)
    conn.execute("COMMIT")
    took = time.perf_counter() - start
    conn.close()
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--patients", type=int, default=30)
    parser.add_argument("--hours", type=int, default=72)
    parser.add_argument("--quick", action="store_true", help="3 patients x 12 h")
    args = parser.parse_args()
    patients, hours = (3, 12) if args.quick else (args.patients, args.hours)
    if patients < 1 or hours < 1:
        print("bench_outage: --patients and --hours must be at least 1", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        a, b, hub_file = folder / "a.db", folder / "b.db", folder / "hub.db"
        url = f"sqlite:///{hub_file}"
        t = time.perf_counter()
        clock, backlog = chart_outage(a, patients, hours)
        charted = ids_of(a, "records")
        print(
            f"machine A, offline {hours} h, {patients} patients: {len(charted)} records "
            f"(charted and derived) written through Ward in {time.perf_counter() - t:.1f} s"
        )
        kinds = sqlite3.connect(a)
        by_kind = kinds.execute("SELECT kind, count(*) FROM records GROUP BY kind ORDER BY 2 DESC")
        print("  by kind: " + ", ".join(f"{kind} {n}" for kind, n in by_kind))
        kinds.close()
        for hour, waiting in sorted(backlog.items()):
            print(f"  backlog at {hour:>3} h (local_state waiting): {waiting}")
        raw = raw_baseline(a, folder)
        open_hub(url, create=True).close()
        push, pushed = timed_sync(a, url, clock)
        print(
            f"A reconnects, push: {pushed.pushed} records in {push:.2f} s "
            f"({pushed.pushed / push:,.0f}/s); waiting after: {pushed.waiting}; "
            f"raw baseline {raw:.2f} s ({len(charted) / raw:,.0f}/s)"
        )
        open_database(b, clock=clock).conn.close()
        pull, pulled = timed_sync(b, url, clock)
        print(
            f"fresh B, pull: {pulled.pulled} records in {pull:.2f} s "
            f"({pulled.pulled / pull:,.0f}/s), {len(pulled.rederived)} patients' pictures written anew by the re-derivation, "
            f"{pulled.pushed} records of B's own pushed, {len(pulled.quarantined)} quarantined"
        )
        again, _ = timed_sync(a, url, clock)
        on_a, on_hub, on_b = (
            ids_of(a, "records"),
            ids_of(hub_file, "hub_records"),
            ids_of(b, "records"),
        )
        print(f"records: A {len(on_a)}, hub {len(on_hub)}, B {len(on_b)}")
        total = push + pull
        print(
            f"total push + pull {total:.2f} s (goal < 60 s on 2 cores); A's second sync "
            f"{again:.2f} s; load average {os.getloadavg()[0]:.1f}"
        )
        missing = len(charted - on_hub) + len(charted - on_b)
        delivered = len(charted) - len(charted - on_b)
        print(
            f"delivered to B: {delivered} of {len(charted)} ({100 * delivered / len(charted):.1f} %)"
        )
        if not (on_a == on_hub == on_b) or missing:
            print("bench_outage: A, the hub and B do not hold the same records", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
