"""The trend view: one patient's vitals, neuro scores, grades and drugs over 24 h, 72 h, 7 days or the stay.

Every number drawn comes from `bedside.chart` (values, gaps, bands, the fever and hypotension lines); this
module only chooses pens and words. Curves are made once and fed with `setData`; gaps are NaN points drawn
with `connect="finite"`, so a line never bridges time nobody measured.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from enum import Enum

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QLocale, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from bedside.chart import DRAW_BUCKETS, Band, Chart, DrugMark, MarkEvent, Series, Step, Vital
from bedside.clinical.vocabulary import DrugKind, EncephalopathyTool
from bedside.records import Syndrome
from ui.text import enum_text

# pyqtgraph writes day and month names with strftime, in English: these are replaced by the locale's.
_ENGLISH_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ENGLISH_MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
_NAME = re.compile(r"\b(" + "|".join(_ENGLISH_DAYS + _ENGLISH_MONTHS) + r")\b")


def local_names(text: str, locale: QLocale | None = None) -> str:
    """A time axis label with its English day or month name in the locale's words ("Mon 30" → "周一 30")."""
    loc = locale or QLocale()
    short = QLocale.FormatType.ShortFormat

    def name(match: re.Match[str]) -> str:
        word = match.group(1)
        if word in _ENGLISH_DAYS:
            return loc.dayName(_ENGLISH_DAYS.index(word) + 1, short)
        return loc.monthName(_ENGLISH_MONTHS.index(word) + 1, short)

    return _NAME.sub(name, text)


# Tick positions and labels of the time axes, shared by every axis: the stacked plots are x-linked and as
# wide as each other, so one pan asks ten axes the same question (a pure function of the range, the zoom
# level and the spacing); answering it once per redraw was two fifths of a redraw
# (tests/bench/bench_trends.py).
_TICK_CACHE_SIZE = 64
_tick_values: dict[tuple[object, ...], list[tuple[float, list[float]]]] = {}
_tick_strings: dict[tuple[object, ...], list[str]] = {}


def _remember(cache: dict, key: tuple[object, ...], value: object) -> None:  # type: ignore[type-arg]
    if len(cache) >= _TICK_CACHE_SIZE:
        cache.pop(next(iter(cache)))  # the oldest
    cache[key] = value


class LocalDateAxis(pg.DateAxisItem):
    """The time axis, its day and month names in the app's language."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # No SI prefix on a time axis: without this every range change re-set the (empty) axis label
        # and asked the layout for the axis's size again.
        self.enableAutoSIPrefix(False)
        # pyqtgraph measures its tick labels with the metrics of the last paint: an axis not yet painted
        # (a panel below the scroll area's fold) had none, and asking it for its ticks raised
        # AttributeError. The item's own font until the first paint replaces them.
        self.fontMetrics = QFontMetrics(self.font())

    def tickValues(
        self, minVal: float, maxVal: float, size: float
    ) -> list[tuple[float, list[float]]]:
        # the zoom level (and the minimum spacing) for this density, as pyqtgraph chooses them; then
        # the ticks of that level, computed once for all the linked axes
        self.setZoomLevelForDensity((maxVal - minVal) / size)
        key = (id(self.zoomLevel), self.utcOffset, minVal, maxVal, self.minSpacing)
        found = _tick_values.get(key)
        if found is None:
            found = self.zoomLevel.tickValues(minVal, maxVal, minSpc=self.minSpacing)
            _remember(_tick_values, key, found)
        return [(spacing, list(ticks)) for spacing, ticks in found]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        key = (id(self.zoomLevel), self.utcOffset, QLocale().name(), spacing, scale, tuple(values))
        found = _tick_strings.get(key)
        if found is None:
            found = [local_names(t) for t in super().tickStrings(values, scale, spacing)]
            _remember(_tick_strings, key, found)
        return list(found)


class TrendRange(Enum):
    """The spans a user picks; ALL is the whole stay."""

    H24 = timedelta(hours=24)
    H72 = timedelta(hours=72)
    D7 = timedelta(days=7)
    ALL = None


# Drug rows of the drugs plot, top to bottom (SPEC 2.2, 3.3: the drugs the rules read).
DRUG_ROWS = (
    DrugKind.ANTICYTOKINE,
    DrugKind.STEROID,
    DrugKind.ANTIPYRETIC,
    DrugKind.VASOPRESSOR,
    DrugKind.INOTROPE,
)
_SYMBOL = {MarkEvent.GIVEN: "o", MarkEvent.STARTED: "t1", MarkEvent.STOPPED: "t"}  # ▲ start, ▼ stop
_NEURO_SYMBOL = {EncephalopathyTool.ICE: "o", EncephalopathyTool.CAPD: "s"}
# Colours by day and by night (the night theme's dark background needs lighter lines).
_COLOURS = {
    False: {
        "line": "#1f5fa8",
        "capd": "#8c564b",
        "crs": "#b3261e",
        "icans": "#6a3d9a",
        "threshold": "#c0392b",
        "limit": "#7f7f7f",
        "text": "#444444",
        "band": (46, 139, 87, 40),
        "undetermined": (128, 128, 128, 60),
    },
    True: {
        "line": "#7fb2f0",
        "capd": "#e0a070",
        "crs": "#ff7b72",
        "icans": "#c9a0ff",
        "threshold": "#ff8a80",
        "limit": "#9aa0a6",
        "text": "#d0d0d0",
        "band": (80, 200, 120, 45),
        "undetermined": (160, 160, 160, 70),
    },
}
# Each panel keeps at least this height (px); below it the panels scroll instead of being squashed.
PANEL_MIN_HEIGHT = 120
# A range change is followed by a re-read of the window after this pause (ms), not on every mouse step.
RELOAD_DELAY_MS = 150
# The window read on either side of the visible range, as a fraction of its width: a pan within it
# needs no read.
MARGIN = 0.5
# A neuro check gets its symbol where the checks in view are at least this far apart on average (px);
# closer (a month or more of 4-hourly checks) the symbols would only overlap into a band: the line
# stays, and the symbols come back on zooming in (a drawing choice).
SYMBOL_SPACING_PX = 8.0
# A plot this much wider or narrower (fraction) than when its window was read is read again, so the
# buckets stay about one device pixel wide.
REBUCKET_CHANGE = 0.25
_OPEN = 1e6  # an open band edge, drawn beyond any value
# The plots of the trend view, top to bottom: one per vital, then the neuro scores, grades and drugs.
ALL_PLOTS = (*(v.value for v in Vital), "neuro", "grades", "drugs")
# The handover's 24 h strip (ui.handover): the same plots, fewer of them.
HANDOVER_PLOTS = (Vital.TEMPERATURE.value, Vital.SYSTOLIC_BP.value, Vital.SPO2.value, "grades")
# Print colours (the handover): dark ink on white paper.
_INK = "#222222"


def _arrays(series: Series) -> tuple[np.ndarray, np.ndarray]:
    # None becomes NaN: a gap that connect="finite" leaves open.
    return np.asarray(series.t, dtype=float), np.asarray(series.v, dtype=float)


def _whole(curve: pg.PlotDataItem) -> pg.PlotDataItem:
    """A curve of few points (steps, a neuro check every few hours) drawn whole: no clip to view and no
    downsampling, so a pan or zoom neither re-cuts it nor rebuilds its symbols (a rebuilt ICE scatter
    was a tenth of a redraw); what is outside the view is not painted anyway."""
    curve.setClipToView(False)
    curve.setDownsampling(ds=1, auto=False)
    return curve


def _clipped(curve: pg.PlotDataItem) -> pg.PlotDataItem:
    """A curve of many points drawn as the vitals are: only its visible part, peaks kept."""
    curve.setClipToView(True)
    curve.setDownsampling(auto=True, method="peak")
    return curve


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
    """Stacked, x-linked plots of one patient's chart, in a scroll area (each panel keeps a readable
    height). The vitals are read for the visible window and a margin; panning or zooming past it, or
    zooming far enough to change the detail, re-reads that window after a short pause.

    Signals:
        range_changed(object): the TrendRange now shown.
        window_loaded(float, float): the vitals were read for this window (Unix seconds).
    """

    range_changed = Signal(object)
    window_loaded = Signal(float, float)

    def __init__(
        self,
        chart: Chart,
        parent: QWidget | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        plots: Sequence[str] = ALL_PLOTS,
    ) -> None:
        """`plots`: which of ALL_PLOTS are laid out, in their order (the handover shows four of them;
        the others are still fed, off screen)."""
        super().__init__(parent)
        self._chart = chart
        self._shown = tuple(key for key in ALL_PLOTS if key in plots)
        self._print = False  # dark ink on white paper (use_print_style)
        self._pen_scale = 1.0
        self._envelope = False  # the vitals drawn are min/max buckets, not measurements
        self._now = now or (lambda: datetime.now(UTC))
        self._patient: str | None = None
        self._range = TrendRange.H72
        self._bounds: tuple[float, float] | None = None  # the span of the range chosen
        # start, end, width of the view then (s), and the plot's width then (device px, None unknown)
        self._loaded: tuple[float, float, float, float | None] | None = None
        self._reload = QTimer(self)
        self._reload.setSingleShot(True)
        self._reload.setInterval(RELOAD_DELAY_MS)
        self._build()
        self._apply_palette()
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
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setWidget(self.graphics)
        layout.addWidget(self.scroll, 1)
        self.plots: dict[str, pg.PlotItem] = {}
        self.labels: dict[str, pg.LabelItem] = {}
        # Short, horizontal panel names beside each plot (the unit in the name, the long form in
        # the tooltip of the range bar's status).
        self._names = {
            Vital.TEMPERATURE.value: self.tr("Temp °C"),
            Vital.HEART_RATE.value: self.tr("HR /min"),
            Vital.SYSTOLIC_BP.value: self.tr("SBP mmHg"),
            Vital.RESPIRATORY_RATE.value: self.tr("RR /min"),
            Vital.SPO2.value: self.tr("SpO₂ %"),
            Vital.O2_FLOW.value: self.tr("O₂ L/min"),
            "neuro": self.tr("ICE / CAPD"),
            "grades": self.tr("Grade"),
            "drugs": self.tr("Drugs"),
        }
        first: pg.PlotItem | None = None
        for key in self._names:
            axes = {"bottom": LocalDateAxis(orientation="bottom")}
            shown = key in self._shown
            row = self._shown.index(key) if shown else -1
            if row == 0:
                axes["top"] = LocalDateAxis(orientation="top")
            if shown:
                label = self.graphics.addLabel(self._names[key], row=row, col=0, justify="right")
                plot = self.graphics.addPlot(row=row, col=1, axisItems=axes)
            else:  # fed like the others, never laid out
                label = pg.LabelItem(self._names[key], justify="right")
                plot = pg.PlotItem(axisItems=axes)
            label.setFixedWidth(80)
            # the panel names never move: drawn once into a pixmap, not laid out again each redraw
            label.item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.labels[key] = label
            plot.setMenuEnabled(False)
            plot.hideButtons()
            # No grid: pyqtgraph paints grid lines with the axes, and that was three quarters of each
            # redraw (tests/bench/bench_trends.py); the bands and lines give the reference instead.
            # A year of points stays smooth: only the visible part is drawn, peaks kept.
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            plot.setMouseEnabled(x=True, y=False)
            # every range is set from the data and the engine's tables (_fit_y, refresh): no auto
            # range, which measured every curve's bounds again after each setData and range change
            plot.disableAutoRange()
            plot.getAxis("left").setWidth(90)
            # "(x0.001)" is no unit a nurse reads; and on the hidden axes (right, and top but on the
            # first plot) the prefix re-set their label on every pan
            for name in ("left", "bottom", "top", "right"):
                plot.getAxis(name).enableAutoSIPrefix(False)
            if row == 0:
                plot.showAxis("top")
            if first is None:
                first = plot
            else:
                plot.setXLink(first)
            self.plots[key] = plot
        self.graphics.ci.layout.setColumnStretchFactor(1, 1)
        self.graphics.setMinimumHeight(PANEL_MIN_HEIGHT * len(self._shown))
        for key in self._shown[:-1]:
            self.plots[key].getAxis("bottom").setStyle(showValues=False)

        self.curves: dict[Vital, pg.PlotDataItem] = {}
        self.bands: dict[Vital, pg.LinearRegionItem] = {}
        for vital in Vital:
            plot = self.plots[vital.value]
            curve = plot.plot(connect="finite", name=vital.value)
            self.curves[vital] = curve
            if vital is not Vital.O2_FLOW:
                band = pg.LinearRegionItem(orientation="horizontal", movable=False)
                band.setZValue(-10)
                for line in band.lines:
                    line.setPen(pg.mkPen(None))
                band.setVisible(False)
                # An open band edge is far outside any value: never part of the auto range.
                plot.addItem(band, ignoreBounds=True)
                self.bands[vital] = band
        self.fever_line = pg.InfiniteLine(
            pos=self._chart.fever_c(),
            angle=0,
            label=self.tr("fever ≥ {0} °C").format(f"{self._chart.fever_c():.1f}"),
            labelOpts={"position": 0.01, "anchors": [(0, 1), (0, 1)]},
        )
        self.plots[Vital.TEMPERATURE.value].addItem(self.fever_line, ignoreBounds=True)
        self.sbp_threshold = _whole(
            self.plots[Vital.SYSTOLIC_BP.value].plot(connect="finite", name="hypotension")
        )
        self.device_labels: list[pg.TextItem] = []

        neuro = self.plots["neuro"]
        self.neuro_curves: dict[EncephalopathyTool, pg.PlotDataItem] = {
            tool: _whole(
                neuro.plot(
                    symbol=_NEURO_SYMBOL[tool], symbolSize=6, connect="finite", name=tool.value
                )
            )
            for tool in (EncephalopathyTool.ICE, EncephalopathyTool.CAPD)
        }
        self.not_assessable_lines: list[pg.InfiniteLine] = []
        self.limit_lines: list[pg.InfiniteLine] = []

        grades = self.plots["grades"]
        grades.setYRange(0, 4, padding=0.08)
        grades.getAxis("left").setTicks([[(g, str(g)) for g in range(5)], []])
        self.grade_curves = {
            Syndrome.CRS: _whole(grades.plot(connect="finite", name="CRS")),
            Syndrome.ICANS: _whole(grades.plot(connect="finite", name="ICANS")),
        }
        self.undetermined: list[pg.LinearRegionItem] = []

        drugs = self.plots["drugs"]
        names = {
            DrugKind.ANTICYTOKINE: self.tr("anti-cytokine"),
            DrugKind.STEROID: self.tr("steroid"),
            DrugKind.ANTIPYRETIC: self.tr("antipyretic"),
            DrugKind.VASOPRESSOR: self.tr("vasopressor"),
            DrugKind.INOTROPE: self.tr("inotrope"),
        }
        drugs.getAxis("left").setTicks(
            [[(len(DRUG_ROWS) - i, names[kind]) for i, kind in enumerate(DRUG_ROWS)], []]
        )
        drugs.setYRange(0.5, len(DRUG_ROWS) + 0.5, padding=0)
        self.drug_marks = pg.ScatterPlotItem(size=10)
        drugs.addItem(self.drug_marks)

    def _connect_signals(self) -> None:
        # range buttons -> the span shown
        for span, button in self.range_buttons.items():
            button.clicked.connect(lambda _=False, s=span: self.set_range(s))
        # pan/zoom -> a re-read of the window, once the mouse rests
        self.plots[Vital.TEMPERATURE.value].sigXRangeChanged.connect(self._on_plot_x_range_changed)
        # a wider or narrower plot -> buckets read again at its new width, once the resizing rests
        self.plots[Vital.TEMPERATURE.value].vb.sigResized.connect(self._on_plot_resized)
        self._reload.timeout.connect(self._on_reload_timeout)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_palette()
        super().changeEvent(event)

    def use_print_style(self, pen_scale: float = 1.0) -> None:
        """Dark ink on white paper (the handover): the same plots, curves and bands, ICANS dotted so that
        a grey print still tells it from CRS, and every line `pen_scale` times wider (the strip is drawn
        at that many device pixels per screen pixel)."""
        self._print = True
        self._pen_scale = pen_scale
        self.graphics.setMinimumHeight(0)
        self._apply_palette()

    # --- public API ---------------------------------------------------------------------------------------

    @property
    def shown(self) -> tuple[str, ...]:
        """The plots laid out, top to bottom (ALL_PLOTS, or the handover's four)."""
        return self._shown

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

    @property
    def loaded_window(self) -> tuple[float, float] | None:
        """The window (Unix seconds) whose vitals are drawn now, or None."""
        return None if self._loaded is None else self._loaded[:2]

    @property
    def night(self) -> bool:
        """Drawn in the night colours (the palette's background is dark; never on paper)."""
        return not self._print and self.palette().color(QPalette.ColorRole.Base).lightness() < 128

    def show_patient(self, patient_id: str) -> None:
        self._patient = patient_id
        self.refresh()

    def set_range(self, span: TrendRange) -> None:
        self._range = span
        self.range_buttons[span].setChecked(True)
        self.refresh()
        self.range_changed.emit(span)

    def visible_span(self) -> tuple[datetime, datetime] | None:
        """The span of the range chosen, or None without a patient or records."""
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
        self._reload.stop()
        span = self.visible_span()
        if span is None or self._patient is None:
            self._clear()
            return
        start, end = span
        patient = self._patient
        start_s, end_s = start.timestamp(), end.timestamp()
        self._bounds = (start_s, end_s)
        # the range first: each curve is then cut to it once, as it is fed
        master = self.plots[Vital.TEMPERATURE.value]
        master.setLimits(xMin=start_s, xMax=end_s)
        master.setXRange(start_s, end_s, padding=0)
        self.sbp_threshold.setData(
            *step_arrays(self._chart.sbp_threshold(patient, start, end), end_s), connect="finite"
        )
        # Panels not laid out (the handover's strip) are not drawn.
        if Vital.O2_FLOW.value in self._shown:
            self._draw_devices(patient, start, end)
        if "neuro" in self._shown:
            self._draw_neuro(patient, start, end)
        if "grades" in self._shown:
            self._draw_grades(patient, start, end)
        if "drugs" in self._shown:
            self._draw_drugs(self._chart.drug_marks(patient, start, end))
        # after the neuro scores: the window's read also chooses whether their symbols are drawn
        self._load_window(start_s, end_s)
        self._fit_y()

    def load_visible(self) -> None:
        """Read the vitals of the visible window (and its margin) now, if what is loaded does not cover
        it at the detail it needs; what a pause after a pan or zoom does."""
        if self._patient is None or self._bounds is None:
            return
        x0, x1 = self.plots[Vital.TEMPERATURE.value].viewRange()[0]
        if self._loaded is not None:
            start, end, width, pixels = self._loaded
            now = self._plot_pixels()
            same_width = (pixels is None) == (now is None) and (
                pixels is None or now is None or abs(now - pixels) <= REBUCKET_CHANGE * pixels
            )
            # covered, at about the detail that width was read with, on a plot about as wide
            if start <= x0 and x1 <= end and 0.5 <= (x1 - x0) / width <= 2.0 and same_width:
                self._show_symbols(x0, x1)
                return
        self._load_window(x0, x1)

    # --- drawing ----------------------------------------------------------------------------------------

    def _load_window(self, x0: float, x1: float) -> None:
        """The vitals of [x0, x1] widened by MARGIN on each side (within the range chosen), with the
        buckets scaled so the visible part gets the chart's full detail."""
        assert self._patient is not None and self._bounds is not None
        width = max(x1 - x0, 1.0)
        lo = max(self._bounds[0], x0 - MARGIN * width)
        hi = min(self._bounds[1], x1 + MARGIN * width)
        # as many min/max buckets as the plot is wide in device pixels (DRAW_BUCKETS while the view
        # is not laid out yet; a resize reads again at the real width)
        pixels = self._plot_pixels()
        buckets = max(1, round((pixels or DRAW_BUCKETS) * (hi - lo) / width))
        series = self._chart.envelope(
            self._patient,
            list(Vital),
            datetime.fromtimestamp(lo, UTC),
            datetime.fromtimestamp(hi, UTC),
            buckets=buckets,
        )
        end = datetime.fromtimestamp(self._bounds[1], UTC)
        for vital, curve in self.curves.items():
            curve.setData(*_arrays(series[vital]), connect="finite")
            self._set_band(vital, self._chart.normal_band(self._patient, vital, end))
        hourly = series[Vital.HEART_RATE].hourly
        if hourly != self._envelope:
            self._envelope = hourly
            self._set_vitals_pen()
        self.status.setText(
            self.tr("minimum and maximum per hour or more")
            if hourly
            else self.tr("every measurement")
        )
        self._loaded = (lo, hi, width, pixels)
        self._show_symbols(x0, x1)
        self.window_loaded.emit(lo, hi)

    def _set_vitals_pen(self) -> None:
        """Measurements in 1.5 px lines; a min/max envelope (a bucket per pixel, so a bar per pixel)
        in 1 px lines, which the software renderer draws on its fast path (a wider line is filled as
        a polygon: two fifths of a redraw of a year, tests/bench/bench_trends.py)."""
        width = (1.0 if self._envelope else 1.5) * self._pen_scale
        pen = pg.mkPen(_COLOURS[self.night]["line"], width=width)
        for curve in self.curves.values():
            curve.setPen(pen)

    def _plot_pixels(self) -> float | None:
        """The width of the plots in device pixels, or None while the view is not laid out (hidden)."""
        if not self.isVisible():
            return None
        width = self.plots[Vital.TEMPERATURE.value].vb.width() * self.devicePixelRatioF()
        return float(width) if width >= 1 else None

    def _show_symbols(self, x0: float, x1: float) -> None:
        """A symbol on each neuro check where the checks in [x0, x1] are SYMBOL_SPACING_PX apart or
        more; else only their line (a not-assessable check keeps its marked line either way)."""
        pixels = self._plot_pixels() or float(DRAW_BUCKETS)
        for tool, curve in self.neuro_curves.items():
            x, _ = curve.getData()
            shown = (
                0 if x is None else int(np.searchsorted(x, x1, "right") - np.searchsorted(x, x0))
            )
            symbol = _NEURO_SYMBOL[tool] if shown * SYMBOL_SPACING_PX <= pixels else None
            # with symbols drawn whole (a pan re-cuts nothing); without, only the visible part of
            # the line (a year of checks is 2,190 segments)
            if curve.opts["clipToView"] != (symbol is None):
                (_whole if symbol else _clipped)(curve)
            if curve.opts["symbol"] != symbol:
                curve.setSymbol(symbol)

    def _fit_y(self) -> None:
        """Each vital panel's y range: its values, its band's finite edges and its threshold line, with
        a little room (bands with an open edge never stretch it)."""
        for vital, curve in self.curves.items():
            _, y = curve.getOriginalDataset()  # all of the window read, not only what is in view
            finite = np.zeros(0) if y is None else y[np.isfinite(y)]
            edges = [float(finite.min()), float(finite.max())] if len(finite) else []
            band = self.bands.get(vital)
            if band is not None and band.isVisible():
                edges += [e for e in band.getRegion() if abs(e) < _OPEN]
            if vital is Vital.TEMPERATURE:
                edges.append(self.fever_line.value())
            if vital is Vital.O2_FLOW:
                edges.append(0.0)  # a flow axis starts at none, where the device names stand
            plot = self.plots[vital.value]
            if not edges:
                plot.setYRange(0, 1)
                continue
            low, high = min(edges), max(edges)
            if high - low < 1:
                low, high = low - 0.5, high + 0.5
            plot.setYRange(low, high, padding=0.08)

    def _apply_palette(self) -> None:
        night = self.night
        colour = _COLOURS[night]
        palette = self.palette()
        background = QColor("white") if self._print else palette.color(QPalette.ColorRole.Base)
        foreground = QColor(_INK) if self._print else palette.color(QPalette.ColorRole.WindowText)
        self._foreground = foreground
        w = self._pen_scale
        self.graphics.setBackground(background)
        for key, plot in self.plots.items():
            for name in ("left", "bottom", "top"):
                axis = plot.getAxis(name)
                axis.setPen(foreground)
                axis.setTextPen(foreground)
            self.labels[key].setText(self._names[key], color=foreground)
        line = pg.mkPen(colour["line"], width=1.5 * w)
        self._set_vitals_pen()
        for band in self.bands.values():
            band.setBrush(pg.mkBrush(*colour["band"]))
        threshold = pg.mkPen(colour["threshold"], width=1.5 * w, style=Qt.PenStyle.DashLine)
        self.fever_line.setPen(threshold)
        self.fever_line.label.setColor(colour["threshold"])
        self.sbp_threshold.setPen(threshold)
        ice = self.neuro_curves[EncephalopathyTool.ICE]
        ice.setPen(line)
        ice.setSymbolBrush(colour["line"])
        ice.setSymbolPen(colour["line"])
        capd = self.neuro_curves[EncephalopathyTool.CAPD]
        capd.setPen(pg.mkPen(colour["capd"], width=1.5 * w))
        capd.setSymbolBrush(colour["capd"])
        capd.setSymbolPen(colour["capd"])
        crs, icans = QColor(colour["crs"]).name(), QColor(colour["icans"]).name()
        self.grade_curves[Syndrome.CRS].setPen(pg.mkPen(crs, width=2 * w))
        # On paper ICANS is dotted, so that a grey print still tells it from CRS.
        icans_style = Qt.PenStyle.DotLine if self._print else Qt.PenStyle.SolidLine
        self.grade_curves[Syndrome.ICANS].setPen(pg.mkPen(icans, width=2 * w, style=icans_style))
        # The grade panel's name says which line is which (no legend over the lines).
        self.labels["grades"].setText(
            f'{self._names["grades"]}<br><span style="color:{crs}">━ CRS</span>'
            f'<br><span style="color:{icans}">━ ICANS</span>',
            color=foreground,
        )
        self.drug_marks.setPen(pg.mkPen(foreground))
        for label in self.device_labels:
            label.setColor(colour["text"])

    def _clear(self) -> None:
        self._bounds = self._loaded = None
        empty = np.asarray([], dtype=float)
        for curve in (
            *self.curves.values(),
            *self.neuro_curves.values(),
            *self.grade_curves.values(),
            self.sbp_threshold,
        ):
            curve.setData(empty, empty)
        self.drug_marks.setData([])
        for band in self.bands.values():
            band.setVisible(False)
        self._replace(self.device_labels, [], self.plots[Vital.O2_FLOW.value])
        self._replace(self.not_assessable_lines, [], self.plots["neuro"])
        self._replace(self.limit_lines, [], self.plots["neuro"])
        self._replace(self.undetermined, [], self.plots["grades"])
        self.status.setText(self.tr("No data for this patient") if self._patient else "")

    def _set_band(self, vital: Vital, band: Band | None) -> None:
        item = self.bands.get(vital)
        if item is None:
            return
        if band is None:
            item.setVisible(False)
            return
        # An open end of the band reaches the edge of any plausible value (kept out of the auto range).
        lo = band.lo if band.lo is not None else -_OPEN
        hi = band.hi if band.hi is not None else _OPEN
        item.setRegion((lo, hi))
        item.setToolTip(self.tr("{0}: 0 points").format(band.score.value))
        item.setVisible(True)

    def _draw_devices(self, patient: str, start: datetime, end: datetime) -> None:
        plot = self.plots[Vital.O2_FLOW.value]
        labels = []
        colour = _COLOURS[self.night]["text"]
        for change in self._chart.o2_devices(patient, start, end):
            label = pg.TextItem(enum_text(change.device), anchor=(0, 1), color=colour)
            label.setPos(max(change.t, start.timestamp()), 0)
            labels.append(label)
        self._replace(self.device_labels, labels, plot)

    def _draw_neuro(self, patient: str, start: datetime, end: datetime) -> None:
        scores = self._chart.neuro_scores(patient, start, end)
        for tool, curve in self.neuro_curves.items():
            mine = [s for s in scores if s.tool is tool]
            # without symbols until the window's read says they are far enough apart (a year of
            # symbols was a third of a first draw, and overlapped into a band)
            curve.setSymbol(None)
            curve.setData(
                np.asarray([s.t for s in mine], dtype=float),
                np.asarray([np.nan if s.score is None else s.score for s in mine], dtype=float),
                connect="finite",
            )
        lines = []
        colour = _COLOURS[self.night]
        for s in scores:
            if s.score is None:
                line = pg.InfiniteLine(
                    pos=s.t,
                    angle=90,
                    pen=pg.mkPen(colour["limit"], style=Qt.PenStyle.DotLine),
                    label=self.tr("{0} not assessable").format(s.tool.value),
                    labelOpts={"position": 0.9, "rotateAxis": (1, 0), "color": colour["text"]},
                )
                lines.append(line)
        self._replace(self.not_assessable_lines, lines, self.plots["neuro"])
        # The y range is the tool's whole score range, with the scores where its ICANS grade changes
        # (both tools' if the patient changed tool); all from the engine.
        tools = {s.tool for s in scores}
        current = self._chart.tool(patient, end)
        if current is not None:
            tools.add(current)
        ranges = [self._chart.score_range(t) for t in tools] or [(0, 1)]
        self.plots["neuro"].setYRange(
            min(r[0] for r in ranges), max(r[1] for r in ranges), padding=0.08
        )
        limits = []
        for tool in sorted(tools):
            for limit in self._chart.score_limits(tool):
                limits.append(
                    pg.InfiniteLine(
                        pos=limit.score,
                        angle=0,
                        pen=pg.mkPen(colour["limit"], width=1, style=Qt.PenStyle.DotLine),
                    )
                )
                limits[-1].setToolTip(
                    self.tr("{0} {1} and above: ICANS grade {2}").format(
                        tool.value, limit.score, limit.grade
                    )
                )
        self._replace(self.limit_lines, limits, self.plots["neuro"])
        name = " / ".join(t.value for t in sorted(tools)) or self._names["neuro"]
        self.labels["neuro"].setText(name, color=self._foreground)

    def _draw_grades(self, patient: str, start: datetime, end: datetime) -> None:
        end_s = end.timestamp()
        regions = []
        brush = pg.mkBrush(*_COLOURS[self.night]["undetermined"])
        for syndrome, curve in self.grade_curves.items():
            steps = self._chart.grades(patient, syndrome, start, end)
            curve.setData(*step_arrays(steps, end_s), connect="finite")
            for i, step in enumerate(steps):
                if step.value is None:
                    until = steps[i + 1].t if i + 1 < len(steps) else end_s
                    region = pg.LinearRegionItem((step.t, until), movable=False, brush=brush)
                    for line in region.lines:
                        line.setPen(pg.mkPen(None))
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
        self.drug_marks.setData(spots)
        self.drug_marks.setToolTip(self.tr("▲ infusion started, ▼ stopped, ● dose given"))

    # --- slots --------------------------------------------------------------------------------------------

    def _on_plot_x_range_changed(self, *_: object) -> None:
        self._reload.start()

    def _on_reload_timeout(self) -> None:
        self.load_visible()

    def _on_plot_resized(self, *_: object) -> None:
        if self._loaded is not None:
            self._reload.start()

    @staticmethod
    def _replace(current: list, new: list, plot: pg.PlotItem) -> None:  # type: ignore[type-arg]
        for item in current:
            plot.removeItem(item)
        current[:] = new
        for item in new:
            plot.addItem(item, ignoreBounds=True)
