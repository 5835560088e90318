"""R16 (BATTERY): the automatic lock on a fake monotonic clock, the lock screen that hides every patient
detail but still counts the open alerts and leaves the alarm sounding, the PIN, and a half-typed form
that survives the lock, stays its author's and cannot be saved by the next user (issue 10)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QThreadPool
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QTabBar,
    QWidget,
)

from bedside.alert_vocabulary import AlertStatus, Priority
from bedside.clinical.policy import SitePolicy
from bedside.clock import ManualClock
from bedside.records import VitalSigns
from bedside.staff import Author, Role
from bedside.store.connection import open_database
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    START,
    admission,
    normal_adult_vitals,
    recorded,
)
from ui.app import BedsideApp, build
from ui.forms import AdmissionDialog, RecordForm
from ui.lock import IdleWatch, UnlockRefused, alert_summary
from ui.session import CurrentUser, ProvisionalUnlock

OTHER = Author("nurse.bo", Role.NURSE)
PINS = {NURSE.user_id: ("2468", NURSE), OTHER.user_id: ("1357", OTHER)}
PATIENT, NAME, BED = "AD-7", "Ada Seven", "Bed 12"


def pin_check(user_id: str, pin: str) -> Author:
    """A stand-in for the login's PIN check: the lock screen only sees this callable."""
    known = PINS.get(user_id)
    if known is None or known[0] != pin:
        raise UnlockRefused("Not unlocked: that user id and PIN do not match.\n(a second line)")
    return known[1]


@dataclass
class Locked:
    app: BedsideApp
    clock: ManualClock

    @property
    def window(self):  # type: ignore[no-untyped-def]
        return self.app.window

    def records(self) -> int:
        """Every record of the patient (an alert acknowledgement or a vitals set adds some)."""
        return len(self.app.controller.ward.records(PATIENT))

    def vitals(self) -> int:
        return len(self.app.controller.ward.records(PATIENT, [VitalSigns.KIND]))


def make_app(
    qapp: QApplication, tmp_path: Path, policy: SitePolicy
) -> tuple[BedsideApp, ManualClock]:
    clock = ManualClock(START)
    path = tmp_path / "ward.db"
    open_database(path, clock=clock).conn.close()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    app = build(
        qapp, path, clock, settings=settings, policy=policy, pool=QThreadPool(), unlock=pin_check
    )
    return app, clock


@pytest.fixture
def locked(qapp: QApplication, qtbot, tmp_path: Path) -> Iterator[Locked]:  # type: ignore[no-untyped-def]
    app, clock = make_app(qapp, tmp_path, SitePolicy())
    qtbot.addWidget(app.window)
    app.user.sign_in(NURSE)
    ward = app.controller.ward
    recorded(ward.admit(admission(PATIENT, ADULT_BORN, name=NAME, bed=BED), author=NURSE))
    app.window.refresh_board()
    app.window.show()
    qtbot.waitExposed(app.window)
    yield Locked(app, clock)
    for form in app.window.findChildren(RecordForm):
        form._preview_timer.stop()  # a pending live preview would read the closed ward
    app.shutdown()


def high_alert(fx: Locked) -> None:
    """CRS 3 (hypotension on a vasopressor, SPEC 3.3): a high-priority alert that sounds."""
    from tests.support.ward_fixtures import WardFixture, infusion

    ward = fx.app.controller.ward
    stand_in = WardFixture(ward, fx.clock, Path(), None)  # type: ignore[arg-type]
    recorded(ward.record_intervention(PATIENT, infusion(stand_in), author=NURSE))
    vitals = normal_adult_vitals(temperature=38.9, hr=120, sbp=80, dbp=45, rr=22)
    recorded(ward.chart_vitals(PATIENT, vitals, observed_at=fx.clock.now(), author=NURSE))
    fx.window.refresh_board()


def half_typed_vitals(fx: Locked, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = fx.window
    window.open_patient(PATIENT)
    window.patient.focus_form("vitals")
    form = window.patient.vitals
    qtbot.keyClicks(form.inputs["temperature"], "38.9")
    qtbot.keyClicks(form.inputs["hr"], "137")


def unlock(fx: Locked, qtbot, user_id: str, pin: str) -> None:  # type: ignore[no-untyped-def]
    screen = fx.window.lock_screen
    screen.user_id.setText(user_id)
    screen.pin.setText(pin)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)


def visible_text() -> str:
    """Every text any visible widget of the app shows: labels, fields, buttons, lists, tables, tabs,
    tooltips and window titles."""
    parts: list[str] = []
    for top in QApplication.topLevelWidgets():
        if not top.isVisible():
            continue
        parts.append(top.windowTitle())
        for w in [top, *top.findChildren(QWidget)]:
            if not w.isVisible():
                continue
            parts += [w.toolTip(), w.accessibleName()]
            if isinstance(w, QLabel):
                parts.append(w.text())
            elif isinstance(w, QLineEdit):
                parts += [w.text(), w.placeholderText()]
            elif isinstance(w, QAbstractButton):
                parts.append(w.text())
            elif isinstance(w, QComboBox):
                parts += [w.itemText(i) for i in range(w.count())]
            elif isinstance(w, QTabBar):
                parts += [w.tabText(i) for i in range(w.count())]
            if isinstance(w, QAbstractItemView) and w.model() is not None:
                m = w.model()
                parts += [
                    str(m.index(r, c).data())
                    for r in range(m.rowCount())
                    for c in range(m.columnCount())
                ]
    return "\n".join(parts)


# --- the automatic lock ----------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [5.0, 2.0])
def test_locks_at_the_idle_limit_on_the_monotonic_clock(
    qapp: QApplication, qtbot, tmp_path: Path, minutes: float
) -> None:  # type: ignore[no-untyped-def]
    app, clock = make_app(qapp, tmp_path, SitePolicy(idle_lock_min=minutes))
    qtbot.addWidget(app.window)
    app.user.sign_in(NURSE)
    try:
        idle, window = app.idle, app.window
        idle.reset()
        # the wall clock jumps a day either way: no lock (idle time is monotonic)
        clock.set(clock.now() + timedelta(hours=24))
        assert not idle.check() and not window.locked
        clock.set(clock.now() - timedelta(hours=48))
        assert not idle.check() and not window.locked
        clock.advance(timedelta(seconds=minutes * 60 - 1))  # T - 1 s
        assert not idle.check() and not window.locked
        clock.advance(timedelta(seconds=1))  # T: the next poll (each second) locks
        assert idle.check()
        assert window.locked and app.user.author is None
    finally:
        app.shutdown()


def test_the_default_is_five_minutes_and_a_bad_setting_is_refused() -> None:
    assert SitePolicy().idle_lock_min == 5.0
    for bad in (0, -1, float("nan"), float("inf"), "5"):
        with pytest.raises(ValueError, match="idle_lock_min"):
            SitePolicy(idle_lock_min=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="more than 0"):
        IdleWatch(lambda: 0.0, 0)


def test_keys_and_the_mouse_reset_the_idle_time(locked: Locked, qtbot) -> None:  # type: ignore[no-untyped-def]
    idle, clock, window = locked.app.idle, locked.clock, locked.window
    idle.reset()
    clock.advance(timedelta(minutes=4))
    qtbot.keyClick(window.board.table, Qt.Key.Key_Down)
    assert idle.idle_seconds == 0
    clock.advance(timedelta(minutes=4))
    qtbot.mouseClick(window.board.table.viewport(), Qt.MouseButton.LeftButton)
    clock.advance(timedelta(minutes=4, seconds=59))
    assert not idle.check() and not window.locked
    clock.advance(timedelta(seconds=1))
    assert idle.check() and window.locked
    # once locked it does not fire again until there is input
    clock.advance(timedelta(minutes=10))
    assert not idle.check()


# --- what the lock screen shows ------------------------------------------------------------------------


def test_the_lock_hides_every_patient_detail(locked: Locked, qtbot) -> None:  # type: ignore[no-untyped-def]
    high_alert(locked)
    half_typed_vitals(locked, qtbot)
    secrets = (NAME, PATIENT, BED, "38.9", "137")
    before = visible_text()
    assert all(s in before for s in secrets)  # the walk does see them while unlocked
    locked.window.lock()
    after = visible_text()
    shown = [s for s in secrets if s in after]
    assert shown == []
    assert "locked" in locked.window.windowTitle()
    assert not locked.window.menuBar().isVisible() and not locked.window.statusBar().isVisible()


def test_high_alerts_stay_counted_and_the_alarm_sounds_while_locked(locked: Locked, qtbot) -> None:  # type: ignore[no-untyped-def]
    app, window = locked.app, locked.window
    high_alert(locked)
    assert app.alarm.sounding
    assert any(
        a.priority is Priority.HIGH and a.status is AlertStatus.ACTIVE
        for a in app.controller.open_alerts()
    )
    window.lock()
    summary = alert_summary(app.controller.open_alerts())
    assert summary[0][0] is Priority.HIGH
    text = window.lock_screen.alerts.text()
    assert "HIGH" in text and f"{summary[0][1]} open alert" in text
    assert "waiting for acknowledgement" in text
    assert window.lock_screen.flag.isVisible() and "ALARM" in window.lock_screen.flag.text()
    assert app.alarm.sounding and not app.alarm.muted
    if os.environ.get("BEDSIDE_TEST_SOUND") == "silent-sink" and app.alarm.audio_problem is None:
        qtbot.waitUntil(lambda: app.alarm.playing, timeout=3000)
    # the mute shortcut and every other window shortcut are off while locked
    qtbot.keyClick(window.lock_screen.pin, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    window.act_mute.trigger()
    assert not app.alarm.muted and app.alarm.sounding
    assert not window.act_ack.isEnabled() and not window.act_vitals.isEnabled()


def test_the_counts_follow_the_alerts_while_locked(locked: Locked) -> None:
    window = locked.window
    window.lock()
    assert "No alerts are open" in window.lock_screen.alerts.text()
    high_alert(locked)  # e.g. the minute's tick while the screen is locked
    assert "HIGH" in window.lock_screen.alerts.text()
    assert locked.app.alarm.sounding
    window._on_background_failed("the ward database for AD-7 is locked")
    assert window.lock_screen.checks.isVisible()
    assert PATIENT not in window.lock_screen.checks.text()


# --- unlocking -----------------------------------------------------------------------------------------


def test_a_wrong_pin_keeps_it_locked(locked: Locked, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = locked.window
    window.lock()
    screen = window.lock_screen
    assert screen.user_id.text() == NURSE.user_id  # ready for the same user's PIN
    unlock(locked, qtbot, NURSE.user_id, "0000")
    assert window.locked and locked.app.user.author is None
    assert screen.message.text() == "Not unlocked: that user id and PIN do not match."
    assert screen.pin.text() == ""
    unlock(locked, qtbot, OTHER.user_id, PINS[NURSE.user_id][0])  # another user's PIN
    assert window.locked
    screen.user_id.clear()
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    assert window.locked and "user id" in screen.message.text()
    screen.user_id.setText(NURSE.user_id)
    screen.pin.setText(PINS[NURSE.user_id][0])
    qtbot.keyClick(screen.pin, Qt.Key.Key_Return)
    assert not window.locked and locked.app.user.author == NURSE
    assert window.menuBar().isVisible() and window.act_vitals.isEnabled()
    assert NAME in visible_text()


def test_the_lock_button_and_ctrl_l_lock_at_once(locked: Locked, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = locked.window
    qtbot.mouseClick(window.lock_button, Qt.MouseButton.LeftButton)
    assert window.locked and window.lock_screen.user_id.text() == NURSE.user_id
    unlock(locked, qtbot, NURSE.user_id, PINS[NURSE.user_id][0])
    assert not window.locked
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window.board.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.locked


def test_switching_user_is_one_click(locked: Locked, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = locked.window
    qtbot.mouseClick(window.switch_button, Qt.MouseButton.LeftButton)
    assert window.locked and locked.app.user.author is None
    assert window.lock_screen.user_id.text() == ""
    unlock(locked, qtbot, OTHER.user_id, PINS[OTHER.user_id][0])
    assert not window.locked and locked.app.user.author == OTHER
    assert "nurse.bo" in window.user_label.text()


def test_nothing_is_saved_while_locked(locked: Locked, qtbot) -> None:  # type: ignore[no-untyped-def]
    half_typed_vitals(locked, qtbot)
    window = locked.window
    before = locked.records()
    window.lock()
    refused = []
    window.controller.invalid.connect(lambda key, result: refused.append(result))
    window.patient.vitals.save.click()  # the hidden form's Save
    window.acknowledge("any")
    assert len(refused) == 2
    assert all("nobody is signed in" in r.errors[0].message for r in refused)
    qtbot.wait(50)
    assert locked.records() == before


# --- the half-typed form -------------------------------------------------------------------------------


def _save_vitals(locked: Locked, qtbot):  # type: ignore[no-untyped-def]
    form = locked.window.patient.vitals
    form.inputs["o2_device"].set_value("room_air")
    with qtbot.waitSignal(locked.app.controller.recorded, timeout=10_000) as saved:
        qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)
    return saved.args[2]


def test_the_same_user_finds_the_draft_intact_and_saves_it(locked: Locked, qtbot) -> None:  # type: ignore[no-untyped-def]
    half_typed_vitals(locked, qtbot)
    locked.clock.advance(timedelta(minutes=5))
    assert locked.app.idle.check() and locked.window.locked
    unlock(locked, qtbot, NURSE.user_id, PINS[NURSE.user_id][0])
    form = locked.window.patient.vitals
    assert form.inputs["temperature"].text() == "38.9"  # type: ignore[union-attr]
    assert form.inputs["hr"].text() == "137"  # type: ignore[union-attr]
    result = _save_vitals(locked, qtbot)
    assert result.record.author == NURSE.user_id
    vitals = result.record.record
    assert isinstance(vitals, VitalSigns) and vitals.hr == 137 and vitals.temperature == 38.9


def test_another_user_can_neither_see_nor_save_the_draft(locked: Locked, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, controller = locked.window, locked.app.controller
    half_typed_vitals(locked, qtbot)
    before = locked.records()
    window.lock()
    unlock(locked, qtbot, OTHER.user_id, PINS[OTHER.user_id][0])
    form = window.patient.vitals
    # set aside for its author: gone from the form, named in a note
    assert form.inputs["temperature"].text() == "" and form.inputs["hr"].text() == ""  # type: ignore[union-attr]
    assert window.patient.held_drafts(PATIENT) == [(NURSE.user_id, "vitals")]
    assert (
        window.patient.held_note.isVisible()
        and "vitals by nurse.ada" in window.patient.held_note.text()
    )
    assert "137" not in visible_text()
    # Save now saves nothing of the draft (the ward refuses the empty form)
    refused = []
    controller.invalid.connect(lambda key, result: refused.append(result))
    with qtbot.waitSignal(controller.invalid, timeout=10_000):
        qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)
    assert locked.records() == before and form.save.isEnabled()
    # and a draft still carrying its author is refused for anyone else, at the controller
    form.restore(locked.window.patient._held[(NURSE.user_id, PATIENT, "vitals")][1], NURSE)
    form.inputs["o2_device"].set_value("room_air")
    refused.clear()
    qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)
    assert len(refused) == 1 and "only nurse.ada can save it" in refused[0].errors[0].message
    qtbot.wait(50)
    assert locked.records() == before
    form.clear()
    # its author comes back: the draft is there again, and theirs to save
    qtbot.mouseClick(window.switch_button, Qt.MouseButton.LeftButton)
    unlock(locked, qtbot, NURSE.user_id, PINS[NURSE.user_id][0])
    assert form.inputs["hr"].text() == "137" and form.owner == NURSE  # type: ignore[union-attr]
    assert window.patient.held_drafts(PATIENT) == [] and not window.patient.held_note.isVisible()
    result = _save_vitals(locked, qtbot)
    assert result.record.author == NURSE.user_id and locked.vitals() == 1


def test_an_admission_being_typed_is_hidden_and_kept_for_its_author(locked: Locked, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = locked.window
    window.act_admit.trigger()
    dialog = window.findChildren(AdmissionDialog)[-1]
    qtbot.keyClicks(dialog.form.inputs["name"], "Bea Nine")
    assert dialog.isVisible()
    window.lock()
    assert not dialog.isVisible() and "Bea Nine" not in visible_text()
    unlock(locked, qtbot, OTHER.user_id, PINS[OTHER.user_id][0])
    assert not dialog.isVisible()  # not shown to the next user
    window.lock()
    unlock(locked, qtbot, NURSE.user_id, PINS[NURSE.user_id][0])
    assert dialog.isVisible() and dialog.form.inputs["name"].text() == "Bea Nine"  # type: ignore[union-attr]
    assert dialog.form.owner == NURSE


# --- until PIN login exists --------------------------------------------------------------------------


def test_the_provisional_unlock_checks_the_user_id_and_says_it_checks_no_pin(qtbot) -> None:  # type: ignore[no-untyped-def]
    user = CurrentUser()
    provisional = ProvisionalUnlock(user)
    user.sign_in(Author("dr.lee", Role.PHYSICIAN))
    user.sign_out()  # the lock signs out: the last user is still known
    assert provisional("dr.lee", "") == Author("dr.lee", Role.PHYSICIAN)
    with pytest.raises(UnlockRefused, match="a user id is 1–64 characters"):
        provisional("nurse ada; drop", "1234")
    assert provisional.checks_pin is False and "not checked" in ProvisionalUnlock.NOTICE


def test_the_about_box_names_the_site_policy_in_force(qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.dialogs import AboutDialog

    policy = SitePolicy(idle_lock_min=7)
    dialog = AboutDialog(policy)  # raised TypeError: fingerprint is a property
    qtbot.addWidget(dialog)
    assert policy.fingerprint in dialog.text.text()
    assert policy.fingerprint != SitePolicy().fingerprint  # the idle minutes are part of the policy


# --- dialogs that write, left open across a lock (issue 10) ------------------------------------------


DR_LEE = Author("dr.lee", Role.PHYSICIAN)
DR_TWO = Author("dr.two", Role.PHYSICIAN)


@pytest.fixture
def physicians(locked: Locked, monkeypatch: pytest.MonkeyPatch) -> Locked:
    """The locked fixture with two physicians who unlock with their PINs, and a febrile patient
    (CRS 1: a grade to sign and an episode to close)."""
    monkeypatch.setitem(PINS, DR_LEE.user_id, ("1111", DR_LEE))
    monkeypatch.setitem(PINS, DR_TWO.user_id, ("2222", DR_TWO))
    ward = locked.app.controller.ward
    vitals = normal_adult_vitals(temperature=38.9)
    recorded(ward.chart_vitals(PATIENT, vitals, observed_at=locked.clock.now(), author=NURSE))
    locked.app.user.sign_in(DR_LEE)
    locked.window.open_patient(PATIENT)
    return locked


@pytest.mark.parametrize("which", ["sign", "close"])
def test_a_dialog_that_writes_is_cancelled_by_the_lock_and_never_saves_as_the_next_user(
    physicians: Locked, qtbot, which: str
) -> None:  # type: ignore[no-untyped-def]
    from ui.close_episode import CloseEpisodeDialog
    from ui.sign_grade import SignGradeDialog

    window, controller = physicians.window, physicians.app.controller
    patient = window.patient
    if which == "sign":
        dialog = patient.open_sign_grade()
    else:
        dialog = patient.open_close_episode()
        qtbot.keyClicks(dialog.reason, "recovered")
    assert isinstance(dialog, SignGradeDialog | CloseEpisodeDialog) and dialog.isVisible()
    before = physicians.records()
    physicians.clock.advance(timedelta(minutes=5))
    assert physicians.app.idle.check() and window.locked  # the idle lock
    assert not dialog.isVisible() and dialog.result() == dialog.DialogCode.Rejected
    unlock(physicians, qtbot, DR_TWO.user_id, "2222")
    assert not window.locked and not dialog.isVisible()
    # Had it outlived the lock, it still could not save as dr.two: it is dr.lee's.
    refused = []
    controller.invalid.connect(lambda key, result: refused.append(result))
    dialog.submit(None)
    assert refused and "only dr.lee can save it, not dr.two" in refused[-1].errors[0].message
    qtbot.wait(50)
    assert physicians.records() == before


def test_a_dialog_outside_the_window_is_cancelled_by_the_lock_too(
    physicians: Locked, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """A dialog made without the window as its parent (its own top-level window) is found as well."""
    from ui.sign_grade import SignGradeDialog

    dialog = SignGradeDialog(physicians.app.controller, PATIENT, None, None)
    qtbot.addWidget(dialog)
    dialog.show()
    physicians.window.lock()
    assert not dialog.isVisible() and dialog.result() == dialog.DialogCode.Rejected


def test_the_users_dialog_is_cancelled_by_the_lock(physicians: Locked, qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.users import UsersDialog

    dialog = UsersDialog(physicians.app.controller, DR_LEE, None, physicians.window)
    dialog.open()
    physicians.window.lock()
    assert not dialog.isVisible() and dialog.result() == dialog.DialogCode.Rejected
