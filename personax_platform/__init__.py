"""PersonaX domain library: bios, prompts, LLM client, traits, faces, statistics, CRL.

This package never imports Dagster; it is usable from a notebook or a script.
"""
from personax_platform import offline as _offline

_offline.apply()
