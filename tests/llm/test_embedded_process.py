"""The embedded model runs in a process of its own. Its death or silence costs the request in flight, with a reason
that names the signal and the fix, never the caller's process; the next request gets a new process; a process that
keeps dying is not started again and again. The illegal instruction is real (tests/llm/illegal_instruction.py); the
model in the other tests is the real SmolLM2 process."""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from personax_platform.llm import embedded
from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import complete_all_sync
from personax_platform.llm.embedded import EMBEDDED_MODEL, EmbeddedModelUnavailable, register_embedded_provider
from personax_platform.llm.embedded_process import (
    ModelProcess,
    ModelProcessDied,
    ModelProcessTimeout,
    describe_exit,
    worker_command,
)
from personax_platform.llm.models import ModelConfig
from tests.llm.support import make_requests, validate_json

import litellm  # isort: skip  (after personax_platform, which keeps litellm from fetching its price map)

ILLEGAL_INSTRUCTION = [sys.executable, str(Path(__file__).with_name("illegal_instruction.py"))]
SLOW_ANSWER = {"messages": [{"role": "user", "content": "Write a long story about a lighthouse keeper."}],
               "response_format": {"type": "json_object"}, "temperature": 0, "max_tokens": 400, "seed": 0}
SHORT_ANSWER = {**SLOW_ANSWER, "max_tokens": 8}


def real_worker() -> ModelProcess:
    return ModelProcess(worker_command(str(embedded.gguf_path()), 1, embedded.N_CTX))


@pytest.fixture
def provider_process(monkeypatch: pytest.MonkeyPatch):
    """Puts a given ModelProcess behind the litellm provider."""
    register_embedded_provider()

    def use(process: ModelProcess) -> ModelProcess:
        monkeypatch.setattr(embedded, "_process", process)
        return process

    yield use
    if embedded._process is not None:
        embedded._process.close()


def test_exit_descriptions_name_the_signal_the_cause_and_the_fix() -> None:
    sigill = describe_exit(-signal.SIGILL)
    assert "SIGILL" in sigill and "instructions this CPU does not allow" in sigill and "make rebuild-llama" in sigill
    assert "SIGKILL" in describe_exit(-signal.SIGKILL) and "out-of-memory" in describe_exit(-signal.SIGKILL)
    assert describe_exit(3, "Traceback\n\nImportError: no llama") == (
        "the embedded model's process exited with code 3 (stderr: Traceback | ImportError: no llama)")


def test_a_library_that_executes_an_illegal_instruction_fails_the_start_with_sigill_and_its_stderr() -> None:
    process = ModelProcess(ILLEGAL_INSTRUCTION)
    with pytest.raises(ModelProcessDied) as died:
        process.start()
    assert "died with SIGILL" in died.value.reason and "make rebuild-llama" in died.value.reason
    assert "about to run a matrix product" in died.value.reason
    assert process.pid is None


def test_a_process_that_never_reports_ready_is_killed_after_the_startup_timeout() -> None:
    process = ModelProcess([sys.executable, "-c", "import time; time.sleep(600)"], startup_timeout_s=1)
    with pytest.raises(ModelProcessTimeout, match="did not load and answer a probe within 1 s"):
        process.start()
    assert process.pid is None


def test_the_real_worker_reports_the_portable_instruction_set_and_answers() -> None:
    process = real_worker()
    try:
        info = process.start()
        reply = process.request(SHORT_ANSWER, timeout_s=120)
    finally:
        process.close()
    assert "AVX512" not in info.system_info and info.pid > 0
    assert reply["ok"] and reply["usage"]["completion_tokens"] > 0


def test_killing_the_model_process_mid_answer_fails_that_request_and_the_next_gets_a_new_process() -> None:
    process = real_worker()
    outcome: dict[str, Any] = {}

    def ask() -> None:
        try:
            outcome["reply"] = process.request(SLOW_ANSWER, timeout_s=120)
        except ModelProcessDied as error:
            outcome["error"] = error

    try:
        first_pid = process.start().pid
        asker = threading.Thread(target=ask)
        asker.start()
        deadline = time.monotonic() + 30
        while not process.busy:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(first_pid, signal.SIGKILL)
        asker.join(timeout=60)
        assert "SIGKILL" in outcome["error"].reason and "reply" not in outcome
        assert process.request(SHORT_ANSWER, timeout_s=120)["ok"]
        assert process.pid not in (None, first_pid) and process.starts == 2
    finally:
        process.close()


def test_a_request_without_an_answer_in_time_kills_the_process_and_times_out() -> None:
    process = real_worker()
    try:
        process.start()
        with pytest.raises(ModelProcessTimeout, match="no answer within 0.2 s"):
            process.request(SLOW_ANSWER, timeout_s=0.2)
        assert process.pid is None
        assert process.request(SHORT_ANSWER, timeout_s=120)["ok"]
    finally:
        process.close()


def test_through_litellm_a_dead_process_is_an_error_with_the_reason_and_is_not_restarted_forever(
        provider_process) -> None:
    process = provider_process(ModelProcess(ILLEGAL_INSTRUCTION))
    request = {"model": EMBEDDED_MODEL, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 5}
    reasons = []
    for _ in range(3):
        with pytest.raises(EmbeddedModelUnavailable) as unavailable:
            litellm.completion(**request)
        assert unavailable.value.retryable is False
        reasons.append(unavailable.value.failure_reason)
    assert all("SIGILL" in reason for reason in reasons)
    assert reasons[2].startswith("not restarted after dying 2 times in a row")
    assert process.starts == 2  # the third request did not load the model again only to die


def test_the_client_records_each_request_to_a_dead_model_as_failed_with_the_reason_without_retrying(
        provider_process, tmp_path: Path) -> None:
    provider_process(ModelProcess(ILLEGAL_INSTRUCTION))
    model = ModelConfig(name="smollm2", model=EMBEDDED_MODEL, max_concurrency=1, max_retries=3, timeout_s=60)
    with ResponseCache(tmp_path / "cache.sqlite") as cache:
        results = complete_all_sync(make_requests(model, ["a", "b", "c"]), cache, validate=validate_json,
                                    run_id="run-1")
        assert {r.status for r in results} == {"failed"}
        assert all("SIGILL" in (r.failure_reason or "") for r in results)
        assert [r.attempts for r in results] == [1, 1, 1]
        assert cache.get_ok([]) == {}


def test_preflight_says_in_one_line_why_the_model_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "_worker_command", lambda: ILLEGAL_INSTRUCTION)
    result = embedded.preflight()
    assert not result.ok and "SIGILL" in result.message and "\n" not in result.message


def test_preflight_passes_on_this_machine_with_the_portable_build() -> None:
    result = embedded.preflight()
    assert result.ok, result.message
    assert "AVX2 = 1" in result.message or os.uname().machine != "x86_64"
