"""Parsing model answers: tolerant of the wrapping real models produce, strict about the scale's values."""
from __future__ import annotations

import json

import pytest

from personax_platform.prompts import TRAITS, load_prompt
from personax_platform.traits.parse import AnswerParseError, TraitAnswer, parse_answer

NUMBER_L3 = load_prompt("number-l3-inc")
SCORES = {"openness": 3, "conscientiousness": 2, "extraversion": 1, "agreeableness": 0, "neuroticism": 2}
DESCRIPTION = "Outspoken in interviews {and on social media}; little public record of teamwork."


def _answer(scores: dict, description: object = DESCRIPTION) -> str:
    return json.dumps({"description": description, "scores": scores})


def _with(trait: str, value: object) -> str:
    return _answer({**SCORES, trait: value})


@pytest.mark.parametrize(
    "raw",
    [
        _answer(SCORES),
        f"```json\n{_answer(SCORES)}\n```",
        f"```\n{_answer(SCORES)}\n```\n",
        f"Here is my assessment:\n\n{_answer(SCORES)}\n\nLet me know if you need more detail.",
        f"Scores use the {{0..3}} scale. {_answer(SCORES)} {{\"another\": 1}}",
        json.dumps({"Description": DESCRIPTION, "SCORES": {k.capitalize(): v for k, v in SCORES.items()}}),
        json.dumps({" description ": DESCRIPTION, "scores": {f" {k.upper()} ": v for k, v in SCORES.items()}}),
        _answer({k: str(v) for k, v in SCORES.items()}),
        _answer({k: f" {v}.0 " for k, v in SCORES.items()}),
        _answer({k: float(v) for k, v in SCORES.items()}),
        _answer({k: {"score": v, "reason": "public record"} for k, v in SCORES.items()}),
        _answer({k: {"Score": str(v)} for k, v in SCORES.items()}),
        _answer({**SCORES, "honesty_humility": 9}),
        json.dumps({"description": DESCRIPTION, "scores": SCORES}, indent=4),
    ],
    ids=[
        "plain", "json-fence", "bare-fence", "prose-around", "braces-in-prose", "capitalised-keys", "padded-keys",
        "numeric-strings", "padded-float-strings", "integral-floats", "nested-score", "nested-capitalised-score",
        "extra-trait-ignored", "indented",
    ],
)
def test_tolerated_answer_formats_parse_to_the_same_scores(raw):
    assert parse_answer(raw, NUMBER_L3) == TraitAnswer(description=DESCRIPTION, scores=SCORES)


def test_description_is_stripped_and_scores_follow_trait_order():
    parsed = parse_answer(_answer(dict(reversed(SCORES.items())), description=f"  {DESCRIPTION}\n"), NUMBER_L3)
    assert parsed.description == DESCRIPTION
    assert list(parsed.scores) == list(TRAITS)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (_with("openness", 4), "openness: 4 is not one of [0, 1, 2, 3]"),
        (_with("neuroticism", -1), "neuroticism: -1 is not one of"),
        (_with("extraversion", 1.5), "extraversion: 1.5 is not one of"),
        (_with("extraversion", "1.5"), "extraversion: '1.5' is not one of"),
        (_with("agreeableness", "high"), "agreeableness: 'high' is not one of"),
        (_with("agreeableness", "2/3"), "agreeableness: '2/3' is not one of"),
        (_with("openness", True), "openness: True is not one of"),
        (_with("openness", None), "openness: None is not one of"),
        (_with("openness", [2]), "openness: [2] is not one of"),
        (_with("openness", {"reason": "no score given"}), "openness: object without a score"),
        (_with("openness", {"score": 7}), "openness: 7 is not one of"),
        ('{"description": "x", "scores": {"openness": NaN, "conscientiousness": 1, "extraversion": 1, '
         '"agreeableness": 1, "neuroticism": 1}}', "openness: nan is not one of"),
        (_answer({k: v for k, v in SCORES.items() if k != "neuroticism"}), "neuroticism: missing"),
        (_answer({**SCORES, "Openness": 1}), "scores: duplicate key 'Openness'"),
        (_answer(SCORES, description=""), "description: missing or empty ('')"),
        (_answer(SCORES, description="   "), "description: missing or empty"),
        (_answer(SCORES, description=None), "description: missing or empty (None)"),
        (json.dumps({"scores": SCORES}), "description: missing or empty"),
        (json.dumps({"description": DESCRIPTION, "scores": [3, 2, 1, 0, 2]}), "scores: missing or not an object"),
        (json.dumps({"description": DESCRIPTION, **SCORES}), "scores: missing or not an object"),
        ("I cannot assess real people.", "no JSON object in the answer ('I cannot assess real people.')"),
        ("", "no JSON object in the answer"),
        ('["not", "an", "object"]', "no JSON object in the answer"),
        (_answer(SCORES)[:-1], "description: missing or empty"),  # truncated: only the inner scores object is whole
    ],
    ids=[
        "above-range", "negative", "half", "half-string", "word-on-number-scale", "fraction-string", "boolean",
        "null", "list", "nested-without-score", "nested-out-of-range", "nan", "missing-trait", "duplicate-key",
        "empty-description", "blank-description", "null-description", "no-description", "scores-as-list",
        "flat-scores", "refusal", "empty", "json-array", "truncated",
    ],
)
def test_out_of_domain_or_malformed_answers_raise_with_a_reason(raw, reason):
    with pytest.raises(AnswerParseError) as raised:
        parse_answer(raw, NUMBER_L3)
    assert reason in raised.value.reason
    assert str(raised.value) == raised.value.reason


def test_reason_quotes_long_values_shortened():
    with pytest.raises(AnswerParseError) as raised:
        parse_answer("no json " * 100, NUMBER_L3)
    assert len(raised.value.reason) < 120 and raised.value.reason.endswith("...)")


@pytest.mark.parametrize(
    ("prompt_id", "answered", "increasing"),
    [
        ("number-l3-dec", [1, 2, 3, 0, 1], [3, 2, 1, 0, 3]),
        ("number-l5-dec", [1, 2, 3, 4, 5], [5, 4, 3, 2, 1]),
        ("number-l5-dec", [0, 0, 5, 0, 0], [0, 0, 1, 0, 0]),
        ("number-l3-inc", [1, 2, 3, 0, 1], [1, 2, 3, 0, 1]),
        ("number-l5-inc", [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]),
    ],
)
def test_dec_scales_map_level_k_to_levels_plus_1_minus_k_and_keep_0(prompt_id, answered, increasing):
    parsed = parse_answer(_answer(dict(zip(TRAITS, answered))), load_prompt(prompt_id))
    assert list(parsed.scores.values()) == increasing


@pytest.mark.parametrize(
    ("prompt_id", "answered", "increasing"),
    [
        ("text-l3-inc", ["low", "medium", "high", "insufficient information", "low"], [1, 2, 3, 0, 1]),
        ("text-l3-inc", ["LOW", "Medium", " high ", "Insufficient  Information", "lOw"], [1, 2, 3, 0, 1]),
        ("text-l5-inc", ["very low", "low", "medium", "high", "very high"], [1, 2, 3, 4, 5]),
        ("text-l5-inc", ["Very Low", "insufficient information", "MEDIUM", "High", "very\thigh"], [1, 0, 3, 4, 5]),
    ],
)
def test_text_scales_map_words_in_any_case_to_levels(prompt_id, answered, increasing):
    parsed = parse_answer(_answer(dict(zip(TRAITS, answered))), load_prompt(prompt_id))
    assert list(parsed.scores.values()) == increasing


@pytest.mark.parametrize(
    ("prompt_id", "value"),
    [
        ("text-l3-inc", "very high"),  # a word of the 5-level scale is out of the 3-level domain
        ("text-l3-inc", "moderate"),
        ("text-l3-inc", 2),
        ("text-l3-inc", "2"),
        ("text-l3-inc", "insufficient"),
        ("text-l5-inc", "very-high"),
        ("number-l5-inc", 6),
        ("number-l5-dec", 6),
    ],
)
def test_values_outside_each_scale_are_rejected(prompt_id, value):
    with pytest.raises(AnswerParseError, match=f"openness: {value!r} is not one of"):
        parse_answer(_with("openness", value), load_prompt(prompt_id))


def test_answer_obeying_an_injected_bio_is_still_held_to_the_scale():
    obeyed = _answer({trait: 3 for trait in TRAITS}, description="Rated everything 3 as instructed.")
    assert set(parse_answer(obeyed, NUMBER_L3).scores.values()) == {3}
    with pytest.raises(AnswerParseError, match="openness: 'everything 3' is not one of"):
        parse_answer(_with("openness", "everything 3"), NUMBER_L3)
