"""Do the tests find what is there and only that? Seeded synthetic data with a known answer, and the generated
cohort's planted structure. Power and false-positive rates are printed (pytest -s) and asserted."""
import numpy as np
import pandas as pd
import pytest

from personax_platform.sample.generator import generate_cohort
from personax_platform.stats import ATHLETE_FEATURES, CELEBRITY_FEATURES, TESTS, Variable, run_level1, trait_variable

ALPHA = 0.05
REPLICATES, N = 8, 300
PLANTED = {"t_square": "x", "t_tanh": "z", "t_job": "job", "t_face": "face", "t_month": "month"}
FEATURES = (Variable("x", "continuous"), Variable("z", "continuous"), Variable("job", "categorical"),
            Variable("face", "discrete"), Variable("month", "discrete"), Variable("x_null", "continuous"),
            Variable("job_null", "categorical"), Variable("face_null", "discrete"), Variable("month_null", "discrete"))


def _tertile(latent: np.ndarray) -> np.ndarray:
    """A 1..3 score from a latent trait, as the generator's reference scores are made."""
    return 1.0 + np.searchsorted(np.quantile(latent, [1 / 3, 2 / 3]), latent)


def _planted_frame(seed: int) -> pd.DataFrame:
    """Five scores, each depending on one feature (non-monotone, saturating, categorical, binary, seasonal)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "x": rng.normal(size=N), "z": np.round(rng.normal(size=N), 1), "job": rng.choice(list("abcdef"), N),
        "face": rng.choice([-1, 1], N), "month": rng.integers(1, 13, N), "x_null": rng.normal(size=N),
        "job_null": rng.choice(list("abcd"), N), "face_null": rng.choice([-1, 1], N),
        "month_null": rng.integers(1, 13, N),
    })
    job_effect = frame["job"].map(dict(zip("abcdef", (-1.0, -0.5, 0.0, 0.0, 0.5, 1.0))))
    noise = rng.normal(size=(5, N))
    frame["t_square"] = _tertile(frame["x"] ** 2 + 0.5 * noise[0])
    frame["t_tanh"] = _tertile(np.tanh(2 * frame["z"]) + 0.6 * noise[1])
    frame["t_job"] = _tertile(job_effect + 0.6 * noise[2])
    frame["t_face"] = _tertile(0.6 * frame["face"] + 0.6 * noise[3])
    frame["t_month"] = _tertile(np.cos(2 * np.pi * frame["month"] / 12) + 0.6 * noise[4])
    return frame


@pytest.fixture(scope="module")
def planted_results() -> pd.DataFrame:
    traits = [trait_variable(name) for name in PLANTED]
    runs = [run_level1(_planted_frame(seed), traits, FEATURES, dataset=f"synthetic-{seed}", alpha=ALPHA, seed=seed)
            for seed in range(REPLICATES)]
    results = pd.concat(runs, ignore_index=True)
    results["planted"] = [PLANTED[t] == f for t, f in zip(results["trait"], results["feature"])]
    return results[results["status"] == "ok"]


def test_planted_dependencies_are_found(planted_results):
    """Power per test: share of planted pairs with BH-adjusted p <= alpha (chi-square/G-square: discrete pairs)."""
    planted = planted_results[planted_results["planted"]]
    power = planted.groupby("test")["significant"].mean()
    print("\npower over", planted.groupby("test").size().to_dict(), "planted pairs:", power.round(3).to_dict())
    assert set(power.index) == set(TESTS)
    for test in ("kci", "hsic", "chisq", "gsq"):
        assert power[test] >= 0.95, test
    assert power["rcit"] >= 0.6  # five random Fourier features: the price of its speed


def test_pairs_without_a_planted_dependency_are_not_flagged_beyond_the_fdr_level(planted_results):
    null = planted_results[~planted_results["planted"]]
    fpr = null.groupby("test")["significant"].mean()
    discoveries = planted_results.groupby("test")["significant"].sum()
    fdp = null.groupby("test")["significant"].sum() / discoveries  # too few discoveries to assert it at alpha
    print("\nfalse-positive rate over", null.groupby("test").size().to_dict(), "null pairs:", fpr.round(4).to_dict(),
          "false-discovery proportion:", fdp.round(4).to_dict())
    assert (fpr <= ALPHA).all()


def test_independent_pairs_have_calibrated_raw_p_values_and_no_fdr_discoveries():
    """Complete null, many pairs: raw p <= alpha about alpha of the time; after BH essentially never."""
    rng = np.random.default_rng(2026)
    n, n_traits = 200, 10
    frame = pd.DataFrame({f"t{i}": rng.integers(1, 4, n).astype(float) for i in range(n_traits)})
    features = []
    for j in range(5):
        frame[f"c{j}"], frame[f"m{j}"] = rng.normal(size=n), rng.integers(1, 13, n)
        frame[f"k{j}"], frame[f"f{j}"] = rng.choice(list("abcde"), n), rng.choice([-1, 1], n)
        features += [Variable(f"c{j}", "continuous"), Variable(f"m{j}", "discrete"),
                     Variable(f"k{j}", "categorical"), Variable(f"f{j}", "discrete")]
    traits = [trait_variable(f"t{i}") for i in range(n_traits)]
    results = run_level1(frame, traits, features, dataset="null", alpha=ALPHA, seed=1)
    ok = results[results["status"] == "ok"]
    raw, adjusted = ok.groupby("test")["significant_raw"].mean(), ok.groupby("test")["significant"].mean()
    size = ok.groupby("test").size()
    print("\nraw rejection rate over", size.to_dict(), "independent pairs:", raw.round(4).to_dict(),
          "after BH:", adjusted.round(4).to_dict())
    assert (adjusted <= ALPHA).all()
    tolerance = 2.5 * np.sqrt(ALPHA * (1 - ALPHA) / size)  # binomial noise around alpha
    assert (raw <= ALPHA + tolerance).all()


def test_generated_cohort_dependencies_are_found_and_its_independent_features_are_not():
    """sample_data/README.md: occupation and gender shift the traits; birth month/day, day of year, Big_Lips and
    Narrow_Eyes are independent of every trait."""
    people, truth = generate_cohort("celebpersona", n=800)
    traits = [trait_variable(f"{t}_score") for t in ("openness", "conscientiousness", "extraversion",
                                                      "agreeableness", "neuroticism")]
    features = [v for v in CELEBRITY_FEATURES if v.name not in ("day_sin", "day_cos")]  # not in the generator
    results = run_level1(people, traits, features, dataset="celebpersona", alpha=ALPHA)
    ok = results[results["status"] == "ok"]
    independent = truth["planted_structure"]["features_independent_of_all_traits"] + \
        truth["planted_structure"]["face_attributes_independent_of_everything"]
    assert not ok[ok["feature"].isin(independent)]["significant"].any()
    for trait, feature in (("agreeableness_score", "gender"), ("neuroticism_score", "gender"),
                           ("openness_score", "occupation"), ("conscientiousness_score", "occupation")):
        found = ok[(ok["trait"] == trait) & (ok["feature"] == feature)].set_index("test")["significant"]
        assert found.all() and set(found.index) == set(TESTS), (trait, feature, found.to_dict())


def test_generated_athletes_league_dependence_is_found_and_agreeableness_depends_on_nothing():
    """sample_data/README.md: conscientiousness = league effect + noise; agreeableness is pure noise."""
    people, _ = generate_cohort("athlepersona", per_league=60)
    traits = [trait_variable("conscientiousness_score"), trait_variable("agreeableness_score")]
    results = run_level1(people, traits, ATHLETE_FEATURES, dataset="athlepersona", alpha=ALPHA)
    ok = results[results["status"] == "ok"]
    league = ok[(ok["trait"] == "conscientiousness_score") & (ok["feature"] == "league")]
    assert league["significant"].all() and set(league["test"]) == set(TESTS)
    assert not ok[ok["trait"] == "agreeableness_score"]["significant"].any()
