"""The platform's settings: where it reads and writes, which datasets, models and prompt are active, and its quality
thresholds, built once from an environment plus the config files they name.

The library never reads the process environment itself: an entry point (the Dagster definitions, the demo, a CLI)
calls `Settings.from_environ(os.environ)` once and passes the result down, so partitions, pools, the inference
code version and the resources all describe the same configuration. The variables are documented in the README.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from personax_platform.config.datasets import DEFAULT_CONFIG_PATH, REPO_ROOT, PlatformConfig, load_config
from personax_platform.llm.inference_version import inference_version
from personax_platform.llm.models import DEFAULT_MODELS_PATH, ModelConfig, known_truth_raters, load_models
from personax_platform.prompts import DEFAULT_PROMPT_ID, PROMPTS_DIR, PromptTemplate, load_prompt

DEFAULT_MAX_FAILURE_RATE = 0.2
DEFAULT_MAX_INSUFFICIENT_RATE = 0.5
# One llama.cpp thread by default: on 2 cores shared with other processes (parallel partition runs, tests), its
# 2-thread barrier collapsed to 0.3 tokens/s here while 1 thread kept ~50 tokens/s. Raise it on a dedicated machine.
DEFAULT_EMBEDDED_THREADS = 1


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing_dir: Path  # landing files; the shipped sample of fictional people by default
    lake_dir: str  # a folder, or an object store's s3://bucket/prefix (gs:// too)
    warehouse_path: Path
    llm_cache_path: Path  # crash-safe SQLite; outside the lake because it outlives any table
    release_dir: Path  # release folders, one per dataset, before any publishing
    release_secret_file: Path  # used when PERSONAX_RELEASE_SECRET is unset; keep it private and backed up
    hub_repo_template: str  # e.g. 'my-lab/personax-{dataset}'; empty: releases are not published
    datasets_config: Path
    models_config: Path
    prompts_dir: Path
    prompt_id: str
    max_failure_rate: float  # share of a partition's LLM requests that may fail before its trait checks fail
    max_insufficient_rate: float  # share of parsed scores per trait that may be 0 before the scores check fails
    embedded_threads: int
    datasets: PlatformConfig
    models: tuple[ModelConfig, ...]
    prompt: PromptTemplate

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """Paths and switches from `environ` (PERSONAX_* variables), then the files they name, validated."""
        data_dir = _path(environ, "PERSONAX_DATA_DIR", REPO_ROOT / "data")
        datasets_config = _path(environ, "PERSONAX_DATASETS_CONFIG", DEFAULT_CONFIG_PATH)
        models_config = _path(environ, "PERSONAX_MODELS_CONFIG", DEFAULT_MODELS_PATH)
        prompts_dir = _path(environ, "PERSONAX_PROMPTS_DIR", PROMPTS_DIR)
        prompt_id = environ.get("PERSONAX_PROMPT_ID", DEFAULT_PROMPT_ID)
        return cls(
            data_dir=data_dir,
            landing_dir=_path(environ, "PERSONAX_LANDING_DIR", REPO_ROOT / "sample_data" / "landing"),
            lake_dir=environ.get("PERSONAX_LAKE_DIR") or str(data_dir / "lake"),
            warehouse_path=_path(environ, "PERSONAX_WAREHOUSE", data_dir / "warehouse.duckdb"),
            llm_cache_path=_path(environ, "PERSONAX_LLM_CACHE", data_dir / "llm_cache.sqlite"),
            release_dir=_path(environ, "PERSONAX_RELEASE_DIR", data_dir / "release"),
            release_secret_file=_path(environ, "PERSONAX_RELEASE_SECRET_FILE", data_dir / "release_secret"),
            hub_repo_template=environ.get("PERSONAX_HF_REPO", ""),
            datasets_config=datasets_config,
            models_config=models_config,
            prompts_dir=prompts_dir,
            prompt_id=prompt_id,
            max_failure_rate=_share(environ, "PERSONAX_MAX_FAILURE_RATE", DEFAULT_MAX_FAILURE_RATE),
            max_insufficient_rate=_share(environ, "PERSONAX_MAX_INSUFFICIENT_RATE", DEFAULT_MAX_INSUFFICIENT_RATE),
            embedded_threads=_positive_int(environ, "PERSONAX_EMBEDDED_THREADS", DEFAULT_EMBEDDED_THREADS),
            datasets=load_config(datasets_config),
            models=tuple(load_models(models_config)),
            prompt=load_prompt(prompt_id, prompts_dir),
        )

    def inference_version(self) -> str:
        """`trait_texts`' code version: the active prompt and every model that answers it."""
        return inference_version(self.prompt, self.models, known_truth_raters(self.datasets))


def _path(environ: Mapping[str, str], variable: str, default: Path) -> Path:
    return Path(environ.get(variable) or default)


def _share(environ: Mapping[str, str], variable: str, default: float) -> float:
    raw = environ.get(variable)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{variable}={raw!r} is not a number; expected a share between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{variable}={raw!r} is outside [0, 1]")
    return value


def _positive_int(environ: Mapping[str, str], variable: str, default: int) -> int:
    raw = environ.get(variable, str(default))
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{variable} must be a positive integer, got {raw!r}")
    return int(raw)
