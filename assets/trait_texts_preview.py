"""What the next `traits/trait_texts` run of a league would send, cost and take, shown in the UI without sending
anything: a non-blocking check that renders the run's requests from the stored bios and compares them with the
response cache, under the asset's default run config (every person of the league, the default budget)."""
import warnings

import dagster as dg
import polars as pl

from assets.bios import BIOS
from assets.llm_budget import preview_metadata
from assets.partitions import league_partitions
from assets.traits import TRAIT_TEXTS, TraitTextsConfig, trait_texts_requests
from resources.llm import LLMResource

# Partitioned asset checks are a Dagster preview feature (pinned version; tests pin the behaviour).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.PreviewWarning)

    @dg.asset_check(
        asset=TRAIT_TEXTS, partitions_def=league_partitions, blocking=False,
        additional_ins={"people": dg.AssetIn(key=BIOS)},
        description="Preview of the next run under the default config: requests to send (not yet cached) and "
                    "cached, prompt tokens, output tokens at most, cost at synchronous and batch prices, wall time "
                    "under the models' RPM/TPM. Warns when the cost is above the default budget (max_cost_usd).")
    def trait_texts_run_preview(llm: LLMResource, people: pl.DataFrame) -> dg.AssetCheckResult:
        config = TraitTextsConfig()
        dataset = people["dataset"][0] if len(people) else None
        requests = (trait_texts_requests(people, config, llm.prompt(), llm.models(dataset), dataset)
                    if dataset else [])
        preview = llm.preview(requests)
        within = preview.within(config.max_cost_usd)
        return dg.AssetCheckResult(
            passed=within, severity=dg.AssetCheckSeverity.WARN, metadata=preview_metadata(preview),
            description=f"{preview.describe()}; budget ${config.max_cost_usd:.2f}"
                        + ("" if within else ": a run with the default config would be refused"))
