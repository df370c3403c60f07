"""A keyed, invertible transform of the released embeddings: a random orthogonal rotation seeded by the secret.

A rotation keeps every distance, angle and linear relationship between embeddings, so analyses of the release
(independence tests, causal representation learning) give the same answers as on the originals, while the vectors
cannot be compared with the same model's embeddings of other photos or texts without the secret. Each embedding
space (backend/model id and dimension) has its own rotation; the secret's holder can undo it with `recover`.
"""
from __future__ import annotations

import hashlib
import hmac

import numpy as np


def rotation(secret: bytes, space: str, dimension: int) -> np.ndarray:
    """The orthogonal `dimension`² matrix for embedding space `space` (Haar-distributed, via QR with sign fix)."""
    seed = int.from_bytes(hmac.new(secret, f"{space}|{dimension}".encode(), hashlib.sha256).digest()[:8], "little")
    gaussian = np.random.default_rng(seed).standard_normal((dimension, dimension))
    q, r = np.linalg.qr(gaussian)
    return q * np.sign(np.diag(r))


def obfuscate(embeddings: np.ndarray, secret: bytes, space: str) -> np.ndarray:
    matrix = rotation(secret, space, embeddings.shape[1])
    return (embeddings.astype(np.float64) @ matrix).astype(np.float32)


def recover(released: np.ndarray, secret: bytes, space: str) -> np.ndarray:
    matrix = rotation(secret, space, released.shape[1])
    return (released.astype(np.float64) @ matrix.T).astype(np.float32)
