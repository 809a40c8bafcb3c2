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
is either whole or absent. A daily part is written before its runs part; a run counts as stored
once its runs part exists (a daily part without its runs part is ignored). Reading keeps the
last stored row for each run id, so a run that was retried (``--retry-failed``) has one row.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pandas as pd

RUNS, DAILY = "runs", "daily"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


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
    from sim.outcomes import OUTCOMES, parameter_name
    from sim.params import PARAMS

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
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    described = {name: meta for name in table.column_names if (meta := column_metadata(name)) is not None}
    fields = [field.with_metadata({key.encode(): value.encode() for key, value in described[field.name].items()})
              if field.name in described else field for field in table.schema]
    schema = pa.schema(fields, metadata={**(table.schema.metadata or {}),
                                         b"columns": json.dumps(described, ensure_ascii=False).encode()})
    pq.write_table(table.cast(schema), tmp)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def atomic_write_csv(frame: pd.DataFrame, path: Path) -> None:
    atomic_write_bytes(path, frame.to_csv(index=False).encode("utf-8"))


def atomic_write_json(data: dict, path: Path) -> None:
    atomic_write_bytes(path, (json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n").encode("utf-8"))


class Store:
    def __init__(self, out: str | Path):
        self.out = Path(out)
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
        """Store finished runs as one part (daily first, then runs: the runs part commits)."""
        if not rows:
            return None
        self.sequence += 1
        name = f"part-{self.session}-{self.sequence:06d}.parquet"
        while (self.out / RUNS / name).exists() or (self.out / DAILY / name).exists():
            self.sequence += 1
            name = f"part-{self.session}-{self.sequence:06d}.parquet"
        frames = [d for d in daily if d is not None and len(d)]
        if frames:
            atomic_write_parquet(pd.concat(frames, ignore_index=True), self.out / DAILY / name)
        atomic_write_parquet(pd.DataFrame(rows), self.out / RUNS / name)
        return name

    # ------------------------------------------------------------ reading
    def _parts(self, kind: str) -> list[Path]:
        folder = self.out / kind
        return sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []

    def runs(self) -> pd.DataFrame:
        """Every stored run, the last stored row per run id; ``_part`` names the part it came from."""
        frames = []
        for part in self._parts(RUNS):
            frame = pd.read_parquet(part)
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
            frame = pd.read_parquet(part)
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
