"""Users, sign-in, lockout and who may write (issue 10; BATTERY R15 brute force, R17 roles).

argon2id at the OWASP minimum costs about 50 ms a hash: each test makes few (an attempt at a locked-out
user is refused before any hash is checked, so the brute-force runs stay fast)."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from bedside.access import AccessRefused, Refusal
from bedside.backup import make_backup
from bedside.clinical.policy import SitePolicy
from bedside.records import (
    WARD_ID,
    Discharge,
    EpisodeClosure,
    GradeSignOff,
    LoginAttempt,
    LoginOutcome,
    RecordInvalid,
    StayEnd,
    Syndrome,
    UserCreated,
)
from bedside.staff import Action, Author, Role
from bedside.store.connection import open_database, transaction
from bedside.store.log import Log
from bedside.verify import verify
from bedside.ward import Invalid, Recorded, Ward
from tests.support.ward_fixtures import (
    ADULT_BORN,
    WardFixture,
    admission,
    make_ward,
    normal_adult_vitals,
    recorded,
)

ADMIN_PIN, NURSE_PIN, DR_PIN = "1111", "2222", "3333"


@pytest.fixture
def fx(tmp_path: Path) -> WardFixture:
    fx = make_ward(tmp_path)
    yield fx
    fx.close()


def with_users(fx: WardFixture) -> Author:
    """The first admin, a nurse and a physician; returns the admin, signed in."""
    ward = fx.ward
    recorded(
        ward.create_user(
            None, user_id="admin.ward", role="admin", display_name="Ward admin", pin=ADMIN_PIN
        )
    )
    admin = ward.authenticate("admin.ward", ADMIN_PIN)
    for user_id, role, pin in (("nurse.ada", "nurse", NURSE_PIN), ("dr.lee", "physician", DR_PIN)):
        recorded(ward.create_user(admin, user_id=user_id, role=role, display_name=user_id, pin=pin))
    return admin


def attempts(fx: WardFixture) -> list[tuple[str, str | None, LoginOutcome]]:
    """(author, user id, outcome) of every login attempt in the log, oldest first."""
    found = Log(fx.db, fx.clock).records_for_patient(WARD_ID, ["login_attempt"])
    out = []
    for s in sorted(found, key=lambda s: s.entered_at):
        assert isinstance(s.record, LoginAttempt)
        out.append((s.author, s.record.user_id, s.record.outcome))
    return out


def refusal(fx: WardFixture, user_id: str, pin: str) -> AccessRefused:
    with pytest.raises(AccessRefused) as caught:
        fx.ward.authenticate(user_id, pin)
    return caught.value


# --- R15: brute force -------------------------------------------------------------------------------


def test_five_wrong_pins_lock_the_user_out_even_against_the_right_pin(fx: WardFixture) -> None:
    with_users(fx)
    reasons = [refusal(fx, "nurse.ada", f"99{i:02d}").reason for i in range(5)]
    assert reasons == [Refusal.WRONG_PIN] * 4 + [Refusal.LOCKED_OUT]
    locked = refusal(fx, "nurse.ada", NURSE_PIN)
    assert locked.reason is Refusal.LOCKED_OUT
    assert "locked out" in locked.sentence and "admin must reset the PIN" in locked.sentence
    user = fx.ward.user("nurse.ada")
    assert user is not None and user.locked_out
    # Each failure is audited under the user's id, the refused right PIN too; never the PIN.
    mine = [a for a in attempts(fx) if a[1] == "nurse.ada"]
    assert mine == [("nurse.ada", "nurse.ada", LoginOutcome.WRONG_PIN)] * 5 + [
        ("nurse.ada", "nurse.ada", LoginOutcome.LOCKED_OUT)
    ]
    # Another user is not affected.
    assert fx.ward.authenticate("dr.lee", DR_PIN).role is Role.PHYSICIAN


def test_a_success_starts_the_count_again(fx: WardFixture) -> None:
    with_users(fx)
    for _ in range(4):
        refusal(fx, "nurse.ada", "0000")
    fx.ward.authenticate("nurse.ada", NURSE_PIN)
    for _ in range(4):
        assert refusal(fx, "nurse.ada", "0000").reason is Refusal.WRONG_PIN
    assert fx.ward.authenticate("nurse.ada", NURSE_PIN).user_id == "nurse.ada"


def test_a_thousand_wrong_pins_with_a_restart_midway_stay_locked_out(fx: WardFixture) -> None:
    with_users(fx)
    for i in range(1000):
        if i == 500:
            fx.close()
            fx.reopen()  # the count is in the log: a restart changes nothing
        reason = refusal(fx, "nurse.ada", f"{i:04d}").reason
        assert reason is (Refusal.WRONG_PIN if i < 4 else Refusal.LOCKED_OUT), i
    fx.close()
    fx.reopen()
    assert refusal(fx, "nurse.ada", NURSE_PIN).reason is Refusal.LOCKED_OUT
    outcomes = [a[2] for a in attempts(fx) if a[1] == "nurse.ada"]
    assert len(outcomes) == 1001  # every attempt audited
    assert outcomes.count(LoginOutcome.WRONG_PIN) == 5


def test_wrong_pins_spread_over_users_lock_each_after_its_own_count(
    fx: WardFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = with_users(fx)
    names = [f"nurse.{n}" for n in range(10)]
    for name in names:
        recorded(
            fx.ward.create_user(admin, user_id=name, role="nurse", display_name=name, pin="5555")
        )
    for round_ in range(10):
        if round_ == 5:
            fx.close()
            fx.reopen()
        for name in names:
            reason = refusal(fx, name, "0000").reason
            assert reason is (Refusal.WRONG_PIN if round_ < 4 else Refusal.LOCKED_OUT)
    assert all(u.locked_out for u in fx.ward.users() if u.user_id in names)
    assert len([a for a in attempts(fx) if a[1] in names]) == 100


def test_an_admins_pin_reset_unlocks_and_the_old_pin_is_refused(fx: WardFixture) -> None:
    admin = with_users(fx)
    for _ in range(5):
        refusal(fx, "nurse.ada", "0000")
    recorded(fx.ward.reset_pin(admin, "nurse.ada", "8642"))
    assert fx.ward.user("nurse.ada").locked_out is False  # type: ignore[union-attr]
    assert refusal(fx, "nurse.ada", NURSE_PIN).reason is Refusal.WRONG_PIN
    assert fx.ward.authenticate("nurse.ada", "8642").user_id == "nurse.ada"


def test_the_lockout_count_is_the_site_policys(tmp_path: Path) -> None:
    fx = make_ward(tmp_path)
    fx.ward = Ward(fx.db, clock=fx.clock, policy=SitePolicy(lockout_failures=2))
    with_users(fx)
    assert refusal(fx, "nurse.ada", "0000").reason is Refusal.WRONG_PIN
    assert refusal(fx, "nurse.ada", "0000").reason is Refusal.LOCKED_OUT
    fx.close()
    with pytest.raises(ValueError, match="lockout_failures"):
        SitePolicy(lockout_failures=0)


def test_unknown_and_disabled_users_are_refused_and_audited_without_the_typed_id(
    fx: WardFixture,
) -> None:
    admin = with_users(fx)
    unknown = refusal(fx, "nobody.here", "1234")
    assert unknown.reason is Refusal.UNKNOWN_USER and "no user 'nobody.here'" in unknown.sentence
    recorded(fx.ward.disable_user(admin, "nurse.ada"))
    disabled = refusal(fx, "nurse.ada", NURSE_PIN)
    assert disabled.reason is Refusal.DISABLED and "disabled" in disabled.sentence
    log = attempts(fx)
    # A PIN typed into the user id field is not kept: an unknown id is audited without it.
    assert ("system", None, LoginOutcome.UNKNOWN_USER) in log
    assert ("nurse.ada", "nurse.ada", LoginOutcome.DISABLED) in log
    before = len(log)
    assert refusal(fx, "bad id!", "1234").reason is Refusal.INVALID
    assert attempts(fx)[before:] == [("system", None, LoginOutcome.UNKNOWN_USER)]  # audited too


def test_user_ids_compare_without_case(fx: WardFixture) -> None:
    with_users(fx)
    assert fx.ward.authenticate(" Nurse.Ada ", NURSE_PIN).user_id == "nurse.ada"


def test_the_hash_is_argon2id_at_the_owasp_minimum_and_no_pin_is_stored_in_clear(
    fx: WardFixture, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pin = "qz7-Unlikely-PIN-481"
    caplog.set_level(logging.DEBUG)
    recorded(
        fx.ward.create_user(None, user_id="admin.ward", role="admin", display_name="A", pin=pin)
    )
    admin = fx.ward.authenticate("admin.ward", pin)
    with pytest.raises(AccessRefused):
        fx.ward.authenticate("admin.ward", pin + "x")
    with pytest.raises(AccessRefused):
        fx.ward.authenticate(pin, pin)  # the PIN typed as a user id
    recorded(fx.ward.reset_pin(admin, "admin.ward", pin[::-1]))
    [created] = Log(fx.db, fx.clock).records_for_patient(WARD_ID, ["user_created"])
    assert isinstance(created.record, UserCreated)
    assert created.record.pin_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    wal = fx.path.with_name(fx.path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the records are in the WAL until a checkpoint
    files = [fx.path, wal]
    files.append(make_backup(fx.path, tmp_path / "backups", keep=2, now=fx.clock.now()).backup.path)
    for path in files:
        data = path.read_bytes()
        for secret in (pin, pin + "x", pin[::-1]):
            assert secret.encode() not in data, path
            assert secret.encode("utf-16-le") not in data, path
    assert pin not in caplog.text and pin[::-1] not in caplog.text


def test_pin_rules_name_the_field_and_the_allowed_length(fx: WardFixture) -> None:
    for pin in ("123", "x" * 65, "12\n34"):
        result = fx.ward.create_user(
            None, user_id="admin.ward", role="admin", display_name="A", pin=pin
        )
        assert isinstance(result, Invalid), pin
        [error] = result.errors
        assert error.field == "pin" and "4–64 characters" in error.allowed
    assert not fx.ward.has_users()


# --- R17: roles, forged authors, `system` ---------------------------------------------------------


def test_the_first_user_is_an_admin_and_later_ones_need_an_admin(fx: WardFixture) -> None:
    first = fx.ward.create_user(
        None, user_id="nurse.ada", role="nurse", display_name="N", pin="2222"
    )
    assert isinstance(first, Invalid) and first.errors[0].field == "role"
    admin = with_users(fx)
    orphan = fx.ward.create_user(None, user_id="x.y", role="nurse", display_name="X", pin="2222")
    assert isinstance(orphan, Invalid) and orphan.errors[0].field == "admin"
    nurse = fx.ward.authenticate("nurse.ada", NURSE_PIN)
    doctor = fx.ward.authenticate("dr.lee", DR_PIN)
    for who in (nurse, doctor):
        refused = fx.ward.create_user(
            who, user_id="x.y", role="nurse", display_name="X", pin="2222"
        )
        assert isinstance(refused, Invalid) and "may not manage users" in refused.errors[0].message
    taken = fx.ward.create_user(
        admin, user_id="NURSE.ADA", role="nurse", display_name="N", pin="2222"
    )
    assert isinstance(taken, Invalid) and "already a user" in taken.errors[0].message


def test_system_is_reserved_for_the_services_timer(fx: WardFixture) -> None:
    admin = with_users(fx)
    made = fx.ward.create_user(admin, user_id="system", role="nurse", display_name="S", pin="2222")
    assert isinstance(made, Invalid) and "reserved" in made.errors[0].message
    system = Author("system", Role.PHYSICIAN)
    refused = fx.ward.admit(admission("A1", ADULT_BORN), author=system)
    assert isinstance(refused, Invalid) and "reserved" in refused.errors[0].message


def test_system_is_refused_on_a_ward_without_users_too(fx: WardFixture) -> None:
    refused = fx.ward.admit(admission("A1", ADULT_BORN), author=Author("system", Role.NURSE))
    assert isinstance(refused, Invalid) and refused.errors[0].field == "author"


def test_a_forged_author_is_refused_once_the_ward_has_users(fx: WardFixture) -> None:
    with_users(fx)
    nurse = fx.ward.authenticate("nurse.ada", NURSE_PIN)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=nurse))
    before = fx.history.row_counts()
    forged = [
        Author("dr.lee", Role.PHYSICIAN),  # made by hand: no seal
        Author("nurse.ada", Role.PHYSICIAN, nurse.proof),  # a nurse's seal, a physician's role
        Author("dr.lee", Role.PHYSICIAN, nurse.proof),  # another user's seal
        replace(nurse, proof=b"\0" * 32),
    ]
    at = fx.clock.now()
    for author in forged:
        result = fx.ward.chart_vitals("A1", normal_adult_vitals(), observed_at=at, author=author)
        assert isinstance(result, Invalid), author
        assert result.errors[0].field == "author"
        assert "sign in with your user id and PIN" in result.errors[0].message
    assert fx.history.row_counts() == before
    recorded(fx.ward.chart_vitals("A1", normal_adult_vitals(), observed_at=at, author=nurse))


def test_a_seal_from_another_ward_file_is_refused(fx: WardFixture, tmp_path: Path) -> None:
    with_users(fx)
    nurse = fx.ward.authenticate("nurse.ada", NURSE_PIN)
    other_path = tmp_path / "other" / "ward.db"
    other_path.parent.mkdir()
    other = make_ward(other_path.parent)
    with_users(other)
    refused = other.ward.admit(admission("A1", ADULT_BORN), author=nurse)
    assert isinstance(refused, Invalid) and refused.errors[0].field == "author"
    other.close()


def test_a_disabled_users_session_may_no_longer_write(fx: WardFixture) -> None:
    admin = with_users(fx)
    nurse = fx.ward.authenticate("nurse.ada", NURSE_PIN)
    recorded(fx.ward.disable_user(admin, "nurse.ada"))
    refused = fx.ward.admit(admission("A1", ADULT_BORN), author=nurse)
    assert isinstance(refused, Invalid) and "disabled" in refused.errors[0].message
    again = fx.ward.disable_user(admin, "nurse.ada")
    assert isinstance(again, Invalid) and "already disabled" in again.errors[0].message
    myself = fx.ward.disable_user(admin, "admin.ward")
    assert isinstance(myself, Invalid)


def test_the_role_matrix_on_a_ward_with_users(fx: WardFixture) -> None:
    admin = with_users(fx)
    recorded(
        fx.ward.create_user(
            admin, user_id="review.ro", role="read_only", display_name="R", pin="4444"
        )
    )
    nurse = fx.ward.authenticate("nurse.ada", NURSE_PIN)
    reader = fx.ward.authenticate("review.ro", "4444")
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=nurse))
    at = fx.clock.now()
    for who in (admin, reader):
        refused = fx.ward.chart_vitals("A1", normal_adult_vitals(), observed_at=at, author=who)
        assert isinstance(refused, Invalid), who
        assert f"{who.user_id} ({who.role.value}) may not chart" in refused.errors[0].message
    recorded(fx.ward.chart_vitals("A1", normal_adult_vitals(), observed_at=at, author=nurse))


def test_an_admin_neither_admits_nor_discharges(fx: WardFixture) -> None:
    """Issue 10: admins manage users and the site policy and do not chart; beds are the nurses' and
    physicians' (admit and discharge)."""
    admin = with_users(fx)
    refused = fx.ward.admit(admission("A1", ADULT_BORN), author=admin)
    assert isinstance(refused, Invalid)
    assert "admin.ward (admin) may not admit a patient" in refused.errors[0].message
    nurse = fx.ward.authenticate("nurse.ada", NURSE_PIN)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=nurse))
    before = fx.history.row_counts()
    gone = Discharge(outcome=StayEnd.DISCHARGED)
    refused = fx.ward.discharge("A1", gone, observed_at=fx.clock.now(), author=admin)
    assert isinstance(refused, Invalid)
    assert "admin.ward (admin) may not discharge a patient" in refused.errors[0].message
    assert fx.history.row_counts() == before
    assert not Author("it.admin", Role.ADMIN).may(Action.ADMIT)  # on a ward without users too
    recorded(fx.ward.discharge("A1", gone, observed_at=fx.clock.now(), author=nurse))


def test_signing_a_grade_asks_for_the_pin_again(fx: WardFixture) -> None:
    with_users(fx)
    nurse = fx.ward.authenticate("nurse.ada", NURSE_PIN)
    doctor = fx.ward.authenticate("dr.lee", DR_PIN)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=nurse))
    vitals = normal_adult_vitals(temperature=38.6)
    recorded(fx.ward.chart_vitals("A1", vitals, observed_at=fx.clock.now(), author=nurse))
    latest = fx.ward.latest_assessment("A1")
    assert latest is not None
    sign_off = GradeSignOff(syndrome=Syndrome.CRS, grade=1, assessment_id=latest.record_id)
    for pin in (None, "0000"):
        refused = fx.ward.sign_grade("A1", sign_off, author=doctor, pin=pin)
        assert isinstance(refused, Invalid) and refused.errors[0].field == "pin", pin
    signed = fx.ward.sign_grade("A1", sign_off, author=doctor, pin=DR_PIN)
    assert isinstance(signed, Recorded) and signed.record.author == "dr.lee"
    assert attempts(fx)[-2:] == [
        ("dr.lee", "dr.lee", LoginOutcome.WRONG_PIN),
        ("dr.lee", "dr.lee", LoginOutcome.SUCCESS),
    ]


def test_a_ward_without_users_keeps_the_role_given(fx: WardFixture) -> None:
    assert not fx.ward.has_users()
    nurse = Author("nurse.ada", Role.NURSE)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=nurse))
    with pytest.raises(AccessRefused) as caught:
        fx.ward.authenticate("nurse.ada", "2222")
    assert caught.value.reason is Refusal.UNKNOWN_USER


# --- the ward-level records: filed apart from every patient ---------------------------------------


def test_user_records_stay_off_the_board_and_verify(fx: WardFixture) -> None:
    with_users(fx)
    nurse = fx.ward.authenticate("nurse.ada", NURSE_PIN)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=nurse))
    refusal(fx, "nurse.ada", "0000")
    assert [row.patient_id for row in fx.ward.board()] == ["A1"]
    assert fx.ward.board(discharged=True) == []
    assert fx.ward.tick().ok
    assert verify(fx.db).ok
    assert [u.user_id for u in fx.ward.users()] == ["admin.ward", "dr.lee", "nurse.ada"]


def test_a_ward_record_is_filed_only_under_the_ward_and_a_patient_record_never_is(
    fx: WardFixture,
) -> None:
    log = Log(fx.db, fx.clock)
    attempt = LoginAttempt(user_id="nurse.ada", outcome=LoginOutcome.SUCCESS)
    with transaction(fx.db):
        with pytest.raises(RecordInvalid) as caught:
            log.append(attempt, patient_id="A1", observed_at=fx.clock.now(), author="nurse.ada")
        assert caught.value.errors[0].field == "patient_id"
        with pytest.raises(RecordInvalid) as caught:
            log.append(
                normal_adult_vitals(), patient_id=WARD_ID, observed_at=fx.clock.now(), author="x"
            )
        assert caught.value.errors[0].field == "patient_id"


def test_a_second_machine_with_the_same_file_accepts_the_seal(fx: WardFixture) -> None:
    """The app's writer thread has a Ward of its own on the same file: a seal made by the GUI
    thread's Ward is good there."""
    with_users(fx)
    nurse = fx.ward.authenticate("nurse.ada", NURSE_PIN)
    db = open_database(fx.path, clock=fx.clock)
    try:
        writer = Ward(db, clock=fx.clock)
        recorded(writer.admit(admission("A1", ADULT_BORN), author=nurse))
    finally:
        db.conn.close()


def test_users_and_a_lockout_sync_to_another_machine(tmp_path: Path) -> None:
    """Users are records: created on one machine, they sign in on the other after a sync, and a
    lockout there holds here after the next one (R15 across machines)."""
    from bedside.sync.exchange import sync_once
    from tests.support.hubs import HubPlace

    place = HubPlace("sqlite", tmp_path)
    place.open(create=True).close()
    a, b = make_ward(tmp_path / "a"), make_ward(tmp_path / "b")

    def sync(fx: WardFixture) -> None:
        hub = place.open(fx.clock)
        try:
            sync_once(fx.ward, fx.db, hub, fx.clock)
        finally:
            hub.close()

    try:
        with_users(a)
        sync(a)
        sync(b)
        assert b.ward.has_users() and b.ward.authenticate("nurse.ada", NURSE_PIN).role is Role.NURSE
        forged = b.ward.admit(admission("A1", ADULT_BORN), author=Author("nurse.ada", Role.NURSE))
        assert isinstance(forged, Invalid)  # machine b now has users: a hand-made author is refused
        for _ in range(5):
            refusal(b, "nurse.ada", "0000")
        sync(b)
        sync(a)
        assert refusal(a, "nurse.ada", NURSE_PIN).reason is Refusal.LOCKED_OUT
        assert verify(a.db).ok and verify(b.db).ok
    finally:
        a.close()
        b.close()


def test_the_site_policy_is_changed_only_by_a_signed_in_admin_and_sets_the_lockout(
    fx: WardFixture,
) -> None:
    admin = with_users(fx)
    change = {"lockout_failures": 2}
    forged = fx.ward.set_policy(
        change, reason="fewer tries", author=Author("admin.ward", Role.ADMIN)
    )
    assert isinstance(forged, Invalid) and forged.errors[0].field == "author"
    recorded(fx.ward.set_policy(change, reason="fewer tries on this ward", author=admin))
    assert refusal(fx, "nurse.ada", "0000").reason is Refusal.WRONG_PIN
    assert refusal(fx, "nurse.ada", "0000").reason is Refusal.LOCKED_OUT  # the policy in force


def test_closing_an_episode_asks_for_the_pin_again_and_only_a_physician_closes(
    fx: WardFixture,
) -> None:
    """D10/D20: only a physician closes an episode; on a ward with users the PIN is asked again,
    as for signing a grade, and the check is audited as a sign-in."""
    admin = with_users(fx)
    nurse = fx.ward.authenticate("nurse.ada", NURSE_PIN)
    doctor = fx.ward.authenticate("dr.lee", DR_PIN)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN), author=nurse))
    vitals = normal_adult_vitals(temperature=38.6)
    recorded(fx.ward.chart_vitals("A1", vitals, observed_at=fx.clock.now(), author=nurse))
    closure = EpisodeClosure(syndrome=Syndrome.CRS, reason="afebrile, recovered")
    before = fx.history.row_counts()
    for who in (nurse, admin):
        refused = fx.ward.close_episode("A1", closure, author=who, pin=NURSE_PIN)
        assert isinstance(refused, Invalid) and refused.errors[0].field == "author", who
        assert "may not close episode" in refused.errors[0].message
    for pin in (None, "0000"):
        refused = fx.ward.close_episode("A1", closure, author=doctor, pin=pin)
        assert isinstance(refused, Invalid) and refused.errors[0].field == "pin", pin
    assert "asked again to close an episode" in invalid_message(
        fx.ward.close_episode("A1", closure, author=doctor)
    )
    closed = fx.ward.close_episode("A1", closure, author=doctor, pin=DR_PIN)
    assert isinstance(closed, Recorded) and closed.record.author == "dr.lee"
    after = fx.history.row_counts()
    assert after["records"] > before["records"]
    assert attempts(fx)[-1] == ("dr.lee", "dr.lee", LoginOutcome.SUCCESS)
    latest = fx.ward.latest_assessment("A1")
    assert latest is not None and not latest.crs_episode_open


def invalid_message(result: object) -> str:
    assert isinstance(result, Invalid)
    return result.errors[0].message
