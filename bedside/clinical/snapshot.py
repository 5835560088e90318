"""Parsing one time-point snapshot of the `bedside grade` contract (SPEC section 14) into a `PatientState`.

Every key is checked: its type, its plausible range or value set. Unknown keys are an error, so that a typo
never silently changes a grade; a key may be absent or null (= missing). `load_snapshots` reads the JSON
text itself and refuses what `json` would let through: a key given twice, nesting deeper than the contract
needs, numbers with more digits than any measurement, and lone surrogates that no output could encode.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from bedside.clinical.state import PatientState
from bedside.clinical.vocabulary import (
    Acvpu,
    CapdNotAssessable,
    CerebralEdema,
    Consciousness,
    IceNotAssessable,
    MotorFinding,
    O2Device,
    O2Indication,
    RespEffort,
    Seizure,
    Spo2Scale,
    VasoactiveAgent,
)


class SnapshotError(ValueError):
    """An invalid snapshot: names the field and what it allows."""

    def __init__(self, field: str, allowed: str, message: str) -> None:
        super().__init__(f"{field}: {message} (allowed: {allowed})")
        self.field = field
        self.allowed = allowed
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "allowed": self.allowed, "message": str(self)}


# An array of snapshots holding objects holding the vasopressor list: 3 levels; a little room beyond it.
MAX_NESTING = 8
# More digits than any measurement has; longer numbers are refused before Python converts them.
MAX_NUMBER_CHARS = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class LongNumber:
    """A JSON number with more than MAX_NUMBER_CHARS characters, kept as its length only."""

    chars: int
    integer: bool

    def __repr__(self) -> str:
        return (
            f"a {self.chars}-digit integer" if self.integer else f"a {self.chars}-character number"
        )


def _parse_int(text: str) -> int | LongNumber:
    if len(text) > MAX_NUMBER_CHARS:
        return LongNumber(len(text.lstrip("-")), integer=True)
    return int(text)


def _parse_float(text: str) -> float | LongNumber:
    return LongNumber(len(text), integer=False) if len(text) > MAX_NUMBER_CHARS else float(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise SnapshotError(_safe(key), "each key once", "is given twice")
        obj[key] = value
    return obj


def _safe(text: str) -> str:
    """`text` with lone surrogates written as JSON escapes, so that any output can carry it."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _check_tree(value: Any, where: str, depth: int) -> None:
    if depth > MAX_NESTING:
        raise SnapshotError(
            where or "(input)", f"at most {MAX_NESTING} levels", "nested too deeply"
        )
    if isinstance(value, str) and _SURROGATE.search(value):
        raise SnapshotError(where or "(input)", "text without lone surrogates", "a lone surrogate")
    items: Any = ()
    if isinstance(value, dict):
        items = ((key, f"{where}.{key}" if where else key, item) for key, item in value.items())
    elif isinstance(value, list):
        items = ((None, f"{where}[{i}]", item) for i, item in enumerate(value))
    for key, path, item in items:
        if key is not None and _SURROGATE.search(key):
            raise SnapshotError(_safe(path), "keys without lone surrogates", "a lone surrogate")
        _check_tree(item, path, depth + 1)


def load_snapshots(text: str) -> Any:
    """Parse the JSON text of `bedside grade`; raises `SnapshotError` for what JSON allows but the
    contract cannot use (see the module's docstring). The result goes to `parse_snapshot`."""
    try:
        document = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except RecursionError:
        raise SnapshotError(
            "(input)", f"JSON nested at most {MAX_NESTING} levels", "nested too deeply"
        ) from None
    except json.JSONDecodeError as err:
        raise SnapshotError("(input)", "JSON", f"not valid JSON: {err}") from None
    _check_tree(document, "", 1)
    return document


def _show(value: Any) -> str:
    """A short, always printable form of a refused value (a huge number never prints whole)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return "an integer of more than 15 digits"  # never str(): it refuses past 4,300 digits
    text = _safe(repr(value))
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True, slots=True)
class Number:
    low: float
    high: float
    integer: bool = False
    unit: str = ""

    def allowed(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        return f"{kind} {self.low:g}–{self.high:g}{' ' + self.unit if self.unit else ''}"


# The plausible range of each measured value. Outside it a value is refused, never graded.
NUMBERS: dict[str, Number] = {
    "age_years": Number(0, 120, unit="years"),
    "day_post_infusion": Number(-30, 400, integer=True, unit="days"),
    "temp_c": Number(25.0, 45.0, unit="°C"),
    "temp_f": Number(77.0, 113.0, unit="°F"),
    "sbp": Number(30, 300, unit="mmHg"),
    "dbp": Number(10, 200, unit="mmHg"),
    "hr": Number(20, 300, unit="/min"),
    "rr": Number(0, 120, unit="/min"),
    "spo2": Number(50, 100, integer=True, unit="%"),
    "o2_flow_l_min": Number(0, 80, unit="L/min"),
    "fio2": Number(0.21, 1.0, unit="(fraction)"),
    "crt_s": Number(0, 15, unit="s"),
    "ice_score": Number(0, 10, integer=True),
    "baseline_ice": Number(0, 10, integer=True),
    "capd_score": Number(0, 32, integer=True),
    "baseline_capd": Number(0, 32, integer=True),
    "seizure_duration_min": Number(0, 1440, unit="min"),
    "prior_max_crs_grade": Number(0, 4, integer=True),
    "prior_max_icans_grade": Number(0, 4, integer=True),
    "hours_since_last_neuro_assessment": Number(0, 8760, unit="h"),
    "hours_since_last_fever": Number(0, 8760, unit="h"),  # D23
}
ENUMS: dict[str, type[Enum]] = {
    "o2_device": O2Device,
    "o2_indication": O2Indication,
    "acvpu": Acvpu,
    "resp_effort": RespEffort,
    "ice_not_assessable_reason": IceNotAssessable,
    "capd_not_assessable_reason": CapdNotAssessable,
    "consciousness": Consciousness,
    "seizure": Seizure,
    "motor_weakness": MotorFinding,
    "cerebral_edema": CerebralEdema,
}
BOOLEANS = (
    "hypotension_attributed_to_other_cause",
    "fever_attributed_to_other_cause",
    "seizure_attributed_to_other_cause",
    "crs_fever_previously_documented",
    "antipyretic_or_anticytokine_given_after_crs_onset",
    "premedication_acetaminophen_at_infusion",
    "pressor_transition_overlap",
    "developmental_delay",
    "depressed_consciousness_attributable_to_sedation",
    "intracranial_hemorrhage",
    "crs_episode_open",
    "icans_episode_open",
)
KNOWN_KEYS = (
    frozenset(NUMBERS) | frozenset(ENUMS) | frozenset(BOOLEANS) | {"spo2_scale", "vasopressors"}
)


def _number(key: str, value: Any) -> float | int:
    spec = NUMBERS[key]
    if isinstance(value, LongNumber) or (isinstance(value, int) and abs(value) >= 10**15):
        # Never converted: a float cannot hold it, and str() refuses past 4,300 digits.
        raise SnapshotError(key, spec.allowed(), f"{_show(value)} is outside the plausible range")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SnapshotError(key, spec.allowed(), f"{_show(value)} is not a number")
    if not math.isfinite(value):
        raise SnapshotError(key, spec.allowed(), f"{value!r} is not a finite number")
    if spec.integer and value != int(value):
        raise SnapshotError(key, spec.allowed(), f"{value!r} is not a whole number")
    if not spec.low <= value <= spec.high:
        raise SnapshotError(key, spec.allowed(), f"{value!r} is outside the plausible range")
    return int(value) if spec.integer else float(value)


def _enum(key: str, value: Any) -> Enum:
    enum = ENUMS[key]
    if isinstance(value, str) and value in enum._value2member_map_:
        return enum(value)
    allowed = ", ".join(str(m.value) for m in enum)
    raise SnapshotError(key, allowed, f"{_show(value)} is not a known value")


def parse_snapshot(obj: Any) -> PatientState:
    """Validate one snapshot object and build the state; raises `SnapshotError` naming the field."""
    if not isinstance(obj, Mapping):
        raise SnapshotError("(snapshot)", "a JSON object", f"got {type(obj).__name__}")
    unknown = sorted(set(obj) - KNOWN_KEYS)
    if unknown:
        raise SnapshotError(_safe(unknown[0]), "a key of the grade contract", "unknown key")
    if obj.get("age_years") is None:
        raise SnapshotError("age_years", NUMBERS["age_years"].allowed(), "is required")

    values: dict[str, Any] = {}
    for key, raw in obj.items():
        if raw is None:
            continue
        if key in NUMBERS:
            values[key] = _number(key, raw)
        elif key in ENUMS:
            values[key] = _enum(key, raw)
        elif key in BOOLEANS:
            if not isinstance(raw, bool):
                raise SnapshotError(key, "true or false", f"{_show(raw)} is not a boolean")
            values[key] = raw
        elif key == "spo2_scale":
            if isinstance(raw, bool) or raw not in (1, 2):
                raise SnapshotError(key, "1 or 2", f"{_show(raw)} is not a NEWS2 SpO2 scale")
            values[key] = Spo2Scale(int(raw))
        elif key == "vasopressors":
            values[key] = _agents(raw)
    _check_consistency(values)
    return PatientState(**values)


def _agents(raw: Any) -> tuple[VasoactiveAgent, ...]:
    allowed = "a list of: " + ", ".join(a.value for a in VasoactiveAgent)
    if not isinstance(raw, list):
        raise SnapshotError("vasopressors", allowed, f"{_show(raw)} is not a list")
    agents = []
    for item in raw:
        if not isinstance(item, str) or item not in VasoactiveAgent._value2member_map_:
            raise SnapshotError("vasopressors", allowed, f"{_show(item)} is not a known agent")
        agents.append(VasoactiveAgent(item))
    if len(set(agents)) != len(agents):
        raise SnapshotError("vasopressors", allowed, "an agent is listed twice")
    return tuple(agents)


def _check_consistency(v: dict[str, Any]) -> None:
    """Combinations that cannot both be true are refused rather than guessed at."""
    if "temp_c" in v and "temp_f" in v:
        raise SnapshotError("temp_f", "temp_c or temp_f, not both", "both temperatures given")
    if "sbp" in v and "dbp" in v and v["dbp"] >= v["sbp"]:
        raise SnapshotError("dbp", "below sbp", f"{v['dbp']:g} is not below SBP {v['sbp']:g}")
    device = v.get("o2_device")
    if v.get("o2_indication") is O2Indication.NONE and device not in (None, O2Device.ROOM_AIR):
        allowed = "crs_hypoxia, other_cause, not_required or unknown when oxygen is given"
        raise SnapshotError("o2_indication", allowed, f"'none' but o2_device is {device.value}")
    if device is O2Device.ROOM_AIR:
        for key in ("o2_flow_l_min", "fio2"):
            if v.get(key) and not (key == "fio2" and v[key] == 0.21):
                raise SnapshotError(key, "empty on room air", "oxygen given on room air")
    for score, reason in (
        ("ice_score", "ice_not_assessable_reason"),
        ("capd_score", "capd_not_assessable_reason"),
    ):
        if score in v and reason in v:
            raise SnapshotError(reason, f"empty when {score} is given", "both a score and a reason")
    if v.get("seizure") is Seizure.NONE and v.get("seizure_duration_min"):
        raise SnapshotError("seizure_duration_min", "empty when seizure is none", "no seizure")
