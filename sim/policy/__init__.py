"""Policy analysis on top of the model and the sweep engine.

- ``staffing``: the smallest staffing that meets a service standard with 95 % confidence,
  per escalation rule, with replications added adaptively (``sim.policy.staffing``).
- ``sensitivity``: Morris screening of the uncertainties, then Sobol indices of the most
  influential few, through SALib on ``sim.sweep`` designs (``sim.policy.sensitivity``).
- ``discovery``: PRIM boxes describing the futures in which a staffing norm misses the
  standard (``sim.policy.prim``, ``sim.policy.discovery``).
- ``report``: one Markdown report with figures, tables and provenance (``sim.policy.report``).

See docs/policy.md. (Nothing is imported here, so that the command line can register these
subcommands without importing NumPy; import from the modules.)
"""
