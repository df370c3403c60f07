"""Reading landing files: every physical row becomes a raw row, unreadable ones keep their line and the reason."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from personax_platform.bios.landing import NoLandingFiles, read_raw_bios
from personax_platform.config.datasets import SourceMapping


def _source(files: str, **extra) -> SourceMapping:
    return SourceMapping(files=files, identity=("id",), fields={"name": "name"}, **extra)


def _read(root: Path, source: SourceMapping) -> pd.DataFrame:
    return read_raw_bios(root, source, "athlepersona", "nba")


def test_csv_rows_are_kept_as_strings_with_physical_line_numbers(tmp_path):
    (tmp_path / "a.csv").write_text('id,name,note\n1,Jörg Müller,"two\nlines"\n2,Ana Ñúñez,x\n', encoding="utf-8")
    raw = _read(tmp_path, _source("*.csv"))
    assert raw["source_line"].tolist() == [2, 4]
    assert json.loads(raw["record"][0]) == {"id": "1", "name": "Jörg Müller", "note": "two\nlines"}
    assert raw["source_id"].tolist() == ["1", "2"]
    assert raw["source_file"].unique().tolist() == ["a.csv"]


def test_csv_row_with_wrong_field_count_is_kept_with_a_read_error(tmp_path):
    (tmp_path / "a.csv").write_text("id,name\n1,Ann\n2,Bo,extra\n")
    raw = _read(tmp_path, _source("*.csv"))
    bad = raw[raw["read_error"].notna()].iloc[0]
    assert bad["source_line"] == 3 and "3 fields but the header has 2" in bad["read_error"]
    assert bad["record"] is None


def test_csv_delimiter_and_encoding_come_from_the_mapping(tmp_path):
    (tmp_path / "b.csv").write_bytes("id;name;Größe\n7;Åsa Öberg;1,88 m\n".encode("latin-1"))
    raw = _read(tmp_path, _source("*.csv", csv={"delimiter": ";", "encoding": "latin-1"}))
    assert json.loads(raw["record"][0])["Größe"] == "1,88 m"


def test_invalid_json_lines_are_kept_with_line_and_reason(tmp_path):
    (tmp_path / "p.jsonl").write_text('{"id": 1, "name": "A"}\n\n{"id": 2, "name": \n[1, 2]\n')
    raw = _read(tmp_path, _source("*.jsonl"))
    assert raw["source_line"].tolist() == [1, 3, 4]
    assert raw["read_error"][0] is None
    assert "invalid JSON" in raw["read_error"][1] and "expected a JSON object" in raw["read_error"][2]


def test_parquet_rows_are_numbered_from_one_and_numeric_ids_are_not_floats(tmp_path):
    pd.DataFrame({"id": [10.0, 11.0], "name": ["A", "B"]}).to_parquet(tmp_path / "p.parquet")
    raw = _read(tmp_path, _source("*.parquet"))
    assert raw["source_line"].tolist() == [1, 2] and raw["source_id"].tolist() == ["10", "11"]


def test_missing_identity_gives_no_source_id(tmp_path):
    (tmp_path / "a.csv").write_text("id,name\n,Ann\n")
    assert _read(tmp_path, _source("*.csv"))["source_id"].tolist() == [None]


def test_unreadable_file_becomes_one_raw_row_naming_the_file(tmp_path):
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")
    raw = _read(tmp_path, _source("*"))
    assert len(raw) == 1 and raw["source_line"][0] == 0 and "broken.parquet" in raw["read_error"][0]


def test_unsupported_file_type_is_reported_not_skipped(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    raw = _read(tmp_path, _source("*"))
    assert "unsupported file type '.txt'" in raw["read_error"][0]


def test_a_league_without_landing_files_fails_naming_the_glob(tmp_path):
    with pytest.raises(NoLandingFiles, match=r"nba/\*\.csv"):
        _read(tmp_path, _source("nba/*.csv"))


def test_files_are_read_in_name_order_whatever_the_directory_order(tmp_path):
    for name in ["b.csv", "a.csv", "c.csv"]:
        (tmp_path / name).write_text(f"id,name\n{name[0]},X\n")
    assert _read(tmp_path, _source("*.csv"))["source_file"].tolist() == ["a.csv", "b.csv", "c.csv"]


def test_a_windows_1252_roster_is_read_with_its_detected_encoding_recorded(tmp_path):
    rows = "".join(f"{i},Jürgen Müller {i},Mönchengladbach\n" for i in range(20))
    (tmp_path / "w.csv").write_bytes(("id,name,club\n" + rows).encode("cp1252"))
    (tmp_path / "u.csv").write_text("id,name,club\n99,Ann,Köln\n", encoding="utf-8")
    raw = _read(tmp_path, _source("*.csv"))
    assert raw["read_error"].isna().all()
    assert json.loads(raw.loc[raw["source_file"] == "w.csv", "record"].iloc[0])["name"] == "Jürgen Müller 0"
    assert raw.groupby("source_file")["encoding"].unique().to_dict() == {"u.csv": ["utf-8"], "w.csv": ["cp1252"]}


def test_an_undetectable_encoding_rejects_the_file_as_one_row_naming_the_setting(tmp_path):
    (tmp_path / "w.csv").write_bytes("id,name\n1,Özil\n".encode("cp1252"))  # reads as Cyrillic too
    raw = _read(tmp_path, _source("*.csv"))
    assert len(raw) == 1 and raw["source_line"][0] == 0 and raw["record"][0] is None
    assert raw["read_error"][0].startswith("file rejected: w.csv is not UTF-8")
    assert "`csv.encoding`" in raw["read_error"][0]


def test_a_file_with_another_sources_header_is_one_rejection_naming_columns_and_league(tmp_path):
    (tmp_path / "epl.csv").write_text("player_id,player_name,team\n" + "".join(f"{i},P{i},X\n" for i in range(35)))
    epl = SourceMapping(files="*.csv", identity=("player_id",), fields={"name": "player_name"})
    raw = read_raw_bios(tmp_path, _source("*.csv"), "athlepersona", "nhl", {"epl": epl, "nba": _source("*.csv")})
    assert len(raw) == 1 and raw["source_line"][0] == 0
    reason = raw["read_error"][0]
    assert "lacks the league's identity/name column(s) ['id', 'name']" in reason
    assert "unexpected column(s) ['player_id', 'player_name', 'team']" in reason
    assert "fit the mapping of league(s) ['epl'] (closest first)" in reason


def test_rows_that_lack_identity_in_a_file_with_the_right_columns_stay_row_level(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": 1, "name": "A"}\n{"name": "B"}\n')
    raw = _read(tmp_path, _source("*.jsonl"))
    assert len(raw) == 2 and raw["read_error"].isna().all() and raw["source_id"].tolist() == ["1", None]


def test_a_parquet_file_without_the_identity_column_is_rejected_whole(tmp_path):
    pd.DataFrame({"name": ["A", "B"]}).to_parquet(tmp_path / "p.parquet")
    raw = _read(tmp_path, _source("*.parquet"))
    assert len(raw) == 1 and "lacks the league's identity/name column(s) ['id']" in raw["read_error"][0]
    assert raw["encoding"][0] is None
