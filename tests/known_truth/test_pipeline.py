"""A small known-truth cohort through the real asset graph: generated landing files → bios → the three simulated
raters through litellm → scores → text embeddings → Level I → observed graph → Level II → the validation against the
planted truth. The cohort (400 celebrities) is smaller than the one the bounds assume, so this pins the wiring and
the size-independent bounds; the demo runs the full-size cohorts against every bound."""
from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml

from assets import bios, embeddings, traits
from assets.crl import crl
from assets.independence_tests import independence_tests
from assets.known_truth import RECOVERY_CHECK, known_truth_validation
from assets.observed_causal_graph import observed_causal_graph
from personax_platform.config.datasets import DEFAULT_CONFIG_PATH
from personax_platform.crl.assumption import ASSUMPTION
from personax_platform.known_truth import TITLE
from personax_platform.known_truth.cohort import SIMULATED_NOTICE
from personax_platform.llm.models import DEFAULT_MODELS_PATH
from personax_platform.prompts import PROMPTS_DIR
from resources.embeddings import FaceEmbeddingResource, TextEncoderResource
from resources.llm import LLMResource
from tests.pipeline.resources import pipeline_resources
from tests.pipeline.traits_support import read_table

DATASET, LEAGUE, PEOPLE = "sim_celebpersona", "sim_celebrities", 400
LEAGUE_ASSETS = [bios.raw_bios, bios.bios, traits.trait_texts, traits.trait_scores, traits.aggregated_traits,
                 embeddings.face_embeddings, embeddings.text_embeddings]
DATASET_ASSETS = [independence_tests, observed_causal_graph, crl]
FAST = {"ops": {"analysis__observed_causal_graph": {"config": {"resamples": 5, "max_conditioning": 3}},
                "crl": {"config": {"epochs": 40}}}}


def _small_config(tmp_path: Path) -> Path:
    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    raw["datasets"][DATASET]["known_truth"]["per_league"] = PEOPLE
    path = tmp_path / "datasets.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("known_truth")
    dirs = {"lake_dir": tmp_path / "lake", "catalog_path": tmp_path / "warehouse.duckdb"}
    config = _small_config(tmp_path)
    resources = {**pipeline_resources(dirs, config=config),
                 "llm": LLMResource(models_config=str(DEFAULT_MODELS_PATH), prompts_dir=str(PROMPTS_DIR),
                                    prompt_id="number-l3-inc", cache_path=str(tmp_path / "cache.sqlite"),
                                    datasets_config=str(config), data_dir=str(tmp_path)),
                 "faces": FaceEmbeddingResource(workers=1), "encoder": TextEncoderResource()}
    everything = LEAGUE_ASSETS + DATASET_ASSETS + [known_truth_validation]
    assert dg.materialize(everything, partition_key=LEAGUE, resources=resources, selection=LEAGUE_ASSETS).success
    analyses = dg.materialize(everything, partition_key=DATASET, resources=resources, selection=DATASET_ASSETS,
                              run_config=FAST)
    assert analyses.success
    result = dg.materialize(everything, partition_key=DATASET, resources=resources,
                            selection=[known_truth_validation], raise_on_error=False)
    return dirs, result, analyses


def test_simulated_raters_answer_every_generated_person_through_the_real_llm_path(validated):
    dirs, _, _ = validated
    texts = read_table(dirs, "trait_texts")
    assert len(texts) == 3 * PEOPLE and set(texts["status"]) == {"ok"}
    assert texts["model_version"].str.contains("simulated rater, generated cohort").all()
    assert set(texts["dataset"]) == {DATASET}
    assert read_table(dirs, "face_embeddings", "embeddings")["status"].eq("no_image").all()  # no photos
    assert read_table(dirs, "text_embeddings", "embeddings")["status"].eq("ok").all()


def test_every_analysis_is_compared_with_the_planted_truth_and_reported(validated):
    dirs, result, _ = validated
    evaluation = read_table(dirs, "known_truth_validation", "analysis")
    assert {"scores", "agreement", "level1", "graph", "level2"} <= set(evaluation["section"])
    assert not evaluation["note"].str.startswith("not computed").any(), evaluation[["section", "metric", "note"]]
    # Bounds that do not depend on the cohort's size hold at 400 people too.
    size_free = evaluation[evaluation["section"].isin(["scores", "agreement"])]
    assert size_free["passed"].all(), size_free[~size_free["passed"]]
    assert evaluation["note"].str.contains(f"cohort of {PEOPLE}").all()  # the smaller size is stated
    (report,) = read_table(dirs, "known_truth_report", "analysis")["report"]
    assert report.startswith(f"# {TITLE}") or TITLE in report
    (check,) = [c for c in result.get_asset_check_evaluations() if c.check_name == RECOVERY_CHECK]
    assert check.passed == bool(evaluation["passed"].all())
    metadata = {e.asset_key.to_user_string(): e.materialization.metadata
                for e in result.get_asset_materialization_events()}
    assert metadata["analysis/known_truth_validation"]["notice"].value == SIMULATED_NOTICE


def test_level2_without_photos_reports_its_identifying_assumption_as_not_met_and_why(validated):
    _, _, analyses = validated
    metadata = {e.asset_key.to_user_string(): e.materialization.metadata
                for e in analyses.get_asset_materialization_events()}["analysis/crl_latents"]
    assert metadata["identifying_assumption"].value == ASSUMPTION
    assert metadata["assumption_met"].value is False
    assert metadata["assumption_check"].value.startswith("not met: only 1 modality")
    assert "links between two modalities" in metadata["assumption_check"].value


def test_a_real_dataset_with_a_simulated_rater_is_refused(tmp_path):
    models = tmp_path / "models.yaml"
    models.write_text(yaml.safe_dump({"models": [{"name": "rater_a", "model": "personax-simulated/rater_a"}]}))
    llm = LLMResource(models_config=str(models), prompts_dir=str(PROMPTS_DIR), prompt_id="number-l3-inc",
                      cache_path=str(tmp_path / "cache.sqlite"), datasets_config=str(DEFAULT_CONFIG_PATH),
                      data_dir=str(tmp_path))
    with pytest.raises(ValueError, match="simulated rater only rates a generated known-truth cohort"):
        llm.models("celebpersona")
