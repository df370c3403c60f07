"""Columns GX validates but cannot compute: derived from a stored table right before its suite runs."""
from __future__ import annotations

import numpy as np
import pandas as pd


def with_embedding_quality(stored: pd.DataFrame) -> pd.DataFrame:
    """Adds embedding_length, embedding_norm and embedding_finite (null where a row has no embedding)."""
    vectors = [None if v is None or (isinstance(v, float) and np.isnan(v)) else np.asarray(v, dtype=np.float64)
               for v in stored["embedding"]]
    return stored.drop(columns="embedding").assign(
        embedding_length=pd.array([None if v is None else len(v) for v in vectors], dtype="Int64"),
        embedding_norm=pd.array([None if v is None else float(np.linalg.norm(v)) for v in vectors],
                                dtype="Float64"),
        embedding_finite=pd.array([None if v is None else bool(np.isfinite(v).all()) for v in vectors],
                                  dtype="boolean"),
    )
