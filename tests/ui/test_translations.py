"""Simplified Chinese: the catalogue is complete and compiled, and no visible string of the main windows
is left in English when the app starts in zh_CN (beyond a short reviewed list of codes, units and names).

When a test here fails after a change of ui/: run `python -m scripts.translations update`, translate the
new entries of resources/translations/bedside_zh_CN.ts (marked type="unfinished"), and run it again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QModelIndex, QSettings, Qt, QThreadPool
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGraphicsTextItem,
    QGraphicsView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QTableView,
    QTabWidget,
    QWidget,
)

from bedside.clinical.policy import RULE_VERSION
from bedside.clock import ManualClock
from bedside.demo import build_demo
from bedside.records.reason_codes import WORDINGS, wording_shape
from scripts.translations import UPDATE_COMMAND, check, messages, ts_path
from tests.support.ward_fixtures import NURSE
from ui.app import BedsideApp, build
from ui.board import Column
from ui.dialogs import AboutDialog, HelpDialog
from ui.forms import AdmissionDialog
from ui.reasons import PATTERNS
from ui.session import UserDialog
from ui.text import detail_text, tr
from ui.translations import CHINESE, ENGLISH, SETTING, chosen_language
from ui.words import VOCABULARIES, WORDS

# Words that stay as they are in Chinese (reviewed): the scores' and tools' own names, units, the
# consciousness scale's letters, key names, drug-route and dose-unit codes, and the app's name.
ALLOWED = frozenset(
    {
        # scores, scales and tools, as the Chinese CAR-T literature writes them
        *("CRS", "ICANS", "ICE", "CAPD", "NEWS2", "PEWS", "Bedside", "ASTCT", "CAR", "T", "ACVPU"),
        *("A", "C", "V", "P", "U", "SpO", "SpO2", "O", "FiO", "SBP", "RR", "HR", "MRN", "DSRCT"),
        *("CPAP", "BiPAP", "RASS", "PIN", "blow", "by", "II", "VI", "Qt", "Multimedia"),
        # units
        *(
            "kg",
            "mmHg",
            "L",
            "min",
            "h",
            "d",
            "F",
            "s",
            "mg",
            "mcg",
            "ug",
            "IU",
            "units",
            "ml",
            "cells",
        ),
        # keys
        *("F1", "F2", "F3", "F4", "F5", "F6", "F8"),
        *("Esc", "Enter", "Ctrl", "Shift", "M", "N", "U", "Q"),
        # the handover's file format, as Chinese software names it
        "PDF",
        # routes and units of a dose, shown as their codes (DoseUnit, Route)
        *("IV", "PO", "SC", "IM", "NG", "PR", "SL", "INH", "TOP"),
        # English and the language names of the Language menu are written in their own language
        "English",
        # time zones (the about box, times): names, not words
        "UTC",
        "GMT",
    }
)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
TAG = re.compile(r"<[^>]+>|&nbsp;|&[a-z]+;")


MNEMONIC = re.compile(r"\(&\w\)|&(?=\w)")  # "病区(&W)", "&Ward": the underlined key, not a word


def english_words(text: str, names: frozenset[str]) -> list[str]:
    plain = MNEMONIC.sub("", TAG.sub(" ", text))
    return [w for w in WORD.findall(plain) if w not in ALLOWED and w not in names]


# --- the catalogue ---------------------------------------------------------------------------------


def test_the_catalogue_has_every_string_of_ui_translated_and_the_qm_is_compiled() -> None:
    problems = check(CHINESE)
    assert not problems, problems.describe(CHINESE)


def test_every_word_of_the_vocabularies_is_marked_for_translation() -> None:
    missing = [f"{e.__name__}.{m.name}" for e in VOCABULARIES for m in e if m not in WORDS]
    assert not missing, f"add to ui/words.py, then run `{UPDATE_COMMAND}`: {missing}"


def test_the_reason_wordings_are_the_engines_and_each_translation_has_their_slots() -> None:
    assert tuple(w[2] for w in WORDINGS) == PATTERNS, (
        "ui/reasons.py PATTERNS must repeat bedside/records/reason_codes.py WORDINGS in code order"
    )
    translated = {
        m.source: m.translation for m in messages(ts_path(CHINESE)) if m.context == "Reason"
    }
    wrong = [
        (p, translated[p]) for p in PATTERNS if wording_shape(translated[p]) != wording_shape(p)
    ]
    assert not wrong, (
        f"these translations lack the slots or optional parts of their wording: {wrong}"
    )


def test_the_language_comes_from_the_setting_else_from_the_system_locale(tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert chosen_language(settings, QLocale("zh_CN")) == CHINESE
    assert chosen_language(settings, QLocale("zh_TW")) == CHINESE
    assert chosen_language(settings, QLocale("de_DE")) == ENGLISH
    assert chosen_language(settings, QLocale.c()) == ENGLISH
    settings.setValue(SETTING, ENGLISH)
    assert chosen_language(settings, QLocale("zh_CN")) == ENGLISH
    settings.setValue(SETTING, CHINESE)
    assert chosen_language(settings, QLocale.c()) == CHINESE


# --- the app in Chinese ----------------------------------------------------------------------------


@dataclass
class Chinese:
    app: BedsideApp
    names: frozenset[str]
    core_texts: list[str]


@pytest.fixture
def chinese_app(qapp: QApplication, qtbot, tmp_path: Path) -> Iterator[Chinese]:  # type: ignore[no-untyped-def]
    now = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)
    path = tmp_path / "demo.db"
    build_demo(str(path), now=now)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue(SETTING, CHINESE)
    app = build(qapp, path, ManualClock(now), settings=settings, pool=QThreadPool())
    qtbot.addWidget(app.window)
    app.user.sign_in(NURSE)
    names = _names(app, path)
    yield Chinese(app, names, _core_texts(app, names))
    app.shutdown()
    QLocale.setDefault(QLocale.c())


def _names(app: BedsideApp, path: Path) -> frozenset[str]:
    """What is data, not words: the patients' names, ids, beds and products, the users, the notes,
    the database path, the rule version and the site policy's fingerprint."""
    parts = [str(path), RULE_VERSION, app.window.policy.fingerprint, NURSE.user_id]
    for s in app.controller.board() + app.controller.board(discharged=True):
        a = s.admission
        parts += [a.name, a.patient_id, a.bed or "", a.product or ""]
        for stored in app.controller.ward.records(s.patient_id):
            parts += [stored.author, str(getattr(stored.record, "text", "") or "")]
            parts += [str(getattr(stored.record, "cause", "") or "")]
    return frozenset(w for p in parts for w in WORD.findall(p))


def _core_texts(app: BedsideApp, names: frozenset[str]) -> list[str]:
    """Sentences the core writes without a code (an alert's detail, why a check is due) that no pattern
    of ui/core_text.py words: shown as the core wrote them (README, Languages). The test below checks
    that the demo ward has none."""
    texts: list[str] = []
    for s in app.controller.board() + app.controller.board(discharged=True):
        texts += [a.detail for a in s.alerts] + [d.why for d in s.due]
    texts += [a.detail for a in app.controller.open_alerts()]
    left = [t for t in set(filter(None, texts)) if english_words(detail_text(t), names)]
    return sorted(left, key=len, reverse=True)


def _model_texts(view: QTableView) -> Iterator[str]:
    model = view.model()
    if model is None:
        return
    root = QModelIndex()
    for col in range(model.columnCount(root)):
        yield str(model.headerData(col, Qt.Orientation.Horizontal) or "")
    for row in range(model.rowCount(root)):
        for col in range(model.columnCount(root)):
            index = model.index(row, col, QModelIndex())
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = index.data(role)
                if isinstance(value, str):
                    yield value


def _menu_texts(menu: QMenu) -> Iterator[str]:
    yield menu.title()
    for action in menu.actions():
        yield action.text()
        yield action.toolTip() if action.toolTip() != action.text().replace("&", "") else ""
        if action.menu() is not None:
            yield from _menu_texts(action.menu())


def texts_of(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every text a user can see in `root`: window titles, labels, buttons, tooltips,
    placeholders, combo items, tabs, table headers and cells, menus and actions, plot labels."""
    for w in [root, *root.findChildren(QWidget)]:
        where = f"{type(w).__name__}#{w.objectName() or '?'}"
        if w.isWindow():
            yield where + " title", w.windowTitle()
        yield where + " tooltip", w.toolTip()
        if isinstance(w, QLabel):
            yield where, w.text()
        if isinstance(w, QAbstractButton):
            yield where, w.text()
        if isinstance(w, QLineEdit):
            yield where + " placeholder", w.placeholderText()
        if isinstance(w, QAbstractSpinBox):
            yield where, w.text()
        if isinstance(w, QComboBox):
            for i in range(w.count()):
                yield where + f" item {i}", w.itemText(i)
        if isinstance(w, QTabWidget):
            for i in range(w.count()):
                yield where + f" tab {i}", w.tabText(i)
        if isinstance(w, QTableView):
            for text in _model_texts(w):
                yield where + " cell", text
        if isinstance(w, QListWidget):
            for i in range(w.count()):
                yield where + f" item {i}", w.item(i).text()
                yield where + f" item {i} tooltip", w.item(i).toolTip()
        if isinstance(w, QMenu):
            for text in _menu_texts(w):
                yield where, text
        if isinstance(w, QGraphicsView) and w.scene() is not None:
            for item in w.scene().items():
                yield where + " plot tooltip", item.toolTip()
                if isinstance(item, QGraphicsTextItem):
                    yield where + " plot text", item.toPlainText()


def untranslated(root: QWidget, chinese: Chinese) -> list[str]:
    found = []
    for where, text in texts_of(root):
        for core in chinese.core_texts:
            text = text.replace(core, " ")
        words = english_words(text, chinese.names)
        if words:
            found.append(f"{where}: {text!r} (words {sorted(set(words))})")
    return sorted(set(found))


def _fail_message(found: list[str]) -> str:
    return (
        f"{len(found)} visible string(s) are not translated to Chinese:\n  "
        + "\n  ".join(found)
        + f"\nA new string of ui/: run `{UPDATE_COMMAND}`, translate its entry in "
        f"{ts_path(CHINESE)}, run the command again. A code, unit or name that stays as it is: add it "
        "to ALLOWED in tests/ui/test_translations.py, with its reason."
    )


def test_the_main_windows_show_no_english_in_chinese(chinese_app: Chinese, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = chinese_app.app
    window = app.window
    assert QCoreApplication.translate("", "Patient") == "患者"  # the catalogue is installed
    window.show()
    qtbot.waitExposed(window)
    found = untranslated(window, chinese_app)  # the board, the banner, the menus
    ids = [s.patient_id for s in app.controller.board()]
    assert len(ids) >= 4
    for patient_id in ids:  # ICE and CAPD patients, with and without alerts
        window.open_patient(patient_id)
        for i in range(window.patient.tabs.count()):  # every tab: forms, alerts, trends, history
            window.patient.tabs.setCurrentIndex(i)
            qtbot.wait(1)
            found += untranslated(window, chinese_app)
    window.show_board()
    window.board.discharged.setChecked(True)
    found += untranslated(window, chinese_app)
    dialogs = [
        AboutDialog(window.policy, window),
        HelpDialog(window),
        UserDialog(NURSE, window),
        AdmissionDialog(app.controller, window.zone, window),
    ]
    for dialog in dialogs:
        found += untranslated(dialog, chinese_app)
    found = sorted(set(found))
    assert not found, _fail_message(found)


def test_the_cores_sentences_of_the_demo_ward_are_all_worded_in_chinese(
    chinese_app: Chinese,
) -> None:
    assert chinese_app.core_texts == [], (
        "add a pattern to ui/core_text.py for these sentences of the core, then run "
        f"`{UPDATE_COMMAND}` and translate it: {chinese_app.core_texts}"
    )


def test_a_core_sentence_is_worded_with_its_values_and_an_unknown_one_is_kept(
    chinese_app: Chinese,
) -> None:
    assert detail_text("unacknowledged for 15 min: CRS grade 3") == "15 分钟未确认：CRS 3 级"
    assert detail_text("vitals check overdue (ICANS active: every 4 h; waiting for spo2)") == (
        "生命体征评估已逾期（ICANS 进行中：每 4 小时；等待 spo2）"
    )
    assert detail_text("a sentence of a newer core") == "a sentence of a newer core"


def test_the_walk_finds_an_untranslated_string(chinese_app: Chinese, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The check above can fail: an English label added to the board is reported by its words."""
    window = chinese_app.app.window
    stray = QLabel("Temperature trend", window.board)
    assert any("Temperature" in line for line in untranslated(window, chinese_app))
    stray.setText(QCoreApplication.translate("", "Temperature"))
    assert not any("Temperature" in line for line in untranslated(window, chinese_app))


def test_numbers_and_dates_follow_the_language(chinese_app: Chinese) -> None:
    from ui.text import local_time, number

    when = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)
    assert local_time(when, UTC) == "2026-12-02 14:30 UTC"
    assert number(1234.5) == "1,234.5"
    assert QLocale().language() == QLocale.Language.Chinese


def test_english_dates_name_the_month_even_under_the_c_locale(ward_app) -> None:  # type: ignore[no-untyped-def]
    """The C locale wrote "2 12 2026"; the app writes the month in words."""
    from ui.text import local_time

    when = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)
    assert local_time(when, UTC) == "2 Dec 2026 14:30 UTC"
    assert ward_app.app.window.patient.vitals.observed.edit.displayFormat() == "d MMM yyyy HH:mm"


def test_the_about_box_names_the_rule_version_and_the_policy(ward_app) -> None:  # type: ignore[no-untyped-def]
    """Help > About raised a TypeError (the policy's fingerprint is a property, not a method)."""
    window = ward_app.app.window
    text = AboutDialog(window.policy, window).text.text()
    assert RULE_VERSION in text and window.policy.fingerprint in text


def test_the_time_axis_names_its_days_in_chinese(chinese_app: Chinese, qtbot) -> None:  # type: ignore[no-untyped-def]
    """pyqtgraph writes "Mon 30" through strftime: the trend view's axis uses the locale's names."""
    window = chinese_app.app.window
    window.show()
    window.open_patient(chinese_app.app.controller.board()[0].patient_id)
    trends = window.patient.views[0]
    window.patient.tabs.setCurrentWidget(trends)
    window.grab()  # drawn once: the axis knows its font
    axis = trends.plots["drugs"].getAxis("bottom")
    start = datetime(2026, 11, 30, tzinfo=UTC).timestamp()
    day = 24 * 3600.0
    levels = axis.tickValues(start, start + 3 * day, 1200)
    labels = [t for spacing, values in levels for t in axis.tickStrings(values, 1.0, spacing)]
    assert any("周二" in t for t in labels), labels  # Tuesday 1 December 2026
    assert not [t for t in labels if english_words(t, frozenset())], labels


def test_view_language_is_remembered_and_the_next_start_is_in_that_language(
    ward_app, qapp: QApplication, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window = ward_app.app.window
    assert window.menuBar().findChild(QMenu, "menu_language") is not None
    assert window.findChild(QAction, f"act_language_{ENGLISH}").isChecked()  # the fixture's setting
    window.findChild(QAction, f"act_language_{CHINESE}").trigger()
    assert window.settings.value(SETTING) == CHINESE
    assert "重新启动" not in window.statusBar().currentMessage()  # still English until the restart
    assert chosen_language(window.settings, QLocale.c()) == CHINESE


def test_the_board_fits_the_chinese_words_even_after_english_widths_were_saved(
    qapp: QApplication, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Column widths are remembered per language: the English ones would wrap "第 +20 天"."""
    now = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)
    path = tmp_path / "demo.db"
    build_demo(str(path), now=now)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue(SETTING, ENGLISH)

    def board_of(language: str) -> tuple[BedsideApp, QTableView]:
        settings.setValue(SETTING, language)
        app = build(qapp, path, ManualClock(now), settings=settings, pool=QThreadPool())
        qtbot.addWidget(app.window)
        return app, app.window.board.table

    app, table = board_of(ENGLISH)
    table.setColumnWidth(Column.DAY, 31)  # a nurse narrowed the Day column, in English
    app.window.close()
    app.shutdown()
    app, table = board_of(CHINESE)
    try:
        day = tr("Day {0:+d}").format(20)
        assert day == "第 +20 天"
        needed = table.fontMetrics().horizontalAdvance(day)
        assert table.columnWidth(Column.DAY) > needed
        tool = str(table.model().headerData(Column.TOOL, Qt.Orientation.Horizontal))
        header = table.horizontalHeader()
        assert table.columnWidth(Column.TOOL) >= header.sectionSizeHint(Column.TOOL) > 0
        assert table.columnWidth(Column.TOOL) > header.fontMetrics().horizontalAdvance(tool)
    finally:
        app.window.close()
        app.shutdown()
        QLocale.setDefault(QLocale.c())
    app, table = board_of(ENGLISH)
    try:
        assert table.columnWidth(Column.DAY) == 31  # the English widths kept for English
    finally:
        app.shutdown()
