"""Level I against the planted dependencies: for every test and every score source (the aggregated traits, each
model), how many truly dependent trait x feature pairs were found significant after Benjamini–Hochberg (power), and
how many significant pairs are truly independent (false-discovery proportion).

Input: analysis.independence_tests rows (model, trait, feature, test, status, significant), or run_level1's output
with `<model>:<trait>` trait names (`with_model_column` splits them as the asset does). Truth: planted.py.

Counting rules, per (model, test):
- a pair the test does not apply to (status `skipped`: chi-square or G-square with a continuous variable) is left
  out of that test's pairs and counted in `n_not_applicable`;
- a pair it applies to but could not test (`undefined` or `failed`: no p-value) stays in the denominators and is
  never found; `n_not_tested` counts them, split into dependent and independent;
- power = found dependent pairs / applicable dependent pairs (NaN when there are none); `power_direct` the same
  over pairs with a planted edge between them;
- FDP = significant independent pairs / significant pairs, 0 when nothing is significant (V / max(R, 1)).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from personax_platform.known_truth.metrics import long_metrics
from personax_platform.known_truth.planted import planted_pairs

SECTION = "level1"
OK, SKIPPED = "ok", "skipped"
LEVEL1_COLUMNS = ("model", "test", "n_pairs", "n_dependent", "n_direct", "n_independent", "n_not_applicable",
                  "n_not_tested", "n_not_tested_dependent", "found", "found_direct", "discoveries",
                  "false_discoveries", "power", "power_direct", "fdp", "reason")
LEVEL1_METRICS = ("power", "power_direct", "fdp")


def with_model_column(results: pd.DataFrame) -> pd.DataFrame:
    """run_level1's output with `<model>:<trait>` names split into `model` and `trait`, as the asset stores them."""
    if "model" in results.columns:
        return results
    source = results["trait"].str.split(":", n=1, expand=True)
    if source.shape[1] != 2 or source[1].isna().any():
        raise ValueError("trait names must read '<model>:<trait>' when the table has no `model` column")
    return results.assign(model=source[0], trait=source[1])


def judged_pairs(results: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Every result row with the planted truth of its pair (`dependent`, `direct`) and whether it was `found`."""
    results = with_model_column(results)
    truth = planted_pairs(kind, results["trait"].unique(), results["feature"].unique())
    judged = results.merge(truth, on=["trait", "feature"], how="left", validate="many_to_one")
    significant = judged["significant"].astype("boolean").fillna(False).astype(bool)
    return judged.assign(tested=judged["status"].eq(OK), found=judged["status"].eq(OK) & significant)


def level1_table(results: pd.DataFrame, kind: str) -> pd.DataFrame:
    """LEVEL1_COLUMNS, one row per model x test."""
    judged = judged_pairs(results, kind)
    rows = [_row(str(model), str(test), rows) for (model, test), rows in judged.groupby(["model", "test"], sort=True)]
    return pd.DataFrame(rows, columns=list(LEVEL1_COLUMNS))


def _row(model: str, test: str, rows: pd.DataFrame) -> dict:
    applicable = rows[rows["status"] != SKIPPED]
    dependent, direct = applicable[applicable["dependent"]], applicable[applicable["direct"]]
    independent = applicable[~applicable["dependent"]]
    found = applicable[applicable["found"]]
    false = found[~found["dependent"]]
    reasons = []
    if dependent.empty:
        reasons.append("power: no truly dependent pair among the pairs this test applies to")
    if direct.empty:
        reasons.append("power_direct: no directly planted pair among the pairs this test applies to")
    return {
        "model": model, "test": test, "n_pairs": len(applicable), "n_dependent": len(dependent),
        "n_direct": len(direct), "n_independent": len(independent), "n_not_applicable": len(rows) - len(applicable),
        "n_not_tested": int((~applicable["tested"]).sum()), "n_not_tested_dependent": int((~dependent["tested"]).sum()),
        "found": int(dependent["found"].sum()), "found_direct": int(direct["found"].sum()),
        "discoveries": len(found), "false_discoveries": len(false),
        "power": dependent["found"].mean() if len(dependent) else np.nan,
        "power_direct": direct["found"].mean() if len(direct) else np.nan,
        "fdp": len(false) / max(len(found), 1),
        "reason": "; ".join(reasons),
    }


def level1_metrics(table: pd.DataFrame) -> pd.DataFrame:
    """The table in the long metrics format, scope `<model>/<test>`."""
    return long_metrics(SECTION, table, ("model", "test"), LEVEL1_METRICS)
