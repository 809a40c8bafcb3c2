"""Running a sweep: every (design point, replication) once, through the experiment engine
(``sim.batch.engine.Engine``) on local worker processes or on Dask, stored as runs finish.

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
- Results are stored in Parquet parts as runs finish (sim.batch.store); rerunning the same
  command skips every run already stored (by run id) and does the rest.

Dask: ``Engine(dask="local")`` starts a ``LocalCluster``; any other string is a scheduler address
(``tcp://host:8786``). Dask reschedules the task of a worker that dies (up to the scheduler's
``distributed.scheduler.allowed-failures``), then we store the run as failed. See
experiments/README.md for SLURM through dask-jobqueue.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from sim.batch.design import Design
from sim.batch.engine import Engine, Job, RunSpec, default_processes, plan
from sim.batch.experiment import Experiment
from sim.batch.store import Store, atomic_write_parquet
from sim.config.errors import SweepError
from sim.config.outcomes import column_name
from sim.results.files import atomic_write_bytes, atomic_write_json

FLUSH_ROWS, FLUSH_SECONDS = 50, 2.0


def plan_runs(experiment: Experiment) -> list[RunSpec]:
    """Every run of the experiment (the engine's plan: replication-major, run ids from the full
    parameter set, the point and the seed)."""
    return plan(job_for(experiment), experiment.design.points, experiment.seeds(), base=experiment.base_scenario(),
                members=experiment.members)


def job_for(experiment: Experiment) -> Job:
    return Job(str(experiment.scenario_path), experiment.base_overrides(), tuple(experiment.outcomes),
               tuple(experiment.factor_names), experiment.daily, experiment.timeout)


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


def run_sweep(experiment: Experiment, out: str | Path, engine: Engine | None = None, *, retry_failed: bool = False,
              quiet: bool = False, on_result: Callable[[dict], None] | None = None) -> SweepResult:
    """Run (or resume) a sweep into ``out``; returns counts. ``engine`` says where runs execute
    (default: local worker processes, one per core); every run is isolated in a worker process, and
    the experiment's ``retries`` and ``timeout`` apply. ``on_result`` is called after each stored run.
    Summaries and figures are ``sim.analyses.sweep_report.report``'s, from the stored runs.

    Before anything is written: the folder (new, empty, or this experiment's with the same base
    scenario files, settings and seed; writable) and Dask, if asked for. Then, under the folder's
    lock (a second sweep into it is refused): an earlier session that never recorded its end is
    marked "died", whatever is not a whole part of this sweep is set aside (``Store.recover``),
    and with ``retry_failed`` the rows to be replaced are moved aside (``Store.supersede``)."""
    from sim.results.folders import FolderLock, check_writable

    engine = replace(engine or Engine(default_processes()), isolate=True, retries=experiment.retries,
                     timeout=experiment.timeout)
    if engine.dask:
        from sim.batch.limits import require

        require("dask.distributed")
    out = Path(out)
    store = Store(out)
    design = experiment.design
    specs = plan_runs(experiment)
    _open_manifest(store, experiment, out)  # raises before anything is written
    check_writable(out)

    store.create()
    with FolderLock(out):
        manifest = _open_manifest(store, experiment, out, created=True)  # again, now no other sweep can write
        return _run_locked(experiment, out, store, manifest, design, specs, engine, retry_failed=retry_failed,
                           quiet=quiet, on_result=on_result)


def _run_locked(experiment: Experiment, out: Path, store: Store, manifest: dict, design: Design,
                specs: list[RunSpec], engine: Engine, *, retry_failed: bool, quiet: bool, on_result) -> SweepResult:
    from sim.batch.progress import ProgressBar
    from sim.results.folders import read_marker, write_marker
    from sim.results.provenance import provenance

    if read_marker(out) is None:
        write_marker(out, sweep_marker(experiment))
    for earlier in manifest["sessions"]:
        if earlier.get("status") == "running":  # its process ended without recording it (kill -9, power, disk)
            earlier["status"] = "died"
    definition = out / ("experiment.toml" if experiment.text else "experiment.json")  # as read, or as given
    if not definition.exists():
        if experiment.text:
            atomic_write_bytes(definition, experiment.text.encode("utf-8"))
        else:
            atomic_write_json(dict(experiment.definition), definition)
        points = pd.DataFrame([{"point": i, **{column_name(k): v for k, v in values.items()}}
                               for i, values in enumerate(design.points)])
        atomic_write_parquet(points, out / "design.parquet")
        atomic_write_json({"method": experiment.method, "options": experiment.design_options,
                           "sampled": [f.name for f in design.sampled],
                           "unit": design.unit.tolist() if design.unit is not None else None,
                           "blocks": design.blocks}, out / "design.json")
    session = {"started_at": _now(), "backend": f"dask:{engine.dask}" if engine.dask else "local",
               "processes": engine.processes, "git_commit": provenance()["git_commit"], "retry_failed": retry_failed,
               "status": "running"}
    manifest["sessions"].append(session)
    store.write_manifest(manifest)

    known = {spec.run_id for spec in plan_runs(replace(experiment, replications=manifest["settings"]["replications"]))}
    store.recover(known)
    if retry_failed:
        stored = store.runs()
        store.supersede(set(stored.loc[stored["status"] != "ok", "run_id"]))
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
            rows, daily = [row for row, _ in buffer], [daily for _, daily in buffer]
            buffer.clear()  # first: a part that cannot be written (a full disk) is not retried; its runs are redone
            store.append(rows, daily)
        last_flush = time.monotonic()

    bar = ProgressBar(experiment.name, len(todo), quiet=quiet)
    if not quiet:
        bar.console.print(f"{experiment.name}: {len(specs)} runs, {result.skipped} stored already", highlight=False)

    def on_done(row: dict, daily) -> None:
        buffer.append((row, daily))
        result.ran += 1
        result.status[row["status"]] += 1
        bar.advance()
        bar.note(", ".join(f"{result.status[s]} {s}" for s in ("failed", "timed_out") if result.status[s]))
        if len(buffer) >= FLUSH_ROWS or time.monotonic() - last_flush >= FLUSH_SECONDS:
            flush()
        if on_result is not None:
            on_result(row)

    outcome, failure = "interrupted", None
    restarts_before = engine.restarts
    try:
        with bar:
            try:
                engine.run([(spec, job) for spec in todo], on_done)
            finally:
                result.restarts = engine.restarts - restarts_before
            flush()
        outcome = "finished"
    except KeyboardInterrupt as stop:
        failure = getattr(stop, "signal", "SIGINT")
        raise
    except BaseException as error:
        outcome, failure = "failed", f"{type(error).__name__}: {error}"
        raise
    finally:
        _finish(store, manifest, session, outcome, failure, flush, result, started)
    return result


def _finish(store: Store, manifest: dict, session: dict, outcome: str, failure: str | None, flush, result,
            started: float) -> None:
    """Store what finished and record how the session ended; a write that fails here (the disk
    is full) must not hide the error that ended the session."""
    try:
        flush()
    except OSError:
        outcome = "failed" if outcome == "finished" else outcome
    result.seconds = time.perf_counter() - started
    session.update(status=outcome, finished_at=_now(), runs_done=result.ran, seconds=round(result.seconds, 3),
                   statuses=dict(result.status), worker_restarts=result.restarts)
    if failure:
        session["ended_by"] = failure
    try:
        store.write_manifest(manifest)
    except OSError:
        pass  # left "running": the next session records it as "died"


def sweep_marker(experiment: Experiment):
    """The marker of a sweep folder: the experiment file's hash and the settings a resume must share."""
    from sim.results.folders import Marker, identity

    what = {"experiment": experiment.name, "sha256": experiment.sha256[:12], "days": experiment.days,
            "scale": experiment.scale, "seed": experiment.seed}
    return Marker("sweep", identity(what), what)


def _open_manifest(store: Store, experiment: Experiment, out: Path, *, created: bool = False) -> dict:
    """The folder's manifest for this session (a new one for a new folder); refuses a folder of
    another experiment, settings or base scenario, or one this program did not write.
    ``created``: the folder's empty layout was just made (under the lock)."""
    from sim.results.folders import MARKER, read_marker
    from sim.results.provenance import provenance

    if out.exists() and not out.is_dir():
        raise SweepError("--out", None, f"{out} exists and is not a folder")
    base = experiment.base_scenario()
    scenario_files = [{"path": str(p), "sha256": hashlib.sha256(Path(p).read_bytes()).hexdigest()} for p in base.chain]
    if store.exists():
        try:
            manifest = store.read_manifest()
            old = manifest["experiment"]
            sessions = manifest["sessions"]
        except (OSError, ValueError, KeyError, TypeError):
            raise SweepError("--out", None, f"{out} has a manifest.json this program did not write; "
                                            "choose another --out") from None
        marker = read_marker(out)
        if (marker is not None and marker.get("command") != "sweep") or not isinstance(sessions, list):
            raise SweepError("--out", None, f"{out} is not a sweep folder of this program; choose another --out")
        if old.get("sha256") != experiment.sha256:
            raise SweepError("--out", None, f"{out} holds a sweep of a different experiment file "
                                            f"({old.get('path')}, sha256 {str(old.get('sha256'))[:12]}…); "
                                            "choose another --out")
        settings = manifest.get("settings", {})
        if settings.get("ensemble") != experiment.settings().get("ensemble"):
            raise SweepError("--out", None, f"{out} holds a sweep in other calibrated worlds "
                                            f"({len((settings.get('ensemble') or {}).get('members', []))} members, not "
                                            f"{len(experiment.members)}); choose another --out")
        for key in ("days", "scale", "seed"):
            if settings.get(key) != getattr(experiment, key):
                raise SweepError("--out", None, f"{out} holds a sweep with {key} = {settings.get(key)}, not "
                                                f"{getattr(experiment, key)}; choose another --out")
        before = {entry.get("path"): entry.get("sha256") for entry in manifest.get("scenario_files", [])}
        now = {entry["path"]: entry["sha256"] for entry in scenario_files}
        if before and before != now:
            changed = sorted(set(before) ^ set(now) | {p for p in before if p in now and before[p] != now[p]})
            raise SweepError("--out", None, f"{out} holds runs of a base scenario that has changed since "
                                            f"({', '.join(changed)}: other files or contents); its stored runs "
                                            "would mix two scenarios: restore the file or choose another --out")
        manifest["settings"]["replications"] = max(settings.get("replications", 0), experiment.replications)
        return manifest
    if not created and out.exists() and any(p.name != MARKER for p in out.iterdir()):
        raise SweepError("--out", None, f"{out} is a folder with other files and no manifest.json; "
                                        "choose an empty or new folder")
    return {
        "experiment": {"name": experiment.name, "path": str(experiment.path) if experiment.path else None,
                       "sha256": experiment.sha256,
                       "purpose": experiment.purpose},
        "scenario_files": scenario_files,
        "settings": experiment.settings(),
        "factors": [{"name": f.name, "kind": f.kind, "values": f.describe()} for f in experiment.factors],
        "seeds": experiment.seeds(),
        "started_at": _now(),
        **provenance(),
        "sessions": [],
    }


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
