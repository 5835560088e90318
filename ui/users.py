"""The admin's "Users…" dialog (issue 10): the ward's users, and adding, disabling and resetting PINs.

Every change goes through the ward service (through the controller), which checks that the admin
signed in with their PIN; the dialog only shows what the service says.
"""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bedside.access import User
from bedside.staff import Author, Role
from bedside.ward import Recorded, Result
from ui.controller import WardController
from ui.session import role_text
from ui.text import local_time, tr


def state_text(user: User) -> str:
    if not user.enabled:
        return tr("disabled")
    if user.locked_out:
        return tr("LOCKED OUT")
    return tr("enabled")


class UsersDialog(QDialog):
    """The ward's users for an admin: the list, and a form to add a user or give one a new PIN."""

    def __init__(
        self,
        controller: WardController,
        admin: Author,
        zone: tzinfo | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.admin = admin
        self.zone = zone
        self.setWindowTitle(tr("Users of this ward"))
        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("users_table")
        self.table.setHorizontalHeaderLabels(
            [tr("User id"), tr("Role"), tr("Name"), tr("State"), tr("Created")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.user_id = QLineEdit(self)
        self.user_id.setObjectName("users_user_id")
        self.display_name = QLineEdit(self)
        self.display_name.setObjectName("users_display_name")
        self.role = QComboBox(self)
        self.role.setObjectName("users_role")
        for role in (Role.NURSE, Role.PHYSICIAN, Role.READ_ONLY, Role.ADMIN):
            self.role.addItem(role_text(role), role)
        self.pin = QLineEdit(self)
        self.pin.setObjectName("users_pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_again = QLineEdit(self)
        self.pin_again.setObjectName("users_pin_again")
        self.pin_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_button = QPushButton(tr("Add user"), self)
        self.add_button.setObjectName("users_add")
        self.disable_button = QPushButton(tr("Disable the selected user"), self)
        self.disable_button.setObjectName("users_disable")
        self.reset_button = QPushButton(tr("Give the selected user this PIN"), self)
        self.reset_button.setObjectName("users_reset_pin")
        self.message = QLabel(self)
        self.message.setObjectName("users_message")
        self.message.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        form = QFormLayout()
        form.addRow(tr("User id"), self.user_id)
        form.addRow(tr("Name"), self.display_name)
        form.addRow(tr("Role"), self.role)
        form.addRow(tr("PIN (4–64 characters)"), self.pin)
        form.addRow(tr("PIN again"), self.pin_again)
        actions = QHBoxLayout()
        actions.addWidget(self.add_button)
        actions.addWidget(self.reset_button)
        actions.addStretch(1)
        actions.addWidget(self.disable_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.disable_button.clicked.connect(self._on_disable_button_clicked)
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        close.rejected.connect(self.reject)
        self.refresh()

    def refresh(self) -> None:
        users = self.controller.users()
        self.table.setRowCount(len(users))
        for row, u in enumerate(users):
            when = local_time(u.created_at, self.zone, with_date=True)
            values = (u.user_id, role_text(u.role), u.display_name, state_text(u), when)
            for column, text in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self._on_table_selection_changed()

    def selected_user(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return item.text() if item else None

    def _on_table_selection_changed(self) -> None:
        chosen = self.selected_user() is not None
        self.disable_button.setEnabled(chosen)
        self.reset_button.setEnabled(chosen)

    def _opener_signed_in(self) -> bool:
        """The dialog acts only while the admin who opened it is the one signed in: the lock
        cancels it (`ui.lock.put_away_dialogs`), and one that outlived a lock is refused here."""
        current = self.controller.author
        if current is not None and current.user_id == self.admin.user_id:
            return True
        self.pin.clear()  # never kept
        self.pin_again.clear()
        self._show_error(
            tr("Only {0}, who opened this window, can change users here: sign in as {0}.").format(
                self.admin.user_id
            )
        )
        return False

    def _pin(self) -> str | None:
        pin, again = self.pin.text(), self.pin_again.text()
        self.pin.clear()
        self.pin_again.clear()
        if pin != again:
            self._show_error(tr("The two PINs differ: type the PIN twice, the same."))
            return None
        return pin

    def _on_add_button_clicked(self) -> None:
        if not self._opener_signed_in():
            return
        pin = self._pin()
        if pin is None:
            return
        user_id = self.user_id.text().strip()
        result = self.controller.create_user(
            self.admin,
            user_id=user_id,
            role=Role(self.role.currentData()),
            display_name=self.display_name.text().strip() or user_id,
            pin=pin,
        )
        if self._done(result, tr("{0} was added.").format(user_id.lower())):
            self.user_id.clear()
            self.display_name.clear()

    def _on_disable_button_clicked(self) -> None:
        user_id = self.selected_user()
        if user_id is not None and self._opener_signed_in():
            result = self.controller.disable_user(self.admin, user_id)
            self._done(result, tr("{0} is disabled: they can no longer sign in.").format(user_id))

    def _on_reset_button_clicked(self) -> None:
        if not self._opener_signed_in():
            return
        user_id = self.selected_user()
        pin = self._pin()
        if user_id is None or pin is None:
            return
        result = self.controller.reset_pin(self.admin, user_id, pin)
        self._done(result, tr("{0} has a new PIN; a lockout is lifted.").format(user_id))

    def _done(self, result: Result, sentence: str) -> bool:
        if not isinstance(result, Recorded):
            errors = getattr(result, "errors", None)
            text = (
                "\n".join(e.message for e in errors) if errors else getattr(result, "message", "")
            )
            self._show_error(text)
            return False
        self.message.setStyleSheet("")
        self.message.setText(sentence)
        self.refresh()
        return True

    def _show_error(self, text: str) -> None:
        self.message.setStyleSheet("color: #b00020")
        self.message.setText(text)
