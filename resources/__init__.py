"""Files the app ships beside its code (sounds; later icons, styles, translations), found by one function."""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parent


def resource_path(*parts: str) -> Path:
    """The path of a shipped file, e.g. resource_path("sounds", "alarm_high.wav")."""
    return _ROOT.joinpath(*parts)
