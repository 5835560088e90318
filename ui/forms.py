"""The charting forms, keyboard-first: Tab moves field to field, Enter saves, the time is "now" unless
changed. Each field's error is shown beside it, in the service's words; nothing is saved on error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QT_TR_NOOP, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bedside.clinical.assessment import Assessment
from bedside.clinical.capd import CAPD_ITEM_MAX, CAPD_ITEMS
from bedside.clinical.ice import ICE_ITEMS
from bedside.clinical.vocabulary import (
    Acvpu,
    CapdNotAssessable,
    CerebralEdema,
    Consciousness,
    Drug,
    EncephalopathyTool,
    IceNotAssessable,
    MotorFinding,
    O2Device,
    O2Indication,
    RespEffort,
    Seizure,
    Spo2Scale,
)
from bedside.records import (
    Admission,
    Attribution,
    Diagnosis,
    Discharge,
    DoseUnit,
    FieldError,
    Finding,
    Indication,
    Intervention,
    NeuroCheck,
    Record,
    Route,
    Sex,
    StayEnd,
    TempRoute,
    TempUnit,
    VitalSigns,
)
from bedside.staff import Author
from bedside.ward import Failed, Invalid, Recorded
from ui.fields import (
    ChoiceBox,
    DateField,
    FlagBox,
    InputWidget,
    NumberEdit,
    TextEdit,
    TimeField,
)
from ui.text import grade_text, score_text, tr

ERROR_STYLE = "color: #b00020; font-weight: bold"
PREVIEW_DELAY_MS = 250


@dataclass(frozen=True, slots=True)
class FormDraft:
    """What a form holds, as typed (text that is not yet valid included): set aside at a change of user
    and put back for its author (issue 10)."""

    inputs: tuple[tuple[str, object], ...]
    observed: object
    correcting: str | None
    reason: str


class RecordForm(QWidget):
    """A form for one record kind. Widgets are named after the record's fields.

    Signals:
        submitted(): Enter was pressed or Save clicked (the owner reads `record()` and saves).
        changed(): a value changed (for the live preview).
    """

    submitted = Signal()
    changed = Signal()

    def __init__(
        self, kind: type[Record], zone: tzinfo | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self.zone = zone
        self.inputs: dict[str, InputWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.correcting: str | None = None  # the id of the record this form corrects
        # Whose unsaved draft this is, once the screen was locked over it (issue 10): only they can
        # save it. None: the draft of whoever is signed in.
        self.owner: Author | None = None
        self._blank: FormDraft | None = None
        self.layout_ = QVBoxLayout(self)
        self.heading = QLabel(self)
        self.heading.setObjectName("form_heading")
        self.heading.setWordWrap(True)
        self.layout_.addWidget(self.heading)
        self.grid = QGridLayout()
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(3, 1)
        self.layout_.addLayout(self.grid)
        self._rows = 0
        self._column = 0
        self.observed = TimeField("observed_at", zone, parent=self)
        self.reason = TextEdit("reason", self)
        self.reason.setPlaceholderText(tr("why the earlier record is corrected"))
        self.general = QLabel(self)
        self.general.setObjectName("form_errors")
        self.general.setStyleSheet(ERROR_STYLE)
        self.general.setWordWrap(True)
        self.preview = QLabel(self)
        self.preview.setObjectName("form_preview")
        self.preview.setWordWrap(True)
        self.status = QLabel(self)
        self.status.setObjectName("form_status")
        self.save = QPushButton(tr("Save (Enter)"), self)
        self.save.setObjectName("form_save")
        self.save.setAutoDefault(False)
        self.cancel_correction = QPushButton(tr("Cancel correction"), self)
        self.cancel_correction.hide()
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_pending = False  # a preview was due when the form was hidden
        self._tail_built = False

    # --- building -------------------------------------------------------------------------------------

    def add(self, label: str, widget: InputWidget, *, wide: bool = False, hint: str = "") -> Any:
        """A labelled field with its error label under it; fields fill two columns."""
        name = widget.name
        self.inputs[name] = widget
        caption = QLabel(label, self)
        caption.setBuddy(widget)
        if hint:
            caption.setToolTip(hint)
            widget.setToolTip(hint)
        error = QLabel(self)
        error.setObjectName(f"{name}_error")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        self.errors[name] = error
        if wide and self._column:
            self._rows += 2
            self._column = 0
        col = self._column * 2
        self.grid.addWidget(caption, self._rows, col)
        self.grid.addWidget(widget, self._rows, col + 1, 1, 3 if wide else 1)
        self.grid.addWidget(error, self._rows + 1, col + 1, 1, 3 if wide else 1)
        if wide or self._column:
            self._rows += 2
            self._column = 0
        else:
            self._column = 1
        self._watch(widget)
        return widget

    def section(self, title: str) -> None:
        if self._column:
            self._rows += 2
            self._column = 0
        label = QLabel(f"<b>{title}</b>", self)
        self.grid.addWidget(label, self._rows, 0, 1, 4)
        self._rows += 1

    def finish(self, *, with_time: bool = True) -> None:
        """The time, the correction's reason, errors, preview and Save go last, in this tab order."""
        tail = QFormLayout()
        if with_time:
            self.errors["observed_at"] = self._error_label("observed_at")
            tail.addRow(tr("Observed at"), self.observed)
            tail.addRow("", self.errors["observed_at"])
            self.observed.edited.connect(self.changed)
        else:
            self.observed.hide()  # in no layout: it would be drawn over the heading
        self.errors["reason"] = self._error_label("reason")
        self._reason_caption = QLabel(tr("Reason for the correction"), self)
        tail.addRow(self._reason_caption, self.reason)
        tail.addRow("", self.errors["reason"])
        self._reason_caption.hide()
        self.reason.hide()
        self.layout_.addLayout(tail)
        self.layout_.addWidget(self.general)
        self.layout_.addWidget(self.preview)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.cancel_correction)
        buttons.addWidget(self.save)
        self.layout_.addLayout(buttons)
        self.layout_.addStretch(1)
        self.save.clicked.connect(self.submitted)
        self.cancel_correction.clicked.connect(self.clear)
        self._preview_timer.timeout.connect(self.changed)
        self._tail_built = True
        # The tail was made before the fields: Tab goes from the last field to it, not out of the form.
        chain: list[QWidget] = [self.observed.edit] if with_time else []
        chain += [self.reason, self.cancel_correction, self.save]
        previous = _focus_target(list(self.inputs.values())[-1])
        for widget in chain:
            QWidget.setTabOrder(previous, widget)
            previous = widget
        self._blank = self.draft()

    def _error_label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(f"{name}_error")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        return label

    def _watch(self, widget: InputWidget) -> None:
        start = self._preview_timer.start
        if isinstance(widget, NumberEdit | TextEdit):
            widget.textEdited.connect(start)
        elif isinstance(widget, ChoiceBox):
            widget.currentIndexChanged.connect(start)
        elif isinstance(widget, FlagBox):
            widget.toggled.connect(start)
        elif isinstance(widget, DateField):
            widget.dateChanged.connect(start)
        elif isinstance(widget, TimeField):
            widget.edited.connect(start)

    # --- keyboard -------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submitted.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    # --- the preview waits while the form is hidden -------------------------------------------------

    def hideEvent(self, event: QHideEvent) -> None:
        if self._preview_timer.isActive():
            self._preview_timer.stop()
            self._preview_pending = True
        super().hideEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._preview_pending:
            self._preview_pending = False
            self._preview_timer.start()

    def first_input(self) -> QWidget | None:
        return next((w for w in self.inputs.values() if w.isVisibleTo(self)), None)

    # --- reading and writing values ------------------------------------------------------------------

    def values(self) -> tuple[dict[str, Any], list[FieldError]]:
        values: dict[str, Any] = {}
        errors: list[FieldError] = []
        for name, widget in self.inputs.items():
            if not widget.isVisibleTo(self) and not isinstance(widget, FlagBox):
                continue
            if not widget.isEnabledTo(self):  # greyed out by a rule of the form: not part of it
                continue
            value, error = widget.value()
            if error is not None:
                errors.append(error)
            elif value is not None:
                values[name] = value
        return values, errors

    def record(self) -> tuple[Record | None, list[FieldError]]:
        """The record the form holds, or the fields that cannot be read (nothing is saved then)."""
        values, errors = self.values()
        if errors:
            return None, errors
        known = {f.name for f in dataclass_fields(self.kind)}
        values = self.adjust({k: v for k, v in values.items() if k in known})
        try:
            return self.kind(**values), []
        except TypeError as err:  # a required field left empty
            missing = [f.name for f in dataclass_fields(self.kind) if f.name not in values]
            return None, [
                FieldError(name, tr("{0}: required").format(name), tr("a value"))
                for name in missing
                if name in self.inputs
            ] or [FieldError("record", str(err), "")]

    def adjust(self, values: dict[str, Any]) -> dict[str, Any]:
        """Per-form completion of the values (e.g. the unit of a temperature)."""
        return values

    def set_now(self, now: datetime) -> None:
        """The ward clock's now for the time fields not changed by hand (read again on each save),
        the observation time and every time field of the form (an infusion's start, an "until")."""
        self.observed.set_now(now)
        for widget in self.inputs.values():
            if isinstance(widget, TimeField):
                widget.set_now(now)

    def observed_at(self) -> datetime:
        value, _ = self.observed.value()
        assert value is not None
        return value

    def load(self, record: Record, observed_at: datetime, record_id: str) -> None:
        """Fill the form from an earlier record, to correct it (a reason is then required)."""
        self.clear()
        for f in dataclass_fields(record):
            if f.name in self.inputs:
                self.inputs[f.name].set_value(getattr(record, f.name))
        self.observed.set_value(observed_at)
        self.correcting = record_id
        self.reason.show()
        self._reason_caption.show()
        self.cancel_correction.show()
        self.heading.setText(self.heading.text() + " — " + tr("correcting an earlier record"))

    def clear(self) -> None:
        for widget in self.inputs.values():
            widget.set_value(None)
        self.observed.reset()
        self.reason.clear()
        self.reason.hide()
        self._reason_caption.hide()
        self.cancel_correction.hide()
        self.correcting = None
        self.clear_errors()
        self.preview.clear()
        self.status.clear()
        self.reset_heading()
        # Resetting the boxes above started the preview timer: an empty form has nothing to preview.
        self._preview_timer.stop()
        self._preview_pending = False
        self.owner = None
        self._blank = self.draft()

    def reset_heading(self) -> None:
        pass

    # --- drafts (issue 10) ----------------------------------------------------------------------------

    def draft(self) -> FormDraft:
        """Everything typed into the form, as typed."""
        return FormDraft(
            inputs=tuple((name, w.raw()) for name, w in self.inputs.items()),
            observed=self.observed.raw(),
            correcting=self.correcting,
            reason=self.reason.text(),
        )

    def has_draft(self) -> bool:
        """Something was typed or chosen since the form was last cleared or saved."""
        return self._blank is not None and self.draft() != self._blank

    def restore(self, draft: FormDraft, owner: Author) -> None:
        """Put a set-aside draft back, as its author left it."""
        self.clear()
        for name, raw in draft.inputs:
            if name in self.inputs:
                self.inputs[name].set_raw(raw)
        self.observed.set_raw(draft.observed)
        if draft.correcting is not None:
            self.correcting = draft.correcting
            self.reason.setText(draft.reason)
            self.reason.show()
            self._reason_caption.show()
            self.cancel_correction.show()
            self.heading.setText(self.heading.text() + " — " + tr("correcting an earlier record"))
        self.owner = owner
        self.changed.emit()

    # --- what the service said -----------------------------------------------------------------------

    def clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()
        self.general.clear()

    def show_errors(self, errors: tuple[FieldError, ...] | list[FieldError]) -> None:
        """Each error beside its field; those of no field (or of the whole record) above Save."""
        self.clear_errors()
        general = []
        for error in errors:
            label = self.errors.get(error.field)
            text = (
                tr("{0} (allowed: {1})").format(error.message, error.allowed)
                if error.allowed
                else error.message
            )
            if label is not None and label.parentWidget() is not None:
                label.setText(text)
                label.show()
            else:
                general.append(text)
        self.general.setText("\n".join(general))
        self.status.setText(tr("Not saved: correct the fields marked in red."))
        first = next((self.inputs[e.field] for e in errors if e.field in self.inputs), None)
        if first is not None:
            first.setFocus()

    def set_saving(self) -> None:
        self.status.setText(tr("saving…"))
        self.save.setEnabled(False)

    def saved(self, result: Recorded) -> None:
        self.save.setEnabled(True)
        self.clear()
        self.status.setText(tr("Saved."))

    def refused(self, result: Invalid) -> None:
        self.save.setEnabled(True)
        self.show_errors(result.errors)

    def failed(self, result: Failed) -> None:
        self.save.setEnabled(True)
        self.clear_errors()
        self.general.setText(result.message)
        self.status.setText(tr("Not saved."))

    def show_preview(self, result: Assessment | Invalid | None) -> None:
        if result is None:
            self.preview.clear()
        elif isinstance(result, Invalid):
            fields_ = ", ".join(sorted({e.field for e in result.errors}))
            self.preview.setText(tr("Preview: waiting for valid values ({0})").format(fields_))
        else:
            self.preview.setText(tr("Preview if saved: ") + preview_text(result))


def _focus_target(widget: QWidget) -> QWidget:
    """The widget Tab last stops at inside an input (a time field's editor)."""
    return widget.edit if isinstance(widget, TimeField) else widget


def preview_text(a: Assessment) -> str:
    parts = [
        tr("CRS {0} (max {1})").format(
            grade_text(a.crs.grade, a.crs.grade_is_lower_bound), grade_text(a.crs_episode_max)
        ),
        tr("ICANS {0} (max {1}) by {2}").format(
            grade_text(a.icans.grade, a.icans.grade_is_lower_bound),
            grade_text(a.icans_episode_max),
            a.icans.tool.value,
        ),
    ]
    if a.news2.applicable:
        parts.append("NEWS2 " + score_text(a.news2.score, a.news2.partial_score))
    if a.pews.applicable:
        parts.append(tr("PEWS") + " " + score_text(a.pews.score, a.pews.partial_score))
    return " · ".join(parts)


# --- the forms ---------------------------------------------------------------------------------------


class VitalsForm(RecordForm):
    def __init__(self, zone: tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(VitalSigns, zone, parent)
        self.reset_heading()
        self.add(tr("Temperature"), NumberEdit("temperature", parent=self))
        self.add(
            tr("Unit"),
            ChoiceBox(
                "temperature_unit",
                TempUnit,
                optional=False,
                labels={TempUnit.C: "°C", TempUnit.F: "°F"},
                parent=self,
            ),
        )
        self.add(tr("Route"), ChoiceBox("temperature_route", TempRoute, parent=self))
        self.add(tr("Heart rate /min"), NumberEdit("hr", parent=self))
        self.add(tr("Systolic BP mmHg"), NumberEdit("sbp", parent=self))
        self.add(tr("Diastolic BP mmHg"), NumberEdit("dbp", parent=self))
        self.add(tr("Resp. rate /min"), NumberEdit("rr", parent=self))
        self.add(tr("SpO₂ %"), NumberEdit("spo2", whole=True, parent=self))
        self.add(
            tr("SpO₂ scale"),
            ChoiceBox(
                "spo2_scale",
                Spo2Scale,
                labels={
                    Spo2Scale.SCALE_1: tr("scale 1"),
                    Spo2Scale.SCALE_2: tr("scale 2 (prescribed)"),
                },
                parent=self,
            ),
        )
        self.add(tr("O₂ device"), ChoiceBox("o2_device", O2Device, parent=self))
        self.add(tr("O₂ flow L/min"), NumberEdit("o2_flow_l_min", parent=self))
        self.add(tr("FiO₂ (0.21–1.00)"), NumberEdit("fio2", parent=self))
        self.add(tr("O₂ indication"), ChoiceBox("o2_indication", O2Indication, parent=self))
        self.add(tr("ACVPU"), ChoiceBox("acvpu", Acvpu, labels=acvpu_labels(), parent=self))
        self.add(tr("Cap. refill s (children)"), NumberEdit("crt_s", parent=self))
        self.add(tr("Resp. effort (children)"), ChoiceBox("resp_effort", RespEffort, parent=self))
        self.finish()

    def reset_heading(self) -> None:
        self.heading.setText(tr("<b>Vitals</b> — leave a field empty if it was not measured"))

    def adjust(self, values: dict[str, Any]) -> dict[str, Any]:
        if "temperature" not in values:
            values.pop("temperature_unit", None)  # the unit goes with a temperature only
        return values


_ACVPU = {
    Acvpu.ALERT: QT_TR_NOOP("A — alert"),
    Acvpu.NEW_CONFUSION: QT_TR_NOOP("C — new confusion"),
    Acvpu.VOICE: QT_TR_NOOP("V — voice"),
    Acvpu.PAIN: QT_TR_NOOP("P — pain"),
    Acvpu.UNRESPONSIVE: QT_TR_NOOP("U — unresponsive"),
}


def acvpu_labels() -> dict[Acvpu, str]:
    return {k: tr(v) for k, v in _ACVPU.items()}


# SPEC 7: the CAPD items in the order of the table, with short labels.
CAPD_LABELS = (
    ("capd_eye_contact", QT_TR_NOOP("Eye contact")),
    ("capd_purposeful", QT_TR_NOOP("Purposeful actions")),
    ("capd_aware", QT_TR_NOOP("Aware of surroundings")),
    ("capd_communicates", QT_TR_NOOP("Communicates needs")),
    ("capd_restless", QT_TR_NOOP("Restless")),
    ("capd_inconsolable", QT_TR_NOOP("Inconsolable")),
    ("capd_underactive", QT_TR_NOOP("Underactive")),
    ("capd_slow_response", QT_TR_NOOP("Slow to respond")),
)
ICE_LABELS = {
    "orientation": QT_TR_NOOP("Orientation (year, month, city, hospital)"),
    "naming": QT_TR_NOOP("Naming 3 objects"),
    "commands": QT_TR_NOOP("Follows simple commands"),
    "writing": QT_TR_NOOP("Writes a standard sentence"),
    "attention": QT_TR_NOOP("Counts back from 100 by 10"),
}


class NeuroForm(RecordForm):
    """The neuro check: ICE item by item from 12 years, CAPD by its 8 items below (SPEC 6, 7)."""

    def __init__(self, zone: tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(NeuroCheck, zone, parent)
        self.tool = EncephalopathyTool.ICE
        self.section(tr("ICE (points per item)"))
        self.ice_widgets = []
        for item, top in ICE_ITEMS.items():
            self.ice_widgets.append(
                self.add(
                    tr(ICE_LABELS[item]) + f" 0–{top}",
                    NumberEdit(f"ice_{item}", whole=True, parent=self),
                )
            )
        self.ice_widgets.append(
            self.add(
                tr("ICE not done, because"),
                ChoiceBox("ice_not_assessable", IceNotAssessable, parent=self),
                wide=True,
            )
        )
        self.capd_title = QLabel(
            "<b>"
            + tr("CAPD (points 0–{0} per item, as on the chart)").format(CAPD_ITEM_MAX)
            + "</b>",
            self,
        )
        self.grid.addWidget(self.capd_title, self._rows, 0, 1, 4)
        self._rows += 1
        self.capd_widgets = []
        for name, label in CAPD_LABELS:
            self.capd_widgets.append(self.add(tr(label), NumberEdit(name, whole=True, parent=self)))
        self.capd_widgets.append(
            self.add(
                tr("CAPD not done, because"),
                ChoiceBox("capd_not_assessable", CapdNotAssessable, parent=self),
                wide=True,
            )
        )
        # The items' total as they are typed (SPEC 6, 7), or that the tool was not done.
        self.total = QLabel(self)
        self.total.setObjectName("neuro_total")
        self.grid.addWidget(self.total, self._rows, 0, 1, 4)
        self._rows += 1
        self.section(tr("Consciousness, seizure, motor, raised ICP"))
        self.add(
            tr("Level of consciousness"), ChoiceBox("consciousness", Consciousness, parent=self)
        )
        self.add(tr("ACVPU"), ChoiceBox("acvpu", Acvpu, labels=acvpu_labels(), parent=self))
        self.add(
            tr("Depressed consciousness explained by sedation"),
            FlagBox("depressed_consciousness_attributable_to_sedation", tr("yes"), self),
            wide=True,
        )
        self.add(tr("Seizure"), ChoiceBox("seizure", Seizure, parent=self))
        self.add(tr("Seizure duration min"), NumberEdit("seizure_duration_min", parent=self))
        self.add(tr("Motor findings"), ChoiceBox("motor", MotorFinding, parent=self))
        self.add(
            tr("Raised ICP / oedema signs"), ChoiceBox("cerebral_edema", CerebralEdema, parent=self)
        )
        self.add(
            tr("Intracranial haemorrhage"), FlagBox("intracranial_hemorrhage", tr("yes"), self)
        )
        self.add(tr("Imaging done"), FlagBox("imaging_done", tr("yes"), self))
        self.add(tr("EEG done"), FlagBox("eeg_done", tr("yes"), self))
        self.finish()
        for widget in self.ice_widgets + self.capd_widgets:
            if isinstance(widget, NumberEdit):
                widget.textChanged.connect(self._show_total)
            else:  # the "not done, because" box: its reason greys the items out
                widget.currentIndexChanged.connect(self._on_not_done_changed)
        self.set_tool(EncephalopathyTool.ICE)

    def _items(self) -> tuple[list[NumberEdit], ChoiceBox]:
        """The items of the patient's tool and its "not done, because" box."""
        widgets = self.ice_widgets if self.tool is EncephalopathyTool.ICE else self.capd_widgets
        *items, reason = widgets
        return items, reason  # type: ignore[return-value]

    def _on_not_done_changed(self, *_: object) -> None:
        """A reason the tool was not done: its items are greyed out and not saved (a check has
        either every item or the reason, SPEC 6, 7)."""
        for widgets in (self.ice_widgets, self.capd_widgets):
            *items, reason = widgets
            for item in items:
                item.setEnabled(reason.currentData() is None)
        self._show_total()

    def _show_total(self, *_: object) -> None:
        items, reason = self._items()
        tool = self.tool.value
        if reason.currentData() is not None:
            self.total.setText(tr("{0} not done: its items are not scored").format(tool))
            return
        points = []  # the items scored within their range (the others are refused on saving)
        for widget in items:
            value, error = widget.value()
            top = ICE_ITEMS.get(widget.name.removeprefix("ice_"), CAPD_ITEM_MAX)
            if value is not None and error is None and 0 <= value <= top:
                points.append(int(value))
        top = (
            sum(ICE_ITEMS.values())
            if self.tool is EncephalopathyTool.ICE
            else len(CAPD_ITEMS) * CAPD_ITEM_MAX
        )
        if len(points) == len(items):
            self.total.setText(tr("{0} total: {1} of {2}").format(tool, sum(points), top))
        else:
            self.total.setText(
                tr("{0} total: {1} so far ({2} of {3} items scored)").format(
                    tool, sum(points), len(points), len(items)
                )
            )

    def set_tool(self, tool: EncephalopathyTool) -> None:
        """Show the items of the patient's tool only (D2: ICE from 12 years, CAPD below or with delay)."""
        self.tool = tool
        ice = tool is EncephalopathyTool.ICE
        for widget in self.ice_widgets:
            self._show_row(widget, ice)
        for widget in self.capd_widgets:
            self._show_row(widget, not ice)
        self.capd_title.setVisible(not ice)
        self.grid.itemAtPosition(0, 0).widget().setVisible(ice)
        self.reset_heading()
        self._show_total()

    def _show_row(self, widget: QWidget, shown: bool) -> None:
        widget.setVisible(shown)
        index = self.grid.indexOf(widget)
        row, col, _, _ = self.grid.getItemPosition(index)
        caption = self.grid.itemAtPosition(row, col - 1)
        if caption is not None and caption.widget() is not None:
            caption.widget().setVisible(shown)
        if not shown:
            self.errors[widget.name].hide()  # type: ignore[attr-defined]

    def reset_heading(self) -> None:
        self.heading.setText(
            tr(
                "<b>Neuro check</b> with {0} — score every item, or give the reason it was not done"
            ).format(self.tool.value)
        )

    def adjust(self, values: dict[str, Any]) -> dict[str, Any]:
        values["tool"] = self.tool
        return values


class DrugForm(RecordForm):
    """A drug dose, or the start of an infusion (a vasopressor runs until it is stopped)."""

    def __init__(self, zone: tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(Intervention, zone, parent)
        self.reset_heading()
        self.add(tr("Drug"), ChoiceBox("drug", Drug, parent=self))
        self.add(tr("Dose"), NumberEdit("dose", parent=self))
        self.add(
            tr("Unit"),
            ChoiceBox("dose_unit", DoseUnit, labels={u: u.value for u in DoseUnit}, parent=self),
        )
        self.add(
            tr("Route"),
            ChoiceBox("route", Route, labels={r: r.value.upper() for r in Route}, parent=self),
        )
        self.add(tr("Indication"), ChoiceBox("indication", Indication, parent=self))
        self.started = self.add(
            tr("Given / started at"), TimeField("started_at", zone, parent=self), wide=True
        )
        self.finish(with_time=False)

    def reset_heading(self) -> None:
        self.heading.setText(tr("<b>Drug dose or infusion start</b>"))

    def observed_at(self) -> datetime:
        value, _ = self.started.value()
        assert value is not None
        return value


class AttributionForm(RecordForm):
    """A physician attributes a finding to another cause (D9), with an optional end of the cover."""

    def __init__(self, zone: tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(Attribution, zone, parent)
        self.reset_heading()
        self.add(tr("Finding"), ChoiceBox("finding", Finding, parent=self))
        self.add(tr("Other cause"), TextEdit("cause", self), wide=True)
        self.add(
            tr("Until (optional)"), TimeField("until", zone, optional=True, parent=self), wide=True
        )
        self.finish()

    def reset_heading(self) -> None:
        self.heading.setText(
            tr("<b>Attribution</b> — physicians only: the finding is not counted as CRS/ICANS")
        )


class DischargeForm(RecordForm):
    def __init__(self, zone: tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(Discharge, zone, parent)
        self.reset_heading()
        self.add(tr("Outcome"), ChoiceBox("outcome", StayEnd, parent=self))
        self.add(tr("Destination"), TextEdit("destination", self))
        self.finish()

    def reset_heading(self) -> None:
        self.heading.setText(
            tr("<b>End of stay</b> — discharge or transfer; nothing more is charted after it")
        )


class AdmissionForm(RecordForm):
    def __init__(self, zone: tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(Admission, zone, parent)
        self.reset_heading()
        self.add(tr("Patient id (MRN)"), TextEdit("patient_id", self))
        self.add(tr("Bed"), TextEdit("bed", self))
        self.add(tr("Name"), TextEdit("name", self), wide=True)
        self.add(tr("Date of birth"), DateField("date_of_birth", self))
        self.add(tr("Sex"), ChoiceBox("sex", Sex, parent=self))
        self.add(tr("Weight kg"), NumberEdit("weight_kg", parent=self))
        self.add(
            tr("Diagnosis"),
            ChoiceBox("diagnosis", Diagnosis, labels={Diagnosis.DSRCT: "DSRCT"}, parent=self),
        )
        self.add(
            tr("Developmental delay (CAPD at any age)"),
            FlagBox("developmental_delay", tr("yes"), self),
            wide=True,
        )
        self.add(tr("CAR-T infusion at"), TimeField("infusion_at", zone, parent=self), wide=True)
        self.add(tr("Product"), TextEdit("product", self))
        self.add(tr("Dose cells/kg"), NumberEdit("dose_cells_per_kg", parent=self))
        self.add(tr("Baseline ICE 0–10"), NumberEdit("baseline_ice", whole=True, parent=self))
        self.add(tr("Baseline CAPD 0–32"), NumberEdit("baseline_capd", whole=True, parent=self))
        self.finish()

    def reset_heading(self) -> None:
        self.heading.setText(tr("<b>Admit a patient</b>"))


class AdmissionDialog(QDialog):
    """Admits a patient through the controller; closes once the ward recorded it.

    Signals:
        admitted(str): the patient id of the new admission.
    """

    admitted = Signal(str)
    KEY = "admission"

    def __init__(self, controller: Any, zone: tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Admit a patient"))
        self.controller = controller
        self.form = AdmissionForm(zone, self)
        self.form.set_now(controller.now())
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.form.submitted.connect(self._on_form_submitted)
        self.controller.saving.connect(self._on_controller_saving)
        self.controller.recorded.connect(self._on_controller_recorded)
        self.controller.invalid.connect(self._on_controller_invalid)
        self.controller.failed.connect(self._on_controller_failed)

    def _on_form_submitted(self) -> None:
        self.form.set_now(self.controller.now())  # "now" is when it is saved
        record, errors = self.form.record()
        if record is None:
            self.form.show_errors(errors)
            return
        at = self.form.observed_at()
        self.controller.submit(
            self.KEY,
            getattr(record, "patient_id", ""),
            _job(lambda ward, author: ward.admit(record, author=author, at=at)),
            draft_author=self.form.owner,
        )

    def _on_controller_saving(self, key: str) -> None:
        if key == self.KEY:
            self.form.set_saving()

    def _on_controller_recorded(self, key: str, patient_id: str, result: Recorded) -> None:
        if key == self.KEY:
            self.form.saved(result)
            self.admitted.emit(patient_id)
            self.accept()

    def _on_controller_invalid(self, key: str, result: Invalid) -> None:
        if key == self.KEY:
            self.form.refused(result)

    def _on_controller_failed(self, key: str, result: Failed) -> None:
        if key == self.KEY:
            self.form.failed(result)


def _job(action: Callable[[Any, Any], Any]) -> Callable[[Any], Callable[[Any], Any]]:
    """A job builder: the author is bound when the save is queued, the ward in the writer thread."""
    return lambda author: lambda ward: action(ward, author)
