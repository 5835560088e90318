"""The trend benchmark script runs end to end at its smallest size (the numbers are not asserted)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("bench_trends.py")


@pytest.mark.slow
def test_the_trend_benchmark_runs_quick_and_prints_each_measure_with_its_baseline(
    tmp_path: Path,
) -> None:
    db = tmp_path / "trends.db"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    # each measure: n, median, p90, max and CPU time
    assert re.search(r"^\(a\) Chart reads for one refresh \(All\)\s+5(\s+[\d.]+){4}$", out, re.M)
    assert re.search(
        r"^\(b\) TrendView first draw .*\s1(\s+[\d.]+){4}\s+<= 100 ms: (meets|MISSES)", out, re.M
    )
    assert re.search(
        r"^\(c\) TrendView pan/zoom redraw\s+10(\s+[\d.]+){4}\s+<= 16 ms: (meets|MISSES)", out, re.M
    )
    for ratio in (
        "reads / raw",
        "first draw \\(fresh Chart\\) / bare same arrays",
        "redraw / bare",
    ):
        # wall and CPU ratios
        assert re.search(rf"ratio {ratio}.*\s[\d.]+\s+[\d.]+$", out, re.M), ratio
    # the first draw and the redraw through the event loop, and how many paints each took
    assert re.search(
        r"^    through the event loop \(on screen\), fresh Charts\s+2(\s+[\d.]+){4}\s+<= 100 ms",
        out,
        re.M,
    )
    assert re.search(
        r"^    through the event loop \(as on screen\)\s+10(\s+[\d.]+){4}\s+<= 16", out, re.M
    )
    assert (
        len(
            re.findall(
                r"^      paints per (first draw|move) \(median, max\)\s+\d+\s+\d+$", out, re.M
            )
        )
        == 3
    )
    assert db.exists()
