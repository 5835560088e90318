"""Who may do what: the roles of the ward and the actions each may take (BATTERY R17, D9)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    NURSE = "nurse"
    PHYSICIAN = "physician"
    ADMIN = "admin"
    READ_ONLY = "read_only"


class Action(StrEnum):
    ADMIT = "admit"
    CHART = "chart"  # vitals, neuro checks, interventions, notes, corrections of one's charting
    ATTRIBUTE = "attribute"  # D9: only a physician attributes a finding to another cause
    ACKNOWLEDGE = "acknowledge"
    CLOSE_EPISODE = "close_episode"  # D10: a clinician closes an episode
    SIGN_GRADE = "sign_grade"
    EXPORT = "export"  # the chart leaves the ward (FHIR): physicians and the hospital's IT admins
    SET_POLICY = (
        "set_policy"  # issues 9 and 10: change the site policy (a policy_set record): admins only
    )


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.NURSE: frozenset({Action.ADMIT, Action.CHART, Action.ACKNOWLEDGE}),
    Role.PHYSICIAN: frozenset(Action) - {Action.SET_POLICY},
    Role.ADMIN: frozenset({Action.ADMIT, Action.EXPORT, Action.SET_POLICY}),
    Role.READ_ONLY: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Author:
    """The logged-in user a write is attributed to."""

    user_id: str
    role: Role

    def may(self, action: Action) -> bool:
        return action in PERMISSIONS[self.role]
