"""Benchmark of the ward database at full size (a script, not a test).

    .venv/bin/python tests/bench/bench_ward.py [--patients 40] [--days 365] [--db PATH] [--quick]

Builds (or, with an existing `--db`, reuses) a database of N patients (children and adults) x D days of vitals
every 15 minutes, a neuro check every 4 h, and a stored assessment per time point, bulk-loaded through
`Log.append` inside `transaction(db)` in batches. Then measures on the full file:

  (a) `Ward.chart_vitals` end to end (validate, state, grade, alerts, durable commit), 300 calls (every
      10th counts its SQL statements with a trace callback and is left out of the times);
  (b) a durable single-row INSERT into a scratch STRICT table in the same file, one after each timed save
      (interleaved, so that the load of a shared machine falls on both alike), on the ward's own
      connection (the same journal_mode=WAL and synchronous=FULL); both also in CPU time, so that what
      is left of the wall time (the fsync at COMMIT, mostly) shows;
  (c) `Log.vitals_series(patient, one year)` for 20 patients;
  (d) `Ward.board()`;
  (e) bytes on disk per vitals set, after a checkpoint.

The ward checkpoints the WAL only in `Ward.tick` (never inside a save), so the loader checkpoints after each
batch and the WAL is checkpointed once more before measuring, as a minutely tick would leave it. Reusing a file
built by an older schema migrates it first, and Bedside copies the file beside itself before it migrates.

Targets (reported, not asserted): chart_vitals p99 <= 20 ms, a 1-year series <= 50 ms.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlite_utils import Database

from bedside.clinical.engine import assess
from bedside.clinical.policy import DEFAULT_POLICY
from bedside.clinical.state import PatientState
from bedside.clinical.vocabulary import (
    Acvpu,
    CerebralEdema,
    Consciousness,
    MotorFinding,
    O2Device,
    O2Indication,
    RespEffort,
    Seizure,
)
from bedside.clock import ManualClock
from bedside.records import (
    Admission,
    AssessmentRecord,
    Diagnosis,
    DoseUnit,
    Drug,
    EpisodeClosure,
    Indication,
    Intervention,
    NeuroCheck,
    Record,
    Route,
    Sex,
    Syndrome,
    TempUnit,
    VitalSigns,
    parse_utc,
)
from bedside.schedule import day_post_infusion
from bedside.staff import Author, Role
from bedside.store.connection import checkpoint, open_database, transaction
from bedside.store.log import Log
from bedside.timepoint import age_years
from bedside.ward import Recorded, Ward
from tests.support.load import raw_inserts

NURSE = Author("nurse.bench", Role.NURSE)
PHYSICIAN = Author("dr.bench", Role.PHYSICIAN)
END = datetime(2027, 11, 20, 8, 0, tzinfo=UTC)  # the clock at the end of a fresh build
STEP = timedelta(minutes=15)
NEURO_EVERY = 16  # steps: 4 h
BATCH = 5000  # records per transaction while loading
CHART_CALLS = 300
SERIES_PATIENTS = 20
YEAR = timedelta(days=365)
TARGET_CHART_P99_MS = 20.0
TARGET_SERIES_MS = 50.0
PLOT_COLUMNS = ("temp_c", "hr")  # what one trend plot draws
PAYLOAD_KIND = "graded: bedside.clinical.engine.assess on a PatientState from the time point's vitals and last neuro check"


# --- the synthetic ward ----------------------------------------------------------------------------------


@dataclass
class Patient:
    id: str
    born: date
    weight_kg: float
    ice: bool  # ICE from 12 y, CAPD below (D2)
    fahrenheit: bool  # this bed's thermometer reads °F
    fever: tuple[datetime, datetime] | None  # a CRS-like fever episode after infusion, if any
    rng: random.Random

    @property
    def child(self) -> bool:
        return not self.ice


def make_patients(n: int, start: datetime, seed: int) -> list[Patient]:
    rng = random.Random(seed)
    infusion = start + timedelta(days=1)
    patients = []
    for i in range(n):
        # Two in three are children (the trial is paediatric first), from toddlers to adolescents.
        age = rng.uniform(2, 11.5) if i % 3 != 2 else rng.uniform(19, 70)
        if i % 6 == 1:
            age = rng.uniform(12.5, 17.5)
        born = (infusion - timedelta(days=age * 365.25)).date()
        fever = None
        if rng.random() < 0.5:
            onset = infusion + timedelta(hours=rng.randrange(12, 120))
            fever = (onset, onset + timedelta(hours=rng.randrange(12, 72)))
        patients.append(
            Patient(
                id=f"B{i + 1:03d}",
                born=born,
                weight_kg=round(min(max(3 + age * 3.2, 12), 95) + rng.uniform(-3, 3), 1),
                ice=age >= 12,
                fahrenheit=i % 8 == 5,
                fever=fever,
                rng=random.Random(seed * 1000 + i),
            )
        )
    return patients


def vitals_for(p: Patient, at: datetime) -> VitalSigns:
    r = p.rng
    hour = at.hour + at.minute / 60
    temp_c = 36.8 + 0.3 * math.sin(2 * math.pi * (hour - 10) / 24) + r.gauss(0, 0.15)
    if p.fever and p.fever[0] <= at < p.fever[1]:
        temp_c += r.uniform(1.4, 2.4)
    fever_hr = max(temp_c - 37.2, 0) * 10
    if p.child:
        hr, sbp, dbp, rr = r.gauss(105, 8), r.gauss(100, 6), r.gauss(60, 4), r.gauss(22, 2)
    else:
        hr, sbp, dbp, rr = r.gauss(76, 7), r.gauss(121, 7), r.gauss(73, 5), r.gauss(16, 1.5)
    fields: dict[str, Any] = {
        "temperature": round(temp_c * 9 / 5 + 32, 1) if p.fahrenheit else round(temp_c, 1),
        "temperature_unit": TempUnit.F if p.fahrenheit else TempUnit.C,
        "hr": round(hr + fever_hr),
        "sbp": round(sbp),
        "dbp": round(min(dbp, sbp - 15)),
        "rr": round(rr),
        "spo2": min(100, round(r.gauss(97.5, 1.2))),
        "o2_device": O2Device.ROOM_AIR,
        "o2_indication": O2Indication.NONE,
    }
    if p.child:
        fields |= {"crt_s": r.choice((1, 1, 2)), "resp_effort": RespEffort.NORMAL}
    else:
        fields["acvpu"] = Acvpu.ALERT
    return VitalSigns(**fields)


def neuro_for(p: Patient) -> NeuroCheck:
    common: dict[str, Any] = {
        "consciousness": Consciousness.AWAKENS_SPONTANEOUSLY,
        "seizure": Seizure.NONE,
        "motor": MotorFinding.NONE,
        "cerebral_edema": CerebralEdema.NONE,
    }
    if p.ice:
        items = {"ice_orientation": 4, "ice_naming": 3, "ice_commands": 1, "ice_writing": 1}
        return NeuroCheck(tool="ICE", ice_attention=1, **items, **common)
    # A well child scores 0: any CAPD 1-8 is an ICANS grade 1 by the letter of ASTCT (D1), and an
    # episode stays open until a clinician closes it, which this synthetic ward does not do for ICANS.
    points = [0] * 8
    names = (
        "capd_eye_contact", "capd_purposeful", "capd_aware", "capd_communicates",
        "capd_restless", "capd_inconsolable", "capd_underactive", "capd_slow_response",
    )  # fmt: skip
    return NeuroCheck(tool="CAPD", **dict(zip(names, points, strict=True)), **common)


def admission_for(p: Patient, infusion: datetime) -> Admission:
    return Admission(
        patient_id=p.id,
        name=f"Bench {p.id}",
        date_of_birth=p.born,
        sex=Sex.FEMALE if p.rng.random() < 0.5 else Sex.MALE,
        weight_kg=p.weight_kg,
        diagnosis=Diagnosis.NEUROBLASTOMA if p.child else Diagnosis.DSRCT,
        developmental_delay=False,
        infusion_at=infusion,
        product="GD2/B7H3 CAR-T",
        dose_cells_per_kg=3e6,
        baseline_ice=10 if p.ice else None,
        baseline_capd=None if p.ice else 2,
    )


def graded_payload(
    p: Patient,
    infusion: datetime,
    at: datetime,
    v: VitalSigns,
    neuro: tuple[datetime, NeuroCheck] | None,
    crs_open: bool,
    source: str,
) -> AssessmentRecord:
    """What the ward stores for a time point (Regrader), graded on a simple state."""
    values: dict[str, Any] = {}
    if neuro is not None and at - neuro[0] <= timedelta(hours=DEFAULT_POLICY.neuro_fresh_hours):
        n = neuro[1]
        values = {
            "ice_score": n.ice_score,
            "capd_score": n.capd_score,
            "consciousness": n.consciousness,
            "seizure": n.seizure,
            "motor_weakness": n.motor,
            "cerebral_edema": n.cerebral_edema,
        }
    if neuro is not None:
        values["hours_since_last_neuro_assessment"] = (at - neuro[0]).total_seconds() / 3600
    temp = (
        {"temp_f": v.temperature} if v.temperature_unit is TempUnit.F else {"temp_c": v.temperature}
    )
    state = PatientState(
        age_years=age_years(p.born, at),
        day_post_infusion=day_post_infusion(infusion, at),
        sbp=v.sbp,
        dbp=v.dbp,
        hr=v.hr,
        rr=v.rr,
        spo2=v.spo2,
        o2_device=v.o2_device,
        o2_indication=v.o2_indication,
        acvpu=v.acvpu,
        crt_s=v.crt_s,
        resp_effort=v.resp_effort,
        baseline_ice=10 if p.ice else None,
        baseline_capd=None if p.ice else 2,
        crs_episode_open=crs_open,
        **temp,
        **values,
    )
    a = assess(state, DEFAULT_POLICY)
    return AssessmentRecord.of(
        a,
        source_record=source,
        crs_episode_open=crs_open or bool(a.crs.grade),
        icans_episode_open=bool(a.icans.grade),
        crs_course=a.crs.grade if crs_open or a.crs.grade else None,
        icans_course=a.icans.grade if a.icans.grade else None,
    )


# --- building ------------------------------------------------------------------------------------------


class Loader:
    """Appends through Log.append, committing every BATCH records."""

    def __init__(self, db: Database, log: Log) -> None:
        self.db, self.log, self.count, self._open = db, log, 0, 0
        self._tx: Any = None

    def append(self, record: Record, patient: str, at: datetime, author: Author) -> str:
        if self._tx is None:
            self._tx = transaction(self.db)
            self._tx.__enter__()
        stored = self.log.append(record, patient_id=patient, observed_at=at, author=author.user_id)
        self.count += 1
        self._open += 1
        if self._open >= BATCH:
            self.commit()
        return stored.id

    def commit(self) -> None:
        if self._tx is not None:
            self._tx.__exit__(None, None, None)
            self._tx, self._open = None, 0
            # The ward never checkpoints inside a save (Ward.tick does, once a minute): without this the
            # WAL would grow to the size of the whole file while loading.
            checkpoint(self.db)


def build(
    db: Database, clock: ManualClock, n_patients: int, days: int, seed: int
) -> dict[str, Any]:
    start = END - timedelta(days=days)
    infusion = start + timedelta(days=1)
    patients = make_patients(n_patients, start, seed)
    ward = Ward(db, clock=clock)
    clock.set(start)
    for p in patients:
        result = ward.admit(admission_for(p, infusion), author=NURSE)
        if not isinstance(result, Recorded):
            raise SystemExit(f"admission of {p.id} refused: {result}")
    loader = Loader(db, Log(db, clock))
    steps = int((END - start) / STEP)
    last_neuro: dict[str, tuple[datetime, NeuroCheck]] = {}
    closed: set[str] = set()
    t0 = time.perf_counter()
    shown = t0
    vitals = 0
    for k in range(1, steps + 1):
        at = start + k * STEP
        clock.set(at + timedelta(minutes=1))  # charted a minute after it was taken
        for p in patients:
            if at == infusion:
                premed = Intervention(
                    drug=Drug.PARACETAMOL,
                    dose=15 if p.child else 1000,
                    dose_unit=DoseUnit.MG_PER_KG if p.child else DoseUnit.MG,
                    route=Route.PO,
                    started_at=at - timedelta(minutes=30),
                    indication=Indication.SCHEDULED_PREMEDICATION,
                )
                loader.append(premed, p.id, premed.started_at, NURSE)
            in_fever = p.fever is not None and p.fever[0] <= at
            crs_open = in_fever and p.id not in closed
            v = vitals_for(p, at)
            vid = loader.append(v, p.id, at, NURSE)
            vitals += 1
            if k % NEURO_EVERY == 0:
                check = neuro_for(p)
                loader.append(check, p.id, at, NURSE)
                last_neuro[p.id] = (at, check)
            graded = graded_payload(p, infusion, at, v, last_neuro.get(p.id), crs_open, vid)
            loader.append(graded, p.id, at, NURSE)
            if p.fever is not None and at == _on_grid(p.fever[0], start):
                dose = 15 if p.child else 1000
                unit = DoseUnit.MG_PER_KG if p.child else DoseUnit.MG
                drug = Intervention(
                    drug=Drug.PARACETAMOL,
                    dose=dose,
                    dose_unit=unit,
                    route=Route.PO,
                    started_at=at,
                    indication=Indication.TREATMENT,
                )
                loader.append(drug, p.id, at, NURSE)
            if crs_open and p.fever is not None and at >= p.fever[1] + timedelta(days=2):
                why = "afebrile and haemodynamically stable for 48 h; CRS episode closed"
                closure = EpisodeClosure(syndrome=Syndrome.CRS, reason=why)
                loader.append(closure, p.id, at, PHYSICIAN)
                closed.add(p.id)
        now = time.perf_counter()
        if now - shown >= 15 or k == steps:
            shown = now
            rate = loader.count / (now - t0)
            eta = (steps - k) * (now - t0) / k
            print(
                f"  build: {k / steps:6.1%}  {vitals:>9,} vitals  {loader.count:>10,} records  "
                f"{rate:>7,.0f} rec/s  eta {eta / 60:5.1f} min",
                flush=True,
            )
    loader.commit()
    return {"seconds": time.perf_counter() - t0, "records": loader.count}


def _on_grid(when: datetime, start: datetime) -> datetime:
    steps = math.ceil((when - start) / STEP)
    return start + steps * STEP


# --- measuring -----------------------------------------------------------------------------------------


def pct(samples: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(ns: int) -> float:
    return ns / 1e6


@dataclass
class ChartTimes:
    """What `bench_chart` measures, in ms: each timed save and the raw insert after it, in wall time
    and in this process's CPU time (the rest of the wall time is waiting, mostly for the disk's
    fsync at COMMIT, or for the CPU on a loaded machine); and the SQL statements of each traced save."""

    save: list[float]
    raw: list[float]
    save_cpu: list[float]
    raw_cpu: list[float]
    statements: list[int]


def bench_chart(
    ward: Ward, clock: ManualClock, patients: list[Patient], db: Database
) -> ChartTimes:
    """Save times, the raw baseline's times taken between them, and SQL statements per save
    (counted by a trace callback on the connection). Each timed save is followed by one raw insert, so
    that a burst of load on a shared machine falls on both alike."""
    times = ChartTimes([], [], [], [], [])
    count = [0]

    def counted(_sql: str) -> None:
        count[0] += 1

    gap = STEP / len(patients)  # every patient charted every 15 min, in turn
    with raw_inserts(db.conn.execute) as raw_insert:
        for i in range(CHART_CALLS):
            p = patients[i % len(patients)]
            clock.advance(gap)
            v = vitals_for(p, clock.now())
            # Every 10th save is counted (the callback's own cost stays out of the timed ones).
            traced = i % 10 == 9
            if traced:
                count[0] = 0
                db.conn.set_trace_callback(counted)
            cpu, t = time.process_time_ns(), time.perf_counter_ns()
            result = ward.chart_vitals(p.id, v, observed_at=clock.now(), author=NURSE)
            elapsed, cpu = ms(time.perf_counter_ns() - t), ms(time.process_time_ns() - cpu)
            if traced:
                db.conn.set_trace_callback(None)
                times.statements.append(count[0])
            else:
                times.save.append(elapsed)
                times.save_cpu.append(cpu)
                cpu = time.process_time_ns()
                times.raw.append(ms(raw_insert()))
                times.raw_cpu.append(ms(time.process_time_ns() - cpu))
            if not isinstance(result, Recorded):
                raise SystemExit(f"chart_vitals failed for {p.id}: {result}")
    return times


def bench_series(
    log: Log, now: datetime, ids: list[str], **columns: Any
) -> tuple[list[float], list[int]]:
    samples, rows = [], []
    for pid in ids:
        t = time.perf_counter_ns()
        series = log.vitals_series(pid, now - YEAR, now, **columns)
        samples.append(ms(time.perf_counter_ns() - t))
        rows.append(len(series.t))
    return samples, rows


def disk_usage(db: Database, path: Path) -> dict[str, Any]:
    conn = db.conn
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = Path(f"{path}-wal")
    counts = {
        name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in _tables(db)
    }
    kinds = dict(conn.execute("SELECT kind, count(*) FROM records GROUP BY kind ORDER BY 2 DESC"))
    try:
        sizes = dict(
            conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
        )
        free = conn.execute("SELECT sum(unused) FROM dbstat").fetchone()[0] or 0
    except Exception:  # dbstat is an optional SQLite module
        sizes, free = {}, 0
    return {
        "file": path.stat().st_size,
        "wal": wal.stat().st_size if wal.exists() else 0,
        "counts": counts,
        "kinds": kinds,
        "sizes": sizes,
        "free": free,
    }


def _tables(db: Database) -> list[str]:
    return [
        r[0]
        for r in db.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]


# --- main ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=40)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--db", type=Path, help="database file: reused if it exists, else built")
    parser.add_argument("--quick", action="store_true", help="4 patients x 14 days (smoke test)")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    if args.quick:
        args.patients, args.days = 4, 14

    with tempfile.TemporaryDirectory(prefix="bedside-bench-") as scratch:
        path: Path = args.db or Path(scratch) / "bench.db"
        reuse = path.exists()
        clock = ManualClock(END)
        db = open_database(path, clock=clock)
        try:
            return run(db, path, clock, args, reuse)
        finally:
            db.conn.close()


def run(db: Database, path: Path, clock: ManualClock, args: argparse.Namespace, reuse: bool) -> int:
    print(f"Bedside ward benchmark: {path}")
    print(
        f"  python {sys.version.split()[0]}, sqlite {db.conn.execute('SELECT sqlite_version()').fetchone()[0]}, pid {os.getpid()}"
    )
    if reuse:
        # Per patient through the vitals' (patient_id, observed_at) key: a plain max() reads the whole
        # log. Every time point of the build has a vitals set.
        last = db.conn.execute(
            "SELECT max((SELECT max(v.observed_at) FROM vitals v WHERE v.patient_id = p.patient_id)) "
            "FROM (SELECT DISTINCT patient_id FROM patients) p"
        ).fetchone()[0]
        if last is None:
            raise SystemExit(f"{path} holds no records; remove it to build a new one")
        clock.set(parse_utc(last) + timedelta(minutes=1))
        admitted = Log(db, clock).patients()
        first = min(s.observed_at for s in admitted)
        patients = make_patients(len(admitted), first, args.seed)
        print(f"  reused: {len(patients)} patients, data up to {last}")
        built = None
    else:
        print(
            f"  building {args.patients} patients x {args.days} days (vitals every 15 min, neuro every 4 h)"
        )
        print(f"  assessment payloads: {PAYLOAD_KIND}")
        built = build(db, clock, args.patients, args.days, args.seed)
        patients = make_patients(args.patients, END - timedelta(days=args.days), args.seed)
        clock.set(END + timedelta(minutes=1))

    ward = Ward(db, clock=clock)
    log = Log(db, clock)
    checkpoint(db)  # the WAL as a minutely Ward.tick leaves it
    n_vitals = db.conn.execute("SELECT count(*) FROM vitals").fetchone()[0]
    n_records = db.conn.execute("SELECT count(*) FROM records").fetchone()[0]
    print(f"  database: {n_records:,} records, {n_vitals:,} vitals")
    print("  measuring...", flush=True)

    times = bench_chart(ward, clock, patients, db)
    chart, raw, statements = times.save, times.raw, times.statements
    ids = [p.id for p in patients][:SERIES_PATIENTS]
    series, rows = bench_series(log, clock.now(), ids)
    plot, _ = bench_series(log, clock.now(), ids, columns=PLOT_COLUMNS)
    board_ms = []
    for _ in range(3):
        t = time.perf_counter_ns()
        board = ward.board()
        board_ms.append(ms(time.perf_counter_ns() - t))
    disk = disk_usage(db, path)
    n_vitals = disk["counts"]["vitals"]
    total = disk["file"] + disk["wal"]

    def verdict(value: float, target: float) -> str:
        return "meets" if value <= target else "MISSES"

    line = "-" * 100
    print()
    print(line)
    if built is not None:
        print(
            f"build: {built['records']:,} records in {built['seconds']:.0f} s ({built['records'] / built['seconds']:,.0f} rec/s)"
        )
    print(
        f"database: {len(patients)} patients, {n_vitals:,} vitals, {disk['counts']['records']:,} records, {total / 2**20:,.1f} MiB"
    )
    print(line)
    print(f"{'measure':<44}{'n':>5}{'p50':>10}{'p95':>10}{'p99':>10}{'max':>10}  target")
    print(line)
    print(
        f"{'(a) Ward.chart_vitals, ms':<44}{len(chart):>5}{pct(chart, 50):>10.2f}{pct(chart, 95):>10.2f}"
        f"{pct(chart, 99):>10.2f}{max(chart):>10.2f}  p99 <= {TARGET_CHART_P99_MS:g} ms: "
        f"{verdict(pct(chart, 99), TARGET_CHART_P99_MS)}"
    )
    print(
        f"{'(b) raw durable 1-row INSERT, ms':<44}{len(raw):>5}{pct(raw, 50):>10.2f}{pct(raw, 95):>10.2f}"
        f"{pct(raw, 99):>10.2f}{max(raw):>10.2f}"
    )
    for label, cpu in (
        ("    CPU time of a save, ms", times.save_cpu),
        ("    CPU time of a raw INSERT, ms", times.raw_cpu),
    ):
        print(
            f"{label:<44}{len(cpu):>5}{pct(cpu, 50):>10.2f}{pct(cpu, 95):>10.2f}"
            f"{pct(cpu, 99):>10.2f}{max(cpu):>10.2f}"
        )
    print(
        f"{'    ratio p50(chart) / p50(raw)':<44}{'':>5}{pct(chart, 50) / pct(raw, 50):>10.1f}"
        f"{'':>10}{'':>10}{'':>10}  p50 within 8x: {verdict(pct(chart, 50) / pct(raw, 50), 8)}"
    )
    print(
        f"{'    ratio p99(chart) / p99(raw)':<44}{'':>5}{'':>10}{'':>10}{pct(chart, 99) / pct(raw, 99):>10.1f}"
    )
    print(
        f"{'    SQL statements per save (trace callback)':<44}{len(statements):>5}"
        f"{pct(statements, 50):>10}{'':>10}{'':>10}{max(statements):>10}"
    )
    print(
        f"{'(c) Log.vitals_series(1 year), ms':<44}{len(series):>5}{pct(series, 50):>10.2f}{pct(series, 95):>10.2f}"
        f"{pct(series, 99):>10.2f}{max(series):>10.2f}  <= {TARGET_SERIES_MS:g} ms: "
        f"{verdict(pct(series, 99), TARGET_SERIES_MS)}"
    )
    print(
        f"{'    rows returned per patient (min-max)':<44}{'':>5}{min(rows):>10,}{'':>10}{'':>10}{max(rows):>10,}"
    )
    print(
        f"{'    the same, 2 columns (temp_c, hr), ms':<44}{len(plot):>5}{pct(plot, 50):>10.2f}"
        f"{pct(plot, 95):>10.2f}{pct(plot, 99):>10.2f}{max(plot):>10.2f}"
    )
    print(
        f"{'(d) Ward.board(), ms (3 runs)':<44}{len(board_ms):>5}{sorted(board_ms)[1]:>10.2f}{'':>10}{'':>10}"
        f"{max(board_ms):>10.2f}  ({len(board)} patients)"
    )
    print(
        f"{'(e) bytes on disk per vitals set':<44}{'':>5}{total / n_vitals:>10,.0f}"
        f"   (file {disk['file']:,} B + WAL {disk['wal']:,} B after checkpoint)"
    )
    print(line)
    kinds = ", ".join(f"{k} {v:,}" for k, v in disk["kinds"].items())
    print(f"the file also holds: records by kind: {kinds}")
    others = ", ".join(f"{k} {v:,}" for k, v in disk["counts"].items() if k != "records")
    print(f"  projection and bookkeeping rows: {others}")
    if disk["sizes"]:
        top = ", ".join(f"{k} {v / 2**20:,.1f}" for k, v in list(disk["sizes"].items())[:10])
        print(f"  MiB by table/index (dbstat): {top}")
        per_set = ", ".join(
            f"{k} {v / n_vitals:,.0f}" for k, v in disk["sizes"].items() if v / n_vitals >= 1
        )
        print(f"  bytes per vitals set by table/index (dbstat, incl. free space): {per_set}")
        free = disk["free"]
        print(f"  free space inside those pages: {free / n_vitals:,.0f} B per vitals set")
    print(f"  assessment payloads: {PAYLOAD_KIND}")
    print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
