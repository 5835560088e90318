"""The keyboard: the window's shortcuts (each listed in the help dialog), the tab order of a form, Esc
and next patient, and the night theme switched from the keyboard and remembered in QSettings."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, QThreadPool, QTimer
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import QApplication

from tests.support.ward_fixtures import ADULT_BORN, CHILD_BORN, PHYSICIAN
from tests.ui.charting import admit, show
from ui.app import build
from ui.dialogs import SHORTCUTS, HelpDialog
from ui.theme import night_palette


def _key(qtbot, keys: str) -> None:  # type: ignore[no-untyped-def]
    sequence = QKeySequence(keys)[0]
    qtbot.keyClick(QApplication.focusWidget(), sequence.key(), sequence.keyboardModifiers())


def test_every_shortcut_of_the_window_is_in_the_help_and_the_other_way_round(ward_app) -> None:  # type: ignore[no-untyped-def]
    window = ward_app.app.window
    bound = {
        a.shortcut().toString(): a.text().replace("&", "")
        for a in window.actions()
        if not a.shortcut().isEmpty()
    }
    listed = {QKeySequence(keys).toString() for keys, _ in SHORTCUTS}
    assert set(bound) <= listed, f"shortcuts missing from the help: {set(bound) - listed}"
    assert listed - set(bound) == {"Enter"}  # Enter saves a form: the form's own key


def test_the_help_dialog_lists_the_shortcuts(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    seen: list[str] = []

    def read_and_close() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, HelpDialog)
        seen.append(dialog.text.text())
        dialog.reject()

    QTimer.singleShot(100, read_and_close)
    _key(qtbot, "F1")
    assert seen, "F1 opened no help"
    for keys, what in SHORTCUTS:
        assert f"<b>{keys}</b>" in seen[0] and what in seen[0]


def test_f2_f3_f4_open_the_forms_esc_goes_back_and_f6_moves_on(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    admit(ward_app, "C-1", CHILD_BORN, weight_kg=21.0)
    window = ward_app.app.window
    _key(qtbot, "Esc")
    assert window.pages.currentWidget() is window.board
    window.board.table.selectRow(0)
    first = window.board.selected_patient()
    _key(qtbot, "F2")  # vitals of the selected patient
    assert window.pages.currentWidget() is window.patient and window.patient.patient_id == first
    qtbot.waitUntil(
        lambda: QApplication.focusWidget() is window.patient.vitals.inputs["temperature"]
    )
    _key(qtbot, "F3")
    neuro = window.patient.neuro
    qtbot.waitUntil(lambda: QApplication.focusWidget() is neuro.first_input())
    _key(qtbot, "F4")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.patient.drug.inputs["drug"])
    _key(qtbot, "F6")  # the next patient on the board
    second = window.patient.patient_id
    assert second is not None and second != first
    _key(qtbot, "F6")
    assert window.patient.patient_id == first  # wraps round
    _key(qtbot, "Esc")
    assert window.pages.currentWidget() is window.board


def test_tab_goes_field_by_field_then_the_time_then_save_in_every_form(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    ward_app.app.user.sign_in(PHYSICIAN)  # the attribution form is greyed out for anyone else
    patient = ward_app.app.window.patient
    for key, form in patient.forms.items():
        patient.focus_form(key)
        start = form.first_input()
        qtbot.waitUntil(lambda s=start: QApplication.focusWidget() is s)
        owners = {id(w): n for n, w in form.inputs.items()} | {id(form.observed): "observed_at"}
        seen: list[str] = []
        for _ in range(80):
            w = QApplication.focusWidget()
            if w is form.save:
                seen.append("save")
                break
            owner = w
            while owner is not None and id(owner) not in owners:
                owner = owner.parentWidget()
            name = owners[id(owner)] if owner is not None else type(w).__name__
            if not seen or seen[-1] != name:  # Tab walks the sections of a time, then leaves
                seen.append(name)
            qtbot.keyClick(w, Qt.Key.Key_Tab)
        shown = [n for n, w in form.inputs.items() if w.isVisibleTo(form)]
        tail = ["observed_at", "save"] if key != "drug" else ["save"]
        assert seen == shown + tail, key


def test_the_night_theme_is_switched_from_the_keyboard_and_remembered(
    ward_app, qtbot, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    app, window = ward_app.app, ward_app.app.window
    night = night_palette().color(QPalette.ColorRole.Window)
    assert not window.act_night.isChecked()
    with qtbot.waitSignal(window.night_toggled) as toggled:
        _key(qtbot, "Ctrl+Shift+N")
    assert toggled.args == [True]
    assert QApplication.palette().color(QPalette.ColorRole.Window) == night
    app.settings.sync()
    stored = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert stored.value("theme/night", False, type=bool) is True
    # the next start, on the same settings, opens at night
    again = build(QApplication.instance(), ward_app.path, ward_app.clock, settings=stored,
                  pool=QThreadPool())  # fmt: skip
    qtbot.addWidget(again.window)
    try:
        assert again.window.act_night.isChecked()
        assert QApplication.palette().color(QPalette.ColorRole.Window) == night
    finally:
        again.shutdown()
    with qtbot.waitSignal(window.night_toggled) as toggled:
        _key(qtbot, "Ctrl+Shift+N")
    assert toggled.args == [False]
    assert QApplication.palette().color(QPalette.ColorRole.Window) != night
    app.settings.sync()
    assert (
        QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat).value(
            "theme/night", True, type=bool
        )
        is False
    )
