"""Great Expectations suites for PersonaX assets (``suites/<asset key joined by '.'>.json``) and the glue that runs
them: ``gx_validation`` validates a pandas DataFrame against a suite (no Dagster), ``asset_checks`` turns the outcome
into a Dagster asset check result. Great Expectations itself is imported lazily, on the first validation."""
