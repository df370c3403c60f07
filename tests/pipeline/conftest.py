"""Fixtures of the pipeline tests that talk to a local OpenAI-compatible server."""
from __future__ import annotations

import pytest

from tests.llm.fake_openai_server import FakeOpenAIServer
from tests.llm.support import KEY_ENV
from tests.pipeline.traits_support import scripted_answer, write_models_and_prompts


@pytest.fixture
def server():
    with FakeOpenAIServer(answer=scripted_answer) as fake:
        yield fake


@pytest.fixture
def llm_setup(tmp_path, server, monkeypatch):
    """(directory holding models.yaml, editable prompts directory) for three models served by `server`."""
    monkeypatch.setenv(KEY_ENV, "sk-test-not-a-real-key")
    return write_models_and_prompts(tmp_path, server)
