"""The history table: every record of a patient's stay, each version kept; a corrected version is struck
through and names the correction's reason."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QCheckBox, QHeaderView, QTableView, QVBoxLayout, QWidget

from bedside.chart import Chart, HistoryEntry
from bedside.records import (
    Admission,
    AlertEvent,
    AssessmentRecord,
    Attribution,
    EpisodeClosure,
    GradeSignOff,
    Intervention,
    NeuroCheck,
    Note,
    Record,
    VitalSigns,
)
from ui.text import date_format, detail_text, enum_text, kind_text, local_time, record_kind_text, tr

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    TIME = 0
    KIND = 1
    SUMMARY = 2
    AUTHOR = 3
    ENTERED = 4
    STATUS = 5


# Custom roles: the entry itself, and a sort key that orders times as times, not as text.
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2


def _kind_name(kind: str) -> str:
    return record_kind_text(kind)


def _num(value: float) -> str:
    return QLocale().toString(float(value), "g", 4)


def summary(record: Record) -> str:
    """One line saying what the record holds, in the user's words and locale."""
    if isinstance(record, VitalSigns):
        parts = []
        if record.temperature is not None:
            unit = record.temperature_unit.value if record.temperature_unit else ""
            parts.append(tr("T {0} °{1}").format(_num(record.temperature), unit))
        for name, label in (("hr", "HR"), ("rr", "RR"), ("spo2", "SpO₂")):
            value = getattr(record, name)
            if value is not None:
                parts.append(f"{label} {_num(value)}")
        if record.sbp is not None:
            bp = _num(record.sbp) + (f"/{_num(record.dbp)}" if record.dbp is not None else "")
            parts.append(tr("BP {0}").format(bp))
        if record.o2_device is not None:
            o2 = enum_text(record.o2_device)
            if record.o2_flow_l_min is not None:
                o2 += f" {_num(record.o2_flow_l_min)} L/min"
            parts.append(o2)
        if record.acvpu is not None:
            parts.append(tr("ACVPU {0}").format(record.acvpu.value))
        return ", ".join(parts)
    if isinstance(record, NeuroCheck):
        tool = record.tool.value
        score = record.ice_score if tool == "ICE" else record.capd_score
        reason = record.ice_not_assessable if tool == "ICE" else record.capd_not_assessable
        if score is None:
            text = tr("{0} not assessable ({1})").format(tool, reason or tr("incomplete"))
        else:
            text = f"{tool} {score}"
        if record.seizure is not None and record.seizure.value != "none":
            text += ", " + tr("seizure: {0}").format(enum_text(record.seizure))
        return text
    if isinstance(record, Intervention):
        text = (
            f"{enum_text(record.drug)} {_num(record.dose)} {record.dose_unit.value} "
            f"{record.route.value.upper()}"
        )
        if record.stopped_at is not None:
            text += ", " + tr("stopped {0}").format(local_time(record.stopped_at, None))
        return text
    if isinstance(record, Attribution):
        return tr("{0}: {1}").format(enum_text(record.finding), record.cause)
    if isinstance(record, Note):
        return record.text.splitlines()[0] if record.text else ""
    if isinstance(record, EpisodeClosure):
        return tr("{0} episode closed: {1}").format(record.syndrome.value.upper(), record.reason)
    if isinstance(record, GradeSignOff):
        return tr("{0} grade {1} signed").format(record.syndrome.value.upper(), record.grade)
    if isinstance(record, Admission):
        return tr("{0}, born {1}, {2}").format(
            record.name,
            QLocale().toString(
                QDate(
                    record.date_of_birth.year, record.date_of_birth.month, record.date_of_birth.day
                ),
                date_format(),
            ),
            enum_text(record.diagnosis),
        )
    if isinstance(record, AssessmentRecord):
        shown = [
            f"{label} {'—' if value is None else value}"
            for value, label in ((record.crs_grade, "CRS"), (record.icans_grade, "ICANS"))
        ]
        return ", ".join(shown)
    if isinstance(record, AlertEvent):
        return f"{kind_text(record.kind)} {enum_text(record.event)}: {detail_text(record.detail)}"
    return ""


class HistoryModel(QAbstractTableModel):
    """One row per record version. Roles: DisplayRole text, FontRole struck out for a superseded
    version, ToolTipRole the correction's reason, ENTRY_ROLE the HistoryEntry, SORT_ROLE a sort key."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[HistoryEntry] = []
        self._summaries: list[str] = []

    def set_entries(self, entries: Sequence[HistoryEntry]) -> None:
        self.beginResetModel()  # a new patient: the whole table changes
        self._rows = list(entries)
        self._summaries = [summary(e.record) for e in self._rows]
        self.endResetModel()

    def entry(self, row: int) -> HistoryEntry:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is not Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return {
            Column.TIME: tr("Time"),
            Column.KIND: tr("Kind"),
            Column.SUMMARY: tr("Summary"),
            Column.AUTHOR: tr("Author"),
            Column.ENTERED: tr("Entered at"),
            Column.STATUS: tr("Status"),
        }[Column(section)]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(e, column, index.row())
        if role == SORT_ROLE:
            if column is Column.TIME:
                return e.observed_at.timestamp()
            if column is Column.ENTERED:
                return e.entered_at.timestamp()
            return self._text(e, column, index.row())
        if role == Qt.ItemDataRole.FontRole and e.superseded:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._status(e) or None
        if role == ENTRY_ROLE:
            return e
        return None

    def _text(self, e: HistoryEntry, column: Column, row: int) -> str:
        locale = QLocale()
        short = QLocale.FormatType.ShortFormat
        if column is Column.TIME:
            return locale.toString(e.observed_at.astimezone(), short)
        if column is Column.KIND:
            return _kind_name(e.kind)
        if column is Column.SUMMARY:
            return self._summaries[row]
        if column is Column.AUTHOR:
            return e.author
        if column is Column.ENTERED:
            return locale.toString(e.entered_at.astimezone(), short)
        return self._status(e)

    @staticmethod
    def _status(e: HistoryEntry) -> str:
        if e.superseded:
            return tr("superseded: {0}").format(e.superseded_reason or "")
        if e.supersedes is not None:
            return tr("correction: {0}").format(e.reason or "")
        return ""


class HistoryView(QWidget):
    """The patient's record history, sortable by any column (clinical order by default)."""

    def __init__(self, chart: Chart, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._chart = chart
        self._patient: str | None = None
        self.model = HistoryModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.TIME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            Column.SUMMARY, QHeaderView.ResizeMode.Stretch
        )
        # Columns as wide as 16 characters of the table's font (the default is 100 px at any font).
        self.table.horizontalHeader().setDefaultSectionSize(
            self.table.fontMetrics().averageCharWidth() * 16
        )
        self.show_derived = QCheckBox(self.tr("Show computed records (assessments, alert events)"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.show_derived)
        layout.addWidget(self.table, 1)
        self._connect_signals()

    def _connect_signals(self) -> None:
        # the derived-records switch -> reload
        self.show_derived.toggled.connect(self._on_show_derived_toggled)

    @property
    def patient_id(self) -> str | None:
        return self._patient

    def show_patient(self, patient_id: str) -> None:
        self._patient = patient_id
        self.refresh()

    def refresh(self) -> None:
        if self._patient is None:
            self.model.set_entries([])
            return
        self.model.set_entries(
            self._chart.history(self._patient, derived=self.show_derived.isChecked())
        )

    def _on_show_derived_toggled(self, _checked: bool) -> None:
        self.refresh()
