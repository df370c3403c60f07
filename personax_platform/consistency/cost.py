"""What a batch of LLM requests will cost at most, before anything is sent.

Input tokens are estimated from the rendered text (~4 characters per token) and output tokens at the full
`max_tokens` budget, so the estimate is an upper bound. Prices come from the model's configured per-token prices,
else litellm's cost map; a model in neither is listed as unpriced and counted at 0.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from personax_platform.llm.ratelimit import estimate_tokens
from personax_platform.llm.request import LLMRequest


@dataclass(frozen=True)
class CostEstimate:
    requests: int
    input_tokens: int
    output_tokens: int
    usd: float
    unpriced_models: tuple[str, ...]

    def describe(self) -> str:
        unpriced = f"; no price known for {', '.join(self.unpriced_models)} (counted as 0)" \
            if self.unpriced_models else ""
        return (f"{self.requests} requests, at most {self.input_tokens:,} input + {self.output_tokens:,} output "
                f"tokens, at most ${self.usd:.2f}{unpriced}")


def estimate_cost(requests: Sequence[LLMRequest]) -> CostEstimate:
    import litellm

    usd, inputs, outputs, unpriced = 0.0, 0, 0, set()
    for request in requests:
        model = request.model
        output = model.max_tokens
        prompt = estimate_tokens(request.messages, 0)
        inputs, outputs = inputs + prompt, outputs + output
        if model.input_cost_per_token is not None or model.output_cost_per_token is not None:
            usd += prompt * (model.input_cost_per_token or 0.0) + output * (model.output_cost_per_token or 0.0)
            continue
        try:
            prompt_usd, output_usd = litellm.cost_per_token(model=model.model, prompt_tokens=prompt,
                                                            completion_tokens=output)
        except Exception:  # noqa: BLE001 - litellm raises several types for "not in the cost map"
            unpriced.add(model.name)
            continue
        usd += prompt_usd + output_usd
    return CostEstimate(len(requests), inputs, outputs, 0.0 if math.isnan(usd) else usd, tuple(sorted(unpriced)))
