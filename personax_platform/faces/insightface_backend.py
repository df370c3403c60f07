"""The production backend: insightface's SCRFD detector and ArcFace recognizer (512-d) on onnxruntime.

The models are never downloaded or shipped by the project: insightface's buffalo_l pack is licensed for
non-commercial research only, so an operator provisions a folder with the two ONNX files and points the
configuration at it. insightface's own loader (`model_zoo.get_model`) reads them, so its preprocessing, keypoint
decoding and 5-point alignment are the ones the weights were trained with.

insightface is imported only when this backend is built: it pulls in OpenCV, which the dlib default does not need.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from personax_platform.faces.embedder import Detection, FaceEmbedder, model_file_id

DETECTOR_FILE = "det_10g.onnx"  # SCRFD-10GF with keypoints, as in buffalo_l
RECOGNIZER_FILE = "w600k_r50.onnx"  # ArcFace ResNet-50 trained on WebFace600K, as in buffalo_l
MIN_DETECTION_SCORE = 0.5  # insightface's own default for SCRFD


class InsightFaceModelsMissing(FileNotFoundError):
    """The operator-provisioned model folder is absent or incomplete."""


class InsightFaceEmbedder(FaceEmbedder):
    backend = "insightface"

    def __init__(self, model_dir: Path, detector_file: str = DETECTOR_FILE, recognizer_file: str = RECOGNIZER_FILE,
                 min_detection_score: float = MIN_DETECTION_SCORE, intra_op_threads: int | None = None) -> None:
        """`intra_op_threads`: onnxruntime threads per model (None: one per core; 1 inside a process pool)."""
        detector_path, recognizer_path = _provisioned(Path(model_dir), detector_file, recognizer_file)
        import onnxruntime
        from insightface.model_zoo import get_model

        options = onnxruntime.SessionOptions()
        if intra_op_threads is not None:
            options.intra_op_num_threads = intra_op_threads
        load = dict(providers=["CPUExecutionProvider"], sess_options=options)  # the pinned onnxruntime is the CPU build
        self._detector = _expect_task(get_model(str(detector_path), **load), detector_path, "detection")
        self._recognizer = _expect_task(get_model(str(recognizer_path), **load), recognizer_path, "recognition")
        if not self._detector.use_kps:
            raise ValueError(f"{detector_path}: this SCRFD predicts no keypoints, which ArcFace alignment needs")
        self.min_detection_score = min_detection_score
        self.model_id = model_file_id(recognizer_path)
        self.dimension = int(self._recognizer.output_shape[-1])

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        boxes, keypoints = self._detector.detect(_bgr(rgb), det_thresh=self.min_detection_score)
        return [Detection(score=float(box[4]), box=tuple(int(round(v)) for v in box[:4]), keypoints=points)
                for box, points in zip(boxes, keypoints)]

    def describe(self, rgb: np.ndarray, face: Detection) -> np.ndarray:
        from insightface.app.common import Face

        return self._recognizer.get(_bgr(rgb), Face(kps=face.keypoints))


def _provisioned(model_dir: Path, detector_file: str, recognizer_file: str) -> tuple[Path, Path]:
    expected = (f"expected an SCRFD detector with keypoints ({detector_file}) and an ArcFace recognizer "
                f"({recognizer_file}), e.g. from insightface's buffalo_l pack, which the project never downloads")
    if not model_dir.is_dir():
        raise InsightFaceModelsMissing(f"insightface model folder {model_dir} does not exist: {expected}")
    missing = [name for name in (detector_file, recognizer_file) if not (model_dir / name).is_file()]
    if missing:
        found = ", ".join(sorted(p.name for p in model_dir.glob("*.onnx"))) or "no .onnx files"
        raise InsightFaceModelsMissing(
            f"insightface model folder {model_dir} lacks {', '.join(missing)} (found: {found}): {expected}")
    return model_dir / detector_file, model_dir / recognizer_file


def _expect_task(model: object, path: Path, task: str) -> object:
    if getattr(model, "taskname", None) != task:
        raise ValueError(f"{path}: insightface does not read this as a {task} model "
                         f"(found {getattr(model, 'taskname', 'nothing it recognises')})")
    return model


def _bgr(rgb: np.ndarray) -> np.ndarray:
    """insightface follows OpenCV: images are BGR."""
    return np.ascontiguousarray(rgb[..., ::-1])
