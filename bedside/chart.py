"""The read service behind the trend plots and the history table: one patient's values, scores, grades,
drugs and records over a span, as typed values with gaps marked and bands taken from the engine's tables.

No Qt and no drawing here: `ui.trends` and `ui.history` turn these values into curves, words and colours.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from sqlite_utils import Database

from bedside.clinical import news2
from bedside.clinical.calendar import age_years
from bedside.clinical.capd import CAPD_ITEM_MAX, CAPD_ITEMS
from bedside.clinical.crs import FEVER_C
from bedside.clinical.icans import capd_grade, encephalopathy_tool, ice_grade
from bedside.clinical.ice import ICE_ITEMS
from bedside.clinical.norms import (
    NEWS2_MIN_AGE_YEARS,
    PEWS_HEART_RATE,
    PEWS_RESPIRATORY_RATE,
    PEWS_SPO2_1_POINT_AT_OR_BELOW,
    PEWS_SYSTOLIC_BP,
    PewsAgeBand,
    PewsRow,
    pals_sbp_threshold,
    pews_age_band,
)
from bedside.clinical.policy import DEFAULT_POLICY, SitePolicy
from bedside.clinical.vocabulary import Drug, DrugKind, EncephalopathyTool, O2Device
from bedside.ids import HlcStamp
from bedside.records import RECORD_TYPES, Record, Syndrome, from_payload, parse_utc
from bedside.store.schema import RECORD_COLUMNS
from bedside.store.series import SeriesQueries

# Spans longer than this are read as hourly minimum and maximum: a year of 15-minute vitals is 35,000
# points per curve, more than a screen has pixels; the hourly envelope keeps every peak. A drawing
# choice, not a clinical rule.
RAW_SPAN = timedelta(days=8)
HOUR_S = 3600.0
# Longer spans are drawn from min/max buckets of whole hours, about this many per curve (a drawing choice:
# wider than any screen in pixels, so a bucket is at most a pixel or two and no peak is lost).
DRAW_BUCKETS = 2000


class Vital(StrEnum):
    """The vital signs the trend view plots; each value is its column in the vitals projection."""

    TEMPERATURE = "temp_c"
    HEART_RATE = "hr"
    SYSTOLIC_BP = "sbp"
    RESPIRATORY_RATE = "rr"
    SPO2 = "spo2"
    O2_FLOW = "o2_flow_l_min"


@dataclass(frozen=True, slots=True)
class Series:
    """Values over time; `t` in Unix seconds. A None value is a gap: the line must not join across it.

    `hourly` says each hour is shown by its minimum and maximum (two points per hour, minimum first)."""

    t: tuple[float, ...]
    v: tuple[float | None, ...]
    hourly: bool = False

    def __len__(self) -> int:
        return len(self.t)


class BandScore(StrEnum):
    NEWS2 = "NEWS2"
    PEWS = "PEWS"


@dataclass(frozen=True, slots=True)
class Band:
    """The range where the early-warning score gives 0 points for this vital: lo < value < hi (None =
    open). Read from the score's own table (SPEC 9 NEWS2, SPEC 10 PEWS) for the patient's age."""

    lo: float | None
    hi: float | None
    score: BandScore


@dataclass(frozen=True, slots=True)
class Step:
    """A value in force from `t` until the next step: a grade (None = could not be determined), a
    threshold, or an oxygen device."""

    t: float
    value: int | None


@dataclass(frozen=True, slots=True)
class DeviceChange:
    t: float
    device: O2Device


@dataclass(frozen=True, slots=True)
class NeuroScore:
    """One neuro check: the score of its tool, or why it could not be scored (never shown as 0)."""

    t: float
    tool: EncephalopathyTool
    score: int | None
    not_assessable: str | None


class MarkEvent(StrEnum):
    GIVEN = "given"  # a single dose
    STARTED = "started"  # a continuous infusion began
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class DrugMark:
    """A drug given, or an infusion started or stopped, at `t`."""

    t: float
    drug: Drug
    kind: DrugKind
    event: MarkEvent
    record_id: str


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One version of one record, as the history table lists it."""

    record_id: str
    kind: str
    observed_at: datetime
    entered_at: datetime
    author: str
    record: Record
    supersedes: str | None  # this version corrects that record...
    reason: str | None  # ...for this reason
    superseded_by: str | None  # a later correction replaced this version...
    superseded_reason: str | None  # ...for this reason

    @property
    def superseded(self) -> bool:
        return self.superseded_by is not None


# Kinds Bedside computes (one per time point): listed in the history only when asked for.
DERIVED_KINDS = ("assessment", "alert_event")


@dataclass(frozen=True, slots=True)
class ScoreLimit:
    """A score at which the ICANS grade of the tool changes: `score` and above give `grade` (SPEC 5.1 ICE,
    5.2 CAPD); read from the engine's own grading function."""

    score: int
    grade: int


@dataclass(slots=True)
class _HourlyCache:
    """A patient's hourly min/max rows of every Vital over the whole stay, good up to record `stamp`."""

    stamp: int
    rows: list[tuple[Any, ...]]


class Chart:
    """Read-only questions about one patient's chart. Construct with the ward's database and policy."""

    def __init__(self, db: Database, *, policy: SitePolicy = DEFAULT_POLICY) -> None:
        self._q = SeriesQueries(db)
        self._policy = policy
        self._hourly: dict[str, _HourlyCache] = {}
        self._stay: dict[tuple[str, str], tuple[int, list[tuple[float, Any]]]] = {}

    # --- the span and the patient ---------------------------------------------------------------------

    def span(self, patient_id: str) -> tuple[datetime, datetime] | None:
        """The first and last clinical time of the patient's records; None without records."""
        found = self._q.span(patient_id)
        return None if found is None else (parse_utc(found[0]), parse_utc(found[1]))

    def date_of_birth(self, patient_id: str) -> date | None:
        row = self._q.admission_row(patient_id)
        return None if row is None else date.fromisoformat(row[0])

    # --- vitals -----------------------------------------------------------------------------------------

    def vitals(
        self, patient_id: str, vitals: Sequence[Vital], start: datetime, end: datetime
    ) -> dict[Vital, Series]:
        """Each vital's current values in [start, end], in one read: raw points for spans up to
        RAW_SPAN, else the hourly minimum and maximum. A gap longer than the freshness window of a
        vitals value (D17, policy.vitals_fresh_hours) is marked by a None point: never joined."""
        columns = [v.value for v in vitals]
        start_s, end_s = start.timestamp(), end.timestamp()
        gap_s = self._policy.vitals_fresh_hours * HOUR_S
        if end - start <= RAW_SPAN:
            rows = self._q.vitals(patient_id, start_s, end_s, columns)
            return {
                v: _with_gaps([r[0] for r in rows], [r[i + 1] for r in rows], gap_s)
                for i, v in enumerate(vitals)
            }
        hourly = self._q.vitals_hourly(patient_id, start_s, end_s, columns)
        return {v: _bucketed(hourly, i, 1, gap_s) for i, v in enumerate(vitals)}

    def envelope(
        self,
        patient_id: str,
        vitals: Sequence[Vital],
        start: datetime,
        end: datetime,
        *,
        buckets: int = DRAW_BUCKETS,
    ) -> dict[Vital, Series]:
        """What to draw of each vital over [start, end]: every measurement for spans up to RAW_SPAN, else
        the minimum and maximum of buckets of whole hours, about `buckets` of them (so a bucket's peak is
        always drawn: a fever spike is never averaged away). Gaps as in `vitals`. Long spans are cut from
        the patient's hourly rows, kept in memory and brought up to date by the records appended since
        (a new set, a late entry or a correction re-reads the hours from the earliest one it touches)."""
        if end - start <= RAW_SPAN:
            return self.vitals(patient_id, vitals, start, end)
        rows = self._hourly_rows(patient_id)
        first_h = math.floor(start.timestamp() / HOUR_S)
        last_h = math.floor(end.timestamp() / HOUR_S)
        hours = [r[0] for r in rows]
        window = rows[bisect.bisect_left(hours, first_h) : bisect.bisect_right(hours, last_h)]
        per_bucket = max(1, math.ceil((last_h - first_h + 1) / max(1, buckets)))
        gap_s = self._policy.vitals_fresh_hours * HOUR_S
        index = {v: i for i, v in enumerate(Vital)}
        return {v: _bucketed(window, index[v], per_bucket, gap_s) for v in vitals}

    def _hourly_rows(self, patient_id: str) -> list[tuple[Any, ...]]:
        stamp = self._q.last_rowid()  # read first: a record appended meanwhile is caught next time
        cache = self._hourly.get(patient_id)
        if cache is not None and cache.stamp == stamp:
            return cache.rows
        span = self._q.span(patient_id)
        if span is None:
            return []
        columns = [v.value for v in Vital]
        end_s = parse_utc(span[1]).timestamp()
        if cache is None:
            start_s = parse_utc(span[0]).timestamp()
            rows = self._q.vitals_hourly(patient_id, start_s, end_s, columns)
        else:
            changed = self._q.vitals_changed_from(patient_id, cache.stamp)
            if changed is None:
                rows = cache.rows
            else:
                hour = math.floor(parse_utc(changed).timestamp() / HOUR_S)
                kept = [r for r in cache.rows if r[0] < hour]
                rows = kept + self._q.vitals_hourly(patient_id, hour * HOUR_S, end_s, columns)
        self._hourly[patient_id] = _HourlyCache(stamp, rows)
        return rows

    def o2_devices(self, patient_id: str, start: datetime, end: datetime) -> list[DeviceChange]:
        """The oxygen device in force at `start` (if charted before) and each change up to `end`."""
        changes = self._whole_stay(
            patient_id,
            "o2_devices",
            lambda a, b: [
                (float(t), O2Device(device)) for t, device in self._q.o2_devices(patient_id, a, b)
            ],
        )
        return [DeviceChange(t, device) for t, device in _window(changes, start, end)]

    # --- lines and bands from the engine's tables -----------------------------------------------------------

    @staticmethod
    def fever_c() -> float:
        """SPEC 2.1: fever is a temperature of at least this many °C (the engine's FEVER_C)."""
        return float(FEVER_C)

    def sbp_threshold(self, patient_id: str, start: datetime, end: datetime) -> list[Step]:
        """The patient's hypotension threshold (SPEC 2.3: SBP strictly below it), as steps: the value at
        `start` and a new step at each birthday that changes it. Empty without an admission."""
        born = self.date_of_birth(patient_id)
        if born is None:
            return []
        zone = self._policy.zone
        steps = [Step(start.timestamp(), pals_sbp_threshold(age_years(born, start, zone)))]
        for year in range(start.astimezone(zone).year, end.astimezone(zone).year + 1):
            birthday = _birthday_start(born, year, zone)
            if start < birthday <= end:
                value = pals_sbp_threshold(age_years(born, birthday, zone))
                if value != steps[-1].value:
                    steps.append(Step(birthday.timestamp(), value))
        return steps

    def normal_band(self, patient_id: str, vital: Vital, at: datetime) -> Band | None:
        """The 0-point range of the patient's early-warning score for this vital at `at`: NEWS2 from 16
        years, Bedside PEWS below (SPEC 9, 10, D11). None where the score has no row for it."""
        born = self.date_of_birth(patient_id)
        if born is None:
            return None
        age = age_years(born, at, self._policy.zone)
        if age >= NEWS2_MIN_AGE_YEARS:
            table = _NEWS2_TABLES.get(vital)
            if table is None:
                return None
            lo, hi = _zero_points(table)
            return Band(lo, hi, BandScore.NEWS2)
        band = pews_age_band(age)
        if vital is Vital.SPO2:
            return Band(float(PEWS_SPO2_1_POINT_AT_OR_BELOW), None, BandScore.PEWS)
        rows = _PEWS_TABLES.get(vital)
        if rows is None:
            return None
        lo, hi = _pews_zero(rows[band])
        return Band(lo, hi, BandScore.PEWS)

    # --- the encephalopathy tool and its scores ------------------------------------------------------------

    def tool(self, patient_id: str, at: datetime) -> EncephalopathyTool | None:
        """The patient's tool at `at` (SPEC 5.3 / D2: by age and developmental delay); None without an
        admission."""
        row = self._q.admission_row(patient_id)
        if row is None:
            return None
        age = age_years(date.fromisoformat(row[0]), at, self._policy.zone)
        return encephalopathy_tool(age, bool(row[1]))

    @staticmethod
    def score_range(tool: EncephalopathyTool) -> tuple[int, int]:
        """The lowest and highest score of the tool: ICE 0-10 (SPEC 6), CAPD 0-32 (SPEC 7: 8 items of
        0-4), from the engine's item tables."""
        if tool is EncephalopathyTool.ICE:
            return 0, sum(ICE_ITEMS.values())
        return 0, len(CAPD_ITEMS) * CAPD_ITEM_MAX

    @staticmethod
    def score_limits(tool: EncephalopathyTool) -> list[ScoreLimit]:
        """Each score where the tool's ICANS grade changes, found by running the engine's grading
        function over the tool's range (SPEC 5.1: ICE 10/7/3; SPEC 5.2: CAPD 1/9)."""
        grade = ice_grade if tool is EncephalopathyTool.ICE else capd_grade
        low, high = Chart.score_range(tool)
        return [
            ScoreLimit(s, grade(s)) for s in range(low + 1, high + 1) if grade(s) != grade(s - 1)
        ]

    # --- neuro, grades, drugs -----------------------------------------------------------------------------

    def neuro_scores(self, patient_id: str, start: datetime, end: datetime) -> list[NeuroScore]:
        out = []
        for observed, tool, ice, capd, ice_na, capd_na in self._q.neuro_scores(
            patient_id, start.timestamp(), end.timestamp()
        ):
            ice_tool = tool == EncephalopathyTool.ICE.value
            out.append(
                NeuroScore(
                    parse_utc(observed).timestamp(),
                    EncephalopathyTool(tool),
                    ice if ice_tool else capd,
                    ice_na if ice_tool else capd_na,
                )
            )
        return out

    def grades(
        self, patient_id: str, syndrome: Syndrome, start: datetime, end: datetime
    ) -> list[Step]:
        """The stored grade (what the ward saw at the time, DESIGN 3) as steps: the grade in force at
        `start`, then each change up to `end`. A None step is a grade that could not be determined."""
        # both grades' changes are read in one pass and kept together; this syndrome's are the rows
        # where its grade differs from the one before
        both = self._whole_stay(
            patient_id,
            "grades",
            lambda a, b: [
                (parse_utc(at).timestamp(), (crs, icans))
                for at, crs, icans in self._q.all_grade_changes(patient_id, a, b)
            ],
        )
        k = 0 if syndrome is Syndrome.CRS else 1
        changes: list[tuple[float, Any]] = []
        for t, grades in both:
            if not changes or grades[k] != changes[-1][1]:
                changes.append((t, grades[k]))
        return [Step(t, grade) for t, grade in _window(changes, start, end)]

    def _whole_stay(
        self, patient_id: str, name: str, read: Callable[[float, float], list[tuple[float, Any]]]
    ) -> list[tuple[float, Any]]:
        """The changes over the patient's whole stay, read by `read(first_s, last_s)`, kept until a
        record of this patient is appended (any record: a change list is cheap to read again)."""
        stamp = self._q.last_rowid()  # read first: a record appended meanwhile is caught next time
        key = (patient_id, name)
        hit = self._stay.get(key)
        if hit is not None and (hit[0] == stamp or not self._q.appended_since(patient_id, hit[0])):
            self._stay[key] = (stamp, hit[1])
            return hit[1]
        span = self._q.span(patient_id)
        value = (
            []
            if span is None
            else read(parse_utc(span[0]).timestamp(), parse_utc(span[1]).timestamp())
        )
        self._stay[key] = (stamp, value)
        return value

    def drug_marks(self, patient_id: str, start: datetime, end: datetime) -> list[DrugMark]:
        """Every dose given, and every infusion started or stopped, in [start, end], in time order."""
        start_s, end_s = start.timestamp(), end.timestamp()
        marks = []
        for record_id, drug_text, kind_text, started, stopped in self._q.interventions(
            patient_id, start_s, end_s
        ):
            drug, kind = Drug(drug_text), DrugKind(kind_text)
            infusion = drug.agent is not None
            begun = parse_utc(started).timestamp()
            if start_s <= begun <= end_s:
                event = MarkEvent.STARTED if infusion else MarkEvent.GIVEN
                marks.append(DrugMark(begun, drug, kind, event, record_id))
            if stopped is not None:
                ended = parse_utc(stopped).timestamp()
                if start_s <= ended <= end_s:
                    marks.append(DrugMark(ended, drug, kind, MarkEvent.STOPPED, record_id))
        return sorted(marks, key=lambda m: m.t)

    # --- history ------------------------------------------------------------------------------------------

    def history(self, patient_id: str, *, derived: bool = False) -> list[HistoryEntry]:
        """Every version of every record of the patient, in clinical order; computed records
        (assessments, alert events) only with `derived`."""
        kinds = None if derived else [k for k in RECORD_TYPES if k not in DERIVED_KINDS]
        out = []
        index = {c: i for i, c in enumerate(RECORD_COLUMNS)}
        for row in self._q.records(patient_id, kinds):
            out.append(
                HistoryEntry(
                    record_id=row[index["id"]],
                    kind=row[index["kind"]],
                    observed_at=parse_utc(row[index["observed_at"]]),
                    entered_at=_hlc_wall(row[index["entered_at"]]),
                    author=row[index["author"]],
                    record=from_payload(
                        row[index["kind"]], json.loads(row[index["payload"]]), check=False
                    ),
                    supersedes=row[index["supersedes"]],
                    reason=row[index["reason"]],
                    superseded_by=row[len(RECORD_COLUMNS)],
                    superseded_reason=row[len(RECORD_COLUMNS) + 1],
                )
            )
        return out


# --- helpers -------------------------------------------------------------------------------------------------

_NEWS2_TABLES: dict[Vital, tuple[tuple[float, int], ...]] = {
    Vital.HEART_RATE: news2.PULSE,
    Vital.SYSTOLIC_BP: news2.SYSTOLIC_BP,
    Vital.RESPIRATORY_RATE: news2.RESPIRATION_RATE,
    Vital.SPO2: news2.SPO2_SCALE_1,
    Vital.TEMPERATURE: tuple((float(upper), points) for upper, points in news2.TEMPERATURE_C),
}
_PEWS_TABLES: dict[Vital, dict[PewsAgeBand, PewsRow]] = {
    Vital.HEART_RATE: dict(PEWS_HEART_RATE),
    Vital.SYSTOLIC_BP: dict(PEWS_SYSTOLIC_BP),
    Vital.RESPIRATORY_RATE: dict(PEWS_RESPIRATORY_RATE),
}


def _zero_points(table: tuple[tuple[float, int], ...]) -> tuple[float | None, float | None]:
    """NEWS2 tables read "value <= upper gives points": the 0-point row spans (previous upper, upper]."""
    previous: float | None = None
    for upper, points in table:
        if points == 0:
            return previous, (None if math.isinf(upper) else upper)
        previous = upper
    raise ValueError("a NEWS2 table without a 0-point row")


def _pews_zero(row: PewsRow) -> tuple[float | None, float | None]:
    """A PEWS row gives 0 points where no cut holds: above every low cut and below every high cut."""
    lows = [cut.limit for high_low in row.values() for cut in high_low if cut.op in ("<=", "<")]
    highs = [cut.limit for high_low in row.values() for cut in high_low if cut.op in (">=", ">")]
    return (max(lows) if lows else None, min(highs) if highs else None)


def _with_gaps(t: Sequence[float], v: Sequence[float | None], gap_s: float) -> Series:
    """Drop sets where the value was not measured; put a None between measurements farther apart than
    `gap_s`, so that a line is never drawn across time nobody measured."""
    out_t: list[float] = []
    out_v: list[float | None] = []
    last: float | None = None
    for when, value in zip(t, v, strict=True):
        if value is None:
            continue
        if last is not None and when - last > gap_s:
            out_t.append((last + when) / 2)
            out_v.append(None)
        out_t.append(when)
        out_v.append(float(value))
        last = when
    return Series(tuple(out_t), tuple(out_v))


def _window(
    changes: list[tuple[float, Any]], start: datetime, end: datetime
) -> list[tuple[float, Any]]:
    """Of a whole stay's changes (each differs from the one before): the one in force at `start`, then
    each change in [start, end]."""
    times = [t for t, _ in changes]
    first = bisect.bisect_left(times, start.timestamp())
    last = bisect.bisect_right(times, end.timestamp())
    return changes[max(0, first - 1) : last] if first > 0 else changes[:last]


def _bucketed(rows: Sequence[tuple[Any, ...]], i: int, per_bucket: int, gap_s: float) -> Series:
    """Column `i` of hourly min/max rows as two points per bucket of `per_bucket` clock hours: the bucket's
    minimum at a quarter past its first measured hour, its maximum at a quarter to its last (one hour:
    exactly the hourly envelope). A None goes between measured hours farther apart than `gap_s`, and a
    bucket is split there, so neither a gap nor a peak is hidden by the bucketing."""
    out_t: list[float] = []
    out_v: list[float | None] = []
    bucket = first = last = -1
    low = high = 0.0
    for row in rows:
        lo_value, hi_value = row[1 + 2 * i], row[2 + 2 * i]
        if lo_value is None or hi_value is None:
            continue
        hour = int(row[0])
        if first >= 0 and (hour - last) * HOUR_S > gap_s:
            out_t += [first * HOUR_S + HOUR_S / 4, last * HOUR_S + 3 * HOUR_S / 4]
            out_v += [low, high]
            out_t.append((last + hour) * HOUR_S / 2)
            out_v.append(None)
            first = -1
        elif first >= 0 and hour // per_bucket != bucket:
            out_t += [first * HOUR_S + HOUR_S / 4, last * HOUR_S + 3 * HOUR_S / 4]
            out_v += [low, high]
            first = -1
        if first < 0:
            bucket, first, last = hour // per_bucket, hour, hour
            low, high = float(lo_value), float(hi_value)
        else:
            last = hour
            low, high = min(low, float(lo_value)), max(high, float(hi_value))
    if first >= 0:
        out_t += [first * HOUR_S + HOUR_S / 4, last * HOUR_S + 3 * HOUR_S / 4]
        out_v += [low, high]
    return Series(tuple(out_t), tuple(out_v), hourly=True)


def _birthday_start(born: date, year: int, zone: tzinfo | None) -> datetime:
    """Midnight of the birthday in `year` where the ward is (a birthday begins at local midnight)."""
    try:
        day = born.replace(year=year)
    except ValueError:  # 29 February in a common year: D5 counts the birthday on 1 March
        day = date(year, 3, 1)
    if zone is None:  # this machine's zone
        return datetime(day.year, day.month, day.day).astimezone().astimezone(UTC)
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _hlc_wall(stamp: str) -> datetime:
    """The wall-clock part of a hybrid-logical-clock stamp: when the record was entered."""
    return datetime.fromtimestamp(HlcStamp.parse(stamp).ms / 1000, UTC)
