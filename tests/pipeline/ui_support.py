"""The real Dagster UI for end-to-end tests: `dagster dev` (webserver, daemon, code server and the runs they launch)
in a process group of its own on a free loopback port, a GraphQL client that talks to it like the UI does, and a stop
that ends every process of the group by its ids."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from tests.conftest import REPO_ROOT

DAGSTER = REPO_ROOT / ".venv" / "bin" / "dagster"
WORKSPACE = REPO_ROOT / "workspace.yaml"
LOCATION = "personax_platform"  # workspace.yaml
REPOSITORY = "__repository__"  # a module's `defs`
T = TypeVar("T")


class GraphQLError(RuntimeError):
    pass


class DagsterUI:
    def __init__(self, port: int, process: subprocess.Popen, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.process = process
        self.log = log

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables}).encode()
        request = urllib.request.Request(f"{self.url}/graphql", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = json.loads(response.read())
        if payload.get("errors"):
            raise GraphQLError(json.dumps(payload["errors"])[:2000])
        return payload["data"]

    def selector(self, **name: str) -> dict[str, str]:
        """A repository selector plus e.g. sensorName=... (SensorSelector, ScheduleSelector)."""
        return {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, **name}

    def log_tail(self, chars: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def wait_for(self, what: str, probe: Callable[[], T | None], timeout_s: float, every_s: float = 2.0) -> T:
        """Poll `probe` until it returns something other than None (or False); fail with the server's log tail."""
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"dagster dev exited ({self.process.returncode}) waiting for {what}:\n"
                                     f"{self.log_tail()}")
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                value = probe()
                if value is not None and value is not False:
                    return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}:\n{self.log_tail()}")
            time.sleep(every_s)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def dagster_dev(env: dict[str, str], log: Path, startup_timeout_s: float = 120) -> Iterator[DagsterUI]:
    """`make ui`'s command on a free port; yields once the code location has loaded, stops the whole group after."""
    port = free_port()
    command = [str(DAGSTER), "dev", "-w", str(WORKSPACE), "-h", "127.0.0.1", "-p", str(port)]
    with log.open("wb") as out:
        # A session of its own: its process group holds everything it starts, run workers included. Default signal
        # handling, because a shell that started the tests in the background leaves SIGINT ignored.
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_default_signals)
    ui = DagsterUI(port, process, log)
    try:
        ui.wait_for("the code location to load", lambda: location_loaded(ui), startup_timeout_s)
        yield ui
    finally:
        stop_group(process)


def _default_signals() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


def location_loaded(ui: DagsterUI) -> bool:
    """The project's code location is loaded; a load error fails at once with Dagster's message."""
    entries = ui.graphql("""{ workspaceOrError { __typename ... on Workspace { locationEntries {
        name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }""")
    for entry in entries["workspaceOrError"].get("locationEntries", []):
        location = entry["locationOrLoadError"]
        if location and location["__typename"] == "PythonError":
            raise AssertionError(f"code location failed to load: {location['message']}")
        if entry["name"] == LOCATION and entry["loadStatus"] == "LOADED" and location:
            return True
    return False


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group, from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(stat.parent.name))
    return members


def stop_group(process: subprocess.Popen, grace_s: float = 30) -> None:
    """SIGTERM to every process of the group `process` leads (its id is the group's), SIGKILL to what is left."""
    pgid = process.pid
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 10)):
        for pid in group_members(pgid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(wait_s)
        deadline = time.monotonic() + wait_s
        while group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.5)
        if not group_members(pgid):
            return
    raise AssertionError(f"processes of group {pgid} survived SIGKILL: {group_members(pgid)}")
