"""High DPI and large fonts: the real windows laid out on the demo ward at scale factor 2 and with the
application font 1.5 times larger; no label, button, box, board header or cell text is cut, elided or
squeezed (tests/ui/layout_check.py, in a child process: the scale factor is read once per process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check(scale: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale}
    return subprocess.run(
        [sys.executable, "-m", "tests.ui.layout_check", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("scale", "args"),
    [("2", ()), ("1", ("--font-scale", "1.5"))],
    ids=["scale-2", "font-1.5"],
)
def test_no_text_is_cut_at_high_dpi_or_with_a_large_font(scale: str, args: tuple[str, ...]) -> None:
    done = _check(scale, *args)
    assert "0 problem(s)" in done.stdout, done.stdout + done.stderr[-2000:]
    assert done.returncode == 0
