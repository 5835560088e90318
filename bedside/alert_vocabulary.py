"""The words of the alert system (kinds, priorities, event types, states, a stored event): imports
nothing of ours.

Records and the store name these without importing the alert rules (DESIGN section 2).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum


class AlertKind(StrEnum):
    CRS = "crs"
    ICANS = "icans"
    NEWS2 = "news2"
    PEWS = "pews"
    HYPOXIA = "hypoxia"
    VASOPRESSOR = "vasopressor"
    INTRACRANIAL_HAEMORRHAGE = "intracranial_haemorrhage"
    PRE_INFUSION_FEVER = "pre_infusion_fever"
    NO_FEVER_ORGAN_DYSFUNCTION = "no_fever_organ_dysfunction"
    NEURO_OVERDUE = "neuro_overdue"
    VITALS_OVERDUE = "vitals_overdue"
    CRS_DOWNGRADE = "crs_downgrade"
    ICANS_DOWNGRADE = "icans_downgrade"
    INCOMPLETE_DATA = "incomplete_data"  # D20: a grade fell only because data are missing
    WAIVER_REVIEW = "waiver_review"  # D23: afebrile > 72 h on the fever waiver


class TechnicalAlertKind(StrEnum):
    """Alerts about this ward machine, not about a patient: derived from its own state, never stored in
    the log (another machine's log says nothing about this one)."""

    SYNC_OVERDUE = "sync_overdue"  # issue 9: no successful sync for the site policy's minutes


class Priority(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def code(self) -> str:
        """The stored and contract form: "low", "medium", "high"."""
        return self.name.lower()

    @classmethod
    def from_code(cls, code: str) -> Priority:
        """The member of a stored code; raises KeyError for anything else (no other spelling)."""
        return _PRIORITY_OF_CODE[code]


_PRIORITY_OF_CODE = {p.code: p for p in Priority}


class AlertEventType(StrEnum):
    RAISED = "raised"
    ESCALATED = "escalated"  # the level rose, or it stayed unacknowledged past the site-policy time
    LEVEL_CHANGED = "level_changed"  # the level fell while the condition persists
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    OVERTAKEN = "overtaken"  # a later record made it moot (a rise overtook a fall): ends it


class AlertStatus(StrEnum):
    ACTIVE = "active"  # needs acknowledgement
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class StoredAlertEvent:
    """One alert event as read back from the log (the ward maps records to this)."""

    alert_id: str
    patient_id: str
    at: datetime
    author: str
    kind: AlertKind
    event: AlertEventType
    priority: Priority
    level: int
    detail: str


@dataclass(frozen=True, slots=True)
class TechnicalAlert:
    """An alert about this machine (not a patient) while its condition holds: it ends by itself when the
    condition ends (a successful sync), so there is nothing to acknowledge."""

    kind: TechnicalAlertKind
    priority: Priority
    since: datetime  # when the condition began
    detail: str


# DESIGN 7: an alert's identity is derived from the log, never made on one machine, so that two machines
# that raise the same alert offline raise one alert, and an acknowledgement on one holds on all.
_ALERT_NAMESPACE = uuid.UUID("6f1d3c2e-5b7a-4e0f-9a41-0c8d2b7e5a19")


def alert_identity(patient_id: str, kind: AlertKind, episode: str, level: int) -> str:
    """The id of the alert of `kind` about `level` in one episode of one patient (D20: each new lower
    level of a fall is a new alert)."""
    return str(uuid.uuid5(_ALERT_NAMESPACE, f"{patient_id}/{kind.value}/{episode}/{level}"))
