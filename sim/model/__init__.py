"""The simulation: the city network, residents and agents, arrivals and seasons, surfacing, the
escalation rules and dispatch, handling, pools and closing, trust and grid workers' time, and
``GridGovernanceModel`` (``sim.model.model``), which steps them day by day. It reads the config
layer only. ``GridGovernanceModel`` loads on first use (``sim.config.lazy``)."""

from sim.config.lazy import lazy_exports

_EXPORTS = {"GridGovernanceModel": "sim.model.model"}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
