"""Prompt template files: one YAML file per prompt id under config/prompts (PERSONAX_PROMPTS_DIR overrides).

`PromptTemplate.sha` (the `prompt_sha` stored with every answer) is the SHA-256 of the canonical JSON of what a model
sees or is held to: the system and user templates, the scale (format, levels, order, labels) and the response
schema. The id, version, description and YAML comments/layout are not hashed, so re-wording a comment or bumping the
version alone does not re-run inference; any change to the prompt's text, scale or schema does.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, model_validator

from personax_platform.config.datasets import REPO_ROOT
from personax_platform.traits.constants import TRAITS  # re-exported: one trait list for prompts, parsing, tables

PROMPTS_DIR = REPO_ROOT / "config" / "prompts"
DEFAULT_PROMPT_ID = "number-l3-inc"

# The fenced block the person's data travels in; render.py writes it, the system message must name both lines.
FENCE_OPEN = "<<<PERSON_DATA"
FENCE_CLOSE = "PERSON_DATA>>>"

# Placeholders each message may use; an unknown one is a typo that would otherwise fail only at render time.
SYSTEM_PLACEHOLDERS = frozenset({"response_schema"})
USER_PLACEHOLDERS = frozenset({"person_data"})

# Ids double as file names: no separators or dots, so an id can never point outside the prompts directory.
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")


class PromptError(ValueError):
    """A prompt file that is missing, malformed, or whose schema disagrees with its scale."""


@dataclass(frozen=True)
class PromptTemplate:
    id: str
    version: int
    description: str
    format: Literal["number", "text"]
    levels: int
    order: Literal["inc", "dec"]
    labels: tuple[str, ...]  # labels[k] names level k on the prompt's own scale; 0 = insufficient information
    system: str
    user: str
    response_schema: dict[str, Any]  # not to be mutated: it is hashed into `sha`
    sha: str

    def answer_values(self) -> list[int] | list[str]:
        """The values a trait score may take in an answer, index k = level k on this prompt's own orientation."""
        return list(range(self.levels + 1)) if self.format == "number" else list(self.labels)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Scale(_Strict):
    format: Literal["number", "text"]
    levels: Literal[3, 5]
    order: Literal["inc", "dec"]
    labels: dict[StrictInt, StrictStr]

    @model_validator(mode="after")
    def _one_distinct_label_per_level(self) -> _Scale:
        if sorted(self.labels) != list(range(self.levels + 1)):
            raise ValueError(f"labels: keys must be 0..{self.levels}, got {sorted(self.labels)}")
        # Text answers are matched case-insensitively, so labels differing only in case would be ambiguous.
        words = [label.strip().casefold() for label in self.labels.values()]
        if "" in words or len(set(words)) != len(words):
            raise ValueError("labels: must be non-empty and distinct ignoring case")
        return self


class _PromptFile(_Strict):
    id: StrictStr
    version: StrictInt = Field(ge=1)
    description: StrictStr
    scale: _Scale
    system: StrictStr
    user: StrictStr
    response_schema: dict[str, Any]


def list_prompts(prompts_dir: Path | str = PROMPTS_DIR) -> list[str]:
    """Ids of the prompt files in the prompts directory, sorted."""
    return sorted(path.stem for path in Path(prompts_dir).glob("*.yaml"))


def load_prompt(prompt_id: str = DEFAULT_PROMPT_ID, prompts_dir: Path | str = PROMPTS_DIR) -> PromptTemplate:
    """The prompt `prompt_id`; PromptError names the file and the offending field when it is malformed."""
    if not _ID.fullmatch(prompt_id):
        raise PromptError(f"invalid prompt id {prompt_id!r}: lowercase letters, digits, '-' and '_' only")
    path = Path(prompts_dir) / f"{prompt_id}.yaml"
    if not path.is_file():
        raise PromptError(f"{path}: no such prompt file (available: {', '.join(list_prompts(path.parent))})")
    try:
        parsed = _PromptFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        raise PromptError(f"{path}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(map(str, err['loc'])) or '<file>'}: {err['msg']}" for err in exc.errors())
        raise PromptError(f"{path}: {fields}") from exc
    scale = parsed.scale
    labels = tuple(scale.labels[level] for level in range(scale.levels + 1))
    prompt = PromptTemplate(
        id=parsed.id, version=parsed.version, description=parsed.description.strip(),
        format=scale.format, levels=scale.levels, order=scale.order, labels=labels,
        system=parsed.system, user=parsed.user, response_schema=parsed.response_schema,
        sha=_sha(parsed.system, parsed.user, scale, labels, parsed.response_schema),
    )
    try:
        _check_consistent(prompt, prompt_id)
    except ValueError as exc:
        raise PromptError(f"{path}: {exc}") from exc
    return prompt


def _sha(system: str, user: str, scale: _Scale, labels: tuple[str, ...], schema: dict[str, Any]) -> str:
    content = {
        "system": system, "user": user, "response_schema": schema,
        "scale": {"format": scale.format, "levels": scale.levels, "order": scale.order, "labels": list(labels)},
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _check_consistent(prompt: PromptTemplate, file_id: str) -> None:
    """Raise ValueError naming the field where the file contradicts its name, the renderer or its own scale."""
    if prompt.id != file_id:
        raise ValueError(f"id: {prompt.id!r} does not match the file name {file_id!r}")
    for field, text, allowed in (("system", prompt.system, SYSTEM_PLACEHOLDERS),
                                 ("user", prompt.user, USER_PLACEHOLDERS)):
        template = Template(text)
        if not template.is_valid():
            raise ValueError(f"{field}: malformed $placeholder (write $$ for a literal dollar sign)")
        if set(template.get_identifiers()) != allowed:
            raise ValueError(f"{field}: placeholders must be exactly {sorted(allowed)}, "
                             f"got {sorted(template.get_identifiers())}")
    if FENCE_OPEN not in prompt.system or FENCE_CLOSE not in prompt.system:
        raise ValueError(f"system: must tell the model that the data lies between {FENCE_OPEN} and {FENCE_CLOSE}")
    _check_schema(prompt)


def _check_schema(prompt: PromptTemplate) -> None:
    """The response schema must be the answer shape parse.py reads, with the scale's values as each trait's enum."""
    schema = prompt.response_schema
    _check_object(schema, "response_schema", {"description", "scores"})
    description = schema["properties"]["description"]
    if not isinstance(description, dict) or description.get("type") != "string" \
            or type(description.get("minLength")) is not int or description["minLength"] < 1:
        raise ValueError("response_schema.properties.description: must be a string schema with minLength >= 1")
    scores = schema["properties"]["scores"]
    _check_object(scores, "response_schema.properties.scores", set(TRAITS))
    expected = prompt.answer_values()
    value_types = {"integer", "number"} if prompt.format == "number" else {"string"}
    for trait in TRAITS:
        where = f"response_schema.properties.scores.properties.{trait}"
        spec = scores["properties"][trait]
        enum = spec.get("enum") if isinstance(spec, dict) else None
        # Compared with types: YAML turns an unquoted `yes` into True and `1` into an int, and True == 1.
        if not isinstance(enum, list) or [(type(v), v) for v in enum] != [(type(v), v) for v in expected]:
            raise ValueError(f"{where}.enum: must be {expected} for this scale, got {enum!r}")
        if "type" in spec and spec["type"] not in value_types:
            raise ValueError(f"{where}.type: {spec['type']!r} contradicts the scale's {prompt.format} values")


def _check_object(schema: Any, where: str, keys: set[str]) -> None:
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise ValueError(f"{where}: must be an object schema (type: object)")
    properties = schema.get("properties")
    if not isinstance(properties, dict) or set(properties) != keys:
        raise ValueError(f"{where}.properties: must be exactly {sorted(keys)}")
    if not isinstance(schema.get("required"), list) or set(schema["required"]) != keys:
        raise ValueError(f"{where}.required: must list {sorted(keys)}")
    if schema.get("additionalProperties") is not False:
        raise ValueError(f"{where}.additionalProperties: must be false")
