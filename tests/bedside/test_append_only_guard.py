"""R18 from outside the app: a plain sqlite3 connection (recursive_triggers off) cannot replace, edit or
delete what the store keeps, and triggers replaced by same-name ones that never fire are refused at open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bedside.store.connection import StorageError, StorageProblem, open_database, open_read_only
from bedside.store.schema import CLINICAL_TABLES
from tests.support.charted_ward import build, copy_database, plain_connection


@pytest.fixture(scope="module")
def charted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("charted") / "ward.db"
    build(path, sets=4).ward  # noqa: B018 (built for its file)
    return path


@pytest.fixture
def conn(charted: Path, tmp_path: Path) -> sqlite3.Connection:
    return plain_connection(copy_database(charted, tmp_path / "ward.db"))


def _dump(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def _one_row(conn: sqlite3.Connection, table: str) -> dict[str, object]:
    cursor = conn.execute(f"SELECT * FROM {table} LIMIT 1")
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    assert row is not None, table
    return dict(zip(names, row, strict=True))


def _changed(table: str, row: dict[str, object]) -> dict[str, object]:
    """The same key with a different value in a column the board reads."""
    column = {
        "records": "author",
        "patients": "name",
        "vitals": "hr",
        "neuro_checks": "ice_score",
        "interventions": "dose",
        "assessments": "crs_grade",
        "alert_events": "priority",
    }[table]
    value = row[column]
    new = "someone.else" if isinstance(value, str) else (0 if value != 0 else 4)
    return row | {column: new}


@pytest.mark.parametrize("table", CLINICAL_TABLES)
def test_insert_or_replace_over_an_existing_row_is_refused(
    conn: sqlite3.Connection, table: str
) -> None:
    before = _dump(conn)
    row = _changed(table, _one_row(conn, table))
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    for verb in ("INSERT OR REPLACE", "REPLACE"):
        with pytest.raises(sqlite3.IntegrityError, match="never replaced"):
            conn.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})".replace("INSERT", verb, 1),
                list(row.values()),
            )
    # An UPSERT too (the BEFORE INSERT trigger refuses it before its UPDATE would).
    key = {
        "records": "id",
        "vitals": "patient_id, observed_at, record_id",  # WITHOUT ROWID: the primary key
        "assessments": "patient_id, observed_at, entered_at, record_id",
    }.get(table, "record_id")
    first = key.split(",")[0]
    with pytest.raises(sqlite3.IntegrityError, match="never replaced"):
        conn.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks}) "
            f"ON CONFLICT ({key}) DO UPDATE SET {first} = excluded.{first}",
            list(row.values()),
        )
    assert _dump(conn) == before


def test_replace_by_another_unique_key_or_rowid_is_refused(conn: sqlite3.Connection) -> None:
    before = _dump(conn)
    row = _one_row(conn, "records")
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    # A new id over an existing (device_id, seq): REPLACE would delete the old record.
    with pytest.raises(sqlite3.IntegrityError, match="never replaced"):
        conn.execute(
            f"INSERT OR REPLACE INTO records ({columns}) VALUES ({marks})",
            list((row | {"id": "0190f000-0000-7000-8000-000000000000"}).values()),
        )
    # A new id with the rowid of an existing record.
    rowid = conn.execute("SELECT rowid FROM records LIMIT 1").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="never replaced"):
        conn.execute(
            f"INSERT OR REPLACE INTO records (rowid, {columns}) VALUES (?, {marks})",
            [rowid, *(row | {"id": "x", "seq": 10_000}).values()],
        )
    assert _dump(conn) == before


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DELETE FROM devices", "never deleted"),
        ("UPDATE devices SET last_seq = last_seq + 5", "moves forward"),
        ("UPDATE devices SET last_seq = 1", "moves forward"),
        ("UPDATE devices SET last_hash = '" + "0" * 64 + "'", "moves forward"),
        (
            "INSERT OR REPLACE INTO devices SELECT device_id, 1, "
            "(SELECT hash FROM records WHERE seq = 1) FROM devices",
            "moves forward",
        ),
        ("DELETE FROM device", "never deleted"),
        ("UPDATE device SET device_id = 'another-pc'", "never changes"),
        ("UPDATE device SET hlc_ms = 0", "never goes back"),
        ("INSERT OR REPLACE INTO device VALUES (1, 'another-pc', 0, 0)", "one identity"),
        ("DELETE FROM _sqlite_migrations", "never deleted"),
        ("UPDATE _sqlite_migrations SET name = 'm999'", "never updated"),
        (
            "INSERT OR REPLACE INTO _sqlite_migrations SELECT id, migration_set, name, 'now' "
            "FROM _sqlite_migrations",
            "never replaced",
        ),
        ("UPDATE unresolved_alerts SET patient_id = 'C-1'", "never updated"),
    ],
)
def test_bookkeeping_allows_only_what_the_store_does(
    conn: sqlite3.Connection, sql: str, message: str
) -> None:
    before = _dump(conn)
    with pytest.raises(sqlite3.IntegrityError, match=message):
        conn.execute(sql)
    assert _dump(conn) == before


def test_an_open_alert_cannot_be_dropped_from_the_unresolved_list(conn: sqlite3.Connection) -> None:
    open_ids = [
        r[0]
        for r in conn.execute(
            "SELECT alert_id FROM unresolved_alerts u WHERE NOT EXISTS (SELECT 1 FROM alert_events "
            "a WHERE a.alert_id = u.alert_id AND a.event IN ('acknowledged', 'resolved', 'overtaken'))"
        )
    ]
    assert open_ids, "the charted ward has an unacknowledged alert"
    with pytest.raises(sqlite3.IntegrityError, match="only once its events end it"):
        conn.execute("DELETE FROM unresolved_alerts WHERE alert_id = ?", [open_ids[0]])
    # Raising a listed alert again, or replacing it, changes nothing.
    patient = conn.execute(
        "SELECT patient_id FROM unresolved_alerts WHERE alert_id = ?", [open_ids[0]]
    ).fetchone()[0]
    conn.execute(
        "INSERT OR REPLACE INTO unresolved_alerts VALUES (?, 'someone-else')", [open_ids[0]]
    )
    assert (
        conn.execute(
            "SELECT patient_id FROM unresolved_alerts WHERE alert_id = ?", [open_ids[0]]
        ).fetchone()[0]
        == patient
    )


def _refused_at_open(path: Path, named: str) -> None:
    for opener in (open_database, open_read_only):
        with pytest.raises(StorageError, match=named) as raised:
            opener(path)
        assert raised.value.problem is StorageProblem.DAMAGED
        assert "restore the latest backup" in raised.value.sentence()


def test_a_same_name_trigger_that_never_fires_is_refused_at_open(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'records_no_update'").fetchone()[
        0
    ]
    conn.execute("DROP TRIGGER records_no_update")
    conn.execute(sql.replace("BEFORE UPDATE ON records", "BEFORE UPDATE ON records WHEN 0"))
    # The bypass works from here on: this is what the open-time check must catch.
    assert conn.execute("UPDATE records SET author = 'someone.else'").rowcount > 0
    conn.close()
    _refused_at_open(tmp_path / "ward.db", "records_no_update was changed")


def test_an_extra_trigger_on_a_protected_table_is_refused_at_open(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    # A trigger that silently drops every new vitals set would lose charting without an error.
    conn.execute("CREATE TRIGGER swallow BEFORE INSERT ON vitals BEGIN SELECT RAISE(IGNORE); END")
    conn.close()
    _refused_at_open(tmp_path / "ward.db", "unknown trigger swallow")


def test_reformatted_expected_triggers_still_pass(conn: sqlite3.Connection, tmp_path: Path) -> None:
    # The text is compared with its whitespace normalised (SQLite keeps what was typed).
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'vitals_no_delete'").fetchone()[
        0
    ]
    conn.execute("DROP TRIGGER vitals_no_delete")
    conn.execute(sql.replace(" ", "\n    "))
    conn.close()
    open_database(tmp_path / "ward.db").close()
