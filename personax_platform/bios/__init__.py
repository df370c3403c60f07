"""Raw bios → canonical bios: landing files, source mappings, field parsers, normalisation."""
