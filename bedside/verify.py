"""Is this ward file what Bedside wrote? The verdict of `bedside verify`, and the check before charting.

A verification reads, in order: SQLite's structure check (`integrity_check`, which also compares every
index with its table; `quick_check` on request), the schema version, the append-only triggers by their
SQL, every device's hash chain (and the hub's anchors, when given), the projection tables recomputed from the records, and the unresolved-alerts list against the
alerts' own events (folded, never graded again). A damaged file is never charted into: `open_ward` refuses
it with `StorageProblem.DAMAGED` before the first write, naming what is wrong.

Cost: about 12 µs of CPU per record on the 2-core machine of README "Performance" (JSON parsing, the
hash, the projection row), with SQLite's structure check on a second connection beside it. The app runs the verification from a worker, never the GUI thread: `open_ward` before the
first save where the ward is small; for a ward of a year (3 M records, under a minute) the app may open
with `Ward(open_database(...))`, run `verify_path` in a worker with its own connection, and on a bad verdict
call `Ward.stop_charting(verdict.failed())` so that every later save is refused as damaged.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

from bedside import alerts as alerting
from bedside.alert_vocabulary import AlertStatus
from bedside.clinical.policy import DEFAULT_POLICY, SitePolicy
from bedside.clock import Clock, SystemClock
from bedside.store import guard
from bedside.store.connection import (
    StorageError,
    StorageProblem,
    open_database,
    open_read_only,
    storage_error,
)
from bedside.store.history import SqlHistory
from bedside.store.log import Log
from bedside.store.schema import CLINICAL_TABLES
from bedside.store.verify import (
    Anchor,
    Finding,
    hours_findings,
    structure_findings,
    structure_report,
    structure_rows,
    verify_log,
)
from bedside.ward import Failed, Ward

__all__ = ["Anchor", "DamagedDatabase", "Finding", "Verdict", "open_ward", "verify", "verify_path"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a verification found: `records` checked, and every finding in file order (empty: as written)."""

    records: int
    findings: tuple[Finding, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.findings

    def summary(self) -> str:
        """One line: the count and, on a problem, the first bad record and what is wrong with it."""
        checked = f"{self.records:,} record{'s' if self.records != 1 else ''} checked"
        if self.ok:
            return f"ok: {checked}; every chain, projection and trigger is as Bedside wrote it"
        first = self.findings[0]
        where = f"{first.where()}: " if first.where() else ""
        more = len(self.findings) - 1
        rest = f" ({more} more problem{'s' if more != 1 else ''})" if more else ""
        return f"DAMAGED: {checked}; first problem: {where}{first.what}{rest}"

    def failed(self) -> Failed:
        """The refusal every save gets once this verdict is known (for `Ward.stop_charting`)."""
        error = DamagedDatabase(self)
        return Failed(StorageProblem.DAMAGED, error.sentence())


class DamagedDatabase(StorageError):
    """Verification found the file is not what Bedside wrote: it is not charted into."""

    default_problem = StorageProblem.DAMAGED

    def __init__(self, verdict: Verdict, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(verdict.summary().removeprefix("DAMAGED: "), path=path)
        self.verdict = verdict


def verify(
    db: Database, *, anchors: Iterable[Anchor] = (), full_structure: bool = False
) -> Verdict:
    """Verify an open ward database (any connection; nothing is written).

    SQLite's structure check comes first in the verdict: a file it finds damaged is that finding
    alone. It runs on a read-only connection of its own beside the walk of the records (SQLite's C
    code, which leaves Python free for the walk), and on `db` after the walk where no second
    connection can read the file (a database in memory, an immutable one)."""
    structure = _StructureCheck(db, full=full_structure)
    try:
        # The records first (what is wrong), the triggers after (how it could happen).
        triggers = [Finding(what) for what in guard.problems(db, CLINICAL_TABLES)]
    except Exception:
        damage = structure.findings()
        if damage:
            return Verdict(0, tuple(damage))
        raise
    try:
        chain, projections = verify_log(db, anchors)
        alerts = _unresolved_alert_findings(db)
        # a damaged row the chain or the projections check named is not named again by the roll-up's
        reported = {f.record_id for f in (*chain.findings, *projections) if f.record_id}
        rollup = hours_findings(db, reported)
    except Exception as err:
        damage = structure.findings()
        if damage:  # what the walk of a damaged file met does not matter
            return Verdict(0, tuple(damage))
        if isinstance(err, sqlite3.DatabaseError):
            return Verdict(0, (Finding(f"SQLite cannot read the file ({err})"), *triggers))
        raise
    damage = structure.findings()
    if damage:
        return Verdict(0, tuple(damage))
    return Verdict(chain.records, (*chain.findings, *projections, *alerts, *rollup, *triggers))


class _StructureCheck:
    """`structure_findings(db, full=full)`, run in a thread on a read-only connection of its own
    where one can read the file; on `db` itself (when asked) where none can."""

    def __init__(self, db: Database, *, full: bool) -> None:
        self._db, self._full = db, full
        self._rows: list[str] | None = None
        self._thread: threading.Thread | None = None
        try:
            main = [row[2] for row in db.conn.execute("PRAGMA database_list") if row[1] == "main"]
        except sqlite3.Error:
            main = []
        if main and main[0]:
            self._thread = threading.Thread(
                target=self._run, args=(main[0],), name="verify-structure", daemon=True
            )
            self._thread.start()

    def _run(self, path: str) -> None:
        try:
            conn = sqlite3.connect(
                "file:" + quote(path) + "?mode=ro", uri=True, isolation_level=None
            )
        except sqlite3.Error:
            return  # checked on the caller's connection
        try:
            self._rows = structure_rows(conn, full=self._full)
        except sqlite3.Error:
            pass  # the second connection could not read it: the caller's connection decides
        finally:
            conn.close()

    def findings(self) -> list[Finding]:
        if self._thread is not None:
            self._thread.join()
        if self._rows is None:
            return structure_findings(self._db, full=self._full)
        return structure_report(self._rows, full=self._full)


def _version_findings(db: Database) -> list[Finding]:
    """The schema version in the header agrees with the migrations the file records."""
    applied = db.conn.execute(
        "SELECT count(*) FROM _sqlite_migrations WHERE migration_set = 'bedside'"
    ).fetchone()[0]
    version = db.conn.execute("PRAGMA user_version").fetchone()[0]
    if version == applied:
        return []
    return [Finding(f"its header says schema version {version}, its migrations say {applied}")]


def verify_path(
    path: str | os.PathLike[str], *, anchors: Iterable[Anchor] = (), full_structure: bool = True
) -> Verdict:
    """Verify the file at `path` on a read-only connection of its own (what `bedside verify` and the
    app's start-up worker run). A file that cannot be opened as a ward raises `StorageError`; one whose
    triggers were changed is a verdict like any other damage."""
    try:
        db = open_read_only(path)
    except guard.GuardTampered:
        # The triggers are part of the verdict: read the file as it is.
        db = _read_only_as_is(path)
    try:
        return verify(db, anchors=anchors, full_structure=full_structure)
    finally:
        db.close()


def open_ward(
    path: str | os.PathLike[str],
    *,
    clock: Clock,
    policy: SitePolicy = DEFAULT_POLICY,
    anchors: Iterable[Anchor] = (),
) -> tuple[Ward, Database]:
    """The ward service over `path` for charting, once the file is verified whole, and the database it
    charts into (the caller closes it; the Ward hands out no database).

    The structure is checked before any migration writes to the file; the chain and projections after
    it (they need the current schema). Raises `StorageError` with `StorageProblem.DAMAGED` (a
    `DamagedDatabase` naming the first bad record) instead of returning a Ward over a damaged file.
    """
    try:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            probe = open_database(path, create=False, migrate=False, clock=clock)
            try:
                structure = structure_findings(probe, full=True)
            finally:
                probe.close()
            if structure:
                raise DamagedDatabase(Verdict(0, tuple(structure)), path)
        db = open_database(path, clock=clock)
    except (sqlite3.Error, OSError) as err:
        raise storage_error(err, path) from err
    try:
        verdict = verify(db, anchors=anchors)
    except BaseException:
        db.close()
        raise
    if not verdict.ok:
        db.close()
        raise DamagedDatabase(verdict, path)
    return Ward(db, clock=clock, policy=policy), db


def _unresolved_alert_findings(db: Database) -> list[Finding]:
    """Every alert its events leave open is on the unresolved list, under its patient: the list is what
    a save and the board read (a missing row would hide an open alert)."""
    conn = db.conn
    listed = dict(conn.execute("SELECT alert_id, patient_id FROM unresolved_alerts").fetchall())
    history = SqlHistory(db, Log(db, SystemClock()))
    findings = []
    for (alert_id,) in conn.execute("SELECT DISTINCT alert_id FROM alert_events ORDER BY alert_id"):
        try:
            alert = alerting.fold(history.events_of_alert(alert_id)).get(alert_id)
        except (ValueError, KeyError, TypeError) as err:  # a value no Bedside writes
            findings.append(
                Finding(
                    f"the events of alert {alert_id} cannot be read ({err})", table="alert_events"
                )
            )
            continue
        if alert is None or alert.status is AlertStatus.RESOLVED:
            continue
        if listed.get(alert_id) != alert.patient_id:
            findings.append(
                Finding(
                    f"the open alert {alert_id} of patient {alert.patient_id} is not on the "
                    "unresolved list the board reads",
                    table="unresolved_alerts",
                )
            )
    return findings


def _read_only_as_is(path: str | os.PathLike[str]) -> Database:
    uri = "file:" + quote(str(Path(path).resolve())) + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None)
        conn.execute("PRAGMA query_only=ON")
    except sqlite3.Error as err:
        raise storage_error(err, path) from err
    return Database(conn, execute_plugins=False)
