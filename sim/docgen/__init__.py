"""Documents generated from the layers below: the ODD protocol's parameter tables (``odd``) and the
policy report (``policy_report``). Each says how it was made, so a document can be regenerated."""
