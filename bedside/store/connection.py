"""The one way to open the ward database: pragmas set and read back (R2), and explicit transactions."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from bedside.clock import Clock

BUSY_TIMEOUT_MS = 5000


class StorageError(Exception):
    """The database cannot be used as it is; the message says why."""


class StorageConfigError(StorageError):
    """A connection is not configured as Bedside requires (R2); `pragma` names the setting."""

    def __init__(self, pragma: str, actual: object, required: str) -> None:
        super().__init__(f"PRAGMA {pragma} is {actual!r}; Bedside requires {required}")
        self.pragma = pragma


class StorageVersionError(StorageError):
    """The file was written by a newer (or unknown) version of Bedside, or is not a Bedside database."""


def open_database(
    path: str | os.PathLike[str],
    *,
    create: bool = True,
    migrate: bool = True,
    clock: Clock | None = None,
) -> Database:
    """Open `path` with the required pragmas, check them, and bring the schema up to date.

    A file with pending migrations is first copied beside itself (`<name>.pre-migration-<time>.db`).
    `migrate=False` opens without touching the schema (for tools and the migration tests).
    """
    path = Path(path)
    if not create and not path.exists():
        raise StorageError(f"no database at {path}")
    # isolation_level=None: the driver never opens a transaction by itself; we say BEGIN IMMEDIATE.
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        db = Database(conn, execute_plugins=False)
        check_configuration(db)
        if migrate:
            # Imported here because the migrations use this module's transaction().
            from bedside.store.migrations import migrate as apply_migrations
            from bedside.store.schema import check_schema

            apply_migrations(db, clock=clock)
            check_schema(db)
    except BaseException:
        conn.close()
        raise
    return db


def check_configuration(db: Database) -> None:
    """Read every required pragma back; raise StorageConfigError naming the first one that is wrong."""
    conn = db.conn
    journal_mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if str(journal_mode).lower() != "wal":
        raise StorageConfigError("journal_mode", journal_mode, "'wal'")
    synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
    if synchronous != 2:
        raise StorageConfigError("synchronous", synchronous, "2 (FULL)")
    foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    if foreign_keys != 1:
        raise StorageConfigError("foreign_keys", foreign_keys, "1 (ON)")
    busy_timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    if busy_timeout < BUSY_TIMEOUT_MS:
        raise StorageConfigError("busy_timeout", busy_timeout, f"at least {BUSY_TIMEOUT_MS} ms")
    if conn.isolation_level is not None:
        raise StorageConfigError("isolation_level", conn.isolation_level, "None (explicit BEGIN)")


# R5: the WAL stays under 64 MB. Past this many pages SQLite checkpoints by itself, as a safety net
# for a writer that never calls `checkpoint` (a bulk loader, a tool); the ward's minutely tick keeps
# the WAL far below it, so a save never pays for a checkpoint in practice.
WAL_SAFETY_PAGES = 16_384  # 64 MiB at the default 4 KiB page size


def defer_checkpoints(db: Database) -> None:
    """Keep SQLite from checkpointing the WAL inside commits (it fsyncs the whole file there and turns
    a 10 ms save into a 50 ms one) until the WAL nears 64 MB; the owner calls `checkpoint` at quiet
    moments instead."""
    db.conn.execute(f"PRAGMA wal_autocheckpoint={WAL_SAFETY_PAGES}")


def checkpoint(db: Database) -> tuple[int, int]:
    """Copy the WAL back into the database without blocking readers or writers (PASSIVE).

    Returns (WAL pages, pages checkpointed)."""
    _, wal_pages, done = db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return wal_pages, done


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK if the block raises. Not re-entrant, on purpose:
    one charting action is one transaction, and a nested call is a bug."""
    conn = db.conn
    if conn.in_transaction:
        raise StorageError("a transaction is already open on this connection")
    # IMMEDIATE takes the write lock now, so a busy database waits here (busy_timeout), never
    # half-way through the writes.
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    # Some errors (a failed COMMIT, a RAISE(ROLLBACK) trigger) have already ended the transaction.
    if conn.in_transaction:
        conn.execute("ROLLBACK")
