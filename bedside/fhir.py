"""A patient's chart as FHIR R4 resources in one Bundle (DESIGN section 9); pure: records in, JSON out.

What becomes what:
- the admission: a `Patient`, identified by its patient id (MRN);
- each vitals set: `Observation`s on the base vital-signs profile, LOINC-coded with UCUM units
  (temperature, heart rate, respiratory rate, blood pressure with its two components, SpO2 with the
  inhaled oxygen flow and concentration as components, and the oxygen flow on its own), and the
  ACVPU, capillary refill and respiratory effort the scores read, in our own code system;
- each neuro check: a `QuestionnaireResponse` of our ICE or CAPD questionnaire (item points, total,
  the other ICANS findings); CAPD items by our codes and short labels only (SPEC D16);
- each stored assessment: `Observation`s of the CRS and ICANS grade, NEWS2 and PEWS in our code system,
  `derivedFrom` the vitals and the neuro check in force at the time point (D17's freshness windows).

Identity: every resource is named by a UUID derived from the record it comes from (the first version of
a corrected record, so that a correction updates the same resource), and a transaction Bundle updates
it conditionally on that identifier: posting a re-export updates, never duplicates.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum, StrEnum
from functools import lru_cache
from typing import Any

from bedside.clinical.assessment import Domain, Flag
from bedside.clinical.calendar import age_years
from bedside.clinical.capd import CAPD_ITEMS
from bedside.clinical.ice import ICE_ITEMS
from bedside.clinical.norms import PEWS_MAX_AGE_YEARS
from bedside.clinical.policy import SitePolicy
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
)
from bedside.records import (
    Admission,
    AssessmentRecord,
    EpisodeClosure,
    NeuroCheck,
    Syndrome,
    TempUnit,
    VitalSigns,
)
from bedside.store.log import StoredRecord


class BundleType(StrEnum):
    TRANSACTION = "transaction"  # conditional updates, to post to a FHIR server
    COLLECTION = "collection"  # a plain file


# The kinds of record an export reads.
EXPORTED_KINDS = ("vitals", "neuro_check", "assessment", "episode_closure")

# Our canonical URLs: the code system and the questionnaires published in resources/fhir/.
CODE_SYSTEM = "urn:bedside:fhir:codesystem"
QUESTIONNAIRE = {
    EncephalopathyTool.ICE: "urn:bedside:fhir:questionnaire:ice",
    EncephalopathyTool.CAPD: "urn:bedside:fhir:questionnaire:capd",
}
CODE_SYSTEM_VERSION = "1.0.0"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
URI_SYSTEM = "urn:ietf:rfc:3986"  # identifiers that are URIs (here urn:uuid:...)
VITAL_SIGNS_PROFILE = "http://hl7.org/fhir/StructureDefinition/vitalsigns"
_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
_V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
# Every resource UUID is derived from this namespace and what the resource stands for; never change it.
NAMESPACE = uuid.UUID("4f0c4413-cf72-46c5-b622-beac0cbf94d5")


# --- our code system -----------------------------------------------------------------------------------

_SCORE_CONCEPTS = {
    "crs-grade": "CRS grade (ASTCT 2019 consensus)",
    "icans-grade": "ICANS grade (ASTCT 2019 consensus)",
    "news2": "NEWS2 total score (RCP 2017)",
    "pews": "Bedside PEWS total score (Parshuram 2009)",
    "grade-is-lower-bound": "grade is a lower bound (some inputs missing)",
    "episode-maximum": "episode maximum grade",
    "partial-sum": "partial sum over the parameters recorded (score incomplete)",
    "any-single-parameter-3": "any single NEWS2 parameter scoring 3",
    "encephalopathy-tool": "encephalopathy tool used (ICE or CAPD)",
    "o2-device": "oxygen delivery device",
    "o2-indication": "indication for oxygen",
    "spo2-scale": "NEWS2 SpO2 scale (1 or 2)",
    "acvpu": "level of consciousness (ACVPU)",
    "capillary-refill-time": "capillary refill time",
    "respiratory-effort": "respiratory effort",
}
# The value sets coded as "<group>.<value>", e.g. "o2-device.room_air".
_VALUE_GROUPS: dict[str, type[Enum]] = {
    "o2-device": O2Device,
    "o2-indication": O2Indication,
    "acvpu": Acvpu,
    "respiratory-effort": RespEffort,
    "encephalopathy-tool": EncephalopathyTool,
    "consciousness": Consciousness,
    "seizure": Seizure,
    "motor": MotorFinding,
    "cerebral-edema": CerebralEdema,
    "ice-not-assessable": IceNotAssessable,
    "capd-not-assessable": CapdNotAssessable,
}
_GROUP_DISPLAY = {
    "consciousness": "level of consciousness (ICANS)",
    "seizure": "seizure",
    "motor": "motor finding",
    "cerebral-edema": "raised intracranial pressure / cerebral oedema",
    "ice-not-assessable": "why ICE was not scored",
    "capd-not-assessable": "why CAPD was not scored",
}


def _words(member: Enum) -> str:
    return member.name.lower().replace("_", " ")


def value_code(group: str, member: Enum) -> str:
    return f"{group}.{member.value}"


def code_system() -> dict[str, Any]:
    """The CodeSystem resource of every local code the export uses (published as
    resources/fhir/CodeSystem-bedside.json; a test keeps the file and this in step)."""
    concepts: list[dict[str, Any]] = [
        {"code": code, "display": display} for code, display in _SCORE_CONCEPTS.items()
    ]
    for group, enum in _VALUE_GROUPS.items():
        members = [{"code": value_code(group, m), "display": _words(m)} for m in enum]
        if group in _SCORE_CONCEPTS:
            for concept in concepts:
                if concept["code"] == group:
                    concept["concept"] = members
        else:
            concepts.append({"code": group, "display": _GROUP_DISPLAY[group], "concept": members})
    return {
        "resourceType": "CodeSystem",
        "id": "bedside",
        "url": CODE_SYSTEM,
        "version": CODE_SYSTEM_VERSION,
        "name": "BedsideCodes",
        "title": "Bedside local codes: CAR-T toxicity grades, early-warning scores and their inputs",
        "status": "active",
        "experimental": False,
        "publisher": "Bedside",
        "description": "Codes for the CRS and ICANS grades (ASTCT 2019), NEWS2, Bedside PEWS and the "
        "findings they read, as exported by `bedside export fhir`. Grades are 0-4, scores are the "
        "published totals; a grade that cannot be determined is exported with a dataAbsentReason.",
        "caseSensitive": True,
        "hierarchyMeaning": "grouped-by",
        "content": "complete",
        "concept": concepts,
    }


# --- the questionnaires ------------------------------------------------------------------------------

_ICE_LABELS = {
    "orientation": "orientation",
    "naming": "naming",
    "commands": "following commands",
    "writing": "writing",
    "attention": "attention",
}
# D16: CAPD items by our own codes (the record's field names) and short labels, never the item wording.
_CAPD_FIELDS = (
    "capd_eye_contact",
    "capd_purposeful",
    "capd_aware",
    "capd_communicates",
    "capd_restless",
    "capd_inconsolable",
    "capd_underactive",
    "capd_slow_response",
)
_CAPD_LABELS = {f: item.replace("_", " ") for f, item in zip(_CAPD_FIELDS, CAPD_ITEMS, strict=True)}
_FINDINGS = (
    ("consciousness", "consciousness"),
    ("seizure", "seizure"),
    ("motor", "motor"),
    ("cerebral_edema", "cerebral-edema"),
)


def _link(field_name: str) -> str:
    return field_name.replace("_", "-")


def _items(tool: EncephalopathyTool) -> list[tuple[str, str, int]]:
    """(record field, short label, maximum points) of each scored item of the tool."""
    if tool is EncephalopathyTool.ICE:
        return [(f"ice_{k}", _ICE_LABELS[k], top) for k, top in ICE_ITEMS.items()]
    return [(f, _CAPD_LABELS[f], 4) for f in _CAPD_FIELDS]


def questionnaire(tool: EncephalopathyTool) -> dict[str, Any]:
    """Our Questionnaire of a neuro check with this tool (resources/fhir/Questionnaire-*.json)."""
    name = tool.value.lower()
    reason = f"{name}-not-assessable"
    scored = [
        {"linkId": _link(f), "text": label, "type": "integer", "required": False}
        for f, label, _ in _items(tool)
    ]
    top = sum(t for _, _, t in _items(tool))
    findings = [
        {
            "linkId": _link(f),
            "text": _GROUP_DISPLAY.get(group, group),
            "type": "choice",
            "answerOption": [{"valueCoding": _coding(group, m)} for m in _VALUE_GROUPS[group]],
        }
        for f, group in _FINDINGS
    ]
    findings += [
        {"linkId": "seizure-duration", "text": "seizure duration", "type": "quantity"},
        {
            "linkId": "intracranial-hemorrhage",
            "text": "intracranial haemorrhage",
            "type": "boolean",
        },
        {
            "linkId": "sedation-confounds-consciousness",
            "text": "depressed consciousness attributable to sedation",
            "type": "boolean",
        },
    ]
    return {
        "resourceType": "Questionnaire",
        "id": f"bedside-{name}",
        "url": QUESTIONNAIRE[tool],
        "version": CODE_SYSTEM_VERSION,
        "name": f"Bedside{tool.value}",
        "title": f"Bedside neuro check with {tool.value}",
        "status": "active",
        "subjectType": ["Patient"],
        "description": (
            "ICE (10 points, SPEC 6) and the other ICANS findings."
            if tool is EncephalopathyTool.ICE
            else "CAPD item points (0-4 each, total 0-32, SPEC 7) by short labels only, and the other "
            "ICANS findings. The item wording is not reproduced (SPEC D16)."
        ),
        "item": [
            {
                "linkId": name,
                "text": f"{tool.value} items (points)",
                "type": "group",
                "item": [
                    *scored,
                    {
                        "linkId": f"{name}-total",
                        "text": f"{tool.value} total (0-{top})",
                        "type": "integer",
                        "readOnly": True,
                    },
                    {
                        "linkId": reason,
                        "text": _GROUP_DISPLAY[reason],
                        "type": "choice",
                        "answerOption": [
                            {"valueCoding": _coding(reason, m)} for m in _VALUE_GROUPS[reason]
                        ],
                    },
                ],
            },
            {
                "linkId": "findings",
                "text": "other ICANS findings",
                "type": "group",
                "item": findings,
            },
        ],
    }


def published_resources() -> dict[str, dict[str, Any]]:
    """The files of resources/fhir/, by name."""
    return {
        "CodeSystem-bedside.json": code_system(),
        "Questionnaire-bedside-ice.json": questionnaire(EncephalopathyTool.ICE),
        "Questionnaire-bedside-capd.json": questionnaire(EncephalopathyTool.CAPD),
    }


# --- building blocks ---------------------------------------------------------------------------------


def _coding(group: str, member: Enum) -> dict[str, Any]:
    return {"system": CODE_SYSTEM, "code": value_code(group, member), "display": _words(member)}


def _local(code: str) -> dict[str, Any]:
    return {"coding": [{"system": CODE_SYSTEM, "code": code, "display": _SCORE_CONCEPTS[code]}]}


def _loinc(*codes: tuple[str, str]) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": c, "display": d} for c, d in codes]}


def _quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def _absent(code: str, text: str) -> dict[str, Any]:
    return {"coding": [{"system": _ABSENT, "code": code}], "text": text}


NOT_RECORDED = "unknown"  # the data-absent-reason of a value the record does not hold


def _instant(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _entered(stamp: str) -> datetime:
    """The wall-clock part of a hybrid logical clock stamp (`<UTC time>/<counter>/<device>`)."""
    return datetime.fromisoformat(stamp.split("/", 1)[0])


@lru_cache(maxsize=65536)
def resource_uuid(key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, key))


def patient_key(patient_id: str) -> str:
    return f"patient/{patient_id}"


@dataclass(frozen=True, slots=True)
class Target:
    """A resource another may point at: its type and its stable identifier value (`urn:uuid:...`)."""

    resource_type: str
    key: str

    @property
    def urn(self) -> str:
        return f"urn:uuid:{resource_uuid(self.key)}"

    @property
    def identifier(self) -> dict[str, str]:
        return {"system": URI_SYSTEM, "value": self.urn}

    @property
    def conditional_url(self) -> str:
        """The search that finds it on a server: `Observation?identifier=system|value`."""
        return f"{self.resource_type}?identifier={URI_SYSTEM}|{self.urn}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One resource of the Bundle, with what the `--since` filter reads."""

    target: Target
    resource: dict[str, Any]
    observed_at: datetime
    changed_at: datetime  # the newest time of entry of any version it was built from


@dataclass(frozen=True, slots=True)
class Chain:
    """Every version of one charted record, oldest first; `current` is what the chart shows now."""

    versions: tuple[StoredRecord, ...]

    @property
    def root(self) -> StoredRecord:
        return self.versions[0]

    @property
    def current(self) -> StoredRecord:
        return self.versions[-1]

    @property
    def corrected(self) -> bool:
        return len(self.versions) > 1

    @property
    def changed_at(self) -> datetime:
        return max(_entered(v.entered_at) for v in self.versions)


def chains(records: Iterable[StoredRecord]) -> list[Chain]:
    """Group versions by the record they correct. Of two corrections of one version (made on two
    machines offline, both kept), the later entered is current."""
    by_id = {r.id: r for r in records}
    groups: dict[str, list[StoredRecord]] = {}
    for r in by_id.values():
        root = r
        while root.supersedes is not None and root.supersedes in by_id:
            root = by_id[root.supersedes]
        groups.setdefault(root.id, []).append(r)
    return [
        Chain(tuple(sorted(group, key=lambda r: r.entered_at)))
        for group in sorted(groups.values(), key=lambda g: min(r.entered_at for r in g))
    ]


# --- vitals -------------------------------------------------------------------------------------------

# Each part of a vitals set that becomes its own Observation: (part, profile?, category).
VITAL_PARTS = (
    "temperature",
    "heart-rate",
    "respiratory-rate",
    "blood-pressure",
    "oxygen-saturation",
    "inhaled-oxygen-flow",
    "acvpu",
    "capillary-refill-time",
    "respiratory-effort",
)
_ON_VITAL_SIGNS_PROFILE = frozenset(VITAL_PARTS[:6])


def _on_oxygen(v: VitalSigns) -> bool:
    return v.o2_device is not None and v.o2_device is not O2Device.ROOM_AIR


def vital_part(v: VitalSigns, part: str) -> dict[str, Any] | None:
    """The code and value (or components) of one part of a vitals set; None if it was not charted."""
    if part == "temperature" and v.temperature is not None:
        temp_c = v.temp_c()
        assert temp_c is not None
        body: dict[str, Any] = {
            "code": _loinc(("8310-5", "Body temperature")),
            "valueQuantity": _quantity(temp_c, "°C", "Cel"),
        }
        if v.temperature_unit is TempUnit.F:
            # D8: charted in °F, converted and rounded half-up to 0.1 °C as the rules compare it.
            body["note"] = [{"text": f"charted as {v.temperature:g} °F"}]
        if v.temperature_route is not None:
            body["method"] = {"text": v.temperature_route.value}
        return body
    if part == "heart-rate" and v.hr is not None:
        return {
            "code": _loinc(("8867-4", "Heart rate")),
            "valueQuantity": _quantity(v.hr, "beats/minute", "/min"),
        }
    if part == "respiratory-rate" and v.rr is not None:
        return {
            "code": _loinc(("9279-1", "Respiratory rate")),
            "valueQuantity": _quantity(v.rr, "breaths/minute", "/min"),
        }
    if part == "blood-pressure" and (v.sbp is not None or v.dbp is not None):
        return {
            "code": _loinc(("85354-9", "Blood pressure panel with all children optional")),
            "component": [
                _component(_loinc(("8480-6", "Systolic blood pressure")), v.sbp, "mmHg", "mm[Hg]"),
                _component(_loinc(("8462-4", "Diastolic blood pressure")), v.dbp, "mmHg", "mm[Hg]"),
            ],
        }
    if part == "oxygen-saturation" and (v.spo2 is not None or v.o2_device is not None):
        return _oxygen_saturation(v)
    if part == "inhaled-oxygen-flow" and v.o2_flow_l_min is not None:
        return {
            "code": _loinc(("3151-8", "Inhaled oxygen flow rate")),
            "valueQuantity": _quantity(v.o2_flow_l_min, "L/min", "L/min"),
        }
    if part == "acvpu" and v.acvpu is not None:
        return {"code": _local("acvpu"), "valueCodeableConcept": _concept("acvpu", v.acvpu)}
    if part == "capillary-refill-time" and v.crt_s is not None:
        return {
            "code": _local("capillary-refill-time"),
            "valueQuantity": _quantity(v.crt_s, "s", "s"),
        }
    if part == "respiratory-effort" and v.resp_effort is not None:
        return {
            "code": _local("respiratory-effort"),
            "valueCodeableConcept": _concept("respiratory-effort", v.resp_effort),
        }
    return None


def _concept(group: str, member: Enum) -> dict[str, Any]:
    return {"coding": [_coding(group, member)], "text": _words(member)}


def _component(code: dict[str, Any], value: float | None, unit: str, ucum: str) -> dict[str, Any]:
    if value is None:
        return {"code": code, "dataAbsentReason": _absent(NOT_RECORDED, "not recorded")}
    return {"code": code, "valueQuantity": _quantity(value, unit, ucum)}


def _oxygen_saturation(v: VitalSigns) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": _loinc(
            ("2708-6", "Oxygen saturation in Arterial blood"),
            ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
        )
    }
    if v.spo2 is not None:
        body["valueQuantity"] = _quantity(v.spo2, "%", "%")
    else:  # the oxygen was charted without a saturation: the saturation is missing, not normal
        body["dataAbsentReason"] = _absent(NOT_RECORDED, "SpO2 not recorded with this oxygen")
    components = []
    if _on_oxygen(v):
        components += [
            _component(
                _loinc(("3151-8", "Inhaled oxygen flow rate")), v.o2_flow_l_min, "L/min", "L/min"
            ),
            _component(
                _loinc(("3150-0", "Inhaled oxygen concentration")),
                None if v.fio2 is None else round(v.fio2 * 100, 1),
                "%",
                "%",
            ),
        ]
    if v.o2_device is not None:
        components.append(
            {
                "code": _local("o2-device"),
                "valueCodeableConcept": _concept("o2-device", v.o2_device),
            }
        )
    if v.o2_indication is not None:
        components.append(
            {
                "code": _local("o2-indication"),
                "valueCodeableConcept": _concept("o2-indication", v.o2_indication),
            }
        )
    if v.spo2_scale is not None:
        components.append({"code": _local("spo2-scale"), "valueInteger": int(v.spo2_scale)})
    if components:
        body["component"] = components
    return body


# --- the export ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatientChart:
    """What the export reads of one patient: the current admission and every version of the records
    of EXPORTED_KINDS."""

    admission: StoredRecord
    records: Sequence[StoredRecord]


@dataclass(frozen=True, slots=True)
class BuiltBundle:
    bundle: dict[str, Any]
    resources: Mapping[str, int]  # per patient id: the resources of the patient in the bundle


@dataclass
class _Builder:
    patient_id: str
    admission: Admission
    policy: SitePolicy
    entries: list[Entry] = field(default_factory=list)


def build_bundle(
    charts: Sequence[PatientChart],
    *,
    bundle_type: BundleType,
    exported_at: datetime,
    policy: SitePolicy,
    since: datetime | None = None,
) -> BuiltBundle:
    """The Bundle of these patients' charts. With `since`, a resource is included when its record
    was observed at or after it, or any version of it was entered at or after it (a late entry or a
    correction of an older record is included); each patient's `Patient` always is."""
    per_patient: list[list[Entry]] = []
    for chart in charts:
        entries = _patient_entries(chart, policy)
        if since is not None:
            entries = [entries[0]] + [
                e for e in entries[1:] if e.observed_at >= since or e.changed_at >= since
            ]
        per_patient.append(entries)
    included = {e.target.key for entries in per_patient for e in entries}
    transaction = bundle_type is BundleType.TRANSACTION
    bundle_entries = []
    for entries in per_patient:
        for entry in entries:
            resource = _resolve(entry.resource, included, transaction)
            item: dict[str, Any] = {"fullUrl": entry.target.urn}
            if transaction:
                item["resource"] = resource
                item["request"] = {"method": "PUT", "url": entry.target.conditional_url}
            else:
                item["resource"] = {
                    "resourceType": resource["resourceType"],
                    "id": resource_uuid(entry.target.key),
                } | {k: v for k, v in resource.items() if k != "resourceType"}
            bundle_entries.append(item)
    bundle = {
        "resourceType": "Bundle",
        "type": bundle_type.value,
        "timestamp": _instant(exported_at),
        "entry": bundle_entries,
    }
    counts = {
        chart.admission.patient_id: len(e) for chart, e in zip(charts, per_patient, strict=True)
    }
    return BuiltBundle(bundle, counts)


def _resolve(resource: dict[str, Any], included: set[str], transaction: bool) -> dict[str, Any]:
    """References are written as Target objects while building; here each becomes the fullUrl of an
    entry of this Bundle, or, for a resource exported earlier, a conditional reference (transaction:
    the server resolves `Observation?identifier=...`) or a logical one (collection: the identifier)."""

    def ref(value: Any) -> Any:
        if isinstance(value, Target):
            if value.key in included:
                return {"reference": value.urn, "type": value.resource_type}
            out: dict[str, Any] = {"type": value.resource_type, "identifier": value.identifier}
            if transaction:
                out["reference"] = value.conditional_url
            return out
        if isinstance(value, dict):
            return {k: ref(v) for k, v in value.items()}
        if isinstance(value, list):
            return [ref(v) for v in value]
        return value

    resolved: dict[str, Any] = ref(resource)
    return resolved


def _patient_entries(chart: PatientChart, policy: SitePolicy) -> list[Entry]:
    stored = chart.admission
    admission = stored.record
    assert isinstance(admission, Admission)
    b = _Builder(stored.patient_id, admission, policy)
    b.entries.append(_patient(stored, admission))
    all_chains = chains(chart.records)
    vitals = [c for c in all_chains if isinstance(c.current.record, VitalSigns)]
    neuro = [c for c in all_chains if isinstance(c.current.record, NeuroCheck)]
    closures = [
        c.current
        for c in all_chains
        if isinstance(c.current.record, EpisodeClosure)
        and c.current.record.syndrome is Syndrome.ICANS
    ]
    for chain in vitals:
        b.entries += _vital_entries(b, chain)
    for chain in neuro:
        b.entries.append(_neuro_entry(b, chain))
    for chain in all_chains:
        if isinstance(chain.current.record, AssessmentRecord):
            b.entries += _assessment_entries(b, chain, vitals, neuro, closures)
    head, rest = b.entries[0], b.entries[1:]
    rest.sort(key=lambda e: (e.observed_at, e.target.resource_type, e.target.key))
    return [head, *rest]


def _patient(stored: StoredRecord, a: Admission) -> Entry:
    target = Target("Patient", patient_key(stored.patient_id))
    resource = {
        "resourceType": "Patient",
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [{"system": _V2_IDENTIFIER_TYPE, "code": "MR"}]},
                "value": stored.patient_id,
            },
            target.identifier,
        ],
        "active": True,
        "name": [{"text": a.name}],
        "gender": a.sex.value,
        "birthDate": a.date_of_birth.isoformat(),
    }
    return Entry(target, resource, stored.observed_at, _entered(stored.entered_at))


def _envelope(b: _Builder, target: Target, stored: StoredRecord, status: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": target.resource_type,
        "identifier": [target.identifier],
        "status": status,
    }
    return body | {
        "subject": Target("Patient", patient_key(b.patient_id)),
        "effectiveDateTime": _instant(stored.observed_at),
        "issued": _instant(_entered(stored.entered_at)),
        "performer": [{"display": stored.author}],
    }


def _correction_notes(chain: Chain) -> list[dict[str, Any]]:
    return [
        {"text": f"corrected: {v.reason}", "time": _instant(_entered(v.entered_at))}
        for v in chain.versions[1:]
        if v.reason
    ]


def _vital_entries(b: _Builder, chain: Chain) -> list[Entry]:
    current = chain.current.record
    assert isinstance(current, VitalSigns)
    out = []
    for part in VITAL_PARTS:
        body = vital_part(current, part)
        stored = chain.current
        status = "corrected" if chain.corrected else "final"
        if body is None:
            # A part that an earlier version held and the correction removed: entered in error.
            earlier = [
                (s, p)
                for s in chain.versions[:-1]
                if isinstance(s.record, VitalSigns) and (p := vital_part(s.record, part))
            ]
            if not earlier:
                continue
            stored, body = earlier[-1]
            status = "entered-in-error"
        target = Target("Observation", f"{chain.root.id}/{part}")
        category = "vital-signs" if part in _ON_VITAL_SIGNS_PROFILE else "exam"
        resource = _envelope(b, target, stored, status)
        if part in _ON_VITAL_SIGNS_PROFILE:
            resource["meta"] = {"profile": [VITAL_SIGNS_PROFILE]}
        resource["category"] = [{"coding": [{"system": _CATEGORY, "code": category}]}]
        notes = body.pop("note", []) + _correction_notes(chain)
        resource |= body
        if notes:
            resource["note"] = notes
        out.append(Entry(target, _ordered(resource), chain.current.observed_at, chain.changed_at))
    return out


_ORDER = (
    "resourceType",
    "id",
    "meta",
    "identifier",
    "status",
    "category",
    "code",
    "subject",
    "effectiveDateTime",
    "issued",
    "performer",
    "valueQuantity",
    "valueInteger",
    "valueCodeableConcept",
    "dataAbsentReason",
    "note",
    "method",
    "derivedFrom",
    "component",
)


def _ordered(resource: dict[str, Any]) -> dict[str, Any]:
    """Keys in the order of the FHIR definition, so that a reader of the file finds them as usual."""
    rank = {k: i for i, k in enumerate(_ORDER)}
    return dict(sorted(resource.items(), key=lambda kv: rank.get(kv[0], len(rank))))


# --- neuro checks ---------------------------------------------------------------------------------------


def _neuro_entry(b: _Builder, chain: Chain) -> Entry:
    stored = chain.current
    check = stored.record
    assert isinstance(check, NeuroCheck)
    target = Target("QuestionnaireResponse", chain.root.id)
    tool = check.tool
    name = tool.value.lower()
    scored: list[dict[str, Any]] = []
    for f, label, _ in _items(tool):
        item: dict[str, Any] = {"linkId": _link(f), "text": label}
        points = getattr(check, f)
        if points is not None:
            item["answer"] = [{"valueInteger": points}]
        scored.append(item)
    total = check.ice_score if tool is EncephalopathyTool.ICE else check.capd_score
    top = sum(t for _, _, t in _items(tool))
    total_item: dict[str, Any] = {
        "linkId": f"{name}-total",
        "text": f"{tool.value} total (0-{top})",
    }
    if total is not None:
        total_item["answer"] = [{"valueInteger": total}]
    scored.append(total_item)
    reason = (
        check.ice_not_assessable if tool is EncephalopathyTool.ICE else check.capd_not_assessable
    )
    if reason is not None:
        group = f"{name}-not-assessable"
        scored.append(
            {
                "linkId": group,
                "text": _GROUP_DISPLAY[group],
                "answer": [{"valueCoding": _coding(group, reason)}],
            }
        )
    findings: list[dict[str, Any]] = []
    for f, group in _FINDINGS:
        value = getattr(check, f)
        if value is not None:
            findings.append(
                {
                    "linkId": _link(f),
                    "text": _GROUP_DISPLAY.get(group, group),
                    "answer": [{"valueCoding": _coding(group, value)}],
                }
            )
    if check.seizure_duration_min is not None:
        findings.append(
            {
                "linkId": "seizure-duration",
                "text": "seizure duration",
                "answer": [{"valueQuantity": _quantity(check.seizure_duration_min, "min", "min")}],
            }
        )
    findings += [
        {
            "linkId": "intracranial-hemorrhage",
            "text": "intracranial haemorrhage",
            "answer": [{"valueBoolean": check.intracranial_hemorrhage}],
        },
        {
            "linkId": "sedation-confounds-consciousness",
            "text": "depressed consciousness attributable to sedation",
            "answer": [{"valueBoolean": check.depressed_consciousness_attributable_to_sedation}],
        },
    ]
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "identifier": target.identifier,
        "questionnaire": QUESTIONNAIRE[tool],
        "status": "amended" if chain.corrected else "completed",
        "subject": Target("Patient", patient_key(b.patient_id)),
        "authored": _instant(stored.observed_at),
        "author": {"display": stored.author},
        "item": [
            {"linkId": name, "text": f"{tool.value} items (points)", "item": scored},
            {"linkId": "findings", "text": "other ICANS findings", "item": findings},
        ],
    }
    return Entry(target, resource, stored.observed_at, chain.changed_at)


# --- assessments ----------------------------------------------------------------------------------------

# The inputs each score reads, for its derivedFrom: SPEC 3 (CRS), 9 (NEWS2), 10 (Bedside PEWS).
_INPUTS = {
    "crs-grade": ("temperature", "blood-pressure", "oxygen-saturation", "inhaled-oxygen-flow"),
    "news2": (
        "respiratory-rate",
        "oxygen-saturation",
        "blood-pressure",
        "heart-rate",
        "temperature",
        "acvpu",
    ),
    "pews": (
        "heart-rate",
        "blood-pressure",
        "respiratory-rate",
        "capillary-refill-time",
        "respiratory-effort",
        "oxygen-saturation",
        "inhaled-oxygen-flow",
    ),
}


def _in_force(
    b: _Builder,
    at: datetime,
    vitals: Sequence[Chain],
    neuro: Sequence[Chain],
    closures: Sequence[StoredRecord],
) -> dict[str, Target]:
    """The resource of each part in force at `at` (D17): the newest current vitals set holding the
    part within the vitals window, and the newest neuro check within the neuro window charted after
    the last ICANS closure (D25)."""
    vitals_from = at - timedelta(hours=b.policy.vitals_fresh_hours)
    neuro_from = at - timedelta(hours=b.policy.neuro_fresh_hours)
    found: dict[str, Target] = {}
    for chain in sorted(vitals, key=lambda c: c.current.observed_at, reverse=True):
        s = chain.current
        if not vitals_from <= s.observed_at <= at:
            continue
        assert isinstance(s.record, VitalSigns)
        for part in VITAL_PARTS:
            if part not in found and vital_part(s.record, part) is not None:
                found[part] = Target("Observation", f"{chain.root.id}/{part}")
    closed = max((c.observed_at for c in closures if c.observed_at <= at), default=None)
    checks = [
        c
        for c in neuro
        if neuro_from <= c.current.observed_at <= at
        and (closed is None or c.current.observed_at > closed)
    ]
    if checks:
        newest = max(checks, key=lambda c: c.current.observed_at)
        found["neuro"] = Target("QuestionnaireResponse", newest.root.id)
    return found


def _assessment_entries(
    b: _Builder,
    chain: Chain,
    vitals: Sequence[Chain],
    neuro: Sequence[Chain],
    closures: Sequence[StoredRecord],
) -> list[Entry]:
    stored = chain.current
    record = stored.record
    assert isinstance(record, AssessmentRecord)
    p = record
    at = stored.observed_at
    inputs = _in_force(b, at, vitals, neuro, closures)
    pews_applies = age_years(b.admission.date_of_birth, at, b.policy.zone) < PEWS_MAX_AGE_YEARS
    icans = [
        _flag_component("grade-is-lower-bound", p.icans_grade_is_lower_bound),
        _int_component("episode-maximum", p.icans_episode_max),
    ]
    if p.icans_tool is not None:
        icans.append(
            {
                "code": _local("encephalopathy-tool"),
                "valueCodeableConcept": _concept("encephalopathy-tool", p.icans_tool),
            }
        )
    scores: list[tuple[str, Domain, int | None, list[dict[str, Any] | None], str]] = [
        (
            "crs-grade",
            Domain.CRS,
            p.crs_grade,
            [
                _flag_component("grade-is-lower-bound", p.crs_grade_is_lower_bound),
                _int_component("episode-maximum", p.crs_episode_max),
            ],
            "not determinable",
        ),
        ("icans-grade", Domain.ICANS, p.icans_grade, icans, "not determinable"),
    ]
    if Flag.NEWS2_NOT_APPLICABLE not in p.flags:
        news2 = [
            _partial(p.news2_partial, p.news2),
            _flag_component("any-single-parameter-3", p.news2_any_single_parameter_3),
        ]
        scores.append(("news2", Domain.NEWS2, p.news2, news2, "incomplete: parameters missing"))
    if pews_applies:
        pews = [_partial(p.pews_partial, p.pews)]
        scores.append(("pews", Domain.PEWS, p.pews, pews, "incomplete: parameters missing"))
    reasons = p.reasons
    out = []
    for code, domain, value, components, absent in scores:
        target = Target("Observation", f"{chain.root.id}/{code}")
        status = "amended" if chain.corrected else "final"
        resource = _envelope(b, target, stored, status)
        resource["category"] = [{"coding": [{"system": _CATEGORY, "code": "survey"}]}]
        resource["code"] = _local(code)
        if isinstance(value, int) and not isinstance(value, bool):
            resource["valueInteger"] = value
        else:  # missing is never normal: the grade or score says it could not be determined
            resource["dataAbsentReason"] = _absent(NOT_RECORDED, absent)
        notes = [{"text": r.render()} for r in reasons if r.domain is domain]
        if chain.corrected and stored.reason:
            notes.append({"text": f"re-graded: {stored.reason}"})
        if notes:
            resource["note"] = notes
        resource["method"] = {"text": p.rule_version}
        wanted = ("neuro",) if code == "icans-grade" else _INPUTS[code]
        derived = [inputs[part] for part in wanted if part in inputs]
        if derived:
            resource["derivedFrom"] = derived
        resource["component"] = [c for c in components if c is not None]
        if not resource["component"]:
            del resource["component"]
        out.append(Entry(target, _ordered(resource), at, chain.changed_at))
    return out


def _flag_component(code: str, value: object) -> dict[str, Any] | None:
    if not isinstance(value, bool):
        return None
    return {"code": _local(code), "valueBoolean": value}


def _int_component(code: str, value: object) -> dict[str, Any]:
    if isinstance(value, int) and not isinstance(value, bool):
        return {"code": _local(code), "valueInteger": value}
    return {"code": _local(code), "dataAbsentReason": _absent(NOT_RECORDED, "not determinable")}


def _partial(partial: object, total: object) -> dict[str, Any] | None:
    """An incomplete score keeps its partial sum beside the absent total (never shown as the total)."""
    if total is not None or not isinstance(partial, int) or isinstance(partial, bool):
        return None
    return {"code": _local("partial-sum"), "valueInteger": partial}


def bundle_text(bundle: Mapping[str, Any]) -> str:
    """The Bundle as JSON text with one entry per line: compact enough to write a large ward quickly
    (an indented dump takes seconds), and still read and compared line by line."""

    def compact(value: object) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    head = compact({k: v for k, v in bundle.items() if k != "entry"})
    entries = ",\n".join(compact(e) for e in bundle["entry"])
    return f'{head[:-1]},"entry":[\n{entries}\n]}}\n'
