"""Patient data readable by its owner only: the ward file, its WAL and SHM, copies and their folders.

A new database file is created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
mode of the database file), and a folder Bedside makes for it is 0700. The app, the sync service and
the backups run as the same user.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def prepare_private_file(path: Path) -> None:
    """Create `path` empty and owner-only (and its missing folders 0700), unless it exists."""
    if str(path) == ":memory:" or path.exists():
        return
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=FOLDER_MODE)
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode is cut by the umask
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.close(fd)
    os.chmod(path, FILE_MODE)


def make_private(path: Path) -> None:
    """Make an existing file (a copy, a backup) owner-only."""
    os.chmod(path, FILE_MODE)
