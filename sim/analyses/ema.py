"""The EMA workbench as a client of the model (optional extra ``ema``: ``pip install '.[ema]'``).

    from ema_workbench import perform_experiments
    from sim.analyses.ema import shishi_model

    model = shishi_model(scale=0.05, days=365, replications=3)
    experiments, outcomes = perform_experiments(model, scenarios=64, policies=4)

Levers and uncertainties come from the parameter registry (``sim.config.params``): every lever and
uncertainty with a plausible range, a list of choices or an on/off switch, under an
identifier-safe name (``service_days__town`` for ``service_days.town``; the dotted name is the
``variable_name`` the model function receives). Validation-only escalation rules are left out,
and so are members of groups that must sum to one. Scalar outcomes are the declared outcomes
(``sim.config.outcomes``).

Seeds: with ``replications`` = 1 the result is a plain EMA ``Model`` whose every experiment runs
on the preset's first seed, a constant ``seed`` the experiments table shows (common random
numbers: policies differ only by what they change). With more, a ``ReplicatorModel`` runs each
experiment on the project's seeds ``first_seed``, ``first_seed + 1``, … and reports each
outcome's mean over them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np

from sim.batch.seeds import sequential_seeds
from sim.config.outcomes import OUTCOMES
from sim.config.outcomes import column_name as identifier
from sim.config.params import PARAMS, SHARE_GROUPS, Param, ParamKind
from sim.config.presets import PRESETS
from sim.config.rule_names import VALIDATION_RULES

with warnings.catch_warnings():  # the workbench warns that an optional parallel backend is absent
    warnings.filterwarnings("ignore", message="ipyparallel not installed")
    try:
        from ema_workbench import (
            BooleanParameter,
            CategoricalParameter,
            Constant,
            IntegerParameter,
            Model,
            RealParameter,
            ReplicatorModel,
            ScalarOutcome,
        )
    except ImportError as error:  # pragma: no cover - the message is the point
        raise ImportError("sim.analyses.ema needs the EMA workbench: pip install '.[ema]' (./dev test installs "
                          "it)") from error

def _choices(param: Param) -> list[str] | None:
    if param.name == "escalation_rule":
        return [choice for choice in param.choices if choice not in VALIDATION_RULES]
    return list(param.choices) if param.choices else None


def ema_parameter(param: Param):
    """The EMA parameter for one registry entry (its plausible range, choices or on/off), or None."""
    name = identifier(param.name)
    if param.type is bool:
        return BooleanParameter(name, variable_name=param.name)
    choices = _choices(param)
    if choices:
        return CategoricalParameter(name, choices, variable_name=param.name)
    if param.plausible is None or param.name.split(".")[0] in SHARE_GROUPS:
        return None
    low, high = param.plausible
    if param.type is int:
        return IntegerParameter(name, int(np.ceil(low)), int(np.floor(high)), variable_name=param.name)
    return RealParameter(name, float(low), float(high), variable_name=param.name)


def registry_parameters(kind: ParamKind, names: Iterable[str] | None = None) -> list:
    """EMA parameters for the registry's entries of one kind: all that have a range, choices or an
    on/off switch, or the named ones (each must be of that kind and have one)."""
    if names is None:
        parameters = [ema_parameter(param) for param in PARAMS.values() if param.kind is kind]
        return [parameter for parameter in parameters if parameter is not None]
    parameters = []
    for name in names:
        param = PARAMS[name]
        if param.kind is not kind:
            raise KeyError(f"{name} is {_a(param.kind.value)}, not {_a(kind.value)}")
        parameter = ema_parameter(param)
        if parameter is None:
            raise KeyError(f"{name} has no plausible range or choices to sample (or belongs to a group that must "
                           "sum to one)")
        parameters.append(parameter)
    return parameters


def run_experiment(**experiment) -> dict[str, float]:
    """One run for EMA: registry parameters by their dotted names, ``seed``, ``scale`` and ``days``."""
    from sim.config.outcomes import outcome_row
    from sim.config.scenario import load_scenario
    from sim.results.api import run

    seed = int(experiment.pop("seed"))
    overrides = {name: (value.item() if isinstance(value, np.generic) else value)
                 for name, value in experiment.items()}
    return outcome_row(run(load_scenario(None, overrides), seed=seed).summary)


def shishi_model(scale: float | None = None, days: int | None = None, replications: int = 1, *,
                 levers: Iterable[str] | None = None, uncertainties: Iterable[str] | None = None,
                 outcomes: Iterable[str] | None = None, first_seed: int | None = None, name: str = "shishi"):
    """An EMA ``Model`` of Shishi (a ``ReplicatorModel`` when ``replications`` > 1).

    ``levers``, ``uncertainties`` and ``outcomes`` narrow the registry's (dotted or identifier
    names); by default all with a range or choices, and every declared outcome."""
    preset = PRESETS["ema"]
    scale = preset.scale if scale is None else scale
    days = preset.days if days is None else days
    first_seed = preset.first_seed if first_seed is None else first_seed
    if replications < 1:
        raise ValueError(f"replications: expected at least 1, got {replications}")
    scale, days = PARAMS["scale"].check(scale), PARAMS["days"].check(days)
    dotted = {identifier(n): n for n in PARAMS}
    lever_names = None if levers is None else [dotted.get(n, n) for n in levers]
    uncertainty_names = None if uncertainties is None else [dotted.get(n, n) for n in uncertainties]
    for group in (lever_names or []), (uncertainty_names or []):
        unknown = [n for n in group if n not in PARAMS]
        if unknown:
            raise KeyError(f"not registry parameters: {', '.join(unknown)}")
    outcome_names = list(OUTCOMES) if outcomes is None else list(outcomes)
    unknown = [n for n in outcome_names if n not in OUTCOMES]
    if unknown:
        raise KeyError(f"not declared outcomes: {', '.join(unknown)}")

    if replications == 1:
        model = Model(name, function=run_experiment)
        constants = [Constant("seed", first_seed)]
        reduce = None
    else:
        model = ReplicatorModel(name, function=run_experiment)
        model.replications = [{"seed": seed} for seed in sequential_seeds(first_seed, replications)]
        constants = []
        reduce = np.mean
    model.levers = registry_parameters(ParamKind.LEVER, lever_names)
    model.uncertainties = registry_parameters(ParamKind.UNCERTAINTY, uncertainty_names)
    model.constants = [*constants, Constant("scale", float(scale)), Constant("days", int(days))]
    model.outcomes = [ScalarOutcome(outcome, kind=_kind(outcome), function=reduce) for outcome in outcome_names]
    return model


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _kind(outcome: str) -> int:
    better = OUTCOMES[outcome].better.value
    return {"higher": ScalarOutcome.MAXIMIZE, "lower": ScalarOutcome.MINIMIZE}.get(better, ScalarOutcome.INFO)
