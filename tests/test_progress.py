"""Progress lines of long steps: done/total, rate and time left, throttled, a final line; on a fake clock (never
timed), and from many threads at once."""
from __future__ import annotations

import itertools
import threading

from personax_platform.progress import Progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _progress(total: int, every_s: float = 10.0) -> tuple[Progress, list[str], FakeClock]:
    lines: list[str] = []
    clock = FakeClock()
    return Progress(total, "trait_texts nba", lines.append, every_s=every_s, clock=clock), lines, clock


def test_a_line_says_done_of_total_the_share_the_rate_and_the_time_left():
    progress, lines, clock = _progress(3000)
    clock.now += 24.9
    progress.advance(1200)
    assert lines == ["trait_texts nba: 1,200/3,000 (40%), 48.2/s, about 37 s left"]


def test_a_slow_step_gives_seconds_per_item_and_long_waits_in_minutes_and_hours():
    progress, lines, clock = _progress(10_000)
    clock.now += 13.0
    progress.advance(2)  # the embedded LLM: ~6.5 s an answer
    clock.now += 5_187.0
    progress.advance(798)
    assert lines == ["trait_texts nba: 2/10,000 (0%), 6.5 s each, about 18 h 3 min left",
                     "trait_texts nba: 800/10,000 (8%), 6.5 s each, about 16 h 36 min left"]
    clock.now += 600.0
    progress.advance(8_000)
    assert lines[-1] == "trait_texts nba: 8,800/10,000 (88%), 1.5/s, about 13 min 11 s left"


def test_lines_come_at_most_every_interval_however_often_items_finish():
    progress, lines, clock = _progress(1000)
    for _ in range(39):
        clock.now += 0.25
        progress.advance()
    assert lines == []  # 9.75 s: not yet
    clock.now += 0.25
    progress.advance()
    clock.now += 9.0
    progress.advance()
    assert [line.split(" (")[0] for line in lines] == ["trait_texts nba: 40/1,000"]
    clock.now += 1.0
    progress.advance()
    assert [line.split(" (")[0] for line in lines] == ["trait_texts nba: 40/1,000", "trait_texts nba: 42/1,000"]


def test_the_final_line_says_the_total_the_time_taken_and_the_rate_once():
    progress, lines, clock = _progress(3000)
    clock.now += 62.0
    progress.advance(3000)  # the last item: its line is the final one
    progress.finish()
    assert lines == ["trait_texts nba: 3,000/3,000 done in 1 min 2 s, 48.4/s"]


def test_a_note_ends_the_line_and_nothing_done_still_gives_a_final_line():
    progress, lines, clock = _progress(300)
    clock.now += 10.0
    progress.advance(note="loss train 1.234, held-out 1.456")
    assert lines == ["trait_texts nba: 1/300 (0%), 10.0 s each, about 49 min 50 s left; "
                     "loss train 1.234, held-out 1.456"]
    empty, empty_lines, _ = _progress(0)
    empty.finish()
    assert empty_lines == ["trait_texts nba: 0/0 done in 0.0 s"]


def test_without_a_report_progress_counts_silently():
    progress = Progress(5, "quiet", None, every_s=0.0)
    progress.advance(4)
    progress.finish()  # nothing to call, nothing raised


def test_items_finishing_on_many_threads_are_all_counted_and_lines_stay_in_order():
    lines: list[str] = []
    ticks = itertools.count()  # a clock that moves at every reading: with every_s=0 each advance may report
    progress = Progress(8 * 500, "faces", lines.append, every_s=0.0, clock=lambda: float(next(ticks)))

    def work() -> None:
        for _ in range(500):
            progress.advance()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    progress.finish()
    counts = [int(line.split(": ")[1].split("/")[0].replace(",", "")) for line in lines]
    assert counts == list(range(1, 8 * 500)) + [8 * 500]  # one line per item but the last, then the final one
    assert lines[-1].startswith("faces: 4,000/4,000 done in ")
