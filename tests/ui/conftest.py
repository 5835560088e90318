"""Fixtures of the app's tests: the real objects on a temporary ward database and a manual clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import QApplication

from bedside.clock import ManualClock
from bedside.store.connection import open_database
from tests.support.ward_fixtures import NURSE, START
from ui.app import BedsideApp, build
from ui.collector import GuiCollector
from ui.translations import ENGLISH, SETTING


@dataclass
class AppFixture:
    app: BedsideApp
    clock: ManualClock
    path: Path


@pytest.fixture(scope="session", autouse=True)
def gui_collector(qapp: QApplication) -> GuiCollector:
    """The app's rule for the whole run (ui/collector.py): Python's cyclic garbage collector runs on
    the GUI thread only. The windows of earlier tests are garbage in cycles; collected automatically
    in a later test's writer thread they once deadlocked it with the GUI thread (Qt's signal-slot
    mutex against the GIL). Installed once, before any test starts a worker thread; the root
    conftest collects what is due after each test (the timer only runs in an event loop)."""
    return GuiCollector.install(qapp)


@pytest.fixture
def ward_app(qapp: QApplication, qtbot, tmp_path: Path) -> Iterator[AppFixture]:  # type: ignore[no-untyped-def]
    clock = ManualClock(START)
    path = tmp_path / "ward.db"
    open_database(path, clock=clock).conn.close()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue(SETTING, ENGLISH)  # the tests read English, whatever the machine's locale
    app = build(qapp, path, clock, settings=settings, pool=QThreadPool())
    qtbot.addWidget(app.window)
    app.user.sign_in(NURSE)
    yield AppFixture(app, clock, path)
    app.shutdown()
