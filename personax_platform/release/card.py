"""The dataset card (README.md with YAML front matter) that travels with every release."""
from __future__ import annotations

import yaml

from personax_platform.release.tables import TABLES, Release

USAGE_RULES = (
    "Non-commercial research only. No employment, credit, insurance, education, medical, legal or other high-stakes "
    "decisions; no surveillance, automated profiling or targeting; no attempt to re-identify anyone. The scores are "
    "LLM inferences about public behaviour, not psychological assessments."
)


def dataset_card(release: Release, built_at: str) -> str:
    counts = {name: len(frame) for name, frame in release.tables.items()}
    front = {
        "license": "cc-by-nc-4.0",
        "pretty_name": f"PersonaX-format release: {release.dataset}",
        "tags": ["personax", "big-five", "behaviour-traits", "multimodal", "privacy-preserving"],
        "configs": [{"config_name": name, "data_files": f"data/{name}.parquet"} for name in TABLES],
        "extra_gated_prompt": USAGE_RULES,
    }
    p = release.provenance
    lines = [
        "---", yaml.safe_dump(front, sort_keys=False).rstrip(), "---", "",
        f"# PersonaX-format release: {release.dataset}", "",
        "## Usage rules", "", USAGE_RULES, "",
        "## What is in it", "",
        "| table | rows | contents |", "|---|---:|---|",
        f"| people | {counts['people']} | pseudonymous id `pid`, categorical features as indices (`*_idx`, code book "
        "in `categories`), birth year/month/day, day of year and its sin/cos, latitude/longitude of nationality, "
        "height (cm), weight (kg), CelebA face attributes (-1/1) |",
        f"| categories | {counts['categories']} | column, index, value |",
        f"| model_scores | {counts['model_scores']} | pid, model, trait, score 0–3 (0 = insufficient information) |",
        f"| aggregated | {counts['aggregated']} | pid, trait, median of the non-zero model scores, n_models |",
        f"| face_embeddings | {counts['face_embeddings']} | pid, space, embedding (rotated, see below) |",
        f"| text_embeddings | {counts['text_embeddings']} | pid, model, space, embedding of the model's description "
        "(rotated) |", "",
        "People per league: " + ", ".join(f"{k} {v}" for k, v in p.get("rows_per_league", {}).items()) + ".", "",
        "## How it was built", "",
        f"- Trait scores: prompt `{p.get('prompt_id')}` (sha `{p.get('prompt_sha')}`), models "
        f"{', '.join(p.get('models', [])) or 'none'}.",
        f"- Face embedding spaces: {', '.join(p.get('face_spaces', [])) or 'none'}; text embedding spaces: "
        f"{', '.join(p.get('text_spaces', [])) or 'none'}.",
        "- Ids are keyed hashes of the source identity; without the data steward's secret they cannot be linked back.",
        "- Embeddings are multiplied by a random orthogonal matrix per space, keyed by the same secret: distances, "
        "angles and linear structure are unchanged, comparison with other embeddings of the same model is not "
        "possible without the secret.",
        "- Not included: names, descriptions, raw model answers, image files or paths, source ids.",
        f"- Built {built_at} by PersonaX Platform.", "",
    ]
    return "\n".join(lines)
