"""Record validation: every range edge, every bad input kind, °F conversion and the canonical payload."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bedside.records as records_package
from bedside.alert_vocabulary import AlertEventType, AlertKind, Priority
from bedside.clinical.assessment import Flag
from bedside.clinical.crs import fahrenheit_to_celsius
from bedside.clinical.vocabulary import VasoactiveAgent
from bedside.clock import ManualClock
from bedside.records import (
    RECORD_TYPES,
    Admission,
    AlertEvent,
    AssessmentRecord,
    Attribution,
    Discharge,
    Draft,
    Drug,
    DrugKind,
    EpisodeClosure,
    Export,
    FieldError,
    GradeSignOff,
    Intervention,
    LoginAttempt,
    NeuroCheck,
    Note,
    PinReset,
    PolicySet,
    Record,
    RecordInvalid,
    UserCreated,
    UserDisabled,
    VitalSigns,
    canonical_json,
    check_author,
    from_payload,
    to_payload,
    validate,
    validate_record,
)
from bedside.records.canonical import iso_utc, parse_utc

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
CLOCK = ManualClock(NOW)

ADMISSION = Admission(
    patient_id="MRN-001",
    name="Ada Lovelace",
    date_of_birth=date(2016, 3, 1),
    sex="female",
    weight_kg=24.5,
    diagnosis="neuroblastoma",
    developmental_delay=False,
    infusion_at=NOW,
    product="GD2-CART01",
    dose_cells_per_kg=3e6,
)
VITALS = VitalSigns(hr=90)
ON_OXYGEN = VitalSigns(o2_device="nasal_cannula", o2_indication="crs_hypoxia")
ICE = NeuroCheck(
    tool="ICE", ice_orientation=4, ice_naming=3, ice_commands=1, ice_writing=1, ice_attention=1
)
CAPD = NeuroCheck(
    tool="CAPD",
    capd_eye_contact=0,
    capd_purposeful=0,
    capd_aware=0,
    capd_communicates=0,
    capd_restless=0,
    capd_inconsolable=0,
    capd_underactive=0,
    capd_slow_response=0,
)
SEIZURE = NeuroCheck(
    tool="ICE", ice_not_assessable="postictal_not_done", seizure="clinical_resolved_rapidly"
)
INTERVENTION = Intervention(
    drug="paracetamol",
    dose=15,
    dose_unit="mg/kg",
    route="iv",
    started_at=NOW,
    indication="treatment",
)
PRESSOR = Intervention(
    drug="norepinephrine",
    dose=0.05,
    dose_unit="mcg/kg/min",
    route="iv",
    started_at=NOW - timedelta(hours=2),
    stopped_at=NOW,
    indication="treatment",
)
PIN_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo"
EXAMPLES: list[Record] = [
    ADMISSION,
    VITALS,
    VitalSigns(
        temperature=100.4,
        temperature_unit="F",
        temperature_route="tympanic",
        hr=120,
        sbp=110,
        dbp=60,
        rr=22,
        spo2=95,
        spo2_scale=1,
        o2_device="high_flow_nasal_cannula",
        o2_flow_l_min=20,
        fio2=0.4,
        o2_indication="crs_hypoxia",
        acvpu="A",
        crt_s=2,
        resp_effort="mild",
    ),
    ICE,
    CAPD,
    SEIZURE,
    NeuroCheck(
        tool="CAPD",
        capd_not_assessable="neuromuscular_blockade",
        cerebral_edema="diffuse_on_imaging",
        imaging_done=True,
    ),
    INTERVENTION,
    PRESSOR,
    Attribution(finding="fever", cause="line infection, blood cultures positive"),
    Note(text="Parents at bedside.\n\tAsked about the plan."),
    EpisodeClosure(syndrome="crs", reason="afebrile 48 h off pressors"),
    GradeSignOff(syndrome="icans", grade=2, assessment_id="01a20ff3-4e9a-7a66-873c-fac64130d995"),
    Discharge(outcome="transferred", destination="paediatric ICU"),
    AssessmentRecord(crs_grade=2, flags=(Flag.CRS_DOMAIN_MISSING,), rule_version="test rules"),
    Export(format="fhir_r4_transaction", resources=12, file="/srv/export.json", sha256="0" * 64),
    # Issue 10: the ward's users (filed under WARD_ID); a hash, never a PIN.
    UserCreated(user_id="nurse.ada", role="nurse", display_name="Ada L.", pin_hash=PIN_HASH),
    UserDisabled(user_id="nurse.ada"),
    PinReset(user_id="nurse.ada", pin_hash=PIN_HASH),
    LoginAttempt(user_id="nurse.ada", outcome="wrong_pin"),
    PolicySet(
        settings={"pews_escalation_threshold": 7, "site_timezone": "Europe/Zurich"},
        reason="the ward's escalation algorithm",
    ),
    AlertEvent(
        alert_id="a-1",
        event="raised",
        kind=AlertKind.CRS,
        priority=Priority.HIGH,
        level=2,
        detail="CRS 2",
    ),
]


def errors_for(record: Record, name: str) -> list[FieldError]:
    return [e for e in validate_record(record) if e.field == name]


def test_every_kind_has_an_example_and_each_is_valid() -> None:
    assert {type(r) for r in EXAMPLES} == set(RECORD_TYPES.values())
    for record in EXAMPLES:
        assert validate_record(record) == [], record


def test_a_pin_is_never_a_pin_hash_and_user_ids_are_lower_case() -> None:
    """Issue 10: only the encoded argon2id form is stored; a PIN, or another hash, is refused."""
    for bad in ("1234", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "$2b$12$" + "a" * 53):
        record = UserCreated(user_id="nurse.ada", role="nurse", display_name="A", pin_hash=bad)
        assert [e.field for e in validate_record(record)] == ["pin_hash"], bad
    for bad_id in ("Nurse.Ada", "system ", "~ward"):
        assert [e.field for e in validate_record(UserDisabled(user_id=bad_id))] == ["user_id"]


# --- Range edges: value − 1 step refused, the edges accepted, value + 1 step refused ----------------

EDGES: list[tuple[Record, str, Any, Any, Any, Any]] = [
    # base, field, below, low edge, high edge, above
    (VITALS, "hr", 19, 20, 300, 301),
    (VITALS, "sbp", 29, 30, 300, 301),
    (VITALS, "dbp", 9, 10, 200, 201),
    (VITALS, "rr", -1, 0, 120, 121),
    (VITALS, "spo2", 49, 50, 100, 101),
    (VITALS, "crt_s", -0.1, 0, 15, 15.1),
    (ON_OXYGEN, "o2_flow_l_min", -0.1, 0, 80, 80.1),
    (ON_OXYGEN, "fio2", 0.2, 0.21, 1.0, 1.01),
    (VitalSigns(temperature_unit="C"), "temperature", 24.9, 25.0, 45.0, 45.1),
    (VitalSigns(temperature_unit="F"), "temperature", 76.9, 77.0, 113.0, 113.1),
    (ADMISSION, "weight_kg", 1.9, 2, 250, 250.1),
    (ADMISSION, "dose_cells_per_kg", 99_999, 1e5, 1e8, 100_000_001),
    (ADMISSION, "baseline_ice", -1, 0, 10, 11),
    (ADMISSION, "baseline_capd", -1, 0, 32, 33),
    (ICE, "ice_orientation", -1, 0, 4, 5),
    (ICE, "ice_naming", -1, 0, 3, 4),
    (ICE, "ice_commands", -1, 0, 1, 2),
    (ICE, "ice_writing", -1, 0, 1, 2),
    (ICE, "ice_attention", -1, 0, 1, 2),
    *[
        (CAPD, item, -1, 0, 4, 5)
        for item in (
            "capd_eye_contact",
            "capd_purposeful",
            "capd_aware",
            "capd_communicates",
            "capd_restless",
            "capd_inconsolable",
            "capd_underactive",
            "capd_slow_response",
        )
    ],
    (SEIZURE, "seizure_duration_min", -0.1, 0, 1440, 1440.1),
    (INTERVENTION, "dose", 0.00009, 0.0001, 50, 50.1),  # mg/kg
    (replace(INTERVENTION, dose_unit="mg"), "dose", 0.0009, 0.001, 5000, 5000.1),
    (PRESSOR, "dose", 0.0009, 0.001, 50, 50.1),  # mcg/kg/min
    (replace(PRESSOR, drug="vasopressin", dose_unit="units/min"), "dose", 0.00009, 0.0001, 1, 1.1),
    (replace(PRESSOR, dose_unit="mL/h"), "dose", 0.009, 0.01, 1000, 1000.1),
    (EXAMPLES[12], "grade", -1, 0, 4, 5),
    (EXAMPLES[-1], "level", -1, 0, 100, 101),
]


@pytest.mark.parametrize(
    ("base", "name", "below", "low", "high", "above"),
    EDGES,
    ids=[f"{type(e[0]).__name__}.{e[1]}" for e in EDGES],
)
def test_range_edges(base: Record, name: str, below: Any, low: Any, high: Any, above: Any) -> None:
    for ok in (low, high):
        assert validate_record(replace(base, **{name: ok})) == [], (name, ok)
    for bad in (below, above):
        errors = errors_for(replace(base, **{name: bad}), name)
        assert len(errors) == 1, (name, bad)
        assert errors[0].message.startswith(f"{name}: ")
        assert errors[0].allowed in errors[0].message  # the message says what is allowed


def test_the_message_names_field_value_and_range() -> None:
    [error] = validate_record(VitalSigns(temperature=3.8, temperature_unit="C"))
    assert error == FieldError(
        "temperature", "temperature: 3.8 °C is outside 25.0–45.0 °C", "25.0–45.0 °C"
    )
    [error] = validate_record(VitalSigns(spo2=180))
    assert error.message == "spo2: 180 % is outside 50–100 %"


TEXT_EDGES: list[tuple[Record, str, int, int]] = [
    (ADMISSION, "patient_id", 1, 32),
    (ADMISSION, "name", 1, 200),
    (ADMISSION, "product", 1, 100),
    (EXAMPLES[9], "cause", 3, 500),
    (EXAMPLES[10], "text", 1, 4000),
    (EXAMPLES[11], "reason", 3, 500),
    (EXAMPLES[13], "destination", 0, 200),
    (EXAMPLES[-1], "alert_id", 1, 64),
    (EXAMPLES[-1], "detail", 0, 2000),
]


@pytest.mark.parametrize(("base", "name", "shortest", "longest"), TEXT_EDGES)
def test_text_length_edges(base: Record, name: str, shortest: int, longest: int) -> None:
    for ok in (shortest, longest):
        assert validate_record(replace(base, **{name: "A" * ok})) == []
    for bad in ([shortest - 1] if shortest else []) + [longest + 1]:
        assert errors_for(replace(base, **{name: "A" * bad}), name), (name, bad)


# --- Bad inputs of every kind ------------------------------------------------------------------------

BAD_VALUES: list[tuple[Record, str, Any]] = [
    (VITALS, "hr", math.nan),
    (VITALS, "hr", math.inf),
    (VITALS, "hr", -math.inf),
    (VITALS, "hr", True),
    (VITALS, "hr", "90"),
    (VITALS, "hr", Decimal("90")),
    (VITALS, "hr", 10**400),  # beyond float range
    (VITALS, "hr", -(2**5000)),
    (VITALS, "spo2", 95.0),  # SpO2 is a whole number
    (VITALS, "spo2", False),
    (VITALS, "o2_device", "helmet"),
    (VITALS, "acvpu", "X"),
    (VITALS, "spo2_scale", 3),
    (VITALS, "spo2_scale", True),
    (ADMISSION, "sex", "f"),
    (ADMISSION, "developmental_delay", 0),
    (ADMISSION, "developmental_delay", "yes"),
    (ADMISSION, "date_of_birth", datetime(2016, 3, 1, tzinfo=UTC)),
    (ADMISSION, "date_of_birth", "2016-03-01"),
    (ADMISSION, "date_of_birth", date(1899, 12, 31)),
    (ADMISSION, "infusion_at", datetime(2026, 11, 24, 10, 0)),  # no time zone
    (ADMISSION, "infusion_at", datetime(1999, 12, 31, tzinfo=UTC)),
    (ADMISSION, "weight_kg", None),  # required
    (ADMISSION, "name", "A" * 10_000),
    (ADMISSION, "name", "Ada\x00Lovelace"),
    (ADMISSION, "name", "Ada\nLovelace"),  # single-line field
    (ADMISSION, "name", "\u202eecalevoL adA"),  # right-to-left override
    (ADMISSION, "name", "   "),
    (ADMISSION, "name", 42),
    (ADMISSION, "patient_id", "MRN 001"),
    (ADMISSION, "patient_id", "MRN-001'; DROP TABLE records;--"),
    (EXAMPLES[10], "text", "x" * 10_000),
    (EXAMPLES[10], "text", "bell\x07"),
    (EXAMPLES[10], "text", "surrogate \ud800"),
    (INTERVENTION, "drug", "aspirin"),
    (INTERVENTION, "started_at", "2026-11-24T10:00:00Z"),
    (EXAMPLES[14], "crs_grade", 5),
    (EXAMPLES[14], "temp_c_compared", math.nan),
    (EXAMPLES[14], "rule_version", "x" * 300),
    (EXAMPLES[14], "source_record", "not-a-uuid"),
]


@pytest.mark.parametrize(("base", "name", "value"), BAD_VALUES, ids=repr)
def test_bad_values_are_refused_naming_the_field(base: Record, name: str, value: Any) -> None:
    errors = errors_for(replace(base, **{name: value}), name)
    assert errors, (name, value)
    assert all(e.message.startswith(f"{name}: ") and e.allowed for e in errors)


def test_nan_and_infinity_are_named_as_not_numbers() -> None:
    for value in (math.nan, math.inf):
        [error] = validate_record(VitalSigns(hr=value))
        assert error.message == f"hr: {value} is not a number"


def test_enum_values_given_as_text_become_members() -> None:
    record = VitalSigns(o2_device="room_air", spo2_scale=2)
    assert record.o2_device is not None and record.o2_device.name == "ROOM_AIR"
    assert record.spo2_scale is not None and record.spo2_scale.value == 2


def test_not_a_record_is_refused() -> None:
    assert validate_record("vitals")[0].field == "kind"  # type: ignore[arg-type]


# --- Rules across fields -------------------------------------------------------------------------------

CROSS: list[tuple[Record, str]] = [
    (VitalSigns(), "vitals"),
    (VitalSigns(spo2_scale=2), "vitals"),
    (VitalSigns(sbp=80, dbp=80), "dbp"),
    (VitalSigns(temperature=38.0), "temperature_unit"),
    (VitalSigns(hr=90, temperature_unit="C"), "temperature"),
    (VitalSigns(o2_flow_l_min=2), "o2_flow_l_min"),
    (VitalSigns(o2_device="room_air", fio2=0.3), "fio2"),
    (VitalSigns(o2_device="nasal_cannula", o2_indication="none"), "o2_indication"),
    (VitalSigns(o2_device="room_air", o2_indication="crs_hypoxia"), "o2_indication"),
    (replace(ICE, ice_naming=None), "ice_naming"),
    (replace(ICE, ice_not_assessable="not_done"), "ice_orientation"),
    (replace(ICE, capd_restless=1), "capd_restless"),
    (replace(ICE, capd_not_assessable="not_done"), "capd_not_assessable"),
    (replace(CAPD, ice_orientation=4), "ice_orientation"),
    (NeuroCheck(tool="CAPD"), "capd_eye_contact"),
    (replace(ICE, seizure_duration_min=3), "seizure_duration_min"),
    (replace(ICE, seizure="none", seizure_duration_min=3), "seizure_duration_min"),
    (replace(ICE, cerebral_edema="focal_local_on_imaging"), "imaging_done"),
    (replace(ICE, seizure="nonconvulsive_eeg_resolved_with_intervention"), "eeg_done"),
    (replace(PRESSOR, stopped_at=PRESSOR.started_at), "stopped_at"),
    (replace(PRESSOR, dose_unit="mg"), "dose_unit"),
    (replace(PRESSOR, route="po"), "route"),
    (replace(INTERVENTION, dose_unit="mcg/kg/min"), "dose_unit"),
]


@pytest.mark.parametrize(("record", "name"), CROSS, ids=repr)
def test_cross_field_rules(record: Record, name: str) -> None:
    assert errors_for(record, name), name


def test_scores_are_the_item_totals() -> None:
    assert ICE.ice_score == 10 and ICE.capd_score is None
    assert replace(CAPD, capd_restless=4, capd_aware=3).capd_score == 7
    assert SEIZURE.ice_score is None


def test_drugs_cover_every_vasoactive_agent_with_their_kind() -> None:
    for agent in VasoactiveAgent:
        drug = Drug(agent.value)
        assert drug.agent is agent
        assert drug.kind is (DrugKind.INOTROPE if agent.is_inotrope else DrugKind.VASOPRESSOR)
    assert Drug.PARACETAMOL.kind is DrugKind.ANTIPYRETIC and Drug.PARACETAMOL.agent is None
    assert Drug.TOCILIZUMAB.kind is DrugKind.ANTICYTOKINE
    assert Drug.DEXAMETHASONE.kind is DrugKind.STEROID
    assert PRESSOR.kind is DrugKind.VASOPRESSOR


# --- Temperature in °F (D8) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fahrenheit", "celsius"),
    [
        (100.4, 38.0),
        (100.3, 37.9),
        (99.41, 37.5),  # 37.45 exactly: half up (binary floats would give 37.4)
        (77.0, 25.0),
        (113.0, 45.0),
        (98.6, 37.0),
    ],
)
def test_fahrenheit_is_converted_in_decimal_and_rounded_half_up(
    fahrenheit: float, celsius: float
) -> None:
    assert float(fahrenheit_to_celsius(fahrenheit)) == celsius
    vitals = VitalSigns(temperature=fahrenheit, temperature_unit="F")
    assert vitals.temp_c() == celsius
    assert vitals.temperature == fahrenheit  # kept as entered


def test_celsius_is_kept_as_entered() -> None:
    assert VitalSigns(temperature=37.95, temperature_unit="C").temp_c() == 37.95
    assert VitalSigns(hr=80).temp_c() is None


# --- The envelope ------------------------------------------------------------------------------------


def test_future_observation_is_refused_beyond_five_minutes() -> None:
    at_limit = Draft(VITALS, "MRN-001", NOW + timedelta(minutes=5))
    assert validate(at_limit, CLOCK) == []
    beyond = Draft(VITALS, "MRN-001", NOW + timedelta(minutes=5, seconds=1))
    [error] = validate(beyond, CLOCK)
    assert error.field == "observed_at" and "future" in error.message


def test_future_infusion_times_are_refused() -> None:
    late = replace(PRESSOR, stopped_at=NOW + timedelta(hours=1))
    assert [e.field for e in validate(Draft(late, "MRN-001", NOW), CLOCK)] == ["stopped_at"]


@pytest.mark.parametrize(
    ("draft", "name"),
    [
        (Draft(VITALS, "MRN 1", NOW), "patient_id"),
        (Draft(VITALS, "", NOW), "patient_id"),
        (Draft(VITALS, "MRN-001", datetime(2026, 11, 24, 10, 0)), "observed_at"),
        (
            Draft(VITALS, "MRN-001", NOW, supersedes="01a20ff3-4e9a-7a66-873c-fac64130d995"),
            "reason",
        ),
        (Draft(VITALS, "MRN-001", NOW, reason="typo fixed"), "reason"),
        (Draft(VITALS, "MRN-001", NOW, supersedes="not-a-uuid", reason="typo fixed"), "supersedes"),
        (
            Draft(
                VITALS,
                "MRN-001",
                NOW,
                supersedes="01a20ff3-4e9a-7a66-873c-fac64130d995",
                reason="x",
            ),
            "reason",
        ),
        (Draft(ADMISSION, "MRN-002", NOW), "patient_id"),
        (
            Draft(replace(ADMISSION, date_of_birth=date(2026, 11, 25)), "MRN-001", NOW),
            "date_of_birth",
        ),
        (
            Draft(replace(ADMISSION, date_of_birth=date(1900, 1, 1)), "MRN-001", NOW),
            "date_of_birth",
        ),
        (Draft(VitalSigns(hr=10), "MRN-001", NOW), "hr"),
    ],
    ids=repr,
)
def test_envelope_rules(draft: Draft, name: str) -> None:
    assert name in {e.field for e in validate(draft, CLOCK)}


def test_a_correction_with_its_reason_is_valid() -> None:
    draft = Draft(
        VITALS, "MRN-001", NOW, "01a20ff3-4e9a-7a66-873c-fac64130d995", "wrong patient bed"
    )
    assert validate(draft, CLOCK) == []


def test_author() -> None:
    assert check_author("nurse.jane") == []
    for bad in ("", "a" * 65, "jane doe", None, 7):
        assert [e.field for e in check_author(bad)] == ["author"]


# --- Canonical payload ---------------------------------------------------------------------------------


@pytest.mark.parametrize("record", EXAMPLES, ids=lambda r: type(r).__name__)
def test_payload_round_trip(record: Record) -> None:
    payload = to_payload(record)
    text = canonical_json(payload)
    assert from_payload(record.KIND, payload) == record
    assert canonical_json(to_payload(from_payload(record.KIND, payload))) == text


def test_canonical_json_is_sorted_compact_and_utc() -> None:
    moved = replace(INTERVENTION, started_at=NOW.astimezone(timezone(timedelta(hours=2))))
    text = canonical_json(to_payload(moved))
    assert text == canonical_json(to_payload(INTERVENTION))
    assert '"started_at":"2026-11-24T10:00:00.000000Z"' in text
    keys = list(to_payload(moved))
    assert text.index('"dose"') < text.index('"drug"') < text.index('"started_at"')
    assert len(keys) == len(set(keys))
    assert ", " not in text


@pytest.mark.parametrize(
    ("kind", "payload", "name"),
    [
        ("vitals", {"hr": 90, "colour": "red"}, "colour"),
        ("telepathy", {}, "kind"),
        ("attribution", {"finding": "fever"}, "cause"),
        ("vitals", {"hr": 400}, "hr"),
        ("vitals", {"o2_device": "helmet"}, "o2_device"),
        ("intervention", to_payload(INTERVENTION) | {"started_at": "yesterday"}, "started_at"),
    ],
)
def test_from_payload_refuses_bad_payloads(kind: str, payload: dict[str, Any], name: str) -> None:
    with pytest.raises(RecordInvalid) as raised:
        from_payload(kind, payload)
    assert name in {e.field for e in raised.value.errors}


def test_an_alert_event_is_typed_and_its_priority_is_stored_as_a_word() -> None:
    event = AlertEvent(
        alert_id="a-1",
        event=AlertEventType.RAISED,
        kind=AlertKind.NEURO_OVERDUE,
        priority=Priority.MEDIUM,
        level=1,
    )
    payload = to_payload(event)
    assert (payload["kind"], payload["priority"]) == ("neuro_overdue", "medium")
    back = from_payload("alert_event", payload)
    assert isinstance(back, AlertEvent)
    assert back.kind is AlertKind.NEURO_OVERDUE and back.priority is Priority.MEDIUM
    assert back.priority > Priority.LOW  # still ranked
    for bad in ("urgent", "MEDIUM", "2"):
        with pytest.raises(RecordInvalid) as raised:
            from_payload("alert_event", payload | {"priority": bad})
        [error] = raised.value.errors
        assert error.field == "priority" and error.allowed == "one of low, medium, high"
    with pytest.raises(RecordInvalid) as raised:
        from_payload("alert_event", payload | {"kind": "crs_grade_9"})
    assert [e.field for e in raised.value.errors] == ["kind"]


# --- Properties ----------------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(
    hr=st.one_of(st.none(), st.integers(20, 300), st.floats(20, 300)),
    sbp=st.one_of(st.none(), st.integers(120, 300)),
    dbp=st.one_of(st.none(), st.integers(10, 119)),
    spo2=st.one_of(st.none(), st.integers(50, 100)),
    temperature=st.one_of(st.none(), st.floats(25, 45)),
)
def test_valid_vitals_are_accepted_and_round_trip(
    hr: float | None, sbp: int | None, dbp: int | None, spo2: int | None, temperature: float | None
) -> None:
    unit = "C" if temperature is not None else None
    record = VitalSigns(
        hr=hr, sbp=sbp, dbp=dbp, spo2=spo2, temperature=temperature, temperature_unit=unit, rr=18
    )
    assert validate_record(record) == []
    assert from_payload("vitals", to_payload(record)) == record


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(["hr", "sbp", "dbp", "rr", "spo2", "crt_s"]),
    value=st.one_of(
        finite.filter(lambda v: v < 0 or v > 300),
        st.sampled_from([math.nan, math.inf, -math.inf, True, False]),
        st.text(max_size=5),
        st.integers(-(10**30), -1),
        st.integers(301, 10**30),
    ),
)
def test_invalid_vital_values_are_refused_naming_the_field(name: str, value: object) -> None:
    errors = errors_for(VitalSigns(**{name: value}), name)
    assert errors and errors[0].message.startswith(f"{name}: ")


# --- The package ---------------------------------------------------------------------------------------
# Its modules' order (values < canonical < fields < types < envelope < reason_codes
# < codec) is an import-linter contract
# in pyproject.toml.


def test_every_name_in_the_package_api_is_importable() -> None:
    for name in records_package.__all__:
        assert getattr(records_package, name) is not None, name


@given(st.datetimes(min_value=datetime(1000, 1, 2), timezones=st.timezones()))
def test_iso_utc_is_the_fixed_width_strftime_form(when: datetime) -> None:
    expected = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert iso_utc(when) == expected
    assert parse_utc(iso_utc(when)) == when.astimezone(UTC)  # a local time in a DST gap included
