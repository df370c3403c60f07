"""The model's inputs: per-person measurements grouped by modality, checked and made ready for training.

Missing data: a person with a NaN anywhere in any block (no face found, one LLM's description missing) is dropped
from training and listed with the blocks that were missing, so the caller can report them; the model needs every
measurement of a person to tie them together. Anything else that is wrong raises a ValueError naming the block:
a wrong row count, a non-2-D array, infinite values (those are bugs upstream, not missing data), modalities that do
not match the config.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from personax_platform.crl.config import CRLConfig

STRUCTURED = "structured"


@dataclass(frozen=True)
class Measurements:
    """Inputs of one cohort, one row per person in every block.

    `modalities` maps a modality to its measurements in a fixed order, e.g.
    {"image": {"face": faces}, "text": {"chatgpt": t1, "gemini": t2, "llama": t3}}; each array is (persons, dim).
    `structured` is an optional (persons, features) block that informs the shared latents only.
    `ids` names the persons (default "0", "1", …).
    """
    modalities: Mapping[str, Mapping[str, ArrayLike]]
    structured: ArrayLike | None = None
    ids: Sequence[str] | None = None


@dataclass(frozen=True)
class PreparedInputs:
    """Validated float32 blocks keyed "modality/measurement" (and "structured"), complete rows only."""
    blocks: dict[str, np.ndarray]
    modality_blocks: dict[str, list[str]]  # modality -> its block keys, in measurement order
    ids: np.ndarray
    dropped: pd.DataFrame  # person_id, missing_blocks (comma-separated)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def dims(self) -> dict[str, int]:
        return {key: array.shape[1] for key, array in self.blocks.items()}


def prepare_inputs(measurements: Measurements, config: CRLConfig) -> PreparedInputs:
    """Check every block against the config and each other; drop (and list) persons with missing values."""
    expected = [name for name, _ in config.modalities]
    given = list(measurements.modalities)
    if sorted(given) != sorted(expected):
        raise ValueError(f"modalities {given} do not match the config's {expected}")
    raw: dict[str, np.ndarray] = {}
    modality_blocks: dict[str, list[str]] = {}
    for modality in expected:
        if not measurements.modalities[modality]:
            raise ValueError(f"modality {modality!r} has no measurements")
        modality_blocks[modality] = []
        for measurement, values in measurements.modalities[modality].items():
            key = f"{modality}/{measurement}"
            raw[key] = _as_matrix(key, values)
            modality_blocks[modality].append(key)
    if measurements.structured is not None:
        raw[STRUCTURED] = _as_matrix(STRUCTURED, measurements.structured)

    n = next(iter(raw.values())).shape[0]
    for key, array in raw.items():
        if array.shape[0] != n:
            first = next(iter(raw))
            raise ValueError(f"block {key!r} has {array.shape[0]} rows but block {first!r} has {n}")
    ids = np.asarray([str(i) for i in range(n)] if measurements.ids is None else [str(i) for i in measurements.ids])
    if len(ids) != n:
        raise ValueError(f"ids has {len(ids)} entries but the blocks have {n} rows")
    if len(set(ids)) != n:
        raise ValueError("ids must be unique")

    missing = {key: np.isnan(array).any(axis=1) for key, array in raw.items()}
    for key, array in raw.items():
        infinite = np.isinf(array).any(axis=1)
        if infinite.any():
            raise ValueError(f"block {key!r} has infinite values in rows {_some(ids[infinite])}")
    any_missing = np.logical_or.reduce(list(missing.values()))
    dropped = pd.DataFrame({
        "person_id": ids[any_missing],
        "missing_blocks": [",".join(key for key in raw if missing[key][row]) for row in np.flatnonzero(any_missing)],
    })
    keep = ~any_missing
    if keep.sum() < 3:
        raise ValueError(f"only {int(keep.sum())} persons have every block complete; training needs at least 3")
    return PreparedInputs({key: array[keep] for key, array in raw.items()}, modality_blocks, ids[keep], dropped)


def _as_matrix(key: str, values: ArrayLike) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise ValueError(f"block {key!r} is not numeric: {error}") from None
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(f"block {key!r} must be a 2-D (persons, features) array, got shape {array.shape}")
    return array


def _some(ids: np.ndarray, limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def standardisation(array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and standard deviation of the training rows (a constant feature keeps std 1: it is only
    centred, since dividing by ~0 would blow it up). Embeddings are z-scored, never divided by 255."""
    mean = array.mean(axis=0)
    std = array.std(axis=0)
    return mean, np.where(std > 1e-8, std, 1.0).astype(np.float32)
