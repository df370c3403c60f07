"""Dagster resources wrapping the domain library: the warehouse IO manager and the landing area."""
