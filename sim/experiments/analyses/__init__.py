"""Policy analysis on top of the model and the sweep engine.

- ``staffing``: the smallest staffing that meets a service standard with 95 % confidence,
  per escalation rule, with replications added adaptively (``sim.experiments.analyses.staffing``).
- ``sensitivity``: Morris screening of the uncertainties, then Sobol indices of the most
  influential few, through SALib on ``sim.experiments.sweep`` designs (``sim.experiments.analyses.sensitivity``).
- ``discovery``: PRIM boxes describing the futures in which a staffing norm misses the
  standard (``sim.experiments.analyses.prim``, ``sim.experiments.analyses.discovery``).
- ``report``: one Markdown report with figures, tables and provenance (``sim.experiments.analyses.report``).

See docs/policy.md. (Nothing is imported here, so that the command line can register these
subcommands without importing NumPy; import from the modules.)
"""
