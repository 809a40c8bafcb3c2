"""The command line: ``python run.py [COMMAND] [options]``, or ``shishi [COMMAND] [options]`` once the
package is installed (``sim.cli.main``), with the sweep
(``sim.cli.sweep``) and policy-analysis (``sim.cli.analyses``) commands. Each handler checks its
input, then calls a typed library function of the layers below (``sim.batch``, ``sim.analyses``, ``sim.docgen``)."""

from sim.config.lazy import lazy_exports

_EXPORTS = {"main": "sim.cli.main"}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
