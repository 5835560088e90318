"""The hub: another database that holds the union of every ward machine's log (DESIGN section 7).

Two implementations share this interface: a SQLite file (`sqlite:///path/hub.db`) and PostgreSQL
(`postgresql://...`). A hub numbers what it receives (`hub_seq`, in commit order), keeps one cursor pair
per machine, and quarantines a pushed version whose id it already holds with other content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from itertools import pairwise
from typing import Any, Protocol

from bedside.clock import Clock
from bedside.store.schema import RECORD_COLUMNS
from bedside.store.verify import Anchor, chain_hash_of_values

# 2: each machine's chain head is anchored at every push (hub_anchors), and a push or a machine whose
# chain no longer extends it is refused and recorded (hub_chain_conflicts).
HUB_SCHEMA_VERSION = 2
# Columns of one record as the hub stores it, in this order (the local log's envelope and payload).
HUB_COLUMNS = RECORD_COLUMNS


class HubProblem(Enum):
    """Why a hub cannot be used; `value` words it, `advice` says what to do."""

    UNREACHABLE = "cannot be reached"
    NOT_A_HUB = "is not a Bedside hub"
    NOT_INITIALISED = "has no hub schema yet"
    INCOMPATIBLE = "was made by a newer Bedside"
    OUTDATED = "has an older hub schema"
    CHAIN_REFUSED = "refused this machine's records"
    NETWORK_SHARE = "is on a network share"
    BAD_URL = "is not a hub address"
    REFUSED = "refused the operation"

    @property
    def advice(self) -> str:
        return _ADVICE[self]


_ADVICE = {
    HubProblem.UNREACHABLE: (
        "check the network and the hub's address, then run the sync again; "
        "charting goes on locally and nothing is lost"
    ),
    HubProblem.NOT_A_HUB: "check the hub address",
    HubProblem.NOT_INITIALISED: "create it with `bedside hub init URL`",
    HubProblem.INCOMPATIBLE: "use the newer Bedside that made it",
    HubProblem.OUTDATED: "migrate it with `bedside hub init URL`",
    HubProblem.CHAIN_REFUSED: (
        "they do not continue the chain the hub anchored at the last sync, so this machine's log was "
        "changed since; nothing was written: run `bedside verify --hub URL` here and tell the ward's "
        "IT support"
    ),
    HubProblem.NETWORK_SHARE: (
        "SQLite's locking is not safe on a network share: use a PostgreSQL hub, or a file on a "
        "local disk or removable medium"
    ),
    HubProblem.BAD_URL: "give sqlite:///path/to/hub.db or postgresql://user@host/db",
    HubProblem.REFUSED: "check the hub's permissions and space, then try again",
}


class HubError(Exception):
    """The hub cannot be used; `problem` says why, the message gives the detail."""

    def __init__(self, problem: HubProblem, where: str, detail: str = "") -> None:
        super().__init__(detail)
        self.problem = problem
        self.where = where

    def sentence(self) -> str:
        detail = f" ({self})" if str(self) else ""
        return f"the hub {self.where} {self.problem.value}{detail}: {self.problem.advice}."


@dataclass(frozen=True, slots=True)
class HubRecord:
    """One record as pulled from the hub, with the number the hub gave it: its values in HUB_COLUMNS
    order (what `receive` takes)."""

    hub_seq: int
    values: tuple[Any, ...]

    @property
    def row(self) -> dict[str, Any]:
        return row_dict(self.values)


@dataclass(frozen=True, slots=True)
class Clash:
    """A pushed version the hub did not take: a conflict (the id is held with other content) or a
    rejection (the hub's database refused the row), with the reason and both versions."""

    record_id: str
    reason: str
    pushed: dict[str, Any]
    held: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class PushResult:
    inserted: int
    duplicates: int
    clashes: tuple[Clash, ...]
    pushed_seq: int  # the hub's cursor for this machine after the commit


@dataclass(frozen=True, slots=True)
class MachineStatus:
    device_id: str
    pushed_seq: int
    pulled_hub_seq: int
    last_push_at: datetime | None
    last_pull_at: datetime | None
    clock_offset_s: float | None
    records: int
    anchor: Anchor | None = None  # the machine's chain head as the hub holds it


@dataclass(frozen=True, slots=True)
class ChainConflict:
    """A machine whose chain no longer extends the head the hub anchored (a rewritten or truncated
    log), found at a push (by the hub) or before one (by the machine)."""

    device_id: str
    reason: str
    anchored_seq: int
    anchored_hash: str
    found_seq: int | None  # the first seq of the push, or the machine's own head
    found_hash: str | None
    found_at: datetime


@dataclass(frozen=True, slots=True)
class ConflictRow:
    record_id: str
    device_id: str
    reason: str
    found_at: datetime
    pushed: dict[str, Any]
    held: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class HubStatus:
    hub_id: str
    records: int
    last_hub_seq: int
    machines: tuple[MachineStatus, ...]
    conflicts: tuple[ConflictRow, ...] = field(default=())
    chain_conflicts: tuple[ChainConflict, ...] = field(default=())


class Hub(Protocol):
    """What the sync needs of a hub. Every write is one transaction; a cursor is written in the
    transaction of the records it describes."""

    url: str  # the address, without a password, for messages

    def hub_id(self) -> str: ...

    def pushed_seq(self, device_id: str) -> int:
        """The highest seq of `device_id` the hub has committed (taken or quarantined)."""
        ...

    def push(
        self, device_id: str, rows: Sequence[Sequence[Any]], reported_now: datetime
    ) -> PushResult:
        """Insert RECORD_COLUMNS tuples of one device (seq order) with "on conflict (id) do nothing";
        a held id with other content, or a row the database refuses, is quarantined; the machine's
        push cursor and its anchor (the head of the batch) move in the same commit. Rows above the
        anchor must continue it (`chain_problem`): otherwise nothing is taken, the conflict is
        recorded, and HubError(CHAIN_REFUSED) is raised."""
        ...

    def anchor(self, device_id: str) -> Anchor | None:
        """The head (seq, hash) of `device_id`'s chain the hub anchored at its last push; None before
        its first push."""
        ...

    def report_chain_conflict(
        self, device_id: str, reason: str, anchor: Anchor, found: tuple[int, str | None] | None
    ) -> None:
        """Record that the machine found its chain no longer extends `anchor` (it refused to sync)."""
        ...

    def pull(self, after_hub_seq: int, exclude_device: str, limit: int) -> list[HubRecord]:
        """Records above `after_hub_seq` that other machines pushed, in hub_seq order."""
        ...

    def last_hub_seq(self) -> int: ...

    def clock_offsets(self) -> dict[str, float]:
        """Each machine's clock minus the hub's, in seconds, as measured at its last push."""
        ...

    def report_pulled(self, device_id: str, hub_seq: int) -> None:
        """Record (after the machine's own commit) how far the machine has received."""
        ...

    def status(self) -> HubStatus: ...

    def close(self) -> None: ...


def open_hub(url: str, *, clock: Clock | None = None, create: bool = False) -> Hub:
    """The hub at `url`; `create` makes or migrates its schema (`bedside hub init`)."""
    if url.startswith("sqlite:///"):
        from bedside.sync.sqlite_hub import SqliteHub

        return SqliteHub.open(url, clock=clock, create=create)
    if url.startswith(("postgresql://", "postgres://")):
        from bedside.sync.postgres_hub import PostgresHub

        return PostgresHub.open(url, create=create)
    raise HubError(HubProblem.BAD_URL, repr(url))


def row_dict(values: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(HUB_COLUMNS, values, strict=True))


def in_seq_order(rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
    """The rows of a push in seq order (as the local log reads them, they already are)."""
    seq_at = HUB_COLUMNS.index("seq")
    if all(int(a[seq_at]) < int(b[seq_at]) for a, b in pairwise(rows)):
        return rows
    return sorted(rows, key=lambda r: int(r[seq_at]))


def split_held(
    rows: Sequence[Sequence[Any]], held: dict[object, tuple[Any, ...]]
) -> tuple[list[Clash], list[Sequence[Any]]]:
    """Given what the hub holds of the pushed ids: the rows it holds with other content (conflicts,
    with both versions), and the rows it does not hold (to insert)."""
    if not held:
        return [], list(rows)
    clashes, fresh = [], []
    for row in rows:
        found = held.get(row[0])
        if found is None:
            fresh.append(row)
        elif found != tuple(row):
            reason = "conflict: the hub holds this id with other content"
            clashes.append(Clash(str(row[0]), reason, row_dict(row), row_dict(found)))
    return clashes, fresh


def chain_problem(
    device_id: str, anchor: Anchor | None, rows: Sequence[Sequence[Any]]
) -> tuple[str, tuple[int, str] | None] | None:
    """Why the rows of a push above the anchored head do not continue it, with the (seq, hash) of the
    first row that does not; None when they do. Rows at or below the anchor are replays, handled as
    duplicates or conflicts by id. Before the first push the anchor is the chain's start (seq 0)."""
    from bedside.store.log import GENESIS_HASH

    seq_at, hash_at = HUB_COLUMNS.index("seq"), HUB_COLUMNS.index("hash")
    device_at = HUB_COLUMNS.index("device_id")
    base = anchor or Anchor(device_id, 0, GENESIS_HASH)
    expected, previous = base.seq + 1, base.hash
    above = [r for r in rows if int(r[seq_at]) > base.seq]
    if not all(a[seq_at] < b[seq_at] for a, b in pairwise(above)):
        above.sort(key=lambda r: r[seq_at])  # (the rows of a push come in seq order already)
    for row in above:
        seq, digest = int(row[seq_at]), str(row[hash_at])
        if row[device_at] != device_id:
            return f"seq {seq} is a record of device {row[device_at]}, not {device_id}", (
                seq,
                digest,
            )
        if seq != expected:
            what = f"records {expected}–{seq - 1} are missing" if seq > expected else "out of order"
            return (
                f"seq {seq} does not follow the anchored seq {base.seq} ({what})",
                (seq, digest),
            )
        if chain_hash_of_values(previous, row) != digest:
            return (
                f"seq {seq} does not continue the chain anchored at seq {base.seq} "
                "(its hash does not match its content and the record before it)",
                (seq, digest),
            )
        expected, previous = seq + 1, digest
    return None
