"""The translation catalogues: extract the app's strings with Qt's own tools and compile them.

    python -m scripts.translations update    # pyside6-lupdate ui/ → resources/translations/*.ts,
                                             # then pyside6-lrelease → the .qm the app loads
    python -m scripts.translations check     # exit 1 (and say what) if a .ts misses a string of ui/,
                                             # has an unfinished translation, or its .qm is stale

After `update`, translate the new entries of the .ts (Qt Linguist: `pyside6-linguist FILE.ts`, or by
hand: fill each `<translation type="unfinished">`, then remove the `type`), and run `update` again to
compile. The .qm is committed (a fresh checkout runs without Qt's tools); the tests run `check`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "ui"
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("zh_CN",)
UPDATE_COMMAND = "python -m scripts.translations update"


def ts_path(language: str) -> Path:
    return TRANSLATIONS / f"bedside_{language}.ts"


def _tool(name: str) -> str:
    """pyside6-lupdate / pyside6-lrelease from the PySide6 install of this Python."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"translations: {name} is missing: install PySide6 (bash .ci/setup)")
    return found


def _sources() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in SOURCES.rglob("*.py"))


def lupdate(ts: Path) -> None:
    """Merge the strings of ui/ into `ts` (new ones unfinished; ones no longer in the code dropped)."""
    subprocess.run(
        [
            _tool("pyside6-lupdate"),
            *_sources(),
            "-no-obsolete",
            "-locations",  # no line numbers: the .ts changes only when a string does (fewer merge conflicts)
            "none",
            "-ts",
            str(ts),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run(
        [_tool("pyside6-lrelease"), str(ts), "-qm", str(qm)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )


@dataclass(frozen=True)
class Message:
    context: str
    source: str
    translation: str
    finished: bool


def messages(ts: Path) -> list[Message]:
    """The messages of a .ts file (obsolete and vanished ones left out)."""
    out = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            kind = translation.get("type", "")
            if kind in ("obsolete", "vanished"):
                continue
            forms = translation.findall("numerusform")
            text = " | ".join(f.text or "" for f in forms) if forms else translation.text or ""
            out.append(
                Message(
                    name,
                    message.findtext("source") or "",
                    text,
                    kind != "unfinished" and bool(text),
                )
            )
    return out


@dataclass(frozen=True)
class Problems:
    missing: list[tuple[str, str]]  # (context, source) in ui/ but not in the .ts
    unfinished: list[tuple[str, str]]  # in the .ts without a finished translation
    stale_qm: bool  # the committed .qm is not what the .ts compiles to

    def __bool__(self) -> bool:
        return bool(self.missing or self.unfinished or self.stale_qm)

    def describe(self, language: str) -> str:
        lines = []
        if self.missing:
            lines.append(
                f"{len(self.missing)} string(s) of ui/ are not in {ts_path(language).name}:"
            )
            lines += [f"  [{c or '(no context)'}] {s!r}" for c, s in self.missing]
        if self.unfinished:
            lines.append(
                f"{len(self.unfinished)} string(s) have no finished {language} translation:"
            )
            lines += [f"  [{c or '(no context)'}] {s!r}" for c, s in self.unfinished]
        if self.stale_qm:
            lines.append(f"bedside_{language}.qm is not the compiled {ts_path(language).name}")
        lines.append(
            f"Run `{UPDATE_COMMAND}`, translate the unfinished entries of {ts_path(language)}, "
            "then run it again (see README, Languages)."
        )
        return "\n".join(lines)


def check(language: str) -> Problems:
    """What is out of date in `language`'s catalogue, from a throw-away copy (the files are untouched)."""
    ts, qm = ts_path(language), ts_path(language).with_suffix(".qm")
    with tempfile.TemporaryDirectory() as work:
        fresh = Path(work) / ts.name
        shutil.copy(ts, fresh)
        lupdate(fresh)
        have = {(m.context, m.source) for m in messages(ts)}
        missing = [
            (m.context, m.source) for m in messages(fresh) if (m.context, m.source) not in have
        ]
        compiled = Path(work) / qm.name
        lrelease(ts, compiled)
        stale = not qm.exists() or qm.read_bytes() != compiled.read_bytes()
    unfinished = [(m.context, m.source) for m in messages(ts) if not m.finished]
    return Problems(missing, unfinished, stale)


def update(language: str) -> None:
    ts = ts_path(language)
    if not ts.exists():
        ts.write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'
            f'<TS version="2.1" language="{language}" sourcelanguage="en"></TS>\n',
            encoding="utf-8",
        )
    lupdate(ts)
    lrelease(ts, ts.with_suffix(".qm"))
    unfinished = [m for m in messages(ts) if not m.finished]
    print(f"{ts.relative_to(ROOT)}: {len(messages(ts))} strings, {len(unfinished)} unfinished")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in (["update"], ["check"]):
        sys.stderr.write("usage: python -m scripts.translations update|check\n")
        return 2
    if args == ["update"]:
        for language in LANGUAGES:
            update(language)
        return 0
    failed = False
    for language in LANGUAGES:
        problems = check(language)
        if problems:
            failed = True
            sys.stderr.write(problems.describe(language) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
