"""The LLM resource: which prompt and models are active per dataset, the crash-safe response cache they run
through, and how many failed or uninformative answers a partition may have before its trait checks fail."""
import functools
from pathlib import Path

import dagster as dg
from pydantic import Field

from personax_platform.config.datasets import PlatformConfig, load_config
from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import LLMResult, complete_all_sync
from personax_platform.llm.dataset_models import models_for_dataset
from personax_platform.llm.embedded import EMBEDDED_PROVIDER, register_embedded_provider
from personax_platform.llm.inference_version import inference_version
from personax_platform.llm.models import ModelConfig, known_truth_raters, load_models
from personax_platform.llm.preview import RunPreview, preview_run
from personax_platform.llm.request import LLMRequest
from personax_platform.llm.simulated import register_simulated_provider
from personax_platform.progress import Report
from personax_platform.prompts import PromptTemplate, load_prompt
from personax_platform.settings import (
    DEFAULT_EMBEDDED_THREADS,
    DEFAULT_MAX_FAILURE_RATE,
    DEFAULT_MAX_INSUFFICIENT_RATE,
)
from personax_platform.traits.parse import parse_answer


class LLMResource(dg.ConfigurableResource):
    models_config: str
    prompts_dir: str
    prompt_id: str
    cache_path: str
    # Which datasets are known-truth cohorts (their simulated raters replace the models file), and where those
    # cohorts' truth files are.
    datasets_config: str
    data_dir: str
    embedded_threads: int = Field(DEFAULT_EMBEDDED_THREADS, ge=1, description="llama.cpp threads of the embedded model")
    max_failure_rate: float = Field(DEFAULT_MAX_FAILURE_RATE, ge=0, le=1, description=(
        "Share of a partition's LLM requests that may fail (call or parse) before its trait checks fail."))
    max_insufficient_rate: float = Field(DEFAULT_MAX_INSUFFICIENT_RATE, ge=0, le=1, description=(
        "Share of parsed scores per trait that may be 0 (insufficient information) before the scores check fails."))

    def platform_config(self) -> PlatformConfig:
        return load_config(Path(self.datasets_config))

    def models(self, dataset: str | None = None) -> list[ModelConfig]:
        """The models that rate `dataset`'s people; None: the configured LLMs (the real datasets')."""
        if dataset is None:
            return load_models(Path(self.models_config))
        return models_for_dataset(self.platform_config(), dataset, Path(self.models_config), Path(self.data_dir))

    def prompt(self) -> PromptTemplate:
        """The active prompt."""
        return self.load_prompt(self.prompt_id)

    def load_prompt(self, prompt_id: str) -> PromptTemplate:
        """Any prompt of the prompts directory (the consistency study asks all six variants)."""
        return load_prompt(prompt_id, Path(self.prompts_dir))

    def inference_version(self) -> str:
        """What this resource asks (prompt and models, raters included); `trait_texts`' code version when the
        resource is the one definitions.py built from the settings."""
        return inference_version(self.prompt(), self.models(), known_truth_raters(self.platform_config()))

    def uses_embedded_model(self, dataset: str | None = None) -> bool:
        return any(m.model.startswith(f"{EMBEDDED_PROVIDER}/") for m in self.models(dataset))

    def preview(self, requests: list[LLMRequest]) -> RunPreview:
        """What `complete(requests)` would send, cost and take, against this resource's cache; sends nothing."""
        with ResponseCache(Path(self.cache_path)) as cache:
            return preview_run(requests, cache)

    def complete(self, requests: list[LLMRequest], run_id: str, prompt: PromptTemplate | None = None,
                 progress: Report | None = None) -> list[LLMResult]:
        """Cached answers are reused; the rest are sent, and an answer that does not parse under `prompt` (the
        active prompt by default) is retried. `progress` gets lines on the calls while they run."""
        # The in-process providers take this resource's settings: the embedded model's threads, and the prompts
        # directory the simulated raters recognise a request's prompt in.
        register_embedded_provider(threads=self.embedded_threads)
        register_simulated_provider(prompts_dir=Path(self.prompts_dir))
        prompt = prompt or self.prompt()
        Path(self.cache_path).parent.mkdir(parents=True, exist_ok=True)
        with ResponseCache(Path(self.cache_path)) as cache:
            validate = functools.partial(parse_answer, prompt=prompt)
            return complete_all_sync(requests, cache, validate=validate, run_id=run_id, progress=progress)
