"""Typed view of config/datasets.yaml: which datasets exist, their leagues, and each source's mapping.

The league list drives the Dagster partitions, so adding a league is an entry in that file plus its landing files.
"""
from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_PATH = REPO_ROOT / "config" / "datasets.yaml"
CONFIG_PATH_ENV = "PERSONAX_DATASETS_CONFIG"

# Canonical fields a source may map; everything else in docs/canonical_schema.md is derived.
MAPPABLE_FIELDS = (
    "name", "gender", "birth_date", "height", "weight", "nationality",
    "position", "occupation", "description", "image_ref",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CsvOptions(_Strict):
    delimiter: str = ","
    encoding: str = "utf-8"


class Units(_Strict):
    height: Literal["cm", "m", "in", "ft_in", "auto"] = "auto"
    weight: Literal["kg", "lb", "auto"] = "auto"


class ImageList(_Strict):
    """A source that lists several images per identity, each with CelebA face attributes."""

    field: str
    file: str
    attributes: str


class SourceMapping(_Strict):
    """How one league's native landing files map onto canonical bios."""

    files: str
    identity: tuple[str, ...] = Field(min_length=1)
    fields: dict[str, str | tuple[str, ...]]
    constants: dict[str, str] = {}
    units: Units = Units()
    date_formats: tuple[str, ...] = ("iso",)
    csv: CsvOptions = CsvOptions()
    images: ImageList | None = None

    @field_validator("fields", "constants")
    @classmethod
    def _only_canonical_fields(cls, mapping: dict) -> dict:
        unknown = sorted(set(mapping) - set(MAPPABLE_FIELDS))
        if unknown:
            raise ValueError(f"unknown canonical field(s) {unknown}; expected some of {list(MAPPABLE_FIELDS)}")
        return mapping

    @model_validator(mode="after")
    def _name_is_mapped(self) -> SourceMapping:
        if "name" not in self.fields:
            raise ValueError("every source must map the canonical field 'name'")
        return self


class DatasetConfig(_Strict):
    description: str = ""
    leagues: dict[str, SourceMapping] = Field(min_length=1)


class PlatformConfig(_Strict):
    country_aliases: dict[str, str] = {}
    datasets: dict[str, DatasetConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _league_names_unique(self) -> PlatformConfig:
        seen: dict[str, str] = {}
        for dataset, cfg in self.datasets.items():
            for league in cfg.leagues:
                if league in seen:
                    raise ValueError(f"league '{league}' is listed under both '{seen[league]}' and '{dataset}'")
                seen[league] = dataset
        return self

    @cached_property
    def league_to_dataset(self) -> dict[str, str]:
        return {league: ds for ds, cfg in self.datasets.items() for league in cfg.leagues}

    @property
    def leagues(self) -> list[str]:
        return list(self.league_to_dataset)

    def source(self, league: str) -> SourceMapping:
        try:
            return self.datasets[self.league_to_dataset[league]].leagues[league]
        except KeyError:
            raise KeyError(f"league '{league}' is not configured; known leagues: {self.leagues}") from None


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_PATH_ENV, DEFAULT_CONFIG_PATH))


def load_config(path: Path | None = None) -> PlatformConfig:
    path = path or config_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"datasets config not found: {path} (set {CONFIG_PATH_ENV} to override)") from None
    try:
        return PlatformConfig.model_validate(raw)
    except ValueError as exc:
        raise ValueError(f"invalid datasets config {path}:\n{exc}") from None
