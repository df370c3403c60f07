"""The code location's one settings object, built from this process's environment and the config files it names.

Partitions (assets/partitions.py), pools (assets/pools.py), the `trait_texts` code version and every resource
(definitions.py) derive from `SETTINGS`, so what the UI shows and what a run does describe the same configuration.
Each run process builds it afresh, so a run sees the environment it was launched with.
"""
import os

from personax_platform.settings import Settings

SETTINGS = Settings.from_environ(os.environ)
