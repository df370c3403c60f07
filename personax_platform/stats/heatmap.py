"""The Level I heatmap: traits × features for one test, coloured by -log10(p), annotated with p (PNG)."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # files only

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def pvalue_heatmap_png(results: pd.DataFrame, test: str, title: str) -> bytes:
    """Rows: traits, columns: features; cells with an undefined or skipped test stay blank."""
    grid = results[results["test"] == test].pivot(index="trait", columns="feature", values="p_value")
    fig, ax = plt.subplots(figsize=(0.45 * max(len(grid.columns), 4) + 2, 0.45 * max(len(grid), 3) + 1.5))
    strength = -np.log10(grid.clip(lower=1e-12).to_numpy(dtype=float))
    image = ax.imshow(strength, cmap="Reds", vmin=0, vmax=6, aspect="auto")
    for (i, j), p in np.ndenumerate(grid.to_numpy(dtype=float)):
        if not np.isnan(p):
            ax.text(j, i, f"{p:.2g}", ha="center", va="center", fontsize=6)
    ax.set_xticks(range(len(grid.columns)), grid.columns, rotation=70, fontsize=7)
    ax.set_yticks(range(len(grid.index)), grid.index, fontsize=7)
    fig.colorbar(image, ax=ax, label="-log10 p")
    ax.set_title(title, fontsize=9)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=70, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
