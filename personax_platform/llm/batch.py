"""Batch mode: a run's requests for `mode: batch` models go through the provider's batch API instead of one call
each, and the run never waits for them.

One round (`batch_round`), run by every materialization of a partition:

1. **collect**: the partition's open batches are asked for their status; finished ones (completed, expired, failed,
   cancelled) are downloaded and every request gets its row in the response cache: the answer, or a failure with the
   provider's reason. Requests a finished batch has no line for fail with the batch's status.
2. **resume**: claims left by a killed process are finished: a claim that may have reached the provider is looked
   up there by its submission id (the batch's metadata) before anything is created, so no request is sent twice.
3. **submit**: the requests neither answered, nor held by an unfinished batch, nor failed by a batch collected in
   this run (those are this run's failures, shown as failed rows; the next run retries them, in a batch or, with
   `batch_retry: sync`, synchronously) are claimed in the ledger (personax_platform/llm/batch_ledger.py) and sent.

The round returns what is answered and what still waits. A caller with waiting requests stops there; the batches'
sensor asks for the partition again when they are done, and that round finds every answer in the cache.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from personax_platform.llm.batch_api import BATCH_PROVIDERS, BatchStatus, ProviderBatches
from personax_platform.llm.batch_files import LineResult, parse_result_file, request_line
from personax_platform.llm.batch_ledger import BatchLedger, Submission
from personax_platform.llm.cache import CachedResponse, ResponseCache
from personax_platform.llm.client import LLMResult, Validate
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.prices import batch_prices, sync_prices
from personax_platform.llm.request import LLMRequest, request_hash
from personax_platform.progress import Report

_CLIENT_ERRORS = range(400, 500)
_RETRYABLE_STATUS = frozenset({408, 409, 429})


@dataclass(frozen=True)
class BatchRound:
    """`results`: requests with an answer or with a failure final for this run, in request order. `sync_retries`:
    requests a batch of an earlier run failed, for models that retry synchronously. `pending`: how many of the
    requests an unfinished batch still holds; `waiting`: the scope's unfinished submissions."""

    results: list[LLMResult]
    sync_retries: list[LLMRequest]
    pending: int
    waiting: list[Submission]
    submitted: list[Submission] = field(default_factory=list)
    collected: list[Submission] = field(default_factory=list)


def batch_round(requests: Sequence[LLMRequest], cache: ResponseCache, ledger: BatchLedger, *, scope: str,
                run_id: str, validate: Validate | None, progress: Report | None = None) -> BatchRound:
    say = progress or (lambda line: None)
    hashes = [request_hash(r) for r in requests]
    by_hash = dict(zip(hashes, requests))
    apis = {r.model.name: provider_batches(r.model) for r in requests}
    collected = _collect_and_resume(scope, apis, cache, ledger, by_hash, validate, run_id, say)
    to_submit, sync_retries = _plan(by_hash, cache, ledger, run_id)
    submitted = [submission for name, todo in to_submit.items()
                 for submission in _submit(scope, apis[name], todo, cache, ledger, by_hash, run_id, say)]
    rows, held = cache.get(by_hash), ledger.held(by_hash)
    results = [_result(request, h, rows[h], run_id) for request, h in zip(requests, hashes)
               if h in rows and h not in held and (rows[h].status == "ok" or rows[h].run_id == run_id)]
    waiting = [s for s in ledger.unfinished(scope) if s.model_name in apis]
    return BatchRound(results, sync_retries, len(held), waiting, submitted, collected)


def _collect_and_resume(scope: str, apis: dict[str, ProviderBatches], cache: ResponseCache, ledger: BatchLedger,
                        by_hash: dict[str, LLMRequest], validate: Validate | None, run_id: str,
                        say: Report) -> list[Submission]:
    """Finished batches of the scope into the cache; interrupted claims finished. Returns the collected ones."""
    collected = []
    for submission in ledger.unfinished(scope):
        api = apis.get(submission.model_name)
        if api is None:
            continue  # a model this run does not ask in batch mode: the sensor still reports it
        if submission.state == "open":
            status = _poll(api, ledger, submission)
            if status.done:
                _ingest(api, ledger, cache, submission, status, validate, run_id)
                collected.append(submission)
                say(f"batch {status.batch_id} ({submission.model_name}, {submission.total:,} requests) "
                    f"{status.status}: collected")
        elif submission.resumable():
            _resume(api, ledger, cache, submission, by_hash, run_id)
            say(f"resumed the interrupted submission {submission.submission_id}")
    return collected


def _plan(by_hash: dict[str, LLMRequest], cache: ResponseCache, ledger: BatchLedger,
          run_id: str) -> tuple[dict[str, list[str]], list[LLMRequest]]:
    """(model name -> hashes to submit, requests to retry synchronously). Answered requests, requests an unfinished
    batch holds and this run's batch failures are neither."""
    rows, held = cache.get(by_hash), ledger.held(by_hash)
    to_submit: dict[str, list[str]] = {}
    sync_retries = []
    for h, request in by_hash.items():
        row = rows.get(h)
        if (row is not None and (row.status == "ok" or row.run_id == run_id)) or h in held:
            continue
        if row is not None and request.model.batch_retry == "sync":
            sync_retries.append(request)
        else:
            to_submit.setdefault(request.model.name, []).append(h)
    return to_submit, sync_retries


def _submit(scope: str, api: ProviderBatches, todo: list[str], cache: ResponseCache, ledger: BatchLedger,
            by_hash: dict[str, LLMRequest], run_id: str, say: Report) -> list[Submission]:
    model = api.model
    sizes = {h: len(request_line(by_hash[h], h, api.provider_model)) for h in todo}
    claimed = ledger.claim(scope, model.name, model.model, todo, sizes, model.batch_max_requests,
                           model.batch_max_bytes)
    for submission in claimed:
        _send(api, ledger, cache, submission, by_hash, run_id)
        say(f"submitted {submission.total:,} requests of {model.name} as one batch ({submission.submission_id})")
    return claimed


def provider_batches(model: ModelConfig) -> ProviderBatches:
    """The model's batch endpoints; a clear error for a model whose provider has none."""
    try:
        api: ProviderBatches | None = ProviderBatches(model)
    except Exception:  # noqa: BLE001 - litellm does not know the provider at all (an in-process one)
        api = None
    provider = api.provider if api is not None else model.model.split("/", 1)[0]
    if api is None or provider not in BATCH_PROVIDERS:
        raise ValueError(f"model {model.name} ({model.model}) has mode: batch, but litellm has no batch API for "
                         f"provider {provider!r}; batch providers: {', '.join(sorted(BATCH_PROVIDERS))}")
    return api


def poll(models: Sequence[ModelConfig], ledger: BatchLedger) -> list[tuple[Submission, BatchStatus | None]]:
    """Every unfinished submission of `models` with the provider's status now (None for claims not yet at the
    provider). Status only: nothing is downloaded (the sensor calls this every few minutes)."""
    apis = {m.name: provider_batches(m) for m in models if m.mode == "batch"}
    polled = []
    for submission in ledger.unfinished():
        api = apis.get(submission.model_name)
        if api is None or submission.state != "open":
            polled.append((submission, None))
            continue
        polled.append((ledger.get(submission.submission_id), _poll(api, ledger, submission)))
    return polled


def _poll(api: ProviderBatches, ledger: BatchLedger, submission: Submission) -> BatchStatus:
    status = api.retrieve(submission.batch_id or "")
    ledger.record_poll(submission.submission_id, status.status, status.completed, status.failed)
    return status


def _resume(api: ProviderBatches, ledger: BatchLedger, cache: ResponseCache, submission: Submission,
                  by_hash: dict[str, LLMRequest], run_id: str) -> None:
    """Finish a claim its process left: adopt the provider's batch if the create call reached it, else send it, or
    close it when this run no longer asks for all of its requests (a changed prompt): they were never sent."""
    sid = submission.submission_id
    ledger.adopt(sid)
    if submission.create_sent_at is not None and (found := api.find(sid)) is not None:
        ledger.record_batch(sid, found.batch_id, found.status, found.deadline)
    elif set(ledger.items(sid)) <= by_hash.keys():
        _send(api, ledger, cache, submission, by_hash, run_id)
    else:
        ledger.close(sid, "abandoned before reaching the provider: its requests are no longer asked")


def _send(api: ProviderBatches, ledger: BatchLedger, cache: ResponseCache, submission: Submission,
                by_hash: dict[str, LLMRequest], run_id: str) -> None:
    """Upload (unless an earlier attempt did) and create, recording each step before the next."""
    sid = submission.submission_id
    hashes = ledger.items(sid)
    try:
        file_id = submission.input_file_id
        if file_id is None:
            data = b"".join(request_line(by_hash[h], h, api.provider_model) for h in hashes)
            file_id = api.upload(f"{sid}.jsonl", data)
            ledger.record_file(sid, file_id)
        ledger.record_create_sent(sid)
        status = api.create(file_id, sid)
    except Exception as exc:
        code = getattr(exc, "status_code", None)
        if code not in _CLIENT_ERRORS or code in _RETRYABLE_STATUS:
            raise  # transient: the claim stays, the next run resumes it
        # The provider refuses the file or the batch itself (e.g. 400): retrying cannot help, so its requests
        # become failed rows with the provider's reason, and the claim is closed.
        reason = api.scrub(f"batch refused: {type(exc).__name__} (HTTP {code}): {exc}")[:2000]
        for h in hashes:
            cache.put(_cached(h, by_hash[h].model, LineResult(h, reason), run_id, 0.0))
        ledger.close(sid, reason)
        return
    ledger.record_batch(sid, status.batch_id, status.status, status.deadline)


def _ingest(api: ProviderBatches, ledger: BatchLedger, cache: ResponseCache, submission: Submission,
                  status: BatchStatus, validate: Validate | None, run_id: str) -> None:
    """Every request of a finished batch gets its cache row, then the submission is closed."""
    lines: dict[str, LineResult] = {}
    for file_id in (status.output_file_id, status.error_file_id):
        if file_id:
            lines.update(parse_result_file(api.content(file_id), validate))
    missing = f"batch {status.status} without a result for this request" + (
        f" ({status.errors})" if status.errors else "")
    prices = batch_prices(api.model) or sync_prices(api.model)
    answered = 0
    for h in ledger.items(submission.submission_id):
        line = lines.get(h, LineResult(h, missing))
        if line.reason is not None:
            line = replace(line, reason=api.scrub(line.reason))
        answered += line.reason is None
        cache.put(_cached(h, api.model, line, run_id, _cost(line, prices)))
    ledger.close(submission.submission_id,
                 f"{status.status}: {answered:,} answered, {submission.total - answered:,} failed")


def _cost(line: LineResult, prices: tuple[float, float]) -> float:
    return (line.input_tokens or 0) * prices[0] + (line.output_tokens or 0) * prices[1]


def _cached(h: str, model: ModelConfig, line: LineResult, run_id: str, cost: float) -> CachedResponse:
    now = datetime.now(timezone.utc).isoformat()
    return CachedResponse(
        request_hash=h, model=model.model, status="ok" if line.reason is None else "failed",
        raw_response=line.raw_response, finish_reason=line.finish_reason, model_version=line.model_version,
        input_tokens=line.input_tokens, output_tokens=line.output_tokens, cost_usd=cost, latency_s=None,
        attempts=1, failure_reason=line.reason, run_id=run_id, created_at=now, updated_at=now,
        cached_input_tokens=line.cached_input_tokens)


def _result(request: LLMRequest, h: str, row: CachedResponse, run_id: str) -> LLMResult:
    """A batch answer as the synchronous client reports one: fresh when this run collected it."""
    when = datetime.fromisoformat(row.updated_at)
    return LLMResult(
        key=request.key, request_hash=h, model_name=request.model.name, model_string=request.model.model,
        model_version=row.model_version, status=row.status, failure_reason=row.failure_reason,
        raw_response=row.raw_response, finish_reason=row.finish_reason, input_tokens=row.input_tokens,
        output_tokens=row.output_tokens, cached_input_tokens=row.cached_input_tokens, cost_usd=row.cost_usd,
        latency_s=row.latency_s, attempts=row.attempts, cache_hit=row.run_id != run_id, run_id=run_id,
        started_at=when, finished_at=when, metadata=dict(request.metadata))
