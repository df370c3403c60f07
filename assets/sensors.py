"""The landing-file sensor: a new, changed or removed landing file of a league re-materializes that league's bios.

Only bios are requested: trait inference and the embeddings are eager on bios, so the default automation condition
sensor carries the change downstream on its next tick, like any other bios materialization.

The cursor holds every landing file's size, modification time and content hash. A file is hashed again only when its
size or mtime moved, and a league is requested once per new set of file contents: touching a file, or copying the same
bytes over it, requests nothing. The first tick only records the files already there: loading existing data is a
deliberate act (`make demo`, a backfill from the UI), not a side effect of starting the UI on a new instance.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dagster as dg

from assets.jobs import bios_job
from personax_platform.bios.landing import NoLandingFiles, landing_files
from resources.landing import LandingResource

# league -> landing file (relative to the landing dir) -> [size, mtime_ns, sha256 of the content]
Snapshot = dict[str, dict[str, list]]
_TAG = "personax/landing_change"


@dg.sensor(
    job=bios_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Every 30 s: re-materializes the bios of each league whose landing files were added, changed or "
                "removed since the last tick (by content hash); trait inference and embeddings follow through "
                "declarative automation. The first tick records the files already there without requesting runs.",
)
def landing_files_sensor(context: dg.SensorEvaluationContext, landing: LandingResource) -> dg.SensorResult:
    previous: Snapshot | None = json.loads(context.cursor) if context.cursor else None
    current = scan_landing(landing, previous or {})
    cursor = json.dumps(current, sort_keys=True)
    if previous is None:
        files = sum(len(f) for f in current.values())
        return dg.SensorResult(skip_reason=f"recorded {files} existing landing files of {len(current)} leagues",
                               cursor=cursor)
    changes = changed_leagues(previous, current)
    if not changes:
        return dg.SensorResult(skip_reason="no landing file added, changed or removed", cursor=cursor)
    return dg.SensorResult(
        run_requests=[dg.RunRequest(partition_key=league, tags={_TAG: summary[:200]})
                      for league, summary in sorted(changes.items())],
        cursor=cursor,
    )


def scan_landing(landing: LandingResource, previous: Snapshot) -> Snapshot:
    """Every league partition's landing files now; hashes are reused from `previous` where size and mtime match."""
    root, config = Path(landing.landing_dir), landing.config()
    snapshot: Snapshot = {}
    for league in landing.landed_leagues():  # known-truth cohorts are generated, never landed
        try:
            paths = landing_files(root, config.source(league))
        except NoLandingFiles:
            continue  # nothing to load yet; a league whose files all went is not requested (its run would fail)
        known = previous.get(league, {})
        snapshot[league] = {}
        for path in paths:
            name, stat = path.relative_to(root).as_posix(), path.stat()
            old = known.get(name)
            same = old is not None and old[:2] == [stat.st_size, stat.st_mtime_ns]
            snapshot[league][name] = [stat.st_size, stat.st_mtime_ns, old[2] if same else _sha256(path)]
    return snapshot


def changed_leagues(previous: Snapshot, current: Snapshot) -> dict[str, str]:
    """League -> what changed in words, for leagues that still have landing files and whose contents differ."""
    changes = {}
    for league, files in current.items():
        before = {name: version[2] for name, version in previous.get(league, {}).items()}
        now = {name: version[2] for name, version in files.items()}
        parts = [f"{label}: {', '.join(sorted(names))}" for label, names in (
            ("new", now.keys() - before.keys()),
            ("changed", {n for n in now.keys() & before.keys() if now[n] != before[n]}),
            ("removed", before.keys() - now.keys()),
        ) if names]
        if parts:
            changes[league] = "; ".join(parts)
    return changes


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
