"""Spread one call's HTTP requests over worker processes: against a fast self-hosted server (vLLM, llama.cpp) the
client's own CPU per request (litellm's request building, response parsing, cost and logging bookkeeping: ~4 ms) is
the limit, and one Python process uses one core.

Each worker is a fresh interpreter (`python -m personax_platform.llm.client_workers`, never a fork: the parent may
be a Dagster run process with threads), started with its share of the requests and of each model's limits: model m
with max_concurrency c over k workers gives each c // k (+1 for the first c % k), and rpm / k and tpm / k, so the
workers together never exceed the model's limits. A worker commits every outcome to the shared SQLite cache (WAL)
before it reports it; the parent turns the reports into results. A worker that dies loses only what it had not
committed: the parent reads the committed outcomes of its unreported requests back from the cache and records the
rest as failed (re-sent by the next run).

Frames on the pipes are a 4-byte big-endian length and a pickle. The parent writes the worker's sys.path, then its
`Job`, to the worker's stdin and keeps stdin open: the worker exits when it closes (the parent finished, was
cancelled or died). The worker answers on stdout: ("result", hash, outcome, started) per request, then ("done",).
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import struct
import sys
import threading
import traceback
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from personax_platform.llm.cache import CachedResponse, ResponseCache
from personax_platform.llm.client import Backoff, Validate, _cached, _complete, _now, _Outcome, _secrets
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.ratelimit import ModelLimiter
from personax_platform.llm.request import LLMRequest

# When workers pay, measured on 2 cores against a local server at 64 in flight and 200 ms (a neighbour's load
# about 1.5): starting two costs ~2.7 s before their first request (importing litellm: ~2.5 s CPU each; at 9,000
# requests the workers' CPU per request is 0.7 ms above one process's, mostly that start-up). 3,000 requests took 163
# requests/s with two workers against 215 in one process; 9,000 took 240 against 212. Below ~5,000 requests the
# start-up eats what the second core saves. With fewer than 32 requests in flight (e.g. 8 at 200 ms: 40
# requests/s) one process is idle most of the time anyway.
MIN_PENDING = 5000
MIN_CONCURRENCY = 32
# How long a worker may take to exit after its stdin is closed before it is killed.
_EXIT_GRACE_S = 5.0
_HEADER = struct.Struct(">I")
# embedded.EMBEDDED_PROVIDER and simulated.SIMULATED_PROVIDER, spelt out: those modules import litellm (seconds),
# which a parent that hands all its requests to workers never needs (tests/llm/test_client_workers.py pins them).
IN_PROCESS_PROVIDERS = frozenset({"personax-embedded", "personax-simulated"})

OnOutcome = Callable[[str, "_Outcome | CachedResponse", datetime], None]


@dataclass(frozen=True)
class Share:
    """One worker's part of one model's limits."""

    max_concurrency: int
    rpm: float | None
    tpm: float | None


@dataclass(frozen=True)
class Job:
    """What one worker sends: (request hash, request) pairs in the caller's order."""

    cache_path: str
    run_id: str
    validate: Validate | None
    backoff: Backoff
    items: list[tuple[str, LLMRequest]]
    limits: dict[str, Share]


def runs_in_process(model: ModelConfig) -> bool:
    """Custom litellm providers exist only in the process that registered them (the embedded model, which also has
    one model process to share, and the simulated raters): their requests stay here."""
    provider = model.model.split("/", 1)[0]
    if provider in IN_PROCESS_PROVIDERS:
        return True
    litellm = sys.modules.get("litellm")  # not imported: nothing else can have been registered
    return litellm is not None and any(entry.get("provider") == provider
                                       for entry in getattr(litellm, "custom_provider_map", None) or [])


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan_jobs(pending: Mapping[str, LLMRequest], cache_path: str, run_id: str, validate: Validate | None,
              backoff: Backoff, workers: int | None) -> list[Job]:
    """The workers' jobs for the HTTP models' requests of `pending`; none when one process is enough (see
    MIN_PENDING), when `workers` <= 1, or when `validate` cannot cross into another process. `workers=None`
    decides from the numbers and the cores; a number asks for that many whatever the numbers."""
    remote = {h: r for h, r in pending.items() if not runs_in_process(r.model)}
    models = {r.model.name: r.model for r in remote.values()}
    if workers is None:
        big = len(remote) >= MIN_PENDING and sum(m.max_concurrency for m in models.values()) >= MIN_CONCURRENCY
        workers = available_cpus() if big else 1
    if workers <= 1 or not remote or not _picklable(validate):
        return []
    by_model: dict[str, list[tuple[str, LLMRequest]]] = {}
    for h, request in remote.items():
        by_model.setdefault(request.model.name, []).append((h, request))
    items: list[list[tuple[str, LLMRequest]]] = [[] for _ in range(workers)]
    limits: list[dict[str, Share]] = [{} for _ in range(workers)]
    offset = 0
    for name, model_items in by_model.items():
        model = models[name]
        # A model with fewer slots than workers runs on as many workers as it has slots; the offset spreads such
        # models over different workers.
        spread = min(workers, model.max_concurrency)
        slots = [(offset + j) % workers for j in range(spread)]
        offset += spread
        for j, worker in enumerate(slots):
            limits[worker][name] = Share(model.max_concurrency // spread + (j < model.max_concurrency % spread),
                                         model.rpm / spread if model.rpm else None,
                                         model.tpm / spread if model.tpm else None)
        for i, item in enumerate(model_items):
            items[slots[i % spread]].append(item)
    order = {h: i for i, h in enumerate(remote)}  # each worker sends in the caller's order, models interleaved
    return [Job(str(cache_path), run_id, validate, backoff, sorted(mine, key=lambda item: order[item[0]]), shares)
            for mine, shares in zip(items, limits) if mine]


def _picklable(value: object) -> bool:
    try:
        pickle.dumps(value)
    except Exception:  # noqa: BLE001 - a lambda or a closure: PicklingError, AttributeError, TypeError
        return False
    return True


async def run_jobs(jobs: Iterable[Job], cache: ResponseCache, on_outcome: OnOutcome) -> None:
    """Run the jobs in worker processes at once; `on_outcome` gets every request's outcome (in the order they
    arrive), dead workers' requests included."""
    await asyncio.gather(*(_run_job(job, cache, on_outcome) for job in jobs))


async def _run_job(job: Job, cache: ResponseCache, on_outcome: OnOutcome) -> None:
    started = _now()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", __name__, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    reported: set[str] = set()
    error: str | None = None
    try:
        for payload in (sys.path, job):
            process.stdin.write(_frame(payload))
        await process.stdin.drain()
        while True:
            try:
                (size,) = _HEADER.unpack(await process.stdout.readexactly(_HEADER.size))
                message = pickle.loads(await process.stdout.readexactly(size))
            except asyncio.IncompleteReadError:
                break  # the worker died; its unreported requests are resolved below
            if message[0] == "result":
                _, h, outcome, call_started = message
                reported.add(h)
                on_outcome(h, outcome, call_started)
            elif message[0] == "error":
                error = message[1]
            else:
                break
    except (BrokenPipeError, ConnectionResetError):
        pass  # died before it read its job
    finally:
        await _stop(process)
    missing = [h for h, _ in job.items if h not in reported]
    if missing:
        reason = _death_reason(process.pid, process.returncode, error)
        _resolve_lost(job, missing, cache, reason, started, on_outcome)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Close the worker's stdin (it exits) and wait; kill it when it does not exit, or when the caller is cancelled
    while waiting: a worker never outlives the call."""
    if process.stdin is not None and not process.stdin.is_closing():
        process.stdin.close()
    try:
        await asyncio.wait_for(process.wait(), _EXIT_GRACE_S)
    except TimeoutError:
        _kill(process)
        await process.wait()
    except asyncio.CancelledError:
        _kill(process)
        raise


def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()


def _death_reason(pid: int, returncode: int | None, error: str | None) -> str:
    how = f"was killed by signal {-returncode}" if returncode is not None and returncode < 0 else \
        f"exited with code {returncode}"
    text = f"LLM client worker process {pid} {how} before answering"
    return f"{text}: {error}" if error else text


def _resolve_lost(job: Job, missing: Collection[str], cache: ResponseCache, reason: str, started: datetime,
                  on_outcome: OnOutcome) -> None:
    """A dead worker's unreported requests: what it committed comes from the cache, the rest fails (committed as
    failed, so the cache holds every outcome of the run; a later run re-sends failed requests)."""
    committed = cache.get(missing)
    requests = dict(job.items)
    for h in missing:
        row = committed.get(h)
        if row is not None and (row.run_id == job.run_id or row.status == "ok"):
            on_outcome(h, row, started)
            continue
        outcome = _Outcome(status="failed", failure_reason=reason)
        cache.put(_cached(h, requests[h], outcome, job.run_id, started))
        on_outcome(h, outcome, started)


def _frame(payload: Any) -> bytes:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _read_frame(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the parent closed the pipe")
    (size,) = _HEADER.unpack(header)
    return pickle.loads(stream.read(size))


async def _work(job: Job, send: Callable[[tuple[Any, ...]], None]) -> None:
    limiters = {name: ModelLimiter(share.max_concurrency, share.rpm, share.tpm)
                for name, share in job.limits.items()}
    secrets = _secrets(request.model for _, request in job.items)
    with ResponseCache(job.cache_path) as cache:
        async def one(h: str, request: LLMRequest) -> None:
            started = _now()
            outcome = await _complete(request, limiters[request.model.name], job.validate, job.backoff, secrets)
            cache.put(_cached(h, request, outcome, job.run_id, started))  # committed before it is reported
            send(("result", h, outcome, started))

        await asyncio.gather(*(one(h, r) for h, r in job.items))


def _exit_when_closed(fd: int) -> None:
    """The parent closes stdin when it is done with this worker, is cancelled, or dies: stop at once (what was
    committed stays committed). Raw reads: a buffered reader's lock held here would abort the interpreter's exit."""
    while os.read(fd, 65536):
        pass
    os._exit(0)


def main() -> None:
    stdin = sys.stdin.buffer
    # Results go on a private copy of stdout; anything a library prints goes to stderr instead of into the frames.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with lock:
            out.write(_frame(message))
            out.flush()

    sys.path[:] = _read_frame(stdin)  # the parent's, so that its validate function unpickles here
    try:
        job: Job = _read_frame(stdin)
        threading.Thread(target=_exit_when_closed, args=(stdin.fileno(),), daemon=True).start()
        asyncio.run(_work(job, send))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the unanswered requests with it
        traceback.print_exc()
        send(("error", f"{type(exc).__name__}: {exc}"))
        os._exit(1)
    send(("done",))
    os._exit(0)  # no interpreter shutdown: everything is committed and sent, and the stdin thread is still reading


if __name__ == "__main__":
    main()
