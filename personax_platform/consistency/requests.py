"""The study's LLM requests: person × model × prompt variant × repeat, each repeat a distinct cached request."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from personax_platform.llm.models import ModelConfig
from personax_platform.llm.request import LLMRequest
from personax_platform.prompts import PromptTemplate, render_messages


def study_requests(people: pd.DataFrame, prompts: Mapping[str, PromptTemplate], models: Sequence[ModelConfig],
                   repeats: int, kind: str) -> list[LLMRequest]:
    """Keyed `person/model/variant/repeat`; repeat 0 of a variant is the same request a single run would send."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    requests = []
    for person in people.sort_values("person_id").to_dict("records"):
        for variant, prompt in prompts.items():
            messages = render_messages(prompt, person, kind)
            for model in models:
                for repeat in range(repeats):
                    requests.append(LLMRequest(
                        key=f"{person['person_id']}/{model.name}/{variant}/{repeat}", model=model,
                        messages=messages, response_schema=prompt.response_schema, repeat=repeat,
                        metadata={"person_id": person["person_id"], "dataset": person["dataset"],
                                  "league": person["league"], "variant": variant, "repeat": repeat},
                    ))
    return requests
