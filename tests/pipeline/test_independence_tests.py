"""Level I materialized for a dataset from the real traits assets: every trait (aggregated and per model) × feature
× test is a row, undefined or skipped tests say why, nothing failed is p = 0, and the UI gets heatmaps."""
from __future__ import annotations

import dagster as dg
import numpy as np

from assets.independence_tests import independence_tests
from personax_platform.stats import ATHLETE_FEATURES
from personax_platform.traits.constants import TRAITS
from tests.pipeline.traits_support import (
    BIOS_ASSETS,
    MODELS,
    TRAIT_ASSETS,
    llm_resources,
    materialize_dataset_traits,
    read_table,
)


def test_level1_covers_every_trait_feature_and_test_with_honest_statuses(warehouse_dirs, llm_setup, server):
    resources = llm_resources(warehouse_dirs, *llm_setup)
    materialize_dataset_traits(resources, "athlepersona", max_people=5)
    result = dg.materialize(BIOS_ASSETS + TRAIT_ASSETS + [independence_tests], partition_key="athlepersona",
                            selection=[independence_tests], resources=resources)
    assert result.success
    table = read_table(warehouse_dirs, "independence_tests", "analysis")
    assert set(table["model"]) == {"aggregated", *MODELS} and set(table["trait"]) == set(TRAITS)
    assert len(table) == len(TRAITS) * (1 + len(MODELS)) * len(ATHLETE_FEATURES) * 5
    skipped = table[table["status"] == "skipped"]
    assert set(skipped["test"]) <= {"chisq", "gsq"} and skipped["reason"].str.len().gt(0).all()
    not_ok = table[table["status"] != "ok"]
    assert not_ok["p_value"].isna().all() and not_ok["reason"].notna().all()  # never p = 0 for a failure
    ok = table[table["status"] == "ok"]
    assert len(ok) > 0 and ok["p_value"].between(0, 1).all() and (ok["n"] >= 10).all()
    assert np.all(ok["p_adjusted"] >= ok["p_value"] - 1e-12)
    (event,) = [e for e in result.get_asset_materialization_events()]
    metadata = event.materialization.metadata
    assert metadata["heatmap_kci"].value.startswith("![kci](data:image/png;base64,")
