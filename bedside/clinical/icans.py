"""ICANS grade by the ASTCT 2019 consensus: adult ICE table and paediatric CAPD table (SPEC section 5)."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from bedside.clinical.assessment import Domain, Flag, IcansResult, Reason
from bedside.clinical.crs import FEVER_C, temperature_c
from bedside.clinical.norms import ICE_MIN_AGE_YEARS, completed_years
from bedside.clinical.policy import SitePolicy
from bedside.clinical.state import PatientState
from bedside.clinical.vocabulary import (
    Acvpu,
    CapdNotAssessable,
    CerebralEdema,
    Consciousness,
    EncephalopathyTool,
    IceNotAssessable,
    MotorFinding,
    Seizure,
)

ICE_FULL_SCORE = 10
CAPD_DELIRIUM_CUT = 9  # SPEC 7: >= 9 is a positive screen; SPEC 5.2: CAPD >= 9 -> grade 3
PROLONGED_SEIZURE_MIN = 5.0  # SPEC 5.1 / D13: only MORE than 5 minutes is prolonged
FEBRILE_SEIZURE_MAX_COMPLETED_YEARS = 5  # SPEC 12.13: febrile seizure in a 1-5-year-old

# SPEC 5.1: consciousness-domain mapping used by the app.
CONSCIOUSNESS_GRADE = {
    Consciousness.AWAKENS_SPONTANEOUSLY: 0,
    Consciousness.AWAKENS_TO_VOICE: 2,
    Consciousness.AWAKENS_TO_TACTILE_ONLY: 3,
    Consciousness.UNAROUSABLE: 4,
}
SEIZURE_GRADE = {
    Seizure.NONE: 0,
    Seizure.CLINICAL_RESOLVED_RAPIDLY: 3,
    Seizure.NONCONVULSIVE_EEG_RESOLVED_WITH_INTERVENTION: 3,
    Seizure.PROLONGED_GT_5MIN: 4,
    Seizure.REPETITIVE_WITHOUT_RETURN_TO_BASELINE: 4,
}
MOTOR_GRADE = {
    MotorFinding.NONE: 0,
    MotorFinding.TREMOR_OR_MYOCLONUS: 0,  # footnote: graded by CTCAE, does not influence ICANS
    MotorFinding.DEEP_FOCAL_WEAKNESS: 4,
}
EDEMA_GRADE = {
    CerebralEdema.NONE: 0,
    CerebralEdema.FOCAL_LOCAL_ON_IMAGING: 3,
    CerebralEdema.DIFFUSE_ON_IMAGING: 4,
    CerebralEdema.POSTURING: 4,
    CerebralEdema.CN6_PALSY: 4,
    CerebralEdema.PAPILLEDEMA: 4,
    CerebralEdema.CUSHING_TRIAD: 4,
}


def ice_grade(score: int) -> int:
    """SPEC 5.1: 10 -> 0; 7-9 -> 1; 3-6 -> 2; 0-2 -> 3 (an awake patient; unarousable is grade 4)."""
    if score >= ICE_FULL_SCORE:
        return 0
    if score >= 7:
        return 1
    if score >= 3:
        return 2
    return 3


def capd_grade(score: int) -> int:
    """SPEC 5.2: CAPD >= 9 -> 3; 1-8 -> 1 (the level of consciousness separates 1 from 2); 0 -> 0."""
    if score >= CAPD_DELIRIUM_CUT:
        return 3
    return 1 if score >= 1 else 0


def encephalopathy_tool(age_years: float, developmental_delay: bool) -> EncephalopathyTool:
    """SPEC 5.3 / D2: ICE from 12.0 y; CAPD below 12 y and at any age with developmental delay."""
    if age_years < ICE_MIN_AGE_YEARS or developmental_delay:
        return EncephalopathyTool.CAPD
    return EncephalopathyTool.ICE


def _words(value: StrEnum) -> str:
    return value.value.replace("_", " ")


def _reason(criterion: str, points: int | None, text: str) -> Reason:
    return Reason(Domain.ICANS, criterion, points, text)


def grade_icans(state: PatientState, policy: SitePolicy) -> IcansResult:
    """SPEC 5.4: the most severe domain not attributable to another cause."""
    # D22: a check taken with the earlier tool keeps counting for its window, graded by that tool.
    tool = state.encephalopathy_tool or encephalopathy_tool(
        state.age_years, state.developmental_delay
    )
    grades: list[int] = []
    missing = False
    flags: set[Flag] = set()
    reasons: list[Reason] = []

    def add(criterion: str, grade: int, text: str) -> None:
        grades.append(grade)
        reasons.append(_reason(criterion, grade, text))

    def absent(criterion: str, text: str) -> None:
        nonlocal missing
        missing = True
        reasons.append(_reason(criterion, None, text))

    sedated = state.depressed_consciousness_attributable_to_sedation
    # Encephalopathy domain (SPEC 5.4). A score from the wrong tool is never used (D2, SPEC 5.3).
    if tool is EncephalopathyTool.ICE:
        if state.capd_score is not None:
            flags.add(Flag.WRONG_TOOL_FOR_AGE)
            reasons.append(_reason("wrong_tool", None, "CAPD entered but ICE applies: not used"))
        why = state.ice_not_assessable_reason
        if why is IceNotAssessable.UNAROUSABLE and not sedated:
            add("ice", 4, "unarousable, unable to perform ICE")
        elif state.ice_score is None:
            absent("ice", f"ICE not available ({why.value if why else 'not recorded'})")
        else:
            add("ice", ice_grade(state.ice_score), f"ICE {state.ice_score}/10")
            if state.ice_score < ICE_FULL_SCORE and state.acvpu is Acvpu.ALERT:
                flags.add(
                    Flag.ICE_CONFUSION_ACVPU
                )  # SPEC 9: nurse decides whether this is new confusion
        if state.baseline_ice is not None and state.baseline_ice < ICE_FULL_SCORE:
            flags.add(Flag.BASELINE_BELOW_FULL_SCORE)  # D14
    else:
        if state.ice_score is not None:
            flags.add(Flag.WRONG_TOOL_FOR_AGE)
            reasons.append(_reason("wrong_tool", None, "ICE entered but CAPD applies: not used"))
        capd_why = state.capd_not_assessable_reason
        if capd_why is CapdNotAssessable.UNAROUSABLE and not sedated:
            add("capd", 4, "unarousable, unable to perform CAPD")
        elif state.capd_score is None:
            shown = capd_why.value if capd_why else "not recorded"
            absent("capd", f"CAPD not available ({shown})")
        else:
            add("capd", _capd_points(state, policy, flags), _capd_text(state))
        if state.baseline_capd is not None and state.baseline_capd > 0:
            flags.add(Flag.BASELINE_BELOW_FULL_SCORE)  # D14

    # Depressed level of consciousness (footnote †: not when sedating medication explains it).
    if state.consciousness is None:
        absent("consciousness", "level of consciousness not recorded")
    elif sedated and state.consciousness is not Consciousness.AWAKENS_SPONTANEOUSLY:
        flags.add(Flag.SEDATION_CONFOUNDS_CONSCIOUSNESS)
        reasons.append(
            _reason("consciousness", None, f"{_words(state.consciousness)}: attributed to sedation")
        )
    else:
        add("consciousness", CONSCIOUSNESS_GRADE[state.consciousness], _words(state.consciousness))

    _seizure(state, flags, add, absent)

    if state.motor_weakness is None:
        absent("motor", "motor findings not recorded")
    else:
        if state.motor_weakness is MotorFinding.TREMOR_OR_MYOCLONUS:
            flags.add(Flag.TREMOR_EXCLUDED)
        add("motor", MOTOR_GRADE[state.motor_weakness], "motor: " + _words(state.motor_weakness))

    if state.cerebral_edema is None:
        absent("cerebral_edema", "raised ICP / oedema signs not recorded")
    else:
        edema = state.cerebral_edema
        add("cerebral_edema", EDEMA_GRADE[edema], "raised ICP / oedema: " + _words(edema))

    if state.intracranial_hemorrhage:
        flags.add(Flag.ICH_EXCLUDED)  # footnote §: graded by CTCAE; its own urgent alert
        reasons.append(_reason("ich", None, "intracranial haemorrhage: excluded from ICANS"))

    worst = max(grades, default=0)
    if missing and worst == 0:
        flags.add(Flag.ICANS_NOT_ASSESSABLE)
        return IcansResult(tool, None, False, tuple(reasons), frozenset(flags))
    if (
        tool is EncephalopathyTool.CAPD
        and worst == 1
        and grades
        and state.capd_score in range(1, 9)
    ):
        flags.add(Flag.CAPD_LITERAL_GRADE_1)  # D1: a CAPD 1-8 alone decides a grade 1
    lower = missing and worst < 4
    if lower:
        flags.add(Flag.ICANS_LOWER_BOUND)
    return IcansResult(tool, worst, lower, tuple(reasons), frozenset(flags))


def _capd_points(state: PatientState, policy: SitePolicy, flags: set[Flag]) -> int:
    score = state.capd_score
    assert score is not None
    grade = capd_grade(score)
    rise, baseline = policy.capd_min_rise_from_baseline, state.baseline_capd
    # D1 site policy: a CAPD 1-8 counts only after the site's rise above the baseline.
    if grade == 1 and rise is not None and baseline is not None and score - baseline < rise:
        return 0
    return grade


def _capd_text(state: PatientState) -> str:
    text = f"CAPD {state.capd_score}/32"
    if state.baseline_capd is not None:
        text += f" (baseline {state.baseline_capd})"  # D1: the baseline is always shown beside it
    return text


def _seizure(
    state: PatientState,
    flags: set[Flag],
    add: Callable[[str, int, str], None],
    absent: Callable[[str, str], None],
) -> None:
    seizure, minutes = state.seizure, state.seizure_duration_min
    if seizure is None:
        absent("seizure", "seizure status not recorded")
        return
    grade = SEIZURE_GRADE[seizure]
    text = "seizure: " + _words(seizure) + (f" ({minutes:g} min)" if minutes else "")
    if grade and minutes is not None:
        if minutes > PROLONGED_SEIZURE_MIN:
            grade = 4
        elif seizure is Seizure.PROLONGED_GT_5MIN:
            grade = 3  # D13: "> 5 min" is strict; a recorded 5.0 min is not prolonged
            flags.add(Flag.SEIZURE_DURATION_BOUNDARY)
        if minutes == PROLONGED_SEIZURE_MIN:
            flags.add(Flag.SEIZURE_DURATION_BOUNDARY)
    if grade and state.seizure_attributed_to_other_cause:
        flags.add(Flag.SEIZURE_ATTRIBUTED_OTHER_CAUSE)
        add("seizure", 0, text + ": attributed to another cause by a physician")
        return
    if grade and _febrile(state):
        flags.add(Flag.FEBRILE_SEIZURE_ATTRIBUTION)  # D13: graded until a physician attributes it
    add("seizure", grade, text)


def _febrile(state: PatientState) -> bool:
    temp = temperature_c(state)
    young = completed_years(state.age_years) <= FEBRILE_SEIZURE_MAX_COMPLETED_YEARS
    return temp is not None and temp >= FEVER_C and young
