"""The controller between the widgets and the ward service: it turns typed results into signals.

Reads run on the GUI thread's own connection (short reads, DESIGN section 6); saves go to the writer
thread; the minute's tick and the start-up re-derivation run in the thread pool.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from bedside.access import User
from bedside.alerts import Alert
from bedside.clinical.assessment import Assessment
from bedside.records import EpisodeClosure, FieldError, GradeSignOff, PolicySet, Record, Syndrome
from bedside.staff import Author, Role
from bedside.ward import (
    Failed,
    Invalid,
    PatientSummary,
    Recorded,
    Result,
    StoredAssessment,
    TickResult,
    Ward,
)
from ui.session import CurrentUser
from ui.text import tr
from ui.workers import (
    Job,
    RederiveTask,
    SignInSignals,
    SignInTask,
    TaskSignals,
    TickTask,
    WardFactory,
    WardWriter,
)

TICK_INTERVAL_MS = 60_000
SIGN_KEY = "sign_grade"  # the key of a grade sign-off's save (issue 10)
CLOSE_KEY = "close_episode"  # the key of an episode closure's save (D10, D20)
JobBuilder = Callable[[Author], Job]


def open_episodes(latest: StoredAssessment | None) -> list[Syndrome]:
    """The syndromes whose episode is open at the current assessment (the ward stores it on each, D10)."""
    if latest is None:
        return []
    flags = ((Syndrome.CRS, latest.crs_episode_open), (Syndrome.ICANS, latest.icans_episode_open))
    return [syndrome for syndrome, is_open in flags if is_open]


class WardController(QObject):
    """Adapts `Ward` for the widgets.

    Signals:
        saving(str): a form's save is queued and waits for the writer (form key).
        recorded(str, str, object): a save was stored (form key, patient id, `Recorded`).
        invalid(str, object): a save was refused, nothing written (form key, `Invalid`).
        failed(str, object): the environment refused the save, nothing written (form key, `Failed`).
        patient_changed(str): a patient's picture or alerts changed (patient id).
        ward_changed(): every row may have changed (after a tick or the start-up re-derivation).
        tick_reported(object): the `TickResult` of the minute's tick.
        background_failed(str): a background task could not run (the sentence for the user).
        author_changed(object): another user signed in, or nobody is (the `Author` or None).
        signed_in(int, object): a PIN check started by `check_pin` accepted (request id, `Author`).
        sign_in_refused(int, str): it refused, or could not run (request id, the sentence to show).
        policy_changed(object): the site policy in force changed (a policy_set saved here, by
            another program on this machine, or received by sync): the new `SitePolicy`.
    """

    saving = Signal(str)
    recorded = Signal(str, str, object)
    invalid = Signal(str, object)
    failed = Signal(str, object)
    patient_changed = Signal(str)
    ward_changed = Signal()
    tick_reported = Signal(object)
    background_failed = Signal(str)
    author_changed = Signal(object)
    signed_in = Signal(int, object)
    sign_in_refused = Signal(int, str)
    policy_changed = Signal(object)

    def __init__(
        self,
        ward: Ward,
        writer: WardWriter,
        factory: WardFactory,
        user: CurrentUser,
        pool: QThreadPool,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ward = ward
        self._writer = writer
        self._factory = factory
        self._user = user
        self._pool = pool
        self._pending: dict[int, tuple[str, str]] = {}
        self._signals = TaskSignals(self)
        self._sign_in = SignInSignals(self)
        self._sign_in_requests = 0
        self._policy = ward.policy  # the policy in force last announced (policy_changed)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_INTERVAL_MS)
        self._connect_signals()

    def _connect_signals(self) -> None:
        # saves come back from the writer thread
        self._writer.finished.connect(self._on_writer_finished)
        # the minute's tick and the start-up re-derivation
        self._timer.timeout.connect(self.tick)
        self._signals.ticked.connect(self._on_signals_ticked)
        self._signals.rederived.connect(self._on_signals_rederived)
        self._signals.failed.connect(self.background_failed)
        self._user.changed.connect(self.author_changed)
        # PIN checks come back from the pool
        self._sign_in.signed_in.connect(self.signed_in)
        self._sign_in.refused.connect(self.sign_in_refused)

    # --- reading -------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.ward.now()

    def board(self, discharged: bool = False) -> list[PatientSummary]:
        return self.ward.board(discharged=discharged)

    def summary(self, patient_id: str) -> PatientSummary | None:
        return self.ward.summary(patient_id)

    def open_alerts(self, patient_id: str | None = None) -> list[Alert]:
        return self.ward.open_alerts(patient_id)

    def preview(
        self, patient_id: str, record: Record, observed_at: datetime, supersedes: str | None = None
    ) -> Assessment | Invalid:
        return self.ward.preview(patient_id, record, observed_at=observed_at, supersedes=supersedes)

    @property
    def author(self) -> Author | None:
        return self._user.author

    # --- users and sign-in (issue 10): on the GUI thread's ward, as the dialogs wait for them ---------

    def has_users(self) -> bool:
        return self.ward.has_users()

    def users(self) -> list[User]:
        return self.ward.users()

    def authenticate(self, user_id: str, pin: str) -> Author:
        """The signed-in `Author`; raises `bedside.access.AccessRefused` with the sentence to show.
        On the GUI thread: the dialogs use `check_pin`, which does not wait for the hash."""
        return self.ward.authenticate(user_id, pin)

    def check_pin(self, user_id: str, pin: str) -> int:
        """Start checking `pin` as a sign-in of `user_id` in the pool (its own connection; audited);
        the answer arrives on `signed_in` or `sign_in_refused` with the returned request id."""
        self._sign_in_requests += 1
        request = self._sign_in_requests
        self._pool.start(SignInTask(self._factory, request, user_id, pin, self._sign_in))
        return request

    def create_user(
        self, admin: Author | None, *, user_id: str, role: Role, display_name: str, pin: str
    ) -> Result:
        return self.ward.create_user(
            admin, user_id=user_id, role=role, display_name=display_name, pin=pin
        )

    def disable_user(self, admin: Author, user_id: str) -> Result:
        return self.ward.disable_user(admin, user_id)

    def reset_pin(self, admin: Author, user_id: str, pin: str) -> Result:
        return self.ward.reset_pin(admin, user_id, pin)

    # --- saving --------------------------------------------------------------------------------------

    def submit(
        self, key: str, patient_id: str, build: JobBuilder, *, draft_author: Author | None = None
    ) -> None:
        """Queue a save for the writer; `build` makes the job for the current user.

        `draft_author`: whose draft is being saved, when the screen was locked over it (issue 10); a
        draft is saved by its author only, never by whoever unlocked next.
        """
        author = self._user.author
        if author is None:
            error = FieldError(
                "author",
                tr("author: nobody is signed in (the screen may be locked)"),
                tr("a signed-in user"),
            )
            self.invalid.emit(key, Invalid((error,)))
            return
        if draft_author is not None and draft_author.user_id != author.user_id:
            error = FieldError(
                "author",
                tr("author: this unsaved draft is by {0}; only {0} can save it, not {1}").format(
                    draft_author.user_id, author.user_id
                ),
                draft_author.user_id,
            )
            self.invalid.emit(key, Invalid((error,)))
            return
        job_id = self._writer.submit(build(author))
        self._pending[job_id] = (key, patient_id)
        self.saving.emit(key)

    def _on_writer_finished(self, job_id: int, result: Result) -> None:
        self._writer.release(job_id)  # the job is let go of here, on the GUI thread
        if job_id not in self._pending:
            return
        key, patient_id = self._pending.pop(job_id)
        if isinstance(result, Recorded):
            if result.record.kind == PolicySet.KIND:
                self.refresh_policy()  # one saved here (others: the tick and the sync)
            self.recorded.emit(key, result.record.patient_id or patient_id, result)
            self.patient_changed.emit(result.record.patient_id or patient_id)
        elif isinstance(result, Invalid):
            self.invalid.emit(key, result)
        elif isinstance(result, Failed):
            self.failed.emit(key, result)

    def sign_grade(
        self,
        patient_id: str,
        syndrome: Syndrome,
        assessment_id: str,
        pin: str | None,
        *,
        author: Author | None = None,
    ) -> None:
        """A physician signs the grade of `syndrome` in the assessment they were shown (issue 10);
        `pin` is asked again on a ward with users (checked and audited by the ward). The result
        arrives under SIGN_KEY; a grade that is no longer the current one is refused here.
        `author`: who opened the dialog; only they can sign from it (see `submit`)."""
        latest = self.ward.latest_assessment(patient_id)
        if latest is None or latest.record_id != assessment_id:
            error = FieldError(
                "assessment_id",
                tr(
                    "assessment_id: the grade shown is no longer the current one (the patient "
                    "was graded again); look at the new grade and sign again"
                ),
                tr("the current assessment"),
            )
            self.invalid.emit(SIGN_KEY, Invalid((error,)))
            return
        grade = latest.crs_grade if syndrome is Syndrome.CRS else latest.icans_grade
        if grade is None:
            error = FieldError(
                "grade",
                tr("grade: the {0} grade is not determinable; there is no grade to sign").format(
                    syndrome.value.upper()
                ),
                tr("a determined grade"),
            )
            self.invalid.emit(SIGN_KEY, Invalid((error,)))
            return
        sign_off = GradeSignOff(syndrome=syndrome, grade=grade, assessment_id=assessment_id)
        self.submit(
            SIGN_KEY,
            patient_id,
            lambda author: (
                lambda ward: ward.sign_grade(patient_id, sign_off, author=author, pin=pin)
            ),
            draft_author=author,
        )

    def close_episode(
        self,
        patient_id: str,
        syndrome: Syndrome,
        reason: str,
        pin: str | None,
        *,
        author: Author | None = None,
    ) -> None:
        """A physician closes the open CRS or ICANS episode (D10, D20) saying why; `pin` is asked
        again on a ward with users, as for signing. The result arrives under CLOSE_KEY (a closure
        of an episode that is not open is the ward's refusal, naming `syndrome`)."""
        closure = EpisodeClosure(syndrome=syndrome, reason=reason)
        self.submit(
            CLOSE_KEY,
            patient_id,
            lambda author: (
                lambda ward: ward.close_episode(patient_id, closure, author=author, pin=pin)
            ),
            draft_author=author,
        )

    def open_episodes(self, patient_id: str) -> list[Syndrome]:
        """The syndromes whose episode is open now for the patient: what Close episode… offers."""
        return open_episodes(self.ward.latest_assessment(patient_id))

    # --- background ----------------------------------------------------------------------------------

    def start(self) -> None:
        """At start: re-derive under the current rules (off the GUI thread), then tick each minute."""
        self._pool.start(RederiveTask(self._factory, self._signals))
        self._timer.start()
        self.tick()

    def stop(self) -> None:
        self._timer.stop()
        self._pool.waitForDone()
        self._writer.stop()

    def tick(self) -> None:
        self._pool.start(TickTask(self._factory, self._signals))

    def refresh_policy(self) -> bool:
        """Read the policy in force again if policy_set records were written or received since (a
        cheap stamp query when none were); emit `policy_changed` when it differs from the last one
        announced. Called after a policy_set is saved here, each tick (a change by `bedside policy set` on this
        machine is seen within the minute) and each sync that brought records."""
        self.ward.refresh_policy()
        policy = self.ward.policy
        if policy == self._policy:
            return False
        self._policy = policy
        self.policy_changed.emit(policy)
        return True

    def _on_signals_ticked(self, result: TickResult) -> None:
        self.refresh_policy()
        self.tick_reported.emit(result)
        self.ward_changed.emit()

    def _on_signals_rederived(self, patient_ids: list[str]) -> None:
        if patient_ids:
            self.ward_changed.emit()
