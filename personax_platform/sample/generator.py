"""Seeded generator of FICTIONAL people in each source's native landing format, with a planted, documented structure.

Nobody generated here exists: names are composed from name-part lists (personax_platform/sample/names.py), ids are
invented in each source's style (NBA PERSON_ID ints, NFL gsisId "00-009xxxx", Wikidata-like "Q9xxxxxx"...), and the
only real artefacts are three face photos shipped inside registry packages, referenced (never copied) as
placeholder profile images: package://insightface/data/images/t1.jpg, .../Tom_Hanks_54745.png and
package://skimage/data/astronaut.png.

Cohorts
    athlepersona: 4,181 male athletes split nba 520, nfl 1,380, nhl 760, atp 330, pga 260, epl 520, bundesliga 411.
    celebpersona: 9,444 celebrities (league "celebrities").
    The shipped sample (sample_data/) has 30 people per league plus messy rows (messy.py).

Planted structure (PLANTED_STRUCTURE holds the same as data; truth.json carries it)
    Features are drawn first and quantised to each source's native precision (whole inches / pounds for the US
    leagues, whole cm / kg elsewhere, 0.1 kg for the PGA), then the latent continuous Big Five traits are computed
    from the canonical values by a known SEM, with e ~ N(0, 1) independent per person and trait.

    Athletes (z-scores with fixed constants: z_birth_year = (birth_year-1992)/8, z_latitude = (latitude-40)/15,
    z_height = (height_cm-190)/10, z_weight = (weight_kg-100)/18; latitude is the countryinfo reference point of the
    nationality):
        openness          = -0.6*z_birth_year + 0.35*z_latitude + 0.6*e      (younger and more northern = higher)
        conscientiousness = league_effect[league] + 0.6*e                    (nba -0.5, nfl 0, nhl 0.3, atp 0.6,
                                                                              pga 0.9, epl -0.3, bundesliga 0.4)
        extraversion      = 1.1*tanh(1.3*z_height) + 0.6*e                   (nonlinear, saturating in height)
        agreeableness     = e                                                (independent of every feature)
        neuroticism       = 0.55*z_weight + 0.25*z_weight*|z_weight| + 0.6*e (nonlinear, accelerating in weight)
    Birth month and birth day (and day of year) are independent of everything. Position shifts height and BMI within
    a league, so it reaches extraversion/neuroticism only through them.

    Celebrities (female = 1 for women; z_birth_year = (birth_year-1965)/15; z_latitude = (latitude-35)/20;
    z_height = (height_cm - 166 (f) / 179 (m))/7; z_bmi = (BMI - 22 (f) / 25 (m))/3; occ = per-occupation OCEAN
    intercepts, people.OCCUPATION_EFFECTS):
        openness          = occ.O + 0.4*z_birth_year + 0.3*z_latitude + 0.6*e
        conscientiousness = occ.C + 0.3*female - 0.35*z_birth_year + 0.6*e
        extraversion      = occ.E + 0.2*female + 0.5*tanh(1.5*z_height) + 0.6*e
        agreeableness     = occ.A + 0.5*female + 0.6*e
        neuroticism       = occ.N + 0.45*female + 0.35*z_bmi + 0.15*z_bmi^2 + 0.6*e
    Identity-level CelebA attributes are +1 with probability sigmoid(logit) (people.FACE_LOGITS):
        Arched_Eyebrows ← female, extraversion     Big_Nose ← male, neuroticism      Pointy_Nose ← female, openness
        Bushy_Eyebrows ← male                      Oval_Face ← agreeableness         Double_Chin ← BMI, older
        Receding_Hairline ← male, older            High_Cheekbones ← female, extraversion
        Big_Lips and Narrow_Eyes are independent of everything.
    Each identity has 1-4 images whose attributes are noisy copies: with 3-4 images one image may disagree per
    attribute (strict majority = identity value); even-image identities may have one attribute split 50/50, planted
    only where the identity value is -1, so majority vote with ties -> -1 recovers every identity attribute.

    Feature realism: heights/weights by league, position and gender; athletes born 1970-2005, celebrities 1920-2000,
    uniform day within the year; nationality mixes per league (NHL mostly CA/US/SE/FI/RU/CZ, Bundesliga mostly DE,
    ...); occupations depend on gender (more models among women, more politicians among men).

    Reference scores: per dataset and trait, 1/2/3 = lower/middle/upper tertile of the latent (for scripted LLMs).

Outputs
    <out>/landing/athlepersona/<league>/<file>, <out>/landing/celebpersona/celebrities/identities.jsonl in the
    native shapes of config/datasets.yaml (native_formats.py); <out>/truth.parquet (one row per clean person:
    source ids, person_id, the canonical values a correct pipeline must produce, latent traits, reference scores,
    face attributes) and <out>/truth.json (PLANTED_STRUCTURE, seed, n per league, version, messy and unusual rows);
    <out>/README.md.

CLI: python -m personax_platform.sample --out DIR [--full] [--seed N] [--per-league N] [--messy]
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from personax_platform.sample import messy as messy_mod
from personax_platform.sample import native_formats as nf
from personax_platform.sample.people import (
    ATHLETE_LEAGUES,
    DATASET_LEAGUES,
    FACE_ATTRIBUTES,
    FULL_SIZE,
    FULL_SPLIT,
    TRAITS,
    add_athlete_traits,
    add_celebrity_traits,
    add_reference_scores,
    allocate,
    generate_athletes,
    generate_celebrities,
    planted_structure,
)

GENERATOR_VERSION = "1.0.0"
DEFAULT_SEED = 20261125
DEFAULT_PER_LEAGUE = 30
PLANTED_STRUCTURE: dict = planted_structure()
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_PATH = REPO_ROOT / "config" / "datasets.yaml"
SAMPLE_COMMAND = "python -m personax_platform.sample --out sample_data"
FICTIONAL_NOTICE = ("Every person in this data is fictional: names are composed from name-part lists, ids are "
                    "invented in each source's style, and no row describes a real person.")


def person_id(dataset: str, league: str, source_id: str) -> str:
    """`px-` + 16 hex of sha256(dataset/league/source_id), as docs/canonical_schema.md defines it."""
    return "px-" + hashlib.sha256(f"{dataset}/{league}/{source_id}".encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------------------------------
# Cohorts
# --------------------------------------------------------------------------------------------------------------------


def generate_cohort(dataset: str, n: int | None = None, seed: int = DEFAULT_SEED,
                    per_league: int | None = None) -> tuple[pd.DataFrame, dict]:
    """(people, truth) for one dataset: canonical values, native helpers, latent traits and reference scores.

    n defaults to the full size (4,181 athletes split over the seven leagues; 9,444 celebrities); `per_league`
    overrides it with that many people in every league.
    """
    if dataset not in DATASET_LEAGUES:
        raise KeyError(f"unknown dataset '{dataset}'; expected one of {list(DATASET_LEAGUES)}")
    leagues = DATASET_LEAGUES[dataset]
    if per_league is not None:
        split = {league: int(per_league) for league in leagues}
    elif dataset == "athlepersona":
        split = FULL_SPLIT if n in (None, FULL_SIZE[dataset]) else allocate(int(n), FULL_SPLIT)
    else:
        split = {"celebrities": FULL_SIZE[dataset] if n is None else int(n)}

    taken_names: set[str] = set()
    if dataset == "athlepersona":
        frames = [generate_athletes(league, split[league], seed, taken_names, set())
                  for league in ATHLETE_LEAGUES if split[league] > 0]
        people = pd.concat(frames, ignore_index=True)
        add_athlete_traits(people, seed)
    else:
        people = generate_celebrities(split["celebrities"], seed, taken_names, set())
        add_celebrity_traits(people, seed)
    add_reference_scores(people)
    truth = {
        "dataset": dataset, "seed": int(seed), "generator_version": GENERATOR_VERSION, "n": int(len(people)),
        "n_per_league": {league: int((people["league"] == league).sum()) for league in leagues},
        "planted_structure": PLANTED_STRUCTURE[dataset],
    }
    return people, truth


# --------------------------------------------------------------------------------------------------------------------
# Landing
# --------------------------------------------------------------------------------------------------------------------


def write_landing(people: pd.DataFrame, out_dir: str | Path, config_path: str | Path = DEFAULT_CONFIG_PATH, *,
                  messy: bool = False, seed: int = DEFAULT_SEED, people_notes: list[dict] = ()) -> dict:
    """Write every league of `people` in its native shape under `out_dir` (the landing root).

    With messy=True, messy rows, unusual representations and the NBA duplicate file are planted (messy.py).
    `people_notes` (from messy.plant_people_variants) are resolved to file and line. Returns the manifest: files,
    each person's (source_file, source_line), messy_rows and unusual_rows.
    """
    out_dir = Path(out_dir)
    cfg = nf.load_config(config_path)
    files: dict[str, nf.LandingFile] = {}
    rows_of: dict[tuple[str, str], tuple[nf.LandingFile, nf.Row]] = {}
    for league in people["league"].unique():
        dataset, mapping = nf.league_mapping(cfg, league)
        lf = nf.landing_file(league, mapping)
        for _, person in people[people["league"] == league].iterrows():
            row = nf.Row(record=nf.build_record(league, mapping, person))
            lf.rows.append(row)
            rows_of[(league, person["source_id"])] = (lf, row)
            for col in row.record:
                if col not in lf.columns:
                    lf.columns.append(col)
        files[lf.relpath] = lf

    messy_rows, unusual_rows = [], []
    if messy:
        skip = {(n["league"], n["source_id"]) for n in people_notes}
        messy_rows, unusual_rows = messy_mod.plant_rows(files, rows_of, people, cfg, seed, skip)
    for note in people_notes:
        dataset, mapping = nf.league_mapping(cfg, note["league"])
        lf, row = rows_of[(note["league"], note["source_id"])]
        cols = []
        for field in note["fields"]:
            if field == "images":
                cols.append(mapping["images"]["field"])
            else:
                src = mapping["fields"].get(field)
                if src is not None:
                    cols.extend(src if isinstance(src, list) else [src])
        unusual_rows.append({"dataset": dataset, "league": note["league"], "source_id": note["source_id"],
                             "source_field": ",".join(cols), "value": note["value"], "expected": note["expected"],
                             "note": note["note"], "_file": lf, "_row": row})

    for lf in files.values():
        nf.write_file(lf, out_dir)

    def resolve(entries: list[dict]) -> list[dict]:
        out = []
        for e in entries:
            lf, row = e["_file"], e["_row"]
            item = {k: v for k, v in e.items() if not k.startswith("_")}
            item["source_file"], item["source_line"] = lf.relpath, lf.line_of(row)
            out.append(item)
        return sorted(out, key=lambda e: (e["dataset"], e["league"], e["source_file"], e["source_line"]))

    locations = {key: (lf.relpath, lf.line_of(row)) for key, (lf, row) in rows_of.items()}
    return {
        "files": sorted(files), "row_counts": {k: len(files[k].rows) for k in sorted(files)},
        "locations": locations, "messy_rows": resolve(messy_rows), "unusual_rows": resolve(unusual_rows),
    }


# --------------------------------------------------------------------------------------------------------------------
# Truth
# --------------------------------------------------------------------------------------------------------------------

_TRUTH_SCHEMA = pa.schema(
    [("dataset", pa.string()), ("league", pa.string()), ("source_id", pa.string()), ("person_id", pa.string()),
     ("source_file", pa.string()), ("source_line", pa.int64()), ("name", pa.string()), ("gender", pa.string()),
     ("birth_date", pa.date32()), ("birth_year", pa.int64()), ("birth_month", pa.int64()), ("birth_day", pa.int64()),
     ("day_of_year", pa.int64()), ("nationality", pa.string()), ("latitude", pa.float64()),
     ("longitude", pa.float64()), ("height_cm", pa.float64()), ("weight_kg", pa.float64()),
     ("position", pa.string()), ("occupation", pa.string()), ("image_ref", pa.string()), ("n_images", pa.int64())]
    + [(a, pa.int8()) for a in FACE_ATTRIBUTES]
    + [("face_attribute_ties", pa.string())]
    + [(t, pa.float64()) for t in TRAITS]
    + [(f"{t}_score", pa.int8()) for t in TRAITS]
)


def _col(df: pd.DataFrame, name: str) -> list:
    if name not in df:
        return [None] * len(df)
    return [None if (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))) else v
            for v in df[name].tolist()]


def truth_table(people: pd.DataFrame, locations: dict) -> pa.Table:
    df = people.reset_index(drop=True)
    loc = [locations.get((lg, sid), (None, None)) for lg, sid in zip(df["league"], df["source_id"])]
    data = {
        "person_id": [person_id(d, lg, s) for d, lg, s in zip(df["dataset"], df["league"], df["source_id"])],
        "source_file": [f for f, _ in loc], "source_line": [ln for _, ln in loc],
    }
    arrays = []
    for fld in _TRUTH_SCHEMA:
        values = data[fld.name] if fld.name in data else _col(df, fld.name)
        if fld.name in FACE_ATTRIBUTES or fld.name == "n_images":
            values = [None if v is None else int(v) for v in values]
        arrays.append(pa.array(values, type=fld.type))
    return pa.Table.from_arrays(arrays, schema=_TRUTH_SCHEMA)


def _json_bytes(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_truth(people: pd.DataFrame, out_dir: str | Path, *, seed: int, manifest: dict, mode: str = "sample",
                command: str = SAMPLE_COMMAND) -> tuple[Path, Path]:
    """truth.parquet (one row per clean person) and truth.json beside the landing tree in `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    parquet_path, json_path = out_dir / "truth.parquet", out_dir / "truth.json"
    buf = pa.BufferOutputStream()
    pq.write_table(truth_table(people, manifest["locations"]), buf, compression="snappy")
    parquet_path.write_bytes(buf.getvalue().to_pybytes())
    counts = people.groupby(["dataset", "league"], sort=False).size()
    truth = {
        "generator": "personax_platform.sample", "generator_version": GENERATOR_VERSION, "seed": int(seed),
        "mode": mode, "command": command, "fictional": FICTIONAL_NOTICE,
        "n_per_dataset": {d: int(people["dataset"].eq(d).sum()) for d in people["dataset"].unique()},
        "n_per_league": {lg: int(n) for (_, lg), n in counts.items()},
        "files": [f"landing/{f}" for f in manifest["files"]],
        "row_counts": {f"landing/{f}": n for f, n in manifest["row_counts"].items()},
        "planted_structure": PLANTED_STRUCTURE,
        "messy_rows": manifest["messy_rows"], "unusual_rows": manifest["unusual_rows"],
        "notes": {
            "messy_rows": "extra fictional people, each with exactly one problem; `expected_field` is the "
                          "rejected_bios.field the row must be quarantined on (`identity` when an identity field "
                          "is missing, `record` for an unreadable line, images[i].attributes.<name> for a bad face "
                          "attribute); they are not in truth.parquet",
            "duplicates": "nba/roster_2025.csv re-lists players of nba/roster_2024.csv (one with an updated weight); "
                          "the newer file's rows are the truth (truth.parquet points at them) and the "
                          "roster_2024.csv listings are rejected on person_id",
            "unusual_rows": "valid values written in a rarer form; `expected` gives the canonical value(s)",
            "truth.parquet": "canonical values as a correct normaliser produces them from the landing files "
                             "(height_cm/weight_kg are the exact conversions of the native values, e.g. 74 in = "
                             "187.96 cm; compare with a tolerance if bios rounds); "
                             "athletes have no image lists (n_images and face attributes null); a celebrity's "
                             "image_ref is its first image",
            "demonyms": "'American', 'French', 'Norwegian', 'Indian', 'Chinese' are also demonyms of territories "
                        "in countryinfo; the sovereign state is meant",
        },
    }
    json_path.write_bytes(_json_bytes(truth))
    return parquet_path, json_path


# --------------------------------------------------------------------------------------------------------------------
# README and orchestration
# --------------------------------------------------------------------------------------------------------------------


def _cell(v) -> str:
    text = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else (v if v else '""')
    return text.replace("|", "\\|")


def render_readme(manifest: dict, *, seed: int, mode: str, command: str, n_per_league: dict) -> str:
    lines = [
        "# Sample landing data — fictional people" if mode == "sample" else
        "# Landing data, full-size cohorts — fictional people", "",
        FICTIONAL_NOTICE + " The only real artefacts are three face photos shipped inside registry packages "
        "(`package://insightface/...`, `package://skimage/...`), referenced as placeholder profile images; nothing "
        "about the people is taken from them.", "",
        "## How it was generated", "",
        "```", command, "```", "",
        f"Seed {seed}, generator `personax_platform.sample` (see its module docstring for the planted structure). "
        "The output is byte-for-byte reproducible; `tests/sample/test_generator.py` regenerates it and compares.",
        "",
        "## Layout", "",
        "| file | rows |", "|---|---|",
    ]
    lines += [f"| `landing/{f}` | {n} |" for f, n in manifest["row_counts"].items()]
    lines += [
        "| `truth.parquet` | one row per clean person: source id, person_id, source file/line, expected canonical "
        "values, latent Big Five traits, 1–3 reference scores, face attributes |",
        "| `truth.json` | planted structure, seed, people per league, messy and unusual rows |", "",
        "People per league (clean rows): " + ", ".join(f"{k} {v}" for k, v in n_per_league.items()) + ".", "",
        "Every landing file is in its source's native shape as `config/datasets.yaml` describes it (column names, "
        "units, date formats, delimiters).", "",
    ]
    if manifest["messy_rows"]:
        lines += ["## Messy rows (must be rejected)", "",
                  "Each is an extra fictional person with exactly one problem, except the NBA duplicates (players "
                  "of `roster_2024.csv` listed again in the newer `roster_2025.csv`, whose rows are kept). `field` "
                  "is the expected `rejected_bios.field`. Lines are 1-based (CSV counts the header).", ""]
        for league in dict.fromkeys(e["league"] for e in manifest["messy_rows"]):
            lines += [f"### {league}", "", "| file | line | field | value | problem |", "|---|---|---|---|---|"]
            for e in manifest["messy_rows"]:
                if e["league"] == league:
                    value = "(truncated JSON line)" if e["expected_field"] == "record" else _cell(e["value"])
                    lines.append(f"| `{e['source_file']}` | {e['source_line']} | {e['expected_field']} | {value} | "
                                 f"{e['problem']} |")
            lines.append("")
    if manifest["unusual_rows"]:
        lines += ["## Unusual but valid rows (must normalise)", "",
                  "| league | file | line | source field | value | expected | what is unusual |",
                  "|---|---|---|---|---|---|---|"]
        for e in manifest["unusual_rows"]:
            expected = e["expected"]
            if len(expected) > 3:
                expected = {"n_images": 0, "face attributes": None}
            lines.append(f"| {e['league']} | `{e['source_file']}` | {e['source_line']} | {e['source_field']} | "
                         f"{_cell(e['value'])} | {_cell(expected)} | {e['note']} |")
        lines.append("")
    return "\n".join(lines)


def generate(out: str | Path, *, seed: int = DEFAULT_SEED, per_league: int | None = DEFAULT_PER_LEAGUE,
             full: bool = False, messy: bool | None = None, config_path: str | Path = DEFAULT_CONFIG_PATH) -> dict:
    """Write landing files, truth and README under `out`; returns the manifest.

    Default: the shipped sample (per_league people in every league, messy rows included). full=True: the full-size
    cohorts, no messy rows unless messy=True.
    """
    out = Path(out)
    messy = (not full) if messy is None else messy
    people_frames = [generate_cohort(ds, seed=seed, per_league=None if full else per_league)[0]
                     for ds in DATASET_LEAGUES]
    people = pd.concat(people_frames, ignore_index=True)
    notes: list[dict] = []
    if messy:
        people, notes = messy_mod.plant_people_variants(people, seed)
    manifest = write_landing(people, out / "landing", config_path, messy=messy, seed=seed, people_notes=notes)

    parts = ["python -m personax_platform.sample --out", "DIR" if full else "sample_data"]
    if full:
        parts.append("--full")
    if seed != DEFAULT_SEED:
        parts.append(f"--seed {seed}")
    if not full and per_league != DEFAULT_PER_LEAGUE:
        parts.append(f"--per-league {per_league}")
    if messy == full:
        parts.append("--messy" if full else "--no-messy")
    command = " ".join(parts)
    mode = "full" if full else "sample"
    write_truth(people, out, seed=seed, manifest=manifest, mode=mode, command=command)
    n_per_league = {lg: int(n) for lg, n in people.groupby("league", sort=False).size().items()}
    (out / "README.md").write_bytes(
        render_readme(manifest, seed=seed, mode=mode, command=command, n_per_league=n_per_league).encode("utf-8"))
    return manifest
