"""The receiving batch path's shortcuts give what the checks they stand for give: `_field_ok` never passes a
value `check_field` refuses, `validate_received` returns exactly `validate`'s errors, and `parse_stamp`
reads a stamp as `HlcStamp.parse` does (and refuses what it refuses)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bedside.store.receive as receive_module
from bedside.clock import ManualClock
from bedside.ids import HlcStamp, epoch_ms
from bedside.records import (
    DOSE_RANGES,
    RECORD_TYPES,
    TEMP_RANGES,
    Draft,
    RecordInvalid,
    VitalSigns,
    canonical_json,
    codec,
    from_payload,
    to_payload,
    validate,
)
from bedside.records.codec import (
    VITALS_CODES,
    VITALS_FORMAT,
    VITALS_PLACES,
    object_payload,
    received_record,
    stored_form,
)
from bedside.records.envelope import validate_record
from bedside.records.fields import check_field
from bedside.records.types import WARD_ID, PolicySet, specs_of
from bedside.store.connection import open_database, transaction
from bedside.store.log import Log
from bedside.store.receive import _field_ok, parse_stamp, receive, validate_received
from bedside.store.schema import RECORD_COLUMNS
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
        payload = object_payload(record)
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


# --- the one-pass codec path (`received_record`) against the full path ---------------------------------

_SAMPLES = [
    normal_adult_vitals(),
    normal_child_vitals(),
    normal_adult_vitals(temperature=101.2, temperature_unit="F"),
    normal_adult_vitals(o2_device="nasal_cannula", o2_flow_l_min=2.0, o2_indication="crs_hypoxia"),
    ice_check(),
    ice_check(7),
    capd_check(),
]
_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(
        [v for v in PROBES if isinstance(v, str)] + ["C", "F", "room_air", "A", "ice"]
    )
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=4,
)


def _array(values: dict[str, Any]) -> list[Any]:
    """The V1 array of these field values, the enums of VITALS_CODES as their codes, null where absent
    (after the last value too)."""
    codes = {name: {v: i for i, v in enumerate(t)} for name, t in VITALS_CODES.items()}

    def coded(name: str, value: Any) -> Any:
        table = codes.get(name, {})
        return table.get(value, value) if isinstance(value, str) else value

    return [VITALS_FORMAT, *(coded(n, values.get(n)) for n in VITALS_PLACES)]


def _full(kind: str, data: Any, text: str) -> tuple[bool, Any]:
    """What the receiving full path decides on a payload: (accepted, the record)."""
    try:
        record = from_payload(kind, data, check=False)
        if canonical_json(stored_form(record, data)) != text:
            return False, None
    except Exception:  # refused (RecordInvalid), or a payload the codec cannot even read
        return False, None
    return not validate_record(record), record


def _decoded(kind: str, data: Any) -> tuple[str, Any]:
    try:
        return "ok", from_payload(kind, data, check=False)
    except RecordInvalid as err:
        return "refused", err.errors
    except Exception as err:
        return "raised", type(err)


def _without_shortcuts(work: Any) -> Any:
    """`work()` with the codec's one-pass plans off: `from_payload` builds every record through
    `cls(**fields)` and the general decoder (a V1 array through the object of its fields)."""
    plans, v1 = codec._FAST, codec._V1
    codec._FAST, codec._V1 = {}, None
    try:
        return work()
    finally:
        codec._FAST, codec._V1 = plans, v1


def _agree(kind: str, data: Any, text: str) -> bool:
    # `from_payload` decodes these kinds without `__post_init__` (and a V1 array place by place):
    # the same record, or the same refusal, as without.
    shortcut = _decoded(kind, data)
    assert _without_shortcuts(lambda: _decoded(kind, data)) == shortcut, text
    fast = received_record(kind, data, text)
    accepted, record = _without_shortcuts(lambda: _full(kind, data, text))
    if fast is not None:  # the one-pass path never accepts what the full path refuses...
        assert accepted, (kind, text)
        assert fast == record and to_payload(fast) == to_payload(record), text
    # ... nor does it when the canonical form is compared by the caller, for a whole batch.
    batch = received_record(kind, data, text, canonical=False)
    if batch is not None and receive_module._canonical_rows([data], [text]):
        assert accepted, (kind, text)
        assert batch == record, text
        assert fast is not None, text  # the same decision as one by one
    elif batch is None:
        assert fast is None, text
    return fast is not None


def test_received_record_takes_ordinary_records_and_builds_what_from_payload_builds() -> None:
    for record in _SAMPLES:
        text = canonical_json(to_payload(record))
        assert _agree(record.KIND, json.loads(text), text), text


@settings(max_examples=1500, deadline=None)
@given(
    sample=st.sampled_from(_SAMPLES),
    changes=st.dictionaries(
        st.sampled_from([*sorted({s.name for r in _SAMPLES for s in specs_of(type(r))}), "x"]),
        _JSON_VALUES | st.sampled_from([p for p in PROBES if isinstance(p, int | float | str)]),
        max_size=3,
    ),
    drop=st.sets(st.integers(0, 30), max_size=3),
    spaced=st.booleans(),
    compact=st.sampled_from(["object", "array", "array with its nulls"]),
)
def test_received_record_never_accepts_what_the_full_path_refuses(
    sample: Any, changes: dict[str, Any], drop: set[int], spaced: bool, compact: str
) -> None:
    fields = object_payload(sample)
    names = sorted(fields)
    payload: Any = {k: fields[k] for i, k in enumerate(names) if i not in drop} | changes
    if compact != "object" and sample.KIND == "vitals":
        # The V1 array of the same values, an unknown field as one place too many.
        payload = _array(payload) + ([payload["x"]] if "x" in payload else [])
        while compact == "array" and len(payload) > 1 and payload[-1] is None:
            payload.pop()
    try:
        text = canonical_json(payload)
    except (TypeError, ValueError):
        text = json.dumps(payload, allow_nan=True)  # NaN or infinity as a hub could send it
    if spaced:
        text = json.dumps(json.loads(text), sort_keys=True)  # not the canonical separators
    _agree(sample.KIND, json.loads(text), text)


def test_the_fuzz_corpus_of_every_kind_agrees() -> None:
    taken = tried = 0
    for cls in RECORD_TYPES.values():
        for sample in [r for r in _SAMPLES if type(r) is cls] or [None]:
            base = object_payload(sample) if sample is not None else {}
            for spec in specs_of(cls):
                for value in _probes_for(spec):
                    payloads: list[Any] = [{**base, spec.name: value}]
                    if cls.KIND == "vitals":
                        changed = {**base, spec.name: value}
                        array = _array(changed)
                        payloads += [array, array[: max(VITALS_PLACES.index(spec.name) + 2, 2)]]
                    for payload in payloads:
                        try:
                            text = canonical_json(payload)
                        except (TypeError, ValueError):
                            continue
                        taken += _agree(cls.KIND, json.loads(text), text)
                        tried += 1
    assert 50 < taken < tried - 500  # both sides are exercised


def _rows(tmp_path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Records charted on machine A, some of them changed in transit (payload, time, author)."""
    clock = ManualClock(START + timedelta(hours=2))
    db = open_database(tmp_path / "a.db", clock=clock)
    log = Log(db, clock)
    with transaction(db):
        for n, record in enumerate([*_SAMPLES, *_SAMPLES]):
            log.append(
                record,
                patient_id=f"P{n % 3}",
                observed_at=START + timedelta(minutes=n),
                author="nurse.ada",
            )
    rows = [
        dict(zip(RECORD_COLUMNS, r, strict=True))
        for r in db.conn.execute(f"SELECT {', '.join(RECORD_COLUMNS)} FROM records ORDER BY seq")
    ]
    db.conn.close()
    changed = [dict(r) for r in rows]
    changed[1]["payload"] = changed[1]["payload"].replace(",", ", ", 1)
    changed[3]["payload"] = changed[3]["payload"].replace("98", "9.8e1")
    changed[5]["observed_at"] = changed[5]["observed_at"].replace(".000000Z", "Z")
    changed[7]["author"] = "nurse ada"
    assert changed[9]["payload"].endswith(",0,0,0]")  # ..., o2_device, o2_indication, acvpu A
    changed[9]["payload"] = changed[9]["payload"][: -len("0]")] + "9]"  # no acvpu has code 9
    changed[8]["payload"] = changed[8]["payload"].replace("]", ",null]")  # a place after the last
    changed[11]["payload"] = changed[11]["payload"].replace("}", ',"sbp":120}')
    return rows, changed


def _received(tmp_path: Path, name: str, rows: list[dict[str, Any]]) -> tuple[Any, ...]:
    clock = ManualClock(START + timedelta(hours=2))
    db = open_database(tmp_path / f"{name}.db", clock=clock)
    log = Log(db, clock)
    with transaction(db):
        out = receive(db, log, rows, clock, clock_suspect_after=timedelta(hours=1))
    tables = {
        t: db.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
        for t in ("records", "vitals", "neuro_checks", "sync_flags", "devices")
        if db.conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [t]).fetchone()
    }
    reasons = [(q.record_id, q.reason) for q in out.quarantined]
    db.conn.close()
    return out.accepted, reasons, out.flags, tables


def test_a_batch_is_received_alike_with_and_without_the_one_pass_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, changed = _rows(tmp_path)
    fast_good = _received(tmp_path, "fast-good", rows)
    fast_bad = _received(tmp_path, "fast-bad", changed)
    monkeypatch.setattr(receive_module, "received_record", lambda *a, **k: None)
    assert _received(tmp_path, "full-good", rows) == fast_good
    assert _received(tmp_path, "full-bad", changed) == fast_bad
    assert fast_good[0] == len(rows) and fast_good[3]["vitals"]
    refused = dict(fast_bad[1])
    for n, words in [(1, "canonical"), (3, "canonical"), (5, "stored form"), (7, "author")]:
        assert words in refused[changed[n]["id"]]
    assert "acvpu" in refused[changed[9]["id"]] and "canonical" in refused[changed[8]["id"]]
    assert refused[changed[11]["id"]] == "refused: sbp: unknown field"


def test_only_the_declared_fields_have_a_constraint_that_depends_on_another_field() -> None:
    """`received_record` checks the other fields against their own spec: `_spec_for` must give it
    whatever value any enum field (a unit) has."""
    changed = set()
    for cls in RECORD_TYPES.values():
        specs = specs_of(cls)
        for switch in specs:
            members = list(switch.base) if issubclass(switch.base, Enum) else [None]
            for member in members:
                record = object.__new__(cls)
                for spec in specs:
                    object.__setattr__(record, spec.name, None)
                object.__setattr__(record, switch.name, member)
                for spec in specs:
                    if record._spec_for(spec) is not spec:
                        changed.add((cls.KIND, spec.name))
                        assert spec.name in cls.DEPENDENT, (cls.KIND, spec.name)
    assert changed == {("vitals", "temperature"), ("intervention", "dose")}


# --- the one-pass check of a whole received row (`_quick`) against `_checked` --------------------------

_ENVELOPE_PROBES: dict[str, list[Any]] = {
    "id": [
        "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B",
        "0190a1b2-c3d4-4e5f-8a9b-0c1d2e3f4a5b",
        "0190a1b2-c3d4-7e5f-ca9b-0c1d2e3f4a5b",
        "{0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b}",
        "x",
        7,
        None,
    ],
    "kind": ["vitals", "neuro_check", "admission", "intervention", "nonsense", 3, None],
    "patient_id": ["P1", "p1", "P 1", "", "P" * 40, "Pı", 5, None],
    "observed_at": [
        "2026-03-01T08:00:00.000000Z",
        "2026-03-01T08:00:00Z",
        "2026-03-01T08:00:00.000000+00:00",
        "2026-02-30T08:00:00.000000Z",
        "2099-12-31T23:59:59.999999Z",
        "1999-12-31T23:59:59.000000Z",
        17,
        None,
    ],
    "entered_at": [
        "2026-03-01T08:00:00.123Z/0000/dev-x",
        "2026-03-01T08:00:00.123Z/0000/other",
        "2026-13-01T08:00:00.123Z/0000/dev-x",
        "2026-03-01T08:00:00Z/0000/dev-x",
        3,
        None,
    ],
    "author": ["nurse.ada", "nurse ada", "", "n" * 70, 1, None],
    "device_id": ["dev-x", "other", 3, None],
    "seq": [1, 2, 0, -1, True, 1.0, "1", None],
    "supersedes": [None, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", "short", 4],
    "reason": [None, "typo fixed", "ab", 4],
    "hash": ["a" * 64, "a" * 63, 64, None],
}


@settings(max_examples=1500, deadline=None)
@given(
    sample=st.sampled_from(_SAMPLES),
    changes=st.dictionaries(
        st.sampled_from(sorted(_ENVELOPE_PROBES)),
        st.integers(0, 9),
        max_size=4,
    ),
    payload_change=st.sampled_from([None, "spaced", "unknown", "bad-value", "leading", "trailing"]),
    clock_back=st.booleans(),
)
def test_quick_accepts_only_what_checked_accepts_and_gives_the_same(
    sample: Any, changes: dict[str, int], payload_change: str | None, clock_back: bool
) -> None:
    clock = ManualClock(datetime(2026, 3, 1, 9, tzinfo=UTC) - timedelta(days=1) * clock_back)
    version: dict[str, Any] = {name: probes[0] for name, probes in _ENVELOPE_PROBES.items()}
    version["kind"] = sample.KIND
    payload = canonical_json(to_payload(sample))
    if payload_change == "spaced":
        payload = json.dumps(json.loads(payload), sort_keys=True)
    elif payload_change == "unknown":
        payload = payload[:-1] + ',"zz":1}'
    elif payload_change == "bad-value":
        payload = payload.replace(":", ":-9999", 1) if ":" in payload else payload
    elif payload_change == "leading":
        payload = " " + payload
    elif payload_change == "trailing":
        payload = payload + " "
    version["payload"] = payload
    for name, pick in changes.items():
        probes = _ENVELOPE_PROBES[name]
        version[name] = probes[pick % len(probes)]
    values = tuple(version[c] for c in RECORD_COLUMNS)
    latest = clock.now() + receive_module.FUTURE_TOLERANCE
    quick = receive_module._quick(values, latest)
    try:
        record, draft, stamp, data = receive_module._checked(version, clock)
    except RecordInvalid:
        assert quick is None, version
        return
    if quick is not None:
        assert quick[:3] == (record, data, draft.observed_at), version
        assert epoch_ms(quick[3].replace(tzinfo=UTC)) == stamp.ms, version
        assert draft.patient_id == version["patient_id"]


def test_quick_takes_ordinary_rows() -> None:
    clock = ManualClock(datetime(2026, 3, 1, 9, tzinfo=UTC))
    for sample in _SAMPLES:
        version = {name: probes[0] for name, probes in _ENVELOPE_PROBES.items()}
        version |= {"kind": sample.KIND, "payload": canonical_json(to_payload(sample))}
        values = tuple(version[c] for c in RECORD_COLUMNS)
        assert receive_module._quick(values, clock.now()) is not None, sample


_TEXT_FORMS = st.sampled_from(["canonical", "spaced", "unsorted", "ascii", "float"])


@settings(max_examples=500, deadline=None)
@given(
    values=st.lists(
        st.tuples(
            st.dictionaries(
                st.sampled_from(["a", "b", "é", "hr", "x\u2028"]),
                st.none()
                | st.booleans()
                | st.integers(-5, 500)
                | st.floats(-1e3, 1e3)
                | st.text(max_size=4),
                max_size=4,
            ),
            _TEXT_FORMS,
        ),
        max_size=6,
    )
)
def test_the_canonical_form_of_a_batch_is_compared_as_each_of_its_payloads(
    values: list[tuple[dict[str, Any], str]],
) -> None:
    datas, texts = [], []
    for data, form in values:
        text = canonical_json(data)
        if form == "spaced":
            text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        elif form == "unsorted":
            text = json.dumps(
                dict(reversed(data.items())), separators=(",", ":"), ensure_ascii=False
            )
        elif form == "ascii":
            text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        elif form == "float":
            text = text.replace(":1,", ":1.0,").replace(":1}", ":1.0}")
        parsed = json.loads(text)
        datas.append(parsed)
        texts.append(text)
    each = all(canonical_json(d) == t for d, t in zip(datas, texts, strict=True))
    assert receive_module._canonical_rows(datas, texts) == each


def test_a_v1_array_with_a_text_where_its_code_belongs_is_not_taken_in_one_pass() -> None:
    """The batch compares each payload's text with its own canonical form; a V1 array must also be
    the record encoded again: "C" written where the unit's code 0 belongs goes the full path."""
    clock = ManualClock(datetime(2026, 3, 1, 9, tzinfo=UTC))
    sample = next(s for s in _SAMPLES if isinstance(s, VitalSigns) and s.temperature is not None)
    array = to_payload(sample)
    assert isinstance(array, list) and array[0] == "V1" and array[2] in (0, 1)
    written = [*array[:2], sample.temperature_unit.value, *array[3:]]  # type: ignore[union-attr]
    version = {name: probes[0] for name, probes in _ENVELOPE_PROBES.items()}
    for payload, taken in ((array, True), (written, False)):
        version |= {"kind": sample.KIND, "payload": canonical_json(payload)}
        values = tuple(version[c] for c in RECORD_COLUMNS)
        assert (receive_module._quick(values, clock.now()) is not None) is taken
        quick = receive_module._quick_batch([values], clock.now())
        assert (quick[0] is not None) is taken


# --- a V1 array checked place by place (`_V1Plan`), its text compared with the batch ------------------

_V1_SAMPLES = [s for s in _SAMPLES if isinstance(s, VitalSigns)]
_CODED = {VITALS_PLACES.index(name) + 1: table for name, table in VITALS_CODES.items()}


def _changed_place(value: Any, at: int, how: str) -> Any:
    table = _CODED.get(at)
    if how == "text":  # a code written as its value's text, or a number as text
        if table is not None and type(value) is int and 0 <= value < len(table):
            return table[value]
        return str(value)
    if how == "float":
        return float(value) if type(value) in (int, float) else 0.0
    if how == "int":
        return int(value) if type(value) is float and math.isfinite(value) else 1
    return {
        "bool": True,
        "negative": -1,
        "outside": 99,
        "null": None,
        "nested": [value],
        "nan": math.nan,
    }[how]


@settings(max_examples=1500, deadline=None)
@given(
    sample=st.sampled_from(_V1_SAMPLES),
    changes=st.lists(
        st.tuples(
            st.integers(1, len(VITALS_PLACES) + 1),
            st.sampled_from(
                ["text", "float", "int", "bool", "negative", "outside", "null", "nested", "nan"]
            ),
        ),
        max_size=3,
    ),
    trailing=st.sampled_from([None, "null", "place too many", "cut"]),
    tag=st.sampled_from(["V1", "V2", "v1", 1]),
)
def test_a_v1_array_is_taken_in_one_pass_only_as_the_full_path_takes_it(
    sample: VitalSigns, changes: list[tuple[int, str]], trailing: str | None, tag: Any
) -> None:
    array: list[Any] = [tag, *to_payload(sample)[1:]]  # type: ignore[index]
    for at, how in changes:
        array += [None] * (at + 1 - len(array))
        array[at] = _changed_place(array[at], at, how)
    if trailing == "null":
        array.append(None)
    elif trailing == "place too many":
        array += [None] * (len(VITALS_PLACES) + 1 - len(array)) + [0]
    elif trailing == "cut" and len(array) > 2:
        array = array[:-1]
    try:
        text = canonical_json(array)
    except (TypeError, ValueError):
        text = json.dumps(array, allow_nan=True)  # NaN as a hub could send it
    _agree("vitals", json.loads(text), text)


def test_a_v1_array_not_as_encode_vitals_writes_it_goes_the_full_path_and_is_refused() -> None:
    sample = next(s for s in _V1_SAMPLES if s.temperature is not None and s.acvpu is not None)
    array = to_payload(sample)
    assert isinstance(array, list) and array[-1] is not None
    text = canonical_json(array)
    assert received_record("vitals", json.loads(text), text) == sample
    unit_at = VITALS_PLACES.index("temperature_unit") + 1
    hr_at = VITALS_PLACES.index("hr") + 1
    changed = {
        "a code's text": {unit_at: sample.temperature_unit.value},  # type: ignore[union-attr]
        "a code as a float": {unit_at: float(array[unit_at])},
        "a code as a boolean": {unit_at: bool(array[unit_at])},
        "a code outside its table": {unit_at: len(VITALS_CODES["temperature_unit"])},
        "a number as text": {hr_at: str(array[hr_at])},
    }
    cases = [[*array, None]] + [
        [change.get(i, v) for i, v in enumerate(array)] for change in changed.values()
    ]
    for payload in cases:
        text = canonical_json(payload)
        data = json.loads(text)
        assert received_record("vitals", data, text) is None, text
        assert received_record("vitals", data, text, canonical=False) is None, text
        assert _without_shortcuts(lambda: _full("vitals", data, text))[0] is False, text  # noqa: B023
    # A number written as a float where the record held an integer is another valid record: taken
    # by both paths alike, as that record (its hash, not its form, tells it from the one charted).
    floated = [v if i != hr_at else float(v) for i, v in enumerate(array)]
    text = canonical_json(floated)
    taken = received_record("vitals", json.loads(text), text)
    assert taken is not None and taken == from_payload("vitals", json.loads(text), check=False)
