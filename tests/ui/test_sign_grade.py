"""Sign grade… in the patient view (issue 10): a physician signs the current CRS or ICANS grade, the
PIN asked again on a ward with users; a refusal is the ward's sentence and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from bedside.clock import ManualClock
from bedside.records import WARD_ID, GradeSignOff, LoginAttempt, LoginOutcome, Syndrome
from bedside.store.log import Log
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    PHYSICIAN,
    START,
    admission,
    normal_adult_vitals,
    recorded,
)
from tests.ui.conftest import AppFixture
from tests.ui.users_ward import running, ward_with_users
from ui.app import BedsideApp
from ui.history import Column, HistoryView
from ui.sign_grade import SignGradeDialog

PATIENT = "AD-7"


@pytest.fixture
def users_app(qapp: QApplication, qtbot, tmp_path: Path) -> Iterator[BedsideApp]:  # type: ignore[no-untyped-def]
    """A ward with an admin, a physician (dr.lee 3333) and a nurse (nurse.ada 2222); one patient
    with a febrile set of vitals charted (CRS grade 1)."""
    clock = ManualClock(START)
    path = tmp_path / "ward.db"
    db, ward, authors = ward_with_users(
        path, clock, [("dr.lee", "physician", "3333"), ("nurse.ada", "nurse", "2222")]
    )
    nurse = authors["nurse.ada"]
    recorded(ward.admit(admission(PATIENT, ADULT_BORN), author=nurse))
    recorded(
        ward.chart_vitals(
            PATIENT, normal_adult_vitals(temperature=38.9), observed_at=START, author=nurse
        )
    )
    db.conn.close()
    yield from running(qapp, qtbot, path, clock, tmp_path)


def sign_offs(app: BedsideApp) -> list[GradeSignOff]:
    return [
        s.record
        for s in app.controller.ward.records(PATIENT, ["grade_sign_off"])
        if isinstance(s.record, GradeSignOff)
    ]


def open_dialog(app: BedsideApp, qtbot) -> SignGradeDialog:  # type: ignore[no-untyped-def]
    app.window.open_patient(PATIENT)
    button = app.window.patient.sign_grade
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = app.window.findChild(SignGradeDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def sign(dialog: SignGradeDialog, qtbot, pin: str | None, refused: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Types the PIN (if any) and clicks Sign; waits for the ward's answer."""
    if pin is not None:
        qtbot.keyClicks(dialog.pin, pin)
    signal = dialog.controller.invalid if refused else dialog.controller.recorded
    with qtbot.waitSignal(signal, timeout=20_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_a_physician_signs_the_current_crs_grade_with_the_pin(users_app: BedsideApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    users_app.user.sign_in(users_app.controller.authenticate("dr.lee", "3333"))
    dialog = open_dialog(users_app, qtbot)
    latest = users_app.controller.ward.latest_assessment(PATIENT)
    assert latest is not None and latest.crs_grade == 1
    assert dialog.chosen() is Syndrome.CRS
    assert dialog.grade.text().startswith("<b>1</b>") and latest.record_id in dialog.grade.text()
    assert dialog.pin.echoMode() is dialog.pin.EchoMode.Password
    sign(dialog, qtbot, "3333")
    assert sign_offs(users_app) == [
        GradeSignOff(syndrome=Syndrome.CRS, grade=1, assessment_id=latest.record_id)
    ]
    stored = users_app.controller.ward.records(PATIENT, ["grade_sign_off"])[-1]
    assert stored.author == "dr.lee"
    qtbot.waitUntil(lambda: "dr.lee" in users_app.window.patient.signed.text())
    shown = users_app.window.patient.signed.text()
    assert shown.startswith("Current grades signed: CRS grade 1 by dr.lee at ")
    assert dialog.result() == SignGradeDialog.DialogCode.Accepted
    history = users_app.window.findChild(HistoryView)
    history.refresh()
    rows = [
        [history.model.index(r, c).data() for c in (Column.KIND, Column.SUMMARY, Column.AUTHOR)]
        for r in range(history.model.rowCount())
    ]
    assert ["Grade signed", "CRS grade 1 signed", "dr.lee"] in rows


def test_a_wrong_pin_is_refused_with_the_sentence_and_nothing_is_stored(
    users_app: BedsideApp, qtbot
) -> None:  # type: ignore[no-untyped-def]
    users_app.user.sign_in(users_app.controller.authenticate("dr.lee", "3333"))
    dialog = open_dialog(users_app, qtbot)
    sign(dialog, qtbot, "9999", refused=True)
    assert dialog.isVisible()
    assert dialog.error.text().startswith("pin: Not signed in: the PIN is wrong; 4 more tries")
    assert dialog.pin.text() == ""  # never kept
    assert sign_offs(users_app) == []
    assert users_app.window.patient.signed.text() == "Current grades signed: none"
    found = Log(
        users_app.controller.ward._db, users_app.controller.ward._clock
    ).records_for_patient(WARD_ID, ["login_attempt"])
    last = max(found, key=lambda s: s.entered_at).record
    assert isinstance(last, LoginAttempt) and last.outcome is LoginOutcome.WRONG_PIN
    dialog.reject()


def test_a_nurse_has_sign_grade_disabled(users_app: BedsideApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    users_app.user.sign_in(users_app.controller.authenticate("nurse.ada", "2222"))
    users_app.window.open_patient(PATIENT)
    patient = users_app.window.patient
    assert not patient.sign_grade.isEnabled()
    assert patient.open_sign_grade() is None
    users_app.user.sign_in(users_app.controller.authenticate("dr.lee", "3333"))
    assert patient.sign_grade.isEnabled()
    users_app.user.sign_out()
    assert not patient.sign_grade.isEnabled()


def test_a_grade_no_longer_current_is_refused_and_the_new_one_shown(
    users_app: BedsideApp, qtbot
) -> None:  # type: ignore[no-untyped-def]
    users_app.user.sign_in(users_app.controller.authenticate("dr.lee", "3333"))
    dialog = open_dialog(users_app, qtbot)
    shown = dialog.latest
    assert shown is not None
    nurse = users_app.controller.ward.authenticate("nurse.ada", "2222")
    recorded(
        users_app.controller.ward.chart_vitals(
            PATIENT, normal_adult_vitals(), observed_at=START.replace(minute=5), author=nurse
        )
    )
    qtbot.keyClicks(dialog.pin, "3333")
    with qtbot.waitSignal(users_app.controller.invalid, timeout=5_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert "the grade shown is no longer the current one" in dialog.error.text()
    assert sign_offs(users_app) == []
    assert dialog.latest is not None and dialog.latest.record_id != shown.record_id
    assert dialog.latest.record_id in dialog.grade.text()
    dialog.reject()


def test_a_ward_without_users_signs_without_a_pin(ward_app: AppFixture, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = ward_app.app
    ward = app.controller.ward
    recorded(ward.admit(admission(PATIENT, ADULT_BORN), author=NURSE))
    recorded(
        ward.chart_vitals(
            PATIENT, normal_adult_vitals(temperature=38.9), observed_at=START, author=NURSE
        )
    )
    app.window.show()
    app.user.sign_in(PHYSICIAN)
    dialog = open_dialog(app, qtbot)
    assert not dialog.asks_pin and not dialog.pin.isVisible()
    dialog.syndrome.setCurrentIndex(1)
    assert dialog.chosen() is Syndrome.ICANS
    assert not dialog.sign.isEnabled()  # no neuro check: the ICANS grade is not determinable
    assert "not determinable" in dialog.grade.text()
    dialog.syndrome.setCurrentIndex(0)
    sign(dialog, qtbot, None)
    latest = ward.latest_assessment(PATIENT)
    assert latest is not None
    assert sign_offs(app) == [
        GradeSignOff(syndrome=Syndrome.CRS, grade=1, assessment_id=latest.record_id)
    ]
    assert ward.records(PATIENT, ["grade_sign_off"])[-1].author == "dr.lee"
