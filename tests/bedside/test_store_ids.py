"""The store's identity machinery: UUIDv7 ids, the hybrid logical clock and the injected clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bedside.clock import ManualClock, SystemClock
from bedside.ids import HlcStamp, HybridLogicalClock, epoch_ms, new_uuid7, uuid7_time

T0 = datetime(2026, 11, 24, 10, 0, 0, 123000, tzinfo=UTC)


def test_uuid7_layout() -> None:
    clock = ManualClock(T0)
    text = new_uuid7(clock)
    value = uuid.UUID(text)
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert value.int >> 80 == epoch_ms(T0)
    assert uuid7_time(text) == T0
    assert len({new_uuid7(clock) for _ in range(1000)}) == 1000  # random bits differ


def test_uuid7_sorts_by_time_across_milliseconds() -> None:
    clock = ManualClock(T0)
    ids = []
    for _ in range(50):
        ids.append(new_uuid7(clock))
        clock.advance(timedelta(milliseconds=1))
    assert ids == sorted(ids)


def test_hlc_text_form() -> None:
    hlc = HybridLogicalClock("ward3-pc1")
    assert hlc.tick(T0) == "2026-11-24T10:00:00.123Z/0000/ward3-pc1"
    assert hlc.tick(T0) == "2026-11-24T10:00:00.123Z/0001/ward3-pc1"
    stamp = HlcStamp.parse("2026-11-24T10:00:00.123Z/0001/ward3-pc1")
    assert stamp == HlcStamp(epoch_ms(T0), 1, "ward3-pc1")
    assert str(stamp) == "2026-11-24T10:00:00.123Z/0001/ward3-pc1"


def test_hlc_never_goes_back_when_the_wall_clock_does() -> None:
    hlc = HybridLogicalClock("a")
    first = hlc.tick(T0)
    second = hlc.tick(T0 - timedelta(days=1))  # clock corrected by a day
    third = hlc.tick(T0 + timedelta(milliseconds=1))
    assert first < second < third


def test_hlc_counter_overflow_borrows_the_next_millisecond() -> None:
    hlc = HybridLogicalClock("a", epoch_ms(T0), 9998)
    stamps = [hlc.tick(T0) for _ in range(3)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert hlc.state == (epoch_ms(T0) + 1, 1)  # 9999, then (ms + 1, 0), then (ms + 1, 1)


def test_hlc_observe_pulls_forward() -> None:
    mine = HybridLogicalClock("a")
    remote = HybridLogicalClock("b").tick(T0 + timedelta(hours=24))  # a machine a day ahead
    mine.observe(remote)
    assert mine.tick(T0) > remote
    mine.observe("2000-01-01T00:00:00.000Z/0000/c")  # an old stamp changes nothing
    assert mine.state[0] == epoch_ms(T0 + timedelta(hours=24))


def test_hlc_refuses_bad_device_ids_and_stamps() -> None:
    with pytest.raises(ValueError, match="device id"):
        HybridLogicalClock("a/b")
    with pytest.raises(ValueError, match="not an HLC stamp"):
        HlcStamp.parse("2026-11-24T10:00:00Z/1/a")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-86_400_000, 86_400_000), min_size=1, max_size=60))
def test_hlc_is_strictly_monotonic_whatever_the_wall_clock_does(jumps: list[int]) -> None:
    hlc = HybridLogicalClock("dev-1")
    stamps = [hlc.tick(T0 + timedelta(milliseconds=j)) for j in jumps]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)


def test_manual_clock() -> None:
    clock = ManualClock(T0, monotonic=5.0)
    clock.advance(timedelta(seconds=90))
    assert clock.now() == T0 + timedelta(seconds=90) and clock.monotonic() == 95.0
    clock.set(T0 - timedelta(days=1))  # a wall-clock jump leaves the monotonic reading alone
    assert clock.monotonic() == 95.0
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 1, 1))


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert SystemClock().monotonic() <= SystemClock().monotonic()
