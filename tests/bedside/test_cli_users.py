"""`bedside users add|disable|reset-pin|list` (issue 10): the first admin, then every change by an
admin's id and PIN; PINs from stdin with --pin-stdin (or the terminal, not echoed); refusals one line."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from bedside.cli import EXIT_INVALID, main
from bedside.clock import SystemClock
from bedside.store.connection import open_database
from bedside.ward import Ward

ROOT = Path(__file__).resolve().parents[2]


def users(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    db: Path,
    *argv: str,
    pins: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(pins))
    code = main(["users", *argv, "--db", str(db), *(["--pin-stdin"] if pins else [])])
    out, err = capsys.readouterr()
    return code, out, err


def refused(result: tuple[int, str, str], *words: str) -> None:
    code, out, err = result
    assert code == EXIT_INVALID and out == ""
    assert err.startswith("bedside users: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)


@pytest.fixture
def ward_db(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A ward with its first admin (admin.ward, PIN 1111) and a nurse (nurse.ada, PIN 2222)."""
    db = tmp_path / "ward.db"
    code, out, _ = users(capsys, monkeypatch, db, "add", "admin.ward", "--role", "admin",
                         pins="1111\n")  # fmt: skip
    assert code == 0 and "admin.ward created" in out
    code, out, _ = users(capsys, monkeypatch, db, "add", "nurse.ada", "--role", "nurse",
                         "--name", "Ada Lovelace", "--admin", "admin.ward",
                         pins="1111\n2222\n")  # fmt: skip
    assert code == 0 and "nurse.ada created" in out
    return db


def sign_in(db: Path, user_id: str, pin: str) -> str:
    conn = open_database(db, create=False)
    try:
        return Ward(conn, clock=SystemClock()).authenticate(user_id, pin).role.value
    finally:
        conn.conn.close()


def test_the_first_user_is_the_admin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "ward.db"
    refused(users(capsys, monkeypatch, db, "add", "nurse.ada", "--role", "nurse", pins="2222\n"),
            "has no users yet", "--role admin")  # fmt: skip
    refused(users(capsys, monkeypatch, db, "disable", "nurse.ada", pins="x\n"), "does not exist")
    assert not db.exists()  # a refused command creates no file
    code, out, err = users(capsys, monkeypatch, db, "add", "admin.ward", "--role", "admin",
                           pins="1111\n")  # fmt: skip
    assert (code, err) == (0, "") and f"admin.ward created in {db}" in out
    refused(users(capsys, monkeypatch, db, "disable", "admin.ward", pins="1111\n"),
            "needs --admin")  # fmt: skip
    assert sign_in(db, "admin.ward", "1111") == "admin"


def test_later_changes_need_an_admins_id_and_pin(
    ward_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add = ("add", "dr.lee", "--role", "physician")
    refused(users(capsys, monkeypatch, ward_db, *add, pins="3333\n"), "needs --admin")
    refused(users(capsys, monkeypatch, ward_db, *add, "--admin", "admin.ward", pins="0000\n3333\n"),
            "the PIN is wrong")  # fmt: skip
    refused(users(capsys, monkeypatch, ward_db, *add, "--admin", "nurse.ada", pins="2222\n3333\n"),
            "may not manage users")  # fmt: skip
    code, out, _ = users(capsys, monkeypatch, ward_db, *add, "--admin", "admin.ward",
                         pins="1111\n3333\n")  # fmt: skip
    assert code == 0 and "dr.lee created" in out
    assert sign_in(ward_db, "dr.lee", "3333") == "physician"


def test_pin_rules_and_reserved_ids_are_one_line(
    ward_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = ("--admin", "admin.ward")
    refused(users(capsys, monkeypatch, ward_db, "add", "x.y", "--role", "nurse", *admin,
                  pins="1111\n12\n"), "pin: 2 characters", "4–64 characters")  # fmt: skip
    refused(users(capsys, monkeypatch, ward_db, "add", "system", "--role", "nurse", *admin,
                  pins="1111\n2345\n"), "reserved")  # fmt: skip
    refused(users(capsys, monkeypatch, ward_db, "add", "Nurse.Ada", "--role", "nurse", *admin,
                  pins="1111\n2345\n"), "already a user")  # fmt: skip
    refused(users(capsys, monkeypatch, ward_db, "add", "x.y", "--role", "nurse", *admin,
                  pins="1111\n"), "stdin ended")  # fmt: skip


def test_a_lockout_is_listed_and_a_reset_lifts_it(
    ward_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bedside.access import AccessRefused

    for _ in range(5):
        with pytest.raises(AccessRefused):
            sign_in(ward_db, "nurse.ada", "0000")
    code, out, _ = users(capsys, monkeypatch, ward_db, "list")
    assert code == 0 and "2 users of" in out
    [line] = [line for line in out.splitlines() if "nurse.ada" in line]
    assert "LOCKED OUT" in line and "Ada Lovelace" in line and "by admin.ward" in line
    code, out, _ = users(capsys, monkeypatch, ward_db, "reset-pin", "nurse.ada", "--admin",
                         "admin.ward", pins="1111\n8642\n")  # fmt: skip
    assert code == 0 and "new PIN" in out
    assert sign_in(ward_db, "nurse.ada", "8642") == "nurse"


def test_a_disabled_user_cannot_sign_in(
    ward_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bedside.access import AccessRefused

    code, out, _ = users(capsys, monkeypatch, ward_db, "disable", "nurse.ada", "--admin",
                         "admin.ward", pins="1111\n")  # fmt: skip
    assert code == 0 and "nurse.ada disabled" in out
    with pytest.raises(AccessRefused, match="disabled"):
        sign_in(ward_db, "nurse.ada", "2222")
    refused(users(capsys, monkeypatch, ward_db, "disable", "nobody", "--admin", "admin.ward",
                  pins="1111\n"), "no user 'nobody'")  # fmt: skip
    code, out, _ = users(capsys, monkeypatch, ward_db, "list")
    assert "disabled" in next(line for line in out.splitlines() if "nurse.ada" in line)


def test_list_of_a_missing_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    refused(users(capsys, monkeypatch, tmp_path / "none.db", "list"), "does not exist")
    assert not (tmp_path / "none.db").exists()


def test_the_pin_is_asked_at_the_terminal_without_echo(ward_db: Path) -> None:
    """Without --pin-stdin and without a terminal, getpass reads stdin (with a warning): the command
    still refuses in one line when the PINs do not match, and never prints a PIN."""
    done = subprocess.run(
        [sys.executable, "-m", "bedside.cli", "users", "reset-pin", "nurse.ada", "--admin",
         "admin.ward", "--db", str(ward_db)],
        input="1111\n5555\n6666\n", capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == EXIT_INVALID
    assert "differ" in done.stderr and "5555" not in done.stderr + done.stdout
