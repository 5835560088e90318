"""CRS grade by the ASTCT 2019 consensus (SPEC section 3), with the oxygen classes of section 4."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bedside.clinical.assessment import CrsResult, Domain, Flag, Reason
from bedside.clinical.norms import pals_sbp_threshold, pals_threshold_fractional
from bedside.clinical.state import PatientState
from bedside.clinical.vocabulary import O2Device, O2Indication

FEVER_C = Decimal("38.0")  # SPEC 2.1: >= 38.0 °C
LOW_FLOW_MAX_L_MIN = 6.0  # SPEC 3.2 footnote e: low flow <= 6 L/min, high flow > 6 L/min

# SPEC section 4: hypoxia class by device when the flow does not decide.
_ALWAYS_HIGH = {O2Device.SIMPLE_FACE_MASK, O2Device.VENTURI_MASK, O2Device.NON_REBREATHER}
_POSITIVE_PRESSURE = {O2Device.CPAP, O2Device.BIPAP, O2Device.INVASIVE_VENTILATION}
_O2_COUNTS = {O2Indication.CRS_HYPOXIA, O2Indication.UNKNOWN}


def fahrenheit_to_celsius(temp_f: float) -> Decimal:
    """D8: decimal arithmetic, rounded to 0.1 °C before any comparison."""
    celsius = (Decimal(str(temp_f)) - 32) * 5 / 9
    return celsius.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def temperature_c(state: PatientState) -> Decimal | None:
    if state.temp_c is not None:
        return Decimal(str(state.temp_c))
    if state.temp_f is not None:
        return fahrenheit_to_celsius(state.temp_f)
    return None


@dataclass(frozen=True, slots=True)
class _Domain:
    grade: int
    missing: bool
    reasons: tuple[Reason, ...]
    flags: frozenset[Flag]


def _reason(criterion: str, points: int | None, text: str) -> Reason:
    return Reason(Domain.CRS, criterion, points, text)


def hypotension_domain(state: PatientState) -> tuple[_Domain, bool | None, bool]:
    """SPEC 2.3 and 3.3. Returns the domain, the measured hypotension (None if unknown) and on-pressor."""
    flags: set[Flag] = set()
    reasons: list[Reason] = []
    agents = set(state.vasopressors)
    inotropes = {a for a in agents if a.is_inotrope}
    pressors = agents - inotropes
    non_vasopressin = {a for a in pressors if not a.is_vasopressin_like}
    threshold = pals_sbp_threshold(state.age_years)
    measured: bool | None = None if state.sbp is None else state.sbp < threshold

    if inotropes:
        # D4: inotropes are not vasopressors by the letter; a physician adjudicates.
        flags.add(Flag.INOTROPE_NOT_VASOPRESSOR)
        names = ", ".join(sorted(a.value for a in inotropes))
        reasons.append(_reason("inotrope", 0, f"{names} running: not counted as a vasopressor"))

    if pressors:
        grade = 4 if len(non_vasopressin) >= 2 else 3  # SPEC 3.3 counting rule
        names = ", ".join(sorted(a.value for a in pressors))
        if grade == 4:
            text = f"multiple vasopressors running ({names})"
            if state.pressor_transition_overlap is not False:
                flags.add(Flag.PRESSOR_TRANSITION_OVERLAP)  # D4: overlap counts literally
                text += "; if this is a switch between agents, it still counts (adjudicate)"
        else:
            text = f"vasopressor running ({names})"
        if any(a.is_vasopressin_like for a in pressors) and len(non_vasopressin) == 1:
            flags.add(Flag.VASOPRESSIN_NOT_MULTIPLE)  # SPEC 3.3
            text += "; vasopressin does not count towards multiple"
        if state.sbp is not None and not measured:
            flags.add(Flag.BP_NORMAL_ON_VASOPRESSOR)
            text += f"; SBP {state.sbp:g} on vasopressor, graded by requirement"
        reasons.append(_reason("vasopressor", grade, text))
    elif state.sbp is None:
        reasons.append(_reason("hypotension", None, "no SBP recorded and no vasopressor running"))
        return _Domain(0, True, tuple(reasons), frozenset(flags)), None, False
    else:
        grade = 2 if measured else 0
        relation = "<" if measured else "≥"
        text = f"SBP {state.sbp:g} {relation} {threshold} (threshold for age)"
        reasons.append(_reason("hypotension", grade, text + ("; no vasopressor" if grade else "")))
        if state.age_years < 18:
            flags.add(Flag.PEDS_HYPOTENSION_THRESHOLD_APPLIED)
            frac = pals_threshold_fractional(state.age_years)
            if threshold <= state.sbp < frac:
                flags.add(Flag.AGE_ROUNDING_POLICY)  # D5: completed years decide (V045)

    if grade and state.hypotension_attributed_to_other_cause:
        flags.add(Flag.HYPOTENSION_ATTRIBUTED_OTHER_CAUSE)  # D9, footnote d
        reasons.append(_reason("hypotension", 0, "hypotension attributed to another cause"))
        grade = 0
    return _Domain(grade, False, tuple(reasons), frozenset(flags)), measured, bool(pressors)


def hypoxia_domain(state: PatientState) -> _Domain:
    """SPEC 2.4 and section 4: the oxygen support required for CRS hypoxia."""
    device, flow = state.o2_device, state.o2_flow_l_min
    if device is None:
        reason = _reason("hypoxia", None, "no oxygen device recorded")
        return _Domain(0, True, (reason,), frozenset())
    if device is O2Device.ROOM_AIR:
        return _Domain(0, False, (_reason("hypoxia", 0, "room air"),), frozenset())

    flags: set[Flag] = set()
    missing = False
    support = "oxygen by " + device.value.replace("_", " ")
    support += f" {flow:g} L/min" if flow is not None else ""
    if device in _POSITIVE_PRESSURE:
        grade = 4
        support += ": positive pressure"
    elif device in _ALWAYS_HIGH:
        grade = 3
        support += ": facemask class (any flow)"
    elif device is O2Device.BLOW_BY:
        grade = 2  # footnote e: blow-by is low flow at any flow
        support += ": blow-by counts as low flow"
    elif flow is None:
        grade, missing = 2, True  # at least low flow; the flow decides between 2 and 3
        support += " (flow not recorded: at least low flow)"
    elif flow > LOW_FLOW_MAX_L_MIN:
        grade = 3
        support += ": high flow (> 6 L/min)"
    else:
        grade = 2
        support += ": low flow (≤ 6 L/min)"
        if device is O2Device.HIGH_FLOW_NASAL_CANNULA:
            flags.add(Flag.HFNC_LOW_FLOW_ADJUDICATE)  # D3

    indication = state.o2_indication or O2Indication.UNKNOWN
    if indication not in _O2_COUNTS:
        flags.add(Flag.O2_NOT_ATTRIBUTED_TO_CRS)
        text = f"{support} for another reason ({indication.value}): not counted"
        return _Domain(0, False, (_reason("hypoxia", 0, text),), frozenset(flags))
    if indication is O2Indication.UNKNOWN:
        flags.add(Flag.O2_INDICATION_UNKNOWN)  # D6: counts, and asks for the indication
        support += ", indication unknown"
    return _Domain(grade, missing, (_reason("hypoxia", grade, support),), frozenset(flags))


def waiver_active(state: PatientState) -> bool:
    """SPEC 2.2: CRS fever documented, then antipyretic/anti-cytokine given, episode still open (D7)."""
    return (
        state.crs_fever_previously_documented
        and state.antipyretic_or_anticytokine_given_after_crs_onset
        and state.crs_episode_open
    )


def grade_crs(state: PatientState) -> CrsResult:
    """SPEC 3.4."""
    temp = temperature_c(state)
    fever = None if temp is None else temp >= FEVER_C
    flags: set[Flag] = set()
    reasons: list[Reason] = []
    if state.temp_c is None and state.temp_f is not None:
        flags.add(Flag.FAHRENHEIT_CONVERTED)
    if temp is not None:
        shown = f"{temp} °C" + (f" ({state.temp_f:g} °F)" if state.temp_c is None else "")
        reasons.append(
            _reason("fever", None, f"temperature {shown}: {'' if fever else 'no '}fever")
        )

    hypo, hypotension, on_pressor = hypotension_domain(state)
    oxy = hypoxia_domain(state)
    flags |= hypo.flags | oxy.flags
    reasons += [*hypo.reasons, *oxy.reasons]
    organ = max(hypo.grade, oxy.grade)  # footnote d: the more severe of the two
    waiver = waiver_active(state)
    if_fever = max(1, organ)

    def result(
        grade: int | None, *, lower: bool = False, if_febrile: int | None = None
    ) -> CrsResult:
        return CrsResult(
            fever=fever,
            temp_c=None if temp is None else float(temp),
            hypotension=hypotension,
            on_vasopressor=on_pressor,
            hypotension_grade=hypo.grade,
            hypoxia_grade=oxy.grade,
            grade=grade,
            grade_is_lower_bound=lower,
            grade_if_fever_confirmed=if_febrile,
            waiver_active=waiver,
            reasons=tuple(reasons),
            flags=frozenset(flags),
            domains_missing=frozenset(
                name
                for name, unknown in (
                    ("hypotension", hypo.missing),
                    ("hypoxia", state.o2_device is None),
                )
                if unknown
            ),
        )

    before = state.before_infusion
    if before is None:
        before = state.day_post_infusion is not None and state.day_post_infusion < 0
    if before:
        # D27: decided by the instant (before `infusion_at`), not the day number.
        # SPEC 2.1 / 12.19: before infusion (lymphodepletion) a fever is not CRS; alert as infection.
        if fever:
            flags.add(Flag.PRE_INFUSION_FEVER_NOT_CRS)
        reasons.append(_reason("pre_infusion", 0, "before infusion: not CRS"))
        return result(0)

    fever_ok = bool(fever) and not state.fever_attributed_to_other_cause
    if fever and state.fever_attributed_to_other_cause:
        flags.add(Flag.FEVER_ATTRIBUTED_OTHER_CAUSE)
        reasons.append(_reason("fever", 0, "fever attributed to another cause by a physician"))
    if state.premedication_acetaminophen_at_infusion and not state.crs_fever_previously_documented:
        flags.add(Flag.FEVER_POSSIBLY_MASKED)  # D7: premedication does not start the waiver

    lower = hypo.missing or oxy.missing
    if fever is None and not (waiver and organ > 0):
        # SPEC 12.1: missing temperature never reads as afebrile.
        flags.add(Flag.TEMPERATURE_MISSING)
        reasons.append(_reason("fever", None, f"no temperature: grade {if_fever} if febrile"))
        return result(None, if_febrile=if_fever)

    if organ == 0:
        grade = 1 if fever_ok else 0
        if grade:
            reasons.append(_reason("fever", 1, "fever without hypotension or hypoxia"))
    elif fever_ok or waiver:
        grade = organ
        if not fever_ok:
            flags.add(Flag.FEVER_WAIVER_ACTIVE)  # the grade rests on the waiver (SPEC 2.2)
            reasons.append(_reason("waiver", organ, "fever waiver: CRS fever treated earlier"))
    else:
        grade = 0
        flags.add(Flag.NO_FEVER_NO_WAIVER)  # SPEC 12.3: escalate through NEWS2/PEWS instead
        reasons.append(
            _reason("no_fever", 0, f"hypotension/hypoxia (grade {organ}) without fever: not CRS")
        )
    if grade == 0 and state.crs_episode_open:
        flags.add(Flag.CRS_CRITERIA_NOT_MET_EPISODE_OPEN)
    if lower and grade < 4:
        flags.add(Flag.CRS_DOMAIN_MISSING)
    return result(grade, lower=lower and grade < 4, if_febrile=None if fever else if_fever)
