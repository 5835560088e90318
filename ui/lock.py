"""The lock screen and the automatic lock (issue 10, BATTERY R16): patient details hidden, open alerts
still counted and the alarm still sounding; the user's id and PIN to unlock; idle time on the monotonic
clock.

Who may unlock is not decided here: the window is given an `Unlock` callable (the login's PIN check)
that returns the `Author` or raises with the one sentence to show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QT_TR_NOOP, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from bedside.alert_vocabulary import AlertStatus, Priority, TechnicalAlert
from bedside.alerts import Alert
from bedside.staff import Author
from ui.alarm import Alarm, AlarmFlag
from ui.forms import AdmissionDialog
from ui.text import local_time, priority_text, tr

# (user id, PIN) -> the signed-in author; raises (its text is the sentence shown) to refuse.
Unlock = Callable[[str, str], Author]

# What counts as someone at the machine: keys, mouse, wheel, touch, pen. ShortcutOverride comes
# before a key that a shortcut takes (the key press itself is then never delivered).
INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.ShortcutOverride,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
        QEvent.Type.TabletMove,
    }
)
_MESSAGE_STYLE = "color: #b00020; font-weight: bold"
# How often the idle time is compared with the limit: R16 asks for the lock within 1 s of the limit.
POLL_MS = 1000


class UnlockRefused(Exception):
    """An unlock refused; the text is the one sentence the lock screen shows."""


class IdleWatch(QObject):
    """Time since the last user input, on a monotonic clock (a wall-clock jump changes nothing).

    Installed as the application's event filter; `check()` runs every second (tests call it after
    moving a fake clock, so nothing waits for real time).

    Signals:
        idle(): no input for `minutes`; emitted once until the next input or `reset()`.
    """

    idle = Signal()

    def __init__(
        self, monotonic: Callable[[], float], minutes: float, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        if not minutes > 0:
            raise ValueError(f"idle lock: {minutes} minutes must be more than 0")
        self._monotonic = monotonic
        self.limit_s = minutes * 60.0
        self._last = monotonic()
        self._armed = True
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.check)

    def set_minutes(self, minutes: float) -> None:
        """A new idle limit (the site policy changed while the app runs): counted from the last
        input as before, so a limit already passed locks at the next poll."""
        if not minutes > 0:
            raise ValueError(f"idle lock: {minutes} minutes must be more than 0")
        self.limit_s = minutes * 60.0

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS:
            self.reset()
        return False  # only watches: every event goes on to its widget

    def reset(self) -> None:
        self._last = self._monotonic()
        self._armed = True

    @property
    def idle_seconds(self) -> float:
        return self._monotonic() - self._last

    def check(self) -> bool:
        """Emit `idle` if the limit is reached (once per idle spell); True when it did."""
        if self._armed and self.idle_seconds >= self.limit_s:
            self._armed = False
            self.idle.emit()
            return True
        return False


def _counted(count: int, one: str, many: str) -> str:
    """ "1 open alert", "3 open alerts" (`many` holds {0} for the number)."""
    return tr(one) if count == 1 else tr(many).format(count)


def alert_summary(alerts: Iterable[Alert]) -> list[tuple[Priority, int, int]]:
    """(priority, open, waiting for acknowledgement) per priority with any open alert, highest first.

    Numbers only: which patient, bed or finding is not said on a locked screen.
    """
    counts: dict[Priority, list[int]] = {}
    for a in alerts:
        if a.status is AlertStatus.RESOLVED:
            continue
        c = counts.setdefault(a.priority, [0, 0])
        c[0] += 1
        c[1] += a.status is AlertStatus.ACTIVE
    return [(p, c[0], c[1]) for p, c in sorted(counts.items(), reverse=True)]


class LockScreen(QWidget):
    """What a locked window shows instead of its content.

    Signals:
        unlocked(object): the `Author` the unlock callable accepted.
    """

    unlocked = Signal(object)

    def __init__(
        self,
        unlock: Unlock,
        alarm: Alarm,
        zone: tzinfo | None,
        *,
        notice: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lock_screen")
        self._unlock = unlock
        # Who checks the PIN off the GUI thread, if anyone (`ui.session.SessionUnlock.checker`):
        # an object with check_pin(user_id, pin) -> request id and the signals signed_in(int,
        # object) and sign_in_refused(int, str). None: `unlock` itself answers (no PINs to hash).
        self._checker: Callable[[], Any] = getattr(unlock, "checker", lambda: None)
        self._connected: Any = None
        self._request: int | None = None
        self._zone = zone
        self.title = QLabel(tr("Bedside is locked"), self)
        self.title.setObjectName("lock_title")
        font = self.title.font()  # a font, not a style sheet: the text keeps the theme's colour
        font.setPointSize(20)
        font.setBold(True)
        self.title.setFont(font)
        self.since = QLabel(self)
        self.since.setObjectName("lock_since")
        self.since.setWordWrap(True)
        self.alerts = QLabel(self)
        self.alerts.setObjectName("lock_alerts")
        self.alerts.setWordWrap(True)
        self.alerts.setTextFormat(Qt.TextFormat.RichText)
        big = self.alerts.font()  # read from across the room
        big.setPointSize(max(big.pointSize(), 9) + 4)
        self.alerts.setFont(big)
        self.flag = AlarmFlag(alarm, self)
        self.flag.setStyleSheet(
            "font-weight: bold; color: white; background: #b00020; padding: 4px"
        )  # readable in the night theme too
        self.checks = QLabel(self)
        self.checks.setObjectName("lock_checks")
        self.checks.setWordWrap(True)
        self.checks.setStyleSheet(
            "color: white; background: #b00020; font-weight: bold; padding: 4px"
        )
        self.checks.hide()
        self.technical = QLabel(self)  # issue 9: the long-unsynced technical alert, without details
        self.technical.setObjectName("lock_technical")
        self.technical.setWordWrap(True)
        self.technical.setStyleSheet(
            "color: black; background: #ffb300; font-weight: bold; padding: 4px"
        )
        self.technical.hide()
        self.user_id = QLineEdit(self)
        self.user_id.setObjectName("lock_user_id")
        self.user_id.setPlaceholderText(tr("your user id"))
        self.pin = QLineEdit(self)
        self.pin.setObjectName("lock_pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText(tr("your PIN"))
        self.message = QLabel(self)
        self.message.setObjectName("lock_message")
        self.message.setStyleSheet(_MESSAGE_STYLE)
        self.message.setWordWrap(True)
        self.unlock_button = QPushButton(tr("Unlock (Enter)"), self)
        self.unlock_button.setObjectName("lock_unlock")
        self.switch_button = QPushButton(tr("Switch user"), self)
        self.switch_button.setObjectName("lock_switch_user")
        self.notice = QLabel(notice, self)
        self.notice.setObjectName("lock_notice")
        self.notice.setWordWrap(True)
        self.notice.setVisible(bool(notice))
        self._layout()
        self._connect_signals()
        self.show_alerts([])

    def _layout(self) -> None:
        panel = QWidget(self)
        panel.setMaximumWidth(620)
        column = QVBoxLayout(panel)
        column.setSpacing(10)
        column.addWidget(self.title)
        column.addWidget(self.since)
        column.addSpacing(8)
        column.addWidget(self.alerts)
        column.addWidget(self.flag)
        column.addWidget(self.checks)
        column.addWidget(self.technical)
        column.addSpacing(8)
        form = QFormLayout()
        form.addRow(tr("User id"), self.user_id)
        form.addRow(tr("PIN"), self.pin)
        column.addLayout(form)
        column.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addWidget(self.switch_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        column.addLayout(buttons)
        column.addWidget(self.notice)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(panel, 3)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def _connect_signals(self) -> None:
        self.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.pin.returnPressed.connect(self._on_unlock_button_clicked)
        self.user_id.returnPressed.connect(self.pin.setFocus)
        self.switch_button.clicked.connect(self._on_switch_button_clicked)

    # --- what it shows ------------------------------------------------------------------------------

    def prepare(self, previous: Author | None, since: datetime, *, switch: bool) -> None:
        """Shown afresh: the last user's id ready for their PIN, or empty for the next user."""
        self.since.setText(
            tr("Locked at {0}. Patient details are hidden until someone signs in.").format(
                local_time(since, self._zone, with_date=False)
            )
        )
        if self.checking:  # shown afresh: a check still under way is ignored when it answers
            self._request = None
            self._set_checking(False)
        self.message.clear()
        self.pin.clear()
        self.user_id.setText("" if switch or previous is None else previous.user_id)
        (self.pin if self.user_id.text() else self.user_id).setFocus()

    def show_alerts(self, alerts: Iterable[Alert]) -> None:
        """How many alerts are open, by priority: numbers only."""
        summary = alert_summary(alerts)
        if not summary:
            self.alerts.setText(tr("No alerts are open."))
            self.alerts.setStyleSheet("padding: 6px")
            return
        lines = []
        for priority, open_, waiting in summary:
            line = _counted(open_, QT_TR_NOOP("1 open alert"), QT_TR_NOOP("{0} open alerts"))
            if waiting:
                line = tr("{0}, {1}").format(
                    line, tr("{0} waiting for acknowledgement").format(waiting)
                )
            name = priority_text(priority)
            lines.append(
                tr("{0} priority: {1}").format(f"<b>{name[:1].upper() + name[1:]}</b>", line)
            )
        lines.append(tr("Unlock to see which patient."))
        self.alerts.setText("<br>".join(lines))
        high = summary[0][0] is Priority.HIGH
        self.alerts.setStyleSheet(
            "padding: 6px; border: 2px solid #b00020; background: #fdecea; color: #5f0010"
            if high
            else "padding: 6px; border: 1px solid #888"
        )

    def set_check_failed(self, failed: bool) -> None:
        """The minute's alert check failed: said here without its details (they may name a patient)."""
        self.checks.setText(tr("ALERT CHECK FAILED: unlock to see why.") if failed else "")
        self.checks.setVisible(failed)

    def set_sync_overdue(self, overdue: TechnicalAlert | None) -> None:
        """The long-unsynced technical alert began (a `TechnicalAlert`) or ended (None)."""
        self.technical.setText(
            tr(
                "TECHNICAL ALERT: this machine has not synced with the hub for too long: unlock to see why."
            )
            if overdue is not None
            else ""
        )
        self.technical.setVisible(overdue is not None)

    # --- unlocking -----------------------------------------------------------------------------------

    @property
    def checking(self) -> bool:
        """A PIN check is under way in a worker (the alarm and the counts go on meanwhile)."""
        return self._request is not None

    def _on_unlock_button_clicked(self) -> None:
        if self.checking:
            return  # Enter again while the PIN is checked: one check at a time
        user_id = self.user_id.text().strip()
        pin = self.pin.text()
        self.pin.clear()  # never kept, whatever the outcome
        if not user_id:
            self.message.setText(tr("Type your user id, then your PIN."))
            self.user_id.setFocus()
            return
        checker = self._checker()
        if checker is not None:  # the ward's PIN check (argon2id): off the GUI thread
            if checker is not self._connected:
                checker.signed_in.connect(self._on_checker_signed_in)
                checker.sign_in_refused.connect(self._on_checker_sign_in_refused)
                self._connected = checker
            self._request = checker.check_pin(user_id, pin)
            self._set_checking(True)
            return
        try:
            author = self._unlock(user_id, pin)
        except Exception as err:  # any refusal keeps the screen locked: one line, never a traceback
            text = str(err).strip().splitlines()
            self.message.setText(text[0] if text else tr("Not unlocked: the PIN was not accepted."))
            self.pin.setFocus()
            return
        self.message.clear()
        self.unlocked.emit(author)

    def _set_checking(self, checking: bool) -> None:
        """While the PIN is checked: "Checking…", the buttons and the fields disabled."""
        for widget in (self.unlock_button, self.switch_button, self.user_id, self.pin):
            widget.setEnabled(not checking)
        self.message.setStyleSheet("" if checking else _MESSAGE_STYLE)
        self.message.setText(tr("Checking…") if checking else "")

    def _on_checker_signed_in(self, request: int, author: Author) -> None:
        if request != self._request:
            return  # another screen's check, or one given up (the screen was shown afresh)
        self._request = None
        self._set_checking(False)
        self.unlocked.emit(author)

    def _on_checker_sign_in_refused(self, request: int, sentence: str) -> None:
        if request != self._request:
            return
        self._request = None
        self._set_checking(False)
        self.message.setText(sentence or tr("Not unlocked: the PIN was not accepted."))
        self.pin.setFocus()

    def _on_switch_button_clicked(self) -> None:
        self.user_id.clear()
        self.pin.clear()
        self.message.clear()
        self.user_id.setFocus()


def close_popups() -> None:
    """Menus, drop-down lists and tooltips open at the moment of locking (they may show patient data)."""
    QToolTip.hideText()
    for _ in range(10):  # nested menus close one by one
        popup = QApplication.activePopupWidget()
        if popup is None:
            break
        popup.close()


def put_away_dialogs(window: QWidget) -> list[AdmissionDialog]:
    """The open dialogs at the moment of locking: an admission being typed is hidden and returned (to
    be shown again to its author only); every other dialog is closed as cancelled (Sign grade…, Close
    episode…, Users…: nothing half-done is left for the next user). Every open dialog of the
    application counts, the window's and any other window's (a dialog made without the window as
    its parent, or one opened from another dialog)."""
    kept: list[AdmissionDialog] = []
    dialogs = [*window.findChildren(QDialog), *QApplication.topLevelWidgets()]
    seen: set[int] = set()
    for dialog in dialogs:
        if not isinstance(dialog, QDialog) or id(dialog) in seen or not dialog.isVisible():
            continue
        seen.add(id(dialog))
        if isinstance(dialog, AdmissionDialog):
            dialog.hide()
            kept.append(dialog)
        else:
            dialog.reject()
    return kept
