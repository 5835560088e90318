"""The charted records (DESIGN section 3), one module per concern, lowest first:

- `values`: the value sets that belong to records (sex, units, routes, findings...);
- `canonical`: the stored text forms (canonical JSON, fixed-width UTC times);
- `fields`: the validation engine of one field (ranges, text rules, the error naming the field);
- `types`: the record types, their fields' constraints and the rules across a record's fields;
- `envelope`: the draft being charted (patient, time, correction) and its validation;
- `codec`: a record as its stored payload and back (an assessment compactly, its reasons as
  `reason_codes`).

Callers import from `bedside.records`; the checks that need an admission or the log are in
`bedside.validators`.
"""

from __future__ import annotations

from bedside.clinical.vocabulary import Drug, DrugKind
from bedside.records.canonical import canonical_json, iso_utc, parse_utc
from bedside.records.codec import (
    ASSESSMENT_GRADES,
    PlainPayload,
    assessment_grade_values,
    assessment_grades,
    from_payload,
    payload_fields,
    plain_payload_fields,
    plain_payload_plan,
    to_payload,
)
from bedside.records.envelope import (
    DERIVED_RECORDS,
    FUTURE_TOLERANCE,
    INFUSION_AFTER_ADMISSION,
    INFUSION_BEFORE_ADMISSION,
    Draft,
    ValidDraft,
    check_author,
    validate,
    validate_record,
    validated,
)
from bedside.records.fields import Constraint, FieldError, Num, RecordInvalid, Text
from bedside.records.types import (
    DOSE_RANGES,
    PIN_HASH_TEXT,
    RECORD_TYPES,
    TEMP_RANGES,
    USER_ID_TEXT,
    WARD_ID,
    Admission,
    AlertEvent,
    AssessmentRecord,
    Attribution,
    Discharge,
    EpisodeClosure,
    Export,
    GradeSignOff,
    Intervention,
    LoginAttempt,
    NeuroCheck,
    Note,
    PinReset,
    PolicySet,
    Record,
    UserCreated,
    UserDisabled,
    VitalSigns,
    celsius,
)
from bedside.records.values import (
    INFUSION_UNITS,
    Diagnosis,
    DoseUnit,
    ExportFormat,
    Finding,
    Indication,
    LoginOutcome,
    Route,
    Sex,
    StayEnd,
    Syndrome,
    TempRoute,
    TempUnit,
)

__all__ = [
    "ASSESSMENT_GRADES",
    "DERIVED_RECORDS",
    "DOSE_RANGES",
    "FUTURE_TOLERANCE",
    "INFUSION_AFTER_ADMISSION",
    "INFUSION_BEFORE_ADMISSION",
    "INFUSION_UNITS",
    "PIN_HASH_TEXT",
    "RECORD_TYPES",
    "TEMP_RANGES",
    "USER_ID_TEXT",
    "WARD_ID",
    "Admission",
    "AlertEvent",
    "AssessmentRecord",
    "Attribution",
    "Constraint",
    "Diagnosis",
    "Discharge",
    "DoseUnit",
    "Draft",
    "Drug",
    "DrugKind",
    "EpisodeClosure",
    "Export",
    "ExportFormat",
    "FieldError",
    "Finding",
    "GradeSignOff",
    "Indication",
    "Intervention",
    "LoginAttempt",
    "LoginOutcome",
    "NeuroCheck",
    "Note",
    "Num",
    "PinReset",
    "PlainPayload",
    "PolicySet",
    "Record",
    "RecordInvalid",
    "Route",
    "Sex",
    "StayEnd",
    "Syndrome",
    "TempRoute",
    "TempUnit",
    "Text",
    "UserCreated",
    "UserDisabled",
    "ValidDraft",
    "VitalSigns",
    "assessment_grade_values",
    "assessment_grades",
    "canonical_json",
    "celsius",
    "check_author",
    "from_payload",
    "iso_utc",
    "parse_utc",
    "payload_fields",
    "plain_payload_fields",
    "plain_payload_plan",
    "to_payload",
    "validate",
    "validate_record",
    "validated",
]
