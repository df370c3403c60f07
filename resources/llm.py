"""The LLM resource: which prompt and models are active per dataset, and the crash-safe response cache they run
through."""
from pathlib import Path

import dagster as dg

from personax_platform import settings
from personax_platform.config.datasets import PlatformConfig, config_path, load_config
from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import LLMResult, complete_all_sync
from personax_platform.llm.dataset_models import models_for_dataset
from personax_platform.llm.embedded import EMBEDDED_PROVIDER, register_embedded_provider
from personax_platform.llm.models import ModelConfig, load_models
from personax_platform.llm.request import LLMRequest
from personax_platform.progress import Report
from personax_platform.prompts import PromptTemplate, load_prompt
from personax_platform.traits.parse import parse_answer


class LLMResource(dg.ConfigurableResource):
    models_config: str
    prompts_dir: str
    prompt_id: str
    cache_path: str
    # Empty: the platform's defaults (settings.py). They say which datasets are known-truth cohorts, whose
    # simulated raters replace the models file, and where those cohorts' truth files are.
    datasets_config: str = ""
    data_dir: str = ""

    def platform_config(self) -> PlatformConfig:
        return load_config(Path(self.datasets_config or config_path()))

    def models(self, dataset: str | None = None) -> list[ModelConfig]:
        """The models that rate `dataset`'s people; None: the configured LLMs (the real datasets')."""
        if dataset is None:
            return load_models(Path(self.models_config))
        return models_for_dataset(self.platform_config(), dataset, Path(self.models_config),
                                  Path(self.data_dir or settings.data_dir()))

    def prompt(self) -> PromptTemplate:
        """The active prompt."""
        return self.load_prompt(self.prompt_id)

    def load_prompt(self, prompt_id: str) -> PromptTemplate:
        """Any prompt of the prompts directory (the consistency study asks all six variants)."""
        return load_prompt(prompt_id, Path(self.prompts_dir))

    def uses_embedded_model(self, dataset: str | None = None) -> bool:
        return any(m.model.startswith(f"{EMBEDDED_PROVIDER}/") for m in self.models(dataset))

    def complete(self, requests: list[LLMRequest], run_id: str, prompt: PromptTemplate | None = None,
                 progress: Report | None = None) -> list[LLMResult]:
        """Cached answers are reused; the rest are sent, and an answer that does not parse under `prompt` (the
        active prompt by default) is retried. `progress` gets lines on the calls while they run."""
        if any(r.model.model.startswith(f"{EMBEDDED_PROVIDER}/") for r in requests):
            register_embedded_provider()
        prompt = prompt or self.prompt()
        Path(self.cache_path).parent.mkdir(parents=True, exist_ok=True)
        with ResponseCache(Path(self.cache_path)) as cache:
            return complete_all_sync(requests, cache, validate=lambda raw: parse_answer(raw, prompt), run_id=run_id,
                                     progress=progress)
