"""The shipped default configuration, end to end: the embedded SmolLM2 model rates a real sample person through
litellm's custom-provider path, with the real prompt and its JSON schema, inside a Dagster materialization."""
from __future__ import annotations

import dagster as dg
import duckdb

from assets import bios, traits
from personax_platform import settings
from personax_platform.llm.embedded import MODEL_VERSION
from personax_platform.llm.models import models_path
from personax_platform.prompts import current_prompts_dir
from personax_platform.traits.constants import TRAITS
from resources.llm import LLMResource
from tests.pipeline.resources import pipeline_resources


def test_the_default_embedded_model_rates_one_person_end_to_end(warehouse_dirs, tmp_path):
    llm = LLMResource(models_config=str(models_path()), prompts_dir=str(current_prompts_dir()),
                      prompt_id=settings.prompt_id(), cache_path=str(tmp_path / "cache.sqlite"))
    result = dg.materialize(
        [bios.raw_bios, bios.bios, traits.trait_texts, traits.trait_scores, traits.aggregated_traits,
         traits.trait_scores_check],
        partition_key="nhl", resources={**pipeline_resources(warehouse_dirs), "llm": llm},
        run_config={"ops": {"traits__trait_texts": {"config": {"max_people": 1}}}})
    assert result.success
    (texts_event,) = [e for e in result.get_asset_materialization_events()
                      if e.asset_key == traits.TRAIT_TEXTS]
    assert "NOT valid trait estimates" in texts_event.materialization.metadata["notice"].value
    with duckdb.connect(str(warehouse_dirs["catalog_path"]), read_only=True) as con:
        text = con.execute("SELECT * FROM traits.trait_texts").df().iloc[0]
        scores = con.execute("SELECT * FROM traits.trait_scores").df().iloc[0]
    assert text["status"] == "ok" and text["model_version"] == MODEL_VERSION and text["cost_usd"] == 0
    assert text["description"] and text["output_tokens"] > 0 and text["finish_reason"] == "stop"
    assert scores["status"] == "ok" and all(scores[t] in (0, 1, 2, 3) for t in TRAITS)
