"""How provider batches show in the UI: one row per submission with its progress, age and the provider's deadline
(on `traits/trait_texts`' observations, from the run that submits and from the llm_batches sensor)."""
from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg
import polars as pl

from assets.metadata import markdown_table
from personax_platform.llm.batch_api import BatchStatus
from personax_platform.llm.batch_ledger import Submission
from personax_platform.llm.preview import rough_duration


def batches_metadata(submissions: list[Submission],
                     statuses: dict[str, BatchStatus | None] | None = None) -> dict[str, dg.MetadataValue | int]:
    """One row per submission: model, provider batch id, status, progress, age and the provider's deadline."""
    statuses = statuses or {}
    rows = [_row(s, statuses.get(s.submission_id)) for s in submissions]
    return {
        "open_batches": dg.MetadataValue.md(markdown_table(pl.DataFrame(rows), rows=len(rows)) if rows
                                            else "_no open batches_"),
        "open_batch_count": len(submissions),
        "requests_in_batches": sum(s.total for s in submissions),
    }


def _row(submission: Submission, status: BatchStatus | None) -> dict[str, str]:
    done = (status.completed + status.failed) if status else submission.completed + submission.failed
    return {
        "model": submission.model_name,
        "batch": submission.batch_id or "(not at the provider yet)",
        "status": status.status if status else (submission.provider_status or submission.state),
        "progress": f"{done:,}/{submission.total:,}",
        "age": rough_duration(submission.age_s),
        "deadline": _until((status.deadline if status else None) or submission.deadline),
    }


def _until(deadline: str | None) -> str:
    if deadline is None:
        return ""
    left = (datetime.fromisoformat(deadline) - datetime.now(timezone.utc)).total_seconds()
    return f"{deadline[:16]} UTC (" + (f"in {rough_duration(left)})" if left > 0 else "passed)")
