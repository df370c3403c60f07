"""A column of model answers read into trait scores: vectorised regexes for the canonical answers, parse_answer for the
rest.

Nearly every answer is the JSON object the prompt asks for, with the keys in the schema's order and integers (or the
exact labels) as values. Those are recognised and read by two regexes over the whole column; anything else (fences
around nested objects, capitalised keys, numbers as strings, refusals, out-of-scale values...) goes through
parse_answer, once per distinct text, so both paths give the same scores and every failure keeps parse_answer's
reason. The canonical pattern accepts only what parse_answer reads the same way: no "{" before the object
(parse_answer takes the first JSON object), JSON's own whitespace and string escapes, and a description with a letter
or digit outside its escapes (never blank once stripped).
"""
from __future__ import annotations

import polars as pl

from personax_platform.prompts.templates import TRAITS, PromptTemplate
from personax_platform.traits.parse import AnswerParseError, parse_answer

REASON = "reason"
_ANSWER, _FAST = "answer", "canonical"
_WS = r"[ \t\n\r]*"  # the whitespace JSON allows between tokens
_JSON_CHAR = r'(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})'  # a character of a JSON string, escapes whole


def parse_scores(answers: pl.Series, prompt: PromptTemplate) -> pl.DataFrame:
    """`reason` (null when the answer parsed) and one Int8 column per trait (null when it did not), row for row."""
    # Whether an answer is canonical needs no captures (a fast DFA scan); the values are then captured from the
    # scores object alone, which in a canonical answer is the first text of its shape.
    canonical = (
        pl.DataFrame({_ANSWER: answers})
        .with_columns(
            pl.col(_ANSWER).str.contains(_canonical_pattern(prompt)).alias(_FAST),
            pl.col(_ANSWER).str.extract_groups(_scores_pattern(prompt, capture=True)).alias("groups"),
        )
        .unnest("groups")
        .with_columns(*(_level(trait, prompt) for trait in TRAITS))
        .with_columns((pl.col(_FAST) & pl.all_horizontal(pl.col(TRAITS).is_not_null())).fill_null(False))
    )
    # Distinct texts only: a repeated answer (a cached refusal, say) is parsed once.
    rest = _parse_each(canonical.filter(~pl.col(_FAST))[_ANSWER].unique(), prompt)
    return canonical.join(rest, on=_ANSWER, how="left", suffix="_slow", maintain_order="left").select(
        pl.when(_FAST).then(None).otherwise(pl.col(REASON)).alias(REASON),
        *(pl.when(_FAST).then(pl.col(trait)).otherwise(pl.col(f"{trait}_slow")).alias(trait) for trait in TRAITS),
    )


def _canonical_pattern(prompt: PromptTemplate) -> str:
    """The whole answer up to the object's end: no "{" before it, and a description with a letter or digit outside
    its escapes, so never blank once decoded and stripped."""
    description = f'"{_JSON_CHAR}*[A-Za-z0-9]{_JSON_CHAR}*"'
    return (f'^[^{{]*\\{{{_WS}"description"{_WS}:{_WS}{description}{_WS},{_WS}'
            f'{_scores_pattern(prompt, capture=False)}{_WS}\\}}')


def _scores_pattern(prompt: PromptTemplate, capture: bool) -> str:
    """The scores object with the five traits in TRAITS order, each value a group named after its trait."""
    value = f"[0-{prompt.levels}]" if prompt.format == "number" else f'"{_JSON_CHAR}*"'
    group = "(?P<{}>" if capture else "(?:"
    traits = f",{_WS}".join(f'"{trait}"{_WS}:{_WS}{group.format(trait)}{value}){_WS}' for trait in TRAITS)
    return f'"scores"{_WS}:{_WS}\\{{{_WS}{traits}\\}}'


def _level(trait: str, prompt: PromptTemplate) -> pl.Expr:
    """The matched value as the increasing level parse_answer returns (dec scales flipped, 0 kept); null when the
    value needs parse_answer's judgement."""
    if prompt.format == "number":
        level = pl.col(trait).cast(pl.Int8)
    else:
        level = pl.col(trait).replace_strict(_quoted_labels(prompt), default=None, return_dtype=pl.Int8)
    if prompt.order == "dec":
        level = pl.when(level > 0).then(prompt.levels + 1 - level).otherwise(level)
    return level.cast(pl.Int8).alias(trait)


def _quoted_labels(prompt: PromptTemplate) -> dict[str, int]:
    """JSON string -> level, for the labels parse_answer reads back unchanged; other spellings take the slow path."""
    return {f'"{label}"': k for k, label in enumerate(prompt.labels)
            if label == " ".join(label.split()) and label.isprintable() and not set(label) & {'"', "\\"}}


def _parse_each(answers: pl.Series, prompt: PromptTemplate) -> pl.DataFrame:
    """parse_answer per text: the answer, `reason` and the trait columns."""
    rows = []
    for raw in answers:
        try:
            rows.append({_ANSWER: raw, REASON: None, **parse_answer(raw, prompt).scores})
        except AnswerParseError as exc:
            rows.append({_ANSWER: raw, REASON: exc.reason})
    schema = {_ANSWER: pl.String, REASON: pl.String, **dict.fromkeys(TRAITS, pl.Int8)}
    return pl.DataFrame(rows, schema=schema)
