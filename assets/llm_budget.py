"""One budget for every asset that sends LLM requests (trait inference, the prompt study): the run previews what
it would send (personax_platform/llm/preview.py), logs it, and refuses above `max_cost_usd` before any call."""
from __future__ import annotations

import dagster as dg
import polars as pl
from pydantic import Field

from assets.metadata import markdown_table
from personax_platform.llm.preview import RunPreview

DEFAULT_MAX_COST_USD = 5.0


class LLMBudgetConfig(dg.Config):
    """Run config of an asset that sends LLM requests; the assets' own configs extend it."""

    max_cost_usd: float = Field(
        DEFAULT_MAX_COST_USD, ge=0,
        description="Refuse to start when the synchronous cost of the requests to send (cached answers are free; "
                    "output counted at max_tokens, so an upper bound) is higher; raise it in the run config to "
                    "proceed. Models with no known price count as 0.")


def preview_metadata(preview: RunPreview) -> dict[str, dg.MetadataValue | int | float]:
    """The preview as the UI shows it: a table per model plus totals, and the totals as plottable numbers."""
    metadata: dict[str, dg.MetadataValue | int | float] = {
        "run_preview": dg.MetadataValue.md(markdown_table(pl.DataFrame(preview.rows()), rows=len(preview.models) + 1)),
        "requests_to_send": preview.to_send,
        "estimated_cost_usd": preview.cost_usd,
    }
    if preview.batch_cost_usd is not None:
        metadata["estimated_batch_cost_usd"] = preview.batch_cost_usd
    if preview.wall_time_s is not None:
        metadata["estimated_wall_time_s"] = preview.wall_time_s
    return metadata


def enforce_budget(context: dg.AssetExecutionContext, preview: RunPreview, max_cost_usd: float) -> None:
    """Logs the preview; raises (nothing sent) when the requests to send cost more than the budget."""
    context.log.info(f"{context.partition_key}: {preview.describe()}; budget ${max_cost_usd:.2f}")
    if not preview.within(max_cost_usd):
        raise dg.Failure(
            description=f"estimated cost ${preview.cost_usd:.2f} is above the budget max_cost_usd="
                        f"${max_cost_usd:.2f}: {preview.describe()}. Nothing was sent; raise max_cost_usd in the "
                        "run config (or ask for fewer requests) to proceed.",
            metadata=preview_metadata(preview))
