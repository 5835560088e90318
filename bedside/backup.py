"""Verified backups of the ward file, restoring one, and what a damaged file holds beyond its backup.

A backup is taken with SQLite's online backup API (`sqlite3.Connection.backup`) in one step from a
read-only connection: it reads one consistent snapshot of the file while other programs keep writing (WAL:
readers never block writers), so a backup holds whole transactions only. It is written under a hidden
`.partial` name in the backup folder (owner-only: folder 0700, file 0600), switched to a single
self-contained file (`journal_mode=DELETE`), synced, and verified exactly as `bedside verify` verifies a
ward (`verify_path`: integrity check, schema, triggers, every chain, the projections recomputed). Only a
backup that passes takes its name, `<database stem>.backup-<UTC time>Z.db`, and only then are the oldest
beyond the number kept removed; one that fails is deleted and reported, so a damaged source never replaces
a good backup. How often and how many: `SitePolicy.backup_interval_min` and `SitePolicy.backup_keep`.

A restore verifies the backup first, refuses while another program has the database open (SQLite's
own locks, taken here), keeps the replaced file (and its WAL) aside as `<name>.replaced-<UTC time>Z`,
and puts a copy of the backup in its place; the backup itself is never changed.

Every failure is a `BackupError` whose `sentence()` is one line: what, where, what to do.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from bedside.clinical.policy import SitePolicy, setting_problem
from bedside.store.connection import StorageError, StorageProblem, classify, open_read_only
from bedside.store.permissions import FILE_MODE, FOLDER_MODE
from bedside.verify import Verdict, verify_path

__all__ = [
    "Backup",
    "BackupError",
    "BackupResult",
    "LostRecord",
    "RestoreResult",
    "Unrecoverable",
    "backup_folder",
    "check_policy",
    "list_backups",
    "make_backup",
    "newest_verified",
    "restore",
    "unrecoverable_records",
]

BACKUP_FOLDER_NAME = "backups"
_STAMP = "%Y%m%dT%H%M%S"


class BackupError(Exception):
    """A backup or a restore that did not happen; the message is the whole sentence for the user."""

    def __init__(self, sentence: str, *, problem: StorageProblem = StorageProblem.BUG) -> None:
        super().__init__(sentence)
        self.problem = problem

    def sentence(self) -> str:
        return str(self)


@dataclass(frozen=True, slots=True)
class Backup:
    """A verified backup file in a backup folder, and the UTC time it was taken."""

    path: Path
    taken_at: datetime


@dataclass(frozen=True, slots=True)
class BackupResult:
    """A backup taken and verified, and the older backups it replaced (removed)."""

    backup: Backup
    verdict: Verdict
    removed: tuple[Path, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """What a restore put in place: how many records, the newest one's entry time (UTC, None when
    there are no records), and where the replaced file was kept (None when there was none)."""

    database: Path
    backup: Path
    records: int
    newest_entered_at: str | None
    kept_aside: Path | None


@dataclass(frozen=True, slots=True)
class LostRecord:
    """A record of the damaged file that the backup does not hold."""

    record_id: str
    kind: str
    patient_id: str
    observed_at: str
    entered_at: str


@dataclass(frozen=True, slots=True)
class Unrecoverable:
    """The records of a damaged file missing from a backup; `complete` is False when part of the damaged
    file could not be read (then `note` says so, and more may be lost than listed)."""

    records: tuple[LostRecord, ...]
    complete: bool
    note: str = ""


def check_policy(policy: SitePolicy) -> None:
    """The backup settings of a site policy are usable; a ValueError names the setting and its range
    (the ranges of `bedside.clinical.policy.SETTING_RANGES`, which a policy_set record is held to)."""
    for name in ("backup_interval_min", "backup_keep"):
        problem = setting_problem(name, getattr(policy, name))
        if problem is not None:
            raise ValueError(problem)


def backup_folder(db_path: str | os.PathLike[str]) -> Path:
    """The default backup folder of a ward file: `backups/` beside it (give another disk's with --to)."""
    return Path(db_path).parent / BACKUP_FOLDER_NAME


def _pattern(db_path: Path) -> re.Pattern[str]:
    return re.compile(re.escape(db_path.stem) + r"\.backup-(\d{8}T\d{6})\.(\d{3})Z(?:-(\d+))?\.db")


def list_backups(folder: str | os.PathLike[str], db_path: str | os.PathLike[str]) -> list[Backup]:
    """The backups of `db_path` in `folder`, newest first (only files named as Bedside names them; a
    `.partial` one being written or left by a crash is not a backup)."""
    folder, pattern = Path(folder), _pattern(Path(db_path))
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    except OSError as err:
        raise _folder_error(err, folder) from err
    found = []
    for name in names:
        match = pattern.fullmatch(name)
        if match is None:
            continue
        taken = datetime.strptime(match[1], _STAMP).replace(
            microsecond=int(match[2]) * 1000, tzinfo=UTC
        )
        found.append((taken, int(match[3] or 0), Backup(folder / name, taken)))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [backup for _, _, backup in found]


def make_backup(
    db_path: str | os.PathLike[str],
    folder: str | os.PathLike[str],
    *,
    keep: int,
    now: datetime,
) -> BackupResult:
    """Back up the ward file at `db_path` into `folder`, verify the copy, then keep the newest `keep`.

    `folder` is created (0700) if only its last part is missing; a folder whose parent is missing (a disk
    not mounted) is refused rather than made on another disk. Raises `BackupError`; on any failure the
    partial copy is removed and every earlier backup is left as it was.
    """
    db_path, folder = Path(db_path), Path(folder)
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise BackupError(f"backup_keep: {keep!r} must be a whole number of backups from 1")
    _prepare_folder(folder)
    final = _new_name(folder, db_path, now)
    partial = folder / f".{final.name}.partial"
    try:
        _copy_online(db_path, partial)
        verdict = _verify(partial, "the new backup")
        if not verdict.ok:
            raise BackupError(
                f"the new backup of {db_path} failed verification ({verdict.summary()}); it was "
                f"deleted and the earlier backups in {folder} were kept: run `bedside verify --db "
                f"{db_path}` and tell the ward's IT support",
                problem=StorageProblem.DAMAGED,
            )
        os.replace(partial, final)
        _sync_folder(folder)
    except BaseException as err:
        with suppress(OSError):
            partial.unlink()
        if isinstance(err, OSError | sqlite3.Error):
            raise _folder_error(err, folder) from err
        raise
    removed = []
    for old in list_backups(folder, db_path)[keep:]:
        try:
            old.path.unlink()
        except OSError as err:
            raise _folder_error(err, folder) from err
        removed.append(old.path)
    return BackupResult(Backup(final, _taken(now)), verdict, tuple(removed))


def newest_verified(
    folder: str | os.PathLike[str], db_path: str | os.PathLike[str]
) -> tuple[Backup, Verdict] | None:
    """The newest backup of `db_path` in `folder` that verifies now (an older one when a newer one was
    damaged since), with its verdict; None when there is none."""
    for backup in list_backups(folder, db_path):
        try:
            verdict = verify_path(backup.path)
        except StorageError:
            continue
        if verdict.ok:
            return backup, verdict
    return None


def restore(
    db_path: str | os.PathLike[str], backup_path: str | os.PathLike[str], *, now: datetime
) -> RestoreResult:
    """Put a copy of the verified backup at `db_path`, keeping the file it replaces aside.

    Refused (`BackupError`, nothing changed) when the backup does not verify, or while another program
    has `db_path` open. The check takes SQLite's own file locks from this process: call it before this
    process opens the database (a POSIX lock is dropped when any descriptor of the file is closed).
    """
    db_path, backup_path = Path(db_path), Path(backup_path)
    verdict = _verify(backup_path, "the backup")
    if not verdict.ok:
        raise BackupError(
            f"the backup {backup_path} failed verification ({verdict.summary()}); nothing was "
            "restored: choose another backup (`bedside backup --list`)",
            problem=StorageProblem.DAMAGED,
        )
    if not db_path.parent.is_dir():
        raise BackupError(
            f"the folder {db_path.parent} of the database does not exist: check the --db path",
            problem=StorageProblem.MISSING,
        )
    stamp = _stamp(now)
    incoming = db_path.with_name(f".{db_path.name}.restoring")
    aside: Path | None = None
    try:
        _copy_as_ward(backup_path, incoming)
        with _held_exclusively(db_path):
            if db_path.exists():
                aside = db_path.with_name(f"{db_path.name}.replaced-{stamp}")
                os.replace(db_path, aside)
                for suffix in ("-wal", "-shm"):
                    side = db_path.with_name(db_path.name + suffix)
                    if side.exists():
                        os.replace(side, aside.with_name(aside.name + suffix))
            os.replace(incoming, db_path)
        _sync_folder(db_path.parent)
    except BaseException as err:
        with suppress(OSError):
            incoming.unlink()
        if isinstance(err, OSError | sqlite3.Error):
            raise _folder_error(err, db_path.parent, what="the database folder") from err
        raise
    records, newest = _record_summary(db_path)
    return RestoreResult(db_path, backup_path, records, newest, aside)


def unrecoverable_records(
    damaged: str | os.PathLike[str], backup: str | os.PathLike[str]
) -> Unrecoverable:
    """The records readable in the `damaged` file that the (verified) `backup` does not hold: what a
    restore of that backup loses. Read row by row, as far as the damage allows."""
    with _plain_read(Path(backup)) as conn:
        kept = {row[0] for row in conn.execute("SELECT id FROM records")}
    lost: list[LostRecord] = []
    try:
        with _plain_read(Path(damaged)) as conn:
            cursor = conn.execute(
                "SELECT id, kind, patient_id, observed_at, entered_at FROM records NOT INDEXED "
                "ORDER BY rowid"
            )
            for row in cursor:
                if row[0] not in kept:
                    lost.append(LostRecord(*(str(value) for value in row)))
    except (sqlite3.Error, OSError, ValueError) as err:
        return Unrecoverable(
            tuple(lost),
            complete=False,
            note=f"part of the damaged file cannot be read ({err}); more records may be lost",
        )
    return Unrecoverable(tuple(lost), complete=True)


# --- the pieces ------------------------------------------------------------------------------------


def _taken(now: datetime) -> datetime:
    utc = now.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def _stamp(now: datetime) -> str:
    utc = now.astimezone(UTC)
    return f"{utc:{_STAMP}}.{utc.microsecond // 1000:03d}Z"


def _new_name(folder: Path, db_path: Path, now: datetime) -> Path:
    base = f"{db_path.stem}.backup-{_stamp(now)}"
    candidate, n = folder / f"{base}.db", 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{base}-{n}.db"
    return candidate


def _prepare_folder(folder: Path) -> None:
    if folder.is_dir():
        return
    if folder.exists():
        raise BackupError(
            f"the backup folder {folder} is a file, not a folder: choose another folder with --to",
            problem=StorageProblem.NOT_A_FILE,
        )
    if not folder.parent.is_dir():
        raise BackupError(
            f"the backup folder {folder} cannot be made: {folder.parent} does not exist (is the "
            "disk connected?): connect it or choose another folder with --to; nothing was written",
            problem=StorageProblem.MISSING,
        )
    try:
        folder.mkdir(mode=FOLDER_MODE)
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode is cut by the umask
    except OSError as err:
        raise _folder_error(err, folder) from err


def _private_new_file(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.close(fd)
    os.chmod(path, FILE_MODE)


def _copy_online(db_path: Path, partial: Path) -> None:
    """One consistent snapshot of the live file, by the backup API, into a new owner-only file."""
    try:
        source = open_read_only(db_path)
    except StorageError as err:
        raise BackupError(err.sentence(), problem=err.problem) from err
    try:
        _private_new_file(partial)
        target = sqlite3.connect(partial, isolation_level=None)
        try:
            source.conn.backup(target)  # pages=-1: the whole file in one step, one snapshot
            target.execute(
                "PRAGMA journal_mode=DELETE"
            )  # one self-contained file, no WAL beside it
        finally:
            target.close()
        _sync_file(partial)
    finally:
        source.close()


def _copy_as_ward(backup_path: Path, incoming: Path) -> None:
    """A copy of the backup (never the backup itself) beside the database, owner-only, in WAL mode."""
    _private_new_file(incoming)
    shutil.copyfile(backup_path, incoming)
    conn = sqlite3.connect(incoming, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()  # the last connection: the WAL is checkpointed and removed
    _sync_file(incoming)


def _verify(path: Path, what: str) -> Verdict:
    try:
        return verify_path(path)
    except StorageError as err:
        raise BackupError(
            f"{what} {path} {err.problem.value}: {_ADVICE.get(err.problem, err.problem.advice)}",
            problem=err.problem,
        ) from err


_ADVICE = {
    StorageProblem.MISSING: "check the path (`bedside backup --list` shows the backups)",
    StorageProblem.NOT_A_WARD: "choose a Bedside backup (`bedside backup --list`)",
    StorageProblem.NOT_A_DATABASE: "choose a Bedside backup (`bedside backup --list`)",
}


@contextmanager
def _held_exclusively(db_path: Path) -> Iterator[None]:
    """SQLite's exclusive lock on `db_path` (POSIX advisory locks on the bytes SQLite uses), held while
    the file is swapped. Any open connection of another program holds a shared lock on the file (in WAL
    mode for as long as it is open), so taking it fails while one does: refused, nothing changed. Where
    there are no POSIX locks (Windows), renaming a file another program holds open fails instead."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    if not db_path.exists():
        yield
        return
    fd = os.open(db_path, os.O_RDWR)
    try:
        try:
            # SQLite's PENDING byte (0x40000000), RESERVED byte and SHARED range (510 bytes after).
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 512, 0x40000000)
        except OSError as err:
            raise BackupError(
                f"the database {db_path} is open in another program (the Bedside app, a sync or a "
                "backup): close it, then restore again; nothing was changed",
                problem=StorageProblem.LOCKED,
            ) from err
        yield
    finally:
        os.close(fd)


@contextmanager
def _plain_read(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection that reads the file as it is (no schema or version check)."""
    uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA query_only=ON")
        yield conn
    finally:
        conn.close()


def _record_summary(db_path: Path) -> tuple[int, str | None]:
    with _plain_read(db_path) as conn:
        count, newest = conn.execute("SELECT count(*), max(entered_at) FROM records").fetchone()
    return int(count), (str(newest).split("/", 1)[0] if newest is not None else None)


def _sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    if os.name != "posix":  # pragma: no cover - a folder cannot be opened for fsync on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_FOLDER_ADVICE = {
    StorageProblem.NO_PERMISSION: (
        "may not be written by this user: ask for access or choose another folder with --to"
    ),
    StorageProblem.READ_ONLY: "is on a read-only location: choose another folder with --to",
    StorageProblem.DISK_FULL: (
        "is on a full disk: free some space or choose another folder with --to"
    ),
    StorageProblem.MISSING: "does not exist: check the path or connect the disk",
    StorageProblem.LOCKED: "is in use by another program: try again in a moment",
}


def _folder_error(
    err: BaseException, folder: Path, *, what: str = "the backup folder"
) -> BackupError:
    problem = classify(err)
    said = _FOLDER_ADVICE.get(
        problem, f"cannot be used ({getattr(err, 'strerror', None) or err}): check the disk"
    )
    return BackupError(f"{what} {folder} {said}; nothing was replaced", problem=problem)
