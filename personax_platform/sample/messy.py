"""Messy rows (realistic mistakes the normaliser must quarantine) and unusual-but-valid rows (it must normalise).

Only the shipped sample gets them (and `--full --messy`). Each messy row is an *extra* fictional person with exactly
one problem, inserted at a seeded position of its league's file (never first or last), so the expected
`rejected_bios.field` is unambiguous; they are not in truth.parquet. The exception is the NBA duplicates: three
roster_2024.csv players are listed again in the newer roster_2025.csv (one with an updated weight); the newer rows
are the truth and the roster_2024.csv rows are expected to be rejected on person_id. Unusual rows are clean people whose value is written in a rarer but
valid way (the canonical value in truth.parquet is unchanged, except where an optional field is left empty on
purpose: truth.parquet then holds null). truth.json lists both, with source file and line.
"""
from __future__ import annotations

import copy
import json
import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from personax_platform.sample import native_formats as nf
from personax_platform.sample.names import DIACRITIC_CULTURES, draw_name
from personax_platform.sample.people import (
    FACE_ATTRIBUTES, add_celebrity_traits, generate_athletes, generate_celebrities,
)

MISSING = "<missing>"  # identity absent: "" in CSV, key left out in JSONL, null in Parquet
# At most one row per league lacks a source identity (an unreadable line counts): bios.raw_bios' suite tolerates
# up to 5% such rows, and a 30-person sample has room for one.


@dataclass(frozen=True)
class Mess:
    field: str  # the field the row must be rejected on (rejected_bios.field; a face attribute becomes the path
    # images[0].attributes.<name> the normaliser reports)
    value: Any  # what is written instead of a valid value
    problem: str


MESSY: dict[str, tuple[Mess, ...]] = {
    "nba": (
        Mess("height", "six two", "height written out in words"),
        Mess("birth_date", "1990-02-31T00:00:00", "impossible date: February 31"),
        Mess("nationality", "Atlantis", "not a country"),
        Mess("name", "", "display name missing"),
    ),
    "nfl": (
        Mess("record", None, "malformed JSON: the line is truncated"),
        Mess("weight", "heavy", "weight is a word, not a number"),
        Mess("height", "6' 14\"", "14 inches: feet-inches need 0 to 11 inches"),
        Mess("birth_date", "02/30/1995", "impossible date: February 30"),
    ),
    "nhl": (
        Mess("nationality", "ZZZ", "not an ISO 3166 alpha-3 code"),
        Mess("weight", "heavy", "weight is a word, not a number"),
        Mess("birth_date", "1995-13-01", "impossible date: month 13"),
        Mess("name", "", "first and last name missing"),
    ),
    "atp": (
        Mess("birth_date", "February 30, 1994", "impossible date: February 30"),
        Mess("height", "tall", "height is a word, not a measurement"),
        Mess("nationality", "Atlantis", "not a country"),
        Mess("identity", MISSING, "identity field player_id is null"),
    ),
    "pga": (
        Mess("nationality", "Atlantean", "demonym of no country"),
        Mess("birth_date", "1989-02-29", "impossible date: 1989 is not a leap year"),
        Mess("weight", "heavy", "weight is a word, not a number"),
        Mess("name", "", "player name missing"),
    ),
    "epl": (
        Mess("birth_date", "31/02/1990", "impossible date: February 31"),
        Mess("height", "six foot", "height written out in words"),
        Mess("weight", "heavy", "weight is a word, not a number"),
        Mess("nationality", "Atlantis", "not a country"),
        Mess("identity", MISSING, "identity field player_id empty"),
    ),
    "bundesliga": (
        Mess("birth_date", "31.02.1990", "impossible date: 31 February"),
        Mess("height", "groß", "height is a word ('tall'), not a measurement"),
        Mess("weight", "schwer", "weight is a word ('heavy'), not a number"),
        Mess("nationality", "XX", "not an ISO 3166 alpha-2 code"),
        Mess("name", "", "name missing"),
    ),
    "celebrities": (
        Mess("record", None, "malformed JSON: the line is truncated"),
        Mess("Big_Nose", 2, "face attribute of the first image is 2; CelebA attributes are -1 or 1"),
        Mess("birth_date", "+1975-02-30T00:00:00Z", "impossible date: February 30"),
        Mess("nationality", "Atlantis", "not a country"),
        Mess("height", "tall", "height is a word, not a measurement"),
    ),
}
NBA_DUPLICATES = 3  # nba/roster_2025.csv re-lists this many roster_2024.csv players (the last with a new weight)
NBA_DUPLICATE_FILE = "roster_2025.csv"

# Unusual but valid representations: (canonical field, native value from the person, what is unusual).
Variant = tuple[str, Callable[[Any], Any], str]
UNUSUAL: dict[str, tuple[Variant, ...]] = {
    "nba": (
        ("height", lambda p: nf.ft_in(p["height_native"], "marks"), "feet/inches with ' and \" marks instead of 6-2"),
        ("birth_date", lambda p: nf.long_date(p["birth_date"]), "long date (the config's second format)"),
        ("nationality", lambda p: nf.alpha3(p["nationality"]), "ISO alpha-3 code instead of a country name"),
    ),
    "nfl": (
        ("height", lambda p: nf.ft_in(p["height_native"]), "feet-inches written 6-2 instead of 6' 2\""),
        ("birth_date", lambda p: p["birth_date"].isoformat(), "ISO date (the config's second format)"),
        ("nationality", lambda p: "United States of America" if p["nationality"] == "US" else nf.alpha3(
            p["nationality"]), "full official name or ISO alpha-3 code"),
    ),
    "nhl": (
        ("height", lambda p: nf.ft_in(p["height_native"], "marks"), "feet/inches with explicit marks in an "
                                                                     "inches column"),
        ("nationality", lambda p: p["nationality"], "ISO alpha-2 code in an alpha-3 column"),
    ),
    "atp": (
        ("height", lambda p: nf.metres_comma(int(p["height_native"])), "metres with a decimal comma in a cm "
                                                                        "source"),
        ("nationality", lambda p: nf.alpha3(p["nationality"]), "ISO alpha-3 code instead of a country name"),
    ),
    "pga": (
        ("height", lambda p: nf.metres_comma(int(p["height_native"])), "metres with a decimal comma in a cm column"),
        ("weight", lambda p: f"{float(p['weight_native']):.1f} kg", "explicit unit in a kg column"),
        ("nationality", lambda p: nf.country_name(p["nationality"], p["home_nation"], "football"),
         "country name instead of a demonym"),
    ),
    "epl": (
        ("height", lambda p: nf.metres_comma(int(p["height_native"])), "metres with a decimal comma in a cm source"),
        ("nationality", lambda p: nf.demonym(p["nationality"], p["home_nation"]), "demonym instead of a name"),
    ),
    "bundesliga": (
        ("birth_date", lambda p: p["birth_date"].isoformat(), "ISO date (the config's second format)"),
        ("height", lambda p: f"{int(p['height_native'])} cm", "explicit cm in a metres source"),
        ("nationality", lambda p: nf.alpha3(p["nationality"]), "ISO alpha-3 code in an alpha-2 column"),
    ),
    "celebrities": (
        ("height", lambda p: f"{int(p['height_native'])} cm", "explicit cm in a metres source"),
        ("weight", lambda p: f"{int(p['weight_native'])} kg", "mass as a string with its unit"),
        ("nationality", lambda p: nf.alpha3(p["nationality"]), "ISO alpha-3 code"),
    ),
}


def _rng(seed: int, *tags: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed)] + [zlib.crc32(t.encode()) for t in tags]))


def expected_canonical(field: str, p) -> dict:
    if field == "height":
        return {"height_cm": round(float(p["height_cm"]), 4)}
    if field == "weight":
        return {"weight_kg": round(float(p["weight_kg"]), 4)}
    if field == "birth_date":
        return {"birth_date": p["birth_date"].isoformat()}
    if field == "nationality":
        return {"nationality": p["nationality"]}
    raise KeyError(field)


def _source_columns(mapping: dict, field: str) -> list[str]:
    if field == "identity":
        return list(mapping["identity"])
    src = mapping["fields"][field]
    return list(src) if isinstance(src, list) else [src]


# --------------------------------------------------------------------------------------------------------------------
# People-level variants (change canonical values, so they run before landing and truth are written)
# --------------------------------------------------------------------------------------------------------------------


def plant_people_variants(people: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, list[dict]]:
    """Per league: one name rich in diacritics; one athlete with empty position and photo; one celebrity without a
    description and one with an empty image list. Returns the modified copy and notes (league, source_id, ...)."""
    people = people.copy()
    for attr in FACE_ATTRIBUTES:
        if attr in people:
            people[attr] = people[attr].astype("Int8")
    notes: list[dict] = []
    for league in people["league"].unique():
        rng = _rng(seed, "people-variants", league)
        idx = list(rng.permutation(people.index[people["league"] == league].to_numpy()))
        dataset = people.at[idx[0], "dataset"]
        taken = set(people.loc[people["dataset"] == dataset, "name"])

        i = idx[0]
        female = people.at[i, "gender"] == "female"
        while True:
            culture = DIACRITIC_CULTURES[rng.integers(len(DIACRITIC_CULTURES))]
            given, family = draw_name(culture, female, rng, taken)
            if not f"{given} {family}".isascii():
                break
        people.loc[i, ["given_name", "family_name", "name", "name_culture"]] = [given, family, f"{given} {family}",
                                                                                culture]
        notes.append({"league": league, "source_id": people.at[i, "source_id"], "fields": ["name"],
                      "value": people.at[i, "name"], "expected": {"name": people.at[i, "name"]},
                      "note": "name with diacritics, kept as written"})

        if len(idx) < 3:  # tiny samples: the name is enough
            continue
        i = idx[1]
        if dataset == "athlepersona" and league != "pga":
            people.loc[i, ["position", "image_ref"]] = [None, None]
            notes.append({"league": league, "source_id": people.at[i, "source_id"], "fields": ["position", "image_ref"],
                          "value": None, "expected": {"position": None, "image_ref": None},
                          "note": "optional fields position and photo left empty"})
        elif dataset == "celebpersona":
            people.at[i, "description"] = None
            notes.append({"league": league, "source_id": people.at[i, "source_id"], "fields": ["description"],
                          "value": None, "expected": {"description": None},
                          "note": "description key absent (Wikidata entity without a description)"})
            i = idx[2]
            people.at[i, "images"] = []
            people.loc[i, list(FACE_ATTRIBUTES)] = [pd.NA] * len(FACE_ATTRIBUTES)
            people.loc[i, ["face_attribute_ties", "image_ref"]] = [None, None]
            people.at[i, "n_images"] = 0
            notes.append({"league": league, "source_id": people.at[i, "source_id"], "fields": ["images"],
                          "value": [], "expected": {"n_images": 0, **{a: None for a in FACE_ATTRIBUTES}},
                          "note": "identity with an empty image list: no face attributes"})
    return people, notes


# --------------------------------------------------------------------------------------------------------------------
# Row-level planting (representation variants, messy extra rows, duplicates)
# --------------------------------------------------------------------------------------------------------------------


def _extra_people(league: str, dataset: str, k: int, seed: int, people: pd.DataFrame) -> pd.DataFrame:
    taken_names = set(people.loc[people["dataset"] == dataset, "name"])
    taken_ids = set(people.loc[people["league"] == league, "source_id"])
    if dataset == "celebpersona":
        df = generate_celebrities(k, seed, taken_names, taken_ids, salt=7)
        return add_celebrity_traits(df, seed, salt=7)
    return generate_athletes(league, k, seed, taken_names, taken_ids, salt=7)


def _corrupt(rec: dict, mess: Mess, mapping: dict, fmt: str) -> tuple[nf.Row, Any, list[str]]:
    if mess.field == "record":
        text = json.dumps(rec, ensure_ascii=False)
        raw = text[: len(text) * 3 // 5]
        return nf.Row(raw=raw), raw, []
    if mess.field in FACE_ATTRIBUTES:
        images = mapping["images"]
        rec[images["field"]][0][images["attributes"]][mess.field] = mess.value
        return nf.Row(record=rec), mess.value, [f"{images['field']}[0].{images['attributes']}.{mess.field}"]
    cols = _source_columns(mapping, mess.field)
    value = mess.value
    for col in cols:
        if value == MISSING:
            if fmt == "jsonl":
                rec.pop(col, None)
            else:
                rec[col] = None if fmt == "parquet" else ""
        else:
            rec[col] = value
    found = (None if fmt != "csv" else "") if value == MISSING else value
    return nf.Row(record=rec), found, cols


def plant_rows(files: dict[str, nf.LandingFile], rows_of: dict[tuple[str, str], tuple[nf.LandingFile, nf.Row]],
               people: pd.DataFrame, cfg: dict, seed: int, skip: set[tuple[str, str]]) -> tuple[list, list]:
    """Insert messy rows and rewrite some clean rows in unusual-but-valid forms, in place.

    Returns (messy entries, unusual entries); each entry holds `_file` and `_row` for the caller to resolve into a
    source file and line once every insertion is done.
    """
    messy, unusual = [], []
    for league in people["league"].unique():
        dataset, mapping = nf.league_mapping(cfg, league)
        sub = people[people["league"] == league]
        lf = rows_of[(league, sub["source_id"].iloc[0])][0]
        rng = _rng(seed, "rows", league)

        # unusual representations of clean people
        candidates = [i for i in rng.permutation(sub.index.to_numpy())
                      if (league, sub.at[i, "source_id"]) not in skip]
        for (field, make, note), i in zip(UNUSUAL.get(league, ()), candidates):
            p = sub.loc[i]
            _, row = rows_of[(league, p["source_id"])]
            value = make(p)
            cols = _source_columns(mapping, field)
            for col in cols:
                row.record[col] = value
            unusual.append({"dataset": dataset, "league": league, "source_id": p["source_id"],
                            "source_field": cols[0], "value": value, "expected": expected_canonical(field, p),
                            "note": note, "_file": lf, "_row": row})
        used = set(candidates[: len(UNUSUAL.get(league, ()))])

        # duplicates in a second, newer file (NBA): roster_2025.csv re-lists players of roster_2024.csv; the newer
        # listing is the truth (it wins: equally complete, later file), the roster_2024.csv rows are rejected
        if league == "nba":
            dup = nf.landing_file(league, mapping, NBA_DUPLICATE_FILE)
            dup.columns = list(lf.columns)
            weight_col = _source_columns(mapping, "weight")[0]
            last = lf.rows[-1]
            picks = [i for i in candidates
                     if i not in used and rows_of[(league, sub.at[i, "source_id"])][1] is not last]
            for n, i in enumerate(picks[:NBA_DUPLICATES]):
                sid = sub.at[i, "source_id"]
                old_row = rows_of[(league, sid)][1]
                row = nf.Row(record=copy.deepcopy(old_row.record))
                dup.rows.append(row)
                rows_of[(league, sid)] = (dup, row)
                problem = f"listed again, identically, in {dup.relpath}; the newer file's row is kept"
                if n == NBA_DUPLICATES - 1:
                    current = old_row.record[weight_col]
                    old_row.record[weight_col] = str(int(current) - 4)
                    problem = (f"listed again in {dup.relpath} with an updated {weight_col} "
                               f"({old_row.record[weight_col]} -> {current}); the newer file's row is kept")
                messy.append({"dataset": dataset, "league": league, "source_id": sid, "expected_field": "person_id",
                              "source_field": ",".join(mapping["identity"]), "value": sid, "problem": problem,
                              "_file": lf, "_row": old_row})
            files[dup.relpath] = dup

        # extra people with exactly one problem each, at seeded positions
        specs = MESSY.get(league, ())
        extra = _extra_people(league, dataset, len(specs), seed, people)
        for mess, (_, person) in zip(specs, extra.iterrows()):
            rec = nf.build_record(league, mapping, person)
            row, found, cols = _corrupt(rec, mess, mapping, lf.fmt)
            field = cols[0] if mess.field in FACE_ATTRIBUTES else mess.field
            # never first or last: the first and last rows of every file stay clean people
            lf.rows.insert(int(rng.integers(1, len(lf.rows))) if len(lf.rows) >= 2 else len(lf.rows), row)
            sid = None if mess.field in ("identity", "record") else person["source_id"]
            messy.append({"dataset": dataset, "league": league, "source_id": sid, "expected_field": field,
                          "source_field": ",".join(cols) if cols else None, "value": found,
                          "problem": mess.problem, "_file": lf, "_row": row})
    return messy, unusual
