"""Benchmark of verification (a script, not a test): how long `bedside verify` takes per record.

    .venv/bin/python tests/bench/bench_verify.py [--records 100000] [--db PATH] [--quick]

Builds (or reuses) a ward file of N records as a ward writes them: per time point a vitals set and the
assessment the ward stored for it (a real assessment payload, graded once by the engine), appended through
`Log.append` in batches, so that every record has its envelope, hash chain and projection row. Then
measures, 5 runs each, best and median:

  (a) raw baseline: read every record row and sha256 its payload (the least any chain check must do);
  (b) the chain alone (`verify_chain`: seq continuity, every hash recomputed, heads);
  (c) the chain and the projections recomputed and compared (`verify_log`);
  (d) `PRAGMA quick_check`;
  (e) all of `bedside verify` (`verify_path`: integrity_check, on a second connection beside the walk,
      triggers, chain, projections, unresolved alerts);
  (f) `PRAGMA integrity_check` (part of (e)).

Besides the wall-clock times, the least CPU time of the process (all threads): on a machine shared with
other work the wall clock varies with the load (printed before and after), the CPU time much less.

Target (reported, not asserted): (e) for 100,000 records < 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256
from pathlib import Path

from bedside.clinical.engine import assess
from bedside.clinical.snapshot import parse_snapshot
from bedside.clock import ManualClock
from bedside.records import Admission, AssessmentRecord, Diagnosis, Sex, VitalSigns
from bedside.store.connection import checkpoint, open_database, transaction
from bedside.store.log import Log
from bedside.store.verify import verify_chain, verify_log
from bedside.verify import verify_path

START = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 2_000


def build(path: Path, records: int) -> None:
    clock = ManualClock(START)
    db = open_database(path, clock=clock)
    log = Log(db, clock)
    snapshot = parse_snapshot(
        {"age_years": 40, "day_post_infusion": 3, "temp_c": 38.4, "hr": 104, "sbp": 118,
         "dbp": 70, "rr": 18, "spo2": 96, "o2_device": "room_air", "o2_indication": "none",
         "vasopressors": [], "ice_score": 10, "consciousness": "awakens_spontaneously",
         "seizure": "none", "motor_weakness": "none", "cerebral_edema": "none"}
    )  # fmt: skip
    stored = AssessmentRecord.of(
        assess(snapshot),
        source_record=None,
        crs_episode_open=False,
        icans_episode_open=False,
        crs_course=None,
        icans_course=None,
    )
    patients = [f"P-{i:02d}" for i in range(20)]
    with transaction(db):
        for patient in patients:
            log.append(
                Admission(
                    patient_id=patient,
                    name=f"Patient {patient}",
                    date_of_birth=date(1986, 5, 1),
                    sex=Sex.FEMALE,
                    weight_kg=60.0,
                    diagnosis=Diagnosis.NEUROBLASTOMA,
                    developmental_delay=False,
                    infusion_at=START,
                    product="GD2/B7H3 CAR-T",
                    dose_cells_per_kg=3e6,
                ),
                patient_id=patient,
                observed_at=START,
                author="nurse.ada",
            )
    written = len(patients)
    i = 0
    while written < records:
        with transaction(db):
            for _ in range(min(BATCH, records - written) // 2 or 1):
                clock.advance(timedelta(seconds=45))
                patient = patients[i % len(patients)]
                at = clock.now()
                vitals = VitalSigns(temperature=37.0 + (i % 20) / 10, temperature_unit="C",
                                    hr=70 + i % 40, sbp=110 + i % 20, dbp=70, rr=16, spo2=97)  # fmt: skip
                log.append(vitals, patient_id=patient, observed_at=at, author="nurse.ada")
                log.append(
                    stored,
                    patient_id=patient,
                    observed_at=at,
                    author="system",
                )
                written += 2
                i += 1
        checkpoint(db)
    db.close()


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """(best, median) wall-clock seconds and the least CPU seconds of the process (every thread)."""
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(times), statistics.median(times), min(cpu)


def raw_baseline(path: Path) -> int:
    db = open_database(path)
    count = 0
    for (payload,) in db.conn.execute("SELECT payload FROM records ORDER BY device_id, seq"):
        sha256(payload.encode()).hexdigest()
        count += 1
    db.close()
    return count


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--quick", action="store_true", help="2,000 records, 2 runs")
    args = parser.parse_args()
    records, runs = (2_000, 2) if args.quick else (args.records, 5)
    with tempfile.TemporaryDirectory() as scratch:
        path = args.db or Path(scratch) / "verify-bench.db"
        if not path.exists():
            start = time.perf_counter()
            build(path, records)
            print(f"built {records:,} records in {time.perf_counter() - start:.1f} s: {path}")
        db = open_database(path)
        count = db.conn.execute("SELECT count(*) FROM records").fetchone()[0]
        print(f"records: {count:,}; file: {path.stat().st_size / 2**20:.1f} MiB")

        def chain() -> None:
            assert not verify_chain(db).findings

        def log_and_projections() -> None:
            result, projections = verify_log(db)
            assert not result.findings and not projections

        def quick_check() -> None:
            assert db.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"

        def integrity_check() -> None:
            assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

        def everything() -> None:
            verdict = verify_path(path)
            assert verdict.ok, verdict.summary()

        rows = [
            ("(a) raw: read + sha256 each payload", lambda: raw_baseline(path)),
            ("(b) chain", chain),
            ("(c) chain + projections", log_and_projections),
            ("(d) quick_check", quick_check),
            ("(e) bedside verify (all)", everything),
            ("(f) integrity_check", integrity_check),
        ]
        print(f"load average before: {_load()}")
        print(f"{'measure':42} {'best s':>8} {'median s':>9} {'cpu s':>7} {'µs/record':>10}")
        results = {}
        for name, fn in rows:
            best, median, cpu = timed(fn, runs)
            results[name[:3]] = best
            print(f"{name:42} {best:8.3f} {median:9.3f} {cpu:7.3f} {best / count * 1e6:10.1f}")
        db.close()
        print(f"load average after: {_load()}")
        print(f"ratio (e) / (a): {results['(e)'] / results['(a)']:.1f}")
        print(
            f"target: (e) < 2 s for 100,000 records: {results['(e)'] * 100_000 / count:.2f} s scaled"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
