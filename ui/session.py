"""Who is charting: the current user, asked for at start until PIN login fills it (issue: security)."""

from __future__ import annotations

from PySide6.QtCore import QT_TR_NOOP, QObject, Signal
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

from bedside.records import FieldError
from bedside.records.envelope import check_author
from bedside.staff import Author, Role
from ui.lock import UnlockRefused
from ui.text import tr

_ROLE_TEXT = {
    Role.NURSE: QT_TR_NOOP("Nurse"),
    Role.PHYSICIAN: QT_TR_NOOP("Physician"),
    Role.ADMIN: QT_TR_NOOP("Administrator"),
    Role.READ_ONLY: QT_TR_NOOP("Read only"),
}


def role_text(role: Role) -> str:
    return tr(_ROLE_TEXT[role])


class CurrentUser(QObject):
    """The person every record is attributed to. Filled by `UserDialog` today, by PIN login later.

    Signals:
        changed(object): the new `Author` (or None after sign-out).
    """

    changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._author: Author | None = None

    @property
    def author(self) -> Author | None:
        return self._author

    def sign_in(self, author: Author) -> None:
        self._author = author
        self.changed.emit(author)

    def sign_out(self) -> None:
        self._author = None
        self.changed.emit(None)


class UserDialog(QDialog):
    """Asks who is charting: a user id and a role."""

    def __init__(self, current: Author | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Who is charting?"))
        self.user_id = QLineEdit(self)
        self.user_id.setObjectName("user_id")
        self.user_id.setPlaceholderText(tr("your user id, e.g. nurse.ada"))
        self.role = QComboBox(self)
        self.role.setObjectName("role")
        for role in Role:
            self.role.addItem(role_text(role), role)
        self.error = QLabel(self)
        self.error.setObjectName("user_error")
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        form = QFormLayout()
        form.addRow(tr("User id"), self.user_id)
        form.addRow(tr("Role"), self.role)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(tr("Every record you chart carries your user id. (PIN login comes later.)"))
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        if current is not None:
            self.user_id.setText(current.user_id)
            self.role.setCurrentIndex(list(Role).index(current.role))
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)

    def author(self) -> Author:
        return Author(self.user_id.text().strip(), Role(self.role.currentData()))

    def errors(self) -> list[FieldError]:
        return check_author(self.user_id.text().strip())

    def _on_buttons_accepted(self) -> None:
        errors = self.errors()
        if errors:
            self.error.setText("\n".join(e.message for e in errors))
            return
        self.accept()


class ProvisionalUnlock:
    """The unlock the window uses until PIN login exists (issue 10): there are no PINs to check yet, so
    the PIN is not checked (the lock screen says so); the user id is. The user signed in last gets
    their role back; another user id is asked for its role, as at start.

    `unlock` of `ui.app.build` replaces it with the login's PIN check.
    """

    checks_pin = False
    NOTICE = QT_TR_NOOP(
        "PINs are not checked on this installation yet: anyone can unlock with any user id."
    )

    def __init__(self, user: CurrentUser) -> None:
        self._last = user.author
        self.dialog_parent: QWidget | None = None
        user.changed.connect(self._on_user_changed)

    def _on_user_changed(self, author: Author | None) -> None:
        if author is not None:
            self._last = author

    def __call__(self, user_id: str, pin: str) -> Author:
        errors = check_author(user_id)
        if errors:
            raise UnlockRefused(tr("Not unlocked: a user id is {0}.").format(errors[0].allowed))
        if self._last is not None and self._last.user_id == user_id:
            return self._last
        dialog = UserDialog(None, self.dialog_parent)
        dialog.user_id.setText(user_id)
        dialog.role.setFocus()
        if dialog.exec() != UserDialog.DialogCode.Accepted:
            raise UnlockRefused(tr("Not unlocked: who is charting was not confirmed."))
        return dialog.author()
