"""The About box (what the rules are, and that they are not yet clinically validated) and the help."""

from __future__ import annotations

from PySide6.QtCore import QT_TR_NOOP
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from bedside.clinical.policy import RULE_VERSION, SitePolicy
from ui.text import tr

# (keys, what they do): the window's shortcuts, listed once and used by the window and the help.
SHORTCUTS = (
    ("F2", QT_TR_NOOP("New vitals for the open patient")),
    ("F3", QT_TR_NOOP("New neuro check (ICE or CAPD) for the open patient")),
    ("F4", QT_TR_NOOP("Drug dose or infusion for the open patient")),
    ("F8", QT_TR_NOOP("Acknowledge the alert in the banner")),
    (
        "Ctrl+M",
        QT_TR_NOOP("Mute the alarm on this machine (it sounds again when the mute runs out)"),
    ),
    ("F6", QT_TR_NOOP("Next patient on the board")),
    ("Esc", QT_TR_NOOP("Back to the ward board")),
    ("Ctrl+N", QT_TR_NOOP("Admit a patient")),
    ("Ctrl+L", QT_TR_NOOP("Lock the screen (patient details hidden, alerts and alarm go on)")),
    ("Ctrl+U", QT_TR_NOOP("Switch user: lock, for the next user to sign in")),
    ("Ctrl+Shift+N", QT_TR_NOOP("Night theme on or off")),
    ("Ctrl+P", QT_TR_NOOP("Print the handover of the open (or selected) patient as a PDF")),
    ("Ctrl+Shift+P", QT_TR_NOOP("Print the handover of the whole ward as a PDF")),
    ("F5", QT_TR_NOOP("Sync with the hub now (when a hub is set)")),
    ("Enter", QT_TR_NOOP("Save the form (in a form)")),
    ("F1", QT_TR_NOOP("This help")),
    ("Ctrl+Q", QT_TR_NOOP("Quit")),
)


def about_text(policy: SitePolicy) -> str:
    return tr(
        "<h3>Bedside</h3>"
        "<p>Charting after CAR-T cell infusion: CRS and ICANS (ASTCT 2019), NEWS2 and Bedside PEWS.</p>"
        "<p><b>The clinical rules are not yet clinically validated.</b> Every threshold needs "
        "sign-off by the trial's clinical governance before use on patients.</p>"
        "<p>Rule version: {0}<br>Site policy in force: {1} (time zone {2})</p>"
    ).format(RULE_VERSION, policy.fingerprint, policy.site_timezone or tr("this machine's"))


class AboutDialog(QDialog):
    def __init__(self, policy: SitePolicy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("About Bedside"))
        self.text = QLabel(about_text(policy), self)
        self.text.setObjectName("about_text")
        self.text.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 64)  # scales with the font


def help_text() -> str:
    rows = "".join(
        f"<tr><td><b>{keys}</b>&nbsp;&nbsp;</td><td>{tr(what)}</td></tr>"
        for keys, what in SHORTCUTS
    )
    return tr("<h3>Keyboard shortcuts</h3>") + f"<table>{rows}</table>"


class HelpDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Bedside help"))
        self.text = QLabel(help_text(), self)
        self.text.setObjectName("help_text")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
