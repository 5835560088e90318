"""Who may do what: the roles of the ward and the actions each may take (BATTERY R17, D9)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# The id the service's own timer writes under (overdue checks, escalations, re-derivations): never a
# person's, so no user may be created with it and no caller may write as it (R17).
SYSTEM_USER_ID = "system"


class Role(StrEnum):
    NURSE = "nurse"
    PHYSICIAN = "physician"
    ADMIN = "admin"
    READ_ONLY = "read_only"


class Action(StrEnum):
    ADMIT = "admit"  # admit and discharge (or transfer): nurses and physicians, never admins
    CHART = "chart"  # vitals, neuro checks, interventions, notes, corrections of one's charting
    ATTRIBUTE = "attribute"  # D9: only a physician attributes a finding to another cause
    ACKNOWLEDGE = "acknowledge"
    CLOSE_EPISODE = "close_episode"  # D10: a clinician closes an episode
    SIGN_GRADE = "sign_grade"
    EXPORT = "export"  # the chart leaves the ward (FHIR): physicians and the hospital's IT admins
    MANAGE_USERS = "manage_users"  # issue 10: create and disable users, reset PINs: admins only
    SET_POLICY = (
        "set_policy"  # issues 9 and 10: change the site policy (a policy_set record): admins only
    )


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.NURSE: frozenset({Action.ADMIT, Action.CHART, Action.ACKNOWLEDGE}),
    Role.PHYSICIAN: frozenset(Action) - {Action.MANAGE_USERS, Action.SET_POLICY},
    # Issue 10: admins manage users and the site policy, and export; they do not chart (nor admit).
    Role.ADMIN: frozenset({Action.EXPORT, Action.MANAGE_USERS, Action.SET_POLICY}),
    Role.READ_ONLY: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Author:
    """The logged-in user a write is attributed to.

    On a ward with users, only an `Author` returned by `Ward.authenticate` writes: its `proof` is a
    seal the ward checks (`bedside.access`); one made by hand has none and is refused."""

    user_id: str
    role: Role
    proof: bytes | None = field(default=None, repr=False, compare=False)

    def may(self, action: Action) -> bool:
        return action in PERMISSIONS[self.role]
