"""The envelope of a record being charted (patient, clinical time, correction) and the checks of a whole
draft: every field, the rules across a record's fields, and the times against the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bedside.clock import Clock
from bedside.records.canonical import iso_utc
from bedside.records.fields import (
    MRN_TEXT,
    REASON_TEXT,
    TOKEN_TEXT,
    UUID_TEXT,
    FieldError,
    FieldSpec,
    check_field,
    normalise_patient_id,
)
from bedside.records.types import (
    RECORD_TYPES,
    WARD_ID,
    Admission,
    AlertEvent,
    AssessmentRecord,
    Intervention,
    Record,
    specs_of,
)

# A record may be charted up to this far ahead of the machine's clock (clocks on a ward drift a little).
FUTURE_TOLERANCE = timedelta(minutes=5)
# A plausible infusion time, from the moment the admission is charted: a patient may be admitted
# after an infusion given elsewhere, or some weeks before it (lymphodepletion and bridging).
INFUSION_BEFORE_ADMISSION = timedelta(days=365)
INFUSION_AFTER_ADMISSION = timedelta(days=60)
# The records Bedside computes and stamps itself (never charted nor corrected by a person).
DERIVED_RECORDS: tuple[type[Record], ...] = (AssessmentRecord, AlertEvent)


@dataclass(frozen=True, slots=True)
class Draft:
    """A record with the envelope fields its author gives; the store adds id, time of entry and hash.
    The patient id is kept in upper case (ids compare without regard to case)."""

    record: Record
    patient_id: str
    observed_at: datetime
    supersedes: str | None = None  # a correction names the record it replaces...
    reason: str | None = None  # ...and says why
    # A correction that gives no new time keeps the corrected record's: the log checks that it does.
    keeps_observed_at: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "patient_id", normalise_patient_id(self.patient_id))


_PROOF = object()  # only `validated` holds it, so a ValidDraft always comes from a passed check


@dataclass(frozen=True, slots=True)
class ValidDraft:
    """A draft that `validated` checked against the clock (every field, the rules across fields,
    the times): the log stores it without checking it again. Made only by `validated`."""

    draft: Draft
    _proof: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._proof is not _PROOF:
            raise TypeError("a ValidDraft is made only by bedside.records.validated()")

    @property
    def record(self) -> Record:
        return self.draft.record

    @property
    def patient_id(self) -> str:
        return self.draft.patient_id

    @property
    def observed_at(self) -> datetime:
        return self.draft.observed_at


def validated(
    draft: Draft, clock: Clock, *, stamped: bool = False
) -> ValidDraft | list[FieldError]:
    """`draft` as a ValidDraft, or every reason to refuse it (see `validate`)."""
    errors = validate(draft, clock, stamped=stamped)
    return errors if errors else ValidDraft(draft, _PROOF)


_ENVELOPE = (
    FieldSpec("patient_id", str, False, MRN_TEXT),
    FieldSpec("observed_at", datetime, False, None),
    FieldSpec("supersedes", str, True, UUID_TEXT),
    FieldSpec("reason", str, True, REASON_TEXT),
)


def validate(draft: Draft, clock: Clock, *, stamped: bool = False) -> list[FieldError]:
    """Every reason to refuse `draft`, empty if it may be stored. Times are checked against `clock`,
    except for a derived record (an assessment, an alert event) that the service `stamped` itself:
    its time is a time point of the log or the time of the event it follows, which may be ahead of
    a clock set back (a person's time is checked when the record it derives from is charted)."""
    ward_level = getattr(draft.record, "WARD_LEVEL", False)
    envelope = _ENVELOPE[1:] if ward_level else _ENVELOPE
    errors = [e for spec in envelope for e in check_field(spec, getattr(draft, spec.name))]
    if ward_level and draft.patient_id != WARD_ID:
        message = f"patient_id: a {draft.record.KIND} is filed under the ward ({WARD_ID})"
        errors.append(FieldError("patient_id", message, WARD_ID))
    if draft.supersedes is not None and draft.reason is None:
        message = "reason: a correction must say why"
        errors.append(FieldError("reason", message, REASON_TEXT.allowed))
    elif draft.supersedes is None and draft.reason is not None:
        message = "reason: only a correction (supersedes) carries a reason"
        errors.append(FieldError("reason", message, "empty"))
    if draft.keeps_observed_at and draft.supersedes is None:
        message = "keeps_observed_at: only a correction keeps the time of the record it corrects"
        errors.append(FieldError("keeps_observed_at", message, "a correction (supersedes)"))
    errors += validate_record(draft.record)
    if errors:
        return errors
    record = draft.record
    if stamped and isinstance(record, DERIVED_RECORDS):
        return errors
    latest = clock.now() + FUTURE_TOLERANCE
    # A correction that keeps the corrected record's time was checked when that one was charted
    # (the log verifies it is that time): a clock set back since must not stop the correction.
    kept = draft.keeps_observed_at
    times: list[tuple[str, datetime | None]] = [] if kept else [("observed_at", draft.observed_at)]
    if isinstance(record, Intervention):
        times += [("started_at", record.started_at), ("stopped_at", record.stopped_at)]
    for name, when in times:
        if when is not None and when > latest:
            message = f"{name}: {iso_utc(when)} is in the future"
            errors.append(FieldError(name, message, f"no later than {iso_utc(latest)}"))
    if isinstance(record, Admission):
        errors += _admission_draft_errors(record, draft)
    return errors


def _admission_draft_errors(record: Admission, draft: Draft) -> list[FieldError]:
    errors = []
    if record.patient_id != draft.patient_id:
        message = f"patient_id: the admission is for {record.patient_id}"
        errors.append(FieldError("patient_id", message, record.patient_id))
    charted = draft.observed_at.astimezone(UTC).date()
    if not (record.date_of_birth <= charted and charted.year - record.date_of_birth.year <= 120):
        message = f"date_of_birth: {record.date_of_birth} is not 0–120 years before {charted}"
        errors.append(FieldError("date_of_birth", message, "0–120 years before admission"))
    earliest = draft.observed_at - INFUSION_BEFORE_ADMISSION
    last = draft.observed_at + INFUSION_AFTER_ADMISSION
    if not earliest <= record.infusion_at <= last:
        allowed = (
            f"1 year before to 60 days after the admission: {iso_utc(earliest)} to {iso_utc(last)}"
        )
        message = f"infusion_at: {iso_utc(record.infusion_at)} is outside {allowed}"
        errors.append(FieldError("infusion_at", message, allowed))
    return errors


_AUTHOR = FieldSpec("author", str, False, TOKEN_TEXT)


def check_author(author: object) -> list[FieldError]:
    """The user id every record carries (R17): short, printable, never empty."""
    return check_field(_AUTHOR, author)


def validate_record(record: Record) -> list[FieldError]:
    """Field and cross-field checks of one record, without its envelope."""
    cls = type(record)
    if RECORD_TYPES.get(getattr(cls, "KIND", "")) is not cls:
        return [
            FieldError("kind", f"kind: {cls.__name__} is not a record", ", ".join(RECORD_TYPES))
        ]
    errors = [
        error
        for spec in specs_of(cls)
        for error in check_field(record._spec_for(spec), getattr(record, spec.name))
    ]
    return errors or record.check()
