"""The handover report: one page per patient, in ISBAR order, drawn by Qt into a PDF (or onto a printer).

Every word comes from the texts the board and the patient view already show (`ui.patient`, `ui.alert_list`,
`ui.history`, `ui.text`), every number from the ward and chart services, and the 24 h strip is drawn by the
app's own trend view (`ui.trends.TrendView` with the handover's four plots). Nothing here grades.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import Enum
from html import escape
from pathlib import Path

from PySide6.QtCore import QLocale, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtWidgets import QApplication

from bedside.alert_vocabulary import AlertStatus
from bedside.alerts import Alert
from bedside.chart import Chart, Vital
from bedside.clinical.policy import RULE_VERSION
from bedside.records import Intervention, NeuroCheck, VitalSigns
from bedside.schedule import DueCheck
from bedside.ward import PatientSummary, Ward
from bedside.wardtext import urgency
from ui.alert_list import ack_text
from ui.history import summary as record_summary
from ui.patient import attribution_line, attributions_in_force, identity_lines, picture_lines
from ui.text import enum_text, kind_text, local_time, number, priority_text, tr
from ui.trends import HANDOVER_PLOTS, TrendRange, TrendView

# "Interventions of the last 24 h", "a 24 h trend strip": the span the handover looks back over.
HANDOVER_SPAN = timedelta(hours=24)
assert TrendRange.H24.value == HANDOVER_SPAN

RESOLUTION_DPI = 300  # the PDF's device resolution (its text and rules are vector)
STRIP_DPI = 200  # the strip is an image of this density (Qt stores it as JPEG: about 250 KB a page)
SCREEN_DPI = 96  # the trend view's own unit: its fonts and pens are sized for a screen
MARGIN_MM = 12.0
BASE_POINT_SIZES = (9.0, 8.5, 8.0, 7.5, 7.0, 6.5)  # the body text, shrunk until the page fits
STRIP_MM = (96.0, 80.0, 64.0, 52.0)  # the strip's height, shrunk before the text is


class PageSize(Enum):
    """The paper the handover is laid out for."""

    A4 = QPageSize.PageSizeId.A4
    LETTER = QPageSize.PageSizeId.Letter

    @classmethod
    def parse(cls, text: str) -> PageSize:
        return cls[text.upper()]


def default_page_size() -> PageSize:
    """Letter where the system locale measures in US units, A4 elsewhere."""
    us = QLocale().measurementSystem() is QLocale.MeasurementSystem.ImperialUSSystem
    return PageSize.LETTER if us else PageSize.A4


class HandoverError(Exception):
    """The handover could not be made: one sentence for the user (what, where, what to do)."""


# --- what goes on a page -----------------------------------------------------------------------------------


def handover_patients(ward: Ward, patient_id: str | None = None) -> list[PatientSummary]:
    """One patient (by id, on the ward or discharged) or every patient on the ward, most urgent first."""
    if patient_id is not None:
        summary = ward.summary(patient_id)
        if summary is None:
            known = ", ".join(sorted(s.patient_id for s in ward.board())) or tr("none")
            raise HandoverError(
                tr(
                    "there is no patient {0!r} in this ward database (patients on the ward: {1}); "
                    "give one of them with --patient, or leave --patient out for the whole ward"
                ).format(patient_id, known)
            )
        return [summary]
    rows = ward.board()
    return sorted(rows, key=lambda r: (tuple(-k for k in urgency(r)), r.patient_id))


def _heading(letter: str, title: str) -> str:
    lead = f"{escape(letter)} — " if letter else ""
    return (
        "<p style='margin-top:7px; margin-bottom:2px; color:#1f3a5f'>"
        f"<b>{lead}{escape(title)}</b></p>"
    )


def _subheading(title: str) -> str:
    return f"<p style='margin-top:3px; margin-bottom:1px'><i>{escape(title)}</i></p>"


def _dose(value: float) -> str:
    return QLocale().toString(float(value), "g", 4)


def _block(lines: Sequence[str]) -> str:
    return "<p style='margin-top:0; margin-bottom:0'>" + "<br>".join(lines) + "</p>"


def _alert_lines(alerts: Sequence[Alert], zone: tzinfo | None) -> list[str]:
    """Open alerts (waiting first) and those acknowledged or ended in the span, with who and when."""
    if not alerts:
        return [tr("No alerts in the last 24 h.")]
    order = {AlertStatus.ACTIVE: 0, AlertStatus.ACKNOWLEDGED: 1, AlertStatus.RESOLVED: 2}
    lines = []
    for alert in sorted(alerts, key=lambda a: (order[a.status], -a.priority, a.raised_at)):
        state = ack_text(alert, zone)
        if alert.status is AlertStatus.RESOLVED:
            state = tr("ended {0}").format(local_time(alert.last_event_at, zone)) + (
                " · " + state if alert.acknowledged_by else " · " + tr("never acknowledged")
            )
        if alert.time_escalated and alert.status is AlertStatus.ACTIVE:
            state += tr(", escalated")
        text = tr("{0} · {1}: {2} · raised {3} · {4}").format(
            priority_text(alert.priority),
            kind_text(alert.kind),
            alert.detail,
            local_time(alert.raised_at, zone),
            state,
        )
        text = escape(text)
        if alert.status is AlertStatus.ACTIVE:
            text = f"<b>{text}</b>"
        lines.append("• " + text)
    return lines


def _interventions(records: Sequence[Intervention], zone: tzinfo | None) -> str:
    """A table of the drugs given, started, stopped or running in the span (SPEC 2.2, 3.3 drugs)."""
    if not records:
        return _block([tr("No drugs given or running in the last 24 h.")])
    head = (
        tr("Drug"),
        tr("Kind"),
        tr("Dose"),
        tr("Route"),
        tr("Given / started"),
        tr("Stopped"),
    )
    rows = [
        "<tr>" + "".join(f"<th align='left'>{escape(h)}</th>" for h in head) + "</tr>",
    ]
    for r in records:
        infusion = r.agent is not None
        stopped = (
            local_time(r.stopped_at, zone)
            if r.stopped_at is not None
            else (tr("running") if infusion else tr("single dose"))
        )
        cells = (
            enum_text(r.drug),
            enum_text(r.kind),
            f"{_dose(r.dose)} {r.dose_unit.value}",
            enum_text(r.route),
            local_time(r.started_at, zone),
            stopped,
        )
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    return "<table cellspacing='0' cellpadding='1' width='100%'>" + "".join(rows) + "</table>"


def _latest_values(
    chart: Chart,
    summary: PatientSummary,
    start: datetime,
    end: datetime,
    zone: tzinfo | None,
    set_at: datetime | None,
) -> str:
    """The newest value of each plotted vital in the span; its time when it is older than the latest
    set (`set_at`); stale or absent ones say so."""
    stale = set(summary.latest.record.stale) if summary.latest is not None else set()
    labels = {
        Vital.TEMPERATURE: (tr("Temperature"), "°C", 1, "temperature"),
        Vital.HEART_RATE: (tr("HR"), "/min", 0, "hr"),
        Vital.SYSTOLIC_BP: (tr("SBP"), "mmHg", 0, "sbp"),
        Vital.RESPIRATORY_RATE: (tr("RR"), "/min", 0, "rr"),
        Vital.SPO2: (tr("SpO₂"), "%", 0, "spo2"),
    }
    series = chart.vitals(summary.patient_id, list(labels), start, end)
    set_s = set_at.timestamp() if set_at is not None else None
    parts = []
    for vital, (label, unit, decimals, stale_name) in labels.items():
        points = [
            (t, v) for t, v in zip(series[vital].t, series[vital].v, strict=True) if v is not None
        ]
        if not points:
            text = tr("{0}: none in the last 24 h").format(label)
        else:
            t, v = points[-1]
            text = tr("{0} {1} {2}").format(label, number(v, decimals), unit)
            if t != set_s:
                when = local_time(datetime.fromtimestamp(t, end.tzinfo), zone)
                text = tr("{0} at {1}").format(text, when)
        if stale_name in stale:
            text = "<i>" + escape(text + " — " + tr("stale (treated as missing)")) + "</i>"
        else:
            text = escape(text)
        parts.append(text)
    return escape(tr("Latest values: ")) + " · ".join(parts)


def _neuro_line(ward: Ward, patient_id: str, start: datetime, zone: tzinfo | None) -> str:
    """Each neuro check of the span, as the history words it ("ICE not assessable (…)")."""
    checks = [
        s
        for s in ward.records(patient_id, ["neuro_check"])
        if isinstance(s.record, NeuroCheck) and s.observed_at >= start
    ]
    if not checks:
        return escape(tr("Neuro checks: none in the last 24 h"))
    items = [
        f"{record_summary(s.record)} ({local_time(s.observed_at, zone, with_date=False)})"
        for s in checks[-6:]
    ]
    more = len(checks) - 6
    lead = tr("Neuro checks (newest last): ")
    if more > 0:
        lead += tr("{0} earlier, then ").format(more)
    return escape(lead + " · ".join(items))


def _latest_vitals(ward: Ward, patient_id: str, zone: tzinfo | None) -> tuple[str, datetime | None]:
    """The newest vitals set as the history words it, and when it was observed."""
    sets = [s for s in ward.records(patient_id, ["vitals"]) if isinstance(s.record, VitalSigns)]
    if not sets:
        return escape(tr("Latest vitals set: none charted")), None
    last = sets[-1]
    text = tr("Latest vitals set ({0}): {1}").format(
        local_time(last.observed_at, zone), record_summary(last.record) or tr("partial set")
    )
    return escape(text), last.observed_at


def _due_lines(due: Sequence[DueCheck], summary: PatientSummary, zone: tzinfo | None) -> list[str]:
    if summary.ended_at is not None:
        return [
            escape(
                tr("Stay ended {0}: no checks fall due").format(local_time(summary.ended_at, zone))
            )
        ]
    if not due:
        return [escape(tr("No checks scheduled."))]
    lines = []
    for check in sorted(
        due,
        key=lambda d: (not d.overdue, d.due_at is None, d.due_at or summary.admission.infusion_at),
    ):
        kind = tr(check.kind.value.replace("_", " "))
        if check.due_at is None:
            text = tr("{0}: no ward schedule now ({1})").format(kind, check.why)
        elif check.overdue:
            text = tr("{0} check OVERDUE since {1} ({2})").format(
                kind, local_time(check.due_at, zone), check.why
            )
        else:
            text = tr("{0} check due {1} ({2})").format(
                kind, local_time(check.due_at, zone), check.why
            )
        if check.continuous:
            text += " · " + tr("continuous monitoring")
        if check.waiting_for:
            text += " · " + tr("waiting for: {0}").format(", ".join(check.waiting_for))
        text = escape(text)
        lines.append("• " + (f"<b>{text}</b>" if check.overdue else text))
    return lines


@dataclass(frozen=True, slots=True)
class PageText:
    """A page's words: what stands above the trend strip (I, S, B, A) and what below it (R)."""

    above: str
    below: str
    graded_under: (
        str | None
    )  # the rule version of the shown assessment, when it is not the engine's


def page_text(ward: Ward, chart: Chart, summary: PatientSummary, now: datetime) -> PageText:
    zone = ward.policy.zone
    pid = summary.patient_id
    start = now - HANDOVER_SPAN
    records = ward.records(pid)
    attributions = attributions_in_force(records, now, ward.policy.attribution_max_hours)
    drugs = [
        s.record
        for s in records
        if isinstance(s.record, Intervention)
        and (
            s.record.started_at >= start
            or (s.record.stopped_at is not None and s.record.stopped_at >= start)
            or (s.record.agent is not None and s.record.stopped_at is None)
        )
    ]
    vitals_line, set_at = _latest_vitals(ward, pid, zone)
    recent = ward.recent_alerts(pid, start)
    shown = {a.alert_id for a in recent}
    alerts = recent + [a for a in summary.alerts if a.alert_id not in shown]
    above = "".join(
        (
            _heading("I", tr("Identify")),
            _block(identity_lines(summary, now, zone)),
            _heading("S", tr("Situation: the current picture")),
            _block(picture_lines(summary, zone)),
            _subheading(tr("Alerts: open, and acknowledged or ended in the last 24 h")),
            _block(_alert_lines(alerts, zone)),
            _heading("B", tr("Background")),
            _block([attribution_line(attributions, zone)]),
            _subheading(
                tr("Drugs in the last 24 h (anti-cytokine, steroids, antipyretics, vasoactive)")
            ),
            _interventions(drugs, zone),
            _heading("A", tr("Assessment: the last 24 h")),
            _block(
                [
                    vitals_line,
                    _latest_values(chart, summary, start, now, zone, set_at),
                    _neuro_line(ward, pid, start, zone),
                ]
            ),
        )
    )
    below = (
        _block([f"<span style='color:#555'>{escape(strip_caption(chart))}</span>"])
        + _heading("R", tr("Recommendation: checks due or overdue"))
        + _block(_due_lines(summary.due, summary, zone))
    )
    version = summary.latest.record.rule_version if summary.latest is not None else None
    return PageText(above, below, version if version and version != RULE_VERSION else None)


def strip_caption(chart: Chart) -> str:
    return tr(
        "The strip, last 24 h: temperature with the fever line (≥ {0} °C, dashed); systolic BP with "
        "the hypotension threshold for age (dashed); SpO₂; CRS grade (red, solid) and ICANS grade "
        "(purple, dotted). Green: the early-warning score's 0-point range; grey: grade not "
        "determinable."
    ).format(number(chart.fever_c(), 1))


# --- drawing -------------------------------------------------------------------------------------------------


class StripRenderer:
    """Draws the 24 h strip with the app's trend view (its plots, pens, bands and step curves), in
    print colours, into an image; one view is made and fed patient after patient."""

    def __init__(self, chart: Chart, now: datetime) -> None:
        self.scale = STRIP_DPI / SCREEN_DPI
        self.view = TrendView(chart, now=lambda: now, plots=HANDOVER_PLOTS)
        self.view.set_range(TrendRange.H24)
        self.view.use_print_style(pen_scale=self.scale)
        # Laid out and drawn like a shown widget, never on a screen (the app or a service timer).
        self.graphics = self.view.graphics
        self.graphics.setParent(None)
        self.graphics.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)

    def image(self, patient_id: str, width_px: int, height_px: int) -> QImage:
        """The strip of `patient_id` as an image of that many device pixels."""
        logical = QSizeF(width_px / self.scale, height_px / self.scale).toSize()
        self.graphics.resize(logical)
        self.graphics.show()
        self.view.show_patient(patient_id)
        QApplication.processEvents()  # the plots lay themselves out and take their ranges
        image = QImage(width_px, height_px, QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        try:
            source = self.graphics.mapToScene(self.graphics.viewport().rect()).boundingRect()
            self.graphics.scene().render(painter, QRectF(0, 0, width_px, height_px), source)
        finally:
            painter.end()
        return image

    def close(self) -> None:
        self.graphics.hide()
        self.graphics.deleteLater()
        self.view.deleteLater()


def _document(
    html: str, device: QPagedPaintDevice, width: float, point_size: float
) -> QTextDocument:
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)
    font = QFont()
    font.setPointSizeF(point_size)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    doc.setHtml(html)
    doc.setTextWidth(width)
    return doc


def _draw(painter: QPainter, doc: QTextDocument) -> None:
    """Draw `doc` in dark ink whatever the app's palette (the night theme's text is light grey)."""
    context = QAbstractTextDocumentLayout.PaintContext()
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Text, QColor("#000000"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#000000"))
    context.palette = palette
    doc.documentLayout().draw(painter, context)


def _footer_html(
    printed: datetime,
    database: str,
    page: int,
    pages: int,
    zone: tzinfo | None,
    graded_under: str | None,
) -> str:
    parts = [
        tr("Printed {0}").format(local_time(printed, zone)),
        tr("database {0}").format(database),
        tr("rules {0}").format(RULE_VERSION),
        tr("page {0} of {1}").format(page, pages),
    ]
    line = escape(" · ".join(parts))
    if graded_under:
        line += (
            "<br><b>"
            + escape(tr("This picture was graded under {0}").format(graded_under))
            + "</b>"
        )
    return f"<p style='color:#444'>{line}</p>"


def paint_handover(
    device: QPagedPaintDevice,
    ward: Ward,
    chart: Chart,
    patients: Sequence[PatientSummary],
    *,
    now: datetime,
    database: str,
) -> int:
    """Draw the pages on `device` (a QPdfWriter, or a QPrinter set up by the caller); returns the
    number of pages. A ward without patients gets one page saying so."""
    zone = ward.policy.zone
    painter = QPainter()
    if not painter.begin(device):
        raise HandoverError(tr("Qt could not start drawing the handover onto its output"))
    strip: StripRenderer | None = None
    try:
        strip = StripRenderer(chart, now)
        width = float(device.width())
        height = float(device.height())
        mm = device.logicalDpiY() / 25.4
        pages = max(1, len(patients))
        if not patients:
            doc = _document(
                "<p><b>" + escape(tr("No patients are admitted on this ward.")) + "</b></p>",
                device,
                width,
                BASE_POINT_SIZES[0],
            )
            _draw(painter, doc)
            _draw_footer(painter, device, width, height, now, database, 1, 1, zone, None)
        for index, summary in enumerate(patients):
            if index:
                device.newPage()
            text = page_text(ward, chart, summary, now)
            footer = _document(
                _footer_html(now, database, index + 1, pages, zone, text.graded_under),
                device,
                width,
                6.5,
            )
            room = height - footer.size().height() - 2 * mm
            above = below = None
            strip_h = STRIP_MM[-1] * mm
            fitted = False
            for size in BASE_POINT_SIZES:
                above = _document(text.above, device, width, size)
                below = _document(text.below, device, width, size)
                used = above.size().height() + below.size().height()
                for strip_mm in STRIP_MM:
                    if used + strip_mm * mm <= room:
                        strip_h, fitted = strip_mm * mm, True
                        break
                if fitted:
                    break
            assert above is not None and below is not None
            total = above.size().height() + strip_h + below.size().height()
            painter.save()
            if total > room:  # still too long at the smallest text: the whole page shrinks to fit
                factor = room / total
                painter.scale(factor, factor)
            _draw(painter, above)
            y = above.size().height()
            painter.drawImage(
                QRectF(0, y, width, strip_h),
                strip.image(
                    summary.patient_id,
                    round(width * STRIP_DPI / RESOLUTION_DPI),
                    round(strip_h * STRIP_DPI / RESOLUTION_DPI),
                ),
            )
            painter.translate(0, y + strip_h)
            _draw(painter, below)
            painter.restore()
            _draw_footer(
                painter,
                device,
                width,
                height,
                now,
                database,
                index + 1,
                pages,
                zone,
                text.graded_under,
                footer,
            )
        return pages
    finally:
        if strip is not None:
            strip.close()
        painter.end()


def _draw_footer(
    painter: QPainter,
    device: QPagedPaintDevice,
    width: float,
    height: float,
    now: datetime,
    database: str,
    page: int,
    pages: int,
    zone: tzinfo | None,
    graded_under: str | None,
    footer: QTextDocument | None = None,
) -> None:
    if footer is None:
        footer = _document(
            _footer_html(now, database, page, pages, zone, graded_under), device, width, 6.5
        )
    top = height - footer.size().height()
    painter.save()
    painter.setPen(QColor("#999999"))
    painter.drawLine(0, int(top) - 4, int(width), int(top) - 4)
    painter.translate(0, top)
    _draw(painter, footer)
    painter.restore()


def write_handover_pdf(
    out: str | os.PathLike[str],
    ward: Ward,
    chart: Chart,
    patients: Sequence[PatientSummary],
    *,
    now: datetime,
    database: str,
    page_size: PageSize = PageSize.A4,
) -> int:
    """Write the handover to `out` whole or not at all: drawn into a new file beside it, which then
    replaces `out`. Returns the page count; an unwritable place is a HandoverError naming it."""
    target = Path(out)
    if target.is_dir():
        raise HandoverError(
            tr("{0} is a folder: give the PDF file to write, e.g. {1}").format(
                target, target / "handover.pdf"
            )
        )
    folder = target.parent if str(target.parent) else Path(".")
    try:
        handle, temp = tempfile.mkstemp(prefix=".handover-", suffix=".pdf", dir=folder)
    except OSError as err:
        raise HandoverError(_unwritable(target, err)) from err
    os.close(handle)
    try:
        writer = QPdfWriter(temp)
        writer.setResolution(RESOLUTION_DPI)
        writer.setCreator("Bedside")
        writer.setTitle(tr("Bedside handover"))
        writer.setPageLayout(
            QPageLayout(
                QPageSize(page_size.value),
                QPageLayout.Orientation.Portrait,
                QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                QPageLayout.Unit.Millimeter,
            )
        )
        pages = paint_handover(writer, ward, chart, patients, now=now, database=database)
        del writer  # flushes and closes the file
        if os.path.getsize(temp) == 0:
            raise HandoverError(_unwritable(target, OSError("nothing was written")))
        os.replace(temp, target)
    except OSError as err:
        raise HandoverError(_unwritable(target, err)) from err
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
    return pages


def _unwritable(target: Path, err: OSError) -> str:
    reason = err.strerror or str(err)
    return tr(
        "cannot write the handover to {0} ({1}): choose a folder that exists and that you may "
        "write to"
    ).format(target, reason)


def page_size_in_points(size: PageSize) -> QSizeF:
    """The paper's size in PostScript points (1/72 inch), as a PDF reader reports it."""
    return QPageSize(size.value).size(QPageSize.Unit.Point)
