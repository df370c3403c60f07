"""League partitions (each belongs to exactly one dataset) and dataset partitions, both from the datasets config of
the code location's settings (resources/settings.py), and what it says of a dataset (its kind, whether it is a
known-truth cohort).

League keys are flat (`nba`, `celebrities`) rather than a dataset × league grid, so no partition that can never hold
data appears in the UI; dataset-level assets read their leagues through `league_to_dataset`.
"""
import dagster as dg

from resources.settings import SETTINGS

_CONFIG = SETTINGS.datasets

league_partitions = dg.StaticPartitionsDefinition(_CONFIG.leagues)
dataset_partitions = dg.StaticPartitionsDefinition(list(_CONFIG.datasets))

# Upstream league partition -> the dataset partition it belongs to.
league_to_dataset = dg.StaticPartitionMapping(dict(_CONFIG.league_to_dataset))


def dataset_of(league: str) -> str:
    return _CONFIG.league_to_dataset[league]


def dataset_kind(dataset: str) -> str:
    """athletes or celebrities: what decides the prompt's fields, the Level I features and the graphs' nodes."""
    return _CONFIG.kind(dataset)


def is_known_truth(dataset: str) -> bool:
    """A generated cohort rated by simulated raters (config/datasets.yaml, known_truth)."""
    return _CONFIG.datasets[dataset].is_known_truth


known_truth_datasets: list[str] = _CONFIG.known_truth_datasets
# The known-truth datasets only (the validation against a planted truth exists for nothing else), and the maps from
# their league and dataset partitions onto them.
known_truth_partitions = dg.StaticPartitionsDefinition(known_truth_datasets)
league_to_known_truth = dg.StaticPartitionMapping({
    league: dataset for league, dataset in _CONFIG.league_to_dataset.items() if dataset in known_truth_datasets})
dataset_to_known_truth = dg.StaticPartitionMapping({dataset: dataset for dataset in known_truth_datasets})
