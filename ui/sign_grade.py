"""A physician signs the current CRS or ICANS grade of a patient (issue 10): the grade and the
assessment it comes from are shown, and on a ward with users the PIN is asked again."""

from __future__ import annotations

from datetime import tzinfo
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from bedside.records import GradeSignOff, Syndrome
from bedside.workspace import StoredRecord
from ui.controller import SIGN_KEY, WardController
from ui.signed import SignedDialog
from ui.text import grade_text, local_time, picture, tr


def sign_off_line(
    sign_offs: list[StoredRecord], assessment_id: str | None, zone: tzinfo | None
) -> str:
    """Rich text: who signed which grade of the current assessment and when, or that none is signed."""
    shown = [
        s
        for s in sign_offs
        if isinstance(s.record, GradeSignOff) and s.record.assessment_id == assessment_id
    ]
    if assessment_id is None or not shown:
        return tr("Current grades signed: none")
    items = [
        tr("{0} grade {1} by {2} at {3}").format(
            s.record.syndrome.value.upper(),
            s.record.grade,
            escape(s.author),
            local_time(s.observed_at, zone),
        )
        for s in shown
    ]
    return tr("Current grades signed: ") + "; ".join(items)


class SignGradeDialog(SignedDialog):
    """Sign grade…: the syndrome, its current grade and assessment, the PIN (masked; only on a ward
    with users). A refusal is shown as the ward's sentence and nothing is written; the dialog closes
    once the sign-off is stored."""

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
            key=SIGN_KEY,
            prefix="sign",
            title=tr("Sign grade"),
            intro=tr("Your signature is stored with your user id and the time."),
            ok_text=tr("Sign"),
            parent=parent,
        )
        self.sign = self.ok
        self.latest = controller.ward.latest_assessment(patient_id)
        self.syndrome = QComboBox(self)
        self.syndrome.setObjectName("sign_syndrome")
        self.syndrome.addItem(tr("CRS"), Syndrome.CRS)
        self.syndrome.addItem(tr("ICANS"), Syndrome.ICANS)
        self.grade = QLabel(self)
        self.grade.setObjectName("sign_current_grade")
        self.grade.setTextFormat(Qt.TextFormat.RichText)
        self.grade.setWordWrap(True)
        self.form.addRow(tr("Syndrome"), self.syndrome)
        self.form.addRow(tr("Current grade"), self.grade)
        self.syndrome.currentIndexChanged.connect(self._show_grade)
        self.finish()

    def chosen(self) -> Syndrome:
        return Syndrome(self.syndrome.currentData())  # Qt hands the StrEnum back as its str

    def focus_first(self) -> None:
        (self.pin if self.asks_pin else self.syndrome).setFocus()

    def refresh(self) -> None:
        self.latest = self.controller.ward.latest_assessment(self.patient_id)
        self._show_grade()

    def _show_grade(self, *_: object) -> None:
        latest = self.latest
        if latest is None:
            self.grade.setText(tr("No observations charted yet: there is no grade to sign."))
            self.sign.setEnabled(False)
            return
        key = self.chosen().value
        grade = latest.crs_grade if key == "crs" else latest.icans_grade
        lower = bool(picture(latest).get(f"{key}_grade_is_lower_bound"))
        self.grade.setText(
            "<b>"
            + escape(grade_text(grade, lower))
            + "</b> — "
            + escape(
                tr("assessment of {0} ({1})").format(
                    local_time(latest.observed_at, self.zone), latest.record_id
                )
            )
        )
        self.sign.setEnabled(grade is not None)

    def submit(self, pin: str | None) -> None:
        assessment_id = self.latest.record_id if self.latest is not None else ""
        self.controller.sign_grade(
            self.patient_id, self.chosen(), assessment_id, pin, author=self.author
        )
