"""What many runs show: scenarios compared on common random numbers (``compare``), the baseline
against Shishi's figures (``calibration``), the model against queueing theory (``validation``,
``queueing``), a sweep's summaries and sensitivity indices (``sweep_report``), and the policy
analyses — the staffing search (``staffing``, ``standard``), sensitivity (``sensitivity``) and
scenario discovery (``discovery``, ``prim``) with their pipeline (``pipeline``) — plus confidence
intervals (``stats``), per-run extra measures (``measures``) and the EMA workbench client
(``ema``). Reads the batch layer and below.

See docs/policy.md. (Nothing is imported here, so that the command line can register these
subcommands without importing NumPy; import from the modules.)
"""
