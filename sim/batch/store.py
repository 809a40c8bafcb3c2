"""A sweep's output folder: Parquet parts written atomically as runs finish, a manifest, CSV on request.

    OUT/
      manifest.json          experiment hash, git commit, versions, settings, one entry per session
      experiment.toml        a copy of the experiment file as run
      design.parquet         the design points (point id and parameter values)
      runs/part-*.parquet    one row per run (written in parts; a part is the unit of commit)
      daily/part-*.parquet   one row per run and day, same part names as runs/
      summary.parquet        per design point: mean and 95 % CI of each outcome (written at the end / by report)
      figures/*.png          each outcome against the x lever, one line per rule, CI bands

Each file is written to a temporary name and moved into place with ``os.replace``, so a part
is either whole or absent. A part's two files are both written in full to hidden staging names
first; then the runs part is published (the commit: a run counts as stored once its runs part
exists), then its daily part. A crash between the two leaves only a hidden staged daily file,
which ``recover`` publishes on the next resume; so a plain Parquet reader of ``runs/`` or
``daily/`` (pandas, duckdb) never sees a daily row of a run that is not stored.

``recover`` (run by a resuming sweep under the folder's lock) sets aside, into ``OUT/quarantine/``
and never deleting, whatever in ``runs/`` or ``daily/`` is not a whole part of this sweep: torn or
empty files, files of another name or schema, runs of another sweep, daily parts without their
runs part. Their runs are then not stored, so they are redone. ``supersede`` moves rows that a
rerun replaces (``--retry-failed``) into ``OUT/superseded/`` first, so no run ever has two rows.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sim.results.files import atomic_write_csv, atomic_write_json

RUNS, DAILY = "runs", "daily"
QUARANTINE, SUPERSEDED = "quarantine", "superseded"
PART = re.compile(r"part-[0-9T.]+-[0-9]+-[0-9]{6,}\.parquet")  # the names ``Store.append`` gives
STAGED = ".staged"  # suffix of a part's hidden staging name
REQUIRED = {RUNS: ("run_id", "point", "replication", "seed", "status"), DAILY: ("run_id", "day")}


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


# What a run table's columns that are not outcomes or parameters hold.
RUN_COLUMNS = {
    "run_id": ("id", "The run's id: a hash of its full parameter set, its design point and its seed."),
    "point": ("index", "The design point."), "replication": ("index", "The replication (0, 1, …)."),
    "seed": ("seed", "The run's seed (the same for every point of one replication: common random numbers)."),
    "status": ("ok / failed / timed_out", "How the run ended."), "error": ("text", "The error, if it failed."),
    "wall_seconds": ("seconds", "Wall time of the run."), "attempts": ("count", "Attempts (a dead worker is retried)."),
    "worker": ("host:pid", "The process that ran it."), "finished_at": ("UTC time", "When it finished."),
    "day": ("day", "Day of the run (0 = the first)."),
}


def column_metadata(column: str) -> dict[str, str] | None:
    """Unit and description of a run-table column: a declared outcome, a registry parameter
    (identifier-safe name) or one of the run's own fields."""
    from sim.config.outcomes import OUTCOMES, parameter_name
    from sim.config.params import PARAMS

    if column in OUTCOMES:
        spec = OUTCOMES[column]
        return {"unit": spec.unit, "description": spec.description, "better": spec.better.value}
    if parameter_name(column) in PARAMS:
        param = PARAMS[parameter_name(column)]
        return {"unit": param.unit, "description": param.doc, "parameter": param.name, "kind": param.kind.value}
    if column in RUN_COLUMNS:
        unit, description = RUN_COLUMNS[column]
        return {"unit": unit, "description": description}
    return None


def atomic_write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write Parquet atomically, each known column carrying its unit and description (field
    metadata ``unit`` and ``description``; the schema's ``columns`` key holds them all as JSON)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write_parquet_file(frame, tmp)
    os.replace(tmp, path)


def write_parquet_file(frame: pd.DataFrame, path: Path) -> None:
    """Write Parquet to ``path`` in full, flushed to disk (with the column metadata)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = Path(path)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    described = {name: meta for name in table.column_names if (meta := column_metadata(name)) is not None}
    fields = [field.with_metadata({key.encode(): value.encode() for key, value in described[field.name].items()})
              if field.name in described else field for field in table.schema]
    schema = pa.schema(fields, metadata={**(table.schema.metadata or {}),
                                         b"columns": json.dumps(described, ensure_ascii=False).encode()})
    try:
        pq.write_table(table.cast(schema), tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)  # our own half-written file (e.g. the disk is full)
        raise


class Store:
    def __init__(self, out: str | Path, warn: Callable[[str], None] = warn):
        self.out = Path(out)
        self.warn = warn
        now = time.time_ns()  # parts sort by session start (to the nanosecond), then sequence
        self.session = time.strftime("%Y%m%dT%H%M%S", time.localtime(now / 1e9)) + f".{now % 10**9:09d}-{os.getpid()}"
        self.sequence = 0

    # ------------------------------------------------------------ layout
    @property
    def manifest_path(self) -> Path:
        return self.out / "manifest.json"

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def create(self) -> None:
        for sub in (RUNS, DAILY, "figures"):
            (self.out / sub).mkdir(parents=True, exist_ok=True)

    def read_manifest(self) -> dict:
        with open(self.manifest_path, encoding="utf-8") as handle:
            return json.load(handle)

    def write_manifest(self, manifest: dict) -> None:
        atomic_write_json(manifest, self.manifest_path)

    # ------------------------------------------------------------ writing
    def append(self, rows: list[dict], daily: list[pd.DataFrame]) -> str | None:
        """Store finished runs as one part: both files staged in full, then the runs part published
        (the commit), then the daily part."""
        if not rows:
            return None
        self.sequence += 1
        name = f"part-{self.session}-{self.sequence:06d}.parquet"
        while (self.out / RUNS / name).exists() or (self.out / DAILY / name).exists():
            self.sequence += 1
            name = f"part-{self.session}-{self.sequence:06d}.parquet"
        frames = [d for d in daily if d is not None and len(d)]
        staged_runs, staged_daily = self.out / RUNS / f".{name}{STAGED}", self.out / DAILY / f".{name}{STAGED}"
        try:
            if frames:
                write_parquet_file(pd.concat(frames, ignore_index=True), staged_daily)
            write_parquet_file(pd.DataFrame(rows), staged_runs)
        except BaseException:
            for staged in (staged_daily, staged_runs):
                staged.unlink(missing_ok=True)  # never published: nothing of it was stored
            raise
        os.replace(staged_runs, self.out / RUNS / name)
        if frames:
            os.replace(staged_daily, self.out / DAILY / name)
        return name

    # ------------------------------------------------------------ repair (under the folder's lock)
    def recover(self, known_ids: set[str] | None = None) -> list[Path]:
        """Finish or set aside what an interrupted session left; returns the files moved into
        ``quarantine/``. ``known_ids``: the run ids this sweep can have (a part holding any other
        is another sweep's)."""
        moved = []
        for kind in (RUNS, DAILY):
            folder = self.out / kind
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if path.name.startswith(".") and path.name.endswith(STAGED):
                    published = path.name[1:-len(STAGED)]
                    if kind == DAILY and (self.out / RUNS / published).is_file() \
                            and not (folder / published).exists():
                        os.replace(path, folder / published)  # its runs part was published: finish the commit
                    else:
                        moved.append(self._quarantine(path, "a part never published (the session stopped "
                                                            "while writing it)", kind))
                    continue
                reason = self._foreign(path, kind, known_ids)
                if reason:
                    moved.append(self._quarantine(path, reason, kind))
        return moved

    def _foreign(self, path: Path, kind: str, known_ids: set[str] | None) -> str | None:
        """Why ``path`` is not a whole part of this sweep (None when it is one)."""
        import pyarrow.parquet as pq

        if path.name.startswith(".") and path.name.endswith(".tmp"):
            return "a temporary file left by a stopped session"
        if not path.is_file() or not PART.fullmatch(path.name):
            return "not a part this program wrote (name)"
        try:
            columns = set(pq.read_schema(path).names)
            frame = pd.read_parquet(path, columns=["run_id"])
        except Exception as error:  # torn, empty or not Parquet: pyarrow raises several kinds
            return f"unreadable ({type(error).__name__}: torn, empty or not Parquet)"
        missing = [c for c in REQUIRED[kind] if c not in columns]
        if missing:
            return f"not a part of this program (no column {', '.join(missing)})"
        if known_ids is not None and not set(frame["run_id"]) <= known_ids:
            return "holds runs that are not this sweep's"
        if kind == DAILY and not (self.out / RUNS / path.name).is_file():
            return "daily rows without their runs part"
        return None

    def _quarantine(self, path: Path, reason: str, kind: str) -> Path:
        folder = self.out / QUARANTINE / kind
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / path.name
        count = 1
        while target.exists():
            count += 1
            target = folder / f"{path.name}.{count}"
        os.replace(path, target)
        self.warn(f"{path}: {reason}; set aside as {target}; its runs will be redone")
        return target

    def supersede(self, run_ids: set[str]) -> int:
        """Move the stored rows of ``run_ids`` out of ``runs/`` into ``superseded/`` (kept, not
        deleted) before those runs are rerun, so no run has two rows; returns the rows moved."""
        import pyarrow.parquet as pq

        moved = 0
        if not run_ids:
            return 0
        folder = self.out / SUPERSEDED
        for part in self._parts(RUNS):
            frame = pq.read_table(part).to_pandas()
            old = frame["run_id"].isin(run_ids)
            if not old.any():
                continue
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / part.name
            count = 1
            while target.exists():
                count += 1
                target = folder / f"{part.stem}.{count}.parquet"
            if old.all():
                os.replace(part, target)
            else:
                atomic_write_parquet(frame[old], target)
                atomic_write_parquet(frame[~old], part)
            moved += int(old.sum())
        return moved

    # ------------------------------------------------------------ reading
    def _parts(self, kind: str) -> list[Path]:
        folder = self.out / kind
        return sorted(p for p in folder.glob("part-*.parquet") if PART.fullmatch(p.name)) if folder.is_dir() else []

    def _read(self, part: Path) -> pd.DataFrame | None:
        """A part, or None (with a warning) when it cannot be read: reading never fails on a torn
        part (a resume sets it aside and redoes its runs)."""
        try:
            return pd.read_parquet(part)
        except Exception as error:  # torn, empty or not Parquet
            self.warn(f"{part}: unreadable ({type(error).__name__}); skipped (resuming the sweep sets it aside "
                      "and redoes its runs)")
            return None

    def runs(self) -> pd.DataFrame:
        """Every stored run, the last stored row per run id; ``_part`` names the part it came from."""
        frames = []
        for part in self._parts(RUNS):
            frame = self._read(part)
            if frame is None or "run_id" not in frame:
                continue
            frame["_part"] = part.name
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=["run_id", "status", "_part"])
        runs = pd.concat(frames, ignore_index=True)
        runs = runs.drop_duplicates("run_id", keep="last")
        return runs.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)

    def daily(self, runs: pd.DataFrame | None = None) -> pd.DataFrame:
        """Per-day rows of the stored runs (only from the part that holds each run's kept row)."""
        runs = self.runs() if runs is None else runs
        keep = set(zip(runs["run_id"], runs["_part"], strict=True))
        wanted = {part for _, part in keep}
        frames = []
        for part in self._parts(DAILY):
            if part.name not in wanted:
                continue
            frame = self._read(part)
            if frame is None:
                continue
            mask = [(rid, part.name) in keep for rid in frame["run_id"]]
            frames.append(frame[mask])
        if not frames:
            return pd.DataFrame(columns=["run_id", "point", "replication", "day"])
        return pd.concat(frames, ignore_index=True).sort_values(["point", "replication", "day"]).reset_index(drop=True)

    def done_ids(self, retry_failed: bool = False) -> set[str]:
        runs = self.runs()
        if retry_failed:
            runs = runs[runs["status"] == "ok"]
        return set(runs["run_id"])

    def export_csv(self) -> list[Path]:
        runs = self.runs()
        written = []
        paths = [(runs.drop(columns="_part"), self.out / "runs.csv")]
        daily_parts = self._parts(DAILY)
        if daily_parts:
            paths.append((self.daily(runs), self.out / "daily.csv"))
        for frame, path in paths:
            atomic_write_csv(frame, path)
            written.append(path)
        return written
