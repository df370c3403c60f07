"""Level II on the modalities a dataset has: a cohort without photos (every face row no_image) trains on text only,
with the image block dropped from the config and named as absent; a cohort with some faces trains as before."""
from __future__ import annotations

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from assets.crl import CRLTrainingConfig, crl, model_config
from assets.partitions import dataset_kind
from personax_platform.crl import (
    ATHLETES,
    CELEBRITIES,
    SyntheticSetting,
    generate_synthetic,
    preset,
    train_crl,
)
from personax_platform.crl.config import preset_for_kind
from personax_platform.crl.from_embeddings import (
    complete_people,
    measurements_from_embeddings,
)

RATERS = ("rater_a", "rater_b", "rater_c")
N = 120
PEOPLE = [f"p{i:03d}" for i in range(N)]
FAST = {"hidden": (32,), "epochs": 3, "batch_size": 32, "lr": 1e-3, "flow_hidden": 16}


def _texts(blocks: list[np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame([{"person_id": person, "model": rater, "status": "ok", "space": "minilm",
                          "embedding": block[i]} for rater, block in zip(RATERS, blocks)
                         for i, person in enumerate(PEOPLE)])


def _faces(block: np.ndarray | None, without: frozenset[int] = frozenset()) -> pd.DataFrame:
    """One row per person; no_image for everyone when `block` is None, else for the rows in `without`."""
    return pd.DataFrame([{"person_id": person, "status": "no_image", "space": None, "embedding": None}
                         if block is None or i in without else
                         {"person_id": person, "status": "ok", "space": "dlib", "embedding": block[i]}
                         for i, person in enumerate(PEOPLE)])


@pytest.fixture(scope="module")
def text_only() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The known-truth cohort's shape: three raters' description embeddings, no photo at all."""
    data = generate_synthetic(SyntheticSetting(n=N, modalities=(("text", 5, 3, 16),)))
    return _faces(None), _texts(list(data.measurements.modalities["text"].values()))


@pytest.fixture(scope="module")
def mixed() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Faces for all but every tenth person, three raters for everyone."""
    data = generate_synthetic(SyntheticSetting(n=N, modalities=(("image", 5, 1, 16), ("text", 5, 3, 16))))
    faces = _faces(data.measurements.modalities["image"]["m1"], without=frozenset(range(0, N, 10)))
    return faces, _texts(list(data.measurements.modalities["text"].values()))


def test_a_modality_no_person_has_is_left_out_and_named_with_the_reason(text_only):
    inputs = measurements_from_embeddings(*text_only)
    assert inputs.modalities == ["text"] and list(inputs.measurements.modalities["text"]) == list(RATERS)
    assert inputs.absent == {"image": f"no person has a face embedding ({N} no_image)"}
    assert inputs.describe() == ("text (3 measurements: rater_a, rater_b, rater_c); "
                                 f"absent: image — no person has a face embedding ({N} no_image)")
    assert complete_people(inputs.measurements) == N


def test_text_only_measurements_train_shared_and_text_latents_only(text_only):
    inputs = measurements_from_embeddings(*text_only)
    config = preset("athletes", **FAST).restricted_to(inputs.modalities)
    assert config.modalities == (("text", 5),) and config.latent_dim == 7
    result = train_crl(inputs.measurements, config)
    assert list(result.latents.columns) == ["person_id", "split", "s1", "s2", *(f"txt{i}" for i in range(1, 6))]
    assert len(result.latents) == N and np.isfinite(result.latent_matrix()).all()
    assert result.modality_blocks == {"text": [f"text/{rater}" for rater in RATERS]}
    assert result.adjacency.shape == (7, 7) and result.dropped.empty
    assert np.isfinite(result.history["total"]).all()


def test_a_modality_some_people_have_stays_and_those_without_it_are_dropped(mixed):
    inputs = measurements_from_embeddings(*mixed)
    assert inputs.modalities == ["image", "text"] and inputs.absent == {}
    assert inputs.describe() == "image (1 measurement: face); text (3 measurements: rater_a, rater_b, rater_c)"
    assert complete_people(inputs.measurements) == N - N // 10
    config = preset("athletes", **FAST).restricted_to(inputs.modalities)
    assert config == preset("athletes", **FAST)  # nothing dropped: the same config and hash as before
    result = train_crl(inputs.measurements, config)
    assert result.latents.columns[-10:].tolist() == [*(f"img{i}" for i in range(1, 6)),
                                                     *(f"txt{i}" for i in range(1, 6))]
    assert set(result.dropped["person_id"]) == {PEOPLE[i] for i in range(0, N, 10)}
    assert set(result.dropped["missing_blocks"]) == {"image/face"}


def test_nothing_present_names_both_modalities_and_counts_nobody():
    texts = pd.DataFrame([{"person_id": "p000", "model": "rater_a", "status": "failed", "space": None,
                           "embedding": None}])
    inputs = measurements_from_embeddings(_faces(None).head(1), texts)
    assert inputs.modalities == [] and complete_people(inputs.measurements) == 0
    assert inputs.describe() == ("none; absent: image — no person has a face embedding (1 no_image); "
                                 "text — no person has a description embedding (1 failed)")


def test_presets_by_kind_and_by_real_dataset_name():
    assert preset_for_kind("athletes") == preset("athletes") == preset("athlepersona") == ATHLETES
    assert preset_for_kind("celebrities", seed=3) == preset("celebpersona", seed=3) == CELEBRITIES.with_(seed=3)
    with pytest.raises(KeyError, match="no CRL preset"):
        preset_for_kind("athlepersona")  # a kind, not a dataset name
    with pytest.raises(KeyError, match="no CRL preset"):
        preset("nba")
    assert (dataset_kind("athlepersona"), dataset_kind("sim_celebpersona")) == ("athletes", "celebrities")


def test_dropping_a_block_changes_the_config_and_its_hash():
    text_only = CELEBRITIES.restricted_to(["text"])
    assert (text_only.shared_dim, text_only.modalities) == (3, (("text", 5),))
    assert text_only.hash != CELEBRITIES.hash
    with pytest.raises(ValueError, match="not in the config"):
        ATHLETES.restricted_to(["audio"])
    with pytest.raises(ValueError, match="non-empty"):
        ATHLETES.restricted_to([])
    sizes = CRLTrainingConfig(latent_sizes={"shared": 3, "image": 4, "text": 6})  # image's size is simply unused
    assert model_config("athletes", sizes, ["text"]).modalities == (("text", 6),)
    assert model_config("athletes", sizes).modalities == (("image", 4), ("text", 6))
    assert model_config("athletes", sizes).mechanism == "linear"
    assert model_config("athletes", CRLTrainingConfig(mechanisms="nonlinear")).mechanism == "nonlinear"


def test_the_asset_trains_a_cohort_without_photos_on_text_and_says_image_is_absent(text_only):
    faces, texts = text_only
    context = dg.build_asset_context(partition_key="athlepersona")
    run = CRLTrainingConfig(epochs=2, batch_size=32, min_people=5)
    bios = pd.DataFrame({"person_id": sorted(set(texts["person_id"]))})  # read only with structured_bios
    outputs = {output.output_name: output for output in crl(context, run, faces, texts, bios)}
    latents, metadata = outputs["crl_latents"].value, outputs["crl_latents"].metadata
    assert metadata["status"].value == "trained"
    assert metadata["modalities"].value == ("text (3 measurements: rater_a, rater_b, rater_c); "
                                            f"absent: image — no person has a face embedding ({N} no_image)")
    expected = model_config("athletes", run, ["text"])
    assert metadata["config_hash"].value == expected.hash != model_config("athletes", run).hash
    assert set(latents["block"]) == {"shared", "text"} and latents.groupby("person_id").size().eq(7).all()
    assert outputs["crl_model"].value["config_hash"].iloc[0] == expected.hash
    assert metadata["assumption_met"].value is False
    assert metadata["assumption_check"].value.startswith("not met: only 1 modality (text)")
