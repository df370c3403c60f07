"""Level II against the planted traits, on the held-out people only (crl/metrics.py explains why never in-sample).

Input: analysis.crl_latents rows (person_id, split `train`/`validation`/`heldout`, block, latent, value) and the
truth (person_id and the five latent traits). Two numbers:
- MCC between the text-block latents and the five latent traits (crl/metrics.py `matched_correlations`, Pearson,
  Hungarian matching): does each text latent line up with one trait (component-wise identification)?
- R² of a linear regression from all learned latents (text and shared blocks; image too where it exists) to each
  trait, fitted on every person not held out (the model's training and validation people: neither is the test set
  here, and the validation people only chose the model's epoch) and scored on the held-out ones: do the latents carry
  the traits at all (block-wise identification), whatever their rotation?
With the text modality alone, which latents the model calls shared and which text is arbitrary, so part of the
trait information may sit in the shared block: R² sees it, MCC (as specified: text block only) does not.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from personax_platform.crl import HELDOUT, matched_correlations
from personax_platform.crl.metrics import correlation_matrix
from personax_platform.known_truth.metrics import long_metrics
from personax_platform.traits.constants import TRAITS

SECTION = "level2"
TEXT = "text"
MEAN = "mean"
CAVEAT = ("Generated people have no photos, so only the text modality (and the shared block) is learned: the text "
          "latents can carry at most what the simulated raters' descriptions say, and the image modality is not "
          "tested here.")
MATCH_COLUMNS = ("trait", "latent", "abs_correlation")
MIN_HELDOUT = 10  # fewer held-out people give correlations and R² too noisy to mean anything


@dataclass(frozen=True)
class Level2Comparison:
    """`matches`: each trait's matched text latent (held out); `r2`: held-out R² per trait and their mean;
    `values`: mcc, mean_r2, n_train (the people the regressions are fitted on), n_heldout, n_text_latents,
    n_latents."""

    matches: pd.DataFrame
    r2: pd.DataFrame
    values: dict[str, float]
    reason: str
    caveat: str = CAVEAT

    def metrics(self) -> pd.DataFrame:
        mcc = pd.DataFrame([{"scope": f"{TEXT}/{HELDOUT}", "mcc": self.values["mcc"], "reason": self.reason}])
        r2 = self.r2.assign(scope="latents", reason=self.reason)
        return pd.concat([long_metrics(SECTION, mcc, ("scope",), ("mcc",)),
                          long_metrics(SECTION, r2, ("scope", "trait"), ("r2",))], ignore_index=True)


def level2_comparison(latents: pd.DataFrame, truth: pd.DataFrame) -> Level2Comparison:
    """Held-out MCC of the text latents and held-out linear R² of all latents, against the five latent traits."""
    wide = latents.pivot_table(index=["person_id", "split"], columns="latent", values="value", aggfunc="first")
    wide = wide.reset_index().merge(truth[["person_id", *TRAITS]], on="person_id", how="inner")
    block_of = latents.drop_duplicates("latent").set_index("latent")["block"]
    names = [name for name in wide.columns if name in block_of.index]
    text = [name for name in names if block_of[name] == TEXT]
    fitted, heldout = wide[wide["split"] != HELDOUT], wide[wide["split"] == HELDOUT]
    values = {"mcc": np.nan, "mean_r2": np.nan, "n_train": float(len(fitted)), "n_heldout": float(len(heldout)),
              "n_text_latents": float(len(text)), "n_latents": float(len(names))}
    r2 = pd.DataFrame({"trait": [*TRAITS, MEAN], "r2": np.nan})
    matches = pd.DataFrame(columns=list(MATCH_COLUMNS))
    reasons = []
    if len(heldout) < MIN_HELDOUT:
        reasons.append(f"{len(heldout)} held-out people with latents and truth, at least {MIN_HELDOUT} needed")
        return Level2Comparison(matches, r2, values, "; ".join(reasons))
    true = heldout[list(TRAITS)].to_numpy(float)
    if text:
        learned = heldout[text].to_numpy(float)
        matched = matched_correlations(true, learned)
        matches = pd.DataFrame({"trait": TRAITS, "latent": _matched_names(true, learned, text),
                                "abs_correlation": matched})
        values["mcc"] = float(matched.mean())
    else:
        reasons.append("mcc: no text-block latent")
    if len(fitted) > len(names) + 1:
        per_trait = _heldout_r2(fitted[names].to_numpy(float), fitted[list(TRAITS)].to_numpy(float),
                                heldout[names].to_numpy(float), true)
        values["mean_r2"] = float(per_trait.mean())
        r2 = pd.DataFrame({"trait": [*TRAITS, MEAN], "r2": [*per_trait, per_trait.mean()]})
    else:
        reasons.append(f"r2: {len(fitted)} people not held out for {len(names)} latents and an intercept")
    return Level2Comparison(matches, r2, values, "; ".join(reasons))


def _matched_names(true: np.ndarray, learned: np.ndarray, names: list[str]) -> list[str]:
    """The latent the Hungarian matching of crl/metrics.py gives each trait ("" when there are fewer latents)."""
    rows, cols = linear_sum_assignment(-correlation_matrix(true, learned))
    chosen = dict(zip(rows, cols))
    return [names[chosen[i]] if i in chosen else "" for i in range(true.shape[1])]


def _heldout_r2(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray) -> np.ndarray:
    """R² per column of y on the test rows of an ordinary least-squares fit (with intercept) on the training rows."""
    design = np.column_stack([np.ones(len(x_train)), x_train])
    coef, *_ = np.linalg.lstsq(design, y_train, rcond=None)
    prediction = np.column_stack([np.ones(len(x_test)), x_test]) @ coef
    residual = ((y_test - prediction) ** 2).sum(axis=0)
    total = ((y_test - y_test.mean(axis=0)) ** 2).sum(axis=0)
    return 1.0 - residual / total
