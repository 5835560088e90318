"""A physician closes a patient's open CRS or ICANS episode (SPEC D10, D20; D25 says what follows):
only an open episode is offered, a reason is required, and on a ward with users the PIN is asked again
(the frame of Sign grade…: `ui.signed`)."""

from __future__ import annotations

from datetime import tzinfo
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from bedside.records import Syndrome
from ui.controller import CLOSE_KEY, WardController
from ui.signed import SignedDialog
from ui.text import grade_text, local_time, tr

# EpisodeClosure.reason: REASON_TEXT (bedside/records/fields.py), said before the save.
REASON_MIN, REASON_MAX = 3, 500


class CloseEpisodeDialog(SignedDialog):
    """Close episode…: the open episode (CRS or ICANS, only those open), its maximum grade, the
    reason, the PIN (on a ward with users). What closing means is said before the click (D25); a
    refusal is the ward's sentence, nothing written; the dialog closes once the closure is stored."""

    def __init__(
        self,
        controller: WardController,
        patient_id: str,
        zone: tzinfo | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            controller,
            patient_id,
            zone,
            key=CLOSE_KEY,
            prefix="close",
            title=tr("Close episode"),
            intro=tr(
                "Closing ends the episode: its maximum grade stays in the chart, a later fall "
                "needs no acknowledgement, and a new episode opens only with a fever (or a grade "
                "of 1 or more) observed after the closure. Your user id, the time and the reason "
                "are stored."
            ),
            ok_text=tr("Close the episode"),
            parent=parent,
        )
        self.syndrome = QComboBox(self)
        self.syndrome.setObjectName("close_syndrome")
        self.episode = QLabel(self)
        self.episode.setObjectName("close_episode_state")
        self.episode.setTextFormat(Qt.TextFormat.RichText)
        self.episode.setWordWrap(True)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("close_reason")
        self.reason.setMaxLength(REASON_MAX)
        self.reason.setPlaceholderText(tr("why the episode is over, e.g. afebrile 72 h, recovered"))
        self.form.addRow(tr("Episode"), self.syndrome)
        self.form.addRow(tr("Now"), self.episode)
        self.form.addRow(tr("Reason"), self.reason)
        self.syndrome.currentIndexChanged.connect(self._show_episode)
        self.reason.textChanged.connect(self._show_episode)
        self.finish()

    def chosen(self) -> Syndrome | None:
        data = self.syndrome.currentData()
        return Syndrome(data) if data is not None else None  # Qt hands the StrEnum back as its str

    def focus_first(self) -> None:
        (self.reason if self.syndrome.count() else self.buttons).setFocus()

    def refresh(self) -> None:
        """The open episodes as the ward has them now (one may have been closed meanwhile)."""
        wanted = self.chosen()
        open_now = self.controller.open_episodes(self.patient_id)
        self.syndrome.blockSignals(True)
        self.syndrome.clear()
        for syndrome in open_now:
            self.syndrome.addItem(syndrome_name(syndrome), syndrome)
        if wanted in open_now:
            self.syndrome.setCurrentIndex(open_now.index(wanted))
        self.syndrome.blockSignals(False)
        self.syndrome.setEnabled(bool(open_now))
        self._show_episode()

    def _show_episode(self, *_: object) -> None:
        syndrome = self.chosen()
        latest = self.controller.ward.latest_assessment(self.patient_id)
        if syndrome is None or latest is None:
            self.episode.setText(tr("No CRS or ICANS episode is open: there is nothing to close."))
            self.ok.setEnabled(False)
            return
        record = latest.record
        is_crs = syndrome is Syndrome.CRS
        current = record.crs_grade if is_crs else record.icans_grade
        most = record.crs_episode_max if is_crs else record.icans_episode_max
        self.episode.setText(
            escape(
                tr(
                    "{0} episode open: current grade {1}, episode maximum {2} (assessment of {3})"
                ).format(
                    syndrome_name(syndrome),
                    grade_text(current),
                    grade_text(most),
                    local_time(latest.observed_at, self.zone),
                )
            )
        )
        self.ok.setEnabled(len(self.reason.text().strip()) >= REASON_MIN)

    def submit(self, pin: str | None) -> None:
        syndrome = self.chosen()
        reason = self.reason.text().strip()
        if syndrome is None:
            return
        if not REASON_MIN <= len(reason) <= REASON_MAX:
            self.error.setText(
                tr("reason: say why the episode is closed, {0}–{1} characters").format(
                    REASON_MIN, REASON_MAX
                )
            )
            self.reason.setFocus()
            return
        self.controller.close_episode(self.patient_id, syndrome, reason, pin, author=self.author)


def syndrome_name(syndrome: Syndrome) -> str:
    return tr("CRS") if syndrome is Syndrome.CRS else tr("ICANS")
