"""The definitions module: what the UI shows (groups, partitions, descriptions, owners, kinds) and what config
drives."""
from __future__ import annotations

import subprocess
from pathlib import Path

import dagster as dg
import yaml

from definitions import defs
from personax_platform.config.datasets import load_config
from tests.conftest import DATASETS_CONFIG, PYTHON, REPO_ROOT

DESIGN_GROUPS = {"bios", "traits", "embeddings", "release", "analysis"}


def _assets() -> list[dg.AssetSpec]:
    return list(defs.resolve_all_asset_specs())


def test_every_asset_has_a_description_owner_kind_and_a_design_group():
    for spec in _assets():
        name = spec.key.to_user_string()
        assert spec.description and len(spec.description) > 40, name
        assert spec.owners, name
        assert spec.kinds, name
        assert spec.group_name in DESIGN_GROUPS, name


def test_league_partitions_are_exactly_the_configured_leagues_and_nothing_impossible():
    config = load_config()
    keys_by_asset = {s.key.to_user_string(): s.partitions_def.get_partition_keys() for s in _assets()
                     if s.partitions_def is not None}
    unpartitioned = {s.key.path[0] for s in _assets() if s.partitions_def is None}
    assert unpartitioned == {"release_import"}  # loads one release, whatever its dataset
    assert keys_by_asset["bios/bios"] == config.leagues
    assert keys_by_asset["bios/cohort_summary"] == list(config.datasets)
    assert not any(isinstance(s.partitions_def, dg.MultiPartitionsDefinition) for s in _assets())


def test_each_dataset_partition_reads_exactly_its_leagues():
    graph = defs.resolve_asset_graph()
    summary, people = dg.AssetKey(["bios", "cohort_summary"]), dg.AssetKey(["bios", "bios"])
    mapping = graph.get_partition_mapping(summary, people)
    summary_partitions, league_partitions = graph.get(summary).partitions_def, graph.get(people).partitions_def
    for dataset, dataset_config in load_config().datasets.items():
        upstream = mapping.get_upstream_mapped_partitions_result_for_partitions(
            summary_partitions.subset_with_partition_keys([dataset]), summary_partitions, league_partitions,
        ).partitions_subset.get_partition_keys()
        assert sorted(upstream) == sorted(dataset_config.leagues)


def _materialize_with_config(raw: dict, landing: Path, files: dict[str, str], env: dict[str, str],
                             runs: list[tuple[str, str]]) -> None:
    """Write `raw` as the datasets config and `files` under `landing`, then run `dagster asset materialize` for each
    (selection, partition) of `runs` with nothing else changed."""
    config = landing.parent / "datasets.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    for name, text in files.items():
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_text(text, encoding="utf-8")
    env = {**env, "PERSONAX_DATASETS_CONFIG": str(config), "PERSONAX_LANDING_DIR": str(landing)}
    dagster = str(REPO_ROOT / ".venv" / "bin" / "dagster") if (REPO_ROOT / ".venv").exists() else "dagster"
    for selection, partition in runs:
        done = subprocess.run([dagster, "asset", "materialize", "-m", "definitions", "--select", selection,
                               "--partition", partition], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]


def _query(warehouse: Path, sql: str) -> str:
    code = "import duckdb,sys; print(duckdb.connect(sys.argv[1], read_only=True).execute(sys.argv[2]).fetchall())"
    return subprocess.run([PYTHON, "-c", code, str(warehouse), sql], capture_output=True, text=True,
                          check=True).stdout.strip()


BIOS_TABLES = "bios/raw_bios,bios/bios,bios/rejected_bios"


def test_adding_a_league_is_configuration_only(tmp_path, project_env):
    raw = yaml.safe_load(DATASETS_CONFIG.read_text(encoding="utf-8"))
    raw["datasets"]["athlepersona"]["leagues"]["mlb"] = {
        "files": "athlepersona/mlb/*.csv",
        "identity": ["mlbam_id"],
        "fields": {"name": "full_name", "height": "height", "weight": "weight", "birth_date": "birth_date"},
        "constants": {"gender": "male"},
        "units": {"height": "ft_in", "weight": "lb"},
    }
    players = "mlbam_id,full_name,height,weight,birth_date\n1,Ćiro Dalén,6-1,190,1995-07-04\n"
    _materialize_with_config(raw, tmp_path / "landing", {"athlepersona/mlb/players.csv": players}, project_env,
                             [(BIOS_TABLES, "mlb")])
    rows = _query(tmp_path / "data" / "warehouse.duckdb", "SELECT name, height_cm FROM bios.bios WHERE league='mlb'")
    assert "Ćiro Dalén" in rows and "185.4" in rows


def test_adding_a_dataset_is_configuration_only(tmp_path, project_env):
    """A new dataset of a known kind, with one league of its own: its partitions exist and its bios and dataset-level
    summary materialize through the real CLI, with nothing but datasets.yaml and landing files changed."""
    raw = yaml.safe_load(DATASETS_CONFIG.read_text(encoding="utf-8"))
    raw["datasets"]["wnbapersona"] = {"kind": "athletes", "description": "Fictional WNBA players (a test).",
                                      "leagues": {"wnba": {
                                          "files": "wnbapersona/wnba/*.csv",
                                          "identity": ["player_id"],
                                          "fields": {"name": "player", "height": "height_cm", "birth_date": "born"},
                                          "constants": {"gender": "female"},
                                          "units": {"height": "cm"},
                                      }}}
    players = "player_id,player,height_cm,born\n7,Aino Verlaine,183,1998-02-11\n8,Reet Kallas,191,2000-10-30\n"
    _materialize_with_config(raw, tmp_path / "landing", {"wnbapersona/wnba/players.csv": players}, project_env,
                             [(BIOS_TABLES, "wnba"), ("bios/cohort_summary", "wnbapersona")])
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    assert _query(warehouse, "SELECT dataset, count(*) FROM bios.bios WHERE league='wnba' GROUP BY 1") == \
        "[('wnbapersona', 2)]"
    assert _query(warehouse, "SELECT sum(people) FROM bios.cohort_summary WHERE dataset='wnbapersona'") == "[(2,)]"
