"""The Dagster asset graph, one module per group (docs/architecture.md): bios, traits, embeddings, release, analysis."""
