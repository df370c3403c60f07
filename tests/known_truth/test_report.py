"""validate() over every section and the one-page report: verdicts, sections, and sections that were not run."""
import numpy as np
import pandas as pd
import polars as pl

from personax_platform.known_truth import TITLE, oracle_graph, planted_pairs, render_report, validate
from personax_platform.stats import ATHLETE_FEATURES, TESTS
from personax_platform.traits.aggregate import aggregate_scores
from personax_platform.traits.constants import TRAITS
from personax_platform.traits.inference import long_scores

N = 300


def aggregated(scores: pd.DataFrame) -> pd.DataFrame:
    """traits.aggregated_traits as the platform builds it from these trait_scores rows."""
    return aggregate_scores(long_scores(pl.from_pandas(scores))).to_pandas()


def _tables(seed: int = 0) -> dict[str, pd.DataFrame]:
    """Synthetic analysis tables whose answers are known: good raters, exactly the planted Level I pairs found,
    the oracle graph, text latents that are the traits reordered."""
    rng = np.random.default_rng(seed)
    truth = pd.DataFrame({"person_id": [f"p{i:03d}" for i in range(N)]})
    for trait in TRAITS:
        truth[trait] = rng.normal(size=N)
        truth[f"{trait}_score"] = 1 + np.searchsorted(np.quantile(truth[trait], [1 / 3, 2 / 3]), truth[trait])
    raters = []
    for model in ("rater_a", "rater_b", "rater_c"):  # each one step off a quarter of the time, independently
        off = {t: np.clip(truth[f"{t}_score"] + rng.choice([-1, 0, 0, 0, 0, 0, 0, 1], N), 1, 3) for t in TRAITS}
        raters.append(pd.DataFrame({"person_id": truth["person_id"], "model": model, "status": "ok", **off}))
    scores = pd.concat(raters, ignore_index=True)
    pairs = planted_pairs("athletes", TRAITS, [v.name for v in ATHLETE_FEATURES])
    tests = pd.concat([pairs[["trait", "feature"]].assign(model="aggregated", test=test, status="ok",
                                                          significant=pairs["dependent"]) for test in TESTS],
                      ignore_index=True)
    graph = pd.DataFrame([(e.source, e.target, e.type, True) for e in oracle_graph("athletes")],
                         columns=["from_node", "to_node", "type", "in_estimate"])
    split = np.where(np.arange(N) < 240, "train", "heldout")
    latents = pd.concat([pd.DataFrame({"person_id": truth["person_id"], "split": split, "block": "text",
                                       "latent": f"txt{j + 1}", "value": 2 * truth[trait]})
                         for j, trait in enumerate(reversed(TRAITS))], ignore_index=True)
    return {"truth": truth, "trait_scores": scores, "aggregated_traits": aggregated(scores),
            "independence_tests": tests, "observed_graph": graph, "crl_latents": latents}


def test_known_answers_pass_every_bound_and_the_report_says_so():
    tables = _tables()
    validation = validate("sim_athlepersona", "athletes", tables.pop("truth"), **tables)
    failed = validation.evaluation[~validation.evaluation["passed"]]
    assert validation.passed, failed.to_string()
    report = render_report(validation)
    assert report.startswith(f"# {TITLE}") and "not claims about people" in report
    assert "**Verdict: PASS**" in report and "FAIL" not in report
    for heading in ("## Trait scores", "## Level I: independence tests", "## Level I: observed causal graph",
                    "## Level II: text latents", "## Bounds"):
        assert heading in report
    assert "no photos" in report
    assert len(report.splitlines()) < 120  # one page, give or take


def test_an_analysis_that_was_not_run_fails_its_bounds_and_the_verdict():
    tables = _tables()
    validation = validate("sim_athlepersona", "athletes", tables["truth"], trait_scores=tables["trait_scores"],
                          aggregated_traits=tables["aggregated_traits"])
    assert not validation.passed
    missing = validation.evaluation[validation.evaluation["section"].isin(["level1", "graph", "level2"])]
    assert len(missing) and not missing["passed"].any()
    assert missing["note"].str.startswith("not computed").all()
    report = render_report(validation)
    assert "**Verdict: FAIL**" in report and report.count("_Not computed") == 3
