"""Several league partitions materialized at once, in separate runs (separate processes, the project's in-process
executor inside each), while a data engineer holds a read-write connection to the DuckDB catalog: no run fails, no
row is lost."""
from __future__ import annotations

import subprocess

import duckdb
import pandas as pd

from personax_platform.bios.countries import CountryResolver
from personax_platform.bios.landing import read_raw_bios
from personax_platform.bios.normalize import normalize_bios
from personax_platform.config.datasets import load_config
from tests.conftest import REPO_ROOT, SAMPLE_LANDING
from tests.helpers import holding_catalog

LEAGUES = ["nba", "nfl", "epl", "celebrities"]
DAGSTER = REPO_ROOT / ".venv" / "bin" / "dagster"


def _expected_people(league: str) -> int:
    config = load_config()
    raw = read_raw_bios(SAMPLE_LANDING, config.source(league), config.league_to_dataset[league], league)
    return len(normalize_bios(raw, config.source(league), CountryResolver(config.country_aliases)).bios)


def test_parallel_partition_runs_succeed_while_the_catalog_is_held(project_env, tmp_path):
    catalog = tmp_path / "data" / "warehouse.duckdb"
    command = [str(DAGSTER) if DAGSTER.exists() else "dagster", "asset", "materialize", "-m", "definitions",
               "--select", "bios/raw_bios,bios/bios,bios/rejected_bios", "--partition"]
    with holding_catalog(catalog):
        runs = {league: subprocess.Popen([*command, league], cwd=REPO_ROOT, env=project_env,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for league in LEAGUES}
        outputs = {league: proc.communicate(timeout=600)[0] for league, proc in runs.items()}
        for league, proc in runs.items():
            assert proc.returncode == 0, f"{league} run failed:\n{outputs[league][-3000:]}"
            assert "RUN_SUCCESS" in outputs[league]
            assert "steps in process" in outputs[league]  # the in-process executor of definitions.py

    # Once the engineer lets go, the next write (here an explicit sync) brings the views up to date.
    subprocess.run([str(REPO_ROOT / ".venv" / "bin" / "python"), "-m", "personax_platform.warehouse", "sync"],
                   cwd=REPO_ROOT, env=project_env, check=True, capture_output=True)
    with duckdb.connect(str(catalog), read_only=True) as con:
        counts = con.execute("SELECT league, count(*) FROM bios.bios GROUP BY 1").df()
    found = dict(zip(counts.iloc[:, 0], counts.iloc[:, 1]))
    assert found == {league: _expected_people(league) for league in LEAGUES}
    assert isinstance(counts, pd.DataFrame)
