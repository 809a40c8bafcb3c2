"""Documents generated from the layers below: the ODD protocol's parameter tables (``odd``), what
the levers show (``levers``: docs/levers.md), what each of Shishi's further systems buys
(``mechanisms``: docs/mechanisms.md) and the policy report (``policy_report``). Each says how it
was made, so a document can be regenerated (``python -m sim.docgen.levers``, …)."""
