"""How well learned latents recover the true ones, and how close the learned latent graph is to the true one.

Every score is meant for the held-out split: `mcc` on held-out latents; `r2` fits its regression on the training
split and scores the held-out split (the official code computed R² in-sample).

- MCC: absolute correlation (Pearson or Spearman) between every true and every learned latent, matched one-to-one
  by the Hungarian algorithm (scipy's linear_sum_assignment, maximising total |correlation|); the mean over the
  matched pairs. Component-wise identifiability up to permutation and (for Spearman, monotone) rescaling.
- R²: kernel ridge regression (RBF) from the learned latents to each true latent, averaged per block; block-wise
  identifiability (the true block is a function of the learned latents). Its ridge and kernel width are chosen on
  the training split (the same grid for every method): a fixed width understated every method by 0.01–0.03.
- SHD, precision and recall (edge_scores): the learned adjacency, first put in the true latents' order and scale
  (aligned_adjacency: matched within blocks, weights of standardised latents), thresholded at |weight| > threshold
  (default 0.1 — weights between unit-variance latents below 0.1 explain under 1% of a child's variance) against
  the true edge set; a missing edge, an extra edge and a reversed edge count one each for SHD.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.stats import rankdata
from sklearn.kernel_ridge import KernelRidge
from threadpoolctl import threadpool_limits

EDGE_THRESHOLD = 0.1
R2_ALPHAS = (1e-3, 1e-2, 1e-1)
R2_GAMMA_SCALES = (0.1, 0.25, 0.5, 1.0)  # RBF gamma = scale / number of learned latents (inputs standardised)


def correlation_matrix(true: np.ndarray, learned: np.ndarray, method: str = "pearson") -> np.ndarray:
    """|corr| between every true latent (rows) and every learned latent (columns); constant columns count as 0."""
    if method not in ("pearson", "spearman"):
        raise ValueError(f"method must be 'pearson' or 'spearman', got {method!r}")
    if method == "spearman":
        true, learned = (np.apply_along_axis(rankdata, 0, a) for a in (true, learned))
    a = _standardise(np.asarray(true, dtype=float))
    b = _standardise(np.asarray(learned, dtype=float))
    return np.abs(a.T @ b) / a.shape[0]


def matched_correlations(true: np.ndarray, learned: np.ndarray, method: str = "pearson") -> np.ndarray:
    """For every true latent, |corr| with the learned latent the Hungarian matching assigns to it (0 if the
    learned latents are fewer and it got none)."""
    corr = correlation_matrix(true, learned, method)
    rows, cols = linear_sum_assignment(-corr)
    matched = np.zeros(corr.shape[0])
    matched[rows] = corr[rows, cols]
    return matched


def mcc(true: np.ndarray, learned: np.ndarray, method: str = "pearson") -> float:
    """Mean matched |correlation| over the true latents."""
    return float(matched_correlations(true, learned, method).mean())


def r2_per_latent(learned_train: np.ndarray, true_train: np.ndarray, learned_test: np.ndarray,
                  true_test: np.ndarray, max_fit: int = 3000) -> np.ndarray:
    """Held-out R² of every true latent from all learned latents by RBF kernel ridge regression.

    Inputs are standardised with training statistics. The ridge alpha and the kernel width are chosen on the
    training rows only (every 4th of at most 1,000 of them held back for validation), then the regression is refitted
    on at most max_fit evenly spaced training rows (kernel ridge is O(n^3)) and scored on the test rows.
    """
    with threadpool_limits(1):  # small solves: competing BLAS threads made them 10x slower on a busy 2-core box
        return _kernel_ridge_r2(learned_train, true_train, learned_test, true_test, max_fit)


def _kernel_ridge_r2(learned_train: np.ndarray, true_train: np.ndarray, learned_test: np.ndarray,
                     true_test: np.ndarray, max_fit: int) -> np.ndarray:
    mean, std = learned_train.mean(axis=0), learned_train.std(axis=0)
    x_train = (learned_train - mean) / np.where(std > 0, std, 1.0)
    x_test = (learned_test - mean) / np.where(std > 0, std, 1.0)
    alpha, gamma = _select_kernel_ridge(*_evenly(x_train, true_train, 1000))
    fit_x, fit_y = _evenly(x_train, true_train, max_fit)
    prediction = KernelRidge(kernel="rbf", alpha=alpha, gamma=gamma).fit(fit_x, fit_y).predict(x_test)
    return _r2(true_test, prediction)


def _select_kernel_ridge(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    validation = np.arange(len(x)) % 4 == 3
    best, best_score = (R2_ALPHAS[0], R2_GAMMA_SCALES[0] / x.shape[1]), -np.inf
    for alpha in R2_ALPHAS:
        for scale in R2_GAMMA_SCALES:
            gamma = scale / x.shape[1]
            model = KernelRidge(kernel="rbf", alpha=alpha, gamma=gamma).fit(x[~validation], y[~validation])
            score = _r2(y[validation], model.predict(x[validation])).mean()
            if score > best_score:
                best, best_score = (alpha, gamma), score
    return best


def _evenly(x: np.ndarray, y: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    if len(x) <= limit:
        return x, y
    rows = np.linspace(0, len(x) - 1, limit).astype(int)
    return x[rows], y[rows]


def _r2(true: np.ndarray, prediction: np.ndarray) -> np.ndarray:
    residual = ((true - prediction) ** 2).sum(axis=0)
    total = ((true - true.mean(axis=0)) ** 2).sum(axis=0)
    return 1.0 - residual / total


def block_scores(per_latent: np.ndarray, blocks: Sequence[str]) -> dict[str, float]:
    """Mean of a per-latent score within each block, plus "all" over every latent."""
    blocks = np.asarray(blocks)
    scores = {name: float(per_latent[blocks == name].mean()) for name in dict.fromkeys(blocks)}
    scores["all"] = float(per_latent.mean())
    return scores


def edge_set(adjacency: np.ndarray, threshold: float = EDGE_THRESHOLD) -> np.ndarray:
    """Boolean graph of a weighted adjacency (A[i, j] = edge j → i)."""
    return np.abs(adjacency) > threshold


def shd(learned: np.ndarray, true: np.ndarray) -> int:
    """Structural Hamming distance between two directed graphs given as boolean matrices over the same latents."""
    learned, true = learned.astype(bool), true.astype(bool)
    if learned.shape != true.shape:
        raise ValueError(f"graphs differ in size: {learned.shape} vs {true.shape}")
    pairs = np.triu(np.ones(learned.shape, dtype=bool), k=1)
    # per unordered pair: the edge's state is none, i→j or j→i (both directions would be a 2-cycle: its own state)
    state_learned = learned.astype(int) + 2 * learned.T.astype(int)
    state_true = true.astype(int) + 2 * true.T.astype(int)
    return int(((state_learned != state_true) & pairs).sum())


def aligned_adjacency(adjacency: np.ndarray, learned: np.ndarray, true: np.ndarray,
                      block_of: list[str]) -> np.ndarray:
    """The learned adjacency (A[i, j]: edge j → i) in the true latents' order and scale, so that it can be compared
    with the true graph: within each block the learned latents are matched to the true ones by the Hungarian
    matching of |corr| (a learned latent of block b can only stand for a true latent of block b; the latents of a
    block are identified up to permutation and scale), and every weight is rescaled to standardised latents
    (A[i, j] · sd(z_j) / sd(z_i)) so that one threshold means the same for every method."""
    block_of = np.asarray(block_of)
    order = np.empty(len(block_of), dtype=int)  # order[true latent] = the learned latent matched to it
    for block in dict.fromkeys(block_of):
        members = np.flatnonzero(block_of == block)
        rows, cols = linear_sum_assignment(-correlation_matrix(true[:, members], learned[:, members]))
        order[members[rows]] = members[cols]
    sd = learned.std(axis=0)
    scaled = adjacency * sd[None, :] / np.where(sd > 0, sd, np.inf)[:, None]
    return scaled[np.ix_(order, order)]


def edge_scores(learned: np.ndarray, true: np.ndarray, threshold: float = EDGE_THRESHOLD) -> dict[str, float]:
    """SHD, precision and recall of the thresholded learned graph against the true one (weighted adjacencies,
    A[i, j] = edge j → i); a learned edge counts as correct only in the true direction. Precision is NaN when
    nothing was learned."""
    learned_edges, true_edges = edge_set(learned, threshold), np.asarray(true) != 0
    hits = (learned_edges & true_edges).sum()
    return {"shd": float(shd(learned_edges, true_edges)),
            "edge_precision": float(hits / learned_edges.sum()) if learned_edges.any() else float("nan"),
            "edge_recall": float(hits / true_edges.sum()) if true_edges.any() else float("nan")}


def _standardise(a: np.ndarray) -> np.ndarray:
    std = a.std(axis=0)
    return (a - a.mean(axis=0)) / np.where(std > 0, std, np.inf)
