"""A separate process completing requests into a shared cache: `python -m tests.llm.cache_worker CACHE API_BASE
RUN_ID CONCURRENCY CONTENT...` (the API key comes from the environment, as in production)."""
from __future__ import annotations

import sys

from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import complete_all_sync
from tests.llm.support import FAST_BACKOFF, fake_model, make_requests, validate_json


def main(cache_path: str, api_base: str, run_id: str, concurrency: str, *contents: str) -> None:
    requests = make_requests(fake_model(api_base, max_concurrency=int(concurrency)), list(contents))
    with ResponseCache(cache_path) as cache:
        print("started", flush=True)
        results = complete_all_sync(requests, cache, validate=validate_json, run_id=run_id, backoff=FAST_BACKOFF)
    print("done", sum(r.status == "ok" for r in results), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
