"""The core's sentences that carry no code (an alert's detail, why a check is due: bedside/alerts.py and
bedside/schedule.py), worded anew in the chosen language by their English pattern.

Each pattern is the core's f-string with `{0}`, `{1}`… for its values (context "Core" of the catalogue);
a sentence is matched whole, else part by part between "; ", and each value is worded the same way (a
detail inside a detail). A sentence no pattern matches is shown as the core wrote it, in English: the
patterns follow the core's wording, and tests/ui/test_translations.py lists what is left in English.
"""

from __future__ import annotations

import re
from functools import cache

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

PATTERNS: tuple[str, ...] = (
    # alert details (bedside/alerts.py)
    QT_TRANSLATE_NOOP("Core", "CRS grade {0}"),
    QT_TRANSLATE_NOOP("Core", "ICANS grade {0}"),
    QT_TRANSLATE_NOOP("Core", "NEWS2 {0}: emergency response"),
    QT_TRANSLATE_NOOP("Core", "NEWS2 {0}: urgent response"),
    QT_TRANSLATE_NOOP("Core", "NEWS2 {0} with a red score (3 in one parameter)"),
    QT_TRANSLATE_NOOP("Core", "Bedside PEWS {0}"),
    QT_TRANSLATE_NOOP("Core", "oxygen required for hypoxia"),
    QT_TRANSLATE_NOOP("Core", "vasopressor running"),
    QT_TRANSLATE_NOOP("Core", "intracranial haemorrhage"),
    QT_TRANSLATE_NOOP("Core", "fever before infusion: possible infection"),
    QT_TRANSLATE_NOOP(
        "Core",
        "afebrile for {0} h or more on the fever waiver: confirm or close the CRS episode",
    ),
    QT_TRANSLATE_NOOP(
        "Core",
        "hypotension or hypoxia without fever: consider sepsis, bleeding, infusion reaction",
    ),
    QT_TRANSLATE_NOOP("Core", "{0} not determinable: {1}"),
    QT_TRANSLATE_NOOP("Core", "{0} (stale)"),
    QT_TRANSLATE_NOOP("Core", "{0} not recorded"),
    QT_TRANSLATE_NOOP("Core", "values missing"),
    QT_TRANSLATE_NOOP("Core", "data missing"),
    QT_TRANSLATE_NOOP("Core", "temperature"),
    QT_TRANSLATE_NOOP("Core", "{0} fell from grade {1} to {2}: acknowledge"),
    QT_TRANSLATE_NOOP("Core", "overtaken by a rise to grade {0}"),
    QT_TRANSLATE_NOOP("Core", "vitals check overdue ({0})"),
    QT_TRANSLATE_NOOP("Core", "neuro check overdue ({0})"),
    QT_TRANSLATE_NOOP("Core", "waiting for {0}"),
    QT_TRANSLATE_NOOP("Core", "unacknowledged for {0} min: {1}"),
    # why a check is due (bedside/schedule.py)
    QT_TRANSLATE_NOOP("Core", "{0}: every {1} h"),
    QT_TRANSLATE_NOOP("Core", "NEWS2 {0}: continuous"),
    QT_TRANSLATE_NOOP("Core", "CRS or ICANS active"),
    QT_TRANSLATE_NOOP("Core", "ICANS active"),
    QT_TRANSLATE_NOOP("Core", "lymphodepletion"),
    QT_TRANSLATE_NOOP("Core", "days 0–14"),
    QT_TRANSLATE_NOOP("Core", "days 15–28"),
    QT_TRANSLATE_NOOP("Core", "day 29 on: protocol visits"),
    QT_TRANSLATE_NOOP("Core", "no ward neuro schedule in this phase"),
    QT_TRANSLATE_NOOP("Core", "baseline ICE/CAPD due before infusion"),
    QT_TRANSLATE_NOOP("Core", "new neuro tool: a first check with it is the new baseline"),
    QT_TRANSLATE_NOOP("Core", "vasopressor stopped: vitals within {0} min"),
)
_SLOT = re.compile(r"\{(\d)\}")


@cache
def _compiled() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The patterns as regular expressions, the most literal first (so "NEWS2 {0}: continuous" wins
    over "{0}: every {1} h")."""
    out = []
    for pattern in PATTERNS:
        parts = _SLOT.split(pattern)
        regex = "".join(
            re.escape(p) if i % 2 == 0 else f"(?P<s{p}>.+?)" for i, p in enumerate(parts)
        )
        out.append((pattern, re.compile(regex + r"\Z")))
    literal = {p: len(_SLOT.sub("", p)) for p in PATTERNS}
    return tuple(sorted(out, key=lambda x: -literal[x[0]]))


def core_text(text: str, words: dict[str, str] | None = None) -> str:
    """`text` in the chosen language when a pattern words it (its values worded the same way, or
    through `words`, the vocabulary); else as it is."""
    words = words or {}
    found = _whole(text, words)
    if found is not None:
        return found
    if "; " in text:
        return QCoreApplication.translate("Core", "; ").join(
            core_text(part, words) for part in text.split("; ")
        )
    return words.get(text, text)


def _whole(text: str, words: dict[str, str]) -> str | None:
    for pattern, regex in _compiled():
        match = regex.match(text)
        if match is None:
            continue
        translated = QCoreApplication.translate("Core", pattern)
        values = {k[1:]: core_text(v, words) for k, v in match.groupdict().items()}
        try:
            return _SLOT.sub(lambda m, v=values: v[m.group(1)], translated)  # type: ignore[misc]
        except KeyError:  # a translation with a slot its pattern has not: the core's own words
            return text
    return None


_SEPARATOR = QT_TRANSLATE_NOOP("Core", "; ")  # for lupdate: the separator core_text translates
