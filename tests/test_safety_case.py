"""docs/SAFETY.md points only at evidence that exists, and every hazard in it is complete and rated by the matrix.

The safety case names its evidence in backticks: `tests/<path>.py::<test function>`, `timeline W04` (ours),
`public timeline T02` (../shared/clinical/timelines.json), `vignette V084` (../shared/clinical/vignettes.json),
`SitePolicy.<setting> = <default>`, and paths of files. Each is checked here against the files themselves (a test
function by parsing its module, not by importing it), and the negative controls show that the same checkers
report what was made up.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, fields
from pathlib import Path

from bedside.clinical.policy import DEFAULT_POLICY, SitePolicy

ROOT = Path(__file__).resolve().parents[1]
SAFETY = ROOT / "docs" / "SAFETY.md"
OUR_TIMELINES = ROOT / "tests" / "timelines" / "ward_timelines.json"
SHARED = ROOT.parent / "shared" / "clinical"
PUBLIC_TIMELINES = SHARED / "timelines.json"
VIGNETTES = SHARED / "vignettes.json"

SPAN = re.compile(r"`([^`\n]+)`")
TEST_REF = re.compile(r"(tests/[\w/]+\.py)::(\w+)")
TIMELINE_REF = re.compile(r"timeline (W\d{2})")
PUBLIC_TIMELINE_REF = re.compile(r"public timeline (T\d{2})")
VIGNETTE_REF = re.compile(r"vignette (V\d{3})")
POLICY_REF = re.compile(r"SitePolicy\.(\w+) = (.+)")
PATH_REF = re.compile(r"(?:\.\./shared|tests|bedside|docs)/[\w./-]*\w")
PLACEHOLDER = re.compile(r"<[^<>\s][^<>]*>")
# Spans that look like evidence but do not follow one of the forms above.
LOOKS_LIKE_EVIDENCE = re.compile(r"::|^(?:public )?timeline |^vignette |^SitePolicy\.")

# DCB0129 risk matrix: likelihood row x severity column -> risk 1-5.
SEVERITIES = ("minor", "significant", "considerable", "major", "catastrophic")
MATRIX = {
    "very high": (3, 4, 4, 5, 5),
    "high": (2, 3, 3, 4, 5),
    "medium": (2, 2, 3, 3, 4),
    "low": (1, 2, 2, 3, 4),
    "very low": (1, 1, 2, 2, 3),
}
RATING = re.compile(
    r"severity (minor|significant|considerable|major|catastrophic), "
    r"likelihood (very low|low|medium|high|very high): risk (\d)"
)
HAZARD_HEADING = re.compile(r"^### (H\d{2}) (.+)$", re.MULTILINE)
FIELD = re.compile(r"^- \*\*([^*]+):\*\* ", re.MULTILINE)
FIELDS = (
    "Hazard",
    "Causes",
    "Effect on the patient",
    "Initial risk",
    "Mitigation in the product",
    "Evidence",
    "Residual risk",
    "Status",
)
SUMMARY_ROW = re.compile(r"^\| (H\d{2}) \| [^|]+ \| (\d) \| (\d) \| [^|]+ \|$", re.MULTILINE)
NOT_YET = "not yet mitigated"
LONG_TIER = re.compile(r"\blong\b|-m long")


@dataclass(frozen=True)
class Sources:
    """Where references are looked up (the repository, by default)."""

    root: Path = ROOT
    our_timelines: Path = OUR_TIMELINES
    public_timelines: Path = PUBLIC_TIMELINES
    vignettes: Path = VIGNETTES


def _ids(path: Path) -> set[str]:
    return {str(item["id"]) for item in json.loads(path.read_text(encoding="utf-8"))}


def _module_functions(path: Path) -> set[str]:
    """Names of the module-level functions of a test file (parametrised or not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def spans(text: str) -> list[str]:
    return SPAN.findall(text)


def is_evidence(span: str) -> bool:
    """A span that names a test, a timeline or a vignette (what counts as evidence for a hazard)."""
    return any(
        pattern.fullmatch(span)
        for pattern in (TEST_REF, TIMELINE_REF, PUBLIC_TIMELINE_REF, VIGNETTE_REF)
    )


def missing_references(text: str, sources: Sources | None = None) -> list[str]:
    """Every backticked reference in `text` that names something that does not exist or differs.
    A span with a `<placeholder>` describes a form of reference and is not one."""
    sources = sources or Sources()
    problems: list[str] = []
    functions: dict[Path, set[str]] = {}
    timelines = _ids(sources.our_timelines)
    public = _ids(sources.public_timelines)
    vignettes = _ids(sources.vignettes)
    settings = {f.name for f in fields(SitePolicy)}
    for span in spans(text):
        if PLACEHOLDER.search(span):
            continue
        if match := TEST_REF.fullmatch(span):
            path = sources.root / match[1]
            if not path.is_file():
                problems.append(f"{span}: no file {match[1]}")
                continue
            if path not in functions:
                functions[path] = _module_functions(path)
            if not match[2].startswith("test") or match[2] not in functions[path]:
                problems.append(f"{span}: no test function {match[2]} in {match[1]}")
        elif match := PUBLIC_TIMELINE_REF.fullmatch(span):
            if match[1] not in public:
                problems.append(
                    f"{span}: no timeline {match[1]} in {sources.public_timelines.name}"
                )
        elif match := TIMELINE_REF.fullmatch(span):
            if match[1] not in timelines:
                problems.append(f"{span}: no timeline {match[1]} in {sources.our_timelines.name}")
        elif match := VIGNETTE_REF.fullmatch(span):
            if match[1] not in vignettes:
                problems.append(f"{span}: no vignette {match[1]} in {sources.vignettes.name}")
        elif match := POLICY_REF.fullmatch(span):
            name, stated = match[1], match[2]
            if name not in settings:
                problems.append(f"{span}: SitePolicy has no setting {name}")
                continue
            actual = getattr(DEFAULT_POLICY, name)
            try:
                claimed = ast.literal_eval(stated)
            except (ValueError, SyntaxError):
                problems.append(f"{span}: {stated!r} is not a literal value")
                continue
            if claimed != actual or type(claimed) is not type(actual):
                problems.append(f"{span}: the default of {name} is {actual!r}")
        elif LOOKS_LIKE_EVIDENCE.search(span):
            problems.append(f"{span}: not a reference of a known form")
        elif PATH_REF.fullmatch(span) and not (sources.root / span).exists():
            problems.append(f"{span}: no such file or folder")
    return problems


def _rating(line: str) -> tuple[str, str, int] | None:
    match = RATING.search(line)
    return None if match is None else (match[1], match[2], int(match[3]))


def hazards(text: str) -> dict[str, dict[str, str]]:
    """Each hazard section (`### H01 ...`) as its fields (`- **Field:** text`, to the next field)."""
    found: dict[str, dict[str, str]] = {}
    headings = list(HAZARD_HEADING.finditer(text))
    for i, heading in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        body = text[heading.end() : end]
        body = re.split(r"^#{1,3} ", body, maxsplit=1, flags=re.MULTILINE)[0]
        marks = list(FIELD.finditer(body))
        entry = {"title": heading[2]}
        for j, mark in enumerate(marks):
            stop = marks[j + 1].start() if j + 1 < len(marks) else len(body)
            entry[mark[1]] = body[mark.end() : stop].strip()
        found[heading[1]] = entry
    return found


def hazard_problems(text: str) -> list[str]:
    """Hazards with a missing field, no evidence (unless "not yet mitigated" is said), a risk that
    the matrix does not give, or a summary row that disagrees with the hazard's own entry."""
    problems: list[str] = []
    log = hazards(text)
    if not log:
        return ["no hazard sections (### H01 ...) found"]
    for hazard_id, entry in log.items():
        for name in FIELDS:
            if not entry.get(name):
                problems.append(f"{hazard_id}: field {name!r} missing or empty")
        evidence = entry.get("Evidence", "")
        if not any(is_evidence(s) for s in spans(evidence)) and NOT_YET not in evidence.lower():
            problems.append(f"{hazard_id}: no evidence reference and not marked {NOT_YET!r}")
        for name in ("Initial risk", "Residual risk"):
            rating = _rating(entry.get(name, ""))
            if rating is None:
                problems.append(
                    f"{hazard_id}: {name} is not 'severity ..., likelihood ...: risk N'"
                )
                continue
            severity, likelihood, risk = rating
            expected = MATRIX[likelihood][SEVERITIES.index(severity)]
            if risk != expected:
                problems.append(
                    f"{hazard_id}: {name} {severity} x {likelihood} is risk {expected}, not {risk}"
                )
    summary = {m[1]: (int(m[2]), int(m[3])) for m in SUMMARY_ROW.finditer(text)}
    if set(summary) != set(log):
        problems.append(f"summary table lists {sorted(summary)}, hazard sections are {sorted(log)}")
    for hazard_id, (initial, residual) in summary.items():
        entry = log.get(hazard_id, {})
        stated = tuple(
            r[2] if (r := _rating(entry.get(n, ""))) else None
            for n in ("Initial risk", "Residual risk")
        )
        if stated != (initial, residual):
            problems.append(f"{hazard_id}: summary says {initial}/{residual}, the entry {stated}")
    return problems


# --- the safety case itself --------------------------------------------------------------------------


def test_every_reference_in_the_safety_case_exists() -> None:
    text = SAFETY.read_text(encoding="utf-8")
    found = spans(text)
    tests_named = [s for s in found if TEST_REF.fullmatch(s)]
    timelines_named = {s for s in found if TIMELINE_REF.fullmatch(s)}
    assert len(tests_named) >= 50, "the parser found too few test references to be reading the log"
    assert len(timelines_named) >= 15
    assert missing_references(text) == []


def test_every_hazard_is_complete_and_rated_by_the_matrix() -> None:
    text = SAFETY.read_text(encoding="utf-8")
    log = hazards(text)
    assert len(log) >= 18, sorted(log)
    assert hazard_problems(text) == []


# --- negative controls: the same checkers bite -------------------------------------------------------


def test_the_checker_reports_made_up_references() -> None:
    made_up = [
        "`tests/bedside/test_alarms.py::test_an_alert_that_does_not_exist`",
        "`tests/bedside/test_no_such_module.py::test_anything`",
        "`tests/bedside/test_alarms.py::fx`",  # a fixture, not a test
        "`tests/bedside/test_alarms.py::test_acknowledgement_is_recorded_with_who_and_when[x]`",
        "`timeline W99`",
        "`timeline T02`",  # a public timeline named as one of ours
        "`public timeline T99`",
        "`vignette V999`",
        "`SitePolicy.vitals_interval_active_h = 1.0`",  # the default is 2.0
        "`SitePolicy.no_such_setting = 3`",
        "`bedside/no_such_module.py`",
    ]
    for reference in made_up:
        assert missing_references(reference) != [], reference
    # ...and each of these real ones passes, so the controls above fail for their own reason.
    real = [
        "`tests/bedside/test_alarms.py::test_acknowledgement_is_recorded_with_who_and_when`",
        "`tests/bedside/test_alarms.py::test_grade_and_score_map_to_priority`",  # parametrised
        "`timeline W04`",
        "`public timeline T02`",
        "`vignette V084`",
        "`SitePolicy.vitals_interval_active_h = 2.0`",
        "`SitePolicy.capd_min_rise_from_baseline = None`",
        "`bedside/clinical/policy.py`",
    ]
    assert missing_references(" ".join(real)) == []


def _hazard(evidence: str, residual: str = "severity major, likelihood very low: risk 2") -> str:
    return "\n".join(
        [
            "| H01 | x | 4 | 2 | open |",
            "",
            "### H01 A made-up hazard",
            "",
            "- **Hazard:** a.",
            "- **Causes:** b.",
            "- **Effect on the patient:** c.",
            "- **Initial risk:** severity major, likelihood high: risk 4",
            "- **Mitigation in the product:** d.",
            f"- **Evidence:** {evidence}",
            f"- **Residual risk:** {residual}",
            "- **Status:** open.",
            "",
        ]
    )


def test_the_checker_reports_a_hazard_without_evidence_or_with_a_wrong_risk() -> None:
    good = _hazard("`timeline W01`")
    assert hazard_problems(good) == []
    assert hazard_problems(_hazard("Not yet mitigated: login is not built.")) == []
    assert any("no evidence" in p for p in hazard_problems(_hazard("the tests show it")))
    assert any("no evidence" in p for p in hazard_problems(_hazard("`bedside/alerts.py`")))
    wrong = _hazard("`timeline W01`", residual="severity major, likelihood very low: risk 1")
    assert any("is risk 2, not 1" in p for p in hazard_problems(wrong))
    assert any("summary" in p for p in hazard_problems(good.replace("| 4 | 2 |", "| 4 | 3 |")))
    assert any("'Status'" in p for p in hazard_problems(good.replace("- **Status:** open.", "")))


# --- the `long` tier is named where it is evidence ----------------------------------------------------


def _long_tier_tests(path: Path) -> set[str]:
    """Module-level test functions marked `@pytest.mark.long` (not run by `bash .ci/test`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(isinstance(d, ast.Attribute) and d.attr == "long" for d in node.decorator_list)
    }


def unmarked_long_evidence(text: str, root: Path = ROOT) -> list[str]:
    """Evidence naming a `long`-tier test in a hazard entry that never says it is in the long tier."""
    problems = []
    for hazard_id, entry in hazards(text).items():
        evidence = entry.get("Evidence", "")
        for span in spans(evidence):
            match = TEST_REF.fullmatch(span)
            if match is None or not (root / match[1]).is_file():
                continue
            if match[2] in _long_tier_tests(root / match[1]) and not LONG_TIER.search(evidence):
                problems.append(f"{hazard_id}: {span} runs only with -m long; say so")
    return problems


def test_evidence_in_the_long_tier_says_so() -> None:
    text = SAFETY.read_text(encoding="utf-8")
    assert unmarked_long_evidence(text) == []
    long_named = (
        "`tests/integration/test_tamper.py::test_tampering_is_found_every_time_at_battery_size`"
    )
    assert long_named in text
    # Negative control: the same reference without the words is reported.
    assert unmarked_long_evidence(_hazard(long_named)) != []
