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
from sim.page.data import CHARTS, LEVEL_COLOURS, MEASURES, grid_details, grid_measures

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


def map_svg(model, measure: str = "open_cases", width: int = 620, height: int = 560) -> str:
    """The city's grid network on its fixed layout, grids coloured by ``measure``."""
    city = model.city
    measures = grid_measures(model)
    values = measures[measure]
    vmax = float(values.max()) if len(values) and values.max() > 0 else 1.0
    layout = city.layout
    grid_xy = np.array([layout[int(node)] for node in city.grid_node])
    all_xy = np.array(list(layout.values()))
    lo, hi = all_xy.min(axis=0), all_xy.max(axis=0)
    span = max(float((hi - lo).max()), 1e-9)
    legend_h = 100
    top = 44  # room for the title and the top town's label
    plot = min(width, height - legend_h) - top - 16
    scale = plot / span

    def px(xy) -> tuple[float, float]:
        return 20 + (xy[0] - lo[0]) * scale, top + (hi[1] - xy[1]) * scale

    # Grid dot size from the spacing of grids inside a community.
    n_grid = city.grids
    radius = max(2.5, min(12.0, 0.45 * plot / math.sqrt(max(n_grid, 1)) / 1.6))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="grid-map" data-measure="{measure}" '
             f'data-day="{model.day}" data-total="{_fmt(float(values.sum()))}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="font-family:sans-serif;font-size:11px;background:#fff">',
             f'<text x="8" y="14" font-size="13" font-weight="bold">Grid map, day {model.day}: '
             f'{escape(MEASURES[measure])}</text>']
    # Towns and communities as faint discs around their grids.
    # Centred on the town's and community's own layout positions: the layout keeps those discs
    # apart (a centroid of the grids would not).
    for t in range(city.towns):
        members = grid_xy[city.grid_town == t]
        if not len(members):
            continue
        centre = np.array(layout[int(city.town_node[t])])
        r = float(np.sqrt(((members - centre) ** 2).sum(axis=1)).max()) * scale + radius + 6
        cx, cy = px(centre)
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="#f3f3f3" stroke="#bbb">'
                     f'<title>{escape(city.town_names[t])}: {len(members)} grids</title></circle>')
        parts.append(f'<text x="{cx:.1f}" y="{cy - r - 3:.1f}" text-anchor="middle" fill="#555">'
                     f'{escape(city.town_names[t])}</text>')
    for c in range(city.communities):
        members = grid_xy[city.grid_community == c]
        if not len(members):
            continue
        centre = np.array(layout[int(city.community_node[c])])
        r = float(np.sqrt(((members - centre) ** 2).sum(axis=1)).max()) * scale + radius + 2
        cx, cy = px(centre)
        if model.systems.big_party[c]:
            parts.append(f'<circle class="big-party" data-community="{escape(city.community_codes[c])}" '
                         f'cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="#fafafa" stroke="{BIG_PARTY_COLOUR}" '
                         f'stroke-width="1.6"><title>Community {escape(city.community_codes[c])}: big Party '
                         f'committee (大党委)</title></circle>')
        else:
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="#fafafa" stroke="#ccc" '
                         f'stroke-dasharray="2,2"><title>Community {escape(city.community_codes[c])}</title></circle>')
    # Three-zone pilots: a ring around each of a zone's grids.
    parts.append('<g id="pilot-zones">')
    for zone in model.systems.zones:
        label = escape(f"Three-zone pilot {zone.index + 1} ({zone.type.label.replace('_', ' ')}): {len(zone.grids)} "
                       f"grids, {zone.shared_sites} shared sites")
        for g in zone.grids:
            x, y = px(grid_xy[g])
            parts.append(f'<circle class="pilot-zone" data-zone="{zone.index}" cx="{x:.1f}" cy="{y:.1f}" '
                         f'r="{radius + 2.2:.1f}" fill="none" stroke="{ZONE_COLOUR}" stroke-width="1.8">'
                         f'<title>{label}</title></circle>')
    parts.append("</g>")
    # Grids.
    parts.append('<g id="grids">')
    for g in range(n_grid):
        x, y = px(grid_xy[g])
        details = grid_details(model, g, measures)
        title = escape("\n".join(f"{key}: {value}" for key, value in details.items()))
        parts.append(f'<circle class="grid" data-grid="{escape(city.grid_codes[g])}" '
                     f'data-value="{_fmt(float(values[g]))}" cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" '
                     f'fill="{ramp_colour(values[g] / vmax)}" stroke="#666" stroke-width="0.6">'
                     f'<title>{title}</title></circle>')
    parts.append("</g>")
    # Grid workers: small squares at the grid where each is based, spread around it.
    parts.append('<g id="workers">')
    seen: dict[int, int] = {}
    side = max(2.0, radius * 0.55)
    for worker in model.workers:
        node = int(worker.cell.coordinate)
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
        level = Level(level_value)
        x, y = px(layout[node])
        dx, dy = offsets.get(level, (0, 0))
        x += dx * (radius + 5)
        y += dy * (radius + 5)
        size = 3 + 1.5 * math.sqrt(len(members))
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
        x, y = px(layout[node])
        x, y = (x + radius * 0.9, y - radius * 0.9) if centre.upgraded else (x - radius - 4, y)
        size = 5.0 if centre.upgraded else 3.5
        kind = "upgraded neighbourhood centre (党建+邻里中心)" if centre.upgraded else "basic community service centre"
        parts.append(f'<path class="centre" data-upgraded="{str(centre.upgraded).lower()}" '
                     f'd="M{x:.1f},{y - size:.1f} L{x + size:.1f},{y + size * 0.8:.1f} L{x - size:.1f},'
                     f'{y + size * 0.8:.1f} Z" fill="{CENTRE_COLOURS[centre.upgraded]}" stroke="#222" '
                     f'stroke-width="0.5"><title>{escape(city.community_codes[centre.community])}: {kind}, open '
                     f'{_fmt(centre.opening_hours_per_week)} h a week</title></path>')
    parts.append("</g>")
    parts.append('<g id="cadres">')
    for cadre in model.cadres:
        x, y = px(layout[int(cadre.cell.coordinate)])
        x += radius + 5
        parts.append(f'<path class="cadre" d="{_star(x, y, 5.0)}" fill="{CADRE_COLOUR}" stroke="#222" '
                     f'stroke-width="0.5"><title>Stationed cadre in {escape(city.community_codes[cadre.community])}: '
                     f'{model.cadre_hours.joined[cadre.community]} community mediations joined</title></path>')
    parts.append("</g>")
    # Legend: colour bar and symbols.
    top = height - legend_h + 6
    parts.append(f'<g id="legend"><text x="20" y="{top + 8}">{escape(MEASURES[measure])}</text>')
    steps = 24
    for i in range(steps):
        parts.append(f'<rect x="{20 + i * 8}" y="{top + 13}" width="8" height="10" '
                     f'fill="{ramp_colour(i / (steps - 1))}"/>')
    parts.append(f'<text x="20" y="{top + 36}">0</text><text x="{20 + steps * 8}" y="{top + 36}" '
                 f'text-anchor="end">{_fmt(vmax)}</text>')
    lx = 250
    parts.append(f'<rect x="{lx}" y="{top + 2}" width="7" height="7" fill="{WORKER_COLOUR}"/>'
                 f'<text x="{lx + 11}" y="{top + 9}">grid worker ({len(model.workers)})</text>')
    parts.append(f'<circle cx="{lx + 4}" cy="{top + 22}" r="4" fill="{ramp_colour(0.5)}" stroke="#666"/>'
                 f'<text x="{lx + 11}" y="{top + 26}">responsibility grid ({n_grid})</text>')
    for i, level in enumerate((Level.COMMUNITY, Level.SPECIALISED, Level.TOWN, Level.CITY)):
        x0, y0 = lx + 160 + (i % 2) * 95, top + 6 + (i // 2) * 17
        parts.append(f'<path d="M{x0},{y0 - 5} L{x0 + 5},{y0} L{x0},{y0 + 5} L{x0 - 5},{y0} Z" '
                     f'fill="{LEVEL_COLOURS[level.label]}" stroke="#222" stroke-width="0.6"/>'
                     f'<text x="{x0 + 9}" y="{y0 + 4}">{level.label}</text>')
    parts.append(f'<text x="{lx}" y="{top + 46}" fill="#666">Diamonds: mediation committees. '
                 f'Hover for details.</text>')
    systems = model.systems
    row = top + 64
    n_upgraded = sum(centre.upgraded for centre in systems.centres)
    items = [
        (f'<circle cx="24" cy="{row - 4}" r="6" fill="none" stroke="{BIG_PARTY_COLOUR}" stroke-width="1.6"/>',
         f"big Party committee ({int(systems.big_party.sum())})", 20),
        (f'<circle cx="24" cy="{row + 14}" r="5" fill="none" stroke="{ZONE_COLOUR}" stroke-width="1.8"/>',
         f"three-zone pilot grid ({len(systems.zones)} zone{'' if len(systems.zones) == 1 else 's'})", 20),
        (f'<path d="{_star(lx + 4, row - 4, 5.0)}" fill="{CADRE_COLOUR}" stroke="#222" stroke-width="0.5"/>',
         f"stationed cadre ({len(model.cadres)})", lx),
        (f'<path d="M{lx + 4},{row + 9} L{lx + 9},{row + 18} L{lx - 1},{row + 18} Z" fill="{CENTRE_COLOURS[True]}" '
         f'stroke="#222" stroke-width="0.5"/>', f"upgraded centre ({n_upgraded})", lx),
        (f'<path d="M{lx + 164},{row + 9} L{lx + 168},{row + 17} L{lx + 160},{row + 17} Z" '
         f'fill="{CENTRE_COLOURS[False]}" stroke="#222" stroke-width="0.5"/>',
         f"basic centre ({len(systems.centres) - n_upgraded})", lx + 160),
    ]
    for i, (symbol, text, x0) in enumerate(items):
        y0 = row if i in (0, 2) else row + 18
        parts.append(f'<g class="legend-item">{symbol}<text x="{x0 + 12}" y="{y0}">{escape(text)}</text></g>')
    parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _star(x: float, y: float, r: float) -> str:
    """An SVG path for a five-pointed star centred at (x, y)."""
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.45
        angle = -math.pi / 2 + k * math.pi / 5
        points.append(f"{x + radius * math.cos(angle):.1f},{y + radius * math.sin(angle):.1f}")
    return "M" + " L".join(points) + " Z"


def line_chart_svg(chart: str, series: dict[str, np.ndarray], width: int = 460, height: int = 250) -> str:
    """One of ``sim.page.data.CHARTS`` as an SVG line chart over simulated days."""
    title, ylabel, lines, ymax_fixed = CHARTS[chart]
    days = series["day"]
    left, right, top, bottom = 46, 10, 24, 58
    w, h = width - left - right, height - top - bottom
    xmax = float(days[-1]) if len(days) else 1.0
    finite = [series[key][np.isfinite(series[key])] for key, _, _ in lines]
    data_max = max((float(v.max()) for v in finite if len(v)), default=0.0)
    ymax = ymax_fixed if ymax_fixed is not None else (data_max * 1.1 if data_max > 0 else 1.0)
    last = {key: (float(series[key][-1]) if len(series[key]) and np.isfinite(series[key][-1]) else None)
            for key, _, _ in lines}
    data_last = ";".join(f"{key}={'' if value is None else round(value, 4)}" for key, value in last.items())
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-{chart}" data-points="{len(days)}" '
             f'data-last="{escape(data_last)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             'style="font-family:sans-serif;font-size:10px;background:#fff">',
             f'<text x="{left}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>']

    def sx(d):
        return left + (d / xmax) * w if xmax else left

    def sy(v):
        return top + h - (v / ymax) * h if ymax else top + h

    for i in range(5):
        v = ymax * i / 4
        y = sy(v)
        parts.append(f'<line x1="{left}" x2="{left + w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
                     f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{_fmt(round(v, 3))}</text>')
    for i in range(5):
        d = xmax * i / 4
        parts.append(f'<text x="{sx(d):.1f}" y="{top + h + 13}" text-anchor="middle">{_fmt(round(d))}</text>')
    parts.append(f'<line x1="{left}" x2="{left + w}" y1="{top + h}" y2="{top + h}" stroke="#888"/>'
                 f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + h}" stroke="#888"/>'
                 f'<text x="{left + w / 2:.1f}" y="{top + h + 26}" text-anchor="middle">day</text>'
                 f'<text transform="translate(11,{top + h / 2:.1f}) rotate(-90)" text-anchor="middle">'
                 f'{escape(ylabel)}</text>')
    for key, label, colour in lines:
        values = series[key]
        segments, current = [], []
        for d, v in zip(days, values, strict=True):
            if np.isfinite(v):
                current.append(f"{sx(d):.1f},{sy(min(v, ymax)):.1f}")
            elif current:
                segments.append(current)
                current = []
        if current:
            segments.append(current)
        for points in segments:
            if len(points) == 1:
                x, y = points[0].split(",")
                parts.append(f'<circle cx="{x}" cy="{y}" r="1.8" fill="{colour}"/>')
            else:
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" '
                             f'points="{" ".join(points)}"><title>{escape(label)}</title></polyline>')
    x0, row = left, height - 22
    for key, label, colour in lines:
        value = last[key]
        text = f"{label} {_fmt(round(value, 3)) if value is not None else '–'}"
        item = 18 + 6 * len(text)
        if x0 + item > width and x0 > left:
            x0, row = left, row + 14
        parts.append(f'<line x1="{x0}" x2="{x0 + 12}" y1="{row - 4}" y2="{row - 4}" stroke="{colour}" '
                     f'stroke-width="3"/><text x="{x0 + 15}" y="{row}">{escape(text)}</text>')
        x0 += item
    parts.append("</svg>")
    return "".join(parts)
