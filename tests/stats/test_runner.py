import json

import numpy as np
import pandas as pd
import pytest
from causallearn.utils.KCI.KCI import KCI_UInd

from personax_platform.stats import tests as T
from personax_platform.stats.kernels import KernelCache
from personax_platform.stats.fdr import benjamini_hochberg
from personax_platform.stats.runner import RESULT_COLUMNS, Variable, run_level1, trait_variable
from tests.stats import delta_kernel, gaussian_kernel, reference_hsic, reference_kci

N = 150
SCORE = trait_variable("score")
MODEL_SCORE = trait_variable("model_score", per_model=True)
HEIGHT, MONTH, JOB = Variable("height", "continuous"), Variable("month", "discrete"), Variable("job", "categorical")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """A trait with halves and NaN, a per-model score with 0 = missing, and features with their own missing rows."""
    rng = np.random.default_rng(21)
    height = np.round(rng.normal(175, 9, N))
    score = np.clip(np.round(2 + (height - 175) / 9 + rng.normal(0, 0.7, N)) + 0.5 * (rng.uniform(size=N) < 0.5), 1, 3)
    score[rng.uniform(size=N) < 0.1] = np.nan
    height[rng.uniform(size=N) < 0.15] = np.nan
    model_score = rng.integers(0, 4, N)  # 0 = insufficient information
    job = rng.choice(["actor", "singer", "writer"], N).astype(object)
    job[rng.uniform(size=N) < 0.05] = None
    return pd.DataFrame({"score": score, "model_score": model_score, "height": height,
                         "month": rng.integers(1, 13, N), "job": job, "constant": np.full(N, 2.0)})


def _row(results: pd.DataFrame, trait: str, feature: str, test: str) -> pd.Series:
    match = results[(results["trait"] == trait) & (results["feature"] == feature) & (results["test"] == test)]
    assert len(match) == 1
    return match.iloc[0]


def test_results_record_test_statistic_p_n_parameters_seed_library_status_and_reason(frame):
    results = run_level1(frame, [SCORE], [HEIGHT, MONTH, JOB], dataset="demo", seed=5)
    assert tuple(results.columns) == RESULT_COLUMNS
    assert len(results) == 3 * len(T.TESTS)
    ok = results[results["status"] == "ok"]
    assert ok["p_value"].between(0, 1).all() and ok["statistic"].notna().all() and ok["reason"].isna().all()
    assert (results["seed"] == 5).all() and (results["dataset"] == "demo").all()
    kci = _row(results, "score", "height", "kci")
    assert kci["n"] == int((frame["score"].notna() & frame["height"].notna()).sum())
    assert json.loads(kci["parameters"])["kernel_x"] == "gaussian"
    assert json.loads(_row(results, "score", "job", "hsic")["parameters"])["kernel_y"] == "delta"
    assert T.CAUSAL_LEARN_VERSION in _row(results, "score", "job", "rcit")["library"]


def test_per_model_zero_scores_are_missing_and_dropped_per_pair_with_n_recorded(frame):
    results = run_level1(frame, [MODEL_SCORE], [MONTH, JOB], dataset="demo", tests=["kci"])
    rated = frame["model_score"] != 0
    assert _row(results, "model_score", "month", "kci")["n"] == rated.sum()
    assert _row(results, "model_score", "job", "kci")["n"] == (rated & frame["job"].notna()).sum()


def test_constant_column_gives_nan_with_a_reason_for_every_test(frame):
    results = run_level1(frame, [SCORE], [Variable("constant", "discrete")], dataset="demo")
    assert (results["status"] == "undefined").all()
    assert results["p_value"].isna().all() and results["p_adjusted"].isna().all()
    assert results["significant"].isna().all()
    assert results["reason"].str.contains("constant column: 'constant'").all()


def test_a_column_constant_only_on_the_pairs_rows_is_undefined_for_that_pair_alone():
    frame = pd.DataFrame({"t": [1.0, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3],
                          "f": [5.0, 5, 5, 5, 5, 5, 5, 5, 5, 5, np.nan, 7],
                          "g": np.arange(12.0)})
    results = run_level1(frame, [Variable("t", "discrete")], [Variable("f", "continuous"), Variable("g", "continuous")],
                         dataset="demo", tests=["kci"])
    assert _row(results, "t", "f", "kci")["status"] == "ok"  # 7 makes f vary on its 11 rows
    frame.loc[11, "t"] = np.nan
    results = run_level1(frame, [Variable("t", "discrete")], [Variable("f", "continuous")], dataset="demo",
                         tests=["kci"])
    assert _row(results, "t", "f", "kci")["reason"].startswith("constant column: 'f'")


def test_too_few_rows_gives_nan_with_a_reason(frame):
    sparse = frame.assign(height=np.where(np.arange(N) < 6, frame["height"].fillna(170), np.nan))
    results = run_level1(sparse, [SCORE], [HEIGHT], dataset="demo", min_rows=10)
    assert (results.query("test != 'chisq' and test != 'gsq'")["status"] == "undefined").all()
    assert results["p_value"].isna().all()
    assert results.query("test == 'kci'")["reason"].iloc[0].startswith("too few rows:")


def test_a_test_that_raises_gives_nan_with_the_exception_as_reason_never_zero(frame, monkeypatch):
    def broken(*_args, **_kwargs):
        raise np.linalg.LinAlgError("Matrix is not positive definite")

    monkeypatch.setattr(T, "rcit", broken)
    results = run_level1(frame, [SCORE], [HEIGHT, MONTH], dataset="demo")
    rcit = results[results["test"] == "rcit"]
    assert (rcit["status"] == "failed").all() and rcit["p_value"].isna().all()
    assert rcit["reason"].str.contains("LinAlgError: Matrix is not positive definite").all()
    assert (results[results["test"] == "kci"]["status"] == "ok").all()  # one failing test does not stop the others


def test_a_non_finite_p_value_is_a_failure_not_a_number(frame, monkeypatch):
    monkeypatch.setattr(T, "hsic", lambda _moments: T.TestOutcome(1.0, float("nan")))
    results = run_level1(frame, [SCORE], [HEIGHT], dataset="demo", tests=["hsic"])
    row = _row(results, "score", "height", "hsic")
    assert row["status"] == "failed" and np.isnan(row["p_value"]) and "p = nan" in row["reason"]


def test_chi_square_and_g_square_are_skipped_for_continuous_pairs_with_the_reason(frame):
    results = run_level1(frame, [SCORE], [HEIGHT, MONTH, JOB], dataset="demo", tests=["chisq", "gsq"])
    skipped = results[results["feature"] == "height"]
    assert (skipped["status"] == "skipped").all() and skipped["p_value"].isna().all()
    assert skipped["reason"].str.contains("needs two discrete variables; \\['height'\\] continuous").all()
    assert (results[results["feature"] != "height"]["status"] == "ok").all()


def test_cached_kernels_give_the_same_p_values_as_recomputing_every_pair_from_scratch(frame):
    """Each pair's own rows, kernels rebuilt densely from the raw values with the variable's width."""
    features = [HEIGHT, MONTH, JOB]
    results = run_level1(frame, [SCORE, MODEL_SCORE], features, dataset="demo", tests=["kci", "hsic"])
    uncached = run_level1(frame, [SCORE, MODEL_SCORE], features, dataset="demo", tests=["kci", "hsic"],
                          cache=KernelCache(budget_bytes=0))  # every pair rebuilds both kernels
    pd.testing.assert_series_equal(results["p_value"], uncached["p_value"])
    values = frame.assign(model_score=frame["model_score"].replace(0, np.nan))
    for _, row in results.iterrows():
        x, y = values[row["trait"]], values[row["feature"]]
        both = x.notna() & y.notna()
        params = json.loads(row["parameters"])
        # the variable's width on its own standardised scale, re-expressed on the pair's standardised scale
        kx = gaussian_kernel(x[both], params["width_x"] * x.std() / x[both].std())
        ky = (delta_kernel(y[both].astype(str)) if params["kernel_y"] == "delta"
              else gaussian_kernel(y[both], params["width_y"] * y.std() / y[both].std()))
        if row["test"] == "kci" and params["kernel_y"] == "gaussian":
            p, _ = KCI_UInd(est_width="manual", kwidthx=params["width_x"] * x.std() / x[both].std(),
                            kwidthy=params["width_y"] * y.std() / y[both].std()).compute_pvalue(
                x[both].to_numpy()[:, None], y[both].to_numpy(dtype=float)[:, None])
        elif row["test"] == "kci":
            _, p = reference_kci(kx, ky)
        else:
            _, p = reference_hsic(kx, ky)
        assert row["p_value"] == pytest.approx(p, rel=1e-8, abs=1e-12), (row["trait"], row["feature"], row["test"])


def test_progress_counts_trait_feature_pairs_and_changes_no_result(frame):
    lines: list[str] = []
    reported = run_level1(frame, [SCORE, MODEL_SCORE], [HEIGHT, MONTH, JOB], dataset="demo", tests=["chisq"],
                          progress=lines.append)
    assert all(line.startswith("Level I trait × feature pairs: ") for line in lines)
    assert lines[-1].startswith("Level I trait × feature pairs: 6/6 done in ")
    silent = run_level1(frame, [SCORE, MODEL_SCORE], [HEIGHT, MONTH, JOB], dataset="demo", tests=["chisq"])
    pd.testing.assert_frame_equal(reported, silent)


def test_fdr_adjusts_each_test_separately_within_the_dataset(frame):
    results = run_level1(frame, [SCORE, MODEL_SCORE], [HEIGHT, MONTH, JOB], dataset="demo")
    for _, group in results.groupby("test"):
        np.testing.assert_allclose(group["p_adjusted"], benjamini_hochberg(group["p_value"]))


def test_alpha_is_a_parameter_of_both_significance_columns(frame):
    strict = run_level1(frame, [SCORE], [HEIGHT, MONTH], dataset="demo", tests=["kci"], alpha=1e-6)
    loose = run_level1(frame, [SCORE], [HEIGHT, MONTH], dataset="demo", tests=["kci"], alpha=0.99)
    assert (strict["alpha"] == 1e-6).all()
    assert loose["significant"].all() and loose["significant_raw"].all()
    assert strict["significant"].sum() <= strict["significant_raw"].sum() < 2


def test_rcit_is_reproducible_from_the_seed(frame):
    def p(seed: int) -> float:
        return _row(run_level1(frame, [SCORE], [HEIGHT], dataset="demo", tests=["rcit"], seed=seed),
                    "score", "height", "rcit")["p_value"]
    assert p(1) == p(1) != p(2)


def test_bad_requests_are_rejected_before_anything_runs(frame):
    with pytest.raises(ValueError, match="unknown tests"):
        run_level1(frame, [SCORE], [HEIGHT], dataset="demo", tests=["fisherz"])
    with pytest.raises(KeyError, match="nope"):
        run_level1(frame, [SCORE], [Variable("nope", "continuous")], dataset="demo")
    with pytest.raises(ValueError, match="'job' is declared continuous but is not numeric"):
        run_level1(frame, [SCORE], [Variable("job", "continuous")], dataset="demo")
