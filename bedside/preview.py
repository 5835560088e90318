"""A draft graded against the patient's log as it stands, without writing (the app's live preview).

The draft is laid over the log's read side: the time point's state is assembled as if the draft were
charted, and graded by the same engine that grades a save. Nothing is written, no lock is taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bedside.clinical.crs import FEVER_C
from bedside.clinical.vocabulary import CapdNotAssessable, EncephalopathyTool, IceNotAssessable
from bedside.records import NeuroCheck, Record, VitalSigns
from bedside.timepoint import History, Stored

# D21: these reasons say the check was not done; the others (unarousable, sedated) are assessments.
_NOT_DONE = frozenset(
    {
        IceNotAssessable.NOT_DONE,
        IceNotAssessable.POSTICTAL_NOT_DONE,
        CapdNotAssessable.NOT_DONE,
        CapdNotAssessable.POSTICTAL_NOT_DONE,
    }
)
DRAFT_ID = "(draft)"


@dataclass(frozen=True, slots=True)
class DraftRecord:
    """The draft as the assembly reads a stored record."""

    id: str
    observed_at: datetime
    record: Record
    supersedes: str | None = None

    @property
    def kind(self) -> str:
        return self.record.KIND


class DraftOverlay:
    """`timepoint.History` over the log with one draft record added (and the record it would correct
    taken away)."""

    def __init__(self, history: History, draft: DraftRecord) -> None:
        self._history = history
        self._draft = draft

    def effective(
        self, patient_id: str, kinds: Sequence[str], since: datetime | None, until: datetime
    ) -> Sequence[Stored]:
        found: list[Any] = [
            s
            for s in self._history.effective(patient_id, kinds, since, until)
            if not self._hides(s)
        ]
        at = self._draft.observed_at
        if self._draft.kind in kinds and (since is None or since <= at) and at <= until:
            found.append(self._draft)
            found.sort(key=lambda s: s.observed_at)  # stable: the draft is the newest at its time
        return found

    def _hides(self, stored: Stored) -> bool:
        return stored.id == self._draft.supersedes

    def vitals_held(
        self, patient_id: str, names: Sequence[str], since: datetime, before: datetime
    ) -> frozenset[str]:
        sets = [
            s.record
            for s in self.effective(patient_id, ["vitals"], since, before)
            if s.observed_at < before
        ]
        return frozenset(n for n in names if any(getattr(v, n) is not None for v in sets))

    def fever_times(self, patient_id: str, since: datetime, until: datetime) -> list[datetime]:
        times = list(self._history.fever_times(patient_id, since, until))
        if self._is_fever() and since <= self._draft.observed_at <= until:
            times = sorted([*times, self._draft.observed_at])
        return times

    def last_fever(self, patient_id: str, since: datetime, until: datetime) -> datetime | None:
        times = self.fever_times(patient_id, since, until)
        return times[-1] if times else None

    def _is_fever(self) -> bool:
        record = self._draft.record
        if not isinstance(record, VitalSigns):
            return False
        temp = record.temp_c()
        return temp is not None and Decimal(str(temp)) >= FEVER_C  # SPEC 2.1, as the store's index

    def worst_grade(
        self, syndrome: str, patient_id: str, since: datetime, until: datetime
    ) -> tuple[int | None, datetime | None]:
        return self._history.worst_grade(syndrome, patient_id, since, until)

    def last_observed(self, patient_id: str, kind: str, until: datetime) -> datetime | None:
        last = self._history.last_observed(patient_id, kind, until)
        at = self._draft.observed_at
        if kind == self._draft.kind and at <= until and (last is None or at > last):
            return at
        return last

    def last_completed_neuro(
        self, patient_id: str, tool: EncephalopathyTool | None, until: datetime
    ) -> datetime | None:
        last = self._history.last_completed_neuro(patient_id, tool, until)
        record, at = self._draft.record, self._draft.observed_at
        if (
            isinstance(record, NeuroCheck)
            and (tool is None or record.tool is tool)
            and (record.ice_not_assessable or record.capd_not_assessable) not in _NOT_DONE
            and at <= until
            and (last is None or at > last)
        ):
            return at
        return last
