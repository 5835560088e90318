"""What the import contracts cannot see: imports by name at run time, SQL in the UI, and clinical thresholds
in the UI (STYLE rules 1 and 5).

The layers themselves (clinical < ... < ward < cli, ui above bedside, no Qt in bedside, no database driver or
store in ui) are import-linter contracts in pyproject.toml, run by `lint-imports` in .ci/test. Each check here
has a negative control: a snippet it must refuse, and one it must let through.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bedside.clinical.crs import FEVER_C

ROOT = Path(__file__).resolve().parent.parent

# The same modules the forbidden contracts name, for imports the linter cannot follow.
FORBIDDEN = {
    "bedside": {"PySide6", "shiboken6", "pyqtgraph", "ui"},
    "ui": {"sqlite3", "sqlite_utils", "psycopg", "psycopg2", "bedside.store"},
}

# Modules inside an external package, which the contracts cannot name (they see only `PySide6`).
FORBIDDEN_INSIDE = {"ui": {"PySide6.QtSql"}}

# SQL, as a statement's shape: words a sentence on a screen would not put together in this way. SELECT ...
# FROM, DELETE FROM and WHERE only in capitals ("Select a patient from the board" is a sentence).
_SQL = re.compile(
    r"\bSELECT\b[\s\S]+\bFROM\b|\bDELETE\s+FROM\b|\bWHERE\s+\w+\s*(=|<|>|IN\b|IS\b)"
    r"|(?i:\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\s+\w+\s*="
    r"|\b(CREATE|DROP|ALTER)\s+(TABLE|INDEX|TRIGGER|VIEW)\b|\bPRAGMA\s+\w+|\bBEGIN\s+(IMMEDIATE|EXCLUSIVE)\b)"
)
_SQL_CALLS = {"execute", "executemany", "executescript", "cursor"}

# Name parts of a clinical value: compared with a number, they are a threshold (thresholds live in
# bedside/clinical; the UI shows the engine's grades, flags and priorities).
_CLINICAL_WORDS = {
    "temp",
    "temperature",
    "hr",
    "pulse",
    "rr",
    "sbp",
    "dbp",
    "bp",
    "spo2",
    "fio2",
    "o2",
    "flow",
    "crt",
    "news2",
    "pews",
    "grade",
    "ice",
    "capd",
    "score",
    "level",
    "dose",
}


def _number(node: ast.expr) -> float | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return None if inner is None else -inner
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return node.value
    return None


def _name_of(node: ast.expr) -> str | None:
    """The name a value goes by: `x`, `a.b.x`, `row["x"]`, `payload.get("x")`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return str(node.slice.value)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ):
        return str(node.args[0].value)
    return None


def _is_clinical(name: str) -> bool:
    return bool(set(name.lower().split("_")) & _CLINICAL_WORDS)


def dynamic_imports(source: str) -> set[tuple[str, int]]:
    """Modules imported by a name given as text (`importlib.import_module("x")`, `__import__("x")`)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and getattr(node.func, "id", getattr(node.func, "attr", ""))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add((node.args[0].value, node.lineno))
    return found


def static_imports(source: str) -> set[tuple[str, int]]:
    """Every module an `import` or `from ... import` statement names (absolute imports)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {(alias.name, node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add((node.module, node.lineno))
            found |= {(f"{node.module}.{alias.name}", node.lineno) for alias in node.names}
    return found


def sql_in(source: str) -> list[int]:
    """Lines with SQL text or a call that runs it."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _SQL.search(node.value)
        ) or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _SQL_CALLS
        ):
            lines.append(node.lineno)
    return sorted(lines)


def _fever_literals() -> set[Decimal]:
    """SPEC 2.1: the fever threshold in °C and in °F (38.0 °C is 100.4 °F)."""
    return {FEVER_C, (FEVER_C * 9 / 5 + 32).quantize(Decimal("0.1"))}


def thresholds_in(source: str) -> list[int]:
    """Lines that compare a clinical value with a number, or hold the fever threshold as a number."""
    fever = _fever_literals()
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            names = [n for n in map(_name_of, operands) if n is not None]
            if any(_number(o) is not None for o in operands) and any(map(_is_clinical, names)):
                lines.append(node.lineno)
        value = _number(node) if isinstance(node, ast.expr) else None
        if isinstance(value, float) and Decimal(str(value)) in fever:
            lines.append(node.lineno)
    return sorted(set(lines))


def _python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _forbidden(name: str, package: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN[package])


def test_no_forbidden_module_is_imported_by_name() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for package in FORBIDDEN
        for path in _python_files(package)
        for name, line in dynamic_imports(path.read_text(encoding="utf-8"))
        if _forbidden(name, package)
    ]
    assert found == []


def test_the_ui_holds_no_sql() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _python_files("ui")
        for line in sql_in(path.read_text(encoding="utf-8"))
    ]
    found += [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _python_files("ui")
        for name, line in static_imports(path.read_text(encoding="utf-8"))
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN_INSIDE["ui"])
    ]
    assert found == []


def test_the_ui_holds_no_clinical_threshold() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _python_files("ui")
        for line in thresholds_in(path.read_text(encoding="utf-8"))
    ]
    assert found == []


# --- negative controls: each check refuses what it is for, and lets ordinary code through ------------


def test_a_module_imported_by_name_is_seen() -> None:
    bad = 'import importlib\nqt = importlib.import_module("PySide6.QtCore")\ndb = __import__("sqlite3")\n'
    assert dynamic_imports(bad) == {("PySide6.QtCore", 2), ("sqlite3", 3)}
    assert _forbidden("PySide6.QtCore", "bedside") and _forbidden("bedside.store.log", "ui")
    assert not _forbidden("bedside.ward", "ui") and not _forbidden("PySide6x", "bedside")
    assert (
        dynamic_imports("import importlib\nimportlib.import_module(name)\nimport json\n") == set()
    )


def test_qt_sql_is_seen_however_it_is_imported() -> None:
    bad = "from PySide6 import QtSql, QtCore\nimport PySide6.QtSql as sql\nfrom PySide6.QtSql import QSqlQuery\n"
    names = {n for n, _ in static_imports(bad)}
    assert {"PySide6.QtSql", "PySide6.QtSql.QSqlQuery", "PySide6.QtCore"} <= names
    assert {n for n, _ in static_imports("from PySide6 import QtWidgets\n")} == {
        "PySide6",
        "PySide6.QtWidgets",
    }


def test_sql_in_the_ui_is_seen() -> None:
    bad = (
        'rows = conn.execute("SELECT hr FROM vitals WHERE patient_id = ?", [p])\n'
        'q = "insert or replace into vitals (hr) values (1)"\n'
        'QUERY = """\nUPDATE vitals\n   SET hr = 80\n"""\n'
        'x = "PRAGMA journal_mode"\n'
    )
    assert sql_in(bad) == [1, 1, 2, 3, 7]
    good = (
        'label = "Select a patient from the board"\n'
        'hint = "Delete the draft, then update the form"\n'
        "dialog.exec()\n"
    )
    assert sql_in(good) == []


def test_a_threshold_in_the_ui_is_seen() -> None:
    bad = (
        "if vitals.temp_c >= 38:\n    colour = RED\n"
        'if payload.get("news2") > 4:\n    pass\n'
        "alarm = summary.crs_grade >= 3\n"
        "band = pg.InfiniteLine(pos=38.0)\n"
        "line = 100.4\n"
        'warn = row["spo2"] < 92\n'
    )
    assert thresholds_in(bad) == [1, 3, 5, 6, 7, 8]
    good = (
        "if col == 2:\n    pass\n"
        "if age < 2:\n    text = months\n"
        "width = 380\n"
        "if alert.priority is Priority.HIGH:\n    colour = RED\n"
        "if grade is None:\n    text = 'not determinable'\n"
    )
    assert thresholds_in(good) == []


# --- the import contracts bite -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "source", "contract"),
    [
        ("bedside/store/_upward.py", "def f():\n    from bedside import ward\n", "layers"),
        ("bedside/clinical/_clock.py", "from bedside.clock import Clock\n", "layers"),
        ("bedside/records/fields_more.py", "x = 1\n", "records package"),
        ("bedside/_qt.py", "from PySide6 import QtCore\n", "never imports Qt"),
        ("bedside/_ui.py", "import ui\n", "ui sits above"),
        ("ui/_db.py", "import sqlite3\n", "never talks to a database"),
        ("ui/_store.py", "from bedside.store import log\n", "never talks to a database"),
    ],
)
def test_each_import_contract_refuses_a_planted_import(
    tmp_path: Path, module: str, source: str, contract: str
) -> None:
    """`lint-imports` on a copy of the tree with one bad import planted: it fails naming the contract."""
    for package in ("bedside", "ui"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    env = os.environ | {"PYTHONPATH": str(tmp_path)}
    linter = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", "--no-logo"]
    clean = subprocess.run(linter, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout
    (tmp_path / module).write_text(source, encoding="utf-8")
    planted = subprocess.run(linter, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert planted.returncode == 1, planted.stdout
    broken = planted.stdout[planted.stdout.index("Broken contracts") :]
    assert contract in broken and Path(module).stem in broken
