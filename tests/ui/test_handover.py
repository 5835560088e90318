"""The handover PDF, read back with poppler's pdftotext and pdfinfo: one page per patient with what the ward
service reports, "not assessable" and stale values in words, the footer, the paper size, and the command's
refusals as one sentence."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from bedside.clinical.calendar import day_post_infusion
from bedside.clinical.policy import RULE_VERSION
from bedside.clock import ManualClock
from bedside.demo import build_demo
from bedside.records import NeuroCheck, VitalSigns
from bedside.ward import PatientSummary, Ward
from bedside.workspace import open_for_reading
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    PHYSICIAN,
    admission,
    make_ward,
    normal_adult_vitals,
    recorded,
)
from ui import main as entry
from ui.handover import PageSize, handover_patients, write_handover_pdf
from ui.text import grade_text

ROOT = Path(__file__).resolve().parents[2]
# Skipped only on a machine set up by hand without poppler-utils; CI (.ci/setup installs it) never skips.
pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"),
    reason="poppler-utils (installed by .ci/setup) is missing",
)


def pdf_pages(path: Path) -> list[str]:
    """The text of each page, with runs of white space (and no-break spaces) as one space."""
    pages = int(re.search(r"Pages:\s+(\d+)", pdfinfo(path)).group(1))  # type: ignore[union-attr]
    out = []
    for page in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        out.append(" ".join(text.replace("\xa0", " ").split()))
    return out


def pdfinfo(path: Path) -> str:
    return subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo-ward.db"
    build_demo(str(path), now=datetime.now(UTC))
    return path


@pytest.fixture(scope="module")
def ward_pdf(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole demo ward's handover, made by the command as a service timer would run it."""
    out = tmp_path_factory.mktemp("out") / "handover.pdf"
    QApplication.instance() or QApplication([])
    assert entry.main(["handover", "--db", str(demo_db), "--out", str(out)]) == 0
    return out


def service_rows(demo_db: Path) -> list[PatientSummary]:
    ward, _ = open_for_reading(demo_db, clock=ManualClock(datetime.now(UTC)))
    try:
        return ward.board()
    finally:
        ward.close()


def _grade_words(row: PatientSummary, syndrome: str) -> str:
    assert row.latest is not None
    a = row.latest.record
    grade = a.crs_grade if syndrome == "crs" else a.icans_grade
    lower = a.crs_grade_is_lower_bound if syndrome == "crs" else a.icans_grade_is_lower_bound
    peak = a.crs_episode_max if syndrome == "crs" else a.icans_episode_max
    return f"{syndrome.upper()} {grade_text(grade, lower)} (episode max {grade_text(peak)})"


def test_one_page_per_patient_with_identity_and_the_grades_the_service_reports(
    ward_pdf: Path, demo_db: Path
) -> None:
    rows = service_rows(demo_db)
    pages = pdf_pages(ward_pdf)
    assert len(rows) == 5 and len(pages) == len(rows)
    now = datetime.now(UTC)
    for row in rows:
        mine = [p for p in pages if row.patient_id in p]
        assert len(mine) == 1, row.patient_id  # each patient on exactly one page
        page = mine[0]
        a = row.admission
        assert a.name in page
        assert f"{a.weight_kg:.1f} kg" in page
        assert f"Day {day_post_infusion(a.infusion_at, now):+d} after infusion" in page
        assert "Tool ICE" in page or "Tool CAPD" in page
        assert _grade_words(row, "crs") in page
        assert _grade_words(row, "icans") in page
        # ISBAR, in that order
        heads = [page.index(h) for h in ("I — ", "S — ", "B — ", "A — ", "R — ")]
        assert heads == sorted(heads)
        assert "NEWS2" in page or "PEWS" in page
        for alert in row.alerts:
            assert alert.detail.split(";")[0] in page


def test_the_most_urgent_patient_comes_first(ward_pdf: Path, demo_db: Path) -> None:
    pages = pdf_pages(ward_pdf)
    ward, _ = open_for_reading(demo_db, clock=ManualClock(datetime.now(UTC)))
    try:
        order = [s.patient_id for s in handover_patients(ward)]
    finally:
        ward.close()
    assert [next(pid for pid in order if pid in page) for page in pages] == order


def test_acknowledged_alerts_say_who_and_when(ward_pdf: Path, demo_db: Path) -> None:
    text = " ".join(pdf_pages(ward_pdf))
    acknowledged = [
        alert for row in service_rows(demo_db) for alert in row.alerts if alert.acknowledged_by
    ]
    assert acknowledged  # the demo's older alerts were acknowledged a few minutes after
    for alert in acknowledged:
        assert f"acknowledged by {alert.acknowledged_by} at" in text


def test_the_footer_names_the_printing_time_the_database_and_the_rule_version(
    ward_pdf: Path, demo_db: Path
) -> None:
    pages = pdf_pages(ward_pdf)
    for number, page in enumerate(pages, 1):
        assert "Printed " in page
        assert f"database {demo_db.resolve()}" in page
        assert " ".join(f"rules {RULE_VERSION}".split()) in page
        assert f"page {number} of {len(pages)}" in page


def test_a4_and_letter(demo_db: Path, tmp_path: Path, qapp: QApplication) -> None:
    sizes = {}
    for paper in ("a4", "letter"):
        out = tmp_path / f"{paper}.pdf"
        assert (
            entry.main(["handover", "--db", str(demo_db), "--out", str(out), "--page-size", paper])
            == 0
        )
        sizes[paper] = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", pdfinfo(out)).groups()  # type: ignore[union-attr]
    assert tuple(round(float(v)) for v in sizes["a4"]) == (595, 842)
    assert tuple(round(float(v)) for v in sizes["letter"]) == (612, 792)
    assert PageSize.parse("Letter") is PageSize.LETTER


def test_one_patient_gives_one_page(demo_db: Path, tmp_path: Path, qapp: QApplication) -> None:
    row = service_rows(demo_db)[0]
    out = tmp_path / "one.pdf"
    args = ["handover", "--db", str(demo_db), "--patient", row.patient_id, "--out", str(out)]
    assert entry.main(args) == 0
    pages = pdf_pages(out)
    assert len(pages) == 1 and row.admission.name in pages[0] and "page 1 of 1" in pages[0]


# --- not assessable, stale, not determinable --------------------------------------------------------------


def test_not_assessable_and_stale_values_are_printed_as_such(
    tmp_path: Path, qapp: QApplication
) -> None:
    fx = make_ward(tmp_path)
    ward: Ward = fx.ward
    now = fx.clock.now()
    recorded(ward.admit(admission("A1", ADULT_BORN, name="Ada Adult"), author=PHYSICIAN))
    full = normal_adult_vitals(temperature=38.6)
    recorded(ward.chart_vitals("A1", full, observed_at=now - timedelta(hours=9), author=NURSE))
    # Only the heart rate since: the temperature and the rest are older than the 6 h window.
    recorded(
        ward.chart_vitals(
            "A1", VitalSigns(hr=96), observed_at=now - timedelta(minutes=20), author=NURSE
        )
    )
    check = NeuroCheck(
        tool="ICE",  # type: ignore[arg-type]
        ice_not_assessable="intubated_sedated",  # type: ignore[arg-type]
        consciousness="awakens_spontaneously",  # type: ignore[arg-type]
        seizure="none",  # type: ignore[arg-type]
        motor="none",  # type: ignore[arg-type]
        cerebral_edema="none",  # type: ignore[arg-type]
    )
    recorded(ward.chart_neuro("A1", check, observed_at=now - timedelta(minutes=10), author=NURSE))
    summary = ward.summary("A1")
    assert summary is not None and summary.latest is not None
    stale = summary.latest.record.stale
    assert "temperature" in stale
    out = tmp_path / "a1.pdf"
    from bedside.chart import Chart

    chart = Chart(fx.db, policy=ward.policy)
    write_handover_pdf(out, ward, chart, handover_patients(ward, "A1"), now=now, database="ward.db")
    (page,) = pdf_pages(out)
    assert "ICE not assessable (intubated_sedated)" in page  # the neuro check, in words
    assert "ICE not available (intubated_sedated)" in page  # the engine's reason for ICANS
    assert re.search(r"Temperature 38\.6 °C at [^·]+ — stale \(treated as missing\)", page)
    assert "stale (treated as missing): " + ", ".join(stale) in page
    assert "HR 96 /min" in page
    assert _grade_words(summary, "icans") in page
    fx.close()


def test_a_patient_without_observations_says_every_grade_is_unknown(
    tmp_path: Path, qapp: QApplication
) -> None:
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A2", ADULT_BORN), author=PHYSICIAN))
    from bedside.chart import Chart

    out = tmp_path / "a2.pdf"
    write_handover_pdf(
        out,
        fx.ward,
        Chart(fx.db, policy=fx.ward.policy),
        handover_patients(fx.ward),
        now=fx.clock.now(),
        database="ward.db",
    )
    (page,) = pdf_pages(out)
    assert "No observations charted yet: every grade is unknown." in page
    assert "none in the last 24 h" in page  # each value: absent, never blank
    assert "Neuro checks: none in the last 24 h" in page
    fx.close()


# --- the command's refusals ---------------------------------------------------------------------------------


def _refused(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    assert entry.main(["handover", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("bedside handover: ")
    assert "Traceback" not in err
    return err


def test_refusals_are_one_sentence_and_write_nothing(
    demo_db: Path, tmp_path: Path, qapp: QApplication, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "h.pdf"
    err = _refused(capsys, ["--db", str(tmp_path / "missing.db"), "--out", str(out)])
    assert "does not exist" in err and "missing.db" in err
    err = _refused(capsys, ["--db", str(demo_db), "--patient", "NOPE-1", "--out", str(out)])
    assert "'NOPE-1'" in err and "--patient" in err
    assert not out.exists()
    err = _refused(capsys, ["--db", str(demo_db), "--out", str(tmp_path / "no" / "h.pdf")])
    assert "cannot write the handover to" in err and "folder that exists" in err
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database\n" * 50)
    err = _refused(capsys, ["--db", str(demo_db), "--out", str(junk / "h.pdf")])
    assert "cannot write the handover to" in err
    err = _refused(capsys, ["--db", str(junk), "--out", str(out)])
    assert "is not a database" in err
    err = _refused(capsys, ["--db", str(demo_db), "--out", str(tmp_path)])
    assert "is a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no half-written file


def test_a_refused_handover_leaves_the_previous_pdf_as_it_was(
    demo_db: Path, tmp_path: Path, qapp: QApplication, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "h.pdf"
    out.write_bytes(b"%PDF-1.4 yesterday's handover")
    _refused(capsys, ["--db", str(demo_db), "--patient", "NOPE-1", "--out", str(out)])
    assert out.read_bytes() == b"%PDF-1.4 yesterday's handover"


def test_the_command_runs_as_its_own_process_without_a_display(
    demo_db: Path, tmp_path: Path
) -> None:
    env = {
        k: v for k, v in __import__("os").environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")
    }
    run = [sys.executable, "-c", "from ui.main import main; raise SystemExit(main())", "handover"]
    out = tmp_path / "h.pdf"
    done = subprocess.run(
        [*run, "--db", str(demo_db), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "written to" in done.stdout and len(pdf_pages(out)) == 5
    bad = subprocess.run(
        [*run, "--db", str(tmp_path / "nope.db"), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "does not exist" in bad.stderr


def test_bedside_help_lists_handover(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        entry.main(["--help"])
    assert "handover" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        entry.main(["handover", "--help"])
    text = capsys.readouterr().out
    assert "--patient" in text and "--page-size" in text


# --- from the app ------------------------------------------------------------------------------------------


def test_print_handover_from_the_patient_view_and_from_the_board(  # type: ignore[no-untyped-def]
    ward_app, qtbot, tmp_path: Path
) -> None:
    app = ward_app.app
    window = app.window
    ward = app.controller.ward
    for pid, name in (("A1", "Ada One"), ("A2", "Ben Two")):
        recorded(ward.admit(admission(pid, ADULT_BORN, name=name), author=PHYSICIAN))
    recorded(
        ward.chart_vitals(
            "A1",
            normal_adult_vitals(temperature=38.4),
            observed_at=ward_app.clock.now(),
            author=NURSE,
        )
    )
    window.refresh_board()
    asked: list[str] = []

    def choose(name: str) -> str:
        asked.append(name)
        return str(tmp_path / name)

    window.ask_handover_path = choose  # type: ignore[method-assign]
    window.open_patient("A1")
    window.patient.print_handover.click()
    assert asked[-1].startswith("handover-A1-") and asked[-1].endswith(".pdf")
    (page,) = pdf_pages(tmp_path / asked[-1])
    summary = ward.summary("A1")
    assert summary is not None
    assert "Ada One" in page and _grade_words(summary, "crs") in page
    assert f"database {ward_app.path}" in page
    window.show_board()
    window.board.print_handover.click()
    assert asked[-1].startswith("handover-ward-")
    pages = pdf_pages(tmp_path / asked[-1])
    assert len(pages) == 2 and "Ada One" in pages[0] and "Ben Two" in pages[1]  # CRS 1 first
    assert "Handover saved: 2 page(s)" in window.statusBar().currentMessage()
    window.ask_handover_path = lambda name: ""  # type: ignore[method-assign]
    assert window.print_handover("A1") is None  # cancelled: nothing written, nothing said


def test_a_handover_the_app_cannot_write_is_one_message(  # type: ignore[no-untyped-def]
    ward_app, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = ward_app.app.window
    said: list[str] = []
    monkeypatch.setattr(
        "ui.window.QMessageBox.warning", lambda parent, title, text: said.append(text)
    )
    window.ask_handover_path = lambda name: str(tmp_path / "missing" / name)  # type: ignore[method-assign]
    assert window.print_handover(None) is None
    assert len(said) == 1 and "cannot write the handover to" in said[0]


def _dark_pixels(pdf: Path, tmp_path: Path) -> int:
    """Dark pixels in the top third of page 1 (the identity and the grades: text only)."""
    from PySide6.QtGui import QImage

    base = tmp_path / pdf.stem
    subprocess.run(
        ["pdftoppm", "-gray", "-r", "40", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(base)],
        check=True,
    )
    image = QImage(str(base) + ".pgm")
    assert not image.isNull()
    return sum(
        1
        for y in range(image.height() // 3)
        for x in range(image.width())
        if image.pixelColor(x, y).value() < 96
    )


def test_the_night_theme_never_prints_light_text_on_white_paper(
    demo_db: Path, tmp_path: Path, qapp: QApplication
) -> None:
    from ui.theme import night_palette

    day = tmp_path / "day.pdf"
    night = tmp_path / "night.pdf"
    args = ["handover", "--db", str(demo_db), "--patient", service_rows(demo_db)[0].patient_id]
    assert entry.main([*args, "--out", str(day)]) == 0
    saved = qapp.palette()
    qapp.setPalette(night_palette())
    try:
        assert entry.main([*args, "--out", str(night)]) == 0
    finally:
        qapp.setPalette(saved)
    ink_by_day = _dark_pixels(day, tmp_path)
    assert ink_by_day > 150
    assert _dark_pixels(night, tmp_path) > 0.9 * ink_by_day


def test_a_long_page_shrinks_to_fit_its_own_page(
    demo_db: Path, tmp_path: Path, qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.handover as handover

    real = handover.page_text

    def long_page(ward, chart, summary, now):  # type: ignore[no-untyped-def]
        text = real(ward, chart, summary, now)
        filler = "".join(f"<p>alert line {i} of a very busy night</p>" for i in range(150))
        return handover.PageText(text.above + filler, text.below + "<p>LAST LINE</p>", None)

    monkeypatch.setattr(handover, "page_text", long_page)
    out = tmp_path / "long.pdf"
    args = ["handover", "--db", str(demo_db), "--out", str(out)]
    assert entry.main([*args, "--patient", service_rows(demo_db)[0].patient_id]) == 0
    (page,) = pdf_pages(out)  # still one page for the patient
    assert "alert line 149 of a very busy night" in page and "LAST LINE" in page
    assert "page 1 of 1" in page


def test_a_bug_while_drawing_is_one_sentence_and_leaves_no_file(
    demo_db: Path,
    tmp_path: Path,
    qapp: QApplication,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ui.handover as handover

    def broken(*_: object) -> None:
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(handover, "page_text", broken)
    out = tmp_path / "h.pdf"
    err = _refused(capsys, ["--db", str(demo_db), "--out", str(out)])
    assert "this is a bug" in err and "RuntimeError: drawing failed" in err
    assert list(tmp_path.iterdir()) == []
