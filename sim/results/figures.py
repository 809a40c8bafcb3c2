"""The run's figure: where backlogs build, how long closing takes, where cases end."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from sim.config.enums import Level
from sim.results.plotting import round_ticks

LEVEL_COLOURS = {"grid": "#4C9F70", "community": "#3B7EA1", "specialised": "#C17C2E", "town": "#8E5EA2",
                 "city": "#C0392B", "department": "#7F8C8D", "dispatch": "#F1C40F", "follow_up": "#BDC3C7"}
RESOLVING_LEVELS = [level for level in Level if level not in (Level.DISPATCH, Level.FOLLOW_UP)]


def summary_figure(summary: dict, daily, days_to_close):
    """Three panels for a slide: open cases by level over time, the distribution of days from
    arising to close, and the share of resolved cases by level. ``daily`` maps each daily
    series to its values; ``days_to_close`` holds one value per closed case (from arising). Plain data, so a helper
    process can draw it without pandas (sim.results.figure_process). A bare ``Figure`` (no pyplot):
    no global state, and a fixed layout, which draws faster than a constrained one."""
    fig = Figure(figsize=(15, 4.4))
    ax_open, ax_days, ax_level = fig.subplots(1, 3)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.14, top=0.86, wspace=0.24)
    days = np.asarray(daily["day"]) + 1
    stacks = [np.asarray(daily[f"open_{level.label}"]) for level in Level]
    ax_open.stackplot(days, stacks, labels=[level.label.replace("_", " ") for level in Level],
                      colors=[LEVEL_COLOURS[level.label] for level in Level], alpha=0.9)
    ax_open.set(title="Open cases by level", xlabel="Day of the run (days)",
                ylabel="Open cases at the end of the day (cases)")
    round_ticks(ax_open)
    ax_open.legend(loc="upper left", fontsize=8, framealpha=0.85, edgecolor="none")

    to_close = np.asarray(days_to_close, dtype=float)
    if len(to_close):
        bins = np.logspace(np.log10(max(to_close.min(), 0.01)), np.log10(max(to_close.max(), 0.1)), 40)
        ax_days.hist(to_close, bins=bins, color="#3B7EA1")
        ax_days.set_xscale("log")
        # Plain labels (0.1, 1, 10): the default $10^{x}$ labels start Matplotlib's mathtext
        # parser, a quarter of a second on every run.
        ax_days.xaxis.set_major_formatter(FuncFormatter(_plain_number))
        ax_days.xaxis.set_minor_formatter(NullFormatter())
        for label, value, style in (("median", summary["days_from_arising"]["median"], "-"),
                                    ("90th percentile", summary["days_from_arising"]["p90"], "--")):
            ax_days.axvline(value, color="black", linestyle=style, linewidth=1, label=f"{label}: {value:.1f} d")
        ax_days.legend(fontsize=8, frameon=False)
    ax_days.set(title="Days from arising to close", xlabel="Days from arising to close (days, log scale)",
                ylabel="Closed cases (cases)")
    round_ticks(ax_days, "y")

    shares = summary["resolved_share_by_level"]
    labels = [level.label for level in RESOLVING_LEVELS]
    values = [100 * (shares[label] if shares[label] == shares[label] else 0.0) for label in labels]
    bars = ax_level.bar(labels, values, color=[LEVEL_COLOURS[label] for label in labels])
    ax_level.bar_label(bars, fmt="%.1f%%", fontsize=8)
    ax_level.set(title="Where resolved cases were resolved", xlabel="Level (where the case was resolved)",
                 ylabel="Resolved cases (% of resolved cases)", ylim=(0, 105))
    round_ticks(ax_level, "y")
    ax_level.tick_params(axis="x", labelsize=7.5)
    fig.suptitle(f"{summary['scenario']} — {summary['residents']:,} residents, {summary['days']} days, "
                 f"{summary['workers_per_10k']:g} grid workers per 10,000 urban residents, escalation rule "
                 f"{summary['escalation_rule']}, seed {summary['seed']}", fontsize=11)
    return fig


def _plain_number(value: float, _position) -> str:
    return f"{value:g}"


def save_figure(fig, path) -> None:
    fig.savefig(path, dpi=110, metadata={"Software": None})
