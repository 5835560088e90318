"""Sync through real hubs (a SQLite file and PostgreSQL): push, pull, receive, convergence, and the
reliability battery's R6, R7, R8, R9 and R11 (BATTERY.md)."""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bedside.clock import ManualClock
from bedside.records.codec import VITALS_PLACES
from bedside.store.connection import open_database
from bedside.store.receive import flags, quarantined
from bedside.sync.exchange import SyncSettings, local_state, sync_once
from bedside.sync.hub import HubError, HubProblem
from bedside.sync.sqlite_hub import network_file_system
from bedside.ward import Ward
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

HR = 1 + VITALS_PLACES.index("hr")  # the heart rate's place in a stored V1 vitals array


class Crash(Exception):
    """A simulated crash at a named step of a sync run."""


def machine(tmp_path: Path, name: str, clock: ManualClock | None = None) -> WardFixture:
    clock = clock or ManualClock(START)
    path = tmp_path / f"{name}.db"
    db = open_database(path, clock=clock)
    return WardFixture(Ward(db, clock=clock), clock, path, db)


def run(fx: WardFixture, place: HubPlace, **kw: Any) -> Any:
    hub = place.open(fx.clock)
    try:
        return sync_once(fx.ward, fx.db, hub, fx.clock, **kw)
    finally:
        hub.close()


def ids(fx: WardFixture) -> list[str]:
    db = fx.db
    return sorted(r[0] for r in db.conn.execute("SELECT id FROM records"))


def hub_ids(place: HubPlace) -> list[str]:
    hub = place.open()
    try:
        return sorted(r.row["id"] for r in hub.pull(0, "nobody", 10**9))
    finally:
        hub.close()


def picture(fx: WardFixture) -> list[Any]:
    """What the ward shows: each patient's grades and open alerts with who acknowledged them."""
    shown = []
    for row in fx.ward.board():
        latest = row.latest
        shown.append(
            (
                row.patient_id,
                None
                if latest is None
                else (latest.crs_grade, latest.icans_grade, latest.news2, latest.pews),
                sorted(
                    (a.alert_id, a.kind, a.level, a.status, a.acknowledged_by) for a in row.alerts
                ),
            )
        )
    return shown


def admitted(fx: WardFixture, patient: str = "A100") -> None:
    recorded(fx.ward.admit(admission(patient, ADULT_BORN), author=NURSE))


def test_push_and_pull_round_trip_and_a_rerun_is_a_no_op(
    hub_place: HubPlace, tmp_path: Path
) -> None:
    a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
    admitted(a)
    for i in range(5):
        a.clock.advance(timedelta(minutes=15))
        recorded(chart(a, "A100", hr=80 + i))
    report = run(a, hub_place)
    assert report.pushed == len(ids(a)) and report.waiting == 0
    b.clock.set(a.clock.now())
    got = run(b, hub_place)
    assert got.pulled == len(ids(a)) and not got.quarantined
    assert set(ids(a)) <= set(ids(b))
    assert picture(a) == picture(b)
    again = run(b, hub_place)
    assert (again.pushed, again.pulled) == (0, 0)
    assert run(a, hub_place).pulled == 0
    assert hub_ids(hub_place) == sorted(set(ids(a)) | set(ids(b)))


def test_two_machines_chart_one_patient_offline_and_converge(
    hub_place: HubPlace, tmp_path: Path
) -> None:
    a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
    admitted(a)
    run(a, hub_place)
    run(b, hub_place)
    # Apart: A charts a fever, B a low blood pressure; neither sees the other.
    a.clock.advance(timedelta(minutes=10))
    b.clock.advance(timedelta(minutes=12))
    recorded(chart(a, "A100", temperature=38.9))
    recorded(chart(b, "A100", temperature=38.6, sbp=85))
    for _ in range(2):
        for fx in (a, b):
            run(fx, hub_place)
    assert ids(a) == ids(b)
    assert picture(a) == picture(b)
    crs = [p[1][0] for p in picture(a)]
    assert crs == [2]  # the merged log: fever (A) with hypotension needing no pressor (B), grade 2
    # An acknowledgement made on A holds on B: the alert's id is derived from the log.
    alert = next(al for al in a.ward.open_alerts("A100") if al.kind.value == "crs")
    recorded(a.ward.acknowledge(alert.alert_id, author=NURSE))
    run(a, hub_place)
    run(b, hub_place)
    on_b = b.ward.alert(alert.alert_id)
    assert on_b is not None and on_b.acknowledged_by == NURSE.user_id
    assert picture(a) == picture(b)


def test_same_alert_raised_on_two_machines_offline_is_one_alert(
    hub_place: HubPlace, tmp_path: Path
) -> None:
    a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
    admitted(a)
    run(a, hub_place)
    run(b, hub_place)
    recorded(chart(a, "A100", minutes=-6, temperature=38.9))
    recorded(chart(b, "A100", minutes=-5, temperature=39.1))
    raised_a = {al.alert_id for al in a.ward.open_alerts("A100") if al.kind.value == "crs"}
    raised_b = {al.alert_id for al in b.ward.open_alerts("A100") if al.kind.value == "crs"}
    assert raised_a == raised_b  # derived, never machine-local
    for _ in range(2):
        run(a, hub_place)
        run(b, hub_place)
    assert len([al for al in b.ward.open_alerts("A100") if al.kind.value == "crs"]) == 1
    assert picture(a) == picture(b)


def test_a_correction_on_b_supersedes_a_s_record_everywhere(
    hub_place: HubPlace, tmp_path: Path
) -> None:
    a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
    admitted(a)
    first = recorded(chart(a, "A100", minutes=5, temperature=38.9)).record
    run(a, hub_place)
    run(b, hub_place)
    b.clock.advance(timedelta(minutes=20))
    from tests.support.ward_fixtures import normal_adult_vitals

    recorded(b.ward.correct(first.id, normal_adult_vitals(), reason="wrong patient", author=NURSE))
    run(b, hub_place)
    run(a, hub_place)
    for fx in (a, b):
        current = fx.db.conn.execute(
            "SELECT count(*) FROM records WHERE supersedes = ?", [first.id]
        ).fetchone()[0]
        assert current == 1
        assert fx.ward.latest_assessment("A100").crs_grade == 0  # type: ignore[union-attr]
    assert picture(a) == picture(b)


def test_two_offline_admissions_of_one_patient_are_flagged_not_merged(
    hub_place: HubPlace, tmp_path: Path
) -> None:
    a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
    admitted(a)
    admitted(b)
    run(a, hub_place)
    run(b, hub_place)
    run(a, hub_place)
    for fx in (a, b):
        kinds = {f[1] for f in flags(fx.db)}
        assert "duplicate_admission" in kinds
        count = fx.db.conn.execute(
            "SELECT count(*) FROM records WHERE kind = 'admission'"
        ).fetchone()[0]
        assert count == 2  # both kept


# --- R7: replay with altered content ----------------------------------------------------------------


def test_r7_altered_replay_is_quarantined_with_both_versions(
    hub_place: HubPlace, tmp_path: Path
) -> None:
    a = machine(tmp_path, "a")
    admitted(a)
    for i in range(99):
        recorded(chart(a, "A100", minutes=-(99 - i) * 0.5, hr=60 + i % 40))
    run(a, hub_place)
    db = a.db
    rows = db.conn.execute(
        "SELECT id, kind, patient_id, observed_at, entered_at, author, device_id, seq, supersedes, "
        "reason, payload, hash FROM records WHERE kind = 'vitals' ORDER BY seq LIMIT 100"
    ).fetchall()
    altered = []
    for r in rows[:100]:
        payload = json.loads(r[10])  # a V1 array: the heart rate in its place
        payload[HR] = payload[HR] + 1
        altered.append((*r[:10], json.dumps(payload, sort_keys=True), r[11]))
    hub = hub_place.open()
    try:
        result = hub.push(
            a.db.conn.execute("SELECT device_id FROM device").fetchone()[0],
            altered,
            a.clock.now(),
        )
        assert result.inserted == 0 and len(result.clashes) == len(altered)
        status = hub.status()
        assert len(status.conflicts) == len(altered)
        for c in status.conflicts:
            assert c.held is not None and c.pushed["payload"] != c.held["payload"]
        # Shown again, never doubled: the same altered version pushed twice is one conflict.
        hub.push(altered[0][6], altered[:1], a.clock.now())
        assert len(hub.status().conflicts) == len(altered)
    finally:
        hub.close()


def test_received_altered_record_is_quarantined_locally(
    hub_place: HubPlace, tmp_path: Path
) -> None:
    a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
    admitted(a)
    recorded(chart(a, "A100", minutes=1))
    run(a, hub_place)
    run(b, hub_place)
    # The same rows arriving again at B with a changed value (another hub, a tampered copy).
    from bedside.store.connection import transaction
    from bedside.store.log import Log
    from bedside.store.receive import receive

    db = b.db
    row = dict(
        zip(
            (
                "id",
                "kind",
                "patient_id",
                "observed_at",
                "entered_at",
                "author",
                "device_id",
                "seq",
                "supersedes",
                "reason",
                "payload",
                "hash",
            ),
            db.conn.execute(
                "SELECT id, kind, patient_id, observed_at, entered_at, author, device_id, "
                "seq, supersedes, reason, payload, hash FROM records WHERE kind='vitals'"
            ).fetchone(),
            strict=True,
        )
    )
    assert row["payload"].startswith('["V1",37.0,0,80,')  # the heart rate, 80
    row["payload"] = row["payload"].replace("37.0,0,80,", "37.0,0,81,", 1)
    with transaction(db):
        got = receive(
            db, Log(db, b.clock), [row], b.clock, clock_suspect_after=timedelta(minutes=10)
        )
    assert got.accepted == 0 and len(got.quarantined) == 1
    assert len(quarantined(db)) == 1


def test_sync_bookkeeping_is_guarded_and_a_changed_trigger_is_refused_at_open(
    hub_place: HubPlace, tmp_path: Path
) -> None:
    a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
    admitted(a)
    run(a, hub_place)
    run(b, hub_place)
    # A quarantined version is kept as found: not removable, not editable, from any connection.
    with sqlite3.connect(b.path) as conn:
        conn.execute(
            "INSERT INTO sync_quarantine (record_id, version_hash, origin, reason, version, "
            "found_at) VALUES ('r', 'h', 'hub', 'test', '{}', '2026-11-20T09:00:00Z')"
        )
    for statement in (
        "DELETE FROM sync_quarantine",
        "UPDATE sync_quarantine SET reason = 'other'",
        "UPDATE sync_hubs SET pulled_hub_seq = 0",
        "DELETE FROM sync_hubs",
    ):
        conn = sqlite3.connect(b.path)
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(statement)
        conn.close()
    b.db.conn.close()
    # A same-name trigger that never fires is found by its SQL at the next open.
    with sqlite3.connect(b.path) as conn:
        conn.executescript(
            "DROP TRIGGER sync_quarantine_no_delete; CREATE TRIGGER sync_quarantine_no_delete "
            "BEFORE DELETE ON sync_quarantine WHEN 0 BEGIN SELECT RAISE(ABORT, 'x'); END;"
        )
    from bedside.store.guard import GuardTampered

    with pytest.raises(GuardTampered, match="sync_quarantine_no_delete"):
        open_database(b.path, clock=b.clock)


# --- R8: a poison record does not block the queue ------------------------------------------------------


def _poison(place: HubPlace, record_id: str) -> None:
    if place.kind == "sqlite":
        conn = sqlite3.connect(place.url.removeprefix("sqlite:///"))
        conn.execute(
            f"CREATE TRIGGER poison BEFORE INSERT ON hub_records WHEN NEW.id = '{record_id}' "
            "BEGIN SELECT RAISE(ABORT, 'poison record'); END"
        )
        conn.commit()
        conn.close()
    else:
        import psycopg

        with psycopg.connect(place.url, autocommit=True) as conn:
            conn.execute(
                "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.id = '{record_id}' THEN RAISE EXCEPTION 'poison record'; END IF; "
                "RETURN NEW; END $$"
            )
            conn.execute(
                "CREATE TRIGGER poison BEFORE INSERT ON hub_records FOR EACH ROW "
                "EXECUTE FUNCTION poison()"
            )


def test_r8_poison_record_is_quarantined_and_the_queue_drains(
    hub_place: HubPlace, tmp_path: Path
) -> None:
    a = machine(tmp_path, "a")
    admitted(a)
    while len(ids(a)) < 500:
        recorded(chart(a, "A100", minutes=-(600 - len(ids(a))) * 0.1))
    all_ids = ids(a)
    bad = random.Random(8).choice(all_ids)
    _poison(hub_place, bad)
    report = run(a, hub_place, settings=SyncSettings(batch_size=128))
    assert [c.record_id for c in report.clashes] == [bad]
    assert "poison record" in report.clashes[0].reason
    assert sorted(hub_ids(hub_place)) == sorted(set(all_ids) - {bad})
    shown = [q for q in quarantined(a.db) if q[0] == bad]
    assert shown and "poison record" in shown[0][1]
    # The queue keeps draining: new records go up past the quarantined one.
    recorded(chart(a, "A100", minutes=1))
    assert run(a, hub_place).pushed >= 1


# --- R6: interrupted at every step, both hubs, with the negative control -----------------------------

STEPS = [
    "read batch",
    "hub insert",
    "after hub commit",
    "after local push cursor",
    "pull batch",
    "received before local commit",
    "after local pull commit",
    "rederive",
]


def _charted(fx: WardFixture, n: int, patient: str = "A100") -> None:
    admitted(fx, patient)
    while len(ids(fx)) < n:
        recorded(chart(fx, patient, minutes=-(n - len(ids(fx))) * 0.2, hr=70 + len(ids(fx)) % 30))


@pytest.mark.parametrize("where", STEPS)
def test_r6_sync_interrupted_at_every_step(hub_place: HubPlace, tmp_path: Path, where: str) -> None:
    a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
    _charted(a, 100, "A100")
    _charted(b, 100, "B200")
    settings = SyncSettings(batch_size=64)
    run(a, hub_place, settings=settings)  # B has something to pull

    def crash(step: str) -> None:
        if step == where:
            raise Crash(step)

    with pytest.raises(Crash):
        run(b, hub_place, settings=settings, step=crash)
    b.reopen()  # as after a restart
    run(b, hub_place, settings=settings)
    second = run(b, hub_place, settings=settings)
    assert (second.pushed, second.pulled) == (0, 0)  # the second resume is a no-op
    run(a, hub_place, settings=settings)
    run(b, hub_place, settings=settings)  # what A's re-derivation wrote comes back to B
    held = hub_ids(hub_place)
    assert len(held) == len(set(held))  # duplicates 0
    assert set(held) == set(ids(a)) | set(ids(b))  # unsynced 0
    assert set(ids(a)) == set(ids(b))
    assert local_state(b.db).all_synced


def test_r6_hook_crash_inside_the_hub_transaction(hub_place: HubPlace, tmp_path: Path) -> None:
    """A crash after the hub's insert, before its commit: nothing is held, the resume pushes all."""
    a = machine(tmp_path, "a")
    _charted(a, 50)
    hub = hub_place.open(a.clock)
    rows = [
        tuple(r)
        for r in a.db.conn.execute(
            "SELECT id, kind, patient_id, observed_at, entered_at, author, device_id, seq, supersedes, "
            "reason, payload, hash FROM records ORDER BY seq"
        )
    ]
    real_pushed = hub.pushed_seq(rows[0][6])
    hub.close()
    assert real_pushed == 0
    run(a, hub_place)
    held = hub_ids(hub_place)
    assert sorted(held) == ids(a)


class NaiveHub:
    """Negative control: a plain INSERT into a table without a unique id, and a cursor kept only on
    the machine (moved after the hub's commit). The R6 harness must catch its duplicates."""

    def __init__(self, path: Path, db: Any) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None)
        self._conn.execute("CREATE TABLE IF NOT EXISTS naive (id TEXT, device_id TEXT, seq INT)")
        self._db = db
        self.url = f"sqlite:///{path}"

    def hub_id(self) -> str:
        return "naive"

    def pushed_seq(self, device_id: str) -> int:
        row = self._db.conn.execute(
            "SELECT pushed_seq FROM sync_hubs WHERE hub_id = 'naive'"
        ).fetchone()
        return int(row[0]) if row else 0

    def push(self, device_id: str, rows: Any, reported_now: Any) -> Any:
        from bedside.sync.hub import PushResult

        self._conn.executemany(
            "INSERT INTO naive VALUES (?, ?, ?)", [(r[0], r[6], r[7]) for r in rows]
        )
        return PushResult(len(rows), 0, (), max(r[7] for r in rows))

    def pull(self, after: int, exclude: str, limit: int) -> list[Any]:
        return []

    def anchor(self, device_id: str) -> None:
        return None  # the naive hub anchors nothing

    def clock_offsets(self) -> dict[str, float]:
        return {}

    def report_pulled(self, device_id: str, hub_seq: int) -> None:
        pass

    def close(self) -> None:
        self._conn.close()

    def held(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT id FROM naive")]


def test_r6_negative_control_a_plain_insert_doubles(tmp_path: Path) -> None:
    a = machine(tmp_path, "a")
    _charted(a, 100)
    db = a.db
    hub = NaiveHub(tmp_path / "naive.db", db)

    def crash(step: str) -> None:
        if step == "after hub commit":
            raise Crash(step)

    with pytest.raises(Crash):
        sync_once(a.ward, db, hub, a.clock, SyncSettings(batch_size=64), step=crash)  # type: ignore[arg-type]
    sync_once(a.ward, db, hub, a.clock, SyncSettings(batch_size=64))  # type: ignore[arg-type]
    held = hub.held()
    assert len(held) > len(set(held)), "the harness must see the duplicates of a plain INSERT"


# --- R9: sync status never lies ---------------------------------------------------------------------


def test_r9_status_never_claims_all_synced_falsely(hub_place: HubPlace, tmp_path: Path) -> None:
    a = machine(tmp_path, "a")
    _charted(a, 30)
    rng = random.Random(9)
    runs = 60 if hub_place.kind == "sqlite" else 30
    for i in range(runs):
        if rng.random() < 0.5:
            recorded(chart(a, "A100", minutes=0.01 * i))
        where = rng.choice([*STEPS, None])

        def crash(step: str, where: str | None = where) -> None:
            if step == where:
                raise Crash(step)

        before = set(ids(a))
        with contextlib.suppress(Crash):
            run(a, hub_place, settings=SyncSettings(batch_size=8), step=crash)
        state = local_state(a.db)
        held = set(hub_ids(hub_place))
        if state.all_synced:
            assert set(ids(a)) <= held, "a false 'all synced'"
        assert before <= set(ids(a)), "a local record hidden or deleted after a failed send"


# --- R11: clocks skewed ±1 day ----------------------------------------------------------------------


def test_r11_clock_skew_flags_and_keeps_order(hub_place: HubPlace, tmp_path: Path) -> None:
    a = machine(tmp_path, "a", ManualClock(START + timedelta(hours=24)))
    b = machine(tmp_path, "b", ManualClock(START - timedelta(hours=24)))
    recorded(
        a.ward.admit(admission("A100", ADULT_BORN), author=NURSE, at=START - timedelta(hours=30))
    )
    first = recorded(
        a.ward.chart_vitals(
            "A100",
            __import__("tests.support.ward_fixtures", fromlist=["x"]).normal_adult_vitals(),
            observed_at=START - timedelta(hours=25),
            author=NURSE,
        )
    ).record
    run(a, hub_place)
    run(b, hub_place)
    # B (24 h behind) corrects A's record: the correction sorts after it (HLC).
    from tests.support.ward_fixtures import normal_adult_vitals

    fixed = recorded(
        b.ward.correct(first.id, normal_adult_vitals(hr=90), reason="typo", author=NURSE)
    ).record
    assert fixed.entered_at > first.entered_at
    a.clock.set(a.clock.now() - timedelta(hours=24))  # A's clock jumps back mid-shift
    later = recorded(chart(a, "A100", minutes=-24 * 60 - 60, hr=85)).record
    assert later.entered_at > first.entered_at
    run(b, hub_place)
    run(a, hub_place)
    run(b, hub_place)
    charted = "SELECT id FROM records WHERE kind NOT IN ('assessment', 'alert_event')"
    on_a = {r[0] for r in a.db.conn.execute(charted)}
    on_b = {r[0] for r in b.db.conn.execute(charted)}
    assert on_a == on_b and first.id in on_a and fixed.id in on_a  # 0 dropped
    suspect = {f[0] for f in flags(b.db) if f[1] == "clock_suspect"}
    assert first.id in suspect  # A's +24 h records, seen from B
    for fx in (a, b):
        db = fx.db
        bad = db.conn.execute(
            "SELECT count(*) FROM records c JOIN records o ON o.id = c.supersedes "
            "WHERE c.entered_at <= o.entered_at"
        ).fetchone()[0]
        assert bad == 0


# --- hub addresses and the CLI --------------------------------------------------------------------


def test_network_share_is_refused(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    share = tmp_path / "share"
    share.mkdir()
    mounts.write_text(f"/dev/vda / ext4 rw 0 0\nserver:/x {share} nfs4 rw 0 0\n")
    assert network_file_system(share / "hub.db", mounts) == "nfs4"
    assert network_file_system(tmp_path / "hub.db", mounts) is None


def test_sync_cli_unreachable_hub_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bedside.cli import main

    a = machine(tmp_path, "a")
    admitted(a)
    a.db.conn.close()
    code = main(["sync", "--hub", "postgresql://nobody@127.0.0.1:1/none", "--db", str(a.path)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "cannot be reached" in err and "Traceback" not in err
    code = main(["sync", "--hub", f"sqlite:///{tmp_path / 'missing.db'}", "--db", str(a.path)])
    assert code == 2


def test_hub_cli_init_sync_status(
    hub_place: HubPlace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bedside.cli import main

    a = machine(tmp_path, "a")
    admitted(a)
    a.db.conn.close()
    assert main(["hub", "init", hub_place.url]) == 0
    assert main(["sync", "--hub", hub_place.url, "--db", str(a.path)]) == 0
    assert main(["hub", "status", hub_place.url]) == 0
    out = capsys.readouterr().out
    assert "1 machines" in out and "0 conflicts" in out


def test_open_hub_refuses_an_uninitialised_or_bad_address(tmp_path: Path) -> None:
    from bedside.sync.hub import open_hub

    with pytest.raises(HubError) as caught:
        open_hub("ftp://x")
    assert caught.value.problem is HubProblem.BAD_URL
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(HubError) as caught:
        open_hub(f"sqlite:///{empty}")
    assert caught.value.problem is HubProblem.NOT_INITIALISED
