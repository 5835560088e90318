"""The site policy in force on a ward: the configured defaults overlaid by the policy_set records of the
log (issues 9 and 10), so that every machine that holds the same records grades by the same rules.

The records are applied in log order: by the HLC stamp (`entered_at`) of each record, which sorts alike
on every machine after a sync. A correction takes the place of the record it corrects (its settings
replace that record's, at that record's place), so that correcting the reason of an old change never
re-asserts its values over later ones. A record whose settings contradict the policy they would join
(two machines changed related settings apart) is not applied, and `InForce.refused` says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from bedside.clinical.policy import SitePolicy, with_settings
from bedside.records import WARD_ID, PolicySet
from bedside.store.log import Log, StoredRecord
from bedside.store.schema import LOG_INDEXED

# What changes when a policy_set record is written or received here: their number and newest stamp.
PolicyStamp = tuple[int, str | None]


@dataclass(frozen=True, slots=True)
class Refused:
    """A policy_set record that was not applied, and the sentence saying why."""

    stored: StoredRecord
    problem: str


@dataclass(frozen=True, slots=True)
class InForce:
    """The policy in force, the defaults it starts from, and for each changed setting the record
    whose value holds (who changed it, when and why)."""

    policy: SitePolicy
    defaults: SitePolicy
    changed_by: Mapping[str, StoredRecord]
    applied: tuple[StoredRecord, ...]
    refused: tuple[Refused, ...]
    stamp: PolicyStamp

    def value(self, name: str) -> Any:
        return getattr(self.policy, name)


def policy_stamp(db: Database) -> PolicyStamp:
    """A cheap fingerprint of the ward's policy_set records (the (patient, kind) index answers it):
    it changes with each one written here or received from another machine."""
    count, newest = db.conn.execute(
        f"SELECT count(*), max(entered_at) FROM records WHERE patient_id = ? AND {LOG_INDEXED} "
        "AND kind = ?",
        [WARD_ID, PolicySet.KIND],
    ).fetchone()
    return int(count), newest


def policy_records(log: Log) -> list[StoredRecord]:
    """Every version of every policy_set record (corrected ones too), in clinical order."""
    return log.records_for_patient(WARD_ID, [PolicySet.KIND])


def read_policy(db: Database, log: Log, defaults: SitePolicy) -> InForce:
    """The policy in force on the ward of `db`, starting from `defaults` (the site's configuration)."""
    stamp = policy_stamp(db)
    return fold(defaults, policy_records(log), stamp)


def fold(
    defaults: SitePolicy, versions: Sequence[StoredRecord], stamp: PolicyStamp = (0, None)
) -> InForce:
    """`defaults` overlaid by the current versions among `versions`, in log order (see the module)."""
    by_id = {v.id: v for v in versions}
    superseded = {v.supersedes for v in versions if v.supersedes is not None}

    def root(stored: StoredRecord) -> StoredRecord:
        seen = {stored.id}
        while stored.supersedes is not None and stored.supersedes in by_id:
            stored = by_id[stored.supersedes]
            if stored.id in seen:  # a loop no writer of Bedside's can make: stop at once
                break
            seen.add(stored.id)
        return stored

    current = [v for v in versions if v.id not in superseded]
    current.sort(key=lambda v: (root(v).entered_at, v.entered_at, v.id))
    policy = defaults
    changed_by: dict[str, StoredRecord] = {}
    applied: list[StoredRecord] = []
    refused: list[Refused] = []
    for stored in current:
        record = stored.record
        assert isinstance(record, PolicySet)
        try:
            policy = with_settings(policy, dict(record.settings))
        except ValueError as err:
            refused.append(Refused(stored, str(err)))
            continue
        applied.append(stored)
        for name in record.settings:
            changed_by[name] = stored
    return InForce(policy, defaults, changed_by, tuple(applied), tuple(refused), stamp)
