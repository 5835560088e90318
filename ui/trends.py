"""The trend view: one patient's vitals, neuro scores, grades and drugs over 24 h, 72 h, 7 days or the stay.

Every number drawn comes from `bedside.chart` (values, gaps, bands, the fever and hypotension lines); this
module only chooses pens and words. Curves are made once and fed with `setData`; gaps are NaN points drawn
with `connect="finite"`, so a line never bridges time nobody measured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from enum import Enum

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from bedside.chart import Band, Chart, DrugMark, MarkEvent, Series, Step, Vital
from bedside.clinical.vocabulary import DrugKind, EncephalopathyTool
from bedside.records import Syndrome


class TrendRange(Enum):
    """The spans a user picks; ALL is the whole stay."""

    H24 = timedelta(hours=24)
    H72 = timedelta(hours=72)
    D7 = timedelta(days=7)
    ALL = None


# The plots of the trend view, top to bottom: one per vital, then the neuro scores, grades and drugs.
ALL_PLOTS = (*(v.value for v in Vital), "neuro", "grades", "drugs")
# The handover's 24 h strip (ui.handover): the same plots, fewer of them.
HANDOVER_PLOTS = (Vital.TEMPERATURE.value, Vital.SYSTOLIC_BP.value, Vital.SPO2.value, "grades")

# Drug rows of the drugs plot, top to bottom (SPEC 2.2, 3.3: the drugs the rules read).
DRUG_ROWS = (
    DrugKind.ANTICYTOKINE,
    DrugKind.STEROID,
    DrugKind.ANTIPYRETIC,
    DrugKind.VASOPRESSOR,
    DrugKind.INOTROPE,
)
_SYMBOL = {MarkEvent.GIVEN: "o", MarkEvent.STARTED: "t1", MarkEvent.STOPPED: "t"}  # ▲ start, ▼ stop
_LINE = pg.mkPen("#1f5fa8", width=1.5)
_GRADE_PEN = {
    Syndrome.CRS: pg.mkPen("#b3261e", width=2),
    Syndrome.ICANS: pg.mkPen("#6a3d9a", width=2),
}
_THRESHOLD_PEN = pg.mkPen("#c0392b", width=1.5, style=Qt.PenStyle.DashLine)
_BAND_BRUSH = pg.mkBrush(46, 139, 87, 40)


def _arrays(series: Series) -> tuple[np.ndarray, np.ndarray]:
    # None becomes NaN: a gap that connect="finite" leaves open.
    return np.asarray(series.t, dtype=float), np.asarray(series.v, dtype=float)


def step_arrays(steps: Sequence[Step], end: float) -> tuple[np.ndarray, np.ndarray]:
    """A step curve held from each step to the next (and the last to `end`); None is a gap."""
    x: list[float] = []
    y: list[float] = []
    for i, step in enumerate(steps):
        until = steps[i + 1].t if i + 1 < len(steps) else max(end, step.t)
        value = float("nan") if step.value is None else float(step.value)
        x += [step.t, until]
        y += [value, value]
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


class TrendView(QWidget):
    """Stacked, x-linked plots of one patient's chart.

    Signals:
        range_changed(object): the TrendRange now shown.
    """

    range_changed = Signal(object)

    def __init__(
        self,
        chart: Chart,
        parent: QWidget | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        plots: Sequence[str] = ALL_PLOTS,
    ) -> None:
        """`plots`: which of ALL_PLOTS to draw, in their order (the handover draws four of them)."""
        super().__init__(parent)
        self._chart = chart
        self._shown = tuple(key for key in ALL_PLOTS if key in plots)
        self._now = now or (lambda: datetime.now(UTC))
        self._patient: str | None = None
        self._range = TrendRange.H72
        self._build()
        self._connect_signals()

    # --- construction -----------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.range_buttons: dict[TrendRange, QPushButton] = {}
        self._group = QButtonGroup(self)
        for span, text in (
            (TrendRange.H24, self.tr("24 h")),
            (TrendRange.H72, self.tr("72 h")),
            (TrendRange.D7, self.tr("7 d")),
            (TrendRange.ALL, self.tr("All")),
        ):
            button = QPushButton(text)
            button.setCheckable(True)
            self._group.addButton(button)
            self.range_buttons[span] = button
            bar.addWidget(button)
        self.range_buttons[self._range].setChecked(True)
        bar.addStretch(1)
        self.status = QLabel(self.tr("No patient selected"))
        bar.addWidget(self.status)
        layout.addLayout(bar)

        self.graphics = pg.GraphicsLayoutWidget()
        layout.addWidget(self.graphics, 1)
        self.plots: dict[str, pg.PlotItem] = {}
        titles = {
            Vital.TEMPERATURE.value: self.tr("Temperature (°C)"),
            Vital.HEART_RATE.value: self.tr("Heart rate (/min)"),
            Vital.SYSTOLIC_BP.value: self.tr("Systolic BP (mmHg)"),
            Vital.RESPIRATORY_RATE.value: self.tr("Resp. rate (/min)"),
            Vital.SPO2.value: self.tr("SpO₂ (%)"),
            Vital.O2_FLOW.value: self.tr("O₂ flow (L/min) and device"),
            "neuro": self.tr("ICE / CAPD score"),
            "grades": self.tr("CRS and ICANS grade"),
            "drugs": self.tr("Drugs"),
        }
        titles = {key: title for key, title in titles.items() if key in self._shown}
        first: pg.PlotItem | None = None
        for row, (key, title) in enumerate(titles.items()):
            plot = self.graphics.addPlot(
                row=row, col=0, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")}
            )
            plot.setLabel("left", title)
            plot.setMenuEnabled(False)
            plot.showGrid(x=True, y=True, alpha=0.2)
            # A year of 15-minute points stays smooth: only the visible part is drawn, peaks kept.
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            plot.getAxis("left").setWidth(70)
            if first is None:
                first = plot
            else:
                plot.setXLink(first)
            self.plots[key] = plot
        for key in list(titles)[:-1]:
            self.plots[key].getAxis("bottom").setStyle(showValues=False)

        self.curves: dict[Vital, pg.PlotDataItem] = {}
        self.bands: dict[Vital, pg.LinearRegionItem] = {}
        for vital in Vital:
            if vital.value not in self.plots:
                continue
            plot = self.plots[vital.value]
            curve = plot.plot(pen=_LINE, connect="finite", name=vital.value)
            self.curves[vital] = curve
            if vital is not Vital.O2_FLOW:
                band = pg.LinearRegionItem(
                    orientation="horizontal", movable=False, brush=_BAND_BRUSH
                )
                band.setZValue(-10)
                for line in band.lines:
                    line.setPen(pg.mkPen(None))
                band.setVisible(False)
                plot.addItem(band, ignoreBounds=True)  # an open end (1e6) must not set the range
                self.bands[vital] = band
        self.fever_line: pg.InfiniteLine | None = None
        if Vital.TEMPERATURE.value in self.plots:
            self.fever_line = pg.InfiniteLine(
                pos=self._chart.fever_c(),
                angle=0,
                pen=_THRESHOLD_PEN,
                label=self.tr("fever ≥ {0} °C").format(f"{self._chart.fever_c():.1f}"),
                # Anchored by its left end, below the line: the whole label stays in the plot.
                labelOpts={"position": 0.02, "color": "#c0392b", "anchors": [(0, 0), (0, 0)]},
            )
            self.plots[Vital.TEMPERATURE.value].addItem(self.fever_line)
        self.sbp_threshold: pg.PlotDataItem | None = None
        if Vital.SYSTOLIC_BP.value in self.plots:
            self.sbp_threshold = self.plots[Vital.SYSTOLIC_BP.value].plot(
                pen=_THRESHOLD_PEN, connect="finite", name="hypotension"
            )
        self.device_labels: list[pg.TextItem] = []
        self.neuro_curves: dict[EncephalopathyTool, pg.PlotDataItem] = {}
        self.not_assessable_lines: list[pg.InfiniteLine] = []
        self.grade_curves: dict[Syndrome, pg.PlotDataItem] = {}
        self.undetermined: list[pg.LinearRegionItem] = []
        self.drug_marks: pg.ScatterPlotItem | None = None
        if "neuro" in self.plots:
            self._build_neuro(self.plots["neuro"])
        if "grades" in self.plots:
            self._build_grades(self.plots["grades"])
        if "drugs" in self.plots:
            self._build_drugs(self.plots["drugs"])

    def _build_neuro(self, neuro: pg.PlotItem) -> None:
        self.neuro_curves = {
            EncephalopathyTool.ICE: neuro.plot(
                pen=_LINE, symbol="o", symbolSize=6, connect="finite", name="ICE"
            ),
            EncephalopathyTool.CAPD: neuro.plot(
                pen=pg.mkPen("#8c564b", width=1.5),
                symbol="s",
                symbolSize=6,
                connect="finite",
                name="CAPD",
            ),
        }

    def _build_grades(self, grades: pg.PlotItem) -> None:
        grades.setYRange(0, 4.3)
        grades.getAxis("left").setTicks([[(g, str(g)) for g in range(5)]])
        grades.addLegend(offset=(5, 5))
        self.grade_curves = {
            Syndrome.CRS: grades.plot(pen=_GRADE_PEN[Syndrome.CRS], connect="finite", name="CRS"),
            Syndrome.ICANS: grades.plot(
                pen=_GRADE_PEN[Syndrome.ICANS], connect="finite", name="ICANS"
            ),
        }
        grades.setMouseEnabled(x=True, y=False)

    def _build_drugs(self, drugs: pg.PlotItem) -> None:
        names = {
            DrugKind.ANTICYTOKINE: self.tr("anti-cytokine"),
            DrugKind.STEROID: self.tr("steroid"),
            DrugKind.ANTIPYRETIC: self.tr("antipyretic"),
            DrugKind.VASOPRESSOR: self.tr("vasopressor"),
            DrugKind.INOTROPE: self.tr("inotrope"),
        }
        drugs.getAxis("left").setTicks(
            [[(len(DRUG_ROWS) - i, names[kind]) for i, kind in enumerate(DRUG_ROWS)]]
        )
        drugs.setYRange(0.5, len(DRUG_ROWS) + 0.5)
        self.drug_marks = pg.ScatterPlotItem(
            size=10, pen=pg.mkPen("k"), brush=pg.mkBrush("#f39c12")
        )
        drugs.addItem(self.drug_marks)
        drugs.setMouseEnabled(x=True, y=False)

    def _connect_signals(self) -> None:
        # range buttons -> the span shown
        for span, button in self.range_buttons.items():
            button.clicked.connect(lambda _=False, s=span: self.set_range(s))

    def use_print_style(self, pen_scale: float = 1.0) -> None:
        """Dark ink on white paper (the handover): the same plots, curves and bands, with short axis
        titles that fit a strip a few centimetres high, no legend (the page says which line is
        which), ICANS dotted so that a grey print still tells it from CRS, and every line `pen_scale`
        times wider (the strip is drawn at that many device pixels per screen pixel)."""
        self.graphics.setBackground("w")
        ink = pg.mkPen("#222222")
        short = {
            Vital.TEMPERATURE.value: self.tr("T (°C)"),
            Vital.HEART_RATE.value: self.tr("HR"),
            Vital.SYSTOLIC_BP.value: self.tr("SBP (mmHg)"),
            Vital.RESPIRATORY_RATE.value: self.tr("RR"),
            Vital.SPO2.value: self.tr("SpO₂ (%)"),
            Vital.O2_FLOW.value: self.tr("O₂ (L/min)"),
            "neuro": self.tr("ICE/CAPD"),
            "grades": self.tr("Grade"),
            "drugs": self.tr("Drugs"),
        }
        for key, plot in self.plots.items():
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(ink)
                axis.setTextPen(ink)
            plot.setLabel("left", short[key], color="#222222")
            plot.showGrid(x=True, y=True, alpha=0.3)
            if plot.legend is not None:
                plot.legend.setVisible(False)
        if Syndrome.ICANS in self.grade_curves:
            icans = QPen(_GRADE_PEN[Syndrome.ICANS])
            icans.setStyle(Qt.PenStyle.DotLine)
            self.grade_curves[Syndrome.ICANS].setPen(icans)
        lines = [*self.curves.values(), *self.grade_curves.values(), *self.neuro_curves.values()]
        if self.sbp_threshold is not None:
            lines.append(self.sbp_threshold)
        for item in lines:
            pen = QPen(item.opts["pen"])
            pen.setWidthF(pen.widthF() * pen_scale)
            item.setPen(pen)
        if self.fever_line is not None:
            pen = QPen(self.fever_line.pen)
            pen.setWidthF(pen.widthF() * pen_scale)
            self.fever_line.setPen(pen)

    # --- public API ---------------------------------------------------------------------------------------

    @property
    def chart(self) -> Chart:
        """The chart service the view reads (the handover draws from the same one)."""
        return self._chart

    @property
    def range(self) -> TrendRange:
        return self._range

    @property
    def patient_id(self) -> str | None:
        return self._patient

    def show_patient(self, patient_id: str) -> None:
        self._patient = patient_id
        self.refresh()

    def set_range(self, span: TrendRange) -> None:
        self._range = span
        self.range_buttons[span].setChecked(True)
        self.refresh()
        self.range_changed.emit(span)

    def visible_span(self) -> tuple[datetime, datetime] | None:
        """The span drawn now, or None without a patient or records."""
        if self._patient is None:
            return None
        end = self._now()
        if self._range.value is not None:
            return end - self._range.value, end
        stay = self._chart.span(self._patient)
        if stay is None:
            return None
        return stay[0], max(end, stay[1])

    def refresh(self) -> None:
        """Read the span from the chart service and feed every curve (after a save, or a new range)."""
        span = self.visible_span()
        if span is None or self._patient is None:
            self._clear()
            return
        start, end = span
        patient = self._patient
        end_s = end.timestamp()
        if self.curves:
            series = self._chart.vitals(patient, list(self.curves), start, end)
            for vital, curve in self.curves.items():
                curve.setData(*_arrays(series[vital]), connect="finite")
                self._set_band(vital, self._chart.normal_band(patient, vital, end))
            hourly = next(iter(series.values())).hourly
            self.status.setText(
                self.tr("hourly minimum and maximum") if hourly else self.tr("every measurement")
            )
        if self.sbp_threshold is not None:
            self.sbp_threshold.setData(
                *step_arrays(self._chart.sbp_threshold(patient, start, end), end_s),
                connect="finite",
            )
        if Vital.O2_FLOW.value in self.plots:
            self._draw_devices(patient, start, end)
        if self.neuro_curves:
            self._draw_neuro(patient, start, end)
        if self.grade_curves:
            self._draw_grades(patient, start, end)
        if self.drug_marks is not None:
            self._draw_drugs(self._chart.drug_marks(patient, start, end))
        self.plots[self._shown[0]].setXRange(start.timestamp(), end_s, padding=0)

    # --- drawing ----------------------------------------------------------------------------------------

    def _clear(self) -> None:
        empty = np.asarray([], dtype=float)
        for curve in (
            *self.curves.values(),
            *self.neuro_curves.values(),
            *self.grade_curves.values(),
            *([self.sbp_threshold] if self.sbp_threshold is not None else []),
        ):
            curve.setData(empty, empty)
        if self.drug_marks is not None:
            self.drug_marks.setData([])
        for band in self.bands.values():
            band.setVisible(False)
        for items, key in (
            (self.device_labels, Vital.O2_FLOW.value),
            (self.not_assessable_lines, "neuro"),
            (self.undetermined, "grades"),
        ):
            if key in self.plots:
                self._replace(items, [], self.plots[key])
        self.status.setText(self.tr("No data for this patient") if self._patient else "")

    def _set_band(self, vital: Vital, band: Band | None) -> None:
        item = self.bands.get(vital)
        if item is None:
            return
        if band is None:
            item.setVisible(False)
            return
        # An open end of the band reaches the edge of any plausible value.
        lo = band.lo if band.lo is not None else -1e6
        hi = band.hi if band.hi is not None else 1e6
        item.setRegion((lo, hi))
        item.setToolTip(self.tr("{0}: 0 points").format(band.score.value))
        item.setVisible(True)

    def _draw_devices(self, patient: str, start: datetime, end: datetime) -> None:
        plot = self.plots[Vital.O2_FLOW.value]
        labels = []
        for change in self._chart.o2_devices(patient, start, end):
            label = pg.TextItem(change.device.value.replace("_", " "), anchor=(0, 1), color="#444")
            label.setPos(max(change.t, start.timestamp()), 0)
            labels.append(label)
        self._replace(self.device_labels, labels, plot)

    def _draw_neuro(self, patient: str, start: datetime, end: datetime) -> None:
        scores = self._chart.neuro_scores(patient, start, end)
        for tool, curve in self.neuro_curves.items():
            mine = [s for s in scores if s.tool is tool]
            curve.setData(
                np.asarray([s.t for s in mine], dtype=float),
                np.asarray([np.nan if s.score is None else s.score for s in mine], dtype=float),
                connect="finite",
            )
        lines = []
        for s in scores:
            if s.score is None:
                line = pg.InfiniteLine(
                    pos=s.t,
                    angle=90,
                    pen=pg.mkPen("#7f7f7f", style=Qt.PenStyle.DotLine),
                    label=self.tr("{0} not assessable").format(s.tool.value),
                    labelOpts={"position": 0.9, "rotateAxis": (1, 0), "color": "#555"},
                )
                lines.append(line)
        self._replace(self.not_assessable_lines, lines, self.plots["neuro"])

    def _draw_grades(self, patient: str, start: datetime, end: datetime) -> None:
        end_s = end.timestamp()
        regions = []
        for syndrome, curve in self.grade_curves.items():
            steps = self._chart.grades(patient, syndrome, start, end)
            curve.setData(*step_arrays(steps, end_s), connect="finite")
            for i, step in enumerate(steps):
                if step.value is None:
                    until = steps[i + 1].t if i + 1 < len(steps) else end_s
                    region = pg.LinearRegionItem(
                        (step.t, until), movable=False, brush=pg.mkBrush(128, 128, 128, 60)
                    )
                    region.setToolTip(self.tr("{0} grade not determinable").format(syndrome.name))
                    regions.append(region)
        self._replace(self.undetermined, regions, self.plots["grades"])

    def _draw_drugs(self, marks: Sequence[DrugMark]) -> None:
        spots = []
        for mark in marks:
            row = len(DRUG_ROWS) - DRUG_ROWS.index(mark.kind)
            spots.append(
                {
                    "pos": (mark.t, row),
                    "symbol": _SYMBOL[mark.event],
                    "data": mark,
                    "brush": pg.mkBrush(
                        "#2e7d32" if mark.event is MarkEvent.STOPPED else "#f39c12"
                    ),
                }
            )
        assert self.drug_marks is not None
        self.drug_marks.setData(spots)
        self.drug_marks.setToolTip(self.tr("▲ infusion started, ▼ stopped, ● dose given"))

    @staticmethod
    def _replace(current: list, new: list, plot: pg.PlotItem) -> None:  # type: ignore[type-arg]
        for item in current:
            plot.removeItem(item)
        current[:] = new
        for item in new:
            plot.addItem(item)
