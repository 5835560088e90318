"""The ward board: one row per patient, most urgent first, updated row by row (never a full reset)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QT_TR_NOOP,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bedside.alert_vocabulary import AlertKind, AlertStatus, Priority
from bedside.clinical.calendar import age_years, day_post_infusion
from bedside.ward import PatientSummary
from bedside.wardtext import urgency
from ui.text import (
    STALE_COLOURS,
    detail_text,
    enum_text,
    grade_colours,
    grade_text,
    local_time,
    picture,
    priority_colours,
    priority_text,
    score_text,
    tr,
)

PATIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
DISCHARGED_ROLE = Qt.ItemDataRole.UserRole + 3
ANY_INDEX = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    BED = 0
    PATIENT = 1
    AGE = 2
    DAY = 3
    CRS = 4
    ICANS = 5
    SCORE = 6
    TOOL = 7
    DUE = 8
    ALERTS = 9


HEADERS = {
    Column.BED: QT_TR_NOOP("Bed"),
    Column.PATIENT: QT_TR_NOOP("Patient"),
    Column.AGE: QT_TR_NOOP("Age"),
    Column.DAY: QT_TR_NOOP("Day"),
    Column.CRS: QT_TR_NOOP("CRS (max)"),
    Column.ICANS: QT_TR_NOOP("ICANS (max)"),
    Column.SCORE: QT_TR_NOOP("NEWS2 / PEWS"),
    Column.TOOL: QT_TR_NOOP("Tool"),
    Column.DUE: QT_TR_NOOP("Next check"),
    Column.ALERTS: QT_TR_NOOP("Alerts"),
}


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    tooltip: str = ""
    background: QColor | None = None
    foreground: QColor | None = None
    sort: Any = None
    italic: bool = False
    bold: bool = False


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One patient's row as the board draws it."""

    patient_id: str
    cells: tuple[Cell, ...]
    urgency: float
    discharged: bool


def build_row(summary: PatientSummary, now: datetime, zone: tzinfo | None) -> BoardRow:
    """The words and colours of one board row, from the ward's summary."""
    a = summary.admission
    latest = summary.latest
    p: dict[str, Any] = picture(latest)
    stale = tuple(p.get("stale", ()))
    age = age_years(a.date_of_birth, now, zone)
    day = day_post_infusion(a.infusion_at, now, zone)
    reasons = _reasons(p)
    at = tr("graded at {0}").format(local_time(latest.observed_at, zone)) if latest else ""

    def grade_cell(syndrome: str, grade: int | None) -> Cell:
        lower = bool(p.get(f"{syndrome}_grade_is_lower_bound"))
        peak = p.get(f"{syndrome}_episode_max")
        if latest is None:
            return Cell(tr("no observations"), tr("nothing charted yet"), *grade_colours(None), -1)
        text = tr("{0} (max {1})").format(grade_text(grade, lower), grade_text(peak))
        bg, fg = grade_colours(grade)
        tip = "\n".join(filter(None, [at, *reasons.get(syndrome, [])]))
        if stale:
            text += " · " + tr("stale")
            tip += "\n" + tr("stale (treated as missing): {0}").format(", ".join(stale))
        return Cell(
            text, tip, bg, fg, -1 if grade is None else grade, italic=bool(stale), bold=bool(grade)
        )

    score_cell = _score_cell(summary, p, reasons) if latest else Cell("—", sort=-1)
    tool = str(p.get("icans_tool") or "—")
    overdue = [d for d in summary.due if d.overdue]
    due_soon = sorted((d for d in summary.due if d.due_at is not None), key=lambda d: d.due_at)  # type: ignore[arg-type,return-value]
    if summary.ended_at is not None:
        due = Cell(tr("stay ended {0}").format(local_time(summary.ended_at, zone)), sort=0)
    elif overdue:
        names = ", ".join(enum_text(d.kind) for d in overdue)
        due = Cell(
            tr("OVERDUE: {0}").format(names),
            "\n".join(detail_text(d.why) for d in overdue),
            *priority_colours(max((x.priority for x in summary.alerts), default=Priority.MEDIUM)),
            sort=-len(overdue),
            bold=True,
        )
    elif due_soon:
        first = due_soon[0]
        due = Cell(
            tr("{0} at {1}").format(enum_text(first.kind), local_time(first.due_at, zone)),
            "\n".join(detail_text(d.why) for d in due_soon),
            sort=first.due_at.timestamp() if first.due_at else 0,
        )
    else:
        due = Cell(tr("none scheduled"), sort=0)
    waiting = [x for x in summary.alerts if x.status is AlertStatus.ACTIVE]
    if waiting:
        top = max(waiting, key=lambda x: x.priority)
        bg, fg = priority_colours(top.priority)
        alerts = Cell(
            tr("{0} unacknowledged ({1})").format(len(waiting), priority_text(top.priority)),
            "\n".join(detail_text(x.detail) for x in waiting),
            bg,
            fg,
            bold=True,
        )
    elif summary.alerts:
        alerts = Cell(
            tr("{0} acknowledged").format(len(summary.alerts)),
            "\n".join(detail_text(x.detail) for x in summary.alerts),
        )
    else:
        alerts = Cell(tr("none"))
    rank = urgency(summary)
    score = float(rank[0] * 100 + rank[1] * 10 + min(rank[2], 9))
    alerts = Cell(
        alerts.text, alerts.tooltip, alerts.background, alerts.foreground, score, bold=alerts.bold
    )
    cells = (
        Cell(a.bed or "—", sort=a.bed or ""),
        Cell(f"{a.name}\n{a.patient_id}", tr("{0}, {1}").format(a.name, a.patient_id), sort=a.name),
        Cell(_age_text(age), sort=age),
        Cell(tr("Day {0:+d}").format(day), sort=day),
        grade_cell("crs", latest.crs_grade if latest else None),
        grade_cell("icans", latest.icans_grade if latest else None),
        score_cell,
        Cell(tool, sort=tool),
        due,
        alerts,
    )
    if stale:
        sbg, sfg = QColor(STALE_COLOURS[0]), QColor(STALE_COLOURS[1])
        cells = tuple(
            c if c.background is not None else Cell(c.text, c.tooltip, sbg, sfg, c.sort, True)
            for c in cells
        )
    return BoardRow(a.patient_id, cells, score, summary.ended_at is not None)


def _score_cell(summary: PatientSummary, p: dict[str, Any], reasons: dict[str, list[str]]) -> Cell:
    """NEWS2 and/or Bedside PEWS, whichever the engine scored for this patient's age."""
    parts, tips, kinds, sort = [], [], [], -1
    if p.get("news2") is not None or p.get("news2_partial_excluding_missing") is not None:
        parts.append(
            "NEWS2 " + score_text(p.get("news2"), p.get("news2_partial_excluding_missing"))
        )
        tips += reasons.get("news2", [])
        kinds.append(AlertKind.NEWS2)
        sort = max(sort, p.get("news2") or 0)
    pews, partial = p.get("bedside_pews"), p.get("bedside_pews_partial_excluding_missing")
    if pews is not None or partial is not None or not parts:
        parts.append(tr("PEWS") + " " + score_text(pews, partial))
        tips += reasons.get("pews", [])
        kinds.append(AlertKind.PEWS)
        sort = max(sort, pews or 0)
    top = max((x.priority for x in summary.alerts if x.kind in kinds), default=None)
    bg, fg = priority_colours(top) if top is not None else (None, None)
    return Cell("\n".join(parts), "\n".join(tips), bg, fg, sort)


def _age_text(age: float) -> str:
    if age < 2:
        return tr("{0} months").format(int(age * 12))
    return tr("{0} y").format(int(age))


def _reasons(payload: dict[str, Any]) -> dict[str, list[str]]:
    """The engine's reasons grouped by score, the ones that gave points."""
    grouped: dict[str, list[str]] = {}
    for detail in payload.get("reason_details", []):
        grouped.setdefault(str(detail.get("domain")), []).append(str(detail.get("text")))
    return grouped


class WardBoardModel(QAbstractTableModel):
    """The board's rows; `set_rows` and `update_row` change only the rows that changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[BoardRow] = []

    # --- Qt overrides --------------------------------------------------------------------------------

    def rowCount(self, parent: ANY_INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ANY_INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(HEADERS[Column(section)])
        return None

    def data(self, index: ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        cell = row.cells[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell.tooltip or cell.text
        if role == Qt.ItemDataRole.BackgroundRole:
            return cell.background
        if role == Qt.ItemDataRole.ForegroundRole:
            return cell.foreground
        if role == Qt.ItemDataRole.FontRole and (cell.italic or cell.bold):
            font = QFont()
            font.setItalic(cell.italic)
            font.setBold(cell.bold)
            return font
        if role == SORT_ROLE:
            return cell.sort if cell.sort is not None else cell.text
        if role == PATIENT_ID_ROLE:
            return row.patient_id
        if role == DISCHARGED_ROLE:
            return row.discharged
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{tr(HEADERS[Column(index.column())])}: {cell.text}"
        return None

    # --- updates ---------------------------------------------------------------------------------------

    def set_rows(self, rows: list[BoardRow]) -> None:
        """Bring the model in line with `rows`: changed rows signal dataChanged, new ones are
        inserted and missing ones removed; nothing is reset."""
        wanted = {r.patient_id: r for r in rows}
        for i in reversed(range(len(self._rows))):
            if self._rows[i].patient_id not in wanted:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self._rows[i]
                self.endRemoveRows()
        for row in rows:
            self.update_row(row)

    def update_row(self, row: BoardRow) -> None:
        for i, old in enumerate(self._rows):
            if old.patient_id == row.patient_id:
                if old != row:
                    self._rows[i] = row
                    self.dataChanged.emit(self.index(i, 0), self.index(i, len(Column) - 1))
                return
        at = len(self._rows)
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.append(row)
        self.endInsertRows()

    def remove_row(self, patient_id: str) -> None:
        for i, old in enumerate(self._rows):
            if old.patient_id == patient_id:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self._rows[i]
                self.endRemoveRows()
                return

    def patient_ids(self) -> list[str]:
        return [r.patient_id for r in self._rows]


class BoardProxyModel(QSortFilterProxyModel):
    """Sorts by each column's sort value (ties by urgency) and shows current or discharged patients."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._discharged = False
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def show_discharged(self, discharged: bool) -> None:
        self.beginFilterChange()
        self._discharged = discharged
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: ANY_INDEX) -> bool:
        index = self.sourceModel().index(source_row, 0, source_parent)
        return bool(index.data(DISCHARGED_ROLE)) == self._discharged

    def lessThan(self, left: ANY_INDEX, right: ANY_INDEX) -> bool:
        a, b = _comparable(left.data(SORT_ROLE)), _comparable(right.data(SORT_ROLE))
        if type(a) is not type(b):
            a, b = str(a), str(b)
        if a == b:
            ua = left.siblingAtColumn(Column.ALERTS).data(SORT_ROLE)
            ub = right.siblingAtColumn(Column.ALERTS).data(SORT_ROLE)
            return bool(ua < ub)
        return bool(a < b)


def _comparable(value: Any) -> Any:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class WardBoard(QWidget):
    """The board as the nurse sees it: the table and the "discharged" filter.

    Signals:
        patient_opened(str): a row was activated (Enter or double click); the patient id.
        handover_requested(): the whole ward's handover is to be printed.
    """

    patient_opened = Signal(str)
    handover_requested = Signal()

    def __init__(self, model: WardBoardModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = BoardProxyModel(self)
        self.proxy.setSourceModel(model)
        self.table = QTableView(self)
        self.table.setObjectName("ward_board")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.ALERTS, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # rows are chosen whole: Tab leaves the table
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSectionsMovable(True)
        self.discharged = QCheckBox(tr("Show discharged and transferred patients"), self)
        self.print_handover = QPushButton(tr("Print handover of the ward…"), self)
        self.print_handover.setObjectName("print_ward_handover")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        below = QHBoxLayout()
        below.addWidget(self.discharged, 1)
        below.addWidget(self.print_handover)
        layout.addLayout(below)
        self._connect_signals()

    def _connect_signals(self) -> None:
        # filter: current patients, or those whose stay ended
        self.discharged.toggled.connect(self.proxy.show_discharged)
        self.print_handover.clicked.connect(self.handover_requested)
        # opening a patient
        self.table.activated.connect(self._on_table_activated)
        self.table.doubleClicked.connect(self._on_table_activated)
        # rows drawn with their full height once filled
        self.model.rowsInserted.connect(self._fit_rows)
        self.model.dataChanged.connect(self._fit_rows)

    def _on_table_activated(self, index: QModelIndex) -> None:
        patient_id = index.data(PATIENT_ID_ROLE)
        if patient_id:
            self.patient_opened.emit(str(patient_id))

    def _fit_rows(self, *_: object) -> None:
        self.table.resizeRowsToContents()

    def selected_patient(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return str(rows[0].data(PATIENT_ID_ROLE)) if rows else None

    def select_next(self) -> str | None:
        """Move the selection to the next patient (wrapping); returns its id."""
        count = self.proxy.rowCount()
        if count == 0:
            return None
        rows = self.table.selectionModel().selectedRows()
        nxt = (rows[0].row() + 1) % count if rows else 0
        self.table.selectRow(nxt)
        return str(self.proxy.index(nxt, 0).data(PATIENT_ID_ROLE))
