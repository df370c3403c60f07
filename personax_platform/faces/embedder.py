"""The face-embedder interface shared by every backend, its per-image result and statuses.

A backend only detects faces and describes one; reading the image, thresholding, picking the most confident face,
L2-normalising and turning every failure into a status with a reason live here, once, so that the backends cannot
differ in what they report. Every image gets a result: nothing is dropped silently.
"""
from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from personax_platform.faces.images import NoImage, UnreadableImage, read_image


class FaceStatus(StrEnum):
    OK = "ok"
    NO_IMAGE = "no_image"                  # the bio names no image
    UNREADABLE_IMAGE = "unreadable_image"  # missing file, unsupported reference or undecodable bytes
    NO_FACE_FOUND = "no_face_found"        # the image was read, but no face scored above the threshold


@dataclass(frozen=True)
class Detection:
    """One face a detector found: score, box in image pixels, and the 5 keypoints when the detector predicts them."""

    score: float
    box: tuple[int, int, int, int]  # left, top, right, bottom
    keypoints: np.ndarray | None = None  # (5, 2): eyes, nose tip, mouth corners (insightface's order)


@dataclass(frozen=True, eq=False)
class FaceEmbedding:
    """The outcome for one face of one image. `embedding` is unit-length float32, set only when status is ok.

    backend + model_id name the vector space: vectors from different ones must never be compared or stacked.
    """

    image_ref: str | None
    status: FaceStatus
    backend: str
    model_id: str
    dimension: int
    embedding: np.ndarray | None = None
    detection_score: float | None = None
    face_width_px: int | None = None
    face_height_px: int | None = None
    faces_found: int = 0  # faces above the threshold in the image (more than one: a group photo or a wrong image)
    reason: str | None = None


class FaceEmbedder(ABC):
    """Detect, keep faces scoring at least `min_detection_score`, align, describe, L2-normalise."""

    backend: str
    model_id: str
    dimension: int
    min_detection_score: float

    @abstractmethod
    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """Candidate faces in an RGB uint8 image (any order; thresholding happens in the caller)."""

    @abstractmethod
    def describe(self, rgb: np.ndarray, face: Detection) -> np.ndarray:
        """The backend's raw descriptor of one detected face (alignment included)."""

    def embed(self, image_ref: str | None, landing_dir: Path | None = None) -> FaceEmbedding:
        """The most confident face of the image (a bio photo shows one person), or a failure status."""
        return self._embed(image_ref, landing_dir, all_faces=False)[0]

    def embed_all(self, image_ref: str | None, landing_dir: Path | None = None) -> list[FaceEmbedding]:
        """Every face above the threshold, most confident first; a single failure result when there is none."""
        return self._embed(image_ref, landing_dir, all_faces=True)

    def _embed(self, image_ref: str | None, landing_dir: Path | None, all_faces: bool) -> list[FaceEmbedding]:
        try:
            rgb = read_image(image_ref, landing_dir)
        except NoImage as error:
            return [self._failure(image_ref, FaceStatus.NO_IMAGE, str(error))]
        except UnreadableImage as error:
            return [self._failure(image_ref, FaceStatus.UNREADABLE_IMAGE, str(error))]
        faces = sorted((face for face in self.detect(rgb) if face.score >= self.min_detection_score),
                       key=lambda face: -face.score)
        if not faces:
            return [self._failure(image_ref, FaceStatus.NO_FACE_FOUND,
                                  f"{image_ref}: no face with detection score >= {self.min_detection_score}")]
        return [self._success(image_ref, rgb, face, len(faces)) for face in (faces if all_faces else faces[:1])]

    def _success(self, image_ref: str | None, rgb: np.ndarray, face: Detection, faces_found: int) -> FaceEmbedding:
        vector = np.asarray(self.describe(rgb, face), dtype=np.float64).ravel()
        left, top, right, bottom = face.box
        return FaceEmbedding(image_ref=image_ref, status=FaceStatus.OK, backend=self.backend,
                             model_id=self.model_id, dimension=self.dimension,
                             embedding=(vector / np.linalg.norm(vector)).astype(np.float32),
                             detection_score=float(face.score), face_width_px=right - left,
                             face_height_px=bottom - top, faces_found=faces_found)

    def _failure(self, image_ref: str | None, status: FaceStatus, reason: str) -> FaceEmbedding:
        return FaceEmbedding(image_ref=image_ref, status=status, backend=self.backend, model_id=self.model_id,
                             dimension=self.dimension, reason=reason)


def stack_embeddings(results: Sequence[FaceEmbedding]) -> np.ndarray:
    """An (n, dimension) matrix of ok embeddings that share one vector space; refuses anything else loudly."""
    if not results:
        raise ValueError("no embeddings to stack")
    spaces = sorted({(r.backend, r.model_id) for r in results})
    if len(spaces) > 1:
        raise ValueError("refusing to stack embeddings from different vector spaces (backend, model id): "
                         + ", ".join(f"{backend}/{model_id}" for backend, model_id in spaces))
    failed = [f"{r.image_ref!r} ({r.status})" for r in results if r.status != FaceStatus.OK]
    if failed:
        raise ValueError(f"results without an embedding cannot be stacked: {', '.join(failed)}")
    return np.stack([r.embedding for r in results])


def model_file_id(path: Path) -> str:
    """A model id that changes whenever the weights do: file stem plus the start of the file's SHA-256."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return f"{path.stem}@sha256:{digest.hexdigest()[:12]}"
