"""Identifiers made on the charting machine: UUIDv7 record ids, device ids and the hybrid logical clock."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bedside.clock import Clock

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
# A counter of four decimal digits keeps the text form fixed-width, hence sortable as text.
_COUNTER_MAX = 9999
_DEVICE_RE = re.compile(r"[A-Za-z0-9-]{1,36}")
_STAMP_RE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z/(\d{4})/([A-Za-z0-9-]{1,36})")


def epoch_ms(when: datetime) -> int:
    """Milliseconds since the Unix epoch, exactly (integer arithmetic, no float rounding)."""
    if when.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return (when - _EPOCH) // _MS


def new_uuid7(clock: Clock) -> str:
    """An RFC 9562 UUIDv7: 48-bit Unix milliseconds, version 7, 74 random bits, variant 0b10."""
    ms = epoch_ms(clock.now()) & ((1 << 48) - 1)
    rand_a = secrets.randbits(12)
    rand_b = secrets.randbits(62)
    value = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return str(uuid.UUID(int=value))


def uuid7_time(text: str) -> datetime:
    """The creation time a UUIDv7 carries (millisecond precision)."""
    value = uuid.UUID(text)
    if value.version != 7:
        raise ValueError(f"{text} is not a UUIDv7")
    return _EPOCH + (value.int >> 80) * _MS


def new_device_id() -> str:
    """A random device id: 16 lowercase hex digits, safe inside an HLC stamp."""
    return secrets.token_hex(8)


@dataclass(frozen=True, slots=True, order=True)
class HlcStamp:
    """One hybrid-logical-clock reading; orders like its text form."""

    ms: int
    counter: int
    device_id: str

    def __str__(self) -> str:
        wall = _EPOCH + self.ms * _MS
        return f"{wall:%Y-%m-%dT%H:%M:%S}.{self.ms % 1000:03d}Z/{self.counter:04d}/{self.device_id}"

    @classmethod
    def parse(cls, text: str) -> HlcStamp:
        match = _STAMP_RE.fullmatch(text)
        if match is None:
            raise ValueError(f"not an HLC stamp: {text!r}")
        wall = datetime.strptime(match[1], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)
        return cls(epoch_ms(wall), int(match[2]), match[3])


class HybridLogicalClock:
    """Physical milliseconds plus a counter (Kulkarni et al. 2014), so that stamps never go backwards.

    A wall clock that jumps back leaves the physical part where it was and counts on; a remote stamp from a
    machine whose clock runs ahead pulls this clock forward (`observe`), so that a correction made after
    reading a record always sorts after it.
    """

    def __init__(self, device_id: str, ms: int = 0, counter: int = 0) -> None:
        if not _DEVICE_RE.fullmatch(device_id):
            raise ValueError(f"device id must be 1-36 characters [A-Za-z0-9-]: {device_id!r}")
        self.device_id = device_id
        self._ms = ms
        self._counter = counter

    @property
    def state(self) -> tuple[int, int]:
        """(physical ms, counter) of the last stamp issued or observed; persisted by the store."""
        return self._ms, self._counter

    def tick(self, wall: datetime) -> str:
        """The stamp of a new local event at wall time `wall`."""
        physical = epoch_ms(wall)
        if physical > self._ms:
            self._ms, self._counter = physical, 0
        elif self._counter < _COUNTER_MAX:
            self._counter += 1
        else:
            # Counter exhausted within one millisecond: borrow the next millisecond, keeping order.
            self._ms, self._counter = self._ms + 1, 0
        return str(HlcStamp(self._ms, self._counter, self.device_id))

    def observe(self, remote: str) -> None:
        """Merge a stamp received from another machine: every later tick sorts after it."""
        stamp = HlcStamp.parse(remote)
        if (stamp.ms, stamp.counter) > (self._ms, self._counter):
            self._ms, self._counter = stamp.ms, stamp.counter
