"""The ward benchmark script runs end to end at its smallest size (the numbers are not asserted)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("bench_ward.py")


@pytest.mark.slow
def test_the_benchmark_runs_quick_and_prints_the_p99(tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^\(a\) Ward\.chart_vitals, ms\s+\d+(\s+[\d.]+){4}\s+p99", done.stdout, re.M)
    assert re.search(r"ratio p99\(chart\) / p99\(raw\)\s+[\d.]+", done.stdout)
    assert "bytes on disk per vitals set" in done.stdout
    assert re.search(r"ratio p50\(chart\) / p50\(raw\)\s+[\d.]+", done.stdout)
    assert re.search(r"SQL statements per save \(trace callback\)\s+\d+\s+\d+", done.stdout)
    assert db.exists()


CONCURRENCY = Path(__file__).with_name("bench_concurrency.py")


@pytest.mark.slow
def test_the_concurrency_benchmark_runs_quick_and_prints_the_p99(tmp_path: Path) -> None:
    db = tmp_path / "concurrency.db"
    done = subprocess.run(
        [sys.executable, str(CONCURRENCY), "--quick", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for phase in ("1 writer alone", "2 writers \\+ reader", "3 writers \\+ reader"):
        assert re.search(rf"^\(.\) {phase}\s+\d+(\s+[\d.]+){{4}}\s+\d+\s+\d+", done.stdout, re.M)
    assert re.search(r"^\(a\) raw durable INSERT\s+300(\s+[\d.]+){4}", done.stdout, re.M)
    assert re.search(r"ratio p99\(save, 2 writers \+ reader\) / p99\(raw\)\s+[\d.]+", done.stdout)
    assert db.exists()


OUTAGE = Path(__file__).with_name("bench_outage.py")


@pytest.mark.slow
def test_the_outage_benchmark_runs_quick_and_every_record_reaches_the_hub_and_b() -> None:
    done = subprocess.run(
        [sys.executable, str(OUTAGE), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    backlog = re.search(r"^  backlog at\s+12 h \(local_state waiting\): (\d+)$", done.stdout, re.M)
    counts = re.search(r"^records: A (\d+), hub (\d+), B (\d+)$", done.stdout, re.M)
    charted = re.search(r"^machine A, offline 12 h, 3 patients: (\d+) records", done.stdout, re.M)
    assert backlog is not None and counts is not None and charted is not None, done.stdout
    a, hub, b = (int(n) for n in counts.groups())
    # 3 patients x 48 rounds of vitals, 3 neuro checks each, 3 admissions, 3 corrections, plus derived.
    assert a == hub == b >= 3 * 48 + 9 + 3 + 3
    assert int(backlog.group(1)) == int(charted.group(1))  # the whole outage was waiting
    assert re.search(r"^delivered to B: (\d+) of \1 \(100\.0 %\)$", done.stdout, re.M)
    assert re.search(r"waiting after: 0;", done.stdout)


GC = Path(__file__).with_name("bench_gc.py")


@pytest.mark.slow
def test_the_gc_benchmark_runs_quick_and_prints_both_ratios() -> None:
    done = subprocess.run(
        [sys.executable, str(GC), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(re.findall(r"ratio p50 [\d.]+x", done.stdout)) == 2
    assert re.search(
        r"Bedside, demo ward board open, full \(generation 2\)\s+p50\s+[\d.]+ ms", done.stdout
    )
