"""The frozen pre-migration pandas implementation of trait parsing, aggregation and agreement (from commit
4717ae66c4ed7743a87a5b3864f363f5e5992853), kept only as the baseline of benchmarks/trait_parsing.py.

Helpers that the migration left unchanged (the per-answer parser, Krippendorff's alpha) are imported from the
library, so the baseline differs from the library only in the frame code.
"""
