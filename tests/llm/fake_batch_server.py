"""A real OpenAI-compatible Files + Batches server on 127.0.0.1 for tests, on top of the fake chat server.

How to call it from litellm (1.110.2, verified by tests/llm/test_fake_batch_server.py)
--------------------------------------------------------------------------------------
Every call takes `custom_llm_provider="openai", api_base=server.api_base` (".../v1"), `api_key="sk-..."`:

- `await litellm.acreate_file(file=(name, data_bytes, "application/jsonl"), purpose="batch", ...)` -> an
  `OpenAIFileObject` (`.id` "file-...", `.bytes`, `.filename`, `.purpose`, `.created_at`). An open binary file works
  too (`file=open(path, "rb")`).
- `await litellm.acreate_batch(input_file_id=..., endpoint="/v1/chat/completions", completion_window="24h",
  metadata={"run": "..."}, ...)` -> `LiteLLMBatch` (the openai SDK's `Batch`: `.id`, `.status`, `.metadata`,
  `.request_counts.total/.completed/.failed`, `.output_file_id`, `.error_file_id`, `.errors.data[i].code/.line`).
- `await litellm.aretrieve_batch(batch_id=..., ...)` -> `LiteLLMBatch`, same fields.
- `await litellm.alist_batches(limit=..., after=..., ...)` -> the openai SDK's first page (`.data`: a list of
  `Batch`, each with its `.metadata`; `.has_more`, `.first_id`, `.last_id`), newest first.
- `await litellm.acancel_batch(batch_id=..., ...)` -> `LiteLLMBatch` with status "cancelling".
- `await litellm.afile_content(file_id=..., ...)` -> `HttpxBinaryResponseContent`: the bytes are `.content`
  (`.text` decodes them). `await litellm.afile_retrieve(file_id=...)` -> `OpenAIFileObject`;
  `await litellm.afile_delete(file_id=...)` -> the openai SDK's `FileDeleted` (`.id`, `.deleted`).

What litellm does on its own: `alist_batches` hands back the openai SDK's `AsyncCursorPage[Batch]`, not a litellm
type (page on with `after=page.last_id` while `page.has_more`). Errors are the openai SDK's, unmapped
(`openai.NotFoundError`, status_code 404, for an unknown file or batch), not litellm's exception types. A call to a
restarted server on the same port just works (the client's dead pooled connection does not surface). `afile_content`
runs the sync call in a thread and leaves a coroutine behind: "coroutine 'OpenAIFilesAPI.afile_content' was never
awaited" (a RuntimeWarning, harmless) when the event loop closes. `OpenAIFileObject` carries extra litellm fields
(`litellm_batch_guardrail`, `litellm_details_fallback`, None here).

Behaviour
---------
Batches run on the wall clock, so they survive restarts: `validating` for the first quarter of `batch_delay_s`,
then `in_progress` (request_counts grow in proportion), then `completed` (or `expired`, see `expire_next_batches`).
Invalid input (unknown file or endpoint, a bad JSON line, a duplicate custom_id, a line for another url, a body that
is no chat request) makes the batch `failed` after validation, with `errors.data[i] = {code, message, line}`
(codes: invalid_endpoint, invalid_input_file, empty_file with line None; invalid_json_line, missing_custom_id,
duplicate_custom_id, invalid_url, invalid_body with the 1-based line). A cancelled batch is `cancelling` for a
quarter of the delay, then `cancelled`, its output holding the lines done when cancelled; cancelling a finished batch
answers 409. A batch's output and error files are written the first time it is seen finished (any read of it,
`batches()` included). A stalled create (`stall_batch_creates`) answers 503 once `stop()` releases it.

Each line is answered when the batch is created, with the parent's `answer(body)` and fault plan (`fail_first`): a
line counts as a call of its user content, like a chat request (`calls`, `model_calls`), so a planned fault for the
Nth call hits the Nth submission. rate_limit -> a 429 line in the error file, server_error and hang -> 500,
unauthorized -> 401, malformed / length -> a 200 line with a malformed / truncated (finish_reason "length") answer.

Every mutation is saved under `state_dir` (state.json and the file bytes under files/) before its response: a new
server with the same `state_dir` (and `port`) continues with the same files, batches, ids and counters.
"""
from __future__ import annotations

import json
import math
import os
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.llm.fake_openai_server import FakeOpenAIServer, error_body, user_content

ENDPOINT = "/v1/chat/completions"
COMPLETION_WINDOW_S = 24 * 3600
EXPIRED_ERROR = {"code": "batch_expired",
                 "message": "This request could not be executed before the completion window expired."}
# A fault's line in the error file: status code, message, error code.
FAULT_LINES: dict[str, tuple[int, str, str]] = {
    "rate_limit": (429, "Rate limit reached", "rate_limit_exceeded"),
    "server_error": (500, "The server had an error", "server_error"),
    "hang": (500, "The server had an error", "server_error"),
}
TERMINAL = ("failed", "completed", "expired", "cancelled")


class FakeBatchServer(FakeOpenAIServer):
    """`/v1/files` and `/v1/batches` beside the parent's `/v1/chat/completions`, persisted under `state_dir`."""

    def __init__(self, state_dir: Path, *, port: int = 0, batch_delay_s: float = 0.3, **kwargs: Any) -> None:
        """`kwargs` are the parent's (answer, latency_s, hang_s, max_lifetime_s, report_cached_tokens)."""
        super().__init__(port=port, **kwargs)
        self.state_dir = state_dir
        self.batch_delay_s = batch_delay_s
        self.submitted: Counter[str] = Counter()  # per custom_id, over all batches
        self.batch_creates = 0
        self.file_uploads = 0
        self._next_id = 0
        self._files: dict[str, dict[str, Any]] = {}  # file objects by id
        self._batches: dict[str, dict[str, Any]] = {}  # records by id, oldest first
        self._expiring: list[int] = []  # `done` of each next batch that expires
        self._stalls = 0
        self._lock = threading.RLock()  # handlers run on the server's thread, `batches()` on the test's
        (state_dir / "files").mkdir(parents=True, exist_ok=True)
        self._load()

    def expire_next_batches(self, n: int = 1, done: int = 0) -> None:
        """The next n batches created end `expired` after the delay, with only their first `done` lines run."""
        self._expiring.extend([done] * n)

    def stall_batch_creates(self, n: int = 1) -> None:
        """The next n batch creates save the batch (it runs normally), then never answer until `stop()`."""
        self._stalls += n

    def batches(self) -> list[dict[str, Any]]:
        """The batch objects, oldest first, as a retrieve would return them now."""
        with self._lock:
            return [self._refresh(record) for record in self._batches.values()]

    # Routes

    def _add_routes(self, app: web.Application) -> None:
        super()._add_routes(app)
        app.router.add_post("/v1/files", self._upload)
        app.router.add_get("/v1/files/{file_id}", self._get_file)
        app.router.add_get("/v1/files/{file_id}/content", self._file_content)
        app.router.add_delete("/v1/files/{file_id}", self._delete_file)
        app.router.add_post("/v1/batches", self._create_batch)
        app.router.add_get("/v1/batches", self._list_batches)
        app.router.add_get("/v1/batches/{batch_id}", self._get_batch)
        app.router.add_post("/v1/batches/{batch_id}/cancel", self._cancel_batch)

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload, purpose = form.get("file"), form.get("purpose")
        if not isinstance(upload, web.FileField) or not isinstance(purpose, str):
            return _refuse(400, "A file and a purpose are required", "invalid_request_error")
        with self._lock:
            self.file_uploads += 1
            file = self._add_file(upload.file.read(), upload.filename, purpose)
            self._save()
        return web.json_response(file)

    async def _get_file(self, request: web.Request) -> web.Response:
        file = self._files.get(request.match_info["file_id"])
        return web.json_response(file) if file else _not_found("File", request.match_info["file_id"])

    async def _file_content(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self._files:
            return _not_found("File", file_id)
        return web.Response(body=self._file_path(file_id).read_bytes(), content_type="application/octet-stream")

    async def _delete_file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        with self._lock:
            if self._files.pop(file_id, None) is None:
                return _not_found("File", file_id)
            self._file_path(file_id).unlink()
            self._save()
        return web.json_response({"id": file_id, "object": "file", "deleted": True})

    async def _create_batch(self, request: web.Request) -> web.Response:
        params = await request.json()
        with self._lock:
            self.batch_creates += 1
            record = self._new_batch(params, request.headers.get("Authorization", ""))
            self._save()
            batch = self._refresh(record)
            stall = self._stalls > 0
            self._stalls -= stall
        if stall:
            assert self._stopping is not None
            await self._stopping.wait()
            return _refuse(503, "The server is stopping", "server_stopped")
        return web.json_response(batch)

    async def _get_batch(self, request: web.Request) -> web.Response:
        batch_id = request.match_info["batch_id"]
        with self._lock:
            record = self._batches.get(batch_id)
            return web.json_response(self._refresh(record)) if record else _not_found("Batch", batch_id)

    async def _list_batches(self, request: web.Request) -> web.Response:
        limit = int(request.query.get("limit", 20))
        with self._lock:
            ids = list(reversed(self._batches))  # newest first
            after = request.query.get("after")
            start = ids.index(after) + 1 if after in self._batches else 0
            page = [self._refresh(self._batches[batch_id]) for batch_id in ids[start:start + limit]]
        return web.json_response({"object": "list", "data": page, "first_id": page[0]["id"] if page else None,
                                  "last_id": page[-1]["id"] if page else None, "has_more": start + limit < len(ids)})

    async def _cancel_batch(self, request: web.Request) -> web.Response:
        batch_id = request.match_info["batch_id"]
        with self._lock:
            record = self._batches.get(batch_id)
            if record is None:
                return _not_found("Batch", batch_id)
            status = self._refresh(record)["status"]
            if status in ("failed", "completed", "expired"):
                return _refuse(409, f"Cannot cancel a batch with status '{status}'.", "invalid_request_error")
            if record["cancelled"] is None:
                record["cancelled"] = time.time()
                self._save()
            return web.json_response(self._refresh(record))

    # Batches

    def _new_batch(self, params: dict[str, Any], authorization: str) -> dict[str, Any]:
        batch_id = self._new_id("batch_")
        lines, errors = self._parse_input(params.get("input_file_id"), params.get("endpoint"))
        answered = [] if errors else [self._answer_line(batch_id, number, line, authorization)
                                      for number, line in enumerate(lines, 1)]
        created = time.time()
        record = {
            "batch": {"id": batch_id, "object": "batch", "endpoint": params.get("endpoint"),
                      "errors": {"object": "list", "data": errors} if errors else None,
                      "input_file_id": params.get("input_file_id"),
                      "completion_window": params.get("completion_window", "24h"),
                      "created_at": int(created), "expires_at": int(created) + COMPLETION_WINDOW_S,
                      "metadata": params.get("metadata")},
            "created": created, "lines": answered, "cancelled": None, "final": False,
            "expire_done": self._expiring.pop(0) if self._expiring and not errors else None,
        }
        self._batches[batch_id] = record
        return record

    def _parse_input(self, file_id: Any, endpoint: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The input file's request lines, or the errors that fail the batch."""
        if endpoint != ENDPOINT:
            return [], [_line_error("invalid_endpoint", f"This server only runs {ENDPOINT} batches.", None)]
        if file_id not in self._files:
            return [], [_line_error("invalid_input_file", f"No such File object: {file_id}", None)]
        lines: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        seen: set[str] = set()
        for number, text in enumerate(self._file_path(file_id).read_text().splitlines(), 1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
            except ValueError:
                errors.append(_line_error("invalid_json_line", "This line is not parseable as valid JSON.", number))
                continue
            problem = _line_problem(line, seen)
            if problem:
                errors.append(_line_error(*problem, number))
                continue
            seen.add(line["custom_id"])
            lines.append(line)
        if not lines and not errors:
            errors.append(_line_error("empty_file", "The input file has no requests.", None))
        return lines, errors

    def _answer_line(self, batch_id: str, number: int, line: dict[str, Any], authorization: str) -> dict[str, Any]:
        """The output (or error) file line answering one request, its fault from the parent's plan."""
        body, custom_id = line["body"], line["custom_id"]
        content, model = user_content(body), body["model"]
        self.submitted[custom_id] += 1
        self.calls[content] += 1
        self.model_calls[(model, content)] += 1
        fault = self._fault(content, model)
        kind = fault.kind if fault else None
        status = 200
        if kind is None:
            response = self._completion_body(body, self.answer(body), "stop")
        elif kind == "malformed":
            response = self._completion_body(body, '{"answer": "unterminated', "stop")
        elif kind == "length":
            response = self._completion_body(body, self.answer(body)[:5], "length")
        elif kind == "unauthorized":
            status = 401
            token = authorization.removeprefix("Bearer ")
            response = error_body(f"Incorrect API key provided: {token}", "invalid_api_key")
        else:
            status, message, code = FAULT_LINES[kind]
            response = error_body(message, code)
        sequence = f"{batch_id.removeprefix('batch_')}_{number:05d}"
        return {"id": f"batch_req_{sequence}", "custom_id": custom_id,
                "response": {"status_code": status, "request_id": f"req_{sequence}", "body": response}, "error": None}

    def _refresh(self, record: dict[str, Any]) -> dict[str, Any]:
        """The batch object as of now; writes the output and error files the first time it is seen finished."""
        batch: dict[str, Any] = {**record["batch"], "status": "validating", "output_file_id": None,
                                 "error_file_id": None, "in_progress_at": None, "finalizing_at": None,
                                 "completed_at": None, "failed_at": None, "expired_at": None, "cancelling_at": None,
                                 "cancelled_at": None}
        lines: list[dict[str, Any]] = record["lines"]
        now, quarter = time.time(), self.batch_delay_s / 4
        started, ends = record["created"] + quarter, record["created"] + self.batch_delay_s
        cancelled: float | None = record["cancelled"]
        done = 0
        if cancelled is not None:
            done = self._done(record, cancelled)
            finished = now >= cancelled + quarter
            batch.update(status="cancelled" if finished else "cancelling", cancelling_at=int(cancelled),
                         cancelled_at=int(cancelled + quarter) if finished else None,
                         in_progress_at=int(started) if cancelled >= started else None)
        elif now < started:
            pass  # validating
        elif batch["errors"]:
            batch.update(status="failed", failed_at=int(started))
        elif now < ends:
            done = self._done(record, now)
            batch.update(status="in_progress", in_progress_at=int(started))
        else:
            done = self._done(record, math.inf)
            expired = record["expire_done"] is not None
            batch.update(status="expired" if expired else "completed", in_progress_at=int(started),
                         finalizing_at=None if expired else int(ends), expired_at=int(ends) if expired else None,
                         completed_at=None if expired else int(ends))
        ok = sum(line["response"]["status_code"] == 200 for line in lines[:done])
        failed = len(lines) - ok if batch["status"] == "expired" else done - ok
        batch["request_counts"] = {"total": len(lines), "completed": ok, "failed": failed}
        if batch["status"] in TERMINAL and not record["final"]:
            self._finish(record, lines[:done], expired=lines[done:] if batch["status"] == "expired" else [])
        return {**batch, "output_file_id": record.get("output_file_id"), "error_file_id": record.get("error_file_id")}

    def _done(self, record: dict[str, Any], at: float) -> int:
        """How many lines are done at `at`: in proportion to the time in progress, at most `expire_done`."""
        lines, quarter = len(record["lines"]), self.batch_delay_s / 4
        running = self.batch_delay_s - quarter
        progress = 1.0 if running <= 0 else min(1.0, max(0.0, (at - record["created"] - quarter) / running))
        done = math.floor(lines * progress)
        return done if record["expire_done"] is None else min(done, record["expire_done"])

    def _finish(self, record: dict[str, Any], done: list[dict[str, Any]], expired: list[dict[str, Any]]) -> None:
        batch_id = record["batch"]["id"]
        output = [line for line in done if line["response"]["status_code"] == 200]
        errors = [line for line in done if line["response"]["status_code"] != 200]
        errors += [{"id": line["id"], "custom_id": line["custom_id"], "response": None, "error": EXPIRED_ERROR}
                   for line in expired]
        for key, rows, name in (("output_file_id", output, "output"), ("error_file_id", errors, "error")):
            if rows:
                data = "".join(json.dumps(row) + "\n" for row in rows).encode()
                record[key] = self._add_file(data, f"{batch_id}_{name}.jsonl", "batch_output")["id"]
        record["final"] = True
        self._save()

    # Files and state

    def _new_id(self, prefix: str) -> str:
        self._next_id += 1
        return f"{prefix}{self._next_id:06d}"

    def _add_file(self, data: bytes, filename: str, purpose: str) -> dict[str, Any]:
        file_id = self._new_id("file-")
        _write(self._file_path(file_id), data)
        file = {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                "filename": filename, "purpose": purpose, "status": "processed", "status_details": None,
                "expires_at": None}
        self._files[file_id] = file
        return file

    def _file_path(self, file_id: str) -> Path:
        return self.state_dir / "files" / file_id

    def _save(self) -> None:
        state = {"next_id": self._next_id, "batch_creates": self.batch_creates, "file_uploads": self.file_uploads,
                 "submitted": self.submitted, "calls": self.calls,
                 "model_calls": [[model, content, n] for (model, content), n in self.model_calls.items()],
                 "files": self._files, "batches": self._batches}
        _write(self.state_dir / "state.json", json.dumps(state).encode())

    def _load(self) -> None:
        path = self.state_dir / "state.json"
        if not path.exists():
            return
        state = json.loads(path.read_text())
        self._next_id, self.batch_creates, self.file_uploads = (state["next_id"], state["batch_creates"],
                                                                state["file_uploads"])
        self.submitted.update(state["submitted"])
        self.calls.update(state["calls"])
        self.model_calls.update({(model, content): n for model, content, n in state["model_calls"]})
        self._files, self._batches = state["files"], state["batches"]


def _line_problem(line: Any, seen: set[str]) -> tuple[str, str] | None:
    """Why a parsed input line is no valid request (code, message), or None."""
    if not isinstance(line, dict) or not isinstance(line.get("custom_id"), str):
        return "missing_custom_id", "Each line needs a string custom_id."
    if line["custom_id"] in seen:
        return "duplicate_custom_id", f"The custom_id {line['custom_id']!r} is used more than once."
    if line.get("method") != "POST" or line.get("url") != ENDPOINT:
        return "invalid_url", f"Each line must be a POST to {ENDPOINT}, the batch's endpoint."
    body = line.get("body")
    valid = isinstance(body, dict) and isinstance(body.get("model"), str) and isinstance(body.get("messages"), list)
    if not valid or not any(isinstance(m, dict) and m.get("role") == "user" for m in body["messages"]):
        return "invalid_body", "The body must be a chat request with a model and a user message."
    return None


def _line_error(code: str, message: str, line: int | None) -> dict[str, Any]:
    return {"code": code, "message": message, "param": None, "line": line}


def _refuse(status: int, message: str, code: str) -> web.Response:
    return web.json_response(error_body(message, code), status=status)


def _not_found(kind: str, object_id: str) -> web.Response:
    return _refuse(404, f"No such {kind} object: {object_id}", "not_found")


def _write(path: Path, data: bytes) -> None:
    """Atomically: a crash leaves the old content or the new, never a part."""
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)
