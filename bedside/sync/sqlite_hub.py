"""A hub in one SQLite file: one ward PC, tests, and removable media carried between machines while the
network is down. Never on a network share (SQLite's locking is not safe there): such a path is refused
when the mount table tells.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bedside.clock import Clock, SystemClock
from bedside.records import canonical_json, iso_utc, parse_utc
from bedside.store.log import GENESIS_HASH
from bedside.store.verify import Anchor
from bedside.sync.hub import (
    HUB_COLUMNS,
    HUB_SCHEMA_VERSION,
    ChainConflict,
    Clash,
    ConflictRow,
    HubError,
    HubProblem,
    HubRecord,
    HubStatus,
    MachineStatus,
    PushResult,
    chain_problem,
    in_seq_order,
    row_dict,
    split_held,
)

# File systems whose locking SQLite cannot trust (https://sqlite.org/useovernet.html).
NETWORK_FILE_SYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "9p",
        "afs",
        "ceph",
        "glusterfs",
        "fuse.sshfs",
        "fuse.glusterfs",
        "fuse.rclone",
        "davfs",
        "fuse.davfs2",
    }
)
MOUNTS = Path("/proc/mounts")

_COLUMNS = ", ".join(HUB_COLUMNS)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS hub_records (
    hub_seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
    patient_id TEXT NOT NULL, observed_at TEXT NOT NULL, entered_at TEXT NOT NULL, author TEXT NOT NULL,
    device_id TEXT NOT NULL, seq INTEGER NOT NULL, supersedes TEXT, reason TEXT, payload TEXT NOT NULL,
    hash TEXT NOT NULL, received_at TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS hub_records_device ON hub_records (device_id, seq);
CREATE TRIGGER IF NOT EXISTS hub_records_no_update BEFORE UPDATE ON hub_records
    BEGIN SELECT RAISE(ABORT, 'append-only: hub records are never updated'); END;
CREATE TRIGGER IF NOT EXISTS hub_records_no_delete BEFORE DELETE ON hub_records
    BEGIN SELECT RAISE(ABORT, 'append-only: hub records are never deleted'); END;
CREATE TABLE IF NOT EXISTS hub_machines (
    device_id TEXT PRIMARY KEY NOT NULL, pushed_seq INTEGER NOT NULL DEFAULT 0,
    pulled_hub_seq INTEGER NOT NULL DEFAULT 0, last_push_at TEXT, last_pull_at TEXT,
    clock_offset_s REAL
) STRICT;
CREATE TABLE IF NOT EXISTS hub_conflicts (
    conflict_id INTEGER PRIMARY KEY AUTOINCREMENT, record_id TEXT NOT NULL, device_id TEXT NOT NULL,
    reason TEXT NOT NULL, pushed TEXT NOT NULL, pushed_hash TEXT NOT NULL, held TEXT,
    found_at TEXT NOT NULL, UNIQUE (record_id, pushed_hash)
) STRICT;
CREATE TRIGGER IF NOT EXISTS hub_conflicts_no_delete BEFORE DELETE ON hub_conflicts
    BEGIN SELECT RAISE(ABORT, 'a quarantined version is never deleted'); END;
CREATE TABLE IF NOT EXISTS hub_anchors (
    device_id TEXT PRIMARY KEY NOT NULL, seq INTEGER NOT NULL CHECK (seq >= 1),
    hash TEXT NOT NULL, anchored_at TEXT NOT NULL
) STRICT;
CREATE TRIGGER IF NOT EXISTS hub_anchors_forward BEFORE UPDATE ON hub_anchors
    WHEN NEW.seq <= OLD.seq OR NEW.device_id IS NOT OLD.device_id
    BEGIN SELECT RAISE(ABORT, 'an anchor only moves forward'); END;
CREATE TRIGGER IF NOT EXISTS hub_anchors_no_delete BEFORE DELETE ON hub_anchors
    BEGIN SELECT RAISE(ABORT, 'an anchor is never deleted'); END;
CREATE TABLE IF NOT EXISTS hub_chain_conflicts (
    conflict_id INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL, reason TEXT NOT NULL,
    anchored_seq INTEGER NOT NULL, anchored_hash TEXT NOT NULL, found_seq INTEGER, found_hash TEXT,
    found_at TEXT NOT NULL
) STRICT;
CREATE TRIGGER IF NOT EXISTS hub_chain_conflicts_no_change BEFORE UPDATE ON hub_chain_conflicts
    BEGIN SELECT RAISE(ABORT, 'a recorded chain conflict is never changed'); END;
CREATE TRIGGER IF NOT EXISTS hub_chain_conflicts_no_delete BEFORE DELETE ON hub_chain_conflicts
    BEGIN SELECT RAISE(ABORT, 'a recorded chain conflict is never deleted'); END;
"""
# Schema 1 -> 2: anchor each machine at the head the hub took from it (its row at pushed_seq, held or
# quarantined), so that the first push after the migration is checked against it.
_BACKFILL_ANCHORS = """
INSERT OR IGNORE INTO hub_anchors (device_id, seq, hash, anchored_at)
SELECT m.device_id, m.pushed_seq, coalesce(
    (SELECT h.hash FROM hub_records h WHERE h.device_id = m.device_id AND h.seq = m.pushed_seq),
    (SELECT json_extract(c.pushed, '$.hash') FROM hub_conflicts c WHERE c.device_id = m.device_id
        AND json_extract(c.pushed, '$.seq') = m.pushed_seq ORDER BY c.conflict_id LIMIT 1)),
    coalesce(m.last_push_at, '')
FROM hub_machines m WHERE m.pushed_seq >= 1 AND coalesce(
    (SELECT h.hash FROM hub_records h WHERE h.device_id = m.device_id AND h.seq = m.pushed_seq),
    (SELECT json_extract(c.pushed, '$.hash') FROM hub_conflicts c WHERE c.device_id = m.device_id
        AND json_extract(c.pushed, '$.seq') = m.pushed_seq ORDER BY c.conflict_id LIMIT 1))
    IS NOT NULL;
"""
_ISO_TEXT = re.compile(r"[0-9:.TZ-]+")


def network_file_system(path: Path, mounts: Path = MOUNTS) -> str | None:
    """The type of the network file system `path` lies on, if the mount table says it is one."""
    try:
        lines = mounts.read_text().splitlines()
    except OSError:
        return None  # no mount table (not Linux): cannot be told
    target = str(path.resolve())
    best, best_type = "", None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, parts[2]
    return best_type if best_type in NETWORK_FILE_SYSTEMS else None


class SqliteHub:
    """The hub in a SQLite file. Writers serialise on BEGIN IMMEDIATE, so hub_seq is commit order."""

    def __init__(self, conn: sqlite3.Connection, url: str, clock: Clock) -> None:
        self._conn = conn
        self.url = url
        self._clock = clock

    @classmethod
    def open(cls, url: str, *, clock: Clock | None = None, create: bool = False) -> SqliteHub:
        path = Path(url.removeprefix("sqlite:///")).expanduser()
        if not url.removeprefix("sqlite:///") or path.is_dir():
            raise HubError(HubProblem.BAD_URL, url, "give the path of the hub file")
        share = network_file_system(path.parent if not path.exists() else path)
        if share is not None:
            raise HubError(HubProblem.NETWORK_SHARE, url, f"file system {share}")
        if not create and not path.exists():
            raise HubError(HubProblem.UNREACHABLE, url, "no file there")
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=FULL")
            # A pushed batch (20,000 records, some 12 MB with the indexes) kept in memory until its
            # commit, not spilled to the file while it is inserted (as the ward's connections do).
            conn.execute("PRAGMA cache_size=-32768")
            # A rollback journal, not WAL: the hub may be a file on a stick, carried away whole.
            conn.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.Error as err:
            raise HubError(HubProblem.UNREACHABLE, url, str(err)) from err
        hub = cls(conn, url, clock or SystemClock())
        try:
            if create:
                hub._create()
            hub._check()
        except sqlite3.DatabaseError as err:
            conn.close()
            raise HubError(HubProblem.NOT_A_HUB, url, str(err)) from err
        except BaseException:
            conn.close()
            raise
        return hub

    def _create(self) -> None:
        # One script, one transaction: a crash leaves no hub or a whole one.
        hub_id = str(uuid.uuid4())
        # A hub of an older schema is migrated in the same transaction.
        self._conn.executescript(
            f"BEGIN IMMEDIATE; {_SCHEMA} {_BACKFILL_ANCHORS} "
            f"INSERT OR IGNORE INTO hub_meta VALUES ('hub_id', '{hub_id}'); "
            f"INSERT OR IGNORE INTO hub_meta VALUES ('schema_version', '{HUB_SCHEMA_VERSION}'); "
            f"UPDATE hub_meta SET value = '{HUB_SCHEMA_VERSION}' WHERE key = 'schema_version' "
            f"AND CAST(value AS INTEGER) < {HUB_SCHEMA_VERSION}; "
            "COMMIT;"
        )

    def _check(self) -> None:
        tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master")}
        if "hub_meta" not in tables:
            problem = HubProblem.NOT_INITIALISED if not tables else HubProblem.NOT_A_HUB
            raise HubError(problem, self.url)
        version = self._meta("schema_version")
        if version is None or int(version) > HUB_SCHEMA_VERSION:
            raise HubError(HubProblem.INCOMPATIBLE, self.url, f"hub schema version {version}")
        if int(version) < HUB_SCHEMA_VERSION:
            raise HubError(HubProblem.OUTDATED, self.url, f"hub schema version {version}")

    def _meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM hub_meta WHERE key = ?", [key]).fetchone()
        return str(row[0]) if row else None

    def hub_id(self) -> str:
        found = self._meta("hub_id")
        assert found is not None
        return found

    def pushed_seq(self, device_id: str) -> int:
        row = self._conn.execute(
            "SELECT pushed_seq FROM hub_machines WHERE device_id = ?", [device_id]
        ).fetchone()
        return int(row[0]) if row else 0

    def push(
        self, device_id: str, rows: Sequence[Sequence[Any]], reported_now: datetime
    ) -> PushResult:
        conn = self._conn
        now = self._clock.now()
        received = iso_utc(now)
        conn.execute("BEGIN IMMEDIATE")
        try:
            anchor = self.anchor(device_id)
            broken = chain_problem(device_id, anchor, rows)
            if broken is not None:
                base = anchor or Anchor(device_id, 0, GENESIS_HASH)
                self._chain_conflict(device_id, broken[0], base, broken[1], received)
                conn.execute("COMMIT")
                raise HubError(HubProblem.CHAIN_REFUSED, self.url, broken[0])
            ordered = in_seq_order(rows)
            clashes: list[Clash] = []
            before = conn.total_changes
            try:
                # The received time as a literal (`iso_utc` text: digits and "-:.TZ"), so that each
                # row is bound as it came.
                if not _ISO_TEXT.fullmatch(received):
                    raise ValueError(f"not a stored time: {received!r}")
                conn.execute("SAVEPOINT push_rows")
                try:
                    conn.executemany(
                        f"INSERT INTO hub_records ({_COLUMNS}, received_at) "
                        f"VALUES ({', '.join('?' * len(HUB_COLUMNS))}, '{received}') "
                        "ON CONFLICT (id) DO NOTHING",
                        ordered,
                    )
                except BaseException:
                    conn.execute("ROLLBACK TO push_rows")
                    raise
                finally:
                    conn.execute("RELEASE push_rows")
                inserted = conn.total_changes - before
            except sqlite3.DatabaseError:
                # A row the hub refuses (a poison record, BATTERY R8) must not block the rest.
                inserted, clashes = self._row_by_row(ordered, received)
            if inserted + len(clashes) < len(ordered):
                # Some ids were held already (the same id is never taken twice): as they are
                # (duplicates), or with other content (conflicts, with both versions).
                refused = {c.record_id for c in clashes}
                clashes += self._held([r for r in ordered if str(r[0]) not in refused])
            self._quarantine(device_id, clashes, received)
            # The last of the rows in seq order is the head of the batch.
            head = ordered[-1] if ordered else None
            top = int(head[7]) if head is not None else 0
            offset = (reported_now - now).total_seconds()
            conn.execute(
                "INSERT INTO hub_machines (device_id, pushed_seq, last_push_at, clock_offset_s) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET "
                "pushed_seq = max(pushed_seq, excluded.pushed_seq), "
                "last_push_at = excluded.last_push_at, clock_offset_s = excluded.clock_offset_s",
                [device_id, top, received, offset],
            )
            if head is not None and (anchor is None or int(head[7]) > anchor.seq):
                conn.execute(
                    "INSERT INTO hub_anchors (device_id, seq, hash, anchored_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (device_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, "
                    "anchored_at = excluded.anchored_at",
                    [device_id, int(head[7]), str(head[11]), received],
                )
            pushed = self.pushed_seq(device_id)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        duplicates = len(rows) - inserted - len(clashes)
        return PushResult(inserted, duplicates, tuple(clashes), pushed)

    def _held(self, rows: Sequence[Sequence[Any]]) -> list[Clash]:
        """The pushed rows whose id the hub holds with other content (conflicts)."""
        ids = [r[0] for r in rows]
        held: dict[object, tuple[Any, ...]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for r in self._conn.execute(
                f"SELECT {_COLUMNS} FROM hub_records WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                held[r[0]] = tuple(r)
        return split_held(rows, held)[0]

    def _row_by_row(self, rows: Sequence[Sequence[Any]], received: str) -> tuple[int, list[Clash]]:
        inserted, rejected = 0, []
        marks = ", ".join("?" * (len(HUB_COLUMNS) + 1))
        for row in rows:
            before = self._conn.total_changes
            try:
                with_savepoint(
                    self._conn,
                    f"INSERT INTO hub_records ({_COLUMNS}, received_at) VALUES ({marks}) "
                    "ON CONFLICT (id) DO NOTHING",
                    [*row, received],
                )
            except sqlite3.DatabaseError as err:
                rejected.append(
                    Clash(str(row[0]), f"rejected by the hub: {err}", row_dict(row), None)
                )
                continue
            inserted += self._conn.total_changes - before
        return inserted, rejected

    def _quarantine(self, device_id: str, clashes: Sequence[Clash], received: str) -> None:
        from bedside.store.receive import version_hash

        self._conn.executemany(
            "INSERT OR IGNORE INTO hub_conflicts (record_id, device_id, reason, pushed, pushed_hash, "
            "held, found_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    c.record_id,
                    device_id,
                    c.reason,
                    canonical_json(c.pushed),
                    version_hash(c.pushed),
                    canonical_json(c.held) if c.held is not None else None,
                    received,
                )
                for c in clashes
            ],
        )

    def anchor(self, device_id: str) -> Anchor | None:
        row = self._conn.execute(
            "SELECT seq, hash FROM hub_anchors WHERE device_id = ?", [device_id]
        ).fetchone()
        return Anchor(device_id, int(row[0]), str(row[1])) if row else None

    def report_chain_conflict(
        self, device_id: str, reason: str, anchor: Anchor, found: tuple[int, str | None] | None
    ) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._chain_conflict(device_id, reason, anchor, found, iso_utc(self._clock.now()))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _chain_conflict(
        self,
        device_id: str,
        reason: str,
        anchor: Anchor,
        found: tuple[int, str | None] | None,
        at: str,
    ) -> None:
        self._conn.execute(
            "INSERT INTO hub_chain_conflicts (device_id, reason, anchored_seq, anchored_hash, "
            "found_seq, found_hash, found_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [device_id, reason, anchor.seq, anchor.hash, *(found or (None, None)), at],
        )

    def pull(self, after_hub_seq: int, exclude_device: str, limit: int) -> list[HubRecord]:
        rows = self._conn.execute(
            f"SELECT hub_seq, {_COLUMNS} FROM hub_records WHERE hub_seq > ? AND device_id <> ? "
            "ORDER BY hub_seq LIMIT ?",
            [after_hub_seq, exclude_device, limit],
        ).fetchall()
        return [HubRecord(int(r[0]), tuple(r[1:])) for r in rows]

    def last_hub_seq(self) -> int:
        row = self._conn.execute("SELECT max(hub_seq) FROM hub_records").fetchone()
        return int(row[0] or 0)

    def clock_offsets(self) -> dict[str, float]:
        return {
            str(r[0]): float(r[1])
            for r in self._conn.execute(
                "SELECT device_id, clock_offset_s FROM hub_machines WHERE clock_offset_s IS NOT NULL"
            )
        }

    def report_pulled(self, device_id: str, hub_seq: int) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "INSERT INTO hub_machines (device_id, pulled_hub_seq, last_pull_at) VALUES (?, ?, ?) "
                "ON CONFLICT (device_id) DO UPDATE SET "
                "pulled_hub_seq = max(pulled_hub_seq, excluded.pulled_hub_seq), "
                "last_pull_at = excluded.last_pull_at",
                [device_id, hub_seq, iso_utc(self._clock.now())],
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def status(self) -> HubStatus:
        conn = self._conn
        counts = dict(
            conn.execute(
                "SELECT device_id, count(*) FROM hub_records GROUP BY device_id"
            ).fetchall()
        )
        machines = tuple(
            MachineStatus(
                str(r[0]),
                int(r[1]),
                int(r[2]),
                parse_utc(r[3]) if r[3] else None,
                parse_utc(r[4]) if r[4] else None,
                r[5],
                int(counts.get(r[0], 0)),
                Anchor(str(r[0]), int(r[6]), str(r[7])) if r[6] is not None else None,
            )
            for r in conn.execute(
                "SELECT m.device_id, pushed_seq, pulled_hub_seq, last_push_at, last_pull_at, "
                "clock_offset_s, a.seq, a.hash FROM hub_machines m "
                "LEFT JOIN hub_anchors a ON a.device_id = m.device_id ORDER BY m.device_id"
            )
        )
        chain_conflicts = tuple(
            ChainConflict(str(r[0]), str(r[1]), int(r[2]), str(r[3]), r[4], r[5], parse_utc(r[6]))
            for r in conn.execute(
                "SELECT device_id, reason, anchored_seq, anchored_hash, found_seq, found_hash, "
                "found_at FROM hub_chain_conflicts ORDER BY conflict_id"
            )
        )
        conflicts = tuple(
            ConflictRow(
                str(r[0]),
                str(r[1]),
                str(r[2]),
                parse_utc(r[3]),
                json.loads(r[4]),
                json.loads(r[5]) if r[5] else None,
            )
            for r in conn.execute(
                "SELECT record_id, device_id, reason, found_at, pushed, held FROM hub_conflicts "
                "ORDER BY conflict_id"
            )
        )
        total = int(conn.execute("SELECT count(*) FROM hub_records").fetchone()[0])
        return HubStatus(
            self.hub_id(), total, self.last_hub_seq(), machines, conflicts, chain_conflicts
        )

    def close(self) -> None:
        self._conn.close()


def with_savepoint(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> None:
    """Run one statement so that its failure undoes only itself, not the open transaction."""
    conn.execute("SAVEPOINT one_row")
    try:
        conn.execute(sql, params)
    except BaseException:
        conn.execute("ROLLBACK TO one_row")
        conn.execute("RELEASE one_row")
        raise
    conn.execute("RELEASE one_row")
