"""The interface every sentence encoder offers, so that callers depend on a vector space, not on an implementation."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from personax_platform.progress import Report


@runtime_checkable
class TextEncoder(Protocol):
    """Turns texts into unit-length float32 vectors; `model_id` + `dimension` name the vector space, and vectors
    from different spaces must never be compared or stacked."""

    model_id: str
    dimension: int

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: Report | None = None) -> np.ndarray:
        """A (len(texts), dimension) float32 array of L2-normalised rows, in the order of `texts`; batch_size only
        trades memory for speed and never changes a vector beyond float rounding. `progress` gets lines on the texts
        embedded (personax_platform.progress)."""
        ...
