"""The append-only guard: the triggers that keep every clinical row as written, and the check of their SQL.

SQLite's `INSERT OR REPLACE` deletes a conflicting row without firing DELETE triggers when
`recursive_triggers` is off (the default of every other program), so each protected table also has a
BEFORE INSERT trigger that refuses a row whose key already exists. The bookkeeping tables (`devices`,
`device`, `_sqlite_migrations`) allow only what the store itself does: a device's head moves forward to the
record just appended, the hybrid logical clock moves forward, a migration is recorded once.

At every open the triggers on these tables are compared with `expected()` by their SQL text (whitespace
normalised), not by name: a same-name trigger that never fires (`WHEN 0`), a missing one or an extra one on
a protected table is refused as damage. The definitions are those migration 7 installs; changing one needs a
new migration that installs the new text.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from bedside.store.errors import StorageError, StorageProblem


@dataclass(frozen=True, slots=True)
class TriggerDefinition:
    name: str
    table: str
    sql: str


class GuardTampered(StorageError):
    """The append-only triggers are not the ones Bedside installs: the file was changed outside Bedside."""

    default_problem = StorageProblem.DAMAGED


# Unique keys of each clinical table (every UNIQUE constraint: REPLACE deletes on any of them). `rowid`
# is matched only when given explicitly (SQLite gives NEW.rowid = -1 in a BEFORE INSERT otherwise).
_KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "records": (("id",), ("device_id", "seq")),
    "vitals": (("patient_id", "observed_at", "record_id"),),  # WITHOUT ROWID: its primary key
    # WITHOUT ROWID since migration 6: clustered by its primary key, which the test looks up
    "assessments": (("patient_id", "observed_at", "entered_at", "record_id"),),
}
_WITHOUT_ROWID = frozenset({"vitals", "assessments"})
_ENDING_EVENTS = (
    "('acknowledged', 'resolved', 'overtaken')"  # alert_vocabulary: what can end an alert
)

BOOKKEEPING_TABLES = ("devices", "device", "_sqlite_migrations")
PROJECTION_TABLES = ("unresolved_alerts",)


def _refuse(name: str, table: str, event: str, when: str | None, message: str) -> TriggerDefinition:
    condition = f" WHEN {when}" if when else ""
    return TriggerDefinition(
        name,
        table,
        f"CREATE TRIGGER {name} BEFORE {event} ON {table}{condition} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
    )


def _key_exists(table: str) -> str:
    keys = _KEYS.get(table, (("record_id",),))
    tests = [
        f"EXISTS (SELECT 1 FROM {table} WHERE "
        + " AND ".join(f"{column} = NEW.{column}" for column in key)
        + ")"
        for key in keys
    ]
    if table not in _WITHOUT_ROWID:
        tests.append(f"(NEW.rowid > 0 AND EXISTS (SELECT 1 FROM {table} WHERE rowid = NEW.rowid))")
    return " OR ".join(tests)


def _clinical(table: str) -> list[TriggerDefinition]:
    return [
        _refuse(
            f"{table}_no_update",
            table,
            "UPDATE",
            None,
            f"append-only: {table} rows are never updated; chart a correction instead",
        ),
        _refuse(
            f"{table}_no_delete",
            table,
            "DELETE",
            None,
            f"append-only: {table} rows are never deleted; chart a correction instead",
        ),
        _refuse(
            f"{table}_no_replace",
            table,
            "INSERT",
            _key_exists(table),
            f"append-only: {table} rows are never replaced; chart a correction instead",
        ),
    ]


def _unresolved_alerts() -> list[TriggerDefinition]:
    table = "unresolved_alerts"
    return [
        # Raising an alert that is already listed changes nothing (what INSERT OR IGNORE does), and a
        # REPLACE cannot move it to another patient.
        TriggerDefinition(
            f"{table}_no_replace",
            table,
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE alert_id = NEW.alert_id) "
            "BEGIN SELECT RAISE(IGNORE); END",
        ),
        _refuse(
            f"{table}_no_update",
            table,
            "UPDATE",
            None,
            f"append-only: {table} rows are never updated",
        ),
        # The ward drops an alert once its events end it; an alert with no event that can end it stays.
        _refuse(
            f"{table}_only_ended",
            table,
            "DELETE",
            "NOT EXISTS (SELECT 1 FROM alert_events WHERE alert_id = OLD.alert_id "
            f"AND event IN {_ENDING_EVENTS})",
            "unresolved_alerts: an alert is dropped only once its events end it",
        ),
    ]


# A device's head names the record just appended: forward, existing, and the last of its chain.
_HEAD_IS_NEWEST = (
    "NOT EXISTS (SELECT 1 FROM records WHERE device_id = NEW.device_id AND seq = NEW.last_seq "
    "AND hash = NEW.last_hash) "
    "OR EXISTS (SELECT 1 FROM records WHERE device_id = NEW.device_id AND seq > NEW.last_seq)"
)


def _bookkeeping() -> list[TriggerDefinition]:
    never = "the store keeps it; it is never"
    return [
        _refuse("devices_no_delete", "devices", "DELETE", None, f"devices: {never} deleted"),
        _refuse(
            "devices_head_forward",
            "devices",
            "UPDATE",
            f"NEW.device_id IS NOT OLD.device_id OR NEW.last_seq <= OLD.last_seq OR {_HEAD_IS_NEWEST}",
            "devices: a head only moves forward, to the newest record of its device",
        ),
        # Also reached by the store's upsert (INSERT ... ON CONFLICT DO UPDATE), which moves forward.
        _refuse(
            "devices_insert_head",
            "devices",
            "INSERT",
            "EXISTS (SELECT 1 FROM devices WHERE device_id = NEW.device_id "
            f"AND last_seq >= NEW.last_seq) OR {_HEAD_IS_NEWEST}",
            "devices: a head only moves forward, to the newest record of its device",
        ),
        _refuse("device_no_delete", "device", "DELETE", None, f"device: {never} deleted"),
        _refuse(
            "device_no_replace",
            "device",
            "INSERT",
            "EXISTS (SELECT 1 FROM device)",
            "device: this machine has one identity, made with the database",
        ),
        _refuse(
            "device_clock_forward",
            "device",
            "UPDATE",
            "NEW.id IS NOT OLD.id OR NEW.device_id IS NOT OLD.device_id "
            "OR NEW.hlc_ms < OLD.hlc_ms "
            "OR (NEW.hlc_ms = OLD.hlc_ms AND NEW.hlc_counter < OLD.hlc_counter)",
            "device: the identity never changes and its clock never goes back",
        ),
        _refuse(
            "_sqlite_migrations_no_update",
            "_sqlite_migrations",
            "UPDATE",
            None,
            f"_sqlite_migrations: {never} updated",
        ),
        _refuse(
            "_sqlite_migrations_no_delete",
            "_sqlite_migrations",
            "DELETE",
            None,
            f"_sqlite_migrations: {never} deleted",
        ),
        _refuse(
            "_sqlite_migrations_no_replace",
            "_sqlite_migrations",
            "INSERT",
            "EXISTS (SELECT 1 FROM _sqlite_migrations WHERE id = NEW.id "
            "OR (migration_set = NEW.migration_set AND name = NEW.name))",
            f"_sqlite_migrations: {never} replaced",
        ),
    ]


# Sync's bookkeeping (migration 8): a hub cursor only moves forward; a flag on a received record and a
# version quarantined with both versions are kept as found, never edited or removed (DESIGN 7).
SYNC_TABLES = ("sync_hubs", "sync_flags", "sync_quarantine")


def _sync() -> list[TriggerDefinition]:
    return [
        _refuse(
            "sync_hubs_forward",
            "sync_hubs",
            "UPDATE",
            "NEW.hub_id IS NOT OLD.hub_id OR NEW.pushed_seq < OLD.pushed_seq "
            "OR NEW.pulled_hub_seq < OLD.pulled_hub_seq",
            "sync_hubs: a cursor never goes back",
        ),
        _refuse(
            "sync_hubs_no_delete",
            "sync_hubs",
            "DELETE",
            None,
            "sync_hubs: a hub is never forgotten",
        ),
        _refuse(
            "sync_flags_no_update",
            "sync_flags",
            "UPDATE",
            None,
            "sync_flags: a flag is kept as found",
        ),
        _refuse(
            "sync_flags_no_delete",
            "sync_flags",
            "DELETE",
            None,
            "sync_flags: a flag is never removed",
        ),
        _refuse(
            "sync_quarantine_no_update",
            "sync_quarantine",
            "UPDATE",
            None,
            "sync_quarantine: a quarantined version is kept as found",
        ),
        _refuse(
            "sync_quarantine_no_delete",
            "sync_quarantine",
            "DELETE",
            None,
            "sync_quarantine: a quarantined version is never removed",
        ),
    ]


def expected(
    clinical_tables: tuple[str, ...], *, sync: bool = True
) -> dict[str, TriggerDefinition]:
    """The triggers Bedside installs, by name, for the given append-only tables (schema.CLINICAL_TABLES),
    with sync's bookkeeping unless `sync` is False (a migration before 8)."""
    return {
        t.name: t
        for t in (
            *(t for table in clinical_tables for t in _clinical(table)),
            *_unresolved_alerts(),
            *_bookkeeping(),
            *(_sync() if sync else ()),
        )
    }


def protected_tables(clinical_tables: tuple[str, ...], *, sync: bool = True) -> tuple[str, ...]:
    return (
        *clinical_tables,
        *PROJECTION_TABLES,
        *BOOKKEEPING_TABLES,
        *(SYNC_TABLES if sync else ()),
    )


def normalised(sql: str) -> str:
    """The trigger's text with every run of whitespace made one space (SQLite keeps it as written)."""
    return " ".join(sql.split())


def install(db: Database, clinical_tables: tuple[str, ...], *, sync: bool = True) -> None:
    """Replace every trigger on the protected tables by the expected ones (inside a migration, which
    names its tables itself, so that it installs the same triggers whatever is added later; one before
    migration 8 passes sync=False, its database has no sync tables yet)."""
    for name in _triggers_on(db, protected_tables(clinical_tables, sync=sync)):
        db.execute(f'DROP TRIGGER "{name}"')
    for trigger in expected(clinical_tables, sync=sync).values():
        db.execute(trigger.sql)


def _triggers_on(db: Database, tables: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    marks = ", ".join("?" * len(tables))
    return {
        row[0]: (row[1], row[2] or "")
        for row in db.conn.execute(
            f"SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' "
            f"AND tbl_name IN ({marks})",
            tables,
        )
    }


def problems(db: Database, clinical_tables: tuple[str, ...]) -> list[str]:
    """What differs between the triggers on the protected tables and the expected ones (empty: none)."""
    found = _triggers_on(db, protected_tables(clinical_tables))
    want = expected(clinical_tables)
    out = []
    for name, trigger in want.items():
        if name not in found:
            out.append(f"its append-only trigger {name} is missing")
        elif found[name][0] != trigger.table or normalised(found[name][1]) != normalised(
            trigger.sql
        ):
            out.append(f"its append-only trigger {name} was changed outside Bedside")
    out += [
        f"an unknown trigger {name} is on the protected table {table}"
        for name, (table, _) in sorted(found.items())
        if name not in want
    ]
    return out


def check(db: Database, clinical_tables: tuple[str, ...]) -> None:
    """Refuse a database whose append-only triggers are not Bedside's (at every open)."""
    found = problems(db, clinical_tables)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise GuardTampered(f"{found[0]}{more}; it may have been edited")
