"""Platform configuration: datasets, league partitions and source mappings (config/datasets.yaml)."""
