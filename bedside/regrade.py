"""Which time points a new, late or corrected record touches, and grading them in order (D17, D18, D20).

Every graded time point is stored as an assessment, with its place in the course of the episode (the
last determinate grades that a later fall is measured against, D20), so that the next time point can
be judged without re-reading the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bedside.alerts import Course, CourseStep, follow
from bedside.clinical.assessment import Assessment
from bedside.clinical.engine import assess
from bedside.clinical.policy import SitePolicy
from bedside.clock import Clock
from bedside.records import Admission, AssessmentRecord, Attribution, Intervention
from bedside.schedule import Acuity
from bedside.store.history import SqlHistory, StoredAssessment
from bedside.store.log import Log, StoredRecord
from bedside.timepoint import assemble_state

_JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Graded:
    """One time point as graded and stored."""

    at: datetime
    assessment: Assessment
    acuity: Acuity
    step: CourseStep
    stale: frozenset[str]


def acuity_of(stored: StoredAssessment) -> Acuity:
    """What the schedule reads of a stored assessment."""
    a = stored.record
    return Acuity(
        crs_grade=a.crs_grade,
        icans_grade=a.icans_grade,
        crs_open=a.crs_episode_open,
        icans_open=a.icans_episode_open,
        news2=a.news2,
        news2_red=bool(a.news2_any_single_parameter_3),
        pews=a.pews,
    )


def course_of(stored: StoredAssessment | None) -> Course:
    """The course after a stored time point (an assessment stored before the course was kept, rule
    version 1.0, is read with its own grade as the course while the episode was open)."""
    if stored is None:
        return Course()
    return Course(stored.record.crs_course, stored.record.icans_course)


@dataclass(frozen=True, slots=True)
class Newest:
    """The patient's newest current assessment as the caller read it under the same write lock, just
    before grading (None: none stored yet), so that grading need not read it again."""

    assessment: StoredAssessment | None

    def before(self, at: datetime) -> bool:
        """Whether every stored assessment is older than `at`: then the newest before `at` is this
        one, and none is stored at `at`."""
        return self.assessment is None or self.assessment.observed_at < at


class Regrader:
    """Grades time points of one ward database and stores them, inside the caller's transaction."""

    def __init__(self, log: Log, history: SqlHistory, policy: SitePolicy, clock: Clock) -> None:
        self._log = log
        self._history = history
        self._policy = policy
        self._clock = clock

    def touched(self, stored: StoredRecord) -> tuple[datetime, datetime]:
        """The span of stored time points a record can change: its own for an ordinary new record;
        for a correction or an attribution the freshness windows (D17) around the old and the new
        time, the whole run of a corrected infusion, and an attribution's explicit `until` (D19)."""
        if stored.supersedes is None and not isinstance(stored.record, Attribution):
            return stored.observed_at, stored.observed_at
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
            if isinstance(record, Attribution) and record.until is not None:
                ends.append(record.until + window)
        return min(times) - window, max(ends)

    def grade(
        self,
        admission: Admission,
        patient_id: str,
        times: Iterable[datetime],
        source: StoredRecord | None,
        author_id: str,
        *,
        reason: str = "re-graded",
        newest: Newest | None = None,
    ) -> dict[datetime, Graded]:
        """Grade and store each time point, oldest first, so that each reads the course of the one
        before it as just re-graded. `reason` is stored on an assessment that replaces another.
        `newest`, if given, is the patient's newest assessment read under this write lock."""
        graded: dict[datetime, Graded] = {}
        for at in sorted(set(times)):
            # Only the oldest time can use what the caller read: the later ones follow an
            # assessment just stored.
            known = newest if newest is not None and newest.before(at) and not graded else None
            graded[at] = self._store(admission, patient_id, at, source, author_id, reason, known)
        return graded

    def _store(
        self,
        admission: Admission,
        patient_id: str,
        at: datetime,
        source: StoredRecord | None,
        author: str,
        reason: str,
        newest: Newest | None,
    ) -> Graded:
        graded, record = self.compute(admission, patient_id, at, source, newest=newest)
        self.store(patient_id, graded, record, author, reason, newest=newest)
        return graded

    def store(
        self,
        patient_id: str,
        graded: Graded,
        record: AssessmentRecord,
        author: str,
        reason: str,
        *,
        newest: Newest | None = None,
    ) -> None:
        """Store what `compute` gave for `graded.at` (the log unchanged since), replacing the
        assessment stored there, if any, with `reason`. `newest`, older than `graded.at`, says that
        none is stored there."""
        at = graded.at
        if newest is not None and newest.before(at):
            previous_here = None
        else:
            previous_here = self._history.assessment_for_time(patient_id, at)
        self._log.append(
            record,
            patient_id=patient_id,
            observed_at=at,
            author=author,
            supersedes=previous_here,
            reason=reason if previous_here else None,
        )

    def compute(
        self,
        admission: Admission,
        patient_id: str,
        at: datetime,
        source: StoredRecord | None = None,
        *,
        newest: Newest | None = None,
    ) -> tuple[Graded, AssessmentRecord]:
        """Grade one time point from the log as it stands, without storing: the graded result and the
        assessment record that would store it. `newest`, older than `at`, is the assessment before it."""
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
        if newest is not None and newest.before(at):
            before = newest.assessment
        else:
            before = self._history.latest_assessment(patient_id, until=at - _JUST_BEFORE)
        step = follow(
            course_of(before), assessment, crs_open=acuity.crs_open, icans_open=acuity.icans_open
        )
        record = AssessmentRecord.of(
            assessment,
            source_record=source.id if source is not None else None,
            crs_episode_open=acuity.crs_open,
            icans_episode_open=acuity.icans_open,
            crs_course=step.course.crs,
            icans_course=step.course.icans,
            stale=state.stale,
        )
        return Graded(at, assessment, acuity, step, state.stale), record
