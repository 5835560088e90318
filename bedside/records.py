"""The charted record types, their validation, and their canonical JSON form (DESIGN section 3)."""

from __future__ import annotations

import json
import math
import re
import typing
from contextlib import suppress
from dataclasses import MISSING, dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta
from enum import Enum, StrEnum
from types import UnionType
from typing import Any, ClassVar, TypeVar

from bedside.alert_vocabulary import AlertEventType
from bedside.clinical.capd import CAPD_ITEM_MAX, CapdItems
from bedside.clinical.crs import fahrenheit_to_celsius
from bedside.clinical.ice import ICE_ITEMS, IceItems
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
from bedside.clinical.vocabulary import Drug as Drug  # re-exported for the record's callers
from bedside.clinical.vocabulary import DrugKind as DrugKind
from bedside.clock import Clock

# A record may be charted up to this far ahead of the machine's clock (clocks on a ward drift a little).
FUTURE_TOLERANCE = timedelta(minutes=5)
_OLDEST = datetime(2000, 1, 1, tzinfo=UTC)
_NEWEST = datetime(2100, 1, 1, tzinfo=UTC)
_MAX_PAYLOAD_CHARS = 64_000

# C0/C1 controls, line/paragraph separators, unpaired surrogates and bidi overrides/isolates (which can
# make a name display as something else). Notes may keep newline and tab.
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_BAD_CHARS_MULTILINE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_MRN = re.compile(r"[A-Za-z0-9-]+")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TOKEN = re.compile(r"[A-Za-z0-9_.:-]+")


# --- Value sets that belong to records (the clinical ones are in bedside.clinical.vocabulary) ---------


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


_INFUSION_UNITS = (DoseUnit.MCG_PER_KG_MIN, DoseUnit.UNITS_PER_MIN, DoseUnit.ML_PER_H)


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


# Alert events use the lifecycle vocabulary of bedside.alerts (AlertEventType is imported above).


# --- Field constraints ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldError:
    """One refused field: `message` names the field and the value, `allowed` says what would be accepted."""

    field: str
    message: str
    allowed: str


class RecordInvalid(ValueError):
    """Raised where a record must be valid (decoding, storing); carries every field error."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Num:
    """A closed range lo..hi (or lo exclusive), with the unit shown to the user."""

    lo: str
    hi: str
    unit: str = ""
    lo_open: bool = False

    @property
    def allowed(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.lo_open:
            return f"more than {self.lo}, up to {self.hi}{unit}"
        return f"{self.lo}–{self.hi}{unit}"

    def contains(self, value: float) -> bool:
        lo, hi = float(self.lo), float(self.hi)
        return (lo < value if self.lo_open else lo <= value) and value <= hi


@dataclass(frozen=True, slots=True)
class Text:
    min_len: int
    max_len: int
    pattern: re.Pattern[str] | None = None
    pattern_text: str = ""
    multiline: bool = False

    @property
    def allowed(self) -> str:
        tail = f": {self.pattern_text}" if self.pattern_text else ""
        return f"{self.min_len}–{self.max_len} characters{tail}"


Constraint = Num | Text

_MRN_TEXT = Text(1, 32, _MRN, "letters, digits and '-'")
_REASON_TEXT = Text(3, 500)
_UUID_TEXT = Text(36, 36, _UUID, "a record id (UUID)")


@dataclass(frozen=True, slots=True)
class _FieldSpec:
    name: str
    base: type
    optional: bool
    constraint: Constraint | None

    @property
    def allowed(self) -> str:
        if self.constraint is not None:
            return self.constraint.allowed
        if issubclass(self.base, Enum):
            return "one of " + ", ".join(str(m.value) for m in self.base)
        return {
            bool: "true or false",
            datetime: "a date and time with time zone, 2000–2099",
            date: "a date from 1900-01-01",
            dict: f"a JSON object up to {_MAX_PAYLOAD_CHARS} characters",
        }[self.base]


# --- The record types -------------------------------------------------------------------------------

R = TypeVar("R", bound="Record")
RECORD_TYPES: dict[str, type[Record]] = {}
_SPECS_OF: dict[type[Record], tuple[_FieldSpec, ...]] = {}


def _register(cls: type[R]) -> type[R]:
    # Reading the fields here fails at import, not at the bedside, if a constraint is missing.
    _SPECS_OF[cls] = _field_specs(cls)
    RECORD_TYPES[cls.KIND] = cls
    return cls


def _specs(cls: type[Record]) -> tuple[_FieldSpec, ...]:
    return _SPECS_OF[cls]


def _field_specs(cls: type[Record]) -> tuple[_FieldSpec, ...]:
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
        specs.append(_FieldSpec(f.name, base, type(None) in args, constraint))
    return tuple(specs)


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """Base of every charted record. Enum fields given as their text value are turned into members."""

    KIND: ClassVar[str] = ""
    SPECS: ClassVar[dict[str, Constraint]] = {}

    def __post_init__(self) -> None:
        for spec in _specs(type(self)):
            if issubclass(spec.base, Enum):
                value = getattr(self, spec.name)
                if isinstance(value, str | int) and not isinstance(value, bool | spec.base):
                    # An unknown value is left as given, for validate() to name.
                    with suppress(ValueError):
                        object.__setattr__(self, spec.name, spec.base(value))

    def check(self) -> list[FieldError]:
        """Rules across fields; run only when every field is valid on its own."""
        return []

    def _spec_for(self, spec: _FieldSpec) -> _FieldSpec:
        """The constraint that applies to this instance (a range may depend on another field)."""
        return spec


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class Admission(Record):
    KIND: ClassVar[str] = "admission"
    SPECS: ClassVar[dict[str, Constraint]] = {
        "patient_id": _MRN_TEXT,
        "name": Text(1, 200),
        "weight_kg": Num("2", "250", "kg"),
        "product": Text(1, 100),
        # SPEC 1: the trial doses 1.0-10.0 x10^6/kg; the wider range admits other protocols.
        "dose_cells_per_kg": Num("1e5", "1e8", "cells/kg"),
        "baseline_ice": Num("0", "10"),
        "baseline_capd": Num("0", "32"),
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


_TEMP_RANGES = {TempUnit.C: Num("25.0", "45.0", "°C"), TempUnit.F: Num("77.0", "113.0", "°F")}


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class VitalSigns(Record):
    KIND: ClassVar[str] = "vitals"
    SPECS: ClassVar[dict[str, Constraint]] = {
        "temperature": _TEMP_RANGES[TempUnit.C],  # or the °F range: see _spec_for
        "hr": Num("20", "300", "/min"),
        "sbp": Num("30", "300", "mmHg"),
        "dbp": Num("10", "200", "mmHg"),
        "rr": Num("0", "120", "/min"),
        "spo2": Num("50", "100", "%"),
        "o2_flow_l_min": Num("0", "80", "L/min"),
        "fio2": Num("0.21", "1.00"),
        "crt_s": Num("0", "15", "s"),
    }
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
        if self.temperature is None:
            return None
        if self.temperature_unit is TempUnit.F:
            return float(fahrenheit_to_celsius(self.temperature))
        return float(self.temperature)

    def _spec_for(self, spec: _FieldSpec) -> _FieldSpec:
        # D8: a temperature is kept in the unit it was taken in, and checked against that unit's range.
        if spec.name == "temperature" and isinstance(self.temperature_unit, TempUnit):
            return replace(spec, constraint=_TEMP_RANGES[self.temperature_unit])
        return spec

    def check(self) -> list[FieldError]:
        errors: list[FieldError] = []
        if all(getattr(self, name) is None for name in self.MEASURED):
            allowed = "at least one of " + ", ".join(self.MEASURED)
            errors.append(FieldError("vitals", "vitals: empty vitals set", allowed))
        if self.temperature is not None:
            if self.temperature_unit is None:
                errors.append(
                    FieldError("temperature_unit", "temperature_unit: required", "C or F")
                )
        elif self.temperature_unit is not None or self.temperature_route is not None:
            message = "temperature: a unit or route was given without a temperature"
            errors.append(FieldError("temperature", message, _TEMP_RANGES[TempUnit.C].allowed))
        if self.sbp is not None and self.dbp is not None and self.dbp >= self.sbp:
            message = f"dbp: {_show(self.dbp)} mmHg must be lower than sbp {_show(self.sbp)} mmHg"
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


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class Intervention(Record):
    KIND: ClassVar[str] = "intervention"
    SPECS: ClassVar[dict[str, Constraint]] = {"dose": Num("0", "10000", lo_open=True)}
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
        if infusion != (self.dose_unit in _INFUSION_UNITS):
            units = _INFUSION_UNITS if infusion else (DoseUnit.MG, DoseUnit.MG_PER_KG)
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


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class Note(Record):
    KIND: ClassVar[str] = "note"
    SPECS: ClassVar[dict[str, Constraint]] = {"text": Text(1, 4000, multiline=True)}
    text: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeClosure(Record):
    """A clinician closes a CRS or ICANS episode (D10); episodes never close by themselves."""

    KIND: ClassVar[str] = "episode_closure"
    SPECS: ClassVar[dict[str, Constraint]] = {"reason": _REASON_TEXT}
    syndrome: Syndrome
    reason: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class GradeSignOff(Record):
    KIND: ClassVar[str] = "grade_sign_off"
    SPECS: ClassVar[dict[str, Constraint]] = {"grade": Num("0", "4"), "assessment_id": _UUID_TEXT}
    syndrome: Syndrome
    grade: int
    assessment_id: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class AssessmentRecord(Record):
    """The graded result as the ward saw it (the `bedside grade` contract object plus what the ward adds)."""

    KIND: ClassVar[str] = "assessment"
    payload: dict[str, Any]


@_register
@dataclass(frozen=True, slots=True, kw_only=True)
class AlertEvent(Record):
    KIND: ClassVar[str] = "alert_event"
    SPECS: ClassVar[dict[str, Constraint]] = {
        "alert_id": Text(1, 64, _TOKEN, "letters, digits and _ . : -"),
        "kind": Text(1, 64, _TOKEN, "letters, digits and _ . : -"),
        "priority": Text(1, 32, _TOKEN, "letters, digits and _ . : -"),
        "level": Num("0", "100"),
        "detail": Text(0, 2000, multiline=True),
    }
    alert_id: str
    event: AlertEventType
    kind: str
    priority: str
    level: int | None = None
    detail: str = ""


# --- The envelope of a record being charted ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """A record with the envelope fields its author gives; the store adds id, time of entry and hash."""

    record: Record
    patient_id: str
    observed_at: datetime
    supersedes: str | None = None  # a correction names the record it replaces...
    reason: str | None = None  # ...and says why


_ENVELOPE = (
    _FieldSpec("patient_id", str, False, _MRN_TEXT),
    _FieldSpec("observed_at", datetime, False, None),
    _FieldSpec("supersedes", str, True, _UUID_TEXT),
    _FieldSpec("reason", str, True, _REASON_TEXT),
)


def validate(draft: Draft, clock: Clock) -> list[FieldError]:
    """Every reason to refuse `draft`, empty if it may be stored. Times are checked against `clock`."""
    errors = [e for spec in _ENVELOPE for e in _check_field(spec, getattr(draft, spec.name))]
    if draft.supersedes is not None and draft.reason is None:
        message = "reason: a correction must say why"
        errors.append(FieldError("reason", message, _REASON_TEXT.allowed))
    elif draft.supersedes is None and draft.reason is not None:
        message = "reason: only a correction (supersedes) carries a reason"
        errors.append(FieldError("reason", message, "empty"))
    errors += validate_record(draft.record)
    if errors:
        return errors
    latest = clock.now() + FUTURE_TOLERANCE
    record = draft.record
    times: list[tuple[str, datetime | None]] = [("observed_at", draft.observed_at)]
    if isinstance(record, Intervention):
        times += [("started_at", record.started_at), ("stopped_at", record.stopped_at)]
    for name, when in times:
        if when is not None and when > latest:
            message = f"{name}: {iso_utc(when)} is in the future"
            errors.append(FieldError(name, message, f"no later than {iso_utc(latest)}"))
    if isinstance(record, Admission):
        if record.patient_id != draft.patient_id:
            message = f"patient_id: the admission is for {record.patient_id}"
            errors.append(FieldError("patient_id", message, record.patient_id))
        charted = draft.observed_at.astimezone(UTC).date()
        if not (
            record.date_of_birth <= charted and charted.year - record.date_of_birth.year <= 120
        ):
            message = f"date_of_birth: {record.date_of_birth} is not 0–120 years before {charted}"
            errors.append(FieldError("date_of_birth", message, "0–120 years before admission"))
    return errors


_AUTHOR = _FieldSpec("author", str, False, Text(1, 64, _TOKEN, "letters, digits and _ . : -"))


def check_author(author: object) -> list[FieldError]:
    """The user id every record carries (R17): short, printable, never empty."""
    return _check_field(_AUTHOR, author)


def validate_record(record: Record) -> list[FieldError]:
    """Field and cross-field checks of one record, without its envelope."""
    cls = type(record)
    if RECORD_TYPES.get(getattr(cls, "KIND", "")) is not cls:
        return [
            FieldError("kind", f"kind: {cls.__name__} is not a record", ", ".join(RECORD_TYPES))
        ]
    errors = [
        error
        for spec in _specs(cls)
        for error in _check_field(record._spec_for(spec), getattr(record, spec.name))
    ]
    return errors or record.check()


def _check_field(spec: _FieldSpec, value: object) -> list[FieldError]:
    name, allowed = spec.name, spec.allowed
    if value is None:
        return [] if spec.optional else [FieldError(name, f"{name}: required", allowed)]
    base = spec.base
    problem: str | None = None
    if base is bool:
        problem = None if type(value) is bool else f"expected true or false, got {_show(value)}"
    elif base in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            problem = f"expected a number, got {_show(value)}"
        elif base is int and not isinstance(value, int):
            problem = f"{_show(value)} is not a whole number"
        elif isinstance(value, float) and not math.isfinite(value):
            problem = f"{_show(value)} is not a number"
        elif isinstance(spec.constraint, Num):
            return _check_range(name, value, spec.constraint)
    elif base is str:
        problem = _text_problem(value, spec.constraint)
    elif issubclass(base, Enum):
        problem = None if isinstance(value, base) else f"{_show(value)} is not a known value"
    elif base is datetime:
        if not isinstance(value, datetime):
            problem = f"expected a date and time, got {_show(value)}"
        elif value.tzinfo is None or value.utcoffset() is None:
            problem = "a date and time without a time zone"
        elif not _OLDEST <= value < _NEWEST:
            problem = f"{value.isoformat()} is outside 2000–2099"
    elif base is date:
        if type(value) is not date:
            problem = f"expected a date, got {_show(value)}"
        elif value.year < 1900:
            problem = f"{value} is before 1900"
    elif base is dict:
        problem = _json_problem(value)
    return [] if problem is None else [FieldError(name, f"{name}: {problem}", allowed)]


def _check_range(name: str, value: float, rng: Num) -> list[FieldError]:
    if rng.contains(value):
        return []
    unit = f" {rng.unit}" if rng.unit else ""
    return [FieldError(name, f"{name}: {_show(value)}{unit} is outside {rng.allowed}", rng.allowed)]


def _text_problem(value: object, rule: Constraint | None) -> str | None:
    assert isinstance(rule, Text)
    if not isinstance(value, str):
        return f"expected text, got {_show(value)}"
    if not rule.min_len <= len(value) <= rule.max_len:
        return f"{len(value)} characters is outside {rule.min_len}–{rule.max_len}"
    bad = (_BAD_CHARS_MULTILINE if rule.multiline else _BAD_CHARS).search(value)
    if bad is not None:
        return f"contains a control or direction character (U+{ord(bad[0]):04X})"
    if rule.min_len and not value.strip():
        return "is blank"
    if rule.pattern is not None and not rule.pattern.fullmatch(value):
        return f"{_show(value)} may contain only {rule.pattern_text}"
    return None


def _json_problem(value: object) -> str | None:
    if not isinstance(value, dict):
        return f"expected a JSON object, got {_show(value)}"
    try:
        text = canonical_json(value)
    except (TypeError, ValueError) as exc:
        return f"not JSON-able: {exc}"
    if len(text) > _MAX_PAYLOAD_CHARS:
        return f"{len(text)} characters is more than {_MAX_PAYLOAD_CHARS}"
    if _BAD_CHARS_MULTILINE.search(text):
        return "contains a control or direction character"
    return None


def _show(value: object) -> str:
    if isinstance(value, int) and abs(value) > 10**30:
        return "a number of more than 30 digits"  # str() of a huge int is slow, or refused
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- Canonical JSON -----------------------------------------------------------------------------------


def canonical_json(value: object) -> str:
    """The one text form that is stored and hashed: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def iso_utc(when: datetime) -> str:
    """UTC, fixed width (microseconds, 'Z'), so that text order is time order."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError(f"no time zone in {text!r}")
    return when.astimezone(UTC)


def to_payload(record: Record) -> dict[str, Any]:
    """The record's fields as JSON values: enums by value, datetimes as UTC text, dates as ISO dates."""
    return {spec.name: _encode(getattr(record, spec.name)) for spec in _specs(type(record))}


def _encode(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def from_payload(kind: str, data: dict[str, Any], *, check: bool = True) -> Record:
    """Build the record of `kind` from its payload; raises RecordInvalid naming every bad field.

    `check=False` skips the range checks (for rows the store wrote itself and whose hash it verifies).
    """
    cls = RECORD_TYPES.get(kind)
    if cls is None:
        raise RecordInvalid(
            [FieldError("kind", f"kind: unknown {kind!r}", ", ".join(RECORD_TYPES))]
        )
    specs = {spec.name: spec for spec in _specs(cls)}
    errors = [
        FieldError(k, f"{k}: unknown field", ", ".join(specs)) for k in data if k not in specs
    ]
    required = {
        f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
    }
    errors += [FieldError(k, f"{k}: required", specs[k].allowed) for k in required - data.keys()]
    if errors:
        raise RecordInvalid(errors)
    record = cls(**{name: _decode(specs[name].base, value) for name, value in data.items()})
    if check and (errors := validate_record(record)):
        raise RecordInvalid(errors)
    return record


def _decode(base: type, value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        if base is datetime:
            return parse_utc(value)
        if base is date:
            return date.fromisoformat(value)
    except ValueError:
        pass  # left as text; validation names the field
    return value
