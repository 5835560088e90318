"""The hourly roll-up behind the long trend spans (bedside/store/hours.py): what it must equal, how saves,
corrections, late entries and received batches keep it so, and how verification finds it changed."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bedside.chart import Chart, Vital
from bedside.clock import ManualClock
from bedside.records import Syndrome, parse_utc
from bedside.store import hours
from bedside.store.connection import open_database, transaction
from bedside.store.log import Log
from bedside.store.receive import receive
from bedside.store.schema import RECORD_COLUMNS
from bedside.store.series import SeriesQueries
from bedside.store.verify import hours_findings
from bedside.verify import verify
from tests.support.chart_story import Story, at, build_story, vitals
from tests.support.ward_fixtures import NURSE, normal_adult_vitals, recorded


@pytest.fixture
def story(tmp_path: Path) -> Story:
    return build_story(tmp_path)


def _stored(story: Story, patient: str = "A1") -> list[tuple[Any, ...]]:
    return story.fx.history.database.conn.execute(
        f"SELECT {', '.join(hours.ROW_COLUMNS)} FROM {hours.TABLE} WHERE patient_id = ? "
        "ORDER BY hour",
        [patient],
    ).fetchall()


def _rebuilt(story: Story) -> list[tuple[Any, ...]]:
    conn = story.fx.history.database.conn
    return [
        row
        for patient, first, last in hours.spans(conn)
        for row in hours.rows(conn, patient, first, last)
    ]


def _all_stored(story: Story) -> list[tuple[Any, ...]]:
    return story.fx.history.database.conn.execute(
        f"SELECT {', '.join(hours.ROW_COLUMNS)} FROM {hours.TABLE} ORDER BY patient_id, hour"
    ).fetchall()


def test_each_hour_holds_the_raw_minimum_and_maximum_of_the_current_values(story: Story) -> None:
    queries = SeriesQueries(story.fx.history.database)
    first = story.start - timedelta(hours=1)
    last = story.fx.clock.now() + timedelta(hours=1)
    raw = queries.vitals_hourly(
        "A1", first.timestamp(), last.timestamp(), [c for c in hours.COLUMNS]
    )
    rolled = [row[1:2] + row[3 : 3 + 2 * len(hours.COLUMNS)] for row in _stored(story) if row[2]]
    assert rolled == [tuple(float(v) if v is not None else None for v in r) for r in raw]
    # the corrected 150 is in no hour: the correction's 105 is
    hr_hi = hours.ROW_COLUMNS.index("hr_hi")
    assert max(row[hr_hi] for row in _stored(story) if row[hr_hi] is not None) == 105.0
    # current sets per hour: each set of the story once (the correction replaced the 150's set)
    per_hour = Counter(int(t.timestamp() // 3600) for t in story.times)
    assert [(row[1], row[2]) for row in _stored(story) if row[2]] == sorted(per_hour.items())
    assert len({row[1] for row in _stored(story)}) == len(_stored(story))


def test_the_roll_up_written_save_by_save_is_the_one_computed_from_scratch(story: Story) -> None:
    assert _all_stored(story) == _rebuilt(story)
    assert hours_findings(story.fx.history.database) == []


def test_a_correction_and_a_late_entry_rewrite_their_hours(story: Story) -> None:
    fx = story.fx
    now = fx.clock.now()
    # a late entry, an hour before the first set, on oxygen: a new first hour and a device change
    late = story.start - timedelta(minutes=50)
    on_o2 = normal_adult_vitals(
        hr=140, o2_device="nasal_cannula", o2_flow_l_min=2.0, o2_indication="other_cause"
    )
    stored = recorded(fx.ward.chart_vitals("A1", on_o2, observed_at=late, author=NURSE))
    chart = Chart(fx.history.database, policy=fx.ward.policy)
    whole = (late - timedelta(hours=1), now)
    queries = SeriesQueries(fx.history.database)

    def devices() -> list[str]:
        return [c.device.value for c in chart.o2_devices("A1", *whole)]

    def reference() -> list[str]:
        return [d for _, d in queries.o2_devices("A1", *(t.timestamp() for t in whole))]

    assert devices() == reference() == ["nasal_cannula", "room_air"]
    assert _all_stored(story) == _rebuilt(story)
    hr = chart.vitals("A1", [Vital.HEART_RATE], now - timedelta(days=9), now)[Vital.HEART_RATE]
    assert hr.hourly and max(v for v in hr.v if v is not None) == 140.0
    # corrected back to room air: the change is gone from the whole stay, the 140 from its hour
    recorded(
        fx.ward.correct(
            stored.record.id, normal_adult_vitals(hr=90), reason="other patient", author=NURSE
        )
    )
    assert devices() == reference() == ["room_air"]
    hr = chart.vitals("A1", [Vital.HEART_RATE], now - timedelta(days=9), now)[Vital.HEART_RATE]
    assert max(v for v in hr.v if v is not None) == 105.0
    assert _all_stored(story) == _rebuilt(story)


def test_grades_drawn_from_the_roll_up_follow_a_new_set(story: Story) -> None:
    fx = story.fx
    queries = SeriesQueries(fx.history.database)
    chart = Chart(fx.history.database, policy=fx.ward.policy)
    later = fx.clock.now() + timedelta(minutes=30)
    at(fx, later)
    vitals(story, later, normal_adult_vitals(sbp=70, dbp=40, hr=130, temperature=39.0))
    start = story.start - timedelta(hours=1)
    for syndrome, column in ((Syndrome.CRS, "crs_grade"), (Syndrome.ICANS, "icans_grade")):
        direct = queries.grade_changes("A1", column, start.timestamp(), later.timestamp())
        steps = chart.grades("A1", syndrome, start, later)
        assert [s.value for s in steps] == [g for _, g in direct]
        assert [s.t for s in steps] == [parse_utc(t).timestamp() for t, _ in direct]
    assert _all_stored(story) == _rebuilt(story)


def test_a_received_batch_writes_the_same_roll_up(story: Story, tmp_path: Path) -> None:
    source = story.fx.history.database.conn
    rows = [
        dict(zip(RECORD_COLUMNS, r, strict=True))
        for r in source.execute(f"SELECT {', '.join(RECORD_COLUMNS)} FROM records ORDER BY rowid")
    ]
    clock = ManualClock(story.fx.clock.now() + timedelta(minutes=5))
    db = open_database(tmp_path / "b.db", clock=clock)
    try:
        with transaction(db):
            out = receive(db, Log(db, clock), rows, clock, clock_suspect_after=timedelta(hours=1))
        assert out.accepted == len(rows)
        received = db.conn.execute(
            f"SELECT {', '.join(hours.ROW_COLUMNS)} FROM {hours.TABLE} ORDER BY patient_id, hour"
        ).fetchall()
        assert received == _all_stored(story)
        assert hours_findings(db) == []
    finally:
        db.conn.close()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            "UPDATE chart_hours SET hr_hi = 250 "
            "WHERE hour = (SELECT min(hour) FROM chart_hours WHERE hr_hi IS NOT NULL)",
            "hr_hi is 250.0",
        ),
        ("DELETE FROM chart_hours WHERE hour = (SELECT min(hour) FROM chart_hours)", "missing"),
        (
            "INSERT INTO chart_hours (patient_id, hour, sets, device_new, grade_new) "
            "VALUES ('A1', 1, 1, 0, 0)",
            "do not explain",
        ),
    ],
)
def test_verification_finds_a_changed_roll_up(story: Story, change: str, words: str) -> None:
    db = story.fx.history.database
    with transaction(db):
        db.conn.execute(change)
    verdict = verify(db)
    found = [f for f in verdict.findings if f.table == hours.TABLE]
    assert len(found) == 1 and words in found[0].what, verdict.findings
    assert not verdict.ok


def test_a_save_refreshes_its_hour_once_at_the_end_of_its_transaction(story: Story) -> None:
    """A vitals set and its assessment touch one hour: the roll-up is rewritten once, before COMMIT."""
    fx = story.fx
    conn = fx.db.conn
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        vitals(story, fx.clock.now() + timedelta(minutes=15), normal_adult_vitals(hr=131))
    finally:
        conn.set_trace_callback(None)
    rewrites = [s for s in statements if s.startswith(f"DELETE FROM {hours.TABLE}")]
    assert len(rewrites) == 1
    assert statements.index(rewrites[0]) < statements.index("COMMIT")
    assert _all_stored(story) == _rebuilt(story)


def test_a_rolled_back_save_leaves_no_roll_up_work_for_the_next(story: Story) -> None:
    fx = story.fx
    db = fx.db
    log = Log(db, fx.clock)
    fx.clock.advance(timedelta(minutes=15))
    before = _all_stored(story)
    with pytest.raises(RuntimeError), transaction(db):
        log.append(
            normal_adult_vitals(hr=140), patient_id="A1", observed_at=fx.clock.now(), author="x.y"
        )
        raise RuntimeError("the save fails after its vitals set was written")
    assert db.conn.before_commit == {}  # type: ignore[attr-defined]
    assert _all_stored(story) == before
    with transaction(db):
        pass  # nothing of the rolled-back save runs here
    assert _all_stored(story) == before == _rebuilt(story)
