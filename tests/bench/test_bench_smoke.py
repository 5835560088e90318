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
