"""Benchmark of the trend view on a year of 15-minute data for one patient (a script, not a test).

    .venv/bin/python tests/bench/bench_trends.py [--days 365] [--db PATH] [--quick] [--repeat 50]
        [--first 5] [--profile DIR] [--gc app|auto]

Builds (or reuses, with an existing `--db`) one patient's stay with bench_ward's synthetic ward: vitals every
15 minutes, a neuro check every 4 h, a stored assessment per time point. Then, offscreen, measures:

  (a) what one refresh of the "All" range reads through `bedside.chart.Chart` (every vital, the O2 device,
      neuro scores, both grades, drug marks), beside `Log.vitals_series` of the same year of raw rows;
  (b) first draw: `TrendView.show_patient` on the "All" range of a view shown at 1280 x 1000 (offscreen)
      until the plots are rendered into a pixmap
      (the process's first view once: it pays Qt's one-time costs; then `--first` fresh views, medians);
  (c) pan and zoom redraw: a new x range on the linked plots, rendered, repeated;
and (b) and (c) again through the event loop, as on screen: the call, then the events processed until a
pass paints nothing more, with the number of paints it took (pyqtgraph sets a plot's transform at the
start of a paint, and Qt then paints again what that moved);
and, as the raw baseline in the same run, the same arrays drawn by bare pyqtgraph (the same plot count, the
same downsampling and clip-to-view, no bands, marks or steps), and the year's raw 15-minute arrays in bare
pyqtgraph with the same settings. Goals (reported, not asserted): first draw <= 100 ms, redraw median <= 16 ms.
The cyclic garbage collector runs as in the app (`--gc app`, the default: automatic collection off, and
what is due collected before each lap, as the app's timer collects between events, ui/collector.py), or
automatically, inside the laps too (`--gc auto`: how this script measured before; a full collection of
the benchmark's many views took 30-90 ms and fell in six laps of a run); the collections inside the laps
are printed. The time to import the modules is printed apart. `--profile DIR` writes cProfile statistics of a first draw
(fresh view and Chart) and of the pan/zoom loop to DIR (`python -m pstats DIR/redraw.prof`) and prints
their top entries.
"""

from __future__ import annotations

import time

_T_START = time.perf_counter_ns()  # before the imports: their time is reported apart

import argparse  # noqa: E402
import cProfile  # noqa: E402
import gc  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QtMsgType, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from bedside.chart import Chart, Vital  # noqa: E402
from bedside.clock import ManualClock  # noqa: E402
from bedside.records import Syndrome, parse_utc  # noqa: E402
from bedside.store.connection import checkpoint, open_database  # noqa: E402
from bedside.store.log import Log  # noqa: E402
from tests.bench.bench_ward import END, build  # noqa: E402
from tests.support.paints import Paints, painted  # noqa: E402
from ui.collector import GuiCollector  # noqa: E402
from ui.trends import TrendRange, TrendView  # noqa: E402

IMPORTS_MS = (time.perf_counter_ns() - _T_START) / 1e6

TARGET_FIRST_DRAW_MS = 100.0
TARGET_REDRAW_MS = 16.0
SIZE = (1280, 1000)


class Lap(float):
    """Milliseconds of wall-clock time, with the process's CPU time over the same lap in `cpu`: on a
    machine that other work loads, the CPU time says what this process spent, the wall time what a
    user waited."""

    cpu: float


class Collections:
    """The cyclic garbage collections that ran inside the timed laps, per generation (count, ms): a full
    collection of this process's many views takes tens of ms, and where an automatic one falls is
    chance. The app turns automatic collection off and collects from a timer, between events
    (ui/collector.py; its pauses are measured by bench_gc.py): with `collector`, what is due is
    collected before each lap, as that timer would between two events."""

    def __init__(self) -> None:
        self.in_lap = False
        self.collector: GuiCollector | None = None
        self.laps: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0
        gc.callbacks.append(self._on_collection)

    def _on_collection(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter_ns()
        elif self.in_lap:
            self.laps[info["generation"]].append((time.perf_counter_ns() - self._started) / 1e6)


COLLECTIONS = Collections()


def now() -> tuple[int, int]:
    if COLLECTIONS.collector is not None:
        COLLECTIONS.collector.check()
    COLLECTIONS.in_lap = True
    return time.perf_counter_ns(), time.process_time_ns()


def ms_since(t: tuple[int, int]) -> Lap:
    lap = Lap((time.perf_counter_ns() - t[0]) / 1e6)
    lap.cpu = (time.process_time_ns() - t[1]) / 1e6
    COLLECTIONS.in_lap = False
    return lap


def timed(fn: Callable[[], object], n: int) -> list[Lap]:
    out = []
    for _ in range(n):
        t = now()
        fn()
        out.append(ms_since(t))
    return out


def pan_zoom_ranges(start: float, end: float, n: int) -> list[tuple[float, float]]:
    """A pan across the stay at one-month zoom, then zooms out towards the whole stay and back."""
    span = end - start
    width = min(span, 30 * 86400.0)
    out = []
    for i in range(n):
        if i % 2 == 0:  # pan
            left = start + (span - width) * (i / max(n - 1, 1))
            out.append((left, left + width))
        else:  # zoom about the middle
            w = span * (0.1 + 0.9 * ((i * 7) % n) / n)
            mid = start + span / 2
            out.append((mid - w / 2, mid + w / 2))
    return out


def _quiet_offscreen(mode: QtMsgType, context: object, message: str) -> None:
    # the offscreen platform warns, for each window shown, that it has no window manager to hint
    if "propagateSizeHints" not in message:
        sys.stderr.write(message + "\n")


def shown(app: object, widget: QWidget) -> None:
    """Shown at SIZE and laid out, as in the app's window (offscreen), before anything is timed: the
    view buckets to its plots' width in pixels, which a hidden widget does not know yet."""
    widget.resize(*SIZE)
    widget.show()
    app.processEvents()  # type: ignore[attr-defined]


def looped(app: object, move: Callable[[], object], paints: Paints) -> tuple[Lap, int]:
    """A move, then the events processed until a pass paints nothing more: what a pan costs on
    screen (the offscreen platform paints the window's visible part as a screen would), and how many
    times the view was painted for it."""
    t = now()
    move()
    count = painted(app, paints)  # type: ignore[arg-type]
    return ms_since(t), count


class BarePlots:
    """The baseline: bare pyqtgraph, the same stack of plots with DateAxisItem, one curve each."""

    def __init__(self, rows: int) -> None:
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.resize(*SIZE)
        self.plots = []
        self.curves = []
        first = None
        for row in range(rows):
            plot = self.widget.addPlot(
                row=row, col=0, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")}
            )
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            if first is None:
                first = plot
            else:
                plot.setXLink(first)
            self.plots.append(plot)
            self.curves.append(plot.plot(connect="finite"))

    def draw(self, arrays: list[tuple[np.ndarray, np.ndarray]], x0: float, x1: float) -> None:
        for curve, (x, y) in zip(self.curves, arrays, strict=False):
            curve.setData(x, y, connect="finite")
        self.plots[0].setXRange(x0, x1, padding=0)
        self.widget.grab()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--db", type=Path, help="database file: reused if it exists, else built")
    parser.add_argument("--quick", action="store_true", help="14 days, 10 redraws (smoke test)")
    parser.add_argument("--repeat", type=int, default=50, help="pan/zoom redraws measured")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--first", type=int, default=5, help="fresh views whose first draw is timed"
    )
    parser.add_argument("--profile", type=Path, help="write cProfile statistics to this folder")
    parser.add_argument(
        "--gc",
        choices=("app", "auto"),
        default="app",
        help="app (the default): the cyclic collector turned off and what is due collected between the "
        "laps, as the app's timer collects between events (ui/collector.py); auto: Python's automatic "
        "collection, wherever it falls, inside the laps too",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.days, args.repeat, args.first = 14, 10, 2
    qInstallMessageHandler(_quiet_offscreen)
    app = QApplication.instance() or QApplication([])
    if args.gc == "app":
        COLLECTIONS.collector = GuiCollector.install(app)
    with tempfile.TemporaryDirectory(prefix="bedside-bench-trends-") as scratch:
        path: Path = args.db or Path(scratch) / "trends.db"
        reuse = path.exists()
        clock = ManualClock(END)
        db = open_database(path, clock=clock)
        try:
            return run(app, db, path, clock, args, reuse)
        finally:
            db.conn.close()


def run(
    app: object, db: object, path: Path, clock: ManualClock, args: argparse.Namespace, reuse: bool
) -> int:  # type: ignore[type-arg]
    conn = db.conn  # type: ignore[attr-defined]
    print(f"Bedside trend benchmark: {path}")
    print(f"  python {sys.version.split()[0]}, pyqtgraph {pg.__version__}, pid {os.getpid()}")
    print(
        "  garbage collection: "
        + (
            "as in the app, between the laps (--gc app)"
            if args.gc == "app"
            else "Python's automatic collection, inside the laps too (--gc auto)"
        )
    )
    print(f"  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the start")
    if reuse:
        last = conn.execute("SELECT max(observed_at) FROM records").fetchone()[0]
        if last is None:
            raise SystemExit(f"{path} holds no records; remove it to build a new one")
        clock.set(parse_utc(last) + timedelta(minutes=1))
        print(f"  reused: data up to {last}")
    else:
        print(f"  building 1 patient x {args.days} days (vitals every 15 min, neuro every 4 h)")
        built = build(db, clock, 1, args.days, args.seed)  # type: ignore[arg-type]
        print(f"  built {built['records']:,} records in {built['seconds']:.0f} s")
        clock.set(END + timedelta(minutes=1))
    checkpoint(db)  # type: ignore[arg-type]
    patient = conn.execute("SELECT patient_id FROM patients LIMIT 1").fetchone()[0]
    n_vitals = conn.execute(
        "SELECT count(*) FROM vitals WHERE patient_id = ?", [patient]
    ).fetchone()[0]
    print(f"  patient {patient}: {n_vitals:,} vitals sets")

    chart = Chart(db)  # type: ignore[arg-type]
    span = chart.span(patient)
    assert span is not None
    start, end = span[0], clock.now()

    # (a) reads: what one refresh of "All" reads, with a Chart made anew (cold: the hourly rows are
    # read from the database) and with the same Chart again (warm: the cached hourly rows)
    def read_all(c: Chart) -> None:
        c.envelope(patient, list(Vital), start, end)
        c.o2_devices(patient, start, end)
        c.neuro_scores(patient, start, end)
        c.grades(patient, Syndrome.CRS, start, end)
        c.grades(patient, Syndrome.ICANS, start, end)
        c.drug_marks(patient, start, end)
        c.sbp_threshold(patient, start, end)

    read_all(chart)  # warm the page cache: both sides read warm
    reads_cold = timed(lambda: read_all(Chart(db)), 5)  # type: ignore[arg-type]
    reads = timed(lambda: read_all(chart), 5)
    log = Log(db, clock)  # type: ignore[arg-type]
    columns = tuple(v.value for v in Vital)
    raw_reads = timed(lambda: log.vitals_series(patient, start, end, columns), 5)
    year = log.vitals_series(patient, start, end, columns)
    hourly = chart.envelope(patient, list(Vital), start, end)[Vital.HEART_RATE].hourly

    # (b) first draw of the real view
    view = TrendView(Chart(db), now=clock.now)  # type: ignore[arg-type]
    shown(app, view)
    view.set_range(TrendRange.ALL)
    t = now()
    view.show_patient(patient)
    view.graphics.grab()
    first_draw = ms_since(t)

    # again on fresh views, each with a fresh Chart: the first one paid Qt's one-time start-up costs
    def fresh_draw(c: Chart) -> tuple[TrendView, Lap]:
        v = TrendView(c, now=clock.now)
        shown(app, v)
        v.set_range(TrendRange.ALL)
        t = now()
        v.show_patient(patient)
        v.graphics.grab()
        return v, ms_since(t)

    views: list[TrendView] = []
    colds: list[Lap] = []
    for _ in range(args.first):
        v, ms = fresh_draw(Chart(db))  # type: ignore[arg-type]
        views.append(v)
        colds.append(ms)
    view2 = views[0]
    # and views on a Chart that has read this patient before (the app's one Chart, patient shown again)
    warms: list[Lap] = []
    for _ in range(args.first):
        v, ms = fresh_draw(chart)
        views.append(v)
        warms.append(ms)

    # the same through the event loop, as on screen: show_patient, then the events processed until
    # nothing is left to paint
    def fresh_looped(c: Chart) -> tuple[TrendView, Lap, int]:
        v = TrendView(c, now=clock.now)
        shown(app, v)
        v.set_range(TrendRange.ALL)
        paints = Paints(v.graphics.viewport())
        looped(app, lambda: None, paints)  # what the empty range left to paint, untimed
        lap, painted = looped(app, lambda: v.show_patient(patient), paints)
        return v, lap, painted

    loop_colds: list[Lap] = []
    loop_warms: list[Lap] = []
    loop_first_paints: list[int] = []
    for c, laps in ((None, loop_colds), (chart, loop_warms)):
        for _ in range(args.first):
            v, lap, painted = fresh_looped(c or Chart(db))  # type: ignore[arg-type]
            views.append(v)
            laps.append(lap)
            loop_first_paints.append(painted)
    # what the view draws of "All": the arrays its curves were given (before any pan re-reads them)
    empty = np.zeros(0)
    same = [
        (empty, empty) if x is None else (x, y)
        for x, y in (view2.curves[v].getData() for v in Vital)
    ]
    drawn_points = sum(len(x) for x, _ in same)
    profiles: list[tuple[str, cProfile.Profile]] = []
    if args.profile is not None:
        profile = cProfile.Profile()
        profile.enable()
        v, _ = fresh_draw(Chart(db))  # type: ignore[arg-type]
        profile.disable()
        views.append(v)
        profiles.append(("first_draw", profile))

    # (c) pan / zoom redraws
    x0, x1 = start.timestamp(), end.timestamp()
    ranges = pan_zoom_ranges(x0, x1, args.repeat)
    master = view2.plots[Vital.TEMPERATURE.value]
    redraw = []
    reload = []
    if args.profile is not None:
        profile = cProfile.Profile()
        profile.enable()
        for a, b in ranges:
            master.setXRange(a, b, padding=0)
            view2.graphics.grab()
        profile.disable()
        profiles.append(("redraw", profile))
    for a, b in ranges:
        t = now()
        master.setXRange(a, b, padding=0)
        view2.graphics.grab()
        redraw.append(ms_since(t))
        # what the pause after the move then does: re-read the window if needed, and draw it
        t = now()
        view2.load_visible()
        view2.graphics.grab()
        reload.append(ms_since(t))

    # the same moves through the event loop, as on screen (each followed by the re-read after the
    # pause, untimed, as above)
    view_paints = Paints(view2.graphics.viewport())
    loop_redraw: list[Lap] = []
    loop_paints: list[int] = []
    for a, b in ranges:
        lap, painted = looped(app, lambda a=a, b=b: master.setXRange(a, b, padding=0), view_paints)
        loop_redraw.append(lap)
        loop_paints.append(painted)
        view2.load_visible()
        app.processEvents()  # type: ignore[attr-defined]

    # baselines: bare pyqtgraph, the same arrays; and the raw year
    rows = len(view2.plots)

    bare = BarePlots(rows)
    shown(app, bare.widget)
    t = now()
    bare.draw(same, x0, x1)
    bare_first = ms_since(t)
    bare_redraw = []
    for a, b in ranges:
        t = now()
        bare.plots[0].setXRange(a, b, padding=0)
        bare.widget.grab()
        bare_redraw.append(ms_since(t))
    bare_paints = Paints(bare.widget.viewport())
    bare_loop: list[Lap] = []
    bare_loop_paints: list[int] = []
    for a, b in ranges:
        lap, painted = looped(
            app, lambda a=a, b=b: bare.plots[0].setXRange(a, b, padding=0), bare_paints
        )
        bare_loop.append(lap)
        bare_loop_paints.append(painted)
    raw_arrays = [
        (np.asarray(year.t, dtype=float), np.asarray(year[c], dtype=float)) for c in columns
    ]
    raw = BarePlots(rows)
    shown(app, raw.widget)
    t = now()
    raw.draw(raw_arrays, x0, x1)
    raw_first = ms_since(t)
    raw_redraw = []
    for a, b in ranges:
        t = now()
        raw.plots[0].setXRange(a, b, padding=0)
        raw.widget.grab()
        raw_redraw.append(ms_since(t))

    med = statistics.median

    def cpu(xs: list[Lap]) -> float:
        return med([x.cpu for x in xs])

    def p90(xs: list[Lap]) -> float:
        return sorted(xs)[max(0, int(0.9 * len(xs)) - 1)]

    def show(label: str, xs: list[Lap], target: float | None = None) -> None:
        goal = ""
        if target is not None:
            value = med(xs)
            goal = f"  <= {target:g} ms: {'meets' if value <= target else 'MISSES'}"
        print(
            f"{label:<56}{len(xs):>4}{med(xs):>9.1f}{p90(xs):>9.1f}{max(xs):>9.1f}{cpu(xs):>9.1f}{goal}"
        )

    def ratio(label: str, xs: list[Lap], ys: list[Lap]) -> None:
        print(f"{label:<56}{'':>4}{med(xs) / med(ys):>9.2f}{'':>18}{cpu(xs) / cpu(ys):>9.2f}")

    line = "-" * 108
    print()
    print(line)
    print(
        f"one patient, {args.days} days: {n_vitals:,} vitals sets; the view draws {drawn_points:,} points "
        f"({'min/max buckets' if hourly else 'raw'}) over {rows} plots (All)"
    )
    print(line)
    print(
        f"{'measure (ms; cpu: this process, median)':<56}{'n':>4}{'median':>9}{'p90':>9}{'max':>9}{'cpu':>9}  goal"
    )
    print(line)
    show("(a) Chart reads for one refresh (All)", reads)
    show("    raw: Log.vitals_series, 6 columns, 1 span", raw_reads)
    show("    the same with a new Chart (nothing cached)", reads_cold)
    ratio("    ratio reads / raw", reads, raw_reads)
    ratio("    ratio reads, new Chart / raw", reads_cold, raw_reads)
    show("(b) TrendView first draw (read + setData + render)", [first_draw], TARGET_FIRST_DRAW_MS)
    show("    fresh views and Charts, after Qt start-up costs", colds, TARGET_FIRST_DRAW_MS)
    show("    fresh views, on a Chart that read the patient", warms, TARGET_FIRST_DRAW_MS)
    show("    through the event loop (on screen), fresh Charts", loop_colds, TARGET_FIRST_DRAW_MS)
    show(
        "    through the event loop, a Chart that read it",
        loop_warms,
        TARGET_FIRST_DRAW_MS,
    )
    print(
        f"{'      paints per first draw (median, max)':<56}{'':>4}{med(loop_first_paints):>9g}"
        f"{max(loop_first_paints):>18}"
    )
    show("    raw: bare pyqtgraph, same arrays (setData + render)", [bare_first])
    show("    raw: bare pyqtgraph, the raw 15-min year", [raw_first])
    ratio("    ratio first draw (fresh Chart) / bare same arrays", colds, [bare_first])
    ratio("    ratio first draw (read Chart) / bare same arrays", warms, [bare_first])
    show("(c) TrendView pan/zoom redraw", redraw, TARGET_REDRAW_MS)
    show("    then the re-read of the window after the pause", reload)
    show("    raw: bare pyqtgraph, same arrays", bare_redraw)
    show("    raw: bare pyqtgraph, the raw 15-min year", raw_redraw)
    ratio("    ratio redraw / bare same arrays (medians)", redraw, bare_redraw)
    show("    through the event loop (as on screen)", loop_redraw, TARGET_REDRAW_MS)
    print(
        f"{'      paints per move (median, max)':<56}{'':>4}{med(loop_paints):>9g}{max(loop_paints):>18}"
    )
    show("    raw: bare pyqtgraph, same arrays, event loop", bare_loop)
    print(
        f"{'      paints per move (median, max)':<56}{'':>4}{med(bare_loop_paints):>9g}"
        f"{max(bare_loop_paints):>18}"
    )
    print(
        f"{'importing numpy, PySide6, pyqtgraph, bedside, ui.trends':<56}{1:>4}{IMPORTS_MS:>9.1f}"
    )
    print(
        "  garbage collections inside the timed laps (generation: count, ms in all, longest): "
        + "; ".join(
            f"{g}: {len(ms)}, {sum(ms):.1f}, {max(ms, default=0):.1f}"
            for g, ms in COLLECTIONS.laps.items()
        )
    )
    print(f"  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    print(line)
    for name, profile in profiles:
        assert args.profile is not None
        args.profile.mkdir(parents=True, exist_ok=True)
        target = args.profile / f"{name}.prof"
        profile.dump_stats(target)
        print(f"\n{name}: {target}, top entries by own time")
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    for w in (view, *views):
        w.deleteLater()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
