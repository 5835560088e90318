"""The ward service the UI calls: every action validates, stores, grades and raises alerts in ONE transaction.

Each method returns a typed result (`Recorded`, `Invalid`, `Failed`); nothing is half-written. The service is
synchronous and holds no Qt; the UI's controllers turn its results into signals (DESIGN section 4).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bedside import alerts as alerting
from bedside.alert_vocabulary import AlertEventType, AlertKind, AlertStatus, Priority
from bedside.alerts import Alert, AlertEventDraft
from bedside.clinical.assessment import Assessment
from bedside.clinical.engine import assess
from bedside.clinical.policy import DEFAULT_POLICY, SitePolicy
from bedside.clock import Clock
from bedside.ids import new_uuid7
from bedside.records import (
    Admission,
    AlertEvent,
    AssessmentRecord,
    Attribution,
    Draft,
    EpisodeClosure,
    FieldError,
    GradeSignOff,
    Intervention,
    NeuroCheck,
    Note,
    Record,
    RecordInvalid,
    VitalSigns,
    validate,
)
from bedside.schedule import Acuity, CheckKind, DueCheck, due_checks
from bedside.staff import Action, Author
from bedside.store.connection import (
    StorageError,
    checkpoint,
    defer_checkpoints,
    transaction,
)
from bedside.store.history import SqlHistory, StoredAssessment
from bedside.store.log import Log, StoredRecord
from bedside.timepoint import assemble_state
from bedside.validators import admission_errors, log_errors

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recorded:
    """The write is durable. `assessment` is the graded picture at the record's time point (None for
    records that do not change the picture); `current` the re-graded latest time point after a late entry."""

    record: StoredRecord
    assessment: Assessment | None = None
    current: Assessment | None = None
    alert_events: tuple[AlertEventDraft, ...] = ()


@dataclass(frozen=True, slots=True)
class Invalid:
    """Nothing was written: each error names the field and the allowed range."""

    errors: tuple[FieldError, ...]


@dataclass(frozen=True, slots=True)
class Failed:
    """Nothing was written: the environment refused (disk full, read-only, locked...)."""

    message: str


Result = Recorded | Invalid | Failed


@dataclass(frozen=True, slots=True)
class PatientSummary:
    """One row of the ward board."""

    patient_id: str
    admission: Admission
    latest: StoredAssessment | None
    alerts: tuple[Alert, ...]
    due: tuple[DueCheck, ...] = field(default=())


# Time-driven alert events (overdue checks, escalations) are written under this id, never a person's.
SYSTEM_AUTHOR = "system"

# Records Bedside computes; a person never corrects them.
_DERIVED = (AssessmentRecord, AlertEvent)
# Who may correct what: the permission of the original action.
_CORRECTION_ACTION = {
    Attribution: Action.ATTRIBUTE,
    EpisodeClosure: Action.CLOSE_EPISODE,
    GradeSignOff: Action.SIGN_GRADE,
    Admission: Action.ADMIT,
}

# Records whose charting changes the graded picture (D17): each gets an assessment at its time point.
_GRADED = (VitalSigns, NeuroCheck, Intervention, Attribution, EpisodeClosure)


class Ward:
    """The application service over one ward machine's database."""

    def __init__(self, db: Database, *, clock: Clock, policy: SitePolicy = DEFAULT_POLICY) -> None:
        self._db = db
        self._clock = clock
        self._policy = policy
        self._log = Log(db, clock)
        self._history = SqlHistory(db, self._log)
        defer_checkpoints(db)  # a save never pays for a checkpoint; tick() checkpoints instead

    @property
    def policy(self) -> SitePolicy:
        return self._policy

    # --- charting ------------------------------------------------------------------------------------

    def admit(self, admission: Admission, *, author: Author, at: datetime | None = None) -> Result:
        if not author.may(Action.ADMIT):
            return _refused(author, "admit a patient")
        observed = at or self._clock.now()
        draft = Draft(admission, admission.patient_id, observed)
        errors = validate(draft, self._clock)
        if not errors and self._history.admission(admission.patient_id) is not None:
            errors = [
                FieldError(
                    "patient_id",
                    f"patient_id: {admission.patient_id} is already admitted",
                    "a patient id not yet on this ward (correct the admission instead)",
                )
            ]
        if errors:
            return Invalid(tuple(errors))
        return self._write(draft, author)

    def chart_vitals(
        self, patient_id: str, vitals: VitalSigns, *, observed_at: datetime, author: Author
    ) -> Result:
        return self._chart(Draft(vitals, patient_id, observed_at), author, Action.CHART)

    def chart_neuro(
        self, patient_id: str, check: NeuroCheck, *, observed_at: datetime, author: Author
    ) -> Result:
        return self._chart(Draft(check, patient_id, observed_at), author, Action.CHART)

    def record_intervention(
        self, patient_id: str, intervention: Intervention, *, author: Author
    ) -> Result:
        draft = Draft(intervention, patient_id, intervention.started_at)
        return self._chart(draft, author, Action.CHART)

    def stop_infusion(self, record_id: str, stopped_at: datetime, *, author: Author) -> Result:
        """A stop is a correction of the running infusion's record that adds its stop time."""
        old = self._log.get(record_id)
        if old is None or not isinstance(old.record, Intervention):
            return Invalid(
                (
                    FieldError(
                        "record_id",
                        f"record_id: {record_id} is not an infusion",
                        "the id of a charted infusion",
                    ),
                )
            )
        stopped = replace(old.record, stopped_at=stopped_at)
        return self.correct(record_id, stopped, reason="infusion stopped", author=author)

    def attribute(
        self, patient_id: str, attribution: Attribution, *, observed_at: datetime, author: Author
    ) -> Result:
        return self._chart(Draft(attribution, patient_id, observed_at), author, Action.ATTRIBUTE)

    def note(self, patient_id: str, note: Note, *, observed_at: datetime, author: Author) -> Result:
        return self._chart(Draft(note, patient_id, observed_at), author, Action.CHART)

    def close_episode(self, patient_id: str, closure: EpisodeClosure, *, author: Author) -> Result:
        draft = Draft(closure, patient_id, self._clock.now())
        return self._chart(draft, author, Action.CLOSE_EPISODE)

    def sign_grade(self, patient_id: str, sign_off: GradeSignOff, *, author: Author) -> Result:
        draft = Draft(sign_off, patient_id, self._clock.now())
        return self._chart(draft, author, Action.SIGN_GRADE)

    def correct(
        self,
        record_id: str,
        replacement: Record,
        *,
        reason: str,
        author: Author,
        observed_at: datetime | None = None,
    ) -> Result:
        """A correction is a new record that supersedes the old one, with a reason; both stay in history."""
        old = self._log.get(record_id)
        if old is None:
            return Invalid(
                (
                    FieldError(
                        "supersedes",
                        f"supersedes: no record {record_id}",
                        "the id of a charted record",
                    ),
                )
            )
        if isinstance(old.record, _DERIVED):
            message = f"record: a {old.kind} is computed by Bedside and is never corrected by hand"
            return Invalid((FieldError("record", message, "a charted record"),))
        if type(old.record) is not type(replacement):
            message = f"record: a {old.kind} can only be corrected by a {old.kind}"
            return Invalid((FieldError("record", message, f"a {old.kind} record"),))
        action = _CORRECTION_ACTION.get(type(replacement), Action.CHART)
        if (
            isinstance(old.record, Admission)
            and isinstance(replacement, Admission)
            and old.record.developmental_delay != replacement.developmental_delay
        ):
            action = Action.ATTRIBUTE  # D2: developmental delay is changed by a physician
        if isinstance(replacement, Intervention):
            observed_at = replacement.started_at  # an infusion is observed when it starts
        draft = Draft(
            replacement, old.patient_id, observed_at or old.observed_at, record_id, reason
        )
        return self._chart(draft, author, action)

    def acknowledge(self, alert_id: str, *, author: Author) -> Result:
        """Records who acknowledged and when (R20: acknowledgements are audited)."""
        if not author.may(Action.ACKNOWLEDGE):
            return _refused(author, "acknowledge alerts")
        alert = self._history.alert(alert_id)
        if alert is None:
            return Invalid(
                (FieldError("alert_id", f"alert_id: no alert {alert_id}", "the id of an alert"),)
            )
        if alert.status is not AlertStatus.ACTIVE:
            return Invalid(
                (
                    FieldError(
                        "alert_id",
                        f"alert_id: {alert_id} is already {alert.status.value}",
                        "an active alert",
                    ),
                )
            )
        event = AlertEvent(
            alert_id=alert_id,
            event=AlertEventType.ACKNOWLEDGED,
            kind=alert.kind.value,
            priority=alert.priority.name.lower(),
            level=alert.level,
            detail=f"acknowledged by {author.user_id}",
        )
        return self._write(Draft(event, alert.patient_id, self._clock.now()), author)

    def tick(self) -> dict[str, list[AlertEventDraft]]:
        """Time-driven alerts for every patient: overdue checks and unacknowledged escalations.

        Called by the UI's timer (once a minute) and by `bedside` service runs; idempotent. The ward
        is read without the write lock; only a patient with something to write is re-checked under it.
        It also checkpoints the WAL, which charting never does (see `defer_checkpoints`)."""
        now = self._clock.now()
        written: dict[str, list[AlertEventDraft]] = {}
        try:
            for patient_id in self._history.patient_ids():
                if not self._tick_drafts(patient_id, now):
                    continue
                with transaction(self._db):
                    drafts = self._tick_drafts(patient_id, now)  # again, under the lock
                    self._write_alert_events(patient_id, drafts, SYSTEM_AUTHOR)
                if drafts:
                    written[patient_id] = drafts
            checkpoint(self._db)  # keeps the WAL small (R5) outside any charting action
        except (sqlite3.Error, StorageError) as err:
            log.error("alert tick failed: %s", err)
        return written

    # --- reading ---------------------------------------------------------------------------------------

    def board(self) -> list[PatientSummary]:
        now = self._clock.now()
        rows = []
        for patient_id in self._history.patient_ids():
            admission = self._history.admission(patient_id)
            assert admission is not None
            rows.append(
                PatientSummary(
                    patient_id,
                    admission,
                    self._history.latest_assessment(patient_id),
                    tuple(self.open_alerts(patient_id)),
                    tuple(self.due(patient_id, now)),
                )
            )
        return rows

    def open_alerts(self, patient_id: str | None = None) -> list[Alert]:
        folded = alerting.fold(self._history.alert_events(patient_id))
        return [a for a in folded.values() if a.status is not AlertStatus.RESOLVED]

    def due(self, patient_id: str, now: datetime | None = None) -> list[DueCheck]:
        now = now or self._clock.now()
        admission = self._history.admission(patient_id)
        if admission is None:
            return []
        latest = self._history.latest_assessment(patient_id)
        return due_checks(
            now=now,
            infusion_at=admission.infusion_at,
            admitted_at=self._history.admitted_at(patient_id) or now,
            last_vitals_at=self._history.last_observed(patient_id, "vitals", now),
            last_neuro_at=self._history.last_observed(patient_id, "neuro_check", now),
            baseline_neuro_done=admission.baseline_ice is not None
            or admission.baseline_capd is not None,
            acuity=latest.acuity() if latest else Acuity(),
            policy=self._policy,
        )

    def assessment_at(self, patient_id: str, at: datetime) -> Assessment | None:
        """Grade any time point from the log as it stands now (for review; nothing is written)."""
        admission = self._history.admission(patient_id)
        if admission is None:
            return None
        state = assemble_state(self._history, admission, patient_id, at, self._policy)
        return assess(state, self._policy)

    @property
    def history(self) -> SqlHistory:
        return self._history

    # --- the one write path ------------------------------------------------------------------------------

    def _chart(self, draft: Draft, author: Author, action: Action) -> Result:
        if not author.may(action):
            return _refused(author, action.value.replace("_", " "))
        errors = validate(draft, self._clock)
        well_formed = not any(e.field == "patient_id" for e in errors)
        admission = self._history.admission(draft.patient_id) if well_formed else None
        if admission is None and well_formed:
            errors.append(
                FieldError(
                    "patient_id",
                    f"patient_id: {draft.patient_id!r} is not admitted on this ward",
                    "the id of an admitted patient",
                )
            )
        if admission is None or errors:
            return Invalid(tuple(errors))  # the checks below read fields that must be valid first
        errors += admission_errors(draft, admission, self._policy)
        errors += log_errors(draft, self._history)
        if errors:
            return Invalid(tuple(errors))
        return self._write(draft, author)

    def _write(self, draft: Draft, author: Author) -> Result:
        try:
            with transaction(self._db):
                stored = self._log.append(
                    draft.record,
                    patient_id=draft.patient_id,
                    observed_at=draft.observed_at,
                    author=author.user_id,
                    supersedes=draft.supersedes,
                    reason=draft.reason,
                )
                if isinstance(draft.record, Admission):
                    return self._regrade_after_admission_change(stored, author)
                if not isinstance(draft.record, _GRADED):
                    return Recorded(stored)
                return self._grade_and_alert(stored, author)
        except RecordInvalid as err:
            # Refused under the write lock (e.g. the record was corrected meanwhile by someone else).
            return Invalid(tuple(err.errors))
        except (sqlite3.Error, StorageError) as err:
            # The environment's error (disk full, read-only, locked): tell the user, nothing was written.
            log.error("write failed: %s", err)
            return Failed(f"The record was not saved: {err}")

    def _grade_and_alert(self, stored: StoredRecord, author: Author) -> Recorded:
        """Grade the record's time point (and the latest one after a late entry), store the assessments,
        and bring the alerts in line; all inside the caller's transaction."""
        patient_id = stored.patient_id
        admission = self._history.admission(patient_id)
        assert admission is not None
        at = stored.observed_at
        previous = self._history.latest_assessment(patient_id)
        # A correction or an attribution changes earlier time points too: re-grade the stored ones it
        # reaches, so that no assessment keeps counting a superseded or attributed value (D18).
        for when in self._history.assessment_times(patient_id, *self._influence(stored)):
            if when != at:
                self._store_assessment(admission, patient_id, when, stored, author)
        graded = self._store_assessment(admission, patient_id, at, stored, author)
        current = None
        latest_at = self._history.last_observed(patient_id, None, None)
        if latest_at is not None and latest_at > at:
            # D18: a late entry re-grades its own time point and the current one.
            current = self._store_assessment(admission, patient_id, latest_at, stored, author)
        shown = current or graded

        present = alerting.conditions_from(shown.assessment, self._policy)
        if current is not None:
            # A late entry may show a grade the ward never saw at the time: it alerts too.
            late = alerting.conditions_from(graded.assessment, self._policy)
            for kind in (AlertKind.CRS, AlertKind.ICANS):
                if kind in late and (kind not in present or late[kind].level > present[kind].level):
                    present[kind] = late[kind]
        if previous is not None and previous.observed_at <= shown.at:
            present |= alerting.downgrade_conditions(
                previous.crs_grade,
                previous.icans_grade,
                shown.assessment,
                crs_open=shown.acuity.crs_open,
                icans_open=shown.acuity.icans_open,
            )
        # A grade that became unknown neither raises nor resolves its alert: missing is not normal.
        scope = alerting.ASSESSMENT_KINDS - alerting.unknown_kinds(shown.assessment)
        open_alerts = alerting.unresolved_by_kind(self.open_alerts(patient_id))
        drafts = alerting.reconcile(open_alerts, present, scope)
        self._write_alert_events(patient_id, drafts, author.user_id)
        shown_now = current.assessment if current is not None else None
        return Recorded(stored, graded.assessment, shown_now, tuple(drafts))

    def _regrade_after_admission_change(self, stored: StoredRecord, author: Author) -> Recorded:
        """A corrected admission (birth date, infusion time, developmental delay) changes the rules
        that apply: the current time point is graded again. A new admission has nothing to grade."""
        latest_at = self._history.last_observed(stored.patient_id, None, None)
        admission = stored.record
        if stored.supersedes is None or latest_at is None or not isinstance(admission, Admission):
            return Recorded(stored)
        graded = self._store_assessment(admission, stored.patient_id, latest_at, stored, author)
        return Recorded(stored, graded.assessment)

    def _influence(self, stored: StoredRecord) -> tuple[datetime, datetime]:
        """The span of time points a correction or an attribution can change (D17 windows)."""
        if stored.supersedes is None and not isinstance(stored.record, Attribution):
            return stored.observed_at, stored.observed_at  # an ordinary new record: its own point
        window = timedelta(
            hours=max(self._policy.vitals_fresh_hours, self._policy.neuro_fresh_hours)
        )
        times = [stored.observed_at]
        old = self._log.get(stored.supersedes) if stored.supersedes else None
        if old is not None:
            times.append(old.observed_at)
        ends = [t + window for t in times]
        for record in (stored.record, old.record if old else None):
            if isinstance(record, Intervention):
                ends.append(record.stopped_at or self._clock.now())
        return min(times) - window, max(ends)

    def _store_assessment(
        self,
        admission: Admission,
        patient_id: str,
        at: datetime,
        source: StoredRecord,
        author: Author,
    ) -> _Graded:
        state = assemble_state(self._history, admission, patient_id, at, self._policy)
        assessment = assess(state, self._policy)
        acuity = Acuity(
            crs_grade=assessment.crs.grade,
            icans_grade=assessment.icans.grade,
            crs_open=state.crs_episode_open or bool(assessment.crs.grade),
            icans_open=state.icans_episode_open or bool(assessment.icans.grade),
            news2=assessment.news2.score,
            news2_red=bool(assessment.news2.any_single_parameter_3),
            pews=assessment.pews.score,
        )
        # The reasons are stored once, structured; `Reason.render` words them for display.
        contract = assessment.as_contract()
        del contract["reasons"]
        payload: dict[str, Any] = contract | {
            "source_record": source.id,
            "crs_episode_open": acuity.crs_open,
            "icans_episode_open": acuity.icans_open,
            "reason_details": [r.as_dict() for r in assessment.reasons],
            "stale": sorted(state.stale),
        }
        previous_here = self._history.assessment_for_time(patient_id, at)
        self._log.append(
            AssessmentRecord(payload=payload),
            patient_id=patient_id,
            observed_at=at,
            author=author.user_id,
            supersedes=previous_here,
            reason="re-graded" if previous_here else None,
        )
        return _Graded(at, assessment, acuity)

    def _write_alert_events(
        self, patient_id: str, drafts: Sequence[AlertEventDraft], author_id: str
    ) -> None:
        now = self._clock.now()
        for d in drafts:
            event = AlertEvent(
                alert_id=d.alert_id or new_uuid7(self._clock),
                event=d.event,
                kind=d.kind.value,
                priority=d.priority.name.lower(),
                level=d.level,
                detail=d.detail,
            )
            self._log.append(event, patient_id=patient_id, observed_at=now, author=author_id)

    def _tick_drafts(self, patient_id: str, now: datetime) -> list[AlertEventDraft]:
        present: dict[AlertKind, alerting.Condition] = {}
        for check in self.due(patient_id, now):
            if not check.overdue:
                continue
            kind = (
                AlertKind.NEURO_OVERDUE
                if check.kind is CheckKind.NEURO
                else AlertKind.VITALS_OVERDUE
            )
            priority = Priority.MEDIUM if kind is AlertKind.NEURO_OVERDUE else Priority.LOW
            present[kind] = alerting.Condition(
                kind, 1, priority, f"{check.kind.value} check overdue ({check.why})"
            )
        unresolved = self.open_alerts(patient_id)
        drafts = alerting.reconcile(
            alerting.unresolved_by_kind(unresolved), present, alerting.SCHEDULE_KINDS
        )
        drafts += alerting.time_escalations(unresolved, now, self._policy)
        return drafts


@dataclass(frozen=True, slots=True)
class _Graded:
    at: datetime
    assessment: Assessment
    acuity: Acuity


def _refused(author: Author, what: str) -> Invalid:
    return Invalid(
        (
            FieldError(
                "author",
                f"author: {author.user_id} ({author.role.value}) may not {what}",
                "a user whose role allows it",
            ),
        )
    )
