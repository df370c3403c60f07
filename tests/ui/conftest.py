"""The web UI in a real browser: a seeded Dagster instance, `dagster-webserver` serving the project's definitions on a
free loopback port, and Debian's Chromium driven by Playwright.

Data. Module-scoped and small: the real assets, materialized in this process against a private warehouse and
Dagster instance before (and while) the webserver starts: bios of two leagues (`pga`, `celebrities`) with their GX
checks, the celebrities' traits through the real LLM path against the scripted local LLM server of the pipeline
tests, and `analysis/observed_causal_graph` of `celebpersona`, whose metadata carries the graph drawing as an image.

Server. `dagster-webserver` alone, not `dagster dev`: the daemon would run the project's sensors, which are on by
default, and its automation would carry the seeded bios on to the embedded LLM and the embeddings. Without a daemon
the instance launches runs directly (DefaultRunCoordinator), so a run launched from the UI starts at once.

Browser. Chromium from the machine's package manager (Debian: `apt-get install chromium`; `.ci/run` installs it):
Playwright's own browser download is never used. Missing browser or package: the tests skip on a developer machine,
and fail in CI (CI=true).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from assets import bios
from assets.observed_causal_graph import observed_causal_graph
from tests.conftest import PYTHON, REPO_ROOT, SAMPLE_LANDING
from tests.llm.fake_openai_server import FakeOpenAIServer
from tests.llm.support import KEY_ENV
from tests.pipeline.traits_support import (
    BIOS_ASSETS,
    TRAIT_ASSETS,
    llm_resources,
    scripted_answer,
    write_models_and_prompts,
)
from tests.pipeline.ui_support import WORKSPACE, DagsterUI, free_port, location_loaded, stop_group

WEBSERVER = REPO_ROOT / ".venv" / "bin" / "dagster-webserver"
# Runs start when launched (no daemon to drain a queue); no telemetry.
INSTANCE_YAML = """run_coordinator:
  module: dagster._core.run_coordinator
  class: DefaultRunCoordinator
telemetry:
  enabled: false
"""
BIOS_LEAGUES = ("pga", "celebrities")  # bios (and their checks) of these leagues are materialized
GRAPH_DATASET, GRAPH_LEAGUE = "celebpersona", "celebrities"  # the dataset whose observed causal graph is drawn
# Enough resamples for visible edge widths, on subsamples large enough (>= 20 complete rows) to be estimated.
GRAPH_CONFIG = {"resamples": 5, "subsample_fraction": 0.8}
VIEWPORT = {"width": 1600, "height": 1000}
STARTUP_TIMEOUT_S = 180


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    """Skip on a developer machine; fail in CI, which installs the browser (.ci/run) and the test extras."""
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_playwright() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the Python package `playwright` is not installed (`make install-test` installs the test "
                     "extras)")


def chromium_path() -> str:
    """The machine's Chromium (Debian's `chromium` package puts its launcher on PATH)."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    _unavailable("no Chromium on PATH: install the machine's package (Debian/Ubuntu: `apt-get install chromium`; "
                 ".ci/run installs it). Playwright's own browser download is not used")
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Seeded:
    """What the seeding materialized, as the UI must show it."""
    bios_rows: dict[str, int]  # league -> rows of bios/bios
    raw_rows: dict[str, int]  # league -> rows read from the landing files
    bios_check_descriptions: frozenset[str]  # what the great_expectations check said of each league
    graph_status: str


@dataclass(frozen=True)
class UIPlatform:
    url: str
    root: Path  # DAGSTER_HOME, data dir and the webserver's log are under it
    seeded: Seeded
    log: Path


def _instance_env(root: Path) -> dict[str, str]:
    return {**os.environ, "DAGSTER_HOME": str(root / "dagster_home"), "PERSONAX_DATA_DIR": str(root / "data"),
            "PERSONAX_LANDING_DIR": str(SAMPLE_LANDING), "PERSONAX_MODELS_CONFIG": str(root / "models.yaml"),
            "PERSONAX_PROMPTS_DIR": str(root / "prompts"), "PYTHONPATH": str(REPO_ROOT)}


def _seed(root: Path, instance_home: Path) -> Seeded:
    """Materialize the real assets into the private warehouse, recorded in the private instance."""
    dirs = {"lake_dir": root / "data" / "lake", "catalog_path": root / "data" / "warehouse.duckdb"}
    resources = llm_resources(dirs, root, root / "prompts")
    bios_with_checks = [*BIOS_ASSETS, bios.raw_bios_check, bios.bios_check]
    bios_rows, raw_rows, descriptions = {}, {}, set()
    with pytest.MonkeyPatch.context() as patch, dg.DagsterInstance.from_config(str(instance_home)) as instance:
        patch.setenv(KEY_ENV, "sk-test-not-a-real-key")
        for league in BIOS_LEAGUES:
            rates = league == GRAPH_LEAGUE  # the graph's dataset also needs traits
            result = dg.materialize(bios_with_checks + (TRAIT_ASSETS if rates else []), partition_key=league,
                                    resources=resources, instance=instance,
                                    run_config={"ops": {"traits__trait_texts": {"config": {"max_people": 100}}}}
                                    if rates else None)
            assert result.success, league
            metadata = {event.asset_key.path[-1]: event.materialization.metadata
                        for event in result.get_asset_materialization_events()}
            bios_rows[league] = metadata["bios"]["dagster/row_count"].value
            raw_rows[league] = metadata["bios"]["raw_rows"].value
            descriptions |= {evaluation.description for evaluation in result.get_asset_check_evaluations()
                             if evaluation.asset_key == bios.BIOS and evaluation.check_name == "great_expectations"}
        result = dg.materialize([*BIOS_ASSETS, *TRAIT_ASSETS, observed_causal_graph], partition_key=GRAPH_DATASET,
                                selection=[observed_causal_graph], resources=resources, instance=instance,
                                run_config={"ops": {"analysis__observed_causal_graph": {"config": GRAPH_CONFIG}}})
        assert result.success
        (event,) = result.get_asset_materialization_events()
        graph_status = event.materialization.metadata["status"].value
    assert descriptions
    return Seeded(bios_rows, raw_rows, frozenset(descriptions), graph_status)


@pytest.fixture(scope="module")
def ui_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIPlatform]:
    """The seeded instance served by dagster-webserver on a free loopback port; stopped (with every run it
    launched) after the module's tests, so that it does not hold memory through the rest of the suite."""
    require_playwright()  # no server and no seeding when the browser cannot run
    chromium_path()
    root = tmp_path_factory.mktemp("ui")
    home = root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    env = _instance_env(root)
    # The instance's SQLite storage exists before the webserver and the seeding open it (they would race on it).
    subprocess.run([PYTHON, "-c", "import dagster; dagster.DagsterInstance.get().dispose()"], env=env, check=True,
                   capture_output=True)
    port, log = free_port(), root / "dagster-webserver.log"
    command = [str(WEBSERVER), "-w", str(WORKSPACE), "-h", "127.0.0.1", "-p", str(port)]
    server = None
    try:
        with FakeOpenAIServer(answer=scripted_answer) as llm_server:
            # The models file names the scripted server; the code location reads it when it loads.
            write_models_and_prompts(root, llm_server)  # root/models.yaml, root/prompts
            with log.open("wb") as out:
                # A session of its own, so that stop_group ends the code server and the runs it launches too.
                server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True)
            seeded = _seed(root, home)  # while the webserver loads the code location
        ui = DagsterUI(port, server, log)
        ui.wait_for("the code location to load", lambda: location_loaded(ui), STARTUP_TIMEOUT_S, every_s=0.5)
        # What the "Skip" button of Dagster's one-time "Join the Dagster community" dialog records on the instance:
        # the dialog would otherwise open over whatever page a test looks at first.
        assert ui.graphql("mutation { setNuxSeen }")["setNuxSeen"]
        yield UIPlatform(ui.url, root, seeded, log)
    finally:
        if server is not None:
            stop_group(server)


@pytest.fixture(scope="module")
def browser(ui_platform: UIPlatform):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, ui_platform: UIPlatform, request: pytest.FixtureRequest):
    """A fresh page (and browser context) on the UI. A failing test leaves a screenshot of where it stopped, next to
    the test's own."""
    context = browser.new_context(viewport=VIEWPORT, base_url=ui_platform.url)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            folder = Path(request.module.SCREENSHOTS)
            folder.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):
                page.screenshot(path=folder / f"FAILED-{request.node.name}.png")
        context.close()

