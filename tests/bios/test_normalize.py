"""Raw rows → canonical bios: rejections name file/line/field/reason, duplicates resolve deterministically."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from personax_platform.bios import schema
from personax_platform.bios.countries import CountryResolver
from personax_platform.bios.landing import read_raw_bios
from personax_platform.bios.normalize import NormalizedBios, normalize_bios
from personax_platform.config.datasets import Quality, SourceMapping

ATHLETES = SourceMapping(
    files="*.csv",
    identity=("pid",),
    fields={"name": ("first", "last"), "birth_date": "born", "height": "ht", "weight": "wt",
            "nationality": "country", "position": "pos"},
    constants={"gender": "male"},
    units={"height": "ft_in", "weight": "lb"},
    date_formats=("iso", "%B %d, %Y"),
)
CELEBS = SourceMapping(
    files="*.jsonl",
    identity=("qid",),
    fields={"name": "label", "gender": "sex", "description": "desc"},
    images={"field": "images", "file": "file", "attributes": "attrs"},
)
HEADER = "pid,first,last,born,ht,wt,country,pos\n"


def _normalize(tmp_path: Path, source: SourceMapping, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    raw = read_raw_bios(tmp_path, source, "athlepersona", "nba")
    out = normalize_bios(raw, source, CountryResolver({"England": "GB"}))
    return NormalizedBios(out.bios.to_pandas(), out.rejected.to_pandas(), out.duplicates)


def test_a_clean_row_becomes_one_canonical_person(tmp_path):
    out = _normalize(tmp_path, ATHLETES, {"r.csv": HEADER + "7,Łukasz,Ñúñez,\"March 14, 1988\",6-2,220,Poland,G\n"})
    person = out.bios.iloc[0]
    assert out.rejected.empty and len(out.bios) == 1
    assert person["name"] == "Łukasz Ñúñez" and person["gender"] == "male" and person["position"] == "G"
    assert person["height_cm"] == pytest.approx(188.0, abs=0.1)
    assert person["weight_kg"] == pytest.approx(99.8, abs=0.1)
    born = (person["birth_year"], person["birth_month"], person["birth_day"], person["day_of_year"])
    assert born == (1988, 3, 14, 74)
    assert person["nationality"] == "PL" and 45 < person["latitude"] < 56
    assert person["person_id"].startswith("px-") and (person["source_file"], person["source_line"]) == ("r.csv", 2)


def test_every_unparseable_field_is_quarantined_with_file_line_field_and_reason(tmp_path):
    out = _normalize(tmp_path, ATHLETES, {"r.csv": HEADER + "1,Ann,Lee,1990-01-01,six two,heavy,Atlantis,G\n"})
    assert out.bios.empty
    problems = out.rejected.set_index("field")
    assert set(problems.index) == {"height", "weight", "nationality"}
    assert problems.loc["height", "value"] == "six two" and "six two" in problems.loc["height", "reason"]
    assert "Atlantis" in problems.loc["nationality", "reason"]
    assert (out.rejected["source_file"] == "r.csv").all() and (out.rejected["source_line"] == 2).all()
    assert json.loads(out.rejected["record"].iloc[0])["ht"] == "six two"  # the whole row is kept


def test_rows_without_identity_or_name_are_rejected_with_the_missing_field(tmp_path):
    out = _normalize(tmp_path, ATHLETES, {"r.csv": HEADER + ",Ann,Lee,,,,,\n9,,,,,,,\n"})
    assert out.bios.empty
    assert sorted(out.rejected["field"]) == ["identity", "name"]
    assert "pid" in out.rejected.set_index("field").loc["identity", "reason"]


def test_unreadable_rows_reach_the_quarantine_with_their_read_error(tmp_path):
    out = _normalize(tmp_path, CELEBS, {"c.jsonl": '{"qid": "Q1", "label": "A", "images": []}\n{"qid": \n'})
    bad = out.rejected.iloc[0]
    assert (bad["field"], bad["source_line"]) == ("record", 2) and "invalid JSON" in bad["reason"]
    assert len(out.bios) == 1


def test_empty_optional_fields_are_missing_not_rejected(tmp_path):
    out = _normalize(tmp_path, ATHLETES, {"r.csv": HEADER + "3,Bo,Ek,,,,,\n"})
    assert out.rejected.empty
    person = out.bios.iloc[0]
    assert pd.isna(person["height_cm"]) and pd.isna(person["birth_year"]) and pd.isna(person["nationality"])


def test_duplicates_keep_the_newer_file_and_report_the_others(tmp_path):
    out = _normalize(tmp_path, ATHLETES, {
        "roster_2024.csv": HEADER + "5,Ann,Lee,1990-01-01,6-0,200,USA,G\n",
        "roster_2025.csv": HEADER + "5,Ann,Lee,1990-01-01,6-0,205,USA,G\n",
    })
    assert len(out.bios) == 1 and out.duplicates == 1
    assert out.bios.iloc[0]["source_file"] == "roster_2025.csv"
    dup = out.rejected.iloc[0]
    assert dup["field"] == "person_id" and dup["source_file"] == "roster_2024.csv"
    assert "kept roster_2025.csv:2" in dup["reason"]


def test_a_more_complete_duplicate_wins_over_a_newer_but_emptier_one(tmp_path):
    out = _normalize(tmp_path, ATHLETES, {
        "roster_2024.csv": HEADER + "5,Ann,Lee,1990-01-01,6-0,200,USA,G\n",
        "roster_2025.csv": HEADER + "5,Ann,Lee,,,,,\n",
    })
    assert out.bios.iloc[0]["source_file"] == "roster_2024.csv"


def test_person_ids_come_from_the_source_identity_not_row_order(tmp_path):
    rows = ["1,A,A,,,,,\n", "2,B,B,,,,,\n", "3,C,C,,,,,\n"]
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    first = _normalize(tmp_path / "x", ATHLETES, {"r.csv": HEADER + "".join(rows)})
    second = _normalize(tmp_path / "y", ATHLETES, {"r.csv": HEADER + "".join(reversed(rows))})

    def ids(out) -> dict[str, str]:
        return dict(zip(out.bios["source_id"], out.bios["person_id"]))

    assert ids(first) == ids(second) and len(set(ids(first).values())) == 3


def test_face_attributes_are_a_majority_over_images_with_ties_recorded(tmp_path):
    images = [{"file": "a.jpg", "attrs": {"Big_Nose": 1, "Oval_Face": 1}},
              {"file": "b.jpg", "attrs": {"Big_Nose": 1, "Oval_Face": -1}},
              {"file": "c.jpg", "attrs": {"Big_Nose": -1}}]
    tie = [{"file": "d.jpg", "attrs": {"Big_Nose": 1}}, {"file": "e.jpg", "attrs": {"Big_Nose": -1}}]
    lines = [json.dumps({"qid": "Q1", "label": "A", "sex": "female", "images": images}),
             json.dumps({"qid": "Q2", "label": "B", "sex": "M", "images": tie})]
    out = _normalize(tmp_path, CELEBS, {"c.jsonl": "\n".join(lines) + "\n"})
    a, b = out.bios.set_index("source_id").loc["Q1"], out.bios.set_index("source_id").loc["Q2"]
    assert (a["Big_Nose"], a["Oval_Face"], a["n_images"], a["image_ref"]) == (1, -1, 3, "a.jpg")
    assert "Oval_Face" in a["face_attribute_ties"]
    assert (b["Big_Nose"], b["gender"]) == (-1, "male") and b["face_attribute_ties"] == "Big_Nose"


def test_an_invalid_face_attribute_names_the_image_and_attribute(tmp_path):
    line = json.dumps({"qid": "Q1", "label": "A", "images": [{"file": "a.jpg", "attrs": {"Big_Lips": 2}}]})
    out = _normalize(tmp_path, CELEBS, {"c.jsonl": line + "\n"})
    assert out.rejected.iloc[0]["field"] == "images[0].attrs.Big_Lips" and out.rejected.iloc[0]["value"] == "2"


def test_a_parsed_but_impossible_value_quarantines_its_row_with_the_range(tmp_path):
    out = _normalize(tmp_path, ATHLETES, {"r.csv": HEADER + "1,A,B,1990-01-01,0-3,200,Poland,G\n"
                                                   "2,C,D,1990-01-01,6-2,9999,Poland,G\n"
                                                   "3,E,F,1990-01-01,6-2,200,Poland,G\n"})
    assert out.bios["source_id"].tolist() == ["3"]
    reasons = out.rejected.set_index("field")["reason"]
    assert reasons["height_cm"].startswith("height_cm 7.6 cm is outside the plausible range [100, 275]")
    assert reasons["weight_kg"].startswith("weight_kg 4535.5 kg is outside the plausible range [25, 320]")


def test_plausible_ranges_come_from_the_quality_passed_in(tmp_path):
    tall = HEADER + "1,A,B,1990-01-01,7-7,200,Poland,G\n"  # 231.1 cm, the tallest NBA players' height
    assert len(_normalize(tmp_path, ATHLETES, {"r.csv": tall}).bios) == 1
    raw = read_raw_bios(tmp_path, ATHLETES, "athlepersona", "nba")
    strict = normalize_bios(raw, ATHLETES, CountryResolver({}), Quality(height_cm=(150, 220)))
    assert strict.bios.is_empty() and "[150, 220]" in strict.rejected["reason"][0]


def test_canonical_and_quarantine_tables_have_the_registered_types(tmp_path):
    (tmp_path / "r.csv").write_text(HEADER + "1,A,B,1990-01-01,6-2,200,Poland,G\n2,C,D,1990-01-01,six,200,Poland,G\n")
    out = normalize_bios(read_raw_bios(tmp_path, ATHLETES, "athlepersona", "nba"), ATHLETES, CountryResolver({}))
    assert out.bios.schema == schema.polars_schema(schema.BIOS)
    assert out.rejected.schema == schema.polars_schema(schema.REJECTED_BIOS)


def test_a_rows_problems_are_listed_in_the_order_its_fields_are_read_and_duplicates_last(tmp_path):
    out = _normalize(tmp_path, ATHLETES, {
        "a.csv": HEADER + "1,A,B,1990-01-01,6-0,200,USA,G\n"
                          "2,,,someday,six,heavy,Atlantis,G\n"
                          "1,A,B,1990-01-01,6-0,,USA,G\n",
    })
    assert out.rejected["field"].tolist() == ["name", "height", "weight", "birth_date", "nationality", "person_id"]
    assert out.rejected["source_line"].tolist() == [3, 3, 3, 3, 3, 4]


def test_json_values_are_read_by_their_type_not_their_text(tmp_path):
    images = [{"file": "a.jpg", "attrs": {"Big_Nose": 1.0, "Big_Lips": "1.0", "Oval_Face": True}}]
    lines = [json.dumps({"qid": "Q1", "label": "A", "sex": "f", "images": images}),
             json.dumps({"qid": "Q2", "label": "B", "sex": True, "images": []})]
    out = _normalize(tmp_path, CELEBS, {"c.jsonl": "\n".join(lines) + "\n"})
    problems = out.rejected.set_index("field")["reason"]
    assert list(problems.index) == ["images[0].attrs.Big_Lips", "gender"]
    assert "face attribute '1.0'" in problems.iloc[0] and "unknown gender 'True'" in problems.iloc[1]


def test_a_value_repeated_across_rows_is_judged_the_same_on_every_row(tmp_path):
    countries = ["Poland", "Atlantis"] * 3
    rows = "".join(f"{i},A{i},B,1990-01-01,6-2,200,{country},G\n" for i, country in enumerate(countries))
    out = _normalize(tmp_path, ATHLETES, {"r.csv": HEADER + rows})
    assert out.bios["nationality"].tolist() == ["PL"] * 3
    assert out.rejected["value"].tolist() == ["Atlantis"] * 3 and out.rejected["source_line"].tolist() == [3, 5, 7]
