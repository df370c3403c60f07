"""Typed view of config/datasets.yaml: which datasets exist, their kind, their leagues, each source's mapping, and the
generated known-truth cohorts.

The league list drives the Dagster partitions, so adding a league is an entry in that file plus its landing files.
A dataset's `kind` (athletes or celebrities) decides everything else that differs between datasets: which bio fields
the LLM sees, the Level I features, the observed graph's nodes, the Level II preset, the planted structure. Adding a
dataset of a known kind is therefore an entry in that file too.

A known-truth dataset (`known_truth:`) is a generated cohort of fictional people that mirrors a real dataset's leagues
and landing formats, under league names with a prefix (`sim_nba`), rated by simulated raters: it shows that every
analysis recovers a planted structure. Its leagues are derived here, never written out in the file.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_PATH = REPO_ROOT / "config" / "datasets.yaml"

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


class Quality(_Strict):
    """Row-level plausibility and the league-level quarantine limit (issue: one bad row must not block a league).

    A value that parses but lies outside its plausible range sends its row to the quarantine with the reason; the
    ranges are wide enough for real extremes (the tallest NBA players measured 231 cm; Sultan Kösen, 251 cm, is a
    celebrity). A league whose share of quarantined rows exceeds `max_rejected_share` fails a blocking check: that is
    a systematic problem (a misconfigured unit or a broken export), not a few bad rows.
    """

    height_cm: tuple[float, float] = (100.0, 275.0)
    weight_kg: tuple[float, float] = (25.0, 320.0)
    birth_year: tuple[int, int] = (1880, 2025)
    max_rejected_share: float = Field(0.5, ge=0, le=1)

    @field_validator("height_cm", "weight_kg", "birth_year")
    @classmethod
    def _ordered(cls, bounds: tuple) -> tuple:
        if not bounds[0] < bounds[1]:
            raise ValueError(f"a plausible range needs low < high, got {list(bounds)}")
        return bounds

    def ranges(self) -> dict[str, tuple[float, float]]:
        """Canonical column -> (low, high), both inclusive."""
        return {"height_cm": self.height_cm, "weight_kg": self.weight_kg, "birth_year": self.birth_year}


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
    quality: Quality | None = Field(None, description="Overrides the dataset's `quality` for this league.")

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


Kind = Literal["athletes", "celebrities"]


class KnownTruth(_Strict):
    """A generated cohort with planted traits, rated by simulated raters (personax_platform/known_truth)."""

    mirrors: str = Field(description="The real dataset whose leagues and landing formats the cohort copies.")
    league_prefix: str = Field("sim_", pattern=r"^[a-z][a-z0-9]*_$")
    seed: int
    per_league: int = Field(gt=0, description="Generated people in every league.")
    raters: str = Field(description="Models file of the simulated raters, relative to the repository root.")


class DatasetConfig(_Strict):
    kind: Kind
    description: str = ""
    leagues: dict[str, SourceMapping] = Field(min_length=1)
    known_truth: KnownTruth | None = None
    quality: Quality = Quality()

    @property
    def is_known_truth(self) -> bool:
        return self.known_truth is not None


class PlatformConfig(_Strict):
    country_aliases: dict[str, str] = {}
    datasets: dict[str, DatasetConfig] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _derive_known_truth_leagues(cls, raw: object) -> object:
        """A known-truth dataset takes its kind, leagues (prefixed) and quality from the real dataset it mirrors."""
        if not isinstance(raw, dict) or not isinstance(raw.get("datasets"), dict):
            return raw
        datasets = dict(raw["datasets"])
        for name, entry in datasets.items():
            spec = entry.get("known_truth") if isinstance(entry, dict) else None
            if not isinstance(spec, dict):
                continue
            if "leagues" in entry or "kind" in entry:
                raise ValueError(f"dataset '{name}': a known-truth dataset takes its kind and leagues from the "
                                 "dataset it mirrors; remove 'kind' and 'leagues'")
            mirrored = datasets.get(spec.get("mirrors"))
            if not isinstance(mirrored, dict) or "known_truth" in mirrored:
                real = sorted(d for d, e in datasets.items() if isinstance(e, dict) and "known_truth" not in e)
                raise ValueError(f"dataset '{name}': known_truth.mirrors must name a real dataset, one of {real}")
            prefix = spec.get("league_prefix", KnownTruth.model_fields["league_prefix"].default)
            datasets[name] = {**({"quality": mirrored["quality"]} if "quality" in mirrored else {}),
                              **entry, "kind": mirrored.get("kind"),
                              "leagues": {f"{prefix}{league}": mapping
                                          for league, mapping in (mirrored.get("leagues") or {}).items()}}
        return {**raw, "datasets": datasets}

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

    @property
    def known_truth_datasets(self) -> list[str]:
        return [name for name, cfg in self.datasets.items() if cfg.is_known_truth]

    def kind(self, dataset: str) -> Kind:
        try:
            return self.datasets[dataset].kind
        except KeyError:
            raise KeyError(f"dataset '{dataset}' is not configured; known datasets: {list(self.datasets)}") from None

    def mirrored_league(self, league: str) -> str:
        """The real league a known-truth league copies (`sim_nba` -> `nba`); a real league is its own."""
        spec = self.datasets[self.league_to_dataset[league]].known_truth
        return league.removeprefix(spec.league_prefix) if spec else league

    def quality(self, league: str) -> Quality:
        """The league's own `quality`, else its dataset's."""
        return self.source(league).quality or self.datasets[self.league_to_dataset[league]].quality

    def source(self, league: str) -> SourceMapping:
        try:
            return self.datasets[self.league_to_dataset[league]].leagues[league]
        except KeyError:
            raise KeyError(f"league '{league}' is not configured; known leagues: {self.leagues}") from None


def load_config(path: Path | str = DEFAULT_CONFIG_PATH) -> PlatformConfig:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"datasets config not found: {path} (PERSONAX_DATASETS_CONFIG names it)") from None
    try:
        return PlatformConfig.model_validate(raw)
    except ValueError as exc:
        raise ValueError(f"invalid datasets config {path}:\n{exc}") from None
