"""The environment's errors sorted into a few `StorageProblem`s, each with a sentence saying what to do.

A person reads words, never a driver's traceback: sqlite3's and the operating system's exceptions become a
`StorageError` naming the file, its problem and the advice. This module imports nothing of Bedside's, so every
other store module can raise and classify through it.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from enum import Enum
from pathlib import Path


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


class WriteLockTimeout(StorageError):
    """Another connection kept the write lock for the whole of the wait budget (R5); nothing was written."""

    default_problem = StorageProblem.LOCKED

    def __init__(self, waited_s: float, attempts: int) -> None:
        super().__init__(f"it stayed locked for {waited_s:.1f} s while Bedside waited to write")
        self.waited_s = waited_s
        self.attempts = attempts


# SQLite's result codes, https://sqlite.org/rescode.html
SQLITE_BUSY = 5
# A read transaction that tried to become a write transaction on an outdated snapshot. Waiting cannot
# cure it (the snapshot stays outdated); Bedside starts every write with BEGIN IMMEDIATE, so it means a
# write path that began as a read: a bug, never "locked".
SQLITE_BUSY_SNAPSHOT = SQLITE_BUSY | (2 << 8)


def is_busy(error: BaseException) -> bool:
    """Whether waiting and trying again may cure `error`: SQLITE_BUSY and its extended codes (recovery,
    timeout), but not SQLITE_BUSY_SNAPSHOT."""
    code = getattr(error, "sqlite_errorcode", None)
    return (
        isinstance(error, sqlite3.OperationalError)
        and isinstance(code, int)
        and code & 0xFF == SQLITE_BUSY
        and code != SQLITE_BUSY_SNAPSHOT
    )


# SQLite's primary result codes (the low byte of the extended code)
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
        if code == SQLITE_BUSY_SNAPSHOT:
            return StorageProblem.BUG
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
    if not writable(path.parent) or (path.exists() and not writable(path)):
        return StorageProblem.READ_ONLY
    return fallback


def writable(path: Path) -> bool:
    """Whether this user may write at `path`, on a mount that is not read-only."""
    try:
        return os.access(path, os.W_OK) and not _read_only_mount(path)
    except OSError:
        return False


def _read_only_mount(path: Path) -> bool:
    # os.access() answers for root as if every mount were writable; statvfs knows better.
    return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
