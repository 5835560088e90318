"""Benchmark of concurrent saves into one ward file (R5): writer processes and a reader (a script, not a test).

    .venv/bin/python tests/bench/bench_concurrency.py [--saves 500] [--patients 6] [--db PATH] [--quick]

On one fresh file with P admitted patients (children and adults), in one run:

  (a) raw baseline: a durable single-row INSERT in its own BEGIN IMMEDIATE transaction, same file, 300 times;
  (b) one writer process alone: `Ward.chart_vitals` N times (the uncontended save, for reference);
  (c) two writer processes x N saves each, plus a reader process reading `Ward.board()` and one patient's
      vitals series in a loop, all started together;
  (d) the same with a third writer.

Every writer is a separate process with its own connection, charting all P patients in turn through the real
service (validate, store, grade, alerts, durable commit) in a tight loop, with no pause between saves: far above
a ward's rate, the worst case for the write lock. About one save in 25 is a fever, so alerts are raised and
folded as on a ward. Nobody calls `Ward.tick()`: the WAL is kept bounded by the commits alone.

Per phase it prints p50/p95/p99/max of the save latency, the saves over 1 s, the failed saves by reason, the
reader's loops, the WAL size at the end, and the 1-minute load average sampled during the phase (the machine
may be shared: read the figures with it). Target (reported, not asserted): p99 <= 250 ms in (c).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bedside.clock import SystemClock
from bedside.staff import Author, Role
from bedside.store.connection import open_database, open_read_only
from bedside.store.log import Log
from bedside.ward import Failed, Recorded, Ward
from tests.support.load import load_admission, load_vitals, raw_insert_ns

NURSE = Author("nurse.bench", Role.NURSE)
RAW_INSERTS = 300
TARGET_P99_MS = 250.0
SLOW_MS = 1000.0
FEVER_EVERY = 25


def patient_ids(n: int) -> list[str]:
    # Even ids are adults, odd ones children (who are graded with PEWS and CAPD).
    return [f"{'A' if i % 2 == 0 else 'C'}{i + 1:02d}" for i in range(n)]


# --- the processes ---------------------------------------------------------------------------------------


def writer(path: str, index: int, saves: int, patients: list[str], start: Any, out: Any) -> None:
    """Chart `saves` vitals sets through the service; report each save's latency and outcome."""
    clock = SystemClock()
    db = open_database(path, clock=clock)
    ward = Ward(db, clock=clock)
    latencies: list[float] = []
    waits: list[float] = []
    failures: dict[str, int] = {}
    start.wait()
    for i in range(saves):
        patient = patients[(index + i) % len(patients)]
        vitals = load_vitals(patient, i, fever_every=FEVER_EVERY)
        t = time.perf_counter_ns()
        result = ward.chart_vitals(patient, vitals, observed_at=clock.now(), author=NURSE)
        latencies.append((time.perf_counter_ns() - t) / 1e6)
        waits.append(db.conn.last_wait[1] * 1e3)
        if isinstance(result, Failed):
            failures[result.reason.name] = failures.get(result.reason.name, 0) + 1
        elif not isinstance(result, Recorded):
            failures["INVALID"] = failures.get("INVALID", 0) + 1
            print(f"writer {index}: refused {result}", file=sys.stderr)
    out.put(("writer", index, latencies, failures, waits))


def reader(path: str, patients: list[str], start: Any, stop: Any, out: Any) -> None:
    """Read the board and one patient's last day of vitals in a loop until told to stop."""
    clock = SystemClock()
    db = open_read_only(path)
    ward = Ward(db, clock=clock)
    log = Log(db, clock)
    loops, failures, latencies = 0, 0, []
    start.wait()
    while not stop.is_set():
        t = time.perf_counter_ns()
        try:
            ward.board()
            now = clock.now()
            log.vitals_series(patients[loops % len(patients)], now - timedelta(days=1), now)
        except Exception as err:  # reported, never hidden
            failures += 1
            print(f"reader: {err}", file=sys.stderr)
        latencies.append((time.perf_counter_ns() - t) / 1e6)
        loops += 1
    out.put(("reader", 0, latencies, {"READ": failures} if failures else {}, []))


# --- the phases --------------------------------------------------------------------------------------------


def pct(samples: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def run_phase(
    path: Path, writers: int, saves: int, patients: list[str], with_reader: bool
) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    start, stop, out = ctx.Event(), ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=writer, args=(str(path), i, saves, patients, start, out))
        for i in range(writers)
    ]
    if with_reader:
        procs.append(ctx.Process(target=reader, args=(str(path), patients, start, stop, out)))
    for p in procs:
        p.start()
    time.sleep(1.0)  # every process has opened its connection (a spawn takes ~0.5 s)
    loads = [os.getloadavg()[0]]
    t0 = time.perf_counter()
    start.set()
    reports: list[tuple[str, int, list[float], dict[str, int], list[float]]] = []
    while len([r for r in reports if r[0] == "writer"]) < writers:
        try:
            reports.append(out.get(timeout=1.0))
        except Exception:  # queue.Empty: sample the load, check nobody died
            loads.append(os.getloadavg()[0])
            dead = [p for p in procs if p.exitcode not in (None, 0)]
            if dead:
                raise SystemExit(
                    f"a benchmark process died: exit code {dead[0].exitcode}"
                ) from None
    seconds = time.perf_counter() - t0
    loads.append(os.getloadavg()[0])
    stop.set()
    if with_reader:
        reports.append(out.get(timeout=60))
    for p in procs:
        p.join(timeout=60)
    saves_ms = [x for kind, _, lat, _, _ in reports if kind == "writer" for x in lat]
    waits_ms = [x for kind, _, _, _, waits in reports if kind == "writer" for x in waits]
    failures: dict[str, int] = {}
    for _, _, _, failed, _ in reports:
        for reason, n in failed.items():
            failures[reason] = failures.get(reason, 0) + n
    read_ms = [x for kind, _, lat, _, _ in reports if kind == "reader" for x in lat]
    wal = Path(f"{path}-wal")
    return {
        "saves": saves_ms,
        "waits": waits_ms,
        "reads": read_ms,
        "failures": failures,
        "seconds": seconds,
        "load": (sum(loads) / len(loads), max(loads)),
        "wal": wal.stat().st_size if wal.exists() else 0,
    }


def bench_raw(path: Path) -> list[float]:
    db = open_database(path)
    try:
        return [ns / 1e6 for ns in raw_insert_ns(db.conn.execute, RAW_INSERTS)]
    finally:
        db.conn.close()


def setup(path: Path, patients: list[str]) -> None:
    clock = SystemClock()
    db = open_database(path, clock=clock)
    ward = Ward(db, clock=clock)
    for pid in patients:
        result = ward.admit(load_admission(pid, clock.now()), author=NURSE)
        if not isinstance(result, Recorded):
            raise SystemExit(f"admission of {pid} refused: {result}")
    db.conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=500, help="saves per writer (default 500)")
    parser.add_argument("--patients", type=int, default=6)
    parser.add_argument("--db", type=Path, help="database file to create (must not exist)")
    parser.add_argument("--quick", action="store_true", help="40 saves per writer (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.saves = 40
    with tempfile.TemporaryDirectory(prefix="bedside-bench-") as scratch:
        path: Path = args.db or Path(scratch) / "concurrency.db"
        if path.exists():
            raise SystemExit(f"{path} exists: give the path of a new file")
        return run(path, args.saves, patient_ids(args.patients))


def run(path: Path, saves: int, patients: list[str]) -> int:
    print(f"Bedside concurrency benchmark: {path}")
    print(f"  python {sys.version.split()[0]}, {os.cpu_count()} cores, pid {os.getpid()}")
    print(f"  load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    setup(path, patients)
    raw = bench_raw(path)
    print(f"  {len(patients)} patients; {saves} saves per writer, tight loop", flush=True)
    phases = [
        ("(b) 1 writer alone", run_phase(path, 1, saves, patients, with_reader=False)),
        ("(c) 2 writers + reader", run_phase(path, 2, saves, patients, with_reader=True)),
        ("(d) 3 writers + reader", run_phase(path, 3, saves, patients, with_reader=True)),
    ]
    line = "-" * 112
    print()
    print(line)
    head = f"{'save latency, ms':<28}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}"
    print(f"{head}{'>1 s':>6}{'failed':>8}{'saves/s':>9}{'load avg/max':>14}{'WAL MiB':>9}")
    print(line)
    print(
        f"{'(a) raw durable INSERT':<28}{len(raw):>6}{pct(raw, 50):>9.2f}{pct(raw, 95):>9.2f}"
        f"{pct(raw, 99):>9.2f}{max(raw):>9.2f}"
    )
    for name, ph in phases:
        s = ph["saves"]
        failed = sum(ph["failures"].values())
        print(
            f"{name:<28}{len(s):>6}{pct(s, 50):>9.2f}{pct(s, 95):>9.2f}{pct(s, 99):>9.2f}"
            f"{max(s):>9.2f}{sum(x > SLOW_MS for x in s):>6}{failed:>8}"
            f"{len(s) / ph['seconds']:>9.1f}{ph['load'][0]:>8.2f}/{ph['load'][1]:<5.2f}"
            f"{ph['wal'] / 2**20:>9.1f}"
        )
    print(line)
    for name, ph in phases:
        w = ph["waits"]
        print(
            f"{name}: of which waiting for the write lock, ms p50 {pct(w, 50):.2f}, "
            f"p99 {pct(w, 99):.2f}, max {max(w):.2f}; saves that waited {sum(x > 0.05 for x in w)}"
        )
        if ph["failures"]:
            print(f"{name}: failures by reason: {ph['failures']}")
        if ph["reads"]:
            r = ph["reads"]
            print(
                f"{name}: reader {len(r)} loops (board + 1-day series), ms p50 {pct(r, 50):.1f}, "
                f"p99 {pct(r, 99):.1f}, max {max(r):.1f}"
            )
    contended = phases[1][1]["saves"]
    p99 = pct(contended, 99)
    print(
        f"ratio p99(save, 2 writers + reader) / p99(raw)  {p99 / pct(raw, 99):.1f}   "
        f"p99 <= {TARGET_P99_MS:g} ms: {'meets' if p99 <= TARGET_P99_MS else 'MISSES'}"
    )
    print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
