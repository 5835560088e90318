"""The `bedside` command: the scriptable face of the engine and the storage (DESIGN section 2)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from bedside.clinical.engine import assess
from bedside.clinical.snapshot import SnapshotError, parse_snapshot
from bedside.clock import SystemClock
from bedside.store.connection import StorageError, open_database
from bedside.store.location import default_database_path

EXIT_INVALID = 2
DEMO_DATABASE_NAME = "demo-ward.db"

EXAMPLE_TIME_POINT: dict[str, Any] = {
    "age_years": 6,
    "day_post_infusion": 3,
    "temp_c": 38.9,
    "sbp": 78,
    "dbp": 45,
    "hr": 150,
    "rr": 34,
    "spo2": 94,
    "o2_device": "nasal_cannula",
    "o2_flow_l_min": 2,
    "o2_indication": "crs_hypoxia",
    "vasopressors": [],
    "capd_score": 4,
    "consciousness": "awakens_to_voice",
    "seizure": "none",
    "motor_weakness": "none",
    "cerebral_edema": "none",
    "crt_s": 2,
    "resp_effort": "mild",
}


def grade_documents(document: Any) -> Any:
    """Grade one snapshot or an array of them; raises SnapshotError (field prefixed by index)."""
    if isinstance(document, list):
        results = []
        for index, item in enumerate(document):
            try:
                results.append(assess(parse_snapshot(item)).as_contract())
            except SnapshotError as err:
                raise SnapshotError(f"[{index}].{err.field}", err.allowed, err.message) from None
        return results
    return assess(parse_snapshot(document)).as_contract()


def run_grade(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    if args.example:
        json.dump(EXAMPLE_TIME_POINT, stdout, indent=2)
        stdout.write("\n")
        return 0
    text = stdin.read()
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        error = {"field": "(input)", "allowed": "JSON", "message": f"not valid JSON: {err}"}
        json.dump({"error": error}, stdout)
        stdout.write("\n")
        return EXIT_INVALID
    try:
        result = grade_documents(document)
    except SnapshotError as err:
        json.dump({"error": err.as_dict()}, stdout, ensure_ascii=False)
        stdout.write("\n")
        return EXIT_INVALID
    json.dump(result, stdout, indent=2 if args.pretty else None, ensure_ascii=False)
    stdout.write("\n")
    return 0


def run_demo(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from bedside.demo import build_demo

    path = Path(args.db)
    if path.exists():
        stdout.write(f"{path} exists; the demo writes only into a new file (choose another --db)\n")
        return EXIT_INVALID
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = build_demo(str(path), now=SystemClock().now())
    stdout.write(f"demo ward: {summary.patients} patients, {summary.records} records in {path}\n")
    return 0


def run_board(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from bedside.demo import build_demo
    from bedside.ward import Ward
    from bedside.wardtext import render_board

    clock = SystemClock()
    db = Path(args.db)
    if args.demo:
        # The demo ward is rebuilt each time, so that its timeline ends now; it is never a real ward.
        db = default_database_path().with_name(DEMO_DATABASE_NAME)
        db.parent.mkdir(parents=True, exist_ok=True)
        for stale in db.parent.glob(DEMO_DATABASE_NAME + "*"):
            stale.unlink()
        build_demo(str(db), now=clock.now())
    try:
        ward = Ward(open_database(db, create=False, clock=clock), clock=clock)
    except StorageError as err:
        stdout.write(f"cannot open {db}: {err}\n")
        return EXIT_INVALID
    stdout.write(render_board(ward.board(), now=clock.now()))
    return 0


def run_replay(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    """SPEC "The `bedside replay` contract": timelines on stdin, what a nurse sees after each step."""
    from bedside.replay import TimelineError, check_expectations, replay

    try:
        document = json.loads(stdin.read())
    except json.JSONDecodeError as err:
        error = {"field": "(input)", "allowed": "JSON", "message": f"not valid JSON: {err}"}
        stdout.write(json.dumps({"error": error}) + "\n")
        return EXIT_INVALID
    try:
        result = replay(document)
    except TimelineError as err:
        stdout.write(json.dumps({"error": err.as_dict()}, ensure_ascii=False) + "\n")
        return EXIT_INVALID
    stdout.write(json.dumps(result, indent=2 if args.pretty else None, ensure_ascii=False) + "\n")
    if not args.check:
        return 0
    outputs: list[Any] = result if isinstance(document, list) else [result]
    timelines = document if isinstance(document, list) else [document]
    failed = 0
    for timeline, output in zip(timelines, outputs, strict=True):
        for problem in check_expectations(timeline, output):
            failed += 1
            sys.stderr.write(f"{timeline.get('id', '(timeline)')}: {problem}\n")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bedside", description="Bedside: CRS/ICANS grading and charting after CAR-T infusion"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser(
        "grade",
        help="grade time-point snapshots read as JSON on stdin",
        description="Read one snapshot (or an array) as JSON on stdin; print the assessment as JSON.",
    )
    grade.add_argument("--pretty", action="store_true", help="indent the JSON output")
    grade.add_argument("--example", action="store_true", help="print an example snapshot and exit")
    grade.set_defaults(handler=run_grade)

    replay = commands.add_parser(
        "replay",
        help="run a patient's timeline through the ward service on a temporary database",
        description="Read one timeline (or an array) as JSON on stdin; print after every step the "
        "grades, episode maxima, flags, open alerts and due checks a nurse would see.",
    )
    replay.add_argument("--pretty", action="store_true", help="indent the JSON output")
    replay.add_argument(
        "--check",
        action="store_true",
        help="also compare each timeline's `expect` list; print what differs on stderr, exit 1",
    )
    replay.set_defaults(handler=run_replay)

    default_db = str(default_database_path())
    demo = commands.add_parser(
        "demo",
        help="build a demo ward (children and adults after infusion) in a new database file",
        description="Chart a realistic demo ward through the ward service, ending now.",
    )
    demo.add_argument("--db", default=default_db, help=f"the new database file ({default_db})")
    demo.set_defaults(handler=run_demo)

    board = commands.add_parser(
        "board",
        help="print the ward board: each patient's grades, why, open alerts and due checks",
    )
    board.add_argument("--db", default=default_db, help=f"the ward database ({default_db})")
    board.add_argument(
        "--demo", action="store_true", help=f"show a freshly built demo ward ({DEMO_DATABASE_NAME})"
    )
    board.set_defaults(handler=run_board)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.handler(args, sys.stdin, sys.stdout)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
