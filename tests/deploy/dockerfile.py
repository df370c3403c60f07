"""Just enough of a Dockerfile reader to tell which repository file a path inside the image comes from.

Covers the instructions the project's Dockerfile uses (WORKDIR, ENV, COPY with flags) with Docker's COPY rules:
a directory source copies its contents into the destination; a file goes into a destination that ends in `/` (or
takes several sources) under its own name, else becomes the destination.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class Copy:
    sources: tuple[str, ...]
    dest: PurePosixPath  # absolute
    into_directory: bool


@dataclass
class Dockerfile:
    context: Path
    workdir: PurePosixPath = PurePosixPath("/")
    env: dict[str, str] = field(default_factory=dict)
    copies: list[Copy] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> Dockerfile:
        parsed = cls(context=path.parent)
        for instruction, arguments in _instructions(path.read_text(encoding="utf-8")):
            if instruction == "WORKDIR":
                parsed.workdir = parsed.workdir / arguments
            elif instruction == "ENV":
                parsed.env.update(part.split("=", 1) for part in shlex.split(arguments))
            elif instruction == "COPY":
                parts = [p for p in shlex.split(arguments) if not p.startswith("--")]
                *sources, dest = parts
                parsed.copies.append(Copy(tuple(sources), parsed.workdir / dest,
                                          into_directory=dest.endswith("/") or len(sources) > 1))
        return parsed

    def repo_path(self, image_path: str | PurePosixPath) -> Path | None:
        """The repository file or directory that the image has at `image_path` (relative: under WORKDIR)."""
        target = self.workdir / image_path
        for copy in reversed(self.copies):  # a later COPY wins
            for source in copy.sources:
                origin = self.context / source
                if origin.is_dir() and (target == copy.dest or copy.dest in target.parents):
                    candidate = origin / target.relative_to(copy.dest)
                    if candidate.exists():
                        return candidate
                elif origin.is_file():
                    placed = copy.dest / origin.name if copy.into_directory else copy.dest
                    if target == placed:
                        return origin
        return None


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical, pending = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    return [(word.upper(), rest.strip()) for word, _, rest in (entry.partition(" ") for entry in logical)]
