"""TOML input (scenario and experiment files) parsed safely: malformed, non-UTF-8 or too deeply
nested text raises the caller's error naming the file, never a traceback.

``MAX_TOML_DEPTH`` bounds the nesting of tables and arrays: tomllib recurses, so very deep
nesting would otherwise end in a RecursionError (or take the interpreter's stack with it).
"""

from __future__ import annotations

import tomllib

from sim.config.errors import ScenarioError

MAX_TOML_DEPTH = 32


def toml_depth(document) -> int:
    """How deeply tables and arrays nest in a parsed TOML document, below the document itself
    (counted iteratively: no recursion)."""
    deepest, stack = 0, [(document, -1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def parse_toml(raw: bytes, source: str, error_class: type[ScenarioError] = ScenarioError) -> dict[str, object]:
    """Parse TOML bytes; malformed, non-UTF-8 or too deeply nested input raises ``error_class``
    naming ``source``."""
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise error_class(source, None, "not valid UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise error_class(source, None, f"not valid TOML ({error})") from None
    except RecursionError:
        raise error_class(source, None, f"tables or arrays nested too deeply (at most {MAX_TOML_DEPTH} "
                                        "levels)") from None
    depth = toml_depth(document)
    if depth > MAX_TOML_DEPTH:
        raise error_class(source, None, f"tables or arrays nested {depth} levels deep (at most {MAX_TOML_DEPTH})")
    return document
