"""`bedside grade` refuses what JSON lets through but the contract cannot use, always as one whole JSON
error and exit 2; `import bedside.cli` (and `grade`) never loads the store."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bedside.cli import EXIT_INVALID, main
from bedside.clinical.snapshot import MAX_NESTING, SnapshotError, load_snapshots, parse_snapshot

ROOT = Path(__file__).resolve().parents[2]


def grade(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], text: str) -> Any:
    """Run `bedside grade` in-process on `text`; returns (exit code, the parsed stdout)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    code = main(["grade"])
    out, err = capsys.readouterr()
    assert err == ""
    assert out.endswith("\n") and out.count("\n") == 1  # one whole line of JSON
    return code, json.loads(out)


def refused(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], text: str) -> Any:
    code, document = grade(monkeypatch, capsys, text)
    assert code == EXIT_INVALID
    assert set(document) == {"error"}
    error = document["error"]
    assert set(error) == {"field", "allowed", "message"} and error["allowed"]
    assert error["message"].startswith(f"{error['field']}: ")
    return error


def test_a_duplicate_key_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    error = refused(monkeypatch, capsys, '{"age_years": 47, "age_years": 5}')
    assert error["field"] == "age_years" and "twice" in error["message"]
    inner = '[{"age_years": 47}, {"age_years": 30, "hr": 80, "hr": 200}]'
    assert refused(monkeypatch, capsys, inner)["field"] == "hr"


def test_100000_nested_brackets_are_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    error = refused(monkeypatch, capsys, "[" * 100_000 + "]" * 100_000)
    assert error["field"] == "(input)" and "nested too deeply" in error["message"]
    # Just past the bound, well below Python's recursion limit: the bound itself refuses it.
    deep = "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1)
    assert "nested too deeply" in refused(monkeypatch, capsys, deep)["message"]
    nested = '{"age_years": 30, "vasopressors": [[[["norepinephrine"]]]]}'
    assert refused(monkeypatch, capsys, nested)["field"] == "vasopressors"


@pytest.mark.parametrize("digits", [400, 5_000])
def test_a_huge_integer_is_refused_naming_the_field(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], digits: int
) -> None:
    error = refused(monkeypatch, capsys, '{"age_years": 30, "hr": ' + "9" * digits + "}")
    assert error["field"] == "hr"
    assert f"a {digits}-digit integer" in error["message"] and "20–300" in error["allowed"]
    negative = '{"age_years": -' + "1" * digits + "}"
    assert refused(monkeypatch, capsys, negative)["field"] == "age_years"
    as_flag = '{"age_years": 30, "developmental_delay": ' + "7" * digits + "}"
    assert refused(monkeypatch, capsys, as_flag)["field"] == "developmental_delay"


def test_a_big_python_integer_is_refused_without_converting_it() -> None:
    # parse_snapshot is also called with Python objects: 10**5000 would break float() and str().
    with pytest.raises(SnapshotError) as raised:
        parse_snapshot({"age_years": 30, "spo2": 10**5000})
    assert raised.value.field == "spo2" and "more than 15 digits" in raised.value.message


def test_a_lone_surrogate_key_is_refused_whole(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    error = refused(monkeypatch, capsys, '{"age_years": 30, "\\ud800": 1}')
    assert error["field"] == "\\ud800" and "lone surrogate" in error["message"]
    value = refused(monkeypatch, capsys, '{"age_years": 30, "acvpu": "A\\udfff"}')
    assert value["field"] == "acvpu"
    in_array = '[{"age_years": 30}, {"age_years": 30, "vasopressors": ["\\ud83d"]}]'
    assert refused(monkeypatch, capsys, in_array)["field"] == "[1].vasopressors[0]"
    # A correctly paired surrogate escape is ordinary text (here an unknown key, named as such).
    pair = refused(monkeypatch, capsys, '{"age_years": 30, "\\ud83d\\ude00": 1}')
    assert pair["field"] == "\U0001f600" and "unknown key" in pair["message"]


def test_the_lone_surrogate_error_reaches_a_strict_utf8_stdout_whole() -> None:
    """Through a real process whose stdout refuses to encode surrogates: one whole JSON line."""
    done = subprocess.run(
        [sys.executable, "-m", "bedside.cli", "grade"],
        input=b'{"age_years": 30, "\\ud800": 1}',
        capture_output=True,
        cwd=ROOT,
        env={"PYTHONIOENCODING": "utf-8:strict", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == EXIT_INVALID, done.stderr
    assert done.stderr == b""
    assert json.loads(done.stdout)["error"]["field"] == "\\ud800"


def test_an_ascii_only_stdout_gets_the_same_document_escaped() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bedside.cli", "grade"],
        input=b'{"age_years": 30, "temp_c": 38.5}',
        capture_output=True,
        cwd=ROOT,
        env={"PYTHONIOENCODING": "ascii:strict", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.isascii()
    result = json.loads(done.stdout)
    assert result["crs_grade"] == 1 and any("38.5 °C" in r for r in result["reasons"])


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "(input)"),
        ("{", "(input)"),
        ('{"age_years": NaN}', "age_years"),
        ('{"age_years": 30, "hr": 1e999}', "hr"),
        ('{"age_years": 30, "hr": 0.' + "1" * 40 + "}", "hr"),
        ('"just text"', "(snapshot)"),
    ],
)
def test_other_malformed_input_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], text: str, field: str
) -> None:
    assert refused(monkeypatch, capsys, text)["field"] == field


def test_bytes_that_are_not_utf8_are_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bedside.cli", "grade"],
        input=b'{"age_years": 30, "acvpu": "\xff"}',
        capture_output=True,
        cwd=ROOT,
        env={"PYTHONIOENCODING": "utf-8:strict", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == EXIT_INVALID and done.stderr == b""
    assert json.loads(done.stdout)["error"]["field"] == "(input)"


def test_valid_input_still_grades(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result = grade(monkeypatch, capsys, '{"age_years": 47, "temp_c": 38.9, "hr": 120}')
    assert code == 0 and result["fever"] is True and result["crs_grade"] == 1
    assert load_snapshots('[{"age_years": 3}]') == [{"age_years": 3}]


def test_the_reasons_carry_their_label_once_and_one_comparison_sign() -> None:
    from bedside.clinical.engine import assess

    adult = assess(parse_snapshot({"age_years": 30, "hr": 120})).as_contract()["reasons"]
    child = assess(parse_snapshot({"age_years": 6, "hr": 150})).as_contract()["reasons"]
    for reason in adult + child:
        head, _, text = reason.partition(": ")
        label = head.split()[0]
        assert not text.startswith(label), reason  # never "NEWS2: NEWS2 incomplete"
        assert ">=" not in reason and "<=" not in reason, reason
    assert any(r.startswith("NEWS2: incomplete: missing") for r in adult)
    assert "PEWS +2: HR 150 (4–12 years: ≥ 130)" in child


def _modules_after(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        input='{"age_years": 30}',
        timeout=60,
        check=True,
    )
    return set(done.stdout.split())


def test_importing_the_command_does_not_load_the_store() -> None:
    loaded = _modules_after("import bedside.cli")
    assert "bedside.cli" in loaded
    assert not loaded & {"sqlite_utils", "sqlite3", "numpy", "bedside.store.connection"}


def test_grading_does_not_load_the_store() -> None:
    code = "import contextlib, io\nfrom bedside.cli import main\n"
    code += "with contextlib.redirect_stdout(io.StringIO()):\n    assert main(['grade']) == 0"
    loaded = _modules_after(code)
    assert "bedside.clinical.engine" in loaded
    assert not loaded & {"sqlite_utils", "sqlite3", "numpy", "bedside.store.connection"}


class _GoneReader(io.StringIO):
    """A stdout whose reader went away (`bedside grade | head -c 10`)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_goes_away_gets_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"age_years": 30}'))
    monkeypatch.setattr(sys, "stdout", _GoneReader())
    assert main(["grade"]) == EXIT_INVALID
    assert capsys.readouterr().err == ""


def test_a_logged_failure_is_not_shown_unless_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a ward")
    assert main(["board", "--db", str(text)]) == EXIT_INVALID
    assert capsys.readouterr().err.count("\n") == 1
    done = subprocess.run(
        [sys.executable, "-m", "bedside.cli", "board", "--db", str(text)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"BEDSIDE_DEBUG": "1", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == EXIT_INVALID and "is not a database" in done.stderr
