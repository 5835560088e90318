"""A hub in PostgreSQL, for a ward or a hospital whose machines sync over the network. PostgreSQL brings
its own replication, backups and TLS; Bedside writes no server of its own.

The URL goes to psycopg as it is, so TLS settings travel in it (`?sslmode=verify-full&sslrootcert=...`),
and so does the schema (`?options=-csearch_path%3Dward7`). Pushes take one advisory lock, so that hub_seq
numbers are handed out in commit order and a reader never skips a number that commits late.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors as pg_errors

from bedside.records import canonical_json
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

CONNECT_TIMEOUT_S = 5
# pg_advisory_xact_lock key of the push: "bedside" in ASCII.
PUSH_LOCK = 0x62656473696465
_COLUMNS = ", ".join(HUB_COLUMNS)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS hub_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS hub_records (
    hub_seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL UNIQUE,
    kind text NOT NULL, patient_id text NOT NULL, observed_at text NOT NULL, entered_at text NOT NULL,
    author text NOT NULL, device_id text NOT NULL, seq bigint NOT NULL CHECK (seq >= 1),
    supersedes text, reason text, payload text NOT NULL, hash text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS hub_records_device ON hub_records (device_id, seq);
CREATE OR REPLACE FUNCTION hub_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'append-only: % rows are never changed or deleted', TG_TABLE_NAME; END $$;
DROP TRIGGER IF EXISTS hub_records_append_only ON hub_records;
CREATE TRIGGER hub_records_append_only BEFORE UPDATE OR DELETE ON hub_records
    FOR EACH ROW EXECUTE FUNCTION hub_append_only();
CREATE TABLE IF NOT EXISTS hub_machines (
    device_id text PRIMARY KEY, pushed_seq bigint NOT NULL DEFAULT 0,
    pulled_hub_seq bigint NOT NULL DEFAULT 0, last_push_at timestamptz, last_pull_at timestamptz,
    clock_offset_s double precision
);
CREATE TABLE IF NOT EXISTS hub_conflicts (
    conflict_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, record_id text NOT NULL,
    device_id text NOT NULL, reason text NOT NULL, pushed text NOT NULL, pushed_hash text NOT NULL,
    held text, found_at timestamptz NOT NULL DEFAULT now(), UNIQUE (record_id, pushed_hash)
);
DROP TRIGGER IF EXISTS hub_conflicts_append_only ON hub_conflicts;
CREATE TRIGGER hub_conflicts_append_only BEFORE UPDATE OR DELETE ON hub_conflicts
    FOR EACH ROW EXECUTE FUNCTION hub_append_only();
CREATE TABLE IF NOT EXISTS hub_anchors (
    device_id text PRIMARY KEY, seq bigint NOT NULL CHECK (seq >= 1), hash text NOT NULL,
    anchored_at timestamptz NOT NULL DEFAULT now()
);
CREATE OR REPLACE FUNCTION hub_anchor_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.seq <= OLD.seq OR NEW.device_id IS DISTINCT FROM OLD.device_id THEN
        RAISE EXCEPTION 'an anchor only moves forward';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS hub_anchors_forward ON hub_anchors;
CREATE TRIGGER hub_anchors_forward BEFORE UPDATE OR DELETE ON hub_anchors
    FOR EACH ROW EXECUTE FUNCTION hub_anchor_forward();
CREATE TABLE IF NOT EXISTS hub_chain_conflicts (
    conflict_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, device_id text NOT NULL,
    reason text NOT NULL, anchored_seq bigint NOT NULL, anchored_hash text NOT NULL,
    found_seq bigint, found_hash text, found_at timestamptz NOT NULL DEFAULT now()
);
DROP TRIGGER IF EXISTS hub_chain_conflicts_append_only ON hub_chain_conflicts;
CREATE TRIGGER hub_chain_conflicts_append_only BEFORE UPDATE OR DELETE ON hub_chain_conflicts
    FOR EACH ROW EXECUTE FUNCTION hub_append_only();
"""
# Schema 1 -> 2: anchor each machine at the head the hub took from it (its row at pushed_seq, held or
# quarantined), so that the first push after the migration is checked against it.
_BACKFILL_ANCHORS = """
INSERT INTO hub_anchors (device_id, seq, hash, anchored_at)
SELECT device_id, pushed_seq, head, coalesce(last_push_at, now()) FROM (
    SELECT m.device_id, m.pushed_seq, m.last_push_at, coalesce(
        (SELECT h.hash FROM hub_records h WHERE h.device_id = m.device_id AND h.seq = m.pushed_seq),
        (SELECT c.pushed::json ->> 'hash' FROM hub_conflicts c WHERE c.device_id = m.device_id
            AND (c.pushed::json ->> 'seq')::bigint = m.pushed_seq ORDER BY c.conflict_id LIMIT 1)
    ) AS head FROM hub_machines m WHERE m.pushed_seq >= 1
) found WHERE head IS NOT NULL
ON CONFLICT (device_id) DO NOTHING
"""
# What a refused row raises (a constraint, a trigger, a value out of range); anything else is the hub's.
_REFUSALS = (pg_errors.IntegrityError, pg_errors.DataError, pg_errors.RaiseException)

T = TypeVar("T")


def display_url(url: str) -> str:
    """The URL without its password, for messages and status."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}:***@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}{port}"))


class PostgresHub:
    """The hub in a PostgreSQL database (schema: the connection's search_path)."""

    def __init__(self, conn: psycopg.Connection[tuple[Any, ...]], url: str) -> None:
        self._conn = conn
        self.url = url

    @classmethod
    def open(cls, url: str, *, create: bool = False) -> PostgresHub:
        shown = display_url(url)
        try:
            conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.OperationalError as err:
            raise HubError(HubProblem.UNREACHABLE, shown, _first_line(err)) from err
        except psycopg.ProgrammingError as err:  # a malformed conninfo
            raise HubError(HubProblem.BAD_URL, shown, _first_line(err)) from err
        hub = cls(conn, shown)
        try:
            if create:
                hub._guarded(hub._create)
            hub._guarded(hub._check)
        except BaseException:
            conn.close()
            raise
        return hub

    def _guarded(self, work: Callable[[], T]) -> T:
        try:
            return work()
        except (psycopg.OperationalError, psycopg.InterfaceError) as err:
            raise HubError(HubProblem.UNREACHABLE, self.url, _first_line(err)) from err
        except pg_errors.InsufficientPrivilege as err:
            raise HubError(HubProblem.REFUSED, self.url, _first_line(err)) from err

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Cursor[tuple[Any, ...]]]:
        with self._conn.transaction(), self._conn.cursor() as cur:
            yield cur

    def _create(self) -> None:
        with self._transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [PUSH_LOCK])
            cur.execute(_SCHEMA)
            cur.execute(_BACKFILL_ANCHORS)  # a hub of an older schema is migrated here
            cur.execute(
                "INSERT INTO hub_meta VALUES ('hub_id', %s), ('schema_version', %s) "
                "ON CONFLICT (key) DO NOTHING",
                [str(uuid.uuid4()), str(HUB_SCHEMA_VERSION)],
            )
            cur.execute(
                "UPDATE hub_meta SET value = %s WHERE key = 'schema_version' AND value::int < %s",
                [str(HUB_SCHEMA_VERSION), HUB_SCHEMA_VERSION],
            )

    def _check(self) -> None:
        row = self._conn.execute("SELECT to_regclass('hub_meta') IS NOT NULL").fetchone()
        if not row or not row[0]:
            raise HubError(HubProblem.NOT_INITIALISED, self.url)
        version = self._meta("schema_version")
        if version is None or int(version) > HUB_SCHEMA_VERSION:
            raise HubError(HubProblem.INCOMPATIBLE, self.url, f"hub schema version {version}")
        if int(version) < HUB_SCHEMA_VERSION:
            raise HubError(HubProblem.OUTDATED, self.url, f"hub schema version {version}")

    def _meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM hub_meta WHERE key = %s", [key]).fetchone()
        return str(row[0]) if row else None

    def hub_id(self) -> str:
        found = self._guarded(lambda: self._meta("hub_id"))
        assert found is not None
        return found

    def pushed_seq(self, device_id: str) -> int:
        def read() -> int:
            row = self._conn.execute(
                "SELECT pushed_seq FROM hub_machines WHERE device_id = %s", [device_id]
            ).fetchone()
            return int(row[0]) if row else 0

        return self._guarded(read)

    def push(
        self, device_id: str, rows: Sequence[Sequence[Any]], reported_now: datetime
    ) -> PushResult:
        return self._guarded(lambda: self._push(device_id, rows, reported_now))

    def _push(
        self, device_id: str, rows: Sequence[Sequence[Any]], reported_now: datetime
    ) -> PushResult:
        with self._transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [PUSH_LOCK])
            anchor = self._anchor(device_id)
            try:
                return self._take(cur, device_id, rows, reported_now, anchor)
            except _ChainBroken as err:
                broken = err.problem
            base = anchor or Anchor(device_id, 0, GENESIS_HASH)
            self._chain_conflict(cur, device_id, broken[0], base, broken[1])
        # The conflict is committed; nothing else was written (the rows' savepoint was undone).
        raise HubError(HubProblem.CHAIN_REFUSED, self.url, broken[0])

    def _take(
        self,
        cur: psycopg.Cursor[tuple[Any, ...]],
        device_id: str,
        rows: Sequence[Sequence[Any]],
        reported_now: datetime,
        anchor: Anchor | None,
    ) -> PushResult:
        ordered = in_seq_order(rows)
        checked = False

        def check_chain() -> None:
            nonlocal checked
            checked = True
            broken = chain_problem(device_id, anchor, rows)
            if broken is not None:
                raise _ChainBroken(broken)

        def copy_rows(batch: Sequence[Sequence[Any]]) -> None:
            with (
                self._conn.transaction(),  # a savepoint
                cur.copy(f"COPY hub_records ({_COLUMNS}) FROM STDIN") as copy,
            ):
                for row in batch:
                    copy.write_row(row)
                if not checked:
                    # The chain is checked while the server takes the rows; a break undoes them.
                    check_chain()

        clashes: list[Clash] = []
        try:
            # The rows straight into hub_records, in seq order (no other push runs: they take
            # PUSH_LOCK); an id the hub holds already refuses the COPY as a whole.
            copy_rows(ordered)
            inserted = len(ordered)
        except _REFUSALS:
            if not checked:
                check_chain()
            # What the hub holds of these ids: as they are (duplicates) or with other content
            # (conflicts); the rest is copied again.
            cur.execute(
                f"SELECT {_COLUMNS} FROM hub_records WHERE id = ANY(%s)",
                [[str(r[0]) for r in rows]],
            )
            clashes, fresh = split_held(ordered, {r[0]: tuple(r) for r in cur.fetchall()})
            try:
                copy_rows(fresh)
                inserted = len(fresh)
            except _REFUSALS:
                # A row the hub refuses (a poison record, BATTERY R8) must not block the rest.
                inserted, rejected = self._row_by_row(cur, fresh)
                clashes += rejected
        cur.executemany(
            "INSERT INTO hub_conflicts (record_id, device_id, reason, pushed, pushed_hash, held) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (record_id, pushed_hash) DO NOTHING",
            [_conflict_row(device_id, c) for c in clashes],
        )
        # The last of the rows in seq order is the head of the batch.
        head = ordered[-1] if ordered else None
        top = int(head[7]) if head is not None else 0
        cur.execute(
            "INSERT INTO hub_machines (device_id, pushed_seq, last_push_at, clock_offset_s) "
            "VALUES (%s, %s, now(), extract(epoch FROM (%s::timestamptz - clock_timestamp()))) "
            "ON CONFLICT (device_id) DO UPDATE SET "
            "pushed_seq = greatest(hub_machines.pushed_seq, excluded.pushed_seq), "
            "last_push_at = excluded.last_push_at, clock_offset_s = excluded.clock_offset_s "
            "RETURNING pushed_seq",
            [device_id, top, reported_now],
        )
        fetched = cur.fetchone()
        assert fetched is not None
        pushed = int(fetched[0])
        if head is not None and (anchor is None or int(head[7]) > anchor.seq):
            cur.execute(
                "INSERT INTO hub_anchors (device_id, seq, hash) VALUES (%s, %s, %s) "
                "ON CONFLICT (device_id) DO UPDATE SET seq = excluded.seq, "
                "hash = excluded.hash, anchored_at = now()",
                [device_id, int(head[7]), str(head[11])],
            )
        duplicates = len(rows) - inserted - len(clashes)
        return PushResult(inserted, duplicates, tuple(clashes), pushed)

    def _row_by_row(
        self, cur: psycopg.Cursor[tuple[Any, ...]], rows: Sequence[Sequence[Any]]
    ) -> tuple[int, list[Clash]]:
        inserted, rejected = 0, []
        marks = ", ".join(["%s"] * len(HUB_COLUMNS))
        for row in rows:
            try:
                with self._conn.transaction():
                    cur.execute(
                        f"INSERT INTO hub_records ({_COLUMNS}) VALUES ({marks}) "
                        "ON CONFLICT (id) DO NOTHING",
                        list(row),
                    )
                    inserted += max(cur.rowcount, 0)
            except _REFUSALS as err:
                reason = f"rejected by the hub: {_first_line(err)}"
                rejected.append(Clash(str(row[0]), reason, row_dict(row), None))
        return inserted, rejected

    def _anchor(self, device_id: str) -> Anchor | None:
        row = self._conn.execute(
            "SELECT seq, hash FROM hub_anchors WHERE device_id = %s", [device_id]
        ).fetchone()
        return Anchor(device_id, int(row[0]), str(row[1])) if row else None

    def anchor(self, device_id: str) -> Anchor | None:
        return self._guarded(lambda: self._anchor(device_id))

    def report_chain_conflict(
        self, device_id: str, reason: str, anchor: Anchor, found: tuple[int, str | None] | None
    ) -> None:
        def write() -> None:
            with self._transaction() as cur:
                self._chain_conflict(cur, device_id, reason, anchor, found)

        self._guarded(write)

    def _chain_conflict(
        self,
        cur: psycopg.Cursor[tuple[Any, ...]],
        device_id: str,
        reason: str,
        anchor: Anchor,
        found: tuple[int, str | None] | None,
    ) -> None:
        cur.execute(
            "INSERT INTO hub_chain_conflicts (device_id, reason, anchored_seq, anchored_hash, "
            "found_seq, found_hash) VALUES (%s, %s, %s, %s, %s, %s)",
            [device_id, reason, anchor.seq, anchor.hash, *(found or (None, None))],
        )

    def pull(self, after_hub_seq: int, exclude_device: str, limit: int) -> list[HubRecord]:
        def read() -> list[HubRecord]:
            # In binary (the numbers need no parsing; the text is the same), through a server-side
            # cursor: planned for its first rows, it walks the primary key in hub_seq order, where a
            # freshly filled hub's stale statistics would otherwise have all its rows sorted.
            with (
                self._conn.transaction(),
                self._conn.cursor(name="bedside_pull", binary=True) as cur,
            ):
                cur.execute(
                    f"SELECT hub_seq, {_COLUMNS} FROM hub_records WHERE hub_seq > %s "
                    "AND device_id <> %s ORDER BY hub_seq LIMIT %s",
                    [after_hub_seq, exclude_device, limit],
                )
                rows = cur.fetchall()
            return [HubRecord(int(r[0]), tuple(r[1:])) for r in rows]

        return self._guarded(read)

    def last_hub_seq(self) -> int:
        def read() -> int:
            row = self._conn.execute("SELECT max(hub_seq) FROM hub_records").fetchone()
            return int(row[0] or 0) if row else 0

        return self._guarded(read)

    def clock_offsets(self) -> dict[str, float]:
        def read() -> dict[str, float]:
            return {
                str(r[0]): float(r[1])
                for r in self._conn.execute(
                    "SELECT device_id, clock_offset_s FROM hub_machines "
                    "WHERE clock_offset_s IS NOT NULL"
                )
            }

        return self._guarded(read)

    def report_pulled(self, device_id: str, hub_seq: int) -> None:
        def write() -> None:
            self._conn.execute(
                "INSERT INTO hub_machines (device_id, pulled_hub_seq, last_pull_at) "
                "VALUES (%s, %s, now()) ON CONFLICT (device_id) DO UPDATE SET "
                "pulled_hub_seq = greatest(hub_machines.pulled_hub_seq, excluded.pulled_hub_seq), "
                "last_pull_at = excluded.last_pull_at",
                [device_id, hub_seq],
            )

        self._guarded(write)

    def status(self) -> HubStatus:
        return self._guarded(self._status)

    def _status(self) -> HubStatus:
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
                r[3].astimezone(UTC) if r[3] else None,
                r[4].astimezone(UTC) if r[4] else None,
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
            ChainConflict(
                str(r[0]), str(r[1]), int(r[2]), str(r[3]), r[4], r[5], r[6].astimezone(UTC)
            )
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
                r[3].astimezone(UTC),
                json.loads(r[4]),
                json.loads(r[5]) if r[5] else None,
            )
            for r in conn.execute(
                "SELECT record_id, device_id, reason, found_at, pushed, held FROM hub_conflicts "
                "ORDER BY conflict_id"
            )
        )
        total_row = conn.execute("SELECT count(*), coalesce(max(hub_seq), 0) FROM hub_records")
        total, last = total_row.fetchone() or (0, 0)
        return HubStatus(self.hub_id(), int(total), int(last), machines, conflicts, chain_conflicts)

    def close(self) -> None:
        self._conn.close()


class _ChainBroken(Exception):
    """The rows of a push do not continue the anchored chain (`chain_problem`'s reason and row)."""

    def __init__(self, problem: tuple[str, tuple[int, str] | None]) -> None:
        super().__init__(problem[0])
        self.problem = problem


def _conflict_row(device_id: str, clash: Clash) -> tuple[Any, ...]:
    from bedside.store.receive import version_hash

    return (
        clash.record_id,
        device_id,
        clash.reason,
        canonical_json(clash.pushed),
        version_hash(clash.pushed),
        canonical_json(clash.held) if clash.held is not None else None,
    )


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
