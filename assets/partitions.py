"""League partitions (each belongs to exactly one dataset) and dataset partitions, both from config/datasets.yaml.

League keys are flat (`nba`, `celebrities`) rather than a dataset × league grid, so no partition that can never hold
data appears in the UI; dataset-level assets read their leagues through `league_to_dataset`.
"""
import dagster as dg

from personax_platform.config.datasets import load_config

_CONFIG = load_config()

league_partitions = dg.StaticPartitionsDefinition(_CONFIG.leagues)
dataset_partitions = dg.StaticPartitionsDefinition(list(_CONFIG.datasets))

# Upstream league partition -> the dataset partition it belongs to.
league_to_dataset = dg.StaticPartitionMapping(dict(_CONFIG.league_to_dataset))


def dataset_of(league: str) -> str:
    return _CONFIG.league_to_dataset[league]
