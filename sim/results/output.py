"""Writing a run's results folder: everything into a temporary folder first, then one rename,
so a folder that exists is always whole."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from sim.config.enums import Outcome
from sim.results import records
from sim.results.api import RunResult
from sim.results.figure_process import FigureProcess
from sim.results.folders import claim, run_marker, write_marker
from sim.results.summary import resolved_share_by_level, spread

FLOAT_DECIMALS = 6  # days to about a tenth of a second, shares to a millionth


def write_csv(frame, path: Path) -> None:
    """A table as CSV, fast (Arrow's writer; pandas' takes five times as long on a full city):
    floats rounded to ``FLOAT_DECIMALS``, booleans as true/false, a missing value as an empty field,
    quotes only where a field needs them."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    frame = frame.copy()
    for name in frame.columns:
        if frame[name].dtype.kind == "f":
            frame[name] = frame[name].round(FLOAT_DECIMALS)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="needed"))


def write_results(result: RunResult, out: Path, figure: bool = True, figures: FigureProcess | None = None, *,
                  force: bool = False) -> Path:
    """Write the results folder. ``figures``: a helper process already started to draw
    summary.png on the other core (sim.results.figure_process); without one it is drawn here.
    An existing ``out`` is replaced only if it holds this program's results of the same run
    (or of another run, with ``force``) and nothing else (``sim.results.folders.claim``)."""
    out = Path(out)
    marker = run_marker(result.scenario, result.seed)
    claim(out, marker, force=force, option="out", whole=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        if figure:
            (figures or FigureProcess.inline()).draw(staging / "summary.png", **figure_data(result))
        write_json(staging / "summary.json", result.summary)
        write_csv(result.cases.drop(columns=["severity_arisen", "party"]), staging / "cases.csv")
        write_csv(result.visits, staging / "visits.csv")
        write_csv(result.daily, staging / "daily.csv")
        write_csv(records.towns_frame(result.summary), staging / "towns.csv")
        if figures is not None:
            figures.wait()
        write_marker(staging, replace(marker, files=tuple(sorted(p.name for p in staging.iterdir()))))
        claim(out, marker, force=force, option="out", whole=True)  # again: nothing foreign arrived meanwhile
        replace_folder(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def figure_data(result: RunResult) -> dict:
    """What summary.png shows, as plain data: the summary's few values it needs, made here from the
    same columns by the same functions (not read from ``result.summary``), so the helper process can
    draw while this process makes the summary and the tables."""
    model, params = result.model, result.scenario.params
    book, first = model.cases, model.first_case
    t_closed, t_arisen = book.column("t_closed")[first:], book.column("t_arisen")[first:]
    grid_cases = book.column("referred")[first:] == 0
    closed = ~np.isnan(t_closed) & grid_cases
    days_to_close = (t_closed - t_arisen)[closed]
    resolved = (book.column("outcome")[first:] == Outcome.RESOLVED) & grid_cases
    heading = {"scenario": result.scenario.name, "residents": model.population.size, "days": model.day,
               "workers_per_10k": params["workers_per_10k"], "escalation_rule": params["escalation_rule"],
               "seed": result.seed, "days_from_arising": spread(days_to_close),
               "resolved_share_by_level": resolved_share_by_level(book.column("level_resolved")[first:][grid_cases],
                                                                  int(resolved.sum()))}
    return {"summary": heading, "daily": dict(model.daily), "days_to_close": days_to_close}


def replace_folder(staging: Path, out: Path) -> None:
    """Swap a finished staging folder into place (the caller has ``claim``-ed ``out``)."""
    os.chmod(staging, 0o755)
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
        os.replace(out, old / out.name)
        os.replace(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, out)


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(json_safe(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def json_safe(value):
    """Plain JSON values: NaN and infinities become null (JSON has none), NumPy scalars Python ones."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item"):
        return json_safe(value.item())
    return value
