"""Post hoc reading of learned latents: each latent's strongest Spearman correlations with observed columns.

The paper named its latents this way ("mindset", "skin tone", ...). A correlation says what a latent co-varies with
in this cohort, not what it is: the suggested labels are marked post hoc. Categorical columns enter as one
indicator per category ("league=nba"). p-values are Benjamini–Hochberg adjusted over every latent × column pair.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from personax_platform.stats.fdr import benjamini_hochberg

MIN_PAIRS = 10
CORRELATION_COLUMNS = ("latent", "column", "n", "spearman_rho", "p_value", "p_adjusted", "rank")


def indicator_columns(frame: pd.DataFrame, categorical: list[str]) -> pd.DataFrame:
    """Numeric columns as they are; each categorical column as 0/1 indicators named `column=value`."""
    numeric = frame.drop(columns=categorical)
    dummies = [pd.get_dummies(frame[c], prefix=c, prefix_sep="=", dtype=float).where(frame[c].notna())
               for c in categorical]
    return pd.concat([numeric.apply(pd.to_numeric, errors="coerce"), *dummies], axis=1)


def strongest_correlations(latents: pd.DataFrame, observed: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """For each latent column, its `top` columns of `observed` by |rho| (same index = same person)."""
    records = []
    for latent in latents.columns:
        for column in observed.columns:
            pair = pd.concat([latents[latent], observed[column]], axis=1).dropna()
            if len(pair) < MIN_PAIRS or pair.iloc[:, 1].nunique() < 2 or pair.iloc[:, 0].nunique() < 2:
                continue
            rho, p = stats.spearmanr(pair.iloc[:, 0], pair.iloc[:, 1])
            records.append((latent, column, len(pair), float(rho), float(p)))
    table = pd.DataFrame.from_records(records, columns=list(CORRELATION_COLUMNS[:5]))
    table["p_adjusted"] = benjamini_hochberg(table["p_value"]) if len(table) else np.nan
    table["rank"] = table.groupby("latent")["spearman_rho"].transform(lambda r: r.abs().rank(ascending=False,
                                                                                          method="first"))
    return table[table["rank"] <= top].sort_values(["latent", "rank"]).reset_index(drop=True)


def suggested_labels(strongest: pd.DataFrame, alpha: float = 0.05) -> dict[str, str]:
    """'post hoc: +height_cm, -birth_year' from the significant correlations; latents with none say so."""
    labels = {}
    for latent, rows in strongest.groupby("latent", sort=False):
        significant = rows[rows["p_adjusted"] <= alpha]
        parts = [f"{'+' if r.spearman_rho > 0 else '-'}{r.column}" for r in significant.itertuples()]
        labels[latent] = f"post hoc: {', '.join(parts)}" if parts else "post hoc: no significant correlation"
    return labels
