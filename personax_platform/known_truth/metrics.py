"""The long metrics format every known-truth section reports in, so that one function can hold them to their bounds.

One row per (section, metric, scope): `value` is a float, NaN when it could not be computed, and then `reason` says
why (a NaN fails its bound: bounds.py). Scopes read `<who>/<what>`, e.g. `aggregated/openness`, `aggregated/kci`.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

METRIC_COLUMNS = ("section", "metric", "scope", "value", "reason")
AGGREGATED = "aggregated"  # the `model` of the aggregated traits, as analysis.independence_tests names it


def long_metrics(section: str, wide: pd.DataFrame, scope: Sequence[str], values: Sequence[str]) -> pd.DataFrame:
    """Melt a wide section table (one row per scope, one column per metric, a `reason` column) into METRIC_COLUMNS.

    A row's reason is kept only on the metrics that are NaN: it explains a missing value, not a computed one.
    """
    rows = []
    for record in wide.to_dict("records"):
        where = "/".join(str(record[column]) for column in scope)
        for metric in values:
            value = float(record[metric])
            reason = (record.get("reason") or "no reason recorded") if np.isnan(value) else ""
            rows.append((section, metric, where, value, reason))
    return pd.DataFrame(rows, columns=list(METRIC_COLUMNS)).astype({"value": float})
