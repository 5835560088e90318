"""The ward service the UI calls: every action validates, stores, grades and raises alerts in ONE transaction.

Each method returns a typed result (`Recorded`, `Invalid`, `Failed`); nothing is half-written. The service is
synchronous and holds no Qt; the UI's controllers turn its results into signals (DESIGN section 4).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, tzinfo

from sqlite_utils import Database

from bedside import alerts as alerting
from bedside.access import AccessRefused, Refusal, User, Users
from bedside.alert_vocabulary import AlertEventType, AlertKind, AlertStatus, alert_identity
from bedside.alerts import Alert, AlertEventDraft
from bedside.clinical.assessment import Assessment
from bedside.clinical.calendar import age_years
from bedside.clinical.engine import assess
from bedside.clinical.icans import encephalopathy_tool
from bedside.clinical.norms import ICE_MIN_AGE_YEARS
from bedside.clinical.policy import (
    DEFAULT_POLICY,
    RULE_VERSION,
    SitePolicy,
    setting_allowed,
    setting_names,
)
from bedside.clock import Clock
from bedside.policy_log import InForce, policy_stamp, read_policy
from bedside.preview import DRAFT_ID, DraftOverlay, DraftRecord
from bedside.records import (
    DERIVED_RECORDS,
    FUTURE_TOLERANCE,
    WARD_ID,
    Admission,
    AlertEvent,
    Attribution,
    Discharge,
    Draft,
    EpisodeClosure,
    Export,
    FieldError,
    GradeSignOff,
    Intervention,
    NeuroCheck,
    Note,
    PolicySet,
    Record,
    RecordInvalid,
    ValidDraft,
    VitalSigns,
    validated,
)
from bedside.regrade import Newest, Regrader, acuity_of
from bedside.schedule import VITALS_PARAMETERS, Acuity, DueCheck, due_checks
from bedside.staff import SYSTEM_USER_ID, Action, Author, Role
from bedside.store.connection import (
    StorageError,
    StorageProblem,
    checkpoint,
    classify,
    defer_checkpoints,
    transaction,
)
from bedside.store.history import SqlHistory, StoredAssessment
from bedside.store.log import Log, StoredRecord
from bedside.store.receive import pending_rederivation, rederived
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
    """Nothing was written: the environment refused (locked, read-only, disk full, damaged) or Bedside
    met a bug (`StorageProblem.BUG`, logged with its traceback). `message` is the sentence for the user."""

    reason: StorageProblem
    message: str


@dataclass(frozen=True, slots=True)
class TickResult:
    """What one `tick` did: the alert events written per patient, and the patients it could not check."""

    written: dict[str, list[AlertEventDraft]] = field(default_factory=dict)
    failed: dict[str, Failed] = field(default_factory=dict)
    ward_failed: Failed | None = None  # the list of patients itself could not be read

    @property
    def ok(self) -> bool:
        return not self.failed and self.ward_failed is None


Result = Recorded | Invalid | Failed


@dataclass(frozen=True, slots=True)
class PatientSummary:
    """One row of the ward board."""

    patient_id: str
    admission: Admission
    latest: StoredAssessment | None
    alerts: tuple[Alert, ...]
    due: tuple[DueCheck, ...] = field(default=())
    ended_at: datetime | None = None  # the stay ended (discharge or transfer)


# Time-driven alert events (overdue checks, escalations) are written under this id, never a person's.
SYSTEM_AUTHOR = SYSTEM_USER_ID

# Who may correct what: the permission of the original action.
_CORRECTION_ACTION = {
    Attribution: Action.ATTRIBUTE,
    EpisodeClosure: Action.CLOSE_EPISODE,
    GradeSignOff: Action.SIGN_GRADE,
    Admission: Action.ADMIT,
    Discharge: Action.ADMIT,
    PolicySet: Action.SET_POLICY,
}

# Records whose charting changes the graded picture (D17): each gets an assessment at its time point.
_GRADED = (VitalSigns, NeuroCheck, Intervention, Attribution, EpisodeClosure)


class Ward:
    """The application service over one ward machine's database."""

    def __init__(self, db: Database, *, clock: Clock, policy: SitePolicy = DEFAULT_POLICY) -> None:
        """`policy` is the site's configured defaults; the policy in force overlays on them the
        ward's policy_set records (`bedside.policy_log`), read here and again whenever they change."""
        self._db = db
        self._clock = clock
        self._defaults = policy
        self._log = Log(db, clock)
        self._history = SqlHistory(db, self._log)
        self._in_force = read_policy(db, self._log, policy)
        self._policy = self._in_force.policy
        self._regrader = Regrader(self._log, self._history, self._policy, clock)
        self._users = Users(db, self._log, clock, lambda: self._policy)  # the policy in force
        self._stopped: Failed | None = None
        if not _read_only(db):
            defer_checkpoints(db)  # a save never pays for a checkpoint; tick() checkpoints instead

    @property
    def policy(self) -> SitePolicy:
        """The site policy in force (as last read: see `refresh_policy`)."""
        return self._policy

    def policy_in_force(self) -> InForce:
        """The policy in force with, for each changed setting, who changed it, when and why."""
        self.refresh_policy()
        return self._in_force

    def refresh_policy(self) -> bool:
        """Read the policy in force again if a policy_set record was written or received since it was
        last read (by this connection or another, e.g. a sync or `bedside policy set`); True if it
        was read anew. Every save, tick and sync re-derivation calls it first, so that the next grade
        is made by the policy in force; the stored assessments keep the digest they were graded with."""
        stamp = policy_stamp(self._db)
        if stamp == self._in_force.stamp:
            return False
        self._in_force = read_policy(self._db, self._log, self._defaults)
        self._policy = self._in_force.policy
        self._regrader = Regrader(self._log, self._history, self._policy, self._clock)
        return True

    def stop_charting(self, failed: Failed) -> None:
        """Refuse every later write with `failed`: the verification the app runs at start in a worker
        (bedside.verify) found the file damaged after this Ward was opened. Reading goes on."""
        self._stopped = failed

    # --- charting ------------------------------------------------------------------------------------

    def admit(self, admission: Admission, *, author: Author, at: datetime | None = None) -> Result:
        refused = self._authorised(author, Action.ADMIT, "admit a patient")
        if refused is not None:
            return refused
        draft = Draft(admission, admission.patient_id, at or self._clock.now())
        return self._save(draft, author, _admission_errors)

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

    def discharge(
        self, patient_id: str, discharge: Discharge, *, observed_at: datetime, author: Author
    ) -> Result:
        """Ends the stay (discharge or transfer): the patient leaves the board (see `board`), the
        open alerts are resolved with the reason, and nothing more is charted for the stay."""
        draft = Draft(discharge, patient_id, observed_at)
        return self._chart(draft, author, Action.ADMIT, "discharge a patient")

    def attribute(
        self, patient_id: str, attribution: Attribution, *, observed_at: datetime, author: Author
    ) -> Result:
        return self._chart(Draft(attribution, patient_id, observed_at), author, Action.ATTRIBUTE)

    def note(self, patient_id: str, note: Note, *, observed_at: datetime, author: Author) -> Result:
        return self._chart(Draft(note, patient_id, observed_at), author, Action.CHART)

    def close_episode(
        self, patient_id: str, closure: EpisodeClosure, *, author: Author, pin: str | None = None
    ) -> Result:
        """A physician closes the open CRS or ICANS episode (D10, D20). On a ward with users,
        closing asks for the PIN again, as signing does (`pin`, checked and audited as a sign-in)."""
        draft = Draft(closure, patient_id, self._clock.now())
        refused = self._pin_again(author, Action.CLOSE_EPISODE, "close an episode", pin)
        if refused is not None:
            return refused
        return self._chart(draft, author, Action.CLOSE_EPISODE)

    def sign_grade(
        self, patient_id: str, sign_off: GradeSignOff, *, author: Author, pin: str | None = None
    ) -> Result:
        """A physician signs a grade. On a ward with users, signing asks for the PIN again (issue
        10): `pin` is checked as a sign-in of `author` (and audited as one)."""
        draft = Draft(sign_off, patient_id, self._clock.now())
        refused = self._pin_again(author, Action.SIGN_GRADE, "sign a grade", pin)
        if refused is not None:
            return refused
        return self._chart(draft, author, Action.SIGN_GRADE)

    def _pin_again(
        self, author: Author, action: Action, what: str, pin: str | None
    ) -> Invalid | None:
        """On a ward with users, an act that asks for the PIN again (issue 10: signing a grade,
        closing an episode): None when `author` may do `action` and `pin` is theirs (the check is
        audited as a sign-in). A role that may not do it is refused by the write path as usual."""
        if not (self._users.has_users() and author.may(action)):
            return None
        refused = self._authorised(author, action, what)
        if refused is not None:
            return refused
        if pin is None:
            message = f"pin: your PIN is asked again to {what}"
            return Invalid((FieldError("pin", message, "your PIN"),))
        try:
            self.authenticate(author.user_id, pin)
        except AccessRefused as err:
            return Invalid((FieldError("pin", f"pin: {err.sentence}", "your PIN"),))
        return None

    def set_policy(self, settings: Mapping[str, object], *, reason: str, author: Author) -> Result:
        """An admin changes settings of the site policy (name -> value), saying why: a policy_set
        record, filed under the ward (WARD_ID). Each setting is checked against its allowed values
        and the policy it makes against itself; nothing is written on a refusal. The next grade is
        made by the new policy; the assessments already stored keep theirs."""
        refused = self._authorised(author, Action.SET_POLICY, "change the site policy")
        if refused is not None:
            return refused
        record = PolicySet(settings=dict(settings), reason=reason)
        return self._save_policy(Draft(record, WARD_ID, self._clock.now()), author)

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
        if isinstance(old.record, DERIVED_RECORDS):
            message = f"record: a {old.kind} is computed by Bedside and is never corrected by hand"
            return Invalid((FieldError("record", message, "a charted record"),))
        if type(old.record) is not type(replacement):
            message = f"record: a {old.kind} can only be corrected by a {old.kind}"
            return Invalid((FieldError("record", message, f"a {old.kind} record"),))
        action = _CORRECTION_ACTION.get(type(replacement), Action.CHART)
        if isinstance(replacement, PolicySet):
            if not author.may(action):
                return _refused(author, "change the site policy")
            draft = Draft(replacement, old.patient_id, old.observed_at, record_id, reason)
            return self._save_policy(draft, author)
        if (
            isinstance(old.record, Admission)
            and isinstance(replacement, Admission)
            and old.record.developmental_delay != replacement.developmental_delay
        ):
            action = Action.ATTRIBUTE  # D2: developmental delay is changed by a physician
        if isinstance(replacement, Intervention):
            observed_at = replacement.started_at  # an infusion is observed when it starts
        draft = Draft(
            replacement,
            old.patient_id,
            observed_at or old.observed_at,
            record_id,
            reason,
            keeps_observed_at=observed_at is None,  # the log checks it is the old time
        )
        return self._chart(draft, author, action)

    def record_exports(
        self, exports: Mapping[str, Export], *, author: Author
    ) -> list[Recorded] | Invalid | Failed:
        """The audit of one export (who, when, what): an `export` record in each exported patient's
        log, all in ONE transaction, so that an export is audited for every patient or for none."""
        refused = self._authorised(author, Action.EXPORT, "export the chart")
        if refused is not None:
            return refused
        now = self._clock.now()
        valid: list[ValidDraft] = []
        errors: list[FieldError] = []
        for patient_id, export in exports.items():
            checked = validated(Draft(export, patient_id, now), self._clock)
            if isinstance(checked, ValidDraft):
                valid.append(checked)
                if self._history.admission(checked.patient_id) is None:
                    errors.append(_not_admitted(checked.patient_id))
            else:
                errors += checked
        if errors:
            return Invalid(tuple(errors))
        try:
            with transaction(self._db):
                stored = [self._log.write(v, author=author.user_id) for v in valid]
        except RecordInvalid as err:
            return Invalid(tuple(err.errors))
        except Exception as err:  # the environment's error, or a bug: nothing was written
            return _failure(err, "The export was not audited")
        return [Recorded(s) for s in stored]

    def acknowledge(self, alert_id: str, *, author: Author) -> Result:
        """Records who acknowledged and when (R20: acknowledgements are audited)."""
        refused = self._authorised(author, Action.ACKNOWLEDGE, "acknowledge alerts")
        if refused is not None:
            return refused

        def acknowledge() -> Result:
            # Read under the write lock: two people acknowledging at once record it once.
            alert = self.alert(alert_id)
            if alert is None:
                message = f"alert_id: no alert {alert_id}"
                raise RecordInvalid([FieldError("alert_id", message, "the id of an alert")])
            if alert.status is not AlertStatus.ACTIVE:
                message = f"alert_id: {alert_id} is already {alert.status.value}"
                raise RecordInvalid([FieldError("alert_id", message, "an active alert")])
            event = AlertEvent(
                alert_id=alert_id,
                event=AlertEventType.ACKNOWLEDGED,
                kind=alert.kind,
                priority=alert.priority,
                level=alert.level,
                detail=f"acknowledged by {author.user_id}",
            )
            stored = self._log.append(
                event,
                patient_id=alert.patient_id,
                # Never before the event it acknowledges, which another machine may have stamped
                # ahead of this clock: the fold orders events by time.
                observed_at=max(self._clock.now(), alert.last_event_at),
                author=author.user_id,
            )
            self._forget_resolved(alert.patient_id)  # the acknowledgement may end it
            return Recorded(stored)

        return self._in_transaction(acknowledge, "The acknowledgement was not saved")

    def rederive_under_current_rules(self) -> list[str]:
        """After an upgrade of the rules: each patient whose current picture was graded under another
        rule version is graded again, and its episodes and alerts follow. The stored assessments stay
        as the history of what the ward saw; the new assessment replaces the current one with the
        reason "re-derived under <rule version>", so the change is visible, never silent. Returns the
        patients re-derived (the app runs this at start)."""
        done: list[str] = []
        if self._stopped is not None:
            return done
        for patient_id in self._history.patient_ids():
            latest = self._history.latest_assessment(patient_id)
            if latest is None or latest.record.rule_version == RULE_VERSION:
                continue
            admission = self._history.admission(patient_id)
            assert admission is not None
            try:
                with transaction(self._db):
                    graded = self._regrader.grade(
                        admission,
                        patient_id,
                        [latest.observed_at],
                        None,
                        SYSTEM_AUTHOR,
                        reason=f"re-derived under {RULE_VERSION}",
                    )[latest.observed_at]
                    drafts = alerting.evaluate(
                        graded.assessment,
                        graded.step,
                        alerting.unresolved_by_kind(self.open_alerts(patient_id)),
                        self._policy,
                        missing=alerting.missing_detail(graded.assessment, graded.stale),
                    )
                    self._write_alert_events(patient_id, drafts, SYSTEM_AUTHOR)
            except (sqlite3.Error, StorageError) as err:
                log.error("re-deriving %s under the new rules failed: %s", patient_id, err)
                continue
            done.append(patient_id)
        return done

    def tick(self) -> TickResult:
        """Time-driven alerts for every patient: overdue checks and unacknowledged escalations.

        Called by the UI's timer (once a minute) and by `bedside` service runs; idempotent. The ward
        is read without the write lock; only a patient with something to write is re-checked under it.
        A patient who cannot be checked (the database refused, or a bug) is reported in `failed`, and
        the others are still checked. It also checkpoints the WAL, which charting never does (see
        `defer_checkpoints`)."""
        now = self._clock.now()
        written: dict[str, list[AlertEventDraft]] = {}
        failed: dict[str, Failed] = {}
        if self._stopped is not None:
            return TickResult(ward_failed=self._stopped)
        try:
            self.refresh_policy()
            patient_ids = self._history.patient_ids()
        except Exception as err:  # the whole ward could not be read: say so
            return TickResult(ward_failed=_failure(err, "The ward's alerts were not checked"))
        for patient_id in patient_ids:
            try:
                if self._history.stay_ended_at(patient_id) is not None:
                    continue  # no checks fall due after the stay ended
                if not self._tick_drafts(patient_id, now):
                    continue
                with transaction(self._db):
                    drafts = self._tick_drafts(patient_id, now)  # again, under the lock
                    self._write_alert_events(patient_id, drafts, SYSTEM_AUTHOR)
            except Exception as err:  # one patient's failure must not stop the others
                failed[patient_id] = _failure(err, f"The alerts of {patient_id} were not checked")
                continue
            if drafts:
                written[patient_id] = drafts
        try:
            checkpoint(self._db)  # keeps the WAL small (R5) outside any charting action
        except (sqlite3.Error, StorageError) as err:
            log.warning("WAL checkpoint failed: %s", err)  # the next tick tries again
        return TickResult(written, failed)

    # --- users and sign-in (bedside.access) -------------------------------------------------------------

    def has_users(self) -> bool:
        """Whether the ward has users; until it has, the role a caller gives is taken as given."""
        return self._users.has_users()

    def users(self) -> list[User]:
        """Every user of the ward (disabled ones too), by user id."""
        return self._users.users()

    def user(self, user_id: str) -> User | None:
        return self._users.user(user_id)

    def authenticate(self, user_id: str, pin: str) -> Author:
        """The signed-in `Author` whose PIN this is; every attempt is recorded (R15). Raises
        `AccessRefused` (its reason and the sentence to show) for an unknown user, a wrong PIN, a
        disabled or locked-out user, or a database that refused the record of the attempt."""
        if self._stopped is not None:
            raise AccessRefused(Refusal.UNAVAILABLE, self._stopped.message, self._stopped.reason)
        try:
            return self._users.authenticate(user_id, pin)
        except AccessRefused:
            raise
        except Exception as err:  # the attempt could not be recorded: nobody signs in unaudited
            failed = _failure(err, "Not signed in")
            raise AccessRefused(Refusal.UNAVAILABLE, failed.message, failed.reason) from err

    def create_user(
        self,
        admin: Author | None,
        *,
        user_id: str,
        role: Role | str,
        display_name: str,
        pin: str,
    ) -> Result:
        """An admin creates a user; on a ward without users, the first admin (`admin` None)."""
        return self._in_transaction(
            lambda: Recorded(self._users.create(admin, user_id, role, display_name, pin)),
            "The user was not created",
        )

    def disable_user(self, admin: Author, user_id: str) -> Result:
        return self._in_transaction(
            lambda: Recorded(self._users.disable(admin, user_id)), "The user was not disabled"
        )

    def reset_pin(self, admin: Author, user_id: str, pin: str) -> Result:
        """A new PIN for the user; it ends their lockout (R15)."""
        return self._in_transaction(
            lambda: Recorded(self._users.reset_pin(admin, user_id, pin)), "The PIN was not reset"
        )

    # --- reading ---------------------------------------------------------------------------------------

    def board(self, *, discharged: bool = False) -> list[PatientSummary]:
        """The patients on the ward now; `discharged=True` gives those whose stay has ended instead."""
        self.refresh_policy()  # the due checks are counted by the policy in force
        return [
            row
            for row in (self.summary(p) for p in self._history.patient_ids())
            if row is not None and (row.ended_at is not None) == discharged
        ]

    def summary(self, patient_id: str) -> PatientSummary | None:
        """One patient's board row (None for a patient not on this ward)."""
        admission = self._history.admission(patient_id)
        if admission is None:
            return None
        ended = self._history.stay_ended_at(patient_id)
        return PatientSummary(
            patient_id,
            admission,
            self._history.latest_assessment(patient_id),
            tuple(self.open_alerts(patient_id)),
            tuple(self.due(patient_id)) if ended is None else (),
            ended,
        )

    def now(self) -> datetime:
        """The ward's clock."""
        return self._clock.now()

    def admission(self, patient_id: str) -> Admission | None:
        """The patient's current admission (its newest version)."""
        return self._history.admission(patient_id)

    def admission_record(self, patient_id: str) -> StoredRecord | None:
        """The stored current admission, with its envelope (to correct it)."""
        found = self._log.records_for_patient(patient_id, ["admission"], current_only=True)
        return found[-1] if found else None

    def latest_assessment(self, patient_id: str) -> StoredAssessment | None:
        """The patient's current picture: the assessment of the newest time point."""
        return self._history.latest_assessment(patient_id)

    def records(self, patient_id: str, kinds: Sequence[str] | None = None) -> list[StoredRecord]:
        """The patient's charted records as they stand (current versions), in clinical order."""
        return self._log.records_for_patient(patient_id, kinds, current_only=True)

    def record_versions(self, record_id: str) -> list[StoredRecord]:
        """Every version of a record, from the first charting to the newest correction (R18)."""
        return self._history.versions(record_id)

    def running_infusions(self, patient_id: str, at: datetime) -> list[StoredRecord]:
        """Vasopressor and inotrope infusions started at or before `at` and not stopped by then."""
        return [
            s
            for s in self._log.records_for_patient(
                patient_id, ["intervention"], None, at, current_only=True
            )
            if isinstance(s.record, Intervention)
            and s.record.agent is not None
            and (s.record.stopped_at is None or s.record.stopped_at > at)
        ]

    def alert(self, alert_id: str) -> Alert | None:
        """One alert's current state, from its events."""
        return alerting.fold(self._history.events_of_alert(alert_id)).get(alert_id)

    def open_alerts(self, patient_id: str | None = None) -> list[Alert]:
        folded = alerting.fold(self._history.alert_events(patient_id))
        return [a for a in folded.values() if a.status is not AlertStatus.RESOLVED]

    def recent_alerts(self, patient_id: str, since: datetime) -> list[Alert]:
        """The patient's alerts with an event at or after `since`, in their current state: the open
        ones and those acknowledged or resolved lately (who acknowledged, when), oldest first."""
        folded = alerting.fold(self._history.alert_events_since(patient_id, since))
        return sorted(folded.values(), key=lambda a: (a.raised_at, a.alert_id))

    def _forget_resolved(self, patient_id: str) -> None:
        """Keep the unresolved-alerts projection to what is still open (inside the transaction)."""
        folded = alerting.fold(self._history.alert_events(patient_id))
        ended = [i for i, a in folded.items() if a.status is AlertStatus.RESOLVED]
        if ended:
            self._history.forget_resolved(ended)

    def due(self, patient_id: str, now: datetime | None = None) -> list[DueCheck]:
        now = now or self._clock.now()
        admission = self._history.admission(patient_id)
        if admission is None:
            return []
        latest = self._history.latest_assessment(patient_id)
        zone = self._policy.zone
        # D22: the neuro check that counts is one done with the tool the patient needs now.
        tool = encephalopathy_tool(
            age_years(admission.date_of_birth, now, zone), admission.developmental_delay
        )
        done_now = self._history.last_completed_neuro(patient_id, tool, now)
        done_any = self._history.last_completed_neuro(patient_id, None, now)
        changed_at = None
        if done_any is not None and (done_now is None or done_now < done_any):
            changed_at = max(done_any, _twelfth_birthday(admission.date_of_birth, zone))
        return due_checks(
            now=now,
            infusion_at=admission.infusion_at,
            admitted_at=self._history.admitted_at(patient_id) or now,
            vitals_last=self._history.last_vitals_parameters(patient_id, VITALS_PARAMETERS, now),
            last_neuro_done=done_now,
            neuro_tool_changed_at=changed_at,
            baseline_neuro_done=admission.baseline_ice is not None
            or admission.baseline_capd is not None,
            acuity=acuity_of(latest) if latest else Acuity(),
            policy=self._policy,
            pressor_stopped_at=self._history.last_infusion_stop(patient_id, now),
        )

    def preview(
        self,
        patient_id: str,
        record: Record,
        *,
        observed_at: datetime,
        supersedes: str | None = None,
    ) -> Assessment | Invalid:
        """Grade a draft as if it were charted now, by the same engine, without writing anything (the
        form's live preview). A draft the save would refuse returns its `Invalid`."""
        draft = Draft(
            record, patient_id, observed_at, supersedes, "preview" if supersedes else None
        )
        valid = validated(draft, self._clock)
        if not isinstance(valid, ValidDraft):
            return Invalid(tuple(valid + self._unknown_patient(draft, valid)))
        draft = valid.draft
        admission = self._history.admission(valid.patient_id)
        if admission is None:
            return Invalid((_not_admitted(valid.patient_id),))
        errors: list[FieldError] = []
        errors += admission_errors(draft, admission, self._policy)
        errors += log_errors(draft, self._history)
        if errors:
            return Invalid(tuple(errors))
        overlay = DraftOverlay(
            self._history, DraftRecord(DRAFT_ID, draft.observed_at, record, supersedes)
        )
        state = assemble_state(
            overlay, admission, draft.patient_id, draft.observed_at, self._policy
        )
        return assess(state, self._policy)

    def close(self) -> None:
        """Close the database connection; the ward is not used after this."""
        self._db.conn.close()

    # --- the one write path ------------------------------------------------------------------------------

    def _chart(
        self, draft: Draft, author: Author, action: Action, what: str | None = None
    ) -> Result:
        refused = self._authorised(author, action, what or action.value.replace("_", " "))
        if refused is not None:
            return refused
        return self._save(draft, author, self._charting_errors)

    def _authorised(self, author: Author, action: Action, what: str) -> Invalid | None:
        """None when `author` may do `action` here: their role allows it and, on a ward with users,
        they signed in with their PIN and are an enabled user of that role (R17)."""
        if not author.may(action):
            return _refused(author, what)
        problem = self._users.standing(author)
        if problem is not None:
            message = f"author: {problem}: sign in with your user id and PIN"
            return Invalid((FieldError("author", message, "a user signed in with their PIN"),))
        return None

    def _save_policy(self, draft: Draft, author: Author) -> Result:
        """The write path of a policy_set (new or a correction), after the role check: validated on
        its own, then written in ONE transaction only if the policy in force it makes is one the
        settings allow together; then read as the policy in force."""
        valid = validated(draft, self._clock)
        if not isinstance(valid, ValidDraft):
            return Invalid(tuple(valid))

        def save() -> Result:
            before = {r.stored.id for r in self._in_force.refused}  # read under the write lock
            stored = self._log.write(valid, author=author.user_id)
            made = read_policy(self._db, self._log, self._defaults)
            # The change, or a later one it would contradict (a correction of an old record), would
            # not be applied: refused, and rolled back.
            for refused in made.refused:
                if refused.stored.id not in before:
                    raise RecordInvalid([_setting_error(refused.problem)])
            return Recorded(stored)

        result = self._in_transaction(save, "The site policy was not changed")
        if isinstance(result, Recorded):
            self.refresh_policy()
        return result

    def _save(self, draft: Draft, author: Author, context: _ContextCheck) -> Result:
        """The one write path, after the role check: the draft is validated once, on its own; then,
        in ONE transaction, the patient's admission is read, the draft is checked against it and the
        log (`context`), written, and the time points it touches are re-graded and alerted."""
        valid = validated(draft, self._clock)
        if not isinstance(valid, ValidDraft):
            return Invalid(tuple(valid + self._unknown_patient(draft, valid)))

        def save() -> Result:
            admission = self._history.admission(valid.patient_id)
            errors = context(valid, admission)
            if errors:
                raise RecordInvalid(errors)  # nothing was written
            stored = self._log.write(valid, author=author.user_id)
            if isinstance(stored.record, Discharge) and stored.supersedes is None:
                self._end_alerts(stored.patient_id, stored.record, author)
            if isinstance(stored.record, Admission):
                return self._regrade_after_admission_change(stored, author)
            if admission is None or not isinstance(stored.record, _GRADED):
                return Recorded(stored)
            return self._grade_and_alert(stored, admission, author)

        return self._in_transaction(save, "The record was not saved")

    def _in_transaction(self, action: Callable[[], Result], what: str) -> Result:
        """Run `action` in one write transaction: a refusal or a failure rolls it all back."""
        if self._stopped is not None:
            return self._stopped  # the file was found damaged: nothing more is charted into it
        try:
            with transaction(self._db):
                self.refresh_policy()  # under the write lock: the save is graded by the policy in force
                return action()
        except RecordInvalid as err:
            # Refused under the write lock (against the admission or the log, or the record was
            # corrected meanwhile by someone else).
            return Invalid(tuple(err.errors))
        except Exception as err:  # the environment's error, or a bug: nothing was written
            return _failure(err, what)

    def _charting_errors(self, valid: ValidDraft, admission: Admission | None) -> list[FieldError]:
        """A charted record is for an admitted patient, fits who the patient is (the screen for the
        age, D2; the window of records, D27) and what the log holds (sign-offs, closures, D10)."""
        if admission is None:
            return [_not_admitted(valid.patient_id)]
        return admission_errors(valid.draft, admission, self._policy) + log_errors(
            valid.draft, self._history
        )

    def _unknown_patient(self, draft: Draft, errors: list[FieldError]) -> list[FieldError]:
        """With a refused draft, also say when its patient is not on the ward (a form shows every
        problem at once); an admission is the one record whose patient is not yet admitted."""
        if isinstance(draft.record, Admission) or any(e.field == "patient_id" for e in errors):
            return []
        known = self._history.admission(draft.patient_id) is not None
        return [] if known else [_not_admitted(draft.patient_id)]

    def _grade_and_alert(
        self, stored: StoredRecord, admission: Admission, author: Author
    ) -> Recorded:
        """Grade the time points the record touches (its own, the current one after a late entry, the
        span a correction or an attribution reaches), store the assessments, and bring the alerts in
        line with the current picture; all inside the caller's transaction. `admission` is the one
        the record was checked against."""
        patient_id = stored.patient_id
        at = stored.observed_at
        before = self._history.latest_assessment(patient_id)
        newest = Newest(before)
        start, end = self._regrader.touched(stored)
        # Every stored assessment older than the span (a new set, the usual save): none is in it.
        stored_in_span = (
            [] if newest.before(start) else self._history.assessment_times(patient_id, start, end)
        )
        times = set(stored_in_span)
        times.add(at)
        stop = self._stop_time(stored)
        if stop is not None:
            times.add(stop)  # D26: a stop is a time point of its own
        current_at = max(times | ({before.observed_at} if before else set()))
        times.add(current_at)
        graded = self._regrader.grade(
            admission, patient_id, times, stored, author.user_id, newest=newest
        )
        shown, own = graded[current_at], graded[at]
        # D20: a correction or a physician's attribution re-derives the course; it needs no downgrade
        # acknowledgement (a recorded stop is a new clinical event, not a re-derivation).
        rederived = stop is None and (
            stored.supersedes is not None or isinstance(stored.record, Attribution)
        )
        drafts = alerting.evaluate(
            shown.assessment,
            shown.step,
            alerting.unresolved_by_kind(self.open_alerts(patient_id)),
            self._policy,
            rederived=rederived,
            # Only a new record observed before the current time point is a late entry (D18).
            late=own.assessment if at < current_at and stored.supersedes is None else None,
            missing=alerting.missing_detail(shown.assessment, shown.stale),
        )
        self._write_alert_events(patient_id, drafts, author.user_id)
        current = shown.assessment if current_at != at else None
        return Recorded(stored, own.assessment, current, tuple(drafts))

    def _stop_time(self, stored: StoredRecord) -> datetime | None:
        """The stop time when this record is the recorded stop of a running infusion (D26)."""
        record = stored.record
        if (
            not isinstance(record, Intervention)
            or record.stopped_at is None
            or not stored.supersedes
        ):
            return None
        old = self._log.get(stored.supersedes)
        if old is None or not isinstance(old.record, Intervention) or old.record.stopped_at:
            return None
        return record.stopped_at

    def _regrade_after_admission_change(self, stored: StoredRecord, author: Author) -> Recorded:
        """A corrected admission (birth date, infusion time, developmental delay) changes the rules
        that apply: the current time point is graded again. A new admission has nothing to grade."""
        latest = self._history.latest_assessment(stored.patient_id)
        admission = stored.record
        if stored.supersedes is None or latest is None or not isinstance(admission, Admission):
            return Recorded(stored)
        graded = self._regrader.grade(
            admission, stored.patient_id, [latest.observed_at], stored, author.user_id
        )
        return Recorded(stored, graded[latest.observed_at].assessment)

    def _write_alert_events(
        self, patient_id: str, drafts: Sequence[AlertEventDraft], author_id: str
    ) -> None:
        now = self._clock.now()
        for d in drafts:
            alert_id = d.alert_id or self._alert_identity(patient_id, d.kind, d.level)
            event = AlertEvent(
                alert_id=alert_id,
                event=d.event,
                kind=d.kind,
                priority=d.priority,
                level=d.level,
                detail=d.detail,
            )
            # Never before the alert's last event, which a machine whose clock runs ahead may have
            # stamped later than this clock: the fold orders events by time, so an end stamped
            # before it would not end it, and every sync would write that end again.
            last = max((e.at for e in self._history.events_of_alert(alert_id)), default=now)
            at = max(now, last)
            self._log.append(event, patient_id=patient_id, observed_at=at, author=author_id)
        if drafts:
            self._forget_resolved(patient_id)

    def _end_alerts(self, patient_id: str, discharge: Discharge, author: Author) -> None:
        """The stay ended: each alert still open is resolved, saying why (inside the transaction)."""
        drafts = [
            AlertEventDraft(
                a.alert_id,
                a.kind,
                AlertEventType.RESOLVED,
                a.priority,
                a.level,
                f"stay ended: {discharge.outcome.value}",
            )
            for a in self.open_alerts(patient_id)
        ]
        self._write_alert_events(patient_id, drafts, author.user_id)

    def _alert_identity(self, patient_id: str, kind: AlertKind, level: int) -> str:
        """DESIGN 7: derived from the log (patient, kind, episode, level), the same on every machine.
        The episode of a CRS or ICANS kind is counted by the clinicians' closures of that syndrome."""
        syndrome = _SYNDROME_OF.get(kind)
        if syndrome is None:
            return alert_identity(patient_id, kind, "stay", level)
        closures = sum(
            1
            for s in self._log.records_for_patient(
                patient_id, ["episode_closure"], current_only=True
            )
            if isinstance(s.record, EpisodeClosure) and s.record.syndrome.value == syndrome
        )
        return alert_identity(patient_id, kind, f"{syndrome}-{closures + 1}", level)

    # --- after a sync ----------------------------------------------------------------------------------

    def rederive_after_sync(self) -> list[str]:
        """Re-derive the current picture of every patient a received batch touched (queued in the
        batch's own transaction, so a crash in between only delays this): grade the newest time point
        from the merged log, store it when it differs from what is stored, bring the alerts in line,
        and fold into one the alerts that two machines raised for one condition. The queued patients
        in one transaction (a commit waits for the disk; one per patient would cost more than the
        grading), which also takes them off the queue. Returns the patients whose picture was
        written anew."""
        changed: list[str] = []
        self.refresh_policy()  # a received policy_set takes effect before anything is graded
        if not pending_rederivation(self._db):
            return changed
        with transaction(self._db):
            # Read again under the write lock: the queue is what this transaction takes off it.
            for patient_id, newest in pending_rederivation(self._db).items():
                if self._rederive(patient_id, newest):
                    changed.append(patient_id)
                rederived(self._db, patient_id)
        return changed

    def _rederive(self, patient_id: str, newest: datetime | None) -> bool:
        admission = self._history.admission(patient_id)
        if admission is None:
            return False  # its admission has not arrived (or was quarantined): nothing to grade
        latest = self._history.latest_assessment(patient_id)
        times = [t for t in (newest, latest.observed_at if latest else None) if t is not None]
        written = False
        # A time point ahead of this machine's clock (the other machine's runs ahead, R11) is not
        # graded here: its received assessment stands until this clock reaches it.
        times = [t for t in times if t <= self._clock.now() + FUTURE_TOLERANCE]
        if times:
            at = max(times)
            graded, payload = self._regrader.compute(admission, patient_id, at)
            stored = latest if latest is not None and latest.observed_at == at else None
            if stored is None or any(
                getattr(stored.record, k, None) != getattr(payload, k, None) for k in _PICTURE_KEYS
            ):
                # Stored as computed: nothing was written since (`Regrader.grade` would compute it
                # again).
                self._regrader.store(
                    patient_id, graded, payload, SYSTEM_AUTHOR, "re-derived after sync"
                )
                drafts = alerting.evaluate(
                    graded.assessment,
                    graded.step,
                    alerting.unresolved_by_kind(self.open_alerts(patient_id)),
                    self._policy,
                    missing=alerting.missing_detail(graded.assessment, graded.stale),
                )
                self._write_alert_events(patient_id, drafts, SYSTEM_AUTHOR)
                written = True
        self._merge_duplicate_alerts(patient_id)
        self._forget_resolved(patient_id)
        return written

    def _merge_duplicate_alerts(self, patient_id: str) -> None:
        """Two machines apart may raise one condition under two ids (at two levels): the alert of the
        highest level stays, the other ends as overtaken by it, on every machine alike."""
        by_kind: dict[AlertKind, list[Alert]] = {}
        for alert in self.open_alerts(patient_id):
            by_kind.setdefault(alert.kind, []).append(alert)
        drafts = []
        for kind, alerts in by_kind.items():
            if len(alerts) < 2:
                continue
            keep = max(alerts, key=lambda a: (a.level, a.priority, a.alert_id))
            drafts += [
                AlertEventDraft(
                    a.alert_id,
                    kind,
                    AlertEventType.OVERTAKEN,
                    a.priority,
                    a.level,
                    f"the same condition is alerted as {keep.alert_id} (raised on another machine)",
                )
                for a in alerts
                if a is not keep
            ]
        self._write_alert_events(patient_id, drafts, SYSTEM_AUTHOR)

    def _tick_drafts(self, patient_id: str, now: datetime) -> list[AlertEventDraft]:
        present = alerting.overdue_conditions(self.due(patient_id, now))
        unresolved = self.open_alerts(patient_id)
        drafts = alerting.reconcile(
            alerting.unresolved_by_kind(unresolved), present, alerting.SCHEDULE_KINDS
        )
        drafts += alerting.time_escalations(unresolved, now, self._policy)
        return drafts


# A check of a validated draft against the patient's admission (None: not admitted) and the log.
_ContextCheck = Callable[[ValidDraft, Admission | None], list[FieldError]]


def _admission_errors(valid: ValidDraft, current: Admission | None) -> list[FieldError]:
    """A new admission is for a patient id not yet on the ward."""
    if current is None:
        return []
    return [
        FieldError(
            "patient_id",
            f"patient_id: {valid.patient_id} is already admitted",
            "a patient id not yet on this ward (correct the admission instead)",
        )
    ]


def _not_admitted(patient_id: str) -> FieldError:
    return FieldError(
        "patient_id",
        f"patient_id: {patient_id!r} is not admitted on this ward",
        "the id of an admitted patient",
    )


# The kinds whose alert belongs to an episode of one syndrome (the rest belong to the stay).
_SYNDROME_OF = {
    AlertKind.CRS: "crs",
    AlertKind.CRS_DOWNGRADE: "crs",
    AlertKind.HYPOXIA: "crs",
    AlertKind.VASOPRESSOR: "crs",
    AlertKind.WAIVER_REVIEW: "crs",
    AlertKind.NO_FEVER_ORGAN_DYSFUNCTION: "crs",
    AlertKind.ICANS: "icans",
    AlertKind.ICANS_DOWNGRADE: "icans",
    AlertKind.INTRACRANIAL_HAEMORRHAGE: "icans",
}
# What the ward shows of a time point: a re-derivation that changes none of these writes nothing.
_PICTURE_KEYS = (
    "crs_grade",
    "crs_grade_is_lower_bound",
    "icans_grade",
    "icans_grade_is_lower_bound",
    "news2",
    "pews",
    "crs_episode_max",
    "icans_episode_max",
    "crs_episode_open",
    "icans_episode_open",
    "crs_course",
    "icans_course",
    "flags",
)


def _twelfth_birthday(born: date, zone: tzinfo | None) -> datetime:
    """The first instant of the 12th birthday where the ward is (D22: ICE from then on)."""
    try:
        day = born.replace(year=born.year + int(ICE_MIN_AGE_YEARS))
    except ValueError:  # 29 February
        day = date(born.year + int(ICE_MIN_AGE_YEARS), 3, 1)
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _setting_error(problem: str) -> FieldError:
    """The error of a setting from its sentence ("name: ..."), with what it accepts."""
    name = problem.split(":", 1)[0]
    if name in setting_names():
        return FieldError(name, problem, setting_allowed(name))
    return FieldError("settings", problem, "one of " + ", ".join(setting_names()))


def _failure(err: Exception, what: str) -> Failed:
    """The environment's error (locked, read-only, disk full, damaged) is logged as such; anything else
    is a bug and is logged with its traceback. Either way the user reads one sentence."""
    reason = classify(err)
    if reason is StorageProblem.BUG:
        log.exception("%s: unexpected error", what)
        return Failed(
            reason,
            f"{what}: Bedside met an unexpected error (a bug; the log has the details): report it.",
        )
    log.error("%s: the database %s (%s)", what, reason.value, err)
    return Failed(reason, f"{what}: the database {reason.value}; {reason.advice}.")


def _read_only(db: Database) -> bool:
    return bool(db.conn.execute("PRAGMA query_only").fetchone()[0])


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
