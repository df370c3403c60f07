"""A seeded, stratified sample of people for the study: every stratum is represented in proportion to its size."""
from __future__ import annotations

import numpy as np
import pandas as pd


def stratified_sample(people: pd.DataFrame, size: int, stratum: str, seed: int) -> pd.DataFrame:
    """`size` people (all of them when fewer), allocated to the strata of column `stratum` by largest remainder.

    Strata are visited in sorted order and people drawn with a generator seeded by `seed`, so the same inputs always
    give the same sample; a missing stratum value is a stratum of its own. The result is sorted by person_id.
    """
    if size < 1:
        raise ValueError(f"sample size must be at least 1, got {size}")
    if stratum not in people.columns:
        raise ValueError(f"cannot stratify by {stratum!r}: not a column of the bios ({sorted(people.columns)})")
    if len(people) <= size:
        return people.sort_values("person_id").reset_index(drop=True)
    keys = people[stratum].astype("string").fillna("<missing>")
    groups = {key: people[keys == key].sort_values("person_id") for key in sorted(keys.unique())}
    quotas = _largest_remainder({k: len(g) for k, g in groups.items()}, size)
    rng = np.random.default_rng(seed)
    chosen = [g.iloc[np.sort(rng.choice(len(g), size=quotas[k], replace=False))] for k, g in groups.items()
              if quotas[k]]
    return pd.concat(chosen).sort_values("person_id").reset_index(drop=True)


def _largest_remainder(sizes: dict[str, int], total: int) -> dict[str, int]:
    population = sum(sizes.values())
    exact = {k: total * n / population for k, n in sizes.items()}
    quotas = {k: int(v) for k, v in exact.items()}
    by_remainder = sorted(sizes, key=lambda k: (-(exact[k] - quotas[k]), k))
    for k in by_remainder[:total - sum(quotas.values())]:
        quotas[k] += 1
    return quotas
