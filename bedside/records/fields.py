"""The validation engine of one field: its constraint (a range or a text rule), and the check that names
the field, the value and what would be accepted."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum

from bedside.alert_vocabulary import Priority
from bedside.records.canonical import canonical_json

OLDEST = datetime(2000, 1, 1, tzinfo=UTC)
NEWEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_PAYLOAD_CHARS = 64_000

# C0/C1 controls, line/paragraph separators, unpaired surrogates and bidi overrides/isolates (which can
# make a name display as something else). Notes may keep newline and tab.
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_BAD_CHARS_MULTILINE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# Direction marks (LRM, RLM, ALM): harmless inside right-to-left text, but at either end of a text they
# reorder what is shown next to it (a name ending in U+200F pulls the following column into it).
_DIRECTION_MARKS = frozenset("\u200e\u200f\u061c")
# Characters that show nothing besides whitespace and the format characters (Unicode category Cf: U+200B
# zero-width space, U+200C/D joiners, U+2060 word joiner, U+FEFF ...): the rest of Unicode's
# Default_Ignorable_Code_Point set and the fillers that render as blank.
_INVISIBLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800\u3164\ufe00-\ufe0f\uffa0"
    "\U000e0100-\U000e01ef]"
)
MRN = re.compile(r"[A-Za-z0-9-]+")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TOKEN = re.compile(r"[A-Za-z0-9_.:-]+")


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

# Patient ids compare without regard to case: records and envelopes store them in upper case.
MRN_TEXT = Text(1, 32, MRN, "letters, digits and '-' (kept in upper case)")
REASON_TEXT = Text(3, 500)
UUID_TEXT = Text(36, 36, _UUID, "a record id (UUID)")
TOKEN_TEXT = Text(1, 64, _TOKEN, "letters, digits and _ . : -")


def normalise_patient_id(value: object) -> object:
    """An id in upper case (`ad-1` is `AD-1`). Only ASCII is changed: upper-casing other letters could
    turn a refused character into an accepted one (dotless ı becomes I); validation refuses those."""
    return value.upper() if isinstance(value, str) and value.isascii() else value


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    base: type
    optional: bool
    constraint: Constraint | None

    @property
    def allowed(self) -> str:
        if self.constraint is not None:
            return self.constraint.allowed
        if issubclass(self.base, Enum):
            return "one of " + ", ".join(
                m.code if isinstance(m, Priority) else str(m.value) for m in self.base
            )
        return {
            bool: "true or false",
            datetime: "a date and time with time zone, 2000–2099",
            date: "a date from 1900-01-01",
            dict: f"a JSON object up to {MAX_PAYLOAD_CHARS} characters",
            tuple: "a list",
        }[self.base]


def check_field(spec: FieldSpec, value: object) -> list[FieldError]:
    """The errors of one value against its field's type and constraint (empty if it is valid)."""
    name = spec.name  # what is allowed is spelt out only for a refusal (an enum's is a long text)
    if value is None:
        return [] if spec.optional else [FieldError(name, f"{name}: required", spec.allowed)]
    base = spec.base
    problem: str | None = None
    if base is bool:
        problem = None if type(value) is bool else f"expected true or false, got {show(value)}"
    elif base in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            problem = f"expected a number, got {show(value)}"
        elif base is int and not isinstance(value, int):
            problem = f"{show(value)} is not a whole number"
        elif isinstance(value, float) and not math.isfinite(value):
            problem = f"{show(value)} is not a number"
        elif isinstance(spec.constraint, Num):
            return check_range(name, value, spec.constraint)
    elif base is str:
        problem = _text_problem(value, spec.constraint)
    elif issubclass(base, Enum):
        problem = None if isinstance(value, base) else f"{show(value)} is not a known value"
    elif base is datetime:
        if not isinstance(value, datetime):
            problem = f"expected a date and time, got {show(value)}"
        elif value.tzinfo is None or value.utcoffset() is None:
            problem = "a date and time without a time zone"
        elif not OLDEST <= value < NEWEST:
            problem = f"{value.isoformat()} is outside 2000–2099"
    elif base is date:
        if type(value) is not date:
            problem = f"expected a date, got {show(value)}"
        elif value.year < 1900:
            problem = f"{value} is before 1900"
    elif base is dict:
        problem = _json_problem(value)
    return [] if problem is None else [FieldError(name, f"{name}: {problem}", spec.allowed)]


def check_range(name: str, value: float, rng: Num) -> list[FieldError]:
    if rng.contains(value):
        return []
    unit = f" {rng.unit}" if rng.unit else ""
    return [FieldError(name, f"{name}: {show(value)}{unit} is outside {rng.allowed}", rng.allowed)]


def _text_problem(value: object, rule: Constraint | None) -> str | None:
    assert isinstance(rule, Text)
    if not isinstance(value, str):
        return f"expected text, got {show(value)}"
    if not rule.min_len <= len(value) <= rule.max_len:
        return f"{len(value)} characters is outside {rule.min_len}–{rule.max_len}"
    bad = (_BAD_CHARS_MULTILINE if rule.multiline else _BAD_CHARS).search(value)
    if bad is not None:
        return f"contains a control or direction character (U+{ord(bad[0]):04X})"
    if rule.min_len and is_blank(value):
        return "is blank"
    shown = value.strip()
    for end in (shown[:1], shown[-1:]):
        if end in _DIRECTION_MARKS:
            return f"starts or ends with a direction mark (U+{ord(end):04X})"
    if rule.pattern is not None and not rule.pattern.fullmatch(value):
        return f"{show(value)} may contain only {rule.pattern_text}"
    return None


def is_blank(text: str) -> bool:
    """True if nothing of `text` would show: only whitespace and invisible characters."""
    return all(
        ch.isspace() or unicodedata.category(ch) == "Cf" or _INVISIBLE.match(ch) for ch in text
    )


def _json_problem(value: object) -> str | None:
    if not isinstance(value, dict):
        return f"expected a JSON object, got {show(value)}"
    try:
        text = canonical_json(value)
    except (TypeError, ValueError) as exc:
        return f"not JSON-able: {exc}"
    if len(text) > MAX_PAYLOAD_CHARS:
        return f"{len(text)} characters is more than {MAX_PAYLOAD_CHARS}"
    if _BAD_CHARS_MULTILINE.search(text):
        return "contains a control or direction character"
    return None


def show(value: object) -> str:
    """A value as an error message quotes it: short, and never slow."""
    if isinstance(value, int) and abs(value) > 10**30:
        return "a number of more than 30 digits"  # str() of a huge int is slow, or refused
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."
