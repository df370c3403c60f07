"""Shared by the traits pipeline tests: a scripted local LLM server, the models/prompts it serves, and helpers that
materialize the real traits assets against a private warehouse."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import yaml

from assets import bios, traits
from personax_platform.config.datasets import DEFAULT_CONFIG_PATH, load_config
from personax_platform.prompts import FENCE_CLOSE, FENCE_OPEN, PROMPTS_DIR
from personax_platform.traits.constants import TRAITS
from resources.llm import LLMResource
from tests.llm.fake_openai_server import FakeOpenAIServer, user_content
from tests.llm.support import KEY_ENV
from tests.pipeline.resources import pipeline_resources

BIOS_ASSETS = [bios.raw_bios, bios.bios]
TRAIT_ASSETS = [traits.trait_texts, traits.trait_scores, traits.aggregated_traits, traits.trait_texts_check,
                traits.trait_scores_check, traits.trait_scores_hesitation_check,
                traits.aggregated_traits_check, traits.trait_texts_prompt_is_current]
MODELS = ("alpha", "beta", "gamma")


def scripted_scores(name: str, model: str) -> dict[str, int]:
    """Deterministic answers per person name and model that differ across models, zeros included."""
    digest = hashlib.sha256(f"{name}/{model}".encode()).digest()
    return {trait: digest[i] % 4 for i, trait in enumerate(TRAITS)}


def scripted_answer(body: dict) -> str:
    data = user_content(body).split(FENCE_OPEN, 1)[1].split(FENCE_CLOSE, 1)[0]
    person = json.loads(data)
    model = body["model"]
    return json.dumps({"description": f"Observed public behaviour of {person['name']}.",
                       "scores": scripted_scores(person["name"], model)})


def write_models_and_prompts(directory: Path, server: FakeOpenAIServer) -> tuple[Path, Path]:
    """models.yaml with three models served by `server`, and an editable copy of the shipped prompts."""
    models = [{"name": m, "model": f"openai/{m}", "api_base": server.api_base, "api_key_env": KEY_ENV,
               "max_retries": 1, "timeout_s": 5} for m in MODELS]
    (directory / "models.yaml").write_text(yaml.safe_dump({"models": models}))
    prompts = directory / "prompts"
    shutil.copytree(PROMPTS_DIR, prompts)
    return directory, prompts


def llm_resources(warehouse_dirs, tmp_path: Path, prompts: Path, **llm_fields) -> dict:
    """The pipeline's resources with an llm resource asking `server`'s models; `llm_fields` set its other fields."""
    return {
        **pipeline_resources(warehouse_dirs),
        "llm": LLMResource(models_config=str(tmp_path / "models.yaml"), prompts_dir=str(prompts),
                           prompt_id="number-l3-inc", cache_path=str(tmp_path / "cache.sqlite"),
                           datasets_config=str(DEFAULT_CONFIG_PATH), data_dir=str(tmp_path / "data"), **llm_fields),
    }


def materialize_traits(resources: dict, league: str = "pga", max_people: int = 6,
                       instance: dg.DagsterInstance | None = None):
    config = {"ops": {"traits__trait_texts": {"config": {"max_people": max_people}}}}
    return dg.materialize(BIOS_ASSETS + TRAIT_ASSETS, partition_key=league, resources=resources,
                          run_config=config, raise_on_error=False, instance=instance)


def materialize_dataset_traits(resources: dict, dataset: str, max_people: int) -> None:
    """Bios and traits for every league of `dataset` (what a dataset-level asset reads)."""
    for league in load_config().datasets[dataset].leagues:
        assert materialize_traits(resources, league=league, max_people=max_people).success


def read_table(warehouse_dirs, table: str, schema: str = "traits") -> pd.DataFrame:
    with duckdb.connect(str(warehouse_dirs["catalog_path"]), read_only=True) as con:
        return con.execute(f"SELECT * FROM {schema}.{table}").df()


def person_names(warehouse_dirs) -> dict[str, str]:
    with duckdb.connect(str(warehouse_dirs["catalog_path"]), read_only=True) as con:
        return dict(con.execute("SELECT person_id, name FROM bios.bios").fetchall())


def edit_prompt(prompts: Path) -> None:
    path = prompts / "number-l3-inc.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Big Five", "Big-Five", 1), encoding="utf-8")
