"""One patient: the header with every grade and why, the charting forms with a live preview, alerts."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bedside.clinical.calendar import age_years, day_post_infusion
from bedside.clinical.icans import encephalopathy_tool
from bedside.records import Attribution, Intervention, NeuroCheck, VitalSigns
from bedside.staff import Action, Author
from bedside.ward import Failed, Invalid, PatientSummary, Recorded
from bedside.workspace import StoredRecord
from ui.alert_list import AlertList
from ui.close_episode import CloseEpisodeDialog
from ui.controller import WardController, open_episodes
from ui.forms import (
    AttributionForm,
    DischargeForm,
    DrugForm,
    FormDraft,
    NeuroForm,
    RecordForm,
    VitalsForm,
    _job,
)
from ui.session import role_text
from ui.sign_grade import SignGradeDialog, sign_off_line
from ui.text import (
    enum_text,
    grade_colours,
    grade_text,
    local_time,
    number,
    picture,
    record_kind_text,
    score_text,
    tr,
)

STOP_KEY = "stop_infusion"


def admit_refusal_text(author: Author) -> str:
    """Why Admit… and the discharge are disabled for `author` (issue 10: admins do not chart)."""
    return tr(
        "Only nurses and physicians admit and discharge patients; you are signed in as {0} ({1})."
    ).format(author.user_id, role_text(author.role))


FORM_NAMES = {
    "vitals": "vitals",
    "neuro": "neuro check",
    "drug": "drug",
    "attribution": "attribution",
    "discharge": "discharge",
}


def identity_lines(s: PatientSummary, now: datetime, zone: tzinfo | None) -> list[str]:
    """Rich-text lines: who the patient is (name, id, bed), age, weight, Day +N, tool and baseline."""
    a = s.admission
    age = age_years(a.date_of_birth, now, zone)
    day = day_post_infusion(a.infusion_at, now, zone)
    tool = encephalopathy_tool(age, a.developmental_delay)
    baseline = a.baseline_ice if tool.value == "ICE" else a.baseline_capd
    lines = [
        f"<span style='font-size:x-large'><b>{escape(a.name)}</b></span> &nbsp; {escape(a.patient_id)}"
        f" &nbsp; {escape(a.bed or '')}",
        tr("{0} · {1} y · {2} kg · {3} · Day {4:+d} after infusion ({5})").format(
            enum_text(a.sex),
            int(age),
            number(a.weight_kg),
            enum_text(a.diagnosis) if a.diagnosis.value != "dsrct" else "DSRCT",
            day,
            local_time(a.infusion_at, zone),
        ),
        tr("Tool {0} · baseline {1}{2}").format(
            tool.value,
            baseline if baseline is not None else tr("not recorded"),
            tr(" · developmental delay") if a.developmental_delay else "",
        ),
    ]
    if s.ended_at is not None:
        lines.append("<b>" + tr("Stay ended {0}").format(local_time(s.ended_at, zone)) + "</b>")
    return lines


def picture_lines(s: PatientSummary, zone: tzinfo | None) -> list[str]:
    """Rich-text lines: when graded, what is stale, CRS and ICANS (episode max) with the engine's
    reasons, and NEWS2 / Bedside PEWS with theirs. An undeterminable grade says so, never blank."""
    p: dict[str, Any] = picture(s.latest)
    if s.latest is None:
        return ["<b>" + tr("No observations charted yet: every grade is unknown.") + "</b>"]
    lines = [
        tr("Graded at {0}").format(local_time(s.latest.observed_at, zone))
        + (
            " · <i>" + tr("stale (treated as missing): {0}").format(", ".join(p["stale"])) + "</i>"
            if p.get("stale")
            else ""
        )
    ]
    reasons: dict[str, list[str]] = {}
    for d in p.get("reason_details", []):
        reasons.setdefault(str(d.get("domain")), []).append(str(d.get("text")))
    for key, label in (("crs", "CRS"), ("icans", "ICANS")):
        grade = s.latest.crs_grade if key == "crs" else s.latest.icans_grade
        bg, fg = grade_colours(grade)
        lower = bool(p.get(f"{key}_grade_is_lower_bound"))
        why = "; ".join(reasons.get(key, [])) or tr("no criterion met")
        lines.append(
            f"<span style='background:{bg.name()}; color:{fg.name()}'>&nbsp;<b>{label} "
            f"{escape(grade_text(grade, lower))}</b>&nbsp;</span> "
            + escape(tr("(episode max {0})").format(grade_text(p.get(f"{key}_episode_max"))))
            + " — "
            f"{escape(why)}"
        )
    scores = []
    if p.get("news2") is not None or p.get("news2_partial_excluding_missing") is not None:
        scores.append(
            "NEWS2 "
            + score_text(p.get("news2"), p.get("news2_partial_excluding_missing"))
            + (" — " + "; ".join(reasons.get("news2", [])) if reasons.get("news2") else "")
        )
    if (
        p.get("bedside_pews") is not None
        or p.get("bedside_pews_partial_excluding_missing") is not None
    ):
        scores.append(
            tr("PEWS")
            + " "
            + score_text(p.get("bedside_pews"), p.get("bedside_pews_partial_excluding_missing"))
            + (" — " + "; ".join(reasons.get("pews", [])) if reasons.get("pews") else "")
        )
    return lines + [escape(x) for x in scores]


def attributions_in_force(
    records: list[StoredRecord], now: datetime, max_hours: float
) -> list[StoredRecord]:
    """The physicians' attributions still in force at `now` (policy.attribution_max_hours)."""
    window = timedelta(hours=max_hours)
    return [
        r
        for r in records
        if isinstance(r.record, Attribution) and (r.record.until or r.observed_at) >= now - window
    ]


def attribution_line(attributions: list[StoredRecord], zone: tzinfo | None) -> str:
    """Rich text: each attribution in force (finding → cause, until when, by whom), or "none"."""
    if not attributions:
        return tr("Attributions in force: none")
    items = []
    for stored in attributions:
        r: Attribution = stored.record
        until = (
            tr("until {0}").format(local_time(r.until, zone))
            if r.until
            else tr("covers what was charted up to {0}").format(
                local_time(stored.observed_at, zone)
            )
        )
        items.append(
            f"{enum_text(r.finding)} → {escape(r.cause)} ({until}, {escape(stored.author)})"
        )
    return tr("Attributions in force: ") + "; ".join(items)


class PatientHeader(QLabel):
    """Identity, age, weight, diagnosis, day, tool, baseline, grades with reasons, attributions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patient_header")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def show_summary(
        self,
        s: PatientSummary,
        attributions: list[StoredRecord],
        now: datetime,
        zone: tzinfo | None,
    ) -> None:
        lines = identity_lines(s, now, zone) + picture_lines(s, zone)
        lines.append(attribution_line(attributions, zone))
        self.setText("<br>".join(lines))


class PatientView(QWidget):
    """Signals:
    acknowledge_requested(str): an alert of this patient is to be acknowledged (alert id).
    back_requested(): back to the board.
    handover_requested(str): the patient's handover page is to be printed (patient id).
    """

    acknowledge_requested = Signal(str)
    back_requested = Signal()
    handover_requested = Signal(str)

    def __init__(
        self, controller: WardController, zone: tzinfo | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.zone = zone
        self.patient_id: str | None = None
        self.summary: PatientSummary | None = None
        self.back = QPushButton(tr("← Ward board (Esc)"), self)
        self.print_handover = QPushButton(tr("Print handover…"), self)
        self.print_handover.setObjectName("print_patient_handover")
        self.sign_grade = QPushButton(tr("Sign grade…"), self)
        self.sign_grade.setObjectName("sign_grade")
        self.sign_grade.setToolTip(tr("Physicians only: sign the current CRS or ICANS grade"))
        self.close_episode = QPushButton(tr("Close episode…"), self)
        self.close_episode.setObjectName("close_episode")
        self.header = PatientHeader(self)
        self.signed = QLabel(self)
        self.signed.setObjectName("grade_sign_offs")
        self.signed.setWordWrap(True)
        self.signed.setTextFormat(Qt.TextFormat.RichText)
        self.vitals = VitalsForm(zone, self)
        self.neuro = NeuroForm(zone, self)
        self.drug = DrugForm(zone, self)
        self.attribution = AttributionForm(zone, self)
        self.discharge = DischargeForm(zone, self)
        self.forms: dict[str, RecordForm] = {
            "vitals": self.vitals,
            "neuro": self.neuro,
            "drug": self.drug,
            "attribution": self.attribution,
            "discharge": self.discharge,
        }
        self.alerts = AlertList(zone, self)
        self.running = QListWidget(self)
        self.running.setObjectName("running_infusions")
        self.stop = QPushButton(tr("Stop the selected infusion now"), self)
        self.stop.setObjectName("stop_infusion")
        self.stop_status = QLabel(self)
        self.stop_status.setWordWrap(True)
        self.records = QListWidget(self)
        self.records.setObjectName("correctable_records")
        self.correct = QPushButton(tr("Correct the selected record in its form"), self)
        self.correct.setObjectName("correct_record")
        self.views: list[Any] = []
        # Unsaved drafts set aside when another user unlocked (issue 10), by (author, patient, form):
        # never shown to anyone else, put back when their author signs in again. Memory only.
        self._held: dict[tuple[str, str, str], tuple[Author, FormDraft]] = {}
        self.held_note = QLabel(self)
        self.held_note.setObjectName("held_drafts")
        self.held_note.setWordWrap(True)
        self.held_note.hide()
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("patient_tabs")
        self.tabs.addTab(_scrolled(self.vitals), tr("Vitals (F2)"))
        self.tabs.addTab(_scrolled(self.neuro), tr("Neuro check (F3)"))
        drugs = QWidget(self)
        dl = QVBoxLayout(drugs)
        dl.addWidget(self.drug, 3)
        dl.addWidget(QLabel("<b>" + tr("Running infusions") + "</b>", self))
        dl.addWidget(self.running, 1)
        row = QHBoxLayout()
        row.addWidget(self.stop_status, 1)
        row.addWidget(self.stop)
        dl.addLayout(row)
        self.tabs.addTab(_scrolled(drugs), tr("Drugs (F4)"))
        self.tabs.addTab(_scrolled(self.attribution), tr("Attribution"))
        corrections = QWidget(self)
        cl = QVBoxLayout(corrections)
        cl.addWidget(
            QLabel(
                tr(
                    "Records of this patient, newest first. A correction is a new record "
                    "that supersedes the old one, with a reason; both stay in the history."
                ),
                self,
            )
        )
        cl.addWidget(self.records, 1)
        cl.addWidget(self.correct, 0, Qt.AlignmentFlag.AlignRight)
        self.tabs.addTab(corrections, tr("Correction"))
        self.tabs.addTab(self.alerts, tr("Alerts"))
        self._discharge_tab = self.tabs.addTab(
            _scrolled(self.discharge), tr("Discharge / transfer")
        )
        top = QHBoxLayout()
        about = QVBoxLayout()
        about.addWidget(self.header, 1)
        about.addWidget(self.signed)
        top.addLayout(about, 1)
        buttons = QVBoxLayout()
        buttons.addWidget(self.back)
        buttons.addWidget(self.print_handover)
        buttons.addWidget(self.sign_grade)
        buttons.addWidget(self.close_episode)
        buttons.addStretch(1)
        top.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.held_note)
        layout.addWidget(self.tabs, 1)
        self._connect_signals()

    def _connect_signals(self) -> None:
        # the forms: save and live preview
        for key, form in self.forms.items():
            form.submitted.connect(lambda k=key: self._on_form_submitted(k))
            form.changed.connect(lambda k=key: self._on_form_changed(k))
        # infusions, corrections, alerts, navigation
        self.stop.clicked.connect(self._on_stop_clicked)
        self.correct.clicked.connect(self._on_correct_clicked)
        self.records.itemActivated.connect(self._on_correct_clicked)
        self.alerts.acknowledge_requested.connect(self.acknowledge_requested)
        self.back.clicked.connect(self.back_requested)
        self.print_handover.clicked.connect(self._on_print_handover_clicked)
        self.sign_grade.clicked.connect(self.open_sign_grade)
        self.close_episode.clicked.connect(self.open_close_episode)
        self.controller.author_changed.connect(self._on_controller_author_changed)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        # what the ward said about a save
        self.controller.saving.connect(self._on_controller_saving)
        self.controller.recorded.connect(self._on_controller_recorded)
        self.controller.invalid.connect(self._on_controller_invalid)
        self.controller.failed.connect(self._on_controller_failed)

    def add_view(self, view: Any, title: str) -> None:
        """A further view of the patient (trends, history): shown and refreshed with the patient."""
        self.views.append(view)
        self.tabs.addTab(view, title)

    # --- showing -------------------------------------------------------------------------------------

    def show_patient(self, patient_id: str) -> None:
        if patient_id != self.patient_id:
            for form in self.forms.values():
                form.clear()
        self.patient_id = patient_id
        if self.controller.author is not None:
            self._put_back(self.controller.author)
        self._show_held()
        for view in self.views:
            view.show_patient(patient_id)
        self.refresh()

    def refresh(self) -> None:
        if self.patient_id is None:
            return
        summary = self.controller.summary(self.patient_id)
        if summary is None:
            return
        self.summary = summary
        now = self.controller.now()
        a = summary.admission
        self.neuro.set_tool(
            encephalopathy_tool(age_years(a.date_of_birth, now, self.zone), a.developmental_delay)
        )
        for form in self.forms.values():
            form.set_now(now)
        records = self.controller.ward.records(self.patient_id)
        attributions = attributions_in_force(
            records, now, self.controller.ward.policy.attribution_max_hours
        )
        self.header.show_summary(summary, attributions, now, self.zone)
        self.alerts.model.set_alerts(list(summary.alerts))
        self._fill_running(now)
        self._fill_records(records)
        for view in self.views:
            if view.patient_id == self.patient_id and view.isVisible():
                view.refresh()  # a hidden view is refreshed when it is shown again
        ended = summary.ended_at is not None
        for form in self.forms.values():
            form.save.setEnabled(not ended)
        self._update_discharge()
        latest = summary.latest.record_id if summary.latest is not None else None
        sign_offs = self.controller.ward.records(self.patient_id, ["grade_sign_off"])
        self.signed.setText(sign_off_line(sign_offs, latest, self.zone))
        self._update_sign_grade()
        self._update_close_episode()

    def _update_sign_grade(self) -> None:
        """Sign grade… is for a signed-in physician, on a stay not ended, with a grade to sign."""
        author = self.controller.author
        s = self.summary
        self.sign_grade.setEnabled(
            author is not None
            and author.may(Action.SIGN_GRADE)
            and s is not None
            and s.patient_id == self.patient_id
            and s.ended_at is None
            and s.latest is not None
        )

    def open_sign_grade(self) -> SignGradeDialog | None:
        """Opens Sign grade… for the patient shown (window-modal, never blocking the ward)."""
        self._update_sign_grade()
        if self.patient_id is None or not self.sign_grade.isEnabled():
            return None
        dialog = SignGradeDialog(self.controller, self.patient_id, self.zone, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _update_discharge(self) -> None:
        """The discharge is for a nurse or physician (issue 10): disabled for an admin or a review
        station, the form and its tab saying why."""
        author = self.controller.author
        refused = author is not None and not author.may(Action.ADMIT)
        why = admit_refusal_text(author) if refused and author is not None else ""
        self.discharge.setEnabled(not refused)
        self.discharge.setToolTip(why)
        self.tabs.setTabToolTip(self._discharge_tab, why)

    def _update_close_episode(self) -> None:
        """Close episode… is for a signed-in physician (D20), on a stay not ended, with an episode
        open; disabled otherwise, its tooltip saying why."""
        author = self.controller.author
        s = self.summary
        shown = s is not None and s.patient_id == self.patient_id
        open_now = open_episodes(s.latest) if shown and s is not None else []
        if author is None or not author.may(Action.CLOSE_EPISODE):
            why = tr("Physicians only: close the patient's open CRS or ICANS episode")
        elif not shown or s is None or s.ended_at is not None:
            why = tr("The stay has ended: no episode can be closed.")
        elif not open_now:
            why = tr("No CRS or ICANS episode is open for this patient: there is nothing to close.")
        else:
            why = ""
        self.close_episode.setEnabled(not why)
        self.close_episode.setToolTip(
            why
            or tr("Physicians: close an open episode ({0})").format(
                ", ".join(syndrome.value.upper() for syndrome in open_now)
            )
        )

    def open_close_episode(self) -> CloseEpisodeDialog | None:
        """Opens Close episode… for the patient shown (window-modal, never blocking the ward)."""
        self._update_close_episode()
        if self.patient_id is None or not self.close_episode.isEnabled():
            return None
        dialog = CloseEpisodeDialog(self.controller, self.patient_id, self.zone, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _on_controller_author_changed(self, author: Author | None) -> None:
        self._update_sign_grade()
        self._update_close_episode()
        self._update_discharge()

    def _fill_running(self, now: datetime) -> None:
        self.running.clear()
        assert self.patient_id is not None
        for stored in self.controller.ward.running_infusions(self.patient_id, now):
            r: Intervention = stored.record
            item = QListWidgetItem(
                tr("{0} {1} {2} since {3}").format(
                    enum_text(r.drug),
                    number(r.dose, 3),
                    r.dose_unit.value,
                    local_time(r.started_at, self.zone),
                )
            )
            item.setData(Qt.ItemDataRole.UserRole, stored.id)
            self.running.addItem(item)
        if self.running.count():
            self.running.setCurrentRow(0)

    def _fill_records(self, records: list[StoredRecord]) -> None:
        self.records.clear()
        for stored in reversed(records):
            if not isinstance(stored.record, VitalSigns | NeuroCheck | Intervention | Attribution):
                continue
            item = QListWidgetItem(
                f"{local_time(stored.observed_at, self.zone)} · {record_kind_text(stored.kind)} · "
                f"{_record_line(stored.record)} · {stored.author}"
            )
            item.setData(Qt.ItemDataRole.UserRole, stored)
            self.records.addItem(item)

    def focus_form(self, key: str) -> None:
        form = self.forms[key]
        for i in range(self.tabs.count()):
            w = self.tabs.widget(i)
            if w.isAncestorOf(form) or w is form:
                self.tabs.setCurrentIndex(i)
        first = form.first_input()
        if first is not None:
            first.setFocus()

    # --- drafts across a lock (issue 10) --------------------------------------------------------------

    def mark_drafts(self, author: Author | None) -> None:
        """The screen locks: every unsaved draft stays attributed to whoever was signed in."""
        for form in self.forms.values():
            if form.owner is None and form.has_draft():
                form.owner = author

    def hand_over(self, previous: Author | None, author: Author) -> None:
        """`author` unlocked after `previous`: drafts by anyone else are set aside for their author
        (never shown to or saved by `author`); drafts `author` left earlier are put back."""
        if previous is not None and previous.user_id == author.user_id:
            return
        for key, form in self.forms.items():
            owner = form.owner
            if owner is None or owner.user_id == author.user_id or not form.has_draft():
                continue
            if self.patient_id is not None:
                self._held[(owner.user_id, self.patient_id, key)] = (owner, form.draft())
            form.clear()
        self._put_back(author)
        self._show_held()

    def held_drafts(self, patient_id: str) -> list[tuple[str, str]]:
        """(author's user id, form key) of the drafts set aside for this patient."""
        return sorted((user, key) for user, pid, key in self._held if pid == patient_id)

    def _put_back(self, author: Author) -> None:
        if self.patient_id is None:
            return
        for key, form in self.forms.items():
            held = self._held.pop((author.user_id, self.patient_id, key), None)
            if held is not None and not form.has_draft():
                form.restore(held[1], held[0])
            elif held is not None:  # the form holds another draft: keep this one aside
                self._held[(author.user_id, self.patient_id, key)] = held

    def _show_held(self) -> None:
        held = self.held_drafts(self.patient_id) if self.patient_id else []
        self.held_note.setVisible(bool(held))
        self.held_note.setText(
            tr(
                "Unsaved drafts kept for their authors, put back when they sign in (nobody else "
                "can see or save them): {0}"
            ).format(
                "; ".join(tr("{0} by {1}").format(tr(FORM_NAMES[key]), user) for user, key in held)
            )
            if held
            else ""
        )

    # --- saving --------------------------------------------------------------------------------------

    def _draft(self, key: str) -> tuple[Any, list[Any]]:
        return self.forms[key].record()

    def _on_form_submitted(self, key: str) -> None:
        form = self.forms[key]
        form.set_now(self.controller.now())  # a time left at "now" is the time of the save
        record, errors = form.record()
        if record is None or self.patient_id is None:
            form.show_errors(errors)
            return
        patient, at = self.patient_id, form.observed_at()
        if form.correcting:
            reason = form.reason.text().strip()
            target = form.correcting
            build = _job(
                lambda ward, author: ward.correct(
                    target, record, reason=reason, author=author, observed_at=at
                )
            )
        elif key == "vitals":
            build = _job(
                lambda ward, author: ward.chart_vitals(
                    patient, record, observed_at=at, author=author
                )
            )
        elif key == "neuro":
            build = _job(
                lambda ward, author: ward.chart_neuro(
                    patient, record, observed_at=at, author=author
                )
            )
        elif key == "drug":
            build = _job(
                lambda ward, author: ward.record_intervention(patient, record, author=author)
            )
        elif key == "attribution":
            build = _job(
                lambda ward, author: ward.attribute(patient, record, observed_at=at, author=author)
            )
        else:
            build = _job(
                lambda ward, author: ward.discharge(patient, record, observed_at=at, author=author)
            )
        self.controller.submit(key, patient, build, draft_author=form.owner)

    def _on_form_changed(self, key: str) -> None:
        form = self.forms[key]
        if self.patient_id is None or key == "discharge":
            return
        form.set_now(self.controller.now())
        record, errors = form.record()
        if record is None:
            form.show_preview(Invalid(tuple(errors)))
            return
        form.show_preview(
            self.controller.preview(self.patient_id, record, form.observed_at(), form.correcting)
        )

    def _on_print_handover_clicked(self) -> None:
        if self.patient_id is not None:
            self.handover_requested.emit(self.patient_id)

    def _on_tabs_current_changed(self, index: int) -> None:
        shown = self.tabs.widget(index)
        if shown in self.views and self.patient_id is not None:
            shown.refresh()

    def _on_stop_clicked(self) -> None:
        item = self.running.currentItem()
        if item is None or self.patient_id is None:
            self.stop_status.setText(tr("No infusion is selected."))
            return
        record_id = item.data(Qt.ItemDataRole.UserRole)
        at = self.controller.now()
        self.controller.submit(
            STOP_KEY,
            self.patient_id,
            _job(lambda ward, author: ward.stop_infusion(record_id, at, author=author)),
        )

    def _on_correct_clicked(self, *_: object) -> None:
        item = self.records.currentItem()
        if item is None:
            return
        stored: StoredRecord = item.data(Qt.ItemDataRole.UserRole)
        key = {
            VitalSigns: "vitals",
            NeuroCheck: "neuro",
            Intervention: "drug",
            Attribution: "attribution",
        }[type(stored.record)]
        self.forms[key].load(stored.record, stored.observed_at, stored.id)
        self.focus_form(key)

    def _on_controller_saving(self, key: str) -> None:
        if key in self.forms:
            self.forms[key].set_saving()
        elif key == STOP_KEY:
            self.stop_status.setText(tr("saving…"))

    def _on_controller_recorded(self, key: str, patient_id: str, result: Recorded) -> None:
        if key in self.forms:
            self.forms[key].saved(result)
        elif key == STOP_KEY:
            self.stop_status.setText(tr("Infusion stopped."))

    def _on_controller_invalid(self, key: str, result: Invalid) -> None:
        if key in self.forms:
            self.forms[key].refused(result)
        elif key == STOP_KEY:
            self.stop_status.setText("; ".join(e.message for e in result.errors))

    def _on_controller_failed(self, key: str, result: Failed) -> None:
        if key in self.forms:
            self.forms[key].failed(result)
        elif key == STOP_KEY:
            self.stop_status.setText(result.message)


def _record_line(record: Any) -> str:
    if isinstance(record, VitalSigns):
        parts = []
        if record.temperature is not None:
            parts.append(
                f"T {number(record.temperature)} °{record.temperature_unit.value if record.temperature_unit else ''}"
            )
        for name, label in (("hr", "HR"), ("sbp", "SBP"), ("rr", "RR"), ("spo2", "SpO₂")):
            value = getattr(record, name)
            if value is not None:
                parts.append(f"{label} {number(value, 0)}")
        return ", ".join(parts) or tr("partial set")
    if isinstance(record, NeuroCheck):
        score = record.ice_score if record.tool.value == "ICE" else record.capd_score
        shown = str(score) if score is not None else tr("not done")
        return f"{record.tool.value} {shown}"
    if isinstance(record, Intervention):
        return f"{enum_text(record.drug)} {number(record.dose, 3)} {record.dose_unit.value}"
    if isinstance(record, Attribution):
        return f"{enum_text(record.finding)} → {record.cause}"
    return ""


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area
