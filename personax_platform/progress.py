"""Progress of long steps (LLM batches, Level I, CRL training, embeddings): done/total, rate and time left as lines.

The domain library has no logging of its own: a long step takes a `Report` (a function of one line) and says where
its lines go. The assets pass `context.log.info`, so the lines land in the run's log (the UI's run view, while the
run goes on) and on the console of in-process runs. Lines are throttled, since each is a row of the run's event log.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

Report = Callable[[str], None]
EVERY_S = 10.0  # shows a step is alive without flooding the run's log: at most 360 lines an hour per step


class Progress:
    """Counts done items of `total`; `advance` reports at most every `every_s` seconds, `finish` once at the end.

    Thread-safe: LLM answers complete on an event loop, face embeddings on a process pool's callback thread. The clock
    is injectable so that tests never wait. `report=None` counts silently (a long step's default: no reporting).
    """

    def __init__(self, total: int, label: str, report: Report | None, *, every_s: float = EVERY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.label = label
        self._report = report
        self._every_s = every_s
        self._clock = clock
        self._lock = threading.Lock()  # reports under it too: lines never interleave or come out of order
        self._done = 0
        self._start = self._last = clock()

    def advance(self, n: int = 1, note: str | None = None) -> None:
        """`n` more items done; `note` (e.g. the current losses) ends the line when one is due. The last item's line
        is left to `finish`."""
        with self._lock:
            self._done += n
            now = self._clock()
            if self._report is None or self._done >= self.total or now - self._last < self._every_s:
                return
            self._last = now
            elapsed = now - self._start
            line = f"{self.label}: {self._done:,}/{self.total:,} ({self._done * 100 // self.total}%)"
            if elapsed > 0:
                left = (self.total - self._done) * elapsed / self._done
                line += f", {_rate(self._done, elapsed)}, about {_duration(left)} left"
            self._report(line + (f"; {note}" if note else ""))

    def finish(self, note: str | None = None) -> None:
        """The final line: how many items, in how long, at which rate."""
        with self._lock:
            if self._report is None:
                return
            elapsed = self._clock() - self._start
            line = f"{self.label}: {self._done:,}/{self.total:,} done in {_duration(elapsed)}"
            if elapsed > 0 and self._done:
                line += f", {_rate(self._done, elapsed)}"
            self._report(line + (f"; {note}" if note else ""))


def _rate(done: int, elapsed_s: float) -> str:
    """Items per second, or seconds per item when slower than one a second (the embedded LLM: ~4 s an answer)."""
    rate = done / elapsed_s
    return f"{rate:,.1f}/s" if rate >= 1 else f"{1 / rate:,.1f} s each"


def _duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"
