"""The ward service end to end on a real file: validate, store, grade, alert in one transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

import bedside.records.envelope as envelope
from bedside.alert_vocabulary import AlertKind, Priority
from bedside.clinical.assessment import Flag
from bedside.records import (
    Admission,
    Attribution,
    DoseUnit,
    Drug,
    EpisodeClosure,
    FieldError,
    Finding,
    GradeSignOff,
    Indication,
    Intervention,
    Record,
    Route,
    Syndrome,
)
from bedside.staff import Author, Role
from bedside.store.connection import WAL_SAFETY_PAGES
from bedside.store.history import SqlHistory
from bedside.ward import Invalid, Recorded
from tests.support.ward_fixtures import (
    ADULT_BORN,
    CHILD_BORN,
    NURSE,
    PHYSICIAN,
    READER,
    WardFixture,
    admission,
    capd_check,
    chart,
    ice_check,
    make_ward,
    normal_adult_vitals,
    recorded,
)


@pytest.fixture
def fx(tmp_path: Path) -> WardFixture:
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=NURSE))
    recorded(fx.ward.admit(admission("C1", CHILD_BORN, baseline_capd=2), author=NURSE))
    return fx


def test_a_fever_grades_crs_1_and_raises_a_low_priority_alert(fx: WardFixture) -> None:
    result = recorded(chart(fx, "A1", temperature=38.4))
    assert result.assessment is not None
    assert result.assessment.crs.grade == 1
    assert result.assessment.news2.score is not None
    alerts = fx.ward.open_alerts("A1")
    assert [(a.kind, a.level, a.priority) for a in alerts] == [(AlertKind.CRS, 1, Priority.LOW)]


def test_no_duplicate_alert_for_an_unchanged_grade(fx: WardFixture) -> None:
    recorded(chart(fx, "A1", temperature=38.4))
    fx.clock.advance(timedelta(minutes=30))
    again = recorded(chart(fx, "A1", temperature=38.5))
    assert again.alert_events == ()
    assert len(fx.ward.open_alerts("A1")) == 1


def test_invalid_vitals_name_the_field_and_write_nothing(fx: WardFixture) -> None:
    before = fx.history.row_counts()
    result = chart(fx, "A1", temperature=3.8)
    assert isinstance(result, Invalid)
    assert [e.field for e in result.errors] == ["temperature"]
    assert "25.0–45.0" in result.errors[0].allowed
    assert fx.history.row_counts() == before


def test_a_save_validates_its_record_once_and_reads_the_admission_once(
    fx: WardFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded(chart(fx, "A1", temperature=37.0))
    fx.clock.advance(timedelta(minutes=30))
    checked: list[Record] = []
    admissions: list[str] = []
    check_record, read_admission = envelope.validate_record, SqlHistory.admission

    def counting_check(record: Record) -> list[FieldError]:
        checked.append(record)
        return check_record(record)

    def counting_read(self: SqlHistory, patient_id: str) -> Admission | None:
        admissions.append(patient_id)
        return read_admission(self, patient_id)

    monkeypatch.setattr(envelope, "validate_record", counting_check)
    monkeypatch.setattr(SqlHistory, "admission", counting_read)
    vitals = normal_adult_vitals(temperature=38.6)
    saved = recorded(fx.ward.chart_vitals("A1", vitals, observed_at=fx.clock.now(), author=NURSE))
    assert saved.assessment is not None and saved.alert_events  # graded and alerted
    assert [r for r in checked if r is vitals] == [vitals]  # the log does not check it again
    assert admissions == ["A1"]  # the admission checked against is the one graded with


def test_an_unknown_patient_is_refused(fx: WardFixture) -> None:
    result = fx.ward.chart_vitals(
        "NOPE", normal_adult_vitals(), observed_at=fx.clock.now(), author=NURSE
    )
    assert isinstance(result, Invalid)
    assert result.errors[0].field == "patient_id"


def test_a_future_time_is_refused(fx: WardFixture) -> None:
    result = chart(fx, "A1", minutes=30)
    assert isinstance(result, Invalid)
    assert result.errors[0].field == "observed_at"


def test_only_a_physician_may_attribute(fx: WardFixture) -> None:
    recorded(chart(fx, "A1", temperature=38.4))
    attribution = Attribution(
        finding=Finding.FEVER, cause="line infection, blood cultures positive"
    )
    refused = fx.ward.attribute("A1", attribution, observed_at=fx.clock.now(), author=NURSE)
    assert isinstance(refused, Invalid)
    assert refused.errors[0].field == "author"
    assert isinstance(
        fx.ward.attribute("A1", attribution, observed_at=fx.clock.now(), author=READER), Invalid
    )
    done = recorded(
        fx.ward.attribute("A1", attribution, observed_at=fx.clock.now(), author=PHYSICIAN)
    )
    assert done.assessment is not None
    assert done.assessment.crs.grade == 0
    assert Flag.FEVER_ATTRIBUTED_OTHER_CAUSE in done.assessment.flags


def test_stale_vitals_are_missing_never_normal(fx: WardFixture) -> None:
    recorded(chart(fx, "A1", temperature=37.0))
    fx.clock.advance(timedelta(hours=7))
    check = recorded(
        fx.ward.chart_neuro("A1", ice_check(10), observed_at=fx.clock.now(), author=NURSE)
    )
    assert check.assessment is not None
    assert check.assessment.crs.grade is None  # temperature is 7 h old (D17: 6 h)
    assert Flag.STALE_VALUES in check.assessment.flags
    assert check.assessment.news2.score is None


def test_fever_waiver_is_derived_from_the_log(fx: WardFixture) -> None:
    recorded(chart(fx, "A1", temperature=38.9))
    fx.clock.advance(timedelta(minutes=20))
    toci = Intervention(
        drug=Drug.TOCILIZUMAB,
        dose=8,
        dose_unit=DoseUnit.MG_PER_KG,
        route=Route.IV,
        started_at=fx.clock.now(),
        indication=Indication.TREATMENT,
    )
    recorded(fx.ward.record_intervention("A1", toci, author=NURSE))
    fx.clock.advance(timedelta(hours=2))
    after = recorded(chart(fx, "A1", temperature=37.1, sbp=84, dbp=50))
    assert after.assessment is not None
    assert after.assessment.crs.grade == 2
    assert Flag.FEVER_WAIVER_ACTIVE in after.assessment.flags


def test_premedication_does_not_start_the_waiver(fx: WardFixture) -> None:
    premed = Intervention(
        drug=Drug.PARACETAMOL,
        dose=15,
        dose_unit=DoseUnit.MG_PER_KG,
        route=Route.PO,
        started_at=fx.clock.now() - timedelta(hours=1),
        indication=Indication.SCHEDULED_PREMEDICATION,
    )
    recorded(fx.ward.record_intervention("A1", premed, author=NURSE))
    after = recorded(chart(fx, "A1", temperature=37.1, sbp=84, dbp=50))
    assert after.assessment is not None
    assert after.assessment.crs.grade == 0
    assert Flag.NO_FEVER_NO_WAIVER in after.assessment.flags
    assert Flag.FEVER_POSSIBLY_MASKED in after.assessment.flags
    # D25: the flag speaks only of a dose in the 6 h before the time point.
    fx.clock.advance(timedelta(hours=5, minutes=1))
    later = recorded(chart(fx, "A1", temperature=37.1, sbp=84, dbp=50))
    assert later.assessment is not None
    assert Flag.FEVER_POSSIBLY_MASKED not in later.assessment.flags


def test_vasopressor_runs_until_its_recorded_stop(fx: WardFixture) -> None:
    recorded(chart(fx, "A1", temperature=38.9, sbp=82, dbp=45))
    norepi = Intervention(
        drug=Drug.NOREPINEPHRINE,
        dose=0.05,
        dose_unit=DoseUnit.MCG_PER_KG_MIN,
        route=Route.IV,
        started_at=fx.clock.now(),
        indication=Indication.TREATMENT,
    )
    started = recorded(fx.ward.record_intervention("A1", norepi, author=NURSE))
    assert started.assessment is not None
    assert started.assessment.crs.grade == 3
    kinds = {a.kind: a for a in fx.ward.open_alerts("A1")}
    assert kinds[AlertKind.CRS].priority is Priority.HIGH
    assert AlertKind.VASOPRESSOR in kinds
    fx.clock.advance(timedelta(hours=1))
    recorded(fx.ward.stop_infusion(started.record.id, fx.clock.now(), author=NURSE))
    fx.clock.advance(timedelta(minutes=10))
    later = recorded(chart(fx, "A1", temperature=38.9, sbp=100, dbp=60))
    assert later.assessment is not None
    assert later.assessment.crs.grade == 1
    assert later.assessment.crs.on_vasopressor is False


def test_a_late_entry_regrades_its_time_and_the_current_one(fx: WardFixture) -> None:
    recorded(chart(fx, "A1", temperature=37.0))
    fx.clock.advance(timedelta(hours=1))
    recorded(chart(fx, "A1", temperature=37.2))
    late = recorded(chart(fx, "A1", minutes=-30, temperature=38.6))
    assert late.assessment is not None and late.current is not None
    assert late.assessment.crs.grade == 1  # at the late time point
    assert late.current.crs.grade == 0  # now afebrile, but the episode is open (D18)
    assert Flag.CRS_CRITERIA_NOT_MET_EPISODE_OPEN in late.current.flags
    assert AlertKind.CRS in {a.kind for a in fx.ward.open_alerts("A1")}


def test_a_correction_supersedes_and_keeps_both_versions(fx: WardFixture) -> None:
    wrong = recorded(chart(fx, "A1", temperature=39.5))
    fixed = recorded(
        fx.ward.correct(
            wrong.record.id,
            normal_adult_vitals(temperature=37.5),
            reason="typed 39.5 for 37.5",
            author=NURSE,
        )
    )
    assert fixed.record.supersedes == wrong.record.id
    assert fixed.assessment is not None and fixed.assessment.crs.grade == 0
    versions = fx.ward.record_versions(wrong.record.id)
    assert [v.id for v in versions] == [wrong.record.id, fixed.record.id]
    assert isinstance(
        fx.ward.correct(wrong.record.id, normal_adult_vitals(), reason="", author=NURSE), Invalid
    )


def test_child_neuro_check_uses_capd_and_wrong_tool_is_refused(fx: WardFixture) -> None:
    refused = fx.ward.chart_neuro("C1", ice_check(9), observed_at=fx.clock.now(), author=NURSE)
    assert isinstance(refused, Invalid)
    assert refused.errors[0].field == "tool"
    assert "CAPD" in refused.errors[0].allowed
    result = recorded(
        fx.ward.chart_neuro(
            "C1",
            capd_check((1, 1, 1, 1, 1, 1, 0, 0), consciousness="awakens_to_voice"),
            observed_at=fx.clock.now(),
            author=NURSE,
        )
    )
    assert result.assessment is not None
    assert result.assessment.icans.grade == 2
    assert any("baseline 2" in r.text for r in result.assessment.icans.reasons)


def test_episode_closure_is_for_clinicians_and_closes_the_episode(fx: WardFixture) -> None:
    recorded(chart(fx, "A1", temperature=38.6))
    fx.clock.advance(timedelta(hours=1))
    recorded(chart(fx, "A1", temperature=37.0))
    closure = EpisodeClosure(syndrome=Syndrome.CRS, reason="afebrile 24 h, off oxygen")
    assert isinstance(fx.ward.close_episode("A1", closure, author=NURSE), Invalid)
    closed = recorded(fx.ward.close_episode("A1", closure, author=PHYSICIAN))
    assert closed.assessment is not None
    assert Flag.CRS_CRITERIA_NOT_MET_EPISODE_OPEN not in closed.assessment.flags


def test_board_lists_every_patient_with_grade_alerts_and_due_checks(fx: WardFixture) -> None:
    recorded(chart(fx, "A1", temperature=38.6))
    rows = {row.patient_id: row for row in fx.ward.board()}
    assert set(rows) == {"A1", "C1"}
    assert rows["A1"].latest is not None and rows["A1"].latest.crs_grade == 1
    assert rows["C1"].latest is None
    assert len(rows["A1"].due) == 2


def test_correcting_the_admission_keeps_one_patient(fx: WardFixture) -> None:
    current = fx.ward.admission("A1")
    assert current is not None
    heavier = replace(current, weight_kg=72.0)
    first = fx.ward.admission_record("A1")
    assert first is not None
    recorded(fx.ward.correct(first.id, heavier, reason="weighed on ward scale", author=NURSE))
    assert [row.patient_id for row in fx.ward.board()].count("A1") == 1
    admitted = fx.ward.admission("A1")
    assert admitted is not None and admitted.weight_kg == 72.0


def test_saves_never_checkpoint_and_tick_does(fx: WardFixture) -> None:
    db = fx.db
    assert db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == WAL_SAFETY_PAGES
    before = fx.path.stat().st_size
    for minutes in range(0, 50, 5):
        recorded(chart(fx, "A1", minutes=-minutes))
    assert fx.path.stat().st_size == before  # every save stayed in the WAL
    fx.ward.tick()
    assert fx.path.stat().st_size > before  # tick() copied the WAL back into the file


# --- signing a grade ---------------------------------------------------------------------------------


def _graded_fever(fx: WardFixture) -> str:
    """Chart a fever for A1 and return the id of the assessment it produced."""
    recorded(chart(fx, "A1", temperature=38.6))
    latest = fx.ward.latest_assessment("A1")
    assert latest is not None and latest.crs_grade == 1
    return latest.record_id


def test_only_a_physician_may_sign_a_grade(fx: WardFixture) -> None:
    sign_off = GradeSignOff(syndrome=Syndrome.CRS, grade=1, assessment_id=_graded_fever(fx))
    before = fx.history.row_counts()
    for author in (NURSE, READER, Author("it.admin", Role.ADMIN)):
        refused = fx.ward.sign_grade("A1", sign_off, author=author)
        assert isinstance(refused, Invalid), author
        [error] = refused.errors
        assert error.field == "author"
        assert f"{author.user_id} ({author.role.value}) may not sign grade" in error.message
    assert fx.history.row_counts() == before
    recorded(fx.ward.sign_grade("A1", sign_off, author=PHYSICIAN))


def test_a_sign_off_of_an_assessment_that_does_not_exist_names_the_field(fx: WardFixture) -> None:
    _graded_fever(fx)
    before = fx.history.row_counts()
    ghost = GradeSignOff(
        syndrome=Syndrome.CRS, grade=1, assessment_id="01a20ff3-4e9a-7a66-873c-fac64130d995"
    )
    refused = fx.ward.sign_grade("A1", ghost, author=PHYSICIAN)
    assert isinstance(refused, Invalid)
    assert [(e.field, e.message) for e in refused.errors] == [
        ("assessment_id", "assessment_id: no record 01a20ff3-4e9a-7a66-873c-fac64130d995")
    ]
    malformed = GradeSignOff(syndrome=Syndrome.CRS, grade=5, assessment_id="not-an-id")
    refused = fx.ward.sign_grade("A1", malformed, author=PHYSICIAN)
    assert isinstance(refused, Invalid)
    assert {e.field for e in refused.errors} == {"grade", "assessment_id"}
    assert fx.history.row_counts() == before


def test_a_grade_is_signed_once_and_changed_by_a_correction(fx: WardFixture) -> None:
    assessment_id = _graded_fever(fx)
    crs = GradeSignOff(syndrome=Syndrome.CRS, grade=1, assessment_id=assessment_id)
    first = recorded(fx.ward.sign_grade("A1", crs, author=PHYSICIAN))
    fx.clock.advance(timedelta(minutes=5))
    before = fx.history.row_counts()
    again = fx.ward.sign_grade("A1", crs, author=Author("dr.kim", Role.PHYSICIAN))
    assert isinstance(again, Invalid)
    [error] = again.errors
    assert error.field == "assessment_id"
    assert "already signed by dr.lee" in error.message and "correct that sign-off" in error.message
    assert fx.history.row_counts() == before
    # The other syndrome of the same assessment is a signature of its own.
    recorded(
        fx.ward.sign_grade(
            "A1",
            GradeSignOff(syndrome=Syndrome.ICANS, grade=0, assessment_id=assessment_id),
            author=PHYSICIAN,
        )
    )
    # A different grade is a correction of the first signature, with a reason; both stay.
    adjudicated = replace(crs, grade=2)
    fixed = recorded(
        fx.ward.correct(
            first.record.id, adjudicated, reason="hypoxia charted late", author=PHYSICIAN
        )
    )
    assert fixed.record.supersedes == first.record.id
    assert [v.record for v in fx.ward.record_versions(first.record.id)] == [crs, adjudicated]


def test_a_sign_off_of_a_regraded_assessment_is_refused(fx: WardFixture) -> None:
    old = _graded_fever(fx)
    late = recorded(chart(fx, "A1", minutes=-20, temperature=37.0))
    assert isinstance(late, Recorded)
    current = fx.ward.latest_assessment("A1")
    assert current is not None and current.record_id != old
    refused = fx.ward.sign_grade(
        "A1", GradeSignOff(syndrome=Syndrome.CRS, grade=1, assessment_id=old), author=PHYSICIAN
    )
    assert isinstance(refused, Invalid)
    assert refused.errors[0].field == "assessment_id"
    assert f"the current one is {current.record_id}" in refused.errors[0].message


def test_the_signature_is_a_record_with_its_author_and_time(fx: WardFixture) -> None:
    assessment_id = _graded_fever(fx)
    fx.clock.advance(timedelta(minutes=7))
    sign_off = GradeSignOff(syndrome=Syndrome.CRS, grade=1, assessment_id=assessment_id)
    signed = recorded(fx.ward.sign_grade("A1", sign_off, author=PHYSICIAN))
    assert signed.assessment is None  # a signature does not change the graded picture
    assert signed.alert_events == ()
    fx.reopen()
    [stored] = fx.ward.record_versions(signed.record.id)
    assert stored.kind == "grade_sign_off"
    assert stored.record == sign_off
    assert (stored.patient_id, stored.author) == ("A1", PHYSICIAN.user_id)
    assert stored.observed_at == fx.clock.now()
    assert stored.supersedes is None and stored.hash
