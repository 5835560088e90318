"""Where the ward database lives by default: the platform's per-user data folder (DESIGN section 6)."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

APP_NAME = "Bedside"
DATABASE_NAME = "ward.db"


def default_data_dir() -> Path:
    """The platform's per-user data folder (platformdirs): %LOCALAPPDATA%\\Bedside on Windows,
    ~/Library/Application Support/Bedside on macOS, $XDG_DATA_HOME/bedside (or ~/.local/share/bedside)
    elsewhere."""
    name = APP_NAME if sys.platform in ("win32", "darwin") else APP_NAME.lower()
    return platformdirs.user_data_path(name, appauthor=False, roaming=False)


def default_database_path() -> Path:
    return default_data_dir() / DATABASE_NAME
