"""A throwaway PostgreSQL server from the machine's own binaries (Debian's postgresql package), for the deploy tests.

Standard library only: `.ci/run` starts one with the system Python before the project's venv exists
(`python3.11 tests/deploy/throwaway_postgres.py start DIR` prints `export` lines; `... stop DIR` stops it), and the
tests' fixture starts its own when CI did not. The server listens on 127.0.0.1 on a free port and on a socket in DIR,
with password authentication over TCP, fsync off (it holds nothing worth keeping), and runs as the `postgres` user
when started by root (initdb refuses to run as root).
"""
from __future__ import annotations

import os
import pwd
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "PERSONAX_TEST_POSTGRES_"
_USER = "personax"
_START_ATTEMPTS = 3  # a free port can be taken between choosing it and the server binding it


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str
    db: str

    def env(self) -> dict[str, str]:
        """The PERSONAX_TEST_POSTGRES_* variables that point the deploy tests at this server."""
        return {f"{ENV_PREFIX}{key}": str(value) for key, value in
                {"HOST": self.host, "PORT": self.port, "USER": self.user, "PASSWORD": self.password,
                 "DB": self.db}.items()}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Server | None:
        """The server CI started (PERSONAX_TEST_POSTGRES_HOST and the rest), or None when not set."""
        if f"{ENV_PREFIX}HOST" not in environ:
            return None
        value = {key: environ[f"{ENV_PREFIX}{key}"] for key in ("HOST", "PORT", "USER", "PASSWORD", "DB")}
        return cls(value["HOST"], int(value["PORT"]), value["USER"], value["PASSWORD"], value["DB"])


def bindir() -> Path | None:
    """PostgreSQL's server binaries: PERSONAX_PG_BINDIR, else the newest /usr/lib/postgresql/*/bin, else PATH."""
    candidates = [Path(os.environ["PERSONAX_PG_BINDIR"])] if "PERSONAX_PG_BINDIR" in os.environ else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _version(p.parent.name),
                         reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    return next((c for c in candidates if (c / "initdb").is_file() and (c / "pg_ctl").is_file()), None)


def start(base: Path) -> Server:
    """initdb into `base`/data and start the server; `base` must be empty or new, and not under a root-only dir."""
    binaries = bindir()
    if binaries is None:
        raise FileNotFoundError("no PostgreSQL server binaries (install Debian's `postgresql` package)")
    base.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    pwfile = base / "pwfile"
    with os.fdopen(os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write(password + "\n")
    _hand_over(base, pwfile)
    _as_owner(binaries / "initdb", "-D", base / "data", "-U", _USER, f"--pwfile={pwfile}", "--auth-local=trust",
              "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions")
    pwfile.unlink()
    for _ in range(_START_ATTEMPTS):
        port = _free_port()
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off -c full_page_writes=off"
        if _as_owner(binaries / "pg_ctl", "-D", base / "data", "-l", base / "server.log", "-o", options,
                     "-w", "-t", "30", "start", check=False):
            return Server("127.0.0.1", port, _USER, password, "postgres")
    raise RuntimeError(f"PostgreSQL did not start; its log:\n{(base / 'server.log').read_text()}")


def stop(base: Path) -> None:
    """Stop the server started in `base` (fast shutdown); nothing to do if it is not running."""
    binaries = bindir()
    if binaries is not None and (base / "data" / "postmaster.pid").exists():
        _as_owner(binaries / "pg_ctl", "-D", base / "data", "-m", "fast", "-w", "stop")


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _owner() -> str | None:
    """The account the server runs as when we are root: `postgres` (Debian's package creates it), else `nobody`."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a `postgres` nor a `nobody` account exists")


def _hand_over(*paths: Path) -> None:
    owner = _owner()
    if owner is not None:
        for path in paths:
            shutil.chown(path, user=owner)


def _as_owner(*command: object, check: bool = True) -> bool:
    """Run a server binary as the server's account; True if it succeeded (raises instead when `check`)."""
    owner = _owner()
    prefix = ["runuser", "-u", owner, "--"] if owner else []
    done = subprocess.run(prefix + [str(part) for part in command], check=check, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    return done.returncode == 0


def main(argv: list[str]) -> None:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        sys.exit("usage: throwaway_postgres.py start|stop DIR")
    base = Path(argv[1])
    if argv[0] == "stop":
        stop(base)
        return
    for key, value in start(base).env().items():
        print(f"export {key}={shlex.quote(value)}")


if __name__ == "__main__":
    main(sys.argv[1:])
