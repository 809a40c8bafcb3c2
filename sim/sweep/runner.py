"""Running a sweep: every (design point, replication) once, on local processes or on Dask.

Guarantees:

- Seeds come from the experiment seed (``Experiment.seeds``): the same replication seeds at
  every design point, so results do not depend on the backend or the number of workers.
- A run that raises is stored with ``status = "failed"`` and its error text; the sweep goes on.
- Local processes: a worker process that dies (killed, segfault, ``os._exit``) is replaced and
  its run retried, up to ``retries`` times, then stored as failed. (This is our own small pool on
  ``multiprocessing`` connections, not ``ProcessPoolExecutor``, which breaks as a whole — the
  ``BrokenProcessPool`` — when one worker dies, and cannot stop one runaway task.)
- Time limit: a run checks its own wall time every simulated day and stops as ``timed_out``;
  locally, a worker still busy ``TIMEOUT_GRACE`` seconds after the limit (stuck inside one day)
  is killed and the run stored as ``timed_out``.
- Results are stored in Parquet parts as runs finish (sim.sweep.store); rerunning the same
  command skips every run already stored (by run id) and does the rest.

Dask: ``dask="local"`` starts a ``LocalCluster``; any other string is a scheduler address
(``tcp://host:8786``). Dask reschedules the task of a worker that dies (up to the scheduler's
``distributed.scheduler.allowed-failures``), then we store the run as failed. See
experiments/README.md for SLURM through dask-jobqueue.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import socket
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

import pandas as pd

from sim.sweep.design import Design, build_design
from sim.sweep.errors import SweepError
from sim.sweep.experiment import Experiment, canonical
from sim.sweep.store import Store, atomic_write_bytes, atomic_write_json, atomic_write_parquet

TIMEOUT_GRACE = 5.0  # seconds past the limit before a local worker is killed
FLUSH_ROWS, FLUSH_SECONDS = 50, 2.0


@dataclass(frozen=True)
class RunSpec:
    run_id: str
    point: int
    replication: int
    seed: int
    values: dict


@dataclass(frozen=True)
class Job:
    """What every run of a sweep shares (sent once to each worker)."""

    scenario_path: str
    base_overrides: dict
    outcomes: tuple[str, ...]
    factor_names: tuple[str, ...]
    daily: bool
    timeout: float


@dataclass(frozen=True)
class Faults:
    """Test hooks, keyed by (point, replication): raise, kill the worker once, or hang."""

    raise_in: frozenset = frozenset()
    exit_once: frozenset = frozenset()
    hang_in: frozenset = frozenset()
    exit_always: frozenset = frozenset()
    marker_dir: str = ""


class RunTimedOut(Exception):
    pass


# ---------------------------------------------------------------- one run (in the worker)

_BASE_CACHE: dict = {}


def _base_scenario(job: Job):
    from sim.scenario import load_scenario

    key = (job.scenario_path, canonical(job.base_overrides))
    if key not in _BASE_CACHE:
        _BASE_CACHE[key] = load_scenario(job.scenario_path, job.base_overrides)
    return _BASE_CACHE[key]


def execute(spec: RunSpec, job: Job, faults: Faults | None = None) -> tuple[dict, pd.DataFrame | None]:
    """Run one (point, replication); never raises for a model error: returns a row with the status."""
    from sim.api import run
    from sim.metrics import flat_outcomes

    started = time.perf_counter()
    status, error, outcomes, daily = "ok", "", {}, None
    try:
        _inject(spec, faults)
        scenario = _base_scenario(job).with_overrides(spec.values, source="design point")

        def watchdog(day: int) -> None:
            if job.timeout and time.perf_counter() - started > job.timeout:
                raise RunTimedOut(f"stopped on day {day}: over the time limit of {job.timeout:g} s")

        result = run(scenario, seed=spec.seed, on_day=watchdog)
        flat = flat_outcomes({k: v for k, v in result.summary.items() if k != "provenance"})
        outcomes = {name: _number(flat.get(name)) for name in job.outcomes}
        if job.daily:
            daily = result.daily.copy()
            daily.insert(0, "replication", spec.replication)
            daily.insert(0, "point", spec.point)
            daily.insert(0, "run_id", spec.run_id)
    except RunTimedOut as exc:
        status, error = "timed_out", str(exc)
    except Exception as exc:
        status = "failed"
        error = f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exc())[-3000:]
    row = make_row(spec, job, status, error, outcomes, time.perf_counter() - started)
    return row, daily if status == "ok" else None


def make_row(spec: RunSpec, job: Job, status: str, error: str, outcomes: dict, wall: float,
             attempts: int = 1) -> dict:
    row = {"run_id": spec.run_id, "point": spec.point, "replication": spec.replication, "seed": spec.seed}
    row.update({name: spec.values[name] for name in job.factor_names})
    row.update({name: _number(outcomes.get(name)) for name in job.outcomes})
    row.update({"status": status, "error": error, "wall_seconds": float(wall), "attempts": attempts,
                "worker": f"{socket.gethostname()}:{os.getpid()}",
                "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    return row


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _inject(spec: RunSpec, faults: Faults | None) -> None:
    if faults is None:
        return
    key = (spec.point, spec.replication)
    if key in faults.exit_once:
        marker = Path(faults.marker_dir) / f"exited-{spec.run_id}"
        if not marker.exists():
            marker.touch()
            os._exit(3)
    if key in faults.exit_always:
        os._exit(4)
    if key in faults.hang_in:
        time.sleep(3600)
    if key in faults.raise_in:
        raise RuntimeError(f"injected failure (test hook) in point {spec.point} replication {spec.replication}")


# ---------------------------------------------------------------- planning


def plan_runs(experiment: Experiment, design: Design | None = None) -> list[RunSpec]:
    """Every run, replication-major (all points' first replication, then the second, …), so an
    interrupted sweep has even coverage. The run id hashes the full parameter set, the point id
    (a design may repeat a parameter set) and the seed."""
    design = build_design(experiment) if design is None else design
    base = experiment.base_scenario().params.changed()
    specs = []
    for replication, seed in enumerate(experiment.seeds()):
        for point, values in enumerate(design.points):
            # the point id too: sampled designs (Morris) can repeat a parameter set at two points
            key = canonical({"parameters": {**base, **values}, "point": point, "seed": seed})
            run_id = hashlib.sha256(key.encode()).hexdigest()[:16]
            specs.append(RunSpec(run_id, point, replication, seed, dict(values)))
    return specs


def job_for(experiment: Experiment) -> Job:
    return Job(str(experiment.scenario_path), experiment.base_overrides(), tuple(experiment.outcomes),
               tuple(experiment.factor_names), experiment.daily, experiment.timeout)


# ---------------------------------------------------------------- local processes

OnDone = Callable[[dict, "pd.DataFrame | None"], None]


def _worker_main(conn, job: Job, faults: Faults | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            spec = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if spec is None:
            return
        result = execute(spec, job, faults)
        try:
            conn.send(result)
        except OSError:  # BrokenPipeError: the parent is gone; its rerun will redo this run
            return


class _Worker:
    def __init__(self, ctx, job: Job, faults: Faults | None):
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, job, faults), daemon=True)
        self.proc.start()
        child.close()
        self.spec: RunSpec | None = None
        self.started = 0.0

    def give(self, spec: RunSpec) -> None:
        self.spec, self.started = spec, time.monotonic()
        try:
            self.conn.send(spec)
        except OSError:
            pass  # dead already: found below as a dead worker

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class LocalPool:
    """Processes that each run one run at a time; dead or stuck workers are replaced."""

    def __init__(self, workers: int, *, timeout: float = 0.0, retries: int = 2, faults: Faults | None = None,
                 start_method: str = "forkserver"):
        self.workers, self.timeout, self.retries, self.faults = workers, timeout, retries, faults
        self.ctx = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self.ctx.set_forkserver_preload(["sim.sweep.runner", "sim.api"])
        self.restarts = 0

    def run(self, specs: list[RunSpec], job: Job, on_done: OnDone) -> None:
        pending = deque(specs)
        attempts: Counter = Counter()
        count = min(self.workers, len(pending))
        if count == 0:
            return
        pool = [_Worker(self.ctx, job, self.faults) for _ in range(count)]
        try:
            while pending or any(w.spec is not None for w in pool):
                for worker in pool:
                    if worker.spec is None and pending:
                        spec = pending.popleft()
                        attempts[spec.run_id] += 1
                        worker.give(spec)
                busy = [w for w in pool if w.spec is not None]
                wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=self._wait_for(busy))
                for index, worker in enumerate(pool):
                    spec = worker.spec
                    if spec is None:
                        continue
                    result, dead = None, False
                    if worker.conn.poll():
                        try:
                            result = worker.conn.recv()
                        except (EOFError, OSError):
                            dead = True
                    elif not worker.proc.is_alive():
                        dead = True
                    if result is not None:
                        worker.spec = None
                        row, daily = result
                        row["attempts"] = attempts[spec.run_id]
                        on_done(row, daily)
                    elif dead:
                        worker.proc.join(5)
                        code = worker.proc.exitcode
                        pool[index] = self._replace(worker, job)
                        if attempts[spec.run_id] > self.retries:
                            on_done(make_row(spec, job, "failed", f"worker process died (exit code {code}) on "
                                             f"each of {attempts[spec.run_id]} attempts", {}, 0.0,
                                             attempts[spec.run_id]), None)
                        else:
                            pending.appendleft(spec)
                    elif self.timeout and time.monotonic() - worker.started > self.timeout + TIMEOUT_GRACE:
                        pool[index] = self._replace(worker, job)
                        on_done(make_row(spec, job, "timed_out", f"no result {self.timeout:g} s (+{TIMEOUT_GRACE:g} "
                                         "s grace) after start; worker killed", {},
                                         time.monotonic() - worker.started, attempts[spec.run_id]), None)
        finally:
            for worker in pool:
                worker.stop()
            deadline = time.monotonic() + 2.0
            for worker in pool:
                worker.proc.join(max(0.0, deadline - time.monotonic()))
                worker.kill()

    def _replace(self, worker: _Worker, job: Job) -> _Worker:
        worker.kill()
        self.restarts += 1
        return _Worker(self.ctx, job, self.faults)

    def _wait_for(self, busy: list[_Worker]) -> float | None:
        if not self.timeout or not busy:
            return 1.0
        now = time.monotonic()
        return max(0.05, min(w.started + self.timeout + TIMEOUT_GRACE - now for w in busy))


# ---------------------------------------------------------------- Dask


def run_dask(specs: list[RunSpec], job: Job, on_done: OnDone, *, address: str, workers: int, retries: int,
             faults: Faults | None = None, processes: bool = True) -> None:
    """The same runs on Dask: ``address="local"`` → a LocalCluster of ``workers`` single-thread
    workers; else the scheduler at ``address``. Results arrive in completion order."""
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    if not specs:
        return
    cluster = None
    with dask.config.set({"distributed.scheduler.allowed-failures": retries}):
        if address == "local":
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                                   dashboard_address=None)
            client = Client(cluster)
        else:
            try:
                client = Client(address, timeout="30s")
            except OSError as error:
                raise SweepError("--dask", None, f"cannot reach the Dask scheduler at {address} ({error})") from None
    try:
        by_key = {}
        futures = []
        for spec in specs:
            future = client.submit(execute, spec, job, faults, key=f"sweep-run-{spec.run_id}", pure=False)
            by_key[future.key] = spec
            futures.append(future)
        for future in as_completed(futures):
            spec = by_key[future.key]
            try:
                row, daily = future.result()
            except Exception as exc:  # KilledWorker after repeated worker deaths, lost connection, …
                row, daily = make_row(spec, job, "failed", f"{type(exc).__name__}: {exc}", {}, 0.0, retries + 1), None
            future.release()
            on_done(row, daily)
    finally:
        for future in futures if "futures" in locals() else []:
            future.cancel()
        client.close()
        if cluster is not None:
            cluster.close()


# ---------------------------------------------------------------- a sweep


@dataclass
class SweepResult:
    out: Path
    total: int
    skipped: int
    ran: int
    status: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    restarts: int = 0
    summary: pd.DataFrame | None = None


def run_sweep(experiment: Experiment, out: str | Path, *, workers: int | None = None, dask: str | None = None,
              retry_failed: bool = False, csv: bool = False, quiet: bool = False, faults: Faults | None = None,
              on_result: Callable[[dict], None] | None = None, dask_processes: bool = True, report: bool = True,
              console=None) -> SweepResult:
    """Run (or resume) a sweep into ``out``; returns counts. ``on_result`` is called after each
    stored run (a test hook: raising KeyboardInterrupt there simulates Ctrl-C)."""
    from sim.provenance import provenance

    workers = (os.cpu_count() or 1) if workers is None else workers
    if not isinstance(workers, int) or workers < 1:
        raise SweepError("--workers", None, f"expected a whole number ≥ 1, got {workers!r}")
    out = Path(out)
    store = Store(out)
    design = build_design(experiment)
    specs = plan_runs(experiment, design)
    manifest = _open_manifest(store, experiment, out)  # raises before anything is written

    store.create()
    if not (out / "experiment.toml").exists():
        atomic_write_bytes(out / "experiment.toml", experiment.text.encode("utf-8"))
        points = pd.DataFrame([{"point": i, **values} for i, values in enumerate(design.points)])
        atomic_write_parquet(points, out / "design.parquet")
        atomic_write_json({"method": experiment.method, "options": experiment.design_options,
                           "sampled": [f.name for f in design.sampled],
                           "unit": design.unit.tolist() if design.unit is not None else None,
                           "blocks": design.blocks}, out / "design.json")
    session = {"started_at": _now(), "backend": f"dask:{dask}" if dask else "local", "workers": workers,
               "git_commit": provenance()["git_commit"], "retry_failed": retry_failed, "status": "running"}
    manifest["sessions"].append(session)
    store.write_manifest(manifest)

    done = store.done_ids(retry_failed=retry_failed)
    todo = [spec for spec in specs if spec.run_id not in done]
    result = SweepResult(out, len(specs), len(specs) - len(todo), 0)
    job = job_for(experiment)
    buffer: list[tuple[dict, pd.DataFrame | None]] = []
    last_flush = time.monotonic()
    started = time.perf_counter()

    def flush() -> None:
        nonlocal last_flush
        if buffer:
            store.append([row for row, _ in buffer], [daily for _, daily in buffer])
            buffer.clear()
        last_flush = time.monotonic()

    progress = _Progress(console, len(todo), quiet, f"{experiment.name}: {len(specs)} runs, "
                                                    f"{result.skipped} stored already")

    def on_done(row: dict, daily) -> None:
        buffer.append((row, daily))
        result.ran += 1
        result.status[row["status"]] += 1
        progress.advance(result.status)
        if len(buffer) >= FLUSH_ROWS or time.monotonic() - last_flush >= FLUSH_SECONDS:
            flush()
        if on_result is not None:
            on_result(row)

    outcome = "interrupted"
    try:
        with progress:
            if dask:
                run_dask(todo, job, on_done, address=dask, workers=workers, retries=experiment.retries,
                         faults=faults, processes=dask_processes)
            else:
                pool = LocalPool(workers, timeout=experiment.timeout, retries=experiment.retries, faults=faults)
                try:
                    pool.run(todo, job, on_done)
                finally:
                    result.restarts = pool.restarts
        outcome = "finished"
    finally:
        flush()
        result.seconds = time.perf_counter() - started
        session.update(status=outcome, finished_at=_now(), runs_done=result.ran, seconds=round(result.seconds, 3),
                       statuses=dict(result.status), worker_restarts=result.restarts)
        store.write_manifest(manifest)
    if csv:
        store.export_csv()
    if report:
        from sim.sweep.report import report as make_report

        result.summary = make_report(out, csv=csv, quiet=quiet, console=console)
    return result


def _open_manifest(store: Store, experiment: Experiment, out: Path) -> dict:
    from sim.provenance import provenance

    if out.exists() and not out.is_dir():
        raise SweepError("--out", None, f"{out} exists and is not a folder")
    if store.exists():
        manifest = store.read_manifest()
        old = manifest.get("experiment", {})
        if old.get("sha256") != experiment.sha256:
            raise SweepError("--out", None, f"{out} holds a sweep of a different experiment file "
                                            f"({old.get('path')}, sha256 {str(old.get('sha256'))[:12]}…); "
                                            "choose another --out")
        settings = manifest.get("settings", {})
        for key in ("days", "scale", "seed"):
            if settings.get(key) != getattr(experiment, key):
                raise SweepError("--out", None, f"{out} holds a sweep with {key} = {settings.get(key)}, not "
                                                f"{getattr(experiment, key)}; choose another --out")
        manifest["settings"]["replications"] = max(settings.get("replications", 0), experiment.replications)
        return manifest
    if out.exists() and any(out.iterdir()):
        raise SweepError("--out", None, f"{out} is a folder with other files and no manifest.json; "
                                        "choose an empty or new folder")
    base = experiment.base_scenario()
    return {
        "experiment": {"name": experiment.name, "path": str(experiment.path), "sha256": experiment.sha256,
                       "purpose": experiment.purpose},
        "scenario_files": [{"path": str(p), "sha256": hashlib.sha256(Path(p).read_bytes()).hexdigest()}
                           for p in base.chain],
        "settings": experiment.settings(),
        "factors": [{"name": f.name, "kind": f.kind, "values": f.describe()} for f in experiment.factors],
        "seeds": experiment.seeds(),
        "started_at": _now(),
        **provenance(),
        "sessions": [],
    }


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class _Progress:
    """A rich progress bar (runs done, rate, ETA, failures) on stderr; silent when quiet."""

    def __init__(self, console, total: int, quiet: bool, title: str):
        self.total, self.quiet, self.title = total, quiet, title
        self.console = console
        self.bar = None

    def __enter__(self):
        if self.quiet:
            return self
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        console = self.console or Console(stderr=True)
        console.print(self.title)
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                            TimeRemainingColumn(), TextColumn("{task.fields[problems]}"), console=console)
        self.bar.start()
        self.task = self.bar.add_task("runs", total=self.total, rate="", problems="")
        return self

    def advance(self, status: Counter) -> None:
        if self.bar is None:
            return
        self.bar.advance(self.task)
        speed = self.bar.tasks[0].speed
        problems = ", ".join(f"{status[s]} {s}" for s in ("failed", "timed_out") if status[s])
        self.bar.update(self.task, rate=f"{speed:.1f} runs/s" if speed else "", problems=problems)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
