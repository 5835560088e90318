"""The input widgets on their own: what each reads (or why it cannot, in words), and "now"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import QLocale, Qt

from bedside.clinical.vocabulary import O2Device
from ui.fields import NONE_TEXT, ChoiceBox, DateField, FlagBox, NumberEdit, TextEdit, TimeField

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def test_a_number_empty_is_not_measured_and_words_for_what_is_not_a_number(qtbot) -> None:  # type: ignore[no-untyped-def]
    edit = NumberEdit("hr")
    qtbot.addWidget(edit)
    assert edit.value() == (None, None)  # empty: not measured, never 0
    qtbot.keyClicks(edit, "37.5")
    assert edit.value() == (37.5, None)
    edit.clear()
    qtbot.keyClicks(edit, "fast")
    value, error = edit.value()
    assert value is None and error is not None
    assert (error.field, error.message, error.allowed) == (
        "hr",
        "hr: “fast” is not a number",
        "a number",
    )


def test_a_whole_number_refuses_a_fraction(qtbot) -> None:  # type: ignore[no-untyped-def]
    edit = NumberEdit("spo2", whole=True)
    qtbot.addWidget(edit)
    qtbot.keyClicks(edit, "97")
    assert edit.value() == (97, None)
    edit.clear()
    qtbot.keyClicks(edit, "97.5")
    value, error = edit.value()
    assert value is None and error is not None and "not a whole number" in error.message


def test_a_number_in_a_comma_locale(qtbot) -> None:  # type: ignore[no-untyped-def]
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    try:
        edit = NumberEdit("temperature")
        qtbot.addWidget(edit)
        qtbot.keyClicks(edit, "38,4")
        assert edit.value() == (38.4, None)
        edit.clear()
        qtbot.keyClicks(edit, "38.4")  # the C locale's point is read too
        assert edit.value() == (38.4, None)
        edit.set_value(37.25)
        assert edit.text() == "37,25"
    finally:
        QLocale.setDefault(before)


def test_a_choice_is_nothing_until_chosen(qtbot) -> None:  # type: ignore[no-untyped-def]
    box = ChoiceBox("o2_device", O2Device)
    qtbot.addWidget(box)
    assert box.currentText() == NONE_TEXT and box.value() == (None, None)
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert box.value() == (O2Device.ROOM_AIR, None)
    assert box.currentText() == "room air"  # words, not the stored value
    box.set_value(None)
    assert box.value() == (None, None)
    required = ChoiceBox("o2_device", O2Device, optional=False)
    qtbot.addWidget(required)
    assert required.value() == (O2Device.ROOM_AIR, None)


def test_text_flag_and_date(qtbot) -> None:  # type: ignore[no-untyped-def]
    text = TextEdit("cause")
    flag = FlagBox("eeg_done", "yes")
    day = DateField("date_of_birth")
    for w in (text, flag, day):
        qtbot.addWidget(w)
    qtbot.keyClicks(text, "   ")
    assert text.value() == (None, None)  # blank is nothing
    qtbot.keyClicks(text, "line sepsis ")
    assert text.value() == ("line sepsis", None)
    assert flag.value() == (False, None)
    qtbot.keyClick(flag, Qt.Key.Key_Space)
    assert flag.value() == (True, None)
    day.set_value(date(2022, 6, 1))
    assert day.value() == (date(2022, 6, 1), None)


def test_the_time_is_now_until_changed_by_hand(qtbot) -> None:  # type: ignore[no-untyped-def]
    field = TimeField("observed_at", UTC)
    qtbot.addWidget(field)
    field.set_now(NOW)
    assert field.value() == (NOW, None) and field.state.text() == "(now)"
    field.set_now(NOW + timedelta(minutes=3))
    assert field.value() == (NOW + timedelta(minutes=3), None)  # follows the clock
    with qtbot.waitSignal(field.edited):
        field.edit.setFocus()
        field.edit.setCurrentSection(field.edit.Section.HourSection)
        qtbot.keyClick(field.edit, Qt.Key.Key_Down)
    assert field.set_by_hand and field.state.text() == "(late entry)"
    assert field.value() == (NOW + timedelta(minutes=3) - timedelta(hours=1), None)
    field.set_now(NOW + timedelta(minutes=10))  # a late entry stays as typed
    assert field.value() == (NOW + timedelta(minutes=3) - timedelta(hours=1), None)
    qtbot.mouseClick(field.now_button, Qt.MouseButton.LeftButton)
    assert field.value() == (NOW + timedelta(minutes=10), None) and not field.set_by_hand


def test_an_optional_time_is_nothing_unless_ticked(qtbot) -> None:  # type: ignore[no-untyped-def]
    field = TimeField("until", UTC, optional=True)
    qtbot.addWidget(field)
    field.set_now(NOW)
    assert field.value() == (None, None) and not field.edit.isEnabled()
    assert field.enabled_box is not None
    qtbot.keyClick(field.enabled_box, Qt.Key.Key_Space)
    assert field.edit.isEnabled() and field.value() == (NOW, None)
    field.set_value(NOW + timedelta(hours=6))
    assert field.value() == (NOW + timedelta(hours=6), None)
    field.reset()
    assert field.value() == (None, None)
