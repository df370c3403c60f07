"""Small synthetic cohorts and fast configs shared by the CRL tests (the benchmark runs the full-size setting)."""
from __future__ import annotations

import pytest

from personax_platform.crl import CRLConfig, SyntheticData, SyntheticSetting, generate_synthetic

TINY = SyntheticSetting(n=300, modalities=(("image", 5, 3, 16), ("text", 5, 3, 16)))


@pytest.fixture(scope="session")
def tiny_data() -> SyntheticData:
    return generate_synthetic(TINY)


@pytest.fixture(scope="session")
def tiny_config() -> CRLConfig:
    return TINY.config(hidden=(32,), epochs=8, batch_size=64, lr=1e-3, flow_hidden=16, refine_steps=100,
                       refine_starts=2)
