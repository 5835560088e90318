"""Bedside PEWS (Parshuram 2009), below 18 years (SPEC section 10, D11, D12)."""

from __future__ import annotations

from bedside.clinical.assessment import Domain, Flag, Reason, ScoreResult
from bedside.clinical.norms import (
    PEWS_CRT_4_POINTS_FROM_S,
    PEWS_HEART_RATE,
    PEWS_MAX_AGE_YEARS,
    PEWS_O2_HIGH_FIO2,
    PEWS_O2_HIGH_FLOW_L_MIN,
    PEWS_PRINTED_CELLS,
    PEWS_RESPIRATORY_RATE,
    PEWS_SPO2_1_POINT_AT_OR_BELOW,
    PEWS_SPO2_2_POINTS_AT_OR_BELOW,
    PEWS_SYSTOLIC_BP,
    pews_age_band,
    pews_row_points,
)
from bedside.clinical.state import PatientState
from bedside.clinical.vocabulary import O2Device, RespEffort

RESP_EFFORT_POINTS = {
    RespEffort.NORMAL: 0,
    RespEffort.MILD: 1,
    RespEffort.MODERATE: 2,
    RespEffort.SEVERE_OR_APNOEA: 4,
}
# SPEC section 4, PEWS column: devices that score 4 whatever the flow.
_ALWAYS_4 = {O2Device.NON_REBREATHER, O2Device.CPAP, O2Device.BIPAP, O2Device.INVASIVE_VENTILATION}


def oxygen_therapy_points(device: O2Device, flow: float | None, fio2: float | None) -> int | None:
    """SPEC 10 and section 4: room air 0; < 4 L/min and < 50 % -> 2; >= 4 L/min or >= 50 % -> 4."""
    if device is O2Device.ROOM_AIR:
        return 0
    if device in _ALWAYS_4:
        return 4
    if (flow is not None and flow >= PEWS_O2_HIGH_FLOW_L_MIN) or (
        fio2 is not None and fio2 >= PEWS_O2_HIGH_FIO2
    ):
        return 4
    if flow is None and fio2 is None:
        return None  # oxygen is on, but neither flow nor FiO2 says how much
    return 2


def spo2_points(spo2: float) -> int:
    if spo2 <= PEWS_SPO2_2_POINTS_AT_OR_BELOW:
        return 2
    return 1 if spo2 <= PEWS_SPO2_1_POINT_AT_OR_BELOW else 0


def _reason(criterion: str, points: int | None, text: str) -> Reason:
    return Reason(Domain.PEWS, criterion, points, text)


def score_pews(state: PatientState) -> ScoreResult:
    if state.age_years >= PEWS_MAX_AGE_YEARS:
        return ScoreResult(False, None, None, (), None, (), frozenset())
    band = pews_age_band(state.age_years)
    points: dict[str, int] = {}
    reasons: list[Reason] = []
    missing: list[str] = []
    flags: set[Flag] = set()

    def put(name: str, value: int, text: str) -> None:
        points[name] = value
        reasons.append(_reason(name, value, text))

    for name, value, row, label in (
        ("hr", state.hr, PEWS_HEART_RATE[band], "HR"),
        ("sbp", state.sbp, PEWS_SYSTOLIC_BP[band], "SBP"),
        ("rr", state.rr, PEWS_RESPIRATORY_RATE[band], "RR"),
    ):
        if value is None:
            missing.append(name)
            continue
        got, cut = pews_row_points(row, value)
        put(name, got, f"{label} {value:g} ({band.value}{f': {cut}' if cut else ''})")
        if name == "hr" and PEWS_PRINTED_CELLS.get(band) == value:
            flags.add(Flag.PEWS_PRINTED_BAND_CELL)  # D12: a bold cell of the paper decided
    if state.crt_s is None:
        missing.append("crt_s")
    else:
        crt = 4 if state.crt_s >= PEWS_CRT_4_POINTS_FROM_S else 0
        put("crt_s", crt, f"capillary refill {state.crt_s:g} s")
    if state.resp_effort is None:
        missing.append("resp_effort")
    else:
        effort = state.resp_effort
        put("resp_effort", RESP_EFFORT_POINTS[effort], f"respiratory effort {effort.value}")
    if state.spo2 is None:
        missing.append("spo2")
    else:
        put("spo2", spo2_points(state.spo2), f"SpO2 {state.spo2:g}")
    o2 = None
    if state.o2_device is not None:
        o2 = oxygen_therapy_points(state.o2_device, state.o2_flow_l_min, state.fio2)
    if o2 is None:
        missing.append("o2_therapy")
    else:
        put("o2_therapy", o2, "room air" if o2 == 0 else f"oxygen ({state.o2_device})")

    total = sum(points.values())
    if missing:
        flags.add(Flag.PEWS_INCOMPLETE)
        text = f"incomplete: missing {', '.join(missing)}; partial sum {total}"
        reasons.append(_reason("incomplete", None, text))
        return ScoreResult(
            True, None, total, tuple(missing), None, tuple(reasons), frozenset(flags)
        )
    return ScoreResult(True, total, None, (), None, tuple(reasons), frozenset(flags))
