"""Dagster glue: the factory that turns an asset's Great Expectations suite into a Dagster asset check.

    gx_asset_check(BIOS, blocking=True, partitions_def=leagues, parameters=lambda resources: {"leagues": [...]})
    gx_asset_check(TRAIT_SCORES, suite="hesitation", blocking=False, ...)  # a second suite, its own severity

The check is partitioned like its asset and validates the partition as stored (loaded through the IO manager), so it
runs right after a materialization and can also be re-run alone from the UI for any partition. A blocking check fails
with severity ERROR, which stops downstream assets in the same run; a non-blocking one reports a WARN. Great
Expectations is only imported when a check runs.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from expectations.gx_validation import SUITES_DIR, FailedExpectation, SuiteOutcome, validate_dataframe

CHECK_NAME = "great_expectations"


def suite_path_for(asset_key: dg.AssetKey | str | list[str] | tuple[str, ...], suite: str | None = None) -> Path:
    """``expectations/suites/<asset key path joined by '.'>[.<suite>].json`` (``bios/bios`` -> ``bios.bios.json``)."""
    key = dg.AssetKey.from_coercible(asset_key)
    return SUITES_DIR / (".".join([*key.path, *([suite] if suite else [])]) + ".json")


def check_name_for(suite: str | None = None) -> str:
    """``great_expectations`` for an asset's main suite, ``great_expectations_<suite>`` for a named extra one."""
    return f"{CHECK_NAME}_{suite}" if suite else CHECK_NAME


def gx_asset_check(
    asset_key: dg.AssetKey | str | list[str] | tuple[str, ...],
    *,
    blocking: bool,
    parameters: Callable[[Any], Mapping[str, Any]],
    partitions_def: dg.PartitionsDefinition | None = None,
    required_resource_keys: AbstractSet[str] = frozenset(),
    suite: str | None = None,
    view: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> dg.AssetChecksDefinition:
    """The ``great_expectations`` check of an asset; the suite file must exist.

    ``parameters`` supplies the suite's ``$PARAMETER`` values (e.g. the configured leagues) when the check runs; it
    gets the check's resources, of which ``required_resource_keys`` names the ones it reads (e.g. a threshold).
    ``suite`` names an extra suite of the same asset that needs a different severity than its main one.
    ``view`` derives columns GX cannot compute itself (e.g. the norm of an embedding) from the stored table.
    """
    key = dg.AssetKey.from_coercible(asset_key)
    path = suite_path_for(key, suite)
    if not path.is_file():
        raise FileNotFoundError(f"no Great Expectations suite for asset {key.to_user_string()}: {path}")
    mode = "blocking: a failure stops downstream assets" if blocking else "non-blocking: a failure is a warning"

    # Partitioned asset checks are a Dagster "preview" feature; dagster is pinned, and the tests pin the behaviour.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        check = dg.asset_check(
            asset=key,
            name=check_name_for(suite),
            blocking=blocking,
            partitions_def=partitions_def,
            description=f"Great Expectations suite {path.stem} (expectations/suites/{path.name}); {mode}.",
            metadata={"suite_path": dg.MetadataValue.path(str(path))},
            required_resource_keys=set(required_resource_keys),
        )(_validate_stored(key, parameters, blocking, suite, view))
    return check


def _validate_stored(key: dg.AssetKey, parameters: Callable[[Any], Mapping[str, Any]], blocking: bool,
                     suite: str | None, view: Callable[[pd.DataFrame], pd.DataFrame] | None) -> Callable:
    # `context` stays unannotated: Dagster rejects a quoted (postponed) annotation of it.
    def great_expectations(context, stored: pd.DataFrame) -> dg.AssetCheckResult:
        table = view(stored) if view is not None else stored
        return gx_check_result(key, table, parameters(context.resources), blocking=blocking, suite=suite)

    return great_expectations


def gx_check_result(
    asset_key: dg.AssetKey | str | list[str] | tuple[str, ...],
    df: pd.DataFrame,
    parameters: Mapping[str, Any],
    *,
    blocking: bool,
    suite: str | None = None,
) -> dg.AssetCheckResult:
    """Validate ``df`` against the asset's suite and report it as the ``great_expectations`` check result."""
    key = dg.AssetKey.from_coercible(asset_key)
    path = suite_path_for(key, suite)
    return check_result_from_outcome(key, validate_dataframe(df, path, parameters), blocking=blocking, suite_path=path,
                                     check_name=check_name_for(suite))


def check_result_from_outcome(
    asset_key: dg.AssetKey | str | list[str] | tuple[str, ...],
    outcome: SuiteOutcome,
    *,
    blocking: bool,
    suite_path: Path | None = None,
    check_name: str = CHECK_NAME,
) -> dg.AssetCheckResult:
    """The check result for an already computed ``SuiteOutcome``."""
    key = dg.AssetKey.from_coercible(asset_key)
    path = suite_path or suite_path_for(key)
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=check_name,
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        description=outcome.describe(),
        metadata={
            "evaluated_expectations": outcome.evaluated,
            "failed_expectations": outcome.failed_count,
            "row_count": outcome.row_count,
            "failures": dg.MetadataValue.md(failures_markdown(outcome.failed)),
            "suite_path": dg.MetadataValue.path(str(path)),
        },
    )


def failures_markdown(failed: list[FailedExpectation]) -> str:
    """A markdown table of failed expectations: column, expectation, unexpected count/percent, example values."""
    if not failed:
        return "No failed expectations."
    rows = [
        "| column | expectation | arguments | unexpected | unexpected % | examples |",
        "|---|---|---|---:|---:|---|",
    ]
    for f in failed:
        count = "" if f.unexpected_count is None else str(f.unexpected_count)
        percent = "" if f.unexpected_percent is None else f"{f.unexpected_percent:.2f}"
        examples = f"error: {f.error}" if f.error else ", ".join(_cell_value(v) for v in f.examples)
        cells = [f.column or "(table)", f.expectation_type, f.kwargs, count, percent, examples]
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows)


def _cell_value(value: Any) -> str:
    return "null" if value is None else str(value)


def _cell(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"
