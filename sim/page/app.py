"""The browser page: the grid-governance model to present from.

Start it with ``python run.py viz`` (``serve()``). It binds to 127.0.0.1 unless told otherwise,
answers only requests for this machine's loopback names (and ``--allow-host`` names) and
websockets from its own pages, and fetches nothing from the internet (``sim.page.guard``).

- **Controls** (the sidebar), grouped by system: staffing; escalation and dispatch; mediation;
  the further systems; the world (scenario file, run size, seed). Plain labels with units, and
  sliders, selects and switches built from the parameter registry (``sim.page.controls``).
  Changing a control restarts the run at day 0 with it; the header states the run's actual
  settings (rule, workers per 10,000, scale, seed, day …).
- **Compare**: two settings, A and B, run side by side on the same seed (common random numbers:
  the same disputes arise in both); the charts draw B dashed over A and the difference, B − A,
  below; the town table gives A, B and B − A.
- **Map**: the city's fixed layout, full width; grids coloured by a measure, towns by any
  outcome of ``sim.results.summary.by_town``; a town can be chosen to fill the map (the dense
  urban towns become legible). Hover any dot or symbol for its details.
- **Charts** over simulated days with round ticks and units (shares in %).
- **Per-town table** of outcomes so far.
- **Experiment** (BehaviorSpace in a browser): one lever at 2–5 values × replications on common
  seeds, run in the background on the batch engine's worker processes with progress, shown as a
  curve with 95% intervals; the table downloads as CSV (``sim.page.experiment``).
- Downloads: the run's summary (JSON, as ``run.py`` writes it) and PNGs of the map and charts.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Iterable
from html import escape

import markdown
import solara

from sim.model.model import GridGovernanceModel
from sim.page.controls import (
    CONTROLS,
    DEFAULT_SCALE,
    DEFAULT_SEED,
    GROUPS,
    LABELS,
    LEVERS,
    SCALES,
    WORLD_GROUP,
    differences,
    scale_label,
    setting_summary,
)
from sim.page.data import (
    CHARTS,
    MEASURES,
    TOWN_OUTCOMES,
    check_settings,
    daily_series,
    format_outcome,
    grid_details,
    grid_measures,
    run_summary,
    scenario_files,
    scenario_values,
    summary_json,
    town_table,
    town_values,
)
from sim.page.svg import line_chart_svg, map_svg

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765
PLAY_PAUSE = 0.05  # seconds between steps while playing (a step and its redraw take tens of ms)
SIDES = ("A", "B")


class VizModel(GridGovernanceModel):
    """The model as the page builds it: from the controls' values, checked first.

    A value the registry refuses, or a keyword that is no parameter, is not used: the
    scenario's value stays, the reason is kept in ``refused`` and shown on the page in red, and
    a ``UserWarning`` says it to code that builds the model directly. User input never raises.
    """

    def __init__(self, scenario_file: str = "shishi_baseline", seed: object = str(DEFAULT_SEED), scenario=None,
                 **controls: object):
        # ``scenario`` is accepted (and ignored) for Mesa's own controllers, which pass one on reset.
        controls.setdefault("scale", f"{DEFAULT_SCALE:g}")
        settings = check_settings(scenario_file, seed, **controls)
        for message in settings.refused:  # shown on the page; a warning for anyone building it in code
            warnings.warn(f"VizModel: {message}", UserWarning, stacklevel=2)
        loaded = settings.load()
        super().__init__(loaded.params, seed=settings.seed, scenario_name=loaded.name)
        self.viz_scenario = loaded
        self.settings = settings
        self.refused = settings.refused


class PageState:
    """One browser session's state (made once per session by ``Page``)."""

    def __init__(self):
        first = next(iter(scenario_files()), "shishi_baseline")
        values = scenario_values(first)
        self.scenario_file = solara.reactive(first)
        self.scale = solara.reactive(DEFAULT_SCALE)
        self.seed = solara.reactive(DEFAULT_SEED)
        self.settings = {side: solara.reactive(dict(values)) for side in SIDES}
        self.compare = solara.reactive(False)
        self.editing = solara.reactive("A")
        self.playing = solara.reactive(False)
        self.tick = solara.reactive(0)  # bumped after every step and rebuild: what makes the views redraw
        self.models = solara.reactive(self.build())
        # the views
        self.measure = solara.reactive("open_cases")
        self.focus = solara.reactive("")  # a town's name, or "" for the whole city
        self.town_outcome = solara.reactive("satisfaction_rate")
        self.map_side = solara.reactive("A")
        self.detail_grid = solara.reactive("")
        self.view = solara.reactive("Run")
        self.open_groups = solara.reactive(frozenset({"Staffing", WORLD_GROUP}))
        # the experiment
        from sim.page.experiment import default_values, values_text

        self.exp_lever = solara.reactive("workers_per_10k")
        self.exp_values = solara.reactive(values_text(default_values("workers_per_10k")))
        self.exp_replications = solara.reactive(2)
        self.exp_scale = solara.reactive(0.02)
        self.exp_days = solara.reactive(90)
        self.exp_outcome = solara.reactive("satisfaction_rate")
        self.exp_request = solara.reactive(0)  # bumped to start a run (``ExperimentRunner``)
        self.exp_plan = solara.reactive(None)
        self.exp_progress = solara.reactive((0, 0))
        self.exp_running = solara.reactive(False)
        self.exp_result = solara.reactive(None)  # (plan, frame)
        self.exp_error = solara.reactive("")

    def build(self) -> tuple[VizModel, ...]:
        sides = SIDES if self.compare.value else SIDES[:1]
        return tuple(VizModel(self.scenario_file.value, str(self.seed.value),
                              **{**self.settings[side].value, "scale": self.scale.value}) for side in sides)

    def rebuild(self) -> None:
        self.playing.set(False)
        self.models.set(self.build())
        self.tick.set(self.tick.value + 1)

    def step(self, days: int = 1) -> None:
        for _ in range(days):
            for model in self.models.value:
                model.step()
        self.tick.set(self.tick.value + 1)

    def set_control(self, side: str, name: str, value) -> None:
        self.settings[side].set({**self.settings[side].value, name: value})
        self.rebuild()

    def set_scenario(self, name: str) -> None:
        self.scenario_file.set(name)
        values = scenario_values(name)
        for side in SIDES:
            self.settings[side].set(dict(values))
        self.rebuild()

    def set_compare(self, on: bool) -> None:
        """Compare mode on or off; B starts as a copy of A and the controls then set B."""
        if on:
            self.settings["B"].set(dict(self.settings["A"].value))
        self.compare.set(on)
        self.editing.set("B" if on else "A")
        self.map_side.set("A")
        self.rebuild()


# ---------------------------------------------------------------- small pieces
@solara.component
def SvgView(svg: str, name: str):
    solara.HTML(tag="div", unsafe_innerHTML=svg, attributes={"class": f"viz-{name}"},
                style={"overflow": "auto", "max-width": "100%", "width": "100%"})


@solara.component
def Prose(text: str, name: str):
    """Markdown, rendered here and shown as HTML (``solara.Markdown`` would load mermaid and KaTeX
    from a CDN in the browser: a request off the machine, or a 404 and a script error offline).
    Values that come from files or users must be passed through ``html.escape`` first."""
    solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text), attributes={"class": f"prose {name}"})


@solara.component
def ControlView(state: PageState, side: str, name: str):
    """One lever: its plain label with the value and unit above a slider, select or switch."""
    item = CONTROLS[name]
    value = state.settings[side].value[name]
    with solara.Column(classes=["control", f"control-{name}"], gap="0px",
                       style={"margin-bottom": "6px"}):
        solara.HTML(tag="div", unsafe_innerHTML=escape(item.text(value)),
                    attributes={"class": "control-label", "title": item.help},
                    style={"font-size": "13px", "color": "#333"})
        if item.kind == "switch":
            solara.Switch(label="on" if value else "off", value=bool(value),
                          on_value=lambda v: state.set_control(side, name, bool(v)))
        elif item.kind == "select":
            labels = dict(item.choices)
            by_label = {label: choice for choice, label in item.choices}
            solara.Select(label="", value=labels.get(value, value), values=list(by_label),
                          on_value=lambda label: state.set_control(side, name, by_label[label]), dense=True)
        elif item.integer:
            solara.SliderInt(label="", value=int(value), min=int(item.minimum), max=int(item.maximum),
                             step=int(item.step), tick_labels="end_points", thumb_label=True,
                             on_value=lambda v: state.set_control(side, name, int(v)))
        else:
            shown = min(max(float(value), item.minimum), item.maximum)
            solara.SliderFloat(label="", value=shown, min=item.minimum, max=item.maximum, step=item.step,
                               tick_labels="end_points", thumb_label=True,
                               on_value=lambda v: state.set_control(side, name, float(v)))


@solara.component
def WorldControls(state: PageState):
    files = list(scenario_files())
    solara.Select(label=LABELS["scenario_file"], value=state.scenario_file.value, values=files,
                  on_value=state.set_scenario)
    by_label = {scale_label(s): s for s in SCALES}
    if state.scale.value not in SCALES:
        by_label[scale_label(state.scale.value)] = state.scale.value
    solara.Select(label=f"{LABELS['scale']} (share of Shishi's 700,000 residents)",
                  value=scale_label(state.scale.value), values=list(by_label),
                  on_value=lambda label: (state.scale.set(by_label[label]), state.rebuild()))

    def set_seed(value):
        if value is not None and value >= 0:
            state.seed.set(int(value))
            state.rebuild()

    solara.InputInt(label="Seed (whole number; both settings use it)", value=state.seed.value, on_value=set_seed)


@solara.component
def Controls(state: PageState):
    with solara.Card("Run", margin=0, classes=["run-controls"]):
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            solara.Button("Step", color="primary", on_click=lambda: state.step(1), disabled=state.playing.value)
            solara.Button("❚❚ Pause" if state.playing.value else "▶ Play", color="primary",
                          on_click=lambda: state.playing.set(not state.playing.value))
            solara.Button("+30 days", color="primary", on_click=lambda: state.step(30), disabled=state.playing.value)
            solara.Button("Reset", on_click=state.rebuild, outlined=True)
        solara.Switch(label="Compare two settings (A and B, same seed)", value=state.compare.value,
                      on_value=state.set_compare, classes=["compare-switch"])
        if state.compare.value:
            solara.Text("Controls below set:", style={"font-size": "13px"})
            solara.ToggleButtonsSingle(value=state.editing.value, values=list(SIDES), on_value=state.editing.set,
                                       classes=["editing-side"])
        solara.Text("Changing a control restarts the run at day 0.", style={"color": "#666", "font-size": "12px"})
    side = state.editing.value if state.compare.value else "A"
    for group, names in GROUPS.items():
        title = f"{group} (setting {side})" if state.compare.value else group
        with Group(state, group, title):
            for name in names:
                ControlView(state, side, name)
    with Group(state, WORLD_GROUP, WORLD_GROUP + (" (both settings)" if state.compare.value else "")):
        WorldControls(state)


@solara.component
def Group(state: PageState, group: str, title: str, children=[]):  # noqa: B006 (Solara's children argument)
    """A group of controls under a header that opens and closes it; a closed group's controls are
    not built at all (fewer widgets: a faster first load)."""
    is_open = group in state.open_groups.value

    def toggle():
        groups = set(state.open_groups.value)
        state.open_groups.set(groups - {group} if is_open else groups | {group})

    with solara.Card(margin=0, classes=["control-group", f"group-{group.lower().replace(' ', '-')}"],
                     style={"margin-bottom": "8px", "padding": "0 4px"}):
        solara.Button(("▾ " if is_open else "▸ ") + title, text=True, on_click=toggle, classes=["group-header"],
                      style={"width": "100%", "justify-content": "flex-start", "text-transform": "none",
                             "font-size": "15px", "font-weight": "bold"})
        if is_open:
            solara.Column(gap="2px", style={"padding": "0 8px 8px 8px"}, children=children)


@solara.component
def Header(state: PageState, models, day: int):
    scenario = models[0].viz_scenario
    baseline = scenario_values(state.scenario_file.value)
    lines = []
    for side, model in zip(SIDES, models, strict=False):
        name = f"**Setting {side}** · " if len(models) > 1 else ""
        lines.append(f"{name}{escape(setting_summary(model.params, model.seed))} · **day {model.day}**")
        changed = differences(baseline, {n: model.params[n] for n in LEVERS})
        if changed:
            lines.append(f"&nbsp;&nbsp;changed from the scenario file: {escape('; '.join(changed))}")
    if len(models) > 1:
        diff = differences({n: models[0].params[n] for n in LEVERS}, {n: models[1].params[n] for n in LEVERS})
        lines.append("**B differs from A in**: " + (escape("; ".join(diff)) if diff else
                                                     "nothing yet — set B's controls (choose B above the groups)"))
    model = models[0]
    lines.append(f"Scenario file *{escape(scenario.name)}* · {model.population.size:,} residents, "
                 f"{model.city.grids} grids, {len(model.workers)} grid workers, {len(model.volunteers)} volunteers, "
                 f"{len(model.mediators)} mediators, {len(model.cadres)} stationed cadres"
                 + (" (setting A)" if len(models) > 1 else ""))
    solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown("  \n".join(lines)), attributes={"class": "run-summary"},
                style={"background": "#eef4fb", "border-left": "4px solid #1f77b4", "padding": "6px 10px",
                       "font-size": "14px"})
    for m in models:
        for message in m.refused:
            solara.Error(message, classes=["refused"])


# ---------------------------------------------------------------- the run's views
@solara.component
def MapView(state: PageState, models, day: int):
    model = models[1] if state.map_side.value == "B" and len(models) > 1 else models[0]
    city = model.city
    measure_by_label = {label: key for key, label in MEASURES.items()}
    towns = ["Whole city", *city.town_names]
    outcome_by_label = {"(none)": "", **{f"{label} ({unit})": key for key, (label, unit, _) in TOWN_OUTCOMES.items()}}
    outcome_label = next((label for label, key in outcome_by_label.items() if key == state.town_outcome.value),
                         "(none)")
    with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
        if len(models) > 1:
            solara.ToggleButtonsSingle(value=state.map_side.value, values=list(SIDES), on_value=state.map_side.set,
                                       classes=["map-side"])
        with solara.Column(style={"min-width": "220px"}):
            solara.Select(label="Colour grids by", value=MEASURES[state.measure.value], values=list(measure_by_label),
                          on_value=lambda label: state.measure.set(measure_by_label[label]))
        with solara.Column(style={"min-width": "200px"}):
            solara.Select(label="Show town", value=state.focus.value or "Whole city", values=towns,
                          on_value=lambda name: state.focus.set("" if name == "Whole city" else name))
        with solara.Column(style={"min-width": "320px"}):
            solara.Select(label="Colour towns by", value=outcome_label, values=list(outcome_by_label),
                          on_value=lambda label: state.town_outcome.set(outcome_by_label[label]))
    focus = city.town_names.index(state.focus.value) if state.focus.value in city.town_names else None
    outcome = state.town_outcome.value
    values = label = fmt = None
    if outcome:
        name, unit, percent = TOWN_OUTCOMES[outcome]
        values, label = town_values(town_table(model), outcome), f"{name} ({unit})"

        def fmt(v, percent=percent):
            return format_outcome(v, percent)

    SvgView(map_svg(model, state.measure.value, town=focus, town_values=values, town_label=label or "",
                    town_format=fmt), "map")
    codes = list(city.grid_codes)
    measures = grid_measures(model)
    order = sorted(range(len(codes)), key=lambda g: -measures[state.measure.value][g])
    if focus is not None:
        order = [g for g in order if int(city.grid_town[g]) == focus]
    options = [codes[g] for g in order]
    solara.Select(label="Grid details (highest first)",
                  value=state.detail_grid.value if state.detail_grid.value in options else None,
                  values=options, on_value=state.detail_grid.set)
    if state.detail_grid.value in codes:
        details = grid_details(model, codes.index(state.detail_grid.value), measures)
        Prose("\n".join(f"- **{escape(str(key))}**: {escape(str(value))}" for key, value in details.items()),
              "grid-details")


@solara.component
def Charts(models, day: int):
    series = [daily_series(model) for model in models]
    compare = series[1] if len(series) > 1 else None
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}, gap="12px"):
        for chart in CHARTS:
            with solara.Column(style={"width": "calc(50% - 12px)", "min-width": "420px"}, gap="0px"):
                SvgView(line_chart_svg(chart, series[0], compare=compare), chart)
                solara.FileDownload(_chart_png(models[0], chart), filename=f"{chart}_day{models[0].day}.png",
                                    label="PNG", mime_type="image/png")


def _chart_png(model, chart: str):
    def make():
        from sim.page.export import chart_png

        return chart_png(model, chart)

    return make


def town_table_html(models, outcome: str) -> str:
    """The per-town table (one setting), or in compare mode the chosen outcome in A, B and B − A."""
    tables = [town_table(model) for model in models]
    head = "<tr><th>Town</th>"
    rows = []
    if len(models) == 1:
        columns = [key for key in TOWN_OUTCOMES if key not in ("grid_workers",)]
        head += "".join(f"<th>{escape(TOWN_OUTCOMES[key][0])}<br><small>{escape(TOWN_OUTCOMES[key][1])}</small></th>"
                        for key in columns)
        for town, row in tables[0].items():
            cells = "".join(f'<td data-key="{key}">{format_outcome(row[key], TOWN_OUTCOMES[key][2])}</td>'
                            for key in columns)
            rows.append(f'<tr data-town="{escape(town)}"><th>{escape(town)}</th>{cells}</tr>')
    else:
        outcome = outcome or "satisfaction_rate"
        name, unit, percent = TOWN_OUTCOMES[outcome]
        head += (f"<th>Residents</th><th>{escape(name)}, A<br><small>{escape(unit)}</small></th>"
                 f"<th>{escape(name)}, B</th><th>B − A</th>")
        for town in tables[0]:
            a, b = tables[0][town][outcome], tables[1][town][outcome]
            diff = b - a
            text = "–" if diff != diff else (f"{diff * 100:+.0f} points" if percent else f"{diff:+,.1f}")
            rows.append(f'<tr data-town="{escape(town)}"><th>{escape(town)}</th>'
                        f'<td>{tables[0][town]["residents"]:,}</td><td>{format_outcome(a, percent)}</td>'
                        f'<td>{format_outcome(b, percent)}</td><td>{text}</td></tr>')
    style = ("<style>.town-table{border-collapse:collapse;font-size:13px}.town-table th,.town-table td{border-bottom:"
             "1px solid #ddd;padding:3px 8px;text-align:right;vertical-align:bottom}.town-table th:first-child"
             "{text-align:left}.town-table small{font-weight:normal;color:#666}</style>")
    return f'{style}<table class="town-table" id="town-table"><thead>{head}</tr></thead><tbody>{"".join(rows)}' \
           f"</tbody></table>"


@solara.component
def TownTable(state: PageState, models, day: int):
    title = "Towns so far" + (" — A and B side by side, in the outcome the towns are coloured by"
                              if len(models) > 1 else "")
    solara.HTML(tag="h4", unsafe_innerHTML=escape(title))
    solara.HTML(tag="div", unsafe_innerHTML=town_table_html(models, state.town_outcome.value),
                style={"overflow-x": "auto"})


@solara.component
def Downloads(state: PageState, models, day: int):
    model = models[0]
    scenario = model.viz_scenario

    def map_png():
        from sim.page.export import map_png as draw

        return draw(model, state.measure.value)

    def zip_png():
        from sim.page.export import all_pngs_zip

        return all_pngs_zip(model, state.measure.value)

    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(lambda: summary_json(model).encode(), filename=f"summary_{scenario.name}_day"
                            f"{model.day}.json", label="Summary (JSON)", mime_type="application/json")
        solara.FileDownload(map_png, filename=f"grid_map_day{model.day}.png", label="Map (PNG)", mime_type="image/png")
        solara.FileDownload(zip_png, filename=f"charts_day{model.day}.zip", label="All charts (PNG, zip)",
                            mime_type="application/zip")


@solara.component
def Progress(models, day: int):
    parts = []
    for side, model in zip(SIDES, models, strict=False):
        daily = model.daily
        if model.day:
            prefix = f"**{side}**: " if len(models) > 1 else ""
            parts.append(f"{prefix}open cases **{daily['open'][-1]}** · closed so far **{sum(daily['closed'])}** of "
                         f"**{sum(daily['reported'])}** reported")
    if parts:
        Prose(" &nbsp;|&nbsp; ".join(parts), "run-progress")


# ---------------------------------------------------------------- the experiment
@solara.component
def ExperimentRunner(state: PageState):
    """Runs the requested experiment in a thread (the batch engine's worker processes do the runs);
    always mounted, so a run goes on while the user looks at the model."""
    request = state.exp_request.value

    def work():
        plan = state.exp_plan.value
        if not request or plan is None:
            return
        from sim.page.experiment import run_experiment

        state.exp_running.set(True)
        state.exp_error.set("")
        try:
            frame = run_experiment(plan, on_progress=lambda done, total: state.exp_progress.set((done, total)))
            failed = frame[frame["status"] != "ok"]
            if len(failed):
                state.exp_error.set(f"{len(failed)} of {len(frame)} runs failed: {failed['error'].iloc[0][:300]}")
            state.exp_result.set((plan, frame))
        except Exception as error:  # shown on the page; the page stays up
            state.exp_error.set(f"the experiment failed: {type(error).__name__}: {error}")
        finally:
            state.exp_running.set(False)

    solara.lab.use_task(work, dependencies=[request], prefer_threaded=True, raise_error=False)


@solara.component
def ExperimentPanel(state: PageState):
    from sim.page.experiment import (
        EXPERIMENT_DAYS,
        EXPERIMENT_SCALES,
        MAX_REPLICATIONS,
        OUTCOMES,
        ExperimentPlan,
        csv_bytes,
        curve,
        default_values,
        parse_values,
        summary_table,
        values_text,
    )
    from sim.page.svg import curve_svg

    lever_by_label = {CONTROLS[name].label + (f" ({CONTROLS[name].unit})" if CONTROLS[name].unit else ""): name
                      for name in LEVERS}
    lever_label = next(label for label, name in lever_by_label.items() if name == state.exp_lever.value)
    outcome_by_label = {label: key for key, (label, _) in OUTCOMES.items()}
    values, problem = parse_values(state.exp_lever.value, state.exp_values.value)
    running = state.exp_running.value

    def choose_lever(label):
        name = lever_by_label[label]
        state.exp_lever.set(name)
        state.exp_values.set(values_text(default_values(name)))

    def start():
        setting = state.settings["A"].value
        base = {name: value for name, value in setting.items()
                if value != scenario_values(state.scenario_file.value)[name]}
        plan = ExperimentPlan(state.exp_lever.value, tuple(values), state.exp_replications.value,
                              state.exp_scale.value, state.exp_days.value, state.seed.value,
                              str(scenario_files().get(state.scenario_file.value, "")), base)
        state.exp_plan.set(plan)
        state.exp_progress.set((0, plan.runs))
        state.exp_request.set(state.exp_request.value + 1)

    with solara.Card("Experiment: one lever at a few values", classes=["experiment-panel"]):
        Prose("Runs the model at each value of one lever, on the same seeds at every value (common random "
              "numbers), with setting A's other levers and the scenario file. Runs go on in the background, "
              "on worker processes.", "experiment-about")
        with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
            with solara.Column(style={"min-width": "360px"}):
                solara.Select(label="Lever", value=lever_label, values=list(lever_by_label), on_value=choose_lever)
            with solara.Column(style={"min-width": "300px"}):
                solara.InputText(label="Values (2 to 5, separated by commas)", value=state.exp_values.value,
                                 on_value=state.exp_values.set, continuous_update=True,
                                 error=problem if state.exp_values.value else False)
        with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
            with solara.Column(style={"min-width": "220px"}):
                solara.SliderInt(label="Replications per value", value=state.exp_replications.value, min=1,
                                 max=MAX_REPLICATIONS, on_value=state.exp_replications.set, thumb_label="always")
            with solara.Column(style={"min-width": "220px"}):
                by_scale = {scale_label(s): s for s in EXPERIMENT_SCALES}
                solara.Select(label="Run size", value=scale_label(state.exp_scale.value), values=list(by_scale),
                              on_value=lambda label: state.exp_scale.set(by_scale[label]))
            with solara.Column(style={"min-width": "140px"}):
                by_days = {f"{d} days": d for d in EXPERIMENT_DAYS}
                solara.Select(label="Days per run", value=f"{state.exp_days.value} days", values=list(by_days),
                              on_value=lambda label: state.exp_days.set(by_days[label]))
        runs = len(values) * state.exp_replications.value
        solara.Button(f"Run the experiment ({runs} runs)" if values else "Run the experiment", color="primary",
                      on_click=start, disabled=running or not values, classes=["run-experiment"])
        if problem and state.exp_values.value:
            solara.Error(problem)
        done, total = state.exp_progress.value
        if running or (total and done < total):
            solara.ProgressLinear(value=100 * done / total if total else True)
            solara.Text(f"{done} of {total} runs done", classes=["experiment-progress"])
        if state.exp_error.value:
            solara.Error(state.exp_error.value)
    result = state.exp_result.value
    if result is not None:
        plan, frame = result
        outcome = state.exp_outcome.value
        name, percent = OUTCOMES[outcome]
        item = CONTROLS[plan.lever]
        with solara.Card(f"Result: {item.label}, {len(plan.values)} values × {plan.replications} replications "
                         f"({scale_label(plan.scale)}, {plan.days} days, seeds {plan.first_seed}–"
                         f"{plan.first_seed + plan.replications - 1})", classes=["experiment-result"]):
            solara.Select(label="Outcome", value=name, values=list(outcome_by_label),
                          on_value=lambda label: state.exp_outcome.set(outcome_by_label[label]))
            lever_text = item.label + (f" ({item.unit})" if item.unit else "")
            SvgView(curve_svg(curve(frame, plan, outcome), lever_text, name, percent), "experiment-curve")
            table = summary_table(frame, plan)
            shown = table[table["outcome"] == outcome]
            rows = "".join(f"<tr><td>{escape(str(r[plan.lever]))}</td><td>{r['runs']}</td>"
                           f"<td>{format_outcome(r['mean'], percent)}</td>"
                           f"<td>{format_outcome(r['ci95_low'], percent) if r['ci95_low'] is not None else '–'} to "
                           f"{format_outcome(r['ci95_high'], percent) if r['ci95_high'] is not None else '–'}</td></tr>"
                           for r in shown.to_dict("records"))
            solara.HTML(tag="div", unsafe_innerHTML=f'<table class="town-table" id="experiment-table"><thead><tr>'
                        f"<th>{escape(item.label)}</th><th>runs</th><th>mean</th><th>95% interval</th></tr></thead>"
                        f"<tbody>{rows}</tbody></table>")
            with solara.Row():
                solara.FileDownload(lambda: csv_bytes(frame), filename=f"experiment_{plan.lever}_runs.csv",
                                    label="Runs (CSV)", mime_type="text/csv")
                solara.FileDownload(lambda: csv_bytes(table), filename=f"experiment_{plan.lever}_summary.csv",
                                    label="Summary with intervals (CSV)", mime_type="text/csv")


# ---------------------------------------------------------------- the page
@solara.component
def Player(state: PageState):
    """Steps the models while Play is on (in a thread, so the page stays responsive)."""
    playing = state.playing.value

    def loop():
        while playing and state.playing.value:
            state.step(1)
            time.sleep(PLAY_PAUSE)

    solara.lab.use_task(loop, dependencies=[playing], prefer_threaded=True, raise_error=False)


@solara.component
def Page():
    """The page. Solara's server wraps it in an AppLayout; headless tests render
    ``solara.AppLayout(children=[Page()])``."""
    state = solara.use_memo(PageState, [])
    solara.Title("Shishi grid governance")
    # Our own two columns rather than Solara's sidebar: the sidebar is re-rendered with the app
    # layout on every step, and the controls need not be.
    with solara.Row(gap="0px", style={"align-items": "flex-start", "width": "100%"}):
        with solara.Column(classes=["controls-column"], style={
                "width": "340px", "min-width": "340px", "height": "100vh", "overflow-y": "auto", "position": "sticky",
                "top": "0", "padding": "8px", "background": "#fafafa", "border-right": "1px solid #ddd"}):
            solara.HTML(tag="h2", unsafe_innerHTML="Shishi grid governance",
                        style={"font-size": "20px", "margin": "4px 0 8px 0"})
            Controls(state)
        with solara.Column(style={"flex": "1", "min-width": "0"}):
            Dashboard(state)
    Player(state)
    ExperimentRunner(state)


@solara.component
def Dashboard(state: PageState):
    """The only subscriber to the step counter: one render pass per step; the views get the
    day as an argument, which is what makes them redraw."""
    state.tick.use_value()  # subscribes this component (and only it) to the step counter
    models = state.models.value
    day = models[0].day
    with solara.Column(style={"padding": "8px"}, gap="8px"):
        Header(state, models, day)
        solara.ToggleButtonsSingle(value=state.view.value, values=["Run", "Experiment"], on_value=state.view.set,
                                   classes=["view-choice"])
        if state.view.value == "Experiment":
            ExperimentPanel(state)
            return
        Progress(models, day)
        Downloads(state, models, day)
        MapView(state, models, day)
        Charts(models, day)
        TownTable(state, models, day)


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, allow_hosts: Iterable[str] = ()) -> None:
    """Serve the page with Solara's server (blocking); prints the address.

    Only requests for this machine's loopback names (and ``allow_hosts``) are answered, and
    websockets only from the page itself (``sim.page.guard``). A ``host`` other than loopback
    prints a warning: the page has no authentication. Nothing is fetched from the internet:
    Solara's telemetry is off and its CDN proxy answers from the local cache only."""
    import uvicorn

    from sim.config.paths import REPO

    root = str(REPO)  # the folder holding the sim package, for Solara's own import of it
    if root not in sys.path:
        sys.path.insert(0, root)
    os.environ["SOLARA_APP"] = "sim.page.app"
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"  # read when solara.server.settings is first imported
    from solara.server import settings

    settings.telemetry.mixpanel_enable = False  # in case it was imported already (sim.page.assets reads it)
    settings.main.mode = "production"  # development mode adds a check that loads solara.dev in an iframe
    with warnings.catch_warnings():  # Solara's server imports websockets.legacy, which warns that it is deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        from solara.server.starlette import app as solara_app

    from sim.page.guard import LocalOnly, allowed_hosts, is_loopback, is_wildcard

    extra = list(allow_hosts) + ([] if is_loopback(host) or is_wildcard(host) else [host])
    hosts = allowed_hosts(port, extra)
    if not is_loopback(host):
        print(f"warning: --host {host} makes the page reachable from other machines, and it has no "
              f"authentication: anyone who can reach it can run the model here. It answers to Host "
              f"{', '.join(sorted(hosts))} (add names with --allow-host NAME).", file=sys.stderr, flush=True)
    # Solara warns once per process that it falls back to SameSite=Lax cookies on plain http off
    # localhost: that is the right cookie for this page, which is not embedded anywhere.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)
    print(f"Shishi grid-governance page: http://{_url_host(host)}:{port}/  (Ctrl+C stops it)", flush=True)
    uvicorn.run(LocalOnly(solara_app, hosts, settings.assets.proxy_cache_dir), host=host, port=port,
                log_level="warning", proxy_headers=False, server_header=False)


def _url_host(host: str) -> str:
    """The address to print: a wildcard bind is reached on this machine as 127.0.0.1."""
    from sim.page.guard import host_name, is_wildcard

    return "127.0.0.1" if is_wildcard(host) else host_name(host)


__all__ = ["Page", "VizModel", "serve", "run_summary"]
