"""The simulated raters through the real path: requests built from a generated cohort, sent by the platform's client
through litellm's custom-provider routing, cached, parsed and scored like a real model's answers."""
from __future__ import annotations

import dataclasses
import json
import math
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from personax_platform.llm import simulated
from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import LLMResult, complete_all_sync
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.request import LLMRequest
from personax_platform.llm.simulated import (
    RATERS,
    SIMULATED_PROVIDER,
    is_simulated,
    model_version,
    register_simulated_provider,
    simulated_model,
)
from personax_platform.llm.simulated_descriptions import MAX_DESCRIPTION_CHARS, PHRASES
from personax_platform.prompts import PROMPTS_DIR, PromptTemplate, load_prompt, render_messages
from personax_platform.sample.generator import generate_cohort, person_id, truth_table
from personax_platform.traits.aggregate import aggregate_scores, agreement
from personax_platform.traits.constants import TRAITS
from personax_platform.traits.inference import (
    build_requests,
    long_scores,
    scores_table,
    texts_table,
)
from personax_platform.traits.parse import parse_answer
from tests.llm.support import FAST_BACKOFF

import litellm  # isort: skip  (after personax_platform, which keeps litellm from fetching its price map)

CELEBRITIES = 240  # enough for stable agreement statistics, few enough for litellm's per-call overhead
KINDS = {"celebpersona": "celebrities", "athlepersona": "athletes"}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    """Generated celebrities and athletes in one truth file, as the sample generator writes it."""
    frames = [generate_cohort("celebpersona", n=CELEBRITIES, seed=11)[0],
              generate_cohort("athlepersona", per_league=4, seed=11)[0]]
    people = pd.concat(frames, ignore_index=True)
    people["person_id"] = [person_id(d, lg, s) for d, lg, s in zip(people["dataset"], people["league"],
                                                                   people["source_id"])]
    path = tmp_path_factory.mktemp("cohort") / "truth.parquet"
    pq.write_table(truth_table(people, {}), path)
    return people, path


def raters(truth: Path | None, **overrides: object) -> list[ModelConfig]:
    return [ModelConfig(name=name, model=simulated_model(name), api_base=None if truth is None else str(truth),
                        seed=0, **overrides) for name in RATERS]


def requests_for(people: pd.DataFrame, prompt: PromptTemplate, models: Sequence[ModelConfig]) -> list[LLMRequest]:
    return [r for dataset, group in people.groupby("dataset")
            for r in build_requests(pl.from_pandas(group), prompt, models, KINDS[dataset])]


def ask(requests: Sequence[LLMRequest], cache: ResponseCache, prompt: PromptTemplate) -> list[LLMResult]:
    return complete_all_sync(requests, cache, validate=lambda raw: parse_answer(raw, prompt), run_id="run",
                             backoff=FAST_BACKOFF)


@pytest.fixture(scope="module")
def default_run(cohort: tuple[pd.DataFrame, Path], tmp_path_factory: pytest.TempPathFactory):
    """Every celebrity rated by the three raters under the default prompt: requests, results, cache path."""
    people, truth = cohort
    prompt = load_prompt()
    requests = requests_for(people[people["dataset"] == "celebpersona"], prompt, raters(truth))
    path = tmp_path_factory.mktemp("cache") / "llm_cache.sqlite"
    with ResponseCache(path) as cache:
        results = ask(requests, cache, prompt)
    return requests, results, path


def reference(cohort: tuple[pd.DataFrame, Path]) -> pd.DataFrame:
    """person_id, trait, latent, ref (the truth's tertile score)."""
    truth = pd.read_parquet(cohort[1])
    latent = truth.melt(id_vars="person_id", value_vars=list(TRAITS), var_name="trait", value_name="latent")
    ref = truth.melt(id_vars="person_id", value_vars=[f"{t}_score" for t in TRAITS], var_name="trait",
                     value_name="ref").assign(trait=lambda f: f["trait"].str.removesuffix("_score"))
    return latent.merge(ref, on=["person_id", "trait"])


def test_model_strings_registration_and_prices() -> None:
    assert simulated_model("rater_a") == "personax-simulated/rater_a"
    assert is_simulated("personax-simulated/rater_b") and not is_simulated("personax-embedded/smollm2-135m-instruct")
    assert model_version("rater_c") == "personax-simulated/rater_c@1 (simulated rater, generated cohort)"
    register_simulated_provider()
    register_simulated_provider()
    assert [p["provider"] for p in litellm.custom_provider_map].count(SIMULATED_PROVIDER) == 1
    for rater in RATERS:
        assert litellm.model_cost[simulated_model(rater)]["input_cost_per_token"] == 0.0


def test_answers_carry_provenance_and_fit_the_default_prompt(default_run) -> None:
    requests, results, _ = default_run
    assert [r.status for r in results] == ["ok"] * len(requests)
    first = results[0]
    assert (first.finish_reason, first.attempts, first.cost_usd) == ("stop", 1, 0.0)
    assert first.model_version == model_version(first.model_name)
    # Tokens are estimated as 4/3 per word.
    words = sum(len(m["content"].split()) for m in requests[0].messages)
    assert first.input_tokens == math.ceil(words * 4 / 3)
    assert first.output_tokens == math.ceil(len(first.raw_response.split()) * 4 / 3)


@pytest.mark.parametrize("variant", ["number-l3-dec", "number-l5-inc", "text-l3-inc"])
def test_other_scales_answer_the_same_perception(cohort: tuple[pd.DataFrame, Path], cache: ResponseCache,
                                                 variant: str) -> None:
    """The rater's reading of a person does not depend on the prompt: a dec or text answer parses to the default
    prompt's scores, a 5-level answer to the same side of the middle and to 0 on the same traits."""
    people, truth = cohort
    some = pd.concat([people[people["dataset"] == d].head(6) for d in KINDS])
    default, other = load_prompt(), load_prompt(variant)
    base = ask(requests_for(some, default, raters(truth)), cache, default)
    results = ask(requests_for(some, other, raters(truth)), cache, other)
    assert {r.status for r in results} == {"ok"}
    for b, r in zip(base, results, strict=True):
        expected = parse_answer(b.raw_response, default).scores
        got = parse_answer(r.raw_response, other).scores
        if other.levels == 3:
            assert got == expected
        else:
            assert {t for t in TRAITS if got[t] == 0} == {t for t in TRAITS if expected[t] == 0}
            assert all(np.sign(got[t] - 3) * np.sign(expected[t] - 2) >= 0 for t in TRAITS if got[t])
    if other.format == "text":
        values = json.loads(results[0].raw_response)["scores"].values()
        assert set(values) <= set(other.labels)


def test_a_faithful_rater_reproduces_the_reference_tertiles(cohort: tuple[pd.DataFrame, Path],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    people, truth = cohort
    faithful = dataclasses.replace(RATERS["rater_a"], noise_sd=0.0, hesitation=0.0,
                                   bias=dict.fromkeys(TRAITS, 0.0))
    monkeypatch.setitem(RATERS, "rater_a", faithful)
    prompt = load_prompt()
    expected = pd.read_parquet(truth).set_index("person_id")
    for person in people.to_dict("records"):
        content = simulated.answer("rater_a", render_messages(prompt, person, KINDS[person["dataset"]]), str(truth),
                                   {"temperature": 0})
        scores = parse_answer(content, prompt).scores
        assert scores == {t: expected.at[person["person_id"], f"{t}_score"] for t in TRAITS}


def test_agreement_accuracy_and_hesitation_are_those_of_different_llms(
        default_run, cohort: tuple[pd.DataFrame, Path]) -> None:
    _, results, _ = default_run
    prompt = load_prompt()
    scores = long_scores(scores_table(texts_table(results, prompt), prompt))

    alpha = dict(agreement(scores).select("trait", "krippendorff_alpha").iter_rows())
    assert all(0.4 <= alpha[t] <= 0.75 for t in TRAITS), alpha

    hesitation = scores.group_by("model").agg((pl.col("score") == 0).mean())["score"]
    assert all(0.05 <= rate <= 0.15 for rate in hesitation), hesitation

    merged = aggregate_scores(scores).to_pandas().merge(reference(cohort), on=["person_id", "trait"])
    for trait, group in merged.groupby("trait"):
        accuracy = (group["score"] == group["ref"]).mean()  # a median of 2.5 counts as a miss
        rho = group["score"].corr(group["latent"], method="spearman")
        assert accuracy >= 0.6 and rho >= 0.6, (trait, accuracy, rho)


def test_same_request_same_answer_then_from_the_cache(default_run, tmp_path: Path) -> None:
    requests, results, cache_path = default_run
    prompt = load_prompt()
    some = requests[:12]
    with ResponseCache(tmp_path / "fresh.sqlite") as fresh:
        again = ask(some, fresh, prompt)
    assert [r.raw_response for r in again] == [r.raw_response for r in results[:12]]
    assert not any(r.cache_hit for r in again)
    with ResponseCache(cache_path) as cache:
        cached = ask(some, cache, prompt)
    assert all(r.cache_hit for r in cached)


def test_temperature_and_seed_decide_whether_repeats_differ(cohort: tuple[pd.DataFrame, Path],
                                                            cache: ResponseCache) -> None:
    """As the consistency study asks: the same question with seeds offset per repeat."""
    people, truth = cohort
    prompt = load_prompt()
    some = people[people["dataset"] == "celebpersona"].head(10)

    def answers(temperature: float) -> list[list[str]]:
        base = requests_for(some, prompt, raters(truth, temperature=temperature))
        repeats = [ask([dataclasses.replace(r, repeat=k) for r in base], cache, prompt) for k in range(3)]
        return [[r.raw_response for r in rs] for rs in repeats]

    greedy = answers(0.0)
    assert greedy[0] == greedy[1] == greedy[2]
    sampled = answers(0.8)
    assert sampled[1] != sampled[2] and sum(a != b for a, b in zip(sampled[1], sampled[2])) >= len(sampled[1]) // 2
    assert answers(0.8) == sampled  # every repeat is itself reproducible


def test_descriptions_differ_between_raters_and_people(default_run) -> None:
    _, results, _ = default_run
    prompt = load_prompt()
    texts = texts_table(results, prompt).to_pandas()
    assert texts.groupby("person_id")["description"].nunique().eq(len(RATERS)).all()
    assert texts["description"].nunique() == len(texts)
    assert texts["description"].str.len().max() <= MAX_DESCRIPTION_CHARS


def test_the_longest_possible_description_fits_the_schema() -> None:
    for profile in RATERS.values():
        style = profile.style
        longest = max(map(len, style.openings)) + max(map(len, style.closings)) + 2
        for trait, cells in PHRASES.items():
            two = max(sum(sorted(map(len, cell))[-2:]) + 1 for cell in cells.values())
            longest += two + 1 + (len(trait) + 2 if style.trait_labels else 0)
        assert longest <= MAX_DESCRIPTION_CHARS
    assert all(len(cell) >= 4 for cells in PHRASES.values() for cell in cells.values())
    # Nothing in the wording can follow a person's gender.
    words = {w.strip(".,:;()").casefold() for cells in PHRASES.values() for cell in cells.values()
             for sentence in cell for w in sentence.split()}
    assert not words & {"he", "she", "his", "her", "him", "hers", "himself", "herself", "man", "woman"}


def llm_failure(people: pd.DataFrame, prompt: PromptTemplate, models: Sequence[ModelConfig],
                cache: ResponseCache) -> pd.Series:
    """The trait_scores row of one request that fails."""
    results = ask(requests_for(people, prompt, models), cache, prompt)
    (row,) = scores_table(texts_table(results, prompt), prompt).to_dicts()
    assert results[0].attempts == 1  # final: not retried, although the model allows 4 retries
    return pd.Series(row)


def test_a_person_not_in_the_cohort_is_a_final_failure(cohort: tuple[pd.DataFrame, Path],
                                                       cache: ResponseCache) -> None:
    people, truth = cohort
    stranger = people[people["dataset"] == "celebpersona"].head(1).assign(name="Nobody Real")
    row = llm_failure(stranger, load_prompt(), raters(truth)[:1], cache)
    assert row["status"] == "llm_failed"
    assert row["reason"] == (
        f"simulated rater rater_a: person Nobody Real is not in the generated cohort {truth}; a simulated rater only "
        "rates generated people (a real cohort with a simulated rater is a configuration error)")


def test_an_athlete_is_found_by_name_league_and_birth_date(cohort: tuple[pd.DataFrame, Path],
                                                           cache: ResponseCache) -> None:
    people, truth = cohort
    athlete = people[people["dataset"] == "athlepersona"].head(1)
    other_league = "nfl" if athlete["league"].iloc[0] != "nfl" else "nba"
    row = llm_failure(athlete.assign(league=other_league), load_prompt(), raters(truth)[:1], cache)
    assert "is not in the generated cohort" in row["reason"]


def test_a_prompt_outside_the_prompts_directory_is_a_final_failure(
        cohort: tuple[pd.DataFrame, Path], cache: ResponseCache, tmp_path: Path) -> None:
    people, truth = cohort
    edited = dataclasses.replace(load_prompt(), system="Rate this person.\n" + load_prompt().system)
    row = llm_failure(people.head(1), edited, raters(truth)[:1], cache)
    assert row["reason"].startswith("simulated rater rater_a: the system message is none of the prompts in ")
    assert "'Rate this person.\\nYou assess the Big Five" in row["reason"]

    # The raters look in the prompts directory they were registered with: a copy holding the edited prompt's file
    # makes it known.
    prompts = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, prompts)
    text = (prompts / "number-l3-inc.yaml").read_text(encoding="utf-8")
    (prompts / "number-l3-inc.yaml").write_text(text.replace("system: |\n", "system: |\n  Rate this person.\n"),
                                               encoding="utf-8")
    assert load_prompt(prompts_dir=prompts).system == edited.system
    register_simulated_provider(prompts_dir=prompts)
    try:
        results = ask(requests_for(people.head(1), edited, raters(truth)[:1]), cache, edited)
    finally:
        register_simulated_provider(prompts_dir=PROMPTS_DIR)
    assert results[0].status == "ok"


@pytest.mark.parametrize(("truth", "reason"), [
    (None, "simulated rater rater_a: no truth file; set the model's api_base to a generated cohort's truth.parquet"),
    (Path("/nonexistent/truth.parquet"), ("simulated rater rater_a: truth file /nonexistent/truth.parquet (the "
                                          "model's api_base) cannot be read: No such file or directory")),
])
def test_a_missing_truth_file_is_a_final_failure(cohort: tuple[pd.DataFrame, Path], cache: ResponseCache,
                                                 truth: Path | None, reason: str) -> None:
    row = llm_failure(cohort[0].head(1), load_prompt(), raters(truth)[:1], cache)
    assert row["reason"] == reason


def test_an_answer_longer_than_max_tokens_is_cut_off(cohort: tuple[pd.DataFrame, Path], cache: ResponseCache) -> None:
    people, truth = cohort
    prompt = load_prompt()
    (result,) = ask(requests_for(people.head(1), prompt, raters(truth, max_tokens=40, max_retries=0)[:1]), cache,
                    prompt)
    assert (result.status, result.finish_reason, result.output_tokens) == ("failed", "length", 40)
    assert result.failure_reason == "truncated answer (finish_reason=length)"
