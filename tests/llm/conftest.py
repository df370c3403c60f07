from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from personax_platform.llm.cache import ResponseCache
from tests.llm.fake_openai_server import FakeOpenAIServer
from tests.llm.support import KEY_ENV


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = f"sk-test-{secrets.token_hex(16)}"
    monkeypatch.setenv(KEY_ENV, key)
    return key


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[ResponseCache]:
    with ResponseCache(tmp_path / "llm_cache.sqlite") as response_cache:
        yield response_cache
