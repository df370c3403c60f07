"""Validate a pandas DataFrame against a Great Expectations 1.x suite stored as JSON, without Dagster.

Suites live in ``expectations/suites/<asset key path joined by '.'>.json`` in GX's own serialisation
(``ExpectationSuite.to_json_dict()``), so they load with ``ExpectationSuite(**json)`` and dump back unchanged. Values that
come from configuration are GX suite parameters (``{"$PARAMETER": "leagues"}``) and are supplied per validation.

Great Expectations is imported on the first validation only (the import takes seconds); the ephemeral Data Context,
its pandas data source and whole-DataFrame batch definition are built once per process and reused.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import math
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SUITES_DIR = Path(__file__).resolve().parent / "suites"
PARAMETER_KEY = "$PARAMETER"
MAX_EXAMPLES = 5
# GX samples this many offending values per expectation; we keep the first MAX_EXAMPLES distinct ones.
_PARTIAL_UNEXPECTED_COUNT = 20
# Put into each expectation's meta on the in-memory copy so results (which GX does not return in suite order) can be
# matched back to the suite definition.
_INDEX_META_KEY = "personax_index"
_NO_EXAMPLE_TYPES = frozenset({"expect_column_values_to_not_be_null"})


@dataclass(frozen=True)
class FailedExpectation:
    """One expectation that did not hold (or could not be evaluated, then ``error`` says why)."""

    expectation_type: str
    column: str | None
    kwargs: str  # the expectation's arguments in short, suite parameters shown as $name
    unexpected_count: int | None
    unexpected_percent: float | None  # of the non-null values, as GX reports it
    examples: list[Any]  # up to MAX_EXAMPLES distinct offending values (for table expectations: what differed)
    note: str | None  # the expectation's meta.notes
    error: str | None = None

    def describe(self) -> str:
        """One sentence in words, e.g. ``height_cm: column values to be between (min_value=140.0, ...) - ...``."""
        subject = self.column if self.column is not None else "table"
        what = self.expectation_type.removeprefix("expect_").replace("_", " ")
        text = f"{subject}: expected {what}" + (f" ({self.kwargs})" if self.kwargs else "")
        if self.error:
            return f"{text} could not be evaluated: {self.error}"
        if self.unexpected_count is not None:
            pct = f" ({self.unexpected_percent:.1f}%)" if self.unexpected_percent is not None else ""
            plural = "" if self.unexpected_count == 1 else "s"
            text += f"; {self.unexpected_count} unexpected value{plural}{pct}"
        else:
            text += "; not met"
        if self.examples:
            text += ", e.g. " + ", ".join(_short(v) for v in self.examples)
        return text + "."


@dataclass(frozen=True)
class SuiteOutcome:
    """The result of validating one DataFrame against one suite."""

    suite_name: str
    success: bool
    evaluated: int
    failed: list[FailedExpectation] = field(default_factory=list)
    row_count: int = 0

    @property
    def failed_count(self) -> int:
        return len(self.failed)

    def describe(self) -> str:
        """A paragraph in words: which expectations failed and how."""
        if self.success:
            return f"All {self.evaluated} expectations of suite {self.suite_name} passed on {self.row_count} rows."
        lines = [
            f"{self.failed_count} of {self.evaluated} expectations of suite {self.suite_name} failed "
            f"on {self.row_count} rows:"
        ]
        lines += [f"- {f.describe()}" for f in self.failed]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------- suites


def load_suite_definition(path: Path | str) -> dict:
    """Read a suite file (GX's ExpectationSuite JSON). Checks the shape only; GX checks the rest on validation."""
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        definition = json.load(fh)
    if not isinstance(definition, dict) or not isinstance(definition.get("name"), str):
        raise ValueError(f"{path}: not a Great Expectations suite (needs a 'name')")
    expectations = definition.get("expectations")
    if not isinstance(expectations, list) or not all(
        isinstance(e, dict) and isinstance(e.get("type"), str) and isinstance(e.get("kwargs"), dict)
        for e in expectations
    ):
        raise ValueError(f"{path}: 'expectations' must be a list of {{type, kwargs}} objects")
    return definition


def suite_parameter_names(definition: Mapping[str, Any]) -> set[str]:
    """The suite parameters (``{"$PARAMETER": name}``) a suite definition needs."""
    names: set[str] = set()
    for expectation in definition.get("expectations", []):
        for value in expectation.get("kwargs", {}).values():
            if isinstance(value, Mapping) and PARAMETER_KEY in value:
                names.add(str(value[PARAMETER_KEY]))
    return names


def build_suite(definition: Mapping[str, Any]) -> Any:
    """A ``great_expectations.ExpectationSuite`` from a definition; fails loudly where GX would drop an expectation.

    (``ExpectationSuite(expectations=[...])`` only logs and skips an expectation of unknown type.)
    """
    import great_expectations as gx

    expectations = definition.get("expectations", [])
    suite = gx.ExpectationSuite(**definition)
    if len(suite.expectations) != len(expectations):
        known = {e.expectation_type for e in suite.expectations}
        dropped = sorted({e["type"] for e in expectations} - known) or "(see GX log)"
        raise ValueError(f"suite {definition.get('name')!r}: GX rejected expectation(s) {dropped}")
    return suite


# --------------------------------------------------------------------------------------------------- validation

_lock = threading.Lock()
_batch_definition: Any = None
_batch_definition_pid: int | None = None


def _get_batch_definition() -> Any:
    """The cached whole-DataFrame batch definition of a per-process ephemeral Data Context."""
    global _batch_definition, _batch_definition_pid
    if _batch_definition is None or _batch_definition_pid != os.getpid():
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        project_config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        )
        context = gx.get_context(mode="ephemeral", project_config=project_config)
        data_source = context.data_sources.add_pandas(name="personax")
        asset = data_source.add_dataframe_asset(name="dataframe")
        _batch_definition = asset.add_batch_definition_whole_dataframe("whole_dataframe")
        _batch_definition_pid = os.getpid()
    return _batch_definition


def validate_dataframe(df: pd.DataFrame, suite_path: Path | str, parameters: Mapping[str, Any]) -> SuiteOutcome:
    """Validate ``df`` against the suite at ``suite_path`` with the given suite parameter values.

    ``parameters`` must hold every ``$PARAMETER`` the suite uses (sets and tuples are fine); extra keys are ignored.
    An empty DataFrame with the right columns passes (column expectations hold vacuously); a DataFrame missing a
    column fails the column-set expectation and every expectation on that column (``error`` says why).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
    definition = load_suite_definition(suite_path)
    needed = suite_parameter_names(definition)
    missing = sorted(needed - set(parameters))
    if missing:
        raise ValueError(f"suite {definition['name']!r} needs suite parameter(s) {missing}; got {sorted(parameters)}")
    values = {name: _parameter_value(parameters[name]) for name in sorted(needed)}

    indexed = copy.deepcopy(definition)
    for i, expectation in enumerate(indexed["expectations"]):
        expectation["meta"] = {**(expectation.get("meta") or {}), _INDEX_META_KEY: i}

    with _lock:
        suite = build_suite(indexed)
        batch = _get_batch_definition().get_batch(batch_parameters={"dataframe": df})
        result = batch.validate(
            suite,
            expectation_parameters=values,
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": _PARTIAL_UNEXPECTED_COUNT},
        )

    failed: list[tuple[int, FailedExpectation]] = []
    for res in result.results:
        if res.success:
            continue
        config = res.expectation_config
        index = (config.meta or {}).get(_INDEX_META_KEY)
        raw = definition["expectations"][index] if isinstance(index, int) else config.to_json_dict()
        failed.append((index if isinstance(index, int) else len(definition["expectations"]),
                       _failed_expectation(raw, res)))
    failed.sort(key=lambda pair: pair[0])
    return SuiteOutcome(
        suite_name=definition["name"],
        success=bool(result.success),
        evaluated=int(result.statistics.get("evaluated_expectations", len(result.results))),
        failed=[f for _, f in failed],
        row_count=len(df),
    )


# ------------------------------------------------------------------------------------------------------- helpers


def _parameter_value(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, (tuple, pd.Index, pd.Series, np.ndarray)):
        return list(value)
    return value


def _failed_expectation(raw: Mapping[str, Any], res: Any) -> FailedExpectation:
    kwargs = raw.get("kwargs", {})
    result = res.result or {}
    error = _exception_message(res.exception_info)
    examples: list[Any] = []
    if not error:
        mismatched = (result.get("details") or {}).get("mismatched")
        if isinstance(mismatched, Mapping):  # expect_table_columns_to_match_set and friends
            examples = [f"missing {c}" for c in mismatched.get("missing") or []]
            examples += [f"unexpected {c}" for c in mismatched.get("unexpected") or []]
            examples = examples[:MAX_EXAMPLES]
        elif "partial_unexpected_list" in result:
            if raw.get("type") not in _NO_EXAMPLE_TYPES:
                examples = _distinct(result["partial_unexpected_list"])[:MAX_EXAMPLES]
        elif "observed_value" in result:
            examples = [_plain(result["observed_value"])]
    count = result.get("unexpected_count")
    percent = result.get("unexpected_percent")
    return FailedExpectation(
        expectation_type=str(raw.get("type")),
        column=kwargs.get("column"),
        kwargs=_summarise_kwargs(kwargs),
        unexpected_count=int(count) if count is not None else None,
        unexpected_percent=float(percent) if percent is not None else None,
        examples=examples,
        note=(raw.get("meta") or {}).get("notes"),
        error=error,
    )


def _exception_message(info: Any) -> str | None:
    """GX reports either {raised_exception, exception_message, ...} or {metric id: that dict}."""
    if not isinstance(info, Mapping):
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message")) if info.get("raised_exception") else None
    messages = [
        str(v.get("exception_message"))
        for v in info.values()
        if isinstance(v, Mapping) and v.get("raised_exception")
    ]
    return "; ".join(dict.fromkeys(messages)) or None


def _summarise_kwargs(kwargs: Mapping[str, Any]) -> str:
    parts = []
    for key, value in kwargs.items():
        if key in ("column", "batch_id"):
            continue
        if isinstance(value, Mapping) and PARAMETER_KEY in value:
            text = f"${value[PARAMETER_KEY]}"
        elif isinstance(value, (list, tuple)) and len(value) > 6:
            text = f"[{len(value)} values]"
        else:
            text = json.dumps(value, default=str)
        parts.append(f"{key}={text}")
    return ", ".join(parts)


def _distinct(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    keys: set[str] = set()
    for value in values:
        plain = _plain(value)
        key = json.dumps(plain, default=str, sort_keys=True)
        if key not in keys:
            keys.add(key)
            seen.append(plain)
    return seen


def _plain(value: Any) -> Any:
    """A JSON-friendly Python value (numpy scalars unwrapped, NA -> None, timestamps -> ISO strings)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.datetime64, np.timedelta64)):
        value = pd.Timestamp(value) if isinstance(value, np.datetime64) else pd.Timedelta(value)
        return None if pd.isna(value) else value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
