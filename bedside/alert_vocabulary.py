"""The words of the alert system (kinds, priorities, event types, states, a stored event): imports
nothing of ours.

Records and the store name these without importing the alert rules (DESIGN section 2).
"""

from __future__ import annotations

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
