"""R19: tampering by someone with file access but no key is found by verification, 100 %.

Random single-field edits of records and of the projection rows the board reads, deletions, swaps of two
records' contents, truncations after a hub anchor (with the device head rewritten to match), a full rewrite
of the chain with recomputed hashes after an anchor, the REPLACE bypass and disabled triggers. Each
tampering is done on its own copy with the triggers dropped (and put back as they were, so that only the
verification can tell). CI sizes are reduced; `pytest -m long` runs the BATTERY's sizes.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from bedside.store.log import GENESIS_HASH, chain_hash
from bedside.store.schema import RECORD_COLUMNS
from bedside.verify import Anchor, verify_path
from tests.support.charted_ward import build, copy_database, plain_connection

PROJECTIONS = {
    "vitals": ("hr", "sbp", "spo2", "temp_c", "o2_device"),
    "assessments": ("crs_grade", "icans_grade", "news2", "pews"),
    "neuro_checks": ("ice_score", "capd_score", "seizure"),
    "interventions": ("dose", "drug", "stopped_at"),
    "patients": ("date_of_birth", "weight_kg", "developmental_delay"),
    "alert_events": ("priority", "event", "level"),
}
RECORD_FIELDS = ("kind", "patient_id", "observed_at", "author", "supersedes", "reason", "payload")


@pytest.fixture(scope="module")
def charted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tamper") / "ward.db"
    build(path, sets=60).ward  # noqa: B018 (built for its file)
    return path


class Tamperer:
    """A copy of the ward file, edited as an attacker would: triggers off, then put back."""

    def __init__(self, source: Path, target: Path) -> None:
        self.path = copy_database(source, target)
        self.conn = plain_connection(self.path)
        self._triggers = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall()
        for name, _ in self._triggers:
            self.conn.execute(f'DROP TRIGGER "{name}"')

    def done(self) -> Path:
        for _, sql in self._triggers:
            self.conn.execute(sql)
        self.conn.close()
        return self.path


def _different(value: object, rng: random.Random) -> object:
    if value is None:
        return 1
    if isinstance(value, bool | int):
        return value + rng.choice((-1, 1))
    if isinstance(value, float):
        return value + rng.choice((-0.5, 0.5))
    text = str(value)
    if not text:
        return "x"
    i = rng.randrange(len(text))
    return text[:i] + ("0" if text[i] != "0" else "1") + text[i + 1 :]


def _edit(t: Tamperer, rng: random.Random) -> str:
    if rng.random() < 0.5:
        table, column = "records", rng.choice(RECORD_FIELDS)
        key = "id"
    else:
        table = rng.choice(list(PROJECTIONS))
        column, key = rng.choice(PROJECTIONS[table]), "record_id"
    rows = t.conn.execute(f"SELECT {key}, {column} FROM {table}").fetchall()
    if column == "payload":
        rows = [r for r in rows if len(r[1]) > 2]
    record_id, value = rng.choice(rows)
    new = _different(value, rng)
    t.conn.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", [new, record_id])
    return f"{table}.{column} of {record_id}: {value!r} -> {new!r}"


def _sizes(long: bool) -> dict[str, int]:
    return (
        {"edits": 1000, "deletions": 100, "swaps": 100, "truncations": 10}
        if long
        else {"edits": 60, "deletions": 10, "swaps": 10, "truncations": 3}
    )


def _run(charted: Path, tmp_path: Path, long: bool) -> None:
    rng = random.Random(19)
    sizes = _sizes(long)
    missed: list[str] = []

    def check(what: str, t: Tamperer, anchors: list[Anchor] | None = None) -> None:
        verdict = verify_path(t.done(), anchors=anchors or [])
        if verdict.ok:
            missed.append(what)
        t.path.unlink()

    for i in range(sizes["edits"]):
        t = Tamperer(charted, tmp_path / f"edit{i}.db")
        check(_edit(t, rng), t)
    for i in range(sizes["deletions"]):
        t = Tamperer(charted, tmp_path / f"del{i}.db")
        table = rng.choice(["records", *PROJECTIONS])
        key = "id" if table == "records" else "record_id"
        victim = rng.choice(t.conn.execute(f"SELECT {key} FROM {table}").fetchall())[0]
        t.conn.execute(f"DELETE FROM {table} WHERE {key} = ?", [victim])
        check(f"deleted {table} {victim}", t)
    for i in range(sizes["swaps"]):
        t = Tamperer(charted, tmp_path / f"swap{i}.db")
        a, b = rng.sample(t.conn.execute("SELECT seq FROM records").fetchall(), 2)
        # Swap the two records' places in the chain (each keeps its own content and hash).
        t.conn.execute("UPDATE records SET seq = 1000000 WHERE seq = ?", [a[0]])
        t.conn.execute("UPDATE records SET seq = ? WHERE seq = ?", [a[0], b[0]])
        t.conn.execute("UPDATE records SET seq = ? WHERE seq = 1000000", [b[0]])
        check(f"swapped seq {a[0]} and {b[0]}", t)
    for i in range(sizes["truncations"]):
        t = Tamperer(charted, tmp_path / f"trunc{i}.db")
        device, last, head = t.conn.execute("SELECT * FROM devices").fetchone()
        anchor = Anchor(device, last, head)  # the hub's copy of the head, at the last sync
        keep = rng.randrange(1, last)
        t.conn.execute("DELETE FROM records WHERE seq > ?", [keep])
        new_head = t.conn.execute("SELECT hash FROM records WHERE seq = ?", [keep]).fetchone()[0]
        t.conn.execute("UPDATE devices SET last_seq = ?, last_hash = ?", [keep, new_head])
        # Truncating the records alone leaves projection rows the records do not explain.
        check(f"truncated to seq {keep}, head rewritten", t, [anchor])
    if missed:
        pytest.fail(f"{len(missed)} tamperings not found, e.g. {missed[:5]}")


def test_tampering_is_found_every_time(charted: Path, tmp_path: Path) -> None:
    _run(charted, tmp_path, long=False)


@pytest.mark.long
def test_tampering_is_found_every_time_at_battery_size(charted: Path, tmp_path: Path) -> None:
    _run(charted, tmp_path, long=True)


def test_a_full_rewrite_with_recomputed_hashes_disagrees_with_the_anchor(
    charted: Path, tmp_path: Path
) -> None:
    t = Tamperer(charted, tmp_path / "rewrite.db")
    device, last, head = t.conn.execute("SELECT * FROM devices").fetchone()
    anchor = Anchor(device, last, head)
    # Change one author early in the chain, then recompute every hash after it and the head.
    t.conn.execute("UPDATE records SET author = 'someone.else' WHERE seq = 3")
    previous = GENESIS_HASH
    for values in t.conn.execute(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM records ORDER BY seq"
    ).fetchall():
        row = dict(zip(RECORD_COLUMNS, values, strict=True))
        previous = chain_hash(previous, row)
        t.conn.execute("UPDATE records SET hash = ? WHERE id = ?", [previous, row["id"]])
    t.conn.execute("UPDATE devices SET last_hash = ?", [previous])
    path = t.done()
    assert verify_path(path).ok  # without a key, a local rewrite is consistent in itself...
    verdict = verify_path(path, anchors=[anchor])  # ...and the hub's anchor tells it apart
    assert not verdict.ok and "rewritten" in verdict.findings[0].what


def test_the_replace_bypass_and_disabled_triggers(charted: Path, tmp_path: Path) -> None:
    # The bypass: REPLACE from a plain connection. Refused now; with the guard dropped it
    # would succeed, and then the verification finds it.
    path = copy_database(charted, tmp_path / "replace.db")
    conn = plain_connection(path)
    row = conn.execute("SELECT * FROM vitals LIMIT 1").fetchone()
    names = [d[0] for d in conn.execute("SELECT * FROM vitals LIMIT 1").description]
    changed = dict(zip(names, row, strict=True)) | {"hr": 33.0}
    sql = f"INSERT OR REPLACE INTO vitals ({', '.join(changed)}) VALUES ({', '.join('?' * len(changed))})"
    with pytest.raises(sqlite3.IntegrityError, match="never replaced"):
        conn.execute(sql, list(changed.values()))
    guard = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'vitals_no_replace'"
    ).fetchone()
    conn.execute("DROP TRIGGER vitals_no_replace")
    conn.execute(sql, list(changed.values()))
    conn.execute(guard[0])
    conn.close()
    verdict = verify_path(path)
    assert not verdict.ok and "hr is 33.0" in verdict.findings[0].what
    # Triggers disabled by a same-name trigger that never fires: found by their SQL.
    path = copy_database(charted, tmp_path / "disabled.db")
    conn = plain_connection(path)
    for table in ("records", "assessments"):
        text = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = ?", [f"{table}_no_update"]
        ).fetchone()[0]
        conn.execute(f"DROP TRIGGER {table}_no_update")
        conn.execute(text.replace(f"ON {table}", f"ON {table} WHEN 0"))
    conn.close()
    verdict = verify_path(path)
    assert {f.what for f in verdict.findings} >= {
        "its append-only trigger records_no_update was changed outside Bedside",
        "its append-only trigger assessments_no_update was changed outside Bedside",
    }
