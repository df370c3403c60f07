"""Frozen implementations that benchmarks measure the platform against."""
