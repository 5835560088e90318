"""`bedside replay` (SPEC "The `bedside replay` contract"): every public timeline and ours pass, and the
contract's structure errors name their path.

The expectations are checked here by code of the test's own, not by `bedside.replay.check_expectations`,
so that a fault in the command's checker cannot hide a failing timeline.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bedside.cli import main
from bedside.replay import TimelineError, replay

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = ROOT.parent / "shared" / "clinical" / "timelines.json"
OURS = ROOT / "tests" / "timelines" / "ward_timelines.json"
OUTPUT_KEYS = {
    "step", "action", "outcome", "crs_grade", "crs_grade_is_lower_bound", "crs_episode_max",
    "icans_tool", "icans_grade", "icans_grade_is_lower_bound", "icans_episode_max", "news2",
    "bedside_pews", "flags", "open_alerts", "due",
}  # fmt: skip
ALERT_KINDS = {
    "crs", "icans", "news2", "pews", "hypoxia", "vasopressor", "intracranial_haemorrhage",
    "pre_infusion_fever", "no_fever_organ_dysfunction", "neuro_overdue", "vitals_overdue",
    "crs_downgrade", "icans_downgrade", "incomplete_data", "waiver_review",
}  # fmt: skip


def timelines(path: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return found


def unmet(expect: dict[str, Any], got: dict[str, Any]) -> list[str]:
    problems = []
    kinds = {a["kind"] for a in got["open_alerts"]}
    waiting = {a["kind"] for a in got["open_alerts"] if not a["acknowledged"]}
    flags = set(got["flags"])
    for key, want in expect.items():
        if key == "step":
            continue
        if key == "alerts_include":
            problems += [f"alert {k} missing" for k in want if k not in kinds]
        elif key == "alerts_exclude":
            problems += [f"alert {k} present" for k in want if k in kinds]
        elif key == "unacknowledged_include":
            problems += [f"unacknowledged {k} missing" for k in want if k not in waiting]
        elif key == "flags_include":
            problems += [f"flag {f} missing" for f in want if f not in flags]
        elif key == "flags_exclude":
            problems += [f"flag {f} present" for f in want if f in flags]
        elif key == "due":
            for kind, fields in want.items():
                for name, value in fields.items():
                    have = got["due"][kind][name]
                    if name == "due_at" and value is not None and have is not None:
                        ok = datetime.fromisoformat(have) == datetime.fromisoformat(value)
                    else:
                        ok = have == value
                    if not ok:
                        problems.append(f"due.{kind}.{name}: {have!r} != {value!r}")
        elif got.get(key) != want:
            problems.append(f"{key}: {got.get(key)!r} != {want!r}")
    return problems


def check_timeline(timeline: dict[str, Any]) -> None:
    output = replay(timeline)
    assert isinstance(output, list) and len(output) == len(timeline["steps"])
    for index, step in enumerate(output):
        assert set(step) - {"errors"} == OUTPUT_KEYS, step.keys()
        assert step["step"] == index
        assert step["outcome"] in ("recorded", "refused")
        assert {a["kind"] for a in step["open_alerts"]} <= ALERT_KINDS
        assert {a["priority"] for a in step["open_alerts"]} <= {"high", "medium", "low"}
        assert set(step["due"]) == {"vitals", "neuro"}
    problems = [
        f"step {e['step']}: {p}" for e in timeline["expect"] for p in unmet(e, output[e["step"]])
    ]
    assert not problems, f"{timeline['id']} {timeline['title']}: {problems}"


@pytest.mark.parametrize("timeline", timelines(PUBLIC), ids=lambda t: t["id"])
def test_every_public_timeline_passes(timeline: dict[str, Any]) -> None:
    check_timeline(timeline)


@pytest.mark.parametrize("timeline", timelines(OURS), ids=lambda t: t["id"])
def test_every_timeline_of_ours_passes(timeline: dict[str, Any]) -> None:
    check_timeline(timeline)


def test_our_timelines_cover_every_decision_d19_to_d27() -> None:
    cited = " ".join(t["spec"] for t in timelines(OURS))
    assert all(f"D{n}" in cited for n in range(19, 28)), cited


def run_cli(document: Any, *args: str) -> tuple[int, Any]:
    stdin = io.StringIO(json.dumps(document))
    stdout = io.StringIO()
    old_in, old_out = sys.stdin, sys.stdout
    sys.stdin, sys.stdout = stdin, stdout
    try:
        code = main(["replay", *args])
    finally:
        sys.stdin, sys.stdout = old_in, old_out
    return code, json.loads(stdout.getvalue())


def public(index: int = 0) -> dict[str, Any]:
    return json.loads(json.dumps(timelines(PUBLIC)[index]))


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda t: t["steps"][3].update(temp_x=1), "steps[3].temp_x"),
        (lambda t: t["steps"][1].update(action="jump"), "steps[1].action"),
        (lambda t: t["steps"][0].update(at="yesterday"), "steps[0].at"),
        (lambda t: t["steps"][0].update(at="2026-12-02T08:00:00"), "steps[0].at"),
        (lambda t: t["steps"][0].update(by="visitor"), "steps[0].by"),
        (lambda t: t["steps"][1].pop("drug"), "steps[1].drug"),
        (lambda t: t["patient"].pop("born"), "patient.born"),
        (lambda t: t["patient"].update(blood_group="A"), "patient.blood_group"),
        (lambda t: t.update(site_timezone="Mars/Olympus"), "site_timezone"),
        (lambda t: t.update(colour="red"), "colour"),
        (lambda t: t.update(steps=[]), "steps"),
    ],
)
def test_invalid_structure_names_the_path_and_exits_2(change: Any, path: str) -> None:
    timeline = public()
    change(timeline)
    code, out = run_cli(timeline)
    assert code == 2
    assert out["error"]["field"] == path
    assert out["error"]["allowed"]


def test_a_correction_must_name_an_earlier_step() -> None:
    timeline = public(6)  # T07: step 1 corrects step 0
    timeline["steps"][1]["step"] = 1
    with pytest.raises(TimelineError) as err:
        replay(timeline)
    assert err.value.path == "steps[1].step"


def test_an_array_prefixes_the_path_with_the_index() -> None:
    second = public(1)
    second["steps"][2]["alert"] = None
    second["steps"][2]["colour"] = "red"
    code, out = run_cli([public(0), second])
    assert code == 2 and out["error"]["field"] == "[1].steps[2].colour"


def test_an_array_gives_one_array_per_timeline() -> None:
    code, out = run_cli([public(0), public(6)])
    assert code == 0
    assert [len(t) for t in out] == [5, 2]


def test_check_exits_1_and_says_what_differs(capsys: pytest.CaptureFixture[str]) -> None:
    timeline = public(5)  # T06
    timeline["expect"][2]["crs_grade"] = 4
    code, _ = run_cli(timeline, "--check")
    assert code == 1
    assert "T06: step 2: crs_grade is 2, expected 4" in capsys.readouterr().err
    code, _ = run_cli(public(5), "--check")
    assert code == 0


def test_replay_never_touches_the_ward_database(tmp_path: Path) -> None:
    env = os.environ | {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "bedside.cli", "replay"],
        input=PUBLIC.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert len(json.loads(done.stdout)) == len(timelines(PUBLIC))
    assert not any(tmp_path.rglob("*.db")), "a database was written outside a temporary folder"
