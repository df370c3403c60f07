"""Stable person ids, derived from the source identity and never from row order."""
import hashlib


def person_id(dataset: str, league: str, source_id: str) -> str:
    digest = hashlib.sha256(f"{dataset}/{league}/{source_id}".encode("utf-8")).hexdigest()
    return f"px-{digest[:16]}"
