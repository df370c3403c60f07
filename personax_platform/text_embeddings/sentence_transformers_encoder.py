"""Any sentence-transformers model as a TextEncoder (e.g. the paper's gte-Qwen2, 3,584-d): a configuration change.

sentence-transformers and torch are not platform dependencies (3 GB); install them where a larger encoder is wanted.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from personax_platform.progress import Progress, Report


class SentenceTransformerEncoder:
    def __init__(self, model: str, device: str = "cpu") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise ImportError(f"text encoder {model!r} needs sentence-transformers (and torch): pip install "
                              "sentence-transformers; the default MiniLM encoder needs neither") from error
        self._model: Any = SentenceTransformer(model, device=device)
        self.model_id = model
        self.dimension = int(self._model.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: Report | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        embedded = Progress(len(texts), "text embeddings", progress)
        vectors = self._model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True)
        # sentence-transformers calls back nothing per batch (its own bar goes to a terminal): the final line only
        embedded.advance(len(texts))
        embedded.finish()
        return np.asarray(vectors, dtype=np.float32)
