"""What the browser page shows, computed from a model: grid measures, daily series, the
controls (built from the parameter registry) and the checking of what users type.

Nothing here draws; ``sim.page.svg`` draws for the page and ``sim.page.export`` for PNG files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.config.enums import Level, PlaceKind
from sim.config.errors import ParamError, ScenarioError
from sim.config.params import PARAMS
from sim.config.paths import SCENARIO_DIR
from sim.config.scenario import list_scenarios, load_scenario
from sim.model.model import HOURS_FIELDS
from sim.page.controls import DEFAULT_SEED, LEVERS
from sim.results.output import json_safe

# ---------------------------------------------------------------- controls
# The page's controls are built in ``sim.page.controls`` (groups, plain labels, sliders from the
# registry's ranges); these are the parameters they set, checked here when a model is built.
PARAM_CONTROLS = (*LEVERS, "scale")
BOOL_VALUES = ("true", "false")
# Run settings that are not model parameters: the scenario file and the run seed.
RUN_CONTROLS = ("scenario_file", "seed")
SCENARIO_VALUE = "(scenario)"  # text meaning "keep the scenario file's value"


def scenario_files() -> dict[str, Path]:
    """The policy scenarios in scenarios/ (baseline first), by file stem."""
    files = sorted(SCENARIO_DIR.glob("*.toml"), key=lambda p: (p.name != "shishi_baseline.toml", p.name))
    return {path.stem: path for path in files}


def scenario_values(scenario_file: str) -> dict[str, object]:
    """The levers' values in a scenario file (what the controls show after choosing it)."""
    params = load_scenario(scenario_files().get(scenario_file)).params
    return {name: params[name] for name in LEVERS}


@dataclass
class Settings:
    """The outcome of checking the controls: what will be run and what was refused."""

    scenario_file: str
    overrides: dict[str, object]
    seed: int
    refused: list[str] = field(default_factory=list)

    def load(self):
        return load_scenario(scenario_files().get(self.scenario_file), self.overrides)


def _parse(name: str, raw: object):
    """A control's raw value as the parameter's type, or None for "the scenario's value"."""
    param = PARAMS[name]
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if text == "" or text == SCENARIO_VALUE:
            return None
        if param.type is str:
            return text
        if param.type is bool:
            if text.lower() not in BOOL_VALUES:
                raise ValueError(f"expected true or false, got {text!r}")
            return text.lower() == "true"
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            raise ValueError(f"expected a number ({param.unit}), got {text!r}") from None
        if param.type is int and number.is_integer():
            return int(number)
        return number
    return raw


def check_settings(scenario_file: str = "", seed: object = DEFAULT_SEED, **controls: object) -> Settings:
    """Check what the user set. A bad value is refused (kept at the scenario's value) and a
    message says why; nothing here raises for user input."""
    refused: list[str] = []
    files = scenario_files()
    if scenario_file not in files:
        if scenario_file:
            refused.append(f"scenario {scenario_file!r}: no such file in scenarios/; using the baseline")
        scenario_file = next(iter(files), "shishi_baseline")
    overrides: dict[str, object] = {}
    for name, raw in controls.items():
        if name not in PARAMS:
            refused.append(f"{name}: not a model parameter")
            continue
        try:
            value = _parse(name, raw)
            if value is not None:
                overrides[name] = PARAMS[name].check(value)
        except ValueError as error:
            refused.append(f"{name} = {raw!r} refused: {error}; kept the scenario's value")
    try:
        text = str(seed).strip()
        run_seed = int(float(text)) if text else DEFAULT_SEED
        if run_seed < 0 or float(text or DEFAULT_SEED) != run_seed:
            raise ValueError
    except (ValueError, OverflowError):
        refused.append(f"seed = {seed!r} refused: expected a whole number ≥ 0; kept {DEFAULT_SEED}")
        run_seed = DEFAULT_SEED
    # Relations between parameters (shares summing to one …) are checked by Params itself.
    while True:
        try:
            load_scenario(files.get(scenario_file), overrides)
            break
        except (ScenarioError, ParamError) as error:
            bad = getattr(error, "field", None)
            refused.append(f"{error}; kept the scenario's value")
            if bad in overrides:
                overrides.pop(bad)
            elif overrides:
                overrides.popitem()
            else:
                raise
    return Settings(scenario_file, overrides, run_seed, refused)


# ---------------------------------------------------------------- measures on the map
MEASURES = {
    "open_cases": "Open cases",
    "cases_per_10k": "Cases reported per 10,000 residents",
    "mean_days_open": "Mean days open (open cases)",
}


def grid_measures(model) -> dict[str, np.ndarray]:
    """Per responsibility grid: open cases, reported cases per 10,000 residents so far, and the
    mean age in days of its open cases (0 where none is open)."""
    book, city = model.cases, model.city
    n = city.grids
    grid = book.column("grid")
    reported = book.column("t_reported") >= 0  # reported since day 0 (NaN: not yet)
    open_ = ~np.isnan(book.column("t_reported")) & np.isnan(book.column("t_closed"))
    open_count = np.bincount(grid[open_], minlength=n).astype(float)
    reported_count = np.bincount(grid[reported], minlength=n).astype(float)
    age = np.bincount(grid[open_], weights=model.day - book.column("t_reported")[open_], minlength=n)
    mean_age = np.divide(age, open_count, out=np.zeros(n), where=open_count > 0)
    per_10k = reported_count * 10_000 / np.maximum(city.grid_population, 1)
    return {"open_cases": open_count, "cases_per_10k": per_10k, "mean_days_open": mean_age,
            "reported": reported_count}


def grid_details(model, grid: int, measures: dict[str, np.ndarray] | None = None) -> dict[str, object]:
    """What the page says about one grid (hover text and the details card)."""
    city = model.city
    measures = measures if measures is not None else grid_measures(model)
    workers = model.grid_workers[grid]
    return {
        "grid": city.grid_codes[grid],
        "town": city.town_names[int(city.grid_town[grid])],
        "community": city.community_codes[int(city.grid_community[grid])],
        "place": PlaceKind(int(city.grid_place[grid])).label.replace("_", " "),
        "residents": int(city.grid_population[grid]),
        "open cases": int(measures["open_cases"][grid]),
        "cases reported": int(measures["reported"][grid]),
        "cases per 10,000 residents": round(float(measures["cases_per_10k"][grid]), 1),
        "mean days open": round(float(measures["mean_days_open"][grid]), 1),
        "grid workers": len(workers),
        "worker orders in hand": sum(w.active_cases for w in workers),
    }


# ---------------------------------------------------------------- per town (sim.results.summary.by_town)
# What a town can be coloured by, and the town table's columns: (label, unit, is a share).
TOWN_OUTCOMES = {
    "satisfaction_rate": ("Satisfied at follow-up", "% of followed-up cases", True),
    "resolved_within_30_days_disputes": ("Disputes resolved within 30 days", "% of disputes 30+ days old", True),
    "resolved_within_30_days_public_service": ("Requests resolved within 30 days", "% of requests 30+ days old", True),
    "days_from_arising_mean": ("Days from arising to close", "days, mean", False),
    "cases_per_10k_per_year": ("Cases reported", "per 10,000 residents a year", False),
    "open_cases": ("Open cases", "cases", False),
    "cases_reported": ("Cases reported so far", "cases", False),
    "exits": ("Cases that left the system", "cases (litigation, arbitration, petitions)", False),
    "workers_per_10k": ("Full-time grid workers", "per 10,000 urban residents", False),
    "grid_workers": ("Grid workers", "people, full- and part-time", False),
    "residents": ("Residents", "residents", False),
}


def town_table(model) -> dict[str, dict[str, float]]:
    """Per town: its outcomes so far (``sim.results.summary.by_town``) and its open cases."""
    from sim.results.summary import by_town

    table = by_town(model)
    for row in table.values():
        row["open_cases"] = row["cases_reported"] - row["cases_closed"]
    return table


def town_values(table: dict[str, dict[str, float]], outcome: str) -> np.ndarray:
    return np.array([float(row[outcome]) for row in table.values()])


def format_outcome(value: float, percent: bool) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    if percent:
        return f"{value:.0%}"
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.1f}"


# ---------------------------------------------------------------- daily series for the charts
LEVEL_LABELS = [level.label for level in Level]


def daily_series(model) -> dict[str, np.ndarray]:
    """The charts' series, one value per simulated day."""
    daily = model.daily
    days = np.asarray(daily["day"], dtype=float) + 1  # the end of each day
    out = {"day": days}
    for name in ("arisen", "reported", "closed", "satisfied", "open", *HOURS_FIELDS):
        out[name] = np.asarray(daily[name], dtype=float)
    hours = sum(out[name] for name in HOURS_FIELDS)
    for name in HOURS_FIELDS:  # share of grid workers' hours that day
        out[f"{name}_share"] = np.divide(out[name], hours, out=np.full(len(days), np.nan), where=hours > 0)
    for label in LEVEL_LABELS:
        out[f"open_{label}"] = np.asarray(daily[f"open_{label}"], dtype=float)
    closed = np.cumsum(out["closed"])
    out["satisfaction_cumulative"] = np.divide(np.cumsum(out["satisfied"]), closed,
                                               out=np.full(len(days), np.nan), where=closed > 0)
    out["satisfaction_daily"] = np.divide(out["satisfied"], out["closed"], out=np.full(len(days), np.nan),
                                          where=out["closed"] > 0)
    # Share of resolved cases resolved at each level, cumulative up to each day.
    book = model.cases
    level = book.column("level_resolved")
    t_closed = book.column("t_closed")
    done = (level >= 0) & (t_closed >= 0)  # closed since day 0 (NaN: not yet)
    n_days = len(days)
    counts = np.zeros((max(n_days, 1), len(Level)))
    if done.any() and n_days:
        day_index = np.minimum(np.floor(t_closed[done]).astype(int), n_days - 1)
        np.add.at(counts, (day_index, level[done].astype(int)), 1)
    cumulative = np.cumsum(counts, axis=0)[:n_days]
    total = cumulative.sum(axis=1)
    for i, label in enumerate(LEVEL_LABELS):
        out[f"resolved_share_{label}"] = np.divide(cumulative[:, i], total, out=np.full(n_days, np.nan),
                                                   where=total > 0)
    return out


# What each chart plots: (title, y label, [(series, legend label, colour)], y max or None).
LEVEL_COLOURS = {"grid": "#1b9e77", "community": "#d95f02", "specialised": "#7570b3", "town": "#e7298a",
                 "department": "#a6761d", "dispatch": "#e6ab02", "follow_up": "#bbbbbb",
                 "city": "#66a61e"}
CHARTS = {
    "open_by_level": ("Open cases by level", "open cases",
                      [(f"open_{lv}", lv, LEVEL_COLOURS[lv]) for lv in LEVEL_LABELS], None),
    "case_flow": ("New, reported and closed cases per day", "cases per day",
                  [("arisen", "new (arisen)", "#999999"), ("reported", "reported", "#1f77b4"),
                   ("closed", "closed", "#2ca02c")], None),
    "resolved_share": ("Where resolved cases were resolved (cumulative)", "% of resolved cases",
                       [(f"resolved_share_{lv}", lv, LEVEL_COLOURS[lv]) for lv in LEVEL_LABELS], 1.0),
    "satisfaction": ("Satisfaction at follow-up", "% of followed-up cases satisfied",
                     [("satisfaction_daily", "that day", "#bbbbbb"),
                      ("satisfaction_cumulative", "so far", "#d62728")], 1.0),
    "utilisation": ("Where grid workers' hours go", "% of the day's hours",
                    [("hours_department_tasks_share", "department tasks", "#7f7f7f"),
                     ("hours_orders_share", "orders", "#d62728"),
                     ("hours_patrol_share", "patrol and visits", "#08519c"),
                     ("hours_idle_share", "idle", "#c7c7c7")], 1.0),
}
PERCENT_CHARTS = frozenset(chart for chart, (_, _, _, ymax) in CHARTS.items() if ymax == 1.0)  # shares, shown in %


# ---------------------------------------------------------------- the run's summary
def run_summary(model) -> dict:
    """The current run's summary, as ``run.py`` writes it (sim.results.api.RunResult.summary), so far."""
    from sim.results.api import RunResult

    scenario = getattr(model, "viz_scenario", None)
    if scenario is None:
        scenario = load_scenario(None).with_overrides(model.params.changed()) if model.params.changed() \
            else load_scenario(None)
    summary = RunResult(scenario, model.seed, model, wall_seconds=float("nan")).summary
    summary = {**summary, "refused_inputs": list(getattr(model, "refused", []))}
    return json_safe(summary)


def summary_json(model) -> str:
    return json.dumps(run_summary(model), indent=2, ensure_ascii=False, default=str)


__all__ = ["PARAM_CONTROLS", "RUN_CONTROLS", "MEASURES", "CHARTS", "PERCENT_CHARTS", "TOWN_OUTCOMES", "check_settings",
           "scenario_values", "town_table",
           "grid_measures", "grid_details", "daily_series", "run_summary", "summary_json", "list_scenarios"]
