"""The receiving batch path's shortcuts give what the checks they stand for give: `_field_ok` never passes a
value `check_field` refuses, `validate_received` returns exactly `validate`'s errors, and `parse_stamp`
reads a stamp as `HlcStamp.parse` does (and refuses what it refuses)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from enum import Enum
from typing import Any

import pytest

from bedside.clock import ManualClock
from bedside.ids import HlcStamp
from bedside.records import (
    DOSE_RANGES,
    RECORD_TYPES,
    TEMP_RANGES,
    Draft,
    from_payload,
    to_payload,
    validate,
)
from bedside.records.fields import check_field
from bedside.records.types import WARD_ID, PolicySet, specs_of
from bedside.store.receive import _field_ok, parse_stamp, validate_received
from tests.support.ward_fixtures import (
    START,
    capd_check,
    ice_check,
    normal_adult_vitals,
    normal_child_vitals,
)

PROBES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    7,
    38,
    250,
    10**40,
    0.5,
    36.6,
    -0.0,
    1e300,
    math.nan,
    math.inf,
    -math.inf,
    "",
    " ",
    "A100",
    "a100",
    "nurse.ada",
    "x" * 37,
    "x" * 600,
    "bad\u202etext",
    "\u200fA",
    "\u200b",
    "line\nbreak",
    "0190d6a2-7b8c-7def-8123-456789abcdef",
    datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
    datetime(2026, 11, 20, 8, 0, tzinfo=timezone(timedelta(hours=2))),
    datetime(2026, 11, 20, 8, 0),
    datetime(1999, 12, 31, tzinfo=UTC),
    datetime(2100, 1, 1, tzinfo=UTC),
    date(2020, 5, 1),
    date(1800, 1, 1),
    {},
    {"a": 1},
    {"a": "\x00"},
    [],
    (),
    (1, 2),
    object(),
]


def _specs() -> list[Any]:
    specs = []
    for cls in RECORD_TYPES.values():
        for spec in specs_of(cls):
            specs.append(spec)
            if spec.name == "temperature":
                specs += [replace(spec, constraint=c) for c in TEMP_RANGES.values()]
            if spec.name == "dose":
                specs += [replace(spec, constraint=c) for c in DOSE_RANGES.values()]
    from bedside.records.envelope import _AUTHOR, _ENVELOPE

    return [*specs, *_ENVELOPE, _AUTHOR]


def _probes_for(spec: Any) -> list[Any]:
    base = spec.base
    extra = list(base) if isinstance(base, type) and issubclass(base, Enum) else []
    return [*PROBES, *extra]


def test_field_ok_never_passes_what_check_field_refuses() -> None:
    passed = 0
    for spec in _specs():
        for value in _probes_for(spec):
            if _field_ok(spec, value):
                passed += 1
                assert check_field(spec, value) == [], (spec, value)
    assert passed > 100  # the shortcut is taken for ordinary values


def _drafts() -> list[Draft]:
    at = START - timedelta(minutes=5)
    records = [
        normal_adult_vitals(),
        normal_child_vitals(),
        normal_adult_vitals(hr=250),
        ice_check(),
        ice_check(7),
        capd_check(),
    ]
    drafts = [Draft(r, "A100", at, None, None) for r in records]
    # Every field of each record set to each probe value (decoded without checks, as a hub row is).
    for record in records:
        payload = to_payload(record)
        for name in payload:
            for value in PROBES[:30]:
                changed = {**payload, name: value}
                try:
                    bad = from_payload(record.KIND, changed, check=False)
                except Exception:  # the codec refuses it before any check: not a draft
                    continue
                drafts.append(Draft(bad, "A100", at, None, None))
    envelope = [
        Draft(records[0], "", at, None, None),
        Draft(records[0], "A100", at + timedelta(hours=2), None, None),
        Draft(records[0], "A100", at, "0190d6a2-7b8c-7def-8123-456789abcdef", None),
        Draft(records[0], "A100", at, None, "a reason"),
        Draft(records[0], "A100", at, "0190d6a2-7b8c-7def-8123-456789abcdef", "a reason"),
        Draft(records[0], "A100", datetime(1999, 1, 1, tzinfo=UTC), None, None),
        # A time kept by a correction, or claimed by a record that corrects nothing.
        Draft(records[0], "A100", at, None, None, keeps_observed_at=True),
        Draft(records[0], "A100", at, "0190d6a2-7b8c-7def-8123-456789abcdef", "why", True),
    ]
    # A ward-level record: under the ward it passes, under a patient it is refused.
    policy = PolicySet(settings={"pews_escalation_threshold": 7}, reason="the ward's algorithm")
    ward = [Draft(policy, WARD_ID, at, None, None), Draft(policy, "A100", at, None, None)]
    return drafts + envelope + ward


def test_validate_received_gives_exactly_validates_errors() -> None:
    clock = ManualClock(START)
    drafts = _drafts()
    refused = 0
    for draft in drafts:
        expected = validate(draft, clock)
        assert validate_received(draft, clock) == expected, draft
        refused += bool(expected)
    assert refused > 50 and len(drafts) - refused >= 6  # both sides are exercised


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-20T08:00:00.000Z/0000/dev-a",
        "2026-11-20T23:59:59.999Z/9999/" + "a" * 36,
        "2026-02-29T08:00:00.000Z/0000/dev-a",  # not a leap year
        "2026-13-01T08:00:00.000Z/0000/dev-a",
        "2026-11-20T08:00:60.000Z/0000/dev-a",
        "2026-11-20T08:00:00.00Z/0000/dev-a",
        "2026-11-20 08:00:00.000Z/0000/dev-a",
        "2026-11-20T08:00:00.000Z/0000/" + "a" * 37,
        "",
    ],
)
def test_parse_stamp_reads_as_hlc_stamp_parse(text: str) -> None:
    try:
        expected: HlcStamp | None = HlcStamp.parse(text)
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(ValueError):
            parse_stamp(text)
    else:
        assert parse_stamp(text) == expected
