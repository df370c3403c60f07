"""Sentence embeddings of trait descriptions, offline and without torch."""
from personax_platform.text_embeddings.encoder import TextEncoder
from personax_platform.text_embeddings.minilm import MiniLMEncoder, ModelNotInstalled

__all__ = ["MiniLMEncoder", "ModelNotInstalled", "TextEncoder"]
