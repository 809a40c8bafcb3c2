"""PNG files of the page's map and charts (matplotlib, made only when a download is asked for)."""

from __future__ import annotations

import io
import zipfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from sim.config.enums import Level
from sim.page.data import CHARTS, LEVEL_COLOURS, MEASURES, daily_series, grid_measures


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def map_png(model, measure: str = "open_cases") -> bytes:
    city = model.city
    values = grid_measures(model)[measure]
    xy = np.array([city.layout[int(node)] for node in city.grid_node])
    fig, ax = plt.subplots(figsize=(7, 6.5))
    dots = ax.scatter(xy[:, 0], xy[:, 1], c=values, cmap="YlOrRd", s=max(8, 2500 / max(city.grids, 1)),
                      edgecolors="#666", linewidths=0.5, vmin=0, vmax=max(float(values.max()), 1e-9), zorder=2)
    fig.colorbar(dots, ax=ax, shrink=0.7, label=MEASURES[measure])
    for t in range(city.towns):
        members = xy[city.grid_town == t]
        if len(members):
            centre = members.mean(axis=0)
            ax.annotate(city.town_names[t], centre + [0, np.abs(members - centre).max() + 0.05], ha="center",
                        color="#555", fontsize=8)
    worker_xy = np.array([city.layout[int(w.cell.coordinate)] for w in model.workers]).reshape(-1, 2)
    jitter = np.random.default_rng(0).normal(0, 0.008, worker_xy.shape)
    ax.scatter(*(worker_xy + jitter).T, marker="s", s=6, color="#2166ac", label="grid worker", zorder=3)
    for level in (Level.COMMUNITY, Level.SPECIALISED, Level.TOWN, Level.CITY):
        nodes = {int(m.cell.coordinate) for m in model.mediators if m.level is level}
        if nodes:
            pts = np.array([city.layout[n] for n in sorted(nodes)])
            ax.scatter(*pts.T, marker="D", s=22, color=LEVEL_COLOURS[level.label], edgecolors="#222",
                       label=f"{level.label} mediators", zorder=4)
    ax.legend(loc="lower left", fontsize=7, framealpha=0.9)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"{model.scenario_name}, seed {model.seed}, day {model.day}: {MEASURES[measure]}")
    return _png(fig)


def chart_png(model, chart: str) -> bytes:
    from sim.results.plotting import round_ticks

    title, ylabel, lines, ymax = CHARTS[chart]
    series = daily_series(model)
    share = ymax == 1.0 and ylabel.startswith("share")  # a share: shown as a percentage
    scale = 100.0 if share else 1.0
    if share:
        ylabel = "%" + ylabel[len("share"):] if ylabel != "share" else "% of resolved cases"
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for key, label, colour in lines:
        ax.plot(series["day"], np.asarray(series[key], dtype=float) * scale, color=colour, label=label, lw=1.5)
    ax.set(title=title, xlabel="Day of the run (days)", ylabel=ylabel)
    if ymax is not None:
        ax.set_ylim(0, ymax * scale)
    round_ticks(ax)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)


def all_pngs_zip(model, measure: str = "open_cases") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"grid_map_{measure}_day{model.day}.png", map_png(model, measure))
        for chart in CHARTS:
            archive.writestr(f"{chart}_day{model.day}.png", chart_png(model, chart))
    return buffer.getvalue()
