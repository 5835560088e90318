"""Boundary tables for every threshold (value - step, value, value + step), straight from the SPEC."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bedside.clinical.engine import assess
from bedside.clinical.state import PatientState
from bedside.clinical.vocabulary import (
    Acvpu,
    CerebralEdema,
    Consciousness,
    EncephalopathyTool,
    MotorFinding,
    O2Device,
    O2Indication,
    RespEffort,
    Seizure,
    Spo2Scale,
)
from tests.bedside import oracle

NORMAL_NEURO: dict[str, Any] = {
    "consciousness": Consciousness.AWAKENS_SPONTANEOUSLY,
    "seizure": Seizure.NONE,
    "motor_weakness": MotorFinding.NONE,
    "cerebral_edema": CerebralEdema.NONE,
}

# An all-normal adult: NEWS2 0 (SPEC 9), CRS 0, ICANS 0.
ADULT = PatientState(
    age_years=30,
    day_post_infusion=3,
    temp_c=37.0,
    sbp=120,
    dbp=75,
    hr=70,
    rr=16,
    spo2=98,
    spo2_scale=Spo2Scale.SCALE_1,
    o2_device=O2Device.ROOM_AIR,
    o2_indication=O2Indication.NONE,
    acvpu=Acvpu.ALERT,
    ice_score=10,
    hours_since_last_neuro_assessment=2,
    **NORMAL_NEURO,
)

CHILD_6 = replace(
    ADULT, age_years=6, sbp=105, hr=90, rr=24, acvpu=None, ice_score=None, capd_score=0
)

NASAL_2L = {
    "o2_device": O2Device.NASAL_CANNULA,
    "o2_flow_l_min": 2,
    "o2_indication": O2Indication.CRS_HYPOXIA,
}


def test_all_normal_adult_baseline() -> None:
    result = assess(ADULT)
    assert (result.crs.grade, result.icans.grade) == (0, 0)
    assert result.news2.score == 0
    assert result.news2.any_single_parameter_3 is False


# --- fever (SPEC 2.1, D8) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("temp", "fever", "compared_c"),
    [
        ({"temp_c": 37.9}, False, 37.9),
        ({"temp_c": 38.0}, True, 38.0),
        ({"temp_c": 38.1}, True, 38.1),
        ({"temp_f": 100.3}, False, 37.9),
        ({"temp_f": 100.4}, True, 38.0),
        ({"temp_f": 100.5}, True, 38.1),
    ],
)
def test_fever_threshold(temp: dict[str, float], fever: bool, compared_c: float) -> None:
    crs = assess(replace(ADULT, **{"temp_c": None, **temp})).crs
    assert crs.fever is fever
    assert crs.grade == (1 if fever else 0)
    assert crs.temp_c == pytest.approx(compared_c, abs=1e-9)


def test_no_temperature_gives_null_fever_and_null_grade() -> None:
    crs = assess(replace(ADULT, temp_c=None)).crs
    assert crs.fever is None
    assert crs.grade is None


# --- O2 flow (SPEC 3.2 footnote e, section 4, D3) -----------------------------------------------


@pytest.mark.parametrize(
    "device", [O2Device.NASAL_CANNULA, O2Device.HIGH_FLOW_NASAL_CANNULA], ids=str
)
@pytest.mark.parametrize(("flow", "grade"), [(5.9, 2), (6, 2), (6.1, 3), (7, 3)])
def test_o2_flow_low_vs_high(device: O2Device, flow: float, grade: int) -> None:
    state = replace(
        ADULT,
        temp_c=38.5,
        o2_device=device,
        o2_flow_l_min=flow,
        o2_indication=O2Indication.CRS_HYPOXIA,
    )
    assert assess(state).crs.grade == grade


# --- PALS hypotension (SPEC 2.3, D5: completed years, strict "<") -------------------------------


@pytest.mark.parametrize("age", range(1, 51))
def test_pals_threshold_every_completed_age(age: int) -> None:
    threshold = oracle.pals_threshold(age)
    febrile = replace(ADULT, age_years=age, temp_c=38.5, acvpu=None)
    below = assess(replace(febrile, sbp=threshold - 1)).crs
    at = assess(replace(febrile, sbp=threshold)).crs
    above = assess(replace(febrile, sbp=threshold + 1)).crs
    assert (below.hypotension, below.grade) == (True, 2)
    assert (at.hypotension, at.grade) == (False, 1)
    assert (above.hypotension, above.grade) == (False, 1)


@pytest.mark.parametrize(
    ("age", "threshold"),
    [
        (1.0, 72),
        (1.5, 72),
        (1.99, 72),
        (3.9, 76),  # V045: fractional 77.8 would call SBP 77 hypotensive; completed years do not
        (4.0, 78),
        (5.5, 80),
        (9.99, 88),
        (10.0, 90),
        (10.5, 90),
        (11.9, 90),
        (12.0, 90),
        (17.9, 90),
    ],
)
def test_pals_threshold_fractional_age(age: float, threshold: int) -> None:
    febrile = replace(ADULT, age_years=age, temp_c=38.5, acvpu=None)
    for sbp, hypotension in ((threshold - 1, True), (threshold, False), (threshold + 1, False)):
        crs = assess(replace(febrile, sbp=sbp)).crs
        assert (crs.hypotension, crs.grade) == (hypotension, 2 if hypotension else 1), sbp


# --- ICE, CAPD, tool choice (SPEC 5.1-5.4, D1, D2) ----------------------------------------------


@pytest.mark.parametrize(
    ("ice", "grade"),
    [(10, 0), (9, 1), (8, 1), (7, 1), (6, 2), (5, 2), (4, 2), (3, 2), (2, 3), (1, 3), (0, 3)],
)
def test_ice_bands(ice: int, grade: int) -> None:
    icans = assess(replace(ADULT, ice_score=ice)).icans
    assert icans.tool == EncephalopathyTool.ICE
    assert (icans.grade, icans.grade_is_lower_bound) == (grade, False)


@pytest.mark.parametrize(("capd", "grade"), [(0, 0), (1, 1), (8, 1), (9, 3), (10, 3), (32, 3)])
def test_capd_bands(capd: int, grade: int) -> None:
    icans = assess(replace(CHILD_6, capd_score=capd)).icans
    assert icans.tool == EncephalopathyTool.CAPD
    assert (icans.grade, icans.grade_is_lower_bound) == (grade, False)


@pytest.mark.parametrize(
    ("age", "delay", "tool"),
    [
        (11.9, False, EncephalopathyTool.CAPD),
        (11.99, False, EncephalopathyTool.CAPD),
        (12.0, False, EncephalopathyTool.ICE),
        (12.1, False, EncephalopathyTool.ICE),
        (30, True, EncephalopathyTool.CAPD),
        (30, False, EncephalopathyTool.ICE),
    ],
)
def test_tool_by_age_and_developmental_delay(
    age: float, delay: bool, tool: EncephalopathyTool
) -> None:
    state = replace(ADULT, age_years=age, developmental_delay=delay, ice_score=None)
    assert assess(state).icans.tool == tool


# --- seizure duration (D13: only MORE than 5 min is prolonged) ----------------------------------


@pytest.mark.parametrize(
    ("seizure", "duration", "grade"),
    [
        (Seizure.CLINICAL_RESOLVED_RAPIDLY, 4.9, 3),
        (Seizure.CLINICAL_RESOLVED_RAPIDLY, 5.0, 3),
        (Seizure.CLINICAL_RESOLVED_RAPIDLY, 5.1, 4),
        (Seizure.CLINICAL_RESOLVED_RAPIDLY, None, 3),
        (Seizure.PROLONGED_GT_5MIN, 4.9, 3),
        (Seizure.PROLONGED_GT_5MIN, 5.0, 3),
        (Seizure.PROLONGED_GT_5MIN, 5.1, 4),
        (Seizure.PROLONGED_GT_5MIN, None, 4),
    ],
)
def test_seizure_duration_boundary(seizure: Seizure, duration: float | None, grade: int) -> None:
    state = replace(ADULT, seizure=seizure, seizure_duration_min=duration)
    assert assess(state).icans.grade == grade


# --- NEWS2 (SPEC 9): one parameter varied from an all-normal adult -------------------------------

NEWS2_EDGES: list[tuple[str, dict[str, Any], int]] = [
    *(("rr", {"rr": v}, p) for v, p in [(8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2)]),
    *(("rr", {"rr": v}, p) for v, p in [(24, 2), (25, 3)]),
    *(
        ("spo2 scale 1", {"spo2": v}, p)
        for v, p in [(91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)]
    ),
    *(
        ("spo2 scale 2 air", {"spo2_scale": Spo2Scale.SCALE_2, "spo2": v}, p)
        for v, p in [(83, 3), (84, 2), (85, 2), (86, 1), (87, 1), (88, 0), (92, 0), (93, 0)]
    ),
    *(
        ("spo2 scale 2 air", {"spo2_scale": Spo2Scale.SCALE_2, "spo2": v}, p)
        for v, p in [(97, 0), (100, 0)]
    ),
    *(
        ("spo2 scale 1 on O2", {"spo2": v, **NASAL_2L}, p)
        for v, p in [(91, 3 + 2), (92, 2 + 2), (95, 1 + 2), (96, 0 + 2)]
    ),
    *(
        ("spo2 scale 2 on O2", {"spo2_scale": Spo2Scale.SCALE_2, "spo2": v, **NASAL_2L}, p)
        for v, p in [(83, 3 + 2), (84, 2 + 2), (86, 1 + 2), (87, 1 + 2), (88, 0 + 2)]
    ),
    *(
        ("spo2 scale 2 on O2", {"spo2_scale": Spo2Scale.SCALE_2, "spo2": v, **NASAL_2L}, p)
        for v, p in [(92, 0 + 2), (93, 1 + 2), (94, 1 + 2), (95, 2 + 2), (96, 2 + 2), (97, 3 + 2)]
    ),
    ("air", {}, 0),
    ("oxygen", NASAL_2L, 2),
    (
        "oxygen (indication other cause)",
        {**NASAL_2L, "o2_indication": O2Indication.OTHER_CAUSE},
        2,
    ),
    *(
        ("sbp", {"sbp": v}, p)
        for v, p in [(90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3)]
    ),
    *(
        ("hr", {"hr": v}, p)
        for v, p in [(40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2)]
    ),
    *(("hr", {"hr": v}, p) for v, p in [(130, 2), (131, 3)]),
    *(
        ("temp", {"temp_c": v}, p)
        for v, p in [(35.0, 3), (35.1, 1), (36.0, 1), (36.1, 0), (38.0, 0), (38.1, 1)]
    ),
    *(("temp", {"temp_c": v}, p) for v, p in [(39.0, 1), (39.1, 2)]),
    ("acvpu", {"acvpu": Acvpu.ALERT}, 0),
    *(("acvpu", {"acvpu": a}, 3) for a in (Acvpu.NEW_CONFUSION, Acvpu.VOICE, Acvpu.PAIN)),
    ("acvpu", {"acvpu": Acvpu.UNRESPONSIVE}, 3),
]


def _single_three(label: str, inputs: dict[str, Any], points: int) -> bool:
    # the red score belongs to one parameter; supplemental O2 is worth 2, never 3
    if "on O2" in label:
        return points - 2 == 3
    return points == 3


@pytest.mark.parametrize(
    ("label", "inputs", "points"),
    NEWS2_EDGES,
    ids=[
        f"{label}-{'-'.join(str(v) for v in inputs.values())}" for label, inputs, _ in NEWS2_EDGES
    ],
)
def test_news2_band_edges(label: str, inputs: dict[str, Any], points: int) -> None:
    news2 = assess(replace(ADULT, **inputs)).news2
    assert news2.score == points
    assert news2.any_single_parameter_3 is _single_three(label, inputs, points)


def test_news2_temperature_in_fahrenheit_uses_the_rounded_celsius_value() -> None:
    # 100.4 °F = 38.0 °C -> 0 points; 100.6 °F = 38.1 °C -> 1 point (D8, SPEC 9)
    assert assess(replace(ADULT, temp_c=None, temp_f=100.4)).news2.score == 0
    assert assess(replace(ADULT, temp_c=None, temp_f=100.6)).news2.score == 1


def test_news2_is_null_on_invasive_ventilation() -> None:
    state = replace(ADULT, o2_device=O2Device.INVASIVE_VENTILATION, fio2=0.4)
    news2 = assess(state).news2
    assert news2.score is None
    assert news2.any_single_parameter_3 is None


@pytest.mark.parametrize(
    ("field", "missing"),
    [("rr", None), ("spo2", None), ("sbp", None), ("hr", None), ("temp_c", None), ("acvpu", None)],
)
def test_news2_is_null_when_a_parameter_is_missing(field: str, missing: None) -> None:
    news2 = assess(replace(ADULT, **{field: missing})).news2
    assert news2.score is None
    assert news2.any_single_parameter_3 is None


@pytest.mark.parametrize(
    ("age", "news2_applies", "pews_applies"),
    [(15.9, False, True), (16.0, True, True), (17.9, True, True), (18.0, True, False)],
)
def test_news2_and_pews_age_applicability(
    age: float, news2_applies: bool, pews_applies: bool
) -> None:
    state = replace(ADULT, age_years=age, crt_s=2, resp_effort=RespEffort.NORMAL, sbp=115, rr=14)
    result = assess(state)
    assert (result.news2.score is not None) is news2_applies
    assert (result.pews.score is not None) is pews_applies


# --- Bedside PEWS (SPEC 10, D12) ----------------------------------------------------------------

# an all-normal child per age band: every item scores 0
PEWS_BASE: dict[str, dict[str, Any]] = {
    "1-4": {"age_years": 2, "hr": 100, "sbp": 100, "rr": 30},
    "4-12": {"age_years": 8, "hr": 90, "sbp": 105, "rr": 24},
    ">12": {"age_years": 15, "hr": 80, "sbp": 115, "rr": 14},
}


def pews_child(band: str, **inputs: Any) -> PatientState:
    state = replace(
        CHILD_6,
        acvpu=None,
        crt_s=2,
        resp_effort=RespEffort.NORMAL,
        spo2=98,
        o2_device=O2Device.ROOM_AIR,
        o2_indication=O2Indication.NONE,
        **PEWS_BASE[band],
    )
    if state.age_years >= 12:
        state = replace(state, capd_score=None, ice_score=10)
    return replace(state, **inputs)


# (band, field, value, points): the 0/1/2/4 edges on both sides of every printed row
PEWS_VITAL_EDGES: list[tuple[str, str, float, int]] = [
    # heart rate
    *(("1-4", "hr", v, p) for v, p in [(91, 0), (90, 1), (71, 1), (70, 2), (61, 2), (60, 4)]),
    *(("1-4", "hr", v, p) for v, p in [(119, 0), (120, 1), (149, 1), (150, 2), (169, 2), (170, 4)]),
    *(("4-12", "hr", v, p) for v, p in [(71, 0), (70, 1), (61, 1), (60, 2), (51, 2), (50, 4)]),
    *(
        ("4-12", "hr", v, p)
        for v, p in [(109, 0), (110, 1), (129, 1), (130, 2), (150, 2), (151, 4)]
    ),
    *((">12", "hr", v, p) for v, p in [(61, 0), (60, 1), (50, 1), (49, 2), (41, 2), (40, 4)]),
    *((">12", "hr", v, p) for v, p in [(99, 0), (100, 1), (119, 1), (120, 2), (139, 2), (140, 4)]),
    # systolic blood pressure
    *(("1-4", "sbp", v, p) for v, p in [(91, 0), (90, 1), (76, 1), (75, 2), (66, 2), (65, 4)]),
    *(
        ("1-4", "sbp", v, p)
        for v, p in [(109, 0), (110, 1), (124, 1), (125, 2), (159, 2), (160, 4)]
    ),
    *(("4-12", "sbp", v, p) for v, p in [(91, 0), (90, 1), (81, 1), (80, 2), (71, 2), (70, 4)]),
    *(
        ("4-12", "sbp", v, p)
        for v, p in [(119, 0), (120, 1), (139, 1), (140, 2), (169, 2), (170, 4)]
    ),
    *((">12", "sbp", v, p) for v, p in [(101, 0), (100, 1), (86, 1), (85, 2), (76, 2), (75, 4)]),
    *(
        (">12", "sbp", v, p)
        for v, p in [(129, 0), (130, 1), (149, 1), (150, 2), (189, 2), (190, 4)]
    ),
    # respiratory rate
    *(("1-4", "rr", v, p) for v, p in [(20, 0), (19, 1), (16, 1), (15, 2), (13, 2), (12, 4)]),
    *(("1-4", "rr", v, p) for v, p in [(40, 0), (41, 1), (60, 1), (61, 2), (70, 2), (71, 4)]),
    *(("4-12", "rr", v, p) for v, p in [(20, 0), (19, 1), (15, 1), (14, 2), (11, 2), (10, 4)]),
    *(("4-12", "rr", v, p) for v, p in [(30, 0), (31, 1), (40, 1), (41, 2), (50, 2), (51, 4)]),
    *((">12", "rr", v, p) for v, p in [(12, 0), (11, 1), (10, 2), (9, 4)]),
    *((">12", "rr", v, p) for v, p in [(16, 0), (17, 1), (22, 1), (23, 2), (29, 2), (30, 4)]),
]


@pytest.mark.parametrize(
    ("band", "field", "value", "points"),
    PEWS_VITAL_EDGES,
    ids=[f"{b}-{f}-{v}" for b, f, v, _ in PEWS_VITAL_EDGES],
)
def test_pews_vital_band_edges(band: str, field: str, value: float, points: int) -> None:
    assert assess(pews_child(band, **{field: value})).pews.score == points


@pytest.mark.parametrize("band", list(PEWS_BASE))
def test_pews_all_normal_is_zero(band: str) -> None:
    assert assess(pews_child(band)).pews.score == 0


PEWS_OTHER_EDGES: list[tuple[str, dict[str, Any], int]] = [
    ("crt", {"crt_s": 2.9}, 0),
    ("crt", {"crt_s": 3}, 4),
    ("crt", {"crt_s": 3.1}, 4),
    ("spo2", {"spo2": 95}, 0),
    ("spo2", {"spo2": 94}, 1),
    ("spo2", {"spo2": 91}, 1),
    ("spo2", {"spo2": 90}, 2),
    ("effort", {"resp_effort": RespEffort.NORMAL}, 0),
    ("effort", {"resp_effort": RespEffort.MILD}, 1),
    ("effort", {"resp_effort": RespEffort.MODERATE}, 2),
    ("effort", {"resp_effort": RespEffort.SEVERE_OR_APNOEA}, 4),
    ("o2", {"o2_device": O2Device.ROOM_AIR}, 0),
    ("o2", {**NASAL_2L, "o2_flow_l_min": 1}, 2),
    ("o2", {**NASAL_2L, "o2_flow_l_min": 3.9}, 2),
    ("o2", {**NASAL_2L, "o2_flow_l_min": 4}, 4),
    ("o2", {**NASAL_2L, "o2_flow_l_min": 7}, 4),
    ("o2", {**NASAL_2L, "o2_indication": O2Indication.NOT_REQUIRED}, 2),  # any O2 (V092)
    ("o2", {**NASAL_2L, "o2_device": O2Device.HIGH_FLOW_NASAL_CANNULA, "o2_flow_l_min": 3}, 2),
    ("o2", {**NASAL_2L, "o2_device": O2Device.HIGH_FLOW_NASAL_CANNULA, "o2_flow_l_min": 6}, 4),
    (
        "o2",
        {**NASAL_2L, "o2_device": O2Device.VENTURI_MASK, "o2_flow_l_min": None, "fio2": 0.49},
        2,
    ),
    ("o2", {**NASAL_2L, "o2_device": O2Device.VENTURI_MASK, "o2_flow_l_min": None, "fio2": 0.5}, 4),
    ("o2", {**NASAL_2L, "o2_device": O2Device.NON_REBREATHER, "o2_flow_l_min": 15}, 4),
    ("o2", {**NASAL_2L, "o2_device": O2Device.CPAP, "o2_flow_l_min": None, "fio2": 0.3}, 4),
]


@pytest.mark.parametrize("band", list(PEWS_BASE))
@pytest.mark.parametrize(
    ("label", "inputs", "points"),
    PEWS_OTHER_EDGES,
    ids=[f"{label}-{'-'.join(str(v) for v in i.values())}" for label, i, _ in PEWS_OTHER_EDGES],
)
def test_pews_other_item_edges(band: str, label: str, inputs: dict[str, Any], points: int) -> None:
    assert assess(pews_child(band, **inputs)).pews.score == points


@pytest.mark.parametrize(
    ("age", "band", "hr_60_points"),
    [
        (1.0, "1-4", 4),
        (3.9, "1-4", 4),
        (3.99, "1-4", 4),
        (4.0, "4-12", 2),
        (12.0, "4-12", 2),
        (12.99, "4-12", 2),
        (13.0, ">12", 1),
        (17.9, ">12", 1),
    ],
)
def test_pews_age_band_by_completed_years(age: float, band: str, hr_60_points: int) -> None:
    # HR 60 scores 4 / 2 / 1 in the three bands; the band's other normal values score 0 there
    state = pews_child(band, age_years=age, hr=60)
    if age >= 12:
        state = replace(state, capd_score=None, ice_score=10)
    assert assess(state).pews.score == hr_60_points


@pytest.mark.parametrize("field", ["hr", "sbp", "rr", "spo2", "crt_s", "resp_effort", "o2_device"])
def test_pews_is_null_when_an_item_is_missing(field: str) -> None:
    assert assess(pews_child("4-12", **{field: None})).pews.score is None
