"""A record as the JSON payload the log stores, and back (DESIGN section 3).

Most records are stored as a JSON object of their fields. The two kinds stored for every time point are
stored compactly as JSON arrays: a vitals set as its values in fixed places (`VITALS_FORMAT`), an
assessment (`ASSESSMENT_FORMAT`) with grades, flags and the rule version as codes and the reasons as codes
with parameters (`reason_codes`). Records stored before that (a vitals set as an object of its fields, an
assessment as an object holding the `bedside grade` contract and the reasons' sentences) are read as they
are: the hash chain covers them as they were stored and shown (`stored_form`).
"""

from __future__ import annotations

import base64
import math
import uuid
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from datetime import date, datetime
from enum import Enum
from operator import itemgetter
from typing import Any

from bedside.alert_vocabulary import Priority
from bedside.clinical.assessment import Domain, Flag, Reason
from bedside.clinical.vocabulary import EncephalopathyTool
from bedside.records.canonical import canonical_json, iso_utc, parse_utc
from bedside.records.envelope import validate_record
from bedside.records.fields import FieldError, FieldSpec, Num, RecordInvalid, Text, _text_problem
from bedside.records.reason_codes import decode_reason, encode_reason
from bedside.records.types import RECORD_TYPES, AssessmentRecord, Record, VitalSigns, specs_of

# The kinds stored as a JSON array (an older Bedside stored them as an object, still read).
COMPACT_KINDS = frozenset({AssessmentRecord.KIND, VitalSigns.KIND})


def to_payload(record: Record) -> dict[str, Any] | list[Any]:
    """The record's fields as JSON values: enums by value, datetimes as UTC text, dates as ISO dates.
    A field that is None is left out (its default); a vitals set and an assessment are the compact
    arrays."""
    if isinstance(record, AssessmentRecord):
        return encode_assessment(record)
    if isinstance(record, VitalSigns):
        return encode_vitals(record)
    return object_payload(record)


def object_payload(record: Record) -> dict[str, Any]:
    """The record's fields as a JSON object, a field that is None left out (its default): the stored
    form of every kind but the compact ones, and the form an older Bedside stored a vitals set in."""
    defaults = _none_defaults(type(record))
    values = ((spec.name, getattr(record, spec.name)) for spec in specs_of(type(record)))
    return {name: _encode(v) for name, v in values if v is not None or name not in defaults}


def stored_form(record: Record, data: object) -> object:
    """What `to_payload` gave for `record` when `data` (the payload it was decoded from) was stored:
    `to_payload(record)`, or for a record an older Bedside stored as an object, that object form (a
    vitals set's fields; an assessment's object as it came, which the chain covers as it was shown).
    A received payload is accepted only as `canonical_json` of this."""
    if isinstance(data, dict) and record.KIND in COMPACT_KINDS:
        return data if isinstance(record, AssessmentRecord) else object_payload(record)
    return to_payload(record)


def _none_defaults(cls: type[Record]) -> frozenset[str]:
    """The fields whose default is None: left out of the payload when None."""
    return frozenset(f.name for f in fields(cls) if f.default is None)


def payload_fields(record: Record) -> dict[str, Any]:
    """Every field of a record (None included) as JSON values, for the projection columns."""
    return {spec.name: _encode(getattr(record, spec.name)) for spec in specs_of(type(record))}


def plain_payload_fields(kind: str, data: object) -> dict[str, Any] | None:
    """`payload_fields(from_payload(kind, data, check=False))` without building the record, for the
    kinds whose every field is a number, text, boolean or plain enum (decoding and encoding such a
    field gives back the JSON value): the payload's values, and each left-out field's default. None
    when the shortcut does not apply (another kind, an unknown or missing field): use the record."""
    plan = plain_payload_plan(kind)
    if plan is not None and kind == VitalSigns.KIND and isinstance(data, list):
        data = vitals_fields(data)  # the V1 array of a vitals set, as its fields
    return None if plan is None else plan.fields(data)


@dataclass(frozen=True, slots=True)
class PlainPayload:
    """How `plain_payload_fields` reads a kind's payload (what verification recomputes for each
    vitals set): the payload laid over the defaults."""

    names: tuple[str, ...]
    template: dict[str, Any]  # every name in order, with its default (None where it has none)
    known: frozenset[str]
    required: frozenset[str]

    def fields(self, data: object) -> dict[str, Any] | None:
        """Every field's value, in `names` order; None when the shortcut does not apply."""
        if not isinstance(data, dict) or not self.known.issuperset(data):
            return None
        if self.required and not self.required <= data.keys():
            return None
        # Every key of `data` is in the template already: the order stays the template's.
        return {**self.template, **data}


def plain_payload_plan(kind: str) -> PlainPayload | None:
    """The plan of a kind `plain_payload_fields` reads without the record (None: another kind)."""
    return _PLAIN_KINDS.get(kind)


def _plain_kinds() -> dict[str, PlainPayload]:
    kinds = {}
    for kind, cls in RECORD_TYPES.items():
        specs = specs_of(cls)
        if cls is AssessmentRecord or not all(
            s.base in (str, int, float, bool)
            or (issubclass(s.base, Enum) and s.base is not Priority)
            for s in specs
        ):
            continue
        declared = {f.name: f for f in fields(cls)}
        defaults = {
            s.name: _encode(declared[s.name].default)
            for s in specs
            if declared[s.name].default is not MISSING
        }
        names = tuple(s.name for s in specs)
        kinds[kind] = PlainPayload(
            names=names,
            template={name: defaults.get(name) for name in names},
            known=frozenset(names),
            required=frozenset(names) - defaults.keys(),
        )
    return kinds


def assessment_grades(data: object) -> dict[str, Any] | None:
    """The grades of a stored compact assessment (what its projection row holds), read from their
    places without decoding the rest; None when `data` is not a whole compact array (use
    `decode_assessment`)."""
    grades = assessment_grade_values(data)
    return None if grades is None else dict(zip(ASSESSMENT_GRADES, grades, strict=True))


def assessment_grade_values(data: object) -> tuple[Any, ...] | None:
    """`assessment_grades` as a tuple in `ASSESSMENT_GRADES` order."""
    if not isinstance(data, list) or len(data) != len(_PLACES) + 1 or data[0] != ASSESSMENT_FORMAT:
        return None
    grades: tuple[Any, ...] = _pick_grades(data)
    for value in grades:
        if value is not None and type(value) is not int:
            return None
    return grades


def _encode(value: object) -> object:
    if isinstance(value, Priority):
        return value.code  # ranked by number in code, stored as a word
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def from_payload(kind: str, data: object, *, check: bool = True) -> Record:
    """Build the record of `kind` from its payload; raises RecordInvalid naming every bad field.

    `check=False` skips the range checks (for rows the store wrote itself and whose hash it verifies).
    """
    cls = RECORD_TYPES.get(kind)
    if cls is None:
        raise RecordInvalid(
            [FieldError("kind", f"kind: unknown {kind!r}", ", ".join(RECORD_TYPES))]
        )
    if cls is AssessmentRecord:
        return decode_assessment(data)
    if cls is VitalSigns and not isinstance(data, dict):
        # A V1 array whose every place is valid is read place by place (`_V1Plan`, the record it
        # builds is this one); any other goes through the fields' object, which words its problems.
        record = _V1.record(data) if _V1 is not None and type(data) is list else None
        if record is not None:
            if check and (errors := validate_record(record)):
                raise RecordInvalid(errors)
            return record
        data = _vitals_object(data)
    if not isinstance(data, dict):
        raise RecordInvalid([FieldError("payload", "payload: not an object", "a JSON object")])
    specs, required = _shape(cls)
    if not data.keys() <= specs.keys() or not required <= data.keys():
        errors = [
            FieldError(k, f"{k}: unknown field", ", ".join(specs)) for k in data if k not in specs
        ]
        errors += [
            FieldError(k, f"{k}: required", specs[k].allowed) for k in required - data.keys()
        ]
        raise RecordInvalid(errors)
    plan = _FAST.get(kind)
    record = _decoded(plan, data) if plan is not None else None
    if record is None:
        record = cls(**{name: _decode(specs[name].base, value) for name, value in data.items()})
    if check and (errors := validate_record(record)):
        raise RecordInvalid(errors)
    return record


def _shape(cls: type[Record]) -> tuple[dict[str, FieldSpec], frozenset[str]]:
    """A record type's specs by name and its required fields, read once."""
    shape = _SHAPES.get(cls)
    if shape is None:
        required = frozenset(
            f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
        )
        shape = _SHAPES[cls] = ({spec.name: spec for spec in specs_of(cls)}, required)
    return shape


_SHAPES: dict[type[Record], tuple[dict[str, FieldSpec], frozenset[str]]] = {}


def _decoded(plan: _Plan, data: dict[str, Any]) -> Record | None:
    """`cls(**data)` for a payload of known fields with every required one, built without running
    `__post_init__`, which for these kinds only turns an enum's value into its member: done here for
    a JSON value that is exactly a member's value. None for any other value of an enum field (a
    value left as given, for validate to name): use `cls(**data)`."""
    record = object.__new__(plan.cls)
    put = object.__setattr__
    for name, value in plan.defaults.items():
        put(record, name, value)
    known = plan.checks  # an enum's members by value, with their value's JSON type
    for name, value in data.items():
        members = known[name][0]
        if members is not None and value is not None:
            kind_of = type(value)
            if kind_of is not str and kind_of is not int:
                return None
            found = members.get(value)
            if found is None or found[1] is not kind_of:
                return None
            value = found[0]
        put(record, name, value)
    return record


def _decode(base: type, value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        if base is Priority:
            return Priority.from_code(value)
        if base is datetime:
            return parse_utc(value)
        if base is date:
            return date.fromisoformat(value)
    except (ValueError, KeyError):
        pass  # left as text; validation names the field
    return value


# --- the stored vitals set ----------------------------------------------------------------------------

VITALS_FORMAT = "V1"
# The places of a V1 array after its tag, never reordered nor changed (a new field of VitalSigns needs a
# new format): the values charted at nearly every time point first, so that the ones seldom charted,
# last, are left out when absent (the array ends at its last value). An absent value within is null.
VITALS_PLACES: tuple[str, ...] = (
    "temperature",
    "temperature_unit",
    "hr",
    "sbp",
    "dbp",
    "rr",
    "spo2",
    "o2_device",
    "o2_indication",
    "acvpu",
    "crt_s",
    "resp_effort",
    "spo2_scale",
    "temperature_route",
    "o2_flow_l_min",
    "fio2",
)


# The enum fields stored as codes: a value's index in its table. Append-only like FLAG_CODES: a stored code
# never changes meaning; a value not listed (a newer Bedside's) is stored as its text.
VITALS_CODES: dict[str, tuple[str, ...]] = {
    "temperature_unit": ("C", "F"),
    "o2_device": (
        "room_air",
        "nasal_cannula",
        "blow_by",
        "high_flow_nasal_cannula",
        "simple_face_mask",
        "venturi_mask",
        "non_rebreather",
        "cpap",
        "bipap",
        "invasive_ventilation",
    ),
    "o2_indication": ("none", "crs_hypoxia", "other_cause", "not_required", "unknown"),
    "acvpu": ("A", "C", "V", "P", "U"),
    "resp_effort": ("normal", "mild", "moderate", "severe_or_apnoea"),
    "temperature_route": ("oral", "axillary", "tympanic", "rectal", "temporal", "core"),
}
_VITALS_CODE = {name: {v: i for i, v in enumerate(table)} for name, table in VITALS_CODES.items()}
# Per place: the code of each value, or None for a field stored as its value.
_PLACE_CODES = tuple(_VITALS_CODE.get(name) for name in VITALS_PLACES)
_PLACE_TABLES = tuple(VITALS_CODES.get(name) for name in VITALS_PLACES)
# A code reads back to its value and that value encodes to the same code: no table repeats a value.
if any(len(set(table)) != len(table) for table in VITALS_CODES.values()):
    raise RuntimeError("a table of VITALS_CODES repeats a value")


def encode_vitals(record: VitalSigns) -> list[Any]:
    """`["V1", temperature, unit, hr, ...]`: each value in its place (VITALS_PLACES), the enums of
    VITALS_CODES as codes (others by value), null where absent, nothing after the last value."""
    out: list[Any] = [VITALS_FORMAT]
    for name, codes in zip(VITALS_PLACES, _PLACE_CODES, strict=True):
        value = _encode(getattr(record, name))
        out.append(
            codes.get(value, value) if codes is not None and isinstance(value, str) else value
        )
    while out[-1] is None:
        out.pop()
    return out


def vitals_fields(data: object) -> dict[str, Any] | None:
    """The fields a V1 array holds (its non-null places, codes as their values) as the object an older
    Bedside stored; None when `data` is not a V1 array of at most VITALS_PLACES places. A code that
    is not in its table is kept as the number, for validation to name."""
    if (
        type(data) is not list
        or not data
        or data[0] != VITALS_FORMAT
        or len(data) > len(VITALS_PLACES) + 1
    ):
        return None
    out = {}
    # A shorter array leaves out the places after its last value.
    for name, table, value in zip(VITALS_PLACES, _PLACE_TABLES, data[1:], strict=False):
        if value is None:
            continue
        if table is not None and type(value) is int and 0 <= value < len(table):
            value = table[value]
        out[name] = value
    return out


def _vitals_object(data: object) -> dict[str, Any]:
    fields_ = vitals_fields(data)
    if fields_ is not None:
        return fields_
    if isinstance(data, list) and data and data[0] == VITALS_FORMAT:
        allowed = f"a {VITALS_FORMAT} array of at most {len(VITALS_PLACES)} places"
        message = f"payload: {len(data) - 1} places is more than a {VITALS_FORMAT} array holds"
    else:
        head = data[0] if isinstance(data, list) and data else data
        allowed = f"a JSON object, or a {VITALS_FORMAT} array (use a newer Bedside for others)"
        message = f"payload: vitals format {head!r} is not one this Bedside reads"
    raise RecordInvalid([FieldError("payload", message, allowed)])


# --- the stored assessment ----------------------------------------------------------------------------

ASSESSMENT_FORMAT = "A1"
# Append-only code tables, like `reason_codes.WORDINGS`: a stored index never changes meaning. A flag or
# rule version not listed (a newer engine's) is stored as its text.
FLAG_CODES: tuple[str, ...] = (
    "TEMPERATURE_MISSING",
    "CRS_DOMAIN_MISSING",
    "FAHRENHEIT_CONVERTED",
    "PRE_INFUSION_FEVER_NOT_CRS",
    "FEVER_WAIVER_ACTIVE",
    "FEVER_POSSIBLY_MASKED",
    "FEVER_ATTRIBUTED_OTHER_CAUSE",
    "HYPOTENSION_ATTRIBUTED_OTHER_CAUSE",
    "NO_FEVER_NO_WAIVER_HYPOTENSION_OR_HYPOXIA_NOT_GRADED_AS_CRS",
    "CRS_WAIVER_REVIEW",
    "CRS_CRITERIA_NOT_MET_EPISODE_OPEN",
    "BP_NORMAL_ON_VASOPRESSOR_GRADED_BY_REQUIREMENT",
    "VASOPRESSIN_DOES_NOT_COUNT_TOWARD_MULTIPLE",
    "INOTROPE_NOT_COUNTED_ADJUDICATE",
    "PRESSOR_TRANSITION_OVERLAP",
    "PEDS_HYPOTENSION_THRESHOLD_APPLIED",
    "AGE_ROUNDING_POLICY",
    "HFNC_DEVICE_AT_LE_6_LPM_ADJUDICATE",
    "O2_NOT_ATTRIBUTED_TO_CRS",
    "O2_INDICATION_UNKNOWN",
    "ICANS_NOT_ASSESSABLE",
    "ICANS_LOWER_BOUND",
    "WRONG_TOOL_FOR_AGE",
    "SEDATION_CONFOUNDS_CONSCIOUSNESS",
    "TREMOR_EXCLUDED",
    "ICH_EXCLUDED_GRADE_PER_CTCAE",
    "CAPD_1_8_LITERAL_GRADE_1_BASELINE_POLICY",
    "BASELINE_BELOW_FULL_SCORE_ADJUDICATE",
    "FEBRILE_SEIZURE_ATTRIBUTION",
    "SEIZURE_ATTRIBUTED_OTHER_CAUSE",
    "SEIZURE_DURATION_AT_5_MIN_ADJUDICATE",
    "ICE_CONFUSION_MAPPING_TO_ACVPU_CLINICIAN",
    "NEURO_ASSESSMENT_OVERDUE",
    "ICANS_WITHOUT_CRS",
    "EPISODE_MAX_RETAINED",
    "DOWNGRADE_REQUIRES_ACKNOWLEDGEMENT",
    "NEWS2_NOT_APPLICABLE",
    "NEWS2_INCOMPLETE",
    "NEWS2_SINGLE_PARAMETER_3",
    "NEWS2_SBP_90_SCORES_3_BUT_NOT_HYPOTENSION",
    "PEWS_INCOMPLETE",
    "PEWS_PRINTED_BAND_CELL_APPLIED",
    "STALE_VALUES_TREATED_AS_MISSING",
)
RULE_VERSIONS: tuple[str, ...] = (
    "bedside-rules-1.0 (ASTCT 2019, NEWS2 2017, Bedside PEWS 2009)",
    "bedside-rules-1.1 (ASTCT 2019, NEWS2 2017, Bedside PEWS 2009; D19-D27)",
)
# The array's places after the format tag: (field, how it is stored).
_PLACES: tuple[tuple[str, str], ...] = (
    ("fever", "bool"),
    ("temp_c_compared", "plain"),
    ("hypotension", "bool"),
    ("on_vasopressor", "bool"),
    ("crs_grade", "plain"),
    ("crs_grade_is_lower_bound", "bool"),
    ("crs_grade_if_fever_confirmed", "plain"),
    ("crs_episode_max", "plain"),
    ("crs_episode_open", "bool"),
    ("crs_course", "plain"),
    ("icans_tool", "enum"),
    ("icans_grade", "plain"),
    ("icans_grade_is_lower_bound", "bool"),
    ("icans_episode_max", "plain"),
    ("icans_episode_open", "bool"),
    ("icans_course", "plain"),
    ("news2", "plain"),
    ("news2_any_single_parameter_3", "bool"),
    ("news2_partial", "plain"),
    ("pews", "plain"),
    ("pews_partial", "plain"),
    ("flags", "flags"),
    ("reasons", "reasons"),
    ("stale", "list"),
    ("rule_version", "rule"),
    ("policy", "plain"),
    ("source_record", "uuid"),
)
_FLAG_CODE = {text: i for i, text in enumerate(FLAG_CODES)}
_GRADE_PLACES = {
    name: place + 1
    for place, (name, _) in enumerate(_PLACES)
    if name in ("crs_grade", "icans_grade", "news2", "pews")
}
# The grades an assessment's projection row holds, in their column order, and their places in the array.
ASSESSMENT_GRADES = tuple(_GRADE_PLACES)
_pick_grades = itemgetter(*_GRADE_PLACES.values())
_RULE_CODE = {text: i for i, text in enumerate(RULE_VERSIONS)}


def encode_assessment(record: AssessmentRecord) -> list[Any]:
    """`["A1", ...]`: booleans as 0/1, flags and rule version as codes, reasons as codes."""
    out: list[Any] = [ASSESSMENT_FORMAT]
    for name, how in _PLACES:
        value = getattr(record, name)
        if how == "bool":
            out.append(None if value is None else int(value))
        elif how == "enum":
            out.append(None if value is None else value.value)
        elif how == "flags":
            out.append([_FLAG_CODE.get(str(f), str(f)) for f in value])
        elif how == "reasons":
            out.append([encode_reason(r) for r in value])
        elif how == "list":
            out.append(list(value))
        elif how == "rule":
            out.append(_RULE_CODE.get(value, value))
        elif how == "uuid":
            out.append(None if value is None else _b64_uuid(value))
        else:
            out.append(value)
    return out


def decode_assessment(data: object) -> AssessmentRecord:
    """An assessment from its compact array, or from the object an older Bedside stored."""
    if isinstance(data, dict):
        return _legacy_assessment(data.get("payload", data))
    if not isinstance(data, list) or not data or data[0] != ASSESSMENT_FORMAT:
        head = data[0] if isinstance(data, list) and data else data
        raise RecordInvalid(
            [
                FieldError(
                    "payload",
                    f"payload: assessment format {head!r} is not one this Bedside reads",
                    f"{ASSESSMENT_FORMAT} (use a newer Bedside)",
                )
            ]
        )
    try:
        return AssessmentRecord(**_compact_values(data[1:]))
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as error:
        # A damaged or foreign array never reaches the ward as an assessment (BATTERY R3).
        raise RecordInvalid(
            [
                FieldError(
                    "payload",
                    f"payload: the stored assessment cannot be read ({error})",
                    f"an {ASSESSMENT_FORMAT} array of {len(_PLACES)} places",
                )
            ]
        ) from error


def _compact_values(data: list[Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for (name, how), value in zip(_PLACES, data, strict=True):
        if how == "bool":
            values[name] = None if value is None else bool(value)
        elif how == "enum":
            values[name] = None if value is None else EncephalopathyTool(value)
        elif how == "flags":
            values[name] = tuple(_flag(FLAG_CODES[f] if isinstance(f, int) else f) for f in value)
        elif how == "reasons":
            values[name] = tuple(decode_reason(r) for r in value)
        elif how == "list":
            values[name] = tuple(value)
        elif how == "rule":
            values[name] = RULE_VERSIONS[value] if isinstance(value, int) else value
        elif how == "uuid":
            values[name] = None if value is None else _uuid_b64(value)
        else:
            values[name] = value
    return values


def _legacy_assessment(p: dict[str, Any]) -> AssessmentRecord:
    """The object form of Bedside before the compact array (the contract plus the ward's keys)."""
    hypotension = p.get("hypotension")
    on_vasopressor = isinstance(hypotension, str)
    tool = p.get("icans_tool")
    crs_open = bool(p.get("crs_episode_open"))
    icans_open = bool(p.get("icans_episode_open"))
    reasons = tuple(
        Reason(
            Domain(str(d["domain"])),
            str(d["criterion"]),
            d["points"] if isinstance(d.get("points"), int) else None,
            str(d["text"]),
        )
        for d in p.get("reason_details", [])
    )
    # Rule version 1.0 kept no course: the episode's own grade counts while it is open (D20).
    crs_course = (
        p["crs_course"] if "crs_course" in p else (p.get("crs_grade") if crs_open else None)
    )
    icans_course = (
        p["icans_course"] if "icans_course" in p else (p.get("icans_grade") if icans_open else None)
    )
    return AssessmentRecord(
        fever=p.get("fever"),
        temp_c_compared=p.get("temp_c_compared"),
        hypotension=None if on_vasopressor else hypotension,
        on_vasopressor=on_vasopressor,
        crs_grade=_whole(p.get("crs_grade")),
        crs_grade_is_lower_bound=bool(p.get("crs_grade_is_lower_bound")),
        crs_grade_if_fever_confirmed=p.get("crs_grade_if_fever_confirmed"),
        crs_episode_max=p.get("crs_episode_max"),
        crs_episode_open=crs_open,
        crs_course=crs_course,
        icans_tool=EncephalopathyTool(tool) if tool else None,
        icans_grade=_whole(p.get("icans_grade")),
        icans_grade_is_lower_bound=bool(p.get("icans_grade_is_lower_bound")),
        icans_episode_max=p.get("icans_episode_max"),
        icans_episode_open=icans_open,
        icans_course=icans_course,
        news2=_whole(p.get("news2")),
        news2_any_single_parameter_3=p.get("news2_any_single_parameter_3"),
        news2_partial=p.get("news2_partial_excluding_missing"),
        pews=_whole(p.get("bedside_pews", p.get("pews"))),
        pews_partial=p.get("bedside_pews_partial_excluding_missing"),
        flags=tuple(_flag(str(f)) for f in p.get("flags", [])),
        reasons=reasons,
        stale=tuple(p.get("stale", [])),
        rule_version=str(p.get("rule_version", "")),
        policy=str(p.get("policy", "")),
        source_record=p.get("source_record"),
    )


def _flag(text: str) -> Flag | str:
    try:
        return Flag(text)
    except ValueError:
        return text  # a newer engine's flag: kept as its code


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _b64_uuid(text: str) -> str:
    return base64.urlsafe_b64encode(uuid.UUID(text).bytes).decode().rstrip("=")


def _uuid_b64(text: str) -> str:
    return str(uuid.UUID(bytes=base64.urlsafe_b64decode(text + "==")))


# --- the received record, checked in one pass ---------------------------------------------------------
# A record received from another machine is refused when `from_payload(kind, data, check=False)` fails,
# when `canonical_json(stored_form(record, data))` is not the text it came as, or when `validate_record` finds
# anything. For the kinds whose fields are numbers, text, booleans and plain enums, and whose record
# changes nothing it is given (no `__post_init__` of its own), `received_record` decides "all of these
# pass" in one pass over the payload: each value checked by a check compiled once per field, the record
# built without the general decoder, its own `check()` run, and the canonical form compared as the
# parsed payload re-serialised (which is `stored_form(record, data)` exactly when every value is kept as it
# came, no value of an object is None, every field `to_payload` always writes is there, and a V1 array ends
# at its last value). On any doubt it gives None and
# the caller takes the full path, which words every refusal (tests/bedside/test_receive_fast.py).


class _Plan:
    """One kind's compiled checks: per field, its spec and either its enum members by value or the
    check of its value; the fields that must be present; the value of each absent field."""

    __slots__ = (
        "absent",
        "checks",
        "cls",
        "defaults",
        "dependent",
        "fields",
        "known",
        "needed",
        "order",
    )

    def __init__(self, cls: type[Record]) -> None:
        declared = {f.name: f for f in fields(cls)}
        self.cls = cls
        self.fields: dict[str, tuple[FieldSpec, dict[object, Enum] | None, Callable[[Any], bool]]]
        self.fields = {}
        needed = set()
        self.absent: dict[str, object] = {}
        for spec in specs_of(cls):
            if issubclass(spec.base, Enum):
                self.fields[spec.name] = (spec, {m.value: m for m in spec.base}, _never)
            else:
                self.fields[spec.name] = (spec, None, value_check(spec))
            default = declared[spec.name].default
            if default is None and spec.optional:
                self.absent[spec.name] = None  # left out of the payload; None passes check_field
            else:
                needed.add(spec.name)  # required, or written by `to_payload` even at its default
        self.needed = frozenset(needed)
        # What `received_record` reads per field: an enum's members by value, each with the JSON type
        # of its value (a member is taken only for a value of that type), or the value's check.
        self.checks: dict[str, tuple[dict[object, tuple[Enum, type]] | None, Callable[[Any], bool]]]
        self.checks = {
            name: (
                None if members is None else {v: (m, type(m.value)) for v, m in members.items()},
                check,
            )
            for name, (_, members, check) in self.fields.items()
        }
        self.known = frozenset(self.checks)
        # The fields in order, each with its members or check and whether its range depends on
        # another field (checked on the built record, below).
        self.order = tuple(
            (name, members, check, name in cls.DEPENDENT)
            for name, (members, check) in self.checks.items()
        )
        # Only a field that may be left out is None when it is: `received_record` relies on it.
        assert all(value is None for value in self.absent.values())
        assert set(self.absent) | self.needed == set(self.checks)
        self.defaults = {f.name: f.default for f in declared.values() if f.default is not MISSING}
        # A range that depends on another field (`_spec_for`) is checked on the built record.
        self.dependent = tuple(s for s in specs_of(cls) if s.name in cls.DEPENDENT)


def _never(value: object) -> bool:
    return False


_LEFT_OUT = object()


def value_check(spec: FieldSpec) -> Callable[[Any], bool]:
    """`_value_check(spec)`, compiled once per spec."""
    # By identity first: a spec's hash is computed over its fields, each time (a range that depends
    # on another field is looked up for every received record). The entry holds the spec itself, so
    # its id is never another spec's.
    known = _BY_IDENTITY.get(id(spec))
    if known is not None and known[0] is spec:
        return known[1]
    check = _CHECKS.get(spec)
    if check is None:
        check = _CHECKS[spec] = _value_check(spec)
    if len(_BY_IDENTITY) < 1024:
        _BY_IDENTITY[id(spec)] = (spec, check)
    return check


_CHECKS: dict[FieldSpec, Callable[[Any], bool]] = {}
_BY_IDENTITY: dict[int, tuple[FieldSpec, Callable[[Any], bool]]] = {}


def _value_check(spec: FieldSpec) -> Callable[[Any], bool]:
    """A check of one JSON value against `spec` (never None): True only where `check_field(spec, v)`
    finds nothing. Types are matched exactly, as JSON decodes them."""
    base, rule = spec.base, spec.constraint
    if base is bool:
        return lambda v: type(v) is bool
    if base is int or base is float:
        lo, hi = (
            (float(rule.lo), float(rule.hi)) if isinstance(rule, Num) else (-math.inf, math.inf)
        )
        lo_open = isinstance(rule, Num) and rule.lo_open
        if base is int:
            if lo_open:
                return lambda v: type(v) is int and lo < v <= hi
            return lambda v: type(v) is int and lo <= v <= hi
        if lo_open:
            return lambda v: (
                (type(v) is int or (type(v) is float and math.isfinite(v))) and (lo < v <= hi)
            )
        return lambda v: (
            (type(v) is int or (type(v) is float and math.isfinite(v))) and (lo <= v <= hi)
        )
    if base is str and isinstance(rule, Text):
        return lambda v: type(v) is str and _text_problem(v, rule) is None
    return _never


def _fast_plans() -> dict[str, _Plan]:
    plans = {}
    for kind, cls in RECORD_TYPES.items():
        if cls is AssessmentRecord or cls.__post_init__ is not Record.__post_init__:
            continue
        if any(f.default_factory is not MISSING for f in fields(cls)):
            continue
        if all(
            s.base in (str, int, float, bool)
            or (issubclass(s.base, Enum) and s.base is not Priority)
            for s in specs_of(cls)
        ):
            plans[kind] = _Plan(cls)
    return plans


def received_record(
    kind: str, data: object, text: object, *, canonical: bool = True
) -> Record | None:
    """The record `from_payload(kind, data, check=False)` builds from a received payload (`data`, parsed
    from `text`), when it is certain that every field passes `check_field`, the record's `check()` finds
    nothing and `text` is `canonical_json(stored_form(record, data))`; None on any doubt (use the full
    path). `canonical=False`: the caller compares `canonical_json(data)` with `text` itself (for a
    whole batch at once); the record is then that one only if they are equal."""
    plan = _FAST.get(kind)
    if plan is None or type(text) is not str:
        return None
    if type(data) is list:
        # A vitals set's V1 array, read place by place (`_V1Plan`); no other kind is a list here.
        v1 = _V1 if kind == VitalSigns.KIND else None
        record = v1.record(data) if v1 is not None else None
        return None if record is None else _canonical(record, data, text, canonical)
    if type(data) is not dict:
        return None
    keys = data.keys()
    if not plan.needed <= keys or not keys <= plan.known:
        return None  # a field missing, or an unknown one
    record = object.__new__(plan.cls)
    put = object.__setattr__
    get = data.get
    # Every field in turn: one left out of the payload is None (only those may be: `needed`).
    for name, members, check, dependent in plan.order:
        value = get(name, _LEFT_OUT)
        if value is _LEFT_OUT:
            put(record, name, None)
            continue
        if members is not None:
            kind_of = type(value)
            found = members.get(value) if kind_of is str or kind_of is int else None
            if found is None or found[1] is not kind_of:
                # An unknown value (or one of another JSON type): the full path words it.
                return None
            value = found[0]
        elif not check(value) and not dependent:
            return None
        put(record, name, value)
    for spec in plan.dependent:
        if spec.name in data and not value_check(record._spec_for(spec))(data[spec.name]):
            return None
    if record.check():
        return None
    # An object's values are kept as they came: the object is `stored_form(record, data)`.
    return _canonical(record, data, text, canonical)


def _canonical(record: Record, data: object, text: str, canonical: bool) -> Record | None:
    """`record` if `text` is `canonical_json(data)`, where `data` is `stored_form(record, data)`;
    `canonical=False`: the caller compares them (for a whole batch at once)."""
    if not canonical:
        return record
    try:
        if canonical_json(data) != text:
            return None
    except (TypeError, ValueError):
        return None
    return record


class _V1Plan:
    """`received_record` of a vitals set's V1 array, place by place: each place null (an absent
    value), or a code in its table (VITALS_CODES), or a value that passes its check (a number; an
    enum stored by its value, such as `spo2_scale`, of that value's JSON type). Such an array is
    `encode_vitals` of the record built from it: a code reads back to its member, which encodes to
    the same code (no table repeats a value); a value is kept in the record as it came and written
    back as it is; the array ends at its last value. Anything else gives None, the full path
    deciding: a code written as its value's text (which `encode_vitals` would turn into the code),
    a boolean, a float or a number outside the table where a code belongs, a trailing null, a place
    too many."""

    __slots__ = ("cls", "dependent", "nulls", "places", "size")

    def __init__(self, plan: _Plan) -> None:
        if plan.needed or set(VITALS_PLACES) != set(plan.checks):
            raise ValueError("the V1 places are not the vitals set's fields, all optional")
        self.cls = plan.cls
        self.dependent = plan.dependent
        self.size = len(VITALS_PLACES) + 1
        places = []
        for name, table in zip(VITALS_PLACES, _PLACE_TABLES, strict=True):
            members, check = plan.checks[name]
            coded = None
            if table is not None:
                assert members is not None  # a coded place is an enum's
                # A table's value a member lacks (a newer Bedside's) is refused: None.
                coded = tuple(members[v][0] if v in members else None for v in table)
            dependent = name in plan.cls.DEPENDENT
            places.append((name, coded, None if coded is not None else members, check, dependent))
        self.places = tuple(places)
        self.nulls = [None] * len(VITALS_PLACES)  # the places a shorter array leaves out

    def record(self, data: list[Any]) -> Record | None:
        size = len(data)
        if size < 2 or size > self.size or data[0] != VITALS_FORMAT or data[-1] is None:
            return None
        record = object.__new__(self.cls)
        put = object.__setattr__
        # Each place with its value (None for one the array leaves out), the tag skipped.
        values = data[1:] + self.nulls[size - 1 :] if size < self.size else data[1:]
        for (name, coded, members, check, dependent), value in zip(
            self.places, values, strict=True
        ):
            if value is None:
                put(record, name, None)
                continue
            if coded is not None:
                if type(value) is not int or not 0 <= value < len(coded):
                    return None
                value = coded[value]
                if value is None:
                    return None
            elif members is not None:
                kind_of = type(value)
                found = members.get(value) if kind_of is str or kind_of is int else None
                if found is None or found[1] is not kind_of:
                    return None
                value = found[0]
            elif not check(value) and not dependent:
                return None
            put(record, name, value)
        for spec in self.dependent:
            value = getattr(record, spec.name)
            if value is not None and not value_check(record._spec_for(spec))(value):
                return None
        if record.check():
            return None
        return record


def one_pass_kinds() -> frozenset[str]:
    """The kinds `received_record` may check in one pass."""
    return frozenset(_FAST)


_PLAIN_KINDS = _plain_kinds()
_FAST = _fast_plans()
_V1 = _V1Plan(_FAST[VitalSigns.KIND]) if VitalSigns.KIND in _FAST else None
