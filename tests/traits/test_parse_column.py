"""Parsing a column of answers: the vectorised path must agree with parse_answer on every answer, reasons included."""
from __future__ import annotations

import json

import polars as pl
import pytest

from personax_platform.prompts import TRAITS, PromptTemplate, load_prompt
from personax_platform.traits.parse import AnswerParseError, parse_answer
from personax_platform.traits.parse_column import parse_scores

DESCRIPTION = "Composed in interviews, visibly driven on the field."


def answer(values: list, description: object = DESCRIPTION, **dumps: object) -> str:
    return json.dumps({"description": description, "scores": dict(zip(TRAITS, values))}, **dumps)


def column_of_answers(prompt: PromptTemplate) -> list[str | None]:
    """Canonical answers, every wrapping and tolerated spelling, and malformed answers, on the prompt's scale."""
    values = prompt.answer_values()
    low, high = values[1], values[-1]
    canonical = answer([high, low, values[0], low, high])
    return [
        canonical,
        f"```json\n{canonical}\n```",
        f"Here is my assessment:\n\n{canonical}\n\nLet me know if you need more detail.",
        answer([high, low, values[0], low, high], indent=2),
        answer([high] * 5, description="Élan, 北京 ☃", ensure_ascii=False),
        answer([high] * 5, description="Quotes \"inside\" and a tab\\t escaped"),
        json.dumps({"Description": DESCRIPTION, "SCORES": {t.capitalize(): high for t in TRAITS}}),
        json.dumps({"description": DESCRIPTION, "scores": dict(reversed(dict(zip(TRAITS, values)).items()))}),
        answer([{"score": high}] * 5),
        answer([str(high)] * 5),
        answer([f" {high} "] * 5),
        answer([2.0] * 5),
        answer([high] * 5, description="\n\t "),  # blank once decoded: the escapes hide no text
        answer([high] * 5, description="\u00e9"),  # escaped letters only: read by parse_answer
        answer([high] * 5, description=""),
        canonical.replace("driven", "dri\tven"),  # a raw tab inside a string: invalid JSON
        canonical.replace("driven", "dri\\xven"),  # invalid escape: the object does not decode
        "{not json} " + canonical,  # a "{" before the object: parse_answer tries it first
        'Prefer {"description": "other", "scores": {}} first. ' + canonical,
        canonical + ' {"description": "ignored"}',
        canonical[:-1],  # truncated
        answer([high, low, values[0], low, 9]),
        answer([high, low, values[0], low, "very high"]),
        answer([high, low, values[0], low, True]),
        answer([high, low, values[0], low]),
        "I cannot assess real people.",
        "I cannot assess real people.",
        "",
        canonical,
    ]


def expected(raw: str, prompt: PromptTemplate) -> dict[str, object]:
    try:
        return {"reason": None, **parse_answer(raw, prompt).scores}
    except AnswerParseError as exc:
        return {"reason": exc.reason, **dict.fromkeys(TRAITS)}


@pytest.mark.parametrize("prompt_id", ["number-l3-inc", "number-l3-dec", "number-l5-inc", "number-l5-dec",
                                       "text-l3-inc", "text-l5-inc"])
def test_every_answer_gets_the_scores_or_the_reason_parse_answer_gives_in_row_order(prompt_id):
    prompt = load_prompt(prompt_id)
    answers = column_of_answers(prompt)
    parsed = parse_scores(pl.Series(answers, dtype=pl.String), prompt)
    assert parsed.to_dicts() == [expected(raw, prompt) for raw in answers]


def test_scores_are_int8_and_reason_a_string_even_for_an_empty_column():
    parsed = parse_scores(pl.Series([], dtype=pl.String), load_prompt("number-l3-inc"))
    assert parsed.schema == pl.Schema({"reason": pl.String, **dict.fromkeys(TRAITS, pl.Int8)})
    assert parsed.is_empty()


def test_dec_scales_are_flipped_to_increasing_and_zero_stays_insufficient_information():
    parsed = parse_scores(pl.Series([answer([1, 2, 3, 0, 5])]), load_prompt("number-l5-dec"))
    assert parsed.row(0) == (None, 5, 4, 3, 0, 1)
