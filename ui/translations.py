"""The app's languages: English (the source text) and Simplified Chinese, chosen from a setting or the
system locale, installed as Qt translators before any window is built (a change applies at the next start).

The catalogue is resources/translations/bedside_<lang>.ts, extracted from ui/ by `pyside6-lupdate` and
compiled to the committed .qm by `pyside6-lrelease`: `python -m scripts.translations update` does both.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QTranslator
from PySide6.QtWidgets import QApplication

import resources

TRANSLATIONS = Path(resources.__file__).resolve().parent / "translations"
SETTING = "ui/language"
SYSTEM = "system"
ENGLISH = "en"
CHINESE = "zh_CN"
# The language names as their own speakers write them (the menu shows them untranslated).
LANGUAGES = {ENGLISH: "English", CHINESE: "简体中文"}
BRITISH = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


def qm_path(language: str) -> Path:
    return TRANSLATIONS / f"bedside_{language}.qm"


def chosen_language(settings: QSettings, system: QLocale | None = None) -> str:
    """The language to start in: the setting, else the system locale's (Chinese for any zh locale)."""
    wanted = str(settings.value(SETTING, SYSTEM) or SYSTEM)
    if wanted in LANGUAGES:
        return wanted
    locale = system if system is not None else QLocale.system()
    return CHINESE if locale.language() == QLocale.Language.Chinese else ENGLISH


def install(app: QApplication, language: str) -> list[QTranslator]:
    """Qt's own strings (standard buttons) and the app's, in `language`; numbers and dates in its locale.
    Returns the translators, which must outlive the windows. English needs no translator.

    Raises FileNotFoundError naming the catalogue when the compiled catalogue is missing."""
    translators: list[QTranslator] = []
    if language == ENGLISH:
        system = QLocale.system()
        # the system's number and date conventions; the C locale (no locale set) reads as British English
        QLocale.setDefault(system if system.language() != QLocale.Language.C else BRITISH)
        return translators
    path = qm_path(language)
    ours = QTranslator(app)
    if not ours.load(str(path)):
        raise FileNotFoundError(
            f"the translation catalogue {path} is missing or unreadable: reinstall Bedside, or run "
            "`python -m scripts.translations update` in a checkout"
        )
    qt = QTranslator(app)
    if qt.load(
        QLocale(language),
        "qtbase",
        "_",
        QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
    ):
        app.installTranslator(qt)
        translators.append(qt)
    app.installTranslator(ours)
    translators.append(ours)
    QLocale.setDefault(QLocale(language))
    return translators


def uninstall(app: QApplication, translators: list[QTranslator]) -> None:
    """Back to English (the tests switch languages within one process)."""
    for t in translators:
        app.removeTranslator(t)
    QLocale.setDefault(QLocale.system())
