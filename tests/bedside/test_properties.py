"""Hypothesis invariants: a worse value never lowers a grade; scores stay in range; assess never raises."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bedside.clinical.engine import assess
from bedside.clinical.state import PatientState
from bedside.clinical.vocabulary import (
    Acvpu,
    CapdNotAssessable,
    CerebralEdema,
    Consciousness,
    IceNotAssessable,
    MotorFinding,
    O2Device,
    O2Indication,
    RespEffort,
    Seizure,
    Spo2Scale,
    VasoactiveAgent,
)

PROPERTY_SETTINGS = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def not_lower(worse: int | None, base: int | None) -> bool:
    """None is "unknown": only two known grades can be compared."""
    return worse is None or base is None or worse >= base


# --- CRS ------------------------------------------------------------------------------------------

# O2 support ordered by the SPEC section 4 hypoxia class: 0, 2 ... 2, 3 ... 3, 4 ... 4
O2_LADDER: list[tuple[O2Device, float | None, float | None]] = [
    (O2Device.ROOM_AIR, None, None),
    (O2Device.NASAL_CANNULA, 1, None),
    (O2Device.BLOW_BY, 2, None),
    (O2Device.NASAL_CANNULA, 4, None),
    (O2Device.NASAL_CANNULA, 6, None),
    (O2Device.HIGH_FLOW_NASAL_CANNULA, 6, 0.4),
    (O2Device.NASAL_CANNULA, 6.5, None),
    (O2Device.HIGH_FLOW_NASAL_CANNULA, 7, 0.4),
    (O2Device.SIMPLE_FACE_MASK, 6, None),
    (O2Device.VENTURI_MASK, None, 0.4),
    (O2Device.NON_REBREATHER, 15, None),
    (O2Device.HIGH_FLOW_NASAL_CANNULA, 50, 0.8),
    (O2Device.CPAP, None, 0.4),
    (O2Device.BIPAP, None, 0.5),
    (O2Device.INVASIVE_VENTILATION, None, 0.6),
]
O2_INDICATIONS = [O2Indication.CRS_HYPOXIA, O2Indication.UNKNOWN, O2Indication.OTHER_CAUSE]
NON_INOTROPES = [a for a in VasoactiveAgent if not a.is_inotrope]


def o2_inputs(rung: int, indication: O2Indication) -> dict[str, Any]:
    device, flow, fio2 = O2_LADDER[rung]
    if device == O2Device.ROOM_AIR:
        indication = O2Indication.NONE
    return {"o2_device": device, "o2_flow_l_min": flow, "fio2": fio2, "o2_indication": indication}


@st.composite
def crs_states(draw: st.DrawFn) -> tuple[PatientState, int, O2Indication]:
    rung = draw(st.integers(0, len(O2_LADDER) - 1))
    indication = draw(st.sampled_from(O2_INDICATIONS))
    waiver = draw(st.booleans())
    state = PatientState(
        age_years=draw(st.sampled_from([1, 2.5, 3.9, 5, 7, 9.99, 10, 11, 12, 15, 16, 30, 50])),
        day_post_infusion=draw(st.integers(0, 28)),
        temp_c=draw(st.none() | st.integers(350, 415).map(lambda t: t / 10)),
        sbp=draw(st.integers(50, 160)),
        dbp=50,
        hr=draw(st.integers(60, 170)),
        rr=draw(st.integers(12, 40)),
        spo2=draw(st.integers(85, 100)),
        vasopressors=tuple(
            draw(st.lists(st.sampled_from(list(VasoactiveAgent)), max_size=3, unique=True))
        ),
        crs_fever_previously_documented=waiver or draw(st.booleans()),
        antipyretic_or_anticytokine_given_after_crs_onset=waiver or draw(st.booleans()),
        crs_episode_open=waiver or draw(st.booleans()),
        fever_attributed_to_other_cause=draw(st.booleans()),
        hypotension_attributed_to_other_cause=draw(st.booleans()),
        **o2_inputs(rung, indication),
    )
    return state, rung, indication


@PROPERTY_SETTINGS
@given(crs_states(), st.sampled_from(NON_INOTROPES))
def test_adding_a_vasopressor_never_lowers_crs(
    drawn: tuple[PatientState, int, O2Indication], agent: VasoactiveAgent
) -> None:
    base = drawn[0]
    worse = replace(base, vasopressors=tuple(dict.fromkeys((*base.vasopressors, agent))))
    assert not_lower(assess(worse).crs.grade, assess(base).crs.grade), worse


@PROPERTY_SETTINGS
@given(crs_states(), st.integers(0, len(O2_LADDER) - 1))
def test_more_oxygen_support_never_lowers_crs(
    drawn: tuple[PatientState, int, O2Indication], step: int
) -> None:
    base, rung, indication = drawn
    worse = replace(base, **o2_inputs(min(rung + step, len(O2_LADDER) - 1), indication))
    assert not_lower(assess(worse).crs.grade, assess(base).crs.grade), worse


@PROPERTY_SETTINGS
@given(crs_states(), st.integers(0, 40))
def test_higher_temperature_never_lowers_crs(
    drawn: tuple[PatientState, int, O2Indication], tenths: int
) -> None:
    base = drawn[0]
    if base.temp_c is None:
        base = replace(base, temp_c=37.0)
    worse = replace(base, temp_c=min(42.0, round(base.temp_c + tenths / 10, 1)))
    assert not_lower(assess(worse).crs.grade, assess(base).crs.grade), worse


@PROPERTY_SETTINGS
@given(crs_states(), st.integers(0, 40))
def test_lower_sbp_never_lowers_crs(
    drawn: tuple[PatientState, int, O2Indication], drop: int
) -> None:
    base = drawn[0]
    assert base.sbp is not None
    worse = replace(base, sbp=max(40, base.sbp - drop))
    assert not_lower(assess(worse).crs.grade, assess(base).crs.grade), worse


# --- ICANS ----------------------------------------------------------------------------------------

CONSCIOUSNESS_ORDER = list(Consciousness)  # spontaneously < voice < tactile < unarousable
SEIZURE_RANK = {
    Seizure.NONE: 0,
    Seizure.CLINICAL_RESOLVED_RAPIDLY: 1,
    Seizure.NONCONVULSIVE_EEG_RESOLVED_WITH_INTERVENTION: 1,
    Seizure.PROLONGED_GT_5MIN: 2,
    Seizure.REPETITIVE_WITHOUT_RETURN_TO_BASELINE: 2,
}
MOTOR_RANK = {
    MotorFinding.NONE: 0,
    MotorFinding.TREMOR_OR_MYOCLONUS: 0,
    MotorFinding.DEEP_FOCAL_WEAKNESS: 1,
}
EDEMA_RANK = {CerebralEdema.NONE: 0, CerebralEdema.FOCAL_LOCAL_ON_IMAGING: 1} | {
    e: 2
    for e in CerebralEdema
    if e not in (CerebralEdema.NONE, CerebralEdema.FOCAL_LOCAL_ON_IMAGING)
}


@st.composite
def icans_states(draw: st.DrawFn) -> PatientState:
    child = draw(st.booleans())
    state = PatientState(
        age_years=draw(st.floats(1, 11.9)) if child else draw(st.floats(12, 50)),
        day_post_infusion=draw(st.integers(0, 28)),
        temp_c=37.0,
        consciousness=draw(st.none() | st.sampled_from(CONSCIOUSNESS_ORDER)),
        depressed_consciousness_attributable_to_sedation=draw(st.booleans()),
        seizure=draw(st.sampled_from(list(Seizure))),
        motor_weakness=draw(st.sampled_from(list(MotorFinding))),
        cerebral_edema=draw(st.sampled_from(list(CerebralEdema))),
        hours_since_last_neuro_assessment=2,
    )
    score = draw(st.none() | st.integers(0, 32 if child else 10))
    if child:
        reason = None if score is not None else draw(st.sampled_from(list(CapdNotAssessable)))
        return replace(state, capd_score=score, capd_not_assessable_reason=reason)
    reason_ice = None if score is not None else draw(st.sampled_from(list(IceNotAssessable)))
    return replace(state, ice_score=score, ice_not_assessable_reason=reason_ice)


def _assert_icans_not_lower(base: PatientState, worse: PatientState) -> None:
    assert not_lower(assess(worse).icans.grade, assess(base).icans.grade), (base, worse)


@PROPERTY_SETTINGS
@given(icans_states(), st.integers(1, 32))
def test_worse_encephalopathy_score_never_lowers_icans(base: PatientState, delta: int) -> None:
    if base.ice_score is not None:  # ICE: lower is worse
        worse = replace(base, ice_score=max(0, base.ice_score - delta))
    elif base.capd_score is not None:  # CAPD: higher is worse
        worse = replace(base, capd_score=min(32, base.capd_score + delta))
    else:
        return
    _assert_icans_not_lower(base, worse)


@PROPERTY_SETTINGS
@given(icans_states())
def test_becoming_unarousable_never_lowers_icans(base: PatientState) -> None:
    # not drug-induced: the contract makes a sedated "unarousable" not assessable instead
    base = replace(base, depressed_consciousness_attributable_to_sedation=False)
    if base.ice_score is not None or base.ice_not_assessable_reason is not None:
        worse = replace(
            base, ice_score=None, ice_not_assessable_reason=IceNotAssessable.UNAROUSABLE
        )
    else:
        worse = replace(
            base, capd_score=None, capd_not_assessable_reason=CapdNotAssessable.UNAROUSABLE
        )
    _assert_icans_not_lower(base, worse)


@PROPERTY_SETTINGS
@given(icans_states(), st.data())
def test_worse_consciousness_never_lowers_icans(base: PatientState, data: st.DataObject) -> None:
    if base.consciousness is None:
        return
    at = CONSCIOUSNESS_ORDER.index(base.consciousness)
    worse = replace(base, consciousness=data.draw(st.sampled_from(CONSCIOUSNESS_ORDER[at:])))
    _assert_icans_not_lower(base, worse)


@PROPERTY_SETTINGS
@given(icans_states(), st.data())
def test_worse_seizure_motor_or_edema_never_lowers_icans(
    base: PatientState, data: st.DataObject
) -> None:
    assert base.seizure is not None
    assert base.motor_weakness is not None
    assert base.cerebral_edema is not None
    seizure = data.draw(
        st.sampled_from([s for s in Seizure if SEIZURE_RANK[s] >= SEIZURE_RANK[base.seizure]])
    )
    motor = data.draw(
        st.sampled_from(
            [m for m in MotorFinding if MOTOR_RANK[m] >= MOTOR_RANK[base.motor_weakness]]
        )
    )
    edema = data.draw(
        st.sampled_from(
            [e for e in CerebralEdema if EDEMA_RANK[e] >= EDEMA_RANK[base.cerebral_edema]]
        )
    )
    worse = replace(base, seizure=seizure, motor_weakness=motor, cerebral_edema=edema)
    _assert_icans_not_lower(base, worse)


# --- score ranges and robustness ------------------------------------------------------------------


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def any_valid_state(draw: st.DrawFn) -> PatientState:
    """Any state the contract accepts: every value in range, anything may be missing."""
    age = draw(st.floats(1, 50))
    device = draw(maybe(st.sampled_from(list(O2Device))))
    on_air = device in (None, O2Device.ROOM_AIR)
    fahrenheit = draw(st.booleans())
    temp = draw(maybe(st.integers(340, 420).map(lambda t: t / 10)))
    ice = draw(maybe(st.integers(0, 10)))
    capd = draw(maybe(st.integers(0, 32)))
    return PatientState(
        age_years=age,
        day_post_infusion=draw(maybe(st.integers(-14, 365))),
        temp_c=None if fahrenheit else temp,
        temp_f=round(temp * 9 / 5 + 32, 1) if fahrenheit and temp is not None else None,
        sbp=draw(maybe(st.integers(40, 250))),
        dbp=draw(maybe(st.integers(20, 140))),
        hr=draw(maybe(st.integers(20, 250))),
        rr=draw(maybe(st.integers(0, 90))),
        spo2=draw(maybe(st.integers(50, 100))),
        spo2_scale=draw(st.sampled_from(list(Spo2Scale))),
        o2_device=device,
        o2_flow_l_min=None if on_air else draw(maybe(st.integers(0, 60).map(lambda f: f / 2))),
        fio2=None if on_air else draw(maybe(st.integers(21, 100).map(lambda f: f / 100))),
        o2_indication=(
            O2Indication.NONE
            if on_air
            else draw(st.sampled_from([i for i in O2Indication if i != O2Indication.NONE]))
        ),
        vasopressors=tuple(
            draw(st.lists(st.sampled_from(list(VasoactiveAgent)), max_size=4, unique=True))
        ),
        acvpu=draw(maybe(st.sampled_from(list(Acvpu)))),
        crt_s=draw(maybe(st.integers(0, 80).map(lambda c: c / 10))),
        resp_effort=draw(maybe(st.sampled_from(list(RespEffort)))),
        hypotension_attributed_to_other_cause=draw(st.booleans()),
        fever_attributed_to_other_cause=draw(st.booleans()),
        seizure_attributed_to_other_cause=draw(st.booleans()),
        crs_fever_previously_documented=draw(st.booleans()),
        antipyretic_or_anticytokine_given_after_crs_onset=draw(st.booleans()),
        premedication_acetaminophen_at_infusion=draw(st.booleans()),
        pressor_transition_overlap=draw(st.booleans()),
        developmental_delay=draw(st.booleans()),
        ice_score=ice,
        ice_not_assessable_reason=(
            draw(maybe(st.sampled_from(list(IceNotAssessable)))) if ice is None else None
        ),
        baseline_ice=draw(maybe(st.integers(0, 10))),
        capd_score=capd,
        capd_not_assessable_reason=(
            draw(maybe(st.sampled_from(list(CapdNotAssessable)))) if capd is None else None
        ),
        baseline_capd=draw(maybe(st.integers(0, 32))),
        consciousness=draw(maybe(st.sampled_from(list(Consciousness)))),
        depressed_consciousness_attributable_to_sedation=draw(st.booleans()),
        seizure=draw(maybe(st.sampled_from(list(Seizure)))),
        seizure_duration_min=draw(maybe(st.integers(0, 60).map(lambda m: m / 2))),
        motor_weakness=draw(maybe(st.sampled_from(list(MotorFinding)))),
        cerebral_edema=draw(maybe(st.sampled_from(list(CerebralEdema)))),
        intracranial_hemorrhage=draw(st.booleans()),
        prior_max_crs_grade=draw(maybe(st.integers(0, 4))),
        prior_max_icans_grade=draw(maybe(st.integers(0, 4))),
        crs_episode_open=draw(st.booleans()),
        icans_episode_open=draw(st.booleans()),
        hours_since_last_neuro_assessment=draw(maybe(st.integers(0, 48))),
        stale=frozenset(
            draw(st.lists(st.sampled_from(["temp_c", "sbp", "hr", "rr", "spo2", "ice_score"])))
        ),
    )


@PROPERTY_SETTINGS
@given(any_valid_state())
def test_assess_never_raises_and_everything_stays_in_range(state: PatientState) -> None:
    result = assess(state)
    assert result.crs.grade in (None, 0, 1, 2, 3, 4)
    assert result.icans.grade in (None, 0, 1, 2, 3, 4)
    if result.news2.score is None:
        assert result.news2.any_single_parameter_3 is None  # contract
    else:
        assert 0 <= result.news2.score <= 20
        assert isinstance(result.news2.any_single_parameter_3, bool)
    if result.pews.score is not None:
        assert 0 <= result.pews.score <= 26
    json.dumps(result.as_contract())  # the contract object is plain JSON


@st.composite
def complete_vitals(draw: st.DrawFn) -> PatientState:
    """Every NEWS2 and PEWS parameter present, anywhere in its plausible range."""
    device = draw(st.sampled_from([d for d in O2Device if d != O2Device.INVASIVE_VENTILATION]))
    on_air = device == O2Device.ROOM_AIR
    return PatientState(
        age_years=draw(st.floats(1, 50)),
        day_post_infusion=3,
        temp_c=draw(st.integers(300, 430).map(lambda t: t / 10)),
        sbp=draw(st.integers(40, 260)),
        hr=draw(st.integers(20, 260)),
        rr=draw(st.integers(0, 100)),
        spo2=draw(st.integers(40, 100)),
        spo2_scale=draw(st.sampled_from(list(Spo2Scale))),
        o2_device=device,
        o2_flow_l_min=None if on_air else draw(st.integers(1, 60)),
        fio2=None if on_air else draw(st.integers(21, 100).map(lambda f: f / 100)),
        o2_indication=O2Indication.NONE if on_air else O2Indication.CRS_HYPOXIA,
        acvpu=draw(st.sampled_from(list(Acvpu))),
        crt_s=draw(st.integers(0, 80).map(lambda c: c / 10)),
        resp_effort=draw(st.sampled_from(list(RespEffort))),
    )


@PROPERTY_SETTINGS
@given(complete_vitals())
def test_news2_and_pews_are_computed_and_bounded_when_complete(state: PatientState) -> None:
    result = assess(state)
    if state.age_years >= 16:  # D11
        assert result.news2.score is not None
        assert 0 <= result.news2.score <= 20
    else:
        assert result.news2.score is None
    if state.age_years < 18:  # D11
        assert result.pews.score is not None
        assert 0 <= result.pews.score <= 26
    else:
        assert result.pews.score is None
