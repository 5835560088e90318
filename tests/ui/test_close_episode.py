"""Close episode… in the patient view (SPEC D10, D20, D25; issue 10): a physician closes the open CRS
or ICANS episode with a reason, the PIN asked again on a ward with users as for Sign grade…; only an
open episode is offered; a refusal is the ward's sentence and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bedside.clock import ManualClock
from bedside.records import EpisodeClosure, Syndrome
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    PHYSICIAN,
    START,
    admission,
    ice_check,
    normal_adult_vitals,
    recorded,
)
from tests.ui.conftest import AppFixture
from tests.ui.users_ward import running, ward_with_users
from ui.app import BedsideApp
from ui.close_episode import CloseEpisodeDialog
from ui.history import Column, HistoryView

PATIENT = "AD-7"
CALM = "PT-2"  # afebrile: no episode open


@pytest.fixture
def users_app(qapp: QApplication, qtbot, tmp_path: Path) -> Iterator[BedsideApp]:  # type: ignore[no-untyped-def]
    """A ward with an admin, a physician (dr.lee 3333) and a nurse (nurse.ada 2222); one patient
    with a febrile set of vitals charted (CRS grade 1: a CRS episode open, no ICANS episode), and
    one with normal vitals (no episode)."""
    clock = ManualClock(START)
    path = tmp_path / "ward.db"
    db, ward, authors = ward_with_users(
        path, clock, [("dr.lee", "physician", "3333"), ("nurse.ada", "nurse", "2222")]
    )
    nurse = authors["nurse.ada"]
    for patient, temperature in ((PATIENT, 38.9), (CALM, 36.8)):
        recorded(ward.admit(admission(patient, ADULT_BORN), author=nurse))
        vitals = normal_adult_vitals(temperature=temperature)
        recorded(ward.chart_vitals(patient, vitals, observed_at=START, author=nurse))
    db.conn.close()
    yield from running(qapp, qtbot, path, clock, tmp_path)


def closures(app: BedsideApp, patient: str = PATIENT) -> list[EpisodeClosure]:
    found = app.controller.ward.records(patient, ["episode_closure"])
    return [s.record for s in found if isinstance(s.record, EpisodeClosure)]


def open_dialog(app: BedsideApp, qtbot, patient: str = PATIENT) -> CloseEpisodeDialog:  # type: ignore[no-untyped-def]
    app.window.open_patient(patient)
    button = app.window.patient.close_episode
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = app.window.findChild(CloseEpisodeDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def close(
    dialog: CloseEpisodeDialog, qtbot, reason: str, pin: str | None, refused: bool = False
) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(dialog.reason, reason)
    if pin is not None:
        qtbot.keyClicks(dialog.pin, pin)
    signal = dialog.controller.invalid if refused else dialog.controller.recorded
    with qtbot.waitSignal(signal, timeout=20_000):
        dialog.ok.click()


def test_a_physician_closes_the_open_crs_episode_with_a_reason_and_the_pin(
    users_app: BedsideApp, qtbot
) -> None:  # type: ignore[no-untyped-def]
    users_app.user.sign_in(users_app.controller.authenticate("dr.lee", "3333"))
    dialog = open_dialog(users_app, qtbot)
    # Only the open episode is offered: CRS (no neuro check, no ICANS episode).
    assert [dialog.syndrome.itemData(i) for i in range(dialog.syndrome.count())] == [Syndrome.CRS]
    assert "CRS episode open: current grade 1, episode maximum 1" in dialog.episode.text()
    assert dialog.pin.echoMode() is dialog.pin.EchoMode.Password
    assert not dialog.ok.isEnabled()  # no reason yet
    header = users_app.window.patient.header
    assert "<b>CRS 1</b>&nbsp;</span> (episode max 1)" in header.text()
    close(dialog, qtbot, "afebrile 72 h, recovered", "3333")
    assert closures(users_app) == [
        EpisodeClosure(syndrome=Syndrome.CRS, reason="afebrile 72 h, recovered")
    ]
    stored = users_app.controller.ward.records(PATIENT, ["episode_closure"])[-1]
    assert stored.author == "dr.lee"
    assert dialog.result() == CloseEpisodeDialog.DialogCode.Accepted
    latest = users_app.controller.ward.latest_assessment(PATIENT)
    assert latest is not None and not latest.crs_episode_open
    # The grade header follows: the closure covers the fever observed before it (D25).
    qtbot.waitUntil(lambda: "<b>CRS 0</b>" in header.text())
    patient = users_app.window.patient
    assert not patient.close_episode.isEnabled()
    assert patient.close_episode.toolTip().startswith("No CRS or ICANS episode is open")
    history = users_app.window.findChild(HistoryView)
    history.refresh()
    rows = [
        [history.model.index(r, c).data() for c in (Column.KIND, Column.SUMMARY, Column.AUTHOR)]
        for r in range(history.model.rowCount())
    ]
    assert ["Episode closed", "CRS episode closed: afebrile 72 h, recovered", "dr.lee"] in rows


def test_a_wrong_pin_is_refused_with_the_sentence_and_nothing_is_stored(
    users_app: BedsideApp, qtbot
) -> None:  # type: ignore[no-untyped-def]
    users_app.user.sign_in(users_app.controller.authenticate("dr.lee", "3333"))
    dialog = open_dialog(users_app, qtbot)
    close(dialog, qtbot, "recovered", "9999", refused=True)
    assert dialog.isVisible()
    assert dialog.error.text().startswith("pin: Not signed in: the PIN is wrong; 4 more tries")
    assert dialog.pin.text() == "" and dialog.reason.text() == "recovered"
    assert closures(users_app) == []
    qtbot.keyClicks(dialog.pin, "3333")  # the right PIN: closed
    with qtbot.waitSignal(users_app.controller.recorded, timeout=20_000):
        dialog.ok.click()
    assert [c.syndrome for c in closures(users_app)] == [Syndrome.CRS]


def test_an_episode_closed_meanwhile_is_the_wards_sentence_and_no_longer_offered(
    users_app: BedsideApp, qtbot
) -> None:  # type: ignore[no-untyped-def]
    users_app.user.sign_in(users_app.controller.authenticate("dr.lee", "3333"))
    dialog = open_dialog(users_app, qtbot)
    ward = users_app.controller.ward
    elsewhere = ward.authenticate("dr.lee", "3333")  # another machine's physician, as it were
    closure = EpisodeClosure(syndrome=Syndrome.CRS, reason="closed at the other PC")
    recorded(ward.close_episode(PATIENT, closure, author=elsewhere, pin="3333"))
    close(dialog, qtbot, "recovered", "3333", refused=True)
    assert dialog.error.text().startswith(f"syndrome: no CRS episode is open for {PATIENT}")
    assert dialog.syndrome.count() == 0 and not dialog.ok.isEnabled()
    assert "No CRS or ICANS episode is open" in dialog.episode.text()
    assert len(closures(users_app)) == 1
    dialog.reject()


def test_a_nurse_and_an_admin_have_close_episode_disabled_with_the_reason(
    users_app: BedsideApp, qtbot
) -> None:  # type: ignore[no-untyped-def]
    patient = users_app.window.patient
    for user_id, pin in (("nurse.ada", "2222"), ("admin.ward", "1111")):
        users_app.user.sign_in(users_app.controller.authenticate(user_id, pin))
        users_app.window.open_patient(PATIENT)
        assert not patient.close_episode.isEnabled()
        assert patient.close_episode.toolTip().startswith("Physicians only")
        assert patient.open_close_episode() is None
    users_app.user.sign_in(users_app.controller.authenticate("dr.lee", "3333"))
    assert patient.close_episode.isEnabled()
    assert patient.close_episode.toolTip() == "Physicians: close an open episode (CRS)"
    users_app.user.sign_out()
    assert not patient.close_episode.isEnabled()


def test_with_no_episode_open_the_action_says_so(users_app: BedsideApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    users_app.user.sign_in(users_app.controller.authenticate("dr.lee", "3333"))
    users_app.window.open_patient(CALM)
    patient = users_app.window.patient
    assert not patient.close_episode.isEnabled()
    assert patient.close_episode.toolTip() == (
        "No CRS or ICANS episode is open for this patient: there is nothing to close."
    )
    # Reached anyway (a dialog built by hand): nothing is offered and nothing can be saved.
    dialog = CloseEpisodeDialog(users_app.controller, CALM, None, users_app.window)
    qtbot.addWidget(dialog)
    assert dialog.syndrome.count() == 0 and not dialog.ok.isEnabled()


def test_a_too_short_reason_names_the_field_and_the_length(users_app: BedsideApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    users_app.user.sign_in(users_app.controller.authenticate("dr.lee", "3333"))
    dialog = open_dialog(users_app, qtbot)
    qtbot.keyClicks(dialog.reason, "ok")
    assert not dialog.ok.isEnabled()
    dialog.submit("3333")  # past the disabled button
    assert dialog.error.text() == "reason: say why the episode is closed, 3–500 characters"
    assert closures(users_app) == []
    dialog.reject()


def test_a_ward_without_users_closes_without_a_pin(ward_app: AppFixture, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = ward_app.app
    ward = app.controller.ward
    recorded(ward.admit(admission(PATIENT, ADULT_BORN), author=NURSE))
    vitals = normal_adult_vitals(temperature=38.9)
    recorded(ward.chart_vitals(PATIENT, vitals, observed_at=START, author=NURSE))
    app.window.show()
    app.user.sign_in(PHYSICIAN)
    dialog = open_dialog(app, qtbot)
    assert not dialog.asks_pin and not dialog.pin.isVisible()
    close(dialog, qtbot, "recovered", None)
    assert [c.syndrome for c in closures(app)] == [Syndrome.CRS]
    assert ward.records(PATIENT, ["episode_closure"])[-1].author == PHYSICIAN.user_id


def test_with_both_episodes_open_the_physician_picks_icans(users_app: BedsideApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    ward = users_app.controller.ward
    nurse = ward.authenticate("nurse.ada", "2222")
    later = START + timedelta(minutes=5)
    ward._clock.advance(timedelta(minutes=10))  # the ManualClock of the app
    recorded(ward.chart_neuro(PATIENT, ice_check(6), observed_at=later, author=nurse))
    assert users_app.controller.open_episodes(PATIENT) == [Syndrome.CRS, Syndrome.ICANS]
    users_app.user.sign_in(users_app.controller.authenticate("dr.lee", "3333"))
    dialog = open_dialog(users_app, qtbot)
    assert users_app.window.patient.close_episode.toolTip().endswith("(CRS, ICANS)")
    dialog.syndrome.setCurrentIndex(1)
    assert dialog.chosen() is Syndrome.ICANS
    assert dialog.episode.text().startswith("ICANS episode open: current grade ")
    close(dialog, qtbot, "ICE back to 10", "3333")
    assert [c.syndrome for c in closures(users_app)] == [Syndrome.ICANS]
    assert users_app.controller.open_episodes(PATIENT) == [Syndrome.CRS]
