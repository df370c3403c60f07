"""Fisher-z for nodes with several columns: the linear-Gaussian conditional independence test PC runs by default.

For two single-column nodes this is exactly causal-learn's Fisher-z (partial correlation r, z = atanh(r) with
sqrt(n - |Z| - 3) scaling). A categorical node enters as its k-1 one-hot indicators, so "occupation" is one node
rather than an arbitrary integer code; two blocks are then compared with Bartlett's chi-square on their partial
canonical correlations, -(n - 1 - |Z| - (p + q + 1) / 2) log(Wilks' lambda) with p·q degrees of freedom, which is
the likelihood-ratio form of the same linear test. |Z| counts conditioning columns, not nodes.
"""
from __future__ import annotations

import numpy as np
from causallearn.utils.cit import NO_SPECIFIED_PARAMETERS_MSG, CIT_Base, register_ci_test
from scipy import special

NAME = "personax_linear_blocks"


class LinearBlockTest(CIT_Base):
    """A causal-learn CI test over `blocks` (one 2-D array of columns per node, same rows as `data`)."""

    def __init__(self, data: np.ndarray, blocks: tuple[np.ndarray, ...] = (), **kwargs):
        super().__init__(data, **kwargs)
        self.check_cache_method_consistent(NAME, NO_SPECIFIED_PARAMETERS_MSG)
        if len(blocks) != data.shape[1]:
            raise ValueError(f"{len(blocks)} column blocks for {data.shape[1]} nodes")
        widths = [block.shape[1] for block in blocks]
        starts = np.concatenate([[0], np.cumsum(widths)])
        self.columns = [np.arange(starts[i], starts[i + 1]) for i in range(len(blocks))]
        self.correlation = np.corrcoef(np.hstack(blocks), rowvar=False)

    def __call__(self, X, Y, condition_set=None) -> float:
        xs, ys, condition, cache_key = self.get_formatted_XYZ_and_cachekey(X, Y, condition_set)
        if cache_key not in self.pvalue_cache:
            self.pvalue_cache[cache_key] = self._p_value(xs[0], ys[0], condition)
        return self.pvalue_cache[cache_key]

    def _p_value(self, x: int, y: int, condition: list[int]) -> float:
        a, b = self.columns[x], self.columns[y]
        z = np.concatenate([self.columns[c] for c in condition]) if condition else np.array([], dtype=int)
        ab = np.concatenate([a, b])
        partial = self.correlation[ab[:, None], ab]
        if len(z):
            cross = self.correlation[ab[:, None], z]
            try:
                partial = partial - cross @ np.linalg.solve(self.correlation[z[:, None], z], cross.T)
            except np.linalg.LinAlgError as exc:
                raise ValueError(f"conditioning set {condition} is collinear (singular correlation matrix)") from exc
        dof = self.sample_size - len(z)
        p, q = len(a), len(b)
        residual = np.diag(partial)
        if residual.min() <= 1e-12 * max(residual.max(), 1.0):
            # A node the conditioning set determines exactly has nothing left to depend on: independent given it.
            return 1.0
        if p == q == 1:
            r = partial[0, 1] / np.sqrt(abs(partial[0, 0] * partial[1, 1]))
            r = float(np.clip(r, -1 + np.finfo(float).eps, 1 - np.finfo(float).eps))
            statistic = np.sqrt(dof - 3) * abs(np.arctanh(r))
            return float(2 * special.ndtr(-statistic))  # the normal tail; scipy.stats' wrapper costs 10x more
        log_wilks = (np.linalg.slogdet(partial)[1] - np.linalg.slogdet(partial[:p, :p])[1]
                     - np.linalg.slogdet(partial[p:, p:])[1])
        statistic = -(dof - 1 - (p + q + 1) / 2) * min(log_wilks, 0.0)
        return float(special.chdtrc(p * q, statistic))  # chi-square upper tail


register_ci_test(NAME, LinearBlockTest)
