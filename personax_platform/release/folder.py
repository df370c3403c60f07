"""A release as a Hugging Face dataset folder: `data/<table>.parquet` plus README.md, written and read back."""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from personax_platform.release.card import dataset_card
from personax_platform.release.tables import TABLES, Release

_PROVENANCE = "provenance.json"


def write_release_folder(release: Release, folder: Path, built_at: str) -> Path:
    """Replace `folder` with the release (built beside it, then renamed: readers never see half a release)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    (staging / "data").mkdir()
    for name in TABLES:
        frame = release.tables[name]
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if "embedding" in frame and len(frame):
            table = table.set_column(table.schema.get_field_index("embedding"), "embedding",
                                     pa.array(list(frame["embedding"]), type=pa.list_(pa.float32())))
        pq.write_table(table, staging / "data" / f"{name}.parquet")
    (staging / "README.md").write_text(dataset_card(release, built_at), encoding="utf-8")
    (staging / _PROVENANCE).write_text(json.dumps({"dataset": release.dataset, **release.provenance}, indent=2,
                                                  default=str), encoding="utf-8")
    if folder.exists():
        shutil.rmtree(folder)
    staging.rename(folder)
    return folder


def read_release_folder(folder: Path) -> Release:
    """A PersonaX-format release folder (ours, or downloaded from the hub) as tables."""
    missing = [name for name in TABLES if not (folder / "data" / f"{name}.parquet").exists()]
    if missing:
        raise FileNotFoundError(f"{folder}: not a PersonaX-format release, missing data/{missing[0]}.parquet")
    tables = {name: pd.read_parquet(folder / "data" / f"{name}.parquet") for name in TABLES}
    for name in ("face_embeddings", "text_embeddings"):
        tables[name]["embedding"] = [pd.array(v, dtype="float32").to_numpy() if v is not None else None
                                     for v in tables[name]["embedding"]]
    provenance = json.loads((folder / _PROVENANCE).read_text()) if (folder / _PROVENANCE).exists() else {}
    dataset = provenance.pop("dataset", None) or _card_name(folder)
    return Release(dataset, tables, provenance)


def _card_name(folder: Path) -> str:
    text = (folder / "README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---")[1]) if text.startswith("---") else {}
    return str(front.get("pretty_name", folder.name)).rsplit(": ", 1)[-1]
