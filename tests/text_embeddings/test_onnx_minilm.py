"""The onnxruntime all-MiniLM-L6-v2 against the numpy encoder (same vector space), and the encoder's contract."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import onnx
import pytest

from personax_platform.text_embeddings import (
    MiniLMEncoder,
    ModelNotInstalled,
    TextEncoder,
)
from personax_platform.text_embeddings.minilm import load_tokenizer, locate_model_dir
from personax_platform.text_embeddings.onnx_minilm import OnnxMiniLMEncoder, build_graph

REFERENCE = json.loads((Path(__file__).parent / "reference_embeddings.json").read_text(encoding="utf-8"))
TRAIT = "Composed under pressure and quietly competitive, she reads the game two moves ahead."
LONG = " ".join([
    "Meticulous in preparation, he studies film of every opponent late into the night.",
    "Teammates describe him as reserved but fiercely loyal, the first to defend a rookie in public.",
    "He rarely celebrates his own goals and deflects praise towards the defence.",
] * 8)  # ~390 tokens: truncated at 256
TEXTS = [
    TRAIT, "ok", "", LONG, "Zoë, naïve café 東京 — «très» 🏀 Привет مرحبا",
    "Outgoing and talkative on camera, guarded about her family.", LONG + " But secretly terrified of penalties.",
    "Calm. " * 40, "A restless perfectionist who argues with referees and apologises the next morning.",
]


@pytest.fixture(scope="module")
def encoder() -> OnnxMiniLMEncoder:
    return OnnxMiniLMEncoder()


@pytest.fixture(scope="module")
def numpy_vectors() -> np.ndarray:
    return MiniLMEncoder().encode(TEXTS)


def test_long_test_text_exceeds_256_tokens_so_truncation_is_exercised() -> None:
    tokenizer = load_tokenizer(locate_model_dir())
    tokenizer.no_truncation()
    assert len(tokenizer.encode(LONG).ids) > 256


@pytest.mark.parametrize("batch_size", [1, 3, 32])
def test_vectors_equal_the_numpy_encoders_within_1e_5_for_short_long_unicode_and_mixed_lengths(
        encoder: OnnxMiniLMEncoder, numpy_vectors: np.ndarray, batch_size: int) -> None:
    assert np.abs(encoder.encode(TEXTS, batch_size=batch_size) - numpy_vectors).max() <= 1e-5


def test_reproduces_sentence_transformers_reference_embeddings_within_1e_5(encoder: OnnxMiniLMEncoder) -> None:
    reference = np.array(REFERENCE["embeddings"], dtype=np.float32)
    assert np.abs(encoder.encode(REFERENCE["texts"]) - reference).max() <= 1e-5


def test_batch_size_1_and_32_give_the_same_vectors(encoder: OnnxMiniLMEncoder) -> None:
    np.testing.assert_allclose(encoder.encode(TEXTS, batch_size=1), encoder.encode(TEXTS, batch_size=32), atol=1e-6)


def test_output_is_n_by_384_float32_with_unit_norm_rows(encoder: OnnxMiniLMEncoder) -> None:
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_rows_follow_input_order_not_the_length_sorted_batch_order(encoder: OnnxMiniLMEncoder) -> None:
    one_by_one = np.concatenate([encoder.encode([text]) for text in TEXTS])
    np.testing.assert_allclose(encoder.encode(TEXTS, batch_size=4), one_by_one, atol=1e-6)
    np.testing.assert_allclose(encoder.encode(TEXTS[::-1], batch_size=4), one_by_one[::-1], atol=1e-6)


def test_progress_counts_every_text_and_changes_no_vector(encoder: OnnxMiniLMEncoder) -> None:
    lines: list[str] = []
    vectors = encoder.encode(TEXTS, batch_size=2, progress=lines.append)
    assert all(line.startswith("text embeddings: ") for line in lines)
    assert lines[-1].startswith(f"text embeddings: {len(TEXTS)}/{len(TEXTS)} done in ")
    np.testing.assert_array_equal(vectors, encoder.encode(TEXTS, batch_size=2))


def test_tokens_past_256_are_truncated_not_rejected(encoder: OnnxMiniLMEncoder) -> None:
    cut, longer = encoder.encode([LONG, LONG + " But secretly terrified of penalties."])
    np.testing.assert_array_equal(cut, longer)


def test_empty_list_gives_0_by_384_float32_without_loading_the_model(tmp_path: Path) -> None:
    vectors = OnnxMiniLMEncoder(model_dir=tmp_path / "absent").encode([])
    assert vectors.shape == (0, 384) and vectors.dtype == np.float32


def test_names_the_same_vector_space_as_the_numpy_encoder() -> None:
    encoder = OnnxMiniLMEncoder()
    assert isinstance(encoder, TextEncoder)
    assert (encoder.model_id, encoder.dimension) == (MiniLMEncoder.model_id, MiniLMEncoder.dimension)


def test_session_is_built_once_and_shared_by_every_encoder_of_the_process(encoder: OnnxMiniLMEncoder) -> None:
    assert OnnxMiniLMEncoder()._session()[1] is encoder._session()[1]


def test_each_batch_runs_on_one_thread(encoder: OnnxMiniLMEncoder) -> None:
    assert encoder._session()[1].get_session_options().intra_op_num_threads == 1


def test_fewer_texts_than_batch_size_are_split_so_that_every_cpu_gets_a_batch(
        encoder: OnnxMiniLMEncoder, numpy_vectors: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    session = encoder._session()[1]
    batch_rows = []

    def spy(outputs: None, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        batch_rows.append(len(feeds["input_ids"]))
        return type(session).run(session, outputs, feeds)

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})
    monkeypatch.setattr(session, "run", spy)
    vectors = encoder.encode(TEXTS[:7], batch_size=32)
    assert sorted(batch_rows) == [1, 3, 3]
    assert np.abs(vectors - numpy_vectors[:7]).max() <= 1e-5


def test_graph_is_standard_onnx_that_the_checker_accepts() -> None:
    model = build_graph(locate_model_dir())
    onnx.checker.check_model(model, full_check=True)
    assert {node.domain for node in model.graph.node} == {""}


def test_missing_model_files_raise_an_error_listing_them(tmp_path: Path) -> None:
    with pytest.raises(ModelNotInstalled, match="model.safetensors"):
        OnnxMiniLMEncoder(model_dir=tmp_path).encode(["anything"])


def test_rejects_non_string_texts_and_batch_size_below_one(encoder: OnnxMiniLMEncoder) -> None:
    with pytest.raises(TypeError, match=r"texts\[1\] is NoneType"):
        encoder.encode(["fine", None])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="batch_size"):
        encoder.encode(["fine"], batch_size=0)


def test_resource_defaults_to_the_onnx_encoder_and_keeps_numpy_selectable() -> None:
    from resources.embeddings import TextEncoderResource

    assert isinstance(TextEncoderResource().load(), OnnxMiniLMEncoder)
    assert isinstance(TextEncoderResource(encoder="minilm").load(), MiniLMEncoder)
