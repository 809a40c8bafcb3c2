"""The browser page: Mesa's SolaraViz around the grid-governance model.

Start it with ``solara run sim/page/app.py`` or ``python -c "from sim.page.app import serve; serve()"``
(what ``python run.py viz`` calls). It binds to 127.0.0.1 unless told otherwise, answers only
requests for this machine's loopback names (and ``--allow-host`` names) and websockets from its
own pages, and fetches nothing from the internet (``sim.page.guard``).

- The grid map is drawn from the city's fixed layout (``model.city.layout``), never a spring
  layout: towns as discs, communities inside them, responsibility grids as dots coloured by a
  chosen measure, grid workers (squares) and mediator committees (diamonds) where they work;
  big-Party-committee communities (red outline), three-zone pilot grids (purple rings),
  stationed cadres (stars), basic and upgraded centres (grey and green triangles), with a legend.
  Hover any dot or symbol for its details; the "Grid details" picker shows one grid in full.
- Charts (open cases by level, case flow, share resolved by level, satisfaction, worker
  utilisation) redraw after every step.
- The "Model Parameters" controls are built from ``sim.config.params.PARAMS`` (``sim.page.data.model_params_spec``):
  every lever (staffing, rule, committees, cadres, big Party committees, pilot zones, centres,
  civility points, the platform …) and the run size;
  values are checked with the registry when Reset builds the model, and a bad value is refused
  with a message on the page (the model keeps the scenario's value).
- Downloads: the run's summary (JSON, as ``run.py`` writes it) and PNGs of the map and charts.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable
from html import escape

import markdown
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.model.model import GridGovernanceModel
from sim.page.data import (
    CHARTS,
    DEFAULT_SCALE,
    DEFAULT_SEED,
    MEASURES,
    check_settings,
    daily_series,
    grid_details,
    grid_measures,
    model_params_spec,
    run_summary,
    summary_json,
)
from sim.page.svg import line_chart_svg, map_svg

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765


class VizModel(GridGovernanceModel):
    """The model as the page builds it: from the controls' raw values, checked first.

    A value the registry refuses, or a keyword that is no parameter, is not used: the
    scenario's value stays, the reason is kept in ``refused`` and shown on the page in red, and
    a ``UserWarning`` says it to code that builds the model directly. User input never raises.
    """

    def __init__(self, scenario_file: str = "shishi_baseline", seed: object = str(DEFAULT_SEED), scenario=None,
                 **controls: object):
        # ``scenario`` is the Mesa scenario object SolaraViz passes on reset; the model's
        # scenario here is the file named by ``scenario_file``. ``controls`` are the page's
        # parameter inputs (``PARAM_CONTROLS``); any other keyword is refused with a message.
        controls.setdefault("scale", f"{DEFAULT_SCALE:g}")
        settings = check_settings(scenario_file, seed, **controls)
        for message in settings.refused:  # shown on the page; a warning for anyone building it in code
            warnings.warn(f"VizModel: {message}", UserWarning, stacklevel=2)
        loaded = settings.load()
        super().__init__(loaded.params, seed=settings.seed, scenario_name=loaded.name)
        self.viz_scenario = loaded
        self.settings = settings
        self.refused = settings.refused


# Per-session page state (solara.reactive values are kept per browser session).
measure_choice = solara.reactive("open_cases")
detail_grid = solara.reactive("")


@solara.component
def SvgView(svg: str, name: str):
    solara.HTML(tag="div", unsafe_innerHTML=svg, attributes={"class": f"viz-{name}"},
                style={"overflow": "auto", "max-width": "100%"})


@solara.component
def Prose(text: str, name: str):
    """Markdown, rendered here and shown as HTML (``solara.Markdown`` would load mermaid and KaTeX
    from a CDN in the browser: a request off the machine, or a 404 and a script error offline).
    Values that come from files or users must be passed through ``html.escape`` first."""
    solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text), attributes={"class": f"prose {name}"})


@solara.component
def MapView(model, day: int):
    labels = {label: key for key, label in MEASURES.items()}
    solara.Select(label="Colour grids by", value=MEASURES[measure_choice.value], values=list(labels),
                  on_value=lambda label: measure_choice.set(labels[label]))
    SvgView(map_svg(model, measure_choice.value), "map")
    codes = list(model.city.grid_codes)
    measures = grid_measures(model)
    order = sorted(range(len(codes)), key=lambda g: -measures[measure_choice.value][g])
    options = [codes[g] for g in order]
    solara.Select(label="Grid details (highest first)", value=detail_grid.value if detail_grid.value in codes else None,
                  values=options, on_value=detail_grid.set)
    if detail_grid.value in codes:
        details = grid_details(model, codes.index(detail_grid.value), measures)
        Prose("\n".join(f"- **{escape(str(key))}**: {escape(str(value))}" for key, value in details.items()),
              "grid-details")


def make_chart_view(chart: str):
    @solara.component
    def ChartView(model, day: int):
        SvgView(line_chart_svg(chart, daily_series(model)), chart)
        solara.FileDownload(lambda: __import__("sim.page.export", fromlist=["chart_png"]).chart_png(model, chart),
                            filename=f"{chart}_day{model.day}.png", label="PNG", mime_type="image/png")

    ChartView.__name__ = f"Chart_{chart}"
    return ChartView


@solara.component
def RunPanel(model, day: int):
    scenario = model.viz_scenario
    with solara.Column(classes=["run-panel"]):
        Prose(f"**{escape(scenario.name)}**: {escape(scenario.purpose or '')}  \n"
              f"Day **{model.day}** · seed {model.seed} · scale {model.params['scale']:g} "
              f"({model.population.size:,} residents, {model.city.grids} grids, {len(model.workers)} "
              f"grid workers, {len(model.volunteers)} volunteers, {len(model.mediators)} mediators, "
              f"{len(model.cadres)} stationed cadres) · "
              f"workers_per_10k {model.params['workers_per_10k']:g} · "
              f"volunteers_per_10k {model.params['volunteers_per_10k']:g} · "
              f"rule {model.params['escalation_rule']}", "run-summary")
        solara.Text("Controls take effect on Reset; a blank field keeps the scenario's value.",
                    style={"color": "#666", "font-size": "12px"})
        for message in model.refused:
            solara.Error(message, classes=["refused"])
        if model.day:
            daily = model.daily
            Prose(f"Open cases **{daily['open'][-1]}** · closed so far **{sum(daily['closed'])}** of "
                  f"**{sum(daily['reported'])}** reported", "run-progress")
        with solara.Row():
            solara.FileDownload(lambda: summary_json(model).encode(), filename=f"summary_{scenario.name}_day"
                                f"{model.day}.json", label="Summary (JSON)", mime_type="application/json")

            def map_png():
                from sim.page.export import map_png as draw

                return draw(model, measure_choice.value)

            def zip_png():
                from sim.page.export import all_pngs_zip

                return all_pngs_zip(model, measure_choice.value)

            solara.FileDownload(map_png, filename=f"grid_map_day{model.day}.png", label="Map (PNG)",
                                mime_type="image/png")
            solara.FileDownload(zip_png, filename=f"charts_day{model.day}.zip", label="All charts (PNG, zip)",
                                mime_type="application/zip")


COMPONENTS = [RunPanel, MapView, *(make_chart_view(chart) for chart in CHARTS)]


@solara.component
def Page():
    """The page. Solara's server wraps it in an AppLayout; headless tests render
    ``solara.AppLayout(children=[Page()])``."""
    model = solara.use_reactive(solara.use_memo(VizModel, []))
    # Mesa's SolaraViz gives the app bar and the sidebar (play/step/reset and the parameter
    # controls); the map and charts are laid out here (Mesa's draggable grid needs an extra
    # front-end package and is not worth it for a fixed layout).
    SolaraViz(model, components=[], model_params=model_params_spec(), name="Shishi grid governance",
              play_interval=100)
    Dashboard(model.value)


@solara.component
def Dashboard(model):
    """The only subscriber to Mesa's step counter: one render pass per step. The views get
    the day as an argument, which is what makes them redraw (each subscribing on its own
    cost one pass of the whole page per view)."""
    update_counter.get()
    day = model.day
    with solara.Column(style={"padding": "8px"}):
        RunPanel(model, day)
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            with solara.Column(style={"min-width": "640px"}):
                MapView(model, day)
            with solara.Row(style={"flex-wrap": "wrap", "max-width": "960px"}):
                for view in COMPONENTS[2:]:
                    with solara.Column(style={"width": "470px"}):
                        view(model, day)


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

