"""A real OpenAI-compatible `/v1/chat/completions` server on 127.0.0.1 for tests, scriptable per test.

Runs aiohttp on its own event loop in a background thread (so litellm in the test's loop talks real HTTP to it):
fixed latency, an answer function, and a fault plan applied to the first calls of a request. A request is
identified by its last user message. With `report_cached_tokens`, usage reports the prompt tokens a provider's
prompt cache would have served (the longest prefix, in tokens of 4 characters, that the request shares with an earlier
request to the same model) in OpenAI's field (`prompt_tokens_details.cached_tokens`) or Anthropic's
(`cache_read_input_tokens`). The server stops at `stop()`, or by itself after `max_lifetime_s`. It binds `port` (any
free one when 0; SO_REUSEADDR, so a successor can bind the same port right after `stop()`); subclasses add routes in
`_add_routes`.
"""
from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

FaultKind = Literal["rate_limit", "server_error", "hang", "malformed", "length", "unauthorized"]
Answer = Callable[[dict[str, Any]], str]
CachedTokensField = Literal["openai", "anthropic"]


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    headers: Mapping[str, str] = field(default_factory=dict)  # e.g. Retry-After on a rate_limit


RATE_LIMIT = Fault("rate_limit", headers={"Retry-After": "1"})
SERVER_ERROR = Fault("server_error")
HANG = Fault("hang")
MALFORMED = Fault("malformed")
LENGTH = Fault("length")
UNAUTHORIZED = Fault("unauthorized")


def user_content(body: dict[str, Any]) -> str:
    return next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")


def echo_answer(body: dict[str, Any]) -> str:
    return json.dumps({"answer": user_content(body)})


class FakeOpenAIServer:
    def __init__(self, *, latency_s: float = 0.0, answer: Answer = echo_answer, hang_s: float = 10.0,
                 max_lifetime_s: float = 300.0, report_cached_tokens: CachedTokensField | None = None,
                 port: int = 0) -> None:
        self.latency_s = latency_s
        self.report_cached_tokens = report_cached_tokens
        self.answer = answer
        self.hang_s = hang_s
        self.max_lifetime_s = max_lifetime_s
        self.calls: Counter[str] = Counter()  # per user content, faulted calls included
        self.model_calls: Counter[tuple[str, str]] = Counter()  # per (model, user content)
        self.bodies: list[dict[str, Any]] = []
        self.arrivals: list[float] = []  # time.monotonic() of each call
        self.in_flight = 0
        self.max_in_flight = 0
        self.client_ports: set[int] = set()  # one per TCP connection the clients opened
        self._prompts: dict[str, list[str]] = {}  # per model, the prompts seen: the fake prompt cache
        self._plans: dict[tuple[str | None, str | None], list[Fault]] = {}
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self.port: int = self._sock.getsockname()[1]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-openai-server", daemon=True)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def fail_first(self, faults: Sequence[Fault], content: str | None = None, model: str | None = None) -> None:
        """The first len(faults) calls of a request get these faults, in order. A request is one `content` (every
        content when None); with `model`, only that model's calls count and fail."""
        self._plans[(content, model)] = list(faults)

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake OpenAI server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(15)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        app = web.Application(client_max_size=256 * 2**20)  # room for batch input files
        self._add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.SockSite(runner, self._sock, backlog=1024).start()
        self._ready.set()
        try:
            await asyncio.wait_for(self._stopping.wait(), self.max_lifetime_s)
        except TimeoutError:
            pass
        finally:
            self._stopping.set()  # releases hanging handlers
            await runner.cleanup()

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._handle)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        content = user_content(body)
        self.calls[content] += 1
        self.model_calls[(body["model"], content)] += 1
        self.bodies.append(body)
        self.arrivals.append(time.monotonic())
        self.client_ports.add(request.transport.get_extra_info("peername")[1])
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency_s:
                await asyncio.sleep(self.latency_s)
            return await self._respond(body, content, request.headers.get("Authorization", ""))
        finally:
            self.in_flight -= 1

    async def _respond(self, body: dict[str, Any], content: str, authorization: str) -> web.Response:
        fault = self._fault(content, body["model"])
        if fault is None:
            return self._completion(body, self.answer(body), "stop")
        if fault.kind == "rate_limit":
            return _error(429, "Rate limit reached", "rate_limit_exceeded", fault.headers)
        if fault.kind == "server_error":
            return _error(500, "The server had an error", "server_error", fault.headers)
        if fault.kind == "unauthorized":
            # Worse than real providers (which mask most of it): quotes the whole key back.
            token = authorization.removeprefix("Bearer ")
            return _error(401, f"Incorrect API key provided: {token}", "invalid_api_key")
        if fault.kind == "hang":
            try:
                await asyncio.wait_for(self._stopping.wait(), self.hang_s)
            except TimeoutError:
                pass
            return self._completion(body, self.answer(body), "stop")
        if fault.kind == "malformed":
            return self._completion(body, '{"answer": "unterminated', "stop")
        return self._completion(body, self.answer(body)[:5], "length")

    def _fault(self, content: str, model: str) -> Fault | None:
        for key in ((content, model), (None, model), (content, None), (None, None)):
            if key in self._plans:
                plan = self._plans[key]
                call = self.model_calls[(model, content)] if key[1] else self.calls[content]
                return plan[call - 1] if call <= len(plan) else None
        return None

    def _completion(self, body: dict[str, Any], content: str, finish_reason: str) -> web.Response:
        return web.json_response(self._completion_body(body, content, finish_reason))

    def _completion_body(self, body: dict[str, Any], content: str, finish_reason: str) -> dict[str, Any]:
        """A chat.completion answering `body` with `content`, with usage (and cached tokens when reported)."""
        prompt = "".join(str(m.get("content", "")) for m in body["messages"])
        prompt_chars = len(prompt)
        usage: dict[str, Any] = {"prompt_tokens": prompt_chars // 4 + 1, "completion_tokens": len(content) // 4 + 1,
                                 "total_tokens": prompt_chars // 4 + len(content) // 4 + 2}
        if self.report_cached_tokens == "openai":
            usage["prompt_tokens_details"] = {"cached_tokens": self._cached_tokens(body["model"], prompt)}
        elif self.report_cached_tokens == "anthropic":
            usage["cache_read_input_tokens"] = self._cached_tokens(body["model"], prompt)
        return {
            "id": f"chatcmpl-{self.total_calls}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "fake-model-2025-01-01",
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "finish_reason": finish_reason,
                         "message": {"role": "assistant", "content": content}}],
            "usage": usage,
        }

    def _cached_tokens(self, model: str, prompt: str) -> int:
        seen = self._prompts.setdefault(model, [])
        shared = max((len(os.path.commonprefix([prompt, earlier])) for earlier in seen), default=0)
        seen.append(prompt)
        return shared // 4


def error_body(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": code, "param": None, "code": code}}


def _error(status: int, message: str, code: str, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.json_response(error_body(message, code), status=status, headers=headers)


def main() -> None:
    """Serve in a process of its own (benchmarks: the client under test keeps the GIL to itself)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-s", type=float, default=0.0)
    parser.add_argument("--lifetime-s", type=float, default=3600.0)
    parser.add_argument("--answer", help="fixed answer content (default: echo the user message as JSON)")
    parser.add_argument("--batch-state-dir", help="also serve files and batches, kept in this folder")
    parser.add_argument("--batch-delay-s", type=float, default=1.0, help="how long a batch takes")
    args = parser.parse_args()
    answer = echo_answer if args.answer is None else (lambda body: args.answer)
    common = {"latency_s": args.latency_s, "max_lifetime_s": args.lifetime_s, "answer": answer}
    if args.batch_state_dir is None:
        server = FakeOpenAIServer(**common).start()
    else:
        from pathlib import Path

        from tests.llm.fake_batch_server import FakeBatchServer

        server = FakeBatchServer(Path(args.batch_state_dir), batch_delay_s=args.batch_delay_s, **common).start()
    print(server.api_base, flush=True)
    sys.stdin.read()  # until the parent closes stdin or exits
    server.stop()


if __name__ == "__main__":
    main()
