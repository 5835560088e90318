"""The login, the first admin, the PIN at the lock screen and the admin's Users… dialog (issue 10;
BATTERY R15, R16, R17), on a real ward with users: every check is the ward service's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QThreadPool
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox

from bedside.clock import ManualClock
from bedside.records import WARD_ID, LoginAttempt, LoginOutcome, Note
from bedside.staff import Author, Role
from bedside.store.connection import open_database
from bedside.store.log import Log
from tests.support.ward_fixtures import ADULT_BORN, START, admission, recorded
from tests.ui.users_ward import new_app, running, ward_with_users
from ui.app import BedsideApp, build
from ui.session import FirstAdminDialog, LoginDialog, SessionUnlock
from ui.users import UsersDialog

PATIENT = "AD-7"


@pytest.fixture
def users_app(qapp: QApplication, qtbot, tmp_path: Path) -> Iterator[BedsideApp]:  # type: ignore[no-untyped-def]
    """A ward with an admin (admin.ward 1111) and a nurse (nurse.ada 2222), and one patient."""
    clock = ManualClock(START)
    path = tmp_path / "ward.db"
    db, ward, authors = ward_with_users(path, clock, [("nurse.ada", "nurse", "2222")])
    recorded(ward.admit(admission(PATIENT, ADULT_BORN), author=authors["nurse.ada"]))
    db.conn.close()
    yield from running(qapp, qtbot, path, clock, tmp_path)


def ok(dialog: QDialog) -> None:
    box = dialog.findChild(QDialogButtonBox)
    box.button(QDialogButtonBox.StandardButton.Ok).click()


def login(app: BedsideApp, qtbot, user_id: str, pin: str) -> LoginDialog:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(app.controller, parent=app.window)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.user_id.setText(user_id)
    qtbot.keyClicks(dialog.pin, pin)
    submit(dialog, qtbot)
    return dialog


def submit(dialog: LoginDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Sign in, and wait for the PIN check (in the pool) to answer."""
    ok(dialog)
    qtbot.waitUntil(lambda: not dialog.checking, timeout=20_000)


def unlock(app: BedsideApp, qtbot, pin: str) -> None:  # type: ignore[no-untyped-def]
    """Click Unlock with `pin` (the user id already typed) and wait for the PIN check."""
    screen = app.window.lock_screen
    screen.pin.setText(pin)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.checking, timeout=20_000)


def outcomes(app: BedsideApp, user_id: str) -> list[LoginOutcome]:
    ward = app.controller.ward
    found = Log(ward._db, ward._clock).records_for_patient(WARD_ID, ["login_attempt"])
    return [
        s.record.outcome
        for s in sorted(found, key=lambda s: s.entered_at)
        if isinstance(s.record, LoginAttempt) and s.record.user_id == user_id
    ]


def test_the_login_signs_in_with_user_id_and_pin(users_app: BedsideApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = login(users_app, qtbot, "nurse.ada", "2222")
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.pin.echoMode() is dialog.pin.EchoMode.Password
    assert dialog.author is not None and dialog.author.role is Role.NURSE
    assert outcomes(users_app, "nurse.ada")[-1] is LoginOutcome.SUCCESS


def test_a_wrong_pin_is_one_sentence_and_the_dialog_stays(users_app: BedsideApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = login(users_app, qtbot, "nurse.ada", "9999")
    assert dialog.isVisible() and dialog.author is None
    assert dialog.error.text() == (
        "Not signed in: the PIN is wrong; 4 more tries before the user is locked out."
    )
    assert dialog.pin.text() == ""  # never kept
    unknown = login(users_app, qtbot, "nobody", "9999")
    assert "there is no user 'nobody' on this ward" in unknown.error.text()


def test_the_lockout_is_shown_and_holds_against_the_right_pin(users_app: BedsideApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = login(users_app, qtbot, "nurse.ada", "0000")
    for _ in range(4):
        qtbot.keyClicks(dialog.pin, "0000")
        submit(dialog, qtbot)
    assert "is now locked out" in dialog.error.text()
    qtbot.keyClicks(dialog.pin, "2222")
    submit(dialog, qtbot)
    assert dialog.author is None
    assert "locked out after 5 wrong PINs in a row" in dialog.error.text()
    assert "admin must reset the PIN" in dialog.error.text()


def test_the_first_start_creates_the_first_admin(qapp: QApplication, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock(START)
    path = tmp_path / "ward.db"
    open_database(path, clock=clock).conn.close()
    app = new_app(qapp, path, clock, tmp_path)
    qtbot.addWidget(app.window)
    try:
        assert not app.controller.has_users()
        dialog = FirstAdminDialog(app.controller, app.window)
        qtbot.addWidget(dialog)
        dialog.open()
        dialog.user_id.setText("admin.ward")
        dialog.display_name.setText("Ward admin")
        qtbot.keyClicks(dialog.pin, "1111")
        qtbot.keyClicks(dialog.pin_again, "1112")
        ok(dialog)
        assert "The two PINs differ" in dialog.error.text() and not app.controller.has_users()
        qtbot.keyClicks(dialog.pin, "12")
        qtbot.keyClicks(dialog.pin_again, "12")
        ok(dialog)
        assert "4–64 characters" in dialog.error.text() and not app.controller.has_users()
        qtbot.keyClicks(dialog.pin, "1111")
        qtbot.keyClicks(dialog.pin_again, "1111")
        ok(dialog)
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert dialog.author is not None and dialog.author.role is Role.ADMIN
        assert [u.user_id for u in app.controller.users()] == ["admin.ward"]
    finally:
        app.shutdown()


def test_unlocking_needs_the_pin_and_a_wrong_one_keeps_it_locked(
    users_app: BedsideApp, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = users_app.window
    assert isinstance(window.lock_screen._unlock, SessionUnlock)
    users_app.user.sign_in(users_app.controller.authenticate("nurse.ada", "2222"))
    window.lock()
    screen = window.lock_screen
    assert not screen.notice.isVisible()  # PINs are checked: no "not checked" notice
    screen.user_id.setText("nurse.ada")
    unlock(users_app, qtbot, "9999")
    assert window.locked and users_app.user.author is None
    assert screen.message.text().startswith("Not signed in: the PIN is wrong")
    assert screen.pin.text() == ""
    unlock(users_app, qtbot, "2222")
    assert not window.locked
    assert users_app.user.author is not None and users_app.user.author.user_id == "nurse.ada"
    assert outcomes(users_app, "nurse.ada")[-2:] == [LoginOutcome.WRONG_PIN, LoginOutcome.SUCCESS]


def test_a_half_typed_form_survives_the_pin_unlock_and_is_saved_by_its_author(
    users_app: BedsideApp, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = users_app.window
    users_app.user.sign_in(users_app.controller.authenticate("nurse.ada", "2222"))
    window.open_patient(PATIENT)
    window.patient.focus_form("vitals")
    form = window.patient.vitals
    qtbot.keyClicks(form.inputs["temperature"], "38.9")
    qtbot.keyClicks(form.inputs["hr"], "137")
    window.lock()
    window.lock_screen.user_id.setText("nurse.ada")
    unlock(users_app, qtbot, "2222")
    assert not window.locked
    assert form.inputs["temperature"].text() == "38.9" and form.inputs["hr"].text() == "137"
    before = len(users_app.controller.ward.records(PATIENT, ["vitals"]))
    with qtbot.waitSignal(users_app.controller.recorded, timeout=20_000):
        qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)
    records = users_app.controller.ward.records(PATIENT, ["vitals"])
    assert len(records) == before + 1 and records[-1].author == "nurse.ada"


def test_users_is_for_admins_and_adds_disables_and_resets(users_app: BedsideApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = users_app.window
    users_app.user.sign_in(users_app.controller.authenticate("nurse.ada", "2222"))
    assert not window.act_users.isEnabled()
    admin = users_app.controller.authenticate("admin.ward", "1111")
    users_app.user.sign_in(admin)
    assert window.act_users.isEnabled()
    window.lock()
    assert not window.act_users.isEnabled()
    window.lock_screen.user_id.setText("nurse.ada")
    unlock(users_app, qtbot, "2222")
    assert not window.act_users.isEnabled()  # the admin locked, a nurse unlocked
    dialog = UsersDialog(users_app.controller, admin, None, window)
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.table.rowCount() == 2
    # The admin's dialog does nothing while another user is signed in (a lock cancels it anyway).
    dialog.user_id.setText("eve")
    qtbot.keyClicks(dialog.pin, "5555")
    qtbot.keyClicks(dialog.pin_again, "5555")
    dialog.add_button.click()
    assert dialog.message.text() == (
        "Only admin.ward, who opened this window, can change users here: sign in as admin.ward."
    )
    assert dialog.pin.text() == "" and len(users_app.controller.users()) == 2
    users_app.user.sign_in(admin)
    dialog.user_id.setText("dr.lee")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.PHYSICIAN))
    qtbot.keyClicks(dialog.pin, "3333")
    qtbot.keyClicks(dialog.pin_again, "3333")
    dialog.add_button.click()
    assert dialog.message.text() == "dr.lee was added." and dialog.table.rowCount() == 3
    assert users_app.controller.authenticate("dr.lee", "3333").role is Role.PHYSICIAN
    dialog.user_id.setText("system")
    qtbot.keyClicks(dialog.pin, "3333")
    qtbot.keyClicks(dialog.pin_again, "3333")
    dialog.add_button.click()
    assert "reserved" in dialog.message.text()
    row = next(
        r for r in range(dialog.table.rowCount()) if dialog.table.item(r, 0).text() == "nurse.ada"
    )
    dialog.table.selectRow(row)
    qtbot.keyClicks(dialog.pin, "8642")
    qtbot.keyClicks(dialog.pin_again, "8642")
    dialog.reset_button.click()
    assert "new PIN" in dialog.message.text()
    assert users_app.controller.authenticate("nurse.ada", "8642").user_id == "nurse.ada"
    dialog.table.selectRow(row)
    dialog.disable_button.click()
    assert "disabled" in dialog.message.text()
    assert dialog.table.item(row, 3).text() == "disabled"
    # A physician's hand-made admin Author gets nothing past the service, whatever the dialog is
    # given (the physician signed in, so the dialog itself lets it through to the service).
    users_app.user.sign_in(users_app.controller.authenticate("dr.lee", "3333"))
    forged = UsersDialog(users_app.controller, Author("dr.lee", Role.ADMIN), None, window)
    qtbot.addWidget(forged)
    forged.user_id.setText("eve")
    qtbot.keyClicks(forged.pin, "5555")
    qtbot.keyClicks(forged.pin_again, "5555")
    forged.add_button.click()
    assert forged.message.text().startswith("admin: ")  # the service's refusal
    assert "sign" in forged.message.text() and len(users_app.controller.users()) == 3


def test_the_demo_ward_signs_in_with_its_pins_and_charts(
    qapp: QApplication, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from bedside.clock import SystemClock
    from bedside.demo import DEMO_PINS, build_demo

    now = datetime.now(UTC)
    path = tmp_path / "demo.db"
    build_demo(str(path), now=now)

    app = build(
        qapp,
        path,
        SystemClock(),
        settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
        pool=QThreadPool(),
    )
    qtbot.addWidget(app.window)
    try:
        assert DEMO_PINS == {
            "admin.demo": "1111",
            "nurse.demo": "2222",
            "dr.demo": "3333",
            "review.demo": "4444",
        }
        dialog = login(app, qtbot, "nurse.demo", "2222")
        assert dialog.author is not None
        app.user.sign_in(dialog.author)
        patient = app.controller.board()[0].patient_id
        at = app.controller.now()
        note = Note(text="seen on the round")
        with qtbot.waitSignal(app.controller.recorded, timeout=20_000) as saved:
            app.controller.submit(
                "test",
                patient,
                lambda author: lambda ward: ward.note(patient, note, observed_at=at, author=author),
            )
        assert saved.args[1] == patient
        [last] = app.controller.ward.records(patient, ["note"])[-1:]
        assert last.author == "nurse.demo"
        reader = login(app, qtbot, "review.demo", "4444")
        assert reader.author is not None and reader.author.role is Role.READ_ONLY
    finally:
        app.shutdown()


def test_an_admin_has_admit_and_discharge_disabled_with_the_reason(
    users_app: BedsideApp, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """Issue 10: admins manage users and the policy and do not chart: no admission, no discharge."""
    from ui.forms import AdmissionDialog

    window, patient = users_app.window, users_app.window.patient
    users_app.user.sign_in(users_app.controller.authenticate("admin.ward", "1111"))
    window.open_patient(PATIENT)
    why = "Only nurses and physicians admit and discharge patients; you are signed in as admin.ward"
    assert not window.act_admit.isEnabled() and window.act_admit.toolTip().startswith(why)
    assert not patient.discharge.isEnabled() and patient.discharge.toolTip().startswith(why)
    assert patient.tabs.tabToolTip(patient._discharge_tab).startswith(why)
    window.admit()  # the shortcut's slot, reached anyway: nothing opens
    assert window.findChild(AdmissionDialog) is None
    assert window.statusBar().currentMessage().startswith(why)
    # The admin locks, a nurse unlocks: she admits and discharges; the admin again: disabled.
    for user_id, pin, may in (("nurse.ada", "2222", True), ("admin.ward", "1111", False)):
        window.lock()
        window.lock_screen.user_id.setText(user_id)
        unlock(users_app, qtbot, pin)
        assert not window.locked
        assert window.act_admit.isEnabled() is may and patient.discharge.isEnabled() is may
        assert (window.act_admit.toolTip() == "Admit a patient") is may
        assert (patient.discharge.toolTip() == "") is may


# --- the PIN check runs in the pool, never on the GUI thread -------------------------------------------


@pytest.fixture
def check_threads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each `Ward.authenticate` call: whether it ran on the GUI (main) thread."""
    import threading

    from bedside.ward import Ward

    calls: list[bool] = []
    real = Ward.authenticate

    def authenticate(self: Ward, user_id: str, pin: str) -> Author:
        calls.append(threading.current_thread() is threading.main_thread())
        return real(self, user_id, pin)

    monkeypatch.setattr(Ward, "authenticate", authenticate)
    return calls


def test_the_login_checks_the_pin_in_a_worker_saying_checking(
    users_app: BedsideApp, qtbot, check_threads: list[bool]
) -> None:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(users_app.controller, parent=users_app.window)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.user_id.setText("nurse.ada")
    qtbot.keyClicks(dialog.pin, "2222")
    ok(dialog)
    # The click has returned before the answer: the dialog says so and takes no second try.
    assert dialog.checking and dialog.error.text() == "Checking…"
    assert not dialog.sign_in.isEnabled() and not dialog.pin.isEnabled()
    assert dialog.pin.text() == "" and dialog.author is None and dialog.isVisible()
    ok(dialog)  # Enter again meanwhile: still one check
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=20_000)
    assert dialog.author is not None and dialog.author.user_id == "nurse.ada"
    assert check_threads == [False]  # one check, in the pool
    assert outcomes(users_app, "nurse.ada") == [LoginOutcome.SUCCESS, LoginOutcome.SUCCESS]
    # A refusal: the buttons come back with the sentence.
    wrong = login(users_app, qtbot, "nurse.ada", "9999")
    assert wrong.sign_in.isEnabled() and wrong.pin.isEnabled()
    assert wrong.error.text().startswith("Not signed in: the PIN is wrong")
    assert check_threads == [False, False]


def test_a_pin_check_answering_after_the_login_closed_is_ignored(
    users_app: BedsideApp, qtbot, check_threads: list[bool]
) -> None:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(users_app.controller, parent=users_app.window)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.user_id.setText("nurse.ada")
    qtbot.keyClicks(dialog.pin, "2222")
    with qtbot.waitSignal(users_app.controller.signed_in, timeout=20_000):
        ok(dialog)
        dialog.reject()  # Cancel while the PIN is checked
    qtbot.wait(20)
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()
    assert dialog.author is None and users_app.user.author is None
    assert check_threads == [False]


def test_the_lock_screen_checks_the_pin_in_a_worker_and_ignores_a_late_answer(
    users_app: BedsideApp, qtbot, check_threads: list[bool]
) -> None:  # type: ignore[no-untyped-def]
    window = users_app.window
    users_app.user.sign_in(users_app.controller.authenticate("nurse.ada", "2222"))
    check_threads.clear()
    window.lock()
    screen = window.lock_screen
    screen.pin.setText("2222")
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    assert screen.checking and screen.message.text() == "Checking…"
    assert not screen.unlock_button.isEnabled() and not screen.switch_button.isEnabled()
    assert not screen.pin.isEnabled() and window.locked
    qtbot.waitUntil(lambda: not window.locked, timeout=20_000)
    assert users_app.user.author is not None and users_app.user.author.user_id == "nurse.ada"
    assert screen.unlock_button.isEnabled() and check_threads == [False]
    # Locked again; the screen is shown afresh (a switch of user) while a check is under way:
    # its answer unlocks nothing.
    window.lock()
    screen.pin.setText("2222")
    with qtbot.waitSignal(users_app.controller.signed_in, timeout=20_000):
        qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
        window.lock(switch=True)
    qtbot.wait(20)
    assert window.locked and users_app.user.author is None
    assert screen.user_id.text() == "" and screen.unlock_button.isEnabled()
    assert check_threads == [False, False]
