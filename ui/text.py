"""Every word and colour the app shows for a grade, a score, an alert or a due check (STYLE rule 5).

The core returns numbers, enums and codes; this module turns them into text (through `tr`) and colours.
A colour is never the only signal: every coloured cell also carries the grade or the state in words.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from enum import Enum

from PySide6.QtCore import QT_TR_NOOP, QCoreApplication, QDateTime, QLocale, QTimeZone
from PySide6.QtGui import QColor

from bedside.alert_vocabulary import AlertKind, AlertStatus, Priority
from ui.core_text import core_text
from ui.reasons import reason_text
from ui.words import RECORD_KINDS, WORDS


def tr(text: str) -> str:
    """Translate through Qt's translator, so translations need no code change.

    The context is the empty one: `pyside6-lupdate` files a bare `tr("...")` call (and a `QT_TR_NOOP`)
    under it, so the extraction needs no alias (python -m scripts.translations update)."""
    return QCoreApplication.translate("", text)


def grade_text(grade: int | None, lower_bound: bool = False) -> str:
    """A grade in words; an undeterminable grade says so (never 0, never blank)."""
    if grade is None:
        return tr("not determinable")
    return tr("≥ {0}").format(grade) if lower_bound else str(grade)


def score_text(score: int | None, partial: int | None) -> str:
    if score is not None:
        return str(score)
    if partial is not None:
        return tr("incomplete (partial {0})").format(partial)
    return tr("not determinable")


# Level colours for grades 0-4 (a presentation choice: which grade is worse is the engine's, not ours).
_GRADE_COLOURS = {
    0: ("#e8f5e9", "#1b5e20"),
    1: ("#fff8c4", "#5d4a00"),
    2: ("#ffd8a8", "#6b3000"),
    3: ("#f8b4b4", "#7a0000"),
    4: ("#c62828", "#ffffff"),
}
UNKNOWN_COLOURS = ("#e0e0e0", "#37474f")  # not determinable: grey, with the words
STALE_COLOURS = ("#eceff1", "#607d8b")

PRIORITY_COLOURS = {
    Priority.LOW: ("#fff8c4", "#5d4a00"),
    Priority.MEDIUM: ("#ffd8a8", "#6b3000"),
    Priority.HIGH: ("#c62828", "#ffffff"),
}


def grade_colours(grade: int | None) -> tuple[QColor, QColor]:
    """(background, foreground) for a grade; grey for an undeterminable one."""
    bg, fg = UNKNOWN_COLOURS if grade is None else _GRADE_COLOURS[max(0, min(4, grade))]
    return QColor(bg), QColor(fg)


def priority_colours(priority: Priority) -> tuple[QColor, QColor]:
    bg, fg = PRIORITY_COLOURS[priority]
    return QColor(bg), QColor(fg)


def priority_text(priority: Priority) -> str:
    return {Priority.LOW: tr("low"), Priority.MEDIUM: tr("medium"), Priority.HIGH: tr("HIGH")}[
        priority
    ]


def status_text(status: AlertStatus) -> str:
    return {
        AlertStatus.ACTIVE: tr("waiting for acknowledgement"),
        AlertStatus.ACKNOWLEDGED: tr("acknowledged"),
        AlertStatus.RESOLVED: tr("resolved"),
    }[status]


_KIND_TEXT = {
    AlertKind.CRS: "CRS",
    AlertKind.ICANS: "ICANS",
    AlertKind.NEWS2: "NEWS2",
    AlertKind.PEWS: QT_TR_NOOP("Bedside PEWS"),
    AlertKind.HYPOXIA: QT_TR_NOOP("hypoxia"),
    AlertKind.VASOPRESSOR: QT_TR_NOOP("vasopressor"),
    AlertKind.INTRACRANIAL_HAEMORRHAGE: QT_TR_NOOP("intracranial haemorrhage"),
    AlertKind.PRE_INFUSION_FEVER: QT_TR_NOOP("fever before infusion"),
    AlertKind.NO_FEVER_ORGAN_DYSFUNCTION: QT_TR_NOOP("organ dysfunction without fever"),
    AlertKind.NEURO_OVERDUE: QT_TR_NOOP("neuro check overdue"),
    AlertKind.VITALS_OVERDUE: QT_TR_NOOP("vitals overdue"),
    AlertKind.CRS_DOWNGRADE: QT_TR_NOOP("CRS grade fell: acknowledge"),
    AlertKind.ICANS_DOWNGRADE: QT_TR_NOOP("ICANS grade fell: acknowledge"),
    AlertKind.INCOMPLETE_DATA: QT_TR_NOOP("incomplete data"),
    AlertKind.WAIVER_REVIEW: QT_TR_NOOP("fever waiver: review"),
}


def kind_text(kind: AlertKind) -> str:
    return tr(_KIND_TEXT[kind])


def enum_text(value: Enum | None) -> str:
    """An enum value in words (`awakens_to_voice` → "awakens to voice"), translated (ui/words.py)."""
    if value is None:
        return "—"
    words = WORDS.get(value)
    return tr(words) if words is not None else str(value.value).replace("_", " ")


def record_kind_text(kind: str) -> str:
    """A stored record's kind (`neuro_check`) in words."""
    words = RECORD_KINDS.get(kind)
    return tr(words) if words is not None else kind.replace("_", " ")


def local_time(when: datetime | None, zone: tzinfo | None, *, with_date: bool = True) -> str:
    """A time in the ward's zone, formatted by the system locale, with its zone abbreviation."""
    if when is None:
        return "—"
    local = when.astimezone(zone)
    offset = local.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    qt = QDateTime.fromSecsSinceEpoch(int(local.timestamp()), QTimeZone(seconds))
    fmt = date_time_format() if with_date else TIME_FORMAT
    return f"{QLocale().toString(qt, fmt)} {local.strftime('%Z')}".strip()


TIME_FORMAT = "HH:mm"


def date_format() -> str:
    """A date as the ward reads it: "2 Dec 2026" in English (the month in words, so that day and month
    are never confused, and never the C locale's "2 12 2026"), "2026-12-02" in Chinese (GB/T 7408)."""
    if QLocale().language() == QLocale.Language.Chinese:
        return "yyyy-MM-dd"
    return "d MMM yyyy"


def date_time_format() -> str:
    return f"{date_format()} {TIME_FORMAT}"


def number(value: float, decimals: int = 1) -> str:
    """A number in the system locale."""
    return QLocale().toString(float(value), "f", decimals)


def picture(latest: object | None) -> dict[str, object]:
    """What the board and the header read of a stored assessment, as the grade contract's words plus
    the reasons by score and the stale values."""
    if latest is None:
        return {}
    record = latest.record  # type: ignore[attr-defined]
    contract: dict[str, object] = record.as_contract()
    contract["stale"] = list(record.stale)
    contract["reason_details"] = [
        {"domain": r.domain.value, "text": reason_text(r, slot_words()), "points": r.points}
        for r in record.reasons
    ]
    return contract


def detail_text(text: str) -> str:
    """An alert's detail or a check's reason, as the core wrote it, in the chosen language (ui/core_text.py)."""
    return core_text(text, slot_words())


def slot_words() -> dict[str, str]:
    """The vocabulary's words as the engine writes them in a reason (a code or its words), translated."""
    out: dict[str, str] = {}
    for member, words in WORDS.items():
        out[str(member.value)] = out[words] = tr(words)
    return out
