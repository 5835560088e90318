"""The end of a stay (discharge or transfer) and the live preview of a draft."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bedside.alert_vocabulary import AlertKind
from bedside.clinical.assessment import Assessment
from bedside.records import Discharge, StayEnd
from bedside.ward import Invalid, Recorded
from tests.support.ward_fixtures import (
    ADULT_BORN,
    CHILD_BORN,
    NURSE,
    READER,
    admission,
    chart,
    infusion,
    make_ward,
    normal_adult_vitals,
    recorded,
)


def _admitted(tmp_path: Path):  # type: ignore[no-untyped-def]
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("AD-1", ADULT_BORN), author=NURSE))
    recorded(fx.ward.admit(admission("C-1", CHILD_BORN), author=NURSE))
    return fx


def test_a_discharged_patient_leaves_the_board_and_is_a_filter_away(tmp_path: Path) -> None:
    fx = _admitted(tmp_path)
    fx.clock.advance(timedelta(minutes=5))
    result = fx.ward.discharge(
        "AD-1",
        Discharge(outcome=StayEnd.TRANSFERRED, destination="ICU"),
        observed_at=fx.clock.now(),
        author=NURSE,
    )
    assert isinstance(result, Recorded)
    assert [r.patient_id for r in fx.ward.board()] == ["C-1"]
    gone = fx.ward.board(discharged=True)
    assert [r.patient_id for r in gone] == ["AD-1"]
    assert gone[0].ended_at == fx.clock.now()
    assert gone[0].due == ()  # nothing falls due after the stay


def test_nothing_is_charted_after_the_stay_ended(tmp_path: Path) -> None:
    fx = _admitted(tmp_path)
    fx.clock.advance(timedelta(minutes=5))
    end = Discharge(outcome=StayEnd.DISCHARGED)
    recorded(fx.ward.discharge("AD-1", end, observed_at=fx.clock.now(), author=NURSE))
    refused = chart(fx, "AD-1")
    assert isinstance(refused, Invalid)
    assert refused.errors[0].field == "patient_id"
    assert "stay ended" in refused.errors[0].message
    again = fx.ward.discharge("AD-1", end, observed_at=fx.clock.now(), author=NURSE)
    assert isinstance(again, Invalid)


def test_a_discharge_resolves_open_alerts_and_the_tick_skips_the_patient(tmp_path: Path) -> None:
    fx = _admitted(tmp_path)
    recorded(chart(fx, "AD-1", temperature=39.0))
    assert any(a.kind is AlertKind.CRS for a in fx.ward.open_alerts("AD-1"))
    fx.clock.advance(timedelta(minutes=5))
    end = Discharge(outcome=StayEnd.TRANSFERRED, destination="ICU")
    recorded(fx.ward.discharge("AD-1", end, observed_at=fx.clock.now(), author=NURSE))
    assert fx.ward.open_alerts("AD-1") == []
    fx.clock.advance(timedelta(days=2))  # every check of a patient on the ward would be overdue
    ticked = fx.ward.tick()
    assert ticked.ok
    assert "AD-1" not in ticked.written
    assert "C-1" in ticked.written


def test_discharge_needs_a_role_that_admits_and_checks_its_fields(tmp_path: Path) -> None:
    fx = _admitted(tmp_path)
    refused = fx.ward.discharge(
        "AD-1", Discharge(outcome=StayEnd.DISCHARGED), observed_at=fx.clock.now(), author=READER
    )
    assert isinstance(refused, Invalid) and refused.errors[0].field == "author"
    too_long = fx.ward.discharge(
        "AD-1",
        Discharge(outcome=StayEnd.DISCHARGED, destination="x" * 201),
        observed_at=fx.clock.now(),
        author=NURSE,
    )
    assert isinstance(too_long, Invalid) and too_long.errors[0].field == "destination"
    assert [r.patient_id for r in fx.ward.board()] == ["AD-1", "C-1"]


def test_preview_grades_a_draft_as_a_save_would_and_writes_nothing(tmp_path: Path) -> None:
    fx = _admitted(tmp_path)
    recorded(chart(fx, "AD-1", temperature=39.0))
    recorded(fx.ward.record_intervention("AD-1", infusion(fx), author=NURSE))
    fx.clock.advance(timedelta(minutes=10))
    before = fx.history.row_counts()
    draft = normal_adult_vitals(temperature=39.2, sbp=85, dbp=50)
    preview = fx.ward.preview("AD-1", draft, observed_at=fx.clock.now())
    assert isinstance(preview, Assessment)
    assert fx.history.row_counts() == before  # nothing written
    saved = recorded(fx.ward.chart_vitals("AD-1", draft, observed_at=fx.clock.now(), author=NURSE))
    assert saved.assessment is not None
    assert preview.crs.grade == saved.assessment.crs.grade == 3
    assert preview.as_contract() == saved.assessment.as_contract()


def test_preview_of_an_invalid_draft_names_the_field(tmp_path: Path) -> None:
    fx = _admitted(tmp_path)
    bad = fx.ward.preview("AD-1", normal_adult_vitals(spo2=180), observed_at=fx.clock.now())
    assert isinstance(bad, Invalid)
    assert [e.field for e in bad.errors] == ["spo2"]
    unknown = fx.ward.preview("NOPE-1", normal_adult_vitals(), observed_at=fx.clock.now())
    assert isinstance(unknown, Invalid) and unknown.errors[0].field == "patient_id"
