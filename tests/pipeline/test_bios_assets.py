"""The bios asset graph, materialized for real (Dagster `materialize`, Parquet lake, DuckDB catalog, real GX)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from assets import bios
from assets.partitions import league_partitions
from personax_platform.config.datasets import load_config
from tests.conftest import REPO_ROOT, SAMPLE_LANDING
from tests.pipeline.resources import pipeline_resources

LEAGUE_ASSETS = [bios.raw_bios, bios.bios, bios.raw_bios_check, bios.bios_check]
CONFIG = load_config()


def _materialize(dirs, league: str, landing: Path = SAMPLE_LANDING, extra: list | None = None):
    return dg.materialize(LEAGUE_ASSETS + (extra or []), partition_key=league,
                          resources=pipeline_resources(dirs, landing), raise_on_error=False)


def _table(dirs, table: str) -> pd.DataFrame:
    with duckdb.connect(str(dirs["catalog_path"]), read_only=True) as con:
        return con.execute(f"SELECT * FROM bios.{table}").df()


def _checks(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.asset_key.to_user_string(): e for e in result.get_asset_check_evaluations()}


@pytest.mark.parametrize("league", CONFIG.leagues)
def test_every_sample_league_materializes_and_passes_its_checks(warehouse_dirs, league):
    result = _materialize(warehouse_dirs, league)
    assert result.success
    checks = _checks(result)
    assert checks["bios/bios"].passed, checks["bios/bios"].metadata
    assert checks["bios/raw_bios"].passed, checks["bios/raw_bios"].metadata
    people = _table(warehouse_dirs, "bios")
    assert len(people) >= 20 and set(people["league"]) == {league}
    assert set(people["dataset"]) == {CONFIG.league_to_dataset[league]}


def test_every_planted_messy_row_is_quarantined_on_its_field(warehouse_dirs):
    truth = json.loads((REPO_ROOT / "sample_data" / "truth.json").read_text())
    for league in CONFIG.leagues:
        assert _materialize(warehouse_dirs, league).success
    rejected = _table(warehouse_dirs, "rejected_bios")
    found = set(zip(rejected["league"], rejected["source_file"], rejected["source_line"], rejected["field"]))
    expected = [m for m in truth["messy_rows"] if m.get("expected_field")]
    assert expected, "the sample must plant messy rows"
    missing = [m for m in expected
               if (m["league"], m["source_file"], m["source_line"], m["expected_field"]) not in found]
    assert not missing, f"planted messy rows not quarantined as expected: {missing}"


def test_rematerializing_a_partition_is_idempotent(warehouse_dirs):
    _materialize(warehouse_dirs, "nba")
    first = _table(warehouse_dirs, "bios").drop(columns="loaded_at")
    _materialize(warehouse_dirs, "nba")
    second = _table(warehouse_dirs, "bios").drop(columns="loaded_at")
    pd.testing.assert_frame_equal(first.sort_values("person_id").reset_index(drop=True),
                                  second.sort_values("person_id").reset_index(drop=True))


def test_rematerializing_one_partition_leaves_the_others_untouched(warehouse_dirs, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_LANDING, landing)
    _materialize(warehouse_dirs, "nba", landing)
    _materialize(warehouse_dirs, "nhl", landing)
    nhl_before = _table(warehouse_dirs, "bios").query("league == 'nhl'")
    nba_before = _table(warehouse_dirs, "bios").query("league == 'nba'")
    roster = sorted((landing / "athlepersona" / "nba").glob("*.csv"))[0]
    lines = roster.read_text(encoding="utf-8").splitlines(keepends=True)
    roster.write_text("".join(lines[:-1]), encoding="utf-8")  # one player leaves the league

    _materialize(warehouse_dirs, "nba", landing)
    after = _table(warehouse_dirs, "bios")
    pd.testing.assert_frame_equal(after.query("league == 'nhl'").reset_index(drop=True),
                                  nhl_before.reset_index(drop=True))
    assert len(after.query("league == 'nba'")) == len(nba_before) - 1


@dg.asset(key=["test", "downstream_of_bios"], partitions_def=league_partitions, deps=[bios.BIOS])
def downstream_of_bios() -> None:
    """Stands in for the traits group: must not run when the bios check blocks."""


def _nba_roster_copy(tmp_path: Path) -> tuple[Path, Path, pd.DataFrame]:
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_LANDING, landing)
    roster = sorted((landing / "athlepersona" / "nba").glob("*.csv"))[0]
    return landing, roster, pd.read_csv(roster, dtype=str, keep_default_na=False)


def _materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def test_one_implausible_row_is_quarantined_and_the_league_goes_on(warehouse_dirs, tmp_path):
    assert _materialize(warehouse_dirs, "nba").success
    before = set(_table(warehouse_dirs, "bios")["source_id"])
    landing, roster, frame = _nba_roster_copy(tmp_path)
    frame.loc[0, "HEIGHT"] = "0-3"  # parses (7.6 cm): no person is that short
    frame.loc[1, "WEIGHT"] = "9999"  # 4,535 kg
    frame.to_csv(roster, index=False)

    result = _materialize(warehouse_dirs, "nba", landing, extra=[downstream_of_bios])
    checks = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}
    assert result.success
    assert checks[("bios/bios", "great_expectations")].passed
    assert checks[("bios/bios", bios.QUARANTINE_SHARE)].passed
    assert "test/downstream_of_bios" in _materialized(result)
    rejected = _table(warehouse_dirs, "rejected_bios").set_index("field")
    assert "7.6 cm is outside the plausible range [140, 250]" in rejected.loc["height_cm", "reason"]
    assert "4535.5 kg is outside the plausible range [40, 250]" in rejected.loc["weight_kg", "reason"]
    assert set(_table(warehouse_dirs, "bios")["source_id"]) == before - set(frame.loc[:1, "PERSON_ID"])


def test_a_league_with_most_rows_quarantined_is_blocked_as_a_systematic_problem(warehouse_dirs, tmp_path):
    landing, roster, frame = _nba_roster_copy(tmp_path)
    frame["HEIGHT"] = "0-6"  # as if a whole export wrote heights in the wrong unit: every row is implausible
    frame.to_csv(roster, index=False)

    result = _materialize(warehouse_dirs, "nba", landing, extra=[downstream_of_bios])
    check = next(e for e in result.get_asset_check_evaluations() if e.check_name == bios.QUARANTINE_SHARE)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "above the limit of 50%" in check.description
    assert "test/downstream_of_bios" not in _materialized(result)


def test_many_values_outside_the_typical_range_fail_the_blocking_gx_check(warehouse_dirs, tmp_path):
    landing, roster, frame = _nba_roster_copy(tmp_path)
    frame.loc[:5, "HEIGHT"] = "7-10"  # 238.8 cm: possible for one person, not for a fifth of a league
    frame.to_csv(roster, index=False)

    result = _materialize(warehouse_dirs, "nba", landing, extra=[downstream_of_bios])
    check = _checks(result)["bios/bios"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "height_cm" in str(check.metadata) and "238.8" in str(check.metadata)
    assert "test/downstream_of_bios" not in _materialized(result)


def test_cohort_summary_reads_every_league_of_its_dataset(warehouse_dirs):
    leagues = CONFIG.datasets["athlepersona"].leagues
    for league in leagues:
        _materialize(warehouse_dirs, league)
    result = dg.materialize([*LEAGUE_ASSETS, bios.cohort_summary], partition_key="athlepersona",
                            resources=pipeline_resources(warehouse_dirs), selection=[bios.cohort_summary.key])
    assert result.success
    summary = _table(warehouse_dirs, "cohort_summary")
    assert sorted(summary["league"]) == sorted(leagues)
    assert summary["people"].sum() == len(_table(warehouse_dirs, "bios"))
