"""The paper's views of the study as PNG images: box plots of per-trait mean SD and radar plots per trait."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and workers

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from personax_platform.consistency.design import VARIANTS  # noqa: E402
from personax_platform.traits.constants import TRAITS  # noqa: E402

_DPI = 80  # small PNGs: they travel inside the event log as metadata


def sd_boxplot_png(stable: pd.DataFrame, title: str) -> bytes:
    """Per model, one box per variant over the five traits' mean SDs (lower = more stable)."""
    models = sorted(stable["model"].unique())
    variants = [v for v in VARIANTS if v in set(stable["variant"])]
    fig, axes = plt.subplots(1, len(models), figsize=(3.2 * len(models) + 1, 3.4), squeeze=False, sharey=True)
    for ax, model in zip(axes[0], models):
        mine = stable[stable["model"] == model]
        data = [mine.loc[mine["variant"] == v, "mean_sd"].dropna().to_numpy() for v in variants]
        ax.boxplot(data, tick_labels=variants, showmeans=True)
        ax.set_title(model, fontsize=9)
        ax.tick_params(axis="x", labelrotation=60, labelsize=7)
    axes[0][0].set_ylabel("mean SD across repeats (1–3 scale)", fontsize=8)
    fig.suptitle(title, fontsize=10)
    return _png(fig)


def radar_png(stable: pd.DataFrame, title: str) -> bytes:
    """Per model, a radar over the five traits with one line per variant (mean SD; centre = perfectly stable)."""
    models = sorted(stable["model"].unique())
    angles = np.linspace(0, 2 * np.pi, len(TRAITS), endpoint=False)
    fig, axes = plt.subplots(1, len(models), figsize=(3.6 * len(models) + 1, 3.8), squeeze=False,
                             subplot_kw={"projection": "polar"})
    for ax, model in zip(axes[0], models):
        mine = stable[stable["model"] == model].set_index(["variant", "trait"])["mean_sd"]
        for variant in [v for v in VARIANTS if v in mine.index.get_level_values("variant")]:
            values = np.array([mine.get((variant, t), np.nan) for t in TRAITS], dtype=float)
            ax.plot(np.append(angles, angles[0]), np.append(values, values[0]), label=variant, linewidth=1)
        ax.set_xticks(angles, [t[:5] for t in TRAITS], fontsize=7)
        ax.set_title(model, fontsize=9)
    axes[0][-1].legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.05, 1.0))
    fig.suptitle(title, fontsize=10)
    return _png(fig)


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
