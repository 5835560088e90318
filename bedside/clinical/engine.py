"""The grading engine: one `PatientState` in, one `Assessment` out. Pure: no clock, no storage."""

from __future__ import annotations

from bedside.clinical.assessment import Assessment, Domain, Flag, Reason
from bedside.clinical.crs import grade_crs
from bedside.clinical.icans import grade_icans
from bedside.clinical.news2 import score_news2
from bedside.clinical.pews import score_pews
from bedside.clinical.policy import DEFAULT_POLICY, RULE_VERSION, SitePolicy
from bedside.clinical.state import PatientState


def episode_max(prior: int | None, current: int | None) -> int | None:
    """D10: the episode maximum keeps the worst grade seen, whatever the current grade."""
    known = [g for g in (prior, current) if g is not None]
    return max(known) if known else None


def _episode_flags(
    open_: bool, prior: int | None, current: int | None, lower_bound: bool
) -> set[Flag]:
    flags: set[Flag] = set()
    if open_ and prior is not None and (current is None or current < prior):
        flags.add(Flag.EPISODE_MAX_RETAINED)
        if current is not None and not lower_bound:
            # D10, D20: a fall to acknowledge; a lower bound below it is missing data, not a fall.
            flags.add(Flag.DOWNGRADE_REQUIRES_ACKNOWLEDGEMENT)
    return flags


def assess(state: PatientState, policy: SitePolicy = DEFAULT_POLICY) -> Assessment:
    crs = grade_crs(state)
    icans = grade_icans(state, policy)
    news2 = score_news2(state)
    pews = score_pews(state)

    flags = set(crs.flags | icans.flags | news2.flags | pews.flags)
    extra: list[Reason] = []
    flags |= _episode_flags(
        state.crs_episode_open, state.prior_max_crs_grade, crs.grade, crs.grade_is_lower_bound
    )
    flags |= _episode_flags(
        state.icans_episode_open,
        state.prior_max_icans_grade,
        icans.grade,
        icans.grade_is_lower_bound,
    )
    if icans.grade and crs.grade == 0 and not state.crs_episode_open:
        flags.add(Flag.ICANS_WITHOUT_CRS)  # SPEC 12.12: ICANS can occur without CRS
    interval = policy.neuro_interval_h(state.day_post_infusion, state.icans_episode_open)
    since = state.hours_since_last_neuro_assessment
    if interval is not None and since is not None and since > interval:
        flags.add(Flag.NEURO_ASSESSMENT_OVERDUE)
        text = f"neuro check overdue: last {since:g} h ago, due every {interval:g} h"
        extra.append(Reason(Domain.ICANS, "overdue", None, text))
    since_fever = state.hours_since_last_fever
    if (
        crs.grade
        and Flag.FEVER_WAIVER_ACTIVE in crs.flags
        and since_fever is not None
        and since_fever >= policy.waiver_review_hours
    ):
        # D23: the grade rests on the waiver long after the last fever: consider other causes.
        flags.add(Flag.CRS_WAIVER_REVIEW)
        text = (
            f"afebrile for {since_fever:g} h on the fever waiver "
            f"(review after {policy.waiver_review_hours:g} h): consider other causes such as sepsis"
        )
        extra.append(Reason(Domain.CRS, "waiver_review", None, text))
    if state.stale:
        flags.add(Flag.STALE_VALUES)
        text = "stale, treated as missing: " + ", ".join(sorted(state.stale))
        extra.append(Reason(Domain.CRS, "stale", None, text))

    return Assessment(
        crs=crs,
        icans=icans,
        news2=news2,
        pews=pews,
        crs_episode_max=episode_max(state.prior_max_crs_grade, crs.grade),
        icans_episode_max=episode_max(state.prior_max_icans_grade, icans.grade),
        flags=tuple(sorted(flags)),
        rule_version=RULE_VERSION,
        policy_fingerprint=policy.fingerprint,
        extra_reasons=tuple(extra),
    )
