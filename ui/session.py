"""Who is charting (issue 10): the current user; on a ward with users the login (user id and PIN) and,
on a ward without, the first admin or, as before users existed, "who is charting" (no PIN)."""

from __future__ import annotations

from typing import TYPE_CHECKING

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

from bedside.access import AccessRefused
from bedside.records import FieldError
from bedside.records.envelope import check_author
from bedside.staff import Author, Role
from bedside.ward import Recorded
from ui.lock import UnlockRefused
from ui.text import tr

if TYPE_CHECKING:
    from ui.controller import WardController

_ERROR_STYLE = "color: #b00020"

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
            QLabel(
                tr(
                    "Every record you chart carries your user id. This ward has no users yet, so "
                    "no PIN is asked."
                )
            )
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


def _error_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setStyleSheet(_ERROR_STYLE)
    label.setWordWrap(True)
    return label


def _pin_field(parent: QWidget, name: str) -> QLineEdit:
    field = QLineEdit(parent)
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)  # masked: never shown, never kept
    return field


def _first_line(err: Exception) -> str:
    lines = str(err).strip().splitlines()
    return lines[0] if lines else tr("Not signed in: the PIN was not accepted.")


class LoginDialog(QDialog):
    """Sign in with user id and PIN (a ward with users). The PIN is checked by the ward service
    (`Ward.authenticate`, through the controller); a refusal is shown as its one sentence, the PIN
    field is cleared, and the dialog stays open."""

    def __init__(
        self, controller: WardController, user_id: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.author: Author | None = None
        self._request: int | None = None  # the PIN check under way (its request id)
        self.setWindowTitle(tr("Sign in to Bedside"))
        self.user_id = QLineEdit(self)
        self.user_id.setObjectName("login_user_id")
        self.user_id.setPlaceholderText(tr("your user id, e.g. nurse.ada"))
        self.user_id.setText(user_id)
        self.pin = _pin_field(self, "login_pin")
        self.pin.setPlaceholderText(tr("your PIN"))
        self.error = _error_label(self, "login_error")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.sign_in = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in.setText(tr("Sign in"))
        form = QFormLayout()
        form.addRow(tr("User id"), self.user_id)
        form.addRow(tr("PIN"), self.pin)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("Every record you chart carries your user id."), self))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        self.user_id.returnPressed.connect(self.pin.setFocus)
        controller.signed_in.connect(self._on_controller_signed_in)
        controller.sign_in_refused.connect(self._on_controller_sign_in_refused)
        (self.pin if user_id else self.user_id).setFocus()

    @property
    def checking(self) -> bool:
        """A PIN check is under way (in the pool: the window goes on meanwhile)."""
        return self._request is not None

    def _on_buttons_accepted(self) -> None:
        if self.checking:
            return  # Enter again while the PIN is checked: one check at a time
        user_id = self.user_id.text().strip()
        pin = self.pin.text()
        self.pin.clear()
        if not user_id:
            self.error.setText(tr("Type your user id, then your PIN."))
            self.user_id.setFocus()
            return
        self._request = self.controller.check_pin(user_id, pin)
        self._set_checking(True)

    def _set_checking(self, checking: bool) -> None:
        """While the PIN is checked: "Checking…", Sign in and the fields disabled (Cancel is not)."""
        self.sign_in.setEnabled(not checking)
        self.user_id.setEnabled(not checking)
        self.pin.setEnabled(not checking)
        if checking:
            self.error.setStyleSheet("")
            self.error.setText(tr("Checking…"))
        else:
            self.error.setStyleSheet(_ERROR_STYLE)

    def _on_controller_signed_in(self, request: int, author: Author) -> None:
        if request != self._request:
            return  # another dialog's check, or one this dialog gave up (cancelled)
        self._request = None
        self._set_checking(False)
        self.author = author
        self.error.clear()
        self.accept()

    def _on_controller_sign_in_refused(self, request: int, sentence: str) -> None:
        if request != self._request:
            return
        self._request = None
        self._set_checking(False)
        self.error.setText(sentence)
        self.pin.setFocus()

    def done(self, result: int) -> None:
        self._request = None  # closed: a check still under way is ignored when it answers
        super().done(result)


class FirstAdminDialog(QDialog):
    """The first start of a ward without users: its first admin (user id, name, PIN twice). The
    admin is signed in once created; they create the other users (Ward › Users…)."""

    def __init__(self, controller: WardController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.author: Author | None = None
        self.setWindowTitle(tr("Create the ward's first admin"))
        self.user_id = QLineEdit(self)
        self.user_id.setObjectName("first_user_id")
        self.user_id.setPlaceholderText(tr("e.g. admin.ward"))
        self.display_name = QLineEdit(self)
        self.display_name.setObjectName("first_display_name")
        self.pin = _pin_field(self, "first_pin")
        self.pin_again = _pin_field(self, "first_pin_again")
        self.error = _error_label(self, "first_error")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Create and sign in"))
        form = QFormLayout()
        form.addRow(tr("User id"), self.user_id)
        form.addRow(tr("Name"), self.display_name)
        form.addRow(tr("PIN (4–64 characters)"), self.pin)
        form.addRow(tr("PIN again"), self.pin_again)
        layout = QVBoxLayout(self)
        intro = QLabel(
            tr(
                "This ward has no users yet. Create its admin: the admin creates the nurses' and "
                "physicians' user ids and PINs, and does not chart."
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)

    def _on_buttons_accepted(self) -> None:
        user_id = self.user_id.text().strip()
        pin, again = self.pin.text(), self.pin_again.text()
        self.pin.clear()
        self.pin_again.clear()
        if pin != again:
            self.error.setText(tr("The two PINs differ: type the PIN twice, the same."))
            self.pin.setFocus()
            return
        result = self.controller.create_user(
            None,
            user_id=user_id,
            role=Role.ADMIN,
            display_name=self.display_name.text().strip() or user_id,
            pin=pin,
        )
        if not isinstance(result, Recorded):
            self.error.setText(_result_text(result))
            return
        try:
            self.author = self.controller.authenticate(user_id, pin)
        except AccessRefused as err:
            self.error.setText(_first_line(err))
            return
        self.accept()


def _result_text(result: object) -> str:
    """A refused change as the sentence to show: every field's message, or the storage's sentence."""
    errors = getattr(result, "errors", None)
    if errors:
        return "\n".join(e.message for e in errors)
    return str(getattr(result, "message", result))


class SessionUnlock:
    """The lock screen's unlock: on a ward with users, the user id and PIN are checked by the ward
    service (a refusal raises `UnlockRefused` with its sentence, and is audited); on a ward without
    users, `ProvisionalUnlock` as before."""

    checks_pin = True

    def __init__(self, controller: WardController, provisional: ProvisionalUnlock) -> None:
        self._controller = controller
        self.provisional = provisional

    @property
    def pin_checked(self) -> bool:
        return self._controller.has_users()

    def checker(self) -> WardController | None:
        """Who checks the PIN off the GUI thread (the lock screen waits for its answer): the
        controller on a ward with users; None on a ward without (then this callable answers)."""
        return self._controller if self._controller.has_users() else None

    def __call__(self, user_id: str, pin: str) -> Author:
        if not self._controller.has_users():
            return self.provisional(user_id, pin)
        try:
            return self._controller.authenticate(user_id, pin)
        except AccessRefused as err:
            raise UnlockRefused(_first_line(err)) from err
