"""Invalid snapshots are refused with the offending field named (contract; SPEC 6, 12.17, 14)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bedside.clinical.snapshot import SnapshotError, parse_snapshot
from bedside.clinical.state import PatientState
from bedside.clinical.vocabulary import O2Device, VasoactiveAgent

# A complete valid snapshot: vignette V001's inputs plus its age (SPEC 14 schema).
VALID: dict[str, Any] = {
    "age_years": 34,
    "day_post_infusion": 2,
    "temp_c": 37.9,
    "temp_f": None,
    "sbp": 120,
    "dbp": 75,
    "hr": 85,
    "rr": 16,
    "spo2": 98,
    "spo2_scale": 1,
    "o2_device": "room_air",
    "o2_flow_l_min": None,
    "fio2": None,
    "o2_indication": "none",
    "vasopressors": [],
    "hypotension_attributed_to_other_cause": False,
    "fever_attributed_to_other_cause": False,
    "crs_fever_previously_documented": False,
    "antipyretic_or_anticytokine_given_after_crs_onset": False,
    "premedication_acetaminophen_at_infusion": False,
    "developmental_delay": False,
    "ice_score": 10,
    "ice_not_assessable_reason": None,
    "capd_score": None,
    "capd_not_assessable_reason": None,
    "baseline_capd": None,
    "consciousness": "awakens_spontaneously",
    "depressed_consciousness_attributable_to_sedation": False,
    "acvpu": "A",
    "seizure": "none",
    "seizure_duration_min": None,
    "motor_weakness": "none",
    "cerebral_edema": "none",
    "intracranial_hemorrhage": False,
    "crt_s": None,
    "resp_effort": None,
    "prior_max_crs_grade": None,
    "prior_max_icans_grade": None,
    "crs_episode_open": False,
    "icans_episode_open": False,
    "hours_since_last_neuro_assessment": 2,
}


def test_the_valid_snapshot_parses() -> None:
    state = parse_snapshot(dict(VALID))
    assert isinstance(state, PatientState)
    assert state.age_years == 34
    assert state.temp_c == 37.9
    assert state.o2_device == O2Device.ROOM_AIR
    assert state.vasopressors == ()


def test_absent_and_null_keys_mean_missing() -> None:
    state = parse_snapshot({"age_years": 30, "temp_c": None})
    assert state.temp_c is None
    assert state.sbp is None
    assert state.ice_score is None


def test_values_are_converted_to_the_vocabulary() -> None:
    state = parse_snapshot(
        {
            **VALID,
            "vasopressors": ["norepinephrine", "vasopressin"],
            "o2_device": "cpap",
            "o2_indication": "crs_hypoxia",
        }
    )
    assert state.vasopressors == (VasoactiveAgent.NOREPINEPHRINE, VasoactiveAgent.VASOPRESSIN)
    assert state.o2_device == O2Device.CPAP


def test_temp_f_alone_is_accepted() -> None:
    state = parse_snapshot({**VALID, "temp_c": None, "temp_f": 100.4})
    assert state.temp_f == 100.4
    assert state.temp_c is None


# oxygen inputs that are consistent apart from the value under test (o2_indication "none" means no O2)
NASAL = {"o2_device": "nasal_cannula", "o2_indication": "crs_hypoxia"}
VENTURI = {"o2_device": "venturi_mask", "o2_indication": "crs_hypoxia"}

# (case id, changes to VALID, offending field)
INVALID: list[tuple[str, dict[str, Any], str]] = [
    # out of range
    ("temp_c 3.8", {"temp_c": 3.8}, "temp_c"),
    ("temp_c 83", {"temp_c": 83}, "temp_c"),
    ("spo2 180", {"spo2": 180}, "spo2"),
    ("spo2 101", {"spo2": 101}, "spo2"),
    ("spo2 -1", {"spo2": -1}, "spo2"),
    ("negative o2 flow", {**NASAL, "o2_flow_l_min": -1}, "o2_flow_l_min"),
    ("fio2 1.5", {**VENTURI, "fio2": 1.5}, "fio2"),
    ("fio2 as a percentage", {**VENTURI, "fio2": 40}, "fio2"),
    ("ice 11", {"ice_score": 11}, "ice_score"),
    ("ice 7.5", {"ice_score": 7.5}, "ice_score"),
    ("ice -1", {"ice_score": -1}, "ice_score"),
    ("capd 33", {"age_years": 6, "ice_score": None, "capd_score": 33}, "capd_score"),
    ("capd -1", {"age_years": 6, "ice_score": None, "capd_score": -1}, "capd_score"),
    ("capd 4.5", {"age_years": 6, "ice_score": None, "capd_score": 4.5}, "capd_score"),
    ("age -1", {"age_years": -1}, "age_years"),
    ("hr -1", {"hr": -1}, "hr"),
    ("negative seizure duration", {"seizure_duration_min": -1}, "seizure_duration_min"),
    # wrong types
    ("string for temp_c", {"temp_c": "38.5"}, "temp_c"),
    ("string for sbp", {"sbp": "120"}, "sbp"),
    ("string for ice", {"ice_score": "7"}, "ice_score"),
    ("string for age", {"age_years": "30"}, "age_years"),
    ("number for o2_device", {"o2_device": 3}, "o2_device"),
    ("number for consciousness", {"consciousness": 2}, "consciousness"),
    ("number for acvpu", {"acvpu": 1}, "acvpu"),
    ("bool for sbp", {"sbp": True}, "sbp"),
    ("bool for spo2", {"spo2": False}, "spo2"),
    ("bool for ice", {"ice_score": True}, "ice_score"),
    ("bool for temp_c", {"temp_c": True}, "temp_c"),
    (
        "string for a bool",
        {"fever_attributed_to_other_cause": "yes"},
        "fever_attributed_to_other_cause",
    ),
    ("string for vasopressors", {"vasopressors": "norepinephrine"}, "vasopressors"),
    ("number in vasopressors", {"vasopressors": [1]}, "vasopressors"),
    # unknown enumeration values
    ("o2_device typo", {"o2_device": "nasal_canula"}, "o2_device"),
    ("o2_indication", {"o2_indication": "maybe"}, "o2_indication"),
    ("consciousness", {"consciousness": "awake"}, "consciousness"),
    ("seizure", {"seizure": "yes"}, "seizure"),
    ("motor", {"motor_weakness": "hemiparesis"}, "motor_weakness"),
    ("edema", {"cerebral_edema": "swelling"}, "cerebral_edema"),
    ("acvpu", {"acvpu": "X"}, "acvpu"),
    ("resp_effort", {"resp_effort": "severe"}, "resp_effort"),
    ("spo2_scale 3", {"spo2_scale": 3}, "spo2_scale"),
    ("vasopressor name", {"vasopressors": ["noradrenaline"]}, "vasopressors"),
    (
        "ice reason",
        {"ice_score": None, "ice_not_assessable_reason": "asleep"},
        "ice_not_assessable_reason",
    ),
    (
        "capd reason",
        {"age_years": 6, "ice_score": None, "capd_not_assessable_reason": "sleeping"},
        "capd_not_assessable_reason",
    ),
    # unknown keys: a typo must not silently change a grade
    ("temp_C typo", {"temp_C": 38.5}, "temp_C"),
    ("spo2_sacle typo", {"spo2_sacle": 2}, "spo2_sacle"),
    ("vasopressor singular", {"vasopressor": ["norepinephrine"]}, "vasopressor"),
    # NaN and infinity
    ("temp_c nan", {"temp_c": math.nan}, "temp_c"),
    ("temp_c inf", {"temp_c": math.inf}, "temp_c"),
    ("sbp -inf", {"sbp": -math.inf}, "sbp"),
    ("spo2 nan", {"spo2": math.nan}, "spo2"),
    ("hr inf", {"hr": math.inf}, "hr"),
    ("o2 flow nan", {**NASAL, "o2_flow_l_min": math.nan}, "o2_flow_l_min"),
    ("age nan", {"age_years": math.nan}, "age_years"),
]


@pytest.mark.parametrize(
    ("changes", "field"), [(c, f) for _, c, f in INVALID], ids=[i for i, _, _ in INVALID]
)
def test_invalid_value_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(SnapshotError) as caught:
        parse_snapshot({**VALID, **changes})
    err = caught.value
    assert err.field == field
    assert field in str(err)
    assert isinstance(err.allowed, str)
    assert err.allowed.strip() != ""


@pytest.mark.parametrize(
    ("field", "bad", "allowed_example"),
    [
        ("o2_device", "nasal_canula", "nasal_cannula"),
        ("consciousness", "awake", "awakens_to_voice"),
        ("seizure", "yes", "prolonged_gt_5min"),
        ("vasopressors", ["noradrenaline"], "norepinephrine"),
        ("o2_indication", "maybe", "crs_hypoxia"),
    ],
)
def test_unknown_enum_message_lists_the_allowed_values(
    field: str, bad: Any, allowed_example: str
) -> None:
    with pytest.raises(SnapshotError) as caught:
        parse_snapshot({**VALID, field: bad})
    assert allowed_example in caught.value.allowed
    assert allowed_example in str(caught.value)


@pytest.mark.parametrize(
    ("field", "bad"),
    [("ice_score", 11), ("spo2", 180), ("temp_c", 83), ("fio2", 1.5), ("capd_score", 33)],
)
def test_out_of_range_message_states_the_range(field: str, bad: Any) -> None:
    with pytest.raises(SnapshotError) as caught:
        parse_snapshot({**VALID, field: bad})
    err = caught.value
    assert err.field == field
    assert any(ch.isdigit() for ch in err.allowed)
    assert err.allowed in str(err)


def test_both_temperatures_given_is_refused() -> None:
    with pytest.raises(SnapshotError) as caught:
        parse_snapshot({**VALID, "temp_c": 38.0, "temp_f": 100.4})
    err = caught.value
    # either key is the offending one; the message must name it
    assert err.field in ("temp_c", "temp_f")
    assert err.field in str(err)


def test_missing_age_is_refused() -> None:
    payload = {k: v for k, v in VALID.items() if k != "age_years"}
    with pytest.raises(SnapshotError) as caught:
        parse_snapshot(payload)
    assert caught.value.field == "age_years"
    assert "age_years" in str(caught.value)


def test_null_age_is_refused() -> None:
    with pytest.raises(SnapshotError) as caught:
        parse_snapshot({**VALID, "age_years": None})
    assert caught.value.field == "age_years"
