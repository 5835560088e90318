"""Value sets that belong to records; the clinical ones (devices, findings, drugs) are in
bedside.clinical.vocabulary, and alert event types in bedside.alert_vocabulary."""

from __future__ import annotations

from enum import StrEnum


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Diagnosis(StrEnum):
    """The trial's indications (SPEC section 1)."""

    NEUROBLASTOMA = "neuroblastoma"
    DSRCT = "dsrct"
    OTHER = "other"


class TempUnit(StrEnum):
    C = "C"
    F = "F"


class TempRoute(StrEnum):
    ORAL = "oral"
    AXILLARY = "axillary"
    TYMPANIC = "tympanic"
    RECTAL = "rectal"
    TEMPORAL = "temporal"
    CORE = "core"


class DoseUnit(StrEnum):
    MG = "mg"
    MG_PER_KG = "mg/kg"
    MCG_PER_KG_MIN = "mcg/kg/min"
    UNITS_PER_MIN = "units/min"
    ML_PER_H = "mL/h"


# The units of a continuous infusion (a vasoactive agent runs in one of these).
INFUSION_UNITS = (DoseUnit.MCG_PER_KG_MIN, DoseUnit.UNITS_PER_MIN, DoseUnit.ML_PER_H)


class Route(StrEnum):
    IV = "iv"
    PO = "po"
    PR = "pr"
    SC = "sc"


class Indication(StrEnum):
    """Why a drug was given; D7 needs to tell premedication from treatment."""

    SCHEDULED_PREMEDICATION = "scheduled_premedication"
    PROPHYLAXIS = "prophylaxis"
    TREATMENT = "treatment"
    ANALGESIA = "analgesia"


class Finding(StrEnum):
    """Findings a physician may attribute to another cause (D9, D13)."""

    FEVER = "fever"
    HYPOTENSION = "hypotension"
    HYPOXIA = "hypoxia"
    CONSCIOUSNESS = "consciousness"
    SEIZURE = "seizure"


class Syndrome(StrEnum):
    CRS = "crs"
    ICANS = "icans"


class ExportFormat(StrEnum):
    """What an export wrote: a FHIR R4 Bundle of type transaction (to post) or collection (a file)."""

    FHIR_R4_TRANSACTION = "fhir_r4_transaction"
    FHIR_R4_COLLECTION = "fhir_r4_collection"


class StayEnd(StrEnum):
    """How a stay on the ward ends: the patient goes home (or to follow-up) or to another ward."""

    DISCHARGED = "discharged"
    TRANSFERRED = "transferred"


class LoginOutcome(StrEnum):
    """How one attempt to sign in (log in, unlock, confirm a signature) ended (R15: every one audited)."""

    SUCCESS = "success"
    WRONG_PIN = "wrong_pin"
    UNKNOWN_USER = "unknown_user"
    DISABLED = "disabled"
    LOCKED_OUT = "locked_out"
