"""docker-compose.yml, checked without a Docker engine: docker-compose's own validation, then what it promises
(only the UI and, behind its profile, the object store's S3 API published, on 127.0.0.1; secrets from the git-ignored
.env; named volumes where the image reads and writes; every command and code location present in the image built
from the repository; the lake in the object store's bucket when the objectstore block of .env is on)."""
from __future__ import annotations

import fnmatch
import importlib.metadata
import os
import re
import stat
import subprocess
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from personax_platform.warehouse.store import LakeLocation
from tests.conftest import REPO_ROOT
from tests.deploy import compose
from tests.deploy.dockerfile import Dockerfile

DOCKERFILE = Dockerfile.read(REPO_ROOT / "Dockerfile")
DAGSTER_SERVICES = ("pools", "usercode", "daemon", "webserver")  # built from the Dockerfile
OBJECTSTORE_SERVICES = ("objectstore", "objectstore-init")  # the `objectstore` profile
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY")
# A pinned tag: a version or a dated release, never a moving name like `latest`, `main` or `server`.
PINNED_TAG = re.compile(r":v?\d+(\.\d+)+(-[\w.]+)?$|:RELEASE\.\d{4}-")


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
    assert set(services(compose_config)) == {"postgres", "llm", *DAGSTER_SERVICES, *OBJECTSTORE_SERVICES}


def test_only_the_webserver_and_the_object_store_publish_a_port_and_on_localhost(compose_config):
    publishing = {name: published_ports(service) for name, service in services(compose_config).items()
                  if service.get("ports")}
    assert publishing == {"webserver": [("127.0.0.1", "3000")], "objectstore": [("127.0.0.1", "8333")]}
    # The UI's address is a setting (PERSONAX_UI_BIND); the object store's is not: it is loopback whatever .env says.
    written = compose_config.written["services"]["objectstore"]["ports"]
    assert all(str(port).startswith("127.0.0.1:") for port in written), written


def test_the_local_llm_server_and_the_object_store_are_optional_behind_their_profiles(compose_config):
    profiles = {name: service.get("profiles") for name, service in services(compose_config).items()}
    assert profiles.pop("llm") == ["llm"]
    for name in OBJECTSTORE_SERVICES:
        assert profiles.pop(name) == ["objectstore"]
    assert not any(profiles.values()), "every other service must start with a plain `docker compose up`"
    for name, service in services(compose_config).items():
        if "image" in service and "build" not in service:
            assert ":" in service["image"], f"{name}: pin the image to a tag"
    for name in OBJECTSTORE_SERVICES:
        assert PINNED_TAG.search(services(compose_config)[name]["image"]), f"{name}: pin the image to a release"


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
        # A secret is one reference to a variable of .env, with no default other than empty: `${NAME}`, `${NAME:?…}`,
        # `${NAME:-}`; never a literal, and never `${NAME:-a-default-password}`.
        literal = {key: value for key, value in (service.get("environment") or {}).items()
                   if SECRET_NAME.search(key)
                   and not re.fullmatch(r"\$\{[A-Z_][A-Z0-9_]*(:?\?[^}]*|:?-)?\}", str(value))}
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


# --- the objectstore profile: the lake in a bucket -----------------------------------------------------------------

def objectstore_port(loaded: compose.Compose) -> str:
    command = [str(part) for part in services(loaded)["objectstore"]["command"]]
    return next(part.split("=", 1)[1] for part in command if part.startswith("-s3.port="))


def test_the_object_store_keeps_its_data_on_a_named_volume_and_reports_health(compose_config):
    store = services(compose_config)["objectstore"]
    assert store["command"][0] == "mini" and "-dir=/data" in store["command"]
    assert mounts(store) == {"/data": "objectstore"} and "objectstore" in compose_config.config["volumes"]
    health = [str(part) for part in store["healthcheck"]["test"]]
    assert f"http://127.0.0.1:{objectstore_port(compose_config)}/healthz" in health
    ports = published_ports(store)
    assert [str(port).rsplit(":", 1)[-1].split("/")[0] for port in store["ports"]] == [objectstore_port(compose_config)]
    assert ports == [("127.0.0.1", "8333")]
    init = services(compose_config)["objectstore-init"]
    assert init["depends_on"]["objectstore"]["condition"] == "service_healthy"
    assert init["restart"] == "no"
    assert compose.example_variables()["AWS_ENDPOINT_URL"] == init["environment"]["AWS_ENDPOINT_URL"] == \
        f"http://objectstore:{objectstore_port(compose_config)}"


def test_the_object_store_and_the_platform_share_one_key_from_env(compose_config):
    """The store's only identity is the key pair the Dagster services sign with: both read AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY from .env, so there is one place to change it and no default key in the file."""
    written = compose_config.written["services"]
    for name in OBJECTSTORE_SERVICES:
        environment = written[name]["environment"]
        for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            assert environment[variable] == f"${{{variable}:-}}", f"{name}: {variable} must come from .env"
        assert "env_file" not in written[name], f"{name} gets only its own variables, not all of .env"
    example = compose.example_variables()
    assert example["AWS_SECRET_ACCESS_KEY"] == "change-me"


def test_the_objectstore_block_of_env_example_puts_the_platforms_lake_in_the_bucket():
    """With the objectstore block of deploy/env.example uncommented, as a user turns the profile on, every Dagster
    service gets the lake in the bucket that objectstore-init creates, through the store's endpoint."""
    env_text = compose.example_with_block_enabled("COMPOSE_PROFILES")
    loaded = compose.load(env_text=env_text)
    assert "objectstore" in loaded.env["COMPOSE_PROFILES"].split(",")
    endpoint = f"http://objectstore:{objectstore_port(loaded)}"
    init = loaded.service_environment("objectstore-init")
    store = loaded.service_environment("objectstore")
    for name in DAGSTER_SERVICES:
        environment = loaded.service_environment(name)
        lake = LakeLocation.parse(environment["PERSONAX_LAKE_DIR"])
        assert lake.scheme == "s3" and environment["PERSONAX_LAKE_DIR"] == init["PERSONAX_LAKE_DIR"], name
        assert environment["AWS_ENDPOINT_URL"] == endpoint, name
        assert environment["AWS_ALLOW_HTTP"] == "true", f"{name}: obstore refuses an http:// endpoint without it"
        for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            assert environment[variable] == store[variable] == init[variable] != "", f"{name}: {variable}"
    # Without the block, nothing changes: the lake stays a folder on the `warehouse` volume.
    assert "PERSONAX_LAKE_DIR" not in compose.example_variables(active_only=True)


def _script(loaded: compose.Compose, name: str) -> tuple[list[str], list[str]]:
    """The service's entrypoint as the container's shell receives it (`$$` is compose's escape for `$`)."""
    service = loaded.written["services"][name]
    entrypoint = [str(part).replace("$$", "$") for part in service["entrypoint"]]
    assert entrypoint[:2] == ["/bin/sh", "-c"], f"{name}: expected a /bin/sh -c entrypoint"
    return entrypoint, [str(part) for part in service.get("command", [])]


def test_the_object_store_refuses_to_start_without_a_key(compose_config, tmp_path):
    entrypoint, command = _script(compose_config, "objectstore")
    # /entrypoint.sh is the image's own; here a stand-in that shows what it was given.
    script = entrypoint[2].replace("/entrypoint.sh", str(_stub(tmp_path / "entrypoint.sh", 'echo "started $*"')))
    run = [*entrypoint[:2], script, *entrypoint[3:], *command]
    base = {"PATH": os.environ["PATH"]}
    refused = subprocess.run(run, capture_output=True, text=True, env=base)
    assert refused.returncode == 1 and "AWS_ACCESS_KEY_ID" in refused.stderr and "started" not in refused.stdout
    keys = {"AWS_ACCESS_KEY_ID": "personax", "AWS_SECRET_ACCESS_KEY": "s3cret"}
    started = subprocess.run(run, capture_output=True, text=True, env=base | keys)
    assert started.returncode == 0 and started.stdout.strip() == f"started {' '.join(command)}"


def test_the_bucket_init_creates_the_lakes_bucket_once(compose_config, tmp_path):
    entrypoint, _ = _script(compose_config, "objectstore-init")
    calls, bucket_file = tmp_path / "calls", tmp_path / "bucket"
    # A stand-in `aws` that records its arguments and knows whether the bucket exists.
    _stub(tmp_path / "bin" / "aws", f"""echo "$*" >> {calls}
case "$*" in
  *head-bucket*) [ -e {bucket_file} ] ;;
  *create-bucket*) touch {bucket_file} ;;
esac""")
    env = {"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "HOME": str(tmp_path),
           "PERSONAX_LAKE_DIR": "s3://personax/lake"}
    for _ in range(2):
        done = subprocess.run(entrypoint, capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
    made = [line for line in calls.read_text().splitlines() if "create-bucket" in line]
    assert made == ["s3api create-bucket --bucket personax"], calls.read_text()
    assert "s3api head-bucket --bucket personax" in calls.read_text()
    for wrong in ("", "/var/personax/data/lake", "s3://"):
        refused = subprocess.run(entrypoint, capture_output=True, text=True, env=env | {"PERSONAX_LAKE_DIR": wrong})
        assert refused.returncode == 1 and "PERSONAX_LAKE_DIR" in refused.stderr, wrong


def _stub(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path
