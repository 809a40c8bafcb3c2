"""How outcomes and parameters are shown: plain-language labels with their units, and numbers
formatted for a reader, from the registries (``sim.config.outcomes``, ``sim.config.params``).

Every figure and table uses these, so a share is a percentage everywhere ("87.3 %", an axis in
"% of reported cases", a difference in percentage points), a count has thousands separators
("2,244"), a mean carries as many decimals as its 95 % interval warrants, and a difference
within floating-point error of zero is printed as 0.
"""

from __future__ import annotations

import math
import re

from sim.config.outcomes import OUTCOMES, parameter_name
from sim.config.params import PARAMS

SHARE = "share of"
POINTS = "percentage points"


def is_share(unit: str) -> bool:
    """A share (0–1 in the data, shown as a percentage)."""
    return unit.startswith(SHARE)


def shown_unit(unit: str) -> str:
    """The unit as a reader sees it: "share of reported cases" → "% of reported cases"."""
    return "% of" + unit[len(SHARE):] if is_share(unit) else unit


# Outcomes a service standard may name beyond the registry's (sim.analyses.standard): label, unit.
_WITHIN = re.compile(r"^closed_within_(\d+)_days$")
DERIVED = {"mean_wait_days": ("Mean wait for a handler", "days")}


def _derived(name: str) -> tuple[str, str] | None:
    match = _WITHIN.match(name)
    if match:
        return f"Closed within {match.group(1)} days of report", "share of reported cases"
    return DERIVED.get(name)


def unit_of(name: str) -> str:
    """The registry's unit of an outcome or a parameter (a column name like ``service_days__town`` too);
    "" when neither registry knows the name."""
    if name in OUTCOMES:
        return OUTCOMES[name].unit
    if _derived(name):
        return _derived(name)[1]
    param = PARAMS.get(parameter_name(name))
    return param.unit if param is not None else ""


def factor(name: str) -> float:
    """What the stored value is multiplied by to be shown (100 for a share)."""
    return 100.0 if is_share(unit_of(name)) else 1.0


def humanise(name: str) -> str:
    """A readable label from an identifier: ``time_limit_days.town`` → "Time limit days, town"."""
    text = parameter_name(name).replace(".", ", ").replace("_per_10k", " per 10,000").replace("_", " ")
    return text[:1].upper() + text[1:]


def label(name: str) -> str:
    """The plain-language label of an outcome or a parameter (without its unit)."""
    if name in OUTCOMES:
        return OUTCOMES[name].label
    if _derived(name):
        return _derived(name)[0]
    param = PARAMS.get(parameter_name(name))
    return param.label if param is not None and param.label else humanise(name)


def axis_label(name: str, *, difference: bool = False) -> str:
    """Label and unit for an axis or a column: "Closure rate (% of reported cases)", "Grid workers per
    10,000 urban residents"; ``difference``: of a paired difference ("…, difference (percentage points)")."""
    text, unit = label(name), unit_of(name)
    if categorical(name):
        return text
    if difference:
        return f"{text}, difference ({POINTS if is_share(unit) else unit or 'units'})"
    if not unit:
        return text
    unit = shown_unit(unit)
    if unit.lower().startswith(text.lower()):  # "grid workers per 10,000 urban residents" names the thing
        return unit[:1].upper() + unit[1:]
    return f"{text} ({unit})"


def categorical(name: str) -> bool:
    """A parameter whose values are names (an escalation rule) or on/off, not numbers on an axis."""
    param = PARAMS.get(parameter_name(name))
    return param is not None and param.type in (str, bool)


# ---------------------------------------------------------------- numbers


def clean(value: float, reference: float = 1.0) -> float:
    """0 for a value within floating-point error of zero (relative to ``reference``), else the value."""
    if value is None or not math.isfinite(value):
        return value
    return 0.0 if abs(value) <= 1e-9 * max(1.0, abs(reference)) else value


def decimals(value: float, half: float | None = None, *, share: bool = False) -> int:
    """Decimals for a value (already scaled for display): its 95 % half-width to one significant figure
    (two when it starts with 1 or 2) when there is one, else three significant figures of the value; at
    least one for a percentage and at most two, at most three for anything else."""
    low = 1 if share else 0
    if half is not None and math.isfinite(half) and half > 0:
        magnitude = math.floor(math.log10(half))
        places = (1 if half / 10 ** magnitude < 3 else 0) - magnitude
    elif value is not None and math.isfinite(value) and value != 0:
        places = 2 - math.floor(math.log10(abs(value)))
    else:
        return low
    return min(2 if share else 3, max(low, places))


def number(value: float, places: int, *, sign: bool = False) -> str:
    """A number with thousands separators and ``places`` decimals; "-0.0" shows as "0.0"; NaN as "n/a"."""
    if value is None or not math.isfinite(value):
        return "n/a"
    text = f"{value:{'+' if sign else ''},.{places}f}"
    if float(text.replace(",", "")) == 0:
        text = f"{0:.{places}f}"
    return text


def format_value(name: str, value: float, *, unit: bool = False) -> str:
    """One value as the run's summary shows it: "87.3 %", "2,244", "12.4" ("12.4 days" with ``unit``)."""
    if value is None or not math.isfinite(value):
        return "n/a"
    share = is_share(unit_of(name))
    shown = value * factor(name)
    text = number(shown, decimals(shown, share=share))
    if share:
        return f"{text} %"
    return f"{text} {unit_of(name)}" if unit and unit_of(name) else text


def format_estimate(name: str, mean: float, low: float, high: float) -> str:
    """A mean and its 95 % interval as "87.3 % ± 1.2" (a share; ± in percentage points) or "2,244 ± 29"."""
    if mean is None or not math.isfinite(mean):
        return "n/a"
    share = is_share(unit_of(name))
    scale = factor(name)
    half = (high - low) / 2 * scale if low is not None and math.isfinite(low) else None
    places = decimals(mean * scale, half, share=share)
    text = number(mean * scale, places) + (" %" if share else "")
    return text + (f" ± {number(half, places)}" if half is not None else "")


def format_difference(name: str, mean: float, low: float, high: float, *, reference: float = 1.0) -> str:
    """A paired difference and its 95 % interval as "+2.1 pp ± 0.8" (a share) or "+15 ± 4"; a difference
    within floating-point error of zero is 0."""
    if mean is None or not math.isfinite(mean):
        return "n/a"
    share = is_share(unit_of(name))
    scale = factor(name)
    mean = clean(mean, reference) * scale
    half = (high - low) / 2 * scale if low is not None and math.isfinite(low) else None
    if half is not None:
        half = clean(half, reference * scale)
    places = decimals(mean, half, share=share)
    text = number(mean, places, sign=True) + (" pp" if share else "")
    return text + (f" ± {number(half, places)}" if half is not None else "")


def format_interval(name: str, centre: float, low: float, high: float, *, difference: bool = False) -> str:
    """A centre and an interval around it as "87.3 % [80.1, 90.2]" (a share) or "3,009 [2,549, 4,372]";
    with ``difference`` signed, in percentage points for a share ("+2.1 pp [-1.0, +3.2]"), and
    floating-point residue as 0. For medians and 90 % intervals across calibrated worlds."""
    if centre is None or not math.isfinite(centre):
        return "n/a"
    share, scale = is_share(unit_of(name)), factor(name)
    values = [(clean(v, centre) if difference else v) * scale for v in (centre, low, high)]
    places = decimals(values[0], (values[2] - values[1]) / 2, share=share)
    shown = [number(v, places, sign=difference) for v in values]
    unit = (" pp" if difference else " %") if share else ""
    return f"{shown[0]}{unit} [{shown[1]}, {shown[2]}]"
