"""One run and its results: ``api`` (``run``, ``build_model``, ``RunResult``), ``summary`` (a run's
outcome measures), ``records`` (its tables), ``output`` and ``folders`` (its results folder, written
safely), ``figures`` and ``figure_process`` (summary.png), ``provenance``. Reads the model and
config layers only."""
