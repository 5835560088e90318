"""A stored assessment keeps codes (grades, flags, reasons with parameters, rule version, policy digest)
and its sentences are regenerated from them when read: the same prose the engine wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bedside.clinical.assessment import Assessment, Domain, Flag, Reason
from bedside.clinical.engine import assess
from bedside.clinical.snapshot import parse_snapshot
from bedside.records import AssessmentRecord, canonical_json, from_payload, to_payload
from bedside.records.codec import FLAG_CODES, RULE_VERSIONS, decode_assessment
from bedside.records.reason_codes import WORDINGS, decode_reason, encode_reason
from bedside.replay import replay

SHARED = Path(__file__).resolve().parents[3] / "shared" / "clinical"
OURS = Path(__file__).resolve().parents[1] / "timelines" / "ward_timelines.json"


def vignette_assessments() -> list[Assessment]:
    cases = json.loads((SHARED / "vignettes.json").read_text(encoding="utf-8"))
    return [assess(parse_snapshot({**c["inputs"], "age_years": c["age_years"]})) for c in cases]


def stored_and_read(assessment: Assessment) -> tuple[AssessmentRecord, str]:
    record = AssessmentRecord.of(
        assessment,
        source_record="01a20ff3-4e9a-7a66-873c-fac64130d995",
        crs_episode_open=bool(assessment.crs.grade),
        icans_episode_open=False,
        crs_course=assessment.crs.grade,
        icans_course=None,
        stale=("hr",),
    )
    text = canonical_json(to_payload(record))
    back = from_payload("assessment", json.loads(text))
    assert isinstance(back, AssessmentRecord)
    return back, text


def literal(reasons: tuple[Reason, ...]) -> list[str]:
    """The sentences no code words (stored as text)."""
    return [r.text for r in reasons if isinstance(encode_reason(r)[0], str)]


def test_vignettes_read_back_with_the_prose_the_engine_wrote() -> None:
    assessments = vignette_assessments()
    assert len(assessments) > 50
    for assessment in assessments:
        back, text = stored_and_read(assessment)
        want = assessment.as_contract()
        assert back.as_contract() == want
        assert back.reasons == assessment.reasons
        assert literal(assessment.reasons) == [], "every vignette sentence has a code"
        assert "threshold for age" not in text and "CRS_DOMAIN_MISSING" not in text


def test_timelines_store_the_engines_reasons_as_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    graded: list[Assessment] = []

    def recording(*args: Any, **kwargs: Any) -> Assessment:
        result = assess(*args, **kwargs)
        graded.append(result)
        return result

    monkeypatch.setattr("bedside.regrade.assess", recording)
    for path in (SHARED / "timelines.json", OURS):
        for timeline in json.loads(path.read_text(encoding="utf-8")):
            replay(timeline)
    assert len(graded) > 100
    sentences = {r for a in graded for r in a.reasons}
    assert [r for r in sentences if decode_reason(encode_reason(r)) != r] == []
    assert literal(tuple(sentences)) == []
    for assessment in graded[:: max(1, len(graded) // 50)]:
        assert stored_and_read(assessment)[0].as_contract() == assessment.as_contract()


def test_a_sentence_without_a_code_is_kept_as_its_text() -> None:
    newer = Reason(Domain.CRS, "hypoxia", 3, "helmet CPAP: positive pressure (a newer engine)")
    assert encode_reason(newer) == ["crs", "hypoxia", 3, newer.text]
    assert decode_reason(encode_reason(newer)) == newer


def test_a_code_is_read_back_with_its_parameters() -> None:
    reason = Reason(Domain.CRS, "hypotension", 2, "SBP 78 < 82 (threshold for age); no vasopressor")
    stored = encode_reason(reason)
    assert stored == [4, 2, 78, 82, 1]
    assert decode_reason(stored) == reason
    # A number that would not print back the same is kept as its text.
    odd = Reason(Domain.NEWS2, "rr", 0, "RR 1e+02")
    assert decode_reason(encode_reason(odd)) == odd


def test_the_code_tables_only_grow() -> None:
    """Stored codes are indices: the tables keep their first entries as shipped."""
    assert WORDINGS[4] == (
        "crs",
        "hypotension",
        "SBP {n} < {n} (threshold for age)[; no vasopressor]",
    )
    assert FLAG_CODES[: len(Flag)] == tuple(f.value for f in Flag)
    assert RULE_VERSIONS[1].startswith("bedside-rules-1.1")


def test_an_assessment_stored_by_an_older_bedside_is_read_as_it_was_shown() -> None:
    old = {
        "payload": {
            "crs_grade": 3,
            "crs_episode_open": True,
            "hypotension": "on_vasopressor(s): graded by requirement",
            "flags": ["CRS_DOMAIN_MISSING", "A_FLAG_FROM_A_NEWER_ENGINE"],
            "icans_tool": "ICE",
            "bedside_pews": None,
            "reason_details": [
                {"domain": "crs", "criterion": "vasopressor", "points": 3, "text": "as shown"}
            ],
            "rule_version": "bedside-rules-1.0 (ASTCT 2019, NEWS2 2017, Bedside PEWS 2009)",
        }
    }
    record = decode_assessment(old)
    assert record.crs_grade == 3 and record.on_vasopressor and record.crs_course == 3
    assert record.flags == (Flag.CRS_DOMAIN_MISSING, "A_FLAG_FROM_A_NEWER_ENGINE")
    assert record.reasons[0].render() == "CRS grade 3: as shown"
    assert record.as_contract()["hypotension"] == "on_vasopressor(s): graded by requirement"


def test_a_stored_assessment_is_small() -> None:
    sizes = [len(stored_and_read(a)[1].encode()) for a in vignette_assessments()]
    assert max(sizes) < 700, max(sizes)
