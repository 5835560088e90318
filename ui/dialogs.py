"""The About box (what the rules are, and that they are not yet clinically validated) and the help."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from bedside.clinical.policy import RULE_VERSION, SitePolicy
from ui.text import tr

# (keys, what they do): the window's shortcuts, listed once and used by the window and the help.
SHORTCUTS = (
    ("F2", "New vitals for the open patient"),
    ("F3", "New neuro check (ICE or CAPD) for the open patient"),
    ("F4", "Drug dose or infusion for the open patient"),
    ("F8", "Acknowledge the alert in the banner"),
    ("F6", "Next patient on the board"),
    ("Esc", "Back to the ward board"),
    ("Ctrl+N", "Admit a patient"),
    ("Ctrl+U", "Change who is charting"),
    ("Ctrl+Shift+N", "Night theme on or off"),
    ("Ctrl+P", "Print the handover of the open (or selected) patient as a PDF"),
    ("Ctrl+Shift+P", "Print the handover of the whole ward as a PDF"),
    ("Enter", "Save the form (in a form)"),
    ("F1", "This help"),
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
        self.setMinimumWidth(480)


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
