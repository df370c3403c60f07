"""Each league's NATIVE landing shape: value formats per source, column names from config/datasets.yaml, writers.

A league's formatter turns one person into canonical-field -> native *value* (e.g. height -> "6-2" for the NBA,
"1,88 m" for the Bundesliga); `build_record` then names the columns exactly as the config maps them (identity
fields, `fields`, the image list), and adds a few unmapped native columns (jersey, club...) that a real scrape has
and the normaliser must ignore. Files are written deterministically (fixed line endings, key order, no timestamps).
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from personax_platform.sample.names import COUNTRIES, HOME_NATIONS
from personax_platform.sample.people import FACE_ATTRIBUTES

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")

# League -> landing file name (the directory comes from the config's `files` glob).
FILE_NAMES = {
    "nba": "roster_2024.csv", "nfl": "players.jsonl", "nhl": "roster_2024_25.csv", "atp": "players.parquet",
    "pga": "players.csv", "epl": "players_2024_25.csv", "bundesliga": "spieler_2024_25.csv",
    "celebrities": "identities.jsonl",
}
OMIT = object()  # a JSONL key that is absent altogether


def load_config(path: str | Path) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def league_mapping(cfg: dict, league: str) -> tuple[str, dict]:
    for dataset, ds in cfg["datasets"].items():
        if league in (ds.get("leagues") or {}):  # known-truth datasets derive their leagues (config/datasets.py)
            return dataset, ds["leagues"][league]
    raise KeyError(f"league '{league}' is not in config/datasets.yaml")


# --------------------------------------------------------------------------------------------------------------------
# Value formats
# --------------------------------------------------------------------------------------------------------------------


def ft_in(inches: int, style: str = "dash") -> str:
    ft, inch = divmod(int(inches), 12)
    return f"{ft}-{inch}" if style == "dash" else f"{ft}' {inch}\""


def long_date(d) -> str:
    return f"{MONTHS[d.month - 1]} {d.day:02d}, {d.year}"


def metres_comma(cm: int) -> str:
    return f"{cm / 100:.2f}".replace(".", ",") + " m"


def country_name(alpha2: str, home_nation: str | None = None, style: str = "default") -> str:
    """A country *name* as the sources write it (home nations for British football)."""
    if home_nation and style == "football":
        return HOME_NATIONS[home_nation][0]
    special = {"US": "USA", "GB": "Great Britain", "CI": "Côte d'Ivoire", "CZ": "Czech Republic"}
    if style == "football":
        special = {"US": "United States", "IE": "Republic of Ireland", "CI": "Côte d'Ivoire"}
    elif style == "wikidata":
        special = {"US": "United States of America", "CI": "Côte d'Ivoire", "CZ": "Czech Republic"}
    return special.get(alpha2, COUNTRIES[alpha2][0])


def demonym(alpha2: str, home_nation: str | None = None) -> str:
    if home_nation:
        return HOME_NATIONS[home_nation][1]
    return COUNTRIES[alpha2][2]


def alpha3(alpha2: str) -> str:
    return COUNTRIES[alpha2][1]


def _opt(v):
    return None if v is None or (isinstance(v, float) and v != v) else v


# Each formatter: person (a dict-like row) -> (canonical field -> native value, extra native columns).
def _nba(p) -> tuple[dict, dict]:
    return ({
        "name": p["name"], "birth_date": f"{p['birth_date'].isoformat()}T00:00:00",
        "height": ft_in(p["height_native"]), "weight": str(int(p["weight_native"])),
        "nationality": country_name(p["nationality"]), "position": _opt(p["position"]) or "",
        "image_ref": _opt(p["image_ref"]) or "",
    }, {"FIRST_NAME": p["given_name"], "LAST_NAME": p["family_name"], "JERSEY": str(int(p["jersey"])),
        "TEAM_ABBREVIATION": p["team"]})


def _nfl(p):
    d = p["birth_date"]
    return ({
        "name": p["name"], "birth_date": f"{d.month:02d}/{d.day:02d}/{d.year}",
        "height": ft_in(p["height_native"], "marks"), "weight": int(p["weight_native"]),
        "nationality": country_name(p["nationality"]), "position": _opt(p["position"]),
        "image_ref": _opt(p["image_ref"]),
    }, {"firstName": p["given_name"], "lastName": p["family_name"], "jerseyNumber": int(p["jersey"]),
        "teamAbbr": p["team"], "status": "ACT"})


def _nhl(p):
    return ({
        "name": (p["given_name"], p["family_name"]), "birth_date": p["birth_date"].isoformat(),
        "height": str(int(p["height_native"])), "weight": str(int(p["weight_native"])),
        "nationality": alpha3(p["nationality"]), "position": _opt(p["position"]) or "",
        "image_ref": _opt(p["image_ref"]) or "",
    }, {"sweaterNumber": str(int(p["jersey"])), "shootsCatches": p["shoots"]})


def _atp(p):
    return ({
        "name": p["name"], "birth_date": long_date(p["birth_date"]),
        "height": f"{int(p['height_native'])} cm", "weight": f"{int(p['weight_native'])} kg",
        "nationality": country_name(p["nationality"]), "position": _opt(p["position"]),
        "image_ref": _opt(p["image_ref"]),
    }, {"turned_pro": int(p["turned_pro"])})


def _pga(p):
    return ({
        "name": p["name"], "birth_date": p["birth_date"].isoformat(),
        "height": str(int(p["height_native"])), "weight": f"{float(p['weight_native']):.1f}",
        "nationality": demonym(p["nationality"], _opt(p["home_nation"])), "image_ref": _opt(p["image_ref"]) or "",
    }, {"turned_pro": str(int(p["turned_pro"]))})


def _epl(p):
    d = p["birth_date"]
    return ({
        "name": p["name"], "birth_date": f"{d.day:02d}/{d.month:02d}/{d.year}",
        "height": f"{int(p['height_native'])}cm", "weight": f"{int(p['weight_native'])}kg",
        "nationality": country_name(p["nationality"], _opt(p["home_nation"]), "football"),
        "position": _opt(p["position"]) or "", "image_ref": _opt(p["image_ref"]) or "",
    }, {"club": p["team"], "shirt_number": str(int(p["jersey"]))})


def _bundesliga(p):
    d = p["birth_date"]
    return ({
        "name": p["name"], "birth_date": f"{d.day}.{d.month}.{d.year}",
        "height": metres_comma(int(p["height_native"])), "weight": f"{int(p['weight_native'])} kg",
        "nationality": p["nationality"], "position": _opt(p["position"]) or "",
        "image_ref": _opt(p["image_ref"]) or "",
    }, {"Verein": p["team"], "Rückennummer": str(int(p["jersey"]))})


def _celebrities(p):
    d = p["birth_date"]
    date = f"+{d.isoformat()}T00:00:00Z" if p["wikidata_date_style"] else d.isoformat()
    if p["citizenship_style"] == "demonym":
        citizenship = demonym(p["nationality"])
    else:
        citizenship = country_name(p["nationality"], None, "wikidata")
    description = _opt(p["description"])
    return ({
        "name": p["name"], "birth_date": date, "height": f"{int(p['height_native']) / 100:.2f}",
        "weight": int(p["weight_native"]), "nationality": citizenship, "occupation": p["occupation"],
        "gender": p["gender"], "description": OMIT if description is None else description,
    }, {})


FORMATTERS: dict[str, Callable[[Any], tuple[dict, dict]]] = {
    "nba": _nba, "nfl": _nfl, "nhl": _nhl, "atp": _atp, "pga": _pga, "epl": _epl, "bundesliga": _bundesliga,
    "celebrities": _celebrities,
}


# --------------------------------------------------------------------------------------------------------------------
# Records and files
# --------------------------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Row:
    """One landing row: a record (column -> value) or, for a malformed JSONL line, the raw text."""

    record: dict | None = None
    raw: str | None = None


@dataclass
class LandingFile:
    relpath: str  # relative to the landing root
    fmt: str  # csv | jsonl | parquet
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    delimiter: str = ","
    encoding: str = "utf-8"

    def line_of(self, row: Row) -> int:
        """The 1-based source line (CSV counts the header line; Parquet is row number + 1)."""
        for i, r in enumerate(self.rows):
            if r is row:
                return i + (2 if self.fmt == "csv" else 1)
        raise ValueError("row is not in this file")


def identity_values(mapping: dict, source_id: str) -> dict[str, str]:
    cols = list(mapping["identity"])
    parts = str(source_id).split("|") if len(cols) > 1 else [str(source_id)]
    return dict(zip(cols, parts))


def build_record(league: str, mapping: dict, person) -> dict:
    """One person's native record with the config's column names."""
    canon, extras = FORMATTERS[league](person)
    rec: dict[str, Any] = dict(identity_values(mapping, person["source_id"]))
    for canonical, src in mapping["fields"].items():
        if canonical not in canon:
            raise KeyError(f"{league}: config maps canonical field '{canonical}' that the sample generator "
                           f"does not produce")
        value = canon[canonical]
        if isinstance(src, list):
            parts = value if isinstance(value, tuple) else (value,) + ("",) * (len(src) - 1)
            for col, part in zip(src, parts):
                rec[col] = part
        elif value is not OMIT:
            rec[src] = value
    for col, value in extras.items():
        rec.setdefault(col, value)
    images = mapping.get("images")
    if images:
        rec[images["field"]] = [
            {images["file"]: item["file"],
             images["attributes"]: {a: item["attributes"][a] for a in FACE_ATTRIBUTES}}
            for item in (person["images"] or [])
        ]
    return rec


def landing_file(league: str, mapping: dict, name: str | None = None) -> LandingFile:
    glob = mapping["files"]
    directory = glob.rsplit("/", 1)[0]
    name = name or FILE_NAMES[league]
    suffix = glob.rsplit("/", 1)[1]
    if suffix.startswith("*.") and not name.endswith(suffix[1:]):
        raise ValueError(f"{league}: config reads {glob} but the sample writes {name}")
    fmt = name.rsplit(".", 1)[1]
    opts = mapping.get("csv") or {}
    return LandingFile(relpath=f"{directory}/{name}", fmt=fmt, columns=[],
                       delimiter=opts.get("delimiter", ","), encoding=opts.get("encoding", "utf-8"))


def _csv_cell(v) -> str:
    return "" if v is None else str(v)


def render(lf: LandingFile) -> bytes:
    if lf.fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=lf.delimiter, lineterminator="\n")
        w.writerow(lf.columns)
        for r in lf.rows:
            w.writerow([_csv_cell(r.record.get(c)) for c in lf.columns])
        return buf.getvalue().encode(lf.encoding)
    if lf.fmt == "jsonl":
        lines = [r.raw if r.raw is not None else json.dumps(r.record, ensure_ascii=False) for r in lf.rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    if lf.fmt == "parquet":
        arrays = []
        for c in lf.columns:
            values = [r.record.get(c) for r in lf.rows]
            present = [v for v in values if v is not None]
            if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
                arrays.append(pa.array(values, type=pa.int64()))
            else:
                arrays.append(pa.array([None if v is None else str(v) for v in values], type=pa.string()))
        table = pa.Table.from_arrays(arrays, names=lf.columns)
        buf = pa.BufferOutputStream()
        pq.write_table(table, buf, compression="snappy")
        return buf.getvalue().to_pybytes()
    raise ValueError(f"unknown landing format {lf.fmt}")


def write_file(lf: LandingFile, root: Path) -> Path:
    path = root / lf.relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render(lf))
    return path
