"""Plausible ranges and the quarantine limit are configuration: per dataset, overridable per league, inherited by a
known-truth dataset from the dataset it mirrors, and checked when the file is loaded."""
from __future__ import annotations

import copy

import pytest
import yaml

from personax_platform.config.datasets import DEFAULT_CONFIG_PATH, PlatformConfig, Quality

RAW = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))


def _athletes(**dataset_extra) -> dict:
    athletes = copy.deepcopy(RAW["datasets"]["athlepersona"])
    athletes.pop("quality", None)
    athletes.update(dataset_extra)
    return {"datasets": {"athlepersona": athletes}}


def test_every_league_has_the_default_quality_unless_configured():
    config = PlatformConfig.model_validate(_athletes())
    assert config.quality("nba") == Quality()
    assert Quality().ranges()["height_cm"] == (100.0, 275.0)
    shipped = PlatformConfig.model_validate(RAW)
    assert shipped.quality("nba").height_cm == (140, 250) and shipped.quality("celebrities") == Quality()


def test_a_league_overrides_its_datasets_quality():
    raw = _athletes(quality={"height_cm": [150, 240], "max_rejected_share": 0.2})
    raw["datasets"]["athlepersona"]["leagues"]["pga"]["quality"] = {"height_cm": [140, 220]}
    config = PlatformConfig.model_validate(raw)
    assert config.quality("nba").height_cm == (150, 240) and config.quality("nba").max_rejected_share == 0.2
    assert config.quality("pga").height_cm == (140, 220) and config.quality("pga").max_rejected_share == 0.5


def test_a_known_truth_dataset_inherits_the_quality_of_the_dataset_it_mirrors():
    raw = _athletes(quality={"weight_kg": [30, 300]})
    raw["datasets"]["sim"] = {"known_truth": {"mirrors": "athlepersona", "seed": 1, "per_league": 5,
                                              "raters": "config/models.simulated.yaml"}}
    assert PlatformConfig.model_validate(raw).quality("sim_nba").weight_kg == (30, 300)


@pytest.mark.parametrize(("quality", "message"), [
    ({"height_cm": [250, 100]}, "low < high"),
    ({"max_rejected_share": 1.5}, "less than or equal to 1"),
    ({"heigth_cm": [100, 250]}, "Extra inputs are not permitted"),
])
def test_a_malformed_quality_is_refused_naming_the_field(quality, message):
    with pytest.raises(ValueError, match=message):
        PlatformConfig.model_validate(_athletes(quality=quality))
