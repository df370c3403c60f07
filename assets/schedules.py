"""The daily re-check: re-run trait inference for every league that still owes answers to the active prompt.

It backs up the automation condition, which only sees code-version changes after a code reload and never retries
failed calls: this reads the prompt file and the stored rows themselves (personax_platform/traits/freshness.py).
"""
import dagster as dg

from assets.bios import BIOS
from assets.jobs import traits_job
from assets.traits import TRAIT_TEXTS
from personax_platform.traits.freshness import inference_gaps
from resources.llm import LLMResource
from resources.warehouse import WarehouseResource, table_ref


@dg.schedule(job=traits_job, cron_schedule="0 3 * * *", default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Daily at 03:00: re-run traits_job for each league with stale, never-rated or failed "
                         "person × model answers (prompt edits, new people, provider outages).")
def traits_daily_recheck(context: dg.ScheduleEvaluationContext, llm: LLMResource, warehouse: WarehouseResource):
    lake = warehouse.lakehouse()
    prompt, config = llm.prompt(), llm.platform_config()
    bios_ref, texts_ref = table_ref(BIOS), table_ref(TRAIT_TEXTS)
    stored_bios, stored_texts = set(lake.partitions(bios_ref)), set(lake.partitions(texts_ref))
    requests, skipped = [], []
    for league in config.leagues:
        if league not in stored_bios:
            skipped.append(f"{league}: no bios yet")
            continue
        people = lake.read_frame(bios_ref, [league])["person_id"]
        texts = lake.read_frame(texts_ref, [league]) if league in stored_texts else None
        models = [m.name for m in llm.models(config.league_to_dataset[league])]
        gaps = inference_gaps(texts, people, prompt.sha, models)
        if gaps.needs_run:
            requests.append(dg.RunRequest(
                run_key=f"{league}:{prompt.sha[:12]}:{context.scheduled_execution_time:%Y-%m-%d}",
                partition_key=league, tags={"personax/reason": gaps.describe()[:200]}))
        else:
            skipped.append(f"{league}: up to date")
    if not requests:
        return dg.SkipReason("; ".join(skipped) or "no leagues configured")
    return requests
