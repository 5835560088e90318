"""The graded result of one time point: grades, scores, the reasons behind them and the flags raised."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bedside.clinical.vocabulary import EncephalopathyTool


class Flag(StrEnum):
    """Codes that travel with an assessment; the UI words them. Adjudication flags ask a physician to decide."""

    # CRS
    TEMPERATURE_MISSING = "TEMPERATURE_MISSING"
    CRS_DOMAIN_MISSING = "CRS_DOMAIN_MISSING"
    FAHRENHEIT_CONVERTED = "FAHRENHEIT_CONVERTED"
    PRE_INFUSION_FEVER_NOT_CRS = "PRE_INFUSION_FEVER_NOT_CRS"
    FEVER_WAIVER_ACTIVE = "FEVER_WAIVER_ACTIVE"
    FEVER_POSSIBLY_MASKED = "FEVER_POSSIBLY_MASKED"
    FEVER_ATTRIBUTED_OTHER_CAUSE = "FEVER_ATTRIBUTED_OTHER_CAUSE"
    HYPOTENSION_ATTRIBUTED_OTHER_CAUSE = "HYPOTENSION_ATTRIBUTED_OTHER_CAUSE"
    NO_FEVER_NO_WAIVER = "NO_FEVER_NO_WAIVER_HYPOTENSION_OR_HYPOXIA_NOT_GRADED_AS_CRS"
    CRS_WAIVER_REVIEW = "CRS_WAIVER_REVIEW"  # D23: afebrile for the review time on the waiver
    CRS_CRITERIA_NOT_MET_EPISODE_OPEN = "CRS_CRITERIA_NOT_MET_EPISODE_OPEN"
    BP_NORMAL_ON_VASOPRESSOR = "BP_NORMAL_ON_VASOPRESSOR_GRADED_BY_REQUIREMENT"
    VASOPRESSIN_NOT_MULTIPLE = "VASOPRESSIN_DOES_NOT_COUNT_TOWARD_MULTIPLE"
    INOTROPE_NOT_VASOPRESSOR = "INOTROPE_NOT_COUNTED_ADJUDICATE"
    PRESSOR_TRANSITION_OVERLAP = "PRESSOR_TRANSITION_OVERLAP"
    PEDS_HYPOTENSION_THRESHOLD_APPLIED = "PEDS_HYPOTENSION_THRESHOLD_APPLIED"
    AGE_ROUNDING_POLICY = "AGE_ROUNDING_POLICY"
    HFNC_LOW_FLOW_ADJUDICATE = "HFNC_DEVICE_AT_LE_6_LPM_ADJUDICATE"
    O2_NOT_ATTRIBUTED_TO_CRS = "O2_NOT_ATTRIBUTED_TO_CRS"
    O2_INDICATION_UNKNOWN = "O2_INDICATION_UNKNOWN"
    # ICANS
    ICANS_NOT_ASSESSABLE = "ICANS_NOT_ASSESSABLE"
    ICANS_LOWER_BOUND = "ICANS_LOWER_BOUND"
    WRONG_TOOL_FOR_AGE = "WRONG_TOOL_FOR_AGE"
    SEDATION_CONFOUNDS_CONSCIOUSNESS = "SEDATION_CONFOUNDS_CONSCIOUSNESS"
    TREMOR_EXCLUDED = "TREMOR_EXCLUDED"
    ICH_EXCLUDED = "ICH_EXCLUDED_GRADE_PER_CTCAE"
    CAPD_LITERAL_GRADE_1 = "CAPD_1_8_LITERAL_GRADE_1_BASELINE_POLICY"
    BASELINE_BELOW_FULL_SCORE = "BASELINE_BELOW_FULL_SCORE_ADJUDICATE"
    FEBRILE_SEIZURE_ATTRIBUTION = "FEBRILE_SEIZURE_ATTRIBUTION"
    SEIZURE_ATTRIBUTED_OTHER_CAUSE = "SEIZURE_ATTRIBUTED_OTHER_CAUSE"
    SEIZURE_DURATION_BOUNDARY = "SEIZURE_DURATION_AT_5_MIN_ADJUDICATE"
    ICE_CONFUSION_ACVPU = "ICE_CONFUSION_MAPPING_TO_ACVPU_CLINICIAN"
    NEURO_ASSESSMENT_OVERDUE = "NEURO_ASSESSMENT_OVERDUE"
    ICANS_WITHOUT_CRS = "ICANS_WITHOUT_CRS"
    # Episodes (D10)
    EPISODE_MAX_RETAINED = "EPISODE_MAX_RETAINED"
    DOWNGRADE_REQUIRES_ACKNOWLEDGEMENT = "DOWNGRADE_REQUIRES_ACKNOWLEDGEMENT"
    # Early-warning scores
    NEWS2_NOT_APPLICABLE = "NEWS2_NOT_APPLICABLE"
    NEWS2_INCOMPLETE = "NEWS2_INCOMPLETE"
    NEWS2_SINGLE_PARAMETER_3 = "NEWS2_SINGLE_PARAMETER_3"
    NEWS2_SBP_90_NOT_HYPOTENSION = "NEWS2_SBP_90_SCORES_3_BUT_NOT_HYPOTENSION"
    PEWS_INCOMPLETE = "PEWS_INCOMPLETE"
    PEWS_PRINTED_BAND_CELL = "PEWS_PRINTED_BAND_CELL_APPLIED"
    STALE_VALUES = "STALE_VALUES_TREATED_AS_MISSING"


class Domain(StrEnum):
    """Which score a reason explains."""

    CRS = "crs"
    ICANS = "icans"
    NEWS2 = "news2"
    PEWS = "pews"


@dataclass(frozen=True, slots=True)
class Reason:
    """One criterion that contributed to a result, with the values it read (e.g. temp 38.6 °C)."""

    domain: Domain
    criterion: str  # short code of the criterion, e.g. "fever", "vasopressor", "ice_score"
    points: int | None  # the grade or score points this criterion gives; None if not assessable
    text: str  # a plain-English sentence for the CLI and logs; the UI may word it itself

    def render(self) -> str:
        """`CRS grade 2: SBP 78 < 82 ...`, `PEWS +2: HR 150 ...`, `NEWS2: not applicable ...`."""
        label = {
            Domain.CRS: "CRS",
            Domain.ICANS: "ICANS",
            Domain.NEWS2: "NEWS2",
            Domain.PEWS: "PEWS",
        }
        head = label[self.domain]
        if self.points is not None:
            scored = self.domain in (Domain.NEWS2, Domain.PEWS)
            head += f" +{self.points}" if scored else f" grade {self.points}"
        return f"{head}: {self.text}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain.value,
            "criterion": self.criterion,
            "points": self.points,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class CrsResult:
    fever: bool | None
    temp_c: float | None  # as compared (°F converted and rounded to 0.1 °C, D8)
    hypotension: bool | None  # None when SBP is missing and no vasopressor runs
    on_vasopressor: bool
    hypotension_grade: int
    hypoxia_grade: int
    grade: int | None
    grade_is_lower_bound: bool
    grade_if_fever_confirmed: int | None
    waiver_active: bool
    reasons: tuple[Reason, ...]
    flags: frozenset[Flag]
    domains_missing: frozenset[str] = frozenset()  # "hypotension", "hypoxia": inputs not recorded


@dataclass(frozen=True, slots=True)
class IcansResult:
    tool: EncephalopathyTool
    grade: int | None
    grade_is_lower_bound: bool
    reasons: tuple[Reason, ...]
    flags: frozenset[Flag]


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """NEWS2 or Bedside PEWS. `score` is None when not applicable or incomplete."""

    applicable: bool
    score: int | None
    partial_score: int | None  # sum over the parameters present, when some are missing
    missing: tuple[str, ...]
    any_single_parameter_3: bool | None  # NEWS2 red score; None for PEWS or when score is None
    reasons: tuple[Reason, ...]
    flags: frozenset[Flag]


@dataclass(frozen=True, slots=True)
class Assessment:
    """The graded picture of one time point (DESIGN section 5)."""

    crs: CrsResult
    icans: IcansResult
    news2: ScoreResult
    pews: ScoreResult
    crs_episode_max: int | None
    icans_episode_max: int | None
    flags: tuple[Flag, ...]
    rule_version: str
    policy_fingerprint: str
    extra_reasons: tuple[Reason, ...] = field(default=())

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return (
            self.crs.reasons
            + self.icans.reasons
            + self.news2.reasons
            + self.pews.reasons
            + self.extra_reasons
        )

    def as_contract(self) -> dict[str, Any]:
        """The JSON object of the `bedside grade` contract (SPEC "The bedside grade contract")."""
        hypotension: bool | str | None = self.crs.hypotension
        if self.crs.on_vasopressor:
            hypotension = "on_vasopressor(s): graded by requirement"
        return {
            "fever": self.crs.fever,
            "temp_c_compared": self.crs.temp_c,
            "hypotension": hypotension,
            "crs_grade": self.crs.grade,
            "crs_grade_is_lower_bound": self.crs.grade_is_lower_bound,
            "crs_grade_if_fever_confirmed": self.crs.grade_if_fever_confirmed,
            "crs_episode_max": self.crs_episode_max,
            "icans_tool": self.icans.tool.value,
            "icans_grade": self.icans.grade,
            "icans_grade_is_lower_bound": self.icans.grade_is_lower_bound,
            "icans_episode_max": self.icans_episode_max,
            "news2": self.news2.score,
            "news2_any_single_parameter_3": self.news2.any_single_parameter_3,
            "news2_partial_excluding_missing": self.news2.partial_score,
            "bedside_pews": self.pews.score,
            "bedside_pews_partial_excluding_missing": self.pews.partial_score,
            "flags": [f.value for f in self.flags],
            "reasons": [r.render() for r in self.reasons],
            "rule_version": self.rule_version,
            "policy": self.policy_fingerprint,
        }
