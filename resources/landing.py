"""The landing area: where source files arrive, and the datasets config that says how to read them."""

from functools import lru_cache
from pathlib import Path

import dagster as dg
import pandas as pd

from personax_platform.bios.countries import CountryResolver
from personax_platform.bios.landing import read_raw_bios
from personax_platform.config.datasets import PlatformConfig, load_config


class LandingResource(dg.ConfigurableResource):
    landing_dir: str
    datasets_config: str

    def config(self) -> PlatformConfig:
        return _cached_config(self.datasets_config)

    def read_raw_bios(self, league: str) -> pd.DataFrame:
        config = self.config()
        return read_raw_bios(Path(self.landing_dir), config.source(league), config.league_to_dataset[league], league)

    def country_resolver(self) -> CountryResolver:
        return CountryResolver(self.config().country_aliases)


@lru_cache(maxsize=4)
def _cached_config(path: str) -> PlatformConfig:
    return load_config(Path(path))
