"""The patient's state at one time point: everything the grading rules read, and nothing else.

A `PatientState` is what SPEC section 14 calls the inputs of a vignette, plus the patient's age. `None`
always means *missing* (never normal). In the app it is assembled from the log by
`bedside.timepoint.assemble_state`; `bedside grade` parses it from JSON (`bedside.clinical.snapshot`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bedside.clinical.vocabulary import (
    Acvpu,
    CapdNotAssessable,
    CerebralEdema,
    Consciousness,
    EncephalopathyTool,
    IceNotAssessable,
    MotorFinding,
    O2Device,
    O2Indication,
    RespEffort,
    Seizure,
    Spo2Scale,
    VasoactiveAgent,
)


@dataclass(frozen=True, slots=True)
class PatientState:
    """One time-point snapshot. Field names follow the `bedside grade` contract (SPEC section 14)."""

    age_years: float
    day_post_infusion: int | None = None
    # Vital signs. Exactly one of temp_c / temp_f may be given (D8).
    temp_c: float | None = None
    temp_f: float | None = None
    sbp: float | None = None
    dbp: float | None = None
    hr: float | None = None
    rr: float | None = None
    spo2: float | None = None
    spo2_scale: Spo2Scale = Spo2Scale.SCALE_1
    o2_device: O2Device | None = None
    o2_flow_l_min: float | None = None
    fio2: float | None = None
    o2_indication: O2Indication | None = None
    vasopressors: tuple[VasoactiveAgent, ...] = ()
    acvpu: Acvpu | None = None
    crt_s: float | None = None
    resp_effort: RespEffort | None = None
    # Physician attributions (D9) and the fever waiver inputs (SPEC 2.2, D7, D18).
    hypotension_attributed_to_other_cause: bool = False
    fever_attributed_to_other_cause: bool = False
    seizure_attributed_to_other_cause: bool = False
    crs_fever_previously_documented: bool = False
    antipyretic_or_anticytokine_given_after_crs_onset: bool = False
    premedication_acetaminophen_at_infusion: bool = False
    # D4: True when the log shows one agent being weaned while another starts; None when the snapshot
    # cannot tell (then every multi-agent grade 4 asks for adjudication).
    pressor_transition_overlap: bool | None = None
    # Neuro check.
    developmental_delay: bool = False
    ice_score: int | None = None
    ice_not_assessable_reason: IceNotAssessable | None = None
    baseline_ice: int | None = None
    capd_score: int | None = None
    capd_not_assessable_reason: CapdNotAssessable | None = None
    baseline_capd: int | None = None
    consciousness: Consciousness | None = None
    depressed_consciousness_attributable_to_sedation: bool = False
    seizure: Seizure | None = None
    seizure_duration_min: float | None = None
    motor_weakness: MotorFinding | None = None
    cerebral_edema: CerebralEdema | None = None
    intracranial_hemorrhage: bool = False
    # Episode context (D10, D18).
    prior_max_crs_grade: int | None = None
    prior_max_icans_grade: int | None = None
    crs_episode_open: bool = False
    icans_episode_open: bool = False
    hours_since_last_neuro_assessment: float | None = None
    # D23: hours since the last fever of the open CRS episode (None: no fever, or not known).
    hours_since_last_fever: float | None = None
    # D27: whether the time point is before the infusion instant; None = decided by day_post_infusion < 0
    # (a snapshot that gives only the day). The ward always sets it from the instant.
    before_infusion: bool | None = None
    # D22: the tool of the neuro check in force, when it differs from the one the age selects (a CAPD
    # taken before the 12th birthday keeps counting for its window); None = the tool for the age.
    encephalopathy_tool: EncephalopathyTool | None = None
    # Values that were charted but are older than their freshness window (D17): names of fields.
    stale: frozenset[str] = field(default_factory=frozenset)
