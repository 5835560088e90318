"""The house rule that keeps the core plain Python: checked by walking every import, not by goodwill."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "bedside": {"PySide6", "pyqtgraph", "ui", "shiboken6"},
    "ui": {"sqlite3", "sqlite_utils", "psycopg", "psycopg2"},
}


def imported_top_names(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add((node.module.split(".")[0], node.lineno))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and getattr(node.func, "id", getattr(node.func, "attr", ""))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add((node.args[0].value.split(".")[0], node.lineno))
    return names


def violations(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name, line in imported_top_names(path):
            if name in FORBIDDEN[package]:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return found


def test_core_never_imports_qt_or_ui() -> None:
    assert violations("bedside") == []


def test_ui_never_talks_to_a_database() -> None:
    assert violations("ui") == []


def test_the_checker_bites(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import PySide6.QtCore\nfrom sqlite_utils import Database\n")
    names = {n for n, _ in imported_top_names(bad)}
    assert {"PySide6", "sqlite_utils"} <= names
