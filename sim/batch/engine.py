"""The experiment engine under every analysis: run specifications in, flat outcome rows out.

    job = Job(scenario_path=str(BASELINE), base_overrides={"scale": 0.1})
    specs = plan(job, [{"workers_per_10k": 12.0}, {"workers_per_10k": 18.0}], sequential_seeds(1, 5))
    rows = run_many(specs, job, processes=2)        # one dict per run, in the order of ``specs``

One scheme for everything that runs the model many times (compare, calibrate, staffing,
sensitivity, discover, sweep, validate):

- **Seeds.** Replication *r* of every design point runs on the same seed (``sim.batch.seeds``), so
  policies meet the same disputes (common random numbers), whatever the backend or the number of
  processes.
- **Run ids.** A run's id hashes its full parameter set, its point and its seed (``run_id``): a
  stored run is found again on a rerun, so every caller that stores is resumable.
- **Rows.** A run is ``execute``-d into one flat row: its ids and seed, its factor values, its
  outcomes under identifier-safe declared names (``sim.config.outcomes``), optional extra measures
  (``Job.measure``, a ``"module:function"`` given the run's result), and its status. ``execute``
  never raises for a model error: the row says ``failed`` (or ``timed_out``) with the error text.
- **One pool.** An ``Engine`` runs tasks in this process (``processes=1``), on local worker
  processes that survive a dying worker and stop a runaway run (``LocalPool``), or on Dask;
  ``run_tasks`` and ``run_many`` are its shorthands, and a sweep uses it as they do.
- **One store.** Callers that keep their runs use ``sim.batch.store.Store`` (Parquet parts
  written atomically, a manifest, resumable); its Parquet files carry each column's unit and
  description.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import multiprocessing
import os
import signal
import socket
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from sim.config.ensemble import Member

TIMEOUT_GRACE = 5.0  # seconds past the limit before a local worker is killed


@dataclass(frozen=True)
class Job:
    """What a set of runs shares (sent with each run to the worker)."""

    scenario_path: str  # a scenario file; "" for the baseline
    base_overrides: Mapping[str, object] = field(default_factory=dict)
    outcomes: tuple[str, ...] = ()  # declared outcomes to keep; () keeps every one
    factor_names: tuple[str, ...] = ()  # the parameters that vary between specs (columns of the row)
    daily: bool = False  # also return the run's daily table
    timeout: float = 0.0  # seconds of wall time per run (0 = no limit)
    measure: str = ""  # "module:function(result, outcomes) -> dict": extra measures from the run's records

    def key(self) -> str:
        return canonical({"scenario": self.scenario_path, "base": dict(self.base_overrides)})


@dataclass(frozen=True)
class RunSpec:
    """One run: a design point's parameter values on one replication's seed."""

    run_id: str
    point: int
    replication: int
    seed: int
    values: Mapping[str, object]
    member: int = -1  # the ensemble member whose values are merged in (``plan``'s ``members``); -1: none


class RunTimedOut(Exception):
    pass


# ---------------------------------------------------------------- seeds and run ids


def canonical(data) -> str:
    """A stable text for hashing: sorted keys, floats in repr."""
    return json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))


def run_id(parameters: Mapping[str, object], point: int, seed: int) -> str:
    """The id of a run: its full parameter set (base and point), its point and its seed."""
    key = canonical({"parameters": dict(parameters), "point": point, "seed": seed})
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def plan(job: Job, points: list[Mapping[str, object]], replication_seeds: list[int], base=None,
         members: Sequence[Member] = ()) -> list[RunSpec]:
    """Every (point, replication), replication-major (all points' first replication, then the
    second, …), so an interrupted batch has even coverage. ``base``: the job's base scenario when
    the caller has it loaded already.

    With ``members`` (calibrated worlds, ``sim.config.ensemble``), every point runs in every
    member: the member's values first, the point's on top (a point that sets an uncertainty
    overrides the member's value), on the same replication seeds (common random numbers within
    and across members)."""
    base = (base if base is not None else _base_scenario(job)).params.changed()
    if not members:
        return [RunSpec(run_id({**base, **values}, point, seed), point, replication, seed, dict(values))
                for replication, seed in enumerate(replication_seeds) for point, values in enumerate(points)]
    specs = []
    for replication, seed in enumerate(replication_seeds):
        for member in members:
            for point, values in enumerate(points):
                merged = {**member.values, **values}
                specs.append(RunSpec(run_id({**base, **merged, "ensemble_member": member.index}, point, seed), point,
                                     replication, seed, merged, member.index))
    return specs


# ---------------------------------------------------------------- one run


_BASE_CACHE: dict = {}


def _base_scenario(job: Job):
    from sim.config.scenario import load_scenario

    key = job.key()
    if key not in _BASE_CACHE:
        _BASE_CACHE[key] = load_scenario(job.scenario_path or None, dict(job.base_overrides))
    return _BASE_CACHE[key]


def _measure_function(name: str) -> Callable:
    module, function = name.split(":")
    return getattr(importlib.import_module(module), function)


def execute(spec: RunSpec, job: Job) -> tuple[dict, pd.DataFrame | None]:
    """Run one spec; never raises for a model error: the row's ``status`` says what happened."""
    from sim.config.outcomes import outcome_row
    from sim.results.api import run

    started = time.perf_counter()
    status, error, values, daily = "ok", "", {}, None
    try:
        scenario = _base_scenario(job).with_overrides(spec.values, source="design point")

        def watchdog(day: int) -> None:
            if job.timeout and time.perf_counter() - started > job.timeout:
                raise RunTimedOut(f"stopped on day {day}: over the time limit of {job.timeout:g} s")

        result = run(scenario, seed=spec.seed, on_day=watchdog)
        outcomes = outcome_row(result.summary)
        values = {name: outcomes[name] for name in (job.outcomes or outcomes) if name in outcomes}
        if job.measure:
            values.update(_measure_function(job.measure)(result, job.outcomes))
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
    row = make_row(spec, job, status, error, values, time.perf_counter() - started)
    return row, daily if status == "ok" else None


def make_row(spec: RunSpec, job: Job, status: str, error: str, values: Mapping[str, object], wall: float,
             attempts: int = 1) -> dict:
    """A run's flat row. Outcome and factor columns have identifier-safe names (a dotted
    parameter such as ``service_days.town`` becomes ``service_days__town``)."""
    from sim.config.outcomes import column_name

    row = {"run_id": spec.run_id, "point": spec.point, "replication": spec.replication, "seed": spec.seed}
    if spec.member >= 0:
        row["member"] = spec.member
    row.update({column_name(name): spec.values[name] for name in job.factor_names})
    names = list(job.outcomes) or [name for name in values if name not in row]
    row.update({column_name(name): _number(values.get(name)) for name in names})
    row.update({column_name(name): _number(value) for name, value in values.items() if name not in names})
    row.update({"status": status, "error": error, "wall_seconds": float(wall), "attempts": attempts,
                "worker": f"{socket.gethostname()}:{os.getpid()}", "finished_at": pd.Timestamp.now(tz="UTC")})
    return row


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


# ---------------------------------------------------------------- many runs

OnDone = Callable[[dict, "pd.DataFrame | None"], None]
Execute = Callable[[RunSpec, Job], tuple[dict, "pd.DataFrame | None"]]


Task = tuple[RunSpec, Job]


def run_many(specs: Iterable[RunSpec], job: Job, *, on_done: OnDone | None = None, **engine) -> list[dict]:
    """Run every spec of one job; their rows in the order of ``specs`` (``engine``: ``Engine``'s fields)."""
    return Engine(**engine).run([(spec, job) for spec in specs], on_done)


def run_tasks(tasks: Iterable[Task], *, on_done: OnDone | None = None, **engine) -> list[dict]:
    """Run every (spec, job); their rows in the order of ``tasks`` (``engine``: ``Engine``'s fields)."""
    return Engine(**engine).run(tasks, on_done)


@dataclass
class Engine:
    """Where and how a batch of runs executes, and what happened to its workers.

    ``processes`` = 1 runs here, unless ``isolate``: then one worker process, so that a run that
    kills its process does not take the caller with it (a sweep always isolates); more use
    ``LocalPool``; ``dask`` a Dask cluster (``"local"``: a LocalCluster of ``processes`` workers,
    threads instead of processes with ``dask_processes=False``; else a scheduler address). A run
    whose worker dies is retried ``retries`` times; ``timeout`` is seconds per run (0 = none).
    ``execute_run`` runs one task (the engine's ``execute``; a test passes one that injects
    faults). ``restarts`` counts local workers replaced (dead or stuck)."""

    processes: int = 1
    dask: str | None = None
    retries: int = 2
    timeout: float = 0.0
    isolate: bool = False
    execute_run: Execute = execute
    dask_processes: bool = True
    restarts: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        processes = self.processes
        if not isinstance(processes, int) or isinstance(processes, bool) or processes < 1:
            raise ValueError(f"processes: expected a whole number ≥ 1, got {processes!r}")  # -1 would wait forever

    def run(self, tasks: Iterable[Task], on_done: OnDone | None = None) -> list[dict]:
        """Run every task; return the rows in the order of ``tasks``. ``on_done(row, daily)`` sees
        each run as it finishes (completion order)."""
        tasks = list(tasks)
        rows: dict[str, dict] = {}

        def done(row: dict, daily) -> None:
            rows[row["run_id"]] = row
            if on_done is not None:
                on_done(row, daily)

        if self.dask:
            run_dask(tasks, done, address=self.dask, processes=self.processes, retries=self.retries,
                     execute_run=self.execute_run, worker_processes=self.dask_processes)
        elif self.processes == 1 and not self.isolate:
            for spec, job in tasks:
                done(*self.execute_run(spec, job))
        else:
            pool = LocalPool(self.processes, timeout=self.timeout, retries=self.retries, execute_run=self.execute_run)
            try:
                pool.run(tasks, done)
            finally:
                self.restarts += pool.restarts
        return [rows[spec.run_id] for spec, _ in tasks if spec.run_id in rows]


def _worker_main(conn, execute_run: Execute) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if task is None:
            return
        result = execute_run(*task)
        try:
            conn.send(result)
        except OSError:  # BrokenPipeError: the parent is gone; its rerun will redo this run
            return


class _Worker:
    def __init__(self, ctx, execute_run: Execute):
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, execute_run), daemon=True)
        self.proc.start()
        child.close()
        self.task: Task | None = None
        self.started = 0.0

    def give(self, task: Task) -> None:
        self.task, self.started = task, time.monotonic()
        try:
            self.conn.send(task)
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
    """Worker processes that each run one run at a time; a dead or stuck worker is replaced and
    its run retried (up to ``retries`` times), then stored as failed or timed out.

    (Our own small pool on ``multiprocessing`` connections, not ``ProcessPoolExecutor``, which
    breaks as a whole — ``BrokenProcessPool`` — when one worker dies, and cannot stop a runaway
    task.) Workers start from a forkserver with the model preloaded, so each imports Mesa once."""

    def __init__(self, processes: int, *, timeout: float = 0.0, retries: int = 2, execute_run: Execute = execute,
                 start_method: str = "forkserver"):
        self.processes, self.timeout, self.retries, self.execute_run = processes, timeout, retries, execute_run
        self.ctx = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self.ctx.set_forkserver_preload(["sim.batch.engine", "sim.results.api"])
        self.restarts = 0

    def run(self, tasks: list[Task], on_done: OnDone) -> None:
        pending = deque(tasks)
        attempts: Counter = Counter()
        count = min(self.processes, len(pending))
        if count == 0:
            return
        pool = [_Worker(self.ctx, self.execute_run) for _ in range(count)]
        try:
            while pending or any(w.task is not None for w in pool):
                for worker in pool:
                    if worker.task is None and pending:
                        task = pending.popleft()
                        attempts[task[0].run_id] += 1
                        worker.give(task)
                busy = [w for w in pool if w.task is not None]
                wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=self._wait_for(busy))
                for index, worker in enumerate(pool):
                    if worker.task is None:
                        continue
                    spec, job = task = worker.task
                    result, dead = None, False
                    if worker.conn.poll():
                        try:
                            result = worker.conn.recv()
                        except (EOFError, OSError):
                            dead = True
                    elif not worker.proc.is_alive():
                        dead = True
                    if result is not None:
                        worker.task = None
                        row, daily = result
                        row["attempts"] = attempts[spec.run_id]
                        on_done(row, daily)
                    elif dead:
                        worker.proc.join(5)
                        code = worker.proc.exitcode
                        pool[index] = self._replace(worker)
                        if attempts[spec.run_id] > self.retries:
                            on_done(make_row(spec, job, "failed", f"worker process died (exit code {code}) on "
                                             f"each of {attempts[spec.run_id]} attempts", {}, 0.0,
                                             attempts[spec.run_id]), None)
                        else:
                            pending.appendleft(task)
                    elif self.timeout and time.monotonic() - worker.started > self.timeout + TIMEOUT_GRACE:
                        pool[index] = self._replace(worker)
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

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        self.restarts += 1
        return _Worker(self.ctx, self.execute_run)

    def _wait_for(self, busy: list[_Worker]) -> float | None:
        if not self.timeout or not busy:
            return 1.0
        now = time.monotonic()
        return max(0.05, min(w.started + self.timeout + TIMEOUT_GRACE - now for w in busy))


def run_dask(tasks: list[Task], on_done: OnDone, *, address: str, processes: int, retries: int,
             execute_run: Execute = execute, worker_processes: bool = True) -> None:
    """The same runs on Dask: ``address="local"`` → a LocalCluster of ``processes`` single-thread
    workers; else the scheduler at ``address``. Dask reschedules the task of a worker that dies
    (up to ``retries``), then the run is stored as failed."""
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    from sim.config.errors import SweepError

    if not tasks:
        return
    cluster = None
    with dask.config.set({"distributed.scheduler.allowed-failures": retries}):
        if address == "local":
            cluster = LocalCluster(n_workers=processes, threads_per_worker=1, processes=worker_processes,
                                   dashboard_address=None)
            client = Client(cluster)
        else:
            try:
                client = Client(address, timeout="30s")
            except OSError as error:
                raise SweepError("--dask", None, f"cannot reach the Dask scheduler at {address} ({error})") from None
    futures = []
    try:
        by_key = {}
        for spec, job in tasks:
            future = client.submit(execute_run, spec, job, key=f"run-{spec.run_id}", pure=False)
            by_key[future.key] = spec, job
            futures.append(future)
        for future in as_completed(futures):
            spec, job = by_key[future.key]
            try:
                row, daily = future.result()
            except Exception as exc:  # KilledWorker after repeated worker deaths, lost connection, …
                row, daily = make_row(spec, job, "failed", f"{type(exc).__name__}: {exc}", {}, 0.0, retries + 1), None
            future.release()
            on_done(row, daily)
    finally:
        for future in futures:
            future.cancel()
        client.close()
        if cluster is not None:
            cluster.close()


def default_processes() -> int:
    return os.cpu_count() or 1
