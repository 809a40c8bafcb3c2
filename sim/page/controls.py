"""The page's controls: grouped by system, in plain language with units, each a slider, a select
or a switch built from the parameter registry (``sim.config.params.PARAMS``).

- A number becomes a slider from the registry's lower bound up to its upper bound, capped at
  twice the top of the plausible range (or of the default) so that the slider's steps stay
  fine enough to set a value; a value outside the slider can still come from a scenario file.
- A parameter with choices becomes a select of its choices (with plain names); on/off a switch.
- Labels are written here (``LABELS``): a plain name and, from the registry, the unit.

Nothing here draws or runs the model; ``sim.page.app`` lays the controls out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.config.params import PARAMS, ParamKind
from sim.config.presets import PRESETS

# The groups, in the order the page shows them, and the levers in each (every lever the page
# offers is in exactly one group: test_app checks it against the registry).
GROUPS: dict[str, tuple[str, ...]] = {
    "Staffing": ("workers_per_10k", "part_time_workers_per_10k", "worker_allocation", "patrol",
                 "patrol_visits_per_household_week", "volunteers_per_10k", "volunteer_caseload"),
    "Escalation and dispatch": ("escalation_rule", "digital_platform", "dispatch_staff_per_10k", "triage_accuracy",
                                "department_staff_per_10k", "department_caseload", "redo_limit"),
    "Mediation": ("mediators_per_10k", "city_centre_staff"),
    "The further systems": ("stationed_cadres", "big_party_committees", "three_zone_pilots", "neighbourhood_centres",
                            "civility_incentive", "civility_points_per_report", "civility_points_per_volunteer_case"),
}
LEVERS = tuple(name for names in GROUPS.values() for name in names)
WORLD_GROUP = "The world"  # the scenario file, the run size and the seed (shared by both settings in compare mode)

# Plain names (the unit is added from the registry).
LABELS = {
    "workers_per_10k": "Full-time grid workers",
    "part_time_workers_per_10k": "Part-time grid workers",
    "worker_allocation": "How workers are spread over communities",
    "patrol": "Grid workers patrol",
    "patrol_visits_per_household_week": "Household visits",
    "volunteers_per_10k": "Volunteers",
    "volunteer_caseload": "Disputes a volunteer mediates at once",
    "escalation_rule": "Escalation rule",
    "digital_platform": "Digital platform grades and dispatches reports",
    "dispatch_staff_per_10k": "Dispatch clerks",
    "triage_accuracy": "Cases graded right at dispatch",
    "department_staff_per_10k": "Department case officers",
    "department_caseload": "Requests an officer handles at once",
    "redo_limit": "Redos allowed after a dissatisfied follow-up",
    "mediators_per_10k": "People's mediators",
    "city_centre_staff": "City dispute-resolution centre staff",
    "stationed_cadres": "Stationed cadres",
    "big_party_committees": "Communities with a big Party committee",
    "three_zone_pilots": "Three-zone pilot zones",
    "neighbourhood_centres": "Upgraded neighbourhood centres",
    "civility_incentive": "Civility points",
    "civility_points_per_report": "Civility points per report",
    "civility_points_per_volunteer_case": "Civility points per volunteer case",
    "scale": "Run size",
    "seed": "Seed",
    "scenario_file": "Scenario",
}
# Shorter units than the registry's where it names the thing again.
UNITS = {
    "workers_per_10k": "per 10,000 urban residents",
    "part_time_workers_per_10k": "per 10,000 urban residents",
    "patrol_visits_per_household_week": "per household per week",
    "volunteers_per_10k": "per 10,000 residents",
    "mediators_per_10k": "per 10,000 residents",
    "dispatch_staff_per_10k": "per 10,000 residents",
    "department_staff_per_10k": "per 10,000 residents",
    "volunteer_caseload": "disputes",
    "department_caseload": "requests",
    "triage_accuracy": "share of cases",
    "redo_limit": "redos per case",
    "city_centre_staff": "full-time staff",
    "stationed_cadres": "cadres, at full city size",
    "big_party_committees": "communities, at full city size",
    "three_zone_pilots": "zones, at full city size",
    "neighbourhood_centres": "centres, at full city size",
    "civility_points_per_report": "points",
    "civility_points_per_volunteer_case": "points",
}
# Plain names of the choices.
CHOICE_LABELS = {
    "escalation_rule": {"shishi": "Shishi: grade and assign, three levels, direct to the right level",
                        "three_level": "Three levels in turn (grid, community, town)",
                        "direct_dispatch": "Direct dispatch to the responsible level",
                        "bottom_up": "Bottom up, one level at a time"},
    "worker_allocation": {"per_resident": "By residents", "by_caseload": "By expected cases",
                          "by_migrant_share": "By residents, weighted by migrant share"},
}
SHORT_RULES = {"shishi": "Shishi (grade and assign)", "three_level": "three levels in turn",
               "direct_dispatch": "direct dispatch", "bottom_up": "bottom up"}
SCALES = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0)  # the run sizes offered (share of 700,000 residents)
DEFAULT_SCALE = PRESETS["page"].scale
DEFAULT_SEED = PRESETS["page"].first_seed
POPULATION = float(PARAMS["population"].default)


@dataclass(frozen=True)
class Control:
    name: str
    kind: str  # "slider" | "select" | "switch"
    label: str
    unit: str
    minimum: float = 0.0
    maximum: float = 1.0
    step: float = 1.0
    integer: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, plain label)
    help: str = ""

    def text(self, value) -> str:
        """The label with the value and its unit, as the page shows it above the control."""
        if self.kind == "switch":
            return f"{self.label}: {'on' if value else 'off'}"
        if self.kind == "select":
            return f"{self.label}: {dict(self.choices).get(value, value)}"
        if self.unit.startswith("share of "):
            return f"{self.label}: {float(value):.0%} of {self.unit[len('share of '):]}"
        return f"{self.label}: {format_value(value, self.step)} {self.unit}"


def nice_step(span: float, steps: int = 100) -> float:
    """A round step (1, 2 or 5 × 10^k) giving about ``steps`` steps over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / steps
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def nice_ceiling(value: float) -> float:
    """The next round number (1, 2, 2.5, 5 × 10^k) at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= factor * power + 1e-12:
            return factor * power
    return 10 * power


def format_value(value, step: float = 0.01) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        return value
    value = float(value)
    if value == int(value) and abs(value) < 1e9:
        return f"{int(value):,}"
    decimals = max(0, min(4, -math.floor(math.log10(step)) if step < 1 else 0))
    decimals = max(decimals, 2 if abs(value) < 10 else 1)
    return f"{value:,.{decimals}f}".rstrip("0").rstrip(".")


def control(name: str) -> Control:
    """The control of one lever, from the registry."""
    param = PARAMS[name]
    label, unit = LABELS.get(name, name.replace("_", " ")), UNITS.get(name, param.unit)
    if param.type is bool:
        return Control(name, "switch", label, "", help=param.doc)
    if param.choices is not None:
        plain = CHOICE_LABELS.get(name, {})
        return Control(name, "select", label, unit, choices=tuple((c, plain.get(c, c.replace("_", " ")))
                                                                  for c in param.choices), help=param.doc)
    low = float(param.low if param.low is not None else 0.0)
    top = max(float(param.default), float(param.plausible[1]) if param.plausible else 0.0)
    high = float(param.high) if param.high is not None else 2 * top
    if param.plausible is None and high <= 100:
        maximum = high  # a small range (counts, limits): all of it
    else:
        maximum = min(high, nice_ceiling((2 if param.plausible else 4) * top if top > 0 else high))
    integer = param.type is int
    step = max(1.0, round(nice_step(maximum - low, 200))) if integer else nice_step(maximum - low, 200)
    if low > 0 and not integer:  # keep the slider's values on its step grid
        low = math.floor(low / step) * step or step
    return Control(name, "slider", label, unit, low, maximum, step, integer, help=param.doc)


CONTROLS: dict[str, Control] = {name: control(name) for name in LEVERS}


def scale_label(scale: float) -> str:
    return f"{scale:g} of the city ({round(scale * POPULATION):,} residents)"


def setting_summary(params, seed: int) -> str:
    """A run's actual settings in one line (what the header shows)."""
    scale = float(params["scale"])
    return (f"rule {SHORT_RULES.get(params['escalation_rule'], params['escalation_rule'])} · "
            f"{format_value(params['workers_per_10k'])} full-time and "
            f"{format_value(params['part_time_workers_per_10k'])} part-time grid workers per 10,000 urban "
            f"residents · {format_value(params['mediators_per_10k'])} mediators and "
            f"{format_value(params['volunteers_per_10k'])} volunteers per 10,000 residents · "
            f"scale {scale_label(scale)} · seed {seed}")


def differences(a: dict, b: dict) -> list[str]:
    """The levers where setting B differs from A, in plain words."""
    out = []
    for name in LEVERS:
        if name in a and name in b and a[name] != b[name]:
            item = CONTROLS[name]
            before, after = item.text(a[name]).split(": ", 1)[1], item.text(b[name]).split(": ", 1)[1]
            if item.kind == "slider" and item.unit and before.endswith(item.unit):
                before = before[: -len(item.unit)].strip()
            out.append(f"{item.label}: {before} → {after}")
    return out


def is_lever(name: str) -> bool:
    return name in PARAMS and PARAMS[name].kind is ParamKind.LEVER


__all__ = ["GROUPS", "LEVERS", "CONTROLS", "Control", "LABELS", "SCALES", "DEFAULT_SCALE", "DEFAULT_SEED",
           "control", "nice_step", "nice_ceiling", "format_value", "setting_summary", "differences", "scale_label"]
