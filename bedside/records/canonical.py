"""The text forms that are stored and hashed: canonical JSON and fixed-width UTC times (DESIGN section 3)."""

from __future__ import annotations

import json
from datetime import UTC, datetime


def canonical_json(value: object) -> str:
    """The one text form that is stored and hashed: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def iso_utc(when: datetime) -> str:
    """UTC, fixed width (microseconds, 'Z'), so that text order is time order."""
    u = when.astimezone(UTC)  # as strftime("%Y-%m-%dT%H:%M:%S.%fZ"), at a third of its cost
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}"
        f".{u.microsecond:06d}Z"
    )


def parse_utc(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError(f"no time zone in {text!r}")
    return when.astimezone(UTC)
