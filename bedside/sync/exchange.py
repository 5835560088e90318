"""One sync run between this ward machine and a hub: push what the hub lacks, pull what others pushed,
re-derive the pictures the received records touch (DESIGN section 7).

Every step may be interrupted and run again: the hub moves this machine's push cursor in the commit of
the records it took, and this machine moves its pull cursor in the commit of the records it received,
so nothing is lost and nothing doubles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlite_utils import Database

from bedside.clock import Clock
from bedside.store.connection import transaction
from bedside.store.log import Log
from bedside.store.receive import (
    Quarantined,
    hub_cursor,
    last_seq,
    move_cursor,
    outgoing,
    quarantine,
    receive,
)
from bedside.store.verify import Anchor
from bedside.sync.hub import Clash, Hub
from bedside.ward import Ward

# Records per push and per pull transaction: each batch costs a commit on both sides (and the hub
# its bookkeeping); 20,000 records are some 25 MB in memory while a batch is checked.
BATCH_SIZE = 20_000
# Records whose machine's clock is further off than this are flagged "clock suspect" (a setting; the
# README says so). Ten minutes: far more than a ward PC's drift, far less than a wrong day or zone.
CLOCK_SUSPECT_AFTER = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class SyncSettings:
    batch_size: int = BATCH_SIZE
    clock_suspect_after: timedelta = CLOCK_SUSPECT_AFTER


@dataclass(slots=True)
class SyncReport:
    """What one run did, and what is still waiting."""

    pushed: int = 0
    already_there: int = 0
    clashes: list[Clash] = field(default_factory=list)
    pulled: int = 0
    received_twice: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    flagged: int = 0
    rederived: list[str] = field(default_factory=list)
    waiting: int = 0  # local records the hub has not committed


class SyncRefused(Exception):
    """This machine's chain no longer extends the head the hub anchored at the last sync (its log was
    rewritten or truncated since): nothing was pushed or received, and the hub recorded the conflict."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(reason)
        self.where = where

    def sentence(self) -> str:
        return (
            f"sync with the hub {self.where} refused: {self}; nothing was sent or received: run "
            "`bedside verify --hub URL` on this machine and tell the ward's IT support"
        )


def chain_against_anchor(db: Database, anchor: Anchor) -> tuple[str, tuple[int, str | None]] | None:
    """Why this machine's chain no longer extends the hub's anchor, with what it has there; None when
    the anchored record is still here, with the anchored hash."""
    row = db.conn.execute(
        "SELECT hash FROM records WHERE device_id = ? AND seq = ?", [anchor.device_id, anchor.seq]
    ).fetchone()
    if row is None:
        head = last_seq(db, anchor.device_id)
        return (
            f"the hub anchored seq {anchor.seq} of this machine's chain, which now ends at seq "
            f"{head}: the log was truncated",
            (head, None),
        )
    if row[0] != anchor.hash:
        return (
            f"the hub anchored seq {anchor.seq} of this machine's chain with another hash: the log "
            "was rewritten",
            (anchor.seq, str(row[0])),
        )
    return None


# A step of the run, named for the crash tests (BATTERY R6); the hook may raise to interrupt there.
Step = Callable[[str], None]


def _nothing(step: str) -> None:
    del step


@dataclass(frozen=True, slots=True)
class SyncState:
    """What this machine knows of its sync with one hub, from its own database only."""

    hub_id: str | None
    last_sync_at: datetime | None
    waiting: int  # records made here that the hub is not known to hold

    @property
    def all_synced(self) -> bool:
        return self.hub_id is not None and self.waiting == 0


def local_state(db: Database, hub_id: str | None = None) -> SyncState:
    """This machine's view of its sync, never claiming more than a hub confirmed: its push cursor
    moves only after the hub's commit."""
    device_id = db.conn.execute("SELECT device_id FROM device").fetchone()[0]
    mine = last_seq(db, device_id)
    cursor = hub_cursor(db, hub_id) if hub_id else None
    if cursor is None and hub_id is None:
        row = db.conn.execute(
            "SELECT hub_id FROM sync_hubs ORDER BY last_sync_at DESC LIMIT 1"
        ).fetchone()
        cursor = hub_cursor(db, row[0]) if row else None
    if cursor is None:
        return SyncState(None, None, mine)
    return SyncState(cursor.hub_id, cursor.last_sync_at, max(mine - cursor.pushed_seq, 0))


def sync_once(
    ward: Ward,
    db: Database,
    hub: Hub,
    clock: Clock,
    settings: SyncSettings | None = None,
    step: Step = _nothing,
) -> SyncReport:
    """Push, pull, re-derive. Raises HubError when the hub cannot be used (nothing local is lost), and
    SyncRefused, before anything is sent or received, when this machine's chain no longer extends the
    head the hub anchored (the hub records the conflict)."""
    settings = settings or SyncSettings()
    report = SyncReport()
    log = Log(db, clock)
    device_id = log.device_id
    hub_id = hub.hub_id()
    anchor = hub.anchor(device_id)
    if anchor is not None:
        broken = chain_against_anchor(db, anchor)
        if broken is not None:
            hub.report_chain_conflict(device_id, broken[0], anchor, broken[1])
            raise SyncRefused(hub.url, broken[0])
    # Anything a crash left queued for re-derivation is done first.
    report.rederived += ward.rederive_after_sync()
    # --- push: the hub's cursor says what it holds; seq order, in batches.
    cursor = hub.pushed_seq(device_id)
    while True:
        step("read batch")
        rows = outgoing(db, device_id, cursor, settings.batch_size)
        if not rows:
            break
        step("hub insert")
        result = hub.push(device_id, rows, clock.now())
        step("after hub commit")
        report.pushed += result.inserted
        report.already_there += result.duplicates
        report.clashes += result.clashes
        with transaction(db):
            quarantine(
                db,
                [Quarantined(c.record_id, c.reason, c.pushed, c.held) for c in result.clashes],
                origin="pushed",
                now=clock.now(),
            )
            move_cursor(db, hub_id, hub.url, pushed_seq=result.pushed_seq)
        step("after local push cursor")
        cursor = result.pushed_seq
        if len(rows) < settings.batch_size:
            break
    # --- pull: the ward's records other machines pushed, above this machine's cursor.
    known = hub_cursor(db, hub_id)
    after = known.pulled_hub_seq if known else 0
    offsets = hub.clock_offsets()
    while True:
        step("pull batch")
        batch = hub.pull(after, device_id, settings.batch_size)
        if not batch:
            break
        top = batch[-1].hub_seq
        with transaction(db):
            got = receive(
                db,
                log,
                [b.values for b in batch],
                clock,
                clock_suspect_after=settings.clock_suspect_after,
                device_offsets=offsets,
            )
            step("received before local commit")
            move_cursor(db, hub_id, hub.url, pulled_hub_seq=top)
        step("after local pull commit")
        report.pulled += got.accepted
        report.received_twice += got.duplicates
        report.quarantined += got.quarantined
        report.flagged += len(got.flags)
        hub.report_pulled(device_id, top)
        after = top
        if len(batch) < settings.batch_size:
            break
    step("rederive")
    report.rederived += ward.rederive_after_sync()
    # Re-derivation writes records here (assessments, alert events): they go up in this run too.
    rows = outgoing(db, device_id, hub.pushed_seq(device_id), settings.batch_size)
    while rows:
        result = hub.push(device_id, rows, clock.now())
        report.pushed += result.inserted
        report.clashes += result.clashes
        with transaction(db):
            move_cursor(db, hub_id, hub.url, pushed_seq=result.pushed_seq)
        rows = outgoing(db, device_id, result.pushed_seq, settings.batch_size)
    with transaction(db):
        move_cursor(db, hub_id, hub.url, synced_at=clock.now())
    report.waiting = local_state(db, hub_id).waiting
    return report
