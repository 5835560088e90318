"""A ward with users, and the real app started on it, for the tests of sign-in and of what asks for a PIN."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import QApplication
from sqlite_utils import Database

from bedside.clock import ManualClock
from bedside.staff import Author
from bedside.store.connection import open_database
from bedside.ward import Ward
from tests.support.ward_fixtures import recorded
from ui.app import BedsideApp, build
from ui.forms import RecordForm
from ui.translations import ENGLISH, SETTING

ADMIN = ("admin.ward", "1111")


def new_app(qapp: QApplication, path: Path, clock: ManualClock, tmp_path: Path) -> BedsideApp:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue(SETTING, ENGLISH)
    return build(qapp, path, clock, settings=settings, pool=QThreadPool())


def ward_with_users(
    path: Path, clock: ManualClock, users: Sequence[tuple[str, str, str]]
) -> tuple[Database, Ward, dict[str, Author]]:
    """A ward file whose first admin is admin.ward (PIN 1111), with `users` as (user id, role, PIN),
    each signed in once (the Authors returned by id). Close the database before the app opens it."""
    db = open_database(path, clock=clock)
    ward = Ward(db, clock=clock)
    user_id, pin = ADMIN
    recorded(ward.create_user(None, user_id=user_id, role="admin", display_name="A", pin=pin))
    admin = ward.authenticate(user_id, pin)
    authors = {user_id: admin}
    for user_id, role, pin in users:
        recorded(ward.create_user(admin, user_id=user_id, role=role, display_name=user_id, pin=pin))
        authors[user_id] = ward.authenticate(user_id, pin)
    return db, ward, authors


def running(
    qapp: QApplication, qtbot, path: Path, clock: ManualClock, tmp_path: Path
) -> Iterator[BedsideApp]:  # type: ignore[no-untyped-def]
    """The app on `path`, shown, for a fixture to yield from; shut down afterwards."""
    app = new_app(qapp, path, clock, tmp_path)
    qtbot.addWidget(app.window)
    app.window.show()
    qtbot.waitExposed(app.window)
    yield app
    for form in app.window.findChildren(RecordForm):
        form._preview_timer.stop()
    app.shutdown()
