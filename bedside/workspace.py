# SPDX-License-Identifier: Apache-2.0
"""What the presentation layer opens: a ward database as the service objects it needs.

The app never holds a database of its own (`ui/` runs no SQL): it asks here for a `Ward` (one per
thread, each on its own connection), a `Chart` (the read service of the trend and history views), and
a sync run with the hub (`sync_with_hub`, on connections of its own, for a worker).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bedside.backup import (
    Backup,
    BackupError,
    BackupResult,
    RestoreResult,
    Unrecoverable,
    backup_folder,
    list_backups,
    make_backup,
    newest_verified,
    restore,
    unrecoverable_records,
)
from bedside.chart import Chart
from bedside.clinical.policy import DEFAULT_POLICY, SitePolicy
from bedside.clock import Clock
from bedside.store.connection import (
    StorageError,
    StorageProblem,
    open_database,
    open_read_only,
    storage_error,
)
from bedside.store.location import default_database_path
from bedside.store.log import StoredRecord
from bedside.sync.status import SyncStatus, local_status, not_yet, sync_overdue, sync_with_hub
from bedside.verify import open_ward
from bedside.ward import Ward

__all__ = [
    "Backup",
    "BackupError",
    "BackupResult",
    "RecoveryOffer",
    "RestoreResult",
    "StorageError",
    "StorageProblem",
    "StoredRecord",
    "SyncStatus",
    "back_up",
    "backup_folder",
    "default_database_path",
    "list_backups",
    "local_status",
    "not_yet",
    "open_for_reading",
    "open_service",
    "open_ward_and_chart",
    "prepare",
    "recovery_offer",
    "restore_backup",
    "storage_error",
    "sync_overdue",
    "sync_with_hub",
]


def prepare(path: str | os.PathLike[str], *, clock: Clock) -> None:
    """Create the ward database at `path` on first start, migrate it, and verify it whole (structure,
    every device's chain, the projections): a damaged file is refused with `StorageError` (DAMAGED)
    before any window charts into it. Any failure of the folder or the file is a `StorageError`."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise storage_error(err, path) from err
    ward, db = open_ward(path, clock=clock)
    del ward
    db.close()


def open_service(
    path: str | os.PathLike[str], *, clock: Clock, policy: SitePolicy = DEFAULT_POLICY
) -> Ward:
    """The ward service on a connection of its own (for a worker thread); `Ward.close()` closes it.
    `policy` is the site's configured defaults: the Ward overlays the ward's policy_set records."""
    return Ward(open_database(path, clock=clock), clock=clock, policy=policy)


def open_ward_and_chart(
    path: str | os.PathLike[str], *, clock: Clock, policy: SitePolicy = DEFAULT_POLICY
) -> tuple[Ward, Chart]:
    """The GUI thread's ward service and chart reader, sharing one connection for short reads."""
    db = open_database(path, clock=clock)
    ward = Ward(db, clock=clock, policy=policy)
    return ward, Chart(db, policy=ward.policy)  # the policy in force (its policy_set records)


def back_up(
    path: str | os.PathLike[str],
    folder: str | os.PathLike[str],
    *,
    policy: SitePolicy,
    now: datetime,
) -> BackupResult:
    """One verified backup of the ward file into `folder`, keeping `policy.backup_keep` (the app's
    timer runs it in a worker). Raises `BackupError` (its sentence for the user)."""
    return make_backup(path, folder, keep=policy.backup_keep, now=now)


@dataclass(frozen=True, slots=True)
class RecoveryOffer:
    """What the app says when the ward file fails verification at start: what is wrong, the newest
    verified backup (None when there is none) and what restoring it cannot bring back."""

    database: Path
    problem: str
    folder: Path
    backup: Backup | None
    backup_records: int
    lost: Unrecoverable | None


def recovery_offer(
    path: str | os.PathLike[str], problem: str, folder: str | os.PathLike[str] | None = None
) -> RecoveryOffer:
    """The offer for a damaged ward file: the newest backup that verifies now, and the records of the
    damaged file that backup does not hold (read as far as the damage allows)."""
    path = Path(path)
    folder = Path(folder) if folder is not None else backup_folder(path)
    try:
        found = newest_verified(folder, path)
    except BackupError:
        found = None
    if found is None:
        return RecoveryOffer(path, problem, folder, None, 0, None)
    backup, verdict = found
    return RecoveryOffer(
        path, problem, folder, backup, verdict.records, unrecoverable_records(path, backup.path)
    )


def restore_backup(path: str | os.PathLike[str], backup: Backup, *, now: datetime) -> RestoreResult:
    """Put the verified `backup` in place of the ward file (kept aside), before anything opens it."""
    return restore(path, backup.path, now=now)


def open_for_reading(
    path: str | os.PathLike[str], *, clock: Clock, policy: SitePolicy = DEFAULT_POLICY
) -> tuple[Ward, Chart]:
    """A ward service and chart reader over an existing database, opened read-only (never created,
    migrated or written: `bedside handover` reads a ward another process charts into). A missing,
    empty or foreign file is a `StorageError`; `Ward.close()` closes the connection."""
    db = open_read_only(path)
    ward = Ward(db, clock=clock, policy=policy)
    return ward, Chart(db, policy=ward.policy)
