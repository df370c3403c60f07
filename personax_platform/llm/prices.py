"""Per-token prices of a model at the providers' batch rates: the configured ones, else litellm's local cost map
(`*_cost_per_token_batches`). The run preview and the batch results use the same figures."""
from __future__ import annotations

from personax_platform.llm.batch_api import BATCH_PROVIDERS
from personax_platform.llm.litellm_setup import configured_litellm
from personax_platform.llm.models import ModelConfig


def batch_prices(model: ModelConfig) -> tuple[float, float] | None:
    """(input, output) USD per token in a batch; None when litellm has no batch route for the model's provider or
    neither the configuration nor litellm's map has a batch price."""
    if not has_batch_route(model):
        return None
    if model.batch_input_cost_per_token is not None or model.batch_output_cost_per_token is not None:
        return model.batch_input_cost_per_token or 0.0, model.batch_output_cost_per_token or 0.0
    if model.input_cost_per_token is not None or model.output_cost_per_token is not None:
        return None  # priced by configuration, which names no batch price: litellm's map does not describe it
    try:
        info = configured_litellm().get_model_info(model.model)
    except Exception:  # noqa: BLE001 - litellm raises several types for "not in the cost map"
        return None
    batch_in, batch_out = info.get("input_cost_per_token_batches"), info.get("output_cost_per_token_batches")
    return None if batch_in is None or batch_out is None else (batch_in, batch_out)


def sync_prices(model: ModelConfig) -> tuple[float, float]:
    """(input, output) USD per token for synchronous calls; (0, 0) for a model priced nowhere."""
    if model.input_cost_per_token is not None or model.output_cost_per_token is not None:
        return model.input_cost_per_token or 0.0, model.output_cost_per_token or 0.0
    try:
        info = configured_litellm().get_model_info(model.model)
    except Exception:  # noqa: BLE001 - as above
        return 0.0, 0.0
    return info.get("input_cost_per_token") or 0.0, info.get("output_cost_per_token") or 0.0


def has_batch_route(model: ModelConfig) -> bool:
    """Whether litellm can send the model's requests as a provider batch."""
    try:
        provider = configured_litellm().get_llm_provider(model=model.model)[1]
    except Exception:  # noqa: BLE001 - a provider litellm does not know (the in-process ones)
        return False
    return provider in BATCH_PROVIDERS
