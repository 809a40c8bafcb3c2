"""Documents generated from the layers below: the ODD protocol's parameter tables (``odd``), the
calibration report (``calibration_report``: docs/calibration.md), what the levers show
(``levers``: docs/levers.md), what each of Shishi's further systems buys (``mechanisms``:
docs/mechanisms.md) and the policy report with the end-to-end policy analysis that feeds it
(``policy_report``). Each document says how it was made, so it can be regenerated
(``python run.py calibrate``, ``python -m sim.docgen.levers``, …)."""
