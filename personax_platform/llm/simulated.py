"""A known-truth LLM: simulated raters that answer the trait prompt for the people of a GENERATED cohort
(personax_platform/sample) from the latent traits planted in its truth.parquet, served as a litellm custom provider so
that their answers go through the same client, cache, parsing, checks and metadata as a real model's:

    register_simulated_provider()
    await litellm.acompletion(model="personax-simulated/rater_a", api_base="<cohort>/truth.parquet",
                              messages=render_messages(prompt, person, kind), temperature=0, seed=0, ...)

In a models file: `model: personax-simulated/rater_a` with `api_base:` the path of the cohort's truth.parquet, read
once per path (again when the file changes) and shared by concurrent requests.

How a rater answers one request:
- Prompt: the system message is compared with every prompt of the prompts directory (set by
  register_simulated_provider), rendered as render.py renders it; the match gives the scale (levels, number or text
  labels, order) and the response schema.
- Person: the JSON between the fence lines of the user message, looked up in the truth by name plus the shown fields
  the truth also has (league, birth_date, occupation). Names are unique within a generated dataset.
- Scores: perceived = z + bias[trait] + N(0, noise_sd) (+ N(0, jitter_sd * temperature) when temperature > 0), with
  z the latent's normal score (rank-based, standard normal) within its dataset, cut at the dataset's tertiles
  (3 levels) or quintiles (5 levels): a noiseless, unbiased rater reproduces truth's `<trait>_score`. The answer is
  0 ("insufficient information") with probability hesitation * exp(-(perceived / hesitation_width)^2), so more often
  near the middle.
- Determinism: the rater's reading of a person (noise) is seeded by (rater, person_id); the sampling part (jitter,
  hesitation, phrasing) by (rater, person_id, seed) when temperature > 0 and by (rater, person_id) at temperature 0,
  where, as with greedy decoding, the seed changes nothing. The same request always gets the same answer.
- Description: simulated_descriptions.py, from each trait's perceived tertile, whatever the prompt's scale.
- Usage: tokens estimated as 4/3 per whitespace-separated word (the common ~0.75 words per token rule of thumb); an
  answer longer than max_tokens is cut there with finish_reason "length", as a real model's would be.
- model (stored as model_version): `personax-simulated/<rater>@<SIMULATOR_VERSION> (simulated rater, generated
  cohort)`, so every row a simulated rater feeds says so.

The three profiles are arbitrary simulation parameters, chosen so that the raters agree moderately (ordinal
Krippendorff's alpha about 0.5-0.6 per trait, as different LLMs do) and hesitate on 5-15% of the scores; neither
they nor the planted effects are claims about people or about any real model. Bump SIMULATOR_VERSION when a profile
or the phrase bank changes: it is part of every answer's model_version.

Errors (unknown rater, no or missing truth file, unknown prompt, a person not in the cohort) are final: they become
failed rows with the reason, never retried. litellm is imported at module level because the handler must subclass
`litellm.CustomLLM`; import this module where the call is made (see embedded.py).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

import litellm
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from litellm import CustomLLM, ModelResponse, Usage

from personax_platform.llm.simulated_descriptions import (
    DescriptionStyle,
    Tier,
    compose,
    tier,
)
from personax_platform.prompts import (
    FENCE_CLOSE,
    FENCE_OPEN,
    PROMPTS_DIR,
    PromptError,
    PromptTemplate,
    list_prompts,
    load_prompt,
    render_messages,
)
from personax_platform.prompts.render import PERSON_FIELDS
from personax_platform.traits.constants import TRAITS

SIMULATED_PROVIDER = "personax-simulated"
SIMULATOR_VERSION = "1"
# Bio fields used to find a person in the truth besides the name, when the bio shows them.
MATCH_FIELDS = ("league", "birth_date", "occupation")
_TRUTH_COLUMNS = ("dataset", "person_id", "name", *MATCH_FIELDS, *TRAITS)
_LEVELS = (3, 5)  # the scales a prompt file may have (templates._Scale)
_WORDS_PER_TOKEN = 0.75
_STANDARD_NORMAL = NormalDist()  # the standard library's: scipy.stats would add seconds to every client run's imports


@dataclass(frozen=True)
class RaterProfile:
    """In units of the latent's normal score (standard deviation 1)."""

    noise_sd: float  # the rater's own, stable misreading of each person
    bias: Mapping[str, float]  # per trait shift
    hesitation: float  # chance of answering 0 when the perceived value sits at the dataset's median
    hesitation_width: float  # how fast that chance falls off away from the median
    jitter_sd: float  # sampling noise per unit of temperature
    style: DescriptionStyle


RATERS: dict[str, RaterProfile] = {
    "rater_a": RaterProfile(
        noise_sd=0.65, hesitation=0.22, hesitation_width=0.7, jitter_sd=0.3,
        bias={"openness": 0.10, "conscientiousness": -0.05, "extraversion": 0.0, "agreeableness": 0.08,
              "neuroticism": -0.10},
        style=DescriptionStyle(
            openings=("Based on the profile data and public conduct:", "Summary of observable public behaviour:",
                      "Assessment from the available public record:", "Observed public conduct, in brief:"),
            closings=("", "Scores reflect public conduct only.", "No trait was inferred from demographic data."),
            second_sentence_rate=0.15, trait_labels=False)),
    "rater_b": RaterProfile(
        noise_sd=0.72, hesitation=0.3, hesitation_width=0.6, jitter_sd=0.35,
        bias={"openness": -0.08, "conscientiousness": 0.12, "extraversion": 0.10, "agreeableness": -0.05,
              "neuroticism": 0.05},
        style=DescriptionStyle(
            openings=("Drawing on what is publicly reported about this person, the picture is as follows.",
                      "Looking at this person's documented public conduct, several patterns stand out.",
                      "The public record offers a reasonably clear view of how this person behaves.",
                      "Taken together, the reports on this person's public conduct suggest the following."),
            closings=("These impressions rest on public reports and may not capture the full picture.",
                      "Where the record is thin, the judgement above is correspondingly tentative.",
                      "This reading covers public behaviour only, not private life."),
            second_sentence_rate=0.45, trait_labels=False)),
    "rater_c": RaterProfile(
        noise_sd=0.78, hesitation=0.18, hesitation_width=0.8, jitter_sd=0.25,
        bias={"openness": 0.0, "conscientiousness": 0.08, "extraversion": -0.12, "agreeableness": 0.12,
              "neuroticism": 0.08},
        style=DescriptionStyle(
            openings=("Trait-by-trait assessment.", "Behavioural profile (public conduct only).",
                      "Ratings rationale.", "Assessment by trait."),
            closings=("", "End of assessment."),
            second_sentence_rate=0.0, trait_labels=True)),
}


def simulated_model(rater: str) -> str:
    """The litellm model string of a rater: `personax-simulated/<rater>`."""
    return f"{SIMULATED_PROVIDER}/{rater}"


def model_version(rater: str) -> str:
    return f"{simulated_model(rater)}@{SIMULATOR_VERSION} (simulated rater, generated cohort)"


def is_simulated(model_string: str) -> bool:
    return model_string.startswith(f"{SIMULATED_PROVIDER}/")


class SimulatedRaterError(litellm.BadRequestError):
    """A request no simulated rater can answer; final (the client reads `retryable` and `failure_reason`)."""

    retryable = False

    def __init__(self, reason: str, rater: str):
        super().__init__(message=reason, model=simulated_model(rater), llm_provider=SIMULATED_PROVIDER)
        self.failure_reason = reason


# ---------------------------------------------------------------------------------------------------------------------
# The cohort's truth
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cohort:
    path: str
    rows: list[dict[str, Any]]
    by_name: dict[str, list[int]]
    z: dict[str, np.ndarray]  # trait -> normal score of the latent within its dataset, per row
    cuts: dict[tuple[str, str, int], np.ndarray]  # (dataset, trait, levels) -> ascending cut points on z


# Per path: the file's (mtime, size) and what was read, so a regenerated cohort is read again.
_cohorts: dict[str, tuple[tuple[int, int], _Cohort]] = {}
_cohorts_lock = threading.Lock()


def _cohort(api_base: str | None, rater: str) -> _Cohort:
    if not api_base:
        raise SimulatedRaterError(f"simulated rater {rater}: no truth file; set the model's api_base to a generated "
                                  f"cohort's truth.parquet", rater)
    path = os.path.abspath(api_base)
    try:
        stat = os.stat(path)
    except OSError as error:
        raise SimulatedRaterError(f"simulated rater {rater}: truth file {path} (the model's api_base) cannot be "
                                  f"read: {error.strerror}", rater) from error
    version = (stat.st_mtime_ns, stat.st_size)
    with _cohorts_lock:  # concurrent first requests read the file once
        cached = _cohorts.get(path)
        if cached is None or cached[0] != version:
            cached = (version, _read_cohort(path, rater))
            _cohorts[path] = cached
        return cached[1]


def _read_cohort(path: str, rater: str) -> _Cohort:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise SimulatedRaterError(f"simulated rater {rater}: {path} is not a parquet file: {error}", rater) from error
    missing = [c for c in _TRUTH_COLUMNS if c not in table.column_names]
    if missing:
        raise SimulatedRaterError(f"simulated rater {rater}: {path} is not a generated cohort's truth.parquet "
                                  f"(missing columns {missing})", rater)
    table = table.select(list(_TRUTH_COLUMNS))
    frame = table.set_column(table.column_names.index("birth_date"), "birth_date",
                             table.column("birth_date").cast(pa.string())).to_pandas()
    z = {t: np.zeros(len(frame)) for t in TRAITS}
    cuts = {}
    for dataset, index in frame.groupby("dataset").indices.items():
        for trait in TRAITS:
            # Normal scores rather than z-scores: a skewed planted latent (athletes' neuroticism accelerates in
            # weight) would otherwise crowd its cut points and lower the raters' agreement on that trait alone.
            ranks = frame[trait].iloc[index].rank(method="average").to_numpy()
            values = np.array([_STANDARD_NORMAL.inv_cdf(q) for q in (ranks - 0.5) / len(index)])
            z[trait][index] = values
            ordered = np.sort(values)
            # generator.add_reference_scores: level = 1 + levels * rank // n, so level >= k+1 from rank ceil(k*n/L).
            cuts.update({(dataset, trait, levels): ordered[[-(-k * len(values) // levels) for k in range(1, levels)]]
                         for levels in _LEVELS})
    rows = frame.to_dict("records")
    by_name: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_name.setdefault(_norm(row["name"]), []).append(i)
    return _Cohort(path, rows, by_name, z, cuts)


def _norm(value: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value)).split()).casefold()


def _find(cohort: _Cohort, person: Mapping[str, Any], rater: str) -> int:
    name = str(person.get("name", ""))
    found = [i for i in cohort.by_name.get(_norm(name), [])
             if all(_norm(cohort.rows[i][f] or "") == _norm(person[f]) for f in MATCH_FIELDS if f in person)]
    if len(found) != 1:
        which = "is not in" if not found else f"matches {len(found)} people of"
        raise SimulatedRaterError(
            f"simulated rater {rater}: person {name} {which} the generated cohort {cohort.path}; a simulated rater "
            f"only rates generated people (a real cohort with a simulated rater is a configuration error)", rater)
    return found[0]


# ---------------------------------------------------------------------------------------------------------------------
# The request
# ---------------------------------------------------------------------------------------------------------------------

# Per prompt file: its (mtime, size), the prompt and its rendered system message.
_prompts: dict[Path, tuple[tuple[int, int], PromptTemplate, str]] = {}
_prompts_lock = threading.Lock()
_prompts_dir = PROMPTS_DIR  # set by register_simulated_provider


def _match_prompt(system: str, rater: str) -> PromptTemplate:
    """The prompt of the prompts directory whose rendered system message is `system`."""
    directory = _prompts_dir
    with _prompts_lock:
        for prompt_id in list_prompts(directory):
            path = directory / f"{prompt_id}.yaml"
            stat = path.stat()
            cached = _prompts.get(path)
            if cached is None or cached[0] != (stat.st_mtime_ns, stat.st_size):
                try:
                    prompt = load_prompt(prompt_id, directory)
                except PromptError:
                    continue  # a malformed file cannot be the prompt the platform rendered
                # The system message does not depend on the person, nor on which fields a dataset shows.
                system_message = render_messages(prompt, {}, next(iter(PERSON_FIELDS)))[0]["content"]
                cached = ((stat.st_mtime_ns, stat.st_size), prompt, system_message)
                _prompts[path] = cached
            if cached[2] == system:
                return cached[1]
    raise SimulatedRaterError(f"simulated rater {rater}: the system message is none of the prompts in {directory} "
                              f"(it starts {system[:80]!r})", rater)


def _person_data(messages: list[dict[str, Any]], rater: str) -> dict[str, Any]:
    """The JSON between the fence lines of the last user message."""
    user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
    lines = str(user.get("content", "")).splitlines()
    if FENCE_OPEN in lines and FENCE_CLOSE in lines[lines.index(FENCE_OPEN):]:
        start = lines.index(FENCE_OPEN) + 1
        try:
            data = json.loads("\n".join(lines[start:lines.index(FENCE_CLOSE, start)]))
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            return data
    raise SimulatedRaterError(f"simulated rater {rater}: the user message has no JSON object between "
                              f"{FENCE_OPEN} and {FENCE_CLOSE}", rater)


def _rng(*key: object) -> np.random.Generator:
    digest = hashlib.sha256("\x1f".join(map(str, key)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


def answer(rater: str, messages: list[dict[str, Any]], api_base: str | None,
           optional_params: Mapping[str, Any]) -> str:
    """The rater's JSON answer to a trait prompt (the content of its response)."""
    profile = RATERS.get(rater)
    if profile is None:
        raise SimulatedRaterError(f"unknown simulated rater {rater!r}; available: {', '.join(RATERS)}", rater)
    if not messages or messages[0].get("role") != "system":
        raise SimulatedRaterError(f"simulated rater {rater}: the first message must be the prompt's system "
                                  f"message", rater)
    cohort = _cohort(api_base, rater)
    prompt = _match_prompt(str(messages[0].get("content", "")), rater)
    row = _find(cohort, _person_data(messages, rater), rater)
    person_id, dataset = cohort.rows[row]["person_id"], cohort.rows[row]["dataset"]
    temperature = float(optional_params.get("temperature") or 0.0)
    noise = _rng(rater, person_id).normal(0.0, profile.noise_sd, len(TRAITS))
    # At temperature 0 the sampling draws are fixed per person, whatever the seed (greedy decoding).
    sample = _rng(rater, person_id, optional_params.get("seed") if temperature > 0 else "greedy")
    jitter = sample.normal(0.0, profile.jitter_sd * temperature, len(TRAITS))
    hesitate = sample.random(len(TRAITS))
    scores: dict[str, int | str] = {}
    tiers: dict[str, Tier | None] = {}
    values = prompt.answer_values()
    for t, trait in enumerate(TRAITS):
        perceived = cohort.z[trait][row] + profile.bias[trait] + noise[t] + jitter[t]
        if hesitate[t] < profile.hesitation * math.exp(-(perceived / profile.hesitation_width) ** 2):
            scores[trait], tiers[trait] = values[0], None
            continue
        level = 1 + int(np.searchsorted(cohort.cuts[(dataset, trait, prompt.levels)], perceived, side="right"))
        scores[trait] = values[level if prompt.order == "inc" else prompt.levels + 1 - level]
        tiers[trait] = tier(1 + int(np.searchsorted(cohort.cuts[(dataset, trait, 3)], perceived, side="right")))
    description = compose(profile.style, tiers, sample)
    return json.dumps({"description": description, "scores": scores}, ensure_ascii=False)


def _tokens(text: str) -> int:
    return math.ceil(len(text.split()) / _WORDS_PER_TOKEN)


def _respond(model: str, messages: list[dict[str, Any]], api_base: str | None, optional_params: Mapping[str, Any],
             model_response: ModelResponse) -> ModelResponse:
    content = answer(model, messages, api_base, optional_params)
    prompt_tokens = sum(_tokens(str(m.get("content", ""))) for m in messages)
    completion_tokens, finish_reason = _tokens(content), "stop"
    max_tokens = optional_params.get("max_tokens") or optional_params.get("max_completion_tokens")
    if max_tokens is not None and completion_tokens > max_tokens:  # cut off like a real model: invalid JSON
        content = " ".join(content.split()[:int(max_tokens * _WORDS_PER_TOKEN)])
        completion_tokens, finish_reason = int(max_tokens), "length"
    model_response.choices[0].message.content = content
    model_response.choices[0].finish_reason = finish_reason
    model_response.model = model_version(model)
    model_response.usage = Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                                 total_tokens=prompt_tokens + completion_tokens)
    return model_response


class SimulatedRater(CustomLLM):
    """litellm hands over everything by keyword; `model` arrives without the provider prefix (the rater's name)."""

    def completion(self, *, model: str, messages: list[dict[str, Any]],  # type: ignore[override]
                   api_base: str | None = None, optional_params: dict[str, Any], model_response: ModelResponse,
                   **_: Any) -> ModelResponse:
        return _respond(model, messages, api_base, optional_params, model_response)

    async def acompletion(self, *, model: str, messages: list[dict[str, Any]],  # type: ignore[override]
                          api_base: str | None = None, optional_params: dict[str, Any],
                          model_response: ModelResponse, **_: Any) -> ModelResponse:
        # Microseconds of arithmetic once the truth is loaded: no executor needed.
        return _respond(model, messages, api_base, optional_params, model_response)


def register_simulated_provider(prompts_dir: Path | None = None) -> None:
    """Route `personax-simulated/...` models to the simulated raters, priced at 0; safe to call any number of times
    (see register_embedded_provider for why the prices matter). `prompts_dir`: where the raters look up the prompt a
    request was rendered from; None keeps the current one."""
    global _prompts_dir
    if prompts_dir is not None:
        _prompts_dir = Path(prompts_dir)
    if not any(item["provider"] == SIMULATED_PROVIDER for item in litellm.custom_provider_map):
        litellm.custom_provider_map.append({"provider": SIMULATED_PROVIDER, "custom_handler": SimulatedRater()})
    for rater in RATERS:
        if simulated_model(rater) not in litellm.model_cost:
            litellm.register_model({simulated_model(rater): {
                "input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "cache_creation_input_token_cost": 0.0,
                "cache_read_input_token_cost": 0.0, "litellm_provider": SIMULATED_PROVIDER, "mode": "chat"}})
