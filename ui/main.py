"""The `bedside` command and `python main.py`: no command opens the app; a command runs the CLI."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

EXIT_NO_DISPLAY = 2
EXIT_STORAGE = 2

NO_DISPLAY = (
    "bedside: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set): run it "
    "in a desktop session, or start a virtual X server with `xvfb-run -a bedside`, or draw off "
    "screen with QT_QPA_PLATFORM=offscreen."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bedside",
        description="Bedside: open the ward's app. A command runs the command line instead: "
        "grade, replay, demo, board, verify, backup, restore, export, users, sync, hub (`bedside board "
        "--help` and the like describe them), and handover (the handover report as a PDF: `bedside handover "
        "--db PATH [--patient ID] --out FILE.pdf [--page-size a4|letter]`).",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", default=None, help="the ward database (default: the data folder)")
    where.add_argument(
        "--demo", action="store_true", help="open a freshly built demo ward in its own file"
    )
    parser.add_argument(
        "--user",
        default=None,
        help="who is charting, as USER:ROLE: skips the dialog on a ward without users; on a ward "
        "with users, the login starts with this user id",
    )
    parser.add_argument(
        "--hub",
        default=None,
        metavar="URL",
        help="sync with this hub (sqlite:///path/hub.db or postgresql://...) in the background; "
        "remembered on this machine for the next starts (--hub off forgets it); with --demo, for "
        "this run only",
    )
    return parser


HUB_OFF = "off"


def chosen_hub(given: str | None, settings: Any, *, demo: bool) -> str | None:
    """The hub to sync with: `--hub URL` (remembered in the QSettings key `sync/hub`, unless on the
    demo ward), else the remembered one (never for the demo ward: it must not sync with the ward's
    hub); `--hub off` forgets it. None: no background sync."""
    from ui.sync import HUB_SETTING

    if given is not None and given.strip().lower() == HUB_OFF:
        if not demo:
            settings.remove(HUB_SETTING)
        return None
    if given:
        if not demo:
            settings.setValue(HUB_SETTING, given)
        return given
    if demo:
        return None
    remembered = settings.value(HUB_SETTING, "")
    return str(remembered) if remembered else None


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "handover":  # drawn with Qt: a command of the ui layer
        from ui.commands import handover_main

        return handover_main(args[1:])
    if args and not args[0].startswith("-"):
        from bedside.cli import main as cli_main

        return cli_main(args)
    return run_app(build_parser().parse_args(args))


def display_missing(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """True when Qt would abort for want of a display (Linux and the like, without a platform set)."""
    if sys.platform in ("win32", "darwin"):
        return False
    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return False  # offscreen, minimal, vnc, eglfs...: no display needed
    return not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def run_app(args: argparse.Namespace) -> int:
    if display_missing():
        sys.stderr.write(NO_DISPLAY + "\n")
        return EXIT_NO_DISPLAY
    from bedside.clock import SystemClock
    from bedside.workspace import (
        StorageError,
        StorageProblem,
        default_database_path,
        prepare,
        storage_error,
    )

    clock = SystemClock()
    try:
        if args.demo:
            from bedside.cli import prepare_demo

            path = prepare_demo(clock.now())
        else:
            path = Path(args.db) if args.db else default_database_path()
        prepare(path, clock=clock)  # created on first start; migrated; verified whole
    except StorageError as err:
        if err.problem is StorageProblem.DAMAGED and not args.demo:
            ask = _ask_in_a_window if _can_show_window() else None
            if not recover(path, err.sentence(), clock, ask=ask):
                return EXIT_STORAGE
        else:
            return _storage_problem(err.sentence())
    except OSError as err:  # the demo's own folder
        return _storage_problem(storage_error(err, locals().get("path")).sentence())
    return _run_qt(path, clock, args.user, args.hub, demo=args.demo)


Ask = Callable[[object], bool]


def recover(path: Path, problem: str, clock: Any, *, ask: Ask | None) -> bool:
    """The ward file failed verification at start: find the newest verified backup and what restoring
    it loses, and ask (`ask(offer)` shows the offer; True restores). True when a restored file now
    verifies and the app may open; False (after saying why) otherwise. Without a window (`ask` None)
    the offer goes to stderr with the `bedside restore` command, and nothing is changed."""
    from bedside.workspace import BackupError, StorageError, prepare, recovery_offer, restore_backup
    from ui.recovery import lost_lines, offer_text, restored_text

    offer = recovery_offer(path, problem)
    if ask is None or offer.backup is None:
        lines = [f"bedside: {problem} {offer_text(offer)}"]
        lines += [f"  lost: {line}" for line in lost_lines(offer)]
        sys.stderr.write("\n".join(lines) + "\n")
        if ask is not None:
            _show_critical(f"{problem} {offer_text(offer)}")
        return False
    if not ask(offer):
        sys.stderr.write(f"bedside: {problem} Nothing was restored.\n")
        return False
    try:
        result = restore_backup(path, offer.backup, now=clock.now())
        prepare(path, clock=clock)
    except (BackupError, StorageError) as err:
        sentence = err.sentence()
        sys.stderr.write(f"bedside: {sentence}\n")
        _show_critical(sentence)
        return False
    sys.stderr.write(f"bedside: {restored_text(result)}\n")
    return True


def _can_show_window() -> bool:
    return os.environ.get("QT_QPA_PLATFORM", "xcb").startswith(
        ("xcb", "wayland", "windows", "cocoa")
    )


def _qapp() -> Any:
    from PySide6.QtWidgets import QApplication

    QApplication.setApplicationName("Bedside")
    QApplication.setOrganizationName("Bedside")
    return QApplication.instance() or QApplication(sys.argv[:1])


def _ask_in_a_window(offer: object) -> bool:
    from PySide6.QtWidgets import QDialog

    from ui.recovery import RecoveryDialog

    _qapp()
    dialog = RecoveryDialog(offer)  # type: ignore[arg-type]
    return bool(dialog.exec() == QDialog.DialogCode.Accepted)


def _show_critical(sentence: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    _qapp()
    QMessageBox.critical(None, "Bedside", sentence)


def _storage_problem(sentence: str) -> int:
    """One clear message: on stderr, and in a message box when a window can be shown."""
    sys.stderr.write(f"bedside: {sentence}\n")
    if _can_show_window():
        from PySide6.QtWidgets import QApplication, QMessageBox

        app = QApplication(sys.argv[:1])  # no window yet: this box is the app's only one
        QMessageBox.critical(None, "Bedside", sentence)
        app.shutdown()
    return EXIT_STORAGE


def _run_qt(
    path: Path, clock: object, who: str | None, hub: str | None = None, *, demo: bool = False
) -> int:
    from PySide6.QtCore import QSettings

    from bedside.staff import Author, Role
    from ui.app import build
    from ui.session import CurrentUser

    qapp = _qapp()  # the recovery dialog's, when it ran
    user = CurrentUser()
    # The lock screen's check of a user id and PIN (issue 10): `unlock(user_id, pin) -> Author`, raising
    # with the sentence to show. build()'s default, SessionUnlock, asks the ward service
    # (Ward.authenticate) once the ward has users.
    settings = QSettings()
    hub_url = chosen_hub(hub, settings, demo=demo)
    app = build(qapp, path, clock, settings=settings, user=user, hub_url=hub_url)  # type: ignore[arg-type]
    app.window.show()
    name, _, role = (who or "").partition(":")
    if who and not app.controller.has_users():
        # A ward without users, as before them: --user USER:ROLE says who is charting (no PIN).
        app.user.sign_in(Author(name, Role(role or "nurse")))
    elif not app.window.ask_user(name):
        app.shutdown()
        return 0
    app.controller.start()
    app.idle.start()  # the automatic lock after the site policy's idle minutes
    app.backups.start()  # verified backups at the site policy's interval, in the pool
    if app.sync is not None:
        app.sync.start()  # sync with the hub at the site policy's interval, in a pool of its own
    code = qapp.exec()  # aboutToQuit has stopped the workers and closed the connections
    sys.stdout.flush()
    sys.stderr.flush()
    # PySide6 6.12 can abort while the interpreter garbage-collects its objects at exit (a refcount
    # bug in the binding, "bool_dealloc"); everything is saved and closed by now, so leave directly.
    os._exit(code)


if __name__ == "__main__":
    raise SystemExit(main())
