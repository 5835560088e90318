"""Reading a patient's log whole, every version of every record of the kinds asked for (for exports)."""

from __future__ import annotations

from collections.abc import Collection

from sqlite_utils import Database

from bedside.clock import Clock
from bedside.store.log import Log, StoredRecord


def patient_records(
    db: Database, clock: Clock, patient_id: str, kinds: Collection[str]
) -> list[StoredRecord]:
    """Every version of the patient's records of these kinds (corrected ones included, so that an
    export can say what a correction replaced), in clinical order. Nothing is written."""
    return Log(db, clock).records_for_patient(patient_id, kinds)
