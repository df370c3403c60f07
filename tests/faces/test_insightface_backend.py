"""The insightface backend's real code path (model_zoo loading, SCRFD decoding, ArcFace alignment and preprocessing)
on stand-in ONNX models that the test builds: buffalo_l is never downloaded or shipped.

Stand-ins: a recognizer with ArcFace's interface (1x3x112x112 → 512) that average-pools 8x8 and projects with a fixed
random matrix; a detector with SCRFD's interface (640x640 input, 9 outputs: scores, boxes and keypoints at strides
8/16/32, two anchors each) that always reports the same two candidates, whatever the image.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from insightface.utils.face_align import arcface_dst
from onnx import TensorProto, helper, numpy_helper
from pydantic import ValidationError

from personax_platform.faces import FaceEmbedderConfig, FaceStatus, create_embedder, stack_embeddings
from personax_platform.faces.batch import embed_images
from personax_platform.faces.images import read_image
from personax_platform.faces.insightface_backend import (
    DETECTOR_FILE, RECOGNIZER_FILE, InsightFaceEmbedder, InsightFaceModelsMissing,
)

ALIGNED_CROP = "package://insightface/data/images/Tom_Hanks_54745.png"  # 112x112, already in ArcFace's template
DET_SIZE = 640
SCALE = DET_SIZE / 112  # SCRFD letterboxes the 112x112 crop to 640x640
FACE = (0.9, np.array([10, 10, 102, 110]) * SCALE, arcface_dst * SCALE)  # the crop's face, in detector pixels
WEAK_CANDIDATE = (0.3, np.array([448, 448, 544, 544]), arcface_dst + 448)


def _save(nodes: list, inputs: list, outputs: list, initializers: list, path: Path) -> None:
    model = helper.make_model(helper.make_graph(nodes, path.stem, inputs, outputs, initializers),
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def build_recognizer(path: Path, seed: int) -> np.ndarray:
    """ArcFace-shaped stand-in; returns its projection matrix (588 x 512)."""
    weights = np.random.default_rng(seed).standard_normal((3 * 14 * 14, 512)).astype(np.float32)
    _save([helper.make_node("AveragePool", ["data"], ["pooled"], kernel_shape=[8, 8], strides=[8, 8], name="pool"),
           helper.make_node("Flatten", ["pooled"], ["flat"], axis=1, name="flatten"),
           helper.make_node("MatMul", ["flat", "weights"], ["embedding"], name="project")],
          [helper.make_tensor_value_info("data", TensorProto.FLOAT, ["N", 3, 112, 112])],
          [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", 512])],
          [numpy_helper.from_array(weights, "weights")], path)
    return weights


def build_detector(path: Path, faces: list[tuple[float, np.ndarray, np.ndarray]]) -> None:
    """SCRFD-shaped stand-in reporting `faces` (score, box, 5 keypoints in detector pixels) at stride-32 anchors."""
    strides = (8, 16, 32)
    maps = {s: [np.zeros(((DET_SIZE // s) ** 2 * 2, width), np.float32) for width in (1, 4, 10)] for s in strides}
    scores, boxes, keypoints = maps[32]
    for score, box, points in faces:
        column, row = (int(round(v / 32)) for v in ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
        anchor, centre = (row * DET_SIZE // 32 + column) * 2, np.array([column, row]) * 32.0
        scores[anchor] = score
        boxes[anchor] = np.r_[centre - box[:2], box[2:] - centre] / 32  # distances to the edges, in strides
        keypoints[anchor] = ((points - centre) / 32).ravel()
    names = [f"{kind}_{s}" for k, kind in enumerate(("score", "bbox", "kps")) for s in strides]
    arrays = [maps[s][k] for k in range(3) for s in strides]
    _save([helper.make_node("Identity", [f"{n}_value"], [n]) for n in names],
          [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, DET_SIZE, DET_SIZE])],
          [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(a.shape)) for n, a in zip(names, arrays)],
          [numpy_helper.from_array(a, f"{n}_value") for n, a in zip(names, arrays)], path)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An operator-provisioned folder, buffalo_l's file names, stand-in weights."""
    folder = tmp_path_factory.mktemp("buffalo_standin")
    build_detector(folder / DETECTOR_FILE, [FACE, WEAK_CANDIDATE])
    build_recognizer(folder / RECOGNIZER_FILE, seed=0)
    return folder


@pytest.fixture(scope="module")
def embedder(model_dir: Path) -> InsightFaceEmbedder:
    return create_embedder(FaceEmbedderConfig(backend="insightface", model_dir=model_dir))


def test_insightface_backend_records_its_recognizer_as_model_id_and_512_dimensions(
        embedder: InsightFaceEmbedder) -> None:
    assert (embedder.backend, embedder.dimension) == ("insightface", 512)
    assert embedder.model_id.startswith("w600k_r50@sha256:")


def test_the_face_is_aligned_preprocessed_and_embedded_as_the_recognizer_defines(
        embedder: InsightFaceEmbedder, tmp_path: Path) -> None:
    weights = build_recognizer(tmp_path / "same_weights.onnx", seed=0)
    result = embedder.embed(ALIGNED_CROP)
    assert result.status == FaceStatus.OK
    assert result.detection_score == pytest.approx(0.9)
    assert (result.face_width_px, result.face_height_px) == (92, 100)
    # The keypoints are the template, so alignment is the identity; ArcFace's input is RGB scaled to [-1, 1].
    rgb = read_image(ALIGNED_CROP).astype(np.float32)
    pooled = ((rgb - 127.5) / 127.5).transpose(2, 0, 1).reshape(3, 14, 8, 14, 8).mean(axis=(2, 4)).ravel()
    expected = pooled @ weights
    np.testing.assert_allclose(result.embedding, expected / np.linalg.norm(expected), atol=1e-5)


def test_candidates_below_the_detection_threshold_are_not_embedded(
        embedder: InsightFaceEmbedder, model_dir: Path) -> None:
    assert [f.detection_score for f in embedder.embed_all(ALIGNED_CROP)] == [pytest.approx(0.9)]
    permissive = InsightFaceEmbedder(model_dir, min_detection_score=0.2)
    assert [f.detection_score for f in permissive.embed_all(ALIGNED_CROP)] == [pytest.approx(0.9), pytest.approx(0.3)]


def test_failures_are_statuses_as_with_every_backend(embedder: InsightFaceEmbedder, tmp_path: Path) -> None:
    assert embedder.embed("", tmp_path).status == FaceStatus.NO_IMAGE
    assert embedder.embed("gone.jpg", tmp_path).status == FaceStatus.UNREADABLE_IMAGE


def test_batch_embedding_loads_the_models_in_each_worker_and_matches_one_at_a_time(
        embedder: InsightFaceEmbedder, model_dir: Path) -> None:
    refs = [ALIGNED_CROP, "", ALIGNED_CROP, ALIGNED_CROP]
    config = FaceEmbedderConfig(backend="insightface", model_dir=model_dir)
    batch = embed_images(config, refs, workers=2)
    assert [r.status for r in batch] == [FaceStatus.OK, FaceStatus.NO_IMAGE, FaceStatus.OK, FaceStatus.OK]
    for result, ref in zip(batch, refs, strict=True):
        expected = embedder.embed(ref)
        assert result.model_id == expected.model_id and result.image_ref == ref
        if result.status == FaceStatus.OK:
            np.testing.assert_allclose(result.embedding, expected.embedding, atol=1e-6)


def test_a_missing_model_folder_is_a_clear_error_naming_the_folder_and_the_expected_files(tmp_path: Path) -> None:
    with pytest.raises(InsightFaceModelsMissing, match=f"{tmp_path / 'buffalo_l'} does not exist.*"
                                                       f"{DETECTOR_FILE}.*{RECOGNIZER_FILE}.*never downloads"):
        create_embedder(FaceEmbedderConfig(backend="insightface", model_dir=tmp_path / "buffalo_l"))


def test_an_incomplete_model_folder_names_the_missing_file_and_what_it_found(tmp_path: Path) -> None:
    build_detector(tmp_path / DETECTOR_FILE, [FACE])
    with pytest.raises(InsightFaceModelsMissing, match=f"lacks {RECOGNIZER_FILE} \\(found: {DETECTOR_FILE}\\)"):
        InsightFaceEmbedder(tmp_path)


def test_a_detector_in_the_recognizers_place_is_refused(tmp_path: Path) -> None:
    build_detector(tmp_path / DETECTOR_FILE, [FACE])
    build_detector(tmp_path / RECOGNIZER_FILE, [FACE])
    with pytest.raises(ValueError, match=f"{RECOGNIZER_FILE}: insightface does not read this as a recognition model"):
        InsightFaceEmbedder(tmp_path)


def test_the_insightface_backend_cannot_be_configured_without_a_model_folder() -> None:
    with pytest.raises(ValidationError, match="needs model_dir"):
        FaceEmbedderConfig(backend="insightface")


def test_other_weights_get_another_model_id_and_their_embeddings_are_never_stacked_together(
        embedder: InsightFaceEmbedder, tmp_path: Path) -> None:
    build_detector(tmp_path / DETECTOR_FILE, [FACE])
    build_recognizer(tmp_path / RECOGNIZER_FILE, seed=1)
    retrained = InsightFaceEmbedder(tmp_path)
    assert retrained.model_id != embedder.model_id
    with pytest.raises(ValueError, match="refusing to stack embeddings from different vector spaces"):
        stack_embeddings([embedder.embed(ALIGNED_CROP), retrained.embed(ALIGNED_CROP)])
