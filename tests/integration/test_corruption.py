"""R3: a damaged file is found before any write and never charted into.

Copies of a charted ward with one random bit flipped, one truncated to half, one with page 1 zeroed, each
opened with the app's opener (`bedside.verify.open_ward`). A copy it accepts must be one whose flip changed
nothing: the same schema, user_version and rows in every table as the undamaged file, and a clean
`integrity_check` (a flip in free space or unused bytes may pass). A refused copy is refused as damaged (or
as not a database) and its bytes are left as they were. CI: 60 flips on a ~1,300-row file; `pytest -m long`:
200 flips on a ~5,000-row file, as the BATTERY says.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
from pathlib import Path

import pytest

from bedside.clock import ManualClock
from bedside.store.connection import StorageError, StorageProblem
from bedside.verify import open_ward
from tests.support.charted_ward import build, copy_database
from tests.support.ward_fixtures import START

REFUSED_AS = {StorageProblem.DAMAGED, StorageProblem.NOT_A_DATABASE, StorageProblem.NOT_A_WARD,
              StorageProblem.INCOMPATIBLE, StorageProblem.OUTDATED}  # fmt: skip


def _content(path: Path) -> tuple[object, ...] | None:
    """Everything the file holds as SQLite reads it, or None if it cannot be read whole."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
                return None
            schema = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
            tables = [r[1] for r in schema if r[0] == "table"]
            rows = tuple(sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables)
            header = tuple(conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("user_version",))
            return (tuple(sorted(schema, key=repr)), rows, header)
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _opened(path: Path) -> StorageProblem | None:
    """None if the opener accepted the file for charting, else the problem it named."""
    try:
        _, db = open_ward(path, clock=ManualClock(START))
    except StorageError as err:
        return err.problem
    db.close()
    return None


@pytest.fixture(scope="module")
def charted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corrupt") / "ward.db"
    build(path, sets=300).ward  # noqa: B018 (built for its file)
    return copy_database(path, path.with_name("clean.db"))


def _run(clean: Path, tmp_path: Path, flips: int) -> None:
    rng = random.Random(3)
    original = _content(clean)
    assert original is not None
    size = clean.stat().st_size
    silent, refused, passed = [], 0, 0
    for i in range(flips):
        copy = copy_database(clean, tmp_path / f"flip{i}.db")
        data = bytearray(copy.read_bytes())
        bit = rng.randrange(size * 8)
        data[bit // 8] ^= 1 << (bit % 8)
        copy.write_bytes(bytes(data))
        before = _digest(copy)
        problem = _opened(copy)
        if problem is None:
            passed += 1
            if _content(copy) != original:
                silent.append(f"bit {bit} (byte {bit // 8}, page {bit // 8 // 4096 + 1})")
        else:
            refused += 1
            assert problem in REFUSED_AS, (bit, problem)
            assert _digest(copy) == before, f"bit {bit}: the refused file was written"
        for leftover in tmp_path.glob(f"flip{i}.db*"):
            leftover.unlink()
    assert not silent, f"{len(silent)} of {flips} changed flips were accepted: {silent[:5]}"
    assert refused > 0


def test_single_bit_flips_are_refused_or_change_nothing(charted: Path, tmp_path: Path) -> None:
    _run(charted, tmp_path, flips=60)


@pytest.mark.long
def test_single_bit_flips_at_battery_size(tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("corrupt-long") / "ward.db"
    build(path, sets=1200).ward  # noqa: B018
    clean = copy_database(path, path.with_name("clean.db"))
    _run(clean, tmp_path_factory.mktemp("flips"), flips=200)


def test_a_half_truncated_file_and_a_zeroed_first_page_are_refused(
    charted: Path, tmp_path: Path
) -> None:
    half = copy_database(charted, tmp_path / "half.db")
    data = half.read_bytes()
    half.write_bytes(data[: len(data) // 2])
    zeroed = copy_database(charted, tmp_path / "zeroed.db")
    data = zeroed.read_bytes()
    zeroed.write_bytes(bytes(4096) + data[4096:])
    for path in (half, zeroed):
        before = _digest(path)
        assert _opened(path) in REFUSED_AS, path.name
        assert _digest(path) == before
