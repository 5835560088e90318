"""BATTERY R13: fuzzed input through the real `Ward` on a temporary file.

Every field of VitalSigns, NeuroCheck, Intervention, Attribution and Admission, and the envelope (patient id,
observed time, author), is fuzzed: values just outside the SPECS ranges, NaN and ±inf, °F in a °C field, wrong
types, unknown enum values, times beyond the 5-minute tolerance, unknown patients, SQL metacharacters, control
and direction characters, 10 kB strings, and the cross-field rules. An invalid input must come back `Invalid`
with errors that each name the field and what is allowed, and must leave every table's row count unchanged; a
valid input must come back `Recorded` and read back identical (the log, and for vitals the projection).

Also the nonsense of R13: text made only of invisible characters, direction marks at either end of a text,
patient ids in lower case (kept in upper case, so `a1` is `A1`), infusion times far from the admission, a birth
after the infusion, doses below or above their unit's plausible range.

CI: 5 kinds x 200 = 1,000 invalid and 1,000 valid examples. `pytest -m long`: 10x as many.
"""

from __future__ import annotations

import math
import re
import types
import typing
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bedside.clinical.policy import DEFAULT_POLICY
from bedside.clinical.vocabulary import (
    CerebralEdema,
    EncephalopathyTool,
    O2Device,
    O2Indication,
    Seizure,
)
from bedside.clock import ManualClock
from bedside.records import (
    DOSE_RANGES,
    FUTURE_TOLERANCE,
    INFUSION_AFTER_ADMISSION,
    INFUSION_BEFORE_ADMISSION,
    INFUSION_UNITS,
    TEMP_RANGES,
    Admission,
    Attribution,
    DoseUnit,
    Drug,
    Intervention,
    NeuroCheck,
    Num,
    Record,
    Route,
    TempUnit,
    Text,
    VitalSigns,
)
from bedside.staff import Author
from bedside.store.connection import open_database
from bedside.store.log import Log
from bedside.store.schema import SERIES_COLUMNS
from bedside.validators import earliest_record
from bedside.ward import Invalid, Recorded, Result, Ward
from tests.support.ward_fixtures import (
    ADULT_BORN,
    CHILD_BORN,
    NURSE,
    PHYSICIAN,
    START,
    admission,
    recorded,
)

CI_EXAMPLES = 200  # per kind: 5 kinds x 200 = 1,000 invalid and 1,000 valid inputs
LONG_EXAMPLES = 10 * CI_EXAMPLES
KINDS = ("vitals", "neuro_check", "intervention", "attribution", "admission")

ADULT, CHILD = "A1", "C1"  # ICE from 12 y, CAPD below (D2)
TOOL = {ADULT: EncephalopathyTool.ICE, CHILD: EncephalopathyTool.CAPD}
# The ward refuses anything observed before lymphodepletion start (D27: the start of day -14).
EARLIEST = earliest_record(admission(ADULT, ADULT_BORN), DEFAULT_POLICY)
LATEST = START + FUTURE_TOLERANCE  # the clock stands still at START
SQL = "'; DROP TABLE records; --"
HUGE = 10**400  # a whole number too large for a float
TEN_KB = ("Ä" + SQL) * 400  # 10,400 characters
CONTROL_AND_DIRECTION = (
    "\x00", "\x01", "\x08", "\t", "\n", "\r", "\x1b", "\x1f", "\x7f", "\x85", "\x9f",
    "\u2028", "\u2029", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069", "\ud800", "\udfff",
)  # fmt: skip
# Text that shows nothing: whitespace, format characters (Cf) and the other invisible code points.
INVISIBLE = (
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u034f", "\u3164",
    "\ufe0f", "\u2800", "\u200b \u200c", "\t\u2060 ", "\u3000",
)  # fmt: skip
INVISIBLE_EXTRA = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0"
)
DIRECTION_MARKS = ("\u200e", "\u200f", "\u061c")
ICE_ITEMS = ("ice_orientation", "ice_naming", "ice_commands", "ice_writing", "ice_attention")
CAPD_ITEMS = (
    "capd_eye_contact", "capd_purposeful", "capd_aware", "capd_communicates",
    "capd_restless", "capd_inconsolable", "capd_underactive", "capd_slow_response",
)  # fmt: skip


# --- the ward on a temporary file ---------------------------------------------------------------------


@dataclass
class Harness:
    ward: Ward
    log: Log


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    clock = ManualClock(START)
    db = open_database(tmp_path / "ward.db", clock=clock)
    try:
        ward = Ward(db, clock=clock)
        recorded(ward.admit(admission(ADULT, ADULT_BORN), author=NURSE))
        recorded(ward.admit(admission(CHILD, CHILD_BORN), author=NURSE))
        yield Harness(ward, Log(db, clock))
    finally:
        db.conn.close()


@dataclass(frozen=True)
class Call:
    """One ward call. For an admission `observed_at` is the `at` argument and `patient_id` is unused."""

    record: Any
    patient_id: Any = ADULT
    observed_at: Any = START
    author: Author = NURSE
    expect: str = ""  # for an invalid call: a field the errors must name


def submit(ward: Ward, call: Call) -> Result:
    r, who = call.record, call.author
    if isinstance(r, Admission):
        return ward.admit(r, author=who, at=call.observed_at)
    if isinstance(r, VitalSigns):
        return ward.chart_vitals(call.patient_id, r, observed_at=call.observed_at, author=who)
    if isinstance(r, NeuroCheck):
        return ward.chart_neuro(call.patient_id, r, observed_at=call.observed_at, author=who)
    if isinstance(r, Intervention):
        return ward.record_intervention(call.patient_id, r, author=who)
    if isinstance(r, Attribution):
        return ward.attribute(call.patient_id, r, observed_at=call.observed_at, author=who)
    raise AssertionError(f"no ward call for {r!r}")


# --- values --------------------------------------------------------------------------------------------


def field_types(cls: type[Record]) -> dict[str, tuple[type, bool]]:
    """Each field's base type and whether it may be None, from the annotations (so a new field is fuzzed)."""
    hints = typing.get_type_hints(cls)
    out = {}
    for f in fields(cls):
        hint = hints[f.name]
        args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        out[f.name] = (next(a for a in args if a is not type(None)), type(None) in args)
    return out


def spec(cls: type[Record], name: str) -> Any:
    return cls.SPECS[name]


def in_range(rng: Num, *, whole: bool = False) -> st.SearchStrategy[Any]:
    lo, hi = float(rng.lo), float(rng.hi)
    if whole:
        return st.one_of(st.sampled_from([int(lo), int(hi)]), st.integers(int(lo), int(hi)))
    edges = [math.nextafter(lo, math.inf) if rng.lo_open else lo, hi]
    first_int = math.floor(lo) + 1 if rng.lo_open else math.ceil(lo)
    options = [st.sampled_from(edges), st.floats(lo, hi, exclude_min=rng.lo_open)]
    if first_int <= math.floor(hi):
        options.append(st.integers(first_int, math.floor(hi)))
    return st.one_of(options)


def out_of_range(rng: Num, *, whole: bool) -> st.SearchStrategy[Any]:
    lo, hi = float(rng.lo), float(rng.hi)
    if whole:
        below, above = int(lo) - 1, int(hi) + 1
        return st.one_of(
            st.sampled_from([below, above, -HUGE, HUGE]),
            st.integers(max_value=below),
            st.integers(min_value=above),
        )
    below = lo if rng.lo_open else math.nextafter(lo, -math.inf)
    above = math.nextafter(hi, math.inf)
    finite = {"allow_nan": False, "allow_infinity": False}
    return st.one_of(
        st.sampled_from([below, above, -HUGE, HUGE]),
        st.floats(max_value=below, **finite),
        st.floats(min_value=above, **finite),
    )


NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf, -math.nan])
NOT_A_NUMBER = st.one_of(
    st.sampled_from(["38.5", "", "NaN", "inf", SQL, True, False, Decimal("38.5"), [38.5], b"38"]),
    st.sampled_from([{"value": 1}, 38.5j, "\u202e38"]),
    st.text(max_size=12),
)
NOT_A_BOOL = st.sampled_from([0, 1, 1.0, "true", "false", "", None, SQL, [True]])
NOT_TEXT = st.sampled_from([0, 123, 1.5, True, b"bytes", ["a"], {"a": 1}, date(2026, 1, 1)])


def bad_number(rng: Num, *, whole: bool, optional: bool) -> st.SearchStrategy[Any]:
    options = [out_of_range(rng, whole=whole), NON_FINITE, NOT_A_NUMBER]
    if whole:  # any float, even 98.0, is not a whole number
        options.append(st.floats(float(rng.lo), float(rng.hi)))
    if not optional:
        options.append(st.none())
    return st.one_of(options)


def bad_text(rule: Text, *, optional: bool) -> st.SearchStrategy[Any]:
    options = [
        st.just("x" * (rule.max_len + 1)),
        st.just(TEN_KB),
        st.sampled_from(CONTROL_AND_DIRECTION).map(lambda c: f"Ada{c}Lee"),
        st.characters(categories=["Cc", "Cs"]).map(lambda c: f"abc{c}"),
        NOT_TEXT,
    ]
    if rule.min_len > 0:
        options += [
            st.just("x" * (rule.min_len - 1)),
            st.just(" " * max(rule.min_len, 3)),
            st.sampled_from(INVISIBLE).map(lambda s: s * rule.min_len),  # "is blank"
        ]
    options.append(  # a direction mark at either end (U+200F at the end of a name)
        st.tuples(st.sampled_from(DIRECTION_MARKS), st.booleans()).map(
            lambda mb: f"{mb[0]}Ada Lee" if mb[1] else f"Ada Lee{mb[0]} "
        )
    )
    if rule.pattern is not None:
        options.append(
            st.sampled_from([SQL, "A 1", "Ä1", "A1;", "A1'--", "A1%", "A_1", "A1\u202e"])
        )
    if not optional:
        options.append(st.none())
    return st.one_of(options)


def bad_enum(enum: type[Enum], *, optional: bool) -> st.SearchStrategy[Any]:
    values = {m.value for m in enum}
    variants = [
        v
        for m in enum
        if isinstance(m.value, str)
        for v in (m.value.upper(), m.value.title(), f" {m.value}", m.value.replace("_", " "))
    ]
    options = [
        st.text(max_size=30),
        st.sampled_from(["", " ", SQL, "\u202eA", "\x00", *variants]),
        st.integers(-3, 100),
        st.floats(),
        st.booleans(),
    ]
    if not optional:
        options.append(st.none())
    return st.one_of(options).filter(lambda v: isinstance(v, bool) or v not in values)


def future() -> st.SearchStrategy[datetime]:
    """Beyond the 5-minute tolerance: from 1 µs to decades later."""
    return st.one_of(
        st.just(LATEST + timedelta(microseconds=1)),
        st.integers(1, 60 * 10**6).map(lambda us: LATEST + timedelta(microseconds=us)),
        st.datetimes(
            min_value=(LATEST + timedelta(seconds=1)).replace(tzinfo=None),
            max_value=datetime(2099, 12, 31),
            timezones=st.just(UTC),
        ),
    )


def bad_datetime(*, optional: bool, charted: bool = True) -> st.SearchStrategy[Any]:
    """`charted`: a time of charting (observed, started, stopped), which may not lie in the future; an
    admission's infusion time may (a patient is admitted before the infusion)."""
    options = [
        st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),  # naive
        st.sampled_from(
            [
                datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
                datetime(2100, 1, 1, tzinfo=UTC),
                START.isoformat(),
                "",
                "now",
                SQL,
                START.date(),
                START.timestamp(),
                0,
            ]
        ),
    ]
    if charted:
        options.append(future())
    if not optional:
        options.append(st.none())
    return st.one_of(options)


BAD_DATE = st.one_of(
    st.sampled_from([date(1899, 12, 31), datetime(2000, 1, 1), "2000-01-01", 20000101, None, SQL]),
    st.dates(max_value=date(1899, 12, 31)),
)


def bad_value(cls: type[Record], name: str) -> st.SearchStrategy[Any]:
    """Values that field `name` of `cls` must refuse whatever the other fields hold (a temperature: in
    the °C range; see invalid_call)."""
    kind, optional = field_types(cls)[name]
    if kind is bool:
        return NOT_A_BOOL
    if kind in (int, float):
        return bad_number(spec(cls, name), whole=kind is int, optional=optional)
    if kind is str:
        return bad_text(spec(cls, name), optional=optional)
    if issubclass(kind, Enum):
        return bad_enum(kind, optional=optional)
    if kind is datetime:
        return bad_datetime(optional=optional, charted=name not in ("infusion_at", "until"))
    if kind is date:
        return BAD_DATE
    raise AssertionError(f"no bad values for {cls.__name__}.{name} ({kind})")


SAFE_CHARS = st.characters(
    exclude_categories=["Cc", "Cs"], exclude_characters=CONTROL_AND_DIRECTION
)


def shows(text: str) -> bool:
    """Text a reader sees: something besides whitespace and invisible characters, and no direction
    mark at either end."""
    ends = text.strip()[:1] + text.strip()[-1:]
    seen = any(
        not ch.isspace() and unicodedata.category(ch) != "Cf" and ch not in INVISIBLE_EXTRA
        and not "\ufe00" <= ch <= "\ufe0f" and not "\U000e0100" <= ch <= "\U000e01ef"
        for ch in text
    )  # fmt: skip
    return seen and not any(m in ends for m in DIRECTION_MARKS)


def good_text(rule: Text) -> st.SearchStrategy[str]:
    """Text the rule accepts, including SQL metacharacters and both length edges."""
    if rule.pattern is not None:  # the MRN
        return st.from_regex(r"[A-Za-z0-9-]{1,32}", fullmatch=True)
    edges = ["x" * rule.min_len, "x" * rule.max_len, SQL[: rule.max_len], "Zoë O'Brien-Nuñez"]
    return st.one_of(
        st.sampled_from([e for e in edges if len(e) >= rule.min_len and e.strip()]),
        st.text(SAFE_CHARS, min_size=rule.min_len, max_size=min(rule.max_len, 80)),
    ).filter(shows)


def moment(lo: datetime = EARLIEST, hi: datetime = LATEST) -> st.SearchStrategy[datetime]:
    """An aware time in [lo, hi], in a random fixed UTC offset (stored as UTC, read back equal)."""
    zones = st.integers(-14 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))
    naive = st.datetimes(
        min_value=lo.astimezone(UTC).replace(tzinfo=None),
        max_value=hi.astimezone(UTC).replace(tzinfo=None),
    )
    return st.builds(lambda t, z: t.replace(tzinfo=UTC).astimezone(z), naive, zones)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


# --- valid calls -------------------------------------------------------------------------------------------

Draw = Callable[[st.SearchStrategy[Any]], Any]


def _vitals(draw: Draw) -> VitalSigns:
    v: dict[str, Any] = {}
    unit = draw(maybe(st.sampled_from(TempUnit)))
    if unit is not None:
        v["temperature_unit"] = unit
        v["temperature"] = draw(in_range(TEMP_RANGES[unit]))
        v["temperature_route"] = draw(
            maybe(st.sampled_from(field_types(VitalSigns)["temperature_route"][0]))
        )
    for name in ("hr", "rr", "crt_s"):
        v[name] = draw(maybe(in_range(spec(VitalSigns, name))))
    sbp = v["sbp"] = draw(maybe(in_range(spec(VitalSigns, "sbp"))))
    dbp = draw(maybe(in_range(spec(VitalSigns, "dbp"))))
    v["dbp"] = dbp if sbp is None or dbp is None or dbp < sbp else None
    v["spo2"] = draw(maybe(in_range(spec(VitalSigns, "spo2"), whole=True)))
    for name in ("spo2_scale", "acvpu", "resp_effort"):
        v[name] = draw(maybe(st.sampled_from(field_types(VitalSigns)[name][0])))
    device = draw(maybe(st.sampled_from(O2Device)))
    v["o2_device"] = device
    if device not in (None, O2Device.ROOM_AIR):
        v["o2_flow_l_min"] = draw(maybe(in_range(spec(VitalSigns, "o2_flow_l_min"))))
        v["fio2"] = draw(maybe(in_range(spec(VitalSigns, "fio2"))))
        v["o2_indication"] = draw(
            maybe(st.sampled_from([i for i in O2Indication if i is not O2Indication.NONE]))
        )
    else:
        v["o2_indication"] = draw(maybe(st.just(O2Indication.NONE)))
    if all(v.get(name) is None for name in VitalSigns.MEASURED):
        v["hr"] = draw(in_range(spec(VitalSigns, "hr")))
    # Enums are given either as members or as their text value, as the UI and the API do.
    as_text = draw(st.booleans())
    return VitalSigns(
        **{k: (x.value if as_text and isinstance(x, Enum) else x) for k, x in v.items()}
    )


def _neuro(draw: Draw, tool: EncephalopathyTool) -> NeuroCheck:
    ft = field_types(NeuroCheck)
    n: dict[str, Any] = {"tool": tool}
    items, reason = (
        (ICE_ITEMS, "ice_not_assessable")
        if tool is EncephalopathyTool.ICE
        else (CAPD_ITEMS, "capd_not_assessable")
    )
    if draw(st.integers(0, 4)) == 0:
        n[reason] = draw(st.sampled_from(ft[reason][0]))
    else:
        n |= {item: draw(in_range(spec(NeuroCheck, item), whole=True)) for item in items}
    for name in ("consciousness", "acvpu", "seizure", "motor", "cerebral_edema"):
        n[name] = draw(maybe(st.sampled_from(ft[name][0])))
    for name in ("depressed_consciousness_attributable_to_sedation", "intracranial_hemorrhage"):
        n[name] = draw(st.booleans())
    if n["seizure"] not in (None, Seizure.NONE):
        minutes: Num = spec(NeuroCheck, "seizure_duration_min")
        if n["seizure"] is Seizure.PROLONGED_GT_5MIN:  # more than 5 min, by its name
            minutes = Num(str(math.nextafter(5, math.inf)), minutes.hi)
        n["seizure_duration_min"] = draw(maybe(in_range(minutes)))
    imaging = (CerebralEdema.FOCAL_LOCAL_ON_IMAGING, CerebralEdema.DIFFUSE_ON_IMAGING)
    n["imaging_done"] = n["cerebral_edema"] in imaging or draw(st.booleans())
    eeg = Seizure.NONCONVULSIVE_EEG_RESOLVED_WITH_INTERVENTION
    n["eeg_done"] = n["seizure"] is eeg or draw(st.booleans())
    return NeuroCheck(**n)


def _intervention(draw: Draw) -> Intervention:
    drug = draw(st.sampled_from(Drug))
    if drug.agent is not None:
        units = list(INFUSION_UNITS)
        route = Route.IV
    else:
        units = [DoseUnit.MG, DoseUnit.MG_PER_KG]
        route = draw(st.sampled_from(Route))
    unit = draw(st.sampled_from(units))
    started = draw(moment(EARLIEST, LATEST))
    stopped = None
    if started < LATEST and draw(st.booleans()):
        stopped = draw(moment(started + timedelta(microseconds=1), LATEST))
    return Intervention(
        drug=drug,
        dose=draw(in_range(DOSE_RANGES[unit])),  # each unit has its plausible range
        dose_unit=unit,
        route=route,
        started_at=started,
        stopped_at=stopped,
        indication=draw(st.sampled_from(field_types(Intervention)["indication"][0])),
    )


_NEW_PATIENT = count(1)


def infusion_window(admitted: datetime) -> tuple[datetime, datetime]:
    """The plausible infusion times of an admission charted at `admitted`, within 2000–2099."""
    return (
        max(admitted - INFUSION_BEFORE_ADMISSION, datetime(2000, 1, 1, tzinfo=UTC)),
        min(admitted + INFUSION_AFTER_ADMISSION, datetime(2099, 12, 31, tzinfo=UTC)),
    )


def _admission(draw: Draw) -> tuple[Admission, datetime | None]:
    ft = field_types(Admission)
    at = draw(maybe(moment(datetime(2000, 1, 1, tzinfo=UTC), LATEST)))
    charted = (at or START).astimezone(UTC).date()
    # The infusion within 1 year before to 60 days after the admission is charted.
    earliest, last = infusion_window(at or START)
    infusion_at = draw(moment(earliest, last))
    born_by = min(charted, infusion_at.astimezone(UTC).date())  # and never born after it
    born = draw(st.dates(date(max(1900, charted.year - 120), 1, 1), born_by))
    # Unique on the ward (a second admission of one id is refused): the drawn id plus a serial number.
    stem = draw(st.from_regex(r"[A-Za-z0-9-]{1,24}", fullmatch=True))
    record = Admission(
        patient_id=f"{stem}-{next(_NEW_PATIENT)}",
        name=draw(good_text(spec(Admission, "name"))),
        date_of_birth=born,
        sex=draw(st.sampled_from(ft["sex"][0])),
        weight_kg=draw(in_range(spec(Admission, "weight_kg"))),
        diagnosis=draw(st.sampled_from(ft["diagnosis"][0])),
        developmental_delay=draw(st.booleans()),
        infusion_at=infusion_at,
        product=draw(good_text(spec(Admission, "product"))),
        dose_cells_per_kg=draw(in_range(spec(Admission, "dose_cells_per_kg"))),
        baseline_ice=draw(maybe(in_range(spec(Admission, "baseline_ice"), whole=True))),
        baseline_capd=draw(maybe(in_range(spec(Admission, "baseline_capd"), whole=True))),
    )
    return record, at


@st.composite
def valid_call(draw: Draw, kind: str) -> Call:
    # Patient ids compare without regard to case: `a1` is patient A1.
    patient = draw(st.sampled_from([ADULT, CHILD, ADULT.lower(), CHILD.lower()]))
    at = draw(moment())
    if kind == "vitals":
        return Call(_vitals(draw), patient, at)
    if kind == "neuro_check":
        return Call(_neuro(draw, TOOL[patient.upper()]), patient, at)
    if kind == "intervention":
        record = _intervention(draw)
        return Call(record, patient, record.started_at)
    if kind == "attribution":
        finding = draw(st.sampled_from(field_types(Attribution)["finding"][0]))
        cause = draw(good_text(spec(Attribution, "cause")))
        return Call(Attribution(finding=finding, cause=cause), patient, at, PHYSICIAN)
    if kind == "admission":
        record, when = _admission(draw)
        return Call(record, record.patient_id, when)
    raise AssertionError(kind)


# --- invalid calls: a valid call with one thing made wrong ----------------------------------------------


def _cross_field(draw: Draw, call: Call, pick: int) -> Call | None:
    """A rule across fields broken (or None to break a single field instead)."""
    r = call.record
    if isinstance(r, VitalSigns):
        c_range, f_range = TEMP_RANGES[TempUnit.C], TEMP_RANGES[TempUnit.F]
        choice = pick % 9
        if choice == 0:  # °F charted as °C (101.3 F is a fever, 101.3 C is impossible)
            t = draw(
                st.one_of(st.just(101.3), st.floats(float(c_range.hi) + 0.1, float(f_range.hi)))
            )
            return replace(
                call, record=replace(r, temperature=t, temperature_unit="C"), expect="temperature"
            )
        if choice == 1:  # °C charted as °F
            t = draw(st.floats(float(c_range.lo), float(f_range.lo) - 0.1))
            return replace(
                call, record=replace(r, temperature=t, temperature_unit="F"), expect="temperature"
            )
        if choice == 2:
            rec = replace(r, temperature=37.0, temperature_unit=None)
            return replace(call, record=rec, expect="temperature_unit")
        if choice == 3:
            unit, route = draw(st.sampled_from([("C", None), (None, "oral"), ("F", "core")]))
            rec = replace(r, temperature=None, temperature_unit=unit, temperature_route=route)
            return replace(call, record=rec, expect="temperature")
        if choice == 4:
            sbp = draw(st.integers(30, 200))
            dbp = draw(st.integers(sbp, 200))
            return replace(call, record=replace(r, sbp=sbp, dbp=dbp), expect="dbp")
        if choice == 5:
            name = draw(st.sampled_from(["o2_flow_l_min", "fio2"]))
            value = draw(in_range(spec(VitalSigns, name)))
            device = draw(st.sampled_from([None, O2Device.ROOM_AIR]))
            rec = replace(r, o2_device=device, o2_indication=None, **{name: value})
            return replace(call, record=rec, expect=name)
        if choice == 6:
            device = draw(st.sampled_from([d for d in O2Device if d is not O2Device.ROOM_AIR]))
            rec = replace(r, o2_device=device, o2_indication=O2Indication.NONE)
            return replace(call, record=rec, expect="o2_indication")
        if choice == 7:
            reason = draw(st.sampled_from([i for i in O2Indication if i is not O2Indication.NONE]))
            rec = replace(r, o2_device=None, o2_flow_l_min=None, fio2=None, o2_indication=reason)
            return replace(call, record=rec, expect="o2_indication")
        return replace(call, record=VitalSigns(spo2_scale=draw(maybe(st.just(1)))), expect="vitals")
    if isinstance(r, NeuroCheck):
        ice = r.tool is EncephalopathyTool.ICE
        items, other = (ICE_ITEMS, CAPD_ITEMS) if ice else (CAPD_ITEMS, ICE_ITEMS)
        reason = "ice_not_assessable" if ice else "capd_not_assessable"
        choice = pick % 8
        if choice == 0:  # the other screen than the patient's age (or delay) calls for (D2)
            wrong = draw(st.sampled_from([p for p in TOOL if p != call.patient_id.upper()]))
            return replace(call, record=_neuro(draw, TOOL[wrong]), expect="tool")
        if choice == 1 and getattr(r, reason) is None:
            item = draw(st.sampled_from(items))
            return replace(call, record=replace(r, **{item: None}), expect=item)
        if choice == 2:
            reason_value = draw(st.sampled_from(field_types(NeuroCheck)[reason][0]))
            item = draw(st.sampled_from(items))
            rec = replace(r, **{reason: reason_value, item: 0})
            return replace(call, record=rec, expect=item)
        if choice == 3:
            item = draw(st.sampled_from(other))
            return replace(call, record=replace(r, **{item: 0}), expect=item)
        if choice == 4:
            seizure = draw(st.sampled_from([None, Seizure.NONE]))
            rec = replace(r, seizure=seizure, seizure_duration_min=draw(st.floats(0, 1440)))
            return replace(call, record=rec, expect="seizure_duration_min")
        if choice == 5:
            edema = draw(
                st.sampled_from(
                    [CerebralEdema.FOCAL_LOCAL_ON_IMAGING, CerebralEdema.DIFFUSE_ON_IMAGING]
                )
            )
            rec = replace(r, cerebral_edema=edema, imaging_done=False)
            return replace(call, record=rec, expect="imaging_done")
        if choice == 6:
            minutes = draw(st.one_of(st.just(5.0), st.floats(0, 5), st.integers(0, 5)))
            rec = replace(r, seizure=Seizure.PROLONGED_GT_5MIN, seizure_duration_min=minutes)
            return replace(call, record=rec, expect="seizure_duration_min")
        if choice == 7:
            eeg = Seizure.NONCONVULSIVE_EEG_RESOLVED_WITH_INTERVENTION
            rec = replace(r, seizure=eeg, seizure_duration_min=None, eeg_done=False)
            return replace(call, record=rec, expect="eeg_done")
        return None
    if isinstance(r, Intervention):
        choice = pick % 7
        if choice == 0:
            stopped = draw(moment(EARLIEST, r.started_at))
            return replace(call, record=replace(r, stopped_at=stopped), expect="stopped_at")
        if choice == 1:
            agent = draw(st.sampled_from([d for d in Drug if d.agent is not None]))
            unit = draw(st.sampled_from([DoseUnit.MG, DoseUnit.MG_PER_KG]))
            dose = draw(in_range(DOSE_RANGES[unit]))  # a plausible dose in the (wrong) unit
            rec = replace(r, drug=agent, dose=dose, dose_unit=unit, route=Route.IV)
            return replace(call, record=rec, expect="dose_unit")
        if choice == 2:
            drug = draw(st.sampled_from([d for d in Drug if d.agent is None]))
            unit = draw(st.sampled_from(INFUSION_UNITS))
            dose = draw(in_range(DOSE_RANGES[unit]))
            rec = replace(r, drug=drug, dose=dose, dose_unit=unit)
            return replace(call, record=rec, expect="dose_unit")
        if choice == 3:
            agent = draw(st.sampled_from([d for d in Drug if d.agent is not None]))
            route = draw(st.sampled_from([x for x in Route if x is not Route.IV]))
            unit = DoseUnit.MCG_PER_KG_MIN
            dose = draw(in_range(DOSE_RANGES[unit]))
            rec = replace(r, drug=agent, dose=dose, dose_unit=unit, route=route)
            return replace(call, record=rec, expect="route")
        if choice == 4:  # before the lymphodepletion window of the patient
            start = draw(
                moment(datetime(2000, 1, 1, tzinfo=UTC), EARLIEST - timedelta(microseconds=1))
            )
            return replace(
                call, record=replace(r, started_at=start, stopped_at=None), expect="observed_at"
            )
        if choice == 5:  # a dose outside its unit's plausible range (1e-300 mg), maybe in another's
            rng = DOSE_RANGES[r.dose_unit]
            dose = draw(
                st.one_of(
                    st.just(1e-300),
                    st.floats(0, float(rng.lo), exclude_min=True, exclude_max=True),
                    st.floats(float(rng.hi), 10_000, exclude_min=True),
                )
            )
            return replace(call, record=replace(r, dose=dose), expect="dose")
        return None
    if isinstance(r, Attribution):
        if pick % 2:  # D9: only a physician attributes a finding to another cause
            return replace(call, author=NURSE, expect="author")
        return None
    if isinstance(r, Admission):
        charted = (call.observed_at or START).astimezone(UTC).date()
        admitted = call.observed_at or START
        choice = pick % 7
        if choice == 0:
            born = draw(st.dates(charted + timedelta(days=1), date(2099, 12, 31)))
            return replace(call, record=replace(r, date_of_birth=born), expect="date_of_birth")
        if choice == 1 and charted.year - 121 >= 1900:
            born = draw(st.dates(date(1900, 1, 1), date(charted.year - 121, 12, 31)))
            return replace(call, record=replace(r, date_of_birth=born), expect="date_of_birth")
        if choice == 2:
            rec = replace(r, patient_id=draw(st.sampled_from([ADULT, CHILD])))
            return replace(call, record=rec, expect="patient_id")
        if choice == 3:
            return replace(call, observed_at=draw(future()), expect="observed_at")
        if choice == 4:  # an infusion in 2099 or 2000: far from the admission
            earliest, last = infusion_window(admitted)
            options = []
            if last < datetime(2099, 12, 31, tzinfo=UTC):
                options.append(
                    moment(last + timedelta(microseconds=1), datetime(2099, 12, 31, tzinfo=UTC))
                )
            if earliest > datetime(2000, 1, 1, tzinfo=UTC):
                options.append(
                    moment(datetime(2000, 1, 1, tzinfo=UTC), earliest - timedelta(microseconds=1))
                )
            if options:
                infused = draw(st.one_of(options))
                born = min(r.date_of_birth, infused.astimezone(UTC).date())  # not born after it
                rec = replace(r, infusion_at=infused, date_of_birth=born)
                return replace(call, record=rec, expect="infusion_at")
        if choice == 5:  # born after the infusion (the infusion charted before the admission)
            infused = admitted - timedelta(days=draw(st.integers(3, 360)))
            born = draw(st.dates(infused.astimezone(UTC).date() + timedelta(days=2), charted))
            if infused >= datetime(2000, 1, 1, tzinfo=UTC):
                rec = replace(r, infusion_at=infused, date_of_birth=born)
                return replace(call, record=rec, expect="date_of_birth")
        return None
    raise AssertionError(r)


NOT_ADMITTED = st.one_of(
    st.from_regex(r"[A-Za-z0-9-]{1,32}", fullmatch=True).filter(lambda p: p.upper() not in TOOL),
    bad_text(Admission.SPECS["patient_id"], optional=False),  # type: ignore[arg-type]
)
BAD_OBSERVED_AT = st.one_of(
    bad_datetime(optional=False),
    moment(datetime(2000, 1, 1, tzinfo=UTC), EARLIEST - timedelta(microseconds=1)),  # too early
)
CLASSES: dict[str, type[Record]] = {
    "vitals": VitalSigns,
    "neuro_check": NeuroCheck,
    "intervention": Intervention,
    "attribution": Attribution,
    "admission": Admission,
}


@st.composite
def invalid_call(draw: Draw, kind: str) -> Call:
    # What to break is drawn before the valid call it is broken in: Hypothesis varies later draws less.
    cls = CLASSES[kind]
    how = draw(st.sampled_from(["field", "field", "cross", "envelope"]))
    pick = draw(st.integers(0, 2**16))
    name = draw(st.sampled_from([f.name for f in fields(cls)]))
    if cls is VitalSigns and name == "temperature":  # D8: checked in the range of its unit
        by_unit = {
            unit: draw(bad_number(rng, whole=False, optional=True))
            for unit, rng in TEMP_RANGES.items()
        }
    else:
        by_unit = dict.fromkeys(TempUnit, draw(bad_value(cls, name)))
    patient, at = draw(NOT_ADMITTED), draw(BAD_OBSERVED_AT)
    call = draw(valid_call(kind))
    r = call.record
    if how == "cross" and (broken := _cross_field(draw, call, pick)) is not None:
        return broken
    if how == "envelope" and cls not in (Admission, Intervention):
        if pick % 2:
            return replace(call, patient_id=patient, expect="patient_id")
        return replace(call, observed_at=at, expect="observed_at")
    unit = getattr(r, "temperature_unit", None)
    changes = {name: by_unit[unit if isinstance(unit, TempUnit) else TempUnit.C]}
    if cls is Intervention and name == "started_at":
        # Without a stop, the error cannot be "stopped_at: must be after started_at" alone.
        changes["stopped_at"] = None
    return replace(call, record=replace(r, **changes), expect=name)


# --- the checks -------------------------------------------------------------------------------------------


def _settings(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


_MRN = re.compile(r"[A-Za-z0-9-]+")


def check_invalid(h: Harness, kind: str, n: int) -> int:
    ran = 0

    @_settings(n)
    @given(call=invalid_call(kind))
    def run(call: Call) -> None:
        nonlocal ran
        before = h.log.row_counts()
        result = submit(h.ward, call)
        ran += 1
        assert isinstance(result, Invalid), f"accepted: {call!r} -> {result!r}"
        assert result.errors, call
        for e in result.errors:
            assert e.field, e
            assert e.field in e.message, e
            assert e.allowed.strip(), e
        assert call.expect in {e.field for e in result.errors}, (call.expect, result.errors)
        assert h.log.row_counts() == before, "an invalid call wrote rows"

    run()
    return ran


def check_valid(h: Harness, kind: str, n: int) -> int:
    ran = 0

    @_settings(n)
    @given(call=valid_call(kind))
    def run(call: Call) -> None:
        nonlocal ran
        ran += 1
        result = submit(h.ward, call)
        assert isinstance(result, Recorded), f"refused: {call!r} -> {result!r}"
        stored = h.ward.record_versions(result.record.id)[-1]
        assert stored.id == result.record.id
        assert stored.patient_id == call.patient_id.upper()
        assert stored.record == call.record
        if call.observed_at is not None:
            assert stored.observed_at == call.observed_at
        if isinstance(call.record, VitalSigns):
            check_projection(h, call, stored.id)

    run()
    return ran


def check_projection(h: Harness, call: Call, record_id: str) -> None:
    series = h.log.vitals_series(call.patient_id.upper(), call.observed_at, call.observed_at)
    i = series.record_id.index(record_id)
    assert series.t[i] == pytest.approx(call.observed_at.timestamp(), abs=1e-6)
    v: VitalSigns = call.record
    expected = {name: getattr(v, name) for name in SERIES_COLUMNS if name != "temp_c"}
    expected["temp_c"] = v.temp_c()
    assert {name: series[name][i] for name in SERIES_COLUMNS} == expected


def _long_only(request: pytest.FixtureRequest) -> None:
    if "long" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long run: select it with `pytest -m long`")


@pytest.mark.parametrize("kind", KINDS)
def test_invalid_input_is_refused_naming_the_field_and_writes_nothing(
    harness: Harness, kind: str
) -> None:
    assert check_invalid(harness, kind, CI_EXAMPLES) >= CI_EXAMPLES


@pytest.mark.parametrize("kind", KINDS)
def test_valid_input_is_stored_and_reads_back_identical(harness: Harness, kind: str) -> None:
    assert check_valid(harness, kind, CI_EXAMPLES) >= CI_EXAMPLES


@pytest.mark.long
@pytest.mark.parametrize("kind", KINDS)
def test_invalid_input_long(harness: Harness, kind: str, request: pytest.FixtureRequest) -> None:
    _long_only(request)
    assert check_invalid(harness, kind, LONG_EXAMPLES) >= LONG_EXAMPLES


@pytest.mark.long
@pytest.mark.parametrize("kind", KINDS)
def test_valid_input_long(harness: Harness, kind: str, request: pytest.FixtureRequest) -> None:
    _long_only(request)
    assert check_valid(harness, kind, LONG_EXAMPLES) >= LONG_EXAMPLES


# --- inputs that once crashed the ward instead of being refused -------------------------------------------


@pytest.mark.parametrize("at", [START.replace(tzinfo=None), START.isoformat(), START.date(), None])
def test_a_bad_observed_at_for_an_admitted_patient_is_refused(harness: Harness, at: Any) -> None:
    vitals = VitalSigns(hr=80)
    before = harness.log.row_counts()
    result = harness.ward.chart_vitals(ADULT, vitals, observed_at=at, author=NURSE)
    assert isinstance(result, Invalid)
    assert "observed_at" in {e.field for e in result.errors}
    assert harness.log.row_counts() == before


def test_a_whole_number_beyond_float_range_is_refused(harness: Harness) -> None:
    vitals = VitalSigns(hr=HUGE)
    result = harness.ward.chart_vitals(ADULT, vitals, observed_at=START, author=NURSE)
    assert isinstance(result, Invalid)
    assert [e.field for e in result.errors] == ["hr"]


@pytest.mark.parametrize("tool", ["", "ice", 1])
def test_an_unknown_tool_is_refused(harness: Harness, tool: Any) -> None:
    check = NeuroCheck(tool=tool)
    result = harness.ward.chart_neuro(ADULT, check, observed_at=START, author=NURSE)
    assert isinstance(result, Invalid)
    assert "tool" in {e.field for e in result.errors}


@pytest.mark.parametrize("micro", [0, 999_499, 999_500, 999_999])
def test_the_series_time_keeps_its_fraction_of_a_second(harness: Harness, micro: int) -> None:
    """Found by the long run: SQLite's unixepoch() rounded .9995 s and later up to the next second."""
    at = START.replace(microsecond=micro) - timedelta(minutes=1)
    done = recorded(
        harness.ward.chart_vitals(ADULT, VitalSigns(hr=80), observed_at=at, author=NURSE)
    )
    series = harness.log.vitals_series(ADULT, at, at)
    assert series.record_id == (done.record.id,)
    assert series.t[0] == pytest.approx(at.timestamp(), abs=1e-6)
