"""The embedded model's own process: loads the GGUF with llama.cpp and answers chat requests, one at a time.

Started and supervised by `embedded_process.ModelProcess`; never imported by the run's process. Native code that
crashes (an instruction the CPU does not allow, a segfault, the out-of-memory killer) takes down this process only:
the supervisor turns its death into a failed request with the reason.

Protocol: one JSON object per line. The worker's first line reports that the model loaded and answered a one-token
probe (so a CPU that cannot run the library fails here, before any real request); then each request line gets one
reply line. stdout carries only the protocol: anything native code prints goes to stderr.

    {"ready": true, "system_info": "...", "load_s": 0.1, "probe_s": 0.2}
    → {"messages": [...], "response_format": {...}, "temperature": 0, "max_tokens": 300, "seed": 0}
    ← {"ok": true, "content": "...", "finish_reason": "stop", "created": 1700000000, "usage": {...}}
    ← {"ok": false, "error": "context_window" | "invalid_request", "message": "..."}
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from typing import IO, Any

# The answer to a request must not depend on what this process answered before (cache keys, re-runs), yet most of a
# trait prompt (instructions, scale, schema) is the same for every person. llama.cpp evaluates a prompt in batches of
# n_batch tokens; floating-point results depend on how tokens are split into batches, so reusing an arbitrary matching
# prefix would change a greedy answer. Reusing only whole batches on a fixed grid from position 0 keeps every
# computation identical to a fresh evaluation. 128 keeps most of a ~1,400-token trait prompt's shared ~1,150 tokens.
DEFAULT_BATCH = 128
PROBE_MESSAGES = [{"role": "user", "content": "Say OK."}]


def grid_prefix(previous: Sequence[int] | None, tokens: Sequence[int], batch: int) -> int:
    """How many leading tokens of `tokens` can reuse the state left by evaluating `previous`: the common prefix cut
    down to whole batches, and always short of the whole prompt (sampling needs fresh logits)."""
    if not previous:
        return 0
    common = 0
    for a, b in zip(previous, tokens):
        if a != b:
            break
        common += 1
    common = min(common, len(tokens) - 1)
    return common // batch * batch


def _grid_reuse_llama(llama_class: type, prefix_reuse: bool) -> type:
    """llama_cpp.Llama with prompt-prefix reuse restricted to `grid_prefix` (see DEFAULT_BATCH), or none at all."""

    class GridReuseLlama(llama_class):  # type: ignore[misc, valid-type]
        _last_prompt: list[int] | None = None

        def generate(self, tokens: Sequence[int], *args: Any, **kwargs: Any) -> Iterator[int]:
            tokens = list(tokens)
            keep = grid_prefix(self._last_prompt, tokens, self.n_batch) if prefix_reuse else 0
            # Llama.generate reuses the longest match with its first n_tokens; cutting n_tokens to the grid prefix
            # makes that match exactly `keep`, and the rest is evaluated in whole batches from there.
            self.n_tokens = keep
            self._last_prompt = None  # until this prompt has been evaluated completely
            for i, token in enumerate(super().generate(tokens, *args, **kwargs)):
                if i == 0:
                    self._last_prompt = tokens
                yield token

    return GridReuseLlama


def load_model(model_path: str, threads: int, n_ctx: int, batch: int, prefix_reuse: bool = True) -> Any:
    from llama_cpp import Llama

    # n_threads_batch defaults to every core, which brings back the oversubscription that n_threads avoids.
    return _grid_reuse_llama(Llama, prefix_reuse)(model_path=model_path, n_ctx=n_ctx, n_batch=batch, n_ubatch=batch,
                                    n_threads=threads, n_threads_batch=threads, verbose=False)


def answer(model: Any, request: dict[str, Any]) -> dict[str, Any]:
    try:
        result = model.create_chat_completion(
            messages=request["messages"],
            response_format=request.get("response_format") or {"type": "json_object"},
            temperature=request.get("temperature", 0.0),
            max_tokens=request.get("max_tokens"),
            seed=request.get("seed"),
        )
    except ValueError as error:
        # The one ValueError llama.cpp raises for a prompt as long as n_ctx.
        kind = "context_window" if "exceed context window" in str(error) else "invalid_request"
        model._last_prompt = None
        return {"ok": False, "error": kind, "message": str(error)}
    choice = result["choices"][0]
    return {"ok": True, "content": choice["message"]["content"], "finish_reason": choice["finish_reason"],
            "created": result["created"], "usage": result["usage"]}


def serve(model: Any, requests: IO[str], replies: IO[str]) -> None:
    for line in requests:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as error:
            reply = {"ok": False, "error": "invalid_request", "message": f"not JSON: {error}"}
        else:
            reply = answer(model, request)
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-path", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--n-ctx", type=int, required=True)
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH)
    parser.add_argument("--no-prefix-reuse", action="store_true",
                        help="evaluate every prompt in full (the benchmark's baseline; answers are the same)")
    args = parser.parse_args(argv)

    # The protocol keeps the real stdout; fd 1 (where native code prints) and sys.stdout go to stderr.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr

    import llama_cpp

    started = time.perf_counter()
    model = load_model(args.model_path, args.threads, args.n_ctx, args.batch, not args.no_prefix_reuse)
    loaded = time.perf_counter()
    # One generated token runs the model's matrix products once: the instructions the library was built with.
    model.create_chat_completion(messages=PROBE_MESSAGES, max_tokens=1, temperature=0.0)
    model._last_prompt = None
    probed = time.perf_counter()
    ready = {"ready": True, "system_info": llama_cpp.llama_print_system_info().decode(),
             "load_s": round(loaded - started, 3), "probe_s": round(probed - loaded, 3), "pid": os.getpid()}
    replies.write(json.dumps(ready) + "\n")
    replies.flush()
    serve(model, sys.stdin, replies)  # until the supervisor closes stdin
    return 0


if __name__ == "__main__":
    sys.exit(main())
