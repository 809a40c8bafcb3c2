"""Inline SVG for the page: the grid map and the line charts.

Drawn as plain SVG strings (no JavaScript charting library: the page must work offline and a
step plus redraw must stay well under 250 ms). Hovering a grid shows its details (an SVG
<title>); elements carry data-* attributes so tests can read what is drawn.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from sim.config.enums import Level
from sim.page.data import CHARTS, LEVEL_COLOURS, MEASURES, PERCENT_CHARTS, grid_details, grid_measures

# A perceptually ordered ramp (light yellow to dark red), for the grid colours.
_RAMP = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"]
WORKER_COLOUR = "#2166ac"
BIG_PARTY_COLOUR = "#c51b1b"  # outline of a community with a big Party committee
ZONE_COLOUR = "#6a3d9a"  # ring around a three-zone pilot's grids
CADRE_COLOUR = "#ff7f00"  # star: a stationed cadre
CENTRE_COLOURS = {False: "#999999", True: "#1a9850"}  # triangle: basic centre, upgraded neighbourhood centre


def ramp_colour(share: float) -> str:
    if not math.isfinite(share):
        share = 0.0
    share = min(max(share, 0.0), 1.0)
    x = share * (len(_RAMP) - 1)
    i = min(int(x), len(_RAMP) - 2)
    t = x - i
    a, b = _RAMP[i], _RAMP[i + 1]
    rgb = [round(int(a[k:k + 2], 16) * (1 - t) + int(b[k:k + 2], 16) * t) for k in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _fmt(value: float) -> str:
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def _node_towns(city) -> dict[int, int]:
    """The town of every node that belongs to one (grids, communities, towns); the city's own
    nodes belong to none."""
    towns = {int(node): int(city.grid_town[g]) for g, node in enumerate(city.grid_node)}
    towns.update({int(node): int(city.community_town[c]) for c, node in enumerate(city.community_node)})
    towns.update({int(node): t for t, node in enumerate(city.town_node)})
    return towns


def _dot_radius(points: np.ndarray, scale: float) -> float:
    """A grid dot's radius from how close the drawn grids are: a little under half the distance to
    the nearest neighbour for most grids (the 25th percentile), in pixels."""
    if len(points) < 2:
        return 12.0
    d = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(d, np.inf)
    nearest = d.min(axis=1)
    return float(np.clip(0.45 * np.quantile(nearest, 0.25) * scale, 3.0, 16.0))


def map_svg(model, measure: str = "open_cases", width: int = 1100, height: int = 760, town: int | None = None,
            town_values: np.ndarray | None = None, town_label: str = "", town_format=None) -> str:
    """The city's grid network on its fixed layout, grids coloured by ``measure``.

    ``town``: draw only that town, zoomed to fill the map (dense urban towns become legible).
    ``town_values``: one value per town (an outcome of ``sim.results.summary.by_town``): the
    towns' discs are filled on a blue ramp by it, labelled ``town_label``."""
    city = model.city
    measures = grid_measures(model)
    values = measures[measure]
    node_town = _node_towns(city)
    shown = np.ones(city.grids, dtype=bool) if town is None else city.grid_town == town
    vmax = float(values[shown].max()) if shown.any() and values[shown].max() > 0 else 1.0
    layout = city.layout
    grid_xy = np.array([layout[int(node)] for node in city.grid_node])
    if town is None:
        extent = np.array(list(layout.values()))
    else:
        extent = np.array([xy for node, xy in layout.items() if node_town.get(int(node)) == town])
    lo, hi = extent.min(axis=0), extent.max(axis=0)
    span = max(float((hi - lo).max()), 1e-9)
    legend_w = 300
    top = 44
    plot = min(width - legend_w - 40, height - top - 24)
    scale = plot / span
    radius = _dot_radius(grid_xy[shown], scale)
    pad = radius + 14  # room for town discs, rings and symbols around the outer grids
    scale = (plot - 2 * pad) / span
    radius = _dot_radius(grid_xy[shown], scale)

    def px(xy) -> tuple[float, float]:
        return 20 + pad + (xy[0] - lo[0]) * scale, top + pad + (hi[1] - xy[1]) * scale

    def drawn(node: int) -> bool:
        return town is None or node_town.get(int(node)) == town

    town_name = "" if town is None else city.town_names[town]
    title = f"Grid map, day {model.day}: {MEASURES[measure]}" + (f" — {town_name}" if town is not None else "")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="grid-map" data-measure="{measure}" '
             f'data-day="{model.day}" data-total="{_fmt(float(values.sum()))}" data-town="{escape(town_name)}" '
             f'width="100%" viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet" '
             f'style="font-family:sans-serif;font-size:12px;background:#fff;max-width:{width}px">',
             f'<text x="8" y="18" font-size="15" font-weight="bold">{escape(title)}</text>']
    # Towns and communities as discs around their grids, centred on their own layout positions
    # (the layout keeps those discs apart; a centroid of the grids would not).
    finite = town_values[np.isfinite(town_values)] if town_values is not None else np.array([])
    t_lo, t_hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    parts.append(f'<clipPath id="map-plot"><rect x="0" y="{top - 20}" width="{width - legend_w}" '
                 f'height="{height - top + 20}"/></clipPath><g clip-path="url(#map-plot)">')
    for t in range(city.towns):
        if town is not None and t != town:
            continue
        members = grid_xy[city.grid_town == t]
        if not len(members):
            continue
        centre = np.array(layout[int(city.town_node[t])])
        r = float(np.sqrt(((members - centre) ** 2).sum(axis=1)).max()) * scale + radius + 8
        cx, cy = px(centre)
        fill, value_text = "#f3f3f3", ""
        if town_values is not None:
            value = float(town_values[t])
            share = (value - t_lo) / (t_hi - t_lo) if t_hi > t_lo else 0.5
            fill = blue_colour(share) if math.isfinite(value) else "#f3f3f3"
            value_text = f": {town_format(value) if town_format else _fmt(value)}"
        if town is not None:  # zoomed in: the town fills the map (its disc would cover it)
            parts.append(f'<rect class="town" data-town="{escape(town_name)}" x="0" y="{top - 20}" '
                         f'width="{width - legend_w}" height="{height - top + 20}" fill="{fill}"><title>'
                         f'{escape(town_name)}: {len(members)} grids{escape(value_text)}</title></rect>')
            continue
        parts.append(f'<circle class="town" data-town="{escape(city.town_names[t])}" cx="{cx:.1f}" cy="{cy:.1f}" '
                     f'r="{r:.1f}" fill="{fill}" stroke="#999"><title>{escape(city.town_names[t])}: '
                     f'{len(members)} grids{escape(value_text)}</title></circle>')
        parts.append(f'<text x="{cx:.1f}" y="{max(cy - r - 4, top - 2):.1f}" text-anchor="middle" fill="#333" '
                     f'font-weight="bold">{escape(city.town_names[t] + value_text)}</text>')
    for c in range(city.communities):
        if town is not None and int(city.community_town[c]) != town:
            continue
        members = grid_xy[city.grid_community == c]
        if not len(members):
            continue
        centre = np.array(layout[int(city.community_node[c])])
        r = float(np.sqrt(((members - centre) ** 2).sum(axis=1)).max()) * scale + radius + 2
        cx, cy = px(centre)
        code = escape(city.community_codes[c])
        if model.systems.big_party[c]:
            parts.append(f'<circle class="big-party" data-community="{code}" cx="{cx:.1f}" cy="{cy:.1f}" '
                         f'r="{r:.1f}" fill="#fafafa" fill-opacity="0.75" stroke="{BIG_PARTY_COLOUR}" '
                         f'stroke-width="1.8"><title>Community {code}: big Party committee (大党委)</title></circle>')
        else:
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="#fafafa" fill-opacity="0.75" '
                         f'stroke="#bbb" stroke-dasharray="3,2"><title>Community {code}</title></circle>')
    # Three-zone pilots: a ring around each of a zone's grids.
    parts.append('<g id="pilot-zones">')
    for zone in model.systems.zones:
        label = escape(f"Three-zone pilot {zone.index + 1} ({zone.type.label.replace('_', ' ')}): {len(zone.grids)} "
                       f"grids, {zone.shared_sites} shared sites")
        for g in zone.grids:
            if not shown[g]:
                continue
            x, y = px(grid_xy[g])
            parts.append(f'<circle class="pilot-zone" data-zone="{zone.index}" cx="{x:.1f}" cy="{y:.1f}" '
                         f'r="{radius + 2.5:.1f}" fill="none" stroke="{ZONE_COLOUR}" stroke-width="2">'
                         f'<title>{label}</title></circle>')
    parts.append("</g>")
    # Grids.
    parts.append('<g id="grids">')
    for g in np.flatnonzero(shown):
        x, y = px(grid_xy[g])
        details = grid_details(model, int(g), measures)
        tip = escape("\n".join(f"{key}: {value}" for key, value in details.items()))
        parts.append(f'<circle class="grid" data-grid="{escape(city.grid_codes[g])}" '
                     f'data-value="{_fmt(float(values[g]))}" cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" '
                     f'fill="{ramp_colour(values[g] / vmax)}" stroke="#555" stroke-width="0.7">'
                     f'<title>{tip}</title></circle>')
    parts.append("</g>")
    # Grid workers: small squares at the grid where each is based, spread around it.
    parts.append('<g id="workers">')
    seen: dict[int, int] = {}
    side = max(2.5, radius * 0.5)
    for worker in model.workers:
        node = int(worker.cell.coordinate)
        if not drawn(node):
            continue
        k = seen.get(node, 0)
        seen[node] = k + 1
        x, y = px(layout[node])
        angle = 0.8 + k * 2.4
        x += math.cos(angle) * radius * 1.05
        y += math.sin(angle) * radius * 1.05
        grids = ", ".join(city.grid_codes[g] for g in worker.grids)
        parts.append(f'<rect class="worker" x="{x - side / 2:.1f}" y="{y - side / 2:.1f}" width="{side:.1f}" '
                     f'height="{side:.1f}" fill="{WORKER_COLOUR}" stroke="#fff" stroke-width="0.4">'
                     f'<title>Grid worker {worker.unique_id}: grids {escape(grids)}; orders in hand '
                     f'{worker.active_cases}/{worker.capacity}</title></rect>')
    parts.append("</g>")
    # Mediators: one diamond per committee (node and level), sized by its members.
    committees: dict[tuple[int, int], list] = {}
    for mediator in model.mediators:
        committees.setdefault((int(mediator.cell.coordinate), int(mediator.level)), []).append(mediator)
    parts.append('<g id="mediators">')
    offsets = {Level.COMMUNITY: (0, 0), Level.TOWN: (0, 0), Level.CITY: (0, 0), Level.SPECIALISED: (1, 1)}
    for (node, level_value), members in sorted(committees.items()):
        if not drawn(node):
            continue
        level = Level(level_value)
        x, y = px(layout[node])
        dx, dy = offsets.get(level, (0, 0))
        x += dx * (radius + 5)
        y += dy * (radius + 5)
        size = 3.5 + 1.5 * math.sqrt(len(members))
        busy = sum(m.active_cases for m in members)
        colour = LEVEL_COLOURS[level.label]
        parts.append(f'<path class="mediator" data-level="{level.label}" d="M{x:.1f},{y - size:.1f} '
                     f'L{x + size:.1f},{y:.1f} L{x:.1f},{y + size:.1f} L{x - size:.1f},{y:.1f} Z" fill="{colour}" '
                     f'stroke="#222" stroke-width="0.6"><title>{level.label} mediators at node {node}: '
                     f'{len(members)} mediators, {busy} cases in hand</title></path>')
    parts.append("</g>")
    # Centres (triangles) and stationed cadres (stars).
    parts.append('<g id="centres">')
    for centre in model.systems.centres:
        node = int(city.grid_node[centre.grid]) if centre.upgraded else int(city.community_node[centre.community])
        if not drawn(node):
            continue
        x, y = px(layout[node])
        x, y = (x + radius * 0.9, y - radius * 0.9) if centre.upgraded else (x - radius - 4, y)
        size = 5.5 if centre.upgraded else 4.0
        kind = "upgraded neighbourhood centre (党建+邻里中心)" if centre.upgraded else "basic community service centre"
        parts.append(f'<path class="centre" data-upgraded="{str(centre.upgraded).lower()}" '
                     f'd="M{x:.1f},{y - size:.1f} L{x + size:.1f},{y + size * 0.8:.1f} L{x - size:.1f},'
                     f'{y + size * 0.8:.1f} Z" fill="{CENTRE_COLOURS[centre.upgraded]}" stroke="#222" '
                     f'stroke-width="0.5"><title>{escape(city.community_codes[centre.community])}: {kind}, open '
                     f'{_fmt(centre.opening_hours_per_week)} h a week</title></path>')
    parts.append("</g>")
    parts.append('<g id="cadres">')
    for cadre in model.cadres:
        node = int(cadre.cell.coordinate)
        if not drawn(node):
            continue
        x, y = px(layout[node])
        x += radius + 5
        parts.append(f'<path class="cadre" d="{_star(x, y, 5.5)}" fill="{CADRE_COLOUR}" stroke="#222" '
                     f'stroke-width="0.5"><title>Stationed cadre in {escape(city.community_codes[cadre.community])}: '
                     f'{model.cadre_hours.joined[cadre.community]} community mediations joined</title></path>')
    parts.append("</g>")
    parts.append("</g>")
    parts.append(_map_legend(model, measure, vmax, int(shown.sum()), sum(seen.values()), width - legend_w + 10,
                             top + 10, town_values is not None, town_label, t_lo, t_hi, town_format))
    parts.append("</svg>")
    return "".join(parts)


def blue_colour(share: float) -> str:
    """The towns' ramp (light to dark blue), apart from the grids' yellow-red one."""
    share = min(max(share if math.isfinite(share) else 0.0, 0.0), 1.0)
    a, b = (0xf7, 0xfb, 0xff), (0x6b, 0xae, 0xd6)
    return "#" + "".join(f"{round(x * (1 - share) + y * share):02x}" for x, y in zip(a, b, strict=True))


def _map_legend(model, measure: str, vmax: float, n_grid: int, n_workers: int, x0: float, y0: float, towns: bool,
                town_label: str, t_lo: float, t_hi: float, town_format) -> str:
    """The legend, in a column right of the map."""
    systems = model.systems
    n_upgraded = sum(centre.upgraded for centre in systems.centres)
    parts = [f'<g id="legend" font-size="12"><text x="{x0}" y="{y0}" font-weight="bold">Grids coloured by</text>',
             f'<text x="{x0}" y="{y0 + 16}">{escape(MEASURES[measure])}</text>']
    steps = 24
    for i in range(steps):
        parts.append(f'<rect x="{x0 + i * 9}" y="{y0 + 22}" width="9" height="12" '
                     f'fill="{ramp_colour(i / (steps - 1))}"/>')
    parts.append(f'<text x="{x0}" y="{y0 + 48}">0</text><text x="{x0 + steps * 9}" y="{y0 + 48}" '
                 f'text-anchor="end">{_fmt(vmax)}</text>')
    y = y0 + 70
    if towns:
        parts.append(f'<text x="{x0}" y="{y}" font-weight="bold">Towns coloured by</text>'
                     f'<text x="{x0}" y="{y + 16}">{escape(town_label)}</text>')
        for i in range(steps):
            parts.append(f'<rect x="{x0 + i * 9}" y="{y + 22}" width="9" height="12" '
                         f'fill="{blue_colour(i / (steps - 1))}"/>')
        fmt = town_format or _fmt
        parts.append(f'<text x="{x0}" y="{y + 48}">{escape(fmt(t_lo))}</text><text x="{x0 + steps * 9}" '
                     f'y="{y + 48}" text-anchor="end">{escape(fmt(t_hi))}</text>')
        y += 70
    items = [
        (f'<circle cx="{x0 + 6}" cy="{{y}}" r="6" fill="{ramp_colour(0.5)}" stroke="#555"/>',
         f"responsibility grid ({n_grid} shown)"),
        (f'<rect x="{x0 + 2}" y="{{y}}" width="8" height="8" fill="{WORKER_COLOUR}" transform="translate(0,-4)"/>',
         f"grid worker ({n_workers} shown)"),
        *((f'<path d="M{x0 + 6},{{ym}} L{x0 + 12},{{y}} L{x0 + 6},{{yp}} L{x0},{{y}} Z" '
           f'fill="{LEVEL_COLOURS[level.label]}" stroke="#222" stroke-width="0.6"/>',
           f"{level.label} mediation committee") for level in (Level.COMMUNITY, Level.SPECIALISED, Level.TOWN,
                                                                Level.CITY)),
        (f'<circle cx="{x0 + 6}" cy="{{y}}" r="7" fill="none" stroke="{BIG_PARTY_COLOUR}" stroke-width="1.8"/>',
         f"big Party committee ({int(systems.big_party.sum())} communities)"),
        (f'<circle cx="{x0 + 6}" cy="{{y}}" r="6" fill="none" stroke="{ZONE_COLOUR}" stroke-width="2"/>',
         f"three-zone pilot grid ({len(systems.zones)} zone{'' if len(systems.zones) == 1 else 's'})"),
        (f'<path d="{{star}}" fill="{CADRE_COLOUR}" stroke="#222" stroke-width="0.5"/>',
         f"stationed cadre ({len(model.cadres)})"),
        (f'<path d="M{x0 + 6},{{ym}} L{x0 + 12},{{yp}} L{x0},{{yp}} Z" fill="{CENTRE_COLOURS[True]}" stroke="#222" '
         f'stroke-width="0.5"/>', f"upgraded centre ({n_upgraded})"),
        (f'<path d="M{x0 + 6},{{ym}} L{x0 + 12},{{yp}} L{x0},{{yp}} Z" fill="{CENTRE_COLOURS[False]}" '
         f'stroke="#222" stroke-width="0.5"/>', f"basic centre ({len(systems.centres) - n_upgraded})"),
    ]
    for symbol, text in items:
        shape = symbol.format(y=y, ym=y - 6, yp=y + 6, star=_star(x0 + 6, y, 6.0))
        parts.append(f'<g class="legend-item">{shape}<text x="{x0 + 20}" y="{y + 4}">{escape(text)}</text></g>')
        y += 20
    parts.append(f'<text x="{x0}" y="{y + 6}" fill="#666">Hover a grid or a symbol for its details.</text></g>')
    return "".join(parts)


def _star(x: float, y: float, r: float) -> str:
    """An SVG path for a five-pointed star centred at (x, y)."""
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.45
        angle = -math.pi / 2 + k * math.pi / 5
        points.append(f"{x + radius * math.cos(angle):.1f},{y + radius * math.sin(angle):.1f}")
    return "M" + " L".join(points) + " Z"


def nice_ticks(low: float, high: float, count: int = 5, integer: bool = False) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 × 10^k, whole numbers for counts) covering
    [low, high] in about ``count`` steps; the first tick ≤ low, the last ≥ high."""
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    if high <= low:
        high = low + (1.0 if integer or low == 0 else abs(low) * 0.1)
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(factor * power for factor in (1, 2, 2.5, 5, 10) if raw <= factor * power + 1e-12)
    if integer:
        step = max(1.0, round(step)) if step >= 1 else 1.0
    first = math.floor(low / step + 1e-9) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9 * step:
        ticks.append(first + len(ticks) * step)
    return [round(t, 10) for t in ticks]


def tick_text(value: float, percent: bool = False, signed: bool = False) -> str:
    """A tick's label: whole numbers plain, percentages for shares (40%), thousands separated."""
    sign = "+" if signed and value > 0 else ""
    if percent:
        v = value * 100
        return f"{sign}{v:.0f}%" if abs(v - round(v)) < 1e-6 else f"{sign}{v:.1f}%"
    if abs(value - round(value)) < 1e-9:
        return f"{sign}{int(round(value)):,}"
    return f"{sign}{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{sign}{value:,.1f}"


def _polylines(xs, ys, sx, sy, colour: str, label: str, dash: str = "", clip: float | None = None) -> list[str]:
    """A series as polylines (gaps where it is not a number); a lone point as a dot."""
    parts, segments, current = [], [], []
    for d, v in zip(xs, ys, strict=True):
        if np.isfinite(v):
            v = min(v, clip) if clip is not None else v
            current.append(f"{sx(d):.1f},{sy(v):.1f}")
        elif current:
            segments.append(current)
            current = []
    if current:
        segments.append(current)
    style = f' stroke-dasharray="{dash}"' if dash else ""
    for points in segments:
        if len(points) == 1:
            x, y = points[0].split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="2" fill="{colour}"/>')
        else:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.8"{style} '
                         f'points="{" ".join(points)}"><title>{escape(label)}</title></polyline>')
    return parts


def line_chart_svg(chart: str, series: dict[str, np.ndarray], width: int = 520, height: int = 270,
                   compare: dict[str, np.ndarray] | None = None) -> str:
    """One of ``sim.page.data.CHARTS`` as an SVG line chart over simulated days, with round ticks
    and the y axis in its unit (shares in %).

    ``compare``: a second setting's series (on the same seed): drawn dashed over the first (solid),
    and a panel below shows the difference, B − A, for each line."""
    title, ylabel, lines, ymax_fixed = CHARTS[chart]
    percent = chart in PERCENT_CHARTS
    diff_h = 120 if compare is not None else 0
    texts = _legend_texts(lines, series, compare, percent)
    n_rows = _legend_rows(texts, 54, width)
    height = height + diff_h + 15 * (n_rows - 1)
    days = series["day"]
    if compare is not None and len(compare["day"]) > len(days):
        days = compare["day"]
    left, right, top, bottom = 54, 12, 26, 48 + 15 * n_rows + diff_h
    w, h = width - left - right, height - top - bottom
    x_ticks = nice_ticks(0, max(float(days[-1]) if len(days) else 0.0, 5.0), 5, integer=True)
    xmax = x_ticks[-1]
    sets = [series] + ([compare] if compare is not None else [])
    finite = [s[key][np.isfinite(s[key])] for s in sets for key, _, _ in lines]
    data_max = max((float(v.max()) for v in finite if len(v)), default=0.0)
    y_ticks = ([0.0, 0.2, 0.4, 0.6, 0.8, 1.0] if ymax_fixed == 1.0
               else nice_ticks(0, data_max if data_max > 0 else 1.0, 5, integer=not percent))
    ymax = y_ticks[-1]

    def last_of(s, key):
        return float(s[key][-1]) if len(s[key]) and np.isfinite(s[key][-1]) else None

    last = {key: last_of(series, key) for key, _, _ in lines}
    data_last = ";".join(f"{key}={'' if value is None else round(value, 4)}" for key, value in last.items())
    extra = ""
    if compare is not None:
        last_b = {key: last_of(compare, key) for key, _, _ in lines}
        extra = ' data-compare="true" data-last-b="' + escape(";".join(
            f"{key}={'' if value is None else round(value, 4)}" for key, value in last_b.items())) + '"'
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-{chart}" data-points="{len(days)}" '
             f'data-last="{escape(data_last)}" data-yticks="{",".join(tick_text(t, percent) for t in y_ticks)}" '
             f'data-xticks="{",".join(tick_text(t) for t in x_ticks)}"{extra} width="100%" '
             f'viewBox="0 0 {width} {height}" style="font-family:sans-serif;font-size:11px;background:#fff;'
             f'max-width:{width}px">',
             f'<text x="{left}" y="15" font-size="13" font-weight="bold">{escape(title)}</text>']

    def sx(d):
        return left + (d / xmax) * w if xmax else left

    def sy(v):
        return top + h - (v / ymax) * h if ymax else top + h

    for t in y_ticks:
        y = sy(t)
        parts.append(f'<line x1="{left}" x2="{left + w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
                     f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">{tick_text(t, percent)}</text>')
    for t in x_ticks:
        parts.append(f'<line x1="{sx(t):.1f}" x2="{sx(t):.1f}" y1="{top + h}" y2="{top + h + 4}" stroke="#888"/>'
                     f'<text x="{sx(t):.1f}" y="{top + h + 16}" text-anchor="middle">{tick_text(t)}</text>')
    parts.append(f'<line x1="{left}" x2="{left + w}" y1="{top + h}" y2="{top + h}" stroke="#888"/>'
                 f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + h}" stroke="#888"/>'
                 f'<text x="{left + w / 2:.1f}" y="{top + h + 30}" text-anchor="middle">day of the run</text>'
                 f'<text transform="translate(13,{top + h / 2:.1f}) rotate(-90)" text-anchor="middle">'
                 f'{escape(ylabel)}</text>')
    for key, label, colour in lines:
        parts.extend(_polylines(series["day"], series[key], sx, sy, colour, f"{label} (A)" if compare else label,
                                clip=ymax))
        if compare is not None:
            parts.extend(_polylines(compare["day"], compare[key], sx, sy, colour, f"{label} (B)", dash="5,3",
                                    clip=ymax))
    if compare is not None:
        parts.extend(_difference_panel(lines, series, compare, left, top + h + 56, w, diff_h - 36, sx, percent))
    x0, row = left, top + h + 44 + diff_h + 6
    for (_, _, colour), text in zip(lines, texts, strict=True):
        item = 20 + 6 * len(text)
        if x0 + item > width and x0 > left:
            x0, row = left, row + 15
        parts.append(f'<line x1="{x0}" x2="{x0 + 14}" y1="{row - 4}" y2="{row - 4}" stroke="{colour}" '
                     f'stroke-width="3"/><text x="{x0 + 17}" y="{row}">{escape(text)}</text>')
        x0 += item
    if compare is not None:
        parts.append(f'<text x="{left + w}" y="15" text-anchor="end" fill="#555">solid: A · dashed: B</text>')
    parts.append("</svg>")
    return "".join(parts)


def _legend_texts(lines, series, compare, percent) -> list[str]:
    """Each line's legend: its label and last value (A's and B's in compare mode)."""
    def last_of(s, key):
        return float(s[key][-1]) if len(s[key]) and np.isfinite(s[key][-1]) else None

    def fmt(v):
        if v is None:
            return "–"
        return tick_text(round(v, 3), percent) if percent else _fmt(round(v, 3))

    if compare is None:
        return [f"{label} {fmt(last_of(series, key))}" for key, label, _ in lines]
    return [f"{label} A {fmt(last_of(series, key))} · B {fmt(last_of(compare, key))}" for key, label, _ in lines]


def _legend_rows(texts: list[str], left: float, width: float) -> int:
    """How many rows the legend wraps to (the same rule as drawing it)."""
    x0, rows = left, 1
    for text in texts:
        item = 20 + 6 * len(text)
        if x0 + item > width and x0 > left:
            x0, rows = left, rows + 1
        x0 += item
    return rows


def _difference_panel(lines, a, b, left, top, w, h, sx, percent) -> list[str]:
    """B − A for each line, day by day (the days both have run)."""
    n = min(len(a["day"]), len(b["day"]))
    diffs = {key: b[key][:n] - a[key][:n] for key, _, _ in lines}
    finite = [d[np.isfinite(d)] for d in diffs.values()]
    bound = max((float(np.abs(d).max()) for d in finite if len(d)), default=0.0)
    if bound == 0:
        bound = 0.01 if percent else 1.0
    ticks = nice_ticks(-bound, bound, 4, integer=not percent)
    lo, hi = ticks[0], ticks[-1]

    def sy(v):
        return top + h - (v - lo) / (hi - lo) * h

    parts = [f'<g class="difference"><text x="{left}" y="{top - 6}" font-weight="bold">Difference, B − A</text>']
    for t in ticks:
        parts.append(f'<line x1="{left}" x2="{left + w}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" '
                     f'stroke="{"#999" if t == 0 else "#eee"}"/><text x="{left - 5}" y="{sy(t) + 4:.1f}" '
                     f'text-anchor="end">{tick_text(t, percent, signed=True)}</text>')
    for key, label, colour in lines:
        parts.extend(_polylines(a["day"][:n], diffs[key], sx, sy, colour, f"{label}: B − A"))
    parts.append("</g>")
    return parts


def curve_svg(points: list[dict], lever_label: str, outcome_label: str, percent: bool = False,
              width: int = 720, height: int = 340) -> str:
    """An experiment's curve: the outcome's mean at each value of the lever, with its 95% interval
    (bars and a band); ``points``: dicts with ``x`` (a number or a label), ``mean``, ``low``,
    ``high``, ``n``."""
    left, right, top, bottom = 64, 20, 30, 62
    w, h = width - left - right, height - top - bottom
    numeric = all(isinstance(p["x"], (int, float)) for p in points)
    xs = [float(p["x"]) for p in points] if numeric else list(range(len(points)))
    values = [v for p in points for v in (p["mean"], p["low"], p["high"]) if v is not None and math.isfinite(v)]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if percent:
        lo, hi = max(0.0, lo), min(1.0, hi) if hi > lo else hi
    pad = (hi - lo) * 0.1 or (0.05 if percent else 1.0)
    y_ticks = nice_ticks(lo - pad if lo - pad > 0 or not values else 0.0, hi + pad, 5)
    if percent:
        y_ticks = [t for t in y_ticks if -1e-9 <= t <= 1 + 1e-9] or [0.0, 1.0]
    ylo, yhi = y_ticks[0], y_ticks[-1]
    if numeric:
        x_ticks = nice_ticks(min(xs), max(xs), 5) if len(set(xs)) > 1 else [xs[0] - 1, xs[0], xs[0] + 1]
        xlo, xhi = x_ticks[0], x_ticks[-1]
    else:
        xlo, xhi = -0.5, len(points) - 0.5

    def sx(x):
        return left + (x - xlo) / (xhi - xlo) * w

    def sy(v):
        return top + h - (min(max(v, ylo), yhi) - ylo) / (yhi - ylo) * h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="experiment-curve" data-points="{len(points)}" '
             f'width="100%" viewBox="0 0 {width} {height}" style="font-family:sans-serif;font-size:11px;'
             f'background:#fff;max-width:{width}px">',
             f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(outcome_label)} by '
             f'{escape(lever_label)}</text>']
    for t in y_ticks:
        parts.append(f'<line x1="{left}" x2="{left + w}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" stroke="#eee"/>'
                     f'<text x="{left - 5}" y="{sy(t) + 4:.1f}" text-anchor="end">{tick_text(t, percent)}</text>')
    if numeric:
        for t in x_ticks:
            parts.append(f'<text x="{sx(t):.1f}" y="{top + h + 16}" text-anchor="middle">{tick_text(t)}</text>')
    else:
        for i, p in enumerate(points):
            parts.append(f'<text x="{sx(i):.1f}" y="{top + h + 16}" text-anchor="middle">{escape(str(p["x"]))}</text>')
    parts.append(f'<line x1="{left}" x2="{left + w}" y1="{top + h}" y2="{top + h}" stroke="#888"/>'
                 f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + h}" stroke="#888"/>'
                 f'<text x="{left + w / 2:.1f}" y="{top + h + 34}" text-anchor="middle">{escape(lever_label)}</text>'
                 f'<text transform="translate(14,{top + h / 2:.1f}) rotate(-90)" text-anchor="middle">'
                 f'{escape(outcome_label)}</text>')
    band = [(sx(x), sy(p["low"]), sy(p["high"])) for x, p in zip(xs, points, strict=True)
            if p["low"] is not None and math.isfinite(p["low"]) and math.isfinite(p["high"])]
    if numeric and len(band) > 1:
        upper = " ".join(f"{x:.1f},{y:.1f}" for x, _, y in band)
        lower = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in reversed(band))
        parts.append(f'<polygon class="interval-band" points="{upper} {lower}" fill="#1f77b4" fill-opacity="0.15"/>')
    means = [(sx(x), sy(p["mean"])) for x, p in zip(xs, points, strict=True) if math.isfinite(p["mean"])]
    if numeric and len(means) > 1:
        parts.append(f'<polyline fill="none" stroke="#1f77b4" stroke-width="2" '
                     f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in means)}"/>')
    fmt = (lambda v: tick_text(round(v, 4), True)) if percent else (lambda v: _fmt(round(v, 3)))
    for x, p in zip(xs, points, strict=True):
        if not math.isfinite(p["mean"]):
            continue
        if p["low"] is not None and math.isfinite(p["low"]):
            parts.append(f'<line class="interval" x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{sy(p["low"]):.1f}" '
                         f'y2="{sy(p["high"]):.1f}" stroke="#1f77b4" stroke-width="1.5"/>')
        parts.append(f'<circle class="point" data-x="{escape(str(p["x"]))}" data-mean="{p["mean"]:.6g}" '
                     f'cx="{sx(x):.1f}" cy="{sy(p["mean"]):.1f}" r="4" fill="#1f77b4"><title>{escape(str(p["x"]))}: '
                     f'{fmt(p["mean"])} (95% interval {fmt(p["low"]) if p["low"] is not None else "–"} to '
                     f'{fmt(p["high"]) if p["high"] is not None else "–"}; {p["n"]} runs)</title></circle>')
    parts.append(f'<text x="{left + w}" y="{height - 6}" text-anchor="end" fill="#555">points: mean of the runs; '
                 f'bars and band: 95% interval</text></svg>')
    return "".join(parts)
