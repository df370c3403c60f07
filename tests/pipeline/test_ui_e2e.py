"""End to end through the real UI: `make ui`'s `dagster dev` (webserver + daemon) on a free loopback port, driven
through its GraphQL API as the UI drives it, against a scripted local LLM server.

1. Two leagues are backfilled from the UI (bios and traits, one run per league) while a third league's landing file
   arrives and a script keeps reading the warehouse: the landing sensor and declarative automation load and rate the
   third league without anyone clicking, every run succeeds, the rows are in DuckDB, the checks passed with a word
   of explanation, and the UI has the materializations' row counts, schemas, previews and cost.
2. The prompt file is edited and the code location reloaded (as its *Reload* button does): the automation
   re-materializes trait_texts for every league, sending only the changed prompt's requests, each once, and keeping
   the earlier prompt version's rows.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from personax_platform.bios.countries import CountryResolver
from personax_platform.bios.landing import read_raw_bios
from personax_platform.bios.normalize import normalize_bios
from personax_platform.config.datasets import load_config
from personax_platform.prompts import DEFAULT_PROMPT_ID as PROMPT_ID
from personax_platform.prompts import load_prompt
from tests.conftest import DATASETS_CONFIG, PYTHON, REPO_ROOT, SAMPLE_LANDING
from tests.llm.fake_openai_server import FakeOpenAIServer
from tests.pipeline.traits_support import MODELS, edit_prompt, scripted_answer
from tests.pipeline.ui_support import DagsterUI, dagster_dev, group_members

BACKFILLED = {"pga": "athlepersona/pga/players.csv", "nhl": "athlepersona/nhl/roster_2024_25.csv"}
ARRIVING = ("nba", "athlepersona/nba/roster_2025.csv")
PEOPLE_PER_FILE = 3  # the first rows of each sample file, which are clean
TIMEOUT_S = 420  # per phase; each run imports the platform (≈ 10 s of CPU) on 2 busy cores
BIOS_ASSETS = [["bios", "raw_bios"], ["bios", "bios"], ["bios", "rejected_bios"]]
TRAIT_ASSETS = [["traits", "trait_texts"], ["traits", "trait_scores"], ["traits", "aggregated_traits"]]
TRAIT_TEXTS, AGGREGATED_TRAITS = ["traits", "trait_texts"], ["traits", "aggregated_traits"]
FACE_EMBEDDINGS, TEXT_EMBEDDINGS = ["embeddings", "face_embeddings"], ["embeddings", "text_embeddings"]
LEAVES = [AGGREGATED_TRAITS, FACE_EMBEDDINGS, TEXT_EMBEDDINGS]

# A script polling the warehouse the way the README shows: short read-only sessions on the DuckDB catalog. It prints
# how many reads succeeded and every error other than the two a reader must expect (a run refreshing the views holds
# the file for a moment; the views appear with the first partition).
_READER = """
import select, sys, duckdb
ok, errors = 0, []
while not select.select([sys.stdin], [], [], 0.5)[0]:
    try:
        with duckdb.connect(sys.argv[1], read_only=True) as con:
            con.execute("SELECT league, count(*) FROM bios.bios GROUP BY 1").fetchall()
        ok += 1
    except (duckdb.IOException, duckdb.CatalogException):
        pass
    except Exception as exc:
        errors.append(repr(exc))
print(ok, flush=True)
for error in errors:
    print(error, flush=True)
"""


def _landing_file(root: Path, name: str) -> None:
    """The header and first rows of a sample landing file, written under a dot-name and renamed, as the sensor asks."""
    lines = (SAMPLE_LANDING / name).read_text(encoding="utf-8").splitlines(keepends=True)
    target = root / name
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    partial.write_text("".join(lines[: PEOPLE_PER_FILE + 1]), encoding="utf-8")
    partial.rename(target)


def _people(landing: Path, league: str) -> int:
    config = load_config(DATASETS_CONFIG)
    raw = read_raw_bios(landing, config.source(league), config.league_to_dataset[league], league)
    return len(normalize_bios(raw, config.source(league), CountryResolver(config.country_aliases)).bios)


@pytest.fixture
def platform_env(tmp_path: Path, llm_setup) -> dict[str, str]:
    """The project's instance file in a private DAGSTER_HOME, private data and landing dirs, the scripted models."""
    models_dir, prompts = llm_setup
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "PERSONAX_DATA_DIR": str(tmp_path / "data"),
           "PERSONAX_LANDING_DIR": str(tmp_path / "landing"), "PERSONAX_MODELS_CONFIG": str(models_dir / "models.yaml"),
           "PERSONAX_PROMPTS_DIR": str(prompts), "PYTHONPATH": str(REPO_ROOT)}
    # The instance's SQLite storage exists before webserver, daemon and code server start (they would race on it).
    subprocess.run([PYTHON, "-c", "import dagster; dagster.DagsterInstance.get().dispose()"], env=env, check=True,
                   capture_output=True)
    for name in BACKFILLED.values():
        _landing_file(tmp_path / "landing", name)
    return env


@pytest.fixture
def server():
    """The scripted LLM server, alive for the whole test (its default lifetime is shorter than this test)."""
    with FakeOpenAIServer(answer=scripted_answer, max_lifetime_s=900) as fake:
        yield fake


def test_the_ui_loads_rates_and_re_rates_leagues_by_itself(platform_env, tmp_path, server, llm_setup):
    _, prompts = llm_setup
    landing, data = Path(platform_env["PERSONAX_LANDING_DIR"]), Path(platform_env["PERSONAX_DATA_DIR"])
    catalog = data / "warehouse.duckdb"
    catalog.parent.mkdir(parents=True)
    duckdb.connect(str(catalog)).close()
    with dagster_dev(platform_env, tmp_path / "dagster_dev.log") as ui:
        ui.wait_for("the landing sensor's first tick", lambda: _recorded_existing_files(ui), 90, every_s=1)

        reader = subprocess.Popen([PYTHON, "-c", _READER, str(catalog)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            backfill = _launch_backfill(ui, sorted(BACKFILLED), BIOS_ASSETS + TRAIT_ASSETS)
            _landing_file(landing, ARRIVING[1])
            leagues = sorted([*BACKFILLED, ARRIVING[0]])
            # The automation cascade's ends: after these it has nothing left to request until the prompt changes.
            ui.wait_for("every league's traits and embeddings", lambda: _settled(ui, leagues, LEAVES), TIMEOUT_S)
        finally:
            reader.stdin.close()
            reads = reader.stdout.read().splitlines()  # successful reads, then any unexpected errors
            reader.wait(30)
        assert reads and int(reads[0]) > 0 and not reads[1:], reads
        people = {league: _people(landing, league) for league in leagues}
        assert people == dict.fromkeys(leagues, PEOPLE_PER_FILE)
        assert server.total_calls == len(MODELS) * sum(people.values())

        _assert_no_failed_runs(ui)
        _assert_warehouse(platform_env, people, prompts, prompt_versions=1)
        _assert_checks_passed(ui, leagues)
        _assert_ui_metadata(ui, leagues)

        # 2. A prompt edit, then the code location's Reload button.
        calls, edited_at = server.total_calls, time.time()
        edit_prompt(prompts)
        reload = ui.graphql("""mutation($name: String!) { reloadRepositoryLocation(repositoryLocationName: $name) {
            __typename } }""", name="personax_platform")["reloadRepositoryLocation"]
        assert reload["__typename"] == "WorkspaceLocationEntry", reload
        ui.wait_for("every league's traits under the edited prompt",
                    lambda: _settled(ui, leagues, [AGGREGATED_TRAITS, TEXT_EMBEDDINGS], edited_at), TIMEOUT_S)
        assert _materialized(ui, TRAIT_TEXTS, leagues, after=edited_at)
        new_bodies = server.bodies[-(server.total_calls - calls):]
        assert server.total_calls - calls == len(MODELS) * sum(people.values())  # each changed request once
        assert all("Big-Five" in body["messages"][0]["content"] for body in new_bodies)
        _assert_no_failed_runs(ui)
        _assert_warehouse(platform_env, people, prompts, prompt_versions=2)
        _assert_checks_passed(ui, leagues)
        ui.wait_for("the backfill's status", lambda: _backfill_done(ui, backfill), 60)  # updated every 30 s
    assert not group_members(ui.process.pid)  # webserver, daemon, code server and run workers are all gone


# -- what the UI does ----------------------------------------------------------------------------------------------

def _recorded_existing_files(ui: DagsterUI) -> bool:
    data = ui.graphql("""query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
        __typename ... on Sensor { sensorState { ticks(limit: 5) { status skipReason } } } } }""",
                      selector=ui.selector(sensorName="landing_files_sensor"))
    ticks = data["sensorOrError"]["sensorState"]["ticks"]
    return any((t["skipReason"] or "").startswith("recorded 2 existing landing files") for t in ticks)


def _launch_backfill(ui: DagsterUI, partitions: list[str], assets: list[list[str]]) -> str:
    """What *Materialize* does for several selected partitions of selected assets: one backfill, a run per partition."""
    result = ui.graphql("""mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
        __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }""",
                        params={"partitionNames": partitions, "assetSelection": [{"path": a} for a in assets],
                                "fromFailure": False})["launchPartitionBackfill"]
    assert result["__typename"] == "LaunchBackfillSuccess", result
    return result["backfillId"]


def _backfill_done(ui: DagsterUI, backfill_id: str) -> bool:
    backfill = ui.graphql("""query($id: String!) { partitionBackfillOrError(backfillId: $id) {
        ... on PartitionBackfill { status runs { runId status } } } }""", id=backfill_id)["partitionBackfillOrError"]
    if backfill["status"] in ("FAILED", "CANCELED", "COMPLETED_FAILED"):
        raise AssertionError(f"backfill ended {backfill['status']}: {backfill['runs']}")
    return backfill["status"] in ("COMPLETED", "COMPLETED_SUCCESS")


def _materialized(ui: DagsterUI, key: list[str], partitions: list[str], after: float = 0.0) -> bool:
    events = ui.graphql("""query($key: AssetKeyInput!, $partitions: [String!]) { assetOrError(assetKey: $key) {
        ... on Asset { assetMaterializations(partitions: $partitions) { partition timestamp } } } }""",
                        key={"path": key}, partitions=partitions)["assetOrError"].get("assetMaterializations", [])
    done = {e["partition"] for e in events if float(e["timestamp"]) / 1000 > after}
    return done >= set(partitions)


def _settled(ui: DagsterUI, leagues: list[str], keys: list[list[str]], after: float = 0.0) -> bool:
    """Each asset has a materialization of every league after `after`, by runs that finished successfully (so their
    checks ran too)."""
    runs = set()
    for key in keys:
        events = ui.graphql("""query($key: AssetKeyInput!, $partitions: [String!]) { assetOrError(assetKey: $key) {
            ... on Asset { assetMaterializations(partitions: $partitions) { partition timestamp runId } } } }""",
                            key={"path": key}, partitions=leagues)["assetOrError"]["assetMaterializations"]
        fresh = {e["partition"]: e["runId"] for e in events if float(e["timestamp"]) / 1000 > after}
        if set(fresh) != set(leagues):
            return False
        runs |= set(fresh.values())
    results = ui.graphql("""query($ids: [String]) { runsOrError(filter: {runIds: $ids}) { ... on Runs {
        results { runId status } } } }""", ids=sorted(runs))["runsOrError"]["results"]
    assert all(r["status"] not in ("FAILURE", "CANCELED") for r in results), results
    return all(r["status"] == "SUCCESS" for r in results)


def _assert_no_failed_runs(ui: DagsterUI) -> None:
    runs = ui.graphql("""{ runsOrError(filter: {statuses: [FAILURE, CANCELED]}) { ... on Runs {
        results { runId jobName tags { key value } } } } }""")["runsOrError"]["results"]
    assert not runs, runs


def _assert_checks_passed(ui: DagsterUI, leagues: list[str]) -> None:
    checks = [(key, "great_expectations") for key in BIOS_ASSETS[:2] + TRAIT_ASSETS + LEAVES[1:]]
    for key, name in [*checks, (TRAIT_TEXTS, "trait_texts_prompt_is_current")]:
        executions = ui.graphql("""query($key: AssetKeyInput!, $name: String!) {
            assetCheckExecutions(assetKey: $key, checkName: $name, limit: 50) {
            status partition evaluation { success description } } }""", key={"path": key},
                                name=name)["assetCheckExecutions"]
        latest = {}
        for execution in executions:  # newest first
            latest.setdefault(execution["partition"], execution)
        assert set(latest) >= set(leagues), (key, name, latest)
        for league in leagues:
            result = latest[league]
            assert result["status"] == "SUCCEEDED", (key, name, league, result)
            assert result["evaluation"]["description"], (key, name, league)  # said in words


def _assert_ui_metadata(ui: DagsterUI, leagues: list[str]) -> None:
    """Row count, column schema and preview on every materialization; tokens and cost on the LLM's."""
    for key in BIOS_ASSETS + TRAIT_ASSETS + LEAVES[1:]:
        events = ui.graphql("""query($key: AssetKeyInput!, $partitions: [String!]) { assetOrError(assetKey: $key) {
            ... on Asset { assetMaterializations(partitions: $partitions, limit: 10) { partition
            metadataEntries { label __typename } } } } }""", key={"path": key},
                            partitions=leagues)["assetOrError"]["assetMaterializations"]
        for event in events:
            labels = {e["label"]: e["__typename"] for e in event["metadataEntries"]}
            assert labels.get("dagster/row_count") == "IntMetadataEntry", (key, labels)
            assert labels.get("dagster/column_schema") == "TableSchemaMetadataEntry", (key, labels)
            assert labels.get("preview") == "MarkdownMetadataEntry", (key, labels)
            if key == TRAIT_TEXTS:
                assert {"cost_usd", "input_tokens", "new_calls", "latency_p95_s"} <= labels.keys(), labels


def _assert_warehouse(env: dict[str, str], people: dict[str, int], prompts: Path, prompt_versions: int) -> None:
    """The DuckDB catalog's views, once refreshed (a run skips the refresh while a reader holds the file)."""
    subprocess.run([PYTHON, "-m", "personax_platform.warehouse", "sync"], cwd=REPO_ROOT, env=env, check=True,
                   capture_output=True)
    with _read_only(Path(env["PERSONAX_DATA_DIR"]) / "warehouse.duckdb") as con:
        bios = dict(con.execute("SELECT league, count(*) FROM bios.bios GROUP BY 1").fetchall())
        texts = con.execute("""SELECT league, count(*), count(DISTINCT prompt_sha), count(*) FILTER (status = 'ok')
                               FROM traits.trait_texts GROUP BY 1""").fetchall()
        scores = con.execute("SELECT league, count(*), min(prompt_sha), max(prompt_sha) FROM traits.trait_scores "
                             "GROUP BY 1").fetchall()
    assert bios == people
    rows = {league: len(MODELS) * n for league, n in people.items()}
    assert {league: (n, shas, ok) for league, n, shas, ok in texts} == {
        league: (n * prompt_versions, prompt_versions, n * prompt_versions) for league, n in rows.items()}
    active = load_prompt(PROMPT_ID, prompts).sha
    assert {league: (n, low, high) for league, n, low, high in scores} == {
        league: (n, active, active) for league, n in rows.items()}  # the active prompt's answers only


def _read_only(catalog: Path, timeout_s: float = 30) -> duckdb.DuckDBPyConnection:
    """A read-only session, retried while a run refreshes the views (it holds the file for a moment)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return duckdb.connect(str(catalog), read_only=True)
        except duckdb.IOException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
