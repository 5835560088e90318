"""The acceptance oracle: every graded vignette of the clinical spec, in process and through `bedside grade`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bedside.clinical.engine import assess
from bedside.clinical.snapshot import parse_snapshot

VIGNETTES = Path(__file__).resolve().parents[3] / "shared" / "clinical" / "vignettes.json"
COMPARED = (
    "fever",
    "crs_grade",
    "icans_tool",
    "icans_grade",
    "icans_grade_is_lower_bound",
    "news2",
    "news2_any_single_parameter_3",
    "bedside_pews",
)
OPTIONAL = ("hypotension", "crs_episode_max", "icans_episode_max")


def load() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(VIGNETTES.read_text(encoding="utf-8"))
    return cases


def snapshot(case: dict[str, Any]) -> dict[str, Any]:
    return {**case["inputs"], "age_years": case["age_years"]}


def disagreements(case: dict[str, Any], got: dict[str, Any]) -> list[str]:
    expected = case["expected"]
    keys = COMPARED + tuple(k for k in OPTIONAL if k in expected)
    wrong = [
        f"{k}: expected {expected[k]!r}, got {got[k]!r}" for k in keys if got[k] != expected[k]
    ]
    missing_flags = set(expected.get("flags", [])) - set(got["flags"])
    if missing_flags:
        wrong.append(f"flags missing: {sorted(missing_flags)}")
    return wrong


CASES = load()


def test_the_oracle_file_is_there() -> None:
    assert len(CASES) >= 70


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_vignette_in_process(case: dict[str, Any]) -> None:
    got = assess(parse_snapshot(snapshot(case))).as_contract()
    assert disagreements(case, got) == []


def test_every_vignette_through_the_cli() -> None:
    """One subprocess for the whole array: the contract grades arrays too."""
    proc = subprocess.run(
        [sys.executable, "-m", "bedside.cli", "grade"],
        input=json.dumps([snapshot(c) for c in CASES]),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(proc.stdout)
    assert len(results) == len(CASES)
    wrong = {c["id"]: d for c, r in zip(CASES, results, strict=True) if (d := disagreements(c, r))}
    assert wrong == {}


def test_cli_single_object_and_reasons() -> None:
    case = next(c for c in CASES if c["id"] == "V012")
    proc = subprocess.run(
        [sys.executable, "-m", "bedside.cli", "grade"],
        input=json.dumps(snapshot(case)),
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(proc.stdout)
    assert result["crs_grade"] == 3
    assert any("norepinephrine" in r for r in result["reasons"])


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"age_years": 30, "temp_c": 3.8}, "temp_c"),
        ({"age_years": 30, "temp_c": 38.0, "temp_f": 100.4}, "temp_f"),
        ({"age_years": 30, "o2_device": "helmet"}, "o2_device"),
        ({"age_years": 30, "temp_C": 38.0}, "temp_C"),
        ([{"age_years": 30}, {"age_years": 30, "spo2": 180}], "[1].spo2"),
    ],
)
def test_cli_invalid_input_names_the_field_and_exits_non_zero(document: Any, field: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bedside.cli", "grade"],
        input=json.dumps(document),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    error = json.loads(proc.stdout)["error"]
    assert error["field"] == field
    assert field.split(".")[-1] in error["message"]
    assert error["allowed"]
