"""The charting forms on the real patient view, driven from the keyboard and the mouse: every field of
the vitals, the neuro check (ICE item by item, CAPD for a 4-year-old), drugs and infusions, attribution
and correction. Saves are checked in the ward (through the service) and in the signals."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bedside.clinical.vocabulary import (
    Acvpu,
    CapdNotAssessable,
    CerebralEdema,
    Consciousness,
    Drug,
    EncephalopathyTool,
    IceNotAssessable,
    MotorFinding,
    O2Device,
    O2Indication,
    RespEffort,
    Seizure,
)
from bedside.records import (
    Attribution,
    DoseUnit,
    Finding,
    Indication,
    Intervention,
    NeuroCheck,
    Route,
    TempUnit,
    VitalSigns,
)
from tests.support.ward_fixtures import ADULT_BORN, CHILD_BORN, NURSE, PHYSICIAN
from tests.ui.charting import (
    admit,
    charted,
    count,
    fill,
    refused,
    save,
    show,
    shown_errors,
    type_into,
)
from ui.board import Column
from ui.forms import CAPD_LABELS, PREVIEW_DELAY_MS
from ui.history import Column as HColumn
from ui.history import HistoryView

FOUR_YEARS_OLD = date(2022, 6, 1)  # 4 y at START


def _choose(qtbot, box, value) -> None:  # type: ignore[no-untyped-def]
    """Pick a combo box item from the keyboard: Down until the wanted value is current."""
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Home)
    for _ in range(box.count()):
        if box.currentData() == value:
            return
        qtbot.keyClick(box, Qt.Key.Key_Down)
    assert box.currentData() == value, value


# --- vitals ------------------------------------------------------------------------------------------


def test_vitals_in_fahrenheit_with_oxygen_and_acvpu_from_the_keyboard(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    form = ward_app.app.window.patient.vitals
    before = charted(ward_app, pid)
    fill(qtbot, form, temperature="101.5", hr="104", sbp="118", dbp="66", rr="22", spo2="93")
    _choose(qtbot, form.inputs["temperature_unit"], TempUnit.F)
    assert form.inputs["temperature_unit"].currentText() == "°F"
    _choose(qtbot, form.inputs["o2_device"], O2Device.NASAL_CANNULA)
    fill(qtbot, form, o2_flow_l_min="2")
    _choose(qtbot, form.inputs["o2_indication"], O2Indication.CRS_HYPOXIA)
    _choose(qtbot, form.inputs["acvpu"], Acvpu.ALERT)
    result = save(qtbot, ward_app, form, key=form.inputs["acvpu"])
    stored = result.record.record
    assert isinstance(stored, VitalSigns)
    assert (stored.temperature, stored.temperature_unit) == (101.5, TempUnit.F)
    assert stored.temp_c() is not None and 38.5 < stored.temp_c() < 38.7  # type: ignore[operator]
    assert (stored.o2_device, stored.o2_flow_l_min) == (O2Device.NASAL_CANNULA, 2.0)
    assert stored.o2_indication is O2Indication.CRS_HYPOXIA and stored.acvpu is Acvpu.ALERT
    assert (stored.hr, stored.sbp, stored.dbp, stored.rr, stored.spo2) == (104, 118, 66, 22, 93)
    assert charted(ward_app, pid) == before + 1
    assert form.status.text() == "Saved."
    assert form.inputs["temperature"].text() == ""  # cleared for the next set


def test_a_childs_capillary_refill_and_effort(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "C-1", CHILD_BORN, weight_kg=21.0)
    form = ward_app.app.window.patient.vitals
    fill(qtbot, form, hr="110", rr="30", crt_s="3")
    _choose(qtbot, form.inputs["resp_effort"], RespEffort.MODERATE)
    stored = save(qtbot, ward_app, form).record.record
    assert isinstance(stored, VitalSigns)
    assert (stored.crt_s, stored.resp_effort) == (3.0, RespEffort.MODERATE)
    assert stored.temperature is None and stored.sbp is None  # empty is not measured, never 0
    assert "PEWS" in ward_app.app.window.patient.header.text()


def test_field_errors_beside_the_field_in_words_and_nothing_saved(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    form = ward_app.app.window.patient.vitals
    before = count(ward_app, pid)
    # not a number: caught by the form, before the ward
    fill(qtbot, form, hr="fast")
    with qtbot.assertNotEmitted(ward_app.app.controller.saving):
        qtbot.keyClick(form.inputs["hr"], Qt.Key.Key_Return)
    errors = shown_errors(form)
    assert list(errors) == ["hr"] and "“fast” is not a number" in errors["hr"]
    assert QApplication.focusWidget() in (form.inputs["hr"], None)
    # out of range and across fields: the ward's words, each beside its own field
    fill(qtbot, form, hr="400")
    refused(qtbot, ward_app, form)
    errors = shown_errors(form)
    assert list(errors) == ["hr"] and "allowed: 20–300 /min" in errors["hr"]
    assert count(ward_app, pid) == before
    fill(qtbot, form, hr="90", sbp="90", dbp="95", o2_flow_l_min="4")
    invalid = refused(qtbot, ward_app, form)
    errors = shown_errors(form)
    assert {e.field for e in invalid.errors} == set(errors)
    assert "dbp" in errors and "lower than sbp" in errors["dbp"]
    assert "o2_flow_l_min" in errors and "oxygen device" in errors["o2_flow_l_min"]
    for name, label in form.errors.items():  # each error label sits right under its field
        if name in errors and name in form.inputs:
            field = form.grid.getItemPosition(form.grid.indexOf(form.inputs[name]))
            under = form.grid.getItemPosition(form.grid.indexOf(label))
            assert (under[0], under[1]) == (field[0] + 1, field[1])
    assert form.status.text().startswith("Not saved")
    assert count(ward_app, pid) == before
    # an empty set: said above Save, nothing saved
    form.clear()
    with qtbot.assertNotEmitted(ward_app.app.controller.recorded):
        refused(qtbot, ward_app, form)
    assert "empty vitals set" in form.general.text()
    assert count(ward_app, pid) == before


def test_time_is_now_when_saved_and_editable_for_a_late_entry(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    clock = ward_app.clock
    form = ward_app.app.window.patient.vitals
    assert form.observed.state.text() == "(now)"
    clock.advance(timedelta(minutes=7))  # the form stayed open a while
    fill(qtbot, form, hr="80")
    assert save(qtbot, ward_app, form).record.observed_at == clock.now()
    # a late entry: the time is changed from the keyboard, and saved as typed
    clock.advance(timedelta(minutes=30))
    ward_app.app.window.patient.refresh()  # what the minute's tick does
    fill(qtbot, form, hr="82")
    edit = form.observed.edit
    edit.setFocus()
    edit.setCurrentSection(edit.sectionAt(edit.sectionCount() - 1))
    while edit.currentSection() != edit.Section.MinuteSection:
        qtbot.keyClick(edit, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    for _ in range(20):
        qtbot.keyClick(edit, Qt.Key.Key_Down)
    assert form.observed.state.text() == "(late entry)"
    stored = save(qtbot, ward_app, form, key=form.inputs["hr"]).record
    assert stored.observed_at == clock.now().replace(second=0) - timedelta(minutes=20)
    assert form.observed.state.text() == "(now)"  # back to now for the next set


def test_the_live_preview_follows_typing_from_the_engine(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    form = ward_app.app.window.patient.vitals
    fill(qtbot, form, hr="88", sbp="122", dbp="70", rr="16", spo2="97")
    form.inputs["o2_device"].set_value(O2Device.ROOM_AIR)
    form.inputs["acvpu"].set_value(Acvpu.ALERT)
    with qtbot.waitSignal(form.changed, timeout=5000):
        type_into(qtbot, form.inputs["temperature"], "39.2")
    assert "CRS 1" in form.preview.text() and "NEWS2 2" in form.preview.text()
    with qtbot.waitSignal(form.changed, timeout=5000):
        type_into(qtbot, form.inputs["temperature"], "37.0")
    assert "CRS 0" in form.preview.text()
    with qtbot.waitSignal(form.changed, timeout=5000):
        type_into(qtbot, form.inputs["hr"], "x")
    assert "waiting for valid values (hr)" in form.preview.text()
    assert count(ward_app, pid) == 1  # a preview saves nothing: the admission only


# --- neuro check -------------------------------------------------------------------------------------


def test_ice_item_by_item_with_consciousness_motor_and_icp_signs(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    window = ward_app.app.window
    window.activateWindow()
    window.act_neuro.trigger()
    form = window.patient.neuro
    assert form.tool is EncephalopathyTool.ICE
    assert all(w.isVisibleTo(form) for w in form.ice_widgets)
    assert not any(w.isVisibleTo(form) for w in form.capd_widgets)
    fill(qtbot, form, ice_orientation="3", ice_naming="3", ice_commands="1", ice_writing="0",
         ice_attention="1")  # fmt: skip
    _choose(qtbot, form.inputs["consciousness"], Consciousness.AWAKENS_TO_VOICE)
    _choose(qtbot, form.inputs["seizure"], Seizure.NONE)
    _choose(qtbot, form.inputs["motor"], MotorFinding.NONE)
    _choose(qtbot, form.inputs["cerebral_edema"], CerebralEdema.NONE)
    stored = save(qtbot, ward_app, form).record.record
    assert isinstance(stored, NeuroCheck) and stored.tool is EncephalopathyTool.ICE
    assert (stored.ice_orientation, stored.ice_naming, stored.ice_commands) == (3, 3, 1)
    assert (stored.ice_writing, stored.ice_attention) == (0, 1)
    assert stored.ice_score == 8
    assert stored.consciousness is Consciousness.AWAKENS_TO_VOICE
    assert "ICE 8" in window.patient.records.item(0).text()
    # raised ICP and motor findings
    fill(qtbot, form, ice_orientation="4", ice_naming="3", ice_commands="1", ice_writing="1",
         ice_attention="1")  # fmt: skip
    _choose(qtbot, form.inputs["consciousness"], Consciousness.AWAKENS_SPONTANEOUSLY)
    _choose(qtbot, form.inputs["seizure"], Seizure.NONE)
    _choose(qtbot, form.inputs["motor"], MotorFinding.DEEP_FOCAL_WEAKNESS)
    _choose(qtbot, form.inputs["cerebral_edema"], CerebralEdema.PAPILLEDEMA)
    stored = save(qtbot, ward_app, form).record.record
    assert stored.motor is MotorFinding.DEEP_FOCAL_WEAKNESS  # type: ignore[union-attr]
    assert stored.cerebral_edema is CerebralEdema.PAPILLEDEMA  # type: ignore[union-attr]
    assert "ICANS 4" in window.patient.header.text()


def test_capd_by_its_eight_items_for_a_four_year_old(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "C-4", FOUR_YEARS_OLD, weight_kg=16.0)
    window = ward_app.app.window
    window.patient.focus_form("neuro")
    form = window.patient.neuro
    assert form.tool is EncephalopathyTool.CAPD
    assert "CAPD" in form.heading.text()
    assert not any(w.isVisibleTo(form) for w in form.ice_widgets)
    shown = [w for w in form.capd_widgets if w.isVisibleTo(form)]
    assert [w.name for w in shown[:8]] == [name for name, _ in CAPD_LABELS]
    captions = [form.grid.itemAtPosition(*form.grid.getItemPosition(form.grid.indexOf(w))[:1],
                                         form.grid.getItemPosition(form.grid.indexOf(w))[1] - 1)
                .widget().text() for w in shown[:8]]  # fmt: skip
    assert captions == [label for _, label in CAPD_LABELS]
    for widget, points in zip(shown[:8], "01201000", strict=True):
        type_into(qtbot, widget, points)
    _choose(qtbot, form.inputs["consciousness"], Consciousness.AWAKENS_SPONTANEOUSLY)
    _choose(qtbot, form.inputs["seizure"], Seizure.NONE)
    _choose(qtbot, form.inputs["motor"], MotorFinding.NONE)
    _choose(qtbot, form.inputs["cerebral_edema"], CerebralEdema.NONE)
    stored = save(qtbot, ward_app, form).record.record
    assert isinstance(stored, NeuroCheck) and stored.tool is EncephalopathyTool.CAPD
    assert stored.capd_score == 4
    assert (stored.capd_purposeful, stored.capd_aware, stored.capd_restless) == (1, 2, 1)
    assert stored.ice_orientation is None  # the hidden ICE items are never saved
    assert "CAPD 4" in window.patient.records.item(0).text()


def test_not_done_with_a_reason_and_a_seizure_with_its_duration(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    form = ward_app.app.window.patient.neuro
    before = count(ward_app, pid)
    # neither the items nor a reason: refused, said beside the reason
    _choose(qtbot, form.inputs["consciousness"], Consciousness.UNAROUSABLE)
    refused(qtbot, ward_app, form, key=form.inputs["consciousness"])
    assert count(ward_app, pid) == before
    assert shown_errors(form) or form.general.text()
    # a prolonged seizure of 3 minutes is not prolonged: refused at the duration
    _choose(qtbot, form.inputs["ice_not_assessable"], IceNotAssessable.POSTICTAL_NOT_DONE)
    _choose(qtbot, form.inputs["seizure"], Seizure.PROLONGED_GT_5MIN)
    fill(qtbot, form, seizure_duration_min="3")
    _choose(qtbot, form.inputs["motor"], MotorFinding.NONE)
    _choose(qtbot, form.inputs["cerebral_edema"], CerebralEdema.NONE)
    refused(qtbot, ward_app, form, key=form.inputs["motor"])
    assert "not a prolonged" in shown_errors(form)["seizure_duration_min"]
    assert count(ward_app, pid) == before
    fill(qtbot, form, seizure_duration_min="7")
    stored = save(qtbot, ward_app, form, key=form.inputs["motor"]).record.record
    assert isinstance(stored, NeuroCheck)
    assert stored.ice_not_assessable is IceNotAssessable.POSTICTAL_NOT_DONE
    assert (stored.seizure, stored.seizure_duration_min) == (Seizure.PROLONGED_GT_5MIN, 7.0)
    assert stored.ice_score is None
    assert "ICANS 4" in ward_app.app.window.patient.header.text()  # SPEC 5.1: prolonged seizure


def test_capd_not_done_because_of_sedation(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "C-4", FOUR_YEARS_OLD, weight_kg=16.0)
    ward_app.app.window.patient.focus_form("neuro")
    form = ward_app.app.window.patient.neuro
    _choose(qtbot, form.inputs["capd_not_assessable"], CapdNotAssessable.SEDATED_RASS_LE_MINUS4)
    _choose(qtbot, form.inputs["consciousness"], Consciousness.UNAROUSABLE)
    sedation = form.inputs["depressed_consciousness_attributable_to_sedation"]
    sedation.setFocus()
    qtbot.keyClick(sedation, Qt.Key.Key_Space)
    _choose(qtbot, form.inputs["seizure"], Seizure.NONE)
    _choose(qtbot, form.inputs["motor"], MotorFinding.NONE)
    _choose(qtbot, form.inputs["cerebral_edema"], CerebralEdema.NONE)
    stored = save(qtbot, ward_app, form, key=form.inputs["seizure"]).record.record
    assert isinstance(stored, NeuroCheck)
    assert stored.capd_not_assessable is CapdNotAssessable.SEDATED_RASS_LE_MINUS4
    assert stored.depressed_consciousness_attributable_to_sedation is True


# --- drugs and infusions -----------------------------------------------------------------------------


def test_a_dose_then_an_infusion_started_and_stopped(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    window = ward_app.app.window
    window.act_drug.trigger()
    form = window.patient.drug
    _choose(qtbot, form.inputs["drug"], Drug.TOCILIZUMAB)
    fill(qtbot, form, dose="8")
    _choose(qtbot, form.inputs["dose_unit"], DoseUnit.MG_PER_KG)
    _choose(qtbot, form.inputs["route"], Route.IV)
    _choose(qtbot, form.inputs["indication"], Indication.TREATMENT)
    stored = save(qtbot, ward_app, form, key=form.inputs["dose"]).record
    assert isinstance(stored.record, Intervention) and stored.record.drug is Drug.TOCILIZUMAB
    assert stored.record.started_at == ward_app.clock.now() and stored.record.stopped_at is None
    assert window.patient.running.count() == 0  # a dose, not an infusion
    assert not form.observed.isVisibleTo(form)  # the start time is its time: no second one
    # an infusion in a unit that does not fit: refused beside the unit, nothing saved
    before = count(ward_app, pid)
    _choose(qtbot, form.inputs["drug"], Drug.NOREPINEPHRINE)
    fill(qtbot, form, dose="0.05")
    _choose(qtbot, form.inputs["dose_unit"], DoseUnit.MG)
    _choose(qtbot, form.inputs["route"], Route.IV)
    _choose(qtbot, form.inputs["indication"], Indication.TREATMENT)
    refused(qtbot, ward_app, form, key=form.inputs["dose"])
    assert "does not fit" in shown_errors(form)["dose_unit"]
    assert count(ward_app, pid) == before
    _choose(qtbot, form.inputs["dose_unit"], DoseUnit.MCG_PER_KG_MIN)
    infusion = save(qtbot, ward_app, form, key=form.inputs["dose"]).record
    assert window.patient.running.count() == 1
    assert "norepinephrine" in window.patient.running.item(0).text()
    ward_app.clock.advance(timedelta(minutes=45))
    with qtbot.waitSignal(ward_app.app.controller.recorded, timeout=10_000) as stopped:
        qtbot.mouseClick(window.patient.stop, Qt.MouseButton.LeftButton)
    assert stopped.args[2].record.supersedes == infusion.id
    assert stopped.args[2].record.record.stopped_at == ward_app.clock.now()
    assert window.patient.running.count() == 0
    assert window.patient.stop_status.text() == "Infusion stopped."


# --- attribution and correction ----------------------------------------------------------------------


def test_attribution_is_for_physicians_with_an_optional_until(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    window = ward_app.app.window
    form = window.patient.attribution
    window.patient.focus_form("attribution")
    # a nurse: the form is greyed out, nothing can be typed or saved from it
    assert not form.isEnabled() and not form.save.isEnabled()
    before = count(ward_app, pid)
    qtbot.keyClicks(form.inputs["cause"], "central line infection")
    assert form.inputs["cause"].text() == ""
    with qtbot.assertNotEmitted(ward_app.app.controller.saving):
        qtbot.keyClick(form.inputs["cause"], Qt.Key.Key_Return)
        qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)
    assert count(ward_app, pid) == before
    # and the ward refuses it too, whatever asks (D9)
    invalid = ward_app.app.controller.ward.attribute(
        pid,
        Attribution(finding=Finding.FEVER, cause="x"),
        observed_at=ward_app.clock.now(),
        author=NURSE,
    )
    assert "may not" in invalid.errors[0].message  # type: ignore[union-attr]
    ward_app.app.user.sign_in(PHYSICIAN)
    assert form.isEnabled() and form.save.isEnabled()
    _choose(qtbot, form.inputs["finding"], Finding.FEVER)
    fill(qtbot, form, cause="central line infection")
    until = form.inputs["until"]
    assert until.value() == (None, None)  # optional: off unless ticked
    qtbot.mouseClick(until.enabled_box, Qt.MouseButton.LeftButton,
                     pos=until.enabled_box.rect().center())  # fmt: skip
    assert until.edit.isEnabled()
    local = (ward_app.clock.now() + timedelta(hours=6)).astimezone(until._zone)
    until.edit.setDateTime(until.edit.dateTime().fromSecsSinceEpoch(int(local.timestamp())))
    stored = save(qtbot, ward_app, form, key=form.inputs["cause"]).record
    assert isinstance(stored.record, Attribution) and stored.author == PHYSICIAN.user_id
    assert stored.record.until == ward_app.clock.now() + timedelta(hours=6)
    header = window.patient.header.text()
    assert "Attributions in force: fever → central line infection (until" in header
    assert "dr.lee" in header
    ward_app.app.user.sign_in(NURSE)  # the next user is a nurse: greyed out again
    assert not form.isEnabled()


def test_a_correction_needs_a_reason_and_supersedes_the_record(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    window = ward_app.app.window
    vitals = window.patient.vitals
    fill(qtbot, vitals, temperature="39.4", hr="90")
    wrong = save(qtbot, ward_app, vitals).record
    ward_app.clock.advance(timedelta(minutes=10))
    window.patient.tabs.setCurrentIndex(4)  # Correction
    records = window.patient.records
    records.setCurrentRow(0)
    assert "T 39.4" in records.item(0).text()
    qtbot.mouseClick(window.patient.correct, Qt.MouseButton.LeftButton)
    assert vitals.correcting == wrong.id and vitals.reason.isVisibleTo(vitals)
    assert vitals.inputs["temperature"].text() == "39.4"
    assert "correcting an earlier record" in vitals.heading.text()
    assert vitals.observed.value()[0] == wrong.observed_at  # the earlier record's time
    type_into(qtbot, vitals.inputs["temperature"], "37.4")
    before = count(ward_app, pid)
    refused(qtbot, ward_app, vitals)  # no reason
    assert "reason" in shown_errors(vitals)
    assert count(ward_app, pid) == before
    type_into(qtbot, vitals.reason, "thermometer misread")
    new = save(qtbot, ward_app, vitals, key=vitals.reason).record
    assert new.supersedes == wrong.id and new.reason == "thermometer misread"
    assert new.observed_at == wrong.observed_at
    assert new.record.temperature == 37.4  # type: ignore[attr-defined]
    assert vitals.correcting is None and not vitals.reason.isVisibleTo(vitals)
    assert "CRS ≥ 0" in window.patient.header.text()  # the fever is gone; the set is partial


def test_after_a_save_or_on_another_patient_no_preview_of_an_empty_form(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    form = ward_app.app.window.patient.vitals
    _choose(qtbot, form.inputs["o2_device"], O2Device.ROOM_AIR)
    with qtbot.waitSignal(form.changed, timeout=5000):
        type_into(qtbot, form.inputs["hr"], "80")
    assert form.preview.text().startswith("Preview if saved")
    save(qtbot, ward_app, form)
    with qtbot.assertNotEmitted(form.changed, wait=2 * PREVIEW_DELAY_MS):
        pass
    assert form.preview.text() == "" and form.status.text() == "Saved."
    _choose(qtbot, form.inputs["acvpu"], Acvpu.ALERT)
    ward_app.app.window.patient.neuro.inputs["seizure"].set_value(Seizure.NONE)
    admit(ward_app, "C-1", CHILD_BORN, weight_kg=21.0)  # every form is cleared for the new patient
    for other in ward_app.app.window.patient.forms.values():
        with qtbot.assertNotEmitted(other.changed, wait=PREVIEW_DELAY_MS + 50):
            pass
        assert other.preview.text() == ""


def test_an_optional_until_starts_from_the_wards_now(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    ward_app.clock.advance(timedelta(hours=2))
    ward_app.app.window.refresh_board()  # the minute's tick
    ward_app.app.user.sign_in(PHYSICIAN)
    form = ward_app.app.window.patient.attribution
    ward_app.app.window.patient.focus_form("attribution")
    until = form.inputs["until"]
    until.enabled_box.setFocus()
    qtbot.keyClick(until.enabled_box, Qt.Key.Key_Space)
    assert until.value() == (ward_app.clock.now(), None)  # the ward's clock, not when the app began
    shown = until.edit.dateTime().toSecsSinceEpoch()
    assert shown == int(ward_app.clock.now().timestamp())


# --- the vitals form, field by field -----------------------------------------------------------------

VITALS_TAB_ORDER = [
    "temperature", "temperature_unit", "temperature_route", "hr", "sbp", "dbp", "rr", "spo2",
    "spo2_scale", "o2_device", "o2_flow_l_min", "fio2", "o2_indication", "acvpu", "crt_s",
    "resp_effort", "observed_at_edit", "form_save",
]  # fmt: skip


def _tab_walk(qtbot, form, start, last: str = "form_save") -> list[str]:  # type: ignore[no-untyped-def]
    """The names focus visits on Tab from `start` up to `last` (a date's sections count once)."""
    start.setFocus()
    qtbot.waitUntil(start.hasFocus)
    seen: list[str] = []
    for _ in range(80):
        w = QApplication.focusWidget()
        name = getattr(w, "name", None) or w.objectName()
        if not seen or seen[-1] != name:
            seen.append(name)
        if name == last:
            break
        qtbot.keyClick(w, Qt.Key.Key_Tab)
    return seen


def test_vitals_tab_order_goes_through_every_field_then_the_time_then_save(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    form = ward_app.app.window.patient.vitals
    assert list(form.inputs) == VITALS_TAB_ORDER[:-2]
    assert _tab_walk(qtbot, form, form.inputs["temperature"]) == VITALS_TAB_ORDER
    # Enter from the middle of the form saves what was typed
    fill(qtbot, form, hr="77")
    stored = save(qtbot, ward_app, form, key=form.inputs["spo2_scale"]).record.record
    assert isinstance(stored, VitalSigns) and stored.hr == 77


def test_an_out_of_range_value_names_the_field_and_its_range_and_saves_nothing(
    ward_app, qtbot
) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    form = ward_app.app.window.patient.vitals
    before = count(ward_app, pid)
    assert charted(ward_app, pid) == before  # the admission only
    fill(qtbot, form, hr="80", spo2="101")
    with qtbot.assertNotEmitted(ward_app.app.controller.recorded, wait=0):
        refused(qtbot, ward_app, form, key=form.inputs["hr"])
    assert shown_errors(form) == {"spo2": "spo2: 101 % is outside 50–100 % (allowed: 50–100 %)"}
    assert form.errors["spo2"].objectName() == "spo2_error"
    assert QApplication.focusWidget() is form.inputs["spo2"]  # the cursor goes to the field to fix
    assert count(ward_app, pid) == before
    # a temperature in °F is checked against the °F range, and says so
    fill(qtbot, form, spo2="97", temperature="115")
    _choose(qtbot, form.inputs["temperature_unit"], TempUnit.F)
    refused(qtbot, ward_app, form, key=form.inputs["hr"])
    error = shown_errors(form)["temperature"]
    assert error.startswith("temperature: ") and "77.0–113.0 °F" in error
    assert list(shown_errors(form)) == ["temperature"]  # spo2's error went once it was right
    assert count(ward_app, pid) == before
    # corrected: saved as charted, in °F, and the errors are gone
    type_into(qtbot, form.inputs["temperature"], "101.5")
    stored = save(qtbot, ward_app, form, key=form.inputs["temperature"]).record.record
    assert (stored.temperature, stored.temperature_unit) == (101.5, TempUnit.F)  # type: ignore[union-attr]
    assert shown_errors(form) == {} and charted(ward_app, pid) == before + 1


def test_oxygen_flow_and_indication_follow_the_device(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    form = ward_app.app.window.patient.vitals
    before = charted(ward_app, pid)
    fill(qtbot, form, spo2="91")
    _choose(qtbot, form.inputs["o2_device"], O2Device.ROOM_AIR)
    fill(qtbot, form, o2_flow_l_min="4")
    refused(qtbot, ward_app, form, key=form.inputs["o2_flow_l_min"])
    assert shown_errors(form) == {
        "o2_flow_l_min": "o2_flow_l_min: given without an oxygen device (room air or none "
        "recorded) (allowed: only with an oxygen device)"
    }
    # a device: the flow is taken, but "no indication" is for room air only
    _choose(qtbot, form.inputs["o2_device"], O2Device.NASAL_CANNULA)
    _choose(qtbot, form.inputs["o2_indication"], O2Indication.NONE)
    refused(qtbot, ward_app, form, key=form.inputs["o2_indication"])
    assert list(shown_errors(form)) == ["o2_indication"]
    assert "'none' is only for room air" in shown_errors(form)["o2_indication"]
    assert charted(ward_app, pid) == before
    _choose(qtbot, form.inputs["o2_indication"], O2Indication.CRS_HYPOXIA)
    stored = save(qtbot, ward_app, form, key=form.inputs["o2_indication"]).record.record
    assert stored == VitalSigns(
        spo2=91, o2_device=O2Device.NASAL_CANNULA, o2_flow_l_min=4.0,
        o2_indication=O2Indication.CRS_HYPOXIA,
    )  # fmt: skip
    # back to room air with a flow left in the field: refused again, never half-saved
    _choose(qtbot, form.inputs["o2_device"], O2Device.ROOM_AIR)
    fill(qtbot, form, spo2="96", o2_flow_l_min="2")
    refused(qtbot, ward_app, form, key=form.inputs["spo2"])
    assert "o2_flow_l_min" in shown_errors(form)
    assert charted(ward_app, pid) == before + 1


def test_the_preview_while_typing_gives_the_grade_the_save_gives(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    window = ward_app.app.window
    form = window.patient.vitals
    fill(qtbot, form, hr="104", sbp="118", dbp="66", rr="22", spo2="96")
    _choose(qtbot, form.inputs["o2_device"], O2Device.ROOM_AIR)
    _choose(qtbot, form.inputs["o2_indication"], O2Indication.NONE)
    _choose(qtbot, form.inputs["acvpu"], Acvpu.ALERT)
    with qtbot.waitSignal(form.changed, timeout=5000):
        type_into(qtbot, form.inputs["temperature"], "101.5")
        _choose(qtbot, form.inputs["temperature_unit"], TempUnit.F)
    preview = form.preview.text()
    assert preview.startswith("Preview if saved: CRS 1 (max 1)")  # 101.5 °F is 38.6 °C: fever
    news2 = next(p for p in preview.split(" · ") if p.startswith("NEWS2 "))
    assert news2 == "NEWS2 4"  # SPEC 8: RR 22, HR 104, 38.6 °C: 2 + 1 + 1
    assert count(ward_app, pid) == 1  # nothing saved by the preview
    save(qtbot, ward_app, form, key=form.inputs["acvpu"])
    summary = ward_app.app.controller.summary(pid)
    assert summary is not None and summary.latest is not None
    assert summary.latest.crs_grade == 1
    header = " ".join(window.patient.header.text().split())
    assert "CRS 1</b>" in header and news2 in header
    assert "temperature 38.6 °C (101.5 °F): fever" in header  # converted for the rule (D8)
    row = window.board.proxy.index(0, Column.CRS)
    assert row.data() == "1 (max 1)"
    assert form.preview.text() == ""  # the form is empty again


def test_saving_is_shown_until_the_writer_answers(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    pid = admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    form = ward_app.app.window.patient.vitals
    seen: list[tuple[str, bool]] = []
    ward_app.app.controller.saving.connect(
        lambda key: seen.append((form.status.text(), form.save.isEnabled()))
    )
    fill(qtbot, form, hr="81")
    save(qtbot, ward_app, form)
    assert seen == [("saving…", False)]  # while the writer had it
    assert (form.status.text(), form.save.isEnabled()) == ("Saved.", True)
    fill(qtbot, form, hr="900")
    refused(qtbot, ward_app, form)
    assert seen[1] == ("saving…", False)
    assert form.status.text() == "Not saved: correct the fields marked in red."
    assert form.save.isEnabled() and form.inputs["hr"].text() == "900"  # kept, to be corrected
    assert charted(ward_app, pid) == 2  # the admission and the one set


# --- the neuro check, item by item -------------------------------------------------------------------


def test_ice_total_follows_each_item_and_the_record_is_what_was_typed(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    window = ward_app.app.window
    qtbot.keyClick(window, Qt.Key.Key_F3)
    form = window.patient.neuro
    assert QApplication.focusWidget() is form.inputs["ice_orientation"]
    assert form.total.text() == "ICE total: 0 so far (0 of 5 items scored)"
    totals = []
    for name, points in (("ice_orientation", "4"), ("ice_naming", "2"), ("ice_commands", "1"),
                         ("ice_writing", "0"), ("ice_attention", "1")):  # fmt: skip
        type_into(qtbot, form.inputs[name], points)
        totals.append(form.total.text())
    assert totals == [
        "ICE total: 4 so far (1 of 5 items scored)",
        "ICE total: 6 so far (2 of 5 items scored)",
        "ICE total: 7 so far (3 of 5 items scored)",
        "ICE total: 7 so far (4 of 5 items scored)",
        "ICE total: 8 of 10",
    ]
    _choose(qtbot, form.inputs["consciousness"], Consciousness.AWAKENS_TO_VOICE)
    _choose(qtbot, form.inputs["acvpu"], Acvpu.VOICE)
    _choose(qtbot, form.inputs["seizure"], Seizure.CLINICAL_RESOLVED_RAPIDLY)
    fill(qtbot, form, seizure_duration_min="2")
    _choose(qtbot, form.inputs["motor"], MotorFinding.TREMOR_OR_MYOCLONUS)
    _choose(qtbot, form.inputs["cerebral_edema"], CerebralEdema.CN6_PALSY)
    eeg = form.inputs["eeg_done"]
    eeg.setFocus()
    qtbot.keyClick(eeg, Qt.Key.Key_Space)
    stored = save(qtbot, ward_app, form, key=form.inputs["motor"]).record.record
    assert stored == NeuroCheck(
        tool=EncephalopathyTool.ICE, ice_orientation=4, ice_naming=2, ice_commands=1,
        ice_writing=0, ice_attention=1, consciousness=Consciousness.AWAKENS_TO_VOICE,
        acvpu=Acvpu.VOICE, seizure=Seizure.CLINICAL_RESOLVED_RAPIDLY, seizure_duration_min=2.0,
        motor=MotorFinding.TREMOR_OR_MYOCLONUS, cerebral_edema=CerebralEdema.CN6_PALSY,
        eeg_done=True,
    )  # fmt: skip
    assert form.total.text() == "ICE total: 0 so far (0 of 5 items scored)"  # cleared after saving


def test_not_done_with_a_reason_greys_out_the_items_and_saves_none(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    form = ward_app.app.window.patient.neuro
    ward_app.app.window.patient.focus_form("neuro")
    items = [form.inputs[f"ice_{n}"] for n in ("orientation", "naming", "commands", "writing",
                                                "attention")]  # fmt: skip
    fill(qtbot, form, ice_orientation="2", ice_naming="1")  # begun, then the patient was sedated
    _choose(qtbot, form.inputs["ice_not_assessable"], IceNotAssessable.INTUBATED_SEDATED)
    assert not any(w.isEnabled() for w in items)
    assert form.total.text() == "ICE not done: its items are not scored"
    # Tab skips the greyed items: from the reason box on to consciousness
    _choose(qtbot, form.inputs["consciousness"], Consciousness.UNAROUSABLE)
    _choose(qtbot, form.inputs["seizure"], Seizure.NONE)
    _choose(qtbot, form.inputs["motor"], MotorFinding.NONE)
    _choose(qtbot, form.inputs["cerebral_edema"], CerebralEdema.NONE)
    sedation = form.inputs["depressed_consciousness_attributable_to_sedation"]
    sedation.setFocus()
    qtbot.keyClick(sedation, Qt.Key.Key_Space)
    stored = save(qtbot, ward_app, form, key=form.inputs["seizure"]).record.record
    assert isinstance(stored, NeuroCheck)
    assert stored.ice_not_assessable is IceNotAssessable.INTUBATED_SEDATED
    assert (stored.ice_orientation, stored.ice_naming, stored.ice_score) == (None, None, None)
    assert stored.depressed_consciousness_attributable_to_sedation is True
    assert all(w.isEnabled() for w in items)  # the cleared form is ready to score again
    # the reason taken back: the items are scored again
    fill(qtbot, form, ice_orientation="3")
    _choose(qtbot, form.inputs["ice_not_assessable"], IceNotAssessable.NOT_DONE)
    _choose(qtbot, form.inputs["ice_not_assessable"], None)
    assert all(w.isEnabled() for w in items) and items[0].text() == "3"
    assert form.total.text() == "ICE total: 3 so far (1 of 5 items scored)"


def test_capd_total_of_eight_items_for_a_child(ward_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "C-4", FOUR_YEARS_OLD, weight_kg=16.0)
    form = ward_app.app.window.patient.neuro
    ward_app.app.window.patient.focus_form("neuro")
    names = [name for name, _ in CAPD_LABELS]
    assert _tab_walk(qtbot, form, form.inputs[names[0]], last="capd_not_assessable") == [
        *names,
        "capd_not_assessable",
    ]
    for name, points in zip(names, "31202104", strict=True):
        type_into(qtbot, form.inputs[name], points)
    assert form.total.text() == "CAPD total: 13 of 32"
    type_into(qtbot, form.inputs[names[7]], "5")  # above an item's 0–4: not counted, refused
    assert form.total.text() == "CAPD total: 9 so far (7 of 8 items scored)"
    _choose(qtbot, form.inputs["consciousness"], Consciousness.AWAKENS_SPONTANEOUSLY)
    _choose(qtbot, form.inputs["seizure"], Seizure.NONE)
    _choose(qtbot, form.inputs["motor"], MotorFinding.NONE)
    _choose(qtbot, form.inputs["cerebral_edema"], CerebralEdema.NONE)
    refused(qtbot, ward_app, form, key=form.inputs["motor"])
    assert "capd_slow_response" in shown_errors(form)
    assert "0–4" in shown_errors(form)["capd_slow_response"]
    type_into(qtbot, form.inputs[names[7]], "4")
    stored = save(qtbot, ward_app, form, key=form.inputs["motor"]).record.record
    assert isinstance(stored, NeuroCheck) and stored.tool is EncephalopathyTool.CAPD
    assert tuple(getattr(stored, n) for n in names) == (3, 1, 2, 0, 2, 1, 0, 4)
    assert stored.capd_score == 13


# --- a correction, seen in the history ---------------------------------------------------------------


def test_a_correction_from_the_form_strikes_the_old_record_through_in_the_history(
    ward_app, qtbot
) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, ward_app)
    admit(ward_app, "A-1", ADULT_BORN, weight_kg=70.0)
    window = ward_app.app.window
    drug = window.patient.drug
    window.patient.focus_form("drug")
    _choose(qtbot, drug.inputs["drug"], Drug.DEXAMETHASONE)
    fill(qtbot, drug, dose="100")
    _choose(qtbot, drug.inputs["dose_unit"], DoseUnit.MG)
    _choose(qtbot, drug.inputs["route"], Route.IV)
    _choose(qtbot, drug.inputs["indication"], Indication.TREATMENT)
    wrong = save(qtbot, ward_app, drug, key=drug.inputs["dose"]).record
    ward_app.clock.advance(timedelta(minutes=5))
    window.patient.tabs.setCurrentIndex(4)  # Correction
    window.patient.records.setFocus()
    window.patient.records.setCurrentRow(0)
    qtbot.keyClick(window.patient.records, Qt.Key.Key_Return)  # Enter on the record opens its form
    assert drug.correcting == wrong.id and drug.inputs["dose"].text() == "100"
    type_into(qtbot, drug.inputs["dose"], "10")
    type_into(qtbot, drug.reason, "ten, not a hundred")
    new = save(qtbot, ward_app, drug, key=drug.reason).record
    assert new.supersedes == wrong.id and new.record.dose == 10.0  # type: ignore[attr-defined]
    history = next(v for v in window.patient.views if isinstance(v, HistoryView))
    window.patient.tabs.setCurrentWidget(history)
    model = history.model
    rows = {model.entry(r).record_id: r for r in range(model.rowCount())}
    old, fixed = rows[wrong.id], rows[new.id]
    assert model.index(old, HColumn.SUMMARY).data() == "dexamethasone 100 mg IV"
    assert model.index(fixed, HColumn.SUMMARY).data() == "dexamethasone 10 mg IV"
    assert model.index(old, HColumn.SUMMARY).data(Qt.ItemDataRole.FontRole).strikeOut()
    assert model.index(fixed, HColumn.SUMMARY).data(Qt.ItemDataRole.FontRole) is None
    assert model.index(old, HColumn.STATUS).data() == "superseded: ten, not a hundred"
    assert model.index(fixed, HColumn.STATUS).data() == "correction: ten, not a hundred"
    assert model.index(old, HColumn.STATUS).data(Qt.ItemDataRole.ToolTipRole) == (
        "superseded: ten, not a hundred"
    )
