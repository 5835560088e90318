"""R21: a SIGKILL at any moment of a migration leaves the old schema or the new one, never half of it."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from bedside.clock import ManualClock
from bedside.records import Admission, Intervention, NeuroCheck, Note, Record, VitalSigns
from bedside.store.connection import open_database, transaction
from bedside.store.log import Log
from bedside.store.migrations import MIGRATION_NAMES, migrate
from tests.support.old_schema import before_the_hourly_roll_up

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 1, 1, tzinfo=UTC)
OLD, NEW = MIGRATION_NAMES[:-1], MIGRATION_NAMES
WORKERS = 4


def _schema_objects(stop_before: str | None) -> set[str]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(Database(conn), stop_before=stop_before)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    return names


# What the newest migration adds (tables, indexes); present exactly when it is recorded as applied.
NEW_INDEXES = _schema_objects(None) - _schema_objects(NEW[-1])


@dataclass(frozen=True)
class OldDatabase:
    path: Path
    hashes: list[tuple[str, str]]


def _chart(i: int) -> Record:
    if i % 10 == 3:
        return Intervention(
            drug="paracetamol",
            dose=15,
            dose_unit="mg/kg",
            route="po",
            started_at=T0 + timedelta(minutes=15 * i),
            indication="treatment",
        )
    if i % 10 == 7:
        return NeuroCheck(tool="CAPD", capd_not_assessable="not_done", seizure="none")
    if i % 50 == 9:
        return Note(text=f"note {i}")
    return VitalSigns(
        hr=60 + i % 90, sbp=100 + i % 40, dbp=60, temperature=37.2, temperature_unit="C"
    )


def build_old_database(path: Path, n: int) -> OldDatabase:
    """A database at the previous schema version with n records (some of them corrections)."""
    db = open_database(path, migrate=False)
    migrate(db, stop_before=NEW[-1])
    clock = ManualClock(T0)
    log = Log(db, clock)
    patients = [f"MRN-{k}" for k in range(3)]
    with before_the_hourly_roll_up(), transaction(db):
        for pid in patients:
            admission = Admission(
                patient_id=pid,
                name=f"Patient {pid}",
                date_of_birth=date(2014, 2, 2),
                sex="unknown",
                weight_kg=35,
                diagnosis="neuroblastoma",
                developmental_delay=False,
                infusion_at=T0,
                product="GD2-CART01",
                dose_cells_per_kg=2e6,
            )
            log.append(admission, patient_id=pid, observed_at=T0, author="builder")
        last: dict[str, str] = {}
        for i in range(n - len(patients)):
            clock.advance(timedelta(minutes=15))
            pid = patients[i % len(patients)]
            record = _chart(i)
            correcting = i % 97 == 0 and pid in last and isinstance(record, VitalSigns)
            stored = log.append(
                record,
                patient_id=pid,
                observed_at=clock.now(),
                author="builder",
                supersedes=last[pid] if correcting else None,
                reason="typo" if correcting else None,
            )
            if isinstance(record, VitalSigns):
                last[pid] = stored.id
    hashes = db.conn.execute("SELECT id, hash FROM records ORDER BY id").fetchall()
    db.close()
    assert not Path(f"{path}-wal").exists()  # closed cleanly: one self-contained file
    return OldDatabase(path, hashes)


@pytest.fixture(scope="module")
def old_database(tmp_path_factory: pytest.TempPathFactory) -> OldDatabase:
    return build_old_database(tmp_path_factory.mktemp("r21") / "old.db", 3000)


def _spawn(path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.migrate_child", str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def migration_seconds(old: OldDatabase, workdir: Path) -> float:
    """How long the child's migration runs when nobody kills it, with WORKERS of them side by side
    (as during the kills, so that the kill window covers the commit)."""

    def once(i: int) -> float:
        path = workdir / f"calibrate{i}.db"
        shutil.copy(old.path, path)
        with _spawn(path) as child:
            out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        return float(out.split("done ")[1])

    with ThreadPoolExecutor(WORKERS) as pool:
        return max(pool.map(once, range(WORKERS)))


def inspect(path: Path, old: OldDatabase) -> str:
    """'old' or 'new' (or 'old-mid': old, killed inside the migration's transaction); fails on anything
    else. Opened without the app's opener, so that nothing is repaired or migrated on the way."""
    wal = Path(f"{path}-wal")
    uncommitted = wal.exists() and wal.stat().st_size > 0
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        applied = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        user_version = conn.execute("PRAGMA user_version").fetchone()[0]
        assert conn.execute("SELECT id, hash FROM records ORDER BY id").fetchall() == old.hashes
    finally:
        conn.close()
    if applied == NEW:
        assert indexes >= NEW_INDEXES and user_version == len(NEW)
        state = "new"
    else:
        assert applied == OLD, applied
        assert not NEW_INDEXES & indexes and user_version == len(OLD)
        state = "old-mid" if uncommitted else "old"
    for copy in path.parent.glob(f"{path.stem}.pre-migration-*.db"):
        backup = sqlite3.connect(copy)
        assert backup.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert [r[0] for r in backup.execute("SELECT name FROM _sqlite_migrations")] == OLD
        backup.close()
    return state


def _kill_during_migration(old: OldDatabase, workdir: Path, window_s: float, seed: int) -> str:
    path = workdir / "ward.db"
    for leftover in workdir.iterdir():
        leftover.unlink()
    shutil.copy(old.path, path)
    with _spawn(path) as child:
        assert child.stdout is not None
        assert child.stdout.readline() == "go\n"
        time.sleep(random.Random(seed).uniform(0, window_s))
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()
    state = inspect(path, old)
    # And the app's opener finishes the job from either state.
    db = open_database(path)
    assert [m[0] for m in db.conn.execute("SELECT name FROM _sqlite_migrations")] == NEW
    db.close()
    return state


def run_kills(old: OldDatabase, tmp_path: Path, kills: int) -> Counter[str]:
    window_s = 2 * migration_seconds(old, tmp_path)
    seed = random.randrange(2**32)
    dirs = [tmp_path / f"k{i}" for i in range(kills)]
    for d in dirs:
        d.mkdir()
    with ThreadPoolExecutor(WORKERS) as pool:
        states = Counter(
            pool.map(
                _kill_during_migration,
                [old] * kills,
                dirs,
                [window_s] * kills,
                range(seed, seed + kills),
            )
        )
    print(f"R21 seed={seed} window={window_s:.3f}s {dict(states)}")
    return states


@pytest.mark.slow
def test_kill_9_during_migration_leaves_old_or_new(
    old_database: OldDatabase, tmp_path: Path
) -> None:
    states = run_kills(old_database, tmp_path, kills=20)
    assert sum(states.values()) == 20
    # The harness bites only if some kills land before the commit and some after.
    assert states["new"] >= 1 and states["old"] + states["old-mid"] >= 1, states


@pytest.mark.long
def test_kill_9_during_migration_200_times_on_a_year(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    year = build_old_database(tmp_path_factory.mktemp("r21-year") / "year.db", 35_040)
    states = run_kills(year, tmp_path, kills=200)
    assert states["new"] >= 1 and states["old-mid"] >= 1, states


def test_inspect_refuses_a_half_migrated_database(
    old_database: OldDatabase, tmp_path: Path
) -> None:
    """Negative control: an index of the new schema without its migration row is caught."""
    path = tmp_path / "half.db"
    shutil.copy(old_database.path, path)
    conn = sqlite3.connect(path)
    # A name SQLite reserves (the automatic index of a new table's key) cannot be created by hand.
    name = min(n for n in NEW_INDEXES if not n.startswith("sqlite_"))
    conn.execute(f"CREATE INDEX {name} ON records (kind)")
    conn.commit()
    conn.close()
    with pytest.raises(AssertionError):
        inspect(path, old_database)
