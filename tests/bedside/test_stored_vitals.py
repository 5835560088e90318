"""The stored vitals set (issue 7, storage per vitals set): a V1 array of its values in fixed places, read
back as the same record; a vitals set an older Bedside stored as an object is read as it was stored."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bedside.records import (
    RecordInvalid,
    TempUnit,
    VitalSigns,
    canonical_json,
    from_payload,
    payload_fields,
    plain_payload_fields,
    to_payload,
)
from bedside.records.codec import (
    VITALS_CODES,
    VITALS_FORMAT,
    VITALS_PLACES,
    object_payload,
    received_record,
    stored_form,
)
from tests.bedside.test_fuzz import _vitals, field_types
from tests.support.ward_fixtures import normal_adult_vitals, normal_child_vitals

VALID_VITALS = st.composite(lambda draw: _vitals(draw))()


@settings(max_examples=600, deadline=None)
@given(VALID_VITALS)
def test_every_vitals_set_is_read_back_as_itself(record: VitalSigns) -> None:
    payload = to_payload(record)
    assert isinstance(payload, list) and payload[0] == VITALS_FORMAT and payload[-1] is not None
    text = canonical_json(payload)
    data = json.loads(text)
    back = from_payload("vitals", data)
    assert back == record
    assert canonical_json(to_payload(back)) == text  # one canonical text: the chain's
    assert stored_form(back, data) == payload
    # What the receiving one-pass path, verification and the projection read agree with the record.
    assert received_record("vitals", data, text) == record
    assert plain_payload_fields("vitals", data) == payload_fields(record)
    # The object form an older Bedside stored holds the same record.
    old = json.loads(canonical_json(object_payload(record)))
    assert from_payload("vitals", old) == record
    assert plain_payload_fields("vitals", old) == payload_fields(record)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            name: st.integers(-(10**6), 10**6) | st.floats(allow_nan=False) | st.text(max_size=4)
            for name in VITALS_PLACES
        },
    )
)
def test_any_values_are_kept_in_their_places_without_checks(values: dict[str, Any]) -> None:
    """`check=False` (rows the store wrote itself) keeps each value as it was stored, whatever it is; a
    code is read as its value, a number that is no code kept as it is."""
    array = [VITALS_FORMAT, *(values.get(n) for n in VITALS_PLACES)]
    record = from_payload("vitals", array, check=False)
    for name in VITALS_PLACES:
        got, stored = getattr(record, name), values.get(name)
        table = VITALS_CODES.get(name, ())
        if type(stored) is int and 0 <= stored < len(table):
            stored = table[stored]
        assert (got.value if hasattr(got, "value") else got) == stored


def test_a_vitals_set_stored_as_an_object_by_an_older_bedside_is_read_as_stored() -> None:
    text = (
        '{"crt_s":1,"dbp":63,"hr":99,"o2_device":"room_air","o2_indication":"none",'
        '"resp_effort":"normal","rr":21,"sbp":96,"spo2":99,"temperature":36.7,"temperature_unit":"C"}'
    )
    data = json.loads(text)
    record = from_payload("vitals", data)
    assert isinstance(record, VitalSigns)
    assert (record.temperature, record.temperature_unit, record.hr, record.crt_s) == (
        36.7,
        TempUnit.C,
        99,
        1,
    )
    assert canonical_json(stored_form(record, data)) == text  # the text its chain covers
    assert received_record("vitals", data, text) == record
    assert canonical_json(to_payload(record)) == '["V1",36.7,0,99,96,63,21,99,0,0,null,1,0]'


def test_the_places_are_frozen_and_hold_every_field() -> None:
    # Append-only like the assessment's code tables: a stored place never changes meaning. A new field
    # of VitalSigns fails here: it needs a new format (V2) beside V1, which stays readable.
    assert VITALS_PLACES == (
        "temperature",
        "temperature_unit",
        "hr",
        "sbp",
        "dbp",
        "rr",
        "spo2",
        "o2_device",
        "o2_indication",
        "acvpu",
        "crt_s",
        "resp_effort",
        "spo2_scale",
        "temperature_route",
        "o2_flow_l_min",
        "fio2",
    )
    assert sorted(VITALS_PLACES) == sorted(f.name for f in fields(VitalSigns))


def test_the_code_tables_hold_every_value_in_the_order_first_stored() -> None:
    # A new value of one of these enums is appended to its table (a stored code never changes
    # meaning); until then it would be stored as its text, which reads back too.
    for name, table in VITALS_CODES.items():
        members = field_types(VitalSigns)[name][0]
        assert table == tuple(m.value for m in members), name  # type: ignore[attr-defined]
    assert VITALS_CODES["temperature_unit"] == ("C", "F")
    assert VITALS_CODES["o2_device"][0] == "room_air" and VITALS_CODES["acvpu"][0] == "A"
    record = VitalSigns(hr=80, o2_device="a_newer_device")  # type: ignore[arg-type]
    payload = to_payload(record)
    assert payload == [VITALS_FORMAT, None, None, 80, None, None, None, None, "a_newer_device"]
    assert from_payload("vitals", payload, check=False) == record


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (["V2", 37.0, "C"], "vitals format 'V2' is not one this Bedside reads"),
        ([VITALS_FORMAT, *([None] * len(VITALS_PLACES)), 80], "17 places is more than a V1"),
        ([], "vitals format [] is not one this Bedside reads"),
        ("37.0", "vitals format '37.0' is not one this Bedside reads"),
        ([VITALS_FORMAT], "vitals: empty vitals set"),
        ([VITALS_FORMAT, 37.0, "K"], "temperature_unit"),
    ],
)
def test_a_payload_that_is_not_a_vitals_set_is_refused_naming_it(payload: Any, words: str) -> None:
    with pytest.raises(RecordInvalid) as refused:
        from_payload("vitals", payload)
    assert words in str(refused.value)


def test_a_stored_vitals_set_is_small() -> None:
    # The object form of these was 146 and 168 bytes.
    sizes = [
        len(canonical_json(to_payload(v))) for v in (normal_adult_vitals(), normal_child_vitals())
    ]
    assert sizes == [35, 43], sizes
