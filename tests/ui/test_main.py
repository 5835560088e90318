"""Start-up: the app or the CLI, the default database created on first start, no display, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ui import main as entry


def test_a_command_goes_to_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert entry.main(["grade", "--example"]) == 0
    assert "age_years" in json.loads(capsys.readouterr().out)


def test_without_a_display_one_sentence_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(entry.sys, "platform", "linux")
    assert entry.main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "xvfb-run" in err and "QT_QPA_PLATFORM=offscreen" in err


def test_display_rules() -> None:
    assert entry.display_missing({"QT_QPA_PLATFORM": "offscreen"}) is False
    assert entry.display_missing({"DISPLAY": ":99"}) is False
    assert entry.display_missing({"QT_QPA_PLATFORM": "xcb"}) is (
        entry.sys.platform not in ("win32", "darwin")
    )


def test_the_default_database_is_created_on_first_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    opened: list[Path] = []
    monkeypatch.setattr(
        entry, "_run_qt", lambda path, clock, user, *_, **__: opened.append(path) or 0
    )
    assert entry.main([]) == 0
    assert opened == [tmp_path / "bedside" / "ward.db"]
    assert opened[0].stat().st_size > 0


def test_a_storage_problem_is_one_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert entry.main(["--db", str(tmp_path)]) == 2  # a folder, not a file
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "is a folder, not a file" in err
    assert "Traceback" not in err
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database\n" * 100)
    assert entry.main(["--db", str(junk)]) == 2
    assert "is not a database" in capsys.readouterr().err


def test_demo_opens_its_own_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    opened: list[Path] = []
    monkeypatch.setattr(
        entry, "_run_qt", lambda path, clock, user, *_, **__: opened.append(path) or 0
    )
    assert entry.main(["--demo"]) == 0
    assert opened == [tmp_path / "bedside" / "demo-ward.db"]
    assert not (tmp_path / "bedside" / "ward.db").exists()
