"""The `bedside` command: the scriptable face of the engine and the storage (DESIGN section 2).

Each command imports what it needs when it runs, so that `bedside grade` never loads the store. Whatever
goes wrong reaches the user as one line (what, where, what to do) and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bedside.store.location import default_data_dir, default_database_path

if TYPE_CHECKING:
    from datetime import datetime, tzinfo

    from bedside.demo import DemoSummary

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


class CommandError(Exception):
    """A refusal worded for the user: one line, exit status 2."""


def demo_database_path() -> Path:
    """The demo's own file in the data folder, beside (never in) the ward database."""
    return default_data_dir() / DEMO_DATABASE_NAME


def grade_documents(document: Any) -> Any:
    """Grade one snapshot or an array of them; raises SnapshotError (field prefixed by index)."""
    from bedside.clinical.engine import assess
    from bedside.clinical.snapshot import SnapshotError, parse_snapshot

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
        _write_whole(stdout, json.dumps(EXAMPLE_TIME_POINT, indent=2))
        return 0
    from bedside.clinical.snapshot import SnapshotError, load_snapshots

    try:
        try:
            text = stdin.read()
        except UnicodeDecodeError as err:
            raise SnapshotError("(input)", "UTF-8 text", f"not UTF-8 text: {err.reason}") from None
        result = grade_documents(load_snapshots(text))
    except SnapshotError as err:
        _write_whole(stdout, json.dumps({"error": err.as_dict()}, ensure_ascii=False))
        return EXIT_INVALID
    _write_whole(stdout, json.dumps(result, indent=2 if args.pretty else None, ensure_ascii=False))
    return 0


def _write_whole(stdout: TextIO, text: str) -> None:
    """Write `text` and a newline in one piece: escaped to ASCII if the output's encoding cannot carry
    it, so that a reader never receives half a JSON document."""
    encoding = getattr(stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = json.dumps(json.loads(text))  # the same document, ASCII only
    stdout.write(text + "\n")
    stdout.flush()


def run_demo(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from bedside.clock import SystemClock

    if args.db is None:
        # The demo's own file, rebuilt each time; the ward database is never touched.
        path = demo_database_path()
        _remove_demo(path)
    else:
        path = Path(args.db)
        if _same_file(path, default_database_path()):
            raise CommandError(
                f"{path} is where the ward database lives; the demo never writes there: "
                "leave out --db (the demo goes into its own file) or choose another file"
            )
        if path.exists():
            raise CommandError(
                f"{path} exists; the demo writes only into a new file: choose another --db"
            )
    summary = _build_demo(path, SystemClock().now())
    stdout.write(f"demo ward: {summary.patients} patients, {summary.records} records in {path}\n")
    return 0


def run_board(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    import sqlite3

    from bedside.clinical.policy import DEFAULT_POLICY
    from bedside.clock import SystemClock
    from bedside.store.connection import open_read_only, storage_error
    from bedside.ward import Ward
    from bedside.wardtext import render_board

    clock = SystemClock()
    if args.demo:
        if args.db is not None:
            raise CommandError("give either --demo or --db, not both")
        # The demo ward is rebuilt each time, so that its timeline ends now; it is never a real ward.
        db_path = prepare_demo(clock.now())
    elif args.db is not None:
        db_path = Path(args.db)
    else:
        db_path = default_database_path()
        if not db_path.exists():
            raise CommandError(
                f"there is no ward database yet at {db_path} (the ward's charting creates it): "
                "give its path with --db, or see a demo ward with `bedside board --demo`"
            )
    db = open_read_only(db_path)
    try:
        ward = Ward(db, clock=clock, policy=DEFAULT_POLICY)
        text = render_board(ward.board(), now=clock.now(), zone=ward.policy.zone, database=db_path)
    except (sqlite3.Error, OSError) as err:  # the file went bad while read: name it
        raise storage_error(err, db_path) from err
    finally:
        db.conn.close()
    stdout.write(text)
    return 0


EXIT_DAMAGED = 1


def run_verify(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from bedside.verify import verify_path

    db_path = Path(args.db) if args.db is not None else default_database_path()
    anchors, against = [], ""
    if args.hub is not None:
        anchor = _hub_anchor(args.hub, db_path)
        if anchor is None:
            against = f" (the hub {args.hub} holds no anchor of this machine yet)"
        else:
            anchors.append(anchor)
            against = f" (and against the hub's anchor at seq {anchor.seq})"
    verdict = verify_path(db_path, anchors=anchors, full_structure=not args.quick)
    line = f"bedside verify: the database {db_path}{against}: {verdict.summary()}"
    if not verdict.ok:
        line += (
            ": do not chart into it; restore the latest verified backup and tell the ward's IT "
            "support"
        )
    stdout.write(line + "\n")
    if args.list:
        for finding in verdict.findings:
            where = f"{finding.where()}: " if finding.where() else ""
            stdout.write(f"  {where}{finding.what}\n")
    return 0 if verdict.ok else EXIT_DAMAGED


def _hub_anchor(url: str, db_path: Path) -> Any:
    """The head of this machine's chain the hub at `url` anchored (None: not anchored yet)."""
    import sqlite3
    from urllib.parse import quote

    from bedside.store.connection import storage_error
    from bedside.sync.hub import HubError, open_hub

    if not db_path.exists():
        raise CommandError(f"there is no ward database at {db_path}: give its path with --db")
    try:
        uri = "file:" + quote(str(db_path.resolve())) + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True)
        try:
            row = conn.execute("SELECT device_id FROM device").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as err:
        raise storage_error(err, db_path) from err
    if row is None:
        raise CommandError(f"the database {db_path} has no device identity: it is not a ward file")
    device_id = str(row[0])
    try:
        hub = open_hub(url)
        try:
            return hub.anchor(device_id)
        finally:
            hub.close()
    except HubError as err:
        raise CommandError(err.sentence()) from None


def run_backup(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from bedside.backup import BackupError, backup_folder, list_backups, make_backup
    from bedside.clinical.policy import DEFAULT_POLICY
    from bedside.clock import SystemClock

    db_path = Path(args.db) if args.db is not None else default_database_path()
    folder = Path(args.to) if args.to is not None else backup_folder(db_path)
    try:
        if args.list:
            backups = list_backups(folder, db_path)
            stdout.write(
                f"bedside backup: {len(backups)} backup{'s' if len(backups) != 1 else ''} of "
                f"{db_path} in {folder}, newest first\n"
            )
            for backup in backups:
                size = backup.path.stat().st_size
                stdout.write(
                    f"  {backup.taken_at:%Y-%m-%d %H:%M:%S} UTC  {size:>12,} B  {backup.path}\n"
                )
            return 0
        keep = args.keep if args.keep is not None else DEFAULT_POLICY.backup_keep
        result = make_backup(db_path, folder, keep=keep, now=SystemClock().now())
    except BackupError as err:
        raise CommandError(err.sentence()) from err
    removed = len(result.removed)
    stdout.write(
        f"bedside backup: {result.backup.path}: verified, {result.verdict.records:,} records"
        + (f"; {removed} older backup{'s' if removed != 1 else ''} removed" if removed else "")
        + "\n"
    )
    return 0


def run_restore(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from bedside.backup import BackupError, restore
    from bedside.clock import SystemClock

    db_path = Path(args.db)
    try:
        result = restore(db_path, Path(args.source), now=SystemClock().now())
    except BackupError as err:
        raise CommandError(err.sentence()) from err
    newest = result.newest_entered_at or "none"
    aside = f"; the file it replaced is kept as {result.kept_aside}" if result.kept_aside else ""
    stdout.write(
        f"bedside restore: {db_path} restored from {result.backup}: {result.records:,} records, "
        f"the newest entered at {newest}{aside}\n"
    )
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


class _Pins:
    """The PINs a command asks for: typed at the terminal (not echoed), or with --pin-stdin one a line
    on stdin in the order the command asks for them (for scripts)."""

    def __init__(self, from_stdin: bool, stdin: TextIO) -> None:
        self._lines = stdin if from_stdin else None

    def ask(self, prompt: str, *, confirm: bool = False) -> str:
        if self._lines is not None:
            line = self._lines.readline()
            if not line:
                raise CommandError(f"--pin-stdin: stdin ended before the {prompt}; give one a line")
            return line.rstrip("\r\n")
        import getpass

        try:
            pin = getpass.getpass(f"{prompt}: ")
            if confirm and getpass.getpass(f"{prompt} again: ") != pin:
                raise CommandError(f"the two entries of the {prompt} differ: nothing was changed")
        except (EOFError, KeyboardInterrupt):
            raise CommandError(f"no {prompt} was given: nothing was changed") from None
        return pin


def _sign_in(ward: Any, user_id: str | None, pins: _Pins, what: str, flag: str = "--admin") -> Any:
    """The signed-in Author of `user_id` on a ward with users (the PIN asked for once)."""
    from bedside.access import AccessRefused

    if user_id is None:
        raise CommandError(
            f"this ward has users: {what} needs {flag} USER_ID (an admin's id; the PIN is asked for)"
        )
    try:
        return ward.authenticate(user_id, pins.ask(f"PIN of {user_id}"))
    except AccessRefused as err:
        raise CommandError(err.sentence) from err


def _refusal(result: Any, what: str) -> CommandError:
    from bedside.ward import Failed

    if isinstance(result, Failed):
        return CommandError(result.message)
    return CommandError(f"{what}: " + "; ".join(e.message for e in result.errors))


def run_users(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    """`bedside users add|disable|reset-pin|list`: the ward's users (issue 10)."""
    from bedside.clock import SystemClock
    from bedside.store.connection import open_read_only
    from bedside.verify import open_ward
    from bedside.ward import Recorded, Ward

    db_path = Path(args.db) if args.db is not None else default_database_path()
    clock = SystemClock()
    if args.action == "list":
        if not db_path.exists():
            raise CommandError(f"{db_path} does not exist: give the ward database with --db")
        db = open_read_only(db_path)
        try:
            users = Ward(db, clock=clock).users()
        finally:
            db.conn.close()
        stdout.write(
            f"bedside users: {len(users)} user{'s' if len(users) != 1 else ''} of {db_path}\n"
        )
        for u in users:
            state = "disabled" if not u.enabled else "LOCKED OUT" if u.locked_out else "enabled"
            stdout.write(
                f"  {u.user_id:<24} {u.role.value:<10} {state:<10} {u.display_name} "
                f"(created {u.created_at:%Y-%m-%d %H:%M} UTC by {u.created_by})\n"
            )
        return 0
    if args.user_id is None:
        raise CommandError(
            f"users {args.action} needs the user id: bedside users {args.action} USER_ID"
        )
    pins = _Pins(args.pin_stdin, stdin)
    if not db_path.exists():
        if args.action != "add":
            raise CommandError(f"{db_path} does not exist: give the ward database with --db")
        if args.role != "admin":
            raise CommandError(
                f"{db_path} has no users yet: the first user is its admin (--role admin)"
            )
    db_path.parent.mkdir(parents=True, exist_ok=True)  # the first admin may come before the app
    ward, db = open_ward(db_path, clock=clock)
    try:
        first = not ward.has_users()
        if args.action == "add":
            if first and args.role != "admin":
                raise CommandError(
                    f"{db_path} has no users yet: the first user is its admin (--role admin)"
                )
            admin = None if first else _sign_in(ward, args.admin, pins, "adding a user")
            if args.role is None:
                raise CommandError("users add needs --role nurse|physician|admin|read_only")
            pin = pins.ask(f"new PIN of {args.user_id}", confirm=True)
            result = ward.create_user(
                admin,
                user_id=args.user_id,
                role=args.role,
                display_name=args.name or args.user_id,
                pin=pin,
            )
            done = "created"
        elif first:
            raise CommandError(
                f"{db_path} has no users yet: create its first admin with "
                "`bedside users add ID --role admin`"
            )
        elif args.action == "disable":
            admin = _sign_in(ward, args.admin, pins, "disabling a user")
            result = ward.disable_user(admin, args.user_id)
            done = "disabled"
        else:
            admin = _sign_in(ward, args.admin, pins, "resetting a PIN")
            pin = pins.ask(f"new PIN of {args.user_id}", confirm=True)
            result = ward.reset_pin(admin, args.user_id, pin)
            done = "given a new PIN (any lockout is lifted)"
        if not isinstance(result, Recorded):
            raise _refusal(result, f"nothing was changed in {db_path}")
    finally:
        db.close()
    record = result.record.record
    user_id = getattr(record, "user_id", args.user_id)
    stdout.write(f"bedside users {args.action}: {user_id} {done} in {db_path}\n")
    return 0


def run_export_fhir(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from bedside.clinical.policy import DEFAULT_POLICY
    from bedside.clock import SystemClock
    from bedside.export import ExportRefused, export_fhir, os_author
    from bedside.fhir import BundleType
    from bedside.staff import Author, Role

    since = _parse_since(args.since, DEFAULT_POLICY.zone) if args.since is not None else None
    # On a ward without users (issue 10), the export is attributed to the operating-system account
    # that ran it; that account holds the database file, as the ward's IT admin does. On a ward with
    # users, a physician or admin signs in with their PIN.
    author = Author(os_author(), Role.ADMIN)
    pins = _Pins(args.pin_stdin, stdin)

    def sign_in(ward: Any) -> Any:
        from bedside.access import AccessRefused

        if args.user is None:
            raise ExportRefused(
                f"{args.db} has users: the export needs --user USER_ID (a physician or admin; the "
                "PIN is asked for): nothing was exported"
            )
        try:
            return ward.authenticate(args.user, pins.ask(f"PIN of {args.user}"))
        except AccessRefused as err:
            raise ExportRefused(f"{err.sentence} Nothing was exported.") from err

    try:
        summary = export_fhir(
            Path(args.db),
            Path(args.out),
            author=author,
            clock=SystemClock(),
            bundle_type=BundleType(args.type),
            patient_id=args.patient,
            since=since,
            policy=DEFAULT_POLICY,
            sign_in=sign_in,
        )
    except (ExportRefused, CommandError) as err:
        raise CommandError(str(err)) from err
    stdout.write(
        f"exported {summary.resources} FHIR R4 resources of {summary.patients} patients "
        f"({args.type} Bundle) to {summary.path}; sha256 {summary.sha256}; audited as "
        f"{summary.author}\n"
    )
    return 0


def _parse_since(text: str, zone: tzinfo | None) -> datetime:
    """An ISO 8601 time (one without a zone is the site's time) or a date (its midnight there)."""
    from datetime import UTC, date, datetime, time

    try:
        if len(text) == 10:
            when = datetime.combine(date.fromisoformat(text), time(0))
        else:
            when = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--since {text!r} is not a time: give an ISO 8601 time such as 2026-12-01T08:00Z "
            "or a date such as 2026-12-01"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone) if zone is not None else when.astimezone()
    return when.astimezone(UTC)


def run_policy(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    """`bedside policy show|set`: the site policy in force, and an admin's change of it (issues 9, 10)."""
    path = Path(args.db) if args.db is not None else default_database_path()
    if not path.exists():
        raise CommandError(
            f"there is no ward database at {path}: give its path with --db "
            "(the policy is kept in the ward database)"
        )
    if args.action == "show":
        if args.settings:
            raise CommandError("show takes no NAME=VALUE: use `bedside policy set NAME=VALUE ...`")
        return _show_policy(path, stdout)
    if not args.settings:
        raise CommandError("set needs at least one NAME=VALUE, e.g. pews_escalation_threshold=7")
    return _set_policy(args, path, stdout, _Pins(args.pin_stdin, stdin))


def _show_policy(path: Path, stdout: TextIO) -> int:
    import dataclasses
    import sqlite3

    from bedside.clinical.policy import RULE_VERSION
    from bedside.clock import SystemClock
    from bedside.store.connection import open_read_only, storage_error
    from bedside.ward import Ward

    clock = SystemClock()
    db = open_read_only(path)
    try:
        in_force = Ward(db, clock=clock).policy_in_force()
    except (sqlite3.Error, OSError) as err:  # the file went bad while read: name it
        raise storage_error(err, path) from err
    finally:
        db.conn.close()
    policy, defaults = in_force.policy, in_force.defaults
    lines = [
        f"bedside policy: the site policy in force in {path}: digest {policy.fingerprint} "
        f"(rule version {RULE_VERSION}); {len(in_force.applied)} change"
        f"{'s' if len(in_force.applied) != 1 else ''} recorded"
    ]
    names = [f.name for f in dataclasses.fields(policy)]
    width = max(len(n) for n in names)
    for name in names:
        value, default = getattr(policy, name), getattr(defaults, name)
        stored = in_force.changed_by.get(name)
        line = f"  {name:<{width}}  {_setting_text(value):>10}  default {_setting_text(default)}"
        if stored is not None:
            line += f"; {_change_text(stored)}"
        lines.append(line)
    for refused in in_force.refused:
        lines.append(f"  NOT APPLIED: {_change_text(refused.stored)}: {refused.problem}")
    stdout.write("\n".join(lines) + "\n")
    return 0


def _setting_text(value: object) -> str:
    return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _change_text(stored: Any) -> str:
    when = f"{stored.observed_at:%Y-%m-%d %H:%M} UTC"
    text = f"set by {stored.author} at {when}: {stored.record.reason}"
    if stored.supersedes is not None:
        text += f" (corrects {stored.supersedes}: {stored.reason})"
    return text + f" [record {stored.id}]"


def _set_policy(args: argparse.Namespace, path: Path, stdout: TextIO, pins: _Pins) -> int:
    from bedside.clock import SystemClock
    from bedside.staff import Author, Role
    from bedside.verify import open_ward
    from bedside.ward import Failed, Invalid

    settings = _parse_settings(args.settings)
    if args.reason is None or not args.reason.strip():
        raise CommandError("a change of the site policy says why: give --reason TEXT")
    if args.user is None:
        raise CommandError("a change of the site policy is signed: give --user ID (an admin's id)")
    # On a ward without users (issue 10), whoever runs this on the ward machine holds the database
    # file, as the ward's IT admin does (as `bedside export` does); --user names them. On a ward with
    # users, --user signs in with their PIN.
    author = Author(args.user, Role.ADMIN)
    ward, db = open_ward(path, clock=SystemClock())
    try:
        if ward.has_users():
            author = _sign_in(ward, args.user, pins, "changing the site policy", "--user")
        before = ward.policy
        result = ward.set_policy(settings, reason=args.reason, author=author)
        after = ward.policy
    finally:
        db.close()
    if isinstance(result, Invalid):
        problems = "; ".join(e.message for e in result.errors)
        raise CommandError(f"{problems}; nothing was changed")
    if isinstance(result, Failed):
        raise CommandError(result.message)
    changes = ", ".join(
        f"{name} {_setting_text(getattr(before, name))} -> {_setting_text(getattr(after, name))}"
        for name in settings
    )
    stdout.write(
        f"bedside policy: {changes}; set by {author.user_id} (record {result.record.id}); "
        f"the policy in force is now digest {after.fingerprint}\n"
    )
    return 0


def _parse_settings(items: Sequence[str]) -> dict[str, object]:
    """NAME=VALUE arguments as settings, each value read by the type its setting declares (a value
    that does not read is passed on as text, for the check to name with what is allowed)."""
    import dataclasses
    import math

    from bedside.clinical.policy import SitePolicy

    declared = {f.name: str(f.type) for f in dataclasses.fields(SitePolicy)}
    settings: dict[str, object] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name, text = name.strip(), text.strip()
        if not sep or not name:
            raise CommandError(
                f"{item!r} is not NAME=VALUE: give each setting as e.g. pews_escalation_threshold=7"
            )
        if name in settings:
            raise CommandError(f"{name} is given twice: give each setting once")
        kind = declared.get(name, "")
        value: object = text
        if "None" in kind and text.lower() in ("none", "null", ""):
            value = None
        elif "int" in kind:
            with suppress(ValueError):
                value = int(text)
        elif "float" in kind:
            with suppress(ValueError):
                number = float(text)
                value = number if math.isfinite(number) else text
        settings[name] = value
    return settings


def prepare_demo(now: datetime) -> Path:
    """The demo ward rebuilt in its own file so that its timeline ends `now` (never the ward's file)."""
    path = demo_database_path()
    _remove_demo(path)
    _build_demo(path, now)
    return path


def run_sync(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from datetime import timedelta

    from bedside.clock import SystemClock
    from bedside.store.connection import open_database
    from bedside.sync.exchange import SyncRefused, SyncSettings, sync_once
    from bedside.sync.hub import HubError, open_hub
    from bedside.ward import Ward

    path = Path(args.db) if args.db else default_database_path()
    if not path.exists():
        raise CommandError(
            f"there is no ward database at {path}: give its path with --db (sync never creates one)"
        )
    clock = SystemClock()
    settings = SyncSettings(clock_suspect_after=timedelta(minutes=args.clock_suspect_minutes))
    db = open_database(path, create=False, clock=clock)
    try:
        try:
            hub = open_hub(args.hub, clock=clock)
        except HubError as err:
            raise CommandError(err.sentence()) from None
        try:
            report = sync_once(Ward(db, clock=clock), db, hub, clock, settings)
        except (HubError, SyncRefused) as err:
            raise CommandError(err.sentence()) from None
        finally:
            hub.close()
    finally:
        db.conn.close()
    lines = [
        f"pushed {report.pushed} records ({report.already_there} the hub already held)",
        f"received {report.pulled} records ({report.received_twice} already here)",
        f"re-derived {len(report.rederived)} patients",
        f"waiting to be pushed: {report.waiting}",
    ]
    if report.flagged:
        lines.append(f"flagged for review: {report.flagged} received records (clock suspect, ...)")
    for clash in report.clashes:
        lines.append(f"QUARANTINED at the hub: {clash.record_id}: {clash.reason}")
    for q in report.quarantined:
        lines.append(f"QUARANTINED here: {q.record_id}: {q.reason}")
    stdout.write("\n".join(lines) + "\n")
    return 1 if report.clashes or report.quarantined else 0


def run_hub(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from bedside.sync.hub import HubError, open_hub

    try:
        hub = open_hub(args.url, create=args.action == "init")
    except HubError as err:
        raise CommandError(err.sentence()) from None
    try:
        if args.action == "init":
            stdout.write(f"hub {hub.url} is ready (hub id {hub.hub_id()})\n")
            return 0
        status = hub.status()
    except HubError as err:
        raise CommandError(err.sentence()) from None
    finally:
        hub.close()
    out = [
        f"hub {args.url} (id {status.hub_id}): {status.records} records, last hub_seq "
        f"{status.last_hub_seq}, {len(status.machines)} machines, {len(status.conflicts)} conflicts, "
        f"{len(status.chain_conflicts)} chain conflicts"
    ]
    for m in status.machines:
        offset = f"{m.clock_offset_s:+.0f} s" if m.clock_offset_s is not None else "unknown"
        anchored = (
            f"chain anchored at seq {m.anchor.seq} ({m.anchor.hash[:12]}…)"
            if m.anchor is not None
            else "chain not anchored yet"
        )
        out.append(
            f"  machine {m.device_id}: {m.records} records pushed (cursor seq {m.pushed_seq}), "
            f"received up to hub_seq {m.pulled_hub_seq}; last push "
            f"{m.last_push_at.isoformat() if m.last_push_at else 'never'}, last pull "
            f"{m.last_pull_at.isoformat() if m.last_pull_at else 'never'}; clock offset {offset}; "
            f"{anchored}"
        )
    if status.chain_conflicts:
        out.append(
            f"  {len(status.chain_conflicts)} CHAIN CONFLICTS (a machine's log changed after the "
            "hub anchored it; that machine's sync is refused until IT support has looked):"
        )
    for cc in status.chain_conflicts:
        out.append(
            f"  CHAIN CONFLICT {cc.device_id} at {cc.found_at.isoformat()}: {cc.reason} "
            f"(anchored seq {cc.anchored_seq} {cc.anchored_hash[:12]}…)"
        )
    for c in status.conflicts:
        out.append(f"  CONFLICT {c.record_id} from {c.device_id}: {c.reason}")
        out.append(f"    pushed: {json.dumps(c.pushed, sort_keys=True)}")
        if c.held is not None:
            out.append(f"    held:   {json.dumps(c.held, sort_keys=True)}")
    stdout.write("\n".join(out) + "\n")
    return 0


def _build_demo(path: Path, now: datetime) -> DemoSummary:
    from bedside.demo import build_demo
    from bedside.store.connection import storage_error

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return build_demo(str(path), now=now)
    except BaseException as err:
        _remove_partial(path)  # a half-built demo is no demo: nothing is left behind
        if isinstance(err, OSError):
            raise storage_error(err, path) from err
        raise


def _remove_partial(path: Path) -> None:
    for leftover in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm"))):
        # If the location refuses even that, the error already reported says why.
        with suppress(OSError):
            leftover.unlink(missing_ok=True)


def _remove_demo(path: Path) -> None:
    """Remove an earlier demo file (and its WAL and copies); only ever the demo's own file."""
    from bedside.store.connection import storage_error

    if not path.parent.is_dir():
        return
    try:
        for stale in path.parent.glob(DEMO_DATABASE_NAME + "*"):
            stale.unlink()
    except OSError as err:
        raise storage_error(err, path) from err


def _same_file(a: Path, b: Path) -> bool:
    return os.path.abspath(a) == os.path.abspath(b) or (a.exists() and b.exists() and a.samefile(b))


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

    ward_db = str(default_database_path())
    demo_db = str(demo_database_path())
    demo = commands.add_parser(
        "demo",
        help="build a demo ward (children and adults after infusion) in its own database file",
        description="Chart a realistic demo ward through the ward service, ending now. Without --db "
        f"it goes into {demo_db} (rebuilt each time); it never writes into the ward database.",
    )
    demo.add_argument("--db", default=None, help=f"a new database file (default: {demo_db})")
    demo.set_defaults(handler=run_demo)

    board = commands.add_parser(
        "board",
        help="print the ward board: each patient's grades, why, open alerts and due checks",
        description="Print the ward board, most urgent patient first. The database is only read.",
    )
    board.add_argument("--db", default=None, help=f"the ward database (default: {ward_db})")
    board.add_argument(
        "--demo", action="store_true", help=f"show a freshly built demo ward ({demo_db})"
    )
    board.set_defaults(handler=run_board)

    verify = commands.add_parser(
        "verify",
        help="check that the ward database is as Bedside wrote it (chain, projections, triggers)",
        description="Check the file's structure, every device's hash chain, the projection tables "
        "the board reads (recomputed from the records) and the append-only triggers. Prints one "
        "line; exit 0 when all is as written, 1 on a problem, 2 when the file cannot be read.",
    )
    verify.add_argument("--db", default=None, help=f"the ward database (default: {ward_db})")
    verify.add_argument(
        "--quick",
        action="store_true",
        help="quick_check instead of integrity_check (does not compare indexes with their tables)",
    )
    verify.add_argument("--list", action="store_true", help="also list every problem, one a line")
    verify.add_argument(
        "--hub",
        default=None,
        help="also check this machine's chain against the head the hub anchored at the last sync "
        "(sqlite:///path/hub.db or postgresql://...): a rewritten or truncated log disagrees",
    )
    verify.set_defaults(handler=run_verify)
    backup = commands.add_parser(
        "backup",
        help="back up the ward database (verified before it replaces the oldest backup)",
        description="Copy the ward database with SQLite's online backup API (other programs may "
        "keep writing), verify the copy as `bedside verify` does, and only then keep it, removing "
        "the oldest beyond the number kept. A copy that fails verification is deleted and "
        "reported; the earlier backups stay.",
    )
    backup.add_argument("--db", default=None, help=f"the ward database (default: {ward_db})")
    backup.add_argument(
        "--to", default=None, help="the backup folder (default: backups/ beside the database)"
    )
    backup.add_argument(
        "--keep", type=int, default=None, help="how many backups to keep (default: site policy)"
    )
    backup.add_argument("--list", action="store_true", help="list the backups, newest first")
    backup.set_defaults(handler=run_backup)
    restore = commands.add_parser(
        "restore",
        help="replace the ward database with a verified backup (the replaced file is kept)",
        description="Verify the backup, then put a copy of it in place of the database, keeping "
        "the replaced file beside it as <name>.replaced-<time>. Refused while another program has "
        "the database open.",
    )
    restore.add_argument("--db", required=True, help="the ward database to replace")
    restore.add_argument(
        "--from", dest="source", required=True, help="the backup file (`bedside backup --list`)"
    )
    restore.set_defaults(handler=run_restore)
    export = commands.add_parser(
        "export",
        help="export the ward's charts for the hospital record (FHIR R4)",
        description="Export charts from a ward database; the database is verified first and every "
        "export is audited in the exported patients' logs.",
    )
    formats = export.add_subparsers(dest="format", required=True)
    fhir = formats.add_parser(
        "fhir",
        help="an R4 Bundle: Patient, vital signs, ICE/CAPD, CRS/ICANS grades, NEWS2, PEWS",
        description="Write one FHIR R4 Bundle: a transaction of conditional updates on stable "
        "identifiers (posting a re-export updates, never duplicates), or a plain collection.",
    )
    fhir.add_argument("--db", required=True, help="the ward database")
    fhir.add_argument("--out", required=True, help="the JSON file to write (replaced if it exists)")
    fhir.add_argument("--patient", default=None, help="only this patient (by patient id)")
    fhir.add_argument(
        "--since",
        default=None,
        help="only what was observed or entered (charted, corrected) at or after TIME: ISO 8601, "
        "e.g. 2026-12-01T08:00Z; without a zone, the site's time; a date is its midnight",
    )
    fhir.add_argument(
        "--type",
        choices=("transaction", "collection"),
        default="transaction",
        help="transaction (default: to post to a FHIR server) or collection (a plain file)",
    )
    fhir.add_argument(
        "--user", default=None, help="on a ward with users: who exports (the PIN is asked for)"
    )
    fhir.add_argument(
        "--pin-stdin", action="store_true", help="read the PIN from stdin instead of the terminal"
    )
    fhir.set_defaults(handler=run_export_fhir)
    users = commands.add_parser(
        "users",
        help="the ward's users: add, disable, reset-pin, list",
        description="Manage who may sign in. The first user of a ward is its admin (`users add ID "
        "--role admin`, no --admin needed); after that, every change needs an admin's id (--admin) "
        "and PIN. PINs are asked for at the terminal without echo, or read one a line from stdin "
        "with --pin-stdin (first the admin's, then the new one). Stored only as argon2id hashes.",
    )
    users.add_argument("action", choices=["add", "disable", "reset-pin", "list"])
    users.add_argument("user_id", nargs="?", default=None, help="the user (not for list)")
    users.add_argument("--db", default=None, help=f"the ward database (default: {ward_db})")
    users.add_argument(
        "--role", choices=["nurse", "physician", "admin", "read_only"], help="add: the user's role"
    )
    users.add_argument("--name", default=None, help="add: the name shown (default: the user id)")
    users.add_argument("--admin", default=None, help="the admin making the change (their user id)")
    users.add_argument(
        "--pin-stdin",
        action="store_true",
        help="read PINs from stdin, one a line (the admin's first, then the new PIN)",
    )
    users.set_defaults(handler=run_users)
    sync = commands.add_parser(
        "sync",
        help="one sync run with a hub: push this machine's records, pull the ward's, re-derive",
        description="Push the records the hub lacks, pull what other machines pushed, re-derive the "
        "grades and alerts they touch. Exit 0 when all went through, 1 when a record was "
        "quarantined, 2 when the hub cannot be used.",
    )
    sync.add_argument("--hub", required=True, help="sqlite:///path/hub.db or postgresql://...")
    sync.add_argument("--db", default=None, help=f"the ward database (default: {ward_db})")
    sync.add_argument(
        "--clock-suspect-minutes",
        type=float,
        default=10.0,
        help="flag received records from a machine whose clock is further off (default 10)",
    )
    sync.set_defaults(handler=run_sync)

    policy = commands.add_parser(
        "policy",
        help="the site policy in force (show) and an admin's audited change of it (set)",
        description="The site policy is the defaults overlaid by the policy_set records of the "
        "ward's log, which sync to every machine: `show` lists every setting, its value, its "
        "default and who changed it, when and why; `set` records an admin's change (with a reason) "
        "after checking each value against what the setting allows. Nothing already graded is "
        "graded again; the next grade uses the new policy.",
    )
    policy.add_argument("action", choices=["show", "set"], help="show the policy, or set settings")
    policy.add_argument(
        "settings", nargs="*", metavar="NAME=VALUE", help="with set: the settings to change"
    )
    policy.add_argument("--db", default=None, help=f"the ward database (default: {ward_db})")
    policy.add_argument("--reason", default=None, help="with set: why (recorded with the change)")
    policy.add_argument("--user", default=None, help="with set: the admin's user id")
    policy.add_argument(
        "--pin-stdin",
        action="store_true",
        help="with set, on a ward with users: read the admin's PIN from stdin, not the terminal",
    )
    policy.set_defaults(handler=run_policy)

    hub = commands.add_parser("hub", help="create or inspect a hub", description="Hub admin.")
    hub.add_argument("action", choices=["init", "status"], help="init: create or migrate; status")
    hub.add_argument("url", help="sqlite:///path/hub.db or postgresql://...")
    hub.set_defaults(handler=run_hub)
    return parser


# BEDSIDE_DEBUG=1 shows the log (with the traceback of a bug) on stderr; otherwise the user reads only
# the one line of `_refuse`.
DEBUG_VARIABLE = "BEDSIDE_DEBUG"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with _log_shown(bool(os.environ.get(DEBUG_VARIABLE))):
        return _run(args)


@contextmanager
def _log_shown(debug: bool) -> Iterator[None]:
    """The log goes to stderr only with BEDSIDE_DEBUG; otherwise nothing but `_refuse`'s line (without
    a handler, Python would print warnings and tracebacks there by itself)."""
    logger = logging.getLogger("bedside")
    handler: logging.Handler = logging.StreamHandler() if debug else logging.NullHandler()
    saved = logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate = False
    if debug:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = saved[0], saved[1]


def _run(args: argparse.Namespace) -> int:
    # `bedside export fhir: ...`: a command with a sub-command is named by both.
    command = " ".join(filter(None, (args.command, getattr(args, "format", None))))
    try:
        code: int = args.handler(args, sys.stdin, sys.stdout)
    except CommandError as err:
        return _refuse(command, str(err))
    except BrokenPipeError:
        # The reader went away (`bedside grade | head -c 10`): nothing more to say to it.
        _silence_stdout()
        return EXIT_INVALID
    except OSError as err:
        if args.command == "grade":  # no database here: the input or the output failed
            return _refuse(command, f"cannot read stdin or write stdout ({err.strerror or err})")
        return _refuse(command, _sentence(err, getattr(args, "db", None)))
    except Exception as err:
        return _refuse(command, _sentence(err, getattr(args, "db", None)))
    return code


def _silence_stdout() -> None:
    # Python would report the broken pipe again when it flushes stdout at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def _sentence(err: Exception, db: str | None) -> str:
    """The environment's error (or a bug) as one sentence naming the file and what to do."""
    from bedside.store.connection import StorageError, StorageProblem, storage_error

    error: StorageError = storage_error(err, db)
    if error.problem is StorageProblem.BUG and not isinstance(err, StorageError):
        logging.getLogger(__name__).exception("unexpected error")
        return (
            f"Bedside met an unexpected error ({type(err).__name__}: {err}); this is a bug: "
            f"report it with this line ({DEBUG_VARIABLE}=1 shows the details)"
        )
    return error.sentence()


def _refuse(command: str, sentence: str) -> int:
    line = " ".join(sentence.split())  # one line, whatever the driver's message held
    sys.stderr.write(f"bedside {command}: {line}\n")
    return EXIT_INVALID


if __name__ == "__main__":
    raise SystemExit(main())
