"""Scenario files: TOML data, a base plus overrides, validated on load.

A scenario file holds three metadata keys and parameter values::

    purpose = "Staffing at 12 workers per 10,000"   # one line, shown by `run.py list`
    extends = "shishi_baseline.toml"                  # optional, relative to this file
    workers_per_10k = 12
    [service_days]
    town = 12.0

Tables are the dotted parts of parameter names (``service_days.town``). Anything wrong
raises ``ScenarioError`` naming the file and the field; nothing is run or written first.
"""

from __future__ import annotations

import errno
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sim.config.errors import ParamError, ScenarioError
from sim.config.params import PARAMS, Params, check_value
from sim.config.paths import BASELINE, SCENARIO_DIR, VALIDATION_DIR
from sim.config.tomlfile import parse_toml

META_KEYS = ("purpose", "extends", "name")


@dataclass(frozen=True)
class Scenario:
    name: str
    purpose: str
    params: Params
    path: Path | None = None
    chain: tuple[Path, ...] = ()  # the files read, base first
    overrides: dict[str, object] = field(default_factory=dict)

    def with_overrides(self, overrides: Mapping[str, object], source: str = "--set") -> Scenario:
        merged = {**self.params.changed(), **overrides}
        try:
            params = Params(merged, validation=self.params.validation)
        except ParamError as error:
            raise ScenarioError(source, error.field, error.message) from None
        return Scenario(self.name, self.purpose, params, self.path, self.chain, {**self.overrides, **overrides})


def load_scenario(path: str | Path | None = None, overrides: Mapping[str, object] | None = None) -> Scenario:
    """Read a scenario file (default: the Shishi baseline), follow ``extends``, apply
    ``overrides`` (from ``--set`` or code) and validate the whole."""
    path = Path(path) if path is not None else BASELINE
    values, purpose, chain = _read_chain(path, ())
    name = values.pop("name", None) or path.stem
    try:
        params = Params(values, validation=_is_validation(path))
    except ParamError as error:
        raise ScenarioError(str(path), error.field, error.message) from None
    scenario = Scenario(str(name), purpose, params, path.resolve(), chain)
    return scenario.with_overrides(overrides) if overrides else scenario


def _read_chain(path: Path, seen: tuple[Path, ...]) -> tuple[dict[str, object], str, tuple[Path, ...]]:
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        raise ScenarioError(str(path), None, "no such file") from None
    except (OSError, RuntimeError) as error:  # a loop of symbolic links (ELOOP; RuntimeError before 3.13)
        raise ScenarioError(str(path), None, f"cannot be read: {_os_reason(error)}") from None
    if resolved in seen:
        cycle = " → ".join(str(p) for p in (*seen, resolved))
        raise ScenarioError(str(path), "extends", f"scenario files extend each other in a cycle: {cycle}")
    document = read_toml(path)
    purpose = document.pop("purpose", "")
    if not isinstance(purpose, str):
        raise ScenarioError(str(path), "purpose", f"expected a one-line string, got {purpose!r}")
    name = document.pop("name", None)
    if name is not None and not isinstance(name, str):
        raise ScenarioError(str(path), "name", f"expected a string, got {name!r}")
    extends = document.pop("extends", None)
    own = flatten_params(document, str(path), validation=_is_validation(path))
    if extends is None:
        base, chain = {}, ()
    else:
        if not isinstance(extends, str):
            raise ScenarioError(str(path), "extends", f"expected a file name, got {extends!r}")
        base_path = path.parent / extends
        try:
            base_path.resolve(strict=True)
        except (OSError, RuntimeError) as error:
            if not isinstance(error, FileNotFoundError):
                raise ScenarioError(str(path), "extends", f"{base_path}: {_os_reason(error)}") from None
        if not base_path.is_file():
            raise ScenarioError(str(path), "extends", f"the base scenario {base_path} does not exist")
        base, _, chain = _read_chain(base_path, (*seen, resolved))
        base.pop("name", None)
    merged = {**base, **own}
    if name is not None:
        merged["name"] = name
    return merged, purpose, (*chain, resolved)


def read_toml(path: Path) -> dict[str, object]:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise ScenarioError(str(path), None, "no such file") from None
    except IsADirectoryError:
        raise ScenarioError(str(path), None, "is a folder, expected a TOML file") from None
    except OSError as error:
        raise ScenarioError(str(path), None, f"cannot be read: {_os_reason(error)}") from None
    return parse_toml(raw, str(path), ScenarioError)


def _os_reason(error: BaseException) -> str:
    if isinstance(error, RuntimeError) or getattr(error, "errno", None) == errno.ELOOP:
        return "a loop of symbolic links"
    return getattr(error, "strerror", None) or str(error)


def _is_validation(path: Path) -> bool:
    return path.resolve().parent == VALIDATION_DIR.resolve()


def flatten_params(document: Mapping[str, object], source: str, prefix: str = "", *,
                   validation: bool = False) -> dict[str, object]:
    """Turn nested TOML tables into dotted parameter names, checking each value."""
    flat: dict[str, object] = {}
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and name not in PARAMS:
            if not any(p.startswith(name + ".") for p in PARAMS):
                raise ScenarioError(source, name, _unknown(name))
            flat.update(flatten_params(value, source, name + ".", validation=validation))
            continue
        param = PARAMS.get(name)
        if param is None:
            if not prefix and key in META_KEYS:
                continue
            raise ScenarioError(source, name, _unknown(name))
        try:
            flat[name] = check_value(name, value, validation=validation)
        except ValueError as error:
            raise ScenarioError(source, name, str(error)) from None
    return flat


def _unknown(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, [*PARAMS, *META_KEYS], n=1)
    return "unknown key" + (f" (did you mean {close[0]}?)" if close else "")


def parse_assignment(text: str) -> tuple[str, object]:
    """Parse ``KEY=VALUE`` from the command line; VALUE is read as TOML (so 12, 0.5,
    true and "three_level" work), and a bare word is taken as a string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError("--set", text, "expected KEY=VALUE")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw
    if key not in PARAMS:
        raise ScenarioError("--set", key, _unknown(key))
    return key, value


def list_scenarios(folder: Path = SCENARIO_DIR) -> list[Scenario]:
    """Every policy scenario in the folder (not its subfolders), baseline first."""
    files = sorted(folder.glob("*.toml"), key=lambda p: (p != BASELINE, p.name))
    return [load_scenario(path) for path in files]
