"""R3: a damaged file is found before any write and never charted into.

Copies of a charted ward with one random bit flipped, one truncated to half, one with page 1 zeroed, each
opened with the app's opener (`bedside.verify.open_ward`). A copy it accepts must be one whose flip changed
nothing: the same schema, user_version and rows in every table as the undamaged file, and a clean
`integrity_check` (a flip in free space or unused bytes may pass). A refused copy is refused as damaged (or
as not a database) and its bytes are left as they were. CI: 60 flips on a ~1,300-row file; `pytest -m long`:
200 flips on a ~5,000-row file, as the BATTERY says. And one damaged time in a vitals set's or an
assessment's row (a byte of its `observed_at` changed where SQLite's own check does not look): one finding
naming the record, from `verify`, the app's start (`prepare`, and the app itself) and `bedside verify`,
never an exception.
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bedside.clock import ManualClock
from bedside.store import hours
from bedside.store.connection import StorageError, StorageProblem, open_read_only
from bedside.store.verify import hours_findings
from bedside.verify import open_ward, verify_path
from bedside.workspace import prepare
from tests.support.charted_ward import build, copy_database
from tests.support.ward_fixtures import START
from ui.main import EXIT_STORAGE

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


def _damaged_time(
    clean: Path, target: Path, table: str, *, in_record: bool = False, at: int = -1, to: str = "J"
) -> str:
    """A copy of `clean` in which one row of `table` (or, `in_record`, its record) reads with the
    character `at` of its observed_at changed to `to` ("Z" to "J" by default), everything else as
    written, `integrity_check` included; its record id. The rows are tried newest first until a byte
    of one changes that row alone; each is the first of its patient's clock hour, whose time the
    roll-up reads (the first grades of the hour)."""
    conn = sqlite3.connect(f"file:{clean}?mode=ro", uri=True)
    try:
        candidates = conn.execute(
            f"SELECT record_id, observed_at FROM {table} t WHERE observed_at = "
            f"(SELECT min(observed_at) FROM {table} o WHERE o.patient_id = t.patient_id "
            "AND substr(o.observed_at, 1, 13) = substr(t.observed_at, 1, 13)) "
            "ORDER BY observed_at DESC, record_id"
        ).fetchall()
    finally:
        conn.close()
    data = clean.read_bytes()
    for record_id, observed_at in candidates:
        needle = observed_at.encode()
        changed = list(observed_at)
        changed[at] = to
        want = ("".join(changed), observed_at)
        found = data.find(needle)
        while found >= 0:
            damaged = bytearray(data)
            damaged[found + (at % len(needle))] = ord(to)
            target.write_bytes(bytes(damaged))
            conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
            try:
                checked = conn.execute("PRAGMA integrity_check").fetchall()
                read = (
                    conn.execute(
                        "SELECT observed_at FROM records WHERE id = ?", [record_id]
                    ).fetchone()[0],
                    conn.execute(
                        f"SELECT observed_at FROM {table} WHERE record_id = ?", [record_id]
                    ).fetchone()[0],
                )
            finally:
                conn.close()
            if checked == [("ok",)] and read == (want if in_record else want[::-1]):
                return str(record_id)
            found = data.find(needle, found + 1)
    raise AssertionError(f"no byte of a {table} time changes that row alone")


@pytest.mark.parametrize("table", ["assessments", "vitals"])
def test_a_damaged_time_in_a_projection_row_is_one_finding(
    charted: Path, tmp_path: Path, table: str
) -> None:
    damaged = tmp_path / "damaged.db"
    record_id = _damaged_time(charted, damaged, table)
    before = _digest(damaged)

    verdict = verify_path(damaged)
    assert not verdict.ok
    first = verdict.findings[0]
    assert (first.record_id, first.table) == (record_id, table), verdict.findings
    assert "observed_at" in first.what and "J'" in first.what
    # Named once, where the damage is: the trend roll-up (right as stored) is not blamed for it.
    assert [f for f in verdict.findings if f.record_id == record_id] == [first]
    assert [f for f in verdict.findings if f.table == hours.TABLE] == []

    # The roll-up's recompute alone names an assessment's unreadable time instead of raising.
    db = open_read_only(damaged)
    try:
        alone = hours_findings(db)
    finally:
        db.close()
    if table == "assessments":
        assert [(f.record_id, f.table) for f in alone] == [(record_id, table)]
        assert "cannot be read as a time" in alone[0].what
    else:  # the roll-up reads a vitals set's hour from its observed_s
        assert alone == []

    # The app's start refuses it with one sentence naming the record.
    with pytest.raises(StorageError) as refused:
        prepare(damaged, clock=ManualClock(START))
    assert refused.value.problem is StorageProblem.DAMAGED
    assert record_id in refused.value.sentence()

    # `bedside verify`: one line, exit 1, no traceback.
    done = subprocess.run(
        [sys.executable, "-m", "bedside.cli", "verify", "--db", str(damaged)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.count("\n") == 1 and "Traceback" not in done.stdout + done.stderr
    assert "DAMAGED" in done.stdout and record_id in done.stdout
    # The app itself (no window can be shown off screen): one sentence on stderr and its storage
    # exit code, before any window or write.
    started = subprocess.run(
        [sys.executable, "-m", "ui.main", "--db", str(damaged)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=os.environ | {"QT_QPA_PLATFORM": "offscreen"},
    )
    assert started.returncode == EXIT_STORAGE, started.stderr
    assert started.stderr.startswith("bedside: ") and "Traceback" not in started.stderr
    assert started.stderr.count("\n") == 1 and record_id in started.stderr
    assert _digest(damaged) == before


def test_a_record_whose_own_time_cannot_be_read_is_one_finding(
    charted: Path, tmp_path: Path
) -> None:
    """A vitals set's record reads "r026-..." (one bit: "2" is 0x32, "r" 0x72): it sorts after every
    time of its patient, so the latest time, where the roll-up's recompute ends its span, cannot be
    read."""
    damaged = tmp_path / "damaged.db"
    record_id = _damaged_time(charted, damaged, "vitals", in_record=True, at=0, to="r")
    verdict = verify_path(damaged)
    assert not verdict.ok
    assert verdict.findings[0].record_id == record_id, verdict.findings
    assert "hash does not match" in verdict.findings[0].what
    # The roll-up's span comes from the times that can be read: no hour is missing or unexplained.
    assert [f for f in verdict.findings if f.table == hours.TABLE] == []
    with pytest.raises(StorageError) as refused:
        prepare(damaged, clock=ManualClock(START))
    assert refused.value.problem is StorageProblem.DAMAGED
    assert record_id in refused.value.sentence()
