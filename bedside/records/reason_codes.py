"""The engine's reason sentences as codes with parameters, so that a stored assessment keeps codes and the
prose is regenerated from them when read (DESIGN section 3: assessments are stored).

`WORDINGS` is append-only, like the migrations: a stored code is an index into it, so an entry is never
edited, reordered or removed once shipped; a new sentence of the engine gets a new entry at the end. A
pattern has literal text, slots (`{n}` a number, `{}` words) and optional parts in brackets (`[...]`, not
nested). A sentence no entry words exactly (a newer engine's) is stored as its text: nothing is lost.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from bedside.clinical.assessment import Domain, Reason

# (domain, criterion, pattern): index = stored code. APPEND ONLY.
WORDINGS: tuple[tuple[str, str, str], ...] = (
    # CRS (SPEC 3)
    ("crs", "inotrope", "{} running: not counted as a vasopressor"),
    (
        "crs",
        "vasopressor",
        "multiple vasopressors running ({})"
        "[; if this is a switch between agents, it still counts (adjudicate)]"
        "[; vasopressin does not count towards multiple]"
        "[; SBP {n} on vasopressor, graded by requirement]",
    ),
    (
        "crs",
        "vasopressor",
        "vasopressor running ({})[; vasopressin does not count towards multiple]"
        "[; SBP {n} on vasopressor, graded by requirement]",
    ),
    ("crs", "hypotension", "no SBP recorded and no vasopressor running"),
    ("crs", "hypotension", "SBP {n} < {n} (threshold for age)[; no vasopressor]"),
    ("crs", "hypotension", "SBP {n} ≥ {n} (threshold for age)[; no vasopressor]"),
    ("crs", "hypotension", "hypotension attributed to another cause"),
    ("crs", "hypoxia", "no oxygen device recorded"),
    ("crs", "hypoxia", "room air"),
    (
        "crs",
        "hypoxia",
        "oxygen by {}[ {n} L/min][: positive pressure][: facemask class (any flow)]"
        "[: blow-by counts as low flow][ (flow not recorded: at least low flow)]"
        "[: high flow (> 6 L/min)][: low flow (≤ 6 L/min)][, indication unknown]"
        "[ for another reason ({}): not counted]",
    ),
    ("crs", "fever", "temperature {n} °C[ ({n} °F)]: fever"),
    ("crs", "fever", "temperature {n} °C[ ({n} °F)]: no fever"),
    ("crs", "pre_infusion", "before infusion: not CRS"),
    ("crs", "fever", "fever attributed to another cause by a physician"),
    ("crs", "fever", "no temperature: grade {n} if febrile"),
    ("crs", "fever", "fever without hypotension or hypoxia"),
    ("crs", "waiver", "fever waiver: CRS fever treated earlier"),
    ("crs", "no_fever", "hypotension/hypoxia (grade {n}) without fever: not CRS"),
    (
        "crs",
        "waiver_review",
        "afebrile for {n} h on the fever waiver (review after {n} h): consider other causes such "
        "as sepsis",
    ),
    ("crs", "stale", "stale, treated as missing: {}"),
    # ICANS (SPEC 5)
    ("icans", "wrong_tool", "CAPD entered but ICE applies: not used"),
    ("icans", "wrong_tool", "ICE entered but CAPD applies: not used"),
    ("icans", "ice", "unarousable, unable to perform ICE"),
    ("icans", "ice", "ICE not available ({})"),
    ("icans", "ice", "ICE {n}/10"),
    ("icans", "capd", "unarousable, unable to perform CAPD"),
    ("icans", "capd", "CAPD not available ({})"),
    ("icans", "capd", "CAPD {n}/32[ (baseline {n})]"),
    ("icans", "consciousness", "level of consciousness not recorded"),
    ("icans", "consciousness", "awakens spontaneously"),
    ("icans", "consciousness", "{}: attributed to sedation"),
    ("icans", "consciousness", "{}"),
    ("icans", "seizure", "seizure status not recorded"),
    ("icans", "seizure", "seizure: none"),
    ("icans", "seizure", "seizure: {}[ ({n} min)][: attributed to another cause by a physician]"),
    ("icans", "motor", "motor findings not recorded"),
    ("icans", "motor", "motor: none"),
    ("icans", "motor", "motor: {}"),
    ("icans", "cerebral_edema", "raised ICP / oedema signs not recorded"),
    ("icans", "cerebral_edema", "raised ICP / oedema: none"),
    ("icans", "cerebral_edema", "raised ICP / oedema: {}"),
    ("icans", "ich", "intracranial haemorrhage: excluded from ICANS"),
    ("icans", "overdue", "neuro check overdue: last {n} h ago, due every {n} h"),
    # NEWS2 (SPEC 9)
    ("news2", "applicability", "not applicable (age below 16)"),
    ("news2", "applicability", "not applicable (invasive ventilation)"),
    ("news2", "rr", "RR {n}"),
    ("news2", "spo2", "SpO2 {n}[ (scale 2)]"),
    ("news2", "air_or_oxygen", "air"),
    ("news2", "air_or_oxygen", "oxygen"),
    ("news2", "sbp", "SBP {n}"),
    ("news2", "hr", "pulse {n}"),
    ("news2", "acvpu", "ACVPU {}"),
    ("news2", "temperature", "temperature {n} °C"),
    ("news2", "incomplete", "incomplete: missing {}; partial sum {n}"),
    # Bedside PEWS (SPEC 10)
    ("pews", "hr", "HR {n} (1–4 years)[: {}]"),
    ("pews", "hr", "HR {n} (4–12 years)[: {}]"),
    ("pews", "hr", "HR {n} ({})[: {}]"),
    ("pews", "sbp", "SBP {n} (1–4 years)[: {}]"),
    ("pews", "sbp", "SBP {n} (4–12 years)[: {}]"),
    ("pews", "sbp", "SBP {n} ({})[: {}]"),
    ("pews", "rr", "RR {n} (1–4 years)[: {}]"),
    ("pews", "rr", "RR {n} (4–12 years)[: {}]"),
    ("pews", "rr", "RR {n} ({})[: {}]"),
    ("pews", "crt_s", "capillary refill {n} s"),
    ("pews", "resp_effort", "respiratory effort normal"),
    ("pews", "resp_effort", "respiratory effort {}"),
    ("pews", "spo2", "SpO2 {n}"),
    ("pews", "o2_therapy", "room air"),
    ("pews", "o2_therapy", "oxygen ({})"),
    ("pews", "incomplete", "incomplete: missing {}; partial sum {n}"),
)

Param = int | float | str
_TOKEN = re.compile(r"\{n\}|\{\}|\[|\]")
_NUMBER = r"(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
_WORDS = r"(.+?)"


@dataclass(frozen=True, slots=True)
class _Piece:
    """A literal, a slot ("n" or "w") or an optional group of pieces."""

    text: str = ""
    slot: str = ""
    group: tuple[_Piece, ...] = ()


def _parse(pattern: str) -> tuple[_Piece, ...]:
    out: list[_Piece] = []
    group: list[_Piece] | None = None
    at = 0
    for match in _TOKEN.finditer(pattern):
        target = group if group is not None else out
        if match.start() > at:
            target.append(_Piece(text=pattern[at : match.start()]))
        token = match.group()
        if token == "[":
            group = []
        elif token == "]":
            assert group is not None, pattern
            out.append(_Piece(group=tuple(group)))
            group = None
        else:
            target.append(_Piece(slot="n" if token == "{n}" else "w"))
        at = match.end()
    if at < len(pattern):
        out.append(_Piece(text=pattern[at:]))
    return tuple(out)


def _regex(pieces: tuple[_Piece, ...]) -> str:
    parts = []
    for piece in pieces:
        if piece.group:
            parts.append(f"({_regex(piece.group)})?")
        elif piece.slot:
            parts.append(_NUMBER if piece.slot == "n" else _WORDS)
        else:
            parts.append(re.escape(piece.text))
    return "".join(parts)


@cache
def _compiled(code: int) -> tuple[tuple[_Piece, ...], re.Pattern[str]]:
    pieces = _parse(WORDINGS[code][2])
    return pieces, re.compile(_regex(pieces) + r"\Z")


@cache
def _candidates(domain: str, criterion: str) -> tuple[int, ...]:
    return tuple(i for i, (d, c, _) in enumerate(WORDINGS) if (d, c) == (domain, criterion))


def _render(pieces: tuple[_Piece, ...], params: list[Param]) -> str:
    out = []
    for piece in pieces:
        if piece.group:
            if params.pop(0):
                out.append(_render(piece.group, params))
        elif piece.slot:
            value = params.pop(0)
            out.append(value if isinstance(value, str) else json.dumps(value))
        else:
            out.append(piece.text)
    return "".join(out)


def _params(pieces: tuple[_Piece, ...], groups: list[str | None]) -> list[Param]:
    """The parameters of a match, in pattern order: a 0/1 before each optional part, then its slots."""
    out: list[Param] = []
    for piece in pieces:
        if piece.group:
            present = groups.pop(0) is not None
            out.append(1 if present else 0)
            if present:
                out += _params(piece.group, groups)
            else:
                del groups[: _slot_count(piece.group)]
        elif piece.slot:
            text = groups.pop(0)
            assert text is not None
            out.append(_number(text) if piece.slot == "n" else text)
    return out


def _slot_count(pieces: tuple[_Piece, ...]) -> int:
    return sum(1 + _slot_count(p.group) if p.group else bool(p.slot) for p in pieces)


def _number(text: str) -> Param:
    """A number slot as a JSON number when it prints back as the same text, else as the text."""
    value: Param
    try:
        value = int(text) if re.fullmatch(r"-?\d+", text) else float(text)
    except ValueError:
        return text
    return value if json.dumps(value) == text else text


def encode_reason(reason: Reason) -> list[Param | None]:
    """`[code, points, *params]`, or `[domain, criterion, points, text]` for a sentence no code words."""
    return list(_encoded(reason))


@lru_cache(maxsize=4096)
def _encoded(reason: Reason) -> tuple[Param | None, ...]:
    # Kept: each save words mostly the reasons of the save before it (a reason is frozen).
    for code in _candidates(reason.domain.value, reason.criterion):
        pieces, regex = _compiled(code)
        match = regex.match(reason.text)
        if match is None:
            continue
        params = _params(pieces, list(match.groups()))
        if _render(pieces, list(params)) == reason.text:
            return (code, reason.points, *params)
    return (reason.domain.value, reason.criterion, reason.points, reason.text)


def decode_reason(stored: list[object]) -> Reason:
    """The reason, its sentence regenerated from the code and parameters."""
    head = stored[0]
    if isinstance(head, str):
        _, criterion, points, text = stored
        return Reason(Domain(head), str(criterion), _points(points), str(text))
    if not isinstance(head, int) or not 0 <= head < len(WORDINGS):
        raise ValueError(f"reason code {head!r} is not one this Bedside knows; use a newer Bedside")
    domain_text, criterion, _ = WORDINGS[head]
    pieces, _ = _compiled(head)
    params = [p for p in stored[2:] if isinstance(p, int | float | str)]
    return Reason(Domain(domain_text), criterion, _points(stored[1]), _render(pieces, params))


def _points(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def reason_parameters(reason: Reason) -> tuple[int, list[Param]] | None:
    """The code of the wording a reason's sentence follows and its parameters (as `encode_reason`
    stores them), or None for a sentence no code words. For a display that words the code anew."""
    stored = encode_reason(reason)
    head = stored[0]
    if not isinstance(head, int) or isinstance(head, bool):
        return None
    return head, [p for p in stored[2:] if isinstance(p, int | float | str)]


def render_wording(code: int, pattern: str, params: list[Param]) -> str:
    """`params` (from `reason_parameters`) rendered into `pattern`, another wording of `code` (a
    translation) with the same slots and optional parts in the same order; ValueError if it has not."""
    if wording_shape(pattern) != wording_shape(WORDINGS[code][2]):
        raise ValueError(f"the wording {pattern!r} does not have the slots of reason code {code}")
    return _render(_parse(pattern), list(params))


def wording_shape(pattern: str) -> str:
    """The slots and optional parts of a wording in order ("n" a number, "w" words, "[...]" optional):
    two wordings of one code must have the same shape."""
    return _shape(_parse(pattern))


def _shape(pieces: tuple[_Piece, ...]) -> str:
    return "".join(
        f"[{_shape(p.group)}]" if p.group else ("n" if p.slot == "n" else "w") if p.slot else ""
        for p in pieces
    )
