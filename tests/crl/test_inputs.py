import numpy as np
import pytest

from personax_platform.crl import ATHLETES, Measurements, train_crl
from personax_platform.crl.inputs import prepare_inputs


def _blocks(n: int = 40) -> dict:
    rng = np.random.default_rng(0)
    return {"image": {"face": rng.normal(size=(n, 8))},
            "text": {llm: rng.normal(size=(n, 6)) for llm in ("chatgpt", "gemini", "llama")}}


def test_mismatched_row_counts_name_the_block():
    blocks = _blocks()
    blocks["text"]["gemini"] = blocks["text"]["gemini"][:-1]
    with pytest.raises(ValueError, match=r"block 'text/gemini' has 39 rows but block 'image/face' has 40"):
        prepare_inputs(Measurements(blocks), ATHLETES)


def test_modalities_that_do_not_match_the_config_are_named():
    blocks = _blocks()
    blocks["audio"] = blocks.pop("image")
    expected = r"modalities \['text', 'audio'\] do not match the config's \['image', 'text'\]"
    with pytest.raises(ValueError, match=expected):
        prepare_inputs(Measurements(blocks), ATHLETES)


def test_a_block_that_is_not_a_matrix_or_not_numeric_is_named():
    blocks = _blocks()
    blocks["image"]["face"] = np.zeros(40)
    with pytest.raises(ValueError, match=r"block 'image/face' must be a 2-D"):
        prepare_inputs(Measurements(blocks), ATHLETES)
    blocks["image"]["face"] = [["a"] * 3] * 40
    with pytest.raises(ValueError, match=r"block 'image/face' is not numeric"):
        prepare_inputs(Measurements(blocks), ATHLETES)
    blocks = _blocks()
    blocks["text"] = {}
    with pytest.raises(ValueError, match=r"modality 'text' has no measurements"):
        prepare_inputs(Measurements(blocks), ATHLETES)


def test_infinite_values_raise_naming_the_block_and_the_persons():
    blocks = _blocks()
    blocks["text"]["llama"][[3, 7], 0] = np.inf
    ids = [f"p{i}" for i in range(40)]
    with pytest.raises(ValueError, match=r"block 'text/llama' has infinite values in rows p3, p7"):
        prepare_inputs(Measurements(blocks, ids=ids), ATHLETES)


def test_persons_with_a_missing_measurement_are_dropped_and_reported_with_the_blocks():
    blocks = _blocks()
    blocks["text"]["llama-3.1"] = blocks["text"].pop("llama")  # any measurement name works, dots included
    blocks["image"]["face"][5] = np.nan  # no face found
    blocks["text"]["gemini"][5, 2] = np.nan
    blocks["text"]["chatgpt"][9, :] = np.nan
    ids = [f"p{i}" for i in range(40)]
    result = train_crl(Measurements(blocks, ids=ids), ATHLETES.with_(hidden=(8,), epochs=1, batch_size=16))
    assert result.dropped.to_dict("records") == [
        {"person_id": "p5", "missing_blocks": "image/face,text/gemini"},
        {"person_id": "p9", "missing_blocks": "text/chatgpt"},
    ]
    assert len(result.latents) == 38 and not result.latents["person_id"].isin(["p5", "p9"]).any()


def test_too_few_complete_persons_and_duplicate_ids_raise():
    blocks = _blocks(4)
    blocks["image"]["face"][:2] = np.nan
    with pytest.raises(ValueError, match="only 2 persons have every block complete"):
        prepare_inputs(Measurements(blocks), ATHLETES)
    with pytest.raises(ValueError, match="ids must be unique"):
        prepare_inputs(Measurements(_blocks(3), ids=["a", "a", "b"]), ATHLETES)
