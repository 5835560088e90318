"""The board as read at 3 a.m.: most urgent first, a header that says when, where and what, zoned times,
and the drivers of every score; and a demo ward that looks like a real moment on a ward."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bedside.alert_vocabulary import AlertStatus, Priority
from bedside.cli import main
from bedside.clinical.policy import SitePolicy
from bedside.clock import ManualClock
from bedside.demo import NURSE as DEMO_NURSE
from bedside.demo import PHYSICIAN as DEMO_PHYSICIAN
from bedside.demo import UNACKNOWLEDGED_WINDOW, build_demo
from bedside.schedule import CheckKind, DueCheck
from bedside.store.connection import open_database, open_read_only
from bedside.ward import Ward
from bedside.wardtext import render_board, urgency
from tests.support.ward_fixtures import (
    ADULT_BORN,
    CHILD_BORN,
    NURSE,
    START,
    WardFixture,
    admission,
    chart,
    recorded,
)

BERLIN = ZoneInfo("Europe/Berlin")
TIME = re.compile(r"(?<![+\-\d])\d\d:\d\d(?P<after>.{0,5})")  # a clock time, not an offset


@pytest.fixture
def fx(tmp_path: Path) -> WardFixture:
    clock = ManualClock(START)
    path = tmp_path / "ward.db"
    policy = SitePolicy(site_timezone="Europe/Berlin")
    db = open_database(path, clock=clock)
    fx = WardFixture(Ward(db, clock=clock, policy=policy), clock, path, db)
    for patient in ("A1", "M5", "Z9"):
        recorded(fx.ward.admit(admission(patient, ADULT_BORN, baseline_ice=10), author=NURSE))
    recorded(fx.ward.admit(admission("C1", CHILD_BORN, baseline_capd=0), author=NURSE))
    recorded(chart(fx, "A1"))
    recorded(chart(fx, "C1", hr=150))  # PEWS points, no CRS
    fever = recorded(chart(fx, "M5", temperature=38.6))  # CRS 1: a low-priority alert ...
    assert fever.alert_events
    [alert] = fx.ward.open_alerts("M5")
    recorded(fx.ward.acknowledge(alert.alert_id, author=NURSE))  # ... acknowledged
    recorded(chart(fx, "Z9", temperature=38.9, sbp=84, dbp=50, hr=120))  # CRS 2, unacknowledged
    return fx


def board_text(fx: WardFixture) -> str:
    return render_board(
        fx.ward.board(), now=fx.clock.now(), zone=fx.ward.policy.zone, database=fx.path
    )


def test_the_most_urgent_patient_comes_first_not_the_first_id(fx: WardFixture) -> None:
    text = board_text(fx)
    order = [line.split()[0] for line in text.splitlines() if re.match(r"^[A-Z]\d ", line)]
    # Z9: an unacknowledged medium alert; M5: CRS 1, its alert acknowledged; then grade 0 by id.
    assert order == ["Z9", "M5", "A1", "C1"]


def test_overdue_checks_break_a_tie(fx: WardFixture) -> None:
    rows = {row.patient_id: row for row in fx.ward.board()}
    late = DueCheck(CheckKind.VITALS, START, timedelta(hours=4), START, True, "days 0–14")
    behind = replace(rows["C1"], due=(late,))
    assert urgency(behind) > urgency(rows["A1"])
    text = render_board([rows["A1"], behind], now=fx.clock.now(), zone=BERLIN)
    assert text.index("C1  ") < text.index("A1  ")


def test_an_undeterminable_grade_ranks_between_zero_and_one(fx: WardFixture) -> None:
    rows = {row.patient_id: row for row in fx.ward.board()}
    unknown = replace(rows["A1"], latest=None)
    assert urgency(rows["A1"]) < urgency(unknown) < urgency(rows["M5"])


def test_the_header_says_when_where_which_database_and_how_many(fx: WardFixture) -> None:
    header = board_text(fx).splitlines()[0]
    local = START.astimezone(BERLIN).strftime("%d %b %H:%M")
    assert header.startswith(f"Ward board at {local} CET (CET, UTC+01:00, Europe/Berlin)")
    assert f"| {fx.path} |" in header and header.endswith("| 4 patients")


def test_every_time_on_the_board_carries_its_zone(fx: WardFixture) -> None:
    text = board_text(fx)
    times = list(TIME.finditer(text))
    assert len(times) > 8
    for found in times:
        assert found.group("after").startswith(" CET"), found.group(0)


def test_without_a_site_zone_the_machine_zone_is_named(fx: WardFixture) -> None:
    text = render_board(fx.ward.board(), now=fx.clock.now(), zone=None)
    label = fx.clock.now().astimezone().strftime("%Z")
    assert "this machine's zone" in text.splitlines()[0]
    assert all(m.group("after").startswith(f" {label}") for m in TIME.finditer(text))


def test_why_names_the_drivers_of_news2_and_pews_too(fx: WardFixture) -> None:
    blocks = {block.split()[0]: block for block in board_text(fx).split("\n\n") if block}
    assert "why: CRS grade 2:" in blocks["Z9"]
    assert "NEWS2 +2: pulse 120" in blocks["Z9"]
    assert "PEWS +2: HR 150 (4–12 years: ≥ 130)" in blocks["C1"]
    assert "why:" not in blocks["A1"]  # nothing scored: no drivers to name
    assert ">=" not in board_text(fx)


def test_alerts_say_who_acknowledged_them(fx: WardFixture) -> None:
    blocks = {block.split()[0]: block for block in board_text(fx).split("\n\n") if block}
    assert "[acknowledged by nurse.ada at" in blocks["M5"]
    assert "[NEEDS ACK]" in blocks["Z9"]


def test_an_empty_ward_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty-ward.db"
    open_database(path).conn.close()
    assert main(["board", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "| 0 patients" in out.splitlines()[0] and "no patients are admitted" in out


def test_the_command_prints_the_board_of_a_file(
    fx: WardFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    fx.close()
    assert main(["board", "--db", str(fx.path)]) == 0
    out = capsys.readouterr().out
    assert f"| {fx.path} | 4 patients" in out.splitlines()[0]
    assert out.index("Z9  ") < out.index("A1  ")


# --- the demo ward -------------------------------------------------------------------------------------


def test_the_demo_ward_looks_like_a_real_moment(tmp_path: Path) -> None:
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    path = tmp_path / "demo.db"
    summary = build_demo(str(path), now=now)
    assert summary.patients == 5
    db = open_read_only(path)
    ward = Ward(db, clock=ManualClock(now))
    alerts = ward.open_alerts()
    acknowledged = [a for a in alerts if a.status is AlertStatus.ACKNOWLEDGED]
    waiting = [a for a in alerts if a.status is AlertStatus.ACTIVE]
    assert acknowledged and waiting  # some acknowledged, some still waiting
    assert {a.acknowledged_by for a in acknowledged} == {DEMO_NURSE.user_id, DEMO_PHYSICIAN.user_id}
    for alert in acknowledged:
        assert alert.acknowledged_at is not None and alert.acknowledged_at <= now
        if alert.priority is Priority.HIGH:
            assert alert.acknowledged_by == DEMO_PHYSICIAN.user_id
    assert any(a.time_escalated for a in waiting)  # not every one escalated ...
    assert any(not a.time_escalated for a in waiting)  # ... but one left too long is
    assert not any(a.time_escalated for a in acknowledged)
    for alert in waiting:
        assert alert.last_event_at >= now - UNACKNOWLEDGED_WINDOW - timedelta(minutes=15)
    assert isinstance(ward.board(), list)
    db.conn.close()


def test_the_demo_is_charted_only_through_the_service(tmp_path: Path) -> None:
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    path = tmp_path / "demo.db"
    build_demo(str(path), now=now)
    db = open_read_only(path)
    authors = {row[0] for row in db.conn.execute("SELECT DISTINCT author FROM records")}
    # The admin created the demo's users (issue 10); the nurse and physician chart; "system" ticks.
    assert authors == {DEMO_NURSE.user_id, DEMO_PHYSICIAN.user_id, "admin.demo", "system"}
    ward_level = {
        row[0]
        for row in db.conn.execute("SELECT DISTINCT author FROM records WHERE patient_id = '~WARD'")
    }
    assert ward_level == {DEMO_NURSE.user_id, DEMO_PHYSICIAN.user_id, "admin.demo"}
    acks = db.conn.execute(
        "SELECT count(*) FROM alert_events WHERE event = 'acknowledged'"
    ).fetchone()[0]
    assert acks >= 3
    db.conn.close()
