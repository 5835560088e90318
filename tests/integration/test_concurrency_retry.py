"""A write that meets another connection's write lock waits for it, within a budget, then is refused as LOCKED.

Deterministic: the lock is held by a second connection in the same thread, and released (or not) from the
pause hook the waiting write calls between its tries, so no test depends on how fast the machine is.
"""

from __future__ import annotations

import itertools
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from bedside.clock import ManualClock
from bedside.store.connection import (
    LockWait,
    StorageProblem,
    WriteLockTimeout,
    classify,
    open_database,
    transaction,
)
from bedside.store.errors import SQLITE_BUSY_SNAPSHOT, is_busy
from bedside.store.transaction import WalBound, WardConnection
from bedside.ward import Failed, Ward
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    START,
    admission,
    normal_adult_vitals,
    recorded,
)


class Holder:
    """A second connection to the file that holds its write lock until `release`."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.release()
        self.conn.close()


class Pauses:
    """The waiting write's pause hook: records each (shortest, longest) pause and returns the longest;
    calls `on_pause(n)` with the number of pauses so far."""

    def __init__(self, on_pause: Callable[[int], None] | None = None) -> None:
        self.bounds: list[tuple[float, float]] = []
        self.on_pause = on_pause

    def __call__(self, low: float, high: float) -> float:
        self.bounds.append((low, high))
        if self.on_pause is not None:
            self.on_pause(len(self.bounds))
        return high


def _conn(db: Database) -> WardConnection:
    conn = db.conn
    assert isinstance(conn, WardConnection)
    return conn


def test_a_write_gives_up_after_its_budget_and_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "ward.db"
    db = open_database(path)
    conn = _conn(db)
    pauses = Pauses()
    conn.draw = pauses
    holder = Holder(path)
    try:
        with pytest.raises(WriteLockTimeout) as refused, transaction(db, wait=LockWait(0.05)):
            pytest.fail("the block must not run without the lock")
    finally:
        holder.close()
    error = refused.value
    assert classify(error) is StorageProblem.LOCKED
    assert error.attempts == len(pauses.bounds) + 1 >= 3
    assert error.waited_s >= 0.05
    assert "close the other program" in error.sentence()
    assert not conn.in_transaction
    # Backoff: each pause doubles from the first up to the longest, and is drawn from its upper half.
    wait = LockWait()
    highs = [high for _, high in pauses.bounds]
    assert highs[0] == wait.first_s
    assert all(b == min(2 * a, wait.longest_s) for a, b in itertools.pairwise(highs))
    assert all(low == high / 2 for low, high in pauses.bounds)
    # The busy timeout the reads rely on is back after the failed wait.
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == conn.busy_timeout_ms
    db.close()


def test_a_lock_released_within_the_budget_lets_the_write_through(tmp_path: Path) -> None:
    path = tmp_path / "ward.db"
    db = open_database(path)
    conn = _conn(db)
    holder = Holder(path)
    conn.draw = Pauses(lambda n: holder.release() if n == 3 else None)  # after the third try
    try:
        with transaction(db, wait=LockWait(budget_s=60)):
            db.execute("CREATE TABLE t (x INTEGER) STRICT")
            db.execute("INSERT INTO t VALUES (1)")
    finally:
        holder.close()
    assert conn.last_wait[0] == 4  # three tries met the lock, the fourth got it
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == conn.busy_timeout_ms
    db.close()


def test_a_save_that_cannot_get_the_lock_fails_as_locked_and_writes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ward.db"
    clock = ManualClock(START)
    db = open_database(path, clock=clock, lock_wait=LockWait(budget_s=0.02))
    ward = Ward(db, clock=clock)
    recorded(ward.admit(admission("A1", ADULT_BORN, baseline_ice=10), author=NURSE))
    before = db.execute("SELECT count(*) FROM records").fetchone()[0]
    holder = Holder(path)
    try:
        result = ward.chart_vitals("A1", normal_adult_vitals(), observed_at=START, author=NURSE)
    finally:
        holder.close()
    assert isinstance(result, Failed), result
    assert result.reason is StorageProblem.LOCKED
    assert "is locked by another program" in result.message
    assert db.execute("SELECT count(*) FROM records").fetchone()[0] == before
    # Once the other program is done, the same save goes through.
    recorded(ward.chart_vitals("A1", normal_adult_vitals(), observed_at=START, author=NURSE))
    db.close()


def test_a_held_lock_released_while_a_save_waits_lets_the_save_through(tmp_path: Path) -> None:
    path = tmp_path / "ward.db"
    clock = ManualClock(START)
    db = open_database(path, clock=clock)
    ward = Ward(db, clock=clock)
    recorded(ward.admit(admission("A1", ADULT_BORN, baseline_ice=10), author=NURSE))
    holder = Holder(path)
    _conn(db).draw = Pauses(lambda n: holder.release() if n == 5 else None)
    try:
        saved = recorded(
            ward.chart_vitals("A1", normal_adult_vitals(), observed_at=START, author=NURSE)
        )
    finally:
        holder.close()
    assert _conn(db).last_wait[0] == 6
    ids = [row[0] for row in db.execute("SELECT id FROM records WHERE kind = 'vitals'")]
    assert ids == [saved.record.id]
    db.close()


def test_an_upgraded_read_snapshot_is_a_bug_not_a_lock(tmp_path: Path) -> None:
    """SQLITE_BUSY_SNAPSHOT: a read transaction that another connection's commit made stale tries to
    write. Waiting would not help; every write path starts with BEGIN IMMEDIATE, so it is a bug."""
    path = tmp_path / "ward.db"
    db = open_database(path)
    db.execute("CREATE TABLE t (x INTEGER) STRICT")
    reader = sqlite3.connect(path, isolation_level=None)
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    reader.execute("BEGIN")  # deferred: a read snapshot
    reader.execute("SELECT count(*) FROM t").fetchone()
    other.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError) as raised:
        reader.execute("INSERT INTO t VALUES (2)")
    assert raised.value.sqlite_errorcode == SQLITE_BUSY_SNAPSHOT
    assert not is_busy(raised.value)
    assert classify(raised.value) is StorageProblem.BUG
    reader.execute("ROLLBACK")
    # Its plain sibling, SQLITE_BUSY, is worth waiting for and is "locked".
    holder = Holder(path)
    with pytest.raises(sqlite3.OperationalError) as busy:
        other.execute("BEGIN IMMEDIATE")
    holder.close()
    assert is_busy(busy.value) and classify(busy.value) is StorageProblem.LOCKED
    for conn in (reader, other):
        conn.close()
    db.close()


def test_a_writer_that_never_checkpoints_keeps_the_wal_bounded(tmp_path: Path) -> None:
    """Nobody calls `Ward.tick()` (a sync service, a loader): the commits themselves checkpoint once the
    WAL passes its bound, and SQLite cuts the WAL file back to it. Scaled down: a 128 KiB bound."""
    path = tmp_path / "ward.db"
    clock = ManualClock(START)
    db = open_database(path, clock=clock)
    ward = Ward(db, clock=clock)  # SQLite's own checkpoints wait for 64 MB (defer_checkpoints)
    limit = 128 * 1024
    conn = _conn(db)
    conn.execute(f"PRAGMA journal_size_limit={limit}")
    conn.wal_bound = bound = WalBound(Path(f"{path}-wal"), limit)
    recorded(ward.admit(admission("A1", ADULT_BORN, baseline_ice=10), author=NURSE))
    wal = Path(f"{path}-wal")
    largest = 0
    for i in range(50):
        at = START + timedelta(minutes=i + 1)
        clock.set(at)
        vitals = normal_adult_vitals(hr=70 + i % 20)
        recorded(ward.chart_vitals("A1", vitals, observed_at=at, author=NURSE))
        largest = max(largest, wal.stat().st_size)
    assert bound.checkpoints >= 2
    # Never more than the bound plus what one save adds before the check after its commit.
    one_save = 256 * 1024
    assert largest <= limit + one_save, largest
    assert db.execute("SELECT count(*) FROM vitals").fetchone()[0] == 50
    db.close()


def test_the_lower_store_modules_never_reach_up_to_the_connection() -> None:
    """errors < transaction < schema < migrations < connection: the migrations and the schema check
    load without the module that opens the file (no import hidden inside a function to make it so)."""
    code = (
        "import sys, bedside.store.migrations, bedside.store.schema, bedside.store.transaction\n"
        "assert 'bedside.store.connection' not in sys.modules, 'a lower module imports connection'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
