"""Where the ward database lives by default: the platform's per-user data folder (DESIGN section 6)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "Bedside"
DATABASE_NAME = "ward.db"


def default_data_dir() -> Path:
    """%LOCALAPPDATA%\\Bedside on Windows, ~/Library/Application Support/Bedside on macOS,
    $XDG_DATA_HOME/bedside (or ~/.local/share/bedside) elsewhere."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / APP_NAME
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_NAME
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_NAME.lower()


def default_database_path() -> Path:
    return default_data_dir() / DATABASE_NAME
