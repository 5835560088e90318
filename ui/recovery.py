"""At start, when the ward file fails verification (issue 10): say what is wrong, offer the newest verified
backup, and list the records a restore of it cannot bring back (those of the damaged file the backup does
not hold, as far as the damaged file can be read). Nothing is charted into the damaged file; a restore
keeps it aside (`bedside.backup.restore`)."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bedside.workspace import RecoveryOffer, RestoreResult
from ui.text import tr

LOST_SHOWN = 500  # the list shows this many lost records, then says how many more


def offer_text(offer: RecoveryOffer) -> str:
    """The offer in words (the dialog's text; on stderr where no window can be shown)."""
    if offer.backup is None:
        return tr(
            "There is no verified backup of it in {0}: do not chart into it; tell the ward's IT "
            "support (the file is left as it is)."
        ).format(offer.folder)
    lost = offer.lost
    count = len(lost.records) if lost is not None else 0
    losing = (
        tr("Every record of the damaged file is in this backup.")
        if lost is not None and lost.complete and count == 0
        else tr(
            "{0} record(s) of the damaged file are not in this backup and cannot be recovered{1}."
        ).format(
            count,
            "" if lost is None or lost.complete else tr(" (perhaps more: {0})").format(lost.note),
        )
    )
    return tr(
        "The newest verified backup is {0} (taken {1:%Y-%m-%d %H:%M} UTC, {2} records). {3} "
        "Restoring it keeps the damaged file aside; from the command line: "
        "bedside restore --db {4} --from {0}"
    ).format(offer.backup.path, offer.backup.taken_at, offer.backup_records, losing, offer.database)


def lost_lines(offer: RecoveryOffer) -> list[str]:
    """One line per record a restore loses: entered, kind, patient, observed, id."""
    if offer.lost is None:
        return []
    lines = [
        f"{_utc(r.entered_at)}  {r.kind:<14} {r.patient_id:<10} {_utc(r.observed_at)}  {r.record_id}"
        for r in offer.lost.records[:LOST_SHOWN]
    ]
    more = len(offer.lost.records) - LOST_SHOWN
    if more > 0:
        lines.append(tr("… and {0} more").format(more))
    if not offer.lost.complete:
        lines.append(offer.lost.note)
    return lines


def _utc(stamp: str) -> str:
    """A stored time (ISO 8601 UTC, or an HLC stamp that starts with one) to the second, marked UTC."""
    return stamp.split("/", 1)[0][:19].replace("T", " ") + " UTC"


def restored_text(result: RestoreResult) -> str:
    aside = (
        tr(" The damaged file is kept as {0}.").format(result.kept_aside)
        if result.kept_aside is not None
        else ""
    )
    return tr("Restored {0} records from {1}; the newest was entered at {2}.{3}").format(
        result.records, result.backup, result.newest_entered_at or tr("(none)"), aside
    )


class RecoveryDialog(QDialog):
    """The damaged-file dialog: accepted = restore the offered backup; rejected = quit, file untouched."""

    def __init__(self, offer: RecoveryOffer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.offer = offer
        self.setWindowTitle(tr("Bedside — the ward database is damaged"))
        problem = offer.problem[:1].upper() + offer.problem[1:]
        self.problem = QLabel(
            tr("<b>Bedside will not chart into this file.</b> {0}").format(problem)
        )
        self.problem.setObjectName("recovery_problem")
        self.problem.setWordWrap(True)
        self.offer_label = QLabel(offer_text(offer), self)
        self.offer_label.setObjectName("recovery_offer")
        self.offer_label.setWordWrap(True)
        self.lost = QPlainTextEdit(self)
        self.lost.setObjectName("recovery_lost")
        self.lost.setReadOnly(True)
        self.lost.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.lost.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.lost.setPlainText("\n".join(lost_lines(offer)))
        self.lost_heading = QLabel(
            tr(
                "<b>Not in the backup, cannot be recovered</b> (entered, kind, patient, observed, id):"
            ),
            self,
        )
        for widget in (self.lost_heading, self.lost):
            widget.setVisible(bool(lost_lines(offer)))
        buttons = QDialogButtonBox(self)
        self.restore_button: QPushButton | None = None
        if offer.backup is not None:
            self.restore_button = buttons.addButton(
                tr("Restore this backup and open"), QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.restore_button.setObjectName("recovery_restore")
        quit_button = buttons.addButton(tr("Quit"), QDialogButtonBox.ButtonRole.RejectRole)
        quit_button.setObjectName("recovery_quit")
        quit_button.setDefault(True)  # Enter never replaces a file
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.problem)
        layout.addWidget(self.offer_label)
        layout.addWidget(self.lost_heading)
        layout.addWidget(self.lost, 1)
        layout.addWidget(buttons)
        self.setMinimumSize(720, 420)
