"""The engine's reason wordings (bedside/records/reason_codes.py), marked for translation.

Qt's `lupdate` reads only literal strings, so the wordings are repeated here in code order (context
"Reason"); tests/ui/test_translations.py checks they equal `WORDINGS`. `reason_text` words a reason
anew from its code and parameters in the chosen language; a sentence of no code stays as the engine wrote it.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from bedside.clinical.assessment import Reason
from bedside.records.reason_codes import reason_parameters, render_wording

# index = reason code. Append a new code's wording at the end, as WORDINGS does.
PATTERNS: tuple[str, ...] = (
    QT_TRANSLATE_NOOP("Reason", "{} running: not counted as a vasopressor"),
    QT_TRANSLATE_NOOP(
        "Reason",
        "multiple vasopressors running ({})[; if this is a switch between agents, it still counts (adjudicate)][; vasopressin does not count towards multiple][; SBP {n} on vasopressor, graded by requirement]",
    ),
    QT_TRANSLATE_NOOP(
        "Reason",
        "vasopressor running ({})[; vasopressin does not count towards multiple][; SBP {n} on vasopressor, graded by requirement]",
    ),
    QT_TRANSLATE_NOOP("Reason", "no SBP recorded and no vasopressor running"),
    QT_TRANSLATE_NOOP("Reason", "SBP {n} < {n} (threshold for age)[; no vasopressor]"),
    QT_TRANSLATE_NOOP("Reason", "SBP {n} ≥ {n} (threshold for age)[; no vasopressor]"),
    QT_TRANSLATE_NOOP("Reason", "hypotension attributed to another cause"),
    QT_TRANSLATE_NOOP("Reason", "no oxygen device recorded"),
    QT_TRANSLATE_NOOP("Reason", "room air"),
    QT_TRANSLATE_NOOP(
        "Reason",
        "oxygen by {}[ {n} L/min][: positive pressure][: facemask class (any flow)][: blow-by counts as low flow][ (flow not recorded: at least low flow)][: high flow (> 6 L/min)][: low flow (≤ 6 L/min)][, indication unknown][ for another reason ({}): not counted]",
    ),
    QT_TRANSLATE_NOOP("Reason", "temperature {n} °C[ ({n} °F)]: fever"),
    QT_TRANSLATE_NOOP("Reason", "temperature {n} °C[ ({n} °F)]: no fever"),
    QT_TRANSLATE_NOOP("Reason", "before infusion: not CRS"),
    QT_TRANSLATE_NOOP("Reason", "fever attributed to another cause by a physician"),
    QT_TRANSLATE_NOOP("Reason", "no temperature: grade {n} if febrile"),
    QT_TRANSLATE_NOOP("Reason", "fever without hypotension or hypoxia"),
    QT_TRANSLATE_NOOP("Reason", "fever waiver: CRS fever treated earlier"),
    QT_TRANSLATE_NOOP("Reason", "hypotension/hypoxia (grade {n}) without fever: not CRS"),
    QT_TRANSLATE_NOOP(
        "Reason",
        "afebrile for {n} h on the fever waiver (review after {n} h): consider other causes such as sepsis",
    ),
    QT_TRANSLATE_NOOP("Reason", "stale, treated as missing: {}"),
    QT_TRANSLATE_NOOP("Reason", "CAPD entered but ICE applies: not used"),
    QT_TRANSLATE_NOOP("Reason", "ICE entered but CAPD applies: not used"),
    QT_TRANSLATE_NOOP("Reason", "unarousable, unable to perform ICE"),
    QT_TRANSLATE_NOOP("Reason", "ICE not available ({})"),
    QT_TRANSLATE_NOOP("Reason", "ICE {n}/10"),
    QT_TRANSLATE_NOOP("Reason", "unarousable, unable to perform CAPD"),
    QT_TRANSLATE_NOOP("Reason", "CAPD not available ({})"),
    QT_TRANSLATE_NOOP("Reason", "CAPD {n}/32[ (baseline {n})]"),
    QT_TRANSLATE_NOOP("Reason", "level of consciousness not recorded"),
    QT_TRANSLATE_NOOP("Reason", "awakens spontaneously"),
    QT_TRANSLATE_NOOP("Reason", "{}: attributed to sedation"),
    QT_TRANSLATE_NOOP("Reason", "{}"),
    QT_TRANSLATE_NOOP("Reason", "seizure status not recorded"),
    QT_TRANSLATE_NOOP("Reason", "seizure: none"),
    QT_TRANSLATE_NOOP(
        "Reason", "seizure: {}[ ({n} min)][: attributed to another cause by a physician]"
    ),
    QT_TRANSLATE_NOOP("Reason", "motor findings not recorded"),
    QT_TRANSLATE_NOOP("Reason", "motor: none"),
    QT_TRANSLATE_NOOP("Reason", "motor: {}"),
    QT_TRANSLATE_NOOP("Reason", "raised ICP / oedema signs not recorded"),
    QT_TRANSLATE_NOOP("Reason", "raised ICP / oedema: none"),
    QT_TRANSLATE_NOOP("Reason", "raised ICP / oedema: {}"),
    QT_TRANSLATE_NOOP("Reason", "intracranial haemorrhage: excluded from ICANS"),
    QT_TRANSLATE_NOOP("Reason", "neuro check overdue: last {n} h ago, due every {n} h"),
    QT_TRANSLATE_NOOP("Reason", "not applicable (age below 16)"),
    QT_TRANSLATE_NOOP("Reason", "not applicable (invasive ventilation)"),
    QT_TRANSLATE_NOOP("Reason", "RR {n}"),
    QT_TRANSLATE_NOOP("Reason", "SpO2 {n}[ (scale 2)]"),
    QT_TRANSLATE_NOOP("Reason", "air"),
    QT_TRANSLATE_NOOP("Reason", "oxygen"),
    QT_TRANSLATE_NOOP("Reason", "SBP {n}"),
    QT_TRANSLATE_NOOP("Reason", "pulse {n}"),
    QT_TRANSLATE_NOOP("Reason", "ACVPU {}"),
    QT_TRANSLATE_NOOP("Reason", "temperature {n} °C"),
    QT_TRANSLATE_NOOP("Reason", "incomplete: missing {}; partial sum {n}"),
    QT_TRANSLATE_NOOP("Reason", "HR {n} (1–4 years)[: {}]"),
    QT_TRANSLATE_NOOP("Reason", "HR {n} (4–12 years)[: {}]"),
    QT_TRANSLATE_NOOP("Reason", "HR {n} ({})[: {}]"),
    QT_TRANSLATE_NOOP("Reason", "SBP {n} (1–4 years)[: {}]"),
    QT_TRANSLATE_NOOP("Reason", "SBP {n} (4–12 years)[: {}]"),
    QT_TRANSLATE_NOOP("Reason", "SBP {n} ({})[: {}]"),
    QT_TRANSLATE_NOOP("Reason", "RR {n} (1–4 years)[: {}]"),
    QT_TRANSLATE_NOOP("Reason", "RR {n} (4–12 years)[: {}]"),
    QT_TRANSLATE_NOOP("Reason", "RR {n} ({})[: {}]"),
    QT_TRANSLATE_NOOP("Reason", "capillary refill {n} s"),
    QT_TRANSLATE_NOOP("Reason", "respiratory effort normal"),
    QT_TRANSLATE_NOOP("Reason", "respiratory effort {}"),
    QT_TRANSLATE_NOOP("Reason", "SpO2 {n}"),
    QT_TRANSLATE_NOOP("Reason", "room air"),
    QT_TRANSLATE_NOOP("Reason", "oxygen ({})"),
    QT_TRANSLATE_NOOP("Reason", "incomplete: missing {}; partial sum {n}"),
)


def reason_text(reason: Reason, words: dict[str, str] | None = None) -> str:
    """A reason of the engine in the chosen language: its code's wording translated, with its numbers
    and its words (a drug, a device: translated through `words` when known) put back in."""
    found = reason_parameters(reason)
    if found is None:
        return reason.text
    code, params = found
    if code >= len(PATTERNS):
        return reason.text
    pattern = QCoreApplication.translate("Reason", PATTERNS[code])
    shown = [_words(p, words or {}) if isinstance(p, str) else p for p in params]
    try:
        return render_wording(code, pattern, shown)
    except ValueError:  # a translation without the code's slots: the engine's own sentence
        return reason.text


def _words(text: str, words: dict[str, str]) -> str:
    """A words slot translated: a list of known words part by part ("norepinephrine, vasopressin"), or
    an age band ("4–12 years: ≥ 130") with its unit; other words as the engine wrote them."""
    parts = [part.strip() for part in text.split(",")]
    if all(part in words for part in parts):
        return QCoreApplication.translate("Reason", ", ").join(words[part] for part in parts)
    return _YEARS.sub(lambda m: m.group(1) + QCoreApplication.translate("Reason", "years"), text)


_YEARS = re.compile(r"(\d\s?)years\b")
# the words of the slots above, for lupdate
_SLOT_WORDS = (QT_TRANSLATE_NOOP("Reason", ", "), QT_TRANSLATE_NOOP("Reason", "years"))
