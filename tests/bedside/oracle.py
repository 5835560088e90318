"""An independent grading oracle written straight from the SPEC tables; it never calls the engine.

Every value here is copied from SPEC.md (sections 2.3, 3.3, 3.4, 5.1, 5.2, 5.4 and the contract notes), as
literal tables, so that a wrong table in the engine and a wrong table here are unlikely to agree by accident.
"""

from __future__ import annotations

# --- CRS ------------------------------------------------------------------------------------------

# SPEC 3.3 counting rule: hypotension class -> hypotension-domain grade.
HYPOTENSION_CLASS_GRADE: dict[str, int] = {
    "none": 0,  # no vasopressor, SBP >= threshold
    "fluids_only": 2,  # no vasopressor, SBP < threshold
    "one_vasopressor": 3,  # vasopressin alone, or 1 non-vasopressin agent +/- vasopressin
    "multiple_vasopressors": 4,  # >= 2 non-vasopressin agents (+/- vasopressin)
}

# SPEC 3.1 / footnote e / section 4 / D3: hypoxia class -> hypoxia-domain grade.
HYPOXIA_CLASS_GRADE: dict[str, int] = {
    "none": 0,  # room air, or oxygen not required for CRS
    "low_flow": 2,  # nasal cannula <= 6 L/min, blow-by (any flow), HFNC device at <= 6 L/min (D3)
    "high_flow_or_mask": 3,  # > 6 L/min, facemask, Venturi, non-rebreather
    "positive_pressure": 4,  # CPAP, BiPAP, invasive ventilation
}

# SPEC 3.4, written out as a table: (fever, waiver_active) -> {organ grade -> CRS grade}.
# fever is True / False / None (no temperature); organ = max(hypotension, hypoxia) (footnote d).
CRS_GRADE: dict[tuple[bool | None, bool], dict[int, int | None]] = {
    # febrile: 1 with no organ involvement, else the organ grade
    (True, False): {0: 1, 2: 2, 3: 3, 4: 4},
    (True, True): {0: 1, 2: 2, 3: 3, 4: 4},
    # afebrile, no waiver: hypotension/hypoxia without fever is not CRS (flag NO_FEVER_NO_WAIVER)
    (False, False): {0: 0, 2: 0, 3: 0, 4: 0},
    # afebrile, waiver active: hypotension/hypoxia grade; nothing -> current grade 0 (V010)
    (False, True): {0: 0, 2: 2, 3: 3, 4: 4},
    # no temperature, no waiver: cannot be determined
    (None, False): {0: None, 2: None, 3: None, 4: None},
    # no temperature, waiver active: the waiver makes fever unnecessary for grades 2-4; with no organ
    # involvement the grade is 0 if afebrile but 1 if febrile, so it cannot be determined (SPEC 12.1:
    # missing never reads as normal). The literal pseudo-code of SPEC 3.4 would return 0 here.
    (None, True): {0: None, 2: 2, 3: 3, 4: 4},
}


def crs_grade(fever: bool | None, hypotension: str, hypoxia: str, waiver: bool) -> int | None:
    """ASTCT CRS grade for a time point after infusion, no physician attribution (SPEC 3.4)."""
    organ = max(HYPOTENSION_CLASS_GRADE[hypotension], HYPOXIA_CLASS_GRADE[hypoxia])
    return CRS_GRADE[(fever, waiver)][organ]


# SPEC 2.3 table: PALS SBP threshold by completed years; hypotension iff SBP < threshold.
PALS_SBP_THRESHOLD: dict[int, int] = {
    1: 72,
    2: 74,
    3: 76,
    4: 78,
    5: 80,
    6: 82,
    7: 84,
    8: 86,
    9: 88,
    10: 90,
}
PALS_SBP_THRESHOLD_ABOVE_10 = 90  # "11-50" column


def pals_threshold(completed_years: int) -> int:
    """The SPEC 2.3 table looked up by completed years (1-50)."""
    return PALS_SBP_THRESHOLD.get(completed_years, PALS_SBP_THRESHOLD_ABOVE_10)


# --- ICANS ----------------------------------------------------------------------------------------

UNAROUSABLE = "unarousable"  # ice/capd_not_assessable_reason == "unarousable"

# SPEC 5.1 ICE row and 5.4 mapping; ICE 0 awake (global aphasia) = 3, unarousable = 4.
ICE_GRADE: dict[int | str, int] = {
    10: 0,
    9: 1,
    8: 1,
    7: 1,
    6: 2,
    5: 2,
    4: 2,
    3: 2,
    2: 3,
    1: 3,
    0: 3,
    UNAROUSABLE: 4,
}

# SPEC 5.2 / 5.4 / D1: CAPD 0 -> 0, 1-8 -> 1 (literal), >= 9 -> 3, unable (unarousable) -> 4.
CAPD_GRADE: dict[int | str, int] = {
    0: 0,
    1: 1,
    2: 1,
    3: 1,
    4: 1,
    5: 1,
    6: 1,
    7: 1,
    8: 1,
    **{score: 3 for score in range(9, 33)},
    UNAROUSABLE: 4,
}

# SPEC 5.1 consciousness-domain mapping.
CONSCIOUSNESS_GRADE: dict[str, int] = {
    "awakens_spontaneously": 0,
    "awakens_to_voice": 2,
    "awakens_to_tactile_only": 3,
    "unarousable": 4,
}

# SPEC 5.4 seizure_map.
SEIZURE_GRADE: dict[str, int] = {
    "none": 0,
    "clinical_resolved_rapidly": 3,
    "nonconvulsive_eeg_resolved_with_intervention": 3,
    "prolonged_gt_5min": 4,
    "repetitive_without_return_to_baseline": 4,
}

# SPEC 5.4 motor_map (tremor/myoclonus do not influence ICANS, footnote ‡).
MOTOR_GRADE: dict[str, int] = {
    "none": 0,
    "tremor_or_myoclonus": 0,
    "deep_focal_weakness": 4,
}

# SPEC 5.4 edema_map.
EDEMA_GRADE: dict[str, int] = {
    "none": 0,
    "focal_local_on_imaging": 3,
    "diffuse_on_imaging": 4,
    "posturing": 4,
    "cn6_palsy": 4,
    "papilledema": 4,
    "cushing_triad": 4,
}

ENCEPHALOPATHY_TABLE: dict[str, dict[int | str, int]] = {"ICE": ICE_GRADE, "CAPD": CAPD_GRADE}


def icans_grade(
    tool: str,
    encephalopathy: int | str | None,
    consciousness: str | None,
    seizure: str,
    motor: str,
    edema: str,
    sedation: bool = False,
) -> tuple[int | None, bool]:
    """(grade, grade_is_lower_bound) following SPEC 5.4 and the contract's clarifications.

    `encephalopathy` is the ICE/CAPD score, "unarousable", or None (not done / not assessable).
    `sedation` is depressed_consciousness_attributable_to_sedation.
    """
    domains: list[int] = []
    missing = False
    # Encephalopathy domain. Contract: "unarousable" with sedation -> domain not assessable.
    if encephalopathy is None or (encephalopathy == UNAROUSABLE and sedation):
        missing = True
    else:
        domains.append(ENCEPHALOPATHY_TABLE[tool][encephalopathy])
    # Consciousness domain: missing if not recorded; skipped (not missing) if due to sedation.
    if consciousness is None:
        missing = True
    elif not sedation:
        domains.append(CONSCIOUSNESS_GRADE[consciousness])
    domains += [SEIZURE_GRADE[seizure], MOTOR_GRADE[motor], EDEMA_GRADE[edema]]
    grade = max(domains)
    if missing and grade == 0:
        return None, False
    return grade, missing and grade < 4


# --- Behaviour over time, where it touches the snapshot (SPEC D20, D23) ------------------------------


def episode_flags(
    episode_open: bool, prior_max: int | None, current: int | None, lower_bound: bool
) -> set[str]:
    """D10/D20 at one time point: the episode maximum is kept while the current grade is below it (or
    unknown); only a determinate fall asks for acknowledgement, a lower bound below it is missing data."""
    if not episode_open or prior_max is None:
        return set()
    if current is not None and current >= prior_max:
        return set()
    if current is None or lower_bound:
        return {"EPISODE_MAX_RETAINED"}
    return {"EPISODE_MAX_RETAINED", "DOWNGRADE_REQUIRES_ACKNOWLEDGEMENT"}


WAIVER_REVIEW_HOURS = 72  # D23 default


def waiver_review(rests_on_waiver: bool, hours_afebrile: float | None) -> bool:
    """D23: a CRS grade resting on the waiver once the patient has been afebrile for 72 h."""
    return rests_on_waiver and hours_afebrile is not None and hours_afebrile >= WAIVER_REVIEW_HOURS
