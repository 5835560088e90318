"""What the app shows of this machine's sync with its hub (issue 9, BATTERY R9): one attempt run on a
connection of its own, its truthful outcome, and the long-unsynced technical alert.

The status never claims more than the hub confirmed: the last successful sync and the records waiting
are read from this machine's own bookkeeping after the attempt (its push cursor moves only after the
hub's commit), whether the attempt succeeded or not.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from bedside.alert_vocabulary import Priority, TechnicalAlert, TechnicalAlertKind
from bedside.clinical.policy import DEFAULT_POLICY, SitePolicy
from bedside.clock import Clock
from bedside.store.connection import StorageError, open_database
from bedside.store.log import Log
from bedside.store.receive import hub_cursors, last_seq, quarantined
from bedside.sync.exchange import SyncRefused, SyncReport, SyncSettings, local_state, sync_once
from bedside.sync.hub import HubError, HubProblem, open_hub
from bedside.ward import Ward

log = logging.getLogger(__name__)

# Not audible (bedside.audible sounds high priority only): the ward must see it, nobody is in danger
# from it at once. Bedside's choice; SPEC is silent on technical alerts.
SYNC_OVERDUE_PRIORITY = Priority.MEDIUM


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """The outcome of the last sync attempt with the hub at `hub_url`, and this machine's standing.

    `reachable` is None before any attempt ended; `problem` is the sentence of the failure (None after a
    success); `last_sync_at` is the last successful sync this machine recorded, whatever the attempt did;
    `waiting` is None only when this machine's own database could not be read.
    """

    hub_url: str
    attempted_at: datetime | None
    reachable: bool | None
    problem: str | None
    last_sync_at: datetime | None
    waiting: int | None
    conflicts: int
    pulled: int = 0
    rederived: tuple[str, ...] = ()

    @property
    def all_synced(self) -> bool:
        """Only after a successful attempt that left nothing waiting."""
        return (
            self.reachable is True
            and self.problem is None
            and self.last_sync_at is not None
            and self.waiting == 0
        )

    @property
    def changed_ward(self) -> bool:
        """The attempt brought records from other machines or re-derived pictures here."""
        return self.pulled > 0 or bool(self.rederived)


def not_yet(hub_url: str) -> SyncStatus:
    """Before the first attempt has ended."""
    return SyncStatus(hub_url, None, None, None, None, None, 0)


def _standing(
    db: Database, clock: Clock, hub_url: str, hub_id: str | None
) -> tuple[datetime | None, int, int]:
    """(last successful sync, records waiting, quarantined versions) with the hub at `hub_url`."""
    if (
        hub_id is None
    ):  # the hub could not be asked its id: the cursor this machine keeps for its URL
        hub_id = next((c.hub_id for c in hub_cursors(db) if c.url == hub_url), None)
    if hub_id is None:  # never synced with this hub: everything made here waits for it
        return None, last_seq(db, Log(db, clock).device_id), len(quarantined(db))
    state = local_state(db, hub_id)
    return state.last_sync_at, state.waiting, len(quarantined(db))


def local_status(path: str | os.PathLike[str], hub_url: str, *, clock: Clock) -> SyncStatus:
    """This machine's standing with the hub at `hub_url` from its own database only, before an attempt
    has ended (the hub is not asked)."""
    try:
        db = open_database(path, create=False, clock=clock)
    except StorageError as err:
        return SyncStatus(hub_url, None, None, err.sentence(), None, None, 0)
    try:
        last, waiting, conflicts = _standing(db, clock, hub_url, None)
    finally:
        db.conn.close()
    return SyncStatus(hub_url, None, None, None, last, waiting, conflicts)


def sync_with_hub(
    path: str | os.PathLike[str],
    hub_url: str,
    *,
    clock: Clock,
    policy: SitePolicy = DEFAULT_POLICY,
    settings: SyncSettings | None = None,
) -> SyncStatus:
    """One sync run (push, pull, re-derive) on connections of its own, for a worker thread; never
    raises for a hub that cannot be used or a run that stops: the status says what happened."""
    now = clock.now()
    try:
        db = open_database(path, create=False, clock=clock)
    except StorageError as err:
        return SyncStatus(hub_url, now, None, err.sentence(), None, None, 0)
    try:
        hub_id: str | None = None
        report: SyncReport | None = None
        problem: str | None = None
        reachable = False
        try:
            hub = open_hub(hub_url, clock=clock)
            try:
                hub_id = hub.hub_id()
                reachable = True
                report = sync_once(Ward(db, clock=clock, policy=policy), db, hub, clock, settings)
            finally:
                hub.close()
        except HubError as err:
            problem = err.sentence()
            # it answered, and said no
            refused = (HubProblem.REFUSED, HubProblem.CHAIN_REFUSED)
            reachable = reachable and err.problem in refused
        except SyncRefused as err:  # this machine's chain no longer extends the hub's anchor
            problem = err.sentence()
        except StorageError as err:
            problem = err.sentence()
        except Exception as err:  # a run that stops must still be shown as not synced
            log.exception("sync with %s stopped", hub_url)
            problem = (
                f"the sync with the hub {hub_url} stopped ({type(err).__name__}: {err}): it is "
                "tried again at the next interval; charting goes on locally and nothing is lost."
            )
        try:
            last, waiting, conflicts = _standing(db, clock, hub_url, hub_id)
        except Exception:  # this machine's own file could not be read: say so, claim nothing
            log.exception("sync status of %s could not be read", path)
            return SyncStatus(hub_url, now, reachable, problem, None, None, 0)
        return SyncStatus(
            hub_url,
            now,
            reachable if problem is not None else True,
            problem,
            last,
            waiting,
            conflicts,
            pulled=report.pulled if report else 0,
            rederived=tuple(report.rederived) if report else (),
        )
    finally:
        db.conn.close()


def sync_overdue(
    status: SyncStatus, *, started_at: datetime, now: datetime, policy: SitePolicy
) -> TechnicalAlert | None:
    """The long-unsynced technical alert (issue 9): this machine has not synced successfully for
    `policy.sync_stale_alert_min` minutes, counted from its last successful sync, or from `started_at`
    (when the app began syncing) when it has none (it never synced, or its standing is not known yet)."""
    reference = status.last_sync_at or started_at
    due = reference + timedelta(minutes=policy.sync_stale_alert_min)
    if now < due:
        return None
    minutes = int((now - reference).total_seconds() // 60)
    waiting = "unknown" if status.waiting is None else str(status.waiting)
    last = "never" if status.last_sync_at is None else "at " + status.last_sync_at.isoformat()
    detail = (
        f"no successful sync for {minutes} min (last {last}); {waiting} records waiting to be "
        f"pushed; records charted on other machines may be missing here"
    )
    return TechnicalAlert(TechnicalAlertKind.SYNC_OVERDUE, SYNC_OVERDUE_PRIORITY, due, detail)
