"""Seeded generator of fictional people in each source's native landing format (see generator.py)."""
from personax_platform.sample.generator import (
    DEFAULT_PER_LEAGUE, DEFAULT_SEED, GENERATOR_VERSION, PLANTED_STRUCTURE, SAMPLE_COMMAND, generate,
    generate_cohort, person_id, write_landing, write_truth,
)

__all__ = [
    "DEFAULT_PER_LEAGUE", "DEFAULT_SEED", "GENERATOR_VERSION", "PLANTED_STRUCTURE", "SAMPLE_COMMAND", "generate",
    "generate_cohort", "person_id", "write_landing", "write_truth",
]
