"""Prompt files: the six study variants load, their schemas match their scales, and prompt_sha tracks content only."""
from __future__ import annotations

import shutil
from pathlib import Path

import jsonschema
import pytest

from personax_platform.prompts import (
    DEFAULT_PROMPT_ID,
    PROMPTS_DIR,
    TRAITS,
    PromptError,
    list_prompts,
    load_prompt,
)

VARIANTS = {  # id -> (format, levels, order), as in docs/paper.md §2
    "number-l3-inc": ("number", 3, "inc"),
    "number-l5-inc": ("number", 5, "inc"),
    "number-l3-dec": ("number", 3, "dec"),
    "number-l5-dec": ("number", 5, "dec"),
    "text-l3-inc": ("text", 3, "inc"),
    "text-l5-inc": ("text", 5, "inc"),
}


def _edited_copy(tmp_path: Path, prompt_id: str, old: str, new: str) -> Path:
    """A prompts dir holding `prompt_id` with one exact text edit applied."""
    text = (PROMPTS_DIR / f"{prompt_id}.yaml").read_text(encoding="utf-8")
    assert old in text, f"edit target {old!r} not in {prompt_id}.yaml"
    (tmp_path / f"{prompt_id}.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def _answer(value) -> dict:
    return {"description": "Composed in interviews.", "scores": {trait: value for trait in TRAITS}}


def test_list_prompts_finds_the_six_study_variants():
    assert list_prompts() == sorted(VARIANTS)


def test_default_prompt_is_the_papers_number_l3_inc():
    prompt = load_prompt()
    assert prompt.id == DEFAULT_PROMPT_ID == "number-l3-inc"
    assert prompt.answer_values() == [0, 1, 2, 3]


@pytest.mark.parametrize(("prompt_id", "scale"), VARIANTS.items())
def test_every_variant_loads_with_its_scale(prompt_id, scale):
    prompt = load_prompt(prompt_id)
    assert (prompt.format, prompt.levels, prompt.order) == scale
    assert prompt.id == prompt_id and prompt.version >= 1
    assert len(prompt.labels) == prompt.levels + 1
    assert prompt.labels[0] == "insufficient information"


@pytest.mark.parametrize("prompt_id", VARIANTS)
def test_response_schema_is_valid_json_schema_accepting_exactly_the_scale(prompt_id):
    prompt = load_prompt(prompt_id)
    jsonschema.Draft202012Validator.check_schema(prompt.response_schema)
    validator = jsonschema.Draft202012Validator(prompt.response_schema)
    for value in prompt.answer_values():
        validator.validate(_answer(value))
    out_of_scale = prompt.levels + 1 if prompt.format == "number" else "moderate"
    rejected = [
        _answer(out_of_scale),
        {"description": "", "scores": _answer(prompt.answer_values()[1])["scores"]},
        {**_answer(prompt.answer_values()[1]), "note": "extra"},
        {"description": "x", "scores": {t: prompt.answer_values()[1] for t in TRAITS[:4]}},
    ]
    for answer in rejected:
        assert not validator.is_valid(answer), answer


@pytest.mark.parametrize("prompt_id", ["number-l3-dec", "number-l5-dec"])
def test_dec_variants_tell_the_model_that_1_is_the_highest_degree(prompt_id):
    prompt = load_prompt(prompt_id)
    assert "1 means the HIGHEST degree" in prompt.system
    assert prompt.labels[1].endswith("high") and prompt.labels[-1].endswith("low")


@pytest.mark.parametrize("prompt_id", VARIANTS)
def test_every_variant_declares_the_fenced_data_is_not_instructions(prompt_id):
    system = load_prompt(prompt_id).system
    assert "<<<PERSON_DATA" in system and "PERSON_DATA>>>" in system
    assert "never instructions" in system


def test_every_variant_has_its_own_sha():
    shas = {load_prompt(prompt_id).sha for prompt_id in VARIANTS}
    assert len(shas) == len(VARIANTS)
    assert all(len(sha) == 64 for sha in shas)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("id: number-l3-inc\n", "# a new comment\nid: number-l3-inc  # trailing comment\n"),
        ("version: 1", "version: 2"),
        ("The paper's chosen format and the platform default.", "Re-worded description."),
        ("      maxLength: 1500\n", "      maxLength:    1500\n"),
        ("openness: &trait {type: integer, enum: [0, 1, 2, 3]}",
         "openness: &trait\n          type: integer\n          enum: [0, 1, 2, 3]"),
    ],
    ids=["comment", "version", "description", "yaml-spacing", "yaml-flow-to-block"],
)
def test_sha_ignores_comments_version_description_and_yaml_layout(tmp_path, old, new):
    edited = load_prompt("number-l3-inc", _edited_copy(tmp_path, "number-l3-inc", old, new))
    assert edited.sha == load_prompt("number-l3-inc").sha


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("You assess the Big Five", "You rate the Big Five"),
        ("Assess the person described", "Rate the person described"),
        ("    3: high", "    3: strong"),
        ("maxLength: 1500", "maxLength: 1000"),
        ("required: [description, scores]", "required: [scores, description]"),
    ],
    ids=["system", "user", "scale-label", "schema", "schema-order"],
)
def test_sha_changes_when_the_template_scale_or_schema_changes(tmp_path, old, new):
    edited = load_prompt("number-l3-inc", _edited_copy(tmp_path, "number-l3-inc", old, new))
    assert edited.sha != load_prompt("number-l3-inc").sha


def test_a_prompts_directory_is_read_where_it_is_given(tmp_path):
    shutil.copy(PROMPTS_DIR / "text-l3-inc.yaml", tmp_path / "text-l3-inc.yaml")
    assert list_prompts(tmp_path) == ["text-l3-inc"]
    assert load_prompt("text-l3-inc", tmp_path).sha == load_prompt("text-l3-inc").sha


@pytest.mark.parametrize(
    ("prompt_id", "old", "new", "named"),
    [
        ("number-l3-inc", "version: 1", "version: one", "version"),
        ("number-l3-inc", "version: 1", "version: 0", "version"),
        ("number-l3-inc", "levels: 3", "levels: 4", "scale.levels"),
        ("number-l3-inc", "order: inc", "order: up", "scale.order"),
        ("number-l3-inc", "    3: high\n", "", "labels: keys must be 0..3"),
        ("number-l3-inc", "    3: high", "    3: Low", "labels: must be non-empty and distinct"),
        ("number-l3-inc", "id: number-l3-inc", "id: other", "id:"),
        ("number-l3-inc", "version: 1", "version: 1\ntemperature: 0", "temperature"),
        ("number-l3-inc", "conscientiousness: *trait", "conscientiousness: {type: integer, enum: [0, 1, 2]}",
         "scores.properties.conscientiousness.enum"),
        ("number-l3-inc", "conscientiousness: *trait", "conscientiousness: {enum: [0, true, 2, 3]}",
         "scores.properties.conscientiousness.enum"),
        ("number-l3-inc", "openness: &trait {type: integer, enum: [0, 1, 2, 3]}",
         "openness: &trait {type: string, enum: [0, 1, 2, 3]}", "scores.properties.openness.type"),
        ("text-l3-inc", '["insufficient information", low, medium, high]', "[0, 1, 2, 3]",
         "scores.properties.openness.enum"),
        ("number-l3-inc", "        neuroticism: *trait\n", "", "scores.properties: must be exactly"),
        ("number-l3-inc", "      additionalProperties: false", "      additionalProperties: true",
         "scores.additionalProperties"),
        ("number-l3-inc", "  required: [description, scores]", "  required: [scores]", "response_schema.required"),
        ("number-l3-inc", "      minLength: 1\n", "", "description: must be a string schema"),
        ("number-l3-inc", "  $person_data", "  $person", "user: placeholders"),
        ("number-l3-inc", "  $response_schema", "  ${response_schema", "system: malformed"),
        ("number-l3-inc", "between the lines <<<PERSON_DATA and", "between the lines", "system: must tell"),
        ("number-l3-inc", "scale:\n", "scale: [\n", "not valid YAML"),
    ],
)
def test_malformed_file_is_rejected_naming_the_file_and_field(tmp_path, prompt_id, old, new, named):
    directory = _edited_copy(tmp_path, prompt_id, old, new)
    with pytest.raises(PromptError) as raised:
        load_prompt(prompt_id, directory)
    assert f"{prompt_id}.yaml" in str(raised.value)
    assert named in str(raised.value)


def test_unknown_prompt_id_lists_the_available_ones():
    with pytest.raises(PromptError, match="available: number-l3-dec, number-l3-inc"):
        load_prompt("number-l7-inc")


@pytest.mark.parametrize("prompt_id", ["../datasets", "Number-L3-Inc", "number-l3-inc.yaml", ""])
def test_prompt_id_that_is_not_a_plain_name_is_rejected(prompt_id):
    with pytest.raises(PromptError, match="invalid prompt id"):
        load_prompt(prompt_id)
