"""The patient view's header (identity, grades with the reasons behind them, attributions in force) and
how a save updates the header, the board and the banner at once."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

from PySide6.QtCore import Qt

from bedside.clinical.vocabulary import (
    Acvpu,
    CerebralEdema,
    Consciousness,
    MotorFinding,
    O2Device,
    O2Indication,
    Seizure,
)
from bedside.records import Attribution, Diagnosis, Finding, TempUnit
from tests.support.ward_fixtures import ADULT_BORN, NURSE, PHYSICIAN, normal_adult_vitals
from tests.ui.charting import admit, fill, save, show
from ui.board import Column
from ui.text import local_time


def _plain(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


def test_the_header_before_any_observation_says_every_grade_is_unknown(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "C-4", date(2022, 6, 1), weight_kg=16.0, bed="B3", baseline_capd=3,
          diagnosis=Diagnosis.NEUROBLASTOMA, name="Noor Ayad")  # fmt: skip
    text = _plain(ward_app.app.window.patient.header.text())
    assert "Noor Ayad" in text and "C-4" in text and "B3" in text
    assert "female · 4 y · 16.0 kg · neuroblastoma · Day +1 after infusion" in text
    assert "Tool CAPD · baseline 3" in text
    assert "No observations charted yet: every grade is unknown." in text
    assert "Attributions in force: none" in text


def test_grades_with_their_reasons_and_attributions_in_force(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0, baseline_ice=10)
    window = ward_app.app.window
    vitals = window.patient.vitals
    fill(qtbot, vitals, temperature="39.3", hr="118", sbp="112", dbp="64", rr="24", spo2="95")
    vitals.inputs["o2_device"].set_value("room_air")
    vitals.inputs["o2_indication"].set_value("none")
    vitals.inputs["acvpu"].set_value("A")
    save(qtbot, ward_app, vitals)
    text = _plain(window.patient.header.text())
    assert "Tool ICE · baseline 10" in text
    text = " ".join(text.split())
    # each grade with the reasons behind it, in words; what is unknown says so (never 0)
    assert "CRS 1 (episode max 1) — temperature 39.3 °C: fever;" in text
    assert "ICANS not determinable (episode max not determinable) — ICE not available" in text
    assert "level of consciousness not recorded" in text
    assert "NEWS2 7 — RR 24; SpO2 95; air; SBP 112; pulse 118; ACVPU A; temperature 39.3 °C" in text
    # the board and the banner changed with the same save
    assert window.board.proxy.rowCount() == 1
    row = 0
    assert window.board.proxy.index(row, Column.CRS).data() == "1 (max 1)"
    assert window.banner.alert is not None and window.banner.alert.patient_id == pid
    # a physician's attribution, with and without an end
    ward = ward_app.app.controller.ward
    now = ward_app.clock.now()
    ward.attribute(pid, Attribution(finding=Finding.FEVER, cause="central line infection",
                                    until=now + timedelta(hours=12)),
                   observed_at=now, author=PHYSICIAN)  # fmt: skip
    window.refresh_board()
    text = _plain(window.patient.header.text())
    assert "Attributions in force: fever → central line infection (until" in text
    assert "dr.lee" in text
    # once it runs out (and past the site's longest cover) it is no longer shown
    ward_app.clock.advance(timedelta(hours=ward.policy.attribution_max_hours + 13))
    ward.chart_vitals(pid, normal_adult_vitals(), observed_at=ward_app.clock.now(), author=NURSE)
    window.refresh_board()
    assert "Attributions in force: none" in _plain(window.patient.header.text())


def test_the_preview_never_hides_an_undeterminable_grade(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    vitals = ward_app.app.window.patient.vitals
    with qtbot.waitSignal(vitals.changed, timeout=5000):
        fill(qtbot, vitals, hr="80")
    preview = vitals.preview.text()
    assert "ICANS not determinable" in preview
    assert "NEWS2 incomplete (partial" in preview  # a partial set is not a normal score
    assert " 0 " not in preview.replace("CRS ≥ 0", "")


def test_header_reasons_from_the_forms_and_attributions_until_when(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0, baseline_ice=10)
    window = ward_app.app.window
    patient = window.patient
    vitals = patient.vitals
    fill(qtbot, vitals, temperature="38.8", hr="100", sbp="120", dbp="70", rr="18", spo2="97")
    vitals.inputs["temperature_unit"].set_value(TempUnit.C)
    vitals.inputs["o2_device"].set_value(O2Device.ROOM_AIR)
    vitals.inputs["o2_indication"].set_value(O2Indication.NONE)
    vitals.inputs["acvpu"].set_value(Acvpu.ALERT)
    save(qtbot, ward_app, vitals)
    neuro = patient.neuro
    fill(qtbot, neuro, ice_orientation="2", ice_naming="2", ice_commands="1", ice_writing="0",
         ice_attention="1")  # fmt: skip
    for name, value in (("consciousness", Consciousness.AWAKENS_SPONTANEOUSLY),
                        ("seizure", Seizure.NONE), ("motor", MotorFinding.NONE),
                        ("cerebral_edema", CerebralEdema.NONE)):  # fmt: skip
        neuro.inputs[name].set_value(value)
    save(qtbot, ward_app, neuro)
    text = " ".join(_plain(patient.header.text()).split())
    graded = local_time(ward_app.clock.now(), window.zone)
    assert f"Graded at {graded}" in text
    assert "CRS 1 (episode max 1) — temperature 38.8 °C: fever; SBP 120 ≥ 90 (threshold for age); " \
        "room air; fever without hypotension or hypoxia" in text  # fmt: skip
    assert "ICANS 2 (episode max 2) — ICE 6/10; awakens spontaneously; seizure: none;" in text
    assert "NEWS2 2 — RR 18;" in text
    assert text.endswith("Attributions in force: none")
    # a physician attributes the fever from the form, with an end: the header says until when
    ward_app.app.user.sign_in(PHYSICIAN)
    form = patient.attribution
    patient.focus_form("attribution")
    form.inputs["finding"].set_value(Finding.FEVER)
    fill(qtbot, form, cause="central line infection")
    until = form.inputs["until"]
    qtbot.mouseClick(until.enabled_box, Qt.MouseButton.LeftButton,
                     pos=until.enabled_box.rect().center())  # fmt: skip
    end = ward_app.clock.now() + timedelta(hours=8)
    until.set_value(end)
    shown_end = local_time(end, window.zone)
    save(qtbot, ward_app, form, key=form.inputs["cause"])
    text = " ".join(_plain(patient.header.text()).split())
    assert "CRS 0 (episode max 0) — temperature 38.8 °C: fever;" in text
    assert "fever attributed to another cause by a physician" in text
    assert text.endswith(
        f"Attributions in force: fever → central line infection (until {shown_end}, dr.lee)"
    )
    # one without an end covers what was charted up to when it was recorded (D19)
    ward_app.clock.advance(timedelta(minutes=10))
    form.inputs["finding"].set_value(Finding.HYPOTENSION)
    fill(qtbot, form, cause="sepsis workup")
    saved = save(qtbot, ward_app, form, key=form.inputs["cause"]).record
    text = " ".join(_plain(patient.header.text()).split())
    assert text.endswith(
        f"Attributions in force: fever → central line infection (until {shown_end}, "
        f"dr.lee); hypotension → sepsis workup (covers what was charted up to "
        f"{local_time(saved.observed_at, window.zone)}, dr.lee)"
    )
    assert "ICANS 2 (episode max 2)" in text  # an attribution of a CRS finding leaves ICANS
