"""`bedside export fhir`: a verified ward database's charts as one FHIR R4 Bundle file, audited.

The order of the work is what makes it safe: the database is verified and read (read-only), the Bundle
is written to a temporary file beside the output, the export is audited in the patients' logs (one
transaction), and only then does the file take its name. A refusal at any step leaves no output file
and no audit record behind.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from bedside.clinical.policy import DEFAULT_POLICY, SitePolicy
from bedside.clock import Clock
from bedside.fhir import EXPORTED_KINDS, BundleType, PatientChart, build_bundle, bundle_text
from bedside.policy_log import read_policy
from bedside.records import Export, ExportFormat
from bedside.records.fields import normalise_patient_id
from bedside.staff import Action, Author
from bedside.store.connection import open_database, open_read_only, storage_error
from bedside.store.extract import patient_records
from bedside.store.log import Log
from bedside.verify import verify
from bedside.ward import Failed, Invalid, Ward

_FORMAT = {
    BundleType.TRANSACTION: ExportFormat.FHIR_R4_TRANSACTION,
    BundleType.COLLECTION: ExportFormat.FHIR_R4_COLLECTION,
}


# Who exports on a ward with users: given the ward, the signed-in Author (raises ExportRefused).
SignIn = Callable[[Ward], Author]


class ExportRefused(Exception):
    """The export was not made; the message is one sentence for the user (what, where, what to do)."""


@dataclass(frozen=True, slots=True)
class ExportSummary:
    path: Path
    patients: int
    resources: int
    sha256: str
    author: str = ""  # who the export is audited under


def verification_problems(db: Database) -> list[str]:
    """What makes the database unfit to export from (`bedside verify`'s findings); empty if it passes."""
    verdict = verify(db)
    return [] if verdict.ok else [verdict.summary()]


def export_fhir(
    db_path: Path,
    out: Path,
    *,
    author: Author,
    clock: Clock,
    bundle_type: BundleType = BundleType.TRANSACTION,
    patient_id: str | None = None,
    since: datetime | None = None,
    policy: SitePolicy = DEFAULT_POLICY,
    sign_in: SignIn | None = None,
) -> ExportSummary:
    """Export the charts of the ward database at `db_path` (one patient with `patient_id`) to `out`.

    On a ward with users (issue 10) the export is audited under whoever `sign_in(ward)` returns (the
    command asks for a user id and PIN: `Ward.authenticate`), after the verification; without
    `sign_in` such a ward refuses the export.

    Raises ExportRefused (verification failed, no such patient, the output cannot be written, the
    audit was refused) or StorageError (the database cannot be read)."""
    if not author.may(Action.EXPORT):
        raise ExportRefused(
            f"{author.user_id} ({author.role.value}) may not export the chart: "
            "ask a physician or the ward's IT admin"
        )
    out = _output_path(out, db_path)
    now = clock.now()
    db = open_read_only(db_path)
    try:
        problems = verification_problems(db)
        if problems:
            raise ExportRefused(
                f"the database {db_path} fails verification ({'; '.join(problems[:3])}): nothing "
                "was exported; restore the latest backup and tell the ward's IT support"
            )
        charts = _read_charts(db, clock, patient_id, db_path)
        # The policy in force: `policy` overlaid by the ward's policy_set records (issues 9, 10).
        policy = read_policy(db, Log(db, clock), policy).policy
    except sqlite3.Error as err:
        raise storage_error(err, db_path) from err
    finally:
        db.conn.close()
    built = build_bundle(
        charts, bundle_type=bundle_type, exported_at=now, policy=policy, since=since
    )
    text = bundle_text(built.bundle)
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    temp = _write_temporary(out, data)
    try:
        audited = _audit(
            db_path,
            clock,
            policy,
            author,
            built.resources,
            bundle_type,
            since,
            out,
            digest,
            sign_in,
        )
        try:
            os.replace(temp, out)
        except OSError as err:
            raise ExportRefused(
                f"the export to {out} was audited but could not be put in place "
                f"({err.strerror or err}): run the export again"
            ) from err
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return ExportSummary(out, len(charts), sum(built.resources.values()), digest, audited)


def _output_path(out: Path, db_path: Path) -> Path:
    if out.is_dir():
        raise ExportRefused(f"--out {out} is a folder: give the path of the .json file to write")
    if not out.parent.is_dir():
        raise ExportRefused(
            f"--out {out}: the folder {out.parent} does not exist: create it or choose another --out"
        )
    if out.exists() and db_path.exists() and out.resolve() == db_path.resolve():
        raise ExportRefused(f"--out {out} is the database itself: choose another --out")
    return out.absolute()


def _read_charts(
    db: Database, clock: Clock, patient_id: str | None, db_path: Path
) -> list[PatientChart]:
    admissions = Log(db, clock).patients()
    if patient_id is not None:
        wanted = normalise_patient_id(patient_id)
        admissions = [a for a in admissions if a.patient_id == wanted]
        if not admissions:
            raise ExportRefused(
                f"--patient {patient_id}: no such patient in {db_path}: check the patient id "
                "(`bedside board --db` lists the ward's patients)"
            )
    return [
        PatientChart(a, patient_records(db, clock, a.patient_id, EXPORTED_KINDS))
        for a in admissions
    ]


def _write_temporary(out: Path, data: bytes) -> Path:
    try:
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    except OSError as err:
        raise ExportRefused(
            f"--out {out} cannot be written ({err.strerror or err}): choose a folder you may write to"
        ) from err
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as err:
        temp.unlink(missing_ok=True)
        raise ExportRefused(
            f"--out {out} cannot be written ({err.strerror or err}): free some space or choose "
            "another folder; nothing was exported"
        ) from err
    return temp


def _audit(
    db_path: Path,
    clock: Clock,
    policy: SitePolicy,
    author: Author,
    resources: Mapping[str, int],
    bundle_type: BundleType,
    since: datetime | None,
    out: Path,
    digest: str,
    sign_in: SignIn | None,
) -> str:
    db = open_database(db_path, create=False, clock=clock)
    try:
        ward = Ward(db, clock=clock, policy=policy)
        if ward.has_users():
            if sign_in is None:
                raise ExportRefused(
                    f"{db_path} has users: the export needs a physician or admin signed in with "
                    "their PIN (--user): nothing was exported"
                )
            author = sign_in(ward)
        exports = {
            patient: Export(
                format=_FORMAT[bundle_type], resources=n, since=since, file=str(out), sha256=digest
            )
            for patient, n in resources.items()
        }
        result = ward.record_exports(exports, author=author)
    finally:
        db.conn.close()
    if isinstance(result, Failed):
        raise ExportRefused(f"{result.message} Nothing was exported")
    if isinstance(result, Invalid):
        raise ExportRefused(
            "the export could not be audited ("
            + "; ".join(e.message for e in result.errors)
            + "): nothing was exported"
        )
    return author.user_id


def os_author() -> str:
    """The operating-system account running the command, as a user id (letters, digits, _ . : -)."""
    import getpass

    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "_.-") else "-" for c in name)
    return f"os:{safe or 'unknown'}"[:64]
