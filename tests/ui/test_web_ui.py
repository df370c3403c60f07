"""The web UI in a real browser (Chromium through Playwright) against `dagster-webserver` on loopback, serving the
project's definitions over a small seeded instance (tests/ui/conftest.py): what a person sees and clicks.

Every test saves screenshots of what it checked under SCREENSHOTS (git-ignored), for a reviewer to look at; a failing
test also leaves FAILED-<test>.png there.
"""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest

from assets.bios import BIOS, RAW_BIOS
from definitions import defs
from personax_platform.config.datasets import load_config
from tests.pipeline.ui_support import LOCATION
from tests.ui.conftest import BIOS_LEAGUES, UIPlatform, in_ci, require_playwright

try:
    from playwright.sync_api import Locator, Page, expect
except ImportError:
    # Skips the module; in CI the module is collected and its tests fail in the fixtures, saying why (a collection
    # error would stop the whole test run).
    if not in_ci():
        require_playwright()

SCREENSHOTS = Path(__file__).with_name("screenshots")
UNSEEDED_LEAGUE = "nhl"  # materialized by clicking; the seeding leaves it missing
LOADING = re.compile(r"^Loading|fetching statuses")  # what graph nodes show until their status arrives
RUN_TIMEOUT_S = 120  # a launched run imports the platform in a fresh process on 2 busy cores


@pytest.fixture(scope="module", autouse=True)
def fresh_screenshots() -> None:
    """The folder holds the last run's screenshots only."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)


def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path)
    return path


def specs() -> list[dg.AssetSpec]:
    return list(defs.resolve_all_asset_specs())


def spec(key: dg.AssetKey) -> dg.AssetSpec:
    return next(s for s in specs() if s.key == key)


# -- the lineage graph as drawn -----------------------------------------------------------------------------------

# Nodes (assets or collapsed groups) are HTML boxes in <foreignObject>s of the graph's <svg>, named by their first line;
# an edge is a <path> with an arrowhead from the middle of one box's right side to the left side of another.
_NODES_JS = """els => els.map(e => ({name: (e.firstElementChild?.innerText || '').split('\\n')[0].trim(),
    x: +e.getAttribute('x'), y: +e.getAttribute('y'), w: +e.getAttribute('width'), h: +e.getAttribute('height')}))"""
_EDGE = re.compile(r"^M\s*([\d.-]+)[ ,]([\d.-]+).*?([\d.-]+)[ ,]([\d.-]+)\s*$")


def drawn_graph(graph: Locator) -> tuple[set[str], set[tuple[str, str]]]:
    """(node names, edges as (from, to) node names) of the lineage graph on screen."""
    nodes = [n for n in graph.locator("foreignObject").evaluate_all(_NODES_JS) if n["name"]]
    # The smallest box wins where boxes overlap (an expanded group's frame holds its assets' boxes).
    nodes.sort(key=lambda n: n["w"] * n["h"])

    def at(x: float, y: float, side: str) -> str | None:
        for n in nodes:
            edge_x = n["x"] + n["w"] if side == "right" else n["x"]
            if abs(x - edge_x) <= 10 and n["y"] <= y <= n["y"] + n["h"]:
                return n["name"]
        return None

    edges = set()
    for d in graph.locator("path[marker-end]").evaluate_all("els => els.map(e => e.getAttribute('d'))"):
        match = _EDGE.match(d.strip())
        if match:
            x0, y0, x1, y1 = map(float, match.groups())
            source, target = at(x0, y0, "right"), at(x1, y1, "left")
            if source and target:
                edges.add((source, target))
    return {n["name"] for n in nodes}, edges


def wait_for_graph(graph: Locator, names: set[str], edges: set[tuple[str, str]], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        drawn_names, drawn_edges = drawn_graph(graph)
        if names <= drawn_names and edges <= drawn_edges:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"missing nodes {sorted(names - drawn_names)}, missing edges "
                                 f"{sorted(edges - drawn_edges)}; drawn: {sorted(drawn_edges)}")
        time.sleep(0.5)


def test_the_asset_graph_renders_its_groups_and_lineage_edges(page: Page):
    group_of = {s.key: s.group_name for s in specs()}
    group_edges = {(group_of[dep.asset_key], s.group_name) for s in specs() for dep in s.deps
                   if dep.asset_key in group_of and group_of[dep.asset_key] != s.group_name}
    assert {"bios", "traits", "embeddings", "analysis", "release"} <= set(group_of.values())
    assert ("bios", "traits") in group_edges

    page.goto("/asset-groups")
    expect(page.get_by_text("Global asset lineage")).to_be_visible()
    graph = page.locator("svg:has(foreignObject)")
    expect(graph.locator("foreignObject.group")).to_have_count(len(set(group_of.values())))
    wait_for_graph(graph, set(group_of.values()), group_edges)
    for group in set(group_of.values()):
        expect(graph.locator("foreignObject.group").filter(has_text=group).first).to_be_visible()
    expect(graph.get_by_text(LOADING)).to_have_count(0)
    shot(page, "asset_graph_groups")

    # One group's assets and the edges between them, as in the definitions.
    in_bios = {s.key: s for s in specs() if s.group_name == "bios"}
    asset_edges = {(dep.asset_key.path[-1], key.path[-1]) for key, s in in_bios.items() for dep in s.deps
                   if dep.asset_key in in_bios}
    assert ("raw_bios", "bios") in asset_edges and ("raw_bios", "rejected_bios") in asset_edges
    page.goto(f"/locations/{LOCATION}/asset-groups/bios")
    graph = page.locator("svg:has(foreignObject)")
    expect(graph.locator("foreignObject").filter(has_text="raw_bios").first).to_be_visible()
    wait_for_graph(graph, {key.path[-1] for key in in_bios}, asset_edges)
    expect(graph.get_by_text(LOADING)).to_have_count(0)  # each asset's latest event, checks and partitions
    shot(page, "asset_graph_bios_lineage")


def test_an_asset_page_shows_its_description_partitions_metadata_and_check_results(page: Page,
                                                                                  ui_platform: UIPlatform):
    seeded = ui_platform.seeded
    page.goto("/assets/bios/bios")
    expect(page.get_by_text(spec(BIOS).description)).to_be_visible()
    metadata = page.get_by_role("row").filter(has=page.get_by_role("cell", name="raw_rows", exact=True))
    expect(metadata.first).to_be_visible()
    shot(page, "asset_page_overview")

    page.get_by_role("tab", name="Partitions").click()
    expect(page.get_by_text(f"Materialized ({len(BIOS_LEAGUES)})")).to_be_visible()
    for league in load_config().leagues:
        expect(page.get_by_text(league, exact=True).first).to_be_visible()
    league = BIOS_LEAGUES[0]
    page.get_by_text(league, exact=True).first.click()
    expect(page).to_have_url(re.compile(rf"partition={league}\b"))
    # The partition's own materialization metadata: rows read and kept, where the partition file is.
    for key, value in [("raw_rows", seeded.raw_rows[league]), ("dagster/row_count", seeded.bios_rows[league]),
                       ("partition_file", f"{league}.parquet")]:
        row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=key, exact=True))
        expect(row.first).to_contain_text(str(value))
    shot(page, "asset_page_partition")

    page.get_by_role("tab", name="Checks").click()
    expect(page.get_by_text("great_expectations").first).to_be_visible()
    words = re.compile("|".join(re.escape(d) for d in seeded.bios_check_descriptions))
    expect(page.get_by_text(words)).to_be_visible()
    expect(page.get_by_text("Passed", exact=True).first).to_be_visible()
    shot(page, "asset_page_checks")


# The run list's status words (Dagster's run statuses as the list shows them).
RUN_STATUSES = ["Queued", "Not started", "Starting", "Started", "Success", "Failure", "Canceling", "Canceled"]
_ROW_JS = """(link, statuses) => {
    for (let box = link.parentElement; box; box = box.parentElement) {
        const lines = box.innerText.split('\\n').map(line => line.trim());
        if (statuses.some(status => lines.includes(status))) return box.innerText;
    }
    return null;
}"""


def run_row_text(page: Page, run_id: str) -> str:
    """The text of the run list's row of `run_id`: the smallest block around the run's link that shows a status."""
    link = page.get_by_role("link").filter(has_text=run_id).first
    expect(link).to_be_visible()
    text = link.evaluate(_ROW_JS, RUN_STATUSES)
    assert text, f"no status next to run {run_id}"
    return text


def row_status(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    return next(status for status in RUN_STATUSES if status in lines)


def test_materializing_one_partition_by_clicking_succeeds_and_shows_in_the_run_list(page: Page):
    assert UNSEEDED_LEAGUE in load_config().leagues and UNSEEDED_LEAGUE not in BIOS_LEAGUES
    page.goto("/assets/bios/raw_bios")
    page.get_by_role("button", name="Materialize…").click()
    dialog = page.get_by_role("dialog").filter(has_text="Partition selection")
    dialog.get_by_text("Select a partition or create one").click()
    page.get_by_role("menuitem", name=re.compile(rf"^{UNSEEDED_LEAGUE}\b")).click()
    page.keyboard.press("Escape")  # closes the partition menu
    launch = dialog.get_by_role("button", name="Launch 1 run")
    expect(launch).to_be_enabled()
    expect(dialog).to_contain_text("1 partition")
    shot(page, "materialize_one_partition")
    launch.click()
    expect(dialog).to_be_hidden()
    launched = page.get_by_text(re.compile(r"Launched run [0-9a-f]{8}")).first  # the toast
    expect(launched).to_be_visible()
    run_id = re.search(r"Launched run ([0-9a-f]{8})", launched.inner_text()).group(1)

    page.get_by_role("link").filter(has=page.get_by_text("Runs", exact=True)).first.click()  # the navigation
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while (status := row_status(text := run_row_text(page, run_id))) != "Success":
        assert status not in ("Failure", "Canceling", "Canceled"), f"run {run_id} ended {status}:\n{text}"
        assert time.monotonic() < deadline, f"run {run_id} still {status} after {RUN_TIMEOUT_S} s"
        time.sleep(2)
        page.reload()
    assert f"partition: {UNSEEDED_LEAGUE}" in text and RAW_BIOS.to_user_string().replace("/", " / ") in text, text
    shot(page, "run_list")


def test_a_plot_in_the_metadata_renders_as_an_image(page: Page, ui_platform: UIPlatform):
    assert ui_platform.seeded.graph_status == "estimated"
    page.goto("/assets/analysis/observed_causal_graph")
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="graph", exact=True))
    row.get_by_text("[Show Markdown]").click()
    image = page.get_by_role("dialog").get_by_role("img", name="observed causal graph")
    expect(image).to_be_visible()
    image.evaluate("img => img.decode()")  # resolves once the PNG is decoded, rejects if it cannot be
    width, height, src = image.evaluate("img => [img.naturalWidth, img.naturalHeight, img.src.slice(0, 22)]")
    assert src == "data:image/png;base64,"
    assert width > 200 and height > 100, (width, height)
    shot(page, "plot_observed_causal_graph")
