"""The Dagster asset graph, one module per group (DESIGN.md): bios, traits, embeddings, release, analysis."""
