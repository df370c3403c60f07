"""The fake Files + Batches server, driven by the real litellm client (the calls the batch mode will make)."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from personax_platform.llm.litellm_setup import configured_litellm
from tests.llm.fake_batch_server import FakeBatchServer
from tests.llm.fake_openai_server import LENGTH, MALFORMED, RATE_LIMIT, SERVER_ERROR, UNAUTHORIZED, user_content

DELAY_S = 0.3
DEADLINE_S = 30.0  # generous: polls end as soon as the batch is done
FINISHED = ("completed", "failed", "expired", "cancelled")
STATUS_ORDER = ("validating", "in_progress", "completed")
T = TypeVar("T")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FakeBatchServer]:
    with FakeBatchServer(tmp_path / "provider", batch_delay_s=DELAY_S) as fake:
        yield fake


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def _kw(server: FakeBatchServer) -> dict[str, Any]:
    return {"custom_llm_provider": "openai", "api_base": server.api_base, "api_key": "sk-test"}


def _line(custom_id: str, content: str | None = None, url: str = "/v1/chat/completions") -> str:
    body = {"model": "fake-model", "messages": [{"role": "system", "content": "Answer in JSON."},
                                                {"role": "user", "content": content or custom_id}]}
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": url, "body": body})


def _jsonl(custom_ids: list[str]) -> bytes:
    return "".join(_line(custom_id) + "\n" for custom_id in custom_ids).encode()


async def _submit(server: FakeBatchServer, data: bytes, metadata: dict[str, str] | None = None) -> Any:
    litellm = configured_litellm()
    file = await litellm.acreate_file(file=("input.jsonl", data, "application/jsonl"), purpose="batch",
                                      **_kw(server))
    return await litellm.acreate_batch(input_file_id=file.id, endpoint="/v1/chat/completions",
                                       completion_window="24h", metadata=metadata, **_kw(server))


async def _wait(server: FakeBatchServer, batch_id: str, seen: list[str] | None = None) -> Any:
    """Retrieves the batch until it is finished; `seen` collects the statuses on the way."""
    litellm = configured_litellm()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while True:
        batch = await litellm.aretrieve_batch(batch_id=batch_id, **_kw(server))
        if seen is not None:
            seen.append(batch.status)
        if batch.status in FINISHED or loop.time() > deadline:
            return batch
        await asyncio.sleep(0.02)


async def _lines(server: FakeBatchServer, file_id: str | None) -> dict[str, dict[str, Any]]:
    """A batch output or error file by custom_id (empty when there is no file)."""
    if file_id is None:
        return {}
    content = await configured_litellm().afile_content(file_id=file_id, **_kw(server))
    rows = [json.loads(text) for text in content.content.decode().splitlines()]
    return {row["custom_id"]: row for row in rows}


def test_batch_round_trip_completes_and_its_output_lines_parse(server: FakeBatchServer) -> None:
    async def scenario() -> tuple[Any, Any, list[str], dict[str, dict[str, Any]]]:
        created = await _submit(server, _jsonl(["ada", "bo", "cy"]), metadata={"run": "run-1"})
        seen = [created.status]
        done = await _wait(server, created.id, seen)
        return created, done, seen, await _lines(server, done.output_file_id)

    created, done, seen, output = _run(scenario())
    assert (created.status, created.metadata, created.request_counts.total) == ("validating", {"run": "run-1"}, 3)
    assert [STATUS_ORDER.index(status) for status in seen] == sorted(STATUS_ORDER.index(status) for status in seen)
    assert (done.status, done.error_file_id, done.errors, done.metadata) == ("completed", None, None, {"run": "run-1"})
    assert (done.request_counts.total, done.request_counts.completed, done.request_counts.failed) == (3, 3, 0)
    assert list(output) == ["ada", "bo", "cy"]
    row = output["bo"]
    assert row["id"].startswith("batch_req_") and row["error"] is None
    assert row["response"]["status_code"] == 200 and row["response"]["request_id"]
    completion = row["response"]["body"]
    assert completion["object"] == "chat.completion" and completion["usage"]["total_tokens"] > 0
    assert completion["choices"][0]["finish_reason"] == "stop"
    assert json.loads(completion["choices"][0]["message"]["content"]) == {"answer": "bo"}
    assert (server.batch_creates, server.file_uploads, server.submitted) == (1, 1, {"ada": 1, "bo": 1, "cy": 1})


def test_an_open_file_uploads_and_files_can_be_retrieved_and_deleted(server: FakeBatchServer, tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_bytes(_jsonl(["ada"]))
    litellm = configured_litellm()

    async def scenario() -> tuple[Any, Any, bytes, Any]:
        with path.open("rb") as handle:
            uploaded = await litellm.acreate_file(file=handle, purpose="batch", **_kw(server))
        retrieved = await litellm.afile_retrieve(file_id=uploaded.id, **_kw(server))
        content = await litellm.afile_content(file_id=uploaded.id, **_kw(server))
        return uploaded, retrieved, content.content, await litellm.afile_delete(file_id=uploaded.id, **_kw(server))

    uploaded, retrieved, content, deleted = _run(scenario())
    assert uploaded.id.startswith("file-") and uploaded.bytes == len(content) and uploaded.purpose == "batch"
    assert (retrieved.id, retrieved.filename, content) == (uploaded.id, "requests.jsonl", path.read_bytes())
    assert (deleted.id, deleted.deleted) == (uploaded.id, True)
    with pytest.raises(Exception, match="No such File object"):
        _run(litellm.afile_retrieve(file_id=uploaded.id, **_kw(server)))


def test_listing_finds_a_batch_by_its_metadata_newest_first_in_pages(server: FakeBatchServer) -> None:
    litellm = configured_litellm()

    async def scenario() -> tuple[list[str], Any, Any]:
        ids = [(await _submit(server, _jsonl([f"row-{n}"]), metadata={"run": f"run-{n}"})).id for n in range(3)]
        first = await litellm.alist_batches(limit=2, **_kw(server))
        rest = await litellm.alist_batches(limit=2, after=first.last_id, **_kw(server))
        return ids, first, rest

    ids, first, rest = _run(scenario())
    assert [batch.id for batch in first.data] == [ids[2], ids[1]] and first.has_more
    assert (first.first_id, first.last_id) == (ids[2], ids[1])
    assert [batch.id for batch in rest.data] == [ids[0]] and not rest.has_more
    found = [batch for batch in [*first.data, *rest.data] if batch.metadata == {"run": "run-1"}]
    assert [batch.id for batch in found] == [ids[1]]


def test_partial_failures_land_in_the_error_file_and_a_resubmission_succeeds(server: FakeBatchServer) -> None:
    for content, fault in [("b", RATE_LIMIT), ("c", SERVER_ERROR), ("d", UNAUTHORIZED), ("e", MALFORMED),
                           ("f", LENGTH)]:
        server.fail_first([fault], content)

    async def scenario() -> tuple[Any, dict[str, Any], dict[str, Any], dict[str, Any]]:
        first = await _wait(server, (await _submit(server, _jsonl(["a", "b", "c", "d", "e", "f"]))).id)
        again = await _wait(server, (await _submit(server, _jsonl(["b"]))).id)
        return (first, await _lines(server, first.output_file_id), await _lines(server, first.error_file_id),
                await _lines(server, again.output_file_id))

    first, output, errors, retried = _run(scenario())
    assert (first.status, first.request_counts.completed, first.request_counts.failed) == ("completed", 3, 3)
    assert sorted(output) == ["a", "e", "f"] and sorted(errors) == ["b", "c", "d"]
    assert {custom_id: row["response"]["status_code"] for custom_id, row in errors.items()} == {
        "b": 429, "c": 500, "d": 401}
    assert errors["b"]["response"]["body"]["error"]["code"] == "rate_limit_exceeded"
    assert all(row["error"] is None for row in [*output.values(), *errors.values()])
    choice = output["f"]["response"]["body"]["choices"][0]
    assert choice["finish_reason"] == "length"
    with pytest.raises(json.JSONDecodeError):
        json.loads(output["e"]["response"]["body"]["choices"][0]["message"]["content"])
    assert list(retried) == ["b"] and server.submitted["b"] == 2


def test_invalid_input_fails_the_batch_with_an_error_per_bad_line(server: FakeBatchServer) -> None:
    data = "\n".join([_line("a"), "{not json", _line("a"), _line("x", url="/v1/embeddings"), _line("ok")]).encode()

    async def scenario() -> tuple[Any, Any]:
        bad_lines = await _wait(server, (await _submit(server, data)).id)
        no_file = await configured_litellm().acreate_batch(
            input_file_id="file-missing", endpoint="/v1/chat/completions", completion_window="24h", **_kw(server))
        return bad_lines, await _wait(server, no_file.id)

    bad_lines, no_file = _run(scenario())
    assert (bad_lines.status, bad_lines.output_file_id, bad_lines.error_file_id) == ("failed", None, None)
    assert bad_lines.failed_at is not None and bad_lines.request_counts.total == 0
    assert [(error.code, error.line) for error in bad_lines.errors.data] == [
        ("invalid_json_line", 2), ("duplicate_custom_id", 3), ("invalid_url", 4)]
    assert (no_file.status, [error.code for error in no_file.errors.data]) == ("failed", ["invalid_input_file"])
    assert not server.submitted


def test_an_expired_batch_keeps_its_done_lines_and_expires_the_rest(server: FakeBatchServer) -> None:
    server.expire_next_batches(1, done=2)

    async def scenario() -> tuple[Any, dict[str, Any], dict[str, Any], Any]:
        expired = await _wait(server, (await _submit(server, _jsonl(["a", "b", "c", "d"]))).id)
        later = await _wait(server, (await _submit(server, _jsonl(["c", "d"]))).id)
        return (expired, await _lines(server, expired.output_file_id), await _lines(server, expired.error_file_id),
                later)

    expired, output, errors, later = _run(scenario())
    assert (expired.status, expired.completed_at) == ("expired", None) and expired.expired_at is not None
    assert (expired.request_counts.completed, expired.request_counts.failed) == (2, 2)
    assert sorted(output) == ["a", "b"] and sorted(errors) == ["c", "d"]
    assert errors["c"]["response"] is None
    assert errors["c"]["error"] == {"code": "batch_expired",
                                    "message": "This request could not be executed before the completion window "
                                               "expired."}
    assert later.status == "completed"  # only the next batch expires


def test_a_restart_in_the_middle_keeps_the_batch_and_completes_it(tmp_path: Path) -> None:
    state_dir = tmp_path / "provider"
    first = FakeBatchServer(state_dir, batch_delay_s=1.0).start()
    port = first.port
    try:
        created = _run(_submit(first, _jsonl(["ada", "bo"]), metadata={"run": "run-1"}))
    finally:
        first.stop()
    with FakeBatchServer(state_dir, port=port, batch_delay_s=1.0) as second:
        async def scenario() -> tuple[Any, dict[str, Any], Any]:
            done = await _wait(second, created.id)  # the client's pooled connection to `first` is gone
            upload = await configured_litellm().acreate_file(file=("more.jsonl", _jsonl(["cy"]), "application/jsonl"),
                                                             purpose="batch", **_kw(second))
            return done, await _lines(second, done.output_file_id), upload

        done, output, upload = _run(scenario())
        assert second.port == port
        assert (done.status, done.metadata, sorted(output)) == ("completed", {"run": "run-1"}, ["ada", "bo"])
        assert upload.id not in (created.input_file_id, done.output_file_id)
        assert (second.batch_creates, second.file_uploads, second.submitted) == (1, 2, {"ada": 1, "bo": 1})
        assert [batch["id"] for batch in second.batches()] == [created.id]


def test_a_stalled_create_still_produces_a_listed_batch_that_completes(server: FakeBatchServer) -> None:
    server.stall_batch_creates(1)

    async def scenario() -> tuple[bool, Any]:
        create = asyncio.ensure_future(_submit(server, _jsonl(["ada"]), metadata={"run": "stalled"}))
        deadline = asyncio.get_running_loop().time() + DEADLINE_S
        while server.batch_creates < 1 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)
        answered = create.done()
        create.cancel()  # the client dies without the batch's id
        listed = await configured_litellm().alist_batches(limit=10, **_kw(server))
        (batch,) = [batch for batch in listed.data if batch.metadata == {"run": "stalled"}]
        return answered, await _wait(server, batch.id)

    answered, done = _run(scenario())
    assert not answered
    assert (done.status, done.request_counts.completed, server.batch_creates) == ("completed", 1, 1)


def test_a_cancelled_batch_goes_cancelling_then_cancelled(tmp_path: Path) -> None:
    litellm = configured_litellm()
    with FakeBatchServer(tmp_path / "provider", batch_delay_s=4.0) as slow:  # a second cancelling
        async def scenario() -> tuple[Any, Any]:
            created = await _submit(slow, _jsonl(["ada", "bo"]))
            cancelling = await litellm.acancel_batch(batch_id=created.id, **_kw(slow))
            return cancelling, await _wait(slow, created.id)

        cancelling, cancelled = _run(scenario())
    assert (cancelling.status, cancelled.status) == ("cancelling", "cancelled")
    assert cancelled.cancelled_at is not None and cancelled.output_file_id is None


def test_chat_completions_keep_working_beside_batches(server: FakeBatchServer) -> None:
    litellm = configured_litellm()

    async def scenario() -> tuple[Any, Any]:
        batch = await _wait(server, (await _submit(server, _jsonl(["ada"]))).id)
        reply = await litellm.acompletion(model="openai/fake-model", messages=[{"role": "user", "content": "bo"}],
                                          api_base=server.api_base, api_key="sk-test")
        return batch, reply

    batch, reply = _run(scenario())
    assert batch.status == "completed" and json.loads(reply.choices[0].message.content) == {"answer": "bo"}
    assert server.calls == {"ada": 1, "bo": 1}
    assert user_content(server.bodies[-1]) == "bo"
