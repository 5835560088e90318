"""The charted record types (DESIGN section 3): each field with its type, unit and plausible range, and the
rules across a record's fields. The envelope (patient, time, correction) is checked in `envelope`."""

from __future__ import annotations

import re
import typing
from collections.abc import Collection
from contextlib import suppress
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from types import UnionType
from typing import Any, ClassVar, TypeVar

from bedside.alert_vocabulary import AlertEventType, AlertKind, Priority
from bedside.clinical.assessment import Assessment, Flag, Reason
from bedside.clinical.capd import CAPD_ITEM_MAX, CapdItems
from bedside.clinical.crs import fahrenheit_to_celsius
from bedside.clinical.ice import ICE_ITEMS, IceItems
from bedside.clinical.policy import setting_allowed, setting_names, setting_problem
from bedside.clinical.vocabulary import (
    Acvpu,
    CapdNotAssessable,
    CerebralEdema,
    Consciousness,
    Drug,
    DrugKind,
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
from bedside.records.fields import (
    MRN_TEXT,
    REASON_TEXT,
    TOKEN_TEXT,
    UUID_TEXT,
    Constraint,
    FieldError,
    FieldSpec,
    Num,
    Text,
    normalise_patient_id,
    show,
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
from bedside.staff import Role

R = TypeVar("R", bound="Record")
RECORD_TYPES: dict[str, type[Record]] = {}
_SPECS_OF: dict[type[Record], tuple[FieldSpec, ...]] = {}


def _register(cls: type[R]) -> type[R]:
    # Reading the fields here fails at import, not at the bedside, if a constraint is missing.
    _SPECS_OF[cls] = _field_specs(cls)
    RECORD_TYPES[cls.KIND] = cls
    return cls


def celsius(temperature: float | None, unit: TempUnit | str | None) -> float | None:
    """A temperature in °C as the rules compare it (D8): converted from °F, else as given."""
    if temperature is None:
        return None
    if unit == TempUnit.F:
        return float(fahrenheit_to_celsius(temperature))
    return float(temperature)


def specs_of(cls: type[Record]) -> tuple[FieldSpec, ...]:
    return _SPECS_OF[cls]


def _field_specs(cls: type[Record]) -> tuple[FieldSpec, ...]:
    hints = typing.get_type_hints(cls)
    specs = []
    for f in fields(cls):
        hint = hints[f.name]
        args = typing.get_args(hint) if isinstance(hint, UnionType) else (hint,)
        base = next(a for a in args if a is not type(None))
        base = typing.get_origin(base) or base
        constraint = cls.SPECS.get(f.name)
        if base in (int, float, str) and constraint is None:
            raise TypeError(f"{cls.__name__}.{f.name} has no constraint in SPECS")
        specs.append(FieldSpec(f.name, base, type(None) in args, constraint))
    return tuple(specs)


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """Base of every charted record. Enum fields given as their text value are turned into members."""

    KIND: ClassVar[str] = ""
    SPECS: ClassVar[dict[str, Constraint]] = {}
    # A ward-level record (the ward's users and sign-ins) is filed under WARD_ID, never a patient's id.
    WARD_LEVEL: ClassVar[bool] = False
    # The fields whose constraint `_spec_for` may change (a range that depends on another field); for
    # every other field it gives the spec itself (tests/bedside/test_receive_fast.py).
    DEPENDENT: ClassVar[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        for spec in specs_of(type(self)):
            if issubclass(spec.base, Enum):
                value = getattr(self, spec.name)
                if isinstance(value, str | int) and not isinstance(value, bool | spec.base):
                    # An unknown value is left as given, for validate() to name.
                    with suppress(ValueError):
                        object.__setattr__(self, spec.name, spec.base(value))

    def check(self) -> list[FieldError]:
        """Rules across fields; run only when every field is valid on its own."""
        return []

    def _spec_for(self, spec: FieldSpec) -> FieldSpec:
        """The constraint that applies to this instance (a range may depend on another field)."""
        return spec


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class Admission(Record):
    KIND: ClassVar[str] = "admission"
    SPECS: ClassVar[dict[str, Constraint]] = {
        "patient_id": MRN_TEXT,
        "name": Text(1, 200),
        "weight_kg": Num("2", "250", "kg"),
        "product": Text(1, 100),
        # SPEC 1: the trial doses 1.0-10.0 x10^6/kg; the wider range admits other protocols.
        "dose_cells_per_kg": Num("1e5", "1e8", "cells/kg"),
        "baseline_ice": Num("0", "10"),
        "baseline_capd": Num("0", "32"),
        "bed": Text(1, 16),
    }
    patient_id: str
    name: str
    date_of_birth: date
    sex: Sex
    weight_kg: float
    diagnosis: Diagnosis
    developmental_delay: bool
    infusion_at: datetime
    product: str
    dose_cells_per_kg: float
    baseline_ice: int | None = None
    baseline_capd: int | None = None
    bed: str | None = None  # where on the ward; a move to another bed is a correction

    def __post_init__(self) -> None:
        Record.__post_init__(self)
        object.__setattr__(self, "patient_id", normalise_patient_id(self.patient_id))

    def check(self) -> list[FieldError]:
        # A date of birth has no time zone: it is refused only if it is after the infusion's date
        # wherever on Earth (UTC+14 is the latest calendar date at any instant).
        infused = (self.infusion_at.astimezone(UTC) + _LATEST_OFFSET).date()
        if self.date_of_birth > infused:
            message = f"date_of_birth: {self.date_of_birth} is after the infusion on {infused}"
            return [FieldError("date_of_birth", message, f"no later than {infused}")]
        return []


_LATEST_OFFSET = timedelta(hours=14)


TEMP_RANGES = {TempUnit.C: Num("25.0", "45.0", "°C"), TempUnit.F: Num("77.0", "113.0", "°F")}


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class VitalSigns(Record):
    KIND: ClassVar[str] = "vitals"
    SPECS: ClassVar[dict[str, Constraint]] = {
        "temperature": TEMP_RANGES[TempUnit.C],  # or the °F range: see _spec_for
        "hr": Num("20", "300", "/min"),
        "sbp": Num("30", "300", "mmHg"),
        "dbp": Num("10", "200", "mmHg"),
        "rr": Num("0", "120", "/min"),
        "spo2": Num("50", "100", "%"),
        "o2_flow_l_min": Num("0", "80", "L/min"),
        "fio2": Num("0.21", "1.00"),
        "crt_s": Num("0", "15", "s"),
    }
    DEPENDENT: ClassVar[frozenset[str]] = frozenset({"temperature"})
    temperature: float | None = None
    temperature_unit: TempUnit | None = None
    temperature_route: TempRoute | None = None
    hr: float | None = None
    sbp: float | None = None
    dbp: float | None = None
    rr: float | None = None
    spo2: int | None = None
    spo2_scale: Spo2Scale | None = None
    o2_device: O2Device | None = None
    o2_flow_l_min: float | None = None
    fio2: float | None = None
    o2_indication: O2Indication | None = None
    acvpu: Acvpu | None = None
    crt_s: float | None = None
    resp_effort: RespEffort | None = None

    MEASURED: ClassVar[tuple[str, ...]] = (
        "temperature", "hr", "sbp", "dbp", "rr", "spo2", "o2_device", "o2_flow_l_min", "fio2",
        "acvpu", "crt_s", "resp_effort",
    )  # fmt: skip

    def temp_c(self) -> float | None:
        """The temperature in °C as the rules compare it (D8)."""
        return celsius(self.temperature, self.temperature_unit)

    def _spec_for(self, spec: FieldSpec) -> FieldSpec:
        # D8: a temperature is kept in the unit it was taken in, and checked against that unit's range.
        if spec.name == "temperature" and isinstance(self.temperature_unit, TempUnit):
            if spec is _TEMPERATURE:
                return _TEMPERATURE_IN[self.temperature_unit]  # made once, below
            return replace(spec, constraint=TEMP_RANGES[self.temperature_unit])
        return spec

    def check(self) -> list[FieldError]:
        errors: list[FieldError] = []
        for name in self.MEASURED:
            if getattr(self, name) is not None:
                break
        else:
            allowed = "at least one of " + ", ".join(self.MEASURED)
            errors.append(FieldError("vitals", "vitals: empty vitals set", allowed))
        if self.temperature is not None:
            if self.temperature_unit is None:
                errors.append(
                    FieldError("temperature_unit", "temperature_unit: required", "C or F")
                )
        elif self.temperature_unit is not None or self.temperature_route is not None:
            message = "temperature: a unit or route was given without a temperature"
            errors.append(FieldError("temperature", message, TEMP_RANGES[TempUnit.C].allowed))
        if self.sbp is not None and self.dbp is not None and self.dbp >= self.sbp:
            message = f"dbp: {show(self.dbp)} mmHg must be lower than sbp {show(self.sbp)} mmHg"
            errors.append(FieldError("dbp", message, "less than sbp"))
        on_oxygen = self.o2_device is not None and self.o2_device is not O2Device.ROOM_AIR
        for name in ("o2_flow_l_min", "fio2"):
            if getattr(self, name) is not None and not on_oxygen:
                message = f"{name}: given without an oxygen device (room air or none recorded)"
                errors.append(FieldError(name, message, "only with an oxygen device"))
        if self.o2_indication is O2Indication.NONE and on_oxygen:
            message = "o2_indication: 'none' is only for room air"
            errors.append(FieldError("o2_indication", message, "a reason for the oxygen"))
        if self.o2_indication not in (None, O2Indication.NONE) and not on_oxygen:
            message = f"o2_indication: '{self.o2_indication}' needs an oxygen device"
            errors.append(FieldError("o2_indication", message, "none (room air)"))
        return errors


_TEMPERATURE = next(s for s in specs_of(VitalSigns) if s.name == "temperature")
_TEMPERATURE_IN = {unit: replace(_TEMPERATURE, constraint=r) for unit, r in TEMP_RANGES.items()}

_ICE_ITEMS = tuple(f"ice_{item}" for item in ICE_ITEMS)
# SPEC 7, in the order of the table; each is entered as its points 0-4 (items 1-4 are reverse scored).
_CAPD_ITEMS = (
    "capd_eye_contact", "capd_purposeful", "capd_aware", "capd_communicates",
    "capd_restless", "capd_inconsolable", "capd_underactive", "capd_slow_response",
)  # fmt: skip


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class NeuroCheck(Record):
    KIND: ClassVar[str] = "neuro_check"
    SPECS: ClassVar[dict[str, Constraint]] = {
        # SPEC 6 and 7: each item's points, from the clinical item tables.
        **{f"ice_{item}": Num("0", str(top)) for item, top in ICE_ITEMS.items()},
        **{item: Num("0", str(CAPD_ITEM_MAX)) for item in _CAPD_ITEMS},
        "seizure_duration_min": Num("0", "1440", "min"),
    }
    tool: EncephalopathyTool
    ice_orientation: int | None = None
    ice_naming: int | None = None
    ice_commands: int | None = None
    ice_writing: int | None = None
    ice_attention: int | None = None
    ice_not_assessable: IceNotAssessable | None = None
    capd_eye_contact: int | None = None
    capd_purposeful: int | None = None
    capd_aware: int | None = None
    capd_communicates: int | None = None
    capd_restless: int | None = None
    capd_inconsolable: int | None = None
    capd_underactive: int | None = None
    capd_slow_response: int | None = None
    capd_not_assessable: CapdNotAssessable | None = None
    consciousness: Consciousness | None = None
    depressed_consciousness_attributable_to_sedation: bool = False
    acvpu: Acvpu | None = None
    seizure: Seizure | None = None
    seizure_duration_min: float | None = None
    motor: MotorFinding | None = None
    cerebral_edema: CerebralEdema | None = None
    intracranial_hemorrhage: bool = False
    imaging_done: bool = False
    eeg_done: bool = False

    @property
    def ice_score(self) -> int | None:
        """The ICE total (SPEC 6); None unless every item was scored."""
        values = [getattr(self, item) for item in _ICE_ITEMS]
        return None if None in values else IceItems(*values).total

    @property
    def capd_score(self) -> int | None:
        """The CAPD total (SPEC 7); None unless every item was scored."""
        values = [getattr(self, item) for item in _CAPD_ITEMS]
        return None if None in values else CapdItems(tuple(values)).total

    def check(self) -> list[FieldError]:
        ice = self.tool is EncephalopathyTool.ICE
        errors = _check_tool(self, _ICE_ITEMS, "ice_not_assessable", used=ice)
        errors += _check_tool(self, _CAPD_ITEMS, "capd_not_assessable", used=not ice)
        if self.seizure_duration_min is not None and self.seizure in (None, Seizure.NONE):
            message = "seizure_duration_min: given without a seizure"
            errors.append(FieldError("seizure_duration_min", message, "only with a seizure"))
        minutes = self.seizure_duration_min
        if self.seizure is Seizure.PROLONGED_GT_5MIN and minutes is not None and minutes <= 5:
            # D13: prolonged means MORE than 5 min; a seizure of 5 min or less is charted by its type.
            message = f"seizure_duration_min: {minutes:g} min is not a prolonged (> 5 min) seizure"
            errors.append(FieldError("seizure_duration_min", message, "more than 5 min"))
        if self.cerebral_edema in _IMAGING_FINDINGS and not self.imaging_done:
            message = f"imaging_done: '{self.cerebral_edema}' is an imaging finding"
            errors.append(FieldError("imaging_done", message, "true for an imaging finding"))
        eeg_seizure = Seizure.NONCONVULSIVE_EEG_RESOLVED_WITH_INTERVENTION
        if self.seizure is eeg_seizure and not self.eeg_done:
            message = f"eeg_done: '{eeg_seizure}' is an EEG finding"
            errors.append(FieldError("eeg_done", message, "true for an EEG finding"))
        return errors


_IMAGING_FINDINGS = (CerebralEdema.FOCAL_LOCAL_ON_IMAGING, CerebralEdema.DIFFUSE_ON_IMAGING)


def _check_tool(
    check: NeuroCheck, items: tuple[str, ...], reason_field: str, *, used: bool
) -> list[FieldError]:
    given = [item for item in items if getattr(check, item) is not None]
    reason = getattr(check, reason_field)
    tool = reason_field.split("_")[0].upper()
    if not used:
        stray = given + ([reason_field] if reason is not None else [])
        return [
            FieldError(
                name,
                f"{name}: not part of a check with tool {check.tool}",
                f"only with tool {tool}",
            )
            for name in stray
        ]
    if reason is not None:
        return [
            FieldError(name, f"{name}: {tool} items given with a not-assessable reason", "empty")
            for name in given
        ]
    allowed = f"every {tool} item, or {reason_field}"
    return [
        FieldError(name, f"{name}: required for the {tool} score", allowed)
        for name in items
        if getattr(check, name) is None
    ]


# Plausible doses per unit: the smallest a pump or a syringe gives, the largest any drug here is given in.
DOSE_RANGES = {
    DoseUnit.MG: Num("0.001", "5000", "mg"),
    DoseUnit.MG_PER_KG: Num("0.0001", "50", "mg/kg"),
    DoseUnit.MCG_PER_KG_MIN: Num("0.001", "50", "mcg/kg/min"),
    DoseUnit.UNITS_PER_MIN: Num("0.0001", "1", "units/min"),
    DoseUnit.ML_PER_H: Num("0.01", "1000", "mL/h"),
}
# While the unit is unknown (dose_unit names that), a dose is checked against the union of the ranges.
_ANY_DOSE = Num(
    min((r.lo for r in DOSE_RANGES.values()), key=float),
    max((r.hi for r in DOSE_RANGES.values()), key=float),
)


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class Intervention(Record):
    KIND: ClassVar[str] = "intervention"
    SPECS: ClassVar[dict[str, Constraint]] = {"dose": _ANY_DOSE}  # in the unit's range: _spec_for
    DEPENDENT: ClassVar[frozenset[str]] = frozenset({"dose"})
    drug: Drug
    dose: float
    dose_unit: DoseUnit
    route: Route
    started_at: datetime
    stopped_at: datetime | None = None
    indication: Indication

    @property
    def kind(self) -> DrugKind:
        return self.drug.kind

    def _spec_for(self, spec: FieldSpec) -> FieldSpec:
        if spec.name == "dose" and isinstance(self.dose_unit, DoseUnit):
            return replace(spec, constraint=DOSE_RANGES[self.dose_unit])
        return spec

    @property
    def agent(self) -> VasoactiveAgent | None:
        return self.drug.agent

    def check(self) -> list[FieldError]:
        errors: list[FieldError] = []
        if self.stopped_at is not None and self.stopped_at <= self.started_at:
            errors.append(
                FieldError("stopped_at", "stopped_at: must be after started_at", "after started_at")
            )
        infusion = self.agent is not None
        if infusion != (self.dose_unit in INFUSION_UNITS):
            units = INFUSION_UNITS if infusion else (DoseUnit.MG, DoseUnit.MG_PER_KG)
            allowed = ", ".join(units)
            message = f"dose_unit: {self.dose_unit} does not fit {self.drug}"
            errors.append(FieldError("dose_unit", message, allowed))
        if infusion and self.route is not Route.IV:
            message = f"route: {self.drug} runs as an intravenous infusion"
            errors.append(FieldError("route", message, "iv"))
        return errors


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class Attribution(Record):
    """A physician's statement that a finding has another cause (D9); the role is checked by the ward."""

    KIND: ClassVar[str] = "attribution"
    SPECS: ClassVar[dict[str, Constraint]] = {"cause": Text(3, 500)}
    finding: Finding
    cause: str
    # D19: an explicit end of the cover; without it the attribution covers only what was charted at or
    # before it. Checked against the attribution's time and the site's maximum by the validators.
    until: datetime | None = None


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class Note(Record):
    KIND: ClassVar[str] = "note"
    SPECS: ClassVar[dict[str, Constraint]] = {"text": Text(1, 4000, multiline=True)}
    text: str

    def __post_init__(self) -> None:
        Record.__post_init__(self)
        # Text pasted from Windows (CRLF) or old Macs (CR) is kept with LF only.
        if isinstance(self.text, str):
            object.__setattr__(self, "text", self.text.replace("\r\n", "\n").replace("\r", "\n"))


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeClosure(Record):
    """A clinician closes a CRS or ICANS episode (D10); episodes never close by themselves."""

    KIND: ClassVar[str] = "episode_closure"
    SPECS: ClassVar[dict[str, Constraint]] = {"reason": REASON_TEXT}
    syndrome: Syndrome
    reason: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class GradeSignOff(Record):
    KIND: ClassVar[str] = "grade_sign_off"
    SPECS: ClassVar[dict[str, Constraint]] = {"grade": Num("0", "4"), "assessment_id": UUID_TEXT}
    syndrome: Syndrome
    grade: int
    assessment_id: str


_GRADE = Num("0", "4")
_SCORE = Num("0", "99")


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class Discharge(Record):
    """The end of the patient's stay on this ward (discharge or transfer). Nothing is charted for the
    patient after it; the stay's records and alerts stay readable."""

    KIND: ClassVar[str] = "discharge"
    SPECS: ClassVar[dict[str, Constraint]] = {"destination": Text(0, 200)}
    outcome: StayEnd
    destination: str = ""  # the ward or place the patient went to


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class AssessmentRecord(Record):
    """The graded result of a time point as the ward saw it: grades, flag codes, the reasons (stored
    as codes, their sentences regenerated when read), rule version and policy digest; plus what the
    ward adds: the record that caused it, whether each episode is open and its course (D20)."""

    KIND: ClassVar[str] = "assessment"
    SPECS: ClassVar[dict[str, Constraint]] = {
        "temp_c_compared": Num("-100", "100", "°C"),
        "crs_grade": _GRADE,
        "crs_grade_if_fever_confirmed": _GRADE,
        "crs_episode_max": _GRADE,
        "crs_course": _GRADE,
        "icans_grade": _GRADE,
        "icans_episode_max": _GRADE,
        "icans_course": _GRADE,
        "news2": _SCORE,
        "news2_partial": _SCORE,
        "pews": _SCORE,
        "pews_partial": _SCORE,
        "rule_version": Text(1, 200),
        "policy": Text(0, 64),
        "source_record": UUID_TEXT,
    }
    fever: bool | None = None
    temp_c_compared: float | None = None
    hypotension: bool | None = None
    on_vasopressor: bool = False
    crs_grade: int | None = None
    crs_grade_is_lower_bound: bool = False
    crs_grade_if_fever_confirmed: int | None = None
    crs_episode_max: int | None = None
    crs_episode_open: bool = False
    crs_course: int | None = None
    icans_tool: EncephalopathyTool | None = None
    icans_grade: int | None = None
    icans_grade_is_lower_bound: bool = False
    icans_episode_max: int | None = None
    icans_episode_open: bool = False
    icans_course: int | None = None
    news2: int | None = None
    news2_any_single_parameter_3: bool | None = None
    news2_partial: int | None = None
    pews: int | None = None
    pews_partial: int | None = None
    flags: tuple[Flag | str, ...] = ()
    reasons: tuple[Reason, ...] = ()
    stale: tuple[str, ...] = ()
    rule_version: str = ""
    policy: str = ""
    source_record: str | None = None

    @classmethod
    def of(
        cls,
        assessment: Assessment,
        *,
        source_record: str | None,
        crs_episode_open: bool,
        icans_episode_open: bool,
        crs_course: int | None,
        icans_course: int | None,
        stale: Collection[str] = (),
    ) -> AssessmentRecord:
        """The record the ward stores for a graded time point."""
        crs, icans = assessment.crs, assessment.icans
        return cls(
            fever=crs.fever,
            temp_c_compared=crs.temp_c,
            hypotension=crs.hypotension,
            on_vasopressor=crs.on_vasopressor,
            crs_grade=crs.grade,
            crs_grade_is_lower_bound=crs.grade_is_lower_bound,
            crs_grade_if_fever_confirmed=crs.grade_if_fever_confirmed,
            crs_episode_max=assessment.crs_episode_max,
            crs_episode_open=crs_episode_open,
            crs_course=crs_course,
            icans_tool=icans.tool,
            icans_grade=icans.grade,
            icans_grade_is_lower_bound=icans.grade_is_lower_bound,
            icans_episode_max=assessment.icans_episode_max,
            icans_episode_open=icans_episode_open,
            icans_course=icans_course,
            news2=assessment.news2.score,
            news2_any_single_parameter_3=assessment.news2.any_single_parameter_3,
            news2_partial=assessment.news2.partial_score,
            pews=assessment.pews.score,
            pews_partial=assessment.pews.partial_score,
            flags=assessment.flags,
            reasons=assessment.reasons,
            stale=tuple(sorted(stale)),
            rule_version=assessment.rule_version,
            policy=assessment.policy_fingerprint,
            source_record=source_record,
        )

    def as_contract(self) -> dict[str, Any]:
        """The `bedside grade` contract object of what was stored (SPEC "The bedside grade contract")."""
        hypotension: bool | str | None = self.hypotension
        if self.on_vasopressor:
            hypotension = "on_vasopressor(s): graded by requirement"
        return {
            "fever": self.fever,
            "temp_c_compared": self.temp_c_compared,
            "hypotension": hypotension,
            "crs_grade": self.crs_grade,
            "crs_grade_is_lower_bound": self.crs_grade_is_lower_bound,
            "crs_grade_if_fever_confirmed": self.crs_grade_if_fever_confirmed,
            "crs_episode_max": self.crs_episode_max,
            "icans_tool": self.icans_tool.value if self.icans_tool else None,
            "icans_grade": self.icans_grade,
            "icans_grade_is_lower_bound": self.icans_grade_is_lower_bound,
            "icans_episode_max": self.icans_episode_max,
            "news2": self.news2,
            "news2_any_single_parameter_3": self.news2_any_single_parameter_3,
            "news2_partial_excluding_missing": self.news2_partial,
            "bedside_pews": self.pews,
            "bedside_pews_partial_excluding_missing": self.pews_partial,
            "flags": [str(f) for f in self.flags],
            "reasons": [r.render() for r in self.reasons],
            "rule_version": self.rule_version,
            "policy": self.policy,
        }


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class AlertEvent(Record):
    KIND: ClassVar[str] = "alert_event"
    SPECS: ClassVar[dict[str, Constraint]] = {
        "alert_id": TOKEN_TEXT,
        "level": Num("0", "100"),
        "detail": Text(0, 2000, multiline=True),
    }
    alert_id: str
    event: AlertEventType
    kind: AlertKind
    priority: Priority  # stored by its code ("low", "medium", "high"): see `codec`
    level: int | None = None
    detail: str = ""


_SHA256 = Text(64, 64, re.compile(r"[0-9a-f]{64}"), "a SHA-256 digest in lower-case hex")


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class Export(Record):
    """The audit of one export of a patient's chart (who and when are the envelope's author and time):
    the format, the patient's resources in it, the `--since` it was limited to, the file and its digest."""

    KIND: ClassVar[str] = "export"
    SPECS: ClassVar[dict[str, Constraint]] = {
        "resources": Num("0", "10000000"),
        "file": Text(1, 4096),
        "sha256": _SHA256,
    }
    format: ExportFormat
    resources: int
    since: datetime | None = None
    file: str
    sha256: str


# The reserved "patient" id the ward-level records are filed under: '~' is outside every patient id
# (MRN_TEXT), so no admission can ever take it, and the board, which lists admissions, never shows it.
WARD_ID = "~WARD"


# --- the ward's users (issue 10): records of the log, so that they sync and are audited ------------------

USER_ID_TEXT = Text(
    1, 64, re.compile(r"[a-z0-9][a-z0-9_.:-]*"), "lower-case letters, digits and _ . : -"
)
# An argon2id hash in its encoded form ($argon2id$v=19$m=...,t=...,p=...$salt$hash): never a PIN.
PIN_HASH_TEXT = Text(
    40,
    256,
    re.compile(r"\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+"),
    "an argon2id hash in its encoded form",
)


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class UserCreated(Record):
    """A user of the ward, created by an admin (the first admin by whoever installs the ward)."""

    KIND: ClassVar[str] = "user_created"
    SPECS: ClassVar[dict[str, Constraint]] = {
        "user_id": USER_ID_TEXT,
        "display_name": Text(1, 100),
        "pin_hash": PIN_HASH_TEXT,
    }
    WARD_LEVEL: ClassVar[bool] = True
    user_id: str
    role: Role
    display_name: str
    pin_hash: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class UserDisabled(Record):
    """The user may no longer sign in (their records stay theirs)."""

    KIND: ClassVar[str] = "user_disabled"
    SPECS: ClassVar[dict[str, Constraint]] = {"user_id": USER_ID_TEXT}
    WARD_LEVEL: ClassVar[bool] = True
    user_id: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class PinReset(Record):
    """An admin set a new PIN for the user; it also ends a lockout (R15)."""

    KIND: ClassVar[str] = "pin_reset"
    SPECS: ClassVar[dict[str, Constraint]] = {"user_id": USER_ID_TEXT, "pin_hash": PIN_HASH_TEXT}
    WARD_LEVEL: ClassVar[bool] = True
    user_id: str
    pin_hash: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class LoginAttempt(Record):
    """One attempt to sign in and how it ended; never the PIN. An attempt at an id that is no user
    keeps no id (people type their PIN into the user id field)."""

    KIND: ClassVar[str] = "login_attempt"
    SPECS: ClassVar[dict[str, Constraint]] = {"user_id": USER_ID_TEXT}
    WARD_LEVEL: ClassVar[bool] = True
    user_id: str | None = None
    outcome: LoginOutcome


# --- the site policy (issues 9 and 10): a change is a record of the log, so that it syncs and is audited -


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class PolicySet(Record):
    """An admin changes settings of the site policy (name -> value; `bedside.clinical.policy`), saying
    why. The policy in force is the defaults overlaid by every current policy_set in log order
    (`bedside.policy_log`); a correction takes the place of the record it corrects."""

    KIND: ClassVar[str] = "policy_set"
    SPECS: ClassVar[dict[str, Constraint]] = {"reason": REASON_TEXT}
    WARD_LEVEL: ClassVar[bool] = True
    settings: dict[str, Any]
    reason: str

    def check(self) -> list[FieldError]:
        if not self.settings:
            message = "settings: no setting given"
            return [FieldError("settings", message, "at least one NAME=VALUE")]
        errors = []
        for name, value in sorted(self.settings.items()):
            problem = setting_problem(name, value)
            if problem is not None:
                known = name in setting_names()
                allowed = setting_allowed(name) if known else "one of " + ", ".join(setting_names())
                errors.append(FieldError(name if known else "settings", problem, allowed))
        return errors
