"""Which models rate a dataset: the configured LLMs for a real dataset, the simulated raters for a known-truth one.

The two never mix. A simulated rater answers from a generated cohort's planted traits, so configuring one for a real
dataset would put made-up ratings next to real people: that is an error here, before any request is built. The
simulated raters learn where their cohort's truth is through `api_base`, which this module sets.
"""
from __future__ import annotations

from pathlib import Path

from personax_platform.config.datasets import REPO_ROOT, PlatformConfig
from personax_platform.known_truth.cohort import cohort_of
from personax_platform.llm.models import ModelConfig, load_models
from personax_platform.llm.simulated import SIMULATED_PROVIDER, is_simulated


def models_for_dataset(config: PlatformConfig, dataset: str, models_path: Path, data_dir: Path) -> list[ModelConfig]:
    """The models that rate `dataset`'s people."""
    if dataset not in config.datasets:
        raise KeyError(f"dataset '{dataset}' is not configured; known datasets: {list(config.datasets)}")
    spec = config.datasets[dataset].known_truth
    if spec is None:
        models = load_models(models_path)
        simulated = [m.name for m in models if is_simulated(m.model)]
        if simulated:
            raise ValueError(f"{models_path}: model(s) {simulated} are simulated raters, but '{dataset}' is a real "
                             "dataset: a simulated rater only rates a generated known-truth cohort "
                             "(config/datasets.yaml, known_truth.raters)")
        return models
    raters_path = REPO_ROOT / spec.raters
    raters = load_models(raters_path)
    real = [m.name for m in raters if not is_simulated(m.model)]
    if real or not raters:
        raise ValueError(f"{raters_path}: the raters of known-truth dataset '{dataset}' must be simulated raters "
                         f"({SIMULATED_PROVIDER}/<rater>); {real or 'none'} found")
    truth = str(cohort_of(config, dataset, data_dir).truth_path)
    return [m.model_copy(update={"api_base": truth}) for m in raters]
