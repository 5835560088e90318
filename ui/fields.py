"""Input widgets keyed by a record's field names: each reads its value (or says, in words, why it
cannot), sets it from a stored record, and shows its error right beside it."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from enum import Enum
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QLocale, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from bedside.records import FieldError
from ui.text import date_format, date_time_format, enum_text, tr

NONE_TEXT = "—"


class NumberEdit(QLineEdit):
    """A number in the system locale; empty means not measured (never 0)."""

    def __init__(self, name: str, *, whole: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.whole = whole
        self.setObjectName(name)

    def value(self) -> tuple[float | int | None, FieldError | None]:
        text = self.text().strip()
        if not text:
            return None, None
        locale = QLocale()
        number, ok = locale.toDouble(text)
        if not ok:
            number, ok = QLocale.c().toDouble(text)  # "37.5" on a machine whose locale writes 37,5
        if not ok:
            message = tr("{0}: “{1}” is not a number").format(self.name, text)
            return None, FieldError(self.name, message, tr("a number"))
        if self.whole:
            if number != int(number):
                message = tr("{0}: {1} is not a whole number").format(self.name, text)
                return None, FieldError(self.name, message, tr("a whole number"))
            return int(number), None
        return number, None

    def set_value(self, value: Any) -> None:
        if value is None:
            self.clear()
        elif self.whole:
            self.setText(QLocale().toString(int(value)))
        else:
            self.setText(QLocale().toString(float(value), "g", 6))

    def raw(self) -> object:
        """What is typed, as typed (a draft keeps text that is not yet a number)."""
        return self.text()

    def set_raw(self, raw: Any) -> None:
        self.setText(str(raw))


class ChoiceBox(QComboBox):
    """One value of an enum (or nothing, shown as "—")."""

    def __init__(
        self,
        name: str,
        enum: type[Enum],
        *,
        optional: bool = True,
        labels: dict[Any, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName(name)
        if optional:
            self.addItem(NONE_TEXT, None)
        for member in enum:
            self.addItem((labels or {}).get(member, enum_text(member)), member)

    def value(self) -> tuple[Any, FieldError | None]:
        return self.currentData(), None

    def set_value(self, value: Any) -> None:
        index = self.findData(value)
        self.setCurrentIndex(max(index, 0))

    def raw(self) -> object:
        return self.currentIndex()

    def set_raw(self, raw: Any) -> None:
        self.setCurrentIndex(int(raw))


class TextEdit(QLineEdit):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName(name)

    def value(self) -> tuple[str | None, FieldError | None]:
        text = self.text().strip()
        return (text or None), None

    def set_value(self, value: Any) -> None:
        self.setText("" if value is None else str(value))

    def raw(self) -> object:
        return self.text()

    def set_raw(self, raw: Any) -> None:
        self.setText(str(raw))


class FlagBox(QCheckBox):
    def __init__(self, name: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.name = name
        self.setObjectName(name)

    def value(self) -> tuple[bool, FieldError | None]:
        return self.isChecked(), None

    def set_value(self, value: Any) -> None:
        self.setChecked(bool(value))

    def raw(self) -> object:
        return self.isChecked()

    def set_raw(self, raw: Any) -> None:
        self.setChecked(bool(raw))


class DateField(QDateEdit):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName(name)
        self.setCalendarPopup(True)
        self.setDisplayFormat(date_format())
        self.setDate(QDate(2000, 1, 1))

    def value(self) -> tuple[date, FieldError | None]:
        d = self.date()
        return date(d.year(), d.month(), d.day()), None

    def set_value(self, value: Any) -> None:
        if isinstance(value, date):
            self.setDate(QDate(value.year, value.month, value.day))

    def raw(self) -> object:
        return self.value()[0]

    def set_raw(self, raw: Any) -> None:
        self.set_value(raw)


class TimeField(QWidget):
    """When it was observed: "now" unless the nurse changes it (a late entry), in the ward's zone.

    Signals:
        edited(): the time was changed by hand.
    """

    edited = Signal()

    def __init__(
        self,
        name: str,
        zone: tzinfo | None,
        *,
        optional: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName(name)
        self._zone = zone
        self._now: datetime = datetime.now(UTC)
        self._set_by_hand = False
        self._optional = optional
        self.edit = QDateTimeEdit(self)
        self.edit.setObjectName(f"{name}_edit")
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat(date_time_format())
        self.now_button = QPushButton(tr("now"), self)
        self.now_button.setFocusPolicy(self.now_button.focusPolicy().NoFocus)
        self.state = QLabel(self)
        self.enabled_box = QCheckBox(tr("set"), self) if optional else None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if self.enabled_box is not None:
            layout.addWidget(self.enabled_box)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.now_button)
        layout.addWidget(self.state)
        self.setFocusProxy(self.edit)
        self.edit.dateTimeChanged.connect(self._on_edit_changed)
        self.now_button.clicked.connect(self.reset)
        if self.enabled_box is not None:
            self.enabled_box.toggled.connect(self.edit.setEnabled)
            self.edit.setEnabled(False)
            QWidget.setTabOrder(self.enabled_box, self.edit)  # the box is made last, shown first
        self._show(self._now)

    def set_now(self, now: datetime) -> None:
        """The ward clock's now; shown unless the time was set by hand."""
        self._now = now
        if not self._set_by_hand:
            self._show(now)

    def reset(self) -> None:
        self._set_by_hand = False
        self._show(self._now)
        if self.enabled_box is not None:
            self.enabled_box.setChecked(False)

    def _show(self, when: datetime) -> None:
        local = when.astimezone(self._zone)
        self.edit.blockSignals(True)
        self.edit.setDateTime(
            QDateTime(
                QDate(local.year, local.month, local.day),
                QTime(local.hour, local.minute, local.second),
            )
        )
        self.edit.blockSignals(False)
        self.state.setText("" if self._optional else tr("(now)"))

    def _on_edit_changed(self, _: QDateTime) -> None:
        self._set_by_hand = True
        self.state.setText("" if self._optional else tr("(late entry)"))
        self.edited.emit()

    @property
    def set_by_hand(self) -> bool:
        return self._set_by_hand

    def value(self) -> tuple[datetime | None, FieldError | None]:
        if self.enabled_box is not None and not self.enabled_box.isChecked():
            return None, None
        if not self._set_by_hand:
            return self._now, None
        qt = self.edit.dateTime()
        d, t = qt.date(), qt.time()
        naive = datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second())
        zone = self._zone or datetime.now().astimezone().tzinfo
        return naive.replace(tzinfo=zone).astimezone(UTC), None

    def set_value(self, value: Any) -> None:
        if isinstance(value, datetime):
            if self.enabled_box is not None:
                self.enabled_box.setChecked(True)
            self._show(value)
            self._set_by_hand = True
        else:
            self.reset()

    def raw(self) -> object:
        """As set by hand (the shown time and the "set" box), or "now" (which follows the clock)."""
        enabled = self.enabled_box.isChecked() if self.enabled_box is not None else None
        if not self._set_by_hand:
            return (False, enabled, None)
        qt = self.edit.dateTime()
        d, t = qt.date(), qt.time()
        return (True, enabled, (d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second()))

    def set_raw(self, raw: Any) -> None:
        by_hand, enabled, shown = raw
        self.reset()
        if self.enabled_box is not None:
            self.enabled_box.setChecked(bool(enabled))
        if by_hand:
            y, mo, d, h, mi, sec = shown
            self.edit.blockSignals(True)
            self.edit.setDateTime(QDateTime(QDate(y, mo, d), QTime(h, mi, sec)))
            self.edit.blockSignals(False)
            self._set_by_hand = True
            self.state.setText("" if self._optional else tr("(late entry)"))


InputWidget = NumberEdit | ChoiceBox | TextEdit | FlagBox | DateField | TimeField
