"""The chain anchored at the hub at each sync (issue 10, BATTERY R19's "after a hub anchor"), through real
hubs (a SQLite file and PostgreSQL): the hub keeps every machine's head, so a later rewrite or truncation
of the machine's log is refused at the next sync (nothing half-written, the conflict recorded and shown),
a push that does not continue the anchored head is refused by the hub itself, and `bedside verify --hub`
checks the local chain against the anchor. The negative control shows the same rewrite passes every
check that has no anchor, so it is the anchor that finds it.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bedside.cli import main
from bedside.clock import ManualClock
from bedside.store import hours
from bedside.store.connection import open_database
from bedside.store.log import GENESIS_HASH, Log, chain_hash
from bedside.store.schema import RECORD_COLUMNS
from bedside.sync.exchange import SyncRefused, sync_once
from bedside.sync.hub import HubError, HubProblem
from bedside.verify import verify_path
from bedside.ward import Ward
from tests.support.charted_ward import plain_connection
from tests.support.hubs import HubPlace
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    START,
    WardFixture,
    admission,
    chart,
    recorded,
)


def machine(tmp_path: Path, name: str) -> WardFixture:
    clock = ManualClock(START)
    path = tmp_path / f"{name}.db"
    db = open_database(path, clock=clock)
    return WardFixture(Ward(db, clock=clock), clock, path, db)


def charted(fx: WardFixture, n: int, patient: str = "A100") -> None:
    if not fx.db.conn.execute("SELECT 1 FROM patients WHERE patient_id = ?", [patient]).fetchone():
        recorded(fx.ward.admit(admission(patient, ADULT_BORN), author=NURSE))
    for i in range(n):
        fx.clock.advance(timedelta(minutes=15))
        recorded(chart(fx, patient, hr=70 + i % 30))


def run(fx: WardFixture, place: HubPlace) -> Any:
    hub = place.open(fx.clock)
    try:
        return sync_once(fx.ward, fx.db, hub, fx.clock)
    finally:
        hub.close()


def device(fx: WardFixture) -> str:
    return str(Log(fx.db, fx.clock).device_id)


def head(fx: WardFixture) -> tuple[int, str]:
    return Log(fx.db, fx.clock).head()


def rows(fx: WardFixture, above: int = 0) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in fx.db.conn.execute(
            f"SELECT {', '.join(RECORD_COLUMNS)} FROM records WHERE device_id = ? AND seq > ? "
            "ORDER BY seq",
            [device(fx), above],
        )
    ]


def tamper(fx: WardFixture, edit: Any) -> None:
    """Edit the closed ward file as someone with file access would (triggers dropped and put back as
    they were, so only a check that knows more than the file can tell), then reopen it."""
    fx.close()
    conn = plain_connection(fx.path)
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _ in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    edit(conn)
    for _, sql in triggers:
        conn.execute(sql)
    conn.close()
    fx.reopen()


def rewrite(conn: sqlite3.Connection) -> None:
    """Change one early record's author, recompute every hash after it and the device's head."""
    conn.execute("UPDATE records SET author = 'someone.else' WHERE seq = 3")
    previous = GENESIS_HASH
    for values in conn.execute(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM records ORDER BY seq"
    ).fetchall():
        previous = chain_hash(previous, dict(zip(RECORD_COLUMNS, values, strict=True)))
        conn.execute("UPDATE records SET hash = ? WHERE id = ?", [previous, values[0]])
    conn.execute("UPDATE devices SET last_hash = ?", [previous])


def truncate(keep: int) -> Any:
    def edit(conn: sqlite3.Connection) -> None:
        gone = [r[0] for r in conn.execute("SELECT id FROM records WHERE seq > ?", [keep])]
        for table in [
            r[0]
            for r in conn.execute(
                "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND EXISTS "
                "(SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'record_id')"
            )
        ]:
            conn.executemany(f'DELETE FROM "{table}" WHERE record_id = ?', [(i,) for i in gone])
        conn.execute("DELETE FROM records WHERE seq > ?", [keep])
        last = conn.execute("SELECT hash FROM records WHERE seq = ?", [keep]).fetchone()[0]
        conn.execute("UPDATE devices SET last_seq = ?, last_hash = ?", [keep, last])
        hours.rebuild(conn)  # the trend roll-up made again from what is left, as Bedside would

    return edit


def hub_state(place: HubPlace, device_id: str) -> tuple[Any, ...]:
    hub = place.open()
    try:
        status = hub.status()
        return (
            status.records,
            status.last_hub_seq,
            hub.pushed_seq(device_id),
            hub.anchor(device_id),
        )
    finally:
        hub.close()


def chain_conflicts(place: HubPlace) -> Any:
    hub = place.open()
    try:
        return hub.status().chain_conflicts
    finally:
        hub.close()


def test_an_honest_sync_anchors_the_head_and_passes(hub_place: HubPlace, tmp_path: Path) -> None:
    a = machine(tmp_path, "a")
    charted(a, 20)
    run(a, hub_place)
    anchor = hub_state(hub_place, device(a))[3]
    assert anchor is not None and (anchor.seq, anchor.hash) == head(a)
    charted(a, 10)  # the chain grows past the anchor: it still extends it
    report = run(a, hub_place)
    assert report.pushed >= 10 and report.waiting == 0
    anchor = hub_state(hub_place, device(a))[3]
    assert (anchor.seq, anchor.hash) == head(a)
    assert run(a, hub_place).pushed == 0  # nothing new: the anchor is checked and stays
    assert chain_conflicts(hub_place) == ()
    a.close()
    assert main(["verify", "--db", str(a.path), "--hub", hub_place.url]) == 0


def test_a_rewritten_log_is_refused_and_recorded(
    hub_place: HubPlace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = machine(tmp_path, "a")
    charted(a, 20)
    run(a, hub_place)
    before = hub_state(hub_place, device(a))
    tamper(a, rewrite)
    charted(a, 3)  # and charting goes on after the rewrite
    counts = Log(a.db, a.clock).row_counts()
    with pytest.raises(SyncRefused, match="rewritten"):
        run(a, hub_place)
    assert Log(a.db, a.clock).row_counts() == counts  # nothing half-written here
    assert hub_state(hub_place, device(a)) == before  # nor at the hub
    [conflict] = chain_conflicts(hub_place)
    assert conflict.device_id == device(a) and "rewritten" in conflict.reason
    assert (conflict.anchored_seq, conflict.anchored_hash) == (before[3].seq, before[3].hash)
    a.close()
    capsys.readouterr()
    assert main(["sync", "--hub", hub_place.url, "--db", str(a.path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "refused" in err and "Traceback" not in err
    assert main(["hub", "status", hub_place.url]) == 0
    out = capsys.readouterr().out
    assert "2 chain conflicts" in out and "CHAIN CONFLICT" in out and "rewritten" in out
    assert main(["verify", "--db", str(a.path), "--hub", hub_place.url]) == 1
    assert "rewritten" in capsys.readouterr().out


@pytest.mark.parametrize("regrow", [False, True], ids=["truncated", "truncated-and-regrown"])
def test_a_truncated_log_is_refused(
    hub_place: HubPlace, tmp_path: Path, capsys: pytest.CaptureFixture[str], regrow: bool
) -> None:
    a = machine(tmp_path, "a")
    charted(a, 20)
    run(a, hub_place)
    before = hub_state(hub_place, device(a))
    tamper(a, truncate(8))
    if regrow:  # charted past the anchored seq again: the record there is another one now
        charted(a, before[3].seq)
    assert verify_path(a.path).ok  # consistent in itself: only the anchor can tell
    counts = Log(a.db, a.clock).row_counts()
    with pytest.raises(SyncRefused, match="rewritten" if regrow else "truncated"):
        run(a, hub_place)
    assert Log(a.db, a.clock).row_counts() == counts
    assert hub_state(hub_place, device(a)) == before
    assert len(chain_conflicts(hub_place)) == 1
    a.close()
    capsys.readouterr()
    assert main(["verify", "--db", str(a.path), "--hub", hub_place.url]) == 1
    assert ("rewritten" if regrow else "truncated") in capsys.readouterr().out


def test_the_hub_refuses_a_push_that_does_not_continue_the_anchor(
    hub_place: HubPlace, tmp_path: Path
) -> None:
    a = machine(tmp_path, "a")
    charted(a, 10)
    run(a, hub_place)
    anchored = head(a)[0]
    charted(a, 5)
    new = rows(a, anchored)
    altered = [(*new[0][:10], new[0][10].replace(",", ", ", 1), new[0][11]), *new[1:]]
    attempts = {
        "gap": new[1:],  # the record after the anchor left out
        "altered": altered,  # its content changed, its hash kept
        "another device": [(*r[:6], "other-device", *r[7:]) for r in new],
    }
    for n, (what, push) in enumerate(attempts.items(), start=1):
        before = hub_state(hub_place, device(a))
        hub = hub_place.open(a.clock)
        try:
            with pytest.raises(HubError) as caught:
                hub.push(device(a), push, a.clock.now())
        finally:
            hub.close()
        assert caught.value.problem is HubProblem.CHAIN_REFUSED, what
        assert "nothing was written" in caught.value.sentence()
        assert hub_state(hub_place, device(a)) == before, what  # no record, cursor or anchor moved
        assert len(chain_conflicts(hub_place)) == n, what
    report = run(a, hub_place)  # the honest records still go up, continuing the anchor
    assert report.pushed >= 5 and hub_state(hub_place, device(a))[3].seq == head(a)[0]


def test_negative_control_the_rewrite_passes_every_check_without_an_anchor(
    hub_place: HubPlace, tmp_path: Path
) -> None:
    """The same rewrite, synced to a hub that never anchored this machine, is taken: it is consistent in
    itself, so the refusals above come from the anchor and not from the tampering being clumsy."""
    a = machine(tmp_path, "a")
    charted(a, 20)
    tamper(a, rewrite)
    assert verify_path(a.path).ok
    report = run(a, hub_place)
    assert report.pushed == head(a)[0] and report.waiting == 0
    assert chain_conflicts(hub_place) == ()


def _downgrade_to_schema_1(place: HubPlace) -> None:
    statements = [
        "DROP TABLE hub_anchors",
        "DROP TABLE hub_chain_conflicts",
        "UPDATE hub_meta SET value = '1' WHERE key = 'schema_version'",
    ]
    if place.kind == "sqlite":
        conn = sqlite3.connect(place.url.removeprefix("sqlite:///"), isolation_level=None)
        for statement in statements:
            conn.execute(statement)
        conn.close()
    else:
        with psycopg.connect(place.url, autocommit=True) as pg:
            for statement in statements:
                pg.execute(statement)


def test_hub_init_migrates_a_schema_1_hub_and_anchors_what_it_holds(
    hub_place: HubPlace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = machine(tmp_path, "a")
    charted(a, 10)
    run(a, hub_place)
    _downgrade_to_schema_1(hub_place)
    with pytest.raises(HubError) as caught:
        hub_place.open()
    assert caught.value.problem is HubProblem.OUTDATED
    assert "bedside hub init" in caught.value.sentence()
    assert main(["hub", "init", hub_place.url]) == 0
    anchor = hub_state(hub_place, device(a))[3]
    assert anchor is not None and (anchor.seq, anchor.hash) == head(a)  # anchored from its records
    tamper(a, rewrite)
    with pytest.raises(SyncRefused):
        run(a, hub_place)


def test_the_app_status_says_a_refused_chain_and_never_synced(
    hub_place: HubPlace, tmp_path: Path
) -> None:
    """The app's background sync (bedside.sync.status) shows the refusal's sentence, not an
    unexpected error, and keeps the last successful sync as it was."""
    from bedside.sync.status import sync_with_hub

    a = machine(tmp_path, "a")
    charted(a, 12)
    first = sync_with_hub(a.path, hub_place.url, clock=a.clock)
    assert first.problem is None, first.problem
    tamper(a, rewrite)
    a.clock.advance(timedelta(minutes=5))
    a.close()
    status = sync_with_hub(a.path, hub_place.url, clock=a.clock)
    assert status.problem is not None
    assert "refused" in status.problem and "bedside verify --hub" in status.problem
    assert "stopped" not in status.problem
    assert status.reachable
    assert status.last_sync_at == first.last_sync_at is not None
