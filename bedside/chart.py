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

import numpy as np
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
class _StayHours:
    """A patient's hourly roll-up over the whole stay, good up to record `stamp`: the hours, each
    Vital's minimum and maximum (NaN where not measured), and the stay's device and grade changes."""

    stamp: int
    hours: np.ndarray  # int64, ascending
    lo: np.ndarray  # float, one column per Vital
    hi: np.ndarray
    devices: list[tuple[float, Any]]
    grades: list[tuple[float, Any]]


class Chart:
    """Read-only questions about one patient's chart. Construct with the ward's database and policy."""

    def __init__(self, db: Database, *, policy: SitePolicy = DEFAULT_POLICY) -> None:
        self._q = SeriesQueries(db)
        self._policy = policy
        self._hours: dict[str, _StayHours] = {}
        self._neuro: dict[str, tuple[int, list[NeuroScore], list[float]]] = {}

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
        RAW_SPAN, else the hourly minimum and maximum of the clock hours of the span (from the
        roll-up). A gap longer than the freshness window of a vitals value (D17,
        policy.vitals_fresh_hours) is marked by a None point: never joined."""
        if end - start > RAW_SPAN:
            return self._from_hours(patient_id, vitals, start, end, 1)
        columns = [v.value for v in vitals]
        gap_s = self._policy.vitals_fresh_hours * HOUR_S
        rows = self._q.vitals(patient_id, start.timestamp(), end.timestamp(), columns)
        return {
            v: _with_gaps([r[0] for r in rows], [r[i + 1] for r in rows], gap_s)
            for i, v in enumerate(vitals)
        }

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
        the patient's hourly roll-up (`bedside.store.hours`, written with every save), read once and
        kept in memory until a record of the patient is appended."""
        if end - start <= RAW_SPAN:
            return self.vitals(patient_id, vitals, start, end)
        first_h = math.floor(start.timestamp() / HOUR_S)
        last_h = math.floor(end.timestamp() / HOUR_S)
        per_bucket = max(1, math.ceil((last_h - first_h + 1) / max(1, buckets)))
        return self._from_hours(patient_id, vitals, start, end, per_bucket)

    def _from_hours(
        self, patient_id: str, vitals: Sequence[Vital], start: datetime, end: datetime, per: int
    ) -> dict[Vital, Series]:
        """Each vital's min/max buckets of `per` clock hours over the hours of [start, end]."""
        stay = self._stay_hours(patient_id)
        first_h = math.floor(start.timestamp() / HOUR_S)
        last_h = math.floor(end.timestamp() / HOUR_S)
        a = int(np.searchsorted(stay.hours, first_h, "left"))
        b = int(np.searchsorted(stay.hours, last_h, "right"))
        gap_s = self._policy.vitals_fresh_hours * HOUR_S
        index = {v: i for i, v in enumerate(Vital)}
        return {
            v: _bucketed(
                stay.hours[a:b], stay.lo[a:b, index[v]], stay.hi[a:b, index[v]], per, gap_s
            )
            for v in vitals
        }

    def _stay_hours(self, patient_id: str) -> _StayHours:
        """The patient's roll-up rows (`bedside.store.hours`, kept up to date by every save), read once
        and kept until a record of this patient is appended."""
        stamp = self._q.last_rowid()  # read first: a record appended meanwhile is caught next time
        cache = self._hours.get(patient_id)
        if cache is not None and (
            cache.stamp == stamp or not self._q.appended_since(patient_id, cache.stamp)
        ):
            cache.stamp = stamp
            return cache
        rows = self._q.chart_hours(patient_id)
        n = len(Vital)
        if rows:
            table = np.array(rows, dtype=float)  # None -> NaN
            hours = table[:, 0].astype(np.int64)
            lo, hi = table[:, 1::2], table[:, 2::2]
        else:
            hours, lo, hi = np.zeros(0, np.int64), np.zeros((0, n)), np.zeros((0, n))
        devices = _changes(
            self._q.chart_hour_changes(patient_id, "device"), 1, lambda v: O2Device(v[0])
        )
        grades = _changes(self._q.chart_hour_changes(patient_id, "grade"), 2, tuple)
        cache = _StayHours(stamp, hours, lo, hi, devices, grades)
        self._hours[patient_id] = cache
        return cache

    def o2_devices(self, patient_id: str, start: datetime, end: datetime) -> list[DeviceChange]:
        """The oxygen device in force at `start` (if charted before) and each change up to `end`."""
        changes = self._stay_hours(patient_id).devices
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
        """Each current neuro check in [start, end], in time order; the stay's checks are read once
        and kept until a record of the patient is appended (a year of 4-hourly checks is 2,190)."""
        stamp = self._q.last_rowid()  # read first: a record appended meanwhile is caught next time
        cached = self._neuro.get(patient_id)
        if cached is None or (cached[0] != stamp and self._q.appended_since(patient_id, cached[0])):
            tools = {t.value: t for t in EncephalopathyTool}
            scores = []
            stay = self._q.span(patient_id)
            rows = (
                []
                if stay is None
                else self._q.neuro_scores(
                    patient_id, parse_utc(stay[0]).timestamp(), parse_utc(stay[1]).timestamp()
                )
            )
            for observed, tool, ice, capd, ice_na, capd_na in rows:
                ice_tool = tool == EncephalopathyTool.ICE.value
                scores.append(
                    NeuroScore(
                        parse_utc(observed).timestamp(),
                        tools[tool],
                        ice if ice_tool else capd,
                        ice_na if ice_tool else capd_na,
                    )
                )
            cached = (stamp, scores, [s.t for s in scores])
        self._neuro[patient_id] = (stamp, cached[1], cached[2])
        first = bisect.bisect_left(cached[2], start.timestamp())
        last = bisect.bisect_right(cached[2], end.timestamp())
        return cached[1][first:last]

    def grades(
        self, patient_id: str, syndrome: Syndrome, start: datetime, end: datetime
    ) -> list[Step]:
        """The stored grade (what the ward saw at the time, DESIGN 3) as steps: the grade in force at
        `start`, then each change up to `end`. A None step is a grade that could not be determined."""
        # both grades' changes are read in one pass and kept together; this syndrome's are the rows
        # where its grade differs from the one before
        both = self._stay_hours(patient_id).grades
        k = 0 if syndrome is Syndrome.CRS else 1
        changes: list[tuple[float, Any]] = []
        for t, grades in both:
            if not changes or grades[k] != changes[-1][1]:
                changes.append((t, grades[k]))
        return [Step(t, grade) for t, grade in _window(changes, start, end)]

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


def _changes(
    rows: Sequence[tuple[Any, ...]], width: int, value: Callable[[tuple[Any, ...]], Any]
) -> list[tuple[float, Any]]:
    """The stay's changes from the roll-up's change rows (time, `width` values, the JSON of the hour's
    later changes): every row's entries in order, each kept where it differs from the one before
    (`value` turns the stored values into the kept one)."""
    out: list[tuple[float, Any]] = []
    previous: object = _NOTHING
    for row in rows:
        entries = [(row[0], tuple(row[1 : 1 + width]))]
        more = row[1 + width]
        if more is not None:
            entries += [(e[0], tuple(e[1:])) for e in json.loads(more)]
        for when, stored in entries:
            if stored != previous:
                out.append((float(when), value(stored)))
                previous = stored
    return out


_NOTHING = object()


def _bucketed(
    hours: np.ndarray, lo: np.ndarray, hi: np.ndarray, per_bucket: int, gap_s: float
) -> Series:
    """One vital's hourly minimum and maximum (NaN: not measured that hour) as two points per bucket of
    `per_bucket` clock hours: the bucket's minimum at a quarter past its first measured hour, its maximum
    at a quarter to its last (one hour: exactly the hourly envelope). A None goes between measured hours
    farther apart than `gap_s`, and a bucket is split there, so neither a gap nor a peak is hidden by
    the bucketing. Vectorised: a year of hours is bucketed in well under a millisecond."""
    measured = ~(np.isnan(lo) | np.isnan(hi))
    h, low, high = hours[measured], lo[measured], hi[measured]
    if len(h) == 0:
        return Series((), (), hourly=True)
    gap = np.diff(h) * HOUR_S > gap_s
    split = gap | (np.diff(h // per_bucket) != 0)
    starts = np.flatnonzero(np.concatenate(([True], split)))
    ends = np.concatenate((starts[1:], [len(h)])) - 1
    first, last = h[starts].astype(float), h[ends].astype(float)
    # a gap follows a bucket where the split after it was a gap (never after the last bucket)
    after = np.concatenate((gap[starts[1:] - 1], [False]))
    following = np.concatenate((first[1:], [0.0]))
    t = np.column_stack(
        (
            first * HOUR_S + HOUR_S / 4,
            last * HOUR_S + 3 * HOUR_S / 4,
            (last + following) * HOUR_S / 2,
        )
    )
    v = np.column_stack(
        (
            np.minimum.reduceat(low, starts),
            np.maximum.reduceat(high, starts),
            np.full(len(starts), np.nan),
        )
    )
    keep = np.column_stack((np.ones(len(starts), bool), np.ones(len(starts), bool), after))
    kept = v[keep]
    out_v = kept.astype(object)
    out_v[np.isnan(kept)] = None  # the gap
    return Series(tuple(t[keep].tolist()), tuple(out_v.tolist()), hourly=True)


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
