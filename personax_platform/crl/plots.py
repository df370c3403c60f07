"""Loss curves of a training run as a PNG: one panel per loss term, training and held-out split."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and workers

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from personax_platform.crl.model import LOSS_TERMS  # noqa: E402

_DPI = 80  # small PNGs: they travel inside the event log as metadata


def loss_curves_png(history: pd.DataFrame, title: str = "CRL training") -> bytes:
    """PNG bytes of every loss term per epoch, one line per split (CRLResult.history)."""
    fig, axes = plt.subplots(1, len(LOSS_TERMS), figsize=(2.6 * len(LOSS_TERMS), 2.8), squeeze=False)
    for ax, term in zip(axes[0], LOSS_TERMS):
        for split, rows in history.groupby("split", sort=False):
            ax.plot(rows["epoch"], rows[term], label=split, linewidth=1)
        ax.set_title(term, fontsize=9)
        ax.set_xlabel("epoch", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI)
    plt.close(fig)
    return buffer.getvalue()
