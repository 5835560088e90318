"""A record as the JSON payload the log stores, and back (DESIGN section 3)."""

from __future__ import annotations

from dataclasses import MISSING, fields
from datetime import date, datetime
from enum import Enum
from typing import Any

from bedside.alert_vocabulary import Priority
from bedside.records.canonical import iso_utc, parse_utc
from bedside.records.envelope import validate_record
from bedside.records.fields import FieldError, RecordInvalid
from bedside.records.types import RECORD_TYPES, Record, specs_of


def to_payload(record: Record) -> dict[str, Any]:
    """The record's fields as JSON values: enums by value, datetimes as UTC text, dates as ISO dates."""
    return {spec.name: _encode(getattr(record, spec.name)) for spec in specs_of(type(record))}


def _encode(value: object) -> object:
    if isinstance(value, Priority):
        return value.code  # ranked by number in code, stored as a word
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def from_payload(kind: str, data: dict[str, Any], *, check: bool = True) -> Record:
    """Build the record of `kind` from its payload; raises RecordInvalid naming every bad field.

    `check=False` skips the range checks (for rows the store wrote itself and whose hash it verifies).
    """
    cls = RECORD_TYPES.get(kind)
    if cls is None:
        raise RecordInvalid(
            [FieldError("kind", f"kind: unknown {kind!r}", ", ".join(RECORD_TYPES))]
        )
    specs = {spec.name: spec for spec in specs_of(cls)}
    errors = [
        FieldError(k, f"{k}: unknown field", ", ".join(specs)) for k in data if k not in specs
    ]
    required = {
        f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
    }
    errors += [FieldError(k, f"{k}: required", specs[k].allowed) for k in required - data.keys()]
    if errors:
        raise RecordInvalid(errors)
    record = cls(**{name: _decode(specs[name].base, value) for name, value in data.items()})
    if check and (errors := validate_record(record)):
        raise RecordInvalid(errors)
    return record


def _decode(base: type, value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        if base is Priority:
            return Priority.from_code(value)
        if base is datetime:
            return parse_utc(value)
        if base is date:
            return date.fromisoformat(value)
    except (ValueError, KeyError):
        pass  # left as text; validation names the field
    return value
