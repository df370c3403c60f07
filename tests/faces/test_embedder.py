"""Embeddings are comparable only within one vector space: the stacking helper refuses anything else."""
from __future__ import annotations

import numpy as np
import pytest

from personax_platform.faces import FaceEmbedding, FaceStatus, stack_embeddings


def _ok(ref: str, backend: str = "dlib", model_id: str = "resnet@sha256:aaa", dimension: int = 4) -> FaceEmbedding:
    vector = np.full(dimension, 0.5, dtype=np.float32)
    return FaceEmbedding(image_ref=ref, status=FaceStatus.OK, backend=backend, model_id=model_id,
                         dimension=dimension, embedding=vector, detection_score=1.0, face_width_px=90,
                         face_height_px=90, faces_found=1)


def test_embeddings_of_one_backend_and_model_stack_in_the_given_order() -> None:
    results = [_ok("a.jpg"), _ok("b.jpg")]
    results[1].embedding[0] = -0.5
    stacked = stack_embeddings(results)
    assert stacked.shape == (2, 4) and stacked[1, 0] == -0.5


@pytest.mark.parametrize("other", [_ok("b.jpg", backend="insightface", model_id="w600k_r50@sha256:bbb", dimension=4),
                                   _ok("b.jpg", model_id="resnet@sha256:ccc")],
                         ids=["other-backend", "same-backend-other-weights"])
def test_stacking_embeddings_from_different_backends_or_models_is_refused_naming_both(other: FaceEmbedding) -> None:
    with pytest.raises(ValueError, match="different vector spaces.*dlib/resnet@sha256:aaa"):
        stack_embeddings([_ok("a.jpg"), other])


def test_stacking_results_without_an_embedding_is_refused_naming_them() -> None:
    failed = FaceEmbedding(image_ref="c.jpg", status=FaceStatus.NO_FACE_FOUND, backend="dlib",
                           model_id="resnet@sha256:aaa", dimension=4, reason="c.jpg: no face")
    with pytest.raises(ValueError, match="'c.jpg' \\(no_face_found\\)"):
        stack_embeddings([_ok("a.jpg"), failed])


def test_stacking_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="no embeddings"):
        stack_embeddings([])
