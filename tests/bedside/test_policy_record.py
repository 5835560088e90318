"""The site policy as records of the log (issues 9 and 10): an admin's policy_set, its checks, the policy
in force that the next grade uses, corrections, and two machines that agree after a sync."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bedside.cli import main
from bedside.clinical.policy import DEFAULT_POLICY, SitePolicy
from bedside.clock import ManualClock
from bedside.records import WARD_ID, PolicySet, RecordInvalid, VitalSigns
from bedside.schedule import CheckKind
from bedside.staff import Author, Role
from bedside.store.connection import open_database, transaction
from bedside.store.log import Log
from bedside.sync.exchange import sync_once
from bedside.verify import verify_path
from bedside.ward import Invalid, Result, Ward
from tests.support.hubs import HubPlace
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    PHYSICIAN,
    READER,
    START,
    WardFixture,
    admission,
    chart,
    make_ward,
    recorded,
)

ADMIN = Author("it.admin", Role.ADMIN)


def set_policy(
    fx: WardFixture, reason: str = "the ward's escalation algorithm", **settings: Any
) -> Result:
    return fx.ward.set_policy(settings, reason=reason, author=ADMIN)


def invalid(result: object) -> Invalid:
    assert isinstance(result, Invalid), result
    return result


def test_an_admin_sets_the_policy_filed_under_the_ward_and_it_is_in_force(
    tmp_path: Path,
) -> None:
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=NURSE))
    stored = recorded(set_policy(fx, pews_escalation_threshold=7)).record
    assert (stored.kind, stored.patient_id, stored.author) == ("policy_set", WARD_ID, "it.admin")
    assert stored.record == PolicySet(
        settings={"pews_escalation_threshold": 7}, reason="the ward's escalation algorithm"
    )
    assert fx.ward.policy.pews_escalation_threshold == 7
    assert fx.ward.policy.fingerprint != DEFAULT_POLICY.fingerprint
    # Every other setting keeps its default; a Ward opened later reads the same policy.
    assert fx.ward.policy == SitePolicy(pews_escalation_threshold=7)
    assert fx.reopen().policy == SitePolicy(pews_escalation_threshold=7)
    in_force = fx.ward.policy_in_force()
    assert in_force.changed_by["pews_escalation_threshold"].id == stored.id
    assert in_force.defaults == DEFAULT_POLICY
    # The ward is no patient: the board lists the admitted patient only.
    assert [row.patient_id for row in fx.ward.board()] == ["A1"]


@pytest.mark.parametrize("who", [NURSE, PHYSICIAN, READER], ids=lambda a: a.role.value)
def test_only_an_admin_changes_the_policy(tmp_path: Path, who: Author) -> None:
    fx = make_ward(tmp_path)
    before = fx.history.row_counts()
    errors = invalid(
        fx.ward.set_policy({"pews_escalation_threshold": 7}, reason="why not", author=who)
    ).errors
    assert [e.field for e in errors] == ["author"]
    assert "may not change the site policy" in errors[0].message
    assert fx.history.row_counts() == before
    assert fx.ward.policy == DEFAULT_POLICY


@pytest.mark.parametrize(
    ("settings", "field", "words"),
    [
        ({"pews_escalation_threshold": 30}, "pews_escalation_threshold", "from 1 to 26"),
        ({"pews_escalation_threshold": 7.5}, "pews_escalation_threshold", "a whole number"),
        ({"pews_escalation_threshold": "7"}, "pews_escalation_threshold", "a whole number"),
        ({"pews_escalation_threshold": True}, "pews_escalation_threshold", "a whole number"),
        ({"news2_emergency_threshold": 21}, "news2_emergency_threshold", "from 1 to 20"),
        ({"news2_urgent_threshold": 7}, "news2_urgent_threshold", "below news2_emergency"),
        ({"vitals_interval_active_h": 3}, "vitals_interval_active_h", "from 1 to 2"),
        ({"neuro_interval_icans_active_h": 2}, "neuro_interval_icans_active_h", "from 4 to 8"),
        ({"attribution_max_hours": 48}, "attribution_max_hours", "up to 24"),
        ({"vitals_fresh_hours": 0}, "vitals_fresh_hours", "more than 0"),
        ({"vitals_fresh_hours": None}, "vitals_fresh_hours", "required"),
        ({"capd_min_rise_from_baseline": 40}, "capd_min_rise_from_baseline", "from 1 to 32"),
        ({"idle_lock_min": -1}, "idle_lock_min", "more than 0"),
        ({"backup_keep": 0}, "backup_keep", "from 1 to 1000"),
        ({"backup_interval_min": 2000}, "backup_interval_min", "from 1 to 1440"),
        ({"site_timezone": "Mars/Olympus_Mons"}, "site_timezone", "IANA time zone"),
        ({"pews_threshold": 7}, "settings", "the settings are: site_timezone,"),
        ({}, "settings", "no setting given"),
    ],
)
def test_a_bad_setting_names_the_field_and_its_range_and_writes_nothing(
    tmp_path: Path, settings: dict[str, Any], field: str, words: str
) -> None:
    fx = make_ward(tmp_path)
    before = fx.history.row_counts()
    errors = invalid(fx.ward.set_policy(settings, reason="a try", author=ADMIN)).errors
    assert [e.field for e in errors] == [field]
    assert words in errors[0].message
    if field != "settings":
        assert errors[0].message.startswith(f"{field}: ")
    assert fx.history.row_counts() == before
    assert fx.ward.policy == DEFAULT_POLICY


def test_a_change_says_why(tmp_path: Path) -> None:
    fx = make_ward(tmp_path)
    errors = invalid(set_policy(fx, reason=" ", pews_escalation_threshold=7)).errors
    assert [e.field for e in errors] == ["reason"]


def test_a_policy_set_is_filed_under_the_ward_and_nothing_else_is(tmp_path: Path) -> None:
    fx = make_ward(tmp_path)
    log = Log(fx.db, fx.clock)
    record = PolicySet(settings={"backup_keep": 10}, reason="a smaller disk")
    with pytest.raises(RecordInvalid) as caught, transaction(fx.db):
        log.append(record, patient_id="A1", observed_at=fx.clock.now(), author="it.admin")
    assert [e.field for e in caught.value.errors] == ["patient_id"]
    vitals = VitalSigns(hr=80)
    result = fx.ward.chart_vitals(WARD_ID, vitals, observed_at=fx.clock.now(), author=NURSE)
    assert "patient_id" in [e.field for e in invalid(result).errors]


def test_the_next_grade_uses_the_new_policy_and_stored_ones_keep_their_digest(
    tmp_path: Path,
) -> None:
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=NURSE))
    first = recorded(chart(fx, "A1"))
    assert first.assessment is not None
    assert first.assessment.policy_fingerprint == DEFAULT_POLICY.fingerprint
    fx.clock.advance(timedelta(hours=5))
    # Under the default D17 window (6 h), the full set of 5 h ago still counts for a pulse alone.
    default_grade = fx.ward.preview("A1", VitalSigns(hr=85), observed_at=fx.clock.now())
    assert not isinstance(default_grade, Invalid) and default_grade.news2.score is not None
    due_before = {d.kind: d for d in fx.ward.due("A1")}[CheckKind.VITALS]
    assert due_before.interval == timedelta(hours=4)  # SPEC 11, days 0-14
    recorded(set_policy(fx, vitals_fresh_hours=4, vitals_interval_days_0_14_h=2))
    after = recorded(
        fx.ward.chart_vitals("A1", VitalSigns(hr=85), observed_at=fx.clock.now(), author=NURSE)
    )
    assert after.assessment is not None
    assert after.assessment.policy_fingerprint == fx.ward.policy.fingerprint
    assert after.assessment.policy_fingerprint != DEFAULT_POLICY.fingerprint
    # A 4 h window: the temperature of 5 h ago is stale, so NEWS2 is not computed.
    assert after.assessment.news2.score is None
    latest = fx.ward.latest_assessment("A1")
    assert latest is not None and "temperature" in latest.record.stale
    assert {d.kind: d for d in fx.ward.due("A1")}[CheckKind.VITALS].interval == timedelta(hours=2)
    # The time point graded before the change is not graded again: it keeps its digest.
    stored = [
        s.record.policy for s in fx.ward.records("A1", ["assessment"]) if s.observed_at == START
    ]
    assert stored == [DEFAULT_POLICY.fingerprint]


def test_a_correction_takes_the_place_of_the_record_it_corrects(tmp_path: Path) -> None:
    fx = make_ward(tmp_path)
    typo = recorded(set_policy(fx, pews_escalation_threshold=9, vitals_fresh_hours=5)).record
    fx.clock.advance(timedelta(minutes=1))
    later = recorded(set_policy(fx, reason="a second decision", pews_escalation_threshold=7)).record
    fx.clock.advance(timedelta(minutes=1))
    fixed = PolicySet(
        settings={"pews_escalation_threshold": 6, "vitals_fresh_hours": 4}, reason="as decided"
    )
    refused = fx.ward.correct(typo.id, fixed, reason="typo in hours", author=NURSE)
    assert [e.field for e in invalid(refused).errors] == ["author"]
    correction = recorded(fx.ward.correct(typo.id, fixed, reason="typo in hours", author=ADMIN))
    assert correction.record.supersedes == typo.id
    # The later record still holds its setting; the corrected hours replace the typo's.
    assert fx.ward.policy.pews_escalation_threshold == 7
    assert fx.ward.policy.vitals_fresh_hours == 4.0
    in_force = fx.ward.policy_in_force()
    assert in_force.changed_by["pews_escalation_threshold"].id == later.id
    assert in_force.changed_by["vitals_fresh_hours"].id == correction.record.id
    assert [v.id for v in fx.ward.record_versions(typo.id)] == [typo.id, correction.record.id]
    again = fx.ward.correct(typo.id, fixed, reason="once more", author=ADMIN)
    assert "already corrected" in invalid(again).errors[0].message
    bad = PolicySet(settings={"vitals_fresh_hours": -4}, reason="as decided")
    errors = invalid(fx.ward.correct(correction.record.id, bad, reason="x y", author=ADMIN)).errors
    assert [e.field for e in errors] == ["vitals_fresh_hours"]


def test_the_policy_records_verify_and_the_export_reads_the_policy_in_force(
    tmp_path: Path,
) -> None:
    from bedside.export import export_fhir

    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=NURSE))
    recorded(chart(fx, "A1"))
    recorded(set_policy(fx, site_timezone="Europe/Zurich"))
    assert fx.ward.policy.zone is not None and str(fx.ward.policy.zone) == "Europe/Zurich"
    fx.close()
    assert verify_path(fx.path).ok
    summary = export_fhir(
        fx.path, tmp_path / "out.json", author=ADMIN, clock=fx.clock, policy=DEFAULT_POLICY
    )
    assert summary.patients == 1  # the ward's own records are no patient's chart


# --- two machines through a real SQLite hub ------------------------------------------------------------


def machine(tmp_path: Path, name: str, clock: ManualClock) -> WardFixture:
    path = tmp_path / f"{name}.db"
    db = open_database(path, clock=clock)
    return WardFixture(Ward(db, clock=clock), clock, path, db)


def synced(fx: WardFixture, place: HubPlace) -> Any:
    hub = place.open(fx.clock)
    try:
        return sync_once(fx.ward, fx.db, hub, fx.clock)
    finally:
        hub.close()


@pytest.fixture
def sqlite_hub(tmp_path: Path) -> HubPlace:
    place = HubPlace("sqlite", tmp_path)
    place.open(create=True).close()
    return place


def test_two_machines_end_with_the_same_policy_and_digest(
    tmp_path: Path, sqlite_hub: HubPlace
) -> None:
    clock = ManualClock(START)
    a, b = machine(tmp_path, "a", clock), machine(tmp_path, "b", clock)
    recorded(a.ward.admit(admission("A1", ADULT_BORN), author=NURSE))
    recorded(chart(a, "A1"))
    synced(a, sqlite_hub)
    synced(b, sqlite_hub)
    clock.advance(timedelta(minutes=10))
    recorded(set_policy(a, vitals_fresh_hours=4, pews_escalation_threshold=7))
    # Offline, b changes a setting too, a minute later: after the sync the later change wins.
    clock.advance(timedelta(minutes=1))
    recorded(set_policy(b, reason="the night team's decision", pews_escalation_threshold=6))
    assert a.ward.policy != b.ward.policy
    synced(a, sqlite_hub)
    report = synced(b, sqlite_hub)
    assert not report.quarantined
    synced(a, sqlite_hub)
    expected = SitePolicy(vitals_fresh_hours=4.0, pews_escalation_threshold=6)
    assert a.ward.policy == b.ward.policy == expected
    assert a.ward.policy.fingerprint == b.ward.policy.fingerprint
    # The received policy takes effect: b grades its next save by it.
    clock.advance(timedelta(hours=5))
    graded = recorded(
        b.ward.chart_vitals("A1", VitalSigns(hr=85), observed_at=clock.now(), author=NURSE)
    )
    assert graded.assessment is not None
    assert graded.assessment.policy_fingerprint == expected.fingerprint
    assert graded.assessment.news2.score is None  # 4 h window: the set of 5 h ago is stale
    synced(b, sqlite_hub)
    synced(a, sqlite_hub)
    latest_a, latest_b = a.ward.latest_assessment("A1"), b.ward.latest_assessment("A1")
    assert latest_a is not None and latest_b is not None
    assert latest_a.record.policy == latest_b.record.policy == expected.fingerprint
    for fx in (a, b):
        fx.close()
        assert verify_path(fx.path).ok


def test_changes_that_contradict_each_other_are_resolved_alike_on_both_machines(
    tmp_path: Path, sqlite_hub: HubPlace
) -> None:
    clock = ManualClock(START)
    a, b = machine(tmp_path, "a", clock), machine(tmp_path, "b", clock)
    recorded(set_policy(a, news2_emergency_threshold=6))  # urgent 5 < 6: fine alone
    clock.advance(timedelta(minutes=1))
    late = recorded(set_policy(b, news2_urgent_threshold=6)).record  # 6 < 7: fine alone
    for fx in (a, b, a):
        assert not synced(fx, sqlite_hub).quarantined
    for fx in (a, b):
        in_force = fx.ward.policy_in_force()
        assert (
            fx.ward.policy.news2_urgent_threshold,
            fx.ward.policy.news2_emergency_threshold,
        ) == (
            5,
            6,
        )
        assert [r.stored.id for r in in_force.refused] == [late.id]
        assert "news2_urgent_threshold" in in_force.refused[0].problem
    assert a.ward.policy.fingerprint == b.ward.policy.fingerprint


# --- the command ---------------------------------------------------------------------------------------


def test_policy_set_and_show_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fx = make_ward(tmp_path)
    fx.close()
    db = str(fx.path)
    code = main(
        ["policy", "set", "pews_escalation_threshold=7", "vitals_fresh_hours=4",
         "--reason", "the ward's escalation algorithm", "--user", "it.admin", "--db", db]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "pews_escalation_threshold 8 -> 7" in out and "vitals_fresh_hours 6 -> 4" in out
    assert main(["policy", "show", "--db", db]) == 0
    shown = capsys.readouterr().out
    line = next(x for x in shown.splitlines() if "pews_escalation_threshold" in x)
    assert " 7 " in line and "default 8" in line and "set by it.admin" in line
    assert "the ward's escalation algorithm" in line
    assert "default 24" in next(x for x in shown.splitlines() if "backup_keep" in x)
    assert SitePolicy(pews_escalation_threshold=7, vitals_fresh_hours=4.0).fingerprint in shown


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["pews_escalation_threshold=70"], "pews_escalation_threshold: 70 must be"),
        (["pews_escalation_threshold=seven"], "'seven' must be a whole number"),
        (["no_such=1"], "no_such: no such setting; the settings are"),
        (["pews_escalation_threshold"], "is not NAME=VALUE"),
        (["vitals_fresh_hours=nan"], "vitals_fresh_hours: 'nan' must be a number"),
        ([], "at least one NAME=VALUE"),
    ],
)
def test_policy_set_refusals_are_one_line_exit_2_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    fx = make_ward(tmp_path)
    before = fx.history.row_counts()
    fx.close()
    base = ["--reason", "a try", "--user", "it.admin", "--db", str(fx.path)]
    assert main(["policy", "set", *argv, *base]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1
    assert err.startswith("bedside policy: ")
    fx.reopen()
    assert fx.history.row_counts() == before


def test_policy_set_asks_for_a_reason_and_a_user(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = make_ward(tmp_path)
    fx.close()
    db = str(fx.path)
    assert main(["policy", "set", "backup_keep=10", "--user", "it.admin", "--db", db]) == 2
    assert "--reason" in capsys.readouterr().err
    assert main(["policy", "set", "backup_keep=10", "--reason", "disk", "--db", db]) == 2
    assert "--user" in capsys.readouterr().err
    assert main(["policy", "show", "--db", str(tmp_path / "none.db")]) == 2
    assert "there is no ward database" in capsys.readouterr().err


def test_a_received_policy_set_is_checked_as_a_local_one(tmp_path: Path) -> None:
    """Sync receive: a policy_set with a value out of range, or filed under a patient, is quarantined
    naming what is wrong, and the receiving ward's policy is unchanged."""
    import json

    from bedside.records import canonical_json
    from bedside.store.receive import outgoing, quarantined, receive
    from bedside.store.schema import RECORD_COLUMNS

    clock = ManualClock(START)
    a, b = machine(tmp_path, "a", clock), machine(tmp_path, "b", clock)
    recorded(set_policy(a, pews_escalation_threshold=7))
    device = Log(a.db, clock).device_id
    (row,) = [dict(zip(RECORD_COLUMNS, r, strict=True)) for r in outgoing(a.db, device, 0, 10)]
    payload = json.loads(row["payload"])
    payload["settings"] = {"pews_escalation_threshold": 70}
    out_of_range = row | {"payload": canonical_json(payload)}
    under_patient = row | {"patient_id": "A1"}
    for bad in (out_of_range, under_patient):
        with transaction(b.db):
            got = receive(b.db, Log(b.db, clock), [bad], clock, clock_suspect_after=timedelta(1))
        assert got.accepted == 0 and len(got.quarantined) == 1
    reasons = [q[1] for q in quarantined(b.db)]
    assert any("pews_escalation_threshold: 70 must be" in r for r in reasons)
    assert any("filed under the ward (~WARD)" in r for r in reasons)
    assert b.ward.policy_in_force().policy == DEFAULT_POLICY
    # The record as it was written is accepted, and b's policy follows it.
    with transaction(b.db):
        got = receive(b.db, Log(b.db, clock), [row], clock, clock_suspect_after=timedelta(1))
    assert got.accepted == 1
    assert b.ward.policy_in_force().policy == SitePolicy(pews_escalation_threshold=7)


def test_a_correction_that_would_make_a_later_change_contradict_is_refused(
    tmp_path: Path,
) -> None:
    fx = make_ward(tmp_path)
    first = recorded(set_policy(fx, news2_emergency_threshold=8)).record
    fx.clock.advance(timedelta(minutes=1))
    recorded(set_policy(fx, news2_urgent_threshold=7))  # 7 < 8
    before = fx.history.row_counts()
    lower = PolicySet(settings={"news2_emergency_threshold": 7}, reason="as printed")
    errors = invalid(fx.ward.correct(first.id, lower, reason="RCP Chart 4", author=ADMIN)).errors
    assert [e.field for e in errors] == ["news2_urgent_threshold"]
    assert "below news2_emergency_threshold (7)" in errors[0].message
    assert fx.history.row_counts() == before
    assert (fx.ward.policy.news2_urgent_threshold, fx.ward.policy.news2_emergency_threshold) == (
        7,
        8,
    )
