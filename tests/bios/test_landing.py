"""Reading landing files: every physical row becomes a raw row, unreadable ones keep their line and the reason."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from personax_platform.bios import schema
from personax_platform.bios.landing import NoLandingFiles, read_raw_bios
from personax_platform.config.datasets import SourceMapping


def _source(files: str, **extra) -> SourceMapping:
    return SourceMapping(files=files, identity=("id",), fields={"name": "name"}, **extra)


def _read(root: Path, source: SourceMapping) -> pl.DataFrame:
    return read_raw_bios(root, source, "athlepersona", "nba")


def test_csv_rows_are_kept_as_strings_with_physical_line_numbers(tmp_path):
    (tmp_path / "a.csv").write_text('id,name,note\n1,Jörg Müller,"two\nlines"\n2,Ana Ñúñez,x\n', encoding="utf-8")
    raw = _read(tmp_path, _source("*.csv"))
    assert raw["source_line"].to_list() == [2, 4]
    assert json.loads(raw["record"][0]) == {"id": "1", "name": "Jörg Müller", "note": "two\nlines"}
    assert raw["source_id"].to_list() == ["1", "2"]
    assert raw["source_file"].unique().to_list() == ["a.csv"]


def test_csv_row_with_wrong_field_count_is_kept_with_a_read_error(tmp_path):
    (tmp_path / "a.csv").write_text("id,name\n1,Ann\n2,Bo,extra\n")
    raw = _read(tmp_path, _source("*.csv"))
    bad = raw.filter(pl.col("read_error").is_not_null()).row(0, named=True)
    assert bad["source_line"] == 3 and "3 fields but the header has 2" in bad["read_error"]
    assert bad["record"] is None


def test_csv_delimiter_and_encoding_come_from_the_mapping(tmp_path):
    (tmp_path / "b.csv").write_bytes("id;name;Größe\n7;Åsa Öberg;1,88 m\n".encode("latin-1"))
    raw = _read(tmp_path, _source("*.csv", csv={"delimiter": ";", "encoding": "latin-1"}))
    assert json.loads(raw["record"][0])["Größe"] == "1,88 m"


def test_invalid_json_lines_are_kept_with_line_and_reason(tmp_path):
    (tmp_path / "p.jsonl").write_text('{"id": 1, "name": "A"}\n\n{"id": 2, "name": \n[1, 2]\n')
    raw = _read(tmp_path, _source("*.jsonl"))
    assert raw["source_line"].to_list() == [1, 3, 4]
    assert raw["read_error"][0] is None
    assert "invalid JSON" in raw["read_error"][1] and "expected a JSON object" in raw["read_error"][2]


def test_parquet_rows_are_numbered_from_one_and_numeric_ids_are_not_floats(tmp_path):
    pd.DataFrame({"id": [10.0, 11.0], "name": ["A", "B"]}).to_parquet(tmp_path / "p.parquet")
    raw = _read(tmp_path, _source("*.parquet"))
    assert raw["source_line"].to_list() == [1, 2] and raw["source_id"].to_list() == ["10", "11"]


def test_missing_identity_gives_no_source_id(tmp_path):
    (tmp_path / "a.csv").write_text("id,name\n,Ann\n")
    assert _read(tmp_path, _source("*.csv"))["source_id"].to_list() == [None]


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
    assert _read(tmp_path, _source("*.csv"))["source_file"].to_list() == ["a.csv", "b.csv", "c.csv"]


def test_a_windows_1252_roster_is_read_with_its_detected_encoding_recorded(tmp_path):
    rows = "".join(f"{i},Jürgen Müller {i},Mönchengladbach\n" for i in range(20))
    (tmp_path / "w.csv").write_bytes(("id,name,club\n" + rows).encode("cp1252"))
    (tmp_path / "u.csv").write_text("id,name,club\n99,Ann,Köln\n", encoding="utf-8")
    raw = _read(tmp_path, _source("*.csv"))
    assert raw["read_error"].is_null().all()
    assert json.loads(raw.filter(pl.col("source_file") == "w.csv")["record"][0])["name"] == "Jürgen Müller 0"
    encodings = raw.group_by("source_file").agg(pl.col("encoding").unique())
    assert dict(encodings.iter_rows()) == {"u.csv": ["utf-8"], "w.csv": ["cp1252"]}


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
    assert len(raw) == 2 and raw["read_error"].is_null().all() and raw["source_id"].to_list() == ["1", None]


def test_a_parquet_file_without_the_identity_column_is_rejected_whole(tmp_path):
    pd.DataFrame({"name": ["A", "B"]}).to_parquet(tmp_path / "p.parquet")
    raw = _read(tmp_path, _source("*.parquet"))
    assert len(raw) == 1 and "lacks the league's identity/name column(s) ['id']" in raw["read_error"][0]
    assert raw["encoding"][0] is None


def test_csv_records_are_the_json_text_of_the_row_as_a_dict(tmp_path):
    header = 'id,name,note,name\n'
    row = '1,"Ann ""A"" \\ Lee","tab\tcr\r\x01 end",Ann Lee\n'
    (tmp_path / "a.csv").write_text(header + row, encoding="utf-8", newline="")
    record = _read(tmp_path, _source("*.csv"))["record"][0]
    cells = ["1", 'Ann "A" \\ Lee', "tab\tcr\r\x01 end", "Ann Lee"]
    assert record == json.dumps(dict(zip(["id", "name", "note", "name"], cells)), ensure_ascii=False)


def test_csv_rows_good_and_bad_keep_their_line_order_and_ids_are_stripped(tmp_path):
    (tmp_path / "a.csv").write_text("id,name\n 1 ,Ann\n2,Bo,extra\nN/A,Cy\n")
    raw = _read(tmp_path, _source("*.csv"))
    assert raw["source_line"].to_list() == [2, 3, 4]
    assert raw["source_id"].to_list() == ["1", None, None]
    assert raw["read_error"].is_null().to_list() == [True, False, True]


def test_raw_rows_have_the_registered_raw_bios_types(tmp_path):
    (tmp_path / "a.csv").write_text("id,name\n1,Ann\n")
    raw = _read(tmp_path, _source("*.csv"))
    assert raw.to_arrow().schema.names == schema.RAW_BIOS.names
    assert raw.schema == schema.polars_schema(schema.RAW_BIOS)


def test_jsonl_lines_read_by_polars_or_python_give_what_pythons_json_gives(tmp_path):
    """Whichever reader takes a line (records.py), its record, source id and error are json's."""
    lines = ['{"id": 1, "name": "Ann"}', '{"id": 2, "name": "Bö \\u00e9"}', '   ', '{"id":3,"name":"C"}',
             '{"id": 4.0, "name": "D"}', '{"id": true, "name": "E"}', '{"name": "F"}', '{"id": " 7 ", "name": "G"}',
             '{"id": 8, "name": "H", "extra": [1, {"k": null}]}', '{"id": 9, "name": ', '[1]', 'null',
             '{"id": 10, "name": "J", "id": 11}', '{"id": "n/a", "name": "K"}', '{"id": 12, "name": "L"}']
    text = "\r\n".join(lines[:5]) + "\r" + "\n".join(lines[5:])  # the last line has no end
    (tmp_path / "p.jsonl").write_text(text, encoding="utf-8", newline="")
    raw = _read(tmp_path, _source("*.jsonl"))
    expected_lines = [n for n, line in enumerate(lines, start=1) if line.strip()]
    assert raw["source_line"].to_list() == expected_lines
    for row, number in zip(raw.iter_rows(named=True), expected_lines):
        line = lines[number - 1]
        try:
            parsed = json.loads(line + ("\n" if number < len(lines) else ""))  # as the file iterator gives it
        except json.JSONDecodeError as exc:
            assert row["read_error"] == f"invalid JSON ({exc.msg} at column {exc.colno}): {line.strip()[:200]}"
            assert row["record"] is None
            continue
        if not isinstance(parsed, dict):
            assert row["read_error"].startswith("expected a JSON object") and row["record"] is None
            continue
        assert row["read_error"] is None
        assert row["record"] == json.dumps(parsed, ensure_ascii=False)
        identity = parsed.get("id")
        expected_id = None if identity is None or str(identity).strip() in ("", "n/a") else (
            str(int(identity)) if isinstance(identity, float) else str(identity).strip())
        assert row["source_id"] == expected_id, line
