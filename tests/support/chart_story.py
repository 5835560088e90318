"""One adult's first day after infusion, charted through the ward: the story the trend and history tests
read back (vitals every 15 min with a gap, a fever, drugs, an infusion started and stopped, neuro checks
and a correction)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from bedside.records import DoseUnit, Drug, Indication, Intervention, Route, VitalSigns
from bedside.ward import Recorded
from tests.support.ward_fixtures import (
    ADULT_BORN,
    CHILD_BORN,
    NURSE,
    WardFixture,
    admission,
    ice_check,
    infusion,
    make_ward,
    normal_adult_vitals,
    recorded,
)


@dataclass
class Story:
    fx: WardFixture
    start: datetime
    times: list[datetime] = field(default_factory=list)  # every vitals set of A1, in order
    hr: list[float] = field(default_factory=list)  # A1's heart rate as it stands after corrections
    corrected_id: str = ""
    correction_id: str = ""
    fever_at: datetime | None = None
    tocilizumab_at: datetime | None = None
    pressor_id: str = ""
    pressor_started: datetime | None = None
    pressor_stopped: datetime | None = None
    neuro_times: list[datetime] = field(default_factory=list)


def at(fx: WardFixture, when: datetime) -> datetime:
    """Move the ward's clock to `when` (a record is never charted in the future)."""
    fx.clock.set(when)
    return when


def vitals(story: Story, when: datetime, v: VitalSigns) -> Recorded:
    fx = story.fx
    result = recorded(fx.ward.chart_vitals("A1", v, observed_at=at(fx, when), author=NURSE))
    story.times.append(when)
    story.hr.append(float(v.hr) if v.hr is not None else float("nan"))
    return result


def build_story(tmp_path: Path) -> Story:
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=NURSE))
    recorded(fx.ward.admit(admission("C1", CHILD_BORN, baseline_capd=2), author=NURSE))
    story = Story(fx, fx.clock.now())
    t0 = story.start + timedelta(minutes=5)
    # Four sets 15 min apart, then nothing for 8 h (longer than the 6 h freshness window), then two more.
    for k in range(4):
        vitals(story, t0 + k * timedelta(minutes=15), normal_adult_vitals(hr=80 + k))
    later = t0 + timedelta(hours=9)
    story.fever_at = later
    vitals(story, later, normal_adult_vitals(temperature=38.6, hr=104))
    wrong = vitals(story, later + timedelta(minutes=15), normal_adult_vitals(hr=150))
    # The nurse typed 150 for 105: corrected, with a reason.
    fixed = recorded(
        fx.ward.correct(
            wrong.record.id,
            normal_adult_vitals(hr=105),
            reason="typing error: 105 not 150",
            author=NURSE,
        )
    )
    story.hr[-1] = 105.0
    story.corrected_id, story.correction_id = wrong.record.id, fixed.record.id
    # Tocilizumab for CRS, then norepinephrine started and stopped.
    toci_at = at(fx, later + timedelta(minutes=20))
    toci = Intervention(
        drug=Drug.TOCILIZUMAB,
        dose=8,
        dose_unit=DoseUnit.MG_PER_KG,
        route=Route.IV,
        started_at=toci_at,
        indication=Indication.TREATMENT,
    )
    recorded(fx.ward.record_intervention("A1", toci, author=NURSE))
    story.tocilizumab_at = toci_at
    started = at(fx, later + timedelta(minutes=25))
    pressor = recorded(fx.ward.record_intervention("A1", infusion(fx), author=NURSE))
    story.pressor_started = started
    stopped = at(fx, later + timedelta(hours=2))
    stop = recorded(fx.ward.stop_infusion(pressor.record.id, stopped, author=NURSE))
    story.pressor_id, story.pressor_stopped = stop.record.id, stopped
    # Neuro checks: ICE 10, then ICE 7, then one that could not be done.
    for k, check in enumerate(
        (ice_check(10), ice_check(7), replace(_not_assessable(), ice_not_assessable="not_done"))
    ):
        when = at(fx, later + timedelta(hours=2, minutes=10 + 10 * k))
        recorded(fx.ward.chart_neuro("A1", check, observed_at=when, author=NURSE))
        story.neuro_times.append(when)
    at(fx, later + timedelta(hours=3))
    return story


def _not_assessable():  # type: ignore[no-untyped-def]
    check = ice_check(10)
    return replace(
        check,
        ice_orientation=None,
        ice_naming=None,
        ice_commands=None,
        ice_writing=None,
        ice_attention=None,
    )
