"""The limiter on a fake clock: sleeping advances time instantly, so pacing is checked exactly and fast."""
from __future__ import annotations

import asyncio

import pytest

from personax_platform.llm.ratelimit import ModelLimiter, TokenBucket, estimate_tokens


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def _admit_times(limiter: ModelLimiter, clock: FakeClock, tokens: list[int]) -> list[float]:
    times: list[float] = []

    async def one(n: int) -> None:
        async with limiter.slot(n):
            times.append(clock.now)

    await asyncio.gather(*(one(n) for n in tokens))
    return times


def test_rpm_bucket_allows_one_seconds_burst_then_paces_at_the_rate() -> None:
    clock = FakeClock()
    limiter = ModelLimiter(max_concurrency=100, rpm=600, clock=clock, sleep=clock.sleep)  # 10 per second
    times = asyncio.run(_admit_times(limiter, clock, [1] * 30))
    assert times[:10] == [0.0] * 10
    assert max(times) == pytest.approx(2.0)
    # No sliding one-second window ever sees more than a second's burst plus a second's rate.
    assert all(sum(t <= s < t + 1.0 for s in times) <= 20 for t in times)


def test_tpm_bucket_paces_by_estimated_tokens() -> None:
    clock = FakeClock()
    limiter = ModelLimiter(max_concurrency=100, tpm=6000, clock=clock, sleep=clock.sleep)  # 100 tokens per second
    times = asyncio.run(_admit_times(limiter, clock, [100, 100, 100]))
    assert times == [0.0, 1.0, 2.0]


def test_request_larger_than_a_seconds_budget_waits_for_a_full_bucket_and_leaves_debt() -> None:
    clock = FakeClock()
    bucket = TokenBucket(6000, clock)  # capacity 100
    assert bucket.delay(500) == 0.0
    bucket.take(500)
    assert bucket.delay(500) == 5.0  # 400 of debt plus a full bucket, at 100 per second


def test_actual_usage_refunds_an_overestimate() -> None:
    clock = FakeClock()
    limiter = ModelLimiter(max_concurrency=100, tpm=6000, clock=clock, sleep=clock.sleep)

    async def run() -> list[float]:
        times = await _admit_times(limiter, clock, [100])
        limiter.settle(estimated_tokens=100, actual_tokens=10)  # 90 come back
        return times + await _admit_times(limiter, clock, [90])

    assert asyncio.run(run()) == [0.0, 0.0]


def test_concurrency_never_exceeds_the_semaphore() -> None:
    limiter = ModelLimiter(max_concurrency=3)
    in_flight = peak = 0

    async def one() -> None:
        nonlocal in_flight, peak
        async with limiter.slot(1):
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1

    async def run() -> None:
        await asyncio.gather(*(one() for _ in range(20)))

    asyncio.run(run())
    assert peak == 3


def test_pause_holds_every_new_request_until_the_provider_window_reopens() -> None:
    clock = FakeClock()
    limiter = ModelLimiter(max_concurrency=10, clock=clock, sleep=clock.sleep)
    limiter.pause(2.5)
    assert asyncio.run(_admit_times(limiter, clock, [1, 1])) == [2.5, 2.5]


def test_token_estimate_counts_prompt_characters_and_the_output_budget() -> None:
    messages = [{"role": "system", "content": "x" * 40}, {"role": "user", "content": "y" * 41}]
    assert estimate_tokens(messages, max_tokens=800) == 21 + 800
