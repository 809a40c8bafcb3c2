"""Many runs: the experiment engine (``engine``: run specifications in, flat outcome rows out, on
local processes or Dask; ``store``: Parquet, resumable), and its callers: ``compare``,
``calibration``, ``validation``, sweeps (``sweep``) and the policy analyses (``analyses``)."""
