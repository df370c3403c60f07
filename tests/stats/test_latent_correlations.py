"""Post hoc latent reading: the planted correlate ranks first, categories become indicators, labels say post hoc."""
import numpy as np
import pandas as pd

from personax_platform.stats.latent_correlations import indicator_columns, strongest_correlations, suggested_labels


def test_each_latent_is_read_by_its_planted_correlate_and_unrelated_latents_get_no_label():
    rng = np.random.default_rng(1)
    n = 300
    observed = pd.DataFrame({"height_cm": rng.normal(180, 8, n), "birth_year": rng.integers(1960, 2000, n),
                             "league": rng.choice(["nba", "nhl", "pga"], n)})
    latents = pd.DataFrame({"img1": observed["height_cm"] / 8 + rng.normal(size=n),
                            "txt1": (observed["league"] == "nba") * 2.0 + rng.normal(size=n),
                            "s1": rng.normal(size=n)})
    table = strongest_correlations(latents, indicator_columns(observed, ["league"]), top=2)
    first = table[table["rank"] == 1].set_index("latent")["column"]
    assert first["img1"] == "height_cm" and first["txt1"] == "league=nba"
    assert (table.groupby("latent").size() <= 2).all() and table["p_adjusted"].ge(table["p_value"]).all()
    labels = suggested_labels(table)
    assert labels["img1"].startswith("post hoc: +height_cm") and labels["txt1"].startswith("post hoc: +league=nba")
    assert labels["s1"] == "post hoc: no significant correlation"


def test_missing_values_are_dropped_per_pair_and_short_or_constant_pairs_skipped():
    latents = pd.DataFrame({"z": np.arange(30.0)})
    observed = pd.DataFrame({"few": [1.0] * 5 + [np.nan] * 25, "constant": 3.0, "ok": np.arange(30.0) % 7})
    table = strongest_correlations(latents, observed, top=5)
    assert list(table["column"]) == ["ok"] and table["n"].tolist() == [30]
