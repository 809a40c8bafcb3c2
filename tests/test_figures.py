"""Figures and tables ready for a slide: every axis of every figure run, compare and sweep-report
write is labelled with its unit (% for a share), no two pieces of text overlap (nor stick out of
the figure), the comparison never draws the baseline as a difference from itself, and compare's
and the sweep's tables print percentages and no exponent noise. Small runs: scale 0.01, a few days."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from sim.analyses.compare import COMPARED, FIGURE_OUTCOMES, comparison_table, draw_comparison, run_comparison
from sim.analyses.sweep_report import draw_outcome, draw_overview, ordered, report
from sim.batch import load_experiment
from sim.batch.engine import Engine
from sim.batch.sweep import run_sweep
from sim.cli.tables import print_comparison, print_sweep_report
from sim.config.display import axis_label, format_difference, format_estimate, format_value, shown_unit
from sim.config.outcomes import HEADLINE_OUTCOMES, OUTCOMES
from sim.config.params import PARAMS
from sim.config.scenario import load_scenario
from sim.results.api import run
from sim.results.figures import summary_figure
from sim.results.output import figure_data
from sim.results.plotting import RoundFormatter, text_overlaps

# Every unit a figure may name: the registries' (a share as "% of …"), and what a difference or a
# figure's own axes use.
UNITS = {shown_unit(spec.unit) for spec in OUTCOMES.values()} | {shown_unit(p.unit) for p in PARAMS.values()} \
    | {"percentage points", "days", "cases", "%"}
NUMBER = re.compile(r"^[−-]?[\d,]*\.?\d+%?$")


def axes_of(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def numeric_ticks(axis) -> bool:
    labels = [label.get_text() for label in axis.get_ticklabels() if label.get_text()]
    return bool(labels) and all(NUMBER.match(text.replace("\u2212", "-")) for text in labels)


def assert_slide_ready(fig, name: str) -> None:
    """Every numeric axis labelled with a unit, every categorical axis labelled, no text overlapping."""
    overlaps = text_overlaps(fig)
    assert not overlaps, f"{name}: overlapping text {overlaps[:5]}"
    for ax in axes_of(fig):
        for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            label = axis.get_label().get_text()
            shown = [t.get_text() for t in axis.get_ticklabels() if t.get_text()]
            if not shown:
                continue  # a panel's shared scenario names are on the first column only
            if numeric_ticks(axis):
                assert any(unit in label for unit in UNITS if unit), \
                    f"{name}: the {which} axis of {ax.get_title()!r} has no unit in its label {label!r}"
                assert "e+" not in " ".join(shown) and "e-" not in " ".join(shown), f"{name}: exponent in {shown}"
            elif ax.get_title() and which == "y":
                continue  # scenario names: the comparison's rows
            else:
                assert label, f"{name}: the {which} axis of {ax.get_title()!r} has no label"


@pytest.fixture(scope="module")
def comparison():
    baseline = load_scenario(None, {"scale": 0.01, "days": 40})
    fewer = baseline.with_overrides({"workers_per_10k": 9.0}, source="test")
    runs = run_comparison([baseline, fewer, baseline], seeds=2, processes=1)
    return runs, comparison_table(runs), ["shishi_baseline", "fewer workers", "shishi_baseline again"]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep")
    path = tmp / "tiny.toml"
    path.write_text('name = "tiny"\nscenario = "shishi_baseline.toml"\nseed = 5\nreplications = 2\ndays = 30\n'
                    'scale = 0.01\noutcomes = "main"\n[levers]\nworkers_per_10k = [9, 18]\n'
                    'escalation_rule = ["three_level", "bottom_up"]\n', encoding="utf-8")
    experiment = load_experiment(path)
    run_sweep(experiment, tmp / "out", Engine(1), quiet=True)
    return report(tmp / "out")


# ---------------------------------------------------------------- figures


def test_run_summary_figure_is_slide_ready():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    data = figure_data(run(load_scenario(None, {"scale": 0.01, "days": 40}), seed=3))
    fig = summary_figure(**data)
    FigureCanvasAgg(fig)
    assert_slide_ready(fig, "summary.png")


def test_comparison_figure_is_slide_ready_and_headline_first(comparison):
    _, table, _ = comparison
    fig = draw_comparison(table)
    assert_slide_ready(fig, "comparison.png")
    titles = [ax.get_title() for ax in axes_of(fig)]
    assert len(titles) == len(FIGURE_OUTCOMES)
    for title, outcome in zip(titles, HEADLINE_OUTCOMES, strict=False):
        assert title.replace("\n", " ").startswith(OUTCOMES[outcome].label)
    assert fig.axes[0].get_xlabel() == "difference (percentage points)"  # a share's difference


def test_comparison_never_draws_the_baseline_as_a_difference_from_itself(comparison):
    _, table, names = comparison
    fig = draw_comparison(table)
    for ax in axes_of(fig):
        drawn = sum(len(line.get_ydata()) for line in ax.lines if len(line.get_ydata()) and line.get_marker() == "o")
        assert drawn == len(names) - 1, "one point per scenario other than the baseline"
        assert "shishi_baseline:" in ax.get_title()  # the baseline as a level, in the title
    rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(rows) == len(names) - 1 and not any(row.startswith("1.") for row in rows), rows
    # the baseline's own difference rows are exactly zero, with no interval
    first = table[table["position"] == 0]
    assert (first["diff_vs_first"] == 0).all()


def test_comparison_of_one_scenario_draws_levels(comparison):
    _, table, _ = comparison
    fig = draw_comparison(table[table["position"] == 0])
    assert_slide_ready(fig, "comparison.png (one scenario)")
    assert "difference" not in fig.axes[0].get_xlabel() and "%" in fig.axes[0].get_xlabel()


def test_sweep_figures_are_slide_ready(sweep):
    overview = draw_overview(sweep.runs, sweep.factor_names, sweep.outcomes)
    assert_slide_ready(overview, "overview.png")
    assert all(ax.get_xlabel() == "Grid workers per 10,000 urban residents" for ax in axes_of(overview))
    first = [ax.get_title().split("\n")[0] for ax in axes_of(overview)][:2]
    assert first == [OUTCOMES[name].label for name in HEADLINE_OUTCOMES[:2]]
    assert "workers_per_10k" not in " ".join(t.get_text() for t in overview.findobj(lambda a: hasattr(a, "get_text")))
    for name in ("resolved_within_30_days_disputes", "days_to_close_mean", "petitions_per_10k"):
        fig = draw_outcome(sweep.runs, sweep.factor_names, name)
        assert_slide_ready(fig, f"{name}.png")
        assert fig.axes[0].get_ylabel() == axis_label(name)
    assert (sweep.out / "figures" / "overview.png").is_file()
    assert ordered(sweep.outcomes)[:len(HEADLINE_OUTCOMES)] == list(HEADLINE_OUTCOMES)


def test_round_ticks_and_overlap_check_itself():
    from matplotlib.figure import Figure

    assert RoundFormatter().format_ticks([0, 2.5, 5]) == ["0.0", "2.5", "5.0"]
    assert RoundFormatter().format_ticks([1000, 2000]) == ["1,000", "2,000"]
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.set_title("a title long enough to run off the figure on both sides of it")
    ax.text(0.5, 0.5, "here")
    ax.text(0.5, 0.5, "there")
    found = text_overlaps(fig)
    assert ("here", "there") in found and any(b == "<figure edge>" for _, b in found)


# ---------------------------------------------------------------- tables


def test_compare_table_prints_percentages_and_no_exponent_noise(comparison):
    _, table, names = comparison
    buffer = io.StringIO()
    print_comparison(table, names, 2, Console(file=buffer, width=200))
    text = buffer.getvalue()
    assert not re.search(r"\d[eE][+-]?\d", text), "an exponent in the table"
    assert "%" in text and " pp" in text
    assert OUTCOMES["resolved_within_30_days_disputes"].label in text
    headline = text.index(OUTCOMES["resolved_within_30_days_disputes"].label)
    assert headline < text.index(OUTCOMES["closure_rate"].label)
    # the third scenario is the first again: every difference prints as exactly 0
    last = [line.rstrip(" │").rsplit("│", 1)[-1].strip() for line in text.splitlines()
            if line.startswith("│") and "Δ" in line]
    assert len(last) == len(COMPARED)
    assert all(re.fullmatch(r"Δ 0(\.0+)?( pp)?( ± 0(\.0+)?)?", cell) for cell in last), last
    assert len(COMPARED) == len(set(table["outcome"]))


def test_numbers_are_formatted_like_the_run_summary():
    assert format_estimate("city_centre_cases_per_year", 2243.7, 2214.0, 2272.0) == "2,244 ± 29"
    assert format_difference("city_centre_cases_per_year", 8.88e-17, -0.14, 0.14, reference=2243) == "0.00 ± 0.14"
    assert format_difference("closure_rate", 4e-17, 0.0, 0.0) == "0.0 pp ± 0.0"
    assert format_estimate("closure_rate", 0.87312, 0.86, 0.885) == "87.3 % ± 1.3"
    assert format_difference("closure_rate", 0.021, 0.013, 0.029) == "+2.1 pp ± 0.8"
    assert format_value("closure_rate", 0.873) == "87.3 %" and format_value("cases_reported", 12345) == "12,345"
    assert axis_label("workers_per_10k") == "Grid workers per 10,000 urban residents"
    assert axis_label("closure_rate") == "Closure rate (% of reported cases)"
    assert format_estimate("closure_rate", float("nan"), np.nan, np.nan) == "n/a"


def test_sweep_table_has_the_headline_and_whole_column_names(sweep):
    for width in (100, 120, 160):
        buffer = io.StringIO()
        print_sweep_report(sweep, Console(file=buffer, width=width))
        text = buffer.getvalue()
        lines = text.splitlines()
        assert max(len(line) for line in lines) <= width
        table = [line for line in lines if line.startswith(("┃", "│", "┏", "└"))]
        assert all(line.endswith(("┃", "│", "┓", "┘")) for line in table), "the table is cut at the right"
        assert "…" not in "\n".join(table), "a column name or value is cut"
        words = set(" ".join(line for line in table if line.startswith("┃")).replace("┃", " ").split())
        assert set("Disputes resolved within 30 days (% of disputes)".split()) <= words  # the headline, whole
        assert {"Grid", "workers", "urban", "residents"} <= words and "workers_per_10k" not in words
        assert "%" in text and not re.search(r"\d[eE][+-]?\d", text)


def test_every_outcome_and_main_lever_has_a_label():
    assert all(spec.label and spec.label[0].isupper() for spec in OUTCOMES.values())
    summary = pd.Series({name: axis_label(name) for name in OUTCOMES})
    assert not summary.str.contains("_").any(), summary[summary.str.contains("_")].tolist()


# ---------------------------------------------------------------- the analyses' figures (synthetic inputs)


def test_staffing_sensitivity_and_calibration_figures_are_slide_ready():
    from sim.analyses.calibration import TARGETS
    from sim.analyses.sensitivity import DUMMY, draw_morris, draw_sobol
    from sim.analyses.staffing import RULE_COLUMN, SearchConfig, SearchResult, draw_figure
    from sim.analyses.standard import LEGACY_STANDARD, parse_standard
    from sim.docgen.calibration_report import draw_targets

    standard = parse_standard(LEGACY_STANDARD)  # two criteria: a share and a rate, as the figure shows them
    rows = []
    for rule in ("three_level", "bottom_up"):
        for workers, share, petitions, decision in ((9, 0.90, 1.4, "missed"), (18, 0.96, 0.8, "met"),
                                                    (24, 0.97, 0.7, "met")):
            rows.append({RULE_COLUMN: rule, "workers_per_10k": workers, "replications": 4, "decision": decision,
                         **{name: value for criterion, value in zip(standard.criteria, (share, petitions),
                                                                     strict=True)
                            for name, value in ((criterion.outcome, value),
                                                (criterion.outcome + "_low", value * 0.98),
                                                (criterion.outcome + "_high", value * 1.02))}})
    config = SearchConfig(None, {}, "workers_per_10k", (9, 18, 24), ("three_level", "bottom_up"), standard)
    answers = pd.DataFrame({RULE_COLUMN: ["three_level", "bottom_up"], "smallest_met": [18.0, 18.0]})
    fig = draw_figure(SearchResult(config, pd.DataFrame(), pd.DataFrame(rows), answers, pd.DataFrame()))
    assert_slide_ready(fig, "staffing.png")
    assert fig.axes[0].get_ylabel() == "Closed within 30 days of arising (% of cases)"

    factors = ["dispute_rate_per_10k.labour", "service_days.town", "handoff_days", DUMMY]
    outcomes = ["closed_within_30_days", "days_to_close_mean"]
    ranking = pd.DataFrame({"factor": factors, "rank": [1, 2, 3, 4], "score": [1.0, 0.5, 0.2, 0.0],
                            **{f"mu_star:{o}": [0.3, 0.2, 0.1, 0.0] for o in outcomes},
                            **{f"mu_star_conf:{o}": [0.05, 0.04, 0.02, 0.0] for o in outcomes}})
    assert_slide_ready(draw_morris(ranking, outcomes), "morris.png")
    indices = pd.DataFrame([{"outcome": o, "factor": f, "S1": 0.3, "S1_conf": 0.1, "ST": 0.4, "ST_conf": 0.1}
                            for o in outcomes for f in factors[:3]])
    assert_slide_ready(draw_sobol(indices), "sobol.png")
    values = [(target, (target.point, target.point * 0.97, target.point * 1.03)) for target in TARGETS]
    assert_slide_ready(draw_targets(values, 10), "calibration.png")
