"""A model's answer to a trait prompt, read into five integer scores.

Tolerant of how models wrap the JSON (code fences, prose around it, key case, nested {"score": ...} objects, numbers
written as strings or as integral floats) but strict about the values: anything outside the prompt's scale raises
AnswerParseError, whose reason is recorded with the row instead of a guessed score. The description's maxLength is
a generation hint and is not enforced here.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from personax_platform.prompts.templates import TRAITS, PromptTemplate

_DECIMAL = re.compile(r"[+-]?\d+(\.\d*)?")


@dataclass(frozen=True)
class TraitAnswer:
    description: str
    # Trait -> 0 (insufficient information) or 1..levels from low to high, whatever the prompt's own order.
    scores: dict[str, int]


class AnswerParseError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_answer(raw: str, prompt: PromptTemplate) -> TraitAnswer:
    answer = _casefold_keys(_first_json_object(raw), "answer")
    description = answer.get("description")
    if not isinstance(description, str) or not description.strip():
        raise AnswerParseError(f"description: missing or empty ({_short(description)})")
    if not isinstance(answer.get("scores"), dict):
        raise AnswerParseError(f"scores: missing or not an object ({_short(answer.get('scores'))})")
    # Keys other than the five traits are ignored: they carry no score we read, so nothing is guessed.
    scores = _casefold_keys(answer["scores"], "scores")
    levels = {}
    for trait in TRAITS:
        if trait not in scores:
            raise AnswerParseError(f"{trait}: missing")
        level = _level(trait, scores[trait], prompt)
        # Dec scales put the highest degree at 1; 0 means "insufficient information" in every orientation.
        levels[trait] = prompt.levels + 1 - level if prompt.order == "dec" and level else level
    return TraitAnswer(description=description.strip(), scores=levels)


def _first_json_object(raw: str) -> dict[str, Any]:
    """The first complete JSON object in `raw`: models wrap it in ```json fences or explain it in prose."""
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", raw):
        try:
            value, _ = decoder.raw_decode(raw, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    raise AnswerParseError(f"no JSON object in the answer ({_short(raw)})")


def _casefold_keys(obj: dict[str, Any], where: str) -> dict[str, Any]:
    folded: dict[str, Any] = {}
    for key, value in obj.items():
        name = key.strip().casefold()
        if name in folded:  # "openness" and "Openness" both present: which one the model meant is a guess
            raise AnswerParseError(f"{where}: duplicate key {key!r}")
        folded[name] = value
    return folded


def _level(trait: str, value: Any, prompt: PromptTemplate) -> int:
    """The answer value's level k (index into the prompt's answer values), or AnswerParseError."""
    if isinstance(value, dict):
        nested = _casefold_keys(value, trait)
        if "score" not in nested:
            raise AnswerParseError(f"{trait}: object without a score ({_short(value)})")
        value = nested["score"]
    if prompt.format == "number":
        level = _integer(value)
        if level is not None and 0 <= level <= prompt.levels:
            return level
    elif isinstance(value, str):
        word = " ".join(value.split()).casefold()
        for level, label in enumerate(prompt.labels):
            if word == label.casefold():
                return level
    raise AnswerParseError(f"{trait}: {_short(value)} is not one of {prompt.answer_values()}")


def _integer(value: Any) -> int | None:
    """2, 2.0, "2" and " 2.0 " are 2; 1.5, NaN, booleans and anything else are not integers."""
    if isinstance(value, bool):  # JSON true would otherwise pass as the int 1
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return _integer(float(value))
    return None


def _short(value: Any, limit: int = 80) -> str:
    """repr of `value`, cut so that a rambling answer does not become a rambling failure reason."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
