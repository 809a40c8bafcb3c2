"""The command line: ``python run.py [COMMAND] [options]``, or ``shishi [COMMAND] [options]`` once the
package is installed. ``main`` builds the parser and runs a command; ``commands`` holds what run,
compare, calibrate, validate, viz, list, odd and params do, ``sweep`` and ``analyses`` the sweep and
policy-analysis subcommands, ``tables`` what they print and ``options`` the shared option types.
Each handler checks its input, then calls a typed library function of the layers below
(``sim.batch``, ``sim.analyses``, ``sim.docgen``)."""

from sim.config.lazy import lazy_exports

_EXPORTS = {"main": "sim.cli.main"}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
