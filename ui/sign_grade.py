"""A physician signs the current CRS or ICANS grade of a patient (issue 10): the grade and the
assessment it comes from are shown, and on a ward with users the PIN is asked again."""

from __future__ import annotations

import contextlib
from datetime import tzinfo
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from bedside.records import GradeSignOff, Syndrome
from bedside.ward import Failed, Invalid, Recorded
from bedside.workspace import StoredRecord
from ui.controller import SIGN_KEY, WardController
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


class SignGradeDialog(QDialog):
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
        super().__init__(parent)
        self.setWindowTitle(tr("Sign grade"))
        self.controller = controller
        self.patient_id = patient_id
        self.zone = zone
        self.latest = controller.ward.latest_assessment(patient_id)
        self.syndrome = QComboBox(self)
        self.syndrome.setObjectName("sign_syndrome")
        self.syndrome.addItem(tr("CRS"), Syndrome.CRS)
        self.syndrome.addItem(tr("ICANS"), Syndrome.ICANS)
        self.grade = QLabel(self)
        self.grade.setObjectName("sign_current_grade")
        self.grade.setTextFormat(Qt.TextFormat.RichText)
        self.grade.setWordWrap(True)
        self.pin = QLineEdit(self)
        self.pin.setObjectName("sign_pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel(self)
        self.error.setObjectName("sign_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.sign = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign.setText(tr("Sign"))
        form = QFormLayout()
        form.addRow(tr("Syndrome"), self.syndrome)
        form.addRow(tr("Current grade"), self.grade)
        self.asks_pin = controller.has_users()
        if self.asks_pin:
            form.addRow(tr("Your PIN"), self.pin)
        else:
            self.pin.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(tr("Your signature is stored with your user id and the time."), self)
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.syndrome.currentIndexChanged.connect(self._show_grade)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        controller.saving.connect(self._on_controller_saving)
        controller.recorded.connect(self._on_controller_recorded)
        controller.invalid.connect(self._on_controller_invalid)
        controller.failed.connect(self._on_controller_failed)
        self._show_grade()
        (self.pin if self.asks_pin else self.syndrome).setFocus()

    def chosen(self) -> Syndrome:
        return Syndrome(self.syndrome.currentData())  # Qt hands the StrEnum back as its str

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

    def _on_buttons_accepted(self) -> None:
        pin = self.pin.text() if self.asks_pin else None
        self.pin.clear()
        assessment_id = self.latest.record_id if self.latest is not None else ""
        self.controller.sign_grade(self.patient_id, self.chosen(), assessment_id, pin)

    def _on_controller_saving(self, key: str) -> None:
        if key == SIGN_KEY:
            self.sign.setEnabled(False)
            self.error.setText(tr("saving…"))

    def _on_controller_recorded(self, key: str, patient_id: str, result: Recorded) -> None:
        if key == SIGN_KEY and patient_id == self.patient_id:
            self._disconnect()
            self.accept()

    def _on_controller_invalid(self, key: str, result: Invalid) -> None:
        if key == SIGN_KEY:
            self.error.setText("; ".join(e.message for e in result.errors))
            self.latest = self.controller.ward.latest_assessment(self.patient_id)
            self._show_grade()
            (self.pin if self.asks_pin else self.syndrome).setFocus()

    def _on_controller_failed(self, key: str, result: Failed) -> None:
        if key == SIGN_KEY:
            self.error.setText(result.message)
            self._show_grade()

    def reject(self) -> None:
        self._disconnect()
        super().reject()

    def _disconnect(self) -> None:
        for signal, slot in (
            (self.controller.saving, self._on_controller_saving),
            (self.controller.recorded, self._on_controller_recorded),
            (self.controller.invalid, self._on_controller_invalid),
            (self.controller.failed, self._on_controller_failed),
        ):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
