"""`bedside export fhir`: every resource valid for the R4B models and the vital-signs profile, the round
trip on the demo ward, stable identifiers, corrections and missing values, the filters, the audit, and
the refusals (a damaged database, a bad --db or --out) as one line with exit status 2."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from bedside.cli import main
from bedside.clock import ManualClock
from bedside.demo import DEMO_PINS, build_demo
from bedside.export import ExportRefused, export_fhir, verification_problems
from bedside.fhir import (
    CODE_SYSTEM,
    LOINC,
    QUESTIONNAIRE,
    UCUM,
    URI_SYSTEM,
    VITAL_SIGNS_PROFILE,
    BundleType,
    published_resources,
    resource_uuid,
)
from bedside.records import AssessmentRecord, Export, NeuroCheck, VitalSigns
from bedside.staff import Author, Role
from bedside.store.connection import StorageError, open_database, open_read_only
from bedside.store.log import Log, StoredRecord
from tests.support.ward_fixtures import (
    ADULT_BORN,
    NURSE,
    WardFixture,
    admission,
    chart,
    make_ward,
    recorded,
)

REPO = Path(__file__).resolve().parents[2]
DEMO_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
EXPORTER = Author("it.admin", Role.ADMIN)  # on a ward without users
# On the demo ward (it has users, issue 10) the export is audited under its admin, signed in.
DEMO_ADMIN = "admin.demo"
SIGN_IN = ["--user", DEMO_ADMIN, "--pin-stdin"]


def demo_admin(ward: Any) -> Author:
    return ward.authenticate(DEMO_ADMIN, DEMO_PINS[DEMO_ADMIN])  # type: ignore[no-any-return]


# The unit each LOINC code of the issue must carry (UCUM).
UNITS = {
    "8310-5": "Cel",
    "8867-4": "/min",
    "9279-1": "/min",
    "8480-6": "mm[Hg]",
    "8462-4": "mm[Hg]",
    "2708-6": "%",
    "3151-8": "L/min",
    "3150-0": "%",
}
STATUSES = {"final", "amended", "corrected", "entered-in-error"}


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo-ward.db"
    build_demo(str(path), now=DEMO_NOW)
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo ward for each test."""
    path = tmp_path / "ward.db"
    shutil.copy(demo_file, path)
    return path


def export(db: Path, out: Path, at: datetime = DEMO_NOW, **options: Any) -> dict[str, Any]:
    clock = ManualClock(at + timedelta(minutes=5))
    export_fhir(db, out, author=EXPORTER, clock=clock, sign_in=demo_admin, **options)
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def resources(bundle: dict[str, Any], kind: str | None = None) -> list[dict[str, Any]]:
    found = [e["resource"] for e in bundle["entry"]]
    return [r for r in found if kind is None or r["resourceType"] == kind]


def codes(resource: dict[str, Any]) -> list[str]:
    return [c["code"] for c in resource["code"]["coding"]]


def by_identifier(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for r in resources(bundle):
        ids = r["identifier"] if isinstance(r["identifier"], list) else [r["identifier"]]
        for i in ids:
            if i.get("system") == URI_SYSTEM:
                out[i["value"]] = r
    return out


def urn(key: str) -> str:
    return f"urn:uuid:{resource_uuid(key)}"


def stored(db: Path, kind: str) -> list[StoredRecord]:
    """The current records of a kind in the database, read with the store's own queries."""
    handle = open_read_only(db)
    try:
        log = Log(handle, ManualClock(DEMO_NOW))
        return [
            s
            for p in log.patients()
            for s in log.records_for_patient(p.patient_id, [kind], current_only=True)
        ]
    finally:
        handle.conn.close()


# --- validity -----------------------------------------------------------------------------------------


def test_every_resource_of_the_demo_ward_is_valid_r4(demo: Path, tmp_path: Path) -> None:
    for bundle_type in BundleType:
        bundle = export(demo, tmp_path / f"{bundle_type}.json", bundle_type=bundle_type)
        parsed = Bundle.model_validate(bundle)  # validates every entry's resource by its type
        assert [e.resource.get_resource_type() for e in parsed.entry] == [
            r["resourceType"] for r in resources(bundle)
        ]
        kinds = {r["resourceType"] for r in resources(bundle)}
        assert kinds == {"Patient", "Observation", "QuestionnaireResponse"}
        assert len(resources(bundle, "Patient")) == 5


def test_the_validator_bites() -> None:
    """A negative control: the models used above refuse a malformed value."""
    bad = {"resourceType": "Observation", "status": "final", "code": {"text": "x"},
           "valueQuantity": {"value": "high"}}  # fmt: skip
    with pytest.raises(ValueError):
        get_fhir_model_class("Observation").model_validate(bad)


def test_vital_signs_follow_the_base_profile(demo: Path, tmp_path: Path) -> None:
    bundle = export(demo, tmp_path / "out.json")
    vital = [
        r
        for r in resources(bundle, "Observation")
        if r["category"][0]["coding"][0]["code"] == "vital-signs"
    ]
    assert {c for r in vital for c in codes(r)} >= {
        "8310-5", "8867-4", "9279-1", "85354-9", "2708-6", "59408-5", "3151-8",
    }  # fmt: skip
    for r in vital:
        assert r["meta"]["profile"] == [VITAL_SIGNS_PROFILE]
        assert r["status"] in STATUSES
        assert r["code"]["coding"][0]["system"] == LOINC
        assert r["subject"]["reference"].startswith("urn:uuid:")
        assert r["effectiveDateTime"].endswith("Z")
        # vs-2: a value, a data-absent reason, or components; vs-3: each component likewise.
        assert "valueQuantity" in r or "dataAbsentReason" in r or "component" in r
        quantities = [(codes(r)[0], r.get("valueQuantity"))]
        for c in r.get("component", []):
            assert any(k.startswith("value") for k in c) or "dataAbsentReason" in c
            quantities.append((c["code"]["coding"][0]["code"], c.get("valueQuantity")))
        for code, q in quantities:
            if q is not None and code in UNITS:
                assert (q["system"], q["code"]) == (UCUM, UNITS[code]), (code, q)
        if "2708-6" in codes(r):
            assert codes(r) == ["2708-6", "59408-5"]
        if "85354-9" in codes(r):
            assert [c["code"]["coding"][0]["code"] for c in r["component"]] == ["8480-6", "8462-4"]
    # SpO2 on oxygen carries the flow and concentration, and the flow stands on its own too.
    on_oxygen = [
        r for r in vital if "2708-6" in codes(r) and any(
            c["code"]["coding"][0]["code"] == "3151-8" for c in r.get("component", []))
    ]  # fmt: skip
    assert on_oxygen
    assert all(
        {c["code"]["coding"][0]["code"] for c in r["component"]} >= {"3151-8", "3150-0"}
        for r in on_oxygen
    )
    flows = [r for r in vital if codes(r) == ["3151-8"]]
    assert len(flows) == len(on_oxygen)


# --- the round trip -----------------------------------------------------------------------------------


def test_round_trip_values_and_units_on_the_demo_ward(demo: Path, tmp_path: Path) -> None:
    parsed = Bundle.model_validate(export(demo, tmp_path / "out.json"))
    back = json.loads(parsed.model_dump_json())  # what a reader of the file gets
    found = by_identifier(back)
    vitals = stored(demo, "vitals")
    assert vitals
    compared = 0
    for s in vitals:
        v = s.record
        assert isinstance(v, VitalSigns)
        expect = {
            "temperature": (v.temp_c(), "Cel"),
            "heart-rate": (v.hr, "/min"),
            "respiratory-rate": (v.rr, "/min"),
            "oxygen-saturation": (v.spo2, "%"),
            "inhaled-oxygen-flow": (v.o2_flow_l_min, "L/min"),
            "capillary-refill-time": (v.crt_s, "s"),
        }
        for part, (value, unit) in expect.items():
            obs = found.get(urn(f"{s.id}/{part}"))
            if value is None:
                assert obs is None or "valueQuantity" not in obs
                continue
            assert obs is not None, (s.id, part)
            assert datetime.fromisoformat(obs["effectiveDateTime"]) == s.observed_at
            assert float(obs["valueQuantity"]["value"]) == pytest.approx(value)
            assert obs["valueQuantity"]["code"] == unit
            compared += 1
        bp = found[urn(f"{s.id}/blood-pressure")]
        got = [float(c["valueQuantity"]["value"]) for c in bp["component"]]
        assert got == [v.sbp, v.dbp]
        if v.fio2 is not None:
            spo2 = found[urn(f"{s.id}/oxygen-saturation")]
            [fio2] = [c for c in spo2["component"] if c["code"]["coding"][0]["code"] == "3150-0"]
            assert float(fio2["valueQuantity"]["value"]) == pytest.approx(v.fio2 * 100)
    assert compared > 200
    for s in stored(demo, "neuro_check"):
        check = s.record
        assert isinstance(check, NeuroCheck)
        qr = found[urn(s.id)]
        assert qr["questionnaire"] == QUESTIONNAIRE[check.tool]
        [items, findings] = qr["item"]
        answers = {i["linkId"]: i["answer"][0] for i in items["item"] if "answer" in i}
        total = check.ice_score if check.tool.value == "ICE" else check.capd_score
        assert answers[f"{check.tool.value.lower()}-total"]["valueInteger"] == total
        for field in ("ice_orientation", "ice_naming", "capd_eye_contact", "capd_aware"):
            if getattr(check, field) is not None:
                assert answers[field.replace("_", "-")]["valueInteger"] == getattr(check, field)
        consciousness = next(i for i in findings["item"] if i["linkId"] == "consciousness")
        assert consciousness["answer"][0]["valueCoding"]["code"].endswith(f".{check.consciousness}")
    for s in stored(demo, "assessment"):
        record = s.record
        assert isinstance(record, AssessmentRecord)
        for code, key in (("crs-grade", "crs_grade"), ("icans-grade", "icans_grade")):
            obs = found[urn(f"{s.id}/{code}")]
            grade = getattr(record, key)
            if grade is None:
                assert "valueInteger" not in obs and "dataAbsentReason" in obs
            else:
                assert obs["valueInteger"] == grade


def test_scores_point_at_the_values_in_force(demo: Path, tmp_path: Path) -> None:
    bundle = export(demo, tmp_path / "out.json")
    entries = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    graded = [r for r in resources(bundle, "Observation") if codes(r)[0] == "crs-grade"]
    linked = 0
    for r in graded:
        at = datetime.fromisoformat(r["effectiveDateTime"])
        for ref in r.get("derivedFrom", []):
            source = entries[ref["reference"]]  # in a full export every link resolves in the file
            seen = datetime.fromisoformat(source["effectiveDateTime"])
            assert at - timedelta(hours=6) <= seen <= at  # D17: within the vitals window
            linked += 1
    assert linked > 0
    icans = [r for r in resources(bundle, "Observation") if codes(r)[0] == "icans-grade"]
    assert any(
        d["type"] == "QuestionnaireResponse" for r in icans for d in r.get("derivedFrom", [])
    )


# --- identity -----------------------------------------------------------------------------------------


def test_a_re_export_names_every_resource_as_before(demo: Path, tmp_path: Path) -> None:
    first = export(demo, tmp_path / "a.json")
    again = export(demo, tmp_path / "b.json", at=DEMO_NOW + timedelta(days=1))
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in again["entry"]]
    assert [e["request"] for e in first["entry"]] == [e["request"] for e in again["entry"]]
    assert first["timestamp"] != again["timestamp"]
    assert len({e["fullUrl"] for e in first["entry"]}) == len(first["entry"])


def test_transaction_entries_are_conditional_updates_on_their_identifier(
    demo: Path, tmp_path: Path
) -> None:
    bundle = export(demo, tmp_path / "out.json")
    assert bundle["type"] == "transaction"
    for entry in bundle["entry"]:
        r = entry["resource"]
        ids = r["identifier"] if isinstance(r["identifier"], list) else [r["identifier"]]
        [own] = [i for i in ids if i.get("system") == URI_SYSTEM]
        assert entry["fullUrl"] == own["value"]
        assert entry["request"] == {
            "method": "PUT",
            "url": f"{r['resourceType']}?identifier={URI_SYSTEM}|{own['value']}",
        }
        assert "id" not in r  # a conditional update names the resource by its identifier only
    collection = export(demo, tmp_path / "c.json", bundle_type=BundleType.COLLECTION)
    assert collection["type"] == "collection"
    assert all("request" not in e for e in collection["entry"])
    assert all(e["fullUrl"] == f"urn:uuid:{e['resource']['id']}" for e in collection["entry"])


def test_the_patient_is_found_by_its_patient_id(demo: Path, tmp_path: Path) -> None:
    bundle = export(demo, tmp_path / "out.json")
    patients = {r["identifier"][0]["value"]: r for r in resources(bundle, "Patient")}
    assert set(patients) == {"NB-0412", "NB-0398", "DS-0107", "DS-0093", "DS-0088"}
    noah = patients["NB-0412"]
    assert (noah["name"][0]["text"], noah["gender"], noah["birthDate"]) == (
        "Noah Bennett", "male", "2022-06-14",
    )  # fmt: skip
    assert noah["identifier"][1]["value"] == urn("patient/NB-0412")


# --- corrections and missing values --------------------------------------------------------------------


@pytest.fixture
def ward(tmp_path: Path) -> Iterator[WardFixture]:
    fx = make_ward(tmp_path)
    recorded(fx.ward.admit(admission("A1", ADULT_BORN, baseline_ice=10), author=NURSE))
    yield fx
    fx.close()


def test_a_correction_updates_the_same_resources(ward: WardFixture, tmp_path: Path) -> None:
    first = recorded(chart(ward, "A1", hr=80, sbp=120, dbp=70))
    ward.clock.advance(timedelta(minutes=10))
    before = export(ward.path, tmp_path / "before.json", at=ward.clock.now())
    old = first.record.record
    assert isinstance(old, VitalSigns)
    fixed = replace(old, hr=92, sbp=None, dbp=None)  # HR mistyped; the BP belonged to another bed
    recorded(ward.ward.correct(first.record.id, fixed, reason="wrong patient's BP", author=NURSE))
    after = export(ward.path, tmp_path / "after.json", at=ward.clock.now())
    was, now = by_identifier(before), by_identifier(after)
    hr = urn(f"{first.record.id}/heart-rate")
    bp = urn(f"{first.record.id}/blood-pressure")
    assert (was[hr]["status"], was[hr]["valueQuantity"]["value"]) == ("final", 80)
    assert (now[hr]["status"], now[hr]["valueQuantity"]["value"]) == ("corrected", 92)
    assert "wrong patient's BP" in now[hr]["note"][-1]["text"]
    # The removed BP is marked as entered in error under its old identifier, never silently dropped.
    assert now[bp]["status"] == "entered-in-error"
    assert was[bp]["status"] == "final"
    assert set(was) <= set(now)
    Bundle.model_validate(after)
    grades = [r for r in resources(after, "Observation") if codes(r)[0] == "crs-grade"]
    assert {r["status"] for r in grades} == {"amended"}  # the time point was graded again


def test_missing_values_carry_a_data_absent_reason(ward: WardFixture, tmp_path: Path) -> None:
    # SBP without DBP; no temperature: CRS cannot be determined; NEWS2 incomplete.
    vitals = VitalSigns(sbp=118, hr=88, o2_device="nasal_cannula", o2_indication="other_cause")
    recorded(ward.ward.chart_vitals("A1", vitals, observed_at=ward.clock.now(), author=NURSE))
    bundle = export(ward.path, tmp_path / "out.json", at=ward.clock.now())
    Bundle.model_validate(bundle)
    obs = {codes(r)[0]: r for r in resources(bundle, "Observation")}
    [dbp] = [c for c in obs["85354-9"]["component"] if c["code"]["coding"][0]["code"] == "8462-4"]
    assert dbp["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    spo2 = obs["2708-6"]  # oxygen charted without a saturation: the saturation is missing
    assert "valueQuantity" not in spo2 and "dataAbsentReason" in spo2
    [flow] = [c for c in spo2["component"] if c["code"]["coding"][0]["code"] == "3151-8"]
    assert "dataAbsentReason" in flow
    crs = obs["crs-grade"]
    assert "valueInteger" not in crs
    assert crs["dataAbsentReason"]["text"] == "not determinable"
    news2 = obs["news2"]
    assert "valueInteger" not in news2 and "dataAbsentReason" in news2
    partial = [c for c in news2["component"] if c["code"]["coding"][0]["code"] == "partial-sum"]
    assert len(partial) == 1 and isinstance(partial[0]["valueInteger"], int)
    assert "8310-5" not in obs  # a temperature never charted is not exported as a value


# --- filters ------------------------------------------------------------------------------------------


def test_since_keeps_what_was_observed_or_changed_since(ward: WardFixture, tmp_path: Path) -> None:
    early = recorded(chart(ward, "A1", hr=80))
    ward.clock.advance(timedelta(hours=3))
    late = recorded(chart(ward, "A1", hr=84))
    cut = ward.clock.now() - timedelta(minutes=1)
    bundle = export(ward.path, tmp_path / "since.json", at=ward.clock.now(), since=cut)
    found = by_identifier(bundle)
    assert urn(f"{late.record.id}/heart-rate") in found
    assert urn(f"{early.record.id}/heart-rate") not in found
    assert len(resources(bundle, "Patient")) == 1
    # The CRS grade of the late set points at the early set's temperature, exported before: by a
    # conditional reference the server resolves, never a dangling urn:uuid.
    [crs] = [r for r in resources(bundle, "Observation") if codes(r)[0] == "crs-grade"]
    refs = {d["reference"] for d in crs["derivedFrom"]}
    assert urn(f"{late.record.id}/temperature") in refs
    entries = {e["fullUrl"] for e in bundle["entry"]}
    assert all(r in entries or r.startswith("Observation?identifier=") for r in refs)
    # A correction of the early set made now is exported, though it was observed before --since.
    old = early.record.record
    assert isinstance(old, VitalSigns)
    ward.clock.advance(timedelta(minutes=5))
    recorded(ward.ward.correct(early.record.id, replace(old, hr=81), reason="typo", author=NURSE))
    again = export(ward.path, tmp_path / "again.json", at=ward.clock.now(), since=cut)
    assert by_identifier(again)[urn(f"{early.record.id}/heart-rate")]["status"] == "corrected"


def test_patient_filter(demo: Path, tmp_path: Path) -> None:
    bundle = export(demo, tmp_path / "out.json", patient_id="nb-0398")
    [patient] = resources(bundle, "Patient")
    assert patient["identifier"][0]["value"] == "NB-0398"
    subject = bundle["entry"][0]["fullUrl"]
    assert all(r["subject"]["reference"] == subject for r in resources(bundle)[1:])
    assert len(resources(bundle)) > 10
    with pytest.raises(ExportRefused, match="no such patient"):
        export(demo, tmp_path / "none.json", patient_id="XX-1")
    assert not (tmp_path / "none.json").exists()


# --- audit ----------------------------------------------------------------------------------------------


def test_every_export_is_audited_in_each_patients_log(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    bundle = export(demo, out)
    audits = stored(demo, "export")
    assert {a.patient_id for a in audits} == {
        r["identifier"][0]["value"] for r in resources(bundle, "Patient")
    }
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    for a in audits:
        record = a.record
        assert isinstance(record, Export)
        assert a.author == DEMO_ADMIN
        assert (record.sha256, record.file, record.format.value) == (
            digest, str(out), "fhir_r4_transaction",
        )  # fmt: skip
    assert sum(a.record.resources for a in audits if isinstance(a.record, Export)) == len(
        bundle["entry"]
    )


def test_a_nurse_may_not_export(demo: Path, tmp_path: Path) -> None:
    with pytest.raises(ExportRefused, match="may not export"):
        export_fhir(demo, tmp_path / "out.json", author=NURSE, clock=ManualClock(DEMO_NOW))
    assert list(tmp_path.glob("out.json*")) == [] and stored(demo, "export") == []


def test_on_a_ward_with_users_the_exporter_signs_in_with_a_pin(
    demo: Path, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10: the operating-system account is not enough once the ward has users."""
    out = tmp_path / "out.json"
    with pytest.raises(ExportRefused, match="has users"):
        export_fhir(demo, out, author=EXPORTER, clock=ManualClock(DEMO_NOW))
    argv = ["export", "fhir", "--db", str(demo), "--out", str(out)]
    for extra, pin, expected in (
        ([], "", "needs --user"),
        (["--user", "nurse.demo", "--pin-stdin"], "2222", "may not export"),
        (SIGN_IN, "0000", "the PIN is wrong"),
    ):
        monkeypatch.setattr("sys.stdin", io.StringIO(pin + "\n"))
        assert main(argv + extra) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and expected in err, err
    assert not out.exists() and stored(demo, "export") == []
    monkeypatch.setattr("sys.stdin", io.StringIO("1111\n"))
    assert main(argv + SIGN_IN) == 0
    assert "audited as admin.demo" in capsys.readouterr().out


def damage(path: Path) -> None:
    """Overwrite a b-tree page header until `quick_check` reports damage while the ward still opens."""
    pristine = path.read_bytes()
    for page in range(2, len(pristine) // 4096):
        data = bytearray(pristine)
        data[(page - 1) * 4096 + 8 : (page - 1) * 4096 + 12] = b"\xff" * 4
        path.write_bytes(bytes(data))
        try:
            db = open_read_only(path)  # the ward still opens: only a verification finds the damage
        except StorageError:
            continue
        try:
            if db.conn.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
                return
        except sqlite3.DatabaseError:
            pass
        finally:
            db.conn.close()
    raise AssertionError("no page found to damage")


def test_a_damaged_database_is_refused(demo: Path, tmp_path: Path, capsys: Any) -> None:
    damage(demo)
    out = tmp_path / "out.json"
    code = main(["export", "fhir", "--db", str(demo), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("bedside export fhir: the database ")
    assert "fails verification" in err and "nothing was exported" in err
    assert not out.exists() and list(tmp_path.glob(".out.json*")) == []


def test_verification_reports_damage(demo: Path) -> None:
    db = open_database(demo, create=False)
    try:
        assert verification_problems(db) == []
    finally:
        db.conn.close()
    damage(demo)
    db = open_read_only(demo)
    try:
        assert verification_problems(db) != []
    finally:
        db.conn.close()


# --- the command --------------------------------------------------------------------------------------


def test_the_command_writes_the_bundle_and_says_so(
    demo: Path, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "ward.json"
    monkeypatch.setattr("sys.stdin", io.StringIO("1111\n"))
    code = main(["export", "fhir", "--db", str(demo), "--out", str(out), *SIGN_IN, "--type", "collection",
                 "--since", "2026-11-25T00:00Z"])  # fmt: skip
    printed = capsys.readouterr()
    assert code == 0 and printed.err == ""
    assert "collection Bundle" in printed.out and str(out) in printed.out
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert bundle["type"] == "collection"
    cut = datetime(2026, 11, 25, tzinfo=UTC)
    for r in resources(bundle)[1:]:
        when = r.get("effectiveDateTime") or r.get("authored")
        if r["resourceType"] != "Patient":
            assert datetime.fromisoformat(when) >= cut


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--db", "{tmp}/missing.db"], "does not exist"),
        (["--db", "{tmp}"], "is a folder"),
        (["--out", "{tmp}/no/such/folder/out.json"], "does not exist: create it"),
        (["--out", "{tmp}"], "is a folder"),
        (["--out", "/proc/self/out.json"], "cannot be written"),
        (["--since", "yesterday"], "--since 'yesterday' is not a time"),
        (["--patient", "ZZ-9"], "no such patient"),
    ],
)
def test_refusals_are_one_line_with_exit_2(
    demo: Path,
    tmp_path: Path,
    capsys: Any,
    args: list[str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("1111\n"))
    options = {"--db": str(demo), "--out": str(tmp_path / "out.json"), "--user": DEMO_ADMIN}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        options[flag] = value.replace("{tmp}", str(tmp_path))
    argv = ["export", "fhir"] + [x for kv in options.items() for x in kv] + ["--pin-stdin"]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("bedside export fhir: "), err
    assert expected in err
    assert "Traceback" not in err
    assert not (tmp_path / "out.json").exists()
    assert stored(demo, "export") == []


# --- the published code system and questionnaires ----------------------------------------------------


def test_the_published_files_are_what_the_export_uses(demo: Path, tmp_path: Path) -> None:
    for name, resource in published_resources().items():
        on_disk = json.loads((REPO / "resources" / "fhir" / name).read_text(encoding="utf-8"))
        assert on_disk == resource, f"resources/fhir/{name} is out of date"
        get_fhir_model_class(resource["resourceType"]).model_validate(on_disk)
    system = published_resources()["CodeSystem-bedside.json"]

    def walk(concepts: list[dict[str, Any]]) -> Iterator[str]:
        for c in concepts:
            yield c["code"]
            yield from walk(c.get("concept", []))

    defined = list(walk(system["concept"]))
    assert len(defined) == len(set(defined))
    bundle = export(demo, tmp_path / "out.json")
    used = set()

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("system") == CODE_SYSTEM:
                used.add(value["code"])
            for v in value.values():
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    collect(bundle)
    assert used and used <= set(defined)
    links = {
        url: {i["linkId"] for group in q["item"] for i in [group, *group["item"]]}
        for q in published_resources().values()
        if q["resourceType"] == "Questionnaire"
        for url in [q["url"]]
    }
    for qr in resources(bundle, "QuestionnaireResponse"):
        answered = {i["linkId"] for group in qr["item"] for i in [group, *group["item"]]}
        assert answered <= links[qr["questionnaire"]]


def test_capd_is_shown_by_short_labels_only(demo: Path, tmp_path: Path) -> None:
    """SPEC D16: the CAPD item wording (Cornell's) never leaves the app; our labels are short."""
    capd = published_resources()["Questionnaire-bedside-capd.json"]
    bundle = export(demo, tmp_path / "out.json")
    texts = json.dumps(capd) + json.dumps(resources(bundle, "QuestionnaireResponse"))
    for words in ("Does the child", "Is the child", "the caregiver", "purposeful?", "?"):
        assert words not in texts
    labels = [i["text"] for i in capd["item"][0]["item"][:8]]
    assert labels[:2] == ["eye contact", "purposeful actions"]
    assert all(len(label) <= 25 for label in labels)
