"""The LLM resource: which prompt and models are active per dataset, the crash-safe response cache they run
through, and how many failed or uninformative answers a partition may have before its trait checks fail."""
import functools
from pathlib import Path

import dagster as dg
from pydantic import Field

from personax_platform.config.datasets import PlatformConfig, load_config
from personax_platform.llm.batch import poll
from personax_platform.llm.batch_api import BatchStatus
from personax_platform.llm.batch_ledger import BatchLedger, Submission
from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import LLMResult, complete_all_sync
from personax_platform.llm.dataset_models import models_for_dataset
from personax_platform.llm.embedded import EMBEDDED_PROVIDER, register_embedded_provider
from personax_platform.llm.inference_version import inference_version
from personax_platform.llm.models import ModelConfig, known_truth_raters, load_models
from personax_platform.llm.modes import Completion, complete_by_mode
from personax_platform.llm.preview import RunPreview, preview_run
from personax_platform.llm.request import LLMRequest, request_hash
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
        with ResponseCache(self._cache_file()) as cache, BatchLedger(self._cache_file()) as ledger:
            return preview_run(requests, cache, ledger.held(request_hash(r) for r in requests))

    def complete(self, requests: list[LLMRequest], run_id: str, prompt: PromptTemplate | None = None,
                 progress: Report | None = None) -> list[LLMResult]:
        """Cached answers are reused; the rest are sent now, whatever the models' mode, and an answer that does not
        parse under `prompt` (the active prompt by default) is retried. `progress` gets lines on the calls."""
        self._register_providers()
        prompt = prompt or self.prompt()
        with ResponseCache(self._cache_file()) as cache:
            return complete_all_sync(requests, cache, validate=self._validate(prompt), run_id=run_id,
                                     progress=progress)

    def complete_by_mode(self, requests: list[LLMRequest], run_id: str, scope: str,
                         progress: Report | None = None) -> Completion:
        """Like `complete` for `sync` models; `batch` models' requests are collected from finished provider batches
        or submitted in new ones (personax_platform/llm/batch.py), and the run does not wait for them: see
        `Completion.pending`. `scope` (the partition) is what the batches' sensor re-materializes."""
        self._register_providers()
        with ResponseCache(self._cache_file()) as cache, BatchLedger(self._cache_file()) as ledger:
            return complete_by_mode(requests, cache, ledger, scope=scope, run_id=run_id,
                                    validate=self._validate(self.prompt()), progress=progress)

    def poll_batches(self) -> list[tuple[Submission, BatchStatus | None]]:
        """Every unfinished batch submission with its provider's status now (None: not at the provider yet)."""
        with BatchLedger(self._cache_file()) as ledger:  # batch models are configured LLMs, never simulated raters
            return poll(self.models(), ledger)

    def recent_batches(self, limit: int = 50) -> list[Submission]:
        with BatchLedger(self._cache_file()) as ledger:
            return ledger.recent(limit)

    def _register_providers(self) -> None:
        # The in-process providers take this resource's settings: the embedded model's threads, and the prompts
        # directory the simulated raters recognise a request's prompt in.
        register_embedded_provider(threads=self.embedded_threads)
        register_simulated_provider(prompts_dir=Path(self.prompts_dir))

    def _cache_file(self) -> Path:
        path = Path(self.cache_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    @staticmethod
    def _validate(prompt: PromptTemplate) -> functools.partial:
        return functools.partial(parse_answer, prompt=prompt)
