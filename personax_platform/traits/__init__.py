"""Trait inference results: parsing model answers into Big Five scores (and, downstream, their aggregation)."""
