"""The one way to open the ward database: pragmas set and read back (R2), and explicit transactions.

The environment's errors (sqlite3's, the operating system's) are sorted into a few `StorageProblem`s,
each with a sentence saying what to do, so that a person reads words, never a driver's traceback.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

from bedside.clock import Clock
from bedside.store.permissions import prepare_private_file

BUSY_TIMEOUT_MS = 5000


class StorageProblem(Enum):
    """What is wrong with the database or its location; `value` words it, `advice` says what to do."""

    LOCKED = "is locked by another program"
    READ_ONLY = "is on a read-only location"
    DISK_FULL = "cannot be written: the disk is full"
    DAMAGED = "is damaged"
    NOT_A_DATABASE = "is not a database"
    NOT_A_WARD = "is not a Bedside ward database"
    INCOMPATIBLE = "was written by another version of Bedside"
    OUTDATED = "was written by an older version of Bedside"
    MISSING = "does not exist"
    NOT_A_FILE = "is a folder, not a file"
    NO_PERMISSION = "may not be opened by this user"
    IO_ERROR = "cannot be read or written (input/output error)"
    MISCONFIGURED = "cannot be opened as Bedside requires"
    BUG = "met an error Bedside does not expect (a bug)"

    @property
    def advice(self) -> str:
        return _ADVICE[self]


_ADVICE = {
    StorageProblem.LOCKED: "close the other program using it (or wait a moment) and try again",
    StorageProblem.READ_ONLY: "choose a folder you may write to (copy the database there to chart)",
    StorageProblem.DISK_FULL: "free some disk space and try again; nothing was saved",
    StorageProblem.DAMAGED: (
        "do not chart into it; restore the latest backup (or the .pre-migration copy beside it) "
        "and tell the ward's IT support"
    ),
    StorageProblem.NOT_A_DATABASE: "check the --db path: it must name a Bedside ward database",
    StorageProblem.NOT_A_WARD: "check the --db path: it must name a Bedside ward database",
    StorageProblem.INCOMPATIBLE: "open it with the version of Bedside that wrote it, or a newer one",
    StorageProblem.OUTDATED: (
        "open it once with the Bedside app, which upgrades it and keeps a copy, then try again"
    ),
    StorageProblem.MISSING: "check the --db path",
    StorageProblem.NOT_A_FILE: "give the path of the database file inside it",
    StorageProblem.NO_PERMISSION: "ask for access to the file, or choose another --db",
    StorageProblem.IO_ERROR: "check the disk or the network drive it is on, then try again",
    StorageProblem.MISCONFIGURED: "open it only through Bedside",
    StorageProblem.BUG: "report it with this message; nothing was saved",
}


class StorageError(Exception):
    """The database cannot be used as it is; `problem` says what kind of trouble, the message why."""

    default_problem = StorageProblem.BUG

    def __init__(
        self,
        message: str,
        *,
        problem: StorageProblem | None = None,
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.problem = problem or self.default_problem
        self.path = Path(path) if path is not None else None

    def sentence(self) -> str:
        """One line for a person: what, where, what to do."""
        where = f"the database {self.path}" if self.path is not None else "the database"
        detail = str(self)
        redundant = self.problem.value in detail or (
            self.path is not None and str(self.path) in detail
        )
        said = f" ({detail})" if detail and not redundant else ""
        return f"{where} {self.problem.value}{said}: {self.problem.advice}."


class StorageConfigError(StorageError):
    """A connection is not configured as Bedside requires (R2); `pragma` names the setting."""

    default_problem = StorageProblem.MISCONFIGURED

    def __init__(self, pragma: str, actual: object, required: str) -> None:
        super().__init__(f"PRAGMA {pragma} is {actual!r}; Bedside requires {required}")
        self.pragma = pragma


class StorageVersionError(StorageError):
    """The file was written by a newer (or unknown) version of Bedside, or is not a Bedside database."""

    default_problem = StorageProblem.INCOMPATIBLE


# SQLite's primary result codes (the low byte of the extended code), https://sqlite.org/rescode.html
_SQLITE_PROBLEMS = {
    3: StorageProblem.NO_PERMISSION,  # SQLITE_PERM
    5: StorageProblem.LOCKED,  # SQLITE_BUSY
    6: StorageProblem.LOCKED,  # SQLITE_LOCKED
    8: StorageProblem.READ_ONLY,  # SQLITE_READONLY
    10: StorageProblem.IO_ERROR,  # SQLITE_IOERR
    11: StorageProblem.DAMAGED,  # SQLITE_CORRUPT
    13: StorageProblem.DISK_FULL,  # SQLITE_FULL
    14: StorageProblem.IO_ERROR,  # SQLITE_CANTOPEN (refined from the path by `storage_error`)
    23: StorageProblem.NO_PERMISSION,  # SQLITE_AUTH
    26: StorageProblem.NOT_A_DATABASE,  # SQLITE_NOTADB
}
_SQLITE_MESSAGES = (
    ("is locked", StorageProblem.LOCKED),
    ("readonly database", StorageProblem.READ_ONLY),
    ("disk is full", StorageProblem.DISK_FULL),
    ("malformed", StorageProblem.DAMAGED),
    ("not a database", StorageProblem.NOT_A_DATABASE),
    ("disk i/o error", StorageProblem.IO_ERROR),
    ("unable to open database file", StorageProblem.IO_ERROR),
)
_OS_PROBLEMS = {
    errno.ENOSPC: StorageProblem.DISK_FULL,
    errno.EDQUOT: StorageProblem.DISK_FULL,
    errno.EROFS: StorageProblem.READ_ONLY,
    errno.EACCES: StorageProblem.NO_PERMISSION,
    errno.EPERM: StorageProblem.NO_PERMISSION,
    errno.ENOENT: StorageProblem.MISSING,
    errno.EISDIR: StorageProblem.NOT_A_FILE,
    errno.ENOTDIR: StorageProblem.MISSING,
    errno.EBUSY: StorageProblem.LOCKED,
}


def classify(error: BaseException) -> StorageProblem:
    """The storage problem an exception stands for; BUG for anything the environment does not explain
    (a constraint Bedside itself should have kept, a closed connection, a programming error)."""
    if isinstance(error, StorageError):
        return error.problem
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(code, int) and (code & 0xFF) in _SQLITE_PROBLEMS:
            return _SQLITE_PROBLEMS[code & 0xFF]
        # An error raised without its code (by a wrapper, a driver shim): SQLite's own wording.
        text = str(error).lower()
        return next((p for words, p in _SQLITE_MESSAGES if words in text), StorageProblem.BUG)
    if isinstance(error, OSError):
        return _OS_PROBLEMS.get(error.errno or 0, StorageProblem.IO_ERROR)
    if isinstance(error, UnicodeDecodeError):
        return StorageProblem.DAMAGED  # text in the file that is not the UTF-8 Bedside wrote
    return StorageProblem.BUG


def storage_error(error: BaseException, path: str | os.PathLike[str] | None) -> StorageError:
    """A `StorageError` for an exception met while using the database at `path`."""
    if isinstance(error, StorageError):
        if error.path is None and path is not None:
            error.path = Path(path)
        return error
    problem = classify(error)
    if problem is StorageProblem.IO_ERROR and path is not None:
        problem = _why_unopenable(Path(path), problem)
    detail = str(error) if not isinstance(error, OSError) else (error.strerror or str(error))
    return StorageError(detail, problem=problem, path=path)


def _why_unopenable(path: Path, fallback: StorageProblem) -> StorageProblem:
    """SQLite says only "unable to open database file"; the path tells why."""
    if path.is_dir():
        return StorageProblem.NOT_A_FILE
    if not path.parent.is_dir():
        return StorageProblem.MISSING
    if not _writable(path.parent) or (path.exists() and not _writable(path)):
        return StorageProblem.READ_ONLY
    return fallback


def _writable(path: Path) -> bool:
    try:
        return os.access(path, os.W_OK) and not _read_only_mount(path)
    except OSError:
        return False


def _read_only_mount(path: Path) -> bool:
    # os.access() answers for root as if every mount were writable; statvfs knows better.
    return bool(os.statvfs(path).f_flag & os.ST_RDONLY)


def open_database(
    path: str | os.PathLike[str],
    *,
    create: bool = True,
    migrate: bool = True,
    clock: Clock | None = None,
) -> Database:
    """Open `path` with the required pragmas, check them, and bring the schema up to date.

    A file with pending migrations is first copied beside itself (`<name>.pre-migration-<time>.db`).
    `migrate=False` opens without touching the schema (for tools and the migration tests). Whatever
    the environment refuses is raised as a `StorageError` naming the file and its `StorageProblem`.
    """
    path = Path(path)
    if str(path) != ":memory:" and path.is_dir():
        raise StorageError(f"{path} is a folder", problem=StorageProblem.NOT_A_FILE, path=path)
    if not create and not path.exists():
        raise StorageError(f"no database at {path}", problem=StorageProblem.MISSING, path=path)
    try:
        prepare_private_file(path)  # patient data: owner-only, and so its WAL and SHM
    except OSError as err:
        raise storage_error(err, path) from err
    try:
        # isolation_level=None: the driver never opens a transaction by itself; we say BEGIN IMMEDIATE.
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as err:
        raise storage_error(err, path) from err
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
    except (sqlite3.Error, OSError, UnicodeDecodeError, StorageError) as err:
        conn.close()
        raise storage_error(err, path) from err
    except BaseException:
        conn.close()
        raise
    return db


def open_read_only(path: str | os.PathLike[str]) -> Database:
    """Open an existing ward database for reading only: it is never created, migrated or written.

    SQLite's `mode=ro` refuses every write on the connection. A file on a read-only location, where
    SQLite cannot make the WAL's shared-memory file, is read as `immutable` if no WAL file lies beside
    it (nothing can change such a file while it is read). An empty file, a file with no ward, or one
    whose schema is older or newer than this Bedside's is refused with a `StorageError`.
    """
    path = Path(path)
    if path.is_dir():
        raise StorageError(f"{path} is a folder", problem=StorageProblem.NOT_A_FILE, path=path)
    if not path.exists():
        raise StorageError(f"no database at {path}", problem=StorageProblem.MISSING, path=path)
    if path.stat().st_size == 0:
        raise StorageError("an empty file", problem=StorageProblem.NOT_A_WARD, path=path)
    uri = "file:" + quote(str(path.resolve()))
    try:
        conn = _connect_read_only(uri + "?mode=ro")
    except sqlite3.OperationalError as err:
        wal = path.with_name(path.name + "-wal")
        if classify(err) is not StorageProblem.IO_ERROR or _writable(path.parent) or wal.exists():
            raise storage_error(err, path) from err
        try:
            conn = _connect_read_only(uri + "?mode=ro&immutable=1")
        except sqlite3.Error as again:
            raise storage_error(again, path) from again
    except sqlite3.Error as err:
        raise storage_error(err, path) from err
    try:
        db = Database(conn, execute_plugins=False)
        _check_readable_ward(db)
    except (sqlite3.Error, OSError, StorageError) as err:
        conn.close()
        raise storage_error(err, path) from err
    except BaseException:
        conn.close()
        raise
    return db


def _connect_read_only(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only=ON")
        conn.execute(
            "SELECT count(*) FROM sqlite_master"
        ).fetchone()  # reads the header: NOTADB here
    except BaseException:
        conn.close()
        raise
    return conn


def _check_readable_ward(db: Database) -> None:
    # Imported here because the migrations use this module's transaction().
    from bedside.store.migrations import SCHEMA_VERSION, check_version, pending
    from bedside.store.schema import check_schema

    if not db.table_names():
        raise StorageError("it holds no ward", problem=StorageProblem.NOT_A_WARD)
    check_version(db)
    if pending(db):
        user_version = db.conn.execute("PRAGMA user_version").fetchone()[0]
        raise StorageVersionError(
            f"its schema is version {user_version}, this Bedside reads version {SCHEMA_VERSION}",
            problem=StorageProblem.OUTDATED,
        )
    check_schema(db)


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
