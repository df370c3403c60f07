"""PersonaX domain library: bios, prompts, LLM client, traits, faces, statistics, CRL.

This package never imports Dagster and never reads the process environment for configuration: an entry point builds
`personax_platform.settings.Settings` and applies `personax_platform.offline` first. It is usable from a notebook or a
script.
"""
