"""Batch embedding in worker processes returns exactly what a one-at-a-time loop returns, in input order."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from personax_platform.faces import FaceEmbedderConfig, FaceEmbedding, FaceStatus, create_embedder
from personax_platform.faces.batch import embed_images
from personax_platform.faces.insightface_backend import InsightFaceModelsMissing

REFS = ["package://skimage/data/astronaut.png", None, "missing.jpg", "package://skimage/data/chelsea.png",
        "package://insightface/data/images/Tom_Hanks_54745.png", "package://skimage/data/astronaut.png"]


def _same(a: FaceEmbedding, b: FaceEmbedding) -> bool:
    fields = ("image_ref", "status", "model_id", "detection_score", "face_width_px", "faces_found", "reason")
    same_vector = np.array_equal(a.embedding, b.embedding) if a.embedding is not None else b.embedding is None
    return same_vector and all(getattr(a, name) == getattr(b, name) for name in fields)


def test_workers_return_one_result_per_ref_in_input_order_equal_to_a_plain_loop(tmp_path: Path) -> None:
    config = FaceEmbedderConfig()
    embedder = create_embedder(config)
    loop = [embedder.embed(ref, tmp_path) for ref in REFS]
    batch = embed_images(config, REFS, landing_dir=tmp_path, workers=2)
    assert [r.status for r in batch] == [FaceStatus.OK, FaceStatus.NO_IMAGE, FaceStatus.UNREADABLE_IMAGE,
                                         FaceStatus.NO_FACE_FOUND, FaceStatus.OK, FaceStatus.OK]
    assert all(_same(a, b) for a, b in zip(batch, loop, strict=True))


def test_progress_counts_the_images_of_the_workers_and_of_this_process(tmp_path: Path) -> None:
    lines: list[str] = []
    embed_images(FaceEmbedderConfig(), REFS, landing_dir=tmp_path, workers=2, progress=lines.append)
    assert all(line.startswith("face embeddings: ") for line in lines)
    assert lines[-1].startswith(f"face embeddings: {len(REFS)}/{len(REFS)} done in ")


def test_a_single_worker_runs_in_process_with_the_same_results(tmp_path: Path) -> None:
    config = FaceEmbedderConfig()
    assert all(_same(a, b) for a, b in zip(embed_images(config, REFS[:3], tmp_path, workers=1),
                                           embed_images(config, REFS[:3], tmp_path, workers=2), strict=True))


def test_no_refs_give_no_results() -> None:
    assert embed_images(FaceEmbedderConfig(), []) == []


def test_a_backend_that_cannot_load_raises_its_own_error_in_the_caller(tmp_path: Path) -> None:
    config = FaceEmbedderConfig(backend="insightface", model_dir=tmp_path / "not_provisioned")
    with pytest.raises(InsightFaceModelsMissing, match="not_provisioned does not exist"):
        embed_images(config, REFS, workers=2)
