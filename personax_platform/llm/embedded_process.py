"""Supervises the embedded model's process (`embedded_worker`): starts it, sends it one request at a time, and turns
its death or silence into an exception that says what happened and what to do.

The model runs in a process of its own so that native code failing (SIGILL from a library built for another CPU, a
segfault, the out-of-memory killer) costs the requests in flight, never the Dagster run that asked them.
"""
from __future__ import annotations

import collections
import json
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

# How long loading the model and its one-token probe may take before the process counts as hung.
STARTUP_TIMEOUT_S = 120.0
# The last lines the process wrote to stderr, quoted when it dies.
_STDERR_LINES = 20
# A process that died this many times in a row without answering in between is not started again: the cause (a
# library built for another CPU, too little memory) would kill the next one too, each time after a model load.
MAX_CONSECUTIVE_DEATHS = 2

REBUILD_HINT = ("rebuild llama-cpp-python for a portable CPU target: `make rebuild-llama` "
                "(scripts/llama_cpp_wheel.sh; docs/troubleshooting.md)")
_SIGNAL_CAUSES = {
    signal.SIGILL: ("the llama.cpp library was built for instructions this CPU does not allow", REBUILD_HINT),
    signal.SIGKILL: ("killed (often the out-of-memory killer, or a person)",
                     "free memory or lower PERSONAX_EMBEDDED_THREADS; the next run retries the failed requests"),
    signal.SIGSEGV: ("crashed in native code", REBUILD_HINT),
    signal.SIGBUS: ("crashed in native code", REBUILD_HINT),
    signal.SIGABRT: ("aborted in native code", "see the stderr lines quoted here"),
}


class ModelProcessError(RuntimeError):
    """The model process could not answer. `reason` is one line fit for a failed-request row."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ModelProcessDied(ModelProcessError):
    pass


class ModelProcessTimeout(ModelProcessError):
    pass


def describe_exit(returncode: int, stderr_tail: str = "") -> str:
    """One line on why the process ended: which signal or exit code, the likely cause and the fix."""
    if returncode < 0:
        number = -returncode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        cause, fix = _SIGNAL_CAUSES.get(number, ("ended by a signal", "see the stderr lines quoted here"))
        text = f"the embedded model's process died with {name}: {cause}; {fix}"
    else:
        text = f"the embedded model's process exited with code {returncode}"
    tail = " | ".join(line for line in stderr_tail.splitlines() if line.strip())[-400:]
    return f"{text} (stderr: {tail})" if tail else text


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    system_info: str
    load_s: float
    probe_s: float


def worker_command(model_path: str, threads: int, n_ctx: int, batch: int | None = None,
                   prefix_reuse: bool = True) -> list[str]:
    command = [sys.executable, "-u", "-m", "personax_platform.llm.embedded_worker", "--model-path", model_path,
               "--threads", str(threads), "--n-ctx", str(n_ctx)]
    if batch is not None:
        command += ["--batch", str(batch)]
    return command if prefix_reuse else [*command, "--no-prefix-reuse"]


class ModelProcess:
    """One worker process (`command`, see worker_command), started on demand and started again after it died, up to
    MAX_CONSECUTIVE_DEATHS deaths in a row. Thread-safe: one request at a time."""

    def __init__(self, command: list[str], *, startup_timeout_s: float = STARTUP_TIMEOUT_S,
                 env: Mapping[str, str] | None = None):
        self._command = command
        self._env = dict(env) if env is not None else None  # the child's whole environment; None: inherit ours
        self._startup_timeout_s = startup_timeout_s
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=_STDERR_LINES)
        self.info: ProcessInfo | None = None
        # True from sending a request until its reply (or the process's end) is read.
        self.busy = False
        self.starts = 0
        self._deaths = 0  # in a row, without an answer in between
        self._last_death: str | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None and self._process.poll() is None else None

    def start(self) -> ProcessInfo:
        with self._lock:
            return self._ensure_started()

    def request(self, payload: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """The worker's reply to `payload`; ModelProcessDied or ModelProcessTimeout (the process is then killed)."""
        with self._lock:
            self._ensure_started()
            process = self._process
            assert process is not None and process.stdin is not None and process.stdout is not None
            self.busy = True
            try:
                process.stdin.write(json.dumps(payload) + "\n")
                process.stdin.flush()
                line = self._read_line(process.stdout, timeout_s)
            except (BrokenPipeError, OSError):
                line = ""
            finally:
                self.busy = False
            if line is None:
                self._kill()
                raise ModelProcessTimeout(f"the embedded model gave no answer within {timeout_s:g} s; its process "
                                          "was stopped and starts again for the next request")
            if not line:
                raise self._died()
            self._deaths = 0
            return json.loads(line)

    def close(self) -> None:
        with self._lock:
            if self._process is None:
                return
            process, self._process = self._process, None
            if process.stdin is not None:
                process.stdin.close()  # the worker's loop ends on end of input
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _ensure_started(self) -> ProcessInfo:
        if self._process is not None and self._process.poll() is None and self.info is not None:
            return self.info
        if self._deaths >= MAX_CONSECUTIVE_DEATHS:
            raise ModelProcessDied(f"not restarted after dying {self._deaths} times in a row; last: {self._last_death}")
        self._process = None
        self._stderr.clear()
        process = subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, bufsize=1, start_new_session=True,
                                   env=self._env)
        self._process = process
        self.starts += 1
        assert process.stderr is not None and process.stdout is not None
        threading.Thread(target=self._drain, args=(process.stderr,), daemon=True).start()
        line = self._read_line(process.stdout, self._startup_timeout_s)
        if line is None:
            self._kill()
            raise ModelProcessTimeout(f"the embedded model did not load and answer a probe within "
                                      f"{self._startup_timeout_s:g} s")
        if not line:
            raise self._died()
        ready = json.loads(line)
        self.info = ProcessInfo(pid=process.pid, system_info=ready["system_info"], load_s=ready["load_s"],
                                probe_s=ready["probe_s"])
        return self.info

    def _read_line(self, stream: IO[str], timeout_s: float) -> str | None:
        """A line, '' at end of file (the process is gone), None after timeout_s without one."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            readable, _, _ = select.select([stream], [], [], min(remaining, 1.0))
            if readable:
                return stream.readline()

    def _died(self) -> ModelProcessDied:
        process, self._process = self._process, None
        self.info = None
        assert process is not None
        returncode = process.wait()
        time.sleep(0.05)  # let the stderr thread take the last lines
        self._deaths += 1
        self._last_death = describe_exit(returncode, "\n".join(self._stderr))
        return ModelProcessDied(self._last_death)

    def _kill(self) -> None:
        process, self._process = self._process, None
        self.info = None
        if process is not None:
            process.kill()
            process.wait()

    def _drain(self, stream: IO[str]) -> None:
        for line in stream:
            self._stderr.append(line.rstrip())
