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
from typing import Any, Protocol

from bedside.clock import Clock
from bedside.store.schema import RECORD_COLUMNS

HUB_SCHEMA_VERSION = 1
# Columns of one record as the hub stores it, in this order (the local log's envelope and payload).
HUB_COLUMNS = RECORD_COLUMNS


class HubProblem(Enum):
    """Why a hub cannot be used; `value` words it, `advice` says what to do."""

    UNREACHABLE = "cannot be reached"
    NOT_A_HUB = "is not a Bedside hub"
    NOT_INITIALISED = "has no hub schema yet"
    INCOMPATIBLE = "was made by a newer Bedside"
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
    """One record as pulled from the hub, with the number the hub gave it."""

    hub_seq: int
    row: dict[str, Any]


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
        push cursor moves in the same commit."""
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
