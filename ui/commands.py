"""The commands of the `ui` layer: those that draw with Qt. `bedside handover` is one; every other command
is `bedside.cli`'s (ui.main hands it over unchanged).

As in `bedside.cli`, whatever goes wrong reaches the user as one line on stderr (what, where, what to do)
and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

EXIT_INVALID = 2
DEBUG_VARIABLE = "BEDSIDE_DEBUG"


def build_handover_parser() -> argparse.ArgumentParser:
    from bedside.workspace import default_database_path

    parser = argparse.ArgumentParser(
        prog="bedside handover",
        description="Write the handover report as a PDF: one page per patient in ISBAR order "
        "(identity; grades with their reasons, scores and alerts; attributions and the last "
        "24 h of drugs; the last 24 h of values with a trend strip; the checks due). The "
        "database is only read; the PDF is written whole or not at all.",
    )
    parser.add_argument(
        "--db", default=None, help=f"the ward database (default: {default_database_path()})"
    )
    parser.add_argument(
        "--patient", default=None, help="only this patient (by patient id); default: the whole ward"
    )
    parser.add_argument(
        "--out", required=True, help="the PDF file to write (replaced if it exists)"
    )
    parser.add_argument(
        "--page-size",
        choices=("a4", "letter"),
        default="a4",
        help="the paper: a4 (default) or letter",
    )
    return parser


def handover_main(argv: Sequence[str], stdout: TextIO | None = None) -> int:
    """`bedside handover ...` (argv without the command's own name)."""
    args = build_handover_parser().parse_args(list(argv))
    out = stdout or sys.stdout
    try:
        return _run_handover(args, out)
    except _Refused as refused:
        line = " ".join(str(refused).split())
        sys.stderr.write(f"bedside handover: {line}\n")
        return EXIT_INVALID


class _Refused(Exception):
    """The one sentence the user reads."""


def _run_handover(args: argparse.Namespace, stdout: TextIO) -> int:
    from ui.main import display_missing

    if display_missing():
        # A service timer has no display: draw off screen (nothing is ever shown).
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from bedside.clock import SystemClock
    from bedside.workspace import StorageError, default_database_path, open_for_reading
    from ui.handover import HandoverError, PageSize, handover_patients, write_handover_pdf

    db = Path(args.db) if args.db is not None else default_database_path()
    qapp = QApplication.instance()
    created = qapp is None
    if created:
        qapp = QApplication(sys.argv[:1])
    clock = SystemClock()
    try:
        try:
            ward, chart = open_for_reading(db, clock=clock)
        except StorageError as err:
            raise _Refused(err.sentence()) from None
        try:
            patients = handover_patients(ward, args.patient)
            pages = write_handover_pdf(
                args.out,
                ward,
                chart,
                patients,
                now=clock.now(),
                database=str(db.resolve()),
                page_size=PageSize.parse(args.page_size),
            )
        except HandoverError as err:
            raise _Refused(str(err)) from None
        except Exception as err:  # the file went bad while read, or a bug: one sentence
            raise _Refused(_sentence(err, db)) from None
        finally:
            ward.close()
    finally:
        if created and qapp is not None:
            qapp.shutdown()
    count = len(patients)
    stdout.write(
        f"handover of {count} patient{'' if count == 1 else 's'} ({pages} "
        f"page{'' if pages == 1 else 's'}, {args.page_size.upper()}) written to {args.out}\n"
    )
    return 0


def _sentence(err: Exception, db: Path) -> str:
    from bedside.workspace import StorageError, StorageProblem, storage_error

    error = storage_error(err, db)
    if error.problem is StorageProblem.BUG and not isinstance(err, StorageError):
        if os.environ.get(DEBUG_VARIABLE):
            import traceback

            traceback.print_exc()
        return (
            f"Bedside met an unexpected error ({type(err).__name__}: {err}); this is a bug: "
            f"report it with this line ({DEBUG_VARIABLE}=1 shows the details)"
        )
    return error.sentence()
