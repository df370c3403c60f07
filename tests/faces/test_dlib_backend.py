"""The embedded default backend on real photos that registry packages ship (insightface, scikit-image)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from personax_platform.faces import FaceEmbedderConfig, FaceEmbedding, FaceStatus, create_embedder, stack_embeddings
from personax_platform.faces.dlib_backend import MIN_DETECTION_SCORE, SAME_PERSON_MAX_DISTANCE, DlibEmbedder
from personax_platform.faces.images import read_image

GROUP = "package://insightface/data/images/t1.jpg"  # six people
ASTRONAUT = "package://skimage/data/astronaut.png"  # one face, and a low-scoring false hit: the mission patch
CAT = "package://skimage/data/chelsea.png"


@pytest.fixture(scope="module")
def dlib_embedder() -> DlibEmbedder:
    return create_embedder(FaceEmbedderConfig())


@pytest.fixture(scope="module")
def group_faces(dlib_embedder: DlibEmbedder) -> list[FaceEmbedding]:
    return dlib_embedder.embed_all(GROUP)


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.norm(a[:, None, :] - b[None, :, :], axis=-1)


def test_dlib_is_the_default_backend_with_a_model_id_tied_to_the_weights(dlib_embedder: DlibEmbedder) -> None:
    assert (dlib_embedder.backend, dlib_embedder.dimension) == ("dlib", 128)
    assert dlib_embedder.model_id.startswith("dlib_face_recognition_resnet_model_v1@sha256:")


def test_a_face_result_records_backend_model_dimension_score_box_and_a_unit_vector(dlib_embedder: DlibEmbedder) -> None:
    result = dlib_embedder.embed(ASTRONAUT)
    assert result.status == FaceStatus.OK and result.reason is None
    assert (result.backend, result.model_id, result.dimension) == ("dlib", dlib_embedder.model_id, 128)
    assert result.embedding.shape == (128,) and result.embedding.dtype == np.float32
    assert np.linalg.norm(result.embedding) == pytest.approx(1.0, abs=1e-6)
    assert result.detection_score > MIN_DETECTION_SCORE
    assert 80 <= result.face_width_px <= 100 and 80 <= result.face_height_px <= 100
    assert result.faces_found == 1


def test_the_astronauts_low_score_false_hit_is_rejected_by_the_threshold(dlib_embedder: DlibEmbedder) -> None:
    unthresholded = DlibEmbedder(min_detection_score=0.0).embed_all(ASTRONAUT)
    assert len(unthresholded) == 2 and unthresholded[1].detection_score < MIN_DETECTION_SCORE
    (face,) = dlib_embedder.embed_all(ASTRONAUT)
    assert face.detection_score == unthresholded[0].detection_score


def test_group_photo_yields_six_people_farther_apart_than_the_same_person_threshold(
        group_faces: list[FaceEmbedding]) -> None:
    faces = group_faces
    assert [f.status for f in faces] == [FaceStatus.OK] * 6
    assert {f.faces_found for f in faces} == {6}
    scores = [f.detection_score for f in faces]
    assert scores == sorted(scores, reverse=True) and min(scores) >= MIN_DETECTION_SCORE
    distances = _distances(*[stack_embeddings(faces)] * 2)
    assert distances[~np.eye(6, dtype=bool)].min() > SAME_PERSON_MAX_DISTANCE


def test_embed_keeps_the_most_confident_face_of_a_group_photo(dlib_embedder: DlibEmbedder,
                                                               group_faces: list[FaceEmbedding]) -> None:
    best = dlib_embedder.embed(GROUP)
    assert best.faces_found == 6
    assert np.array_equal(best.embedding, group_faces[0].embedding)


@pytest.mark.parametrize("transform", [ImageOps.mirror, lambda im: im.resize((im.width * 3 // 4, im.height * 3 // 4))],
                         ids=["mirrored", "resized-to-75%"])
def test_each_person_mirrored_or_resized_stays_within_the_same_person_threshold_of_themself_only(
        dlib_embedder: DlibEmbedder, group_faces: list[FaceEmbedding], tmp_path: Path, transform) -> None:
    transform(Image.fromarray(read_image(GROUP))).save(tmp_path / "variant.png")
    original = stack_embeddings(group_faces)
    variant = stack_embeddings(dlib_embedder.embed_all("variant.png", landing_dir=tmp_path))
    distances = _distances(original, variant)
    nearest = distances.argmin(axis=1)
    assert sorted(nearest) == list(range(6))  # every person matches a different face of the variant
    assert (distances.min(axis=1) < SAME_PERSON_MAX_DISTANCE).all()
    assert (np.sort(distances, axis=1)[:, 1] > SAME_PERSON_MAX_DISTANCE).all()  # and nobody else


def test_an_image_without_a_face_is_no_face_found_naming_the_ref(dlib_embedder: DlibEmbedder) -> None:
    (result,) = dlib_embedder.embed_all(CAT)
    assert result.status == FaceStatus.NO_FACE_FOUND
    assert result.reason.startswith(f"{CAT}: no face") and result.embedding is None
    assert (result.backend, result.dimension) == ("dlib", 128)


@pytest.mark.parametrize("ref, status, reason", [
    (None, FaceStatus.NO_IMAGE, "no image reference (got None)"),
    ("", FaceStatus.NO_IMAGE, "no image reference (got '')"),
    ("missing.jpg", FaceStatus.UNREADABLE_IMAGE, "missing.jpg: file not found"),
    ("garbage.jpg", FaceStatus.UNREADABLE_IMAGE, "garbage.jpg: cannot decode"),
])
def test_image_failures_are_statuses_with_a_reason_naming_the_ref_never_exceptions_or_drops(
        dlib_embedder: DlibEmbedder, tmp_path: Path, ref: str | None, status: FaceStatus, reason: str) -> None:
    (tmp_path / "garbage.jpg").write_bytes(b"\x00\x01 not a jpeg")
    for result in (dlib_embedder.embed(ref, tmp_path), *dlib_embedder.embed_all(ref, tmp_path)):
        assert (result.image_ref, result.status, result.embedding) == (ref, status, None)
        assert reason in result.reason
