"""The project stands alone: a user who clones it finds every document it points to inside the repository."""
from __future__ import annotations

import re
import subprocess

from tests.conftest import REPO_ROOT

OUTSIDE_NOTES = re.compile(r"(?<![\w/])(PAPER|DESIGN|DEPENDENCIES|CRL_IDENTIFIABILITY)\.md|\.\./shared|\bshared/[A-Z]")
MARKDOWN_LINK = re.compile(r"\]\(((?!https?:|#)[^)#\s]+)")


def tracked_text_files() -> list[str]:
    files = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    return [f for f in files.split() if f.endswith((".py", ".md", ".yaml", ".yml", ".toml", ".sh", ".cfg"))
            or f in ("Makefile", "Dockerfile", ".ci/run")]


def test_no_file_points_to_notes_outside_the_repository() -> None:
    hits = [f"{name}:{number}: {line.strip()}" for name in tracked_text_files()
            if name != "tests/test_docs.py"
            for number, line in enumerate((REPO_ROOT / name).read_text(encoding="utf-8").splitlines(), 1)
            if OUTSIDE_NOTES.search(line)]
    assert not hits, "\n".join(hits)


def test_every_relative_link_in_the_markdown_docs_resolves() -> None:
    broken = []
    for name in tracked_text_files():
        if not name.endswith(".md"):
            continue
        path = REPO_ROOT / name
        for target in MARKDOWN_LINK.findall(path.read_text(encoding="utf-8")):
            if not (path.parent / target).exists():
                broken.append(f"{name} -> {target}")
    assert not broken, broken
