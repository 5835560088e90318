"""Write transactions: BEGIN IMMEDIATE with a bounded, jittered wait for the write lock (R5), and the WAL kept
bounded after commits, so that several processes can chart into one file and none is refused or stalled.

SQLite's own busy handler waits for a lock by sleeping 1, 2, 5, 10 ... 100 ms between tries; under two busy
writers it keeps missing the moment the lock is free, so a save could wait seconds and fail after the busy
timeout. Here a write tries for the lock itself: pauses start at a fraction of a millisecond and grow to a
couple of milliseconds, drawn at random so that waiting writers do not try in step, within a budget of tens of
seconds. Only then is the write refused, as `WriteLockTimeout` (`StorageProblem.LOCKED`).
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bedside.clock import SystemClock
from bedside.store.errors import StorageError, WriteLockTimeout, is_busy

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = (
    5000  # how long a read or a checkpoint waits inside SQLite (writes wait in `transaction`)
)
WRITE_LOCK_BUDGET_S = (
    30.0  # how long a write waits for another connection's write lock before refusing
)

# R5: the WAL stays far under 64 MB even when nobody calls `checkpoint` (a sync service, a bulk loader, a
# ward app whose tick is late). Past this size a commit is followed by a PASSIVE checkpoint, and SQLite
# truncates the WAL file back to this size when it next starts it from the beginning.
WAL_CHECKPOINT_BYTES = 16 * 2**20

# R5: past this many pages SQLite checkpoints inside a COMMIT by itself: a safety net only, since the
# commits keep the WAL under WAL_CHECKPOINT_BYTES (see `defer_checkpoints`).
WAL_SAFETY_PAGES = 16_384  # 64 MiB at the default 4 KiB page size

# The wait is time really slept, never clinical time: a ManualClock would never let a budget run out.
_REAL_TIME = SystemClock()


@dataclass(frozen=True, slots=True)
class LockWait:
    """How a write waits for a write lock that another connection holds.

    It tries again after a pause that starts at `first_s` and doubles up to `longest_s`, each drawn at random
    between half and all of it, for at most `budget_s` in all."""

    budget_s: float = WRITE_LOCK_BUDGET_S
    first_s: float = 0.0001
    longest_s: float = 0.002

    def __post_init__(self) -> None:
        if not 0 < self.first_s <= self.longest_s:
            raise ValueError("LockWait: 0 < first_s <= longest_s is required")
        if self.budget_s < 0:
            raise ValueError("LockWait: budget_s must not be negative")

    def pauses(self, draw: Callable[[float, float], float]) -> Iterator[float]:
        """The pauses between tries, unbounded (the caller stops at the budget)."""
        pause = self.first_s
        while True:
            yield draw(pause / 2, pause)
            pause = min(pause * 2, self.longest_s)


class WalBound:
    """Keeps one file's WAL under `limit_bytes`: after a commit that left the WAL file larger, checkpoint it.

    The WAL file's size is the cheap measure (one stat): with `journal_size_limit` set to the same size,
    SQLite truncates the file when it starts the WAL again from its beginning, so a file larger than the
    limit holds more than the limit in frames not yet reset. A PASSIVE checkpoint never waits for readers or
    writers; if a reader keeps it from finishing, the next one comes after another `limit_bytes` of growth."""

    def __init__(self, wal: Path, limit_bytes: int = WAL_CHECKPOINT_BYTES) -> None:
        self.wal = wal
        self.limit_bytes = limit_bytes
        self._next_at = limit_bytes
        self.checkpoints = 0

    def after_commit(self, conn: sqlite3.Connection) -> None:
        try:
            size = os.stat(self.wal).st_size
        except OSError:
            return  # no WAL file (yet): nothing to bound
        if size <= self.limit_bytes:
            self._next_at = self.limit_bytes
            return
        if size < self._next_at:
            return
        self._next_at = size + self.limit_bytes
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.checkpoints += 1
        except sqlite3.Error as err:  # the commit is durable: a failed checkpoint is retried later
            log.warning("WAL checkpoint after a commit failed: %s", err)


class WardConnection(sqlite3.Connection):
    """A sqlite3 connection that carries what its writes need: how they wait for the lock (`lock_wait`,
    with `draw` picking each pause between two bounds), the busy timeout its reads use
    (`busy_timeout_ms`), and the bound of its file's WAL (`wal_bound`). `last_wait` tells how the latest
    write got the lock: (tries, seconds waited)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock_wait = LockWait()
        self.draw: Callable[[float, float], float] = random.Random().uniform
        self.busy_timeout_ms = BUSY_TIMEOUT_MS
        self.wal_bound: WalBound | None = None
        self.last_wait: tuple[int, float] = (0, 0.0)
        # Work the transaction's writes leave for its end, run in order just before COMMIT (the
        # trend roll-up of the hours a save touched, once for its vitals set and assessment alike);
        # keyed, so that the second write of a kind adds to the first's (see `before_commit`).
        self.before_commit: dict[str, Callable[[], None]] = {}


@contextmanager
def transaction(db: Database, *, wait: LockWait | None = None) -> Iterator[Database]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK if the block raises. Not re-entrant, on purpose:
    one charting action is one transaction, and a nested call is a bug.

    IMMEDIATE takes the write lock before the block runs, so a busy database makes the write wait here
    (within `wait`, by default the connection's `lock_wait`), never half-way through its statements; and no
    read snapshot is ever upgraded to a write (SQLITE_BUSY_SNAPSHOT cannot happen, see `errors.is_busy`)."""
    conn = db.conn
    if conn.in_transaction:
        raise StorageError("a transaction is already open on this connection")
    _begin_immediate(conn, wait)
    try:
        yield db
        _run_before_commit(conn)
        conn.execute("COMMIT")
    except BaseException:
        if isinstance(conn, WardConnection):
            conn.before_commit.clear()
        _rollback(conn)
        raise
    if isinstance(conn, WardConnection) and conn.wal_bound is not None:
        conn.wal_bound.after_commit(conn)  # after COMMIT: other writers are not kept waiting


def _run_before_commit(conn: sqlite3.Connection) -> None:
    if isinstance(conn, WardConnection):
        while conn.before_commit:
            key = next(iter(conn.before_commit))
            conn.before_commit.pop(key)()


def _begin_immediate(conn: sqlite3.Connection, wait: LockWait | None) -> None:
    if isinstance(conn, WardConnection):
        wait, draw, restore = wait or conn.lock_wait, conn.draw, conn.busy_timeout_ms
    else:
        wait, draw = wait or LockWait(), random.uniform
        restore = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    # SQLite's busy handler must not wait here: a busy lock comes back at once, and we pause ourselves.
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        tries, waited = _try_for_lock(conn, wait, draw)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(restore)}")
    if isinstance(conn, WardConnection):
        conn.last_wait = (tries, waited)


def _try_for_lock(
    conn: sqlite3.Connection, wait: LockWait, draw: Callable[[float, float], float]
) -> tuple[int, float]:
    """BEGIN IMMEDIATE, tried until it gets the lock or the budget is spent; returns (tries, seconds)."""
    started = _REAL_TIME.monotonic()
    pauses = wait.pauses(draw)
    attempts = 0
    while True:
        attempts += 1
        try:
            conn.execute("BEGIN IMMEDIATE")
            return attempts, _REAL_TIME.monotonic() - started
        except sqlite3.OperationalError as err:
            if not is_busy(err):
                raise
            waited = _REAL_TIME.monotonic() - started
            if waited >= wait.budget_s:
                raise WriteLockTimeout(waited, attempts) from err
            time.sleep(min(next(pauses), wait.budget_s - waited))


def _rollback(conn: sqlite3.Connection) -> None:
    # Some errors (a failed COMMIT, a RAISE(ROLLBACK) trigger) have already ended the transaction.
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def defer_checkpoints(db: Database) -> None:
    """Keep SQLite from checkpointing the WAL inside commits (it fsyncs the whole file there and turns
    a 10 ms save into a 50 ms one) until the WAL nears 64 MB; the owner calls `checkpoint` at quiet
    moments instead, and `transaction` checkpoints after a commit once the WAL passes
    WAL_CHECKPOINT_BYTES (a writer that never calls `checkpoint`)."""
    db.conn.execute(f"PRAGMA wal_autocheckpoint={WAL_SAFETY_PAGES}")


def checkpoint(db: Database) -> tuple[int, int]:
    """Copy the WAL back into the database without blocking readers or writers (PASSIVE).

    Returns (WAL pages, pages checkpointed)."""
    _, wal_pages, done = db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return wal_pages, done
