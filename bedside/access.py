"""The ward's users and who may write (issue 10, BATTERY R15, R17).

Users are records of the log, filed under the ward's reserved id (`WARD_ID`), so that they sync to
every machine of the ward and are covered by the hash chain like any record: `user_created` (id, role,
display name and the argon2id hash of the PIN), `user_disabled`, `pin_reset` and one `login_attempt`
per attempt to sign in (how it ended, never the PIN). A user's state is folded from those records.

Lockout: after `SitePolicy.lockout_failures` failed attempts in a row (counted from the log, so a
restart changes nothing), the user is refused, right PIN or not, until an admin resets the PIN.

Who writes: `authenticate` returns an `Author` sealed with an HMAC under a key that lives only in this
process's memory; on a ward with users the ward accepts a write only from a sealed `Author` of an
enabled user with that role. An `Author` made by hand has no seal and is refused. A ward without users
(a database from before users existed, the tests of the clinical rules) keeps the old behaviour:
the role the caller gives is taken as given.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlite_utils import Database

from bedside.clinical.policy import SitePolicy
from bedside.clock import Clock
from bedside.records import (
    USER_ID_TEXT,
    WARD_ID,
    Draft,
    FieldError,
    LoginAttempt,
    LoginOutcome,
    PinReset,
    Record,
    RecordInvalid,
    UserCreated,
    UserDisabled,
    ValidDraft,
    validated,
)
from bedside.records.fields import FieldSpec, check_field
from bedside.staff import SYSTEM_USER_ID, Action, Author, Role
from bedside.store.connection import StorageProblem, transaction
from bedside.store.log import Log, StoredRecord

# OWASP's minimum for argon2id (m = 19 MiB, t = 2, p = 1): about 50 ms per hash on a ward PC.
HASHER = PasswordHasher(memory_cost=19456, time_cost=2, parallelism=1)
PIN_MIN_LENGTH = 4
PIN_MAX_LENGTH = 64
PIN_ALLOWED = f"{PIN_MIN_LENGTH}–{PIN_MAX_LENGTH} characters"
USER_KINDS = (UserCreated.KIND, UserDisabled.KIND, PinReset.KIND)

# The seal's key: made afresh by each process, held only in its memory, never stored.
_KEY = secrets.token_bytes(32)
# A hash to verify against when the user id is unknown, so that an unknown id costs the same time.
_DUMMY_HASH = HASHER.hash(secrets.token_hex(16))


class Refusal(StrEnum):
    UNKNOWN_USER = "unknown_user"
    WRONG_PIN = "wrong_pin"
    DISABLED = "disabled"
    LOCKED_OUT = "locked_out"
    INVALID = "invalid"  # the user id or PIN is not of the allowed form
    UNAVAILABLE = "unavailable"  # the database refused the record of the attempt


class AccessRefused(Exception):
    """A sign-in refused: `reason` says why, `str(err)` is the one sentence for the user."""

    def __init__(
        self, reason: Refusal, sentence: str, problem: StorageProblem | None = None
    ) -> None:
        super().__init__(sentence)
        self.reason = reason
        self.sentence = sentence
        self.problem = problem  # UNAVAILABLE: what the database refused


@dataclass(frozen=True, slots=True)
class User:
    """A user as the log holds them now (no PIN hash: that stays in the records)."""

    user_id: str
    role: Role
    display_name: str
    enabled: bool
    created_at: datetime
    created_by: str
    locked_out: bool = False
    failures: int = 0  # failed sign-ins in a row since the last success or PIN reset


def normalise_user_id(user_id: str) -> str:
    """User ids compare without regard to case (ASCII only) and surrounding spaces."""
    text = user_id.strip()
    return text.lower() if text.isascii() else text


def pin_errors(pin: object, name: str = "pin") -> list[FieldError]:
    """A PIN (or password) is 4–64 characters, none of them a control character."""
    if not isinstance(pin, str) or not PIN_MIN_LENGTH <= len(pin) <= PIN_MAX_LENGTH:
        length = len(pin) if isinstance(pin, str) else "no"
        message = f"{name}: {length} characters; a PIN is {PIN_ALLOWED}"
        return [FieldError(name, message, PIN_ALLOWED)]
    if any(not c.isprintable() for c in pin):
        return [FieldError(name, f"{name}: holds a control character", f"{PIN_ALLOWED}, printable")]
    return []


def user_id_errors(user_id: object, name: str = "user_id") -> list[FieldError]:
    errors = check_field(FieldSpec(name, str, False, USER_ID_TEXT), user_id)
    if not errors and user_id == SYSTEM_USER_ID:
        message = f"{name}: {SYSTEM_USER_ID!r} is reserved for Bedside's own timer"
        errors = [FieldError(name, message, "any other user id")]
    return errors


def hash_pin(pin: str) -> str:
    return HASHER.hash(pin)


def _seal(device_id: str, user_id: str, role: Role) -> bytes:
    message = f"{device_id}\n{user_id}\n{role.value}".encode()
    return hmac.new(_KEY, message, hashlib.sha256).digest()


class Users:
    """The ward's users, folded from the log; sign-in and the check of who writes."""

    def __init__(
        self, db: Database, log: Log, clock: Clock, policy: Callable[[], SitePolicy]
    ) -> None:
        """`policy` gives the site policy in force (it may change while the ward is open)."""
        self._db = db
        self._log = log
        self._clock = clock
        self._policy_in_force = policy
        self._known_to_have_users = False  # users are never removed: once true, always true

    @property
    def _lockout_failures(self) -> int:
        return self._policy_in_force().lockout_failures

    # --- reading ----------------------------------------------------------------------------------

    def has_users(self) -> bool:
        if not self._known_to_have_users:
            self._known_to_have_users = self._log.has_kind(WARD_ID, UserCreated.KIND)
        return self._known_to_have_users

    def _records(self) -> list[StoredRecord]:
        return self._log.records_for_patient(WARD_ID, USER_KINDS)

    def _fold(self, records: Iterable[StoredRecord]) -> dict[str, _State]:
        states: dict[str, _State] = {}
        for stored in sorted(records, key=lambda s: s.entered_at):
            record = stored.record
            if isinstance(record, UserCreated):
                if record.user_id not in states:  # the first creation counts (two machines offline)
                    states[record.user_id] = _State(record, stored, record.pin_hash)
            elif isinstance(record, UserDisabled | PinReset):
                state = states.get(record.user_id)
                if state is None:
                    continue
                if isinstance(record, UserDisabled):
                    state.enabled = False
                else:
                    state.pin_hash = record.pin_hash
                    state.reset_at = stored.entered_at
        return states

    def _state(self, user_id: str) -> _State | None:
        return self._fold(self._records()).get(user_id)

    def users(self) -> list[User]:
        return [self._user(s) for s in sorted(self._fold(self._records()).values(), key=_by_id)]

    def user(self, user_id: str) -> User | None:
        state = self._state(normalise_user_id(user_id))
        return self._user(state) if state else None

    def _user(self, state: _State) -> User:
        failures = self._failures(state)
        return User(
            state.created.user_id,
            state.created.role,
            state.created.display_name,
            state.enabled,
            state.stored.observed_at,
            state.stored.author,
            failures >= self._lockout_failures,
            failures,
        )

    def _failures(self, state: _State) -> int:
        """Failed attempts in a row, newest first, since the last success or PIN reset."""
        since = state.reset_at or state.stored.entered_at
        count = 0
        for stored in self._log.newest_by_author(
            WARD_ID, LoginAttempt.KIND, state.created.user_id, self._lockout_failures
        ):
            record = stored.record
            if stored.entered_at <= since or (
                isinstance(record, LoginAttempt) and record.outcome is LoginOutcome.SUCCESS
            ):
                break
            count += 1
        return count

    # --- signing in -------------------------------------------------------------------------------

    def authenticate(self, user_id: str, pin: str) -> Author:
        """The sealed `Author` of the user whose PIN this is; raises `AccessRefused`. Every attempt,
        whatever its outcome, is recorded (R15), the PIN never."""
        user_id = normalise_user_id(user_id) if isinstance(user_id, str) else ""
        pin = pin if isinstance(pin, str) else ""
        malformed = bool(user_id_errors(user_id))
        # Under the write lock: two attempts at once are counted one after the other (R15).
        with transaction(self._db):
            state = None if malformed else self._state(user_id)
            outcome = self._outcome(state, pin)
            attempt = LoginAttempt(user_id=user_id if state else None, outcome=outcome)
            self._write(attempt, author=user_id if state else SYSTEM_USER_ID)
        if malformed:  # audited as an unknown user (without what was typed)
            raise AccessRefused(
                Refusal.INVALID,
                f"Not signed in: a user id is {USER_ID_TEXT.allowed}; check it and try again.",
            )
        if outcome is LoginOutcome.SUCCESS:
            assert state is not None
            role = state.created.role
            return Author(user_id, role, _seal(self._log.device_id, user_id, role))
        raise self._refusal(outcome, user_id, state)

    def _outcome(self, state: _State | None, pin: str) -> LoginOutcome:
        if state is None:
            _verify(_DUMMY_HASH, pin)  # the same time as a wrong PIN
            return LoginOutcome.UNKNOWN_USER
        if not state.enabled:
            return LoginOutcome.DISABLED
        if self._failures(state) >= self._lockout_failures:
            return LoginOutcome.LOCKED_OUT
        return LoginOutcome.SUCCESS if _verify(state.pin_hash, pin) else LoginOutcome.WRONG_PIN

    def _refusal(self, outcome: LoginOutcome, user_id: str, state: _State | None) -> AccessRefused:
        if outcome is LoginOutcome.UNKNOWN_USER:
            return AccessRefused(
                Refusal.UNKNOWN_USER,
                f"Not signed in: there is no user {user_id!r} on this ward; check the user id, "
                "or ask an admin to create it.",
            )
        if outcome is LoginOutcome.DISABLED:
            return AccessRefused(
                Refusal.DISABLED,
                f"Not signed in: the user {user_id} is disabled; ask an admin.",
            )
        if outcome is LoginOutcome.LOCKED_OUT:
            return AccessRefused(
                Refusal.LOCKED_OUT,
                f"Not signed in: the user {user_id} is locked out after "
                f"{self._lockout_failures} wrong PINs in a row; an admin must reset the PIN.",
            )
        assert state is not None
        left = self._lockout_failures - self._failures(state)
        if left <= 0:
            return AccessRefused(
                Refusal.LOCKED_OUT,
                f"Not signed in: the PIN is wrong, and the user {user_id} is now locked out; an "
                "admin must reset the PIN.",
            )
        return AccessRefused(
            Refusal.WRONG_PIN,
            f"Not signed in: the PIN is wrong; {left} more {'try' if left == 1 else 'tries'} "
            "before the user is locked out.",
        )

    # --- who writes -------------------------------------------------------------------------------

    def standing(self, author: Author) -> str | None:
        """Why `author` may not write on this ward (None: they may). Only checked on a ward with
        users: a sealed Author of an enabled user with that role."""
        if author.user_id == SYSTEM_USER_ID:
            return f"{SYSTEM_USER_ID!r} is reserved for Bedside's own timer"
        if not self.has_users():
            return None
        proof = author.proof
        expected = _seal(self._log.device_id, author.user_id, author.role)
        if not isinstance(proof, bytes) or not hmac.compare_digest(proof, expected):
            return f"{author.user_id} has not signed in with a PIN on this ward"
        state = self._state(author.user_id)
        if state is None or state.created.role is not author.role:
            return f"{author.user_id} is not a {author.role.value} of this ward"
        if not state.enabled:
            return f"the user {author.user_id} is disabled"
        return None

    # --- managing users (inside the caller's transaction) -----------------------------------------

    def create(
        self,
        admin: Author | None,
        user_id: str,
        role: Role | str,
        display_name: str,
        pin: str,
    ) -> StoredRecord:
        """Store a new user; raises RecordInvalid naming each field. Without users on the ward, the
        first user is an admin and needs no `admin` (whoever installs the ward creates it)."""
        errors = self._admin_errors(admin, first_allowed=True)
        user_id = normalise_user_id(user_id) if isinstance(user_id, str) else user_id
        errors += user_id_errors(user_id)
        if not isinstance(role, Role):
            try:
                role = Role(role)
            except ValueError:
                errors.append(FieldError("role", f"role: {role!r} is not a role", ", ".join(Role)))
        if isinstance(role, Role) and not self.has_users() and role is not Role.ADMIN:
            message = "role: the first user of a ward is its admin"
            errors.append(FieldError("role", message, Role.ADMIN.value))
        errors += pin_errors(pin)
        if not errors and self._state(user_id) is not None:
            message = f"user_id: {user_id} is already a user of this ward"
            errors.append(FieldError("user_id", message, "a user id not yet taken"))
        if errors:
            raise RecordInvalid(errors)
        assert isinstance(role, Role)
        record = UserCreated(
            user_id=user_id,
            role=role,
            display_name=" ".join(display_name.split()) if isinstance(display_name, str) else "",
            pin_hash=hash_pin(pin),
        )
        return self._write(record, author=admin.user_id if admin else user_id)

    def disable(self, admin: Author, user_id: str) -> StoredRecord:
        errors = self._admin_errors(admin)
        user_id = normalise_user_id(user_id)
        state = self._existing(user_id, errors)
        if state is not None and not state.enabled:
            message = f"user_id: {user_id} is already disabled"
            errors.append(FieldError("user_id", message, "an enabled user"))
        if state is not None and user_id == admin.user_id:
            message = "user_id: an admin does not disable themselves"
            errors.append(FieldError("user_id", message, "another user"))
        if errors:
            raise RecordInvalid(errors)
        return self._write(UserDisabled(user_id=user_id), author=admin.user_id)

    def reset_pin(self, admin: Author, user_id: str, pin: str) -> StoredRecord:
        errors = self._admin_errors(admin)
        user_id = normalise_user_id(user_id)
        self._existing(user_id, errors)
        errors += pin_errors(pin)
        if errors:
            raise RecordInvalid(errors)
        return self._write(PinReset(user_id=user_id, pin_hash=hash_pin(pin)), author=admin.user_id)

    def _existing(self, user_id: str, errors: list[FieldError]) -> _State | None:
        state = self._state(user_id) if not user_id_errors(user_id) else None
        if state is None:
            errors.append(
                FieldError(
                    "user_id", f"user_id: no user {user_id!r} on this ward", "a user of this ward"
                )
            )
        return state

    def _admin_errors(
        self, admin: Author | None, *, first_allowed: bool = False
    ) -> list[FieldError]:
        allowed = "an admin signed in with their PIN"
        if admin is None:
            if first_allowed and not self.has_users():
                return []
            return [FieldError("admin", "admin: an admin must sign in to manage users", allowed)]
        problem = self.standing(admin)
        if problem is None and not self.has_users() and not first_allowed:
            problem = "this ward has no users yet: create its first admin"
        if problem is None and not admin.may(Action.MANAGE_USERS):
            problem = f"{admin.user_id} ({admin.role.value}) may not manage users"
        return [FieldError("admin", f"admin: {problem}", allowed)] if problem else []

    def _write(self, record: Record, *, author: str) -> StoredRecord:
        valid = validated(Draft(record, WARD_ID, self._clock.now()), self._clock)
        if not isinstance(valid, ValidDraft):
            raise RecordInvalid(valid)
        return self._log.write(valid, author=author)


class _State:
    __slots__ = ("created", "enabled", "pin_hash", "reset_at", "stored")

    def __init__(self, created: UserCreated, stored: StoredRecord, pin_hash: str) -> None:
        self.created = created
        self.stored = stored
        self.pin_hash = pin_hash
        self.enabled = True
        self.reset_at: str | None = None


def _by_id(state: _State) -> str:
    return state.created.user_id


def _verify(pin_hash: str, pin: str) -> bool:
    try:
        return HASHER.verify(pin_hash, pin)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
