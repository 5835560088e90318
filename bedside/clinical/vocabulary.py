"""The clinical vocabulary: every enumerated value a charted observation can take (SPEC section 14)."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class O2Device(StrEnum):
    """Oxygen delivery device (SPEC section 4)."""

    ROOM_AIR = "room_air"
    NASAL_CANNULA = "nasal_cannula"
    BLOW_BY = "blow_by"
    HIGH_FLOW_NASAL_CANNULA = "high_flow_nasal_cannula"
    SIMPLE_FACE_MASK = "simple_face_mask"
    VENTURI_MASK = "venturi_mask"
    NON_REBREATHER = "non_rebreather"
    CPAP = "cpap"
    BIPAP = "bipap"
    INVASIVE_VENTILATION = "invasive_ventilation"


class O2Indication(StrEnum):
    """Why oxygen is given; only `crs_hypoxia` and `unknown` count towards CRS (SPEC 2.4, D6)."""

    NONE = "none"
    CRS_HYPOXIA = "crs_hypoxia"
    OTHER_CAUSE = "other_cause"
    NOT_REQUIRED = "not_required"
    UNKNOWN = "unknown"


class VasoactiveAgent(StrEnum):
    """Continuous vasoactive infusions (SPEC 3.3)."""

    NOREPINEPHRINE = "norepinephrine"
    EPINEPHRINE = "epinephrine"
    PHENYLEPHRINE = "phenylephrine"
    DOPAMINE = "dopamine"
    ANGIOTENSIN_II = "angiotensin_ii"
    VASOPRESSIN = "vasopressin"
    TERLIPRESSIN = "terlipressin"
    DOBUTAMINE = "dobutamine"
    MILRINONE = "milrinone"

    @property
    def is_vasopressin_like(self) -> bool:
        # SPEC 3.3: vasopressin and its analogues count for grade 3, never towards "multiple".
        return self in (VasoactiveAgent.VASOPRESSIN, VasoactiveAgent.TERLIPRESSIN)

    @property
    def is_inotrope(self) -> bool:
        # SPEC 3.3 / D4: inotropes are not vasopressors by the letter of ASTCT.
        return self in (VasoactiveAgent.DOBUTAMINE, VasoactiveAgent.MILRINONE)


class DrugKind(StrEnum):
    """What a drug does, as the rules read it (SPEC 2.2, 3.3)."""

    ANTIPYRETIC = "antipyretic"
    ANTICYTOKINE = "anticytokine"
    STEROID = "steroid"
    VASOPRESSOR = "vasopressor"
    INOTROPE = "inotrope"


class Drug(StrEnum):
    """Drugs the rules read (SPEC 2.2, 3.3): the ones below, and every VasoactiveAgent under its own
    name and value (added from that enum, so that the agents are listed once)."""

    _ignore_ = "_members _agent"

    PARACETAMOL = "paracetamol"
    IBUPROFEN = "ibuprofen"
    OTHER_NSAID = "other_nsaid"
    TOCILIZUMAB = "tocilizumab"
    SILTUXIMAB = "siltuximab"
    ANAKINRA = "anakinra"
    DEXAMETHASONE = "dexamethasone"
    METHYLPREDNISOLONE = "methylprednisolone"
    HYDROCORTISONE = "hydrocortisone"
    # The enum module's documented way (`_ignore_`) to add members computed in the class body.
    _members = vars()
    for _agent in VasoactiveAgent:
        _members[_agent.name] = _agent.value

    @property
    def agent(self) -> VasoactiveAgent | None:
        """The vasoactive agent this drug is, if it is one (a continuous infusion)."""
        return _AGENT_OF.get(self.value)

    @property
    def kind(self) -> DrugKind:
        agent = self.agent
        if agent is not None:
            return DrugKind.INOTROPE if agent.is_inotrope else DrugKind.VASOPRESSOR
        return _KIND_OF[self]


_AGENT_OF = {agent.value: agent for agent in VasoactiveAgent}
_KIND_OF = {
    Drug.PARACETAMOL: DrugKind.ANTIPYRETIC,
    Drug.IBUPROFEN: DrugKind.ANTIPYRETIC,
    Drug.OTHER_NSAID: DrugKind.ANTIPYRETIC,
    Drug.TOCILIZUMAB: DrugKind.ANTICYTOKINE,
    Drug.SILTUXIMAB: DrugKind.ANTICYTOKINE,
    Drug.ANAKINRA: DrugKind.ANTICYTOKINE,
    Drug.DEXAMETHASONE: DrugKind.STEROID,
    Drug.METHYLPREDNISOLONE: DrugKind.STEROID,
    Drug.HYDROCORTISONE: DrugKind.STEROID,
}


class Consciousness(StrEnum):
    """Level of consciousness as the ICANS table words it (SPEC 5.1)."""

    AWAKENS_SPONTANEOUSLY = "awakens_spontaneously"
    AWAKENS_TO_VOICE = "awakens_to_voice"
    AWAKENS_TO_TACTILE_ONLY = "awakens_to_tactile_only"
    UNAROUSABLE = "unarousable"


class Acvpu(StrEnum):
    """NEWS2 consciousness scale, entered by the nurse (D11)."""

    ALERT = "A"
    NEW_CONFUSION = "C"
    VOICE = "V"
    PAIN = "P"
    UNRESPONSIVE = "U"


class Seizure(StrEnum):
    """Seizure finding of a neuro check (SPEC 5.1)."""

    NONE = "none"
    CLINICAL_RESOLVED_RAPIDLY = "clinical_resolved_rapidly"
    NONCONVULSIVE_EEG_RESOLVED_WITH_INTERVENTION = "nonconvulsive_eeg_resolved_with_intervention"
    PROLONGED_GT_5MIN = "prolonged_gt_5min"
    REPETITIVE_WITHOUT_RETURN_TO_BASELINE = "repetitive_without_return_to_baseline"


class MotorFinding(StrEnum):
    """Motor finding of a neuro check (SPEC 5.1)."""

    NONE = "none"
    TREMOR_OR_MYOCLONUS = "tremor_or_myoclonus"
    DEEP_FOCAL_WEAKNESS = "deep_focal_weakness"


class CerebralEdema(StrEnum):
    """Raised intracranial pressure / cerebral oedema sign (SPEC 5.1)."""

    NONE = "none"
    FOCAL_LOCAL_ON_IMAGING = "focal_local_on_imaging"
    DIFFUSE_ON_IMAGING = "diffuse_on_imaging"
    POSTURING = "posturing"
    CN6_PALSY = "cn6_palsy"
    PAPILLEDEMA = "papilledema"
    CUSHING_TRIAD = "cushing_triad"


class RespEffort(StrEnum):
    """Respiratory effort, a Bedside PEWS item (SPEC 10)."""

    NORMAL = "normal"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE_OR_APNOEA = "severe_or_apnoea"


class IceNotAssessable(StrEnum):
    """Why an ICE score could not be taken (contract value set)."""

    UNAROUSABLE = "unarousable"
    INTUBATED_SEDATED = "intubated_sedated"
    POSTICTAL_NOT_DONE = "postictal_not_done"
    NOT_DONE = "not_done"


class CapdNotAssessable(StrEnum):
    """Why a CAPD could not be taken (contract value set; SPEC 7 prerequisites)."""

    UNAROUSABLE = "unarousable"
    SEDATED_RASS_LE_MINUS4 = "sedated_rass_le_minus4"
    NEUROMUSCULAR_BLOCKADE = "neuromuscular_blockade"
    POSTICTAL_NOT_DONE = "postictal_not_done"
    NOT_DONE = "not_done"


class EncephalopathyTool(StrEnum):
    """The encephalopathy screen that applies to a patient (SPEC 5.3)."""

    ICE = "ICE"
    CAPD = "CAPD"


class Spo2Scale(IntEnum):
    """NEWS2 SpO2 scale; scale 2 only on a documented prescription (SPEC 9)."""

    SCALE_1 = 1
    SCALE_2 = 2
