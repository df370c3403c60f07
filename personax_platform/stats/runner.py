"""Level I (docs/paper.md §3): every test for every trait x feature pair of one dataset, FDR-adjusted per test.

Rows with a missing value are dropped per pair and the pair's n is recorded. A test that cannot give a p-value
— too few rows, a column that is constant on the pair's rows, an exception, a non-finite result — gets p = NaN,
status "undefined" or "failed" and the reason; never p = 0 (the official notebook recorded a failed RCIT as 0,
i.e. as a strong dependence). Chi-square and G-square are "skipped" unless both variables are discrete.
Benjamini–Hochberg adjusts the defined p-values per test (one call = one dataset); `significant` uses the
adjusted p at `alpha`, `significant_raw` the raw p (the paper's heatmaps binarise raw p at 0.05).
"""
from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from personax_platform.bios.schema import FACE_ATTRIBUTES
from personax_platform.progress import Progress, Report
from personax_platform.stats import tests as T
from personax_platform.stats.fdr import benjamini_hochberg
from personax_platform.stats.kernels import (
    EncodedVariable, KernelCache, KernelMoments, encode_categorical, encode_numeric, kernel_moments,
)

Kind = Literal["continuous", "discrete", "categorical"]
MIN_ROWS = 10  # below this a p-value from an asymptotic approximation means nothing; HSIC needs m > 5 at least
OK, UNDEFINED, FAILED, SKIPPED = "ok", "undefined", "failed", "skipped"
RESULT_COLUMNS = ("dataset", "trait", "feature", "test", "status", "reason", "n", "statistic", "p_value",
                  "p_adjusted", "alpha", "significant", "significant_raw", "parameters", "seed", "library")


@dataclass(frozen=True)
class Variable:
    """A column and how to test it: continuous and discrete (ordinal) variables get a Gaussian kernel,
    categorical ones a delta kernel; chi-square/G-square need both variables discrete or categorical.
    `missing_values` are codes that mean "no value" (per-model trait scores use 0 for "insufficient information").
    """

    name: str
    kind: Kind
    missing_values: tuple[float, ...] = ()

    @property
    def discrete(self) -> bool:
        return self.kind != "continuous"


def trait_variable(column: str, per_model: bool = False) -> Variable:
    """A trait score: aggregated scores are 1..3 in halves (NaN = missing); per-model scores 0..3 with 0 missing."""
    return Variable(column, "discrete", (0,) if per_model else ())


_C, _D, _CAT = "continuous", "discrete", "categorical"
ATHLETE_FEATURES: tuple[Variable, ...] = (
    Variable("birth_year", _C), Variable("birth_month", _D), Variable("birth_day", _D), Variable("league", _CAT),
    Variable("latitude", _C), Variable("longitude", _C), Variable("height_cm", _C), Variable("weight_kg", _C),
)
CELEBRITY_FEATURES: tuple[Variable, ...] = (
    Variable("height_cm", _C), Variable("weight_kg", _C), Variable("birth_year", _C), Variable("birth_month", _D),
    Variable("birth_day", _D), Variable("day_of_year", _C), Variable("day_sin", _C), Variable("day_cos", _C),
    Variable("latitude", _C), Variable("longitude", _C), Variable("occupation", _CAT), Variable("gender", _CAT),
    *(Variable(attribute, _D) for attribute in FACE_ATTRIBUTES),
)
LEVEL1_FEATURES = {"athletes": ATHLETE_FEATURES, "celebrities": CELEBRITY_FEATURES}  # per dataset kind


def run_level1(frame: pd.DataFrame, traits: Sequence[Variable], features: Sequence[Variable], *, dataset: str,
               tests: Sequence[str] = T.TESTS, alpha: float = 0.05, seed: int = 0, min_rows: int = MIN_ROWS,
               cache: KernelCache | None = None, progress: Report | None = None) -> pd.DataFrame:
    """One row per trait x feature x test (RESULT_COLUMNS), for one dataset (one row of `frame` per person).

    Each variable is encoded and its kernel built once, then reused by every pair it enters (kernels.py); pass a
    `cache` to set its memory budget or read its statistics. `seed` drives RCIT (a seed per pair derived from it)
    and the kernel width of variables with very many distinct values. `progress` gets lines on the pairs tested
    (minutes on big cohorts).
    """
    unknown = sorted(set(tests) - set(T.TESTS))
    if unknown:
        raise ValueError(f"unknown tests {unknown}; expected a subset of {list(T.TESTS)}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    variables = {v.name: v for v in (*traits, *features)}
    absent = [name for name in variables if name not in frame.columns]
    if absent:
        raise KeyError(f"columns {absent} are not in the frame (it has {list(frame.columns)})")
    encoded = {name: _encode(frame[name], v, seed) for name, v in variables.items()}
    cache = cache if cache is not None else KernelCache()
    pairs = Progress(len(traits) * len(features), "Level I trait × feature pairs", progress)
    records: list[dict] = []
    # One BLAS thread: the products here are small (u x u Grams, RCIT's 25 features), and on a busy 2-core machine
    # a second thread made the whole run 2.4 times slower.
    with threadpool_limits(limits=1, user_api="blas"):
        for trait in traits:
            for feature in features:
                records += _pair_records(encoded[trait.name], trait, encoded[feature.name], feature, tests, cache,
                                         seed, min_rows)
                pairs.advance()
    pairs.finish()
    results = pd.DataFrame.from_records(records, columns=list(RESULT_COLUMNS))
    results["dataset"], results["alpha"] = dataset, alpha
    results["n"] = results["n"].astype("int64")
    results[["statistic", "p_value"]] = results[["statistic", "p_value"]].astype(float)
    results["p_adjusted"] = results.groupby("test", sort=False)["p_value"].transform(benjamini_hochberg)
    results["significant"] = _at_most(results["p_adjusted"], alpha)
    results["significant_raw"] = _at_most(results["p_value"], alpha)
    return results


def _at_most(p: pd.Series, alpha: float) -> pd.Series:
    """p <= alpha as a nullable boolean: NA where the test gave no p-value."""
    return (p <= alpha).astype("boolean").mask(p.isna())


def _encode(column: pd.Series, variable: Variable, seed: int) -> EncodedVariable:
    values = column.mask(column.isin(variable.missing_values)) if variable.missing_values else column
    if variable.kind == "categorical":
        return encode_categorical(variable.name, values.to_numpy(dtype=object))
    try:
        numeric = pd.to_numeric(values).to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"column '{variable.name}' is declared {variable.kind} but is not numeric: {exc}") from exc
    return encode_numeric(variable.name, numeric, seed)


def pair_seed(seed: int, x: str, y: str) -> int:
    """A per-pair seed that depends only on the run's seed and the two names (stable across runs and processes)."""
    return (seed * 1_000_003 + zlib.crc32(f"{x}\x1f{y}".encode())) % 2**32


def _undefined_reason(x: EncodedVariable, y: EncodedVariable, rows: np.ndarray, min_rows: int) -> str | None:
    n = len(rows)
    if n < min_rows:
        return f"too few rows: {n} with both '{x.name}' and '{y.name}' present, at least {min_rows} needed"
    for var in (x, y):
        codes = var.codes[rows]
        if codes.min() == codes.max():
            return f"constant column: '{var.name}' takes a single value in the {n} rows where both are present"
    return None


def _pair_records(x: EncodedVariable, xv: Variable, y: EncodedVariable, yv: Variable, tests: Sequence[str],
                  cache: KernelCache, seed: int, min_rows: int) -> list[dict]:
    rows = np.flatnonzero((x.codes >= 0) & (y.codes >= 0))
    undefined = _undefined_reason(x, y, rows, min_rows)
    moments: list[KernelMoments] = []  # computed at most once per pair, shared by KCI and HSIC

    def kernel_test(fn: Callable[[KernelMoments], T.TestOutcome]) -> Callable[[], T.TestOutcome]:
        def run() -> T.TestOutcome:
            if not moments:
                moments.append(kernel_moments(x, y, rows, cache))
            outcome = fn(moments[0])
            outcome.parameters.update(kernel_x=x.kernel_name, width_x=x.width, kernel_y=y.kernel_name,
                                      width_y=y.width)
            return outcome
        return run

    runners: dict[str, Callable[[], T.TestOutcome]] = {
        T.KCI: kernel_test(T.kci),
        T.HSIC: kernel_test(T.hsic),
        T.RCIT: lambda: T.rcit(_rcit_input(x, rows), _rcit_input(y, rows), pair_seed(seed, x.name, y.name)),
        T.CHISQ: lambda: T.chi_square(x.codes[rows], y.codes[rows]),
        T.GSQ: lambda: T.g_square(x.codes[rows], y.codes[rows]),
    }
    records = []
    for test in tests:
        record = {"trait": x.name, "feature": y.name, "test": test, "n": len(rows), "statistic": np.nan,
                  "p_value": np.nan, "parameters": "{}", "seed": seed, "library": T.LIBRARY[test]}
        continuous = [v.name for v in (xv, yv) if not v.discrete]
        if test in T.CONTINGENCY_TESTS and continuous:
            record.update(status=SKIPPED, reason=f"{test} needs two discrete variables; {continuous} continuous")
        elif undefined:
            record.update(status=UNDEFINED, reason=undefined)
        else:
            record.update(_outcome_fields(runners[test]))
        records.append(record)
    return records


def _outcome_fields(run: Callable[[], T.TestOutcome]) -> dict:
    try:
        outcome = run()
    except Exception as exc:  # noqa: BLE001 - any failure of one test must become NaN with its reason, not abort
        return {"status": FAILED, "reason": f"{type(exc).__name__}: {exc}"}
    parameters = {k: None if isinstance(v, float) and np.isnan(v) else v for k, v in outcome.parameters.items()}
    fields = {"statistic": outcome.statistic, "parameters": json.dumps(parameters, default=float)}
    if not (np.isfinite(outcome.p_value) and 0 <= outcome.p_value <= 1):
        return {**fields, "status": FAILED, "reason": f"the test returned p = {outcome.p_value}"}
    return {**fields, "status": OK, "reason": None, "p_value": outcome.p_value}


def _rcit_input(var: EncodedVariable, rows: np.ndarray) -> np.ndarray:
    """The values as one column; categories one-hot over those present (RIT standardises every column itself)."""
    if not var.categorical:
        return var.raw_levels[var.codes[rows]][:, None]
    _, present = np.unique(var.codes[rows], return_inverse=True)
    return np.eye(present.max() + 1)[present]
