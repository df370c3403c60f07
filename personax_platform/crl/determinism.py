"""A scope in which torch runs reproducibly on CPU: fixed thread count, deterministic algorithms, and a private
global RNG state (the caller's torch RNG is restored afterwards, so training neither depends on nor disturbs it)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def deterministic_torch(seed: int, threads: int) -> Iterator[None]:
    """Seed torch's global RNG with `seed` inside the scope; restore threads, the determinism flag and the RNG
    after."""
    threads_before = torch.get_num_threads()
    flag_before = torch.are_deterministic_algorithms_enabled()
    with torch.random.fork_rng(devices=[]):
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(True)
        torch.manual_seed(seed)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(flag_before)
            torch.set_num_threads(threads_before)
