"""Concurrency pool names. The instance (dagster_home/dagster.yaml, deploy/dagster.yaml) runs one step of a pool at a
time across all runs, unless the pool has a limit of its own (deploy/pools.yaml; UI: Deployment → Concurrency)."""
from __future__ import annotations

from collections.abc import Sequence

from personax_platform.llm.embedded import EMBEDDED_PROVIDER
from personax_platform.llm.models import ModelConfig
from resources.settings import SETTINGS

# CPU-heavy statistics (kernel tests, graph search): two at once would only share the same cores, each twice as slow.
ANALYSIS_POOL = "heavy_analysis"


def provider(model: ModelConfig) -> str:
    """Whose rate limit a model's calls count against: `embedded` (the local worker process), `local` (a server of
    our own behind `api_base`: Ollama, vLLM, llama.cpp), else litellm's provider prefix (bare model names are
    OpenAI's)."""
    prefix = model.model.split("/", 1)[0] if "/" in model.model else "openai"
    if prefix == EMBEDDED_PROVIDER:
        return "embedded"
    return "local" if model.api_base else prefix


def llm_pool(models: Sequence[ModelConfig]) -> str:
    """`llm_<provider>` for the configured models; `llm_gemini+openai` when they span providers, since Dagster gives
    a step one pool and the LLM assets ask every configured model in one step. Each run paces its calls to a model's
    whole rpm/tpm, so two steps calling the same provider at once would double the rate."""
    return "llm_" + "+".join(sorted({provider(m) for m in models}))


# The pool of the steps that ask the configured LLMs (trait inference, the prompt study).
LLM_POOL = llm_pool(SETTINGS.models)
