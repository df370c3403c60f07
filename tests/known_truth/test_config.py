"""A known-truth dataset is configuration: it mirrors a real dataset's kind and leagues under prefixed partitions,
its cohort is generated once under the data directory with the person ids the pipeline derives, and only simulated
raters may rate it (and they may rate nothing else)."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

from personax_platform.config.datasets import DEFAULT_CONFIG_PATH, PlatformConfig, load_config
from personax_platform.known_truth.cohort import ensure_cohort
from personax_platform.llm.dataset_models import models_for_dataset
from personax_platform.llm.models import DEFAULT_MODELS_PATH

RAW = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))


def _with(**known_truth) -> dict:
    raw = {"datasets": {"athlepersona": RAW["datasets"]["athlepersona"],
                        "sim": {"known_truth": {"mirrors": "athlepersona", "seed": 1, "per_league": 5,
                                                "raters": "config/models.simulated.yaml", **known_truth}}}}
    return raw


def test_a_known_truth_dataset_takes_kind_and_prefixed_leagues_from_the_dataset_it_mirrors():
    config = PlatformConfig.model_validate(_with())
    assert config.kind("sim") == "athletes" and config.known_truth_datasets == ["sim"]
    real = list(RAW["datasets"]["athlepersona"]["leagues"])
    assert [lg for lg, ds in config.league_to_dataset.items() if ds == "sim"] == [f"sim_{lg}" for lg in real]
    assert config.mirrored_league("sim_nba") == "nba" and config.mirrored_league("nba") == "nba"
    assert config.source("sim_nba") == config.source("nba")


@pytest.mark.parametrize(("change", "message"), [
    ({"mirrors": "nowhere"}, "must name a real dataset"),
    ({"league_prefix": "Sim-"}, "league_prefix"),
])
def test_a_known_truth_dataset_that_cannot_be_derived_is_refused_with_the_reason(change, message):
    with pytest.raises(ValueError, match=message):
        PlatformConfig.model_validate(_with(**change))


def test_a_known_truth_dataset_may_not_list_leagues_of_its_own():
    raw = _with()
    raw["datasets"]["sim"]["leagues"] = RAW["datasets"]["athlepersona"]["leagues"]
    with pytest.raises(ValueError, match="takes its kind and leagues from the dataset it mirrors"):
        PlatformConfig.model_validate(raw)


def test_the_cohort_is_generated_once_with_the_person_ids_the_pipeline_derives(tmp_path):
    config = PlatformConfig.model_validate(_with())
    cohort = ensure_cohort(config, "sim", tmp_path)
    truth = pd.read_parquet(cohort.truth_path)
    assert len(truth) == 5 * 7 and set(truth["dataset"]) == {"sim"} and truth["league"].str.startswith("sim_").all()
    assert truth["image_ref"].isna().all()  # generated people have no photos
    first = cohort.truth_path.stat().st_mtime_ns
    assert ensure_cohort(config, "sim", tmp_path).truth_path.stat().st_mtime_ns == first  # kept, not regenerated
    bigger = PlatformConfig.model_validate(_with(per_league=6))
    assert len(pd.read_parquet(ensure_cohort(bigger, "sim", tmp_path).truth_path)) == 6 * 7  # new settings: new


def test_only_simulated_raters_rate_a_known_truth_dataset_and_they_learn_its_truth_file(tmp_path):
    config = load_config()
    raters = models_for_dataset(config, "sim_athlepersona", DEFAULT_MODELS_PATH, tmp_path)
    assert [m.name for m in raters] == ["rater_a", "rater_b", "rater_c"]
    assert {m.api_base for m in raters} == {str(tmp_path / "known_truth" / "sim_athlepersona" / "truth.parquet")}
    assert [m.model for m in models_for_dataset(config, "athlepersona", DEFAULT_MODELS_PATH, tmp_path)] == [
        "personax-embedded/smollm2-135m-instruct"]
    real_raters = tmp_path / "real.yaml"
    real_raters.write_text(yaml.safe_dump({"models": [{"name": "gpt", "model": "openai/gpt-4o"}]}))
    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    raw["datasets"]["sim_athlepersona"]["known_truth"]["raters"] = str(real_raters)
    with pytest.raises(ValueError, match="must be simulated raters"):
        models_for_dataset(PlatformConfig.model_validate(raw), "sim_athlepersona", DEFAULT_MODELS_PATH, tmp_path)
