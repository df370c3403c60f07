"""docker-compose files as docker-compose resolves them, without a Docker engine.

`docker-compose config` (Debian's `docker-compose` package; `.ci/run` installs it) validates the files against the
Compose schema, interpolates `${VAR}` from an env file and merges override files. It runs here on a scratch project
directory that mirrors the repository (symlinks) plus a `.env` copied from deploy/env.example (or a variant of it,
e.g. with an optional block uncommented), so that neither the developer's own `.env` nor their shell variables take
part. Where no docker-compose is installed, `load` interpolates the files itself and says so (`validated_by` is None):
the structural tests still run, the schema check does not.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / "deploy" / "env.example"
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}; `$${` is a literal `${`.
_REFERENCE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
_EXAMPLE_LINE = re.compile(r"^#?\s*([A-Z_][A-Z0-9_]*)=(.*)$")


@dataclass(frozen=True)
class Compose:
    written: dict[str, Any]       # the files as written, YAML anchors merged, nothing interpolated
    config: dict[str, Any]        # interpolated and merged (docker-compose's output where it is installed)
    validated_by: str | None      # e.g. "docker-compose version 1.29.2, build unknown"; None: not installed
    env: dict[str, str]           # the variables the `.env` it was resolved with sets

    def service_environment(self, name: str) -> dict[str, str]:
        """What a service's container gets: its `env_file` (.env, the only one this project uses), then its
        `environment`. docker-compose's output already holds both; the fallback adds the .env itself."""
        service = self.config["services"][name]
        found = dict(self.env) if self.validated_by is None and service.get("env_file") else {}
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(entry.split("=", 1) for entry in environment)
        return found | {key: "" if value is None else str(value) for key, value in environment.items()}


def example_variables(active_only: bool = False, text: str | None = None) -> dict[str, str]:
    """Variables of deploy/env.example (or of `text`, a variant of it); commented-out `# NAME=value` lines count
    unless `active_only`."""
    found = {}
    for line in (ENV_EXAMPLE.read_text(encoding="utf-8") if text is None else text).splitlines():
        match = _EXAMPLE_LINE.match(line.strip())
        if match and not (active_only and line.lstrip().startswith("#")):
            found[match.group(1)] = match.group(2)
    return found


def example_with_block_enabled(first: str) -> str:
    """deploy/env.example with one optional block uncommented: the `# NAME=value` line of `first` and the
    `# NAME=value` lines that directly follow it, as a user enables e.g. the objectstore profile."""
    lines, enabling, seen = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines(), False, False
    for index, line in enumerate(lines):
        match = _EXAMPLE_LINE.match(line.strip())
        commented = match is not None and line.lstrip().startswith("#")
        enabling = commented and (enabling or match.group(1) == first)
        if enabling:
            lines[index], seen = line.lstrip().removeprefix("#").lstrip(), True
    assert seen, f"deploy/env.example has no commented-out `# {first}=` line"
    return "\n".join(lines) + "\n"


def referenced_variables(text: str) -> set[str]:
    return {match.group(1) for match in _REFERENCE.finditer(text)}


def compose_command() -> list[str] | None:
    """docker-compose (v1, Debian's package) or the docker CLI's compose plugin (v2), whichever is installed."""
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None


def load(files: Sequence[Path] = (COMPOSE_FILE,), env_text: str | None = None) -> Compose:
    """The files resolved with `env_text` as the project's `.env` (default: deploy/env.example)."""
    env_text = ENV_EXAMPLE.read_text(encoding="utf-8") if env_text is None else env_text
    env = example_variables(active_only=True, text=env_text)
    written = _merge([yaml.safe_load(path.read_text(encoding="utf-8")) for path in files])
    command = compose_command()
    if command is None:
        interpolated = [_interpolate(path.read_text(encoding="utf-8"), env) for path in files]
        return Compose(written, _merge([yaml.safe_load(text) for text in interpolated]), None, env)
    with tempfile.TemporaryDirectory(prefix="personax-compose-") as project:
        _mirror_repository(Path(project), env_text)
        arguments = [item for path in files for item in ("-f", str(path))]
        environment = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": project}
        version = subprocess.run(command + ["version"], capture_output=True, text=True, env=environment)
        resolved = subprocess.run(command + arguments + ["--project-directory", project, "config"],
                                  capture_output=True, text=True, env=environment)
    assert resolved.returncode == 0, f"{' '.join(command)} config rejected the files:\n{resolved.stderr}"
    return Compose(written, yaml.safe_load(resolved.stdout), version.stdout.splitlines()[0].strip(), env)


def _mirror_repository(project: Path, env_text: str) -> None:
    """Relative paths resolve against the project directory: point them at the repository, `.env` at the example."""
    for entry in REPO_ROOT.iterdir():
        if entry.name != ".env":
            (project / entry.name).symlink_to(entry)
    (project / ".env").write_text(env_text, encoding="utf-8")


def _interpolate(text: str, values: dict[str, str]) -> str:
    """Compose's interpolation with the .env's variables as the environment (the fallback without docker-compose)."""

    def substitute(match: re.Match) -> str:
        name, operator, argument = match.groups()
        value = values.get(name)
        if operator in (":-", "-") and (value is None or (operator == ":-" and value == "")):
            return argument
        if value is None or (operator == ":?" and value == ""):
            raise AssertionError(f"${{{name}}} is not set by deploy/env.example and has no default")
        return value

    return _REFERENCE.sub(substitute, text).replace("$$", "$")


def _merge(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Override files merged into the first: mappings key by key, anything else replaced."""
    merged: dict[str, Any] = {}
    for document in documents:
        merged = _merge_mappings(merged, document or {})
    return merged


def _merge_mappings(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in override.items():
        result[key] = (_merge_mappings(result[key], value)
                       if isinstance(value, dict) and isinstance(result.get(key), dict) else value)
    return result
