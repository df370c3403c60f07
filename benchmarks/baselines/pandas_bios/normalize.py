"""Raw bios → canonical bios, driven by a league's SourceMapping.

A row that cannot be normalised goes to the quarantine with one entry per problem (file, line, field, value,
reason, whole record). Duplicates of a person (same source identity, e.g. in two roster files) are resolved
deterministically: the most complete row wins, then the later file, then the later line; the others are
quarantined with a reason naming the row that was kept.

A value that parses but cannot be true of a person (a height of 7.6 cm, a weight of 4,535 kg) is a problem of its
row, judged against the league's plausible ranges (`Quality`): the row is quarantined and the rest of the league
goes on. Systematic problems are the league-level checks' business (assets/bios.py, the bios GX suite).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from personax_platform.bios import schema
from personax_platform.bios.categories import majority_vote, parse_face_attribute, parse_gender
from personax_platform.bios.countries import CountryResolver
from personax_platform.bios.dates import calendar_features, parse_birth_date
from personax_platform.bios.errors import FieldError
from personax_platform.bios.identity import person_id
from personax_platform.bios.missing import is_missing
from personax_platform.bios.units import parse_height_cm, parse_weight_kg
from personax_platform.config.datasets import Quality, SourceMapping

_TEXT_FIELDS = ("name", "position", "occupation", "description", "image_ref")


@dataclass
class NormalizedBios:
    bios: pd.DataFrame
    rejected: pd.DataFrame
    duplicates: int = 0


@dataclass
class _Problems:
    items: list[tuple[str, Any, str]] = field(default_factory=list)

    def add(self, field_name: str, value: Any, reason: str) -> None:
        self.items.append((field_name, value, reason))


def normalize_bios(raw: pd.DataFrame, source: SourceMapping, countries: CountryResolver,
                   quality: Quality | None = None) -> NormalizedBios:
    """`quality` defaults to `Quality()` (the platform's default plausible ranges)."""
    quality = quality or Quality()
    rejected_at = datetime.now(timezone.utc)
    kept: list[dict] = []
    rejected: list[dict] = []
    for row in raw.itertuples(index=False):
        pid = person_id(row.dataset, row.league, row.source_id) if _present(row.source_id) else None
        problems = _Problems()
        canonical = _normalize_row(row, pid, source, countries, problems)
        _check_plausible(canonical, quality, problems)
        if problems.items:
            rejected.extend(_rejections(row, pid, problems, rejected_at))
        else:
            kept.append(canonical)
    winners, losers = _resolve_duplicates(kept)
    for loser, winner in losers:
        rejected.append(_rejection(
            loser["_raw"], loser["person_id"], "person_id", loser["source_id"],
            f"duplicate of {winner['person_id']}: kept {winner['source_file']}:{winner['source_line']} "
            "(more complete, or newer file/line)", rejected_at,
        ))
    bios = pd.DataFrame([{k: v for k, v in r.items() if k != "_raw"} for r in winners], columns=schema.BIOS.names)
    return NormalizedBios(
        bios=bios.sort_values("person_id", kind="stable").reset_index(drop=True),
        rejected=pd.DataFrame(rejected, columns=schema.REJECTED_BIOS.names),
        duplicates=len(losers),
    )


def _normalize_row(row: Any, pid: str | None, source: SourceMapping, countries: CountryResolver,
                   problems: _Problems) -> dict:
    if _present(row.read_error):
        problems.add("record", None, row.read_error)
        return {}
    record: dict = json.loads(row.record)
    if pid is None:
        missing = [f for f in source.identity if not _present(record.get(f))]
        problems.add("identity", None, f"missing identity field(s) {missing}: cannot derive a person id")

    def value_of(canonical: str) -> Any:
        if canonical in source.constants:
            return source.constants[canonical]
        mapped = source.fields.get(canonical)
        if isinstance(mapped, tuple):
            parts = [str(record[f]).strip() for f in mapped if _present(record.get(f))]
            return " ".join(parts) or None
        return record.get(mapped) if mapped else None

    def parse(canonical: str, parser: Any, *args: Any) -> Any:
        raw_value = value_of(canonical)
        try:
            return parser(raw_value, *args)
        except FieldError as exc:
            problems.add(canonical, raw_value, exc.reason)
            return None

    out: dict[str, Any] = {name: None for name in schema.BIOS.names}
    for name in _TEXT_FIELDS:
        out[name] = _text(value_of(name))
    if out["name"] is None:
        problems.add("name", value_of("name"), "name is missing")
    out["gender"] = parse("gender", parse_gender)
    out["height_cm"] = parse("height", parse_height_cm, source.units.height)
    out["weight_kg"] = parse("weight", parse_weight_kg, source.units.weight)
    birth = parse("birth_date", parse_birth_date, source.date_formats)
    if birth is not None:
        out["birth_date"] = birth
        out.update(calendar_features(birth))
    country = parse("nationality", countries.resolve)
    if country is not None:
        out.update(nationality=country.iso2, latitude=country.latitude, longitude=country.longitude)
    if source.images is not None:
        out.update(_images(record, source, problems))
    out.update(
        person_id=pid, dataset=row.dataset, league=row.league, source_id=row.source_id,
        source_file=row.source_file, source_line=int(row.source_line), loaded_at=row.loaded_at, _raw=row,
    )
    return out


_UNITS = {"height_cm": "cm", "weight_kg": "kg", "birth_year": ""}


def _check_plausible(canonical: dict, quality: Quality, problems: _Problems) -> None:
    for column, (low, high) in quality.ranges().items():
        value = canonical.get(column)
        if value is not None and not low <= value <= high:
            unit = _UNITS[column]
            problems.add(column, value, f"{column} {value:g}{' ' + unit if unit else ''} is outside the plausible "
                                        f"range [{low:g}, {high:g}] (datasets.yaml `quality.{column}`)")


def _images(record: dict, source: SourceMapping, problems: _Problems) -> dict:
    spec = source.images
    images = record.get(spec.field) or []
    if not isinstance(images, list):
        problems.add(spec.field, images, f"expected a list of images, found {type(images).__name__}")
        return {}
    votes: dict[str, list[int]] = {attr: [] for attr in schema.FACE_ATTRIBUTES}
    for index, image in enumerate(images):
        attributes = (image or {}).get(spec.attributes) or {}
        for attr in schema.FACE_ATTRIBUTES:
            try:
                vote = parse_face_attribute(attributes.get(attr))
            except FieldError as exc:
                problems.add(f"{spec.field}[{index}].{spec.attributes}.{attr}", attributes.get(attr), exc.reason)
                continue
            if vote is not None:
                votes[attr].append(vote)
    out: dict[str, Any] = {"n_images": len(images)}
    ties = []
    for attr, values in votes.items():
        out[attr], tied = majority_vote(values)
        if tied:
            ties.append(attr)
    out["face_attribute_ties"] = ",".join(ties) or None
    first_file = next((img.get(spec.file) for img in images if isinstance(img, dict) and img.get(spec.file)), None)
    if first_file and "image_ref" not in source.fields:
        out["image_ref"] = str(first_file)
    return out


def _resolve_duplicates(rows: list[dict]) -> tuple[list[dict], list[tuple[dict, dict]]]:
    by_person: dict[str, list[dict]] = {}
    for row in rows:
        by_person.setdefault(row["person_id"], []).append(row)
    winners, losers = [], []
    for group in by_person.values():
        ranked = sorted(group, key=_preference, reverse=True)
        winners.append(ranked[0])
        losers.extend((loser, ranked[0]) for loser in ranked[1:])
    return winners, losers


def _preference(row: dict) -> tuple:
    completeness = sum(_present(v) for k, v in row.items() if k != "_raw")
    return completeness, row["source_file"], row["source_line"]


def _rejections(row: Any, pid: str | None, problems: _Problems, at: datetime) -> list[dict]:
    return [_rejection(row, pid, f, v, reason, at) for f, v, reason in problems.items]


def _rejection(row: Any, pid: str | None, field_name: str, value: Any, reason: str, at: datetime) -> dict:
    return {
        "dataset": row.dataset, "league": row.league, "source_file": row.source_file,
        "source_line": int(row.source_line), "person_id": pid, "field": field_name,
        "value": None if value is None else str(value), "reason": reason, "record": row.record, "rejected_at": at,
    }


def _present(value: Any) -> bool:
    return not is_missing(value)


def _text(value: Any) -> str | None:
    return " ".join(str(value).split()) if _present(value) else None
