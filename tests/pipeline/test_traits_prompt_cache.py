"""Provider prompt caching end to end: the cached prompt tokens a provider reports reach `traits.trait_texts` and the
run metadata through litellm, and rows stored before the column existed keep it empty."""
from __future__ import annotations

import pyarrow.parquet as pq

from assets import traits
from personax_platform.prompts import load_prompt
from tests.pipeline.traits_support import MODELS, edit_prompt, llm_resources, materialize_traits, read_table


def test_cached_prompt_tokens_reach_trait_texts_and_the_run_metadata(warehouse_dirs, llm_setup, server):
    server.report_cached_tokens = "openai"
    result = materialize_traits(llm_resources(warehouse_dirs, *llm_setup))
    assert result.success
    texts = read_table(warehouse_dirs, "trait_texts")
    # Each model's first request finds nothing cached; every later one shares the whole system message with it.
    assert (texts["cached_input_tokens"] == 0).sum() == len(MODELS)
    assert (texts["cached_input_tokens"] > 0).sum() == len(texts) - len(MODELS)
    assert (texts["cached_input_tokens"] < texts["input_tokens"]).all()
    (metadata,) = [e.materialization.metadata for e in result.get_asset_materialization_events()
                   if e.asset_key == traits.TRAIT_TEXTS]
    assert metadata["cached_input_tokens"].value == texts["cached_input_tokens"].sum() > 0


def test_rows_stored_before_the_column_existed_keep_it_empty(warehouse_dirs, llm_setup, server):
    resources = llm_resources(warehouse_dirs, *llm_setup)
    assert materialize_traits(resources, max_people=2).success
    stored = warehouse_dirs["lake_dir"] / "traits" / "trait_texts" / "pga.parquet"
    # As an earlier release wrote it: without the column.
    pq.write_table(pq.read_table(stored).drop_columns(["cached_input_tokens"]), stored)
    server.report_cached_tokens = "openai"
    edit_prompt(llm_setup[1])
    assert materialize_traits(resources, max_people=2).success
    texts = read_table(warehouse_dirs, "trait_texts")
    edited = texts["prompt_sha"] == load_prompt("number-l3-inc", llm_setup[1]).sha
    old, new = texts[~edited], texts[edited]
    assert len(old) == len(new) == 2 * len(MODELS)
    assert old["cached_input_tokens"].isna().all() and new["cached_input_tokens"].notna().all()
