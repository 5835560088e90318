"""Age-based norms: the PALS hypotension threshold (SPEC 2.3) and the Bedside PEWS bands (SPEC 10).

Every age-dependent number of the engine lives here, as data, so that the plots draw their threshold bands from
the same tables the grades are computed from.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

DAYS_PER_YEAR = 365.25


def completed_years(age_years: float) -> int:
    """Completed years of age (D5, D12)."""
    return math.floor(age_years)


def pals_sbp_threshold(age_years: float) -> int:
    """SBP below this value (strict `<`) is hypotension for CRS (SPEC 2.3, D5: completed years)."""
    if age_years < 28 / DAYS_PER_YEAR:
        return 60  # SPEC 2.3 [S]: neonate row, outside the trial's age range
    if age_years < 1:
        return 70  # SPEC 2.3 [S]: infant row, outside the trial's age range
    return 70 + 2 * min(
        completed_years(age_years), 10
    )  # SPEC 2.3 [V]: 1-10 y formula, > 10 y -> 90


def pals_threshold_fractional(age_years: float) -> float:
    """The same formula with fractional age; used only to flag where D5's rounding changes the answer."""
    if age_years < 1:
        return float(pals_sbp_threshold(age_years))
    return 70 + 2 * min(age_years, 10.0)


# Ages at which the ICANS tool changes (SPEC 5.3) and the early-warning scores apply (SPEC 9, 10, D11).
ICE_MIN_AGE_YEARS = 12.0
NEWS2_MIN_AGE_YEARS = 16.0
PEWS_MAX_AGE_YEARS = 18.0  # Bedside PEWS was derived in inpatients < 18 y


class PewsAgeBand(StrEnum):
    """Bedside PEWS age bands (SPEC 10, D12: completed years where the printed bands overlap)."""

    MONTHS_0_3 = "0–3 months"
    MONTHS_3_12 = "3–12 months"
    YEARS_1_4 = "1–4 years"
    YEARS_4_12 = "4–12 years"
    OVER_12 = "> 12 years"


def pews_age_band(age_years: float) -> PewsAgeBand:
    if age_years < 0.25:
        return PewsAgeBand.MONTHS_0_3
    if age_years < 1:
        return PewsAgeBand.MONTHS_3_12
    if age_years < 4:
        return PewsAgeBand.YEARS_1_4
    if completed_years(age_years) <= 12:
        return PewsAgeBand.YEARS_4_12
    return PewsAgeBand.OVER_12


@dataclass(frozen=True, slots=True)
class Cut:
    """One printed cell edge: `value op limit`, e.g. `>= 150` or `<= 110`."""

    op: str  # one of ">=", ">", "<=", "<"
    limit: float

    def holds(self, value: float) -> bool:
        compare: dict[str, Callable[[float, float], bool]] = {
            ">=": lambda a, b: a >= b,
            ">": lambda a, b: a > b,
            "<=": lambda a, b: a <= b,
            "<": lambda a, b: a < b,
        }
        return compare[self.op](value, self.limit)

    def __str__(self) -> str:
        limit = int(self.limit) if float(self.limit).is_integer() else self.limit
        shown = {">=": "≥", "<=": "≤"}.get(self.op, self.op)  # as printed on the chart
        return f"{shown} {limit}"


def ge(x: float) -> Cut:
    return Cut(">=", x)


def le(x: float) -> Cut:
    return Cut("<=", x)


# A PEWS vital-sign row for one age band: points -> (high cut, low cut); 0 points when no cut holds.
# Evaluated from the highest sub-score downwards (SPEC 10). Bold cells of the paper kept as printed (D12).
PewsRow = dict[int, tuple[Cut, Cut]]

PEWS_HEART_RATE: dict[PewsAgeBand, PewsRow] = {
    PewsAgeBand.MONTHS_0_3: {4: (ge(190), le(80)), 2: (ge(180), le(90)), 1: (ge(150), le(110))},
    PewsAgeBand.MONTHS_3_12: {4: (ge(180), le(70)), 2: (ge(170), le(80)), 1: (ge(150), le(100))},
    PewsAgeBand.YEARS_1_4: {4: (ge(170), le(60)), 2: (ge(150), le(70)), 1: (ge(120), le(90))},
    PewsAgeBand.YEARS_4_12: {
        4: (Cut(">", 150), le(50)),
        2: (ge(130), le(60)),
        1: (ge(110), le(70)),
    },
    PewsAgeBand.OVER_12: {4: (ge(140), le(40)), 2: (ge(120), Cut("<", 50)), 1: (ge(100), le(60))},
}

PEWS_SYSTOLIC_BP: dict[PewsAgeBand, PewsRow] = {
    PewsAgeBand.MONTHS_0_3: {4: (ge(130), le(45)), 2: (ge(100), le(50)), 1: (ge(80), le(60))},
    PewsAgeBand.MONTHS_3_12: {4: (ge(150), le(60)), 2: (ge(120), le(70)), 1: (ge(100), le(80))},
    PewsAgeBand.YEARS_1_4: {4: (ge(160), le(65)), 2: (ge(125), le(75)), 1: (ge(110), le(90))},
    PewsAgeBand.YEARS_4_12: {4: (ge(170), le(70)), 2: (ge(140), le(80)), 1: (ge(120), le(90))},
    PewsAgeBand.OVER_12: {4: (ge(190), le(75)), 2: (ge(150), le(85)), 1: (ge(130), le(100))},
}

PEWS_RESPIRATORY_RATE: dict[PewsAgeBand, PewsRow] = {
    PewsAgeBand.MONTHS_0_3: {4: (ge(91), le(15)), 2: (ge(81), le(19)), 1: (ge(61), le(29))},
    PewsAgeBand.MONTHS_3_12: {4: (ge(81), le(15)), 2: (ge(71), le(19)), 1: (ge(51), le(24))},
    PewsAgeBand.YEARS_1_4: {4: (ge(71), le(12)), 2: (ge(61), le(15)), 1: (ge(41), le(19))},
    PewsAgeBand.YEARS_4_12: {4: (ge(51), le(10)), 2: (ge(41), le(14)), 1: (ge(31), le(19))},
    PewsAgeBand.OVER_12: {4: (ge(30), le(9)), 2: (ge(23), le(10)), 1: (ge(17), le(11))},
}

# D12: cells that may be typesetting slips in the paper, implemented as printed and flagged when decisive.
PEWS_PRINTED_CELLS: dict[PewsAgeBand, float] = {
    PewsAgeBand.YEARS_4_12: 150,  # heart rate "> 150" for 4 points where the others read ">="
    PewsAgeBand.OVER_12: 50,  # heart rate "< 50" for 2 points where the others read "<="
}


def pews_row_points(row: PewsRow, value: float) -> tuple[int, Cut | None]:
    """Points of a PEWS row and the cut that gave them (None for 0 points)."""
    for points in sorted(row, reverse=True):
        for cut in row[points]:
            if cut.holds(value):
                return points, cut
    return 0, None


# SPEC 10, other items.
PEWS_CRT_4_POINTS_FROM_S = 3.0  # capillary refill >= 3 s -> 4 points
PEWS_SPO2_2_POINTS_AT_OR_BELOW = 90  # [V]
PEWS_SPO2_1_POINT_AT_OR_BELOW = 94  # [U] 91-94 -> 1
PEWS_O2_HIGH_FLOW_L_MIN = 4.0  # oxygen >= 4 L/min -> 4 points
PEWS_O2_HIGH_FIO2 = 0.5  # oxygen >= 50 % -> 4 points
