"""What a physician signs for with their PIN again (issue 10): the frame shared by Sign grade… and
Close episode…, so that both ask for the PIN, show the ward's refusal and close alike.

The dialog is bound to who opened it: its save is queued as that user's (`draft_author`), so that if it
outlived a lock (the lock cancels it: `ui.lock.put_away_dialogs`) the next user could not save it.
"""

from __future__ import annotations

import contextlib
from datetime import tzinfo

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bedside.staff import Author
from bedside.ward import Failed, Invalid, Recorded
from ui.controller import WardController
from ui.text import tr


class SignedDialog(QDialog):
    """A write that asks for the PIN again on a ward with users: the subclass adds its rows to
    `form`, calls `finish()`, and saves through the controller under `key` in `submit(pin)`.

    A refusal is shown as the ward's sentence (the PIN cleared, nothing written); the dialog closes
    once the record is stored. `refresh()` shows the current state again after a refusal."""

    # Object names of the widgets: "<prefix>_pin", "<prefix>_error".
    def __init__(
        self,
        controller: WardController,
        patient_id: str,
        zone: tzinfo | None,
        *,
        key: str,
        prefix: str,
        title: str,
        intro: str,
        ok_text: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.controller = controller
        self.patient_id = patient_id
        self.zone = zone
        self.key = key
        self.author: Author | None = controller.author  # who opened it: only they can save it
        self.pin = QLineEdit(self)
        self.pin.setObjectName(f"{prefix}_pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)  # masked: never shown, never kept
        self.error = QLabel(self)
        self.error.setObjectName(f"{prefix}_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(ok_text)
        self.form = QFormLayout()
        self.asks_pin = controller.has_users()
        self._intro = QLabel(intro, self)
        self._intro.setWordWrap(True)

    def finish(self) -> None:
        """After the subclass's rows: the PIN row (on a ward with users), the error line, the buttons."""
        if self.asks_pin:
            self.form.addRow(tr("Your PIN"), self.pin)
        else:
            self.pin.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self._intro)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.controller.saving.connect(self._on_controller_saving)
        self.controller.recorded.connect(self._on_controller_recorded)
        self.controller.invalid.connect(self._on_controller_invalid)
        self.controller.failed.connect(self._on_controller_failed)
        self.refresh()
        self.focus_first()

    # --- for the subclass ----------------------------------------------------------------------------

    def submit(self, pin: str | None) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        """Show the current state (and enable the OK button when there is something to save)."""

    def focus_first(self) -> None:
        if self.asks_pin:
            self.pin.setFocus()

    # --- the save ------------------------------------------------------------------------------------

    def _on_buttons_accepted(self) -> None:
        pin = self.pin.text() if self.asks_pin else None
        self.pin.clear()
        self.submit(pin)

    def _on_controller_saving(self, key: str) -> None:
        if key == self.key:
            self.ok.setEnabled(False)
            self.error.setText(tr("saving…"))

    def _on_controller_recorded(self, key: str, patient_id: str, result: Recorded) -> None:
        if key == self.key and patient_id == self.patient_id:
            self._disconnect()
            self.accept()

    def _on_controller_invalid(self, key: str, result: Invalid) -> None:
        if key == self.key:
            self.error.setText("; ".join(e.message for e in result.errors))
            self.refresh()
            self.focus_first()

    def _on_controller_failed(self, key: str, result: Failed) -> None:
        if key == self.key:
            self.error.setText(result.message)
            self.refresh()

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
