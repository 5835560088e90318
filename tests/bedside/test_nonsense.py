"""BATTERY R13: nonsense that was once accepted is refused naming the field and the allowed range.

Invisible or direction-marked text, patient ids differing only by case, implausible infusion times, a birth
after the infusion, doses outside their unit's range, a sign-off of no assessment, the closure of an episode
that is not open; and notes pasted from Windows, which are normalised, not refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bedside.clinical.policy import DEFAULT_POLICY, SitePolicy
from bedside.clock import ManualClock
from bedside.records import (
    Admission,
    Attribution,
    Draft,
    EpisodeClosure,
    FieldError,
    GradeSignOff,
    Intervention,
    Note,
    Record,
    Syndrome,
    VitalSigns,
    from_payload,
    to_payload,
    validate,
    validate_record,
)
from bedside.store.connection import open_database
from bedside.store.history import SqlHistory
from bedside.store.log import Log
from bedside.validators import admission_errors, earliest_record
from bedside.ward import Invalid, Result, Ward
from tests.support.ward_fixtures import (
    ADULT_BORN,
    CHILD_BORN,
    INFUSION,
    NURSE,
    PHYSICIAN,
    START,
    admission,
    normal_adult_vitals,
    recorded,
)

CLOCK = ManualClock(START)
ADMISSION = admission("AD-1", ADULT_BORN)
NOTE = Note(text="Parents at bedside.")
CAUSE = Attribution(finding="fever", cause="line infection")
PARACETAMOL = Intervention(
    drug="paracetamol", dose=1000, dose_unit="mg", route="po", started_at=START,
    indication="treatment",
)  # fmt: skip


def only_error(record: Record, name: str) -> FieldError:
    errors = validate_record(record)
    assert [e.field for e in errors] == [name], errors
    error = errors[0]
    assert error.message.startswith(f"{name}: ") and error.allowed, error
    return error


# --- text that shows nothing, or that reorders what is shown beside it ---------------------------

INVISIBLE = [
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark
    "\u00ad",  # soft hyphen (Cf)
    "\u2062",  # invisible times (Cf)
    "\u3164",  # Hangul filler
    "\u2800",  # Braille blank
    "\ufe0f",  # variation selector
    " \u00a0\u2009",  # spaces: ordinary, no-break, thin
    "\u3000",  # ideographic space
    "\u200b \u200c\u200d",
]


@pytest.mark.parametrize("blank", INVISIBLE, ids=ascii)
@pytest.mark.parametrize(
    ("record", "name", "allowed"),
    [(ADMISSION, "name", "1–200 characters"), (NOTE, "text", "1–4000 characters"),
     (CAUSE, "cause", "3–500 characters"), (ADMISSION, "product", "1–100 characters")],
)  # fmt: skip
def test_text_made_only_of_invisible_characters_is_blank(
    record: Record, name: str, allowed: str, blank: str
) -> None:
    error = only_error(replace(record, **{name: blank * 3}), name)
    assert error == FieldError(name, f"{name}: is blank", allowed)


@pytest.mark.parametrize(
    "text", ["Zoë\u200dA", "\U0001f469\u200d\U0001f467 at bedside", "a\u200bb", "\u00adAda"]
)
def test_invisible_characters_beside_visible_ones_are_kept(text: str) -> None:
    assert validate_record(replace(NOTE, text=text)) == []
    assert validate_record(replace(ADMISSION, name=text)) == []


@pytest.mark.parametrize("mark", ["\u200f", "\u200e", "\u061c"])
@pytest.mark.parametrize("where", ["end", "start", "end before a space"])
def test_a_direction_mark_at_either_end_of_a_name_is_refused(mark: str, where: str) -> None:
    name = {"end": f"Ada Lee{mark}", "start": f"{mark}Ada Lee", "end before a space": f"Ada{mark} "}
    error = only_error(replace(ADMISSION, name=name[where]), "name")
    assert error.message == f"name: starts or ends with a direction mark (U+{ord(mark):04X})"
    assert error.allowed == "1–200 characters"


def test_a_direction_mark_inside_mixed_script_text_is_kept() -> None:
    assert validate_record(replace(ADMISSION, name="Ada \u05db\u05d4\u05df\u200f Lee")) == []


def test_direction_overrides_and_isolates_stay_refused_anywhere() -> None:
    for char in ("\u202e", "\u2067"):
        error = only_error(replace(ADMISSION, name=f"Ada{char}Lee"), "name")
        assert f"U+{ord(char):04X}" in error.message


# --- patient ids compare without regard to case --------------------------------------------------


def test_patient_ids_are_kept_in_upper_case() -> None:
    assert replace(ADMISSION, patient_id="nb-0412x").patient_id == "NB-0412X"
    decoded = from_payload("admission", to_payload(ADMISSION) | {"patient_id": "ad-1"})
    assert isinstance(decoded, Admission) and decoded.patient_id == "AD-1"
    assert Draft(VitalSigns(hr=80), "ad-1", START).patient_id == "AD-1"
    draft = Draft(replace(ADMISSION, patient_id="ad-1"), "Ad-1", START)
    assert validate(draft, CLOCK) == []  # the admission and its envelope name one patient


def test_only_ascii_letters_are_upper_cased() -> None:
    # Upper-casing "ı" (dotless i) would give "I": a refused character would become an accepted one.
    draft = Draft(VitalSigns(hr=80), "ad\u0131-1", START)
    assert draft.patient_id == "ad\u0131-1"
    errors = validate(draft, CLOCK)
    assert [e.field for e in errors] == ["patient_id"]
    assert "(kept in upper case)" in errors[0].allowed


# --- the admission: infusion time and date of birth -------------------------------------------------


@pytest.mark.parametrize(
    "infusion_at",
    [
        datetime(2099, 6, 1, tzinfo=UTC),
        datetime(2000, 1, 1, tzinfo=UTC),
        START - timedelta(days=365, microseconds=1),
        START + timedelta(days=60, microseconds=1),
    ],
)
def test_an_infusion_far_from_the_admission_is_refused(infusion_at: datetime) -> None:
    draft = Draft(replace(ADMISSION, infusion_at=infusion_at), "AD-1", START)
    [error] = validate(draft, CLOCK)
    assert error.field == "infusion_at"
    assert error.allowed == (
        "1 year before to 60 days after the admission: "
        "2025-11-20T08:00:00.000000Z to 2027-01-19T08:00:00.000000Z"
    )
    assert error.message.startswith("infusion_at: ") and error.allowed in error.message


@pytest.mark.parametrize("infusion_at", [START - timedelta(days=365), START + timedelta(days=60)])
def test_the_infusion_window_edges_are_accepted(infusion_at: datetime) -> None:
    draft = Draft(replace(ADMISSION, infusion_at=infusion_at), "AD-1", START)
    assert validate(draft, CLOCK) == []


def test_a_birth_after_the_infusion_is_refused() -> None:
    infused = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # admitted months after an infusion elsewhere
    born_after = replace(ADMISSION, infusion_at=infused, date_of_birth=date(2026, 6, 3))
    error = only_error(born_after, "date_of_birth")
    assert error == FieldError(
        "date_of_birth",
        "date_of_birth: 2026-06-03 is after the infusion on 2026-06-02",
        "no later than 2026-06-02",
    )
    [refused] = validate(Draft(born_after, "AD-1", START), CLOCK)
    assert refused.field == "date_of_birth"


def test_a_birth_on_the_day_of_the_infusion_anywhere_on_earth_is_accepted() -> None:
    # 12:00 UTC is already the next day at UTC+14: a date of birth has no zone, so it is not refused.
    infused = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    for born in (date(2026, 6, 1), date(2026, 6, 2)):
        assert validate_record(replace(ADMISSION, infusion_at=infused, date_of_birth=born)) == []


def test_the_age_rule_is_unchanged() -> None:
    too_old = Draft(replace(ADMISSION, date_of_birth=date(1905, 1, 1)), "AD-1", START)
    assert [e.field for e in validate(too_old, CLOCK)] == ["date_of_birth"]


# --- doses --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dose", "unit", "allowed"),
    [
        (1e-300, "mg", "0.001–5000 mg"),
        (0.0009, "mg", "0.001–5000 mg"),
        (6000, "mg", "0.001–5000 mg"),
        (0.00001, "mg/kg", "0.0001–50 mg/kg"),
        (120, "mg/kg", "0.0001–50 mg/kg"),
    ],
)
def test_a_dose_outside_its_units_range_is_refused(dose: float, unit: str, allowed: str) -> None:
    error = only_error(replace(PARACETAMOL, dose=dose, dose_unit=unit), "dose")
    assert error.allowed == allowed
    assert error.message == f"dose: {dose} {unit} is outside {allowed}"


@pytest.mark.parametrize(
    ("dose", "unit", "allowed"),
    [
        (1e-300, "mcg/kg/min", "0.001–50 mcg/kg/min"),
        (80, "mcg/kg/min", "0.001–50 mcg/kg/min"),
        (0.00001, "units/min", "0.0001–1 units/min"),
        (2, "units/min", "0.0001–1 units/min"),
        (0.001, "mL/h", "0.01–1000 mL/h"),
        (1500, "mL/h", "0.01–1000 mL/h"),
    ],
)
def test_an_infusion_rate_outside_its_units_range_is_refused(
    dose: float, unit: str, allowed: str
) -> None:
    pressor = replace(PARACETAMOL, drug="vasopressin", route="iv", dose=dose, dose_unit=unit)
    assert only_error(pressor, "dose").allowed == allowed


def test_a_dose_with_an_unknown_unit_is_refused_for_its_unit() -> None:
    errors = validate_record(replace(PARACETAMOL, dose=0.5, dose_unit="tablets"))
    assert [e.field for e in errors] == ["dose_unit"]


# --- notes pasted from Windows --------------------------------------------------------------------


def test_crlf_and_lone_cr_in_a_note_become_lf() -> None:
    note = Note(text="line one\r\nline two\rline three\n\tend")
    assert note.text == "line one\nline two\nline three\n\tend"
    assert validate_record(note) == []
    decoded = from_payload("note", {"text": "a\r\nb"})
    assert isinstance(decoded, Note) and decoded.text == "a\nb"


def test_a_note_of_line_breaks_only_is_blank() -> None:
    assert only_error(Note(text="\r\n\r\n"), "text").message == "text: is blank"


# --- through the ward: the admission, the log and the patient's window -----------------------------


@dataclass
class WardOnFile:
    ward: Ward
    history: SqlHistory
    clock: ManualClock


@pytest.fixture
def fx(tmp_path: Path) -> Iterator[WardOnFile]:
    clock = ManualClock(START)
    db = open_database(tmp_path / "ward.db", clock=clock)
    try:
        ward = Ward(db, clock=clock)
        recorded(ward.admit(admission("AD-1", ADULT_BORN), author=NURSE))
        recorded(ward.admit(admission("C1", CHILD_BORN), author=NURSE))
        yield WardOnFile(ward, SqlHistory(db, Log(db, clock)), clock)
    finally:
        db.conn.close()


def refused(fx: WardOnFile, result: Result, name: str) -> FieldError:
    assert isinstance(result, Invalid), result
    assert [e.field for e in result.errors] == [name], result.errors
    return result.errors[0]


def test_an_id_differing_only_by_case_is_the_same_patient(fx: WardOnFile) -> None:
    again = fx.ward.admit(admission("ad-1", ADULT_BORN), author=NURSE)
    assert "already admitted" in refused(fx, again, "patient_id").message
    done = recorded(
        fx.ward.chart_vitals("ad-1", normal_adult_vitals(), observed_at=START, author=NURSE)
    )
    assert done.record.patient_id == "AD-1"
    assert fx.history.patient_ids() == ["AD-1", "C1"]
    assert fx.history.last_observed("AD-1", "vitals", None) == START


def test_a_sign_off_of_no_assessment_of_this_patient_is_refused(fx: WardOnFile) -> None:
    fever = normal_adult_vitals(temperature=38.6)
    recorded(fx.ward.chart_vitals("AD-1", fever, observed_at=START, author=NURSE))
    vitals = recorded(
        fx.ward.chart_vitals("C1", normal_adult_vitals(), observed_at=START, author=NURSE)
    )
    own = fx.history.latest_assessment("AD-1")
    other = fx.history.latest_assessment("C1")
    assert own is not None and other is not None
    before = fx.history.row_counts()
    for target, why in [
        ("01a20ff3-4e9a-7a66-873c-fac64130d995", "no record"),
        (vitals.record.id, "is a vitals, not an assessment"),
        (other.record_id, "an assessment of another patient"),
    ]:
        sign_off = GradeSignOff(syndrome="crs", grade=1, assessment_id=target)
        error = refused(fx, fx.ward.sign_grade("AD-1", sign_off, author=PHYSICIAN), "assessment_id")
        assert why in error.message
        assert error.allowed == "the id of an assessment of patient AD-1"
    assert fx.history.row_counts() == before
    sign_off = GradeSignOff(syndrome="crs", grade=1, assessment_id=own.record_id)
    signed = recorded(fx.ward.sign_grade("AD-1", sign_off, author=PHYSICIAN))
    assert signed.record.record == sign_off


def test_closing_an_episode_that_is_not_open_is_refused(fx: WardOnFile) -> None:
    closure = EpisodeClosure(syndrome=Syndrome.CRS, reason="afebrile 24 h")
    never = refused(fx, fx.ward.close_episode("AD-1", closure, author=PHYSICIAN), "syndrome")
    assert (
        never.message == "syndrome: no CRS episode is open for AD-1 at 2026-11-20T08:00:00.000000Z"
    )
    assert never.allowed == "a syndrome with an open episode (none is open)"

    fever = normal_adult_vitals(temperature=38.6)
    recorded(fx.ward.chart_vitals("AD-1", fever, observed_at=START, author=NURSE))
    fx.clock.advance(timedelta(hours=1))
    icans = EpisodeClosure(syndrome=Syndrome.ICANS, reason="no neurotoxicity")
    wrong = refused(fx, fx.ward.close_episode("AD-1", icans, author=PHYSICIAN), "syndrome")
    assert wrong.allowed == "a syndrome with an open episode (crs)"

    normal = normal_adult_vitals()
    recorded(fx.ward.chart_vitals("AD-1", normal, observed_at=fx.clock.now(), author=NURSE))
    fx.clock.advance(timedelta(minutes=1))
    recorded(fx.ward.close_episode("AD-1", closure, author=PHYSICIAN))
    refused(fx, fx.ward.close_episode("AD-1", closure, author=PHYSICIAN), "syndrome")  # twice
    fx.clock.advance(timedelta(minutes=1))
    refused(fx, fx.ward.close_episode("AD-1", closure, author=PHYSICIAN), "syndrome")


def test_an_episode_opened_at_the_instant_of_its_closure_may_be_closed(fx: WardOnFile) -> None:
    fever = normal_adult_vitals(temperature=38.6)
    recorded(fx.ward.chart_vitals("AD-1", fever, observed_at=START, author=NURSE))
    closure = EpisodeClosure(syndrome=Syndrome.CRS, reason="fever from the line, not CRS")
    recorded(fx.ward.close_episode("AD-1", closure, author=PHYSICIAN))  # the clock stands at START


def test_a_correction_of_a_closure_is_checked_against_the_episode_before_it(
    fx: WardOnFile,
) -> None:
    fever = normal_adult_vitals(temperature=38.6)
    recorded(fx.ward.chart_vitals("AD-1", fever, observed_at=START, author=NURSE))
    fx.clock.advance(timedelta(hours=1))
    closure = EpisodeClosure(syndrome=Syndrome.CRS, reason="afebrile 24 h")
    closed = recorded(fx.ward.close_episode("AD-1", closure, author=PHYSICIAN))
    better = replace(closure, reason="afebrile 24 h, off oxygen")
    recorded(fx.ward.correct(closed.record.id, better, reason="reason completed", author=PHYSICIAN))


def test_a_dose_of_1e_300_mg_is_refused_by_the_ward(fx: WardOnFile) -> None:
    tiny = replace(PARACETAMOL, dose=1e-300)
    error = refused(fx, fx.ward.record_intervention("AD-1", tiny, author=NURSE), "dose")
    assert error.message == "dose: 1e-300 mg is outside 0.001–5000 mg"


def test_a_windows_note_is_stored_with_lf_only(fx: WardOnFile) -> None:
    note = Note(text="Parents at bedside.\r\nAsked about the plan.\r")
    done = recorded(fx.ward.note("AD-1", note, observed_at=START, author=NURSE))
    [stored] = fx.history.versions(done.record.id)
    assert isinstance(stored.record, Note)
    assert stored.record.text == "Parents at bedside.\nAsked about the plan.\n"


# --- D27: records from lymphodepletion start, day -14 in the site's time zone -----------------------


def test_records_are_accepted_from_the_start_of_day_minus_14(tmp_path: Path) -> None:
    policy = SitePolicy(site_timezone="Europe/Berlin")
    clock = ManualClock(START)
    db = open_database(tmp_path / "ward.db", clock=clock)
    try:
        ward = Ward(db, clock=clock, policy=policy)
        recorded(ward.admit(admission("AD-1", ADULT_BORN), author=NURSE))
        # The infusion, 2026-11-19 06:00 UTC, is on 19 November in Berlin: day -14 is 5 November,
        # which begins at 2026-11-04 23:00 UTC (UTC+1).
        start = datetime(2026, 11, 4, 23, 0, tzinfo=UTC)
        assert datetime(2026, 11, 19, 6, 0, tzinfo=UTC) == INFUSION
        assert earliest_record(ward_admission(), policy) == start
        vitals = normal_adult_vitals()
        recorded(ward.chart_vitals("AD-1", vitals, observed_at=start, author=NURSE))
        early = start - timedelta(microseconds=1)
        result = ward.chart_vitals("AD-1", vitals, observed_at=early, author=NURSE)
        assert isinstance(result, Invalid)
        [error] = result.errors
        assert error.field == "observed_at"
        assert error.allowed == "from 2026-11-04T23:00:00.000000Z (the start of day -14) on"
    finally:
        db.conn.close()


def ward_admission(**changes: Any) -> Admission:
    return replace(admission("AD-1", ADULT_BORN), **changes)


def test_the_lymphodepletion_window_is_a_site_setting() -> None:
    policy = SitePolicy(site_timezone="UTC", lymphodepletion_days=7)
    day_minus_7 = datetime(2026, 11, 12, tzinfo=UTC)
    assert earliest_record(ward_admission(), policy) == day_minus_7
    draft = Draft(normal_adult_vitals(), "AD-1", day_minus_7 - timedelta(seconds=1))
    [error] = admission_errors(draft, ward_admission(), policy)
    assert error.field == "observed_at" and "(day -7)" in error.message
    assert admission_errors(replace(draft, observed_at=day_minus_7), ward_admission(), policy) == []
    assert DEFAULT_POLICY.lymphodepletion_days == 14  # D27


def test_an_admission_charted_before_day_minus_14_can_be_corrected(fx: WardOnFile) -> None:
    early = INFUSION - timedelta(days=30)  # admitted for bridging therapy a month ahead
    recorded(fx.ward.admit(admission("EA-1", ADULT_BORN), author=NURSE, at=early))
    [first] = fx.history.versions_of_admission("EA-1")
    heavier = replace(first.record, weight_kg=72.0)
    done = recorded(
        fx.ward.correct(first.id, heavier, reason="weighed on ward scale", author=NURSE)
    )
    assert done.record.observed_at == early
    too_early = fx.ward.chart_vitals("EA-1", normal_adult_vitals(), observed_at=early, author=NURSE)
    assert refused(fx, too_early, "observed_at").message.endswith("(day -14) of this patient")
