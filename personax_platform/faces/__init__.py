"""Face embeddings: one vector per image from a backend chosen by configuration.

dlib (default, offline, models shipped in registry packages) or insightface (an operator-provisioned folder of
ONNX models). See `embedder` for the interface and statuses, `batch` for embedding many images in parallel.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from personax_platform.faces.dlib_backend import DlibEmbedder
from personax_platform.faces.embedder import FaceEmbedder, FaceEmbedding, FaceStatus, stack_embeddings
from personax_platform.faces.insightface_backend import DETECTOR_FILE, RECOGNIZER_FILE, InsightFaceEmbedder

__all__ = ["FaceEmbedderConfig", "FaceEmbedder", "FaceEmbedding", "FaceStatus", "create_embedder",
           "stack_embeddings"]


class FaceEmbedderConfig(BaseModel):
    """Which backend embeds faces. `min_detection_score` None means the backend's documented default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Literal["dlib", "insightface"] = "dlib"
    min_detection_score: float | None = None
    # insightface only: the operator-provisioned folder and the two files in it
    model_dir: Path | None = None
    detector_file: str = DETECTOR_FILE
    recognizer_file: str = RECOGNIZER_FILE

    @model_validator(mode="after")
    def _insightface_needs_a_folder(self) -> FaceEmbedderConfig:
        if self.backend == "insightface" and self.model_dir is None:
            raise ValueError(f"the insightface backend needs model_dir: a folder with {self.detector_file} and "
                             f"{self.recognizer_file} (e.g. insightface's buffalo_l), provisioned by an operator")
        return self


def create_embedder(config: FaceEmbedderConfig, intra_op_threads: int | None = None) -> FaceEmbedder:
    """Build the configured backend (loads its models). `intra_op_threads` applies to onnxruntime only."""
    threshold = {} if config.min_detection_score is None else {"min_detection_score": config.min_detection_score}
    if config.backend == "dlib":
        return DlibEmbedder(**threshold)
    return InsightFaceEmbedder(config.model_dir, config.detector_file, config.recognizer_file,
                               intra_op_threads=intra_op_threads, **threshold)
