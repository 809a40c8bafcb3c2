"""What every figure shares: axes labelled from the registries with their units (shares as
percentages), round ticks, and a check that no two pieces of text overlap.

Values go on an axis as they are shown (``sim.config.display.factor``: a share × 100), and
``label_axis`` names the axis "Closure rate (% of reported cases)". ``text_overlaps`` draws the
figure and returns the pairs of text whose boxes overlap (and any text cut off at the figure's
edge): the tests ask it of every figure the program writes.
"""

from __future__ import annotations

from matplotlib.ticker import Formatter, MaxNLocator

from sim.config.display import axis_label

ROUND_STEPS = (1, 2, 2.5, 5, 10)


class RoundFormatter(Formatter):
    """Tick labels with as many decimals as the tick spacing needs, thousands separators and no
    offset or exponent: 0 · 2.5 · 5 · 7.5, or 1,000 · 2,000."""

    def __call__(self, value, position=None):
        return self.format_ticks([value])[0]

    def format_ticks(self, values):
        values = list(values)
        steps = [abs(b - a) for a, b in zip(values, values[1:], strict=False) if b != a]
        step = min(steps) if steps else (abs(values[0]) if values and values[0] else 1.0)
        places = 0
        while places < 4 and abs(step * 10 ** places - round(step * 10 ** places)) > 1e-6 * step * 10 ** places:
            places += 1
        return [_tick(value, places) for value in values]


def _tick(value: float, places: int) -> str:
    text = f"{value:,.{places}f}"
    return f"{0:.{places}f}" if float(text.replace(",", "")) == 0 else text


def round_ticks(ax, axis: str = "both", bins: int = 5) -> None:
    """At most ``bins`` ticks on round values (1, 2, 2.5, 5 × a power of ten), labelled plainly."""
    for which in ("x", "y") if axis == "both" else (axis,):
        target = ax.xaxis if which == "x" else ax.yaxis
        if target.get_scale() != "linear":
            continue
        target.set_major_locator(MaxNLocator(nbins=bins, steps=list(ROUND_STEPS)))
        target.set_major_formatter(RoundFormatter())


def label_axis(ax, name: str, axis: str = "y", *, difference: bool = False, bins: int = 5) -> None:
    """Label an axis with an outcome's or a parameter's label and unit, and give it round ticks."""
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(axis_label(name, difference=difference))
    round_ticks(ax, axis, bins)


# ---------------------------------------------------------------- the check


def _renderer(fig):
    canvas = fig.canvas
    if not hasattr(canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(fig)
    fig.draw_without_rendering() if hasattr(fig, "draw_without_rendering") else canvas.draw()
    return canvas.get_renderer()


def visible_texts(fig) -> list:
    """Every piece of text the figure draws: titles, axis labels, tick labels shown, legends,
    annotations; empty and hidden text left out."""
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    _renderer(fig)
    ticks = set()
    drawn = set()
    for axis in fig.findobj(Axis):
        for tick in axis.get_major_ticks() + axis.get_minor_ticks():
            ticks.update((tick.label1, tick.label2))
        for tick in axis._update_ticks():  # the ticks inside the view (the others are not drawn)
            drawn.update(label for label in (tick.label1, tick.label2) if label.get_visible())
    texts = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        if text in ticks and text not in drawn:
            continue
        if not _shown(text):
            continue
        texts.append(text)
    return list(dict.fromkeys(texts))


def _shown(artist) -> bool:
    while artist is not None:
        if not artist.get_visible():
            return False
        parent = getattr(artist, "axes", None)
        if parent is not None and parent is not artist and not parent.get_visible():
            return False
        artist = None
    return True


def text_overlaps(fig, tolerance: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes overlap by more than ``tolerance`` pixels each way, and texts that
    stick out of the figure (paired with "<figure edge>")."""
    renderer = _renderer(fig)
    texts = visible_texts(fig)
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in texts]
    found = []
    edge = fig.bbox
    for name, box in boxes:
        if box.x0 < edge.x0 - tolerance or box.y0 < edge.y0 - tolerance or box.x1 > edge.x1 + tolerance \
                or box.y1 > edge.y1 + tolerance:
            found.append((name, "<figure edge>"))
    for i, (first, a) in enumerate(boxes):
        for second, b in boxes[i + 1:]:
            width = min(a.x1, b.x1) - max(a.x0, b.x0)
            height = min(a.y1, b.y1) - max(a.y0, b.y0)
            if width > tolerance and height > tolerance:
                found.append((first, second))
    return found
