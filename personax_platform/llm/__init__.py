"""Asking LLMs through litellm: model configuration, request hashing, a crash-safe response cache, per-model rate
limits, and an async client with retries.

litellm is imported lazily (its import costs seconds); every entry point applies the offline environment
(personax_platform/offline.py) that keeps it from fetching a price map.
"""
