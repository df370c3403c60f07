"""Client-side limits per model: bounded concurrency plus token buckets for requests and tokens per minute, so a
run paces itself under the provider's limits instead of provoking 429s.

Limits hold per process: parallel partition runs each get the full budget (configure rpm/tpm accordingly; a 429
that still happens is retried after the provider's Retry-After). The worker processes of one call
(client_workers.py) each get their share, and a 429's pause holds only the worker that received it.
"""
from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]

_EPSILON = 1e-9
_CHARS_PER_TOKEN = 4  # rough for English prose and JSON; corrected by the reported usage after the call


def estimate_tokens(messages: list[dict[str, Any]], max_tokens: int) -> int:
    """Tokens a request may consume before it is sent: prompt length plus the whole output budget (providers
    count `max_tokens` against TPM the same way)."""
    return math.ceil(message_chars(messages) / _CHARS_PER_TOKEN) + max_tokens


def message_chars(messages: list[dict[str, Any]]) -> int:
    """Characters of the messages' content (structured content as its JSON text)."""
    return sum(len(m["content"]) if isinstance(m.get("content"), str) else len(json.dumps(m.get("content")))
               for m in messages)


class TokenBucket:
    """Refills at `per_minute / 60` per second up to one second's worth (at least 1).

    A full minute's burst would let a sliding 60 s window see almost twice the limit. A take larger than the
    capacity waits for a full bucket and leaves it in debt, which later takes wait out.
    """

    def __init__(self, per_minute: float, clock: Clock) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate)
        self._clock = clock
        self._level = self.capacity
        self._stamp = clock()

    def delay(self, amount: float) -> float:
        """Seconds until `amount` may be taken."""
        self._refill()
        shortfall = min(amount, self.capacity) - self._level
        # Rounding can leave a shortfall too small to advance a clock by; waiting for it would never end.
        return shortfall / self.rate if shortfall > _EPSILON else 0.0

    def take(self, amount: float) -> None:
        self._refill()
        self._level -= amount

    def adjust(self, amount: float) -> None:
        """Return (positive) or charge (negative) tokens once the real usage is known."""
        self._refill()
        self._level = min(self.capacity, self._level + amount)

    def _refill(self) -> None:
        now = self._clock()
        self._level = min(self.capacity, self._level + (now - self._stamp) * self.rate)
        self._stamp = now


class ModelLimiter:
    """`async with limiter.slot(estimated_tokens):` around each attempt; `settle` once usage is known."""

    def __init__(self, max_concurrency: int, rpm: float | None = None, tpm: float | None = None, *,
                 clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._slots = asyncio.Semaphore(max_concurrency)
        self._gate = asyncio.Lock()  # FIFO: waiters are admitted in arrival order, none starves
        self._clock = clock
        self._sleep = sleep
        self._requests = TokenBucket(rpm, clock) if rpm else None
        self._tokens = TokenBucket(tpm, clock) if tpm else None
        self._paused_until = -math.inf

    @asynccontextmanager
    async def slot(self, estimated_tokens: int) -> AsyncIterator[None]:
        async with self._slots:
            await self._admit(estimated_tokens)
            yield

    def settle(self, estimated_tokens: int, actual_tokens: int | None) -> None:
        if self._tokens is not None and actual_tokens is not None:
            self._tokens.adjust(estimated_tokens - actual_tokens)

    def pause(self, seconds: float) -> None:
        """A 429 means the provider's window is spent: hold every new request to this model, not only the retry."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def _admit(self, tokens: int) -> None:
        async with self._gate:
            while (wait := self._delay(tokens)) > 0:
                await self._sleep(wait)
            if self._requests is not None:
                self._requests.take(1)
            if self._tokens is not None:
                self._tokens.take(tokens)

    def _delay(self, tokens: int) -> float:
        delays = [self._paused_until - self._clock()]
        if self._requests is not None:
            delays.append(self._requests.delay(1))
        if self._tokens is not None:
            delays.append(self._tokens.delay(tokens))
        return max(delays)
