"""NEWS2 (Royal College of Physicians 2017), adults from 16 years (SPEC section 9, D11)."""

from __future__ import annotations

from decimal import Decimal

from bedside.clinical.assessment import Domain, Flag, Reason, ScoreResult
from bedside.clinical.crs import temperature_c
from bedside.clinical.norms import NEWS2_MIN_AGE_YEARS, pals_sbp_threshold
from bedside.clinical.state import PatientState
from bedside.clinical.vocabulary import Acvpu, O2Device, Spo2Scale

# Each table: (upper bound inclusive, points), read top to bottom; the first bound >= value wins.
RESPIRATION_RATE = ((8, 3), (11, 1), (20, 0), (24, 2), (float("inf"), 3))
SPO2_SCALE_1 = ((91, 3), (93, 2), (95, 1), (float("inf"), 0))
SYSTOLIC_BP = ((90, 3), (100, 2), (110, 1), (219, 0), (float("inf"), 3))
PULSE = ((40, 3), (50, 1), (90, 0), (110, 1), (130, 2), (float("inf"), 3))
# SPEC 9 [D]: temperature at 0.1 °C resolution; values between printed bands fall to the band above.
TEMPERATURE_C = (
    (Decimal("35.0"), 3),
    (Decimal("36.0"), 1),
    (Decimal("38.0"), 0),
    (Decimal("39.0"), 1),
    (Decimal("Infinity"), 2),
)
OXYGEN_POINTS = 2
CONSCIOUSNESS_POINTS = {Acvpu.ALERT: 0}  # C, V, P, U all score 3
RED_SCORE = 3


def _band(
    table: tuple[tuple[float, int], ...] | tuple[tuple[Decimal, int], ...], value: float
) -> int:
    for upper, points in table:
        if value <= upper:
            return points
    raise AssertionError("tables end with infinity")


def spo2_scale_2(spo2: float, on_oxygen: bool) -> int:
    """SPEC 9, SpO2 scale 2 (prescribed target 88-92 %)."""
    if spo2 <= 83:
        return 3
    if spo2 <= 85:
        return 2
    if spo2 <= 87:
        return 1
    if spo2 <= 92 or not on_oxygen:
        return 0
    if spo2 <= 94:
        return 1
    if spo2 <= 96:
        return 2
    return 3


def _reason(criterion: str, points: int | None, text: str) -> Reason:
    return Reason(Domain.NEWS2, criterion, points, text)


def score_news2(state: PatientState) -> ScoreResult:
    if state.age_years < NEWS2_MIN_AGE_YEARS or state.o2_device is O2Device.INVASIVE_VENTILATION:
        why = "age below 16" if state.age_years < NEWS2_MIN_AGE_YEARS else "invasive ventilation"
        reason = _reason("applicability", None, f"not applicable ({why})")
        return ScoreResult(
            False, None, None, (), None, (reason,), frozenset({Flag.NEWS2_NOT_APPLICABLE})
        )

    points: dict[str, int] = {}
    reasons: list[Reason] = []
    missing: list[str] = []

    def put(name: str, value: int, text: str) -> None:
        points[name] = value
        reasons.append(_reason(name, value, text))

    on_oxygen = None if state.o2_device is None else state.o2_device is not O2Device.ROOM_AIR
    if state.rr is None:
        missing.append("rr")
    else:
        put("rr", _band(RESPIRATION_RATE, state.rr), f"RR {state.rr:g}")
    if state.spo2 is None:
        missing.append("spo2")
    elif state.spo2_scale is Spo2Scale.SCALE_2:
        if on_oxygen is None and state.spo2 >= 93:
            missing.append("spo2")  # scale 2 at >= 93 % depends on air vs oxygen
        else:
            put("spo2", spo2_scale_2(state.spo2, bool(on_oxygen)), f"SpO2 {state.spo2:g} (scale 2)")
    else:
        put("spo2", _band(SPO2_SCALE_1, state.spo2), f"SpO2 {state.spo2:g}")
    if on_oxygen is None:
        missing.append("o2_device")
    else:
        put("air_or_oxygen", OXYGEN_POINTS if on_oxygen else 0, "oxygen" if on_oxygen else "air")
    if state.sbp is None:
        missing.append("sbp")
    else:
        put("sbp", _band(SYSTOLIC_BP, state.sbp), f"SBP {state.sbp:g}")
    if state.hr is None:
        missing.append("hr")
    else:
        put("hr", _band(PULSE, state.hr), f"pulse {state.hr:g}")
    if state.acvpu is None:
        missing.append("acvpu")
    else:
        put("acvpu", CONSCIOUSNESS_POINTS.get(state.acvpu, 3), f"ACVPU {state.acvpu.value}")
    temp = temperature_c(state)
    if temp is None:
        missing.append("temperature")
    else:
        put("temperature", _band(TEMPERATURE_C, float(temp)), f"temperature {temp} °C")

    flags: set[Flag] = set()
    total = sum(points.values())
    red = any(p == RED_SCORE for p in points.values())
    sbp = state.sbp
    if (
        points.get("sbp") == RED_SCORE
        and sbp is not None
        and sbp >= pals_sbp_threshold(state.age_years)
    ):
        flags.add(Flag.NEWS2_SBP_90_NOT_HYPOTENSION)  # SPEC 12.8: two notions of hypotension
    if missing:
        flags.add(Flag.NEWS2_INCOMPLETE)
        text = f"incomplete: missing {', '.join(missing)}; partial sum {total}"
        reasons.append(_reason("incomplete", None, text))
        return ScoreResult(
            True, None, total, tuple(missing), None, tuple(reasons), frozenset(flags)
        )
    if red:
        flags.add(Flag.NEWS2_SINGLE_PARAMETER_3)
    return ScoreResult(True, total, None, (), red, tuple(reasons), frozenset(flags))
