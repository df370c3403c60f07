"""Benchmarks (see README.md here). Each is an entry point, run as `python -m benchmarks.<name>`: the package applies
the offline switches before any benchmark imports litellm or GX."""
import os

from personax_platform import offline

offline.apply(os.environ)
