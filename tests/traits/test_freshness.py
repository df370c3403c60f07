"""What a partition still owes the active prompt: stale, never-rated and failed person × model pairs."""
from __future__ import annotations

import polars as pl

from personax_platform.traits.freshness import inference_gaps

MODELS = ("alpha", "beta")


def texts(*rows: tuple[str, str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["person_id", "model", "prompt_sha", "status"], orient="row")


def test_a_partition_never_materialized_owes_every_pair():
    gaps = inference_gaps(None, ["p1", "p2"], "new", MODELS)
    assert (gaps.expected, gaps.unrated, gaps.stale, gaps.failed, gaps.needs_run) == (4, 4, 0, 0, True)


def test_answers_from_the_active_prompt_for_everyone_are_up_to_date():
    done = texts(("p1", "alpha", "new", "ok"), ("p1", "beta", "new", "ok"))
    gaps = inference_gaps(done, ["p1"], "new", MODELS)
    assert not gaps.needs_run and gaps.describe() == "up to date"


def test_old_prompt_answers_are_stale_new_people_unrated_and_failed_calls_counted():
    rows = texts(("p1", "alpha", "old", "ok"), ("p1", "beta", "old", "ok"), ("p1", "beta", "new", "ok"),
                 ("p2", "alpha", "new", "failed"), ("p2", "beta", "new", "ok"))
    gaps = inference_gaps(rows, ["p1", "p2", "p3"], "new", MODELS)
    assert (gaps.stale, gaps.unrated, gaps.failed) == (1, 2, 1)
    assert gaps.describe() == "1 stale (earlier prompt only), 2 never rated, 1 failed of 6 person × model pairs"


def test_rows_of_removed_people_or_models_are_not_owed():
    rows = texts(("gone", "alpha", "old", "ok"), ("p1", "retired_model", "old", "failed"),
                 ("p1", "alpha", "new", "ok"), ("p1", "beta", "new", "ok"))
    assert not inference_gaps(rows, ["p1"], "new", MODELS).needs_run
