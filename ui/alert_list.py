"""The alert banner (the highest open alert of the ward) and a patient's alert list with acknowledge."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from PySide6.QtCore import (
    QT_TR_NOOP,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bedside.alert_vocabulary import AlertKind, AlertStatus
from bedside.alerts import Alert
from ui.text import (
    detail_text,
    kind_text,
    local_time,
    priority_colours,
    priority_text,
    status_text,
    tr,
)

ALERT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
ANY_INDEX = QModelIndex | QPersistentModelIndex
DOWNGRADES = (AlertKind.CRS_DOWNGRADE, AlertKind.ICANS_DOWNGRADE)


def most_urgent(alerts: list[Alert]) -> Alert | None:
    """The alert the banner shows: waiting for acknowledgement first, then priority, then newest."""
    if not alerts:
        return None
    return max(
        alerts,
        key=lambda a: (a.status is AlertStatus.ACTIVE, a.priority, a.last_event_at),
    )


def alert_line(alert: Alert, zone: tzinfo | None, name: str = "") -> str:
    who = f"{name} ({alert.patient_id})" if name else alert.patient_id
    state = ack_text(alert, zone)
    escalated = tr(", escalated") if alert.time_escalated else ""
    return tr("{0} priority · {1}: {2} — {3} · {4}{5}").format(
        priority_text(alert.priority),
        who,
        kind_text(alert.kind),
        detail_text(alert.detail),
        state,
        escalated,
    )


def ack_text(alert: Alert, zone: tzinfo | None) -> str:
    """Who acknowledged and when, or that it waits (again, after an escalation)."""
    if alert.acknowledged_by is None:
        return status_text(alert.status)
    when = local_time(alert.acknowledged_at, zone)
    if alert.status is AlertStatus.ACTIVE:
        return tr("waiting for acknowledgement again (last acknowledged by {0} at {1})").format(
            alert.acknowledged_by, when
        )
    return tr("acknowledged by {0} at {1}").format(alert.acknowledged_by, when)


class AlertBanner(QWidget):
    """One line at the top of the window: the most urgent open alert, in words and colour.

    Signals:
        acknowledge_requested(str): the banner's Acknowledge button was pressed (alert id).
        open_requested(str): the patient's name was clicked (patient id).
    """

    acknowledge_requested = Signal(str)
    open_requested = Signal(str)

    def __init__(self, zone: tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alert_banner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._zone = zone
        self._alert: Alert | None = None
        self.label = QLabel(self)
        self.label.setObjectName("alert_banner_text")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.count = QLabel(self)
        self.open_button = QPushButton(tr("Open patient"), self)
        self.ack = QPushButton(tr("Acknowledge (F8)"), self)
        self.ack.setObjectName("banner_acknowledge")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.count)
        layout.addWidget(self.open_button)
        layout.addWidget(self.ack)
        self._connect_signals()
        self.show_alerts([], {})

    def _connect_signals(self) -> None:
        self.ack.clicked.connect(self._on_ack_clicked)
        self.open_button.clicked.connect(self._on_open_clicked)

    @property
    def alert(self) -> Alert | None:
        return self._alert

    def show_alerts(self, alerts: list[Alert], names: dict[str, str]) -> None:
        top = most_urgent(alerts)
        self._alert = top
        waiting = sum(1 for a in alerts if a.status is AlertStatus.ACTIVE)
        if top is None:
            self.label.setText(tr("No open alerts on the ward."))
            self.count.setText("")
            self.setStyleSheet("#alert_banner { background: palette(window); }")
            self.ack.setEnabled(False)
            self.open_button.setEnabled(False)
            return
        self.label.setText(alert_line(top, self._zone, names.get(top.patient_id, "")))
        self.count.setText(tr("{0} waiting").format(waiting) if waiting else "")
        bg, fg = priority_colours(top.priority)
        if top.status is not AlertStatus.ACTIVE:
            bg, fg = bg.lighter(115), fg
        self.setStyleSheet(
            f"#alert_banner {{ background: {bg.name()}; }} "
            f"#alert_banner QLabel {{ color: {fg.name()}; font-weight: bold; }}"
        )
        self.ack.setEnabled(top.status is AlertStatus.ACTIVE)
        self.open_button.setEnabled(True)

    def _on_ack_clicked(self) -> None:
        if self._alert is not None:
            self.acknowledge_requested.emit(self._alert.alert_id)

    def _on_open_clicked(self) -> None:
        if self._alert is not None:
            self.open_requested.emit(self._alert.patient_id)


_COLUMNS = (
    QT_TR_NOOP("Priority"),
    QT_TR_NOOP("Alert"),
    QT_TR_NOOP("Detail"),
    QT_TR_NOOP("Raised"),
    QT_TR_NOOP("State"),
    QT_TR_NOOP("Escalation"),
)


class AlertListModel(QAbstractTableModel):
    """A patient's open alerts (and acknowledged ones still in force)."""

    def __init__(self, zone: tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._zone = zone
        self._alerts: list[Alert] = []

    def rowCount(self, parent: ANY_INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._alerts)

    def columnCount(self, parent: ANY_INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(_COLUMNS[section])
        return None

    def data(self, index: ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        alert = self._alerts[index.row()]
        col = index.column()
        if role == ALERT_ID_ROLE:
            return alert.alert_id
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole) and col == 0:
            bg, fg = priority_colours(alert.priority)
            return bg if role == Qt.ItemDataRole.BackgroundRole else fg
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if col == 0:
            return priority_text(alert.priority)
        if col == 1:
            text = kind_text(alert.kind)
            if alert.kind in DOWNGRADES:
                text += " " + tr("(downgrade: acknowledge)")
            return text
        if col == 2:
            return detail_text(alert.detail)
        if col == 3:
            return local_time(alert.raised_at, self._zone)
        if col == 4:
            return ack_text(alert, self._zone)
        if alert.time_escalated:
            return tr("escalated: not acknowledged in time")
        return tr("condition present") if alert.condition_present else tr("condition gone")

    def set_alerts(self, alerts: list[Alert]) -> None:
        """Per-row updates: changed rows signal dataChanged, others are inserted or removed."""
        wanted = {a.alert_id: a for a in alerts}
        for i in reversed(range(len(self._alerts))):
            if self._alerts[i].alert_id not in wanted:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self._alerts[i]
                self.endRemoveRows()
        have = {a.alert_id: i for i, a in enumerate(self._alerts)}
        for alert in sorted(alerts, key=lambda a: (-a.priority, a.raised_at)):
            if alert.alert_id in have:
                i = have[alert.alert_id]
                if self._alerts[i] != alert:
                    self._alerts[i] = alert
                    self.dataChanged.emit(self.index(i, 0), self.index(i, len(_COLUMNS) - 1))
            else:
                at = len(self._alerts)
                self.beginInsertRows(QModelIndex(), at, at)
                self._alerts.append(alert)
                self.endInsertRows()

    def alert_at(self, row: int) -> Alert:
        return self._alerts[row]


class AlertList(QWidget):
    """A patient's alerts with an Acknowledge button (who and when are recorded by the ward).

    Signals:
        acknowledge_requested(str): acknowledge the selected alert (alert id).
    """

    acknowledge_requested = Signal(str)

    def __init__(self, zone: tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = AlertListModel(zone, self)
        self.table = QTableView(self)
        self.table.setObjectName("alert_list")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # rows are chosen whole: Tab goes on to Acknowledge
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.ack = QPushButton(tr("Acknowledge selected alert"), self)
        self.ack.setObjectName("list_acknowledge")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.ack)
        layout.addLayout(row)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.ack.clicked.connect(self._on_ack_clicked)
        self.table.activated.connect(self._on_ack_clicked)

    def _on_ack_clicked(self, *_: object) -> None:
        """The selected alert; with none selected, the most urgent one still waiting."""
        rows = self.table.selectionModel().selectedRows()
        if rows:
            alert = self.model.alert_at(rows[0].row())
            if alert.status is not AlertStatus.ACTIVE:
                self.message.setText(tr("That alert is already acknowledged."))
                return
        else:
            waiting = [
                self.model.alert_at(r)
                for r in range(self.model.rowCount())
                if self.model.alert_at(r).status is AlertStatus.ACTIVE
            ]
            alert = most_urgent(waiting)  # type: ignore[assignment]
            if alert is None:
                self.message.setText(tr("No alert is waiting for acknowledgement."))
                return
        self.message.clear()
        self.acknowledge_requested.emit(alert.alert_id)
