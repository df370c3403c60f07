"""Keeping the Dagster instance healthy for the entry points that run in process (the demo, `dagster asset
materialize`, tests): runs whose process died are failed and release their pool slots, a run waiting for a pool
says who holds it, and waiting does not spin a core. The asset graph itself lives in `assets/`."""
