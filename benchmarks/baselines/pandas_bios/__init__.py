"""The pandas bios ingestion (landing files → raw rows → canonical bios + quarantine) as it was before the move to
polars, frozen at commit 4717ae66c4ed7743a87a5b3864f363f5e5992853 and kept only as the baseline of
`benchmarks.bios_ingestion`. The field parsers it calls (units, dates, countries, categories, identity, encoding) are
the library's own, unchanged."""
