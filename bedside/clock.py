"""The injected clock: the only place that reads the machine's wall and monotonic time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Wall time (aware, UTC) for clinical and entry times; monotonic time for idle and escalation timers."""

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...


class SystemClock:
    """The machine's clocks."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to; for tests and replays.

    `advance` moves both readings together; `set` jumps the wall clock alone, as a machine whose clock is
    corrected does (the monotonic reading never goes back).
    """

    def __init__(self, start: datetime, monotonic: float = 0.0) -> None:
        self._now = _utc(start)
        self._monotonic = monotonic

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("advance() moves forward only; use set() for a wall-clock jump")
        self._now += delta
        self._monotonic += delta.total_seconds()

    def set(self, when: datetime) -> None:
        self._now = _utc(when)


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("clock times must be timezone-aware")
    return when.astimezone(UTC)
