"""Chat messages for one person: the prompt's wording, with the person's bio fenced as JSON data.

The bio is untrusted text (scraped pages, Wikidata descriptions). It reaches the model only as JSON between the fence
lines that the system message declares to be data, and it can never close the fence early (see `fence_person_data`).
"""
from __future__ import annotations

import datetime as dt
import json
import numbers
from collections.abc import Mapping
from string import Template
from typing import Any

from personax_platform.bios.missing import is_missing
from personax_platform.prompts.templates import FENCE_CLOSE, FENCE_OPEN, PromptTemplate

# Bio fields the model sees per dataset kind, in this order. Ids, image references and face attributes are left out:
# they say nothing about behaviour and would make identical bios render differently.
PERSON_FIELDS: dict[str, tuple[str, ...]] = {
    "athletes": ("name", "league", "birth_date", "nationality", "height_cm", "weight_kg", "position"),
    "celebrities": ("name", "occupation", "description"),
}


def render_messages(prompt: PromptTemplate, person: Mapping[str, Any], kind: str) -> list[dict[str, str]]:
    """[system, user] chat messages for `person` (a bios row of a dataset of this `kind`, config/datasets.yaml);
    byte-identical for the same prompt and person."""
    if kind not in PERSON_FIELDS:
        raise ValueError(f"unknown dataset kind {kind!r}; expected one of {sorted(PERSON_FIELDS)}")
    data = {
        field: _json_value(person[field])
        for field in PERSON_FIELDS[kind]
        if field in person and not is_missing(person[field])
    }
    schema = json.dumps(prompt.response_schema, ensure_ascii=False)
    return [
        {"role": "system", "content": Template(prompt.system).substitute(response_schema=schema)},
        {"role": "user", "content": Template(prompt.user).substitute(person_data=fence_person_data(data))},
    ]


def fence_person_data(data: Mapping[str, Any]) -> str:
    """`data` as indented JSON between the fence lines.

    json.dumps already escapes newlines, so no value can start a line of its own. '<' and '>' are escaped too
    ('\\u003c', '\\u003e'): they can occur only inside string values here, a JSON reader gets the same text back,
    and no value can spell either fence marker.
    """
    body = json.dumps(data, indent=2, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return f"{FENCE_OPEN}\n{body}\n{FENCE_CLOSE}"


def _json_value(value: Any) -> str | int | float:
    """A JSON scalar for a bios value as pandas, Arrow or numpy hand it over."""
    if isinstance(value, dt.datetime):  # pandas Timestamps included; bios carry dates, not times
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return str(value).strip()
