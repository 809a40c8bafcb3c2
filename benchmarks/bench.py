"""Speed and memory of `python run.py` at three scales, against a plain Mesa reference.

    ./dev python benchmarks/bench.py            # full table, writes benchmarks/results.md
    ./dev python benchmarks/bench.py --quick    # scales 0.01 and 0.1 only

Ours: the whole process of `python run.py --scale S` (imports, set-up, 365 days, results
folder with CSVs and figure), several repetitions; median wall time and peak resident
memory of that process (from wait4's rusage).

Reference: the same residents as plain `mesa.Agent`s whose `step` draws one random number,
stepped daily with `shuffle_do`. Its set-up (creating the agents) is timed whole; its days
are timed for a few days and scaled to 365 (said in the table), because a full year at full
scale takes minutes. Both run in fresh processes on this machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results.md"
POPULATION = 700_000
DAYS = 365

IN_PROCESS = r"""
import sys, time
from sim.results.api import run
from sim.config.scenario import load_scenario
scenario = load_scenario(None, {"scale": float(sys.argv[1]), "days": int(sys.argv[2])})
started = time.perf_counter()
run(scenario, seed=1)
print(time.perf_counter() - started)
"""

PHASES = r"""
import sys, time, tempfile
t0 = time.perf_counter()
import mesa
t1 = time.perf_counter()
import sim.cli.main, sim.results.output
t2 = time.perf_counter()
from sim.results.api import run
from sim.config.scenario import load_scenario
result = run(load_scenario(None, {"scale": float(sys.argv[1]), "days": int(sys.argv[2])}), seed=1)
t3 = time.perf_counter()
summary, cases = result.summary, result.cases
from sim.results.output import write_results
folder = tempfile.mkdtemp()
write_results(result, folder + "/a", figure=False)
t4 = time.perf_counter()
from sim.results.figures import save_figure, summary_figure
from sim.results.output import figure_data
save_figure(summary_figure(**figure_data(result)), folder + "/f.png")
t5 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)
"""

REFERENCE = r"""
import sys, time
import mesa

class Resident(mesa.Agent):
    def step(self):
        self.model.random.random()

class Reference(mesa.Model):
    def __init__(self, n):
        super().__init__(rng=1)
        Resident.create_agents(self, n)
    def step(self):
        self.agents.shuffle_do("step")

n, days = int(sys.argv[1]), int(sys.argv[2])
started = time.perf_counter()
model = Reference(n)
setup = time.perf_counter() - started
started = time.perf_counter()
for _ in range(days):
    model.step()
print(setup, (time.perf_counter() - started) / days)
"""


def timed_process(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak resident memory (MB) and stdout of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    out = process.stdout.read()
    err = process.stderr.read()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {err}")
    return wall, usage.ru_maxrss / 1024, out


def ours(scale: float, repetitions: int) -> tuple[float, float, float]:
    """Median whole-process wall time, its peak memory, and the median in-process time of
    model build + simulation alone (no imports, no output files)."""
    walls, peaks, models = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repetitions):
            wall, peak, _ = timed_process([sys.executable, "run.py", "--scale", str(scale), "--days", str(DAYS),
                                           "--quiet", "--out", f"{folder}/out"])
            walls.append(wall)
            peaks.append(peak)
            models.append(float(timed_process([sys.executable, "-c", IN_PROCESS, str(scale), str(DAYS)])[2]))
    return statistics.median(walls), max(peaks), statistics.median(models)


def reference(residents: int, days_timed: int) -> tuple[float, float, float]:
    """Set-up seconds, seconds per day, peak MB of the plain Mesa reference."""
    _, peak, out = timed_process([sys.executable, "-c", REFERENCE, str(residents), str(days_timed)])
    setup, per_day = map(float, out.split())
    return setup, per_day, peak


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    from importlib.metadata import version

    return (f"{cpu}, {os.cpu_count()} cores, {memory_gb:.0f} GiB; Python {platform.python_version()}, "
            f"Mesa {version('mesa')}, NumPy {version('numpy')}; {platform.platform()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="scales 0.01 and 0.1 only; do not write results.md")
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    scales = (0.01, 0.1) if args.quick else (0.01, 0.1, 1.0)
    rows = []
    for scale in scales:
        residents = round(POPULATION * scale)
        wall, peak, model_seconds = ours(scale, args.repetitions)
        days_timed = DAYS if residents <= 10_000 else (30 if residents <= 100_000 else 5)
        setup, per_day, ref_peak = reference(residents, days_timed)
        ref_total = setup + per_day * DAYS
        rows.append((scale, residents, wall, peak, model_seconds, ref_total, days_timed, per_day, ref_peak,
                     ref_total / wall))
        print(f"scale {scale:g}: ours {wall:.2f} s ({model_seconds:.2f} s build + simulation), {peak:.0f} MB | "
              f"plain Mesa {ref_total:.1f} s "
              f"({days_timed} days timed, {per_day * 1e6 / residents:.2f} µs per resident-day), {ref_peak:.0f} MB | "
              f"{ref_total / wall:.0f}× faster", flush=True)
    table = [f"| scale | residents | ours: whole process (median of {args.repetitions:d}) | "
             "ours: build + simulation only | "
             "ours: peak memory | plain Mesa: wall for 365 days | days timed (rest scaled) | "
             "plain Mesa: µs per resident-day | plain Mesa: peak memory | speed-up (whole process) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for scale, residents, wall, peak, model_seconds, ref_total, days_timed, per_day, ref_peak, ratio in rows:
        table.append(f"| {scale:g} | {residents:,} | {wall:.2f} s | {model_seconds:.2f} s | {peak:.0f} MB | "
                     f"{ref_total:.1f} s | {days_timed} | {per_day * 1e6 / residents:.2f} | {ref_peak:.0f} MB | "
                     f"{ratio:.0f}× |")
    if len(rows) >= 2:
        (s0, r0, w0, _, m0, *_), (s1, r1, w1, _, m1, *_) = rows[-2], rows[-1]
        growth = (f"From scale {s0:g} to {s1:g} residents grow {r1 / r0:.0f}×; our whole-process time grows "
                  f"{w1 / w0:.1f}× and build + simulation {m1 / m0:.1f}×: cost grows less than linearly, "
                  "because the fixed start-up (imports of Mesa, pandas, SciPy, Matplotlib) dominates small runs.")
    else:
        growth = ""
    phase_names = ("import Mesa (pulls in pandas, SciPy)", "import the rest (Matplotlib, this package)",
                   "build the model and simulate 365 days", "tables and summary.json",
                   "summary.png (run.py draws it in a helper process, overlapping the rows above)")
    phases = [float(x) for x in timed_process([sys.executable, "-c", PHASES, "0.1", str(DAYS)])[2].split()]
    breakdown = ["| phase (scale 0.1, one process) | seconds |", "| --- | --- |",
                 *(f"| {name} | {value:.2f} |" for name, value in zip(phase_names, phases, strict=True)),
                 "| Python start-up (not measured inside) | ≈ 0.03 |"]
    print("\n".join(table))
    print(growth)
    print("\n".join(breakdown))
    if not args.quick:
        RESULTS.write_text(
            "# Benchmark: a year of Shishi, ours against plain Mesa\n\n"
            f"Generated by `./dev python benchmarks/bench.py` on {time.strftime('%Y-%m-%d')}.\n\n"
            f"Machine: {machine()}.\n\n"
            "Ours is the whole `python run.py --scale S --days 365` process: imports, set-up, simulation, and the "
            "results folder (summary.json, cases.csv, visits.csv, daily.csv, summary.png). The plain Mesa reference "
            "makes every resident a `mesa.Agent` whose `step` draws one random number and steps them daily with "
            "`shuffle_do`; its set-up is timed whole and its days are timed for the number shown and scaled to "
            "365.\n\n" + "\n".join(table) + "\n\n" + growth + "\n\n"
            "Where a small run's time goes (scale 0.1, measured inside one process):\n\n"
            + "\n".join(breakdown) + "\n\n"
            "Targets (issue 3): full scale ≤ 10 s and ≤ 1.5 GB; ≥ 30× faster than the reference; scale 0.1 "
            "≤ 1.5 s; cost no faster than linear in residents.\n", encoding="utf-8")
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
