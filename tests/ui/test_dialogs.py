"""The About box: opened from the Help menu, it says the rules are not yet clinically validated and names
the rule version and the digest of the site policy in force."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from bedside.clinical.policy import DEFAULT_POLICY, RULE_VERSION, SitePolicy
from tests.ui.charting import show
from ui.dialogs import SHORTCUTS, AboutDialog, HelpDialog, about_text


def test_the_about_box_names_the_rules_and_says_they_are_not_validated(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    window = ward_app.app.window
    seen: list[str] = []

    def read_and_close() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, AboutDialog)
        seen.append(dialog.text.text())
        dialog.reject()

    QTimer.singleShot(100, read_and_close)
    window.act_about.trigger()
    assert seen, "the About box did not open"
    assert "not yet clinically validated" in seen[0]
    assert RULE_VERSION in seen[0]
    assert window.policy.fingerprint in seen[0]


def test_the_about_box_names_the_rules_and_the_policy_digest(qtbot) -> None:  # type: ignore[no-untyped-def]
    text = about_text(DEFAULT_POLICY)
    assert RULE_VERSION in text and DEFAULT_POLICY.fingerprint in text
    other = SitePolicy(site_timezone="Europe/Berlin")
    assert other.fingerprint in about_text(other) and "Europe/Berlin" in about_text(other)
    dialog = AboutDialog(DEFAULT_POLICY)
    qtbot.addWidget(dialog)
    assert DEFAULT_POLICY.fingerprint in dialog.text.text()


def test_f1_opens_the_help_listing_every_shortcut_the_window_has(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    window = ward_app.app.window
    seen: list[str] = []

    def read_and_close() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, HelpDialog)
        seen.append(dialog.text.text())
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # closed from the keyboard

    QTimer.singleShot(0, read_and_close)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert seen, "F1 did not open the help"
    assert QApplication.activeModalWidget() is None
    bound = {a.shortcut().toString(): a for a in window.actions() if not a.shortcut().isEmpty()}
    listed = {keys for keys, _ in SHORTCUTS}
    assert set(bound) == listed - {"Enter"}  # the help lists what the window really has
    for keys, what in SHORTCUTS:
        assert f"<b>{keys}</b>" in seen[0] and what in seen[0]
