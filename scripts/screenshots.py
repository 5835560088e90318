"""Start the real app in a real X server (Xvfb) on a fresh demo ward and save screenshots.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots.py [OUT_DIR]

Run without a display, it restarts itself under `xvfb-run`. The PNGs go to docs/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    if not os.environ.get("DISPLAY"):
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            sys.stderr.write("screenshots: xvfb-run is missing: run `bash .ci/setup` first.\n")
            return 2
        command = [xvfb, "-a", "-s", "-screen 0 1600x1000x24", sys.executable, *sys.argv]
        return subprocess.call(command)
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    sys.path.insert(0, str(ROOT))
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QSettings, QThreadPool
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from bedside.clock import SystemClock
    from bedside.demo import DEMO_PINS, build_demo
    from ui.app import build
    from ui.translations import CHINESE, SETTING

    work = Path(tempfile.mkdtemp())
    path = work / "demo-ward.db"
    build_demo(str(path), now=datetime.now(UTC))
    qapp = QApplication([])
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    app = build(qapp, path, SystemClock(), settings=settings, pool=QThreadPool())
    app.user.sign_in(app.controller.authenticate("nurse.demo", DEMO_PINS["nurse.demo"]))
    window = app.window
    window.resize(1500, 900)
    window.show()

    def settle() -> None:
        for _ in range(20):
            qapp.processEvents()
            QTest.qWait(25)

    def shot(name: str) -> None:
        settle()
        window.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png")

    ids = {s.admission.name: s.patient_id for s in app.controller.board()}
    app.backups.start()  # the status bar's "Last backup" line
    while app.backups._busy:
        settle()
    shot("board")
    window.banner.grab().save(str(out / "alert-banner.png"))
    window.open_patient(ids["Noah Bennett"])  # 4 years: CAPD
    window.patient.tabs.setCurrentWidget(window.patient.views[0])
    shot("patient-trends")
    if len(sys.argv) > 2:  # the whole stack of trend panels, unscrolled, for checking them all
        settle()
        window.patient.views[0].graphics.grab().save(sys.argv[2])
    window.patient.focus_form("neuro")
    shot("capd-form")
    window.open_patient(ids["Lena Fischer"])  # 16 years: ICE
    window.patient.focus_form("neuro")
    shot("ice-form")
    window.patient.focus_form("vitals")
    vitals = window.patient.vitals
    for name, text in (("temperature", "39.1"), ("hr", "128"), ("sbp", "88"), ("spo2", "93")):
        vitals.inputs[name].setText(text)  # type: ignore[union-attr]
    vitals.changed.emit()
    shot("vitals-preview")
    window.act_night.setChecked(True)
    window.show_board()
    shot("night-board")
    window.open_patient(ids["Noah Bennett"])
    window.patient.tabs.setCurrentWidget(window.patient.views[0])
    shot("night-trends")
    window.act_night.setChecked(False)
    close_episode(app, window, out, settle)
    recovery_dialog(work, path, out, settle)
    handover(window, ids["Noah Bennett"], work, out)
    window.show_board()
    window.lock()  # issue 10: patient details hidden, open alerts counted, the alarm goes on
    shot("lock")
    from PySide6.QtWidgets import QDialogButtonBox

    from ui.session import LoginDialog

    login = LoginDialog(app.controller, "nurse.demo", window)  # issue 10: the login at start
    login.show()
    login.pin.setText(
        "0000"
    )  # a wrong PIN (on this temporary copy): the refusal as the user reads it
    login.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    while login.checking:  # the PIN is checked in the pool
        settle()
    settle()
    login.grab().save(str(out / "login.png"))
    print(out / "login.png")
    login.close()
    app.shutdown()
    window.close()
    sync_status(qapp, path, work, out, settings, settle)

    # the same ward in Simplified Chinese (View > Language, remembered in the settings)
    settings.setValue(SETTING, CHINESE)
    app = build(qapp, path, SystemClock(), settings=settings, pool=QThreadPool())
    app.user.sign_in(app.controller.authenticate("nurse.demo", DEMO_PINS["nurse.demo"]))
    window = app.window
    window.resize(1500, 900)
    window.show()
    shot(f"board-{CHINESE}")
    app.shutdown()
    sys.stdout.flush()
    # PySide6 6.12 can crash while the interpreter tears its objects down after a grab; the PNGs are
    # written and flushed by now, so leave without that teardown.
    os._exit(0)


def sync_status(qapp: object, path: Path, work: Path, out: Path, settings: object, settle) -> None:  # type: ignore[no-untyped-def]
    """Issue 9: the status bar after a sync with a hub file, then after the hub went away (carried off
    on its stick), with the long-unsynced technical alert (the policy's minutes shortened to show it)."""
    from PySide6.QtCore import QThreadPool

    from bedside.clinical.policy import SitePolicy
    from bedside.clock import SystemClock
    from bedside.staff import Author, Role
    from bedside.sync.hub import open_hub
    from ui.app import build

    hub_file = work / "hub.db"
    url = f"sqlite:///{hub_file}"
    open_hub(url, create=True).close()
    policy = SitePolicy(sync_stale_alert_min=0.01)
    app = build(qapp, path, SystemClock(), settings=settings, policy=policy, pool=QThreadPool(),  # type: ignore[arg-type]
                hub_url=url)  # fmt: skip
    app.user.sign_in(Author("nurse.demo", Role.NURSE))
    window = app.window
    window.resize(1500, 900)
    window.show()
    sync = app.sync
    assert sync is not None

    def attempt() -> None:
        sync.sync_now()
        while sync.busy:
            settle()
        settle()

    attempt()
    window.statusBar().grab().save(str(out / "sync-status.png"))
    print(out / "sync-status.png")
    hub_file.rename(work / "carried-away.db")
    attempt()
    settle()  # more than the shortened minutes (0.6 s) since the last sync
    sync.check_overdue()
    settle()
    window.grab().save(str(out / "sync-unreachable.png"))
    print(out / "sync-unreachable.png")
    app.shutdown()
    window.close()


def close_episode(app: object, window: object, out: Path, settle) -> None:  # type: ignore[no-untyped-def]
    """Close episode… as a physician sees it on a patient with an open episode (D10, D20), the
    reason typed; then the nurse is signed in again."""
    from bedside.demo import DEMO_PINS
    from ui.controller import open_episodes

    nurse = app.user.author  # type: ignore[attr-defined]
    app.user.sign_in(app.controller.authenticate("dr.demo", DEMO_PINS["dr.demo"]))  # type: ignore[attr-defined]
    board = app.controller.board()  # type: ignore[attr-defined]
    patient = next(s.patient_id for s in board if open_episodes(s.latest))
    window.open_patient(patient)  # type: ignore[attr-defined]
    dialog = window.patient.open_close_episode()  # type: ignore[attr-defined]
    dialog.reason.setText("afebrile for 72 h, off oxygen")
    dialog.pin.setFocus()
    settle()
    dialog.grab().save(str(out / "close-episode.png"))
    print(out / "close-episode.png")
    dialog.reject()
    app.user.sign_in(nurse)  # type: ignore[attr-defined]


def recovery_dialog(work: Path, path: Path, out: Path, settle: object) -> None:
    """The start-up offer for a damaged file: a copy of the demo ward, two records charted after its
    backup, then one projection value edited (the triggers put back as they were)."""
    import sqlite3
    from datetime import timedelta

    from bedside.backup import make_backup
    from bedside.clock import ManualClock
    from bedside.store.connection import open_database
    from bedside.ward import Ward
    from bedside.workspace import recovery_offer
    from tests.support.ward_fixtures import NURSE, normal_adult_vitals
    from ui.recovery import RecoveryDialog

    damaged = work / "recovery" / "ward.db"
    damaged.parent.mkdir()
    source = sqlite3.connect(path)
    target = sqlite3.connect(damaged)
    source.backup(target)
    source.close()
    target.close()
    clock = ManualClock(datetime.now(UTC))
    make_backup(damaged, damaged.parent / "backups", keep=3, now=clock.now())
    db = open_database(damaged, clock=clock)
    ward = Ward(db, clock=clock)
    adult = next(s.patient_id for s in ward.board() if s.admission.baseline_ice is not None)
    clock.advance(timedelta(minutes=5))
    ward.chart_vitals(adult, normal_adult_vitals(), observed_at=clock.now(), author=NURSE)
    db.close()
    conn = sqlite3.connect(damaged, isolation_level=None)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'vitals_no_update'").fetchone()[
        0
    ]
    conn.execute("DROP TRIGGER vitals_no_update")
    conn.execute("UPDATE vitals SET hr = 61 WHERE record_id = (SELECT min(record_id) FROM vitals)")
    conn.execute(sql)
    conn.close()
    from bedside.verify import verify_path

    problem = f"the database {damaged} is damaged ({verify_path(damaged).summary()})."
    dialog = RecoveryDialog(recovery_offer(damaged, problem))
    dialog.resize(900, 480)
    dialog.show()
    settle()  # type: ignore[operator]
    dialog.grab().save(str(out / "recovery-dialog.png"))
    print(out / "recovery-dialog.png")
    dialog.close()


def handover(window: object, patient_id: str, work: Path, out: Path) -> None:
    """The patient's handover page, saved as the app saves it, then its first page as a PNG."""
    window.ask_handover_path = lambda name: str(work / name)  # type: ignore[attr-defined]
    pdf = window.print_handover(patient_id)  # type: ignore[attr-defined]
    pdftoppm = shutil.which("pdftoppm")
    if pdf is None or pdftoppm is None:
        sys.stderr.write("screenshots: no handover page (pdftoppm from poppler-utils is missing)\n")
        return
    base = out / "handover"
    subprocess.run(
        [pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, str(base)]
    )
    print(base.with_suffix(".png"))


if __name__ == "__main__":
    raise SystemExit(main())
