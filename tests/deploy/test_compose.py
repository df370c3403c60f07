"""docker-compose.yml, checked without a Docker engine: docker-compose's own validation, then what it promises
(only the UI published, on 127.0.0.1; secrets from the git-ignored .env; named volumes where the image reads and
writes; every command and code location present in the image built from the repository)."""
from __future__ import annotations

import fnmatch
import importlib.metadata
import re
import subprocess
import tomllib
from pathlib import PurePosixPath
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.deploy import compose
from tests.deploy.dockerfile import Dockerfile

DOCKERFILE = Dockerfile.read(REPO_ROOT / "Dockerfile")
DAGSTER_SERVICES = ("pools", "usercode", "daemon", "webserver")  # built from the Dockerfile
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY")


def services(loaded: compose.Compose) -> dict[str, dict[str, Any]]:
    return loaded.config["services"]


def published_ports(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(host ip, published port) of each binding, from the short ("ip:host:container") or the long syntax."""
    bindings = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            bindings.append((port.get("host_ip", ""), str(port.get("published", ""))))
        else:
            parts = str(port).split(":")
            bindings.append((parts[0] if len(parts) == 3 else "", parts[-2] if len(parts) > 1 else ""))
    return bindings


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """container path -> source (named volume or host path), from the short or the long syntax."""
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            found[volume["target"]] = volume["source"]
        else:
            parts = str(volume).split(":")  # source:target[:mode], or a bare target (anonymous volume)
            found[parts[1] if len(parts) > 1 else parts[0]] = parts[0] if len(parts) > 1 else ""
    return found


def option(command: list[str], flag: str) -> str | None:
    return command[command.index(flag) + 1] if flag in command else None


def test_docker_compose_accepts_the_file(compose_config):
    if compose_config.validated_by is None:
        pytest.skip("docker-compose is not installed (Debian package `docker-compose`; .ci/run installs it): the "
                    "other tests checked the file structurally only")
    print(f"validated by {compose_config.validated_by}")
    assert set(services(compose_config)) == {"postgres", "llm", *DAGSTER_SERVICES}


def test_only_the_webserver_publishes_a_port_and_on_localhost_by_default(compose_config):
    publishing = {name: published_ports(service) for name, service in services(compose_config).items()
                  if service.get("ports")}
    assert publishing == {"webserver": [("127.0.0.1", "3000")]}


def test_the_local_llm_server_is_optional_behind_the_llm_profile(compose_config):
    profiles = {name: service.get("profiles") for name, service in services(compose_config).items()}
    assert profiles.pop("llm") == ["llm"]
    assert not any(profiles.values()), "every other service must start with a plain `docker compose up`"
    for name, service in services(compose_config).items():
        if "image" in service and "build" not in service:
            assert ":" in service["image"], f"{name}: pin the image to a tag"


def test_warehouse_and_landing_are_named_volumes_where_the_image_keeps_them(compose_config):
    assert {"warehouse", "landing", "dagster_pg", "dagster_storage"} <= set(compose_config.config["volumes"])
    usercode = mounts(services(compose_config)["usercode"])
    assert usercode[DOCKERFILE.env["PERSONAX_DATA_DIR"]] == "warehouse"
    assert usercode[DOCKERFILE.env["PERSONAX_LANDING_DIR"]] == "landing"
    # Runs write their stdout/stderr in the user-code container; the UI reads them from the same volume.
    logs = f"{DOCKERFILE.env['DAGSTER_HOME']}/storage"
    assert usercode[logs] == mounts(services(compose_config)["webserver"])[logs] == "dagster_storage"


def test_every_dagster_service_runs_a_command_and_code_location_that_exist_in_the_image(compose_config):
    console_scripts = {entry.name for entry in importlib.metadata.entry_points(group="console_scripts")}
    code_location = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["dagster"][
        "code_location_name"]
    assert DOCKERFILE.repo_path(f"{DOCKERFILE.env['DAGSTER_HOME']}/dagster.yaml") == REPO_ROOT / "deploy/dagster.yaml"
    for name in DAGSTER_SERVICES:
        service = services(compose_config)[name]
        assert "build" in service, f"{name} must run the project's image"
        command = [str(part) for part in service["command"]]
        if command[0] == "python":
            assert DOCKERFILE.repo_path(command[1]), f"{name}: {command[1]} is not in the image"
        else:
            assert command[0] in console_scripts, f"{name}: no installed package provides `{command[0]}`"
        module = option(command, "-m")
        if module:
            assert DOCKERFILE.repo_path(f"{module.replace('.', '/')}.py"), f"{name}: module {module} not in image"
        workspace = option(command, "-w")
        if workspace:
            source = DOCKERFILE.repo_path(workspace)
            assert source, f"{name}: workspace {workspace} is not in the image"
            for entry in yaml.safe_load(source.read_text())["load_from"]:
                server = entry["grpc_server"]
                serving = [str(part) for part in services(compose_config)[server["host"]]["command"]]
                assert option(serving, "-p") == str(server["port"]), f"{name}: nothing serves {server}"
                assert server["location_name"] == code_location


def docker_ignored(source: str, patterns: list[str]) -> list[str]:
    """The .dockerignore patterns that exclude `source` or a directory above it (`*` within one path component,
    a leading `**/` at any depth, as Docker matches them)."""
    parts = PurePosixPath(source).parts
    hits = []
    for pattern in patterns:
        wanted = PurePosixPath(pattern).parts
        for depth in range(1, len(parts) + 1):
            prefix = parts[:depth]
            if wanted[0] == "**":
                matched = len(wanted) == 2 and fnmatch.fnmatchcase(prefix[-1], wanted[1])
            else:
                matched = len(prefix) == len(wanted) and all(map(fnmatch.fnmatchcase, prefix, wanted))
            if matched:
                hits.append(pattern)
                break
    return hits


def test_everything_the_dockerfile_copies_exists_and_is_not_docker_ignored():
    patterns = [line.strip() for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert not [p for p in patterns if p.startswith("!")], "exception patterns are not understood by this test"
    assert docker_ignored("a/b/__pycache__/c.pyc", ["**/__pycache__"]) and not docker_ignored("x/data", ["data"])
    for copy in DOCKERFILE.copies:
        for source in copy.sources:
            assert (REPO_ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert not docker_ignored(source, patterns), f"COPY {source} is excluded by .dockerignore"


def test_secrets_come_from_the_git_ignored_env_file(compose_config):
    written = compose_config.written["services"]
    for name in DAGSTER_SERVICES:
        assert written[name]["env_file"] in (".env", [".env"]), f"{name} must read .env"
    for name, service in written.items():
        literal = {key: value for key, value in (service.get("environment") or {}).items()
                   if SECRET_NAME.search(key) and not str(value).startswith("${")}
        assert not literal, f"{name}: secrets belong in .env, not in docker-compose.yml: {sorted(literal)}"
    assert subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=REPO_ROOT).returncode == 0, \
        ".env must be git-ignored"
    assert ".env" in (REPO_ROOT / ".dockerignore").read_text().split(), ".env must never reach an image"


def test_env_example_lists_every_variable_the_deployment_reads(compose_config):
    documented = compose.example_variables()
    in_compose = compose.referenced_variables(compose.COMPOSE_FILE.read_text())
    assert not in_compose - set(documented), f"add to deploy/env.example: {sorted(in_compose - set(documented))}"
    # The instance file has no defaults: each Dagster service must get every variable it names.
    instance_file = (REPO_ROOT / "deploy" / "dagster.yaml").read_text()
    required = set(re.findall(r"\{env: ([A-Z_][A-Z0-9_]*)\}", instance_file))
    assert required, "deploy/dagster.yaml reads its connection settings from the environment"
    for name in DAGSTER_SERVICES:
        given = set(compose.example_variables(active_only=True)) | set(
            compose_config.written["services"][name].get("environment") or {})
        assert not required - given, f"{name} lacks {sorted(required - given)}"
