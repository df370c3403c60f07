"""The landing area: where source files arrive, and the datasets config that says how to read them. A known-truth
dataset's landing files are generated instead, into its cohort folder under the data directory, on first use."""

from functools import lru_cache
from pathlib import Path

import dagster as dg
import polars as pl

from personax_platform.bios.countries import CountryResolver
from personax_platform.bios.landing import read_raw_bios
from personax_platform.config.datasets import PlatformConfig, load_config
from personax_platform.known_truth.cohort import Cohort, ensure_cohort


class LandingResource(dg.ConfigurableResource):
    landing_dir: str
    datasets_config: str
    data_dir: str  # the known-truth cohorts are generated under it

    def config(self) -> PlatformConfig:
        return _cached_config(self.datasets_config)

    def landed_leagues(self) -> list[str]:
        """Leagues whose files arrive in the landing area (every league but the generated known-truth ones)."""
        config = self.config()
        return [league for league, dataset in config.league_to_dataset.items()
                if not config.datasets[dataset].is_known_truth]

    def cohort(self, dataset: str) -> Cohort:
        """A known-truth dataset's generated cohort (landing files and truth), generated if missing."""
        return ensure_cohort(self.config(), dataset, Path(self.data_dir))

    def landing_root(self, league: str) -> Path:
        dataset = self.config().league_to_dataset[league]
        if self.config().datasets[dataset].is_known_truth:
            return self.cohort(dataset).landing_dir
        return Path(self.landing_dir)

    def read_raw_bios(self, league: str) -> pl.DataFrame:
        """The league's raw rows; a file that fits another real league's mapping says which."""
        config = self.config()
        others = {other: config.source(other) for other, dataset in config.league_to_dataset.items()
                  if other != league and not config.datasets[dataset].is_known_truth}
        return read_raw_bios(self.landing_root(league), config.source(league), config.league_to_dataset[league],
                             league, others)

    def country_resolver(self) -> CountryResolver:
        return CountryResolver(self.config().country_aliases)


@lru_cache(maxsize=4)
def _cached_config(path: str) -> PlatformConfig:
    return load_config(Path(path))
