"""The landing-file sensor: which league's bios it requests, when, and only once per new file contents."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from assets.sensors import landing_files_sensor
from definitions import defs
from resources.landing import LandingResource
from tests.conftest import DATASETS_CONFIG, SAMPLE_LANDING

PGA = "athlepersona/pga/players.csv"
NHL = "athlepersona/nhl/roster_2024_25.csv"


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """A landing area holding the sample's pga and nhl files only."""
    root = tmp_path / "landing"
    for name in (PGA, NHL):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SAMPLE_LANDING / name, root / name)
    return root


class Ticks:
    """Evaluates the sensor the way the daemon does: each tick starts from the cursor the previous one stored."""

    def __init__(self, root: Path) -> None:
        self.resource = LandingResource(landing_dir=str(root), datasets_config=str(DATASETS_CONFIG),
                                        data_dir=str(root.parent / "data"))
        self.cursor: str | None = None

    def __call__(self) -> dg.SensorResult:
        context = dg.build_sensor_context(cursor=self.cursor, resources={"landing": self.resource})
        result = landing_files_sensor(context)
        self.cursor = result.cursor
        return result


def _requested(result: dg.SensorResult) -> dict[str, str]:
    return {r.partition_key: r.tags["personax/landing_change"] for r in result.run_requests or []}


def _touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def test_the_sensor_runs_by_default_and_targets_the_bios_job():
    sensor = defs.resolve_sensor_def("landing_files_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.job_name == "bios_job"
    assert sensor.minimum_interval_seconds == 30


def test_the_first_tick_records_existing_files_without_requesting_runs(landing):
    tick = Ticks(landing)
    first = tick()
    assert not first.run_requests
    assert "recorded 2 existing landing files of 2 leagues" in first.skip_reason.skip_message
    assert not tick().run_requests  # nothing changed since


def test_a_new_league_file_requests_that_league_once(landing):
    tick = Ticks(landing)
    tick()
    nba = landing / "athlepersona/nba/roster_2025.csv"
    nba.parent.mkdir(parents=True)
    shutil.copy2(SAMPLE_LANDING / "athlepersona/nba/roster_2025.csv", nba)
    assert _requested(tick()) == {"nba": "new: athlepersona/nba/roster_2025.csv"}
    assert not tick().run_requests  # each file version triggers once


def test_a_changed_file_requests_its_league_but_a_touched_or_rewritten_one_does_not(landing):
    tick = Ticks(landing)
    tick()
    _touch_later(landing / PGA)
    shutil.copy(SAMPLE_LANDING / NHL, landing / NHL)  # same bytes, new mtime
    assert not tick().run_requests
    with (landing / PGA).open("a", encoding="utf-8") as file:
        file.write("99999,Newcomer Person,1999-01-02,180,80.0,American,,2020\n")
    assert _requested(tick()) == {"pga": f"changed: {PGA}"}
    assert not tick().run_requests


def test_a_second_file_and_removals(landing):
    tick = Ticks(landing)
    tick()
    extra = landing / "athlepersona/pga/players_2026.csv"
    shutil.copy(SAMPLE_LANDING / PGA, extra)
    assert _requested(tick()) == {"pga": "new: athlepersona/pga/players_2026.csv"}
    extra.unlink()
    assert _requested(tick()) == {"pga": "removed: athlepersona/pga/players_2026.csv"}
    (landing / NHL).unlink()  # the league has no file left: a run could only fail
    assert not tick().run_requests


def test_files_being_written_under_a_dot_name_are_ignored_until_renamed(landing):
    tick = Ticks(landing)
    tick()
    partial = landing / "athlepersona/pga/.players_2026.csv.part"
    partial.write_text("id,player_name\n1,Half Writ", encoding="utf-8")
    assert not tick().run_requests
    partial.rename(landing / "athlepersona/pga/players_2026.csv")
    assert set(_requested(tick())) == {"pga"}
