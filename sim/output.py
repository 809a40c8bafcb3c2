"""Writing a run's results folder: everything into a temporary folder first, then one rename,
so a folder that exists is always whole."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path

from sim.api import RunResult
from sim.figures import save_figure, summary_figure

FLOAT_FORMAT = "%.6g"


def write_results(result: RunResult, out: Path, figure: bool = True) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        write_json(staging / "summary.json", result.summary)
        cases = result.cases.drop(columns=["severity_arisen", "party"])
        cases.to_csv(staging / "cases.csv", index=False, float_format=FLOAT_FORMAT)
        result.visits.to_csv(staging / "visits.csv", index=False, float_format=FLOAT_FORMAT)
        result.daily.to_csv(staging / "daily.csv", index=False, float_format=FLOAT_FORMAT)
        if figure:
            save_figure(summary_figure(result.summary, result.daily, result.cases), staging / "summary.png")
        replace_folder(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def replace_folder(staging: Path, out: Path) -> None:
    os.chmod(staging, 0o755)
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
        os.replace(out, old / out.name)
        os.replace(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, out)


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(_clean(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _clean(value):
    """JSON has no NaN: write null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):
        return _clean(value.item())
    return value
