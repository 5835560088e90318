"""The text forms that are stored and hashed: canonical JSON and fixed-width UTC times (DESIGN section 3)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]

_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(value: object) -> str:
    """The one text form that is stored and hashed: sorted keys, no spaces, UTF-8, no NaN."""
    if c_make_encoder is None:  # pragma: no cover - a Python without the C accelerator
        return _ENCODER.encode(value)
    # What `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    # allow_nan=False)` runs, without building an encoder object for each call.
    encode = c_make_encoder(
        {}, _ENCODER.default, encode_basestring, None, ":", ",", True, False, False
    )
    return "".join(encode(value, 0))


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


def unix_seconds(text: str) -> float:
    """`parse_utc(text).timestamp()` (the instant does not depend on the zone it is written in)."""
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError(f"no time zone in {text!r}")
    return when.timestamp()
